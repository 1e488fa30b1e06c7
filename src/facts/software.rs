//! What is installed: programs (the Uninstall registry keys, `Win32_Product`, `Get-Package`,
//! PowerShell modules) and Windows roles and features (`Get-WindowsFeature`).

use std::sync::Arc;

use super::collect::{Collect, Command};
use super::read::{Obj, RegKey, bool_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx};

static UNINSTALL_REG: Collect = Collect::Run(Command::powershell(
    r#"reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall" uninstall.reg; reg export "HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall" uninstall-wow64.reg"#,
    &["uninstall.reg", "uninstall-wow64.reg"],
));
static FEATURES_XML: Collect = Collect::Run(Command::powershell(
    "Import-Module ServerManager; Get-WindowsFeature | Select-Object Name,DisplayName,Installed | Export-Clixml features.xml",
    &["features.xml"],
));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::records(
            "software",
            "Installed programs",
            &UNINSTALL_REG,
            &["name", "version", "publisher"],
            2,
            r"each `Uninstall\<id>` key with a `DisplayName` (`DisplayVersion`, `Publisher`); or `Win32_Product` / `Get-Package` objects (`Name`, `Version`, `Vendor` / `ProviderName`)",
        ),
        FactDef::records(
            "features",
            "Windows roles and features",
            &FEATURES_XML,
            &["name", "installed"],
            1,
            "`Get-WindowsFeature` objects (`Name`, `Installed`)",
        ),
    ],
    registry: &[registry],
    documents: &[],
};

const UNINSTALL_KEYS: [&str; 2] = [
    r"hklm\software\microsoft\windows\currentversion\uninstall\",
    r"hklm\software\wow6432node\microsoft\windows\currentversion\uninstall\",
];

/// One program per subkey of an Uninstall key (not deeper).
fn registry(facts: &mut FactSet, doc: &Arc<Document>, keys: &[RegKey<'_>]) {
    for k in keys {
        if let Some(id) = UNINSTALL_KEYS
            .iter()
            .find_map(|u| k.normalized.strip_prefix(u))
            && !id.contains('\\')
        {
            uninstall_entry(facts, doc, k.node);
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

/// `Get-WindowsFeature`.
pub(super) fn feature(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), Some(installed)) = (o.text("Name"), o.get("Installed")) else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(b) = bool_of(doc, installed) {
        r.field("installed", FactValue::Bool(b), doc, installed);
    }
    facts.add_record("features", r);
    true
}

/// `Win32_Product` (Name, Version, Vendor), `Get-Package` (Name, Version, ProviderName),
/// `Get-InstalledModule` and the PSGetModuleInfo.xml `Install-Module` leaves beside a module
/// (PSRepositoryItemInfo: Repository, InstalledLocation, CompanyName, Author).
pub(super) fn product(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), Some((vn, version))) = (o.text("Name"), o.text("Version")) else {
        return false;
    };
    if !(o.has("Vendor")
        || o.has("ProviderName")
        || o.has("IdentifyingNumber")
        || o.has("Repository") && (o.has("InstalledLocation") || o.has("CompanyName")))
    {
        return false;
    }
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    r.field("version", FactValue::Str(version), doc, vn);
    if let Some((n, p)) = ["Vendor", "ProviderName", "CompanyName", "Author"]
        .iter()
        .find_map(|k| o.text(k))
    {
        r.field("publisher", FactValue::Str(p), doc, n);
    }
    facts.add_record("software", r);
    true
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

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
    fn features_from_get_windowsfeature() {
        let f = facts_of(
            "[{\"Name\": \"Hyper-V\", \"DisplayName\": \"Hyper-V\", \"Installed\": true}]",
        );
        assert_eq!(
            record_values(&f, "features")[0][1],
            ("installed".into(), "true".into())
        );
    }
}
