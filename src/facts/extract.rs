//! Extractors: which node of which export gives which fact.
//!
//! Object exports (`ConvertTo-Json`, `Export-Clixml`, `Export-Csv`) are recognized by the
//! properties their objects carry, not by the file: a `Win32_Service` listing is a listing of
//! objects with `Name` and `StartName`, whichever way it was serialized.

use std::sync::Arc;

use rhai::ImmutableString;

use super::{FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx, NodeKind, Scalar};

pub(super) fn extract(facts: &mut FactSet, doc: &Arc<Document>) {
    match doc.kind {
        DocKind::Registry => registry(facts, doc),
        DocKind::WinRmConfig => winrm(facts, doc),
        DocKind::Json | DocKind::Clixml | DocKind::Csv => {
            for obj in objects(doc) {
                object(facts, doc, obj);
            }
        }
        DocKind::Xml => hyperv_vm_xml(facts, doc),
        DocKind::Text => text(facts, doc),
        _ => {}
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

/// A value as text. CLIXML enums arrive as objects whose `@string` is the name.
fn str_of(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    match doc.scalar(node) {
        Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().into()),
        Scalar::Int(i) => Some(i.to_string().into()),
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
        _ => None,
    }
}

/// `HKEY_LOCAL_MACHINE\SOFTWARE\...` and `HKLM\Software\...` name the same key.
fn normalized_key(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("hkey_local_machine") {
        Some(rest) => format!("hklm{rest}"),
        None => lower,
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

fn registry(facts: &mut FactSet, doc: &Arc<Document>) {
    let mut saw_cbs = None;
    let mut saw_session_manager = None;
    for &key in doc.children(Document::ROOT) {
        let Some(name) = doc.name(key) else { continue };
        let name = normalized_key(name);
        let value = |v: &str| doc.child(key, v);
        let mut offer_str = |fact: &'static str, v: &str| {
            if let Some(n) = value(v)
                && let Some(s) = str_of(doc, n)
            {
                facts.offer(fact, FactValue::Str(s), doc, n);
            }
        };
        if name == format!(r"{VMM_KEY}\setup") {
            offer_str("vmm.version", "ProductVersion");
            offer_str("vmm.service_account", "VmmServiceAccount");
        } else if name == format!(r"{VMM_KEY}\settings\library") {
            offer_str("vmm.library_share_name", "LibraryShareName");
            offer_str("vmm.library_share_path", "LibrarySharePath");
        } else if name == CURRENT_VERSION_KEY {
            current_version(facts, doc, key);
        } else if let Some(id) = UNINSTALL_KEYS.iter().find_map(|k| name.strip_prefix(k)) {
            if !id.contains('\\') {
                uninstall_entry(facts, doc, key);
            }
        } else if name == CBS_KEY {
            saw_cbs = Some(key);
        } else if name == format!(r"{CBS_KEY}\rebootpending") || name == WU_REBOOT_KEY {
            facts.offer_evidence("reboot.pending", true, doc, key);
        } else if name == SESSION_MANAGER_KEY {
            saw_session_manager = Some(key);
            if let Some(n) = value("PendingFileRenameOperations")
                && (doc.kind(n) == NodeKind::Array && !doc.children(n).is_empty()
                    || str_of(doc, n).is_some())
            {
                facts.offer_evidence("reboot.pending", true, doc, n);
            }
        }
    }
    // No evidence in exports that would show it: no restart pending (any later evidence wins).
    if let (Some(cbs), Some(_)) = (saw_cbs, saw_session_manager) {
        facts.offer_evidence("reboot.pending", false, doc, cbs);
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
fn object(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) {
    let has = |k: &str| doc.child(obj, k).is_some();
    let get = |k: &str| doc.child(obj, k);
    let str_field = |k: &str| get(k).and_then(|n| str_of(doc, n).map(|s| (n, s)));
    let int_field = |k: &str| get(k).and_then(|n| int_of(doc, n).map(|i| (n, i)));

    // Win32_OperatingSystem
    if let (Some((cn, caption)), Some((vn, version)), true) = (
        str_field("Caption"),
        str_field("Version"),
        has("BuildNumber"),
    ) {
        if caption.contains("Windows") {
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
        return;
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
        return;
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
        return;
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
        return;
    }
    // msdb.dbo.backupset, or dbatools Get-DbaDbBackupHistory
    let backup = match (str_field("database_name"), str_field("Database")) {
        (Some(db), _) if has("backup_finish_date") => Some((db, "type", "backup_finish_date")),
        (_, Some(db)) if has("End") && has("Type") => Some((db, "Type", "End")),
        _ => None,
    };
    if let Some(((dn, database), type_key, end_key)) = backup {
        let mut r = Record::default();
        r.field("database", FactValue::Str(database), doc, dn);
        if let Some((n, t)) = str_field(type_key) {
            r.field("type", FactValue::Str(t), doc, n);
        }
        if let Some((n, end)) = str_field(end_key) {
            r.field("finished", FactValue::Str(end), doc, n);
        }
        facts.add_record("sql.backups", r);
        return;
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
        return;
    }
    // Get-WindowsFeature
    if let (Some((n, name)), Some(installed)) = (str_field("Name"), get("Installed")) {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        if let Some(b) = bool_of(doc, installed) {
            r.field("installed", FactValue::Bool(b), doc, installed);
        }
        facts.add_record("features", r);
        return;
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
        return;
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
        return;
    }
    // Win32_Product (Name, Version, Vendor), Get-Package (Name, Version, ProviderName)
    if let (Some((n, name)), Some((vn, version))) = (str_field("Name"), str_field("Version"))
        && (has("Vendor") || has("ProviderName") || has("IdentifyingNumber"))
    {
        let mut r = Record::default();
        r.field("name", FactValue::Str(name), doc, n);
        r.field("version", FactValue::Str(version), doc, vn);
        if let Some((n, p)) = str_field("Vendor").or_else(|| str_field("ProviderName")) {
            r.field("publisher", FactValue::Str(p), doc, n);
        }
        facts.add_record("software", r);
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
    let mut r = Record::default();
    if let Some(v) = str_of(doc, name) {
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
    // Get-ChildItem WSMan:\localhost\Service
    let is_service = field("WSManConfig")
        .and_then(|n| str_of(doc, n))
        .is_some_and(|p| p.to_ascii_lowercase().ends_with("\\service"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
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
    fn pending_reboot_evidence_wins_over_absence() {
        let none = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing]\r\n\"LastTrustTime\"=hex(b):00,00,00,00,00,00,00,00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager]\r\n\"BootExecute\"=hex(7):00,00\r\n";
        let mut f = facts_of(none);
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
}
