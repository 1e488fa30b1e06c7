//! Per-computer facts derived from recognized exports.
//!
//! Rules should not need to know which of several exports a fact came from: the VMM version
//! may come from a `reg export`, the OS from `Win32_OperatingSystem` JSON or from the
//! `CurrentVersion` registry key. Each extractor here looks at one parsed document and offers
//! facts; the first offer for a key wins (documents are visited in the bundle's sorted order),
//! and later different offers are kept as disagreements. The result is a small [`Document`]
//! (`os.version`, `vmm.library_share_name`, …) whose every value remembers the node it came
//! from, so a finding on a fact points at the export file and line.
//!
//! [`CATALOG`] is the one list of facts: rules name facts by its keys, `missing()` reads the
//! export command from it, and `docs/bundle.md` is checked against it.

mod extract;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rhai::ImmutableString;

use crate::model::{Builder, DocKind, Document, NodeIdx, NodeKind, Value};
use crate::source::{FileId, SourceText};

/// One fact a rule can ask for, and the export that supplies it.
#[derive(Debug)]
pub struct FactDef {
    pub key: &'static str,
    pub description: &'static str,
    /// The command a user runs on the computer to produce an export that yields the fact.
    pub export: &'static str,
    /// For a list of records (installed software, services…), the fields of each record, the
    /// subject first; two records equal in every field are one. Empty for a single value.
    pub fields: &'static [&'static str],
    /// How many leading `fields` name the thing a record is about (a service by its name, a
    /// protocol by name and side). Two exports' records with the same identity are one record:
    /// fields only one of them has are combined, and a field they disagree on is a
    /// `fact-conflict`. 0 for lists whose records are events or sets (backups, log errors).
    pub identity: usize,
}

const fn fact(key: &'static str, description: &'static str, export: &'static str) -> FactDef {
    FactDef {
        key,
        description,
        export,
        fields: &[],
        identity: 0,
    }
}

const fn records(
    key: &'static str,
    description: &'static str,
    export: &'static str,
    fields: &'static [&'static str],
    identity: usize,
) -> FactDef {
    FactDef {
        key,
        description,
        export,
        fields,
        identity,
    }
}

const REG_VMM: &str = r#"reg export "HKLM\SOFTWARE\Microsoft\Microsoft System Center Virtual Machine Manager Server" vmm-registry.reg"#;
const WINRM: &str = "winrm get winrm/config > winrm-config.txt";
const OS_JSON: &str = "Get-CimInstance Win32_OperatingSystem | Select-Object CSName,Caption,Version,BuildNumber,OSArchitecture,OSLanguage,TotalVisibleMemorySize | ConvertTo-Json > os.json";
const CS_JSON: &str = "Get-CimInstance Win32_ComputerSystem | Select-Object Name,Domain,PartOfDomain,TotalPhysicalMemory,NumberOfLogicalProcessors | ConvertTo-Json > computersystem.json";
const CPU_JSON: &str = "Get-CimInstance Win32_Processor | Select-Object Name,Manufacturer,Family,Stepping,NumberOfLogicalProcessors | ConvertTo-Json > processor.json";
const REBOOT_REG: &str = r#"reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing" cbs.reg; reg export "HKLM\SYSTEM\CurrentControlSet\Control\Session Manager" session-manager.reg"#;
const UNINSTALL_REG: &str = r#"reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall" uninstall.reg; reg export "HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall" uninstall-wow64.reg"#;
const SERVICES_JSON: &str = "Get-CimInstance Win32_Service | Select-Object Name,DisplayName,StartName,State,StartMode | ConvertTo-Json > services.json";
const FEATURES_JSON: &str = "Get-WindowsFeature | Select-Object Name,DisplayName,Installed | ConvertTo-Json > features.json";
const VOLUMES_JSON: &str = "Get-CimInstance Win32_LogicalDisk -Filter DriveType=3 | Select-Object DeviceID,Size,FreeSpace | ConvertTo-Json > volumes.json";
const SQL_PROPS: &str = r#"Invoke-Sqlcmd -Query "SELECT SERVERPROPERTY('MachineName') AS MachineName, SERVERPROPERTY('ProductVersion') AS ProductVersion, SERVERPROPERTY('Edition') AS Edition, SERVERPROPERTY('Collation') AS Collation, SERVERPROPERTY('IsHadrEnabled') AS IsHadrEnabled" | Export-Csv sql-properties.csv"#;
// ISO dates (style 126) read the same whatever the culture of the computer running Export-Csv,
// and GETDATE() on the same server is the reference for a backup's age.
const SQL_BACKUPS: &str = r#"Invoke-Sqlcmd -Query "SELECT database_name, type, CONVERT(varchar(19), backup_finish_date, 126) AS backup_finish_date, CONVERT(varchar(19), GETDATE(), 126) AS collected_at FROM msdb.dbo.backupset" | Export-Csv sql-backups.csv"#;
const VMSERVER_INI: &str = "copy the VMServer.ini answer file VMM setup was run with (setup.exe /server /i /f VMServer.ini) into the VMM server's folder";
const AD_DKM: &str = r#"Get-ADObject -SearchBase "CN=VMMDKM,DC=contoso,DC=local" -Filter * | Select-Object DistinguishedName,ObjectClass,Name | ConvertTo-Json > ad-dkm.json (the SearchBase is VMServer.ini's TopContainerName)"#;
// One object with a marker and a list per kind, so "collected, nothing encrypted" (empty
// lists) differs from "not collected" (no file): ConvertTo-Json of no objects writes nothing.
const VMM_ENCRYPTED: &str = r#"[pscustomobject]@{ UplintExport = 'vmm-encrypted-data'; RunAsAccounts = @(Get-SCRunAsAccount | Select-Object Name,UserName,Domain); GuestOSProfiles = @(Get-SCGuestOSProfile | Where-Object { $_.AdminPasswordHasValue } | Select-Object Name); ServiceSettings = @(Get-SCServiceTemplate | ForEach-Object { $t = $_; Get-SCServiceSetting -ServiceTemplate $t | Where-Object { $_.IsEncrypted } | Select-Object Name,@{n='Owner';e={$t.Name}} }); SqlProductKeys = @(Get-SCSQLProfile | ForEach-Object { $p = $_; Get-SCSQLDeployment -SQLProfile $p | Where-Object { $_.ProductKey } | Select-Object Name,@{n='Owner';e={$p.Name}} }) } | ConvertTo-Json -Depth 3 > vmm-encrypted-data.json"#;
const VMM_HOSTS: &str = r#"Get-SCVMHost | Select-Object Name,@{n='OperatingSystemName';e={$_.OperatingSystem.Name}},@{n='OperatingSystemVersionString';e={"$($_.OperatingSystem.Version)"}},@{n='VirtualizationPlatformString';e={"$($_.VirtualizationPlatform)"}},AgentVersion,@{n='CommunicationStateString';e={"$($_.CommunicationState)"}} | ConvertTo-Json > vmm-hosts.json"#;
const VMM_JOBS: &str = r#"Get-SCJob -All | Select-Object Name,@{n='Status';e={"$($_.Status)"}},CmdletName,@{n='StartTime';e={$_.StartTime.ToString('s')}} | ConvertTo-Json > vmm-jobs.json"#;
const HYPERV_VMS: &str =
    "Get-VM | Select-Object Name,State,ProcessorCount,MemoryStartup | ConvertTo-Json > vms.json";
