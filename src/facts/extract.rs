//! Extractors: which node of which export gives which fact.
//!
//! Object exports (`ConvertTo-Json`, `Export-Clixml`, `Export-Csv`) are recognized by the
//! properties their objects carry, not by the file: a `Win32_Service` listing is a listing of
//! objects with `Name` and `StartName`, whichever way it was serialized.

use std::sync::Arc;

use rhai::ImmutableString;

use super::{FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx, NodeKind, Scalar};
use crate::parse;

pub(super) fn extract(facts: &mut FactSet, doc: &Arc<Document>) {
    match doc.kind {
        DocKind::Registry => registry(facts, doc),
        DocKind::WinRmConfig => winrm(facts, doc),
        DocKind::Json | DocKind::Clixml | DocKind::Csv => {
            if doc.kind == DocKind::Clixml {
                clixml_stream_errors(facts, doc);
            }
            for obj in objects(doc) {
                if !object(facts, doc, obj) {
                    for member in member_objects(doc, obj) {
                        object(facts, doc, member);
                    }
                }
            }
            // Inside an inventory object only hosts are looked for: running every extractor on
            // every nested object doubled the cost of reading ordinary inventories.
            for obj in objects(doc) {
                for item in inventory_items(doc, obj) {
                    vmm_host(facts, doc, item);
                }
            }
        }
        // Each reader looks for its own root element or sections, so at most one of them
        // finds anything in a given file.
        DocKind::Xml => {
            hyperv_vm_xml(facts, doc);
            vmm_template_xml(facts, doc);
        }
        DocKind::Ini => {
            vmm_setup_ini(facts, doc);
            sql_setup_ini(facts, doc);
            configmgr_setup_ini(facts, doc);
        }
        DocKind::Text => text(facts, doc),
        DocKind::Log => log_errors(facts, doc),
        DocKind::PowerShellError => powershell_errors(facts, doc),
        DocKind::Facts | DocKind::Data => {}
    }
}

/// The objects of an object export: the root object, the elements of a root array, or the
/// rows of a table.
fn objects(doc: &Document) -> Vec<NodeIdx> {
    let root = Document::ROOT;
    let container = match doc.kind {
        DocKind::Csv => doc.child(root, "rows").unwrap_or(root),
        _ => root,
    };
    match doc.kind(container) {
        NodeKind::Array => doc
            .children(container)
            .iter()
            .copied()
            .filter(|&c| doc.kind(c) == NodeKind::Object)
            .collect(),
        NodeKind::Object if container == root && doc.kind != DocKind::Csv => vec![root],
        _ => Vec::new(),
    }
}

/// The members of an object export's object: its properties, or a CLIXML hashtable's entries.
/// A CSV row's cells are values, never objects.
fn members(doc: &Document, obj: NodeIdx) -> &[NodeIdx] {
    if doc.kind == DocKind::Csv {
        return &[];
    }
    doc.children(doc.child(obj, "@entries").unwrap_or(obj))
}

/// The single objects a collector script gathered into one unknown object, as
/// `@{ Service = Get-Service dhcp; OS = Get-CimInstance Win32_OperatingSystem }` serializes.
/// Lists are left to [`inventory_items`].
fn member_objects(doc: &Document, obj: NodeIdx) -> Vec<NodeIdx> {
    members(doc, obj)
        .iter()
        .copied()
        .filter(|&m| {
            doc.kind(m) == NodeKind::Object
                && doc.child(m, "@items").is_none()
                && doc.child(m, "@entries").is_none()
        })
        .collect()
}

/// The objects of an inventory script's result: an object (a hashtable) whose members are lists
/// of objects, as `@{ hosts = @(Get-SCVMHost); vms = @(...) }` serializes with `ConvertTo-Json`
/// (members are arrays) or `Export-Clixml` (a `DCT` whose values hold `@items`). A member may
/// also be a hashtable keyed by object ID (`@{ hosts = @{ $h.ID = @{ Properties = $h; ... } } }`,
/// as ManageIQ's VMM inventory script writes it), whose values are the objects, or wrap each one
/// with its related lists under `Properties`. Only that deep: deeper nesting is a property of an
/// object, not another export.
fn inventory_items(doc: &Document, obj: NodeIdx) -> Vec<NodeIdx> {
    let mut items = Vec::new();
    for &m in members(doc, obj) {
        match doc.kind(m) {
            NodeKind::Array => items.extend(doc.children(m)),
            NodeKind::Object => {
                if let Some(list) = doc.child(m, "@items") {
                    items.extend(doc.children(list));
                } else if let Some(by_id) = doc.child(m, "@entries") {
                    items.extend(doc.children(by_id).iter().map(|&v| {
                        doc.child(v, "@entries")
                            .and_then(|e| doc.child(e, "Properties"))
                            .unwrap_or(v)
                    }));
                }
            }
            _ => {}
        }
    }
    items.retain(|&c| doc.kind(c) == NodeKind::Object);
    items
}

/// A value as text. CLIXML enums arrive as objects whose `@string` is the name.
fn str_of(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    match doc.scalar(node) {
        Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().into()),
        Scalar::Int(i) => Some(i.to_string().into()),
        Scalar::Float(f) if f.is_finite() => Some(f.to_string().into()),
        Scalar::Bool(b) => Some(b.to_string().into()),
        _ if doc.kind(node) == NodeKind::Object => {
            doc.child(node, "@string").and_then(|s| str_of(doc, s))
        }
        _ => None,
    }
}

fn int_of(doc: &Document, node: NodeIdx) -> Option<i64> {
    match doc.scalar(node) {
        Scalar::Int(i) => Some(i),
        Scalar::Float(f) if f.fract() == 0.0 => Some(f as i64),
        Scalar::Str(s) => s.trim().replace([',', '\u{a0}', ' '], "").parse().ok(),
        _ => None,
    }
}

fn bool_of(doc: &Document, node: NodeIdx) -> Option<bool> {
    match doc.scalar(node) {
        Scalar::Bool(b) => Some(b),
        Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Scalar::Int(i) => Some(i != 0),
        // Invoke-Sqlcmd | Export-Csv writes SERVERPROPERTY ints as text.
        Scalar::Str("1") => Some(true),
        Scalar::Str("0") => Some(false),
        _ => None,
    }
}

const VMM_KEY: &str =
    r"hklm\software\microsoft\microsoft system center virtual machine manager server";
const CURRENT_VERSION_KEY: &str = r"hklm\software\microsoft\windows nt\currentversion";
const UNINSTALL_KEYS: [&str; 2] = [
    r"hklm\software\microsoft\windows\currentversion\uninstall\",
    r"hklm\software\wow6432node\microsoft\windows\currentversion\uninstall\",
];
const CBS_KEY: &str = r"hklm\software\microsoft\windows\currentversion\component based servicing";
const WU_REBOOT_KEY: &str =
    r"hklm\software\microsoft\windows\currentversion\windowsupdate\auto update\rebootrequired";
const SESSION_MANAGER_KEY: &str = r"hklm\system\currentcontrolset\control\session manager";

const SCHANNEL_PROTOCOLS_KEY: &str =
    r"hklm\system\currentcontrolset\control\securityproviders\schannel\protocols\";
const CREDSSP_POLICY_KEY: &str = r"hklm\software\policies\microsoft\windows\credentialsdelegation";

/// A `[key]` section of a `.reg` file: its node, its name as written and as compared.
struct RegKey<'a> {
    node: NodeIdx,
    written: &'a str,
    normalized: String,
}

fn registry(facts: &mut FactSet, doc: &Arc<Document>) {
    // Normalized once: a Component Based Servicing export has tens of thousands of keys.
    let keys: Vec<RegKey<'_>> = doc
        .children(Document::ROOT)
        .iter()
        .filter_map(|&node| {
            let written = doc.name(node)?.as_str();
            Some(RegKey {
                node,
                written,
                normalized: parse::registry_key_name(written),
            })
        })
        .collect();
    schannel_protocols(facts, doc, &keys);
    credssp_delegation(facts, doc, &keys);
    let vmm_setup = format!(r"{VMM_KEY}\setup");
    let vmm_library = format!(r"{VMM_KEY}\settings\library");
    let vmm_sql = format!(r"{VMM_KEY}\settings\sql");
    let vmm_settings = format!(r"{VMM_KEY}\settings");
    let cbs_reboot_pending = format!(r"{CBS_KEY}\rebootpending");
    for k in &keys {
        let (key, name) = (k.node, k.normalized.as_str());
        let value = |v: &str| doc.child(key, v);
        // The first of `values` that holds text gives the fact.
        let mut offer_str = |fact: &'static str, values: &[&str]| {
            if let Some((n, s)) = values
                .iter()
                .find_map(|v| value(v).and_then(|n| str_of(doc, n).map(|s| (n, s))))
            {
                facts.offer(fact, FactValue::Str(s), doc, n);
            }
        };
        if name == vmm_setup {
            offer_str("vmm.version", &["ProductVersion"]);
            offer_str("vmm.service_account", &["VmmServiceAccount"]);
        } else if name == vmm_library {
            offer_str("vmm.library_share_name", &["LibraryShareName"]);
            offer_str("vmm.library_share_path", &["LibrarySharePath"]);
        } else if name == vmm_sql {
            // The FQDN names the server unambiguously across domains; the short name is
            // better than nothing when an export lacks it.
            offer_str("vmm.sql_server", &["MachineFQDN", "MachineName"]);
            offer_str("vmm.database", &["DatabaseName"]);
        } else if name == vmm_settings {
            vmm_ports(facts, doc, key);
        } else if name == CURRENT_VERSION_KEY {
            current_version(facts, doc, key);
        } else if let Some(id) = UNINSTALL_KEYS.iter().find_map(|k| name.strip_prefix(k)) {
            if !id.contains('\\') {
                uninstall_entry(facts, doc, key);
            }
        } else if name == CBS_KEY {
            facts.restart_sources.0 = Some(super::Origin {
                doc: doc.clone(),
                node: key,
            });
        } else if name == cbs_reboot_pending || name == WU_REBOOT_KEY {
            facts.offer_evidence("reboot.pending", true, doc, key);
        } else if name == SESSION_MANAGER_KEY {
            facts.restart_sources.1 = Some(super::Origin {
                doc: doc.clone(),
                node: key,
            });
            if let Some(n) = value("PendingFileRenameOperations")
                && (doc.kind(n) == NodeKind::Array && !doc.children(n).is_empty()
                    || str_of(doc, n).is_some())
            {
                facts.offer_evidence("reboot.pending", true, doc, n);
            }
        }
    }
}

/// `SCHANNEL\Protocols\<protocol>\<Client|Server>` keys that set `Enabled` or
/// `DisabledByDefault`. A key written twice (hardening scripts do) is read as `reg import`
/// applies it: the later value wins.
fn schannel_protocols(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    type Setting = Option<(NodeIdx, bool)>;
    let mut protocols: Vec<(String, String, NodeIdx, Setting, Setting)> = Vec::new();
    for k in keys {
        let (key, name) = (k.node, k.written);
        let Some(rest) = k.normalized.strip_prefix(SCHANNEL_PROTOCOLS_KEY) else {
            continue;
        };
        let Some((protocol, _)) = rest.split_once('\\').filter(|(_, s)| !s.contains('\\')) else {
            continue;
        };
        // The names as written (`TLS 1.2`, `Server`), from the original key path.
        let written = &name[name.len() - rest.len()..];
        let (protocol, side) = written.split_at(protocol.len());
        let side = &side[1..];
        let flag = |v: &str| {
            doc.child(key, v)
                .and_then(|n| int_of(doc, n).map(|i| (n, i != 0)))
        };
        let (enabled, disabled) = (flag("Enabled"), flag("DisabledByDefault"));
        match protocols
            .iter_mut()
            .find(|p| p.0.eq_ignore_ascii_case(protocol) && p.1.eq_ignore_ascii_case(side))
        {
            Some(p) => {
                p.3 = enabled.or(p.3);
                p.4 = disabled.or(p.4);
            }
            None => protocols.push((protocol.to_owned(), side.to_owned(), key, enabled, disabled)),
        }
    }
    for (protocol, side, key, enabled, disabled) in protocols {
        if enabled.is_none() && disabled.is_none() {
            continue;
        }
        let mut r = Record::default();
        r.field("protocol", FactValue::Str(protocol.into()), doc, key);
        r.field("side", FactValue::Str(side.into()), doc, key);
        if let Some((n, b)) = enabled {
            r.field("enabled", FactValue::Bool(b), doc, n);
        }
        if let Some((n, b)) = disabled {
            r.field("disabled_by_default", FactValue::Bool(b), doc, n);
        }
        facts.add_record("tls.protocols", r);
    }
}

/// The servers a computer may delegate credentials to (CredSSP, as WinRM `-Authentication
/// CredSSP` and Hyper-V remote management use it): one record per listed server of each
/// `CredentialsDelegation` policy, with the policy's switch when the export has it.
fn credssp_delegation(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    for k in keys {
        let (key, name) = (k.node, k.written);
        let Some(policy) = k
            .normalized
            .strip_prefix(CREDSSP_POLICY_KEY)
            .and_then(|p| p.strip_prefix('\\'))
            .filter(|p| !p.is_empty() && !p.contains('\\'))
        else {
            continue;
        };
        let policy = &name[name.len() - policy.len()..];
        let switch = keys
            .iter()
            .rev()
            .filter(|p| p.normalized == CREDSSP_POLICY_KEY)
            .find_map(|p| {
                let n = doc.child(p.node, policy)?;
                int_of(doc, n).map(|i| (n, i != 0))
            });
        for &value in doc.children(key) {
            let Some(target) = str_of(doc, value) else {
                continue;
            };
            let mut r = Record::default();
            r.field("policy", FactValue::Str(policy.into()), doc, key);
            r.field("target", FactValue::Str(target), doc, value);
            if let Some((n, on)) = switch {
                r.field("enabled", FactValue::Bool(on), doc, n);
            }
            facts.add_record("credssp.delegation", r);
        }
    }
}

/// The ports VMM listens on, as Setup records them under `Settings`.
const VMM_PORT_VALUES: [&str; 6] = [
    "IndigoTcpPort",
    "IndigoHTTPSPort",
    "IndigoNETTCPPort",
    "IndigoHTTPPort",
    "WSManTcpPort",
    "BitsTcpPort",
];

fn vmm_ports(facts: &mut FactSet, doc: &Arc<Document>, key: NodeIdx) {
    for value in VMM_PORT_VALUES {
        if let Some(n) = doc.child(key, value)
            && let Some(port) = int_of(doc, n)
        {
            let mut r = Record::default();
            // The canonical spelling, so rules can match names whatever case the export has.
            r.field("name", FactValue::Str(value.into()), doc, n);
            r.field("port", FactValue::Int(port), doc, n);
            facts.add_record("vmm.ports", r);
        }
    }
}

fn uninstall_entry(facts: &mut FactSet, doc: &Arc<Document>, key: NodeIdx) {
    let Some(name) = doc
        .child(key, "DisplayName")
        .filter(|&n| str_of(doc, n).is_some())
    else {
        return;
    };
    let mut record = Record::default();
    if let Some(v) = str_of(doc, name) {
        record.field("name", FactValue::Str(v), doc, name);
    }
    for (field, value) in [("version", "DisplayVersion"), ("publisher", "Publisher")] {
        if let Some(n) = doc.child(key, value)
            && let Some(v) = str_of(doc, n)
        {
            record.field(field, FactValue::Str(v), doc, n);
        }
    }
    facts.add_record("software", record);
}

/// Windows 10 / Server 2016 and later keep `CurrentVersion` at "6.3" for old programs and put
/// the real version in `CurrentMajorVersionNumber`/`CurrentMinorVersionNumber`.
fn current_version(facts: &mut FactSet, doc: &Arc<Document>, key: NodeIdx) {
    let value = |v: &str| doc.child(key, v);
    if let Some(n) = value("ProductName")
        && let Some(s) = str_of(doc, n)
    {
        facts.offer("os.caption", FactValue::Str(s), doc, n);
    }
    let build_node = value("CurrentBuildNumber").or_else(|| value("CurrentBuild"));
    let build = build_node.and_then(|n| int_of(doc, n));
    if let (Some(n), Some(b)) = (build_node, build) {
        facts.offer("os.build", FactValue::Int(b), doc, n);
    }
    let major = value("CurrentMajorVersionNumber").and_then(|n| int_of(doc, n));
    let minor = value("CurrentMinorVersionNumber").and_then(|n| int_of(doc, n));
    let version = match (major, minor) {
        (Some(ma), Some(mi)) => Some(format!("{ma}.{mi}")),
        _ => value("CurrentVersion")
            .and_then(|n| str_of(doc, n))
            .map(|s| s.to_string()),
    };
    if let (Some(v), Some(b), Some(n)) = (version, build, build_node) {
        facts.offer(
            "os.version",
            FactValue::Str(format!("{v}.{b}").into()),
            doc,
            n,
        );
    }
}

fn winrm(facts: &mut FactSet, doc: &Arc<Document>) {
    // `winrm get winrm/config` nests Service under Config; `.../config/service` starts at it.
    let service = doc
        .lookup(Document::ROOT, "Config/Service")
        .or_else(|| doc.child(Document::ROOT, "Service"));
    let Some(service) = service else { return };
    for (name, key) in [
        (
            "MaxConcurrentOperationsPerUser",
            "winrm.max_concurrent_operations_per_user",
        ),
        ("MaxConnections", "winrm.max_connections"),
    ] {
        if let Some(n) = doc.child(service, name)
            && let Some(i) = int_of(doc, n)
        {
            facts.offer(key, FactValue::Int(i), doc, n);
        }
    }
    if let Some(n) = doc.child(service, "MaxConnections@Source")
        && let Some(s) = str_of(doc, n)
    {
        facts.offer("winrm.max_connections_source", FactValue::Str(s), doc, n);
    }
}

