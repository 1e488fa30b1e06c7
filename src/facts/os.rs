//! Windows itself: the OS edition and version, the computer's domain, memory and processors,
//! a pending restart, and the local disks. Read from WMI objects (`Win32_OperatingSystem`,
//! `Win32_ComputerSystem`, `Win32_Processor`, `Win32_LogicalDisk`), the `CurrentVersion`,
//! Component Based Servicing and Session Manager registry keys, and `systeminfo`.

use std::sync::Arc;

use super::collect::{Collect, Command};
use super::read::{Obj, RegKey, bool_of, int_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Origin, Record};
use crate::model::{DocKind, Document, NodeIdx, NodeKind};

// Get-WmiObject and Export-Clixml run in every Windows PowerShell from 2.0 (Windows Server
// 2008 R2) on; Get-CimInstance and ConvertTo-Json need 3.0.
static OS_XML: Collect = Collect::Run(Command::powershell(
    "Get-WmiObject Win32_OperatingSystem | Select-Object CSName,Caption,Version,BuildNumber,CSDVersion,OSArchitecture,OSLanguage,OperatingSystemSKU,TotalVisibleMemorySize | Export-Clixml os.xml",
    &["os.xml"],
));
static CS_XML: Collect = Collect::Run(Command::powershell(
    "Get-WmiObject Win32_ComputerSystem | Select-Object Name,Domain,PartOfDomain,TotalPhysicalMemory,NumberOfLogicalProcessors | Export-Clixml computersystem.xml",
    &["computersystem.xml"],
));
static CPU_XML: Collect = Collect::Run(Command::powershell(
    "Get-WmiObject Win32_Processor | Select-Object DeviceID,Name,Manufacturer,Family,Stepping,NumberOfLogicalProcessors | Export-Clixml processor.xml",
    &["processor.xml"],
));
static CURRENT_VERSION_REG: Collect = Collect::Run(Command::any_shell(
    r#"reg export "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" currentversion.reg"#,
    &["currentversion.reg"],
));
static LOCALE: Collect = Collect::Run(Command::any_shell(
    "systeminfo > systeminfo.txt",
    &["systeminfo.txt"],
));
static REBOOT_REG: Collect = Collect::Run(Command::powershell(
    r#"reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing" cbs.reg; reg export "HKLM\SYSTEM\CurrentControlSet\Control\Session Manager" session-manager.reg"#,
    &["cbs.reg", "session-manager.reg"],
));
static VOLUMES_XML: Collect = Collect::Run(Command::powershell(
    "Get-WmiObject Win32_LogicalDisk -Filter DriveType=3 | Select-Object DeviceID,Size,FreeSpace | Export-Clixml volumes.xml",
    &["volumes.xml"],
));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::text(
            "os.caption",
            "Windows edition name",
            &OS_XML,
            "`Caption` of a `Win32_OperatingSystem` object. Or the `CurrentVersion` registry export: `ProductName`.",
        ),
        FactDef::text(
            "os.version",
            "Windows version (major.minor.build)",
            &OS_XML,
            "`Version` of a `Win32_OperatingSystem` object. Or the `CurrentVersion` registry export: `CurrentMajorVersionNumber.CurrentMinorVersionNumber.CurrentBuildNumber` when the major/minor values exist (Windows Server 2016 and later), else `CurrentVersion.CurrentBuildNumber`.",
        ),
        FactDef::integer(
            "os.build",
            "Windows build number",
            &OS_XML,
            "`BuildNumber`. Or the `CurrentVersion` registry export: `CurrentBuildNumber` (or `CurrentBuild`).",
        ),
        FactDef::integer(
            "os.language",
            "OS language (LCID)",
            &OS_XML,
            "`OSLanguage` of a `Win32_OperatingSystem` object: the language the system was installed in, which is its system UI language (1033 English, 1031 German, …)",
        ),
        FactDef::text(
            "os.system_locale",
            "System locale (en-us)",
            &LOCALE,
            "`System Locale:` of `systeminfo` (the part before `;`), or `Get-WinSystemLocale` (`Name`), in lower case",
        ),
        FactDef::integer(
            "os.service_pack",
            "Service pack level (0 for none)",
            &OS_XML,
            "`CSDVersion` of a `Win32_OperatingSystem` object (`Service Pack 2` gives 2; empty or null gives 0, when the object has `Caption`)",
        ),
        FactDef::text(
            "os.architecture",
            "OS architecture (64-bit, 32-bit)",
            &OS_XML,
            "`OSArchitecture` of a `Win32_OperatingSystem` object",
        ),
        FactDef::integer(
            "os.sku",
            "Windows edition as a number (OperatingSystemSKU)",
            &OS_XML,
            "`OperatingSystemSKU` of a `Win32_OperatingSystem` object (7 Standard, 8 Datacenter, 10 Enterprise, 12–14 their Server Core installations, 42 Hyper-V Server, …)",
        ),
        FactDef::text(
            "os.installation_type",
            "Installation type (Server, Server Core)",
            &CURRENT_VERSION_REG,
            "`InstallationType` of the `CurrentVersion` registry export (Windows Server 2008 R2 and later)",
        ),
        FactDef::text(
            "computer.domain",
            "DNS domain (or workgroup) of the computer",
            &CS_XML,
            "`Domain` of a `Win32_ComputerSystem` object (JSON, CLIXML or CSV), or `Domain:` of `systeminfo`",
        ),
        FactDef::flag(
            "computer.domain_joined",
            "Whether the computer is a domain member",
            &CS_XML,
            "`PartOfDomain`",
        ),
        FactDef::integer(
            "memory.total_mb",
            "Physical memory in MB",
            &CS_XML,
            "`TotalPhysicalMemory` (bytes), `Win32_OperatingSystem.TotalVisibleMemorySize` (KB), or `Total Physical Memory:` of `systeminfo`",
        ),
        FactDef::integer(
            "cpu.logical_processors",
            "Logical processors",
            &CS_XML,
            "`NumberOfLogicalProcessors` of `Win32_ComputerSystem`, or `LogicalProcessorCount` of `Get-VMHost`",
        ),
        FactDef::text(
            "cpu.vendor",
            "Processor manufacturer (GenuineIntel, AuthenticAMD)",
            &CPU_XML,
            "`Manufacturer` of a `Win32_Processor` object",
        ),
        FactDef::integer("cpu.family", "Processor family", &CPU_XML, "`Family`"),
        FactDef::text("cpu.stepping", "Processor stepping", &CPU_XML, "`Stepping`"),
        FactDef::text(
            "cpu.model",
            "Processor model name (Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz)",
            &CPU_XML,
            "`Name` of a `Win32_Processor` object, without the padding WMI leaves around it",
        ),
        FactDef::flag(
            "reboot.pending",
            "Whether a restart is pending (CBS RebootPending, Windows Update RebootRequired, PendingFileRenameOperations)",
            &REBOOT_REG,
            r"`true` when an export shows `...\Component Based Servicing\RebootPending`, `...\WindowsUpdate\Auto Update\RebootRequired` or a non-empty `Session Manager\PendingFileRenameOperations`; `false` only when both the Component Based Servicing and the Session Manager exports are present and show none of it. Any evidence of a pending restart wins.",
        ),
        FactDef::records(
            "volumes",
            "Local disk volumes",
            &VOLUMES_XML,
            &["name", "size_bytes", "free_bytes"],
            1,
            "`Win32_LogicalDisk` (`DeviceID`, `Size`, `FreeSpace`) or `Get-Volume` (`DriveLetter`, `Size`, `SizeRemaining`) objects",
        ),
    ],
    registry: &[registry],
    documents: &[(DocKind::Text, systeminfo)],
};