const NICS_JSON: &str = "Get-NetAdapter | Select-Object Name,InterfaceDescription,MacAddress,Status | ConvertTo-Json > netadapters.json";
const SQL_DATABASES: &str = r#"Invoke-Sqlcmd -Query "SELECT name, recovery_model_desc, state_desc FROM sys.databases" | Export-Csv sql-databases.csv"#;
const SQL_AG_DATABASES: &str = r#"Invoke-Sqlcmd -Query "SELECT adc.database_name, ag.name AS group_name FROM sys.availability_databases_cluster adc JOIN sys.availability_groups ag ON ag.group_id = adc.group_id" | Export-Csv sql-ag-databases.csv"#;
const SQL_LOGSPACE: &str =
    r#"Invoke-Sqlcmd -Query "DBCC SQLPERF(LOGSPACE)" | Export-Csv sql-logspace.csv"#;
const HYPERV_DISKS: &str = "Get-VM | Get-VMHardDiskDrive | Select-Object VMName,Path,ControllerType | ConvertTo-Json > vm-disks.json";
const HYPERV_SWITCHES: &str = "Get-VMSwitch | Select-Object Name,SwitchType,NetAdapterInterfaceDescription | ConvertTo-Json > vm-switches.json";
const HYPERV_VHDS: &str = r#"Get-VM | Get-VMHardDiskDrive | Get-VHD | Select-Object Path,@{n='VhdFormat';e={"$($_.VhdFormat)"}},@{n='VhdType';e={"$($_.VhdType)"}},Size,FileSize,ParentPath | ConvertTo-Json > vhds.json"#;
const HYPERV_SNAPSHOTS: &str = "Get-VM | Get-VMSnapshot | Select-Object VMName,Name,ParentSnapshotName,CreationTime | ConvertTo-Json > vm-snapshots.json";
const WSMAN_WMI_QUOTAS: &str =
    r"Get-ChildItem 'WSMan:\localhost\Plugin\WMI Provider\Quotas' > wsman-wmi-quotas.txt";
