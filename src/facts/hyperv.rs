//! Hyper-V: a host's virtual machines, their disks and checkpoints, the virtual hard disk files
//! and the virtual switches, from the Hyper-V module's cmdlets, or from the VMs' configuration
//! files where a host has no such module (Windows Server 2008 R2).

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command, Role};
use super::read::{Obj, enum_name, has_type, int_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx, Scalar};

static HYPERV_VMS: Collect = Collect::Run(Command::powershell("Get-VM | Select-Object Name,State,ProcessorCount,MemoryStartup | ConvertTo-Json > vms.json", &["vms.json"]).on(&[Role::HyperVHost]).module("Hyper-V"));
static HYPERV_DISKS: Collect = Collect::Run(Command::powershell("Get-VM | Get-VMHardDiskDrive | Select-Object VMName,Path,ControllerType | ConvertTo-Json > vm-disks.json", &["vm-disks.json"]).on(&[Role::HyperVHost]).module("Hyper-V"));
static HYPERV_SWITCHES: Collect = Collect::Run(Command::powershell("Get-VMSwitch | Select-Object Name,SwitchType,NetAdapterInterfaceDescription | ConvertTo-Json > vm-switches.json", &["vm-switches.json"]).on(&[Role::HyperVHost]).module("Hyper-V"));
static HYPERV_VHDS: Collect = Collect::Run(Command::powershell(r#"Get-VM | Get-VMHardDiskDrive | Get-VHD | Select-Object Path,@{n='VhdFormat';e={"$($_.VhdFormat)"}},@{n='VhdType';e={"$($_.VhdType)"}},Size,FileSize,ParentPath | ConvertTo-Json > vhds.json"#, &["vhds.json"]).on(&[Role::HyperVHost]).module("Hyper-V"));
static HYPERV_SNAPSHOTS: Collect = Collect::Run(Command::powershell("Get-VM | Get-VMSnapshot | Select-Object VMName,Name,ParentSnapshotName,CreationTime | ConvertTo-Json > vm-snapshots.json", &["vm-snapshots.json"]).on(&[Role::HyperVHost]).module("Hyper-V"));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::records(
            "hyperv.vms",
            "Hyper-V virtual machines",
            &HYPERV_VMS,
            &["name", "state", "processors", "memory_mb"],
            1,
            "`Get-VM` objects (`Name`, `State`, `ProcessorCount`, `MemoryStartup` in bytes), or a Windows Server 2008 R2–2012 R2 VM configuration `.xml` (`properties/name`, `settings/processors/count`, `settings/memory/bank/size`)",
        ),
        FactDef::records(
            "hyperv.disks",
            "Disks and images attached to Hyper-V virtual machines",
            &HYPERV_DISKS,
            &["vm", "path", "type"],
            2,
            "`Get-VMHardDiskDrive` objects (`VMName`, `Path`, `ControllerType`), with `type` `VHD`, or no `type` for a pass-through disk (one with a `DiskNumber`); or the IDE and SCSI drives of a VM configuration `.xml` (`pathname`, `type` as written: `VHD`, `ISO`, …), leaving out drives of type `NONE` and drives with no file",
        ),
        FactDef::records(
            "hyperv.switches",
            "Hyper-V virtual switches",
            &HYPERV_SWITCHES,
            &["name", "type"],
            1,
            "`Get-VMSwitch` objects (`Name`, `SwitchType`); `type` is `External`, `Internal` or `Private`, also when Windows PowerShell 5.1 wrote the number",
        ),
        FactDef::records(
            "hyperv.vhds",
            "Virtual hard disk files with their sizes (Get-VHD)",
            &HYPERV_VHDS,
            &[
                "path",
                "format",
                "type",
                "size_bytes",
                "file_size_bytes",
                "parent",
            ],
            1,
            "`Get-VHD` objects (`Path`, `VhdFormat`, `Size`); `format` and `type` are names (`VHDX`, `Dynamic`), also when Windows PowerShell 5.1 wrote the enum as a number (`VhdFormat` 2 VHD, 3 VHDX, 4 VHDSet; `VhdType` 2 Fixed, 3 Dynamic, 4 Differencing [UNV: the numbers are from the enum as remembered, not checked on a host]). `size_bytes` is the virtual size, `file_size_bytes` the space the file takes; `parent` only for a differencing disk",
        ),
        FactDef::records(
            "hyperv.snapshots",
            "Hyper-V snapshots (checkpoints)",
            &HYPERV_SNAPSHOTS,
            &["vm", "name"],
            2,
            "`Get-VMSnapshot` objects (`VMName`, `Name`, with `ParentSnapshotName` present even if null)",
        ),
    ],
    registry: &[],
    documents: &[(DocKind::Xml, vm_configuration)],
};