const CURRENT_VERSION_KEY: &str = r"hklm\software\microsoft\windows nt\currentversion";
const CBS_KEY: &str = r"hklm\software\microsoft\windows\currentversion\component based servicing";
const WU_REBOOT_KEY: &str =
    r"hklm\software\microsoft\windows\currentversion\windowsupdate\auto update\rebootrequired";
const SESSION_MANAGER_KEY: &str = r"hklm\system\currentcontrolset\control\session manager";

/// The `CurrentVersion` key, and the keys that show (or rule out) a pending restart.
fn registry(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    let cbs_reboot_pending = format!(r"{CBS_KEY}\rebootpending");
    for k in keys {
        let (key, name) = (k.node, k.normalized.as_str());
        if name == CURRENT_VERSION_KEY {
            current_version(facts, doc, key);
        } else if name == CBS_KEY {
            facts.restart_sources.0 = Some(Origin {
                doc: doc.clone(),
                node: key,
            });
        } else if name == cbs_reboot_pending || name == WU_REBOOT_KEY {
            facts.offer_evidence("reboot.pending", true, doc, key);
        } else if name == SESSION_MANAGER_KEY {
            facts.restart_sources.1 = Some(Origin {
                doc: doc.clone(),
                node: key,
            });
            if let Some(n) = doc.child(key, "PendingFileRenameOperations")
                && (doc.kind(n) == NodeKind::Array && !doc.children(n).is_empty()
                    || str_of(doc, n).is_some())
            {
                facts.offer_evidence("reboot.pending", true, doc, n);
            }
        }
    }
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
    if let Some(n) = value("InstallationType")
        && let Some(s) = str_of(doc, n)
    {
        facts.offer("os.installation_type", FactValue::Str(s), doc, n);
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

/// `Win32_OperatingSystem`.
pub(super) fn operating_system(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((cn, caption)), Some((vn, version)), true) =
        (o.text("Caption"), o.text("Version"), o.has("BuildNumber"))
    else {
        return false;
    };
    // Hyper-V Server and Azure Stack HCI captions do not say "Windows".
    if ["Windows", "Hyper-V Server", "Azure Stack HCI"]
        .iter()
        .any(|w| caption.contains(w))
    {
        facts.offer("os.caption", FactValue::Str(caption), doc, cn);
        facts.offer("os.version", FactValue::Str(version), doc, vn);
        if let Some((n, b)) = o.int("BuildNumber") {
            facts.offer("os.build", FactValue::Int(b), doc, n);
        }
        if let Some((n, l)) = o.int("OSLanguage") {
            facts.offer("os.language", FactValue::Int(l), doc, n);
        }
        if let Some((n, kb)) = o.int("TotalVisibleMemorySize") {
            facts.offer("memory.total_mb", FactValue::Int(kb / 1024), doc, n);
        }
        if let Some(n) = o.get("CSDVersion") {
            let level = match str_of(doc, n) {
                None => Some(0),
                Some(text) => service_pack_level(&text),
            };
            if let Some(level) = level {
                facts.offer("os.service_pack", FactValue::Int(level), doc, n);
            }
        }
        if let Some((n, a)) = o.text("OSArchitecture") {
            facts.offer("os.architecture", FactValue::Str(a), doc, n);
        }
        if let Some((n, sku)) = o.int("OperatingSystemSKU") {
            facts.offer("os.sku", FactValue::Int(sku), doc, n);
        }
    }
    true
}

/// "Service Pack 2" → 2. The last number of the text, so a localized "Service Pack 2" or
/// "SP2" reads too.
fn service_pack_level(text: &str) -> Option<i64> {
    text.split(|c: char| !c.is_ascii_digit())
        .rfind(|part| !part.is_empty())
        .and_then(|n| n.parse().ok())
}

/// `Get-WinSystemLocale`: `Name` and `LCID` (Windows Server 2012 and later).
pub(super) fn system_locale(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), true, true) = (o.text("Name"), o.has("LCID"), o.has("KeyboardLayoutId"))
    else {
        return false;
    };
    facts.offer(
        "os.system_locale",
        FactValue::Str(name.to_ascii_lowercase().into()),
        doc,
        n,
    );
    true
}