// Wrapped like VMM_ENCRYPTED: a VMM server without an Operations Manager connection or a load
// balancer would otherwise export an empty file, which reads as "not collected". The status
// is made text because Windows PowerShell 5.1 writes enums as numbers.
const VMM_OPSMGR: &str = r#"[pscustomobject]@{ UplintExport = 'vmm-opsmgr-connection'; Connections = @(Get-SCOpsMgrConnection | Select-Object OpsMgrServerName,@{n='ConnectionStatus';e={"$($_.ConnectionStatus)"}}) } | ConvertTo-Json -Depth 3 > vmm-opsmgr-connection.json"#;
const VMM_LOAD_BALANCERS: &str = r#"[pscustomobject]@{ UplintExport = 'vmm-load-balancers'; LoadBalancers = @(Get-SCLoadBalancer | Select-Object Name,Address,Manufacturer,Model) } | ConvertTo-Json -Depth 3 > vmm-load-balancers.json"#;
// Logs are copied, not exported: the text says which ones, wherever the product keeps them.
const COMPONENT_LOGS: &str = r"copy the component logs of the product being upgraded into the computer's folder: C:\Windows\ccmsetup\Logs\ccmsetup.log on a ConfigMgr client, the .log files of the Logs folder of the installation directory on a site server, smsts.log for task sequences";
const SQL_NETMAN_COLUMNS: &str = r#"Invoke-Sqlcmd -Database VirtualManagerDB -Query "SELECT TABLE_CATALOG, TABLE_NAME, COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'tbl_NetMan_HardwareModelSettings' AND COLUMN_NAME = 'Version'" | Export-Csv sql-vmm-columns.csv (-Database is the VMM database: DatabaseName under Settings\Sql in the VMM registry export)"#;

// Not a command to run: this fact is read from whichever export failed.
const PS_ERRORS: &str = "nothing to run: any export that holds PowerShell errors (error text or a #< CLIXML error stream) instead of data gives this fact; fix the command and export again";

const IP_JSON: &str = "Get-NetIPAddress | Select-Object InterfaceAlias,IPAddress,PrefixLength,AddressFamily | ConvertTo-Json > ipaddresses.json";
const IIS_APP_POOLS: &str = r#"Import-Module WebAdministration; Get-ChildItem IIS:\AppPools | Select-Object name,managedRuntimeVersion,managedPipelineMode,enable32BitAppOnWin64,state,@{n='identityType';e={"$($_.processModel.identityType)"}},@{n='userName';e={$_.processModel.userName}} | ConvertTo-Json > iis-apppools.json"#;
const SCHANNEL_REG: &str =
    r#"reg export "HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL" schannel.reg"#;
const CREDSSP_REG: &str =
    r#"reg export "HKLM\SOFTWARE\Policies\Microsoft\Windows\CredentialsDelegation" credssp.reg"#;
// Setup answer files say what setup was (or will be) run with, not what the computer runs now:
// the facts they give are named `*.setup.*` where the running server has its own fact.
const SQL_SETUP_INI: &str = "copy the ConfigurationFile.ini SQL Server setup wrote or will run with (setup.exe /ConfigurationFile=ConfigurationFile.ini) into the SQL Server computer's folder";
const CONFIGMGR_SETUP_INI: &str = "copy the ConfigMgrAutoSave.ini Configuration Manager setup saved, or the script it will run with (setup.exe /SCRIPT ConfigMgrSetup.ini), into the site server's folder";
// Without -IncludeAllLibraryResources only the template's .xml is written, not the disks;
// without -SettingsIncludePrivate no secret setting leaves VMM.
const VMM_TEMPLATES: &str = r"Get-SCVMTemplate | Export-SCTemplate -Path C:\uplint-templates -Overwrite; Get-SCServiceTemplate | Export-SCTemplate -Path C:\uplint-templates -Overwrite (then copy the .xml files into the VMM server's folder)";

