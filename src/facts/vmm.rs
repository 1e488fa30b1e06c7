//! System Center Virtual Machine Manager: the server's registry settings (version, account,
//! library, database, ports), what its setup answer file (`VMServer.ini`) says about
//! distributed key management, and what the VMM PowerShell module exports: hosts, jobs, the
//! data VMM encrypts, its Operations Manager connection, its load balancers and its templates.

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command, CopyFile, Role};
use super::read::{Obj, RegKey, bool_of, int_of, list_items, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx, NodeKind};

static REG_VMM: Collect = Collect::Run(Command::any_shell(r#"reg export "HKLM\SOFTWARE\Microsoft\Microsoft System Center Virtual Machine Manager Server" vmm-registry.reg"#, &["vmm-registry.reg"]).on(&[Role::VmmServer]));
static VMM_HOSTS: Collect = Collect::Run(Command::powershell(r#"Get-SCVMHost | Select-Object Name,@{n='OperatingSystemName';e={$_.OperatingSystem.Name}},@{n='OperatingSystemVersionString';e={"$($_.OperatingSystem.Version)"}},@{n='VirtualizationPlatformString';e={"$($_.VirtualizationPlatform)"}},AgentVersion,@{n='CommunicationStateString';e={"$($_.CommunicationState)"}} | ConvertTo-Json > vmm-hosts.json"#, &["vmm-hosts.json"]).on(&[Role::VmmServer]).module("VirtualMachineManager"));
static VMM_JOBS: Collect = Collect::Run(Command::powershell(r#"Get-SCJob -All | Select-Object Name,@{n='Status';e={"$($_.Status)"}},CmdletName,@{n='StartTime';e={$_.StartTime.ToString('s')}} | ConvertTo-Json > vmm-jobs.json"#, &["vmm-jobs.json"]).on(&[Role::VmmServer]).module("VirtualMachineManager"));
// Wrapped like VMM_ENCRYPTED: a VMM server without an Operations Manager connection or a load
// balancer would otherwise export an empty file, which reads as "not collected". The status
// is made text because Windows PowerShell 5.1 writes enums as numbers.
static VMM_OPSMGR: Collect = Collect::Run(Command::powershell(r#"[pscustomobject]@{ UplintExport = 'vmm-opsmgr-connection'; Connections = @(Get-SCOpsMgrConnection | Select-Object OpsMgrServerName,@{n='ConnectionStatus';e={"$($_.ConnectionStatus)"}}) } | ConvertTo-Json -Depth 3 > vmm-opsmgr-connection.json"#, &["vmm-opsmgr-connection.json"]).on(&[Role::VmmServer]).module("VirtualMachineManager"));
static VMM_LOAD_BALANCERS: Collect = Collect::Run(Command::powershell("[pscustomobject]@{ UplintExport = 'vmm-load-balancers'; LoadBalancers = @(Get-SCLoadBalancer | Select-Object Name,Address,Manufacturer,Model) } | ConvertTo-Json -Depth 3 > vmm-load-balancers.json", &["vmm-load-balancers.json"]).on(&[Role::VmmServer]).module("VirtualMachineManager"));
static VMSERVER_INI: Collect = Collect::Copy(CopyFile {
    file: "VMServer.ini",
    on: &[Role::VmmServer],
    instruction: "copy the VMServer.ini answer file VMM setup was run with (setup.exe /server /i /f VMServer.ini) into the VMM server's folder",
});
// One object with a marker and a list per kind, so "collected, nothing encrypted" (empty
// lists) differs from "not collected" (no file): ConvertTo-Json of no objects writes nothing.
static VMM_ENCRYPTED: Collect = Collect::Run(Command::powershell("[pscustomobject]@{ UplintExport = 'vmm-encrypted-data'; RunAsAccounts = @(Get-SCRunAsAccount | Select-Object Name,UserName,Domain); GuestOSProfiles = @(Get-SCGuestOSProfile | Where-Object { $_.AdminPasswordHasValue } | Select-Object Name); ServiceSettings = @(Get-SCServiceTemplate | ForEach-Object { $t = $_; Get-SCServiceSetting -ServiceTemplate $t | Where-Object { $_.IsEncrypted } | Select-Object Name,@{n='Owner';e={$t.Name}} }); SqlProductKeys = @(Get-SCSQLProfile | ForEach-Object { $p = $_; Get-SCSQLDeployment -SQLProfile $p | Where-Object { $_.ProductKey } | Select-Object Name,@{n='Owner';e={$p.Name}} }) } | ConvertTo-Json -Depth 3 > vmm-encrypted-data.json", &["vmm-encrypted-data.json"]).on(&[Role::VmmServer]).module("VirtualMachineManager"));
// Without -IncludeAllLibraryResources only the template's .xml is written, not the disks;
// without -SettingsIncludePrivate no secret setting leaves VMM.
static VMM_TEMPLATES: Collect = Collect::Run(Command::powershell(r"Get-SCVMTemplate | Export-SCTemplate -Path C:\uplint-templates -Overwrite; Get-SCServiceTemplate | Export-SCTemplate -Path C:\uplint-templates -Overwrite", &[r"C:\uplint-templates"]).on(&[Role::VmmServer]).module("VirtualMachineManager").note("then copy the .xml files into the VMM server's folder"));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::text(
            "vmm.version",
            "VMM server ProductVersion",
            &REG_VMM,
            r"`...\Microsoft System Center Virtual Machine Manager Server\Setup`, value `ProductVersion`",
        ),
        FactDef::text(
            "vmm.service_account",
            "VMM service account",
            &REG_VMM,
            r"`...\Setup`, value `VmmServiceAccount`",
        ),
        FactDef::text(
            "vmm.library_share_name",
            "VMM default library share name",
            &REG_VMM,
            r"`...\Settings\Library`, value `LibraryShareName`",
        ),
        FactDef::text(
            "vmm.library_share_path",
            "VMM default library share path",
            &REG_VMM,
            r"`...\Settings\Library`, value `LibrarySharePath`",
        ),
        FactDef::text(
            "vmm.sql_server",
            "SQL Server computer of the VMM database",
            &REG_VMM,
            r"`...\Settings\Sql`, value `MachineFQDN` (or `MachineName` when there is no `MachineFQDN`)",
        ),
        FactDef::text(
            "vmm.database",
            "VMM database name",
            &REG_VMM,
            r"`...\Settings\Sql`, value `DatabaseName`",
        ),
        FactDef::records(
            "vmm.ports",
            "VMM server ports (Settings values IndigoTcpPort, WSManTcpPort, BitsTcpPort, …)",
            &REG_VMM,
            &["name", "port"],
            1,
            r"`...\Settings`, one record (integer `port`) per value among `IndigoTcpPort`, `IndigoHTTPSPort`, `IndigoNETTCPPort`, `IndigoHTTPPort`, `WSManTcpPort`, `BitsTcpPort`; `name` is spelled as here",
        ),
        FactDef::records(
            "vmm.hosts",
            "Virtualization hosts VMM manages (Get-SCVMHost): name, OS version and name, platform, agent version, communication state",
            &VMM_HOSTS,
            &[
                "name",
                "os_version",
                "os_name",
                "platform",
                "agent_version",
                "state",
            ],
            1,
            "`Get-SCVMHost` objects as that command writes them (`OperatingSystemVersionString`, `OperatingSystemName`, `VirtualizationPlatformString`), or whole objects (`OperatingSystem.Version` as `Major`/`Minor`/`Build`, `VirtualizationPlatform`); a Get-SCVirtualMachine object (which names its `HostName`) is not taken for a host. Also read from the lists of an inventory object (`@{ hosts = @(Get-SCVMHost) }`, one level deep; hosts are the only objects read there)",
        ),
        FactDef::records(
            "vmm.jobs",
            "VMM jobs (Get-SCJob): name, status, cmdlet, start time",
            &VMM_JOBS,
            &["name", "status", "cmdlet", "started"],
            0,
            "`Get-SCJob` objects (`Name`, `Status`, `CmdletName`, `StartTime`); a `Status` that `ConvertTo-Json` wrote as a number is kept as that number",
        ),
        FactDef::flag(
            "vmm.opsmgr_connections_collected",
            "Whether VMM's Operations Manager connection was exported (even when there is none)",
            &VMM_OPSMGR,
            "the wrapper object (`UplintExport` = `vmm-opsmgr-connection`)",
        ),
        FactDef::records(
            "vmm.opsmgr_connections",
            "VMM's connection to Operations Manager (Get-SCOpsMgrConnection)",
            &VMM_OPSMGR,
            &["server", "status"],
            1,
            "the wrapper's `Connections` (`OpsMgrServerName`, or `OpsMgrServer`; `ConnectionStatus`), or a `Get-SCOpsMgrConnection` object exported without it (`OpsMgrServerName`). A connection whose server name is not in the export is a record with an empty `server`",
        ),
        FactDef::flag(
            "vmm.load_balancers_collected",
            "Whether VMM's load balancers were exported (even when there is none)",
            &VMM_LOAD_BALANCERS,
            "the wrapper object (`UplintExport` = `vmm-load-balancers`)",
        ),
        FactDef::records(
            "vmm.load_balancers",
            "Hardware load balancers VMM manages (Get-SCLoadBalancer)",
            &VMM_LOAD_BALANCERS,
            &["address", "name", "manufacturer", "model"],
            1,
            "the wrapper's `LoadBalancers`, or `Get-SCLoadBalancer` objects exported without it (objects with `Address`, `Manufacturer` and `Model`)",
        ),
        FactDef::text(
            "vmm.dkm_container",
            "Distributed key management container (VMServer.ini TopContainerName)",
            &VMSERVER_INI,
            "`TopContainerName` in the `[OPTIONS]` section of VMM's setup answer file (a section with `VmmServiceLocalAccount`, `TopContainerName`, `IndigoTcpPort` or `LibraryShareName`; SQL Server's `ConfigurationFile.ini` also has `[OPTIONS]` and is not taken for it)",
        ),
        FactDef::flag(
            "vmm.service_local_account",
            "Whether VMM setup was told to run the service as LocalSystem (VMServer.ini VmmServiceLocalAccount)",
            &VMSERVER_INI,
            "`VmmServiceLocalAccount` (`1` is LocalSystem), in the same `[OPTIONS]` section as `vmm.dkm_container`",
        ),
        FactDef::flag(
            "vmm.highly_available",
            "Whether VMM was installed highly available (VMServer.ini HighlyAvailable)",
            &VMSERVER_INI,
            "`HighlyAvailable`, in the same `[OPTIONS]` section as `vmm.dkm_container`",
        ),
        FactDef::flag(
            "vmm.encrypted_data_collected",
            "Whether the inventory of VMM's encrypted data was exported (even when it lists nothing)",
            &VMM_ENCRYPTED,
            "the inventory object (`UplintExport` = `vmm-encrypted-data`)",
        ),
        FactDef::records(
            "vmm.encrypted_data",
            "Data VMM encrypts with DPAPI or DKM: Run As accounts, guest OS profile passwords, encrypted service settings, SQL Server deployment product keys",
            &VMM_ENCRYPTED,
            &["kind", "name", "owner"],
            0,
            "the inventory's lists: `RunAsAccounts` (kind `run-as-account`, owner the `UserName`), `GuestOSProfiles` (`guest-os-profile-password`), `ServiceSettings` (`service-setting`), `ApplicationSettings` (`application-setting`), `SqlProductKeys` (`sql-product-key`), `WebDeployPasswords` (`web-deploy-password`)",
        ),
        FactDef::records(
            "vmm.template_resources",
            "Library resources a VMM template depends on, by their library share path (a share whose name or path changes across the upgrade breaks the template)",
            &VMM_TEMPLATES,
            &["template", "name", "path"],
            0,
            "a template export: an OVF `Envelope` that declares VMM's namespace `http://www.microsoft.com/schema/vmmst` (namespaces are matched by URI, whatever their prefix). `template` is the `Name` of the `VirtualSystem` (a VM template) or `VirtualSystemCollection` (a service template), else its `id`; one record per `References/File` with a `vmmst:resourceURI`, the library share path of the resource (`path`), named by `vmmst:resourceName` (else `href` or `id`). A library share whose name or path changes across the VMM upgrade leaves the template pointing at nothing (see VMM015)",
        ),
        FactDef::records(
            "vmm.template_run_as",
            "Run As accounts a VMM template uses (their credentials are encrypted data: DPAPI-bound unless DKM carries them to a new VMM server)",
            &VMM_TEMPLATES,
            &["template", "account"],
            0,
            "each `vmmst:RunAsAccount` element of the export, by its `vmmst:name`. A Run As account's credentials are data VMM encrypts: without distributed key management they do not survive a move to a new VMM server (see VMM010, VMM011)",
        ),
    ],
    registry: &[registry],
    documents: &[(DocKind::Ini, setup_ini), (DocKind::Xml, template_xml)],
};

const VMM_KEY: &str =
    r"hklm\software\microsoft\microsoft system center virtual machine manager server";

/// The keys of the VMM server's registry export.
fn registry(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    let vmm_setup = format!(r"{VMM_KEY}\setup");
    let vmm_library = format!(r"{VMM_KEY}\settings\library");
    let vmm_sql = format!(r"{VMM_KEY}\settings\sql");
    let vmm_settings = format!(r"{VMM_KEY}\settings");
    for k in keys {
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

/// A collector's wrapper object (`UplintExport`, as the VMM commands of this file write it):
/// an inventory that tells "collected, nothing there" from "not collected".
pub(super) fn collector_wrapper(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let Some(marker) = doc.child(obj, "UplintExport") else {
        return false;
    };
    let Some(kind) = str_of(doc, marker) else {
        return false;
    };
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
    true
}

/// `Get-SCOpsMgrConnection` exported bare, without the collector's wrapper: it still shows a
/// connection, though no export can show there is none.
pub(super) fn bare_opsmgr_connection(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    obj: NodeIdx,
) -> bool {
    if doc.child(obj, "OpsMgrServerName").is_none() {
        return false;
    }
    opsmgr_connection(facts, doc, obj);
    true
}

/// `Get-SCLoadBalancer` exported bare. A whole `Win32_ComputerSystem` also has a
/// `Manufacturer` and a `Model`, and is recognized before this.
pub(super) fn bare_load_balancer(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    if !(o.has("Address") && o.has("Manufacturer") && o.has("Model")) {
        return false;
    }
    load_balancer(facts, doc, obj);
    true
}

/// `Get-SCJob`: `CmdletName` tells a VMM job from a service or an adapter with a `Status`.
pub(super) fn job(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), Some(status)) = (o.text("Name"), o.get("Status")) else {
        return false;
    };
    if !o.has("CmdletName") {
        return false;
    }
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(s) = str_of(doc, status) {
        r.field("status", FactValue::Str(s), doc, status);
    }
    for (field, key) in [("cmdlet", "CmdletName"), ("started", "StartTime")] {
        if let Some((n, v)) = o.text(key) {
            r.field(field, FactValue::Str(v), doc, n);
        }
    }
    facts.add_record("vmm.jobs", r);
    true
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
pub(super) fn host(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
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

/// VMM setup's answer file. SQL Server's ConfigurationFile.ini also has an `[OPTIONS]`
/// section, so only a section with VMM's own keys counts.
fn setup_ini(facts: &mut FactSet, doc: &Arc<Document>) {
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
fn template_xml(facts: &mut FactSet, doc: &Arc<Document>) {
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

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;
    use crate::facts::{FactSet, FactValue};

    #[test]
    fn dkm_evidence_from_vmserver_ini_and_the_encrypted_data_inventory() {
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
    fn vmm_jobs() {
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
    }
}