/// One object of an object export, by the properties it has.
/// Offers the facts of one exported object; false when it is not an object uplint knows.
fn object(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let has = |k: &str| doc.child(obj, k).is_some();
    let get = |k: &str| doc.child(obj, k);
    let str_field = |k: &str| get(k).and_then(|n| str_of(doc, n).map(|s| (n, s)));
    let int_field = |k: &str| get(k).and_then(|n| int_of(doc, n).map(|i| (n, i)));

    if let Some(marker) = get("UplintExport")
        && let Some(kind) = str_of(doc, marker)
    {
        match kind.as_str() {
            "vmm-encrypted-data" => vmm_encrypted_data(facts, doc, obj),
            "vmm-opsmgr-connection" => {
                facts.offer(
                    "vmm.opsmgr_connections_collected",
                    FactValue::Bool(true),
                    doc,
                    marker,
                );
                for item in list_items(doc, obj, "Connections") {
                    opsmgr_connection(facts, doc, item);
                }
            }
            "vmm-load-balancers" => {
                facts.offer(
                    "vmm.load_balancers_collected",
                    FactValue::Bool(true),
                    doc,
                    marker,
                );
                for item in list_items(doc, obj, "LoadBalancers") {
                    load_balancer(facts, doc, item);
                }
            }
            _ => {}
        }
        return true;
    }
    // Get-ADObject
    if let (Some((n, dn)), Some((cn, class))) =
        (str_field("DistinguishedName"), str_field("ObjectClass"))
    {
        let mut r = Record::default();
        r.field("dn", FactValue::Str(dn), doc, n);
        r.field("class", FactValue::Str(class), doc, cn);
        facts.add_record("ad.objects", r);
        return true;
    }
    // Win32_OperatingSystem
    if let (Some((cn, caption)), Some((vn, version)), true) = (
        str_field("Caption"),
        str_field("Version"),
        has("BuildNumber"),
    ) {
        // Hyper-V Server and Azure Stack HCI captions do not say "Windows".
        if ["Windows", "Hyper-V Server", "Azure Stack HCI"]
            .iter()
            .any(|w| caption.contains(w))
        {
            facts.offer("os.caption", FactValue::Str(caption), doc, cn);
            facts.offer("os.version", FactValue::Str(version), doc, vn);
            if let Some((n, b)) = int_field("BuildNumber") {
                facts.offer("os.build", FactValue::Int(b), doc, n);
            }
            if let Some((n, l)) = int_field("OSLanguage") {
                facts.offer("os.language", FactValue::Int(l), doc, n);
            }
            if let Some((n, kb)) = int_field("TotalVisibleMemorySize") {
                facts.offer("memory.total_mb", FactValue::Int(kb / 1024), doc, n);
            }
        }
        return true;
    }
    // Win32_ComputerSystem
    if has("PartOfDomain") || has("TotalPhysicalMemory") {
        if let Some((n, d)) = str_field("Domain") {
            facts.offer("computer.domain", FactValue::Str(d), doc, n);
        }
        if let Some(n) = get("PartOfDomain")
            && let Some(b) = bool_of(doc, n)
        {
            facts.offer("computer.domain_joined", FactValue::Bool(b), doc, n);
        }
        if let Some((n, bytes)) = int_field("TotalPhysicalMemory") {
            facts.offer(
                "memory.total_mb",
                FactValue::Int(bytes / (1024 * 1024)),
                doc,
                n,
            );
        }
        if let Some((n, lp)) = int_field("NumberOfLogicalProcessors") {
            facts.offer("cpu.logical_processors", FactValue::Int(lp), doc, n);
        }
        return true;
    }
    // Win32_Processor
    if let Some((n, vendor)) =
        str_field("Manufacturer").filter(|_| has("Stepping") || has("Family"))
    {
        facts.offer("cpu.vendor", FactValue::Str(vendor), doc, n);
        if let Some((n, f)) = int_field("Family") {
            facts.offer("cpu.family", FactValue::Int(f), doc, n);
        }
        if let Some((n, s)) = str_field("Stepping") {
            facts.offer("cpu.stepping", FactValue::Str(s), doc, n);
        }
        if let Some((n, model)) = str_field("Name") {
            facts.offer("cpu.model", FactValue::Str(model), doc, n);
        }
        return true;
    }
    // Get-SCOpsMgrConnection exported bare, without the collector's wrapper: it still shows a
    // connection, though no export can show there is none.
    if has("OpsMgrServerName") {
        opsmgr_connection(facts, doc, obj);
        return true;
    }
    // Get-SCLoadBalancer exported bare. A whole Win32_ComputerSystem also has a Manufacturer
    // and a Model, and was recognized above.
    if has("Address") && has("Manufacturer") && has("Model") {
        load_balancer(facts, doc, obj);
        return true;
    }
    // INFORMATION_SCHEMA.COLUMNS
    if let (Some((tn, table)), Some((cn, column))) =
        (str_field("TABLE_NAME"), str_field("COLUMN_NAME"))
    {
        let mut r = Record::default();
        r.field("table", FactValue::Str(table), doc, tn);
        r.field("column", FactValue::Str(column), doc, cn);
        if let Some((n, db)) = str_field("TABLE_CATALOG") {
            r.field("database", FactValue::Str(db), doc, n);
        }
        if let Some((n, t)) = str_field("DATA_TYPE") {
            r.field("type", FactValue::Str(t), doc, n);
        }
        // NULL (an empty CSV field) for types without a length; -1 for (max).
        if let Some((n, len)) = int_field("CHARACTER_MAXIMUM_LENGTH") {
            r.field("max_length", FactValue::Int(len), doc, n);
        }
        if let Some((n, nullable)) = str_field("IS_NULLABLE") {
            r.field("nullable", FactValue::Str(nullable), doc, n);
        }
        facts.add_record("sql.columns", r);
        return true;
    }
    // SQL Server SERVERPROPERTY(...) query
    if let Some((n, v)) = str_field("ProductVersion").filter(|_| has("Edition") || has("Collation"))
    {
        facts.offer("sql.version", FactValue::Str(v), doc, n);
        if let Some((n, e)) = str_field("Edition") {
            facts.offer("sql.edition", FactValue::Str(e), doc, n);
        }
        if let Some((n, c)) = str_field("Collation") {
            facts.offer("sql.collation", FactValue::Str(c), doc, n);
        }
        // Empty on SQL Server 2008 R2 and older, which have no AlwaysOn: no fact then.
        if let Some(n) = get("IsHadrEnabled")
            && let Some(b) = bool_of(doc, n)
        {
            facts.offer("sql.hadr_enabled", FactValue::Bool(b), doc, n);
        }
        return true;
    }
    // sys.databases
    if let Some((n, name)) = str_field("name").filter(|_| has("recovery_model_desc")) {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some((n, m)) = str_field("recovery_model_desc") {
            r.field("recovery_model", FactValue::Str(m), doc, n);
        }
        if let Some((n, s)) = str_field("state_desc") {
            r.field("state", FactValue::Str(s), doc, n);
        }
        facts.add_record("sql.databases", r);
        return true;
    }
    // sys.availability_databases_cluster joined with sys.availability_groups
    if let (Some((dn, database)), Some((gn, group))) =
        (str_field("database_name"), str_field("group_name"))
    {
        ag_database(facts, doc, (dn, database), (gn, group));
        return true;
    }
    // DBCC SQLPERF(LOGSPACE): sizes stay text, since they have decimals and their separator
    // follows the culture of the computer that ran Export-Csv.
    if let Some((n, database)) = str_field("Database Name").filter(|_| has("Log Size (MB)")) {
        let mut r = Record::default();
        r.field("database", FactValue::Str(database), doc, n);
        if let Some((n, size)) = str_field("Log Size (MB)") {
            r.field("log_size_mb", FactValue::Str(size), doc, n);
        }
        if let Some((n, used)) = str_field("Log Space Used (%)") {
            r.field("log_used_percent", FactValue::Str(used), doc, n);
        }
        facts.add_record("sql.log_space", r);
        return true;
    }
    // msdb.dbo.backupset, or dbatools Get-DbaDbBackupHistory
    let backup = match (str_field("database_name"), str_field("Database")) {
        (Some(db), _) if has("backup_finish_date") => Some((db, "type", "backup_finish_date")),
        (_, Some(db)) if has("End") && has("Type") => Some((db, "Type", "End")),
        _ => None,
    };
    if let Some(((dn, database), type_key, end_key)) = backup {
        let mut r = Record::default();
        r.field("database", FactValue::Str(database.clone()), doc, dn);
        if let Some((n, t)) = str_field(type_key) {
            r.field("type", FactValue::Str(t), doc, n);
        }
        if let Some((n, end)) = str_field(end_key) {
            r.field("finished", FactValue::Str(end), doc, n);
        }
        facts.add_record("sql.backups", r);
        if let Some((n, at)) = str_field("collected_at") {
            facts.offer("sql.collected_at", FactValue::Str(at), doc, n);
        }
        // dbatools names the availability group a backup was taken in.
        if let Some(group) = str_field("AvailabilityGroupName") {
            ag_database(facts, doc, (dn, database), group);
        }
        return true;
    }
    if vmm_host(facts, doc, obj) {
        return true;
    }
    // Get-VHD
    if let (Some((n, path)), true, true) = (str_field("Path"), has("VhdFormat"), has("Size")) {
        let mut r = Record::default();
        r.field("path", FactValue::Str(path), doc, n);
        for (field, key, names) in [
            ("format", "VhdFormat", VHD_FORMATS),
            ("type", "VhdType", VHD_TYPES),
        ] {
            if let Some(v) = get(key)
                && let Some(s) = enum_name(doc, v, names)
            {
                r.field(field, FactValue::Str(s), doc, v);
            }
        }
        for (field, key) in [("size_bytes", "Size"), ("file_size_bytes", "FileSize")] {
            if let Some((n, b)) = int_field(key) {
                r.field(field, FactValue::Int(b), doc, n);
            }
        }
        if let Some((n, parent)) = str_field("ParentPath") {
            r.field("parent", FactValue::Str(parent), doc, n);
        }
        facts.add_record("hyperv.vhds", r);
        return true;
    }
    // Get-SCJob: `CmdletName` tells a VMM job from a service or an adapter with a `Status`.
    if let (Some((n, name)), Some(status)) = (str_field("Name"), get("Status"))
        && has("CmdletName")
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some(s) = str_of(doc, status) {
            r.field("status", FactValue::Str(s), doc, status);
        }
        for (field, key) in [("cmdlet", "CmdletName"), ("started", "StartTime")] {
            if let Some((n, v)) = str_field(key) {
                r.field(field, FactValue::Str(v), doc, n);
            }
        }
        facts.add_record("vmm.jobs", r);
        return true;
    }
    // Get-VMHardDiskDrive: `Name` is the drive's ("Hard Drive on IDE controller number 0 at
    // location 0"), so it is recognized before anything that keys on `Name`.
    if let (Some((vn, vm)), Some(path)) = (str_field("VMName"), get("Path"))
        && has("ControllerType")
    {
        // A drive with no disk in it is not a disk to move, as in the configuration files.
        if let Some(p) = str_of(doc, path) {
            let mut r = Record::default();
            r.field("vm", FactValue::Str(vm), doc, vn);
            r.field("path", FactValue::Str(p), doc, path);
            // A pass-through disk has a disk number and no virtual hard disk file.
            let pass_through = get("DiskNumber").is_some_and(|n| int_of(doc, n).is_some());
            if !pass_through {
                r.field("type", FactValue::Str("VHD".into()), doc, path);
            }
            facts.add_record("hyperv.disks", r);
        }
        return true;
    }
    // Get-VMSnapshot. A whole Get-VM object has `VMName` and `ParentSnapshotName` (its current
    // checkpoint) too, but no `SnapshotType`; a whole snapshot also has `ProcessorCount`.
    if let (Some((vn, vm)), Some((n, name)), true) = (
        str_field("VMName"),
        str_field("Name"),
        has("ParentSnapshotName"),
    ) && (has("SnapshotType") || has_type(doc, obj, "VMSnapshot") || !has("ProcessorCount"))
    {
        let mut r = Record::default();
        r.field("vm", FactValue::Str(vm), doc, vn);
        r.field("name", FactValue::Str(name), doc, n);
        facts.add_record("hyperv.snapshots", r);
        return true;
    }
    // Get-VMSwitch
    if let (Some((n, name)), Some(t)) = (str_field("Name"), get("SwitchType")) {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some(kind) = switch_type(doc, t) {
            r.field("type", FactValue::Str(kind), doc, t);
        }
        facts.add_record("hyperv.switches", r);
        return true;
    }
    // Get-NetAdapter. Its `Status` would also fit Get-Service, so it goes first.
    if let Some((n, name)) =
        str_field("Name").filter(|_| has("InterfaceDescription") && has("MacAddress"))
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        for (field, key) in [
            ("description", "InterfaceDescription"),
            ("mac", "MacAddress"),
            ("status", "Status"),
        ] {
            if let Some((n, v)) = str_field(key) {
                r.field(field, FactValue::Str(v), doc, n);
            }
        }
        facts.add_record("nics", r);
        return true;
    }
    // An IIS application pool: `Get-Item IIS:\AppPools\<name>` (camelCase configuration
    // names) or `Get-IISAppPool` (PascalCase).
    if let Some((n, name)) = str_field("name").or_else(|| str_field("Name"))
        && (has("managedRuntimeVersion") || has("ManagedRuntimeVersion"))
        && (has("managedPipelineMode") || has("ManagedPipelineMode"))
    {
        iis_app_pool(facts, doc, obj, (n, name));
        return true;
    }
    // Get-NetIPAddress: `IPAddress`, or `IPv4Address` and `IPv6Address` of which one is null.
    if let (Some((n, interface)), Some(prefix)) = (str_field("InterfaceAlias"), get("PrefixLength"))
        && let Some(address) = ["IPAddress", "IPv4Address", "IPv6Address"]
            .iter()
            .filter_map(|k| get(k))
            .find(|&a| str_of(doc, a).is_some())
    {
        let prefix = int_of(doc, prefix).map(|p| (prefix, p));
        ip_address(facts, doc, (n, interface), address, prefix);
        return true;
    }
    // Win32_Service (StartName, State) or Get-Service (Status, ServiceName)
    if let Some((n, name)) = str_field("Name")
        .filter(|_| has("StartName") || has("ServiceName") || (has("Status") && has("DisplayName")))
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some((n, a)) = str_field("StartName") {
            r.field("account", FactValue::Str(a), doc, n);
        }
        if let Some((n, s)) = str_field("State")
            .or_else(|| get("Status").and_then(|n| service_status(doc, n).map(|s| (n, s))))
        {
            r.field("state", FactValue::Str(s), doc, n);
        }
        if let Some((n, m)) = str_field("StartMode").or_else(|| str_field("StartType")) {
            r.field("start_mode", FactValue::Str(m), doc, n);
        }
        facts.add_record("services", r);
        return true;
    }
    // Get-WindowsFeature
    if let (Some((n, name)), Some(installed)) = (str_field("Name"), get("Installed")) {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some(b) = bool_of(doc, installed) {
            r.field("installed", FactValue::Bool(b), doc, installed);
        }
        facts.add_record("features", r);
        return true;
    }
    // Win32_LogicalDisk or Get-Volume
    if let Some((n, name)) = str_field("DeviceID")
        .or_else(|| str_field("DriveLetter"))
        .filter(|_| has("Size"))
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some((n, size)) = int_field("Size") {
            r.field("size_bytes", FactValue::Int(size), doc, n);
        }
        if let Some((n, free)) = int_field("FreeSpace").or_else(|| int_field("SizeRemaining")) {
            r.field("free_bytes", FactValue::Int(free), doc, n);
        }
        facts.add_record("volumes", r);
        return true;
    }
    // Get-VM
    if let Some((n, name)) =
        str_field("Name").filter(|_| has("ProcessorCount") && has("MemoryStartup"))
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some(s) = get("State")
            && let Some(state) = vm_state(doc, s)
        {
            r.field("state", FactValue::Str(state), doc, s);
        }
        if let Some((n, p)) = int_field("ProcessorCount") {
            r.field("processors", FactValue::Int(p), doc, n);
        }
        if let Some((n, bytes)) = int_field("MemoryStartup") {
            r.field("memory_mb", FactValue::Int(bytes / (1024 * 1024)), doc, n);
        }
        facts.add_record("hyperv.vms", r);
        return true;
    }
    // Win32_Product (Name, Version, Vendor), Get-Package (Name, Version, ProviderName),
    // Get-InstalledModule and the PSGetModuleInfo.xml Install-Module leaves beside a module
    // (PSRepositoryItemInfo: Repository, InstalledLocation, CompanyName, Author).
    if let (Some((n, name)), Some((vn, version))) = (str_field("Name"), str_field("Version"))
        && (has("Vendor")
            || has("ProviderName")
            || has("IdentifyingNumber")
            || has("Repository") && (has("InstalledLocation") || has("CompanyName")))
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        r.field("version", FactValue::Str(version), doc, vn);
        if let Some((n, p)) = ["Vendor", "ProviderName", "CompanyName", "Author"]
            .iter()
            .find_map(|k| str_field(k))
        {
            r.field("publisher", FactValue::Str(p), doc, n);
        }
        facts.add_record("software", r);
        return true;
    }
    false
}

fn iis_app_pool(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    obj: NodeIdx,
    (n, name): (NodeIdx, ImmutableString),
) {
    // Both spellings: the WebAdministration provider and the IISAdministration module differ.
    let get = |node: NodeIdx, camel: &str| {
        let mut pascal = camel.to_owned();
        pascal[..1].make_ascii_uppercase();
        doc.child(node, camel).or_else(|| doc.child(node, &pascal))
    };
    let text =
        |node: NodeIdx, key: &str| get(node, key).and_then(|v| str_of(doc, v).map(|s| (v, s)));
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    // An empty runtime is "No Managed Code": no field.
    if let Some((v, runtime)) = text(obj, "managedRuntimeVersion") {
        r.field("runtime", FactValue::Str(runtime), doc, v);
    }
    if let Some((v, mode)) = get(obj, "managedPipelineMode").and_then(|v| {
        // Windows PowerShell 5.1 writes the enum as its number.
        match doc.scalar(v) {
            Scalar::Int(0) => Some((v, "Integrated".into())),
            Scalar::Int(1) => Some((v, "Classic".into())),
            _ => str_of(doc, v).map(|s| (v, s)),
        }
    }) {
        r.field("pipeline", FactValue::Str(mode), doc, v);
    }
    if let Some(v) = get(obj, "enable32BitAppOnWin64")
        && let Some(b) = bool_of(doc, v)
    {
        r.field("enable_32bit", FactValue::Bool(b), doc, v);
    }
    // The account the pool runs as: the user for SpecificUser, else the built-in identity.
    // The password next to it is never read.
    let model = get(obj, "processModel").unwrap_or(obj);
    let identity = text(model, "identityType").map(|(v, kind)| {
        match text(model, "userName").filter(|_| kind.eq_ignore_ascii_case("SpecificUser")) {
            Some(user) => user,
            None => (v, kind),
        }
    });
    if let Some((v, who)) = identity {
        r.field("identity", FactValue::Str(who), doc, v);
    }
    if let Some((v, state)) = text(obj, "state") {
        r.field("state", FactValue::Str(state), doc, v);
    }
    facts.add_record("iis.app_pools", r);
}