/// Every fact uplint derives, in the order `inspect` and the docs list them.
pub static CATALOG: &[FactDef] = &[
    fact("os.caption", "Windows edition name", OS_JSON),
    fact("os.version", "Windows version (major.minor.build)", OS_JSON),
    fact("os.build", "Windows build number", OS_JSON),
    fact("os.language", "OS language (LCID)", OS_JSON),
    fact(
        "computer.domain",
        "DNS domain (or workgroup) of the computer",
        CS_JSON,
    ),
    fact(
        "computer.domain_joined",
        "Whether the computer is a domain member",
        CS_JSON,
    ),
    fact("memory.total_mb", "Physical memory in MB", CS_JSON),
    fact("cpu.logical_processors", "Logical processors", CS_JSON),
    fact(
        "cpu.vendor",
        "Processor manufacturer (GenuineIntel, AuthenticAMD)",
        CPU_JSON,
    ),
    fact("cpu.family", "Processor family", CPU_JSON),
    fact("cpu.stepping", "Processor stepping", CPU_JSON),
    fact(
        "cpu.model",
        "Processor model name (Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz)",
        CPU_JSON,
    ),
    fact(
        "reboot.pending",
        "Whether a restart is pending (CBS RebootPending, Windows Update RebootRequired, PendingFileRenameOperations)",
        REBOOT_REG,
    ),
    fact("vmm.version", "VMM server ProductVersion", REG_VMM),
    fact("vmm.service_account", "VMM service account", REG_VMM),
    fact(
        "vmm.library_share_name",
        "VMM default library share name",
        REG_VMM,
    ),
    fact(
        "vmm.library_share_path",
        "VMM default library share path",
        REG_VMM,
    ),
    fact(
        "vmm.sql_server",
        "SQL Server computer of the VMM database",
        REG_VMM,
    ),
    fact("vmm.database", "VMM database name", REG_VMM),
    fact(
        "winrm.max_concurrent_operations_per_user",
        "WinRM Service MaxConcurrentOperationsPerUser",
        WINRM,
    ),
    fact(
        "winrm.max_connections",
        "WinRM Service MaxConnections",
        WINRM,
    ),
    fact(
        "winrm.max_connections_source",
        "Who set MaxConnections (GPO when set by Group Policy)",
        WINRM,
    ),
    fact(
        "winrm.wmi_plugin_max_operations_per_user",
        "MaxConcurrentOperationsPerUser of the WinRM WMI Provider plugin's quotas",
        WSMAN_WMI_QUOTAS,
    ),
    fact("sql.version", "SQL Server ProductVersion", SQL_PROPS),
    fact("sql.edition", "SQL Server edition", SQL_PROPS),
    fact("sql.collation", "SQL Server collation", SQL_PROPS),
    fact(
        "sql.hadr_enabled",
        "Whether AlwaysOn availability groups are enabled on the SQL Server instance",
        SQL_PROPS,
    ),
    records(
        "software",
        "Installed programs",
        UNINSTALL_REG,
        &["name", "version", "publisher"],
        2,
    ),
    records(
        "services",
        "Windows services",
        SERVICES_JSON,
        &["name", "account", "state", "start_mode"],
        1,
    ),
    records(
        "features",
        "Windows roles and features",
        FEATURES_JSON,
        &["name", "installed"],
        1,
    ),
    records(
        "volumes",
        "Local disk volumes",
        VOLUMES_JSON,
        &["name", "size_bytes", "free_bytes"],
        1,
    ),
    records(
        "sql.backups",
        "Database backups (msdb backup history)",
        SQL_BACKUPS,
        &["database", "type", "finished"],
        0,
    ),
    fact(
        "sql.collected_at",
        "The SQL Server's own clock when the backup history was exported (GETDATE())",
        SQL_BACKUPS,
    ),
    fact(
        "vmm.dkm_container",
        "Distributed key management container (VMServer.ini TopContainerName)",
        VMSERVER_INI,
    ),
    fact(
        "vmm.service_local_account",
        "Whether VMM setup was told to run the service as LocalSystem (VMServer.ini VmmServiceLocalAccount)",
        VMSERVER_INI,
    ),
    fact(
        "vmm.highly_available",
        "Whether VMM was installed highly available (VMServer.ini HighlyAvailable)",
        VMSERVER_INI,
    ),
    records(
        "ad.objects",
        "Active Directory objects (the DKM container and its key objects)",
        AD_DKM,
        &["dn", "class"],
        1,
    ),
    fact(
        "vmm.encrypted_data_collected",
        "Whether the inventory of VMM's encrypted data was exported (even when it lists nothing)",
        VMM_ENCRYPTED,
    ),
    records(
        "vmm.encrypted_data",
        "Data VMM encrypts with DPAPI or DKM: Run As accounts, guest OS profile passwords, encrypted service settings, SQL Server deployment product keys",
        VMM_ENCRYPTED,
        &["kind", "name", "owner"],
        0,
    ),
    records(
        "vmm.hosts",
        "Virtualization hosts VMM manages (Get-SCVMHost): name, OS version and name, platform, agent version, communication state",
        VMM_HOSTS,
        &[
            "name",
            "os_version",
            "os_name",
            "platform",
            "agent_version",
            "state",
        ],
        1,
    ),
    records(
        "vmm.jobs",
        "VMM jobs (Get-SCJob): name, status, cmdlet, start time",
        VMM_JOBS,
        &["name", "status", "cmdlet", "started"],
        0,
    ),
    fact(
        "vmm.opsmgr_connections_collected",
        "Whether VMM's Operations Manager connection was exported (even when there is none)",
        VMM_OPSMGR,
    ),
    records(
        "vmm.opsmgr_connections",
        "VMM's connection to Operations Manager (Get-SCOpsMgrConnection)",
        VMM_OPSMGR,
        &["server", "status"],
        1,
    ),
    fact(
        "vmm.load_balancers_collected",
        "Whether VMM's load balancers were exported (even when there is none)",
        VMM_LOAD_BALANCERS,
    ),
    records(
        "vmm.load_balancers",
        "Hardware load balancers VMM manages (Get-SCLoadBalancer)",
        VMM_LOAD_BALANCERS,
        &["address", "name", "manufacturer", "model"],
        1,
    ),
    records(
        "hyperv.vms",
        "Hyper-V virtual machines",
        HYPERV_VMS,
        &["name", "state", "processors", "memory_mb"],
        1,
    ),
    records(
        "vmm.ports",
        "VMM server ports (Settings values IndigoTcpPort, WSManTcpPort, BitsTcpPort, …)",
        REG_VMM,
        &["name", "port"],
        1,
    ),
    records(
        "nics",
        "Network adapters",
        NICS_JSON,
        &["name", "description", "mac", "status"],
        1,
    ),
    records(
        "sql.databases",
        "SQL Server databases",
        SQL_DATABASES,
        &["name", "recovery_model", "state"],
        1,
    ),
    records(
        "sql.ag_databases",
        "Databases in an AlwaysOn availability group",
        SQL_AG_DATABASES,
        &["database", "group"],
        1,
    ),
    records(
        "sql.log_space",
        "Transaction log size and use per database",
        SQL_LOGSPACE,
        &["database", "log_size_mb", "log_used_percent"],
        1,
    ),
    records(
        "sql.columns",
        "Column definitions of database tables (INFORMATION_SCHEMA.COLUMNS)",
        SQL_NETMAN_COLUMNS,
        &[
            "table",
            "column",
            "database",
            "type",
            "max_length",
            "nullable",
        ],
        0,
    ),
    records(
        "hyperv.disks",
        "Disks and images attached to Hyper-V virtual machines",
        HYPERV_DISKS,
        &["vm", "path", "type"],
        2,
    ),
    records(
        "hyperv.switches",
        "Hyper-V virtual switches",
        HYPERV_SWITCHES,
        &["name", "type"],
        1,
    ),
    records(
        "hyperv.vhds",
        "Virtual hard disk files with their sizes (Get-VHD)",
        HYPERV_VHDS,
        &[
            "path",
            "format",
            "type",
            "size_bytes",
            "file_size_bytes",
            "parent",
        ],
        1,
    ),
    records(
        "hyperv.snapshots",
        "Hyper-V snapshots (checkpoints)",
        HYPERV_SNAPSHOTS,
        &["vm", "name"],
        2,
    ),
    records(
        "iis.app_pools",
        "IIS application pools (the App-V Management Web Service runs in one)",
        IIS_APP_POOLS,
        &[
            "name",
            "runtime",
            "pipeline",
            "enable_32bit",
            "identity",
            "state",
        ],
        1,
    ),
    records(
        "ip_addresses",
        "IP addresses of the network interfaces",
        IP_JSON,
        &["interface", "address", "prefix_length"],
        2,
    ),
    records(
        "tls.protocols",
        "SChannel protocol settings (TLS and SSL versions a computer turned on or off)",
        SCHANNEL_REG,
        &["protocol", "side", "enabled", "disabled_by_default"],
        2,
    ),
    records(
        "credssp.delegation",
        "Servers the computer may delegate credentials to with CredSSP (CredentialsDelegation policies)",
        CREDSSP_REG,
        &["policy", "target", "enabled"],
        2,
    ),
    fact(
        "sql.setup.action",
        "What SQL Server setup was (or will be) run to do, as its answer file says: Install, Upgrade, … (the planned or used setup, not the running server)",
        SQL_SETUP_INI,
    ),
    fact(
        "sql.setup.instance_name",
        "SQL Server instance the setup answer file names (INSTANCENAME; MSSQLSERVER is the default instance)",
        SQL_SETUP_INI,
    ),
    fact(
        "sql.setup.features",
        "Features the SQL Server setup answer file installs or upgrades (FEATURES, as written: SQLENGINE,REPLICATION,…)",
        SQL_SETUP_INI,
    ),
    fact(
        "sql.setup.collation",
        "Server collation the SQL Server setup answer file asks for (SQLCOLLATION; the running server's is sql.collation)",
        SQL_SETUP_INI,
    ),
    fact(
        "sql.setup.service_account",
        "Database Engine service account the SQL Server setup answer file gives (SQLSVCACCOUNT)",
        SQL_SETUP_INI,
    ),
    fact(
        "configmgr.setup.action",
        "What Configuration Manager setup was (or will be) run to do, as its answer file says ([Identification] Action: InstallPrimarySite, InstallCAS, …)",
        CONFIGMGR_SETUP_INI,
    ),
    fact(
        "configmgr.site_code",
        "Configuration Manager site code, from the setup answer file (SiteCode); places Configuration Manager, which is upgraded before VMM (VMM025)",
        CONFIGMGR_SETUP_INI,
    ),
    fact(
        "configmgr.site_name",
        "Configuration Manager site name, from the setup answer file (SiteName)",
        CONFIGMGR_SETUP_INI,
    ),
    fact(
        "configmgr.sql_server",
        "SQL Server computer of the Configuration Manager site database, from the setup answer file (SQLServerName)",
        CONFIGMGR_SETUP_INI,
    ),
    fact(
        "configmgr.database",
        "Configuration Manager site database name, from the setup answer file (DatabaseName)",
        CONFIGMGR_SETUP_INI,
    ),
    records(
        "vmm.template_resources",
        "Library resources a VMM template depends on, by their library share path (a share whose name or path changes across the upgrade breaks the template)",
        VMM_TEMPLATES,
        &["template", "name", "path"],
        0,
    ),
    records(
        "vmm.template_run_as",
        "Run As accounts a VMM template uses (their credentials are encrypted data: DPAPI-bound unless DKM carries them to a new VMM server)",
        VMM_TEMPLATES,
        &["template", "account"],
        0,
    ),
    records(
        "collection.errors",
        "PowerShell errors found in export files instead of (or beside) their data: the command that should have exported them failed",
        PS_ERRORS,
        &["message", "error_id", "category"],
        0,
    ),
    records(
        "log.errors",
        "Errors in component logs (CMTrace type 3 entries)",
        COMPONENT_LOGS,
        &["component", "message", "time", "file"],
        0,
    ),
];

