//! SQL Server: the running instance (`SERVERPROPERTY`), its databases, availability groups,
//! transaction logs, backup history and table columns, from `Invoke-Sqlcmd` exports (or
//! `sqlcmd`, dbatools, `Export-Clixml`), and what its setup answer file
//! (`ConfigurationFile.ini`) was or will be run with.

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command, CopyFile, Role};
use super::read::{Obj, bool_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx};

static SQL_PROPS: Collect = Collect::Run(Command::powershell(r#"Invoke-Sqlcmd -Query "SELECT SERVERPROPERTY('MachineName') AS MachineName, SERVERPROPERTY('ProductVersion') AS ProductVersion, SERVERPROPERTY('Edition') AS Edition, SERVERPROPERTY('Collation') AS Collation, SERVERPROPERTY('IsHadrEnabled') AS IsHadrEnabled" | Export-Csv sql-properties.csv"#, &["sql-properties.csv"]).on(&[Role::SqlServer]).module("SqlServer"));
// ISO dates (style 126) read the same whatever the culture of the computer running Export-Csv,
// and GETDATE() on the same server is the reference for a backup's age.
static SQL_BACKUPS: Collect = Collect::Run(Command::powershell(r#"Invoke-Sqlcmd -Query "SELECT database_name, type, CONVERT(varchar(19), backup_finish_date, 126) AS backup_finish_date, CONVERT(varchar(19), GETDATE(), 126) AS collected_at FROM msdb.dbo.backupset" | Export-Csv sql-backups.csv"#, &["sql-backups.csv"]).on(&[Role::SqlServer]).module("SqlServer"));
static SQL_DATABASES: Collect = Collect::Run(Command::powershell(r#"Invoke-Sqlcmd -Query "SELECT name, recovery_model_desc, state_desc FROM sys.databases" | Export-Csv sql-databases.csv"#, &["sql-databases.csv"]).on(&[Role::SqlServer]).module("SqlServer"));
static SQL_AG_DATABASES: Collect = Collect::Run(Command::powershell(r#"Invoke-Sqlcmd -Query "SELECT adc.database_name, ag.name AS group_name FROM sys.availability_databases_cluster adc JOIN sys.availability_groups ag ON ag.group_id = adc.group_id" | Export-Csv sql-ag-databases.csv"#, &["sql-ag-databases.csv"]).on(&[Role::SqlServer]).module("SqlServer"));
static SQL_LOGSPACE: Collect = Collect::Run(
    Command::powershell(
        r#"Invoke-Sqlcmd -Query "DBCC SQLPERF(LOGSPACE)" | Export-Csv sql-logspace.csv"#,
        &["sql-logspace.csv"],
    )
    .on(&[Role::SqlServer])
    .module("SqlServer"),
);
static SQL_NETMAN_COLUMNS: Collect = Collect::Run(Command::powershell(r#"Invoke-Sqlcmd -Database VirtualManagerDB -Query "SELECT TABLE_CATALOG, TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'tbl_NetMan_HardwareModelSettings' AND COLUMN_NAME = 'Version'" | Export-Csv sql-vmm-columns.csv"#, &["sql-vmm-columns.csv"]).on(&[Role::SqlServer]).module("SqlServer").note(
        r"-Database is the VMM database: DatabaseName under Settings\Sql in the VMM registry export",
    ));
// Setup answer files say what setup was (or will be) run with, not what the computer runs now:
// the facts they give are named `*.setup.*` where the running server has its own fact.
static SQL_SETUP_INI: Collect = Collect::Copy(CopyFile {
    file: "ConfigurationFile.ini",
    on: &[Role::SqlServer],
    instruction: "copy the ConfigurationFile.ini SQL Server setup wrote or will run with (setup.exe /ConfigurationFile=ConfigurationFile.ini) into the SQL Server computer's folder",
});

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::text(
            "sql.version",
            "SQL Server ProductVersion",
            &SQL_PROPS,
            "an object (CSV row, JSON, CLIXML) with `ProductVersion` and `Edition` or `Collation`",
        ),
        FactDef::text("sql.edition", "SQL Server edition", &SQL_PROPS, "`Edition`"),
        FactDef::text(
            "sql.collation",
            "SQL Server collation",
            &SQL_PROPS,
            "`Collation`",
        ),
        FactDef::flag(
            "sql.hadr_enabled",
            "Whether AlwaysOn availability groups are enabled on the SQL Server instance",
            &SQL_PROPS,
            "`IsHadrEnabled` (`1`/`0`; empty on SQL Server 2008 R2 and older, which gives no fact)",
        ),
        FactDef::records(
            "sql.backups",
            "Database backups (msdb backup history)",
            &SQL_BACKUPS,
            &["database", "type", "finished"],
            0,
            "`msdb.dbo.backupset` rows (`database_name`, `type`, `backup_finish_date`) or dbatools `Get-DbaDbBackupHistory` objects (`Database`, `Type`, `End`)",
        ),
        FactDef::text(
            "sql.collected_at",
            "The SQL Server's own clock when the backup history was exported (GETDATE())",
            &SQL_BACKUPS,
            "the `collected_at` column (`GETDATE()`), the reference for a backup's age",
        ),
        FactDef::records(
            "sql.databases",
            "SQL Server databases",
            &SQL_DATABASES,
            &["name", "recovery_model", "state"],
            1,
            "`sys.databases` rows (`name`, `recovery_model_desc`, `state_desc`)",
        ),
        FactDef::records(
            "sql.ag_databases",
            "Databases in an AlwaysOn availability group",
            &SQL_AG_DATABASES,
            &["database", "group"],
            1,
            "rows with `database_name` and `group_name`; or dbatools backup history objects with a non-empty `AvailabilityGroupName` (`Database`)",
        ),
        FactDef::records(
            "sql.log_space",
            "Transaction log size and use per database",
            &SQL_LOGSPACE,
            &["database", "log_size_mb", "log_used_percent"],
            1,
            "`DBCC SQLPERF(LOGSPACE)` rows (`Database Name`, `Log Size (MB)`, `Log Space Used (%)`). The two numbers are kept as text, as written: they have decimals, and `Export-Csv` writes them with the decimal separator of the computer's language.",
        ),
        FactDef::records(
            "sql.columns",
            "Column definitions of database tables (INFORMATION_SCHEMA.COLUMNS)",
            &SQL_NETMAN_COLUMNS,
            &[
                "table",
                "column",
                "database",
                "type",
                "max_length",
                "nullable",
            ],
            0,
            "`INFORMATION_SCHEMA.COLUMNS` rows (`TABLE_NAME`, `COLUMN_NAME`, `TABLE_CATALOG`, `DATA_TYPE`, `CHARACTER_MAXIMUM_LENGTH` as an integer, `-1` for `(max)` and absent for types without a length, `IS_NULLABLE` as written, `YES` or `NO`)",
        ),
        FactDef::text(
            "sql.setup.action",
            "What SQL Server setup was (or will be) run to do, as its answer file says: Install, Upgrade, … (the planned or used setup, not the running server)",
            &SQL_SETUP_INI,
            "the `[OPTIONS]` section of SQL Server setup's answer file, value `ACTION` as written (quotes removed, letter case kept). The file is recognized by `ACTION` together with `FEATURES`, `INSTANCENAME` or `INSTANCEID`, not by its name; VMM's `VMServer.ini`, which also has `[OPTIONS]`, has none of them",
        ),
        FactDef::text(
            "sql.setup.instance_name",
            "SQL Server instance the setup answer file names (INSTANCENAME; MSSQLSERVER is the default instance)",
            &SQL_SETUP_INI,
            "`INSTANCENAME`",
        ),
        FactDef::text(
            "sql.setup.features",
            "Features the SQL Server setup answer file installs or upgrades (FEATURES, as written: SQLENGINE,REPLICATION,…)",
            &SQL_SETUP_INI,
            "`FEATURES` as written (`SQLENGINE,REPLICATION`); a commented-out line gives no fact",
        ),
        FactDef::text(
            "sql.setup.collation",
            "Server collation the SQL Server setup answer file asks for (SQLCOLLATION; the running server's is sql.collation)",
            &SQL_SETUP_INI,
            "`SQLCOLLATION`, when present (upgrade answer files usually have none)",
        ),
        FactDef::text(
            "sql.setup.service_account",
            "Database Engine service account the SQL Server setup answer file gives (SQLSVCACCOUNT)",
            &SQL_SETUP_INI,
            "`SQLSVCACCOUNT`, when present",
        ),
    ],
    registry: &[],
    documents: &[(DocKind::Ini, setup_ini)],
};

/// `INFORMATION_SCHEMA.COLUMNS` rows.
pub(super) fn columns(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((tn, table)), Some((cn, column))) = (o.text("TABLE_NAME"), o.text("COLUMN_NAME"))
    else {
        return false;
    };
    let mut r = Record::default();
    r.field("table", FactValue::Str(table), doc, tn);
    r.field("column", FactValue::Str(column), doc, cn);
    if let Some((n, db)) = o.text("TABLE_CATALOG") {
        r.field("database", FactValue::Str(db), doc, n);
    }
    if let Some((n, t)) = o.text("DATA_TYPE") {
        r.field("type", FactValue::Str(t), doc, n);
    }
    // NULL (an empty CSV field) for types without a length; -1 for (max).
    if let Some((n, len)) = o.int("CHARACTER_MAXIMUM_LENGTH") {
        r.field("max_length", FactValue::Int(len), doc, n);
    }
    if let Some((n, nullable)) = o.text("IS_NULLABLE") {
        r.field("nullable", FactValue::Str(nullable), doc, n);
    }
    facts.add_record("sql.columns", r);
    true
}

/// The `SERVERPROPERTY(...)` query.
pub(super) fn server_properties(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, v)) = o
        .text("ProductVersion")
        .filter(|_| o.has("Edition") || o.has("Collation"))
    else {
        return false;
    };
    facts.offer("sql.version", FactValue::Str(v), doc, n);
    if let Some((n, e)) = o.text("Edition") {
        facts.offer("sql.edition", FactValue::Str(e), doc, n);
    }
    if let Some((n, c)) = o.text("Collation") {
        facts.offer("sql.collation", FactValue::Str(c), doc, n);
    }
    // Empty on SQL Server 2008 R2 and older, which have no AlwaysOn: no fact then.
    if let Some(n) = o.get("IsHadrEnabled")
        && let Some(b) = bool_of(doc, n)
    {
        facts.offer("sql.hadr_enabled", FactValue::Bool(b), doc, n);
    }
    true
}

/// `sys.databases` rows.
pub(super) fn database(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, name)) = o.text("name").filter(|_| o.has("recovery_model_desc")) else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some((n, m)) = o.text("recovery_model_desc") {
        r.field("recovery_model", FactValue::Str(m), doc, n);
    }
    if let Some((n, s)) = o.text("state_desc") {
        r.field("state", FactValue::Str(s), doc, n);
    }
    facts.add_record("sql.databases", r);
    true
}

/// `sys.availability_databases_cluster` joined with `sys.availability_groups`.
pub(super) fn availability_group_database(
    facts: &mut FactSet,
    doc: &Arc<Document>,
    obj: NodeIdx,
) -> bool {
    let o = Obj::new(doc, obj);
    let (Some(database), Some(group)) = (o.text("database_name"), o.text("group_name")) else {
        return false;
    };
    ag_database(facts, doc, database, group);
    true
}

/// `DBCC SQLPERF(LOGSPACE)`: sizes stay text, since they have decimals and their separator
/// follows the culture of the computer that ran Export-Csv.
pub(super) fn log_space(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, database)) = o.text("Database Name").filter(|_| o.has("Log Size (MB)")) else {
        return false;
    };
    let mut r = Record::default();
    r.field("database", FactValue::Str(database), doc, n);
    if let Some((n, size)) = o.text("Log Size (MB)") {
        r.field("log_size_mb", FactValue::Str(size), doc, n);
    }
    if let Some((n, used)) = o.text("Log Space Used (%)") {
        r.field("log_used_percent", FactValue::Str(used), doc, n);
    }
    facts.add_record("sql.log_space", r);
    true
}