/// The items of a list property of a collector's wrapper object. Windows PowerShell 5.1 may
/// write a one-item list as the item itself.
fn list_items(doc: &Document, obj: NodeIdx, list: &str) -> Vec<NodeIdx> {
    let Some(items) = doc.child(obj, list) else {
        return Vec::new();
    };
    match doc.kind(items) {
        NodeKind::Array => doc
            .children(items)
            .iter()
            .copied()
            .filter(|&c| doc.kind(c) == NodeKind::Object)
            .collect(),
        NodeKind::Object => vec![items],
        _ => Vec::new(),
    }
}

/// One Operations Manager connection. The record exists even when none of its properties
/// could be read, pointing at the object: a connection whose server is unknown is still a
/// connection.
fn opsmgr_connection(facts: &mut FactSet, doc: &Arc<Document>, item: NodeIdx) {
    let field = |k: &str| {
        doc.child(item, k)
            .and_then(|n| str_of(doc, n).map(|s| (n, s)))
    };
    let mut r = Record::default();
    let (n, server) = field("OpsMgrServerName")
        .or_else(|| field("OpsMgrServer"))
        .unwrap_or((item, ImmutableString::new()));
    r.field("server", FactValue::Str(server), doc, n);
    if let Some((n, status)) = field("ConnectionStatus") {
        r.field("status", FactValue::Str(status), doc, n);
    }
    facts.add_record("vmm.opsmgr_connections", r);
}

/// One load balancer. Like a connection, it counts even when its properties are unreadable.
fn load_balancer(facts: &mut FactSet, doc: &Arc<Document>, item: NodeIdx) {
    let field = |k: &str| {
        doc.child(item, k)
            .and_then(|n| str_of(doc, n).map(|s| (n, s)))
    };
    let mut r = Record::default();
    let (n, address) = field("Address").unwrap_or((item, ImmutableString::new()));
    r.field("address", FactValue::Str(address), doc, n);
    for (name, key) in [
        ("name", "Name"),
        ("manufacturer", "Manufacturer"),
        ("model", "Model"),
    ] {
        if let Some((n, v)) = field(key) {
            r.field(name, FactValue::Str(v), doc, n);
        }
    }
    facts.add_record("vmm.load_balancers", r);
}

/// The lists of the encrypted-data collector (docs/bundle.md), one record per item.
fn vmm_encrypted_data(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) {
    if let Some(marker) = doc.child(obj, "UplintExport") {
        facts.offer(
            "vmm.encrypted_data_collected",
            FactValue::Bool(true),
            doc,
            marker,
        );
    }
    for (list, kind) in [
        ("RunAsAccounts", "run-as-account"),
        ("GuestOSProfiles", "guest-os-profile-password"),
        ("ServiceSettings", "service-setting"),
        ("ApplicationSettings", "application-setting"),
        ("SqlProductKeys", "sql-product-key"),
        ("WebDeployPasswords", "web-deploy-password"),
    ] {
        for item in list_items(doc, obj, list) {
            let Some(n) = doc.child(item, "Name") else {
                continue;
            };
            let Some(name) = str_of(doc, n) else { continue };
            let mut r = Record::default();
            r.field("kind", FactValue::Str(kind.into()), doc, n);
            r.field("name", FactValue::Str(name), doc, n);
            if let Some(o) = doc
                .child(item, "Owner")
                .or_else(|| doc.child(item, "UserName"))
                && let Some(owner) = str_of(doc, o)
            {
                r.field("owner", FactValue::Str(owner), doc, o);
            }
            facts.add_record("vmm.encrypted_data", r);
        }
    }
}

/// One Get-SCVMHost object, as the export command writes it (flat strings) or as a whole
/// object (`OperatingSystem.Name`, `OperatingSystem.Version` as major/minor/build parts).
/// A Get-SCVirtualMachine object has a platform and an OS too, but names its host; only a host
/// has the Hyper-V version, agent, processor count or state. Returns whether it was one.
fn vmm_host(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let get = |k: &str| doc.child(obj, k);
    let Some(platform) =
        get("VirtualizationPlatformString").or_else(|| get("VirtualizationPlatform"))
    else {
        return false;
    };
    let Some((n, name)) = get("Name").and_then(|n| str_of(doc, n).map(|s| (n, s))) else {
        return false;
    };
    let host_only = [
        "HyperVVersion",
        "HyperVVersionString",
        "AgentVersion",
        "LogicalProcessorCount",
        "CommunicationStateString",
    ];
    if get("HostName").is_some()
        || get("VMHost").is_some()
        || !host_only.iter().any(|k| get(k).is_some())
    {
        return false;
    }
    let os = get("OperatingSystem");
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    // Text in a Select-Object export, a `Version` in CLIXML, {Major, Minor, Build} in JSON.
    let version = ["OperatingSystemVersionString", "OperatingSystemVersion"]
        .iter()
        .find_map(|k| get(k))
        .or_else(|| os.and_then(|o| doc.child(o, "Version")))
        .and_then(|v| str_of(doc, v).map(|s| (v, s)))
        .or_else(|| {
            let v = doc.child(os?, "Version")?;
            let part = |p: &str| doc.child(v, p).and_then(|n| int_of(doc, n));
            let text = format!("{}.{}.{}", part("Major")?, part("Minor")?, part("Build")?);
            Some((v, text.into()))
        });
    if let Some((v, s)) = version {
        r.field("os_version", FactValue::Str(s), doc, v);
    }
    if let Some((v, s)) = get("OperatingSystemName")
        .or_else(|| os.and_then(|o| doc.child(o, "Name")))
        .and_then(|v| str_of(doc, v).map(|s| (v, s)))
    {
        r.field("os_name", FactValue::Str(s), doc, v);
    }
    if let Some(s) = str_of(doc, platform) {
        r.field("platform", FactValue::Str(s), doc, platform);
    }
    for (field, keys) in [
        ("agent_version", ["AgentVersion", "AgentVersionString"]),
        ("state", ["CommunicationStateString", "CommunicationState"]),
    ] {
        if let Some((v, s)) = keys
            .iter()
            .find_map(|k| get(k))
            .and_then(|v| str_of(doc, v).map(|s| (v, s)))
        {
            r.field(field, FactValue::Str(s), doc, v);
        }
    }
    facts.add_record("vmm.hosts", r);
    true
}

/// `Microsoft.Vhd.PowerShell.VhdFormat` and `VhdType` by number, for exports where
/// `ConvertTo-Json` wrote the enum as an integer.
const VHD_FORMATS: &[(i64, &str)] = &[(2, "VHD"), (3, "VHDX"), (4, "VHDSet")];
const VHD_TYPES: &[(i64, &str)] = &[(2, "Fixed"), (3, "Dynamic"), (4, "Differencing")];

/// An enum value as its name: written as text, or as a number from `names` (a number not in
/// the table stays a number, as text).
fn enum_name(doc: &Document, node: NodeIdx, names: &[(i64, &str)]) -> Option<ImmutableString> {
    if let Scalar::Int(i) = doc.scalar(node) {
        return Some(
            names
                .iter()
                .find(|(n, _)| *n == i)
                .map_or_else(|| i.to_string().into(), |(_, s)| (*s).into()),
        );
    }
    str_of(doc, node)
}

/// VMM setup's answer file. SQL Server's ConfigurationFile.ini also has an `[OPTIONS]`
/// section, so only a section with VMM's own keys counts.
fn vmm_setup_ini(facts: &mut FactSet, doc: &Arc<Document>) {
    let Some(options) = doc.child(Document::ROOT, "OPTIONS") else {
        return;
    };
    let is_vmm = [
        "VmmServiceLocalAccount",
        "TopContainerName",
        "IndigoTcpPort",
        "LibraryShareName",
    ]
    .iter()
    .any(|k| doc.child(options, k).is_some());
    if !is_vmm {
        return;
    }
    if let Some(n) = doc.child(options, "TopContainerName")
        && let Some(dn) = str_of(doc, n)
    {
        facts.offer("vmm.dkm_container", FactValue::Str(dn), doc, n);
    }
    for (key, fact) in [
        ("VmmServiceLocalAccount", "vmm.service_local_account"),
        ("HighlyAvailable", "vmm.highly_available"),
    ] {
        if let Some(n) = doc.child(options, key)
            && let Some(b) = bool_of(doc, n)
        {
            facts.offer(fact, FactValue::Bool(b), doc, n);
        }
    }
}

/// SQL Server setup's answer file (`ConfigurationFile.ini`): an `[OPTIONS]` section with
/// `ACTION` and the instance or features it acts on. VMM's `VMServer.ini` also has `[OPTIONS]`,
/// but none of these keys. The values are what setup was (or will be) run with.
fn sql_setup_ini(facts: &mut FactSet, doc: &Arc<Document>) {
    let Some(options) = doc.child(Document::ROOT, "OPTIONS") else {
        return;
    };
    let key = |k: &str| doc.child(options, k);
    let is_sql = key("ACTION").is_some()
        && ["FEATURES", "INSTANCENAME", "INSTANCEID"]
            .iter()
            .any(|k| key(k).is_some());
    if !is_sql {
        return;
    }
    for (k, fact) in [
        ("ACTION", "sql.setup.action"),
        ("INSTANCENAME", "sql.setup.instance_name"),
        ("FEATURES", "sql.setup.features"),
        ("SQLCOLLATION", "sql.setup.collation"),
        ("SQLSVCACCOUNT", "sql.setup.service_account"),
    ] {
        if let Some(n) = key(k)
            && let Some(v) = str_of(doc, n)
        {
            facts.offer(fact, FactValue::Str(v), doc, n);
        }
    }
}

/// Configuration Manager setup's script (`setup.exe /SCRIPT`, or the `ConfigMgrAutoSave.ini`
/// the wizard saves): `[Identification] Action` with the site's `[Options]` or
/// `[SQLConfigOptions]`.
fn configmgr_setup_ini(facts: &mut FactSet, doc: &Arc<Document>) {
    let section = |s: &str| doc.child(Document::ROOT, s);
    let Some(action) = section("Identification").and_then(|s| doc.child(s, "Action")) else {
        return;
    };
    let (options, sql) = (section("Options"), section("SQLConfigOptions"));
    let key = |s: Option<NodeIdx>, k: &str| s.and_then(|s| doc.child(s, k));
    let is_configmgr = key(options, "SiteCode").is_some()
        || key(options, "SMSInstallDir").is_some()
        || key(sql, "SQLServerName").is_some();
    if !is_configmgr {
        return;
    }
    for (node, fact) in [
        (Some(action), "configmgr.setup.action"),
        (key(options, "SiteCode"), "configmgr.site_code"),
        (key(options, "SiteName"), "configmgr.site_name"),
        (key(sql, "SQLServerName"), "configmgr.sql_server"),
        (key(sql, "DatabaseName"), "configmgr.database"),
    ] {
        if let Some(n) = node
            && let Some(v) = str_of(doc, n)
        {
            facts.offer(fact, FactValue::Str(v), doc, n);
        }
    }
}

const OVF_NS: &str = "http://schemas.dmtf.org/ovf/envelope/1";
const VMMST_NS: &str = "http://www.microsoft.com/schema/vmmst";

/// The prefix an element declares for a namespace (`xmlns:vmmst="..."` gives `vmmst`, a
/// default `xmlns="..."` the empty prefix). Exports declare them on the root element.
fn xml_prefix(doc: &Document, element: NodeIdx, namespace: &str) -> Option<String> {
    doc.children(element).iter().find_map(|&c| {
        let name = doc.name(c)?;
        let prefix = match name.strip_prefix("@xmlns") {
            Some("") => "",
            Some(rest) => rest.strip_prefix(':')?,
            None => return None,
        };
        (str_of(doc, c)?.as_str() == namespace).then(|| prefix.to_owned())
    })
}

/// An element or attribute name as written with `prefix`.
fn xml_name(prefix: &str, local: &str) -> String {
    if prefix.is_empty() {
        local.to_owned()
    } else {
        format!("{prefix}:{local}")
    }
}

/// A VMM template export (`Export-SCTemplate`): an OVF `Envelope` that declares VMM's `vmmst`
/// namespace. The template is the `VirtualSystem` (a VM template) or `VirtualSystemCollection`
/// (a service template) the envelope describes, named by its `Name` or else its `id`. Gives the
/// library resources it references by share path (`References/File` with `vmmst:resourceURI`)
/// and the Run As accounts it uses (`vmmst:RunAsAccount` elements, anywhere in the envelope).
/// Namespaces are matched by URI, so any prefix works.
fn vmm_template_xml(facts: &mut FactSet, doc: &Arc<Document>) {
    let Some(envelope) = doc.children(Document::ROOT).iter().copied().find(|&c| {
        doc.name(c)
            .is_some_and(|n| n.rsplit(':').next() == Some("Envelope"))
    }) else {
        return;
    };
    let (Some(ovf), Some(vmmst)) = (
        xml_prefix(doc, envelope, OVF_NS),
        xml_prefix(doc, envelope, VMMST_NS),
    ) else {
        return;
    };
    let ovf = |local: &str| xml_name(&ovf, local);
    let vmmst = |local: &str| xml_name(&vmmst, local);
    let attr = |at: NodeIdx, name: &str| {
        doc.child(at, &format!("@{name}"))
            .and_then(|n| str_of(doc, n).map(|s| (n, s)))
    };
    let Some(system) = ["VirtualSystem", "VirtualSystemCollection"]
        .iter()
        .find_map(|l| doc.child(envelope, &ovf(l)))
    else {
        return;
    };
    let name = doc
        .lookup(system, &format!("{}/#text", ovf("Name")))
        .and_then(|n| str_of(doc, n).map(|s| (n, s)))
        .or_else(|| attr(system, &ovf("id")));
    let Some((tn, template)) = name else {
        return;
    };

    if let Some(references) = doc.child(envelope, &ovf("References")) {
        let file = ovf("File");
        for &f in doc.children(references) {
            if doc.name(f).is_none_or(|n| n.as_str() != file) {
                continue;
            }
            let Some((pn, path)) = attr(f, &vmmst("resourceURI")) else {
                continue;
            };
            let mut r = Record::default();
            r.field("template", FactValue::Str(template.clone()), doc, tn);
            if let Some((n, name)) = attr(f, &vmmst("resourceName"))
                .or_else(|| attr(f, &ovf("href")))
                .or_else(|| attr(f, &ovf("id")))
            {
                r.field("name", FactValue::Str(name), doc, n);
            }
            r.field("path", FactValue::Str(path), doc, pn);
            facts.add_record("vmm.template_resources", r);
        }
    }

    // Document order, so the records read in the order of the file.
    let run_as = vmmst("RunAsAccount");
    let mut stack = vec![envelope];
    while let Some(at) = stack.pop() {
        if doc.name(at).is_some_and(|n| n.as_str() == run_as)
            && let Some((n, account)) = attr(at, &vmmst("name"))
        {
            let mut r = Record::default();
            r.field("template", FactValue::Str(template.clone()), doc, tn);
            r.field("account", FactValue::Str(account), doc, n);
            facts.add_record("vmm.template_run_as", r);
        }
        stack.extend(
            doc.children(at)
                .iter()
                .rev()
                .copied()
                .filter(|&c| doc.kind(c) == NodeKind::Object),
        );
    }
}

fn ag_database(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    (dn, database): (NodeIdx, ImmutableString),
    (gn, group): (NodeIdx, ImmutableString),
) {
    let mut r = Record::default();
    r.field("database", FactValue::Str(database), doc, dn);
    r.field("group", FactValue::Str(group), doc, gn);
    facts.add_record("sql.ag_databases", r);
}

/// Whether a CLIXML object names a type ending in `suffix` (`Deserialized.`, `Selected.` and
/// the namespace vary with how it was exported).
fn has_type(doc: &Document, obj: NodeIdx, suffix: &str) -> bool {
    let suffix = suffix.to_ascii_lowercase();
    doc.child(obj, "@types").is_some_and(|types| {
        doc.children(types).iter().any(|&t| {
            str_of(doc, t).is_some_and(|name| name.to_ascii_lowercase().ends_with(&suffix))
        })
    })
}

/// `Get-VMSwitch` SwitchType: a name, or the `VMSwitchType` number in Windows PowerShell 5.1 JSON.
fn switch_type(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    match doc.scalar(node) {
        Scalar::Int(0) => Some("Private".into()),
        Scalar::Int(1) => Some("Internal".into()),
        Scalar::Int(2) => Some("External".into()),
        _ => str_of(doc, node),
    }
}

/// `Get-Service` Status: a name in CLIXML or PowerShell 7, a number in Windows PowerShell 5.1.
fn service_status(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    const NAMES: [&str; 7] = [
        "Stopped",
        "StartPending",
        "StopPending",
        "Running",
        "ContinuePending",
        "PausePending",
        "Paused",
    ];
    match doc.scalar(node) {
        Scalar::Int(i) => usize::try_from(i - 1)
            .ok()
            .and_then(|i| NAMES.get(i))
            .map(|s| (*s).into()),
        _ => str_of(doc, node),
    }
}

/// `Get-VM` State: a name, or the `VMState` number in Windows PowerShell 5.1 JSON.
fn vm_state(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    match doc.scalar(node) {
        Scalar::Int(2) => Some("Running".into()),
        Scalar::Int(3) => Some("Off".into()),
        Scalar::Int(6) => Some("Saved".into()),
        Scalar::Int(9) => Some("Paused".into()),
        _ => str_of(doc, node),
    }
}