pub fn definition(key: &str) -> Option<&'static FactDef> {
    CATALOG.iter().find(|f| f.key == key)
}

/// A fact value offered by an extractor.
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    Int(i64),
    Str(ImmutableString),
    Bool(bool),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Int(i) => write!(f, "{i}"),
            FactValue::Str(s) => f.write_str(s),
            FactValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Where a fact was read: the document and node.
#[derive(Clone, Debug)]
pub struct Origin {
    pub doc: Arc<Document>,
    pub node: NodeIdx,
}

#[derive(Clone, Debug)]
pub struct Offer {
    pub value: FactValue,
    pub origin: Origin,
}

/// One record of a list fact: its fields as offered.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub fields: Vec<(&'static str, Offer)>,
}

impl Record {
    pub fn field(
        &mut self,
        name: &'static str,
        value: FactValue,
        doc: &Arc<Document>,
        node: NodeIdx,
    ) -> &mut Self {
        self.fields.push((
            name,
            Offer {
                value,
                origin: Origin {
                    doc: doc.clone(),
                    node,
                },
            },
        ));
        self
    }

    /// What the record is about: the values of the `names` fields it starts with, letter case
    /// ignored, or `None` when there are none or it lacks one of them.
    fn subject(&self, names: &[&str]) -> Option<String> {
        if names.is_empty() || self.fields.len() < names.len() {
            return None;
        }
        let mut parts = Vec::with_capacity(names.len());
        for ((field, offer), name) in self.fields.iter().zip(names) {
            if field != name {
                return None;
            }
            parts.push(offer.value.to_string().to_ascii_lowercase());
        }
        Some(parts.join("\u{1f}"))
    }

