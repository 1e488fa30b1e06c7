//! Extractors: which node of which export gives which fact.

use std::sync::Arc;

use rhai::ImmutableString;

use super::{FactSet, FactValue};
use crate::model::{DocKind, Document, NodeIdx, Scalar};

pub(super) fn extract(facts: &mut FactSet, doc: &Arc<Document>) {
    match doc.kind {
        DocKind::Registry => registry(facts, doc),
        DocKind::WinRmConfig => winrm(facts, doc),
        DocKind::Json => json(facts, doc),
        _ => {}
    }
}

fn str_of(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    match doc.scalar(node) {
        Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().into()),
        Scalar::Int(i) => Some(i.to_string().into()),
        _ => None,
    }
}

fn int_of(doc: &Document, node: NodeIdx) -> Option<i64> {
    match doc.scalar(node) {
        Scalar::Int(i) => Some(i),
        Scalar::Str(s) => s.trim().parse().ok(),
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

fn registry(facts: &mut FactSet, doc: &Arc<Document>) {
    for &key in doc.children(Document::ROOT) {
        let Some(name) = doc.name(key) else { continue };
        let name = normalized_key(name);
        let value = |v: &str| doc.child(key, v);
        if name == format!(r"{VMM_KEY}\setup") {
            if let Some(n) = value("ProductVersion")
                && let Some(s) = str_of(doc, n)
            {
                facts.offer("vmm.version", FactValue::Str(s), doc, n);
            }
            if let Some(n) = value("VmmServiceAccount")
                && let Some(s) = str_of(doc, n)
            {
                facts.offer("vmm.service_account", FactValue::Str(s), doc, n);
            }
        } else if name == format!(r"{VMM_KEY}\settings\library") {
            if let Some(n) = value("LibraryShareName")
                && let Some(s) = str_of(doc, n)
            {
                facts.offer("vmm.library_share_name", FactValue::Str(s), doc, n);
            }
            if let Some(n) = value("LibrarySharePath")
                && let Some(s) = str_of(doc, n)
            {
                facts.offer("vmm.library_share_path", FactValue::Str(s), doc, n);
            }
        } else if name == CURRENT_VERSION_KEY {
            current_version(facts, doc, key);
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

/// `Get-CimInstance Win32_OperatingSystem | ConvertTo-Json`: one object (or a one-element
/// array) with `Caption`, `Version` and `BuildNumber`.
fn json(facts: &mut FactSet, doc: &Arc<Document>) {
    let root = match doc.children(Document::ROOT) {
        [only] if doc.kind(Document::ROOT) == crate::model::NodeKind::Array => *only,
        _ => Document::ROOT,
    };
    let field = |k: &str| doc.child(root, k);
    let (Some(caption), Some(version)) = (field("Caption"), field("Version")) else {
        return;
    };
    let Some(cap) = str_of(doc, caption).filter(|c| c.contains("Windows")) else {
        return;
    };
    if field("BuildNumber").is_none() {
        return;
    }
    facts.offer("os.caption", FactValue::Str(cap), doc, caption);
    if let Some(v) = str_of(doc, version) {
        facts.offer("os.version", FactValue::Str(v), doc, version);
    }
    if let Some(n) = field("BuildNumber")
        && let Some(b) = int_of(doc, n)
    {
        facts.offer("os.build", FactValue::Int(b), doc, n);
    }
    if let Some(n) = field("OSLanguage")
        && let Some(l) = int_of(doc, n)
    {
        facts.offer("os.language", FactValue::Int(l), doc, n);
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
    fn os_from_win32_operatingsystem_json() {
        let f = facts_of(
            "{\"Caption\": \"Microsoft Windows Server 2012 R2 Standard\", \"Version\": \"6.3.9600\", \"BuildNumber\": \"9600\", \"OSLanguage\": 1033}",
        );
        assert_eq!(
            f.values["os.version"].value,
            FactValue::Str("6.3.9600".into())
        );
        assert_eq!(f.values["os.language"].value, FactValue::Int(1033));
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
}