/// A Hyper-V VM configuration file (Windows Server 2008 R2 to 2012 R2): `<configuration>` with
/// typed elements whose text is the value.
fn hyperv_vm_xml(facts: &mut FactSet, doc: &Arc<Document>) {
    let Some(config) = doc.child(Document::ROOT, "configuration") else {
        return;
    };
    let text = |path: &str| doc.lookup(config, &format!("{path}/#text"));
    let Some(name) = text("properties/name") else {
        return;
    };
    let vm = str_of(doc, name);
    let mut r = Record::default();
    if let Some(v) = vm.clone() {
        r.field("name", FactValue::Str(v), doc, name);
    }
    if let Some(n) = text("settings/processors/count")
        && let Some(c) = int_of(doc, n)
    {
        r.field("processors", FactValue::Int(c), doc, n);
    }
    if let Some(n) = text("settings/memory/bank/size")
        && let Some(mb) = int_of(doc, n)
    {
        r.field("memory_mb", FactValue::Int(mb), doc, n);
    }
    facts.add_record("hyperv.vms", r);
    if let Some(vm) = vm {
        vm_xml_disks(facts, doc, config, (name, vm));
    }
}

/// Device classes of the controllers that hold disks: emulated IDE and synthetic SCSI.
const IDE_CLASS: &str = "83f8638b-8dca-4152-9eda-2ca8b33039b4";
const SCSI_CLASS: &str = "d422512d-2bf2-4752-809d-7b82b5fcb1b4";

/// The drives of a VM configuration file. A device's settings are under `_<instance>_`; the
/// IDE controller's instance is its class GUID, while a SCSI controller's instance is listed
/// in `manifest/vdevNNN` (`device` = class, `instance`), so both ways are looked up.
fn vm_xml_disks(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    config: NodeIdx,
    (name_node, vm): (NodeIdx, ImmutableString),
) {
    let text_of = |at: NodeIdx, path: &str| {
        doc.lookup(at, &format!("{path}/#text"))
            .and_then(|n| str_of(doc, n).map(|s| (n, s)))
    };
    let mut instances: Vec<String> = vec![IDE_CLASS.to_owned(), SCSI_CLASS.to_owned()];
    if let Some(manifest) = doc.child(config, "manifest") {
        for &vdev in doc.children(manifest) {
            let class = text_of(vdev, "device").map(|(_, s)| s.to_ascii_lowercase());
            if let (Some(class), Some((_, instance))) = (class, text_of(vdev, "instance"))
                && (class == IDE_CLASS || class == SCSI_CLASS)
            {
                let instance = instance.to_ascii_lowercase();
                if !instances.contains(&instance) {
                    instances.push(instance);
                }
            }
        }
    }
    for instance in &instances {
        let Some(device) = doc.child(config, &format!("_{instance}_")) else {
            continue;
        };
        let controllers = doc.children(device).iter().filter(|&&c| {
            doc.name(c)
                .is_some_and(|n| n.to_ascii_lowercase().starts_with("controller"))
        });
        for &controller in controllers {
            for &drive in doc.children(controller) {
                let (Some((pn, path)), Some((tn, kind))) =
                    (text_of(drive, "pathname"), text_of(drive, "type"))
                else {
                    continue;
                };
                if kind.eq_ignore_ascii_case("NONE") {
                    continue;
                }
                let mut r = Record::default();
                r.field("vm", FactValue::Str(vm.clone()), doc, name_node);
                r.field("path", FactValue::Str(path), doc, pn);
                r.field("type", FactValue::Str(kind), doc, tn);
                facts.add_record("hyperv.disks", r);
            }
        }
    }
}

/// Labelled command output: `systeminfo` and `Get-ChildItem WSMan:\...` tables.
fn text(facts: &mut FactSet, doc: &Arc<Document>) {
    let root = Document::ROOT;
    let field = |k: &str| doc.child(root, k);
    if let (Some(os), Some(version)) = (field("OS Name"), field("OS Version")) {
        if let Some(s) = str_of(doc, os) {
            facts.offer("os.caption", FactValue::Str(s), doc, os);
        }
        // "6.3.9600 N/A Build 9600"
        if let Some(text) = str_of(doc, version) {
            if let Some(v) = text.split_whitespace().next() {
                facts.offer("os.version", FactValue::Str(v.into()), doc, version);
            }
            if let Some(build) = text
                .rsplit_once("Build ")
                .and_then(|(_, b)| b.trim().parse::<i64>().ok())
            {
                facts.offer("os.build", FactValue::Int(build), doc, version);
            }
        }
        if let Some(n) = field("Total Physical Memory")
            && let Some(s) = str_of(doc, n)
            && let Ok(mb) = s
                .trim_end_matches("MB")
                .trim()
                .replace([',', '.', '\u{a0}', ' '], "")
                .parse::<i64>()
        {
            facts.offer("memory.total_mb", FactValue::Int(mb), doc, n);
        }
        if let Some(n) = field("Domain")
            && let Some(s) = str_of(doc, n)
        {
            facts.offer("computer.domain", FactValue::Str(s), doc, n);
        }
        return;
    }
    // ipconfig /all
    if let Some(adapters) = field("adapters").filter(|&a| doc.kind(a) == NodeKind::Array) {
        for &adapter in doc.children(adapters) {
            ipconfig_adapter(facts, doc, adapter);
        }
        return;
    }
    let path = field("WSManConfig")
        .and_then(|n| str_of(doc, n))
        .map(|p| p.to_ascii_lowercase());
    // Get-ChildItem 'WSMan:\localhost\Plugin\WMI Provider\Quotas', or a folder above it with
    // -Recurse, where the quotas are the table nested under the `Quotas` container.
    let wmi_quotas = match path.as_deref() {
        Some(p) if p.ends_with("\\plugin\\wmi provider\\quotas") => field("items"),
        Some(p) if p.ends_with("\\plugin\\wmi provider") => doc.lookup(root, "items/Quotas/items"),
        Some(p) if p.ends_with("\\plugin") => {
            doc.lookup(root, "items/WMI Provider/items/Quotas/items")
        }
        _ => None,
    };
    if let Some(items) = wmi_quotas {
        if let Some(item) = doc.child(items, "MaxConcurrentOperationsPerUser")
            && let Some(n) = doc.child(item, "Value")
            && let Some(i) = int_of(doc, n)
        {
            facts.offer(
                "winrm.wmi_plugin_max_operations_per_user",
                FactValue::Int(i),
                doc,
                n,
            );
        }
        return;
    }
    // Get-ChildItem WSMan:\localhost\Service
    let is_service = path.is_some_and(|p| p.ends_with("\\service"));
    if let (true, Some(items)) = (is_service, field("items")) {
        for (name, key) in [
            (
                "MaxConcurrentOperationsPerUser",
                "winrm.max_concurrent_operations_per_user",
            ),
            ("MaxConnections", "winrm.max_connections"),
        ] {
            if let Some(item) = doc.child(items, name)
                && let Some(n) = doc.child(item, "Value")
                && let Some(i) = int_of(doc, n)
            {
                facts.offer(key, FactValue::Int(i), doc, n);
                if key == "winrm.max_connections"
                    && let Some(src) = doc.child(item, "SourceOfValue")
                    && let Some(s) = str_of(doc, src)
                {
                    facts.offer("winrm.max_connections_source", FactValue::Str(s), doc, src);
                }
            }
        }
    }
}

/// One adapter of `ipconfig /all`. Output in another language has no `type` and its labels
/// are not translated, so it gives nothing rather than a guess.
fn ipconfig_adapter(facts: &mut FactSet, doc: &Arc<Document>, adapter: NodeIdx) {
    let field = |k: &str| {
        doc.child(adapter, k)
            .and_then(|n| str_of(doc, n).map(|s| (n, s)))
    };
    let Some((_, kind)) = field("type") else {
        return;
    };
    // ISATAP, Teredo and 6to4 pseudo-interfaces are not network cards.
    if kind.eq_ignore_ascii_case("Tunnel adapter") {
        return;
    }
    let Some((name_node, name)) = field("name") else {
        return;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, name_node);
    if let Some((n, d)) = field("Description") {
        r.field("description", FactValue::Str(d), doc, n);
    }
    if let Some((n, mac)) = field("Physical Address") {
        r.field("mac", FactValue::Str(mac), doc, n);
    }
    // Get-NetAdapter's words: ipconfig prints only enabled adapters, and a media state only
    // for those without a link.
    let status = match field("Media State") {
        Some((n, s)) if s.eq_ignore_ascii_case("Media disconnected") => (n, "Disconnected"),
        Some((n, _)) => (n, "Up"),
        None => (name_node, "Up"),
    };
    r.field("status", FactValue::Str(status.1.into()), doc, status.0);
    facts.add_record("nics", r);
    ipconfig_addresses(facts, doc, adapter, name_node);
}

/// The addresses of one `ipconfig /all` adapter. The n-th IPv4 address goes with the n-th
/// subnet mask; ipconfig prints no IPv6 prefix length, so IPv6 records have none.
fn ipconfig_addresses(facts: &mut FactSet, doc: &Arc<Document>, adapter: NodeIdx, name: NodeIdx) {
    let Some(interface) = str_of(doc, name) else {
        return;
    };
    // A label printed once is a value, printed several times an array of them.
    let values = |label: &str| -> Vec<NodeIdx> {
        match doc.child(adapter, label) {
            Some(n) if doc.kind(n) == NodeKind::Array => doc.children(n).to_vec(),
            Some(n) => vec![n],
            None => Vec::new(),
        }
    };
    let masks = values("Subnet Mask");
    // Windows XP and 2003 say `IP Address`; APIPA addresses are `Autoconfiguration`.
    let v4 = [
        "IPv4 Address",
        "IP Address",
        "Autoconfiguration IPv4 Address",
    ]
    .iter()
    .flat_map(|l| values(l));
    for (i, address) in v4.enumerate() {
        let prefix = masks.get(i).and_then(|&m| {
            str_of(doc, m)
                .and_then(|s| prefix_of_mask(&s))
                .map(|p| (m, p))
        });
        ip_address(facts, doc, (name, interface.clone()), address, prefix);
    }
    for label in [
        "IPv6 Address",
        "Temporary IPv6 Address",
        "Link-local IPv6 Address",
    ] {
        for address in values(label) {
            ip_address(facts, doc, (name, interface.clone()), address, None);
        }
    }
}

/// `255.255.254.0` → 23; `None` for text that is not a contiguous IPv4 mask.
fn prefix_of_mask(mask: &str) -> Option<i64> {
    let bits = mask.parse::<std::net::Ipv4Addr>().ok().map(u32::from)?;
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(i64::from(bits.leading_ones()))
}

fn ip_address(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    (interface_node, interface): (NodeIdx, ImmutableString),
    address: NodeIdx,
    prefix: Option<(NodeIdx, i64)>,
) {
    let Some(text) = str_of(doc, address) else {
        return;
    };
    let mut r = Record::default();
    r.field("interface", FactValue::Str(interface), doc, interface_node);
    r.field("address", FactValue::Str(text), doc, address);
    if let Some((n, p)) = prefix {
        r.field("prefix_length", FactValue::Int(p), doc, n);
    }
    facts.add_record("ip_addresses", r);
}

/// CMTrace's severity of an error entry (1 information, 2 warning, 0 verbose).
const LOG_ERROR_TYPE: i64 = 3;

/// The error entries of a component log. Entries of the old SMS layout carry no severity and
/// are never taken for errors, whatever their words say.
fn log_errors(facts: &mut FactSet, doc: &Arc<Document>) {
    for &entry in doc.children(Document::ROOT) {
        let is_error = doc
            .child(entry, "type")
            .is_some_and(|n| doc.scalar(n) == Scalar::Int(LOG_ERROR_TYPE));
        if !is_error {
            continue;
        }
        let Some(message) = doc.child(entry, "message") else {
            continue;
        };
        let text = |name: &str| {
            doc.child(entry, name)
                .map(|n| (n, str_of(doc, n).unwrap_or_default()))
        };
        let mut r = Record::default();
        // The component names the record, as a name does elsewhere; an entry without one
        // still counts, its field pointing at the message.
        let (cn, component) = text("component").unwrap_or((message, ImmutableString::new()));
        r.field("component", FactValue::Str(component), doc, cn);
        let msg = str_of(doc, message).unwrap_or_default();
        r.field("message", FactValue::Str(msg), doc, message);
        match (text("date"), text("time")) {
            (Some((_, date)), Some((tn, time))) => {
                let stamp = log_timestamp(&date, &time)
                    .map_or_else(|| format!("{date} {time}").into(), ImmutableString::from);
                r.field("time", FactValue::Str(stamp), doc, tn);
            }
            (Some((n, s)), None) | (None, Some((n, s))) => {
                r.field("time", FactValue::Str(s), doc, n);
            }
            (None, None) => {}
        }
        if let Some((n, file)) = text("file").filter(|(_, f)| !f.is_empty()) {
            r.field("file", FactValue::Str(file), doc, n);
        }
        facts.add_record("log.errors", r);
    }
}

/// The message a `collection.errors` record keeps: the first characters of the (joined) message.
fn error_message(message: &str) -> ImmutableString {
    parse::powershell_error_summary(message).into()
}

/// `collection.errors` from a file of rendered PowerShell errors: each field points at its
/// own line of the record.
fn powershell_errors(facts: &mut FactSet, doc: &Arc<Document>) {
    for &err in doc.children(Document::ROOT) {
        let Some(message) = doc.child(err, "message") else {
            continue;
        };
        let mut r = Record::default();
        let text = str_of(doc, message).unwrap_or_default();
        r.field(
            "message",
            FactValue::Str(error_message(&text)),
            doc,
            message,
        );
        for field in ["error_id", "category"] {
            if let Some(n) = doc.child(err, field)
                && let Some(v) = str_of(doc, n)
            {
                r.field(field, FactValue::Str(v), doc, n);
            }
        }
        facts.add_record("collection.errors", r);
    }
}

/// `collection.errors` from the error stream of a CLIXML document; every field points at the
/// stream's error strings.
fn clixml_stream_errors(facts: &mut FactSet, doc: &Arc<Document>) {
    for e in parse::powershell_stream_errors(doc) {
        let node = doc.child(e.node, "@value").unwrap_or(e.node);
        let mut r = Record::default();
        r.field(
            "message",
            FactValue::Str(error_message(&e.message)),
            doc,
            node,
        );
        if let Some(id) = e.error_id {
            r.field("error_id", FactValue::Str(id.into()), doc, node);
        }
        if let Some(c) = e.category {
            r.field("category", FactValue::Str(c.into()), doc, node);
        }
        facts.add_record("collection.errors", r);
    }
}