/// `msdb.dbo.backupset` rows, or dbatools `Get-DbaDbBackupHistory` objects.
pub(super) fn backup(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let backup = match (o.text("database_name"), o.text("Database")) {
        (Some(db), _) if o.has("backup_finish_date") => Some((db, "type", "backup_finish_date")),
        (_, Some(db)) if o.has("End") && o.has("Type") => Some((db, "Type", "End")),
        _ => None,
    };
    let Some(((dn, database), type_key, end_key)) = backup else {
        return false;
    };
    let mut r = Record::default();
    r.field("database", FactValue::Str(database.clone()), doc, dn);
    if let Some((n, t)) = o.text(type_key) {
        r.field("type", FactValue::Str(t), doc, n);
    }
    if let Some((n, end)) = o.text(end_key) {
        r.field("finished", FactValue::Str(end), doc, n);
    }
    facts.add_record("sql.backups", r);
    if let Some((n, at)) = o.text("collected_at") {
        facts.offer("sql.collected_at", FactValue::Str(at), doc, n);
    }
    // dbatools names the availability group a backup was taken in.
    if let Some(group) = o.text("AvailabilityGroupName") {
        ag_database(facts, doc, (dn, database), group);
    }
    true
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

/// SQL Server setup's answer file (`ConfigurationFile.ini`): an `[OPTIONS]` section with
/// `ACTION` and the instance or features it acts on. VMM's `VMServer.ini` also has `[OPTIONS]`,
/// but none of these keys. The values are what setup was (or will be) run with.
fn setup_ini(facts: &mut FactSet, doc: &Arc<Document>) {
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

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;
    use crate::facts::FactValue;

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
    fn server_properties_from_a_serverproperty_query() {
        let f = facts_of(
            "{\"MachineName\": \"SQL01\", \"ProductVersion\": \"13.0.5026.0\", \"Edition\": \"Enterprise Edition (64-bit)\", \"Collation\": \"SQL_Latin1_General_CP1_CI_AS\"}",
        );
        assert_eq!(
            f.values["sql.collation"].value,
            FactValue::Str("SQL_Latin1_General_CP1_CI_AS".into())
        );
    }

    #[test]
    fn the_backup_export_clock() {
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
}