    /// Two records with the same values in every field are the same record (the same program
    /// in two exports); any difference keeps both.
    fn identity(&self) -> Option<String> {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(f, o)| format!("{f}={}", o.value.to_string().to_ascii_lowercase()))
            .collect();
        (!parts.is_empty()).then(|| parts.join("\u{1f}"))
    }
}

/// Facts of one computer, as offered by its exports.
#[derive(Debug, Default)]
pub struct FactSet {
    /// Accepted value per key (first offer in bundle order).
    pub values: BTreeMap<&'static str, Offer>,
    /// Records per list fact, one per identity (the first field), first offer wins.
    pub records: BTreeMap<&'static str, Vec<Record>>,
    /// Later offers that disagree with the accepted value: (what, accepted, other), where
    /// `what` is a fact key (`os.version`) or a field of a record (`services "vmms" state`).
    pub conflicts: Vec<(String, Offer, Offer)>,
    /// The registry keys whose export would show a pending restart, once seen in any export
    /// of the computer: (Component Based Servicing, Session Manager). Only both together,
    /// with no evidence anywhere, mean "no restart pending" (see [`FactSet::finish`]).
    pub(crate) restart_sources: (Option<Origin>, Option<Origin>),
    /// Per list fact, every record read (exact repeats are dropped) and where in the list each
    /// subject is: indexes, because an Uninstall export has thousands of records.
    seen: HashMap<&'static str, HashSet<String>>,
    subjects: HashMap<&'static str, HashMap<String, usize>>,
}

impl FactSet {
    pub fn offer(
        &mut self,
        key: &'static str,
        value: FactValue,
        doc: &Arc<Document>,
        node: NodeIdx,
    ) {
        debug_assert!(
            definition(key).is_some_and(|d| d.fields.is_empty()),
            "{key} is not a single-value fact"
        );
        let offer = Offer {
            value,
            origin: Origin {
                doc: doc.clone(),
                node,
            },
        };
        match self.values.get(key) {
            None => {
                self.values.insert(key, offer);
            }
            // The same value read twice (two exports of the same thing) is not a disagreement,
            // nor is the same file offering it again.
            Some(existing)
                if existing.value != offer.value
                    && !Arc::ptr_eq(&existing.origin.doc, &offer.origin.doc) =>
            {
                self.conflicts
                    .push((key.to_owned(), existing.clone(), offer))
            }
            Some(_) => {}
        }
    }

    /// Offers evidence for a yes/no fact where any "yes" wins: one export showing a pending
    /// restart outweighs another that shows none, so this is never a disagreement.
    pub fn offer_evidence(
        &mut self,
        key: &'static str,
        present: bool,
        doc: &Arc<Document>,
        node: NodeIdx,
    ) {
        let offer = Offer {
            value: FactValue::Bool(present),
            origin: Origin {
                doc: doc.clone(),
                node,
            },
        };
        match self.values.get(key) {
            Some(existing) if existing.value == FactValue::Bool(true) || !present => {}
            _ => {
                self.values.insert(key, offer);
            }
        }
    }

