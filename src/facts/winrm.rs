//! WinRM, which VMM manages its hosts through: the service's limits from `winrm get
//! winrm/config` or the `WSMan:` drive, and the quotas of its WMI Provider plugin.

use std::sync::Arc;

use super::collect::{Collect, Command, Role};
use super::read::{int_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue};
use crate::model::{DocKind, Document};

static WINRM: Collect = Collect::Run(Command::any_shell(
    "winrm get winrm/config > winrm-config.txt",
    &["winrm-config.txt"],
));
static WSMAN_WMI_QUOTAS: Collect = Collect::Run(
    Command::powershell(
        r"Get-ChildItem 'WSMan:\localhost\Plugin\WMI Provider\Quotas' > wsman-wmi-quotas.txt",
        &["wsman-wmi-quotas.txt"],
    )
    .on(&[Role::VmmServer, Role::HyperVHost]),
);

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::integer(
            "winrm.max_concurrent_operations_per_user",
            "WinRM Service MaxConcurrentOperationsPerUser",
            &WINRM,
            "`Config/Service/MaxConcurrentOperationsPerUser` (or `Service/...` from `winrm get winrm/config/service`)",
        ),
        FactDef::integer(
            "winrm.max_connections",
            "WinRM Service MaxConnections",
            &WINRM,
            "`Config/Service/MaxConnections`",
        ),
        FactDef::text(
            "winrm.max_connections_source",
            "Who set MaxConnections (GPO when set by Group Policy)",
            &WINRM,
            r#"the `[Source="..."]` suffix of `MaxConnections`. Absent when the value is set locally."#,
        ),
        FactDef::integer(
            "winrm.wmi_plugin_max_operations_per_user",
            "MaxConcurrentOperationsPerUser of the WinRM WMI Provider plugin's quotas",
            &WSMAN_WMI_QUOTAS,
            r"`items/MaxConcurrentOperationsPerUser/Value` of the `Get-ChildItem` table whose `WSManConfig:` path ends in `\Plugin\WMI Provider\Quotas` (or of its `Quotas` table when listed with `-Recurse` from `...\Plugin\WMI Provider` or `...\Plugin`); the `Service` table's setting of the same name is `winrm.max_concurrent_operations_per_user`",
        ),
    ],
    registry: &[],
    documents: &[(DocKind::WinRmConfig, config), (DocKind::Text, wsman_table)],
};

/// `winrm get winrm/config`, or a sub-tree of it.
fn config(facts: &mut FactSet, doc: &Arc<Document>) {
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

/// `Get-ChildItem WSMan:\...` tables: the WMI Provider plugin's quotas, or the service's.
fn wsman_table(facts: &mut FactSet, doc: &Arc<Document>) {
    let root = Document::ROOT;
    let field = |k: &str| doc.child(root, k);
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

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;
    use crate::facts::FactValue;

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
}