/// `Microsoft.Vhd.PowerShell.VhdFormat` and `VhdType` by number, for exports where
/// `ConvertTo-Json` wrote the enum as an integer.
const VHD_FORMATS: &[(i64, &str)] = &[(2, "VHD"), (3, "VHDX"), (4, "VHDSet")];
const VHD_TYPES: &[(i64, &str)] = &[(2, "Fixed"), (3, "Dynamic"), (4, "Differencing")];

/// `Get-VHD`.
pub(super) fn vhd(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, path)), true, true) = (o.text("Path"), o.has("VhdFormat"), o.has("Size")) else {
        return false;
    };
    let mut r = Record::default();
    r.field("path", FactValue::Str(path), doc, n);
    for (field, key, names) in [
        ("format", "VhdFormat", VHD_FORMATS),
        ("type", "VhdType", VHD_TYPES),
    ] {
        if let Some(v) = o.get(key)
            && let Some(s) = enum_name(doc, v, names)
        {
            r.field(field, FactValue::Str(s), doc, v);
        }
    }
    for (field, key) in [("size_bytes", "Size"), ("file_size_bytes", "FileSize")] {
        if let Some((n, b)) = o.int(key) {
            r.field(field, FactValue::Int(b), doc, n);
        }
    }
    if let Some((n, parent)) = o.text("ParentPath") {
        r.field("parent", FactValue::Str(parent), doc, n);
    }
    facts.add_record("hyperv.vhds", r);
    true
}

/// `Get-VMHardDiskDrive`: `Name` is the drive's ("Hard Drive on IDE controller number 0 at
/// location 0"), so it is recognized before anything that keys on `Name`.
pub(super) fn hard_disk_drive(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((vn, vm)), Some(path)) = (o.text("VMName"), o.get("Path")) else {
        return false;
    };
    if !o.has("ControllerType") {
        return false;
    }
    // A drive with no disk in it is not a disk to move, as in the configuration files.
    if let Some(p) = str_of(doc, path) {
        let mut r = Record::default();
        r.field("vm", FactValue::Str(vm), doc, vn);
        r.field("path", FactValue::Str(p), doc, path);
        // A pass-through disk has a disk number and no virtual hard disk file.
        let pass_through = o
            .get("DiskNumber")
            .is_some_and(|n| int_of(doc, n).is_some());
        if !pass_through {
            r.field("type", FactValue::Str("VHD".into()), doc, path);
        }
        facts.add_record("hyperv.disks", r);
    }
    true
}

/// `Get-VMSnapshot`. A whole `Get-VM` object has `VMName` and `ParentSnapshotName` (its current
/// checkpoint) too, but no `SnapshotType`; a whole snapshot also has `ProcessorCount`.
pub(super) fn snapshot(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((vn, vm)), Some((n, name)), true) = (
        o.text("VMName"),
        o.text("Name"),
        o.has("ParentSnapshotName"),
    ) else {
        return false;
    };
    if !(o.has("SnapshotType") || has_type(doc, obj, "VMSnapshot") || !o.has("ProcessorCount")) {
        return false;
    }
    let mut r = Record::default();
    r.field("vm", FactValue::Str(vm), doc, vn);
    r.field("name", FactValue::Str(name), doc, n);
    facts.add_record("hyperv.snapshots", r);
    true
}

/// `Get-VMSwitch`.
pub(super) fn switch(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), Some(t)) = (o.text("Name"), o.get("SwitchType")) else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(kind) = switch_type(doc, t) {
        r.field("type", FactValue::Str(kind), doc, t);
    }
    facts.add_record("hyperv.switches", r);
    true
}

/// `Get-VM`.
pub(super) fn vm(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let Some((n, name)) = o
        .text("Name")
        .filter(|_| o.has("ProcessorCount") && o.has("MemoryStartup"))
    else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(s) = o.get("State")
        && let Some(state) = vm_state(doc, s)
    {
        r.field("state", FactValue::Str(state), doc, s);
    }
    if let Some((n, p)) = o.int("ProcessorCount") {
        r.field("processors", FactValue::Int(p), doc, n);
    }
    if let Some((n, bytes)) = o.int("MemoryStartup") {
        r.field("memory_mb", FactValue::Int(bytes / (1024 * 1024)), doc, n);
    }
    facts.add_record("hyperv.vms", r);
    true
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
fn vm_configuration(facts: &mut FactSet, doc: &Arc<Document>) {
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

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

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

    #[test]
    fn vms_from_get_vm() {
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
}