    /// Adds a record to a list fact, unless the same record is already there.
    pub fn add_record(&mut self, key: &'static str, record: Record) {
        let def = definition(key);
        debug_assert!(
            def.is_some_and(|d| !d.fields.is_empty()),
            "{key} is not a list fact"
        );
        if let Some(id) = record.identity()
            && !self.seen.entry(key).or_default().insert(id)
        {
            return;
        }
        let list = self.records.entry(key).or_default();
        let subjects = self.subjects.entry(key).or_default();
        let names = def.map_or(&[][..], |d| &d.fields[..d.identity.min(d.fields.len())]);
        let identity = names.len();
        let at = record.subject(names).and_then(|s| match subjects.get(&s) {
            Some(&i) => Some(i),
            None => {
                subjects.insert(s, list.len());
                None
            }
        });
        let Some(existing) = at.and_then(|i| list.get_mut(i)) else {
            list.push(record);
            return;
        };
        // The same thing seen by two exports (Get-Service and Win32_Service, Get-NetAdapter
        // and ipconfig): one record with what each knows. The first export wins a field they
        // disagree on, as for single values; one file repeating itself is no disagreement.
        let subject: Vec<String> = existing.fields[..identity]
            .iter()
            .map(|(_, o)| format!("\"{}\"", o.value))
            .collect();
        for (name, offer) in record.fields.into_iter().skip(identity) {
            match existing.fields.iter().find(|(n, _)| *n == name) {
                None => existing.fields.push((name, offer)),
                Some((_, kept))
                    if kept.value != offer.value
                        && !Arc::ptr_eq(&kept.origin.doc, &offer.origin.doc) =>
                {
                    self.conflicts.push((
                        format!("{key} {} {name}", subject.join(" ")),
                        kept.clone(),
                        offer,
                    ));
                }
                Some(_) => {}
            }
        }
        // Fields in the catalog's order, whichever export gave them.
        if let Some(def) = def {
            existing
                .fields
                .sort_by_key(|(n, _)| def.fields.iter().position(|f| f == n));
        }
    }

    /// Reads every fact the document can give.
    pub fn extract_from(&mut self, doc: &Arc<Document>) {
        extract::extract(self, doc);
    }

    /// What one document contributed, for `inspect`: its single values, and a count per list.
    pub fn contributed_by(&self, doc: &Arc<Document>) -> Vec<(String, String)> {
        let mine = |o: &Offer| Arc::ptr_eq(&o.origin.doc, doc);
        let mut out: Vec<(String, String)> = self
            .values
            .iter()
            .filter(|(_, o)| mine(o))
            .map(|(k, o)| ((*k).to_owned(), o.value.to_string()))
            .collect();
        for (key, list) in &self.records {
            let n = list
                .iter()
                .filter(|r| r.fields.first().is_some_and(|(_, o)| mine(o)))
                .count();
            if n > 0 {
                out.push(((*key).to_owned(), format!("{n} record(s)")));
            }
        }
        out
    }

    /// Draws the conclusions that need every export of the computer: a pending restart is
    /// ruled out only when the Component Based Servicing and Session Manager exports were both
    /// read (usually from two files) and neither showed one.
    pub fn finish(&mut self) {
        if let (Some(cbs), Some(_)) = &self.restart_sources {
            let (doc, node) = (cbs.doc.clone(), cbs.node);
            self.offer_evidence("reboot.pending", false, &doc, node);
        }
    }

