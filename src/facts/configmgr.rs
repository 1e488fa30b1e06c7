//! Configuration Manager: where a site runs and which database it uses, from the answer file
//! of its setup. Its component logs are read in `logs.rs`.

use std::sync::Arc;

use super::collect::{Collect, CopyFile, Role};
use super::read::str_of;
use super::{Domain, FactDef, FactSet, FactValue};
use crate::model::{DocKind, Document, NodeIdx};

static CONFIGMGR_SETUP_INI: Collect = Collect::Copy(CopyFile {
    file: "ConfigMgrAutoSave.ini",
    on: &[Role::ConfigMgrSiteServer],
    instruction: "copy the ConfigMgrAutoSave.ini Configuration Manager setup saved, or the script it will run with (setup.exe /SCRIPT ConfigMgrSetup.ini), into the site server's folder",
});

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::text(
            "configmgr.setup.action",
            "What Configuration Manager setup was (or will be) run to do, as its answer file says ([Identification] Action: InstallPrimarySite, InstallCAS, …)",
            &CONFIGMGR_SETUP_INI,
            "`[Identification]`, value `Action`, of Configuration Manager setup's script. The file is recognized by that value together with `[Options]` `SiteCode` or `SMSInstallDir`, or `[SQLConfigOptions]` `SQLServerName`",
        ),
        FactDef::text(
            "configmgr.site_code",
            "Configuration Manager site code, from the setup answer file (SiteCode); places Configuration Manager, which is upgraded before VMM (VMM025)",
            &CONFIGMGR_SETUP_INI,
            "`[Options]`, value `SiteCode`",
        ),
        FactDef::text(
            "configmgr.site_name",
            "Configuration Manager site name, from the setup answer file (SiteName)",
            &CONFIGMGR_SETUP_INI,
            "`[Options]`, value `SiteName`",
        ),
        FactDef::text(
            "configmgr.sql_server",
            "SQL Server computer of the Configuration Manager site database, from the setup answer file (SQLServerName)",
            &CONFIGMGR_SETUP_INI,
            "`[SQLConfigOptions]`, value `SQLServerName` as written",
        ),
        FactDef::text(
            "configmgr.database",
            "Configuration Manager site database name, from the setup answer file (DatabaseName)",
            &CONFIGMGR_SETUP_INI,
            "`[SQLConfigOptions]`, value `DatabaseName` as written",
        ),
    ],
    registry: &[],
    documents: &[(DocKind::Ini, setup_ini)],
};

/// Configuration Manager setup's script (`setup.exe /SCRIPT`, or the `ConfigMgrAutoSave.ini`
/// the wizard saves): `[Identification] Action` with the site's `[Options]` or
/// `[SQLConfigOptions]`.
fn setup_ini(facts: &mut FactSet, doc: &Arc<Document>) {
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

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

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
}