/// `MM-DD-YYYY` and `HH:MM:SS.mmm+bias` as `YYYY-MM-DD HH:MM:SS`, the computer's local time
/// as logged (the bias, in minutes, is left out). `None` when either is not in that form.
fn log_timestamp(date: &str, time: &str) -> Option<String> {
    let mut d = date.split('-').map(|p| p.parse::<u32>().ok());
    let (month, day, year) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) || year < 1000 {
        return None;
    }
    let clock = time.get(..8)?;
    let mut t = clock.split(':');
    let ok = |p: Option<&str>, max: u32| {
        p.filter(|p| p.len() == 2)
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|v| *v <= max)
    };
    let (hh, mm, ss) = (ok(t.next(), 23)?, ok(t.next(), 59)?, ok(t.next(), 60)?);
    // After the seconds: nothing, or fractions and a bias (`.068+00`, `.3322734`).
    if !time
        .get(8..)
        .is_some_and(|r| r.is_empty() || r.starts_with(['.', '+', '-']))
    {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02} {hh:02}:{mm:02}:{ss:02}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn facts_of(text: &str) -> FactSet {
        let format = parse::recognize(text).expect("recognized");
        let doc = Arc::new((format.parse)(FileId(0), Arc::from(text)).doc);
        let mut facts = FactSet::default();
        facts.extract_from(&doc);
        facts
    }

    fn record_values(facts: &FactSet, key: &str) -> Vec<Vec<(String, String)>> {
        facts.records.get(key).map_or(Vec::new(), |list| {
            list.iter()
                .map(|r| {
                    r.fields
                        .iter()
                        .map(|(f, o)| ((*f).to_owned(), o.value.to_string()))
                        .collect()
                })
                .collect()
        })
    }

    #[test]
    fn os_from_current_version_key_on_2016_uses_major_minor() {
        let f = facts_of(
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n\"CurrentVersion\"=\"6.3\"\r\n\"CurrentMajorVersionNumber\"=dword:0000000a\r\n\"CurrentMinorVersionNumber\"=dword:00000000\r\n\"CurrentBuildNumber\"=\"14393\"\r\n\"ProductName\"=\"Windows Server 2016 Datacenter\"\r\n",
        );
        assert_eq!(
            f.values["os.version"].value,
            FactValue::Str("10.0.14393".into())
        );
        assert_eq!(f.values["os.build"].value, FactValue::Int(14393));
    }

    #[test]
    fn os_and_memory_from_win32_operatingsystem_json() {
        let f = facts_of(
            "{\"Caption\": \"Microsoft Windows Server 2012 R2 Standard\", \"Version\": \"6.3.9600\", \"BuildNumber\": \"9600\", \"OSLanguage\": 1033, \"TotalVisibleMemorySize\": 8388608}",
        );
        assert_eq!(
            f.values["os.version"].value,
            FactValue::Str("6.3.9600".into())
        );
        assert_eq!(f.values["os.language"].value, FactValue::Int(1033));
        assert_eq!(f.values["memory.total_mb"].value, FactValue::Int(8192));
    }

    #[test]
    fn two_exports_of_one_service_are_one_record_and_disagreements_are_conflicts() {
        // Get-Service knows the state; Win32_Service also knows the account and start mode.
        let mut f = facts_of(
            "[{\"Name\": \"vmms\", \"DisplayName\": \"Hyper-V Virtual Machine Management\", \"Status\": 4}, {\"Name\": \"WinRM\", \"DisplayName\": \"Windows Remote Management\", \"Status\": 4}]",
        );
        add(
            &mut f,
            1,
            "[{\"Name\": \"VMMS\", \"StartName\": \"LocalSystem\", \"State\": \"Running\", \"StartMode\": \"Auto\"}, {\"Name\": \"WinRM\", \"StartName\": \"NT AUTHORITY\\\\NetworkService\", \"State\": \"Stopped\", \"StartMode\": \"Auto\"}]",
        );
        assert_eq!(
            record_values(&f, "services"),
            vec![
                pairs(&[
                    ("name", "vmms"),
                    ("account", "LocalSystem"),
                    ("state", "Running"),
                    ("start_mode", "Auto"),
                ]),
                pairs(&[
                    ("name", "WinRM"),
                    ("account", "NT AUTHORITY\\NetworkService"),
                    ("state", "Running"),
                    ("start_mode", "Auto"),
                ]),
            ]
        );
        let conflicts: Vec<(String, String, String)> = f
            .conflicts
            .iter()
            .map(|(what, kept, other)| {
                (
                    what.clone(),
                    kept.value.to_string(),
                    other.value.to_string(),
                )
            })
            .collect();
        assert_eq!(
            conflicts,
            vec![(
                "services \"WinRM\" state".to_owned(),
                "Running".to_owned(),
                "Stopped".to_owned()
            )]
        );
        // One file naming a thing twice is not two exports disagreeing.
        let f = facts_of(
            "[{\"Name\": \"vmms\", \"StartName\": \"LocalSystem\", \"State\": \"Running\"}, {\"Name\": \"vmms\", \"StartName\": \"LocalSystem\", \"State\": \"Stopped\"}]",
        );
        assert_eq!(record_values(&f, "services").len(), 1);
        assert!(f.conflicts.is_empty());
        // Events have no identity: two backups of one database are two records.
        let f = facts_of(concat!(
            "\"database_name\",\"type\",\"backup_finish_date\"\r\n",
            "\"VirtualManagerDB\",\"D\",\"2026-11-01T02:00:00\"\r\n",
            "\"VirtualManagerDB\",\"D\",\"2026-11-08T02:00:00\"\r\n",
        ));
        assert_eq!(record_values(&f, "sql.backups").len(), 2);
    }

    #[test]
    fn disagreeing_offers_are_kept_as_conflicts() {
        let mut facts = facts_of("Config\n    Service\n        MaxConnections = 300\n");
        let other = Arc::new(
            (parse::winrm::FORMAT.parse)(
                FileId(1),
                Arc::from("Config\n    Service\n        MaxConnections = 25\n"),
            )
            .doc,
        );
        facts.extract_from(&other);
        assert_eq!(
            facts.values["winrm.max_connections"].value,
            FactValue::Int(300)
        );
        assert_eq!(facts.conflicts.len(), 1);
    }

    #[test]
    fn software_from_uninstall_keys_skips_entries_without_a_name() {
        let f = facts_of(
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{AAA}]\r\n\"DisplayName\"=\"Windows Assessment and Deployment Kit - Windows 10\"\r\n\"DisplayVersion\"=\"10.1.14393.0\"\r\n\"Publisher\"=\"Microsoft Corporation\"\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\KB123]\r\n\"ParentKeyName\"=\"OperatingSystem\"\r\n",
        );
        assert_eq!(
            record_values(&f, "software"),
            vec![vec![
                (
                    "name".into(),
                    "Windows Assessment and Deployment Kit - Windows 10".into()
                ),
                ("version".into(), "10.1.14393.0".into()),
                ("publisher".into(), "Microsoft Corporation".into())
            ]]
        );
    }

    #[test]
    fn no_restart_pending_is_concluded_across_two_exports() {
        let cbs = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing]\r\n\"LastTrustTime\"=hex(b):00,00,00,00,00,00,00,00\r\n";
        let sm = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager]\r\n\"BootExecute\"=hex(7):00,00\r\n";
        let mut f = facts_of(cbs);
        f.finish();
        assert!(
            !f.values.contains_key("reboot.pending"),
            "one export alone proves nothing"
        );
        let doc = Arc::new((parse::reg::FORMAT.parse)(FileId(1), Arc::from(sm)).doc);
        f.extract_from(&doc);
        f.finish();
        assert_eq!(f.values["reboot.pending"].value, FactValue::Bool(false));
    }

    #[test]
    fn pending_reboot_evidence_wins_over_absence() {
        let none = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing]\r\n\"LastTrustTime\"=hex(b):00,00,00,00,00,00,00,00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager]\r\n\"BootExecute\"=hex(7):00,00\r\n";
        let mut f = facts_of(none);
        f.finish();
        assert_eq!(f.values["reboot.pending"].value, FactValue::Bool(false));
        let pending = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending]\r\n";
        let doc = Arc::new((parse::reg::FORMAT.parse)(FileId(1), Arc::from(pending)).doc);
        f.extract_from(&doc);
        assert_eq!(f.values["reboot.pending"].value, FactValue::Bool(true));
        assert!(f.conflicts.is_empty());
    }

    #[test]
    fn services_from_win32_service_and_get_service_json() {
        let f = facts_of(
            "[{\"Name\": \"SCVMMService\", \"DisplayName\": \"System Center Virtual Machine Manager\", \"StartName\": \"CONTOSO\\\\svc-vmm\", \"State\": \"Running\", \"StartMode\": \"Auto\"}]",
        );
        assert_eq!(
            record_values(&f, "services")[0][1],
            ("account".into(), "CONTOSO\\svc-vmm".into())
        );
        let f = facts_of(
            "[{\"Name\": \"WinRM\", \"DisplayName\": \"Windows Remote Management\", \"Status\": 4, \"StartType\": 2}]",
        );
        assert_eq!(
            record_values(&f, "services")[0][1],
            ("state".into(), "Running".into())
        );
    }

    #[test]
    fn dkm_evidence_from_vmserver_ini_ad_and_the_encrypted_data_inventory() {
        let value = |f: &FactSet, k: &str| f.values.get(k).map(|o| o.value.to_string());
        let f = facts_of(
            "[OPTIONS]\r\nSqlDatabaseName=VirtualManagerDB\r\nVmmServiceLocalAccount=0\r\nTopContainerName=CN=VMMDKM,DC=contoso,DC=local\r\nHighlyAvailable=1\r\n",
        );
        assert_eq!(
            value(&f, "vmm.dkm_container").as_deref(),
            Some("CN=VMMDKM,DC=contoso,DC=local")
        );
        assert_eq!(
            value(&f, "vmm.service_local_account").as_deref(),
            Some("false")
        );
        assert_eq!(value(&f, "vmm.highly_available").as_deref(), Some("true"));
        // SQL Server's ConfigurationFile.ini has an [OPTIONS] section too: it gives SQL setup
        // facts, never VMM's.
        let f = facts_of("[OPTIONS]\r\nACTION=\"Install\"\r\nINSTANCENAME=\"MSSQLSERVER\"\r\n");
        assert_eq!(keys(&f), ["sql.setup.action", "sql.setup.instance_name"]);

        let f = facts_of(
            "[{\"DistinguishedName\": \"CN=VMMDKM,DC=contoso,DC=local\", \"ObjectClass\": \"container\", \"Name\": \"VMMDKM\"}]",
        );
        assert_eq!(
            record_values(&f, "ad.objects"),
            vec![pairs(&[
                ("dn", "CN=VMMDKM,DC=contoso,DC=local"),
                ("class", "container")
            ])]
        );

        let f = facts_of(
            "{\"UplintExport\": \"vmm-encrypted-data\", \"RunAsAccounts\": [{\"Name\": \"Host admin\", \"UserName\": \"svc-hosts\", \"Domain\": \"CONTOSO\"}], \"GuestOSProfiles\": [], \"ServiceSettings\": {\"Name\": \"SQLSAPassword\", \"Owner\": \"Web tier\"}}",
        );
        assert_eq!(
            value(&f, "vmm.encrypted_data_collected").as_deref(),
            Some("true")
        );
        assert_eq!(
            record_values(&f, "vmm.encrypted_data"),
            vec![
                pairs(&[
                    ("kind", "run-as-account"),
                    ("name", "Host admin"),
                    ("owner", "svc-hosts")
                ]),
                pairs(&[
                    ("kind", "service-setting"),
                    ("name", "SQLSAPassword"),
                    ("owner", "Web tier")
                ]),
            ]
        );
        let f = facts_of("{\"UplintExport\": \"vmm-encrypted-data\", \"RunAsAccounts\": []}");
        assert_eq!(
            value(&f, "vmm.encrypted_data_collected").as_deref(),
            Some("true")
        );
        assert!(!f.records.contains_key("vmm.encrypted_data"));
    }

    #[test]
    fn vmm_hosts_flat_whole_and_inside_an_inventory_object() {
        let flat = facts_of(
            "[{\"Name\": \"HV01.contoso.local\", \"OperatingSystemName\": \"Windows Server 2012 Datacenter\", \"OperatingSystemVersionString\": \"6.2.9200\", \"VirtualizationPlatformString\": \"HyperV\", \"AgentVersion\": \"3.2.8145.0\", \"CommunicationStateString\": \"Responding\"}]",
        );
        assert_eq!(
            record_values(&flat, "vmm.hosts"),
            vec![pairs(&[
                ("name", "HV01.contoso.local"),
                ("os_version", "6.2.9200"),
                ("os_name", "Windows Server 2012 Datacenter"),
                ("platform", "HyperV"),
                ("agent_version", "3.2.8145.0"),
                ("state", "Responding"),
            ])]
        );
        let inventory = facts_of(
            "{\"ems\": {\"Version\": \"2.1.0\"}, \"vms\": [{\"Name\": \"web01\", \"HostName\": \"HV01\", \"VirtualizationPlatform\": 2, \"OperatingSystem\": {\"Name\": \"Windows Server 2016\"}, \"CPUCount\": 2}], \"hosts\": [{\"Name\": \"esx01\", \"VirtualizationPlatformString\": \"VMWareESX\", \"HyperVVersionString\": null, \"OperatingSystem\": {\"Name\": \"VMware ESXi\", \"Version\": {\"Major\": 6, \"Minor\": 0, \"Build\": 3620759}}}]}",
        );
        // The VM names its host, so only the host is taken.
        assert_eq!(
            record_values(&inventory, "vmm.hosts"),
            vec![pairs(&[
                ("name", "esx01"),
                ("os_version", "6.0.3620759"),
                ("os_name", "VMware ESXi"),
                ("platform", "VMWareESX"),
            ])]
        );
    }

    #[test]
    fn schannel_protocols_take_the_later_of_two_sections_for_one_key() {
        let f = facts_of(concat!(
            "Windows Registry Editor Version 5.00\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0]\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\r\n",
            "\"Enabled\"=dword:00000001\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\r\n",
            "[HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server]\r\n",
            "\"Enabled\"=dword:ffffffff\r\n\"DisabledByDefault\"=dword:00000000\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\tls 1.0\\server]\r\n",
            "\"Enabled\"=dword:00000000\r\n\"DisabledByDefault\"=dword:00000001\r\n",
        ));
        // The empty TLS 1.2 Client key leaves the Windows default: no record.
        assert_eq!(
            record_values(&f, "tls.protocols"),
            vec![
                pairs(&[
                    ("protocol", "TLS 1.0"),
                    ("side", "Server"),
                    ("enabled", "false"),
                    ("disabled_by_default", "true"),
                ]),
                pairs(&[
                    ("protocol", "TLS 1.2"),
                    ("side", "Server"),
                    ("enabled", "true"),
                    ("disabled_by_default", "false"),
                ]),
            ]
        );
    }

    #[test]
    fn credssp_delegation_lists_each_server_with_its_policy_switch() {
        let f = facts_of(concat!(
            "Windows Registry Editor Version 5.00\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation]\r\n",
            "\"AllowFreshCredentials\"=dword:00000001\r\n\"AllowSavedCredentials\"=dword:00000000\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowFreshCredentials]\r\n",
            "\"1\"=\"WSMAN/hv01.contoso.local\"\r\n\"2\"=\"WSMAN/*.contoso.local\"\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowSavedCredentials]\r\n",
            "\"1\"=\"TERMSRV/*\"\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CredentialsDelegation\\AllowDefaultCredentials]\r\n",
            "\"1\"=\"\"\r\n",
        ));
        assert_eq!(
            record_values(&f, "credssp.delegation"),
            vec![
                pairs(&[
                    ("policy", "AllowFreshCredentials"),
                    ("target", "WSMAN/hv01.contoso.local"),
                    ("enabled", "true"),
                ]),
                pairs(&[
                    ("policy", "AllowFreshCredentials"),
                    ("target", "WSMAN/*.contoso.local"),
                    ("enabled", "true"),
                ]),
                pairs(&[
                    ("policy", "AllowSavedCredentials"),
                    ("target", "TERMSRV/*"),
                    ("enabled", "false"),
                ]),
            ]
        );
    }

    #[test]
    fn ip_addresses_from_get_netipaddress_and_ipconfig() {
        let f = facts_of(
            "[{\"InterfaceAlias\": \"vEthernet (External)\", \"IPAddress\": \"10.1.2.3\", \"PrefixLength\": 23, \"AddressFamily\": 2}, {\"InterfaceAlias\": \"Loopback\", \"IPv4Address\": null, \"IPv6Address\": \"::1\", \"PrefixLength\": 128}]",
        );
        assert_eq!(
            record_values(&f, "ip_addresses"),
            vec![
                pairs(&[
                    ("interface", "vEthernet (External)"),
                    ("address", "10.1.2.3"),
                    ("prefix_length", "23"),
                ]),
                pairs(&[
                    ("interface", "Loopback"),
                    ("address", "::1"),
                    ("prefix_length", "128"),
                ]),
            ]
        );
        let f = facts_of(concat!(
            "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : HV01\r\n\r\n",
            "Ethernet adapter Management:\r\n\r\n",
            "   Description . . . . . . . . . . . : Hyper-V Virtual Ethernet Adapter\r\n",
            "   Physical Address. . . . . . . . . : 00-15-5D-01-02-03\r\n",
            "   Link-local IPv6 Address . . . . . : fe80::1234:5678:9abc:def0%4(Preferred)\r\n",
            "   IPv4 Address. . . . . . . . . . . : 10.20.30.40(Preferred)\r\n",
            "   Subnet Mask . . . . . . . . . . . : 255.255.254.0\r\n",
            "   IPv4 Address. . . . . . . . . . . : 10.20.30.41(Preferred)\r\n",
            "   Subnet Mask . . . . . . . . . . . : 255.0.255.0\r\n",
        ));
        assert_eq!(
            record_values(&f, "ip_addresses"),
            vec![
                pairs(&[
                    ("interface", "Management"),
                    ("address", "10.20.30.40"),
                    ("prefix_length", "23"),
                ]),
                // Not a contiguous mask: no prefix rather than a wrong one.
                pairs(&[("interface", "Management"), ("address", "10.20.30.41")]),
                pairs(&[
                    ("interface", "Management"),
                    ("address", "fe80::1234:5678:9abc:def0%4"),
                ]),
            ]
        );
    }

    #[test]
    fn prefix_lengths_of_subnet_masks() {
        assert_eq!(prefix_of_mask("255.255.255.0"), Some(24));
        assert_eq!(prefix_of_mask("0.0.0.0"), Some(0));
        assert_eq!(prefix_of_mask("255.255.255.255"), Some(32));
        assert_eq!(prefix_of_mask("255.0.255.0"), None);
        assert_eq!(prefix_of_mask("255.255.255"), None);
    }

    #[test]
    fn iis_app_pools_from_the_iis_drive_and_from_get_iisapppool() {
        let f = facts_of(concat!(
            "[{\"name\": \"AppVMgmt\", \"managedRuntimeVersion\": \"v2.0\", \"managedPipelineMode\": 1, ",
            "\"enable32BitAppOnWin64\": false, \"state\": \"Started\", \"identityType\": \"SpecificUser\", ",
            "\"userName\": \"CONTOSO\\\\svc-appv\", \"password\": \"not-read\"}, ",
            "{\"name\": \"Static\", \"managedRuntimeVersion\": \"\", \"managedPipelineMode\": \"Integrated\", ",
            "\"processModel\": {\"identityType\": \"ApplicationPoolIdentity\", \"userName\": \"\"}}]"
        ));
        assert_eq!(
            record_values(&f, "iis.app_pools"),
            vec![
                pairs(&[
                    ("name", "AppVMgmt"),
                    ("runtime", "v2.0"),
                    ("pipeline", "Classic"),
                    ("enable_32bit", "false"),
                    ("identity", "CONTOSO\\svc-appv"),
                    ("state", "Started"),
                ]),
                pairs(&[
                    ("name", "Static"),
                    ("pipeline", "Integrated"),
                    ("identity", "ApplicationPoolIdentity"),
                ]),
            ]
        );
        let f = facts_of(
            "{\"Name\": \"DefaultAppPool\", \"ManagedRuntimeVersion\": \"v4.0\", \"ManagedPipelineMode\": \"Integrated\", \"State\": \"Started\"}",
        );
        assert_eq!(
            record_values(&f, "iis.app_pools"),
            vec![pairs(&[
                ("name", "DefaultAppPool"),
                ("runtime", "v4.0"),
                ("pipeline", "Integrated"),
                ("state", "Started"),
            ])]
        );
    }

    #[test]
    fn objects_a_collector_gathered_into_one_unknown_object() {
        let f = facts_of(
            "{\"Service\": {\"Name\": \"dhcp\", \"DisplayName\": \"DHCP Client\", \"Status\": 4}, \"OS\": {\"Caption\": \"Microsoft Windows Server 2012 R2 Standard\", \"Version\": \"6.3.9600\", \"BuildNumber\": \"9600\"}, \"Note\": \"collected by script\"}",
        );
        assert_eq!(
            record_values(&f, "services"),
            vec![pairs(&[("name", "dhcp"), ("state", "Running")])]
        );
        assert_eq!(
            f.values.get("os.build").map(|o| o.value.to_string()),
            Some("9600".to_owned())
        );
        // A known object's own members are its properties, not more exports.
        let f = facts_of(
            "{\"Name\": \"HV01\", \"Domain\": \"contoso.local\", \"PartOfDomain\": true, \"Owner\": {\"Name\": \"dhcp\", \"DisplayName\": \"DHCP Client\", \"Status\": 4}}",
        );
        assert!(!f.records.contains_key("services"));
    }

    #[test]
    fn powershell_modules_installed_from_a_repository_are_software() {
        let f = facts_of(concat!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj RefId=\"0\">",
            "<TN RefId=\"0\"><T>Microsoft.PowerShell.Commands.PSRepositoryItemInfo</T><T>System.Object</T></TN><MS>",
            "<S N=\"Name\">VirtualMachineManager.Tools</S><Version N=\"Version\">2.4.0</Version><S N=\"Type\">Module</S>",
            "<S N=\"Author\">Jane Doe</S><S N=\"CompanyName\">Contoso</S><S N=\"Repository\">PSGallery</S>",
            "<S N=\"InstalledLocation\">C:\\Program Files\\WindowsPowerShell\\Modules\\VirtualMachineManager.Tools\\2.4.0</S>",
            "</MS></Obj></Objs>"
        ));
        assert_eq!(
            record_values(&f, "software"),
            vec![pairs(&[
                ("name", "VirtualMachineManager.Tools"),
                ("version", "2.4.0"),
                ("publisher", "Contoso"),
            ])]
        );
    }

    #[test]
    fn vmm_hosts_in_a_clixml_inventory_keyed_by_object_id() {
        // ManageIQ's VMM inventory script: @{ hosts = @{ <ID> = @{ Properties = <host>; ... } } }
        let ht = "<TN RefId=\"0\"><T>System.Collections.Hashtable</T><T>System.Object</T></TN>";
        let text = format!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj RefId=\"0\">{ht}<DCT>\
             <En><S N=\"Key\">hosts</S><Obj N=\"Value\" RefId=\"1\"><TNRef RefId=\"0\"/><DCT>\
             <En><G N=\"Key\">bc416160-cd8b-45c4-be2a-14c3a5cf6f77</G><Obj N=\"Value\" RefId=\"2\"><TNRef RefId=\"0\"/><DCT>\
             <En><S N=\"Key\">NetworkAdapters</S><Nil N=\"Value\"/></En>\
             <En><S N=\"Key\">Properties</S><Obj N=\"Value\" RefId=\"3\"><TN RefId=\"1\"><T>Microsoft.SystemCenter.VirtualMachineManager.Host</T></TN><Props>\
             <S N=\"Name\">HV01.contoso.local</S>\
             <Obj N=\"OperatingSystem\" RefId=\"4\"><Props><S N=\"Name\">Microsoft Windows Server 2012 R2 Standard </S><Version N=\"Version\">6.3.9600</Version></Props></Obj>\
             <Obj N=\"VirtualizationPlatform\" RefId=\"5\"><TN RefId=\"2\"><T>Microsoft.VirtualManager.Utils.VirtualizationPlatform</T><T>System.Enum</T></TN><ToString>HyperV</ToString><I32>2</I32></Obj>\
             <S N=\"HyperVVersionString\">6.3.9600.16384</S>\
             </Props></Obj></En></DCT></Obj></En></DCT></Obj></En></DCT></Obj></Objs>"
        );
        assert_eq!(
            record_values(&facts_of(&text), "vmm.hosts"),
            vec![pairs(&[
                ("name", "HV01.contoso.local"),
                ("os_version", "6.3.9600"),
                ("os_name", "Microsoft Windows Server 2012 R2 Standard"),
                ("platform", "HyperV"),
            ])]
        );
    }

    #[test]
    fn vhd_sizes_from_get_vhd_with_enums_as_names_or_numbers() {
        let f = facts_of(
            "[{\"Path\": \"D:\\\\VMs\\\\web01.vhdx\", \"VhdFormat\": \"VHDX\", \"VhdType\": \"Dynamic\", \"Size\": 136365211648, \"FileSize\": 9126805504, \"ParentPath\": \"\"}, {\"Path\": \"D:\\\\VMs\\\\old.vhd\", \"VhdFormat\": 2, \"VhdType\": 4, \"Size\": 42949672960, \"FileSize\": 4096, \"ParentPath\": \"D:\\\\VMs\\\\base.vhd\"}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.vhds"),
            vec![
                pairs(&[
                    ("path", "D:\\VMs\\web01.vhdx"),
                    ("format", "VHDX"),
                    ("type", "Dynamic"),
                    ("size_bytes", "136365211648"),
                    ("file_size_bytes", "9126805504"),
                ]),
                pairs(&[
                    ("path", "D:\\VMs\\old.vhd"),
                    ("format", "VHD"),
                    ("type", "Differencing"),
                    ("size_bytes", "42949672960"),
                    ("file_size_bytes", "4096"),
                    ("parent", "D:\\VMs\\base.vhd"),
                ]),
            ]
        );
        // Get-VMHardDiskDrive has a Path but no VhdFormat: still a drive, not a VHD.
        let f = facts_of(
            "[{\"VMName\": \"web01\", \"Path\": \"D:\\\\VMs\\\\web01.vhdx\", \"ControllerType\": 1}]",
        );
        assert!(!f.records.contains_key("hyperv.vhds"));
        assert_eq!(record_values(&f, "hyperv.disks").len(), 1);
    }

    #[test]
    fn vmm_jobs_and_the_backup_export_clock() {
        let f = facts_of(
            "[{\"Name\": \"Refresh host\", \"Status\": \"Running\", \"CmdletName\": \"Read-SCVMHost\", \"StartTime\": \"2026-11-20T22:00:00\"}, {\"Name\": \"Create VM\", \"Status\": \"Completed\", \"CmdletName\": \"New-SCVirtualMachine\"}]",
        );
        let jobs = record_values(&f, "vmm.jobs");
        assert_eq!(jobs.len(), 2);
        assert_eq!(
            jobs[0],
            pairs(&[
                ("name", "Refresh host"),
                ("status", "Running"),
                ("cmdlet", "Read-SCVMHost"),
                ("started", "2026-11-20T22:00:00"),
            ])
        );
        assert!(!f.records.contains_key("services"));
        let f = facts_of(
            "#TYPE System.Data.DataRow\r\n\"database_name\",\"type\",\"backup_finish_date\",\"collected_at\"\r\n\"VirtualManagerDB\",\"D\",\"2026-11-20T22:15:00\",\"2026-11-21T08:00:00\"\r\n",
        );
        assert_eq!(
            f.values
                .get("sql.collected_at")
                .map(|o| o.value.to_string()),
            Some("2026-11-21T08:00:00".into())
        );
        assert_eq!(record_values(&f, "sql.backups").len(), 1);
    }

    #[test]
    fn features_volumes_sql_and_vms_from_object_exports() {
        let f = facts_of(
            "[{\"Name\": \"Hyper-V\", \"DisplayName\": \"Hyper-V\", \"Installed\": true}]",
        );
        assert_eq!(
            record_values(&f, "features")[0][1],
            ("installed".into(), "true".into())
        );
        let f = facts_of(
            "[{\"DeviceID\": \"C:\", \"Size\": 107374182400, \"FreeSpace\": 10737418240}]",
        );
        assert_eq!(
            record_values(&f, "volumes")[0][2],
            ("free_bytes".into(), "10737418240".into())
        );
        let f = facts_of(
            "{\"MachineName\": \"SQL01\", \"ProductVersion\": \"13.0.5026.0\", \"Edition\": \"Enterprise Edition (64-bit)\", \"Collation\": \"SQL_Latin1_General_CP1_CI_AS\"}",
        );
        assert_eq!(
            f.values["sql.collation"].value,
            FactValue::Str("SQL_Latin1_General_CP1_CI_AS".into())
        );
        let f = facts_of(
            "[{\"Name\": \"VM1\", \"State\": 6, \"ProcessorCount\": 4, \"MemoryStartup\": 4294967296}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.vms")[0],
            vec![
                ("name".into(), "VM1".into()),
                ("state".into(), "Saved".into()),
                ("processors".into(), "4".into()),
                ("memory_mb".into(), "4096".into())
            ]
        );
    }

    #[test]
    fn a_hyper_v_vm_configuration_file_gives_a_vm() {
        let f = facts_of(
            "<?xml version=\"1.0\" encoding=\"UTF-16\" standalone=\"yes\"?>\n<configuration>\n <properties>\n  <name type=\"string\">WEB01</name>\n </properties>\n <settings>\n  <memory><bank><size type=\"integer\">2048</size></bank></memory>\n  <processors><count type=\"integer\">2</count></processors>\n </settings>\n</configuration>\n",
        );
        assert_eq!(
            record_values(&f, "hyperv.vms")[0],
            vec![
                ("name".into(), "WEB01".into()),
                ("processors".into(), "2".into()),
                ("memory_mb".into(), "2048".into())
            ]
        );
    }

    /// The facts a set holds, single values and lists alike, to check where a shape went.
    fn keys(facts: &FactSet) -> Vec<&'static str> {
        let mut k: Vec<_> = facts.values.keys().copied().collect();
        k.extend(facts.records.keys().copied());
        k.sort_unstable();
        k
    }

    fn add(facts: &mut FactSet, id: u32, text: &str) {
        let format = parse::recognize(text).expect("recognized");
        let doc = Arc::new((format.parse)(FileId(id), Arc::from(text)).doc);
        facts.extract_from(&doc);
    }

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn cpu_model_from_win32_processor_trims_the_padding() {
        let f = facts_of(
            "[\r\n    {\r\n        \"Name\":  \"Intel(R) Xeon(R) CPU E5-2650 v3 @ 2.30GHz   \",\r\n        \"Manufacturer\":  \"GenuineIntel\",\r\n        \"Family\":  179,\r\n        \"Stepping\":  \"2\",\r\n        \"NumberOfLogicalProcessors\":  20\r\n    },\r\n    {\r\n        \"Name\":  \"Intel(R) Xeon(R) CPU E5-2650 v3 @ 2.30GHz   \",\r\n        \"Manufacturer\":  \"GenuineIntel\",\r\n        \"Family\":  179,\r\n        \"Stepping\":  \"2\",\r\n        \"NumberOfLogicalProcessors\":  20\r\n    }\r\n]\r\n",
        );
        assert_eq!(
            f.values["cpu.model"].value,
            FactValue::Str("Intel(R) Xeon(R) CPU E5-2650 v3 @ 2.30GHz".into())
        );
        assert!(f.conflicts.is_empty(), "two sockets are not a disagreement");
        assert_eq!(
            keys(&f),
            ["cpu.family", "cpu.model", "cpu.stepping", "cpu.vendor"]
        );
    }

    const VMM_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft System Center Virtual Machine Manager Server]\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft System Center Virtual Machine Manager Server\\Settings]\r\n\"IndigoTcpPort\"=dword:00001fa4\r\n\"IndigoHTTPSPort\"=dword:00001fa5\r\n\"IndigoNETTCPPort\"=dword:00001fa6\r\n\"IndigoHTTPPort\"=dword:00001fa7\r\n\"WSManTcpPort\"=dword:00001761\r\n\"BitsTcpPort\"=dword:000001bb\r\n\"RefreshInterval\"=dword:0000001e\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft System Center Virtual Machine Manager Server\\Settings\\Sql]\r\n\"ConnectionString\"=\"Data Source=SQLVMM02.fabrikam.test;Initial Catalog=VirtualManagerDB;Integrated Security=True\"\r\n\"DatabaseName\"=\"VirtualManagerDB\"\r\n\"MachineName\"=\"SQLVMM02\"\r\n\"MachineFQDN\"=\"SQLVMM02.fabrikam.test\"\r\n\"OnRemoteServer\"=dword:00000001\r\n";

    #[test]
    fn vmm_ports_and_database_from_the_vmm_registry_export() {
        let f = facts_of(VMM_REG);
        let ports: Vec<(String, String)> = record_values(&f, "vmm.ports")
            .into_iter()
            .map(|r| (r[0].1.clone(), r[1].1.clone()))
            .collect();
        assert_eq!(
            ports,
            pairs(&[
                ("IndigoTcpPort", "8100"),
                ("IndigoHTTPSPort", "8101"),
                ("IndigoNETTCPPort", "8102"),
                ("IndigoHTTPPort", "8103"),
                ("WSManTcpPort", "5985"),
                ("BitsTcpPort", "443"),
            ])
        );
        assert_eq!(
            f.values["vmm.sql_server"].value,
            FactValue::Str("SQLVMM02.fabrikam.test".into())
        );
        assert_eq!(
            f.values["vmm.database"].value,
            FactValue::Str("VirtualManagerDB".into())
        );
        assert_eq!(keys(&f), ["vmm.database", "vmm.ports", "vmm.sql_server"]);

        // Without MachineFQDN, the short name is the server.
        let f = facts_of(&VMM_REG.replace("\"MachineFQDN\"=\"SQLVMM02.fabrikam.test\"\r\n", ""));
        assert_eq!(
            f.values["vmm.sql_server"].value,
            FactValue::Str("SQLVMM02".into())
        );
    }

    const GET_NETADAPTER: &str = "[\r\n    {\r\n        \"Name\":  \"Ethernet0\",\r\n        \"InterfaceDescription\":  \"Contoso Virtual NIC\",\r\n        \"MacAddress\":  \"00-15-5D-0A-1B-2C\",\r\n        \"Status\":  \"Up\"\r\n    },\r\n    {\r\n        \"Name\":  \"Wi-Fi\",\r\n        \"InterfaceDescription\":  \"Contoso Wireless\",\r\n        \"MacAddress\":  \"3C-A9-F4-00-11-22\",\r\n        \"Status\":  \"Disconnected\"\r\n    }\r\n]\r\n";

    const IPCONFIG_ALL: &str = "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : HV07\r\n   Primary Dns Suffix  . . . . . . . : fabrikam.test\r\n\r\nEthernet adapter Ethernet0:\r\n\r\n   Connection-specific DNS Suffix  . :\r\n   Description . . . . . . . . . . . : Contoso Virtual NIC\r\n   Physical Address. . . . . . . . . : 00-15-5D-0A-1B-2C\r\n   DHCP Enabled. . . . . . . . . . . : No\r\n   IPv4 Address. . . . . . . . . . . : 10.20.30.40(Preferred)\r\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n\r\nWireless LAN adapter Wi-Fi:\r\n\r\n   Media State . . . . . . . . . . . : Media disconnected\r\n   Connection-specific DNS Suffix  . :\r\n   Description . . . . . . . . . . . : Contoso Wireless\r\n   Physical Address. . . . . . . . . : 3C-A9-F4-00-11-22\r\n\r\nTunnel adapter isatap.{00000000-1111-2222-3333-444444444444}:\r\n\r\n   Media State . . . . . . . . . . . : Media disconnected\r\n   Description . . . . . . . . . . . : Microsoft ISATAP Adapter\r\n   Physical Address. . . . . . . . . : 00-00-00-00-00-00-00-E0\r\n";

    #[test]
    fn nics_from_get_netadapter_and_ipconfig_are_the_same_records() {
        let expected = vec![
            pairs(&[
                ("name", "Ethernet0"),
                ("description", "Contoso Virtual NIC"),
                ("mac", "00-15-5D-0A-1B-2C"),
                ("status", "Up"),
            ]),
            pairs(&[
                ("name", "Wi-Fi"),
                ("description", "Contoso Wireless"),
                ("mac", "3C-A9-F4-00-11-22"),
                ("status", "Disconnected"),
            ]),
        ];
        let f = facts_of(GET_NETADAPTER);
        assert_eq!(record_values(&f, "nics"), expected);
        assert_eq!(keys(&f), ["nics"], "Status must not make it a service");

        let f = facts_of(IPCONFIG_ALL);
        assert_eq!(record_values(&f, "nics"), expected, "the tunnel is skipped");
        assert_eq!(keys(&f), ["ip_addresses", "nics"]);

        let mut both = facts_of(GET_NETADAPTER);
        add(&mut both, 1, IPCONFIG_ALL);
        assert_eq!(record_values(&both, "nics"), expected);
    }

    #[test]
    fn ipconfig_in_another_language_gives_no_nics() {
        let f = facts_of(
            "\r\nWindows-IP-Konfiguration\r\n\r\n   Hostname  . . . . . . . . . . . . : PC-DE01\r\n\r\nEthernet-Adapter Ethernet:\r\n\r\n   Beschreibung. . . . . . . . . . . : Contoso Virtual NIC\r\n   Physische Adresse . . . . . . . . : 00-15-5D-0A-1B-2C\r\n   IPv4-Adresse  . . . . . . . . . . : 192.0.2.20(Bevorzugt)\r\n",
        );
        assert!(f.is_empty(), "{:?}", keys(&f));
    }

    #[test]
    fn get_service_stays_a_service() {
        let f = facts_of(
            "[{\"Name\": \"vmms\", \"DisplayName\": \"Hyper-V Virtual Machine Management\", \"ServiceName\": \"vmms\", \"Status\": 4, \"StartType\": 2}]",
        );
        assert_eq!(keys(&f), ["services"]);
    }

    #[test]
    fn sql_databases_availability_groups_and_log_space_from_invoke_sqlcmd_csv() {
        let f = facts_of(
            "#TYPE System.Data.DataRow\r\n\"name\",\"recovery_model_desc\",\"state_desc\",\"RowError\",\"RowState\",\"Table\",\"ItemArray\",\"HasErrors\"\r\n\"master\",\"SIMPLE\",\"ONLINE\",\"\",\"Detached\",,\"System.Object[]\",\"False\"\r\n\"VirtualManagerDB\",\"FULL\",\"ONLINE\",\"\",\"Detached\",,\"System.Object[]\",\"False\"\r\n",
        );
        assert_eq!(
            record_values(&f, "sql.databases")[1],
            pairs(&[
                ("name", "VirtualManagerDB"),
                ("recovery_model", "FULL"),
                ("state", "ONLINE")
            ])
        );
        assert_eq!(keys(&f), ["sql.databases"]);

        let f = facts_of(
            "#TYPE System.Data.DataRow\r\n\"database_name\",\"group_name\",\"RowError\",\"RowState\",\"Table\",\"ItemArray\",\"HasErrors\"\r\n\"VirtualManagerDB\",\"AG-VMM\",\"\",\"Detached\",,\"System.Object[]\",\"False\"\r\n",
        );
        assert_eq!(
            record_values(&f, "sql.ag_databases"),
            vec![pairs(&[
                ("database", "VirtualManagerDB"),
                ("group", "AG-VMM")
            ])]
        );
        assert_eq!(keys(&f), ["sql.ag_databases"]);

        let f = facts_of(
            "#TYPE System.Data.DataRow\r\n\"Database Name\",\"Log Size (MB)\",\"Log Space Used (%)\",\"Status\",\"RowError\",\"RowState\",\"Table\",\"ItemArray\",\"HasErrors\"\r\n\"master\",\"1.992188\",\"41.76471\",\"0\",\"\",\"Detached\",,\"System.Object[]\",\"False\"\r\n\"VirtualManagerDB\",\"4039.992\",\"97.5\",\"0\",\"\",\"Detached\",,\"System.Object[]\",\"False\"\r\n",
        );
        assert_eq!(
            record_values(&f, "sql.log_space")[1],
            pairs(&[
                ("database", "VirtualManagerDB"),
                ("log_size_mb", "4039.992"),
                ("log_used_percent", "97.5")
            ])
        );
        assert_eq!(keys(&f), ["sql.log_space"]);
    }

    #[test]
    fn log_space_numbers_from_json_stay_as_written() {
        let f = facts_of(
            "{\"Database Name\": \"VirtualManagerDB\", \"Log Size (MB)\": 4039.9921875, \"Log Space Used (%)\": 97.5, \"Status\": 0}",
        );
        assert_eq!(
            record_values(&f, "sql.log_space")[0][1..],
            pairs(&[
                ("log_size_mb", "4039.9921875"),
                ("log_used_percent", "97.5")
            ])
        );
    }

    #[test]
    fn dbatools_backup_history_in_an_availability_group_gives_both_facts() {
        let entry = |finished: &str| {
            format!(
                "{{\"ServerName\": \"SQLVMM02\", \"AvailabilityGroupName\": \"AG-VMM\", \"DatabaseName\": \"VirtualManagerDB\", \"Type\": \"Database\", \"End\": \"\\/Date({finished})\\/\", \"Database\": \"VirtualManagerDB\"}}"
            )
        };
        let f = facts_of(&format!(
            "[{}, {}]",
            entry("1700000000000"),
            entry("1700086400000")
        ));
        assert_eq!(record_values(&f, "sql.backups").len(), 2);
        assert_eq!(
            record_values(&f, "sql.ag_databases"),
            vec![pairs(&[
                ("database", "VirtualManagerDB"),
                ("group", "AG-VMM")
            ])],
            "one record per database and group"
        );
        let f = facts_of(
            "[{\"AvailabilityGroupName\": \"\", \"Type\": \"Log\", \"End\": \"\\/Date(1700000000000)\\/\", \"Database\": \"master\"}]",
        );
        assert_eq!(keys(&f), ["sql.backups"]);
    }

    #[test]
    fn disks_from_a_vm_configuration_file_via_ide_and_the_manifest_scsi_instance() {
        let f = facts_of(concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\" standalone=\"yes\"?>\n<configuration>\n",
            " <_83f8638b-8dca-4152-9eda-2ca8b33039b4_>\n",
            "  <controller0>\n",
            "   <drive0>\n    <pathname type=\"string\">D:\\Hyper-V\\APP01\\APP01-os.vhd</pathname>\n    <type type=\"string\">VHD</type>\n   </drive0>\n",
            "   <drive1>\n    <pathname type=\"string\"></pathname>\n    <type type=\"string\">NONE</type>\n   </drive1>\n",
            "  </controller0>\n",
            "  <controller1>\n",
            "   <drive0>\n    <pathname type=\"string\">D:\\ISO\\tools.iso</pathname>\n    <type type=\"string\">ISO</type>\n   </drive0>\n",
            "   <drive1>\n    <pathname type=\"string\"></pathname>\n    <type type=\"string\">ISO</type>\n   </drive1>\n",
            "  </controller1>\n",
            " </_83f8638b-8dca-4152-9eda-2ca8b33039b4_>\n",
            " <_9c1e6a20-4f5b-4d8e-b7a3-2e6f01d4c5b8_>\n",
            "  <ChannelInstanceGuid type=\"string\">{0d6c2f7e-3b1a-4c59-9e84-71a2b3c4d5e6}</ChannelInstanceGuid>\n",
            "  <controller0>\n",
            "   <drive0>\n    <pathname type=\"string\">E:\\Hyper-V\\APP01\\APP01-data.vhd</pathname>\n    <type type=\"string\">VHD</type>\n   </drive0>\n",
            "  </controller0>\n",
            " </_9c1e6a20-4f5b-4d8e-b7a3-2e6f01d4c5b8_>\n",
            " <manifest>\n  <size type=\"integer\">1</size>\n",
            "  <vdev001>\n   <device type=\"string\">d422512d-2bf2-4752-809d-7b82b5fcb1b4</device>\n   <flags type=\"integer\">1</flags>\n",
            "   <instance type=\"string\">9C1E6A20-4F5B-4D8E-B7A3-2E6F01D4C5B8</instance>\n   <name type=\"string\">Synthetic SCSI Controller</name>\n  </vdev001>\n",
            " </manifest>\n",
            " <properties>\n  <name type=\"string\">APP01</name>\n </properties>\n",
            "</configuration>\n"
        ));
        assert_eq!(
            record_values(&f, "hyperv.disks"),
            vec![
                pairs(&[
                    ("vm", "APP01"),
                    ("path", "D:\\Hyper-V\\APP01\\APP01-os.vhd"),
                    ("type", "VHD")
                ]),
                pairs(&[
                    ("vm", "APP01"),
                    ("path", "D:\\ISO\\tools.iso"),
                    ("type", "ISO")
                ]),
                pairs(&[
                    ("vm", "APP01"),
                    ("path", "E:\\Hyper-V\\APP01\\APP01-data.vhd"),
                    ("type", "VHD")
                ]),
            ]
        );
        assert_eq!(keys(&f), ["hyperv.disks", "hyperv.vms"]);
    }

    #[test]
    fn scsi_drives_under_the_controller_class_guid_are_read_too() {
        let f = facts_of(concat!(
            "<?xml version=\"1.0\"?>\n<configuration>\n",
            " <_d422512d-2bf2-4752-809d-7b82b5fcb1b4_><controller0><drive3>",
            "<pathname type=\"string\">C:\\VMs\\DB01\\log.vhd</pathname><type type=\"string\">VHD</type>",
            "</drive3></controller0></_d422512d-2bf2-4752-809d-7b82b5fcb1b4_>\n",
            " <properties><name type=\"string\">DB01</name></properties>\n</configuration>\n"
        ));
        assert_eq!(
            record_values(&f, "hyperv.disks"),
            vec![pairs(&[
                ("vm", "DB01"),
                ("path", "C:\\VMs\\DB01\\log.vhd"),
                ("type", "VHD")
            ])]
        );
    }

    #[test]
    fn disks_switches_and_snapshots_from_hyper_v_cmdlets() {
        // Windows PowerShell 5.1: enums are numbers. A whole Get-VMHardDiskDrive object also has
        // the drive's `Name`.
        let f = facts_of(
            "[\r\n    {\r\n        \"VMName\":  \"APP01\",\r\n        \"Path\":  \"D:\\\\Hyper-V\\\\APP01\\\\APP01-os.vhdx\",\r\n        \"ControllerType\":  1\r\n    },\r\n    {\r\n        \"Name\":  \"Hard Drive on IDE controller number 0 at location 1\",\r\n        \"VMName\":  \"APP01\",\r\n        \"Path\":  \"Disk 2 40.00 GB Bus 0 Lun 0 Target 1\",\r\n        \"ControllerType\":  0,\r\n        \"DiskNumber\":  2\r\n    }\r\n]\r\n",
        );
        assert_eq!(
            record_values(&f, "hyperv.disks"),
            vec![
                pairs(&[
                    ("vm", "APP01"),
                    ("path", "D:\\Hyper-V\\APP01\\APP01-os.vhdx"),
                    ("type", "VHD")
                ]),
                pairs(&[
                    ("vm", "APP01"),
                    ("path", "Disk 2 40.00 GB Bus 0 Lun 0 Target 1")
                ]),
            ]
        );
        assert_eq!(keys(&f), ["hyperv.disks"]);

        let f = facts_of(
            "[{\"Name\": \"External LAN\", \"SwitchType\": 2, \"NetAdapterInterfaceDescription\": \"Contoso Gigabit Adapter #2\"}, {\"Name\": \"Lab\", \"SwitchType\": 0, \"NetAdapterInterfaceDescription\": null}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.switches"),
            vec![
                pairs(&[("name", "External LAN"), ("type", "External")]),
                pairs(&[("name", "Lab"), ("type", "Private")])
            ]
        );
        assert_eq!(keys(&f), ["hyperv.switches"]);

        let f = facts_of(
            "[{\"VMName\": \"APP01\", \"Name\": \"Before SP1\", \"ParentSnapshotName\": null, \"CreationTime\": \"\\/Date(1700000000000)\\/\"}, {\"VMName\": \"APP01\", \"Name\": \"After SP1\", \"ParentSnapshotName\": \"Before SP1\", \"CreationTime\": \"\\/Date(1700086400000)\\/\"}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.snapshots"),
            vec![
                pairs(&[("vm", "APP01"), ("name", "Before SP1")]),
                pairs(&[("vm", "APP01"), ("name", "After SP1")])
            ]
        );
        assert_eq!(keys(&f), ["hyperv.snapshots"]);
    }

    #[test]
    fn a_switch_type_from_clixml_is_its_name() {
        let f = facts_of(concat!(
            "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n",
            "  <Obj RefId=\"0\">\r\n    <TN RefId=\"0\">\r\n      <T>Selected.Microsoft.HyperV.PowerShell.VMSwitch</T>\r\n      <T>System.Management.Automation.PSCustomObject</T>\r\n      <T>System.Object</T>\r\n    </TN>\r\n",
            "    <ToString>@{Name=External LAN; SwitchType=External}</ToString>\r\n    <MS>\r\n      <S N=\"Name\">External LAN</S>\r\n",
            "      <Obj N=\"SwitchType\" RefId=\"1\">\r\n        <TN RefId=\"1\">\r\n          <T>Microsoft.HyperV.PowerShell.VMSwitchType</T>\r\n          <T>System.Enum</T>\r\n          <T>System.ValueType</T>\r\n          <T>System.Object</T>\r\n        </TN>\r\n        <ToString>External</ToString>\r\n        <I32>2</I32>\r\n      </Obj>\r\n",
            "      <S N=\"NetAdapterInterfaceDescription\">Contoso Gigabit Adapter #2</S>\r\n    </MS>\r\n  </Obj>\r\n</Objs>"
        ));
        assert_eq!(
            record_values(&f, "hyperv.switches"),
            vec![pairs(&[("name", "External LAN"), ("type", "External")])]
        );
    }

    #[test]
    fn whole_get_vm_and_get_vmsnapshot_objects_are_told_apart() {
        // Both carry VMName, Name, ParentSnapshotName, ProcessorCount and MemoryStartup.
        let vm = "{\"VMName\": \"APP01\", \"Name\": \"APP01\", \"State\": 2, \"ProcessorCount\": 2, \"MemoryStartup\": 2147483648, \"ParentSnapshotName\": \"After SP1\"}";
        let f = facts_of(vm);
        assert_eq!(keys(&f), ["hyperv.vms"]);
        let snapshot = "{\"VMName\": \"APP01\", \"Name\": \"After SP1\", \"SnapshotType\": 0, \"State\": 3, \"ProcessorCount\": 2, \"MemoryStartup\": 2147483648, \"ParentSnapshotName\": \"Before SP1\"}";
        let f = facts_of(snapshot);
        assert_eq!(keys(&f), ["hyperv.snapshots"]);
    }

    const WMI_QUOTAS: &str = "\r\n\r\n   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Plugin\\WMI Provider\\Quotas\r\n\r\nType            Name                           SourceOfValue   Value\r\n----            ----                           -------------   -----\r\nSystem.String   MaxConcurrentUsers                             100\r\nSystem.String   MaxConcurrentOperationsPerUser                 400\r\nSystem.String   MaxConcurrentOperations                        1500\r\n\r\n\r\n";

    #[test]
    fn wmi_plugin_quota_only_from_the_wmi_provider_quotas_table() {
        let f = facts_of(WMI_QUOTAS);
        assert_eq!(
            f.values["winrm.wmi_plugin_max_operations_per_user"].value,
            FactValue::Int(400)
        );
        assert_eq!(keys(&f), ["winrm.wmi_plugin_max_operations_per_user"]);

        // The Service table has a setting of the same name: the service's, not the plugin's.
        let service = WMI_QUOTAS
            .replace("Plugin\\WMI Provider\\Quotas", "Service")
            .replace("400", "1500");
        let f = facts_of(&service);
        assert_eq!(keys(&f), ["winrm.max_concurrent_operations_per_user"]);

        // Another plugin's quotas.
        let f = facts_of(&WMI_QUOTAS.replace("WMI Provider", "microsoft.powershell"));
        assert!(f.is_empty(), "{:?}", keys(&f));

        // -Recurse from the plugin nests the quotas under their container.
        let recurse = "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Plugin\\WMI Provider\r\n\r\nType            Name                           SourceOfValue   Value\r\n----            ----                           -------------   -----\r\nSystem.String   Enabled                                        true\r\nContainer       Quotas\r\n\r\n   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Plugin\\WMI Provider\\Quotas\r\n\r\nType            Name                           SourceOfValue   Value\r\n----            ----                           -------------   -----\r\nSystem.String   MaxConcurrentOperationsPerUser GPO             200\r\n";
        let f = facts_of(recurse);
        assert_eq!(
            f.values["winrm.wmi_plugin_max_operations_per_user"].value,
            FactValue::Int(200)
        );
    }

    #[test]
    fn opsmgr_connection_inventory_tells_none_from_not_collected() {
        let value = |f: &FactSet, k: &str| f.values.get(k).map(|o| o.value.to_string());
        let f = facts_of(
            "{\r\n    \"UplintExport\":  \"vmm-opsmgr-connection\",\r\n    \"Connections\":  [\r\n                        {\r\n                            \"OpsMgrServerName\":  \"OM01.contoso.local\",\r\n                            \"ConnectionStatus\":  \"OK\"\r\n                        }\r\n                    ]\r\n}\r\n",
        );
        assert_eq!(
            value(&f, "vmm.opsmgr_connections_collected").as_deref(),
            Some("true")
        );
        assert_eq!(
            record_values(&f, "vmm.opsmgr_connections"),
            vec![pairs(&[("server", "OM01.contoso.local"), ("status", "OK")])]
        );
        // No connection: Windows PowerShell 5.1 writes the empty list over two lines.
        let f = facts_of(
            "{\r\n    \"UplintExport\":  \"vmm-opsmgr-connection\",\r\n    \"Connections\":  [\r\n\r\n                    ]\r\n}\r\n",
        );
        assert_eq!(keys(&f), ["vmm.opsmgr_connections_collected"]);
        // Exported without the wrapper, a connection still shows; and one whose properties
        // were not selected is still a connection.
        let f = facts_of("{\"OpsMgrServerName\": \"OM01\", \"OpsMgrUserName\": null}");
        assert_eq!(keys(&f), ["vmm.opsmgr_connections"]);
        let f = facts_of(
            "{\"UplintExport\": \"vmm-opsmgr-connection\", \"Connections\": {\"ID\": \"1\"}}",
        );
        assert_eq!(
            record_values(&f, "vmm.opsmgr_connections"),
            vec![pairs(&[("server", "")])]
        );
        // Another collector's wrapper, and other VMM objects, are not connections.
        let f = facts_of("{\"UplintExport\": \"vmm-encrypted-data\", \"RunAsAccounts\": []}");
        assert_eq!(keys(&f), ["vmm.encrypted_data_collected"]);
        let f = facts_of(
            "[{\"Name\": \"Add Operations Manager connection\", \"Status\": \"Completed\", \"CmdletName\": \"New-SCOpsMgrConnection\"}]",
        );
        assert_eq!(keys(&f), ["vmm.jobs"]);
    }

    #[test]
    fn load_balancers_from_the_inventory_or_bare_and_not_computer_systems() {
        // A one-item list written as the item itself.
        let f = facts_of(
            "{\"UplintExport\": \"vmm-load-balancers\", \"LoadBalancers\": {\"Name\": \"ns01.contoso.local\", \"Address\": \"ns01.contoso.local\", \"Manufacturer\": \"Citrix\", \"Model\": \"NetScaler VPX\"}}",
        );
        assert_eq!(
            record_values(&f, "vmm.load_balancers"),
            vec![pairs(&[
                ("address", "ns01.contoso.local"),
                ("name", "ns01.contoso.local"),
                ("manufacturer", "Citrix"),
                ("model", "NetScaler VPX")
            ])]
        );
        assert_eq!(
            keys(&f),
            ["vmm.load_balancers", "vmm.load_balancers_collected"]
        );
        let f = facts_of("{\"UplintExport\": \"vmm-load-balancers\", \"LoadBalancers\": []}");
        assert_eq!(keys(&f), ["vmm.load_balancers_collected"]);
        let f = facts_of(
            "[{\"Address\": \"10.0.0.5\", \"Port\": 443, \"Manufacturer\": \"F5\", \"Model\": \"BIG-IP\"}]",
        );
        assert_eq!(keys(&f), ["vmm.load_balancers"]);
        // A whole Win32_ComputerSystem also has a Manufacturer and a Model.
        let f = facts_of(
            "{\"Name\": \"HV01\", \"Manufacturer\": \"Contoso\", \"Model\": \"Virtual Machine\", \"Domain\": \"contoso.local\", \"PartOfDomain\": true}",
        );
        assert!(!f.records.contains_key("vmm.load_balancers"));
    }

    #[test]
    fn sql_columns_from_information_schema_and_not_from_other_queries() {
        let f = facts_of(
            "#TYPE System.Data.DataRow\r\n\"TABLE_CATALOG\",\"TABLE_NAME\",\"COLUMN_NAME\",\"DATA_TYPE\",\"CHARACTER_MAXIMUM_LENGTH\",\"IS_NULLABLE\",\"RowError\",\"RowState\",\"Table\",\"ItemArray\",\"HasErrors\"\r\n\"VirtualManagerDB\",\"tbl_NetMan_HardwareModelSettings\",\"Version\",\"nvarchar\",\"50\",\"NO\",\"\",\"Detached\",,\"System.Object[]\",\"False\"\r\n",
        );
        assert_eq!(
            record_values(&f, "sql.columns"),
            vec![pairs(&[
                ("table", "tbl_NetMan_HardwareModelSettings"),
                ("column", "Version"),
                ("database", "VirtualManagerDB"),
                ("type", "nvarchar"),
                ("max_length", "50"),
                ("nullable", "NO")
            ])]
        );
        assert_eq!(keys(&f), ["sql.columns"]);
        // INFORMATION_SCHEMA.TABLES names tables but no columns.
        let f = facts_of(
            "#TYPE System.Data.DataRow\r\n\"TABLE_CATALOG\",\"TABLE_SCHEMA\",\"TABLE_NAME\",\"TABLE_TYPE\"\r\n\"VirtualManagerDB\",\"dbo\",\"tbl_NetMan_HardwareModelSettings\",\"BASE TABLE\"\r\n",
        );
        assert!(f.is_empty(), "{:?}", keys(&f));
    }

    /// The facts of a file as it is on disk, decoded as a bundle file is (UTF-16 included).
    fn facts_of_bytes(bytes: &[u8]) -> FactSet {
        let (text, problems) = crate::source::SourceText::decode(bytes);
        assert!(problems.is_empty(), "{problems:?}");
        facts_of(&text.text)
    }

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    fn value(f: &FactSet, key: &str) -> Option<String> {
        f.values.get(key).map(|o| o.value.to_string())
    }

    #[test]
    fn sql_setup_answer_file_for_an_install_gives_its_values_unquoted() {
        let f = facts_of(concat!(
            ";SQL Server 2019 Configuration File\r\n[OPTIONS]\r\n\r\n",
            "; Specifies a Setup work flow, like INSTALL, UNINSTALL, or UPGRADE.\r\n",
            "ACTION=\"Install\"\r\n",
            "FEATURES=SQLENGINE,FULLTEXT,CONN\r\n",
            "INSTANCENAME=\"VMMSQL\"\r\n",
            "INSTANCEID=\"VMMSQL\"\r\n",
            "SQLSVCACCOUNT=\"CONTOSO\\svc-sql01\"\r\n",
            "SQLCOLLATION=\"SQL_Latin1_General_CP1_CI_AS\"\r\n",
            "SQLSYSADMINACCOUNTS=\"CONTOSO\\SQL Admins\" \"CONTOSO\\svc-vmm\"\r\n",
        ));
        assert_eq!(value(&f, "sql.setup.action").as_deref(), Some("Install"));
        assert_eq!(
            value(&f, "sql.setup.features").as_deref(),
            Some("SQLENGINE,FULLTEXT,CONN")
        );
        assert_eq!(
            value(&f, "sql.setup.instance_name").as_deref(),
            Some("VMMSQL")
        );
        assert_eq!(
            value(&f, "sql.setup.service_account").as_deref(),
            Some("CONTOSO\\svc-sql01")
        );
        assert_eq!(
            value(&f, "sql.setup.collation").as_deref(),
            Some("SQL_Latin1_General_CP1_CI_AS")
        );
        // The planned setup is not the running server.
        assert!(!f.values.contains_key("sql.collation"));
    }

    #[test]
    fn sql_setup_answer_file_for_an_upgrade_in_utf16_without_features() {
        let f = facts_of_bytes(&utf16le(concat!(
            ";SQL Server 2019 Configuration File\r\n[OPTIONS]\r\n",
            "IAcceptSQLServerLicenseTerms=\"True\"\r\n",
            "ACTION=\"UPGRADE\"\r\n",
            ";FEATURES=SQLENGINE,REPLICATION\r\n",
            "QUIET=\"True\"\r\n",
            "INSTANCENAME=\"MSSQLSERVER\"\r\n",
            "INSTANCEID=\"MSSQLSERVER\"\r\n",
            "FTUPGRADEOPTION=\"Import\"\r\n",
        )));
        assert_eq!(value(&f, "sql.setup.action").as_deref(), Some("UPGRADE"));
        assert_eq!(
            keys(&f),
            ["sql.setup.action", "sql.setup.instance_name"],
            "a commented-out FEATURES line is no fact"
        );
    }

    #[test]
    fn ini_files_without_setup_keys_give_no_setup_facts() {
        // ACTION alone, or outside [OPTIONS], is not SQL Server setup's answer file.
        for text in [
            "[OPTIONS]\r\nACTION=\"Install\"\r\nQUIET=\"True\"\r\n",
            "[Settings]\r\nACTION=Install\r\nINSTANCENAME=MSSQLSERVER\r\n",
            "[Identification]\r\nJoinDomain=CONTOSO\r\n",
            "[Identification]\r\nAction=InstallPrimarySite\r\n[CloudConnectorOptions]\r\nCloudConnector=1\r\n",
            "[SystemCenterOptions]\r\nSysCenterId=\r\n[HierarchyExpansionOption]\r\n",
        ] {
            let f = facts_of(text);
            assert!(f.is_empty(), "{text:?}: {:?}", keys(&f));
        }
    }

    #[test]
    fn a_vmm_setup_answer_file_gives_only_vmm_facts() {
        let f = facts_of(concat!(
            "[OPTIONS]\r\n",
            "ProductKey=\r\n",
            "UserName=Administrator\r\n",
            "CompanyName=Contoso\r\n",
            "CreateNewSqlDatabase=1\r\n",
            "SqlInstanceName=MSSQLSERVER\r\n",
            "SqlDatabaseName=VirtualManagerDB\r\n",
            "SqlMachineName=SQL01\r\n",
            "IndigoTcpPort=8100\r\n",
            "CreateNewLibraryShare=1\r\n",
            "LibraryShareName=MSSCVMMLibrary\r\n",
            "LibrarySharePath=C:\\ProgramData\\Virtual Machine Manager Library Files\r\n",
            "VmmServiceLocalAccount=0\r\n",
            "TopContainerName=CN=VMMDKM,DC=contoso,DC=local\r\n",
        ));
        assert_eq!(keys(&f), ["vmm.dkm_container", "vmm.service_local_account"]);
    }

    #[test]
    fn configmgr_setup_script_gives_the_site_and_its_database() {
        let f = facts_of_bytes(&utf16le(concat!(
            "[Identification]\r\nAction=InstallPrimarySite\r\n\r\n",
            "[Options]\r\nProductID=EVAL\r\nSiteCode=PS1\r\nSiteName=Contoso Primary Site\r\n",
            "SMSInstallDir=D:\\Program Files\\Microsoft Configuration Manager\r\n",
            "SDKServer=CM01.contoso.local\r\n\r\n",
            "[SQLConfigOptions]\r\nSQLServerName=SQL02.contoso.local\r\nDatabaseName=CM_PS1\r\nSQLSSBPort=4022\r\n\r\n",
            "[CloudConnectorOptions]\r\nCloudConnector=0\r\nProxyName=\r\n",
        )));
        assert_eq!(
            keys(&f),
            [
                "configmgr.database",
                "configmgr.setup.action",
                "configmgr.site_code",
                "configmgr.site_name",
                "configmgr.sql_server"
            ]
        );
        assert_eq!(
            value(&f, "configmgr.setup.action").as_deref(),
            Some("InstallPrimarySite")
        );
        assert_eq!(value(&f, "configmgr.site_code").as_deref(), Some("PS1"));
        assert_eq!(
            value(&f, "configmgr.site_name").as_deref(),
            Some("Contoso Primary Site")
        );
        assert_eq!(
            value(&f, "configmgr.sql_server").as_deref(),
            Some("SQL02.contoso.local")
        );
        assert_eq!(value(&f, "configmgr.database").as_deref(), Some("CM_PS1"));

        // Quoted values lose their quotes, and the section names are read in any case.
        let f = facts_of(
            "[IDENTIFICATION]\r\nAction=\"InstallCAS\"\r\n[OPTIONS]\r\nSiteCode=\"CAS\"\r\n",
        );
        assert_eq!(keys(&f), ["configmgr.setup.action", "configmgr.site_code"]);
        assert_eq!(value(&f, "configmgr.site_code").as_deref(), Some("CAS"));
    }

    const VM_TEMPLATE: &str = concat!(
        "<?xml version=\"1.0\"?>\n",
        "<ovf:Envelope xmlns:vmmst=\"http://www.microsoft.com/schema/vmmst\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" vmmst:schemaVersion=\"4.0\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\">\n",
        "  <ovf:References>\n",
        "    <ovf:File ovf:id=\"unattend-web.xml\" ovf:href=\"unattend-web.xml\" vmmst:resourceName=\"unattend-web.xml\" vmmst:resourceURI=\"\\\\VMM01.contoso.local\\MSSCVMMLibrary\\Answer Files\\unattend-web.xml\" />\n",
        "    <ovf:File ovf:id=\"WS2016-Std.vhdx\" ovf:href=\"WS2016-Std.vhdx\" vmmst:resourceName=\"WS2016-Std.vhdx\" vmmst:resourceURI=\"\\\\LIB01.contoso.local\\VMMLibrary\\VHDs\\WS2016-Std.vhdx\" />\n",
        "    <ovf:File ovf:id=\"packaged.iso\" ovf:href=\"packaged.iso\" />\n",
        "  </ovf:References>\n",
        "  <ovf:Section xsi:type=\"vmmst:RunAsAccountSection_Type\">\n",
        "    <ovf:Info>Run As accounts used in the package</ovf:Info>\n",
        "    <vmmst:RunAsAccount vmmst:name=\"Web Local Admin\"><vmmst:Description /></vmmst:RunAsAccount>\n",
        "    <vmmst:RunAsAccount vmmst:name=\"Domain Join\" />\n",
        "  </ovf:Section>\n",
        "  <ovf:VirtualSystem ovf:id=\"WEB-WS2016\">\n",
        "    <ovf:Info />\n",
        "    <ovf:Name>Web server WS2016</ovf:Name>\n",
        "    <ovf:Section xsi:type=\"vmmst:OperatingSystemUnattendedInstallSection_Type\">\n",
        "      <vmmst:LocalAdminRunAsAccountRef>Web Local Admin</vmmst:LocalAdminRunAsAccountRef>\n",
        "    </ovf:Section>\n",
        "  </ovf:VirtualSystem>\n",
        "</ovf:Envelope>\n",
    );

    #[test]
    fn vmm_template_export_gives_its_library_resources_and_run_as_accounts() {
        let f = facts_of(VM_TEMPLATE);
        assert_eq!(
            record_values(&f, "vmm.template_resources"),
            vec![
                pairs(&[
                    ("template", "Web server WS2016"),
                    ("name", "unattend-web.xml"),
                    (
                        "path",
                        "\\\\VMM01.contoso.local\\MSSCVMMLibrary\\Answer Files\\unattend-web.xml"
                    )
                ]),
                pairs(&[
                    ("template", "Web server WS2016"),
                    ("name", "WS2016-Std.vhdx"),
                    (
                        "path",
                        "\\\\LIB01.contoso.local\\VMMLibrary\\VHDs\\WS2016-Std.vhdx"
                    )
                ]),
            ]
        );
        assert_eq!(
            record_values(&f, "vmm.template_run_as"),
            vec![
                pairs(&[
                    ("template", "Web server WS2016"),
                    ("account", "Web Local Admin")
                ]),
                pairs(&[
                    ("template", "Web server WS2016"),
                    ("account", "Domain Join")
                ]),
            ]
        );
        // Not a Hyper-V VM configuration.
        assert_eq!(keys(&f), ["vmm.template_resources", "vmm.template_run_as"]);
    }

    #[test]
    fn vmm_template_namespaces_are_matched_by_uri_and_a_nameless_system_by_its_id() {
        // A service template's collection, other prefixes, OVF as the default namespace, and
        // UTF-16 as Windows PowerShell writes files.
        let f = facts_of_bytes(&utf16le(concat!(
            "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n",
            "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:sc=\"http://www.microsoft.com/schema/vmmst\">\r\n",
            " <References><File id=\"app.zip\" sc:resourceURI=\"\\\\LIB01\\VMMLibrary\\Apps\\app.zip\" /></References>\r\n",
            " <VirtualSystemCollection id=\"Sales service\">\r\n",
            "  <VirtualSystem id=\"Web tier\"><Section><sc:RunAsAccount sc:name=\"SQL deploy\" /></Section></VirtualSystem>\r\n",
            " </VirtualSystemCollection>\r\n",
            "</Envelope>\r\n",
        )));
        assert_eq!(
            record_values(&f, "vmm.template_resources"),
            vec![pairs(&[
                ("template", "Sales service"),
                ("name", "app.zip"),
                ("path", "\\\\LIB01\\VMMLibrary\\Apps\\app.zip")
            ])]
        );
        assert_eq!(
            record_values(&f, "vmm.template_run_as"),
            vec![pairs(&[
                ("template", "Sales service"),
                ("account", "SQL deploy")
            ])]
        );

        // An OVF package from elsewhere, without VMM's namespace, gives nothing.
        let f = facts_of(
            "<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\"><ovf:References><ovf:File ovf:id=\"disk1\" ovf:href=\"disk1.vmdk\" /></ovf:References><ovf:VirtualSystem ovf:id=\"vm\" /></ovf:Envelope>",
        );
        assert!(f.is_empty(), "{:?}", keys(&f));
    }

    #[test]
    fn a_hyper_v_configuration_is_not_a_template_and_a_template_not_a_vm() {
        let f = facts_of(
            "<?xml version=\"1.0\" encoding=\"UTF-16\" standalone=\"yes\"?>\n<configuration>\n <properties>\n  <name type=\"string\">WEB01</name>\n </properties>\n</configuration>\n",
        );
        assert_eq!(keys(&f), ["hyperv.vms"]);
        let f = facts_of(VM_TEMPLATE);
        assert!(!f.records.contains_key("hyperv.vms"));
    }

    #[test]
    fn log_errors_from_cmtrace_entries_of_type_3_only() {
        let f = facts_of(concat!(
            "<![LOG[Ccmsetup command line: ccmsetup.exe /mp:cm01.contoso.test SMSSITECODE=CAS]LOG]!><time=\"09:41:07.112+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"1\" thread=\"4120\" file=\"ccmsetup.cpp:9498\">\r\n",
            "<![LOG[Failed to connect to policy namespace. Error 0x8004100e]LOG]!><time=\"09:41:12.305+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"3\" thread=\"4120\" file=\"localpolicy.cpp:367\">\r\n",
            "<![LOG[MSI: Setup was unable to create the WMI namespace CCM\r\nThe error code is 80041002]LOG]!><time=\"9:41:30.001+60\" date=\"3-11-2026\" component=\"ccmsetup\" context=\"\" type=\"3\" thread=\"4120\" file=\"msiutil.cpp:316\">\r\n",
            "<![LOG[Failed again]LOG]!><time=\"09:41:31.000+60\" component=\"ccmsetup\" type=\"3\">\r\n",
            "<![LOG[Retrying]LOG]!><time=\"09:41:32.000+60\" date=\"03-11-2026\" component=\"ccmsetup\" type=\"2\">\r\n",
        ));
        assert_eq!(
            record_values(&f, "log.errors"),
            vec![
                pairs(&[
                    ("component", "ccmsetup"),
                    (
                        "message",
                        "Failed to connect to policy namespace. Error 0x8004100e"
                    ),
                    ("time", "2026-03-11 09:41:12"),
                    ("file", "localpolicy.cpp:367"),
                ]),
                pairs(&[
                    ("component", "ccmsetup"),
                    (
                        "message",
                        "MSI: Setup was unable to create the WMI namespace CCM\r\nThe error code is 80041002"
                    ),
                    // Not `HH:MM:SS`: kept as written.
                    ("time", "3-11-2026 9:41:30.001+60"),
                    ("file", "msiutil.cpp:316"),
                ]),
                pairs(&[
                    ("component", "ccmsetup"),
                    ("message", "Failed again"),
                    ("time", "09:41:31.000+60"),
                ]),
            ]
        );
        // A finding on a record points at the entry's line in the log.
        let first = &f.records["log.errors"][0].fields[2].1.origin;
        assert_eq!(first.doc.path(first.node), "[1].time");
    }

    #[test]
    fn collection_errors_from_error_text_and_from_a_clixml_error_stream() {
        let f = facts_of(concat!(
            "Get-VM : You do not have the required permission to complete this task.\r\n",
            "At line:1 char:1\r\n",
            "+ Get-VM | ConvertTo-Json > vms.json\r\n",
            "+ ~~~~~~\r\n",
            "    + CategoryInfo          : PermissionDenied: (:) [Get-VM], VirtualizationException\r\n",
            "    + FullyQualifiedErrorId : Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM\r\n",
            "\r\n",
            "C:\\collect\\run.ps1 : no volumes\r\n",
            "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,run.ps1\r\n",
        ));
        assert_eq!(
            record_values(&f, "collection.errors"),
            vec![
                pairs(&[
                    (
                        "message",
                        "Get-VM : You do not have the required permission to complete this task."
                    ),
                    (
                        "error_id",
                        "Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM"
                    ),
                    ("category", "PermissionDenied"),
                ]),
                pairs(&[
                    ("message", "C:\\collect\\run.ps1 : no volumes"),
                    (
                        "error_id",
                        "Microsoft.PowerShell.Commands.WriteErrorException,run.ps1"
                    ),
                ]),
            ]
        );
        let id = &f.records["collection.errors"][0].fields[1].1.origin;
        assert_eq!(id.doc.path(id.node), "[0].error_id");

        // A CLIXML stream with data and an error: the data still gives its facts.
        let f = facts_of(concat!(
            "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">",
            "<Obj RefId=\"0\"><MS><S N=\"Name\">vmmservice</S><S N=\"StartName\">CONTOSO\\svc-vmm</S><S N=\"State\">Running</S><S N=\"StartMode\">Auto</S></MS></Obj>",
            "<S S=\"Error\">Get-CimInstance : Invalid class _x000D__x000A_</S>",
            "<S S=\"Error\">\"Win32_Servic\"_x000D__x000A_</S>",
            "<S S=\"Error\">    + CategoryInfo          : MetadataError: (:) [Get-CimInstance], CimException_x000D__x000A_</S>",
            "<S S=\"Error\">    + FullyQualifiedErrorId : HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand_x000D__x000A_</S>",
            "</Objs>"
        ));
        assert_eq!(record_values(&f, "services").len(), 1);
        assert_eq!(
            record_values(&f, "collection.errors"),
            vec![pairs(&[
                (
                    "message",
                    "Get-CimInstance : Invalid class \"Win32_Servic\""
                ),
                (
                    "error_id",
                    "HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand"
                ),
                ("category", "MetadataError"),
            ])]
        );
        let m = &f.records["collection.errors"][0].fields[0].1.origin;
        assert_eq!(m.doc.path(m.node), "[1].@value");
    }

    #[test]
    fn sms_layout_entries_are_never_errors() {
        let f = facts_of(
            "Failed to process file.  $$<SMS_INBOX_MANAGER><04-22-2008 09:14:51.250+240><thread=3372 (0xD2C)>\r\n",
        );
        assert!(f.records.is_empty());
        assert_eq!(
            log_timestamp("04-22-2008", "09:14:51.250+240").as_deref(),
            Some("2008-04-22 09:14:51")
        );
        assert_eq!(log_timestamp("13-22-2008", "09:14:51"), None);
        assert_eq!(log_timestamp("04-22-2008", "09:14"), None);
        assert_eq!(log_timestamp("04-22-2008", "09:14:51x"), None);
    }
}