/// `Win32_ComputerSystem`.
pub(super) fn computer_system(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    if !(o.has("PartOfDomain") || o.has("TotalPhysicalMemory")) {
        return false;
    }
    if let Some((n, d)) = o.text("Domain") {
        facts.offer("computer.domain", FactValue::Str(d), doc, n);
    }
    if let Some(n) = o.get("PartOfDomain")
        && let Some(b) = bool_of(doc, n)
    {
        facts.offer("computer.domain_joined", FactValue::Bool(b), doc, n);
    }
    if let Some((n, bytes)) = o.int("TotalPhysicalMemory") {
        facts.offer(
            "memory.total_mb",
            FactValue::Int(bytes / (1024 * 1024)),
            doc,
            n,
        );
    }
    if let Some((n, lp)) = o.int("NumberOfLogicalProcessors") {
        facts.offer("cpu.logical_processors", FactValue::Int(lp), doc, n);
    }
    true
}

/// `Win32_Processor`.
pub(super) fn processor(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, vendor)) = o
        .text("Manufacturer")
        .filter(|_| o.has("Stepping") || o.has("Family"))
    else {
        return false;
    };
    facts.offer("cpu.vendor", FactValue::Str(vendor), doc, n);
    if let Some((n, f)) = o.int("Family") {
        facts.offer("cpu.family", FactValue::Int(f), doc, n);
    }
    if let Some((n, s)) = o.text("Stepping") {
        facts.offer("cpu.stepping", FactValue::Str(s), doc, n);
    }
    if let Some((n, model)) = o.text("Name") {
        facts.offer("cpu.model", FactValue::Str(model), doc, n);
    }
    true
}

/// `Win32_LogicalDisk` or `Get-Volume`.
pub(super) fn volume(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, name)) = o
        .text("DeviceID")
        .or_else(|| o.text("DriveLetter"))
        .filter(|_| o.has("Size"))
    else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some((n, size)) = o.int("Size") {
        r.field("size_bytes", FactValue::Int(size), doc, n);
    }
    if let Some((n, free)) = o.int("FreeSpace").or_else(|| o.int("SizeRemaining")) {
        r.field("free_bytes", FactValue::Int(free), doc, n);
    }
    facts.add_record("volumes", r);
    true
}

/// `systeminfo`: the labelled fields of its English output.
fn systeminfo(facts: &mut FactSet, doc: &Arc<Document>) {
    let field = |k: &str| doc.child(Document::ROOT, k);
    let (Some(os), Some(version)) = (field("OS Name"), field("OS Version")) else {
        return;
    };
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
    // "en-us;English (United States)"
    if let Some(n) = field("System Locale")
        && let Some(s) = str_of(doc, n)
        && let Some(name) = s.split(';').next().map(str::trim).filter(|t| !t.is_empty())
    {
        facts.offer(
            "os.system_locale",
            FactValue::Str(name.to_ascii_lowercase().into()),
            doc,
            n,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::read::testing::*;
    use crate::facts::FactValue;
    use crate::parse;
    use crate::source::FileId;

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

    #[test]
    fn volumes_from_win32_logicaldisk() {
        let f = facts_of(
            "[{\"DeviceID\": \"C:\", \"Size\": 107374182400, \"FreeSpace\": 10737418240}]",
        );
        assert_eq!(
            record_values(&f, "volumes")[0][2],
            ("free_bytes".into(), "10737418240".into())
        );
    }
}