    /// How many facts (values and records) this set holds.
    pub fn len(&self) -> usize {
        self.values.len() + self.records.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The facts as a document (`os.version`, `software[0].name`, …) for rules; every value
    /// carries its origin. With `texts`, each value also keeps the line it was read from, for
    /// findings raised after the exports themselves are dropped.
    pub fn to_document(&self, texts: Option<&BTreeMap<FileId, Arc<SourceText>>>) -> Document {
        let mut b = Builder::new(None, DocKind::Facts, Arc::from(""), NodeKind::Object);
        let leaf = |b: &mut Builder, name: &str, offer: &Offer| {
            let v = match &offer.value {
                FactValue::Int(i) => Value::Int(*i),
                FactValue::Str(s) => Value::Owned(s.clone()),
                FactValue::Bool(x) => Value::Bool(*x),
            };
            let idx = b.leaf(Some(name), v, 0, 0);
            let (doc, node) = (&offer.origin.doc, offer.origin.node);
            if let Some(span) = doc.span(node) {
                let snippet = texts
                    .and_then(|t| t.get(&span.file))
                    .map(|t| Arc::new(t.snippet_of(span.start as usize, span.end as usize)));
                let path = doc.path(node).into();
                b.set_origin(
                    idx,
                    crate::model::Origin {
                        span,
                        path,
                        snippet,
                    },
                );
            }
        };
        // Group facts by their first segment: `os.version` and `sql.backups` live in objects,
        // and a longer key nests further (`sql.setup.action` is `sql/setup/action`), so
        // `fact(key)` finds every key by its dots.
        let mut groups: BTreeMap<&str, Vec<(&str, Entry<'_>)>> = BTreeMap::new();
        for (key, offer) in &self.values {
            let (group, name) = key.split_once('.').unwrap_or(("", key));
            nest(groups.entry(group).or_default(), name, Entry::Value(offer));
        }
        for (key, list) in &self.records {
            let (group, name) = key.split_once('.').unwrap_or(("", key));
            nest(groups.entry(group).or_default(), name, Entry::Records(list));
        }
        fn emit(
            b: &mut Builder,
            entries: Vec<(&str, Entry<'_>)>,
            leaf: &dyn Fn(&mut Builder, &str, &Offer),
        ) {
            for (name, entry) in entries {
                match entry {
                    Entry::Value(offer) => leaf(b, name, offer),
                    Entry::Records(list) => {
                        b.open(NodeKind::Array, Some(name), 0);
                        for record in list {
                            b.open(NodeKind::Object, None, 0);
                            for (field, offer) in &record.fields {
                                leaf(b, field, offer);
                            }
                            b.close(0);
                        }
                        b.close(0);
                    }
                    Entry::Group(inner) => {
                        b.open(NodeKind::Object, Some(name), 0);
                        emit(b, inner, leaf);
                        b.close(0);
                    }
                }
            }
        }
        for (group, entries) in groups {
            if group.is_empty() {
                emit(&mut b, entries, &leaf);
            } else {
                emit(&mut b, vec![(group, Entry::Group(entries))], &leaf);
            }
        }
        b.finish()
    }
}

enum Entry<'a> {
    Value(&'a Offer),
    Records(&'a [Record]),
    /// The facts under one more segment of their keys (`setup` of `sql.setup.action`).
    Group(Vec<(&'a str, Entry<'a>)>),
}

/// Adds `entry` under `name` to `entries`, opening (or reusing) a group for each dot of
/// `name`; entries keep the order they were added in.
fn nest<'a>(entries: &mut Vec<(&'a str, Entry<'a>)>, name: &'a str, entry: Entry<'a>) {
    let Some((head, rest)) = name.split_once('.') else {
        entries.push((name, entry));
        return;
    };
    let at = entries
        .iter()
        .position(|(n, e)| *n == head && matches!(e, Entry::Group(_)));
    let at = match at {
        Some(i) => i,
        None => {
            entries.push((head, Entry::Group(Vec::new())));
            entries.len() - 1
        }
    };
    if let Some((_, Entry::Group(inner))) = entries.get_mut(at) {
        nest(inner, rest, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_name_fields_of_list_facts_only() {
        for def in CATALOG {
            assert!(
                def.identity <= def.fields.len(),
                "{}: identity {} but {} fields",
                def.key,
                def.identity,
                def.fields.len()
            );
        }
        // A record without the identifying fields in front is never merged by other fields.
        let doc = Arc::new(Document::default());
        let mut facts = FactSet::default();
        for publisher in ["Contoso", "Fabrikam"] {
            let mut r = Record::default();
            r.field("name", FactValue::Str("Agent".into()), &doc, 0);
            r.field("publisher", FactValue::Str(publisher.into()), &doc, 0);
            facts.add_record("software", r);
        }
        assert_eq!(facts.records["software"].len(), 2);
        assert!(facts.conflicts.is_empty());
    }

    #[test]
    fn catalog_keys_are_unique_and_grouped() {
        let mut keys: Vec<_> = CATALOG.iter().map(|f| f.key).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        // Single values live in a group (`os.version`); lists may stand alone (`software`).
        assert!(
            CATALOG
                .iter()
                .all(|f| f.key.contains('.') || !f.fields.is_empty())
        );
        // A key is never a group of another (`sql.setup` beside `sql.setup.action`): the facts
        // document could not hold both under one name.
        for f in CATALOG {
            let group = format!("{}.", f.key);
            assert!(
                !CATALOG.iter().any(|g| g.key.starts_with(&group)),
                "{} is both a fact and a group",
                f.key
            );
        }
    }

    #[test]
    fn keys_with_more_dots_nest_in_the_facts_document() {
        let text: Arc<str> = Arc::from("[OPTIONS]\r\nACTION=Upgrade\r\n");
        let doc = Arc::new((crate::parse::ini::FORMAT.parse)(FileId(0), text).doc);
        let at = doc
            .lookup(Document::ROOT, "OPTIONS/ACTION")
            .expect("ACTION");
        let mut facts = FactSet::default();
        facts.offer(
            "sql.setup.action",
            FactValue::Str("Upgrade".into()),
            &doc,
            at,
        );
        facts.offer(
            "sql.setup.instance_name",
            FactValue::Str("A".into()),
            &doc,
            at,
        );
        facts.offer(
            "sql.version",
            FactValue::Str("15.0.2000.5".into()),
            &doc,
            at,
        );
        let out = facts.to_document(None);
        // `fact(key)` looks a key up with its dots as slashes.
        for (path, value) in [
            ("sql/setup/action", "Upgrade"),
            ("sql/setup/instance_name", "A"),
            ("sql/version", "15.0.2000.5"),
        ] {
            let n = out.lookup(Document::ROOT, path).expect(path);
            assert_eq!(out.scalar(n), crate::model::Scalar::Str(value));
        }
        // One `setup` group, not one per fact.
        let sql = out.child(Document::ROOT, "sql").expect("sql");
        assert_eq!(out.children(sql).len(), 2);
    }
}
