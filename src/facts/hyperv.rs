//! Hyper-V: a host's virtual machines, their disks, media and checkpoints, the virtual hard
//! disk files and the virtual switches. Windows Server 2008 and 2008 R2 have no Hyper-V
//! PowerShell module, so their exports are the WMI `root\virtualization` classes, a listing of
//! the files the VMs use and the VMs' configuration files; Windows Server 2012 and later also
//! have the module's cmdlets (`Get-VM`, `Get-VMProcessor`, `Get-VMSwitch`, …), read too.

use std::sync::Arc;

use rhai::ImmutableString;

use super::collect::{Collect, Command, Role};
use super::read::{Obj, bool_of, enum_name, has_type, int_of, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{DocKind, Document, NodeIdx, Scalar};

// The commands run in Windows PowerShell 2.0, which is what Windows Server 2008 R2 has: no
// `ConvertTo-Json`, no Hyper-V module, so WMI and `Export-Clixml`.
static HYPERV_VMS: Collect = Collect::Run(
    Command::powershell(
        r"Get-WmiObject -Namespace root\virtualization -Class Msvm_ComputerSystem | Select-Object ElementName,Name,Caption,EnabledState | Export-Clixml vm-systems.xml; Get-WmiObject -Namespace root\virtualization -Class Msvm_MemorySettingData | Select-Object InstanceID,ElementName,VirtualQuantity,DynamicMemoryEnabled,Reservation,Limit | Export-Clixml vm-memory.xml; Get-WmiObject -Namespace root\virtualization -Class Msvm_ProcessorSettingData | Select-Object InstanceID,ElementName,VirtualQuantity,LimitProcessorFeatures,LimitCPUID | Export-Clixml vm-processors.xml",
        &["vm-systems.xml", "vm-memory.xml", "vm-processors.xml"],
    )
    .on(&[Role::HyperVHost])
    .note(r"on Windows Server 2012 R2 and later, which have no root\virtualization namespace, export Get-VM and Get-VMProcessor with Export-Clixml instead"),
);
static HYPERV_CONFIGS: Collect = Collect::Run(
    Command::powershell(
        r"New-Item -ItemType Directory vm-config -Force | Out-Null; Get-WmiObject -Namespace root\virtualization -Class Msvm_VirtualSystemGlobalSettingData | ForEach-Object { Get-Item -LiteralPath (Join-Path $_.ExternalDataRoot ('Virtual Machines\' + $_.SystemName + '.xml')) } | Copy-Item -Destination vm-config",
        &["vm-config"],
    )
    .on(&[Role::HyperVHost])
    .note("on Windows Server 2012 and later, Get-VMHardDiskDrive and Get-VMDvdDrive exports give the same"),
);
static HYPERV_SWITCHES: Collect = Collect::Run(
    Command::powershell(
        r"Get-WmiObject -Namespace root\virtualization -Class Msvm_VirtualSwitch | Select-Object ElementName,Name,@{n='SwitchType';e={$near = @($_.GetRelated('Msvm_SwitchPort') | ForEach-Object { $_.GetRelated() } | ForEach-Object { $_.GetRelated() } | ForEach-Object { $_.GetRelated() } | ForEach-Object { $_.__CLASS }); if ($near -contains 'Msvm_ExternalEthernetPort') { 'External' } elseif ($near -contains 'Msvm_InternalEthernetPort') { 'Internal' } else { 'Private' }}} | Export-Clixml vm-switches.xml",
        &["vm-switches.xml"],
    )
    .on(&[Role::HyperVHost])
    .note("on Windows Server 2012 and later, Get-VMSwitch | Select-Object Name,SwitchType gives the same"),
);
static HYPERV_VHDS: Collect = Collect::Run(
    Command::powershell(
        r"Get-WmiObject -Namespace root\virtualization -Class Msvm_ResourceAllocationSettingData | ForEach-Object { $_.Connection } | Where-Object { $_ -and (Test-Path -LiteralPath $_ -PathType Leaf) } | Sort-Object -Unique | ForEach-Object { Get-Item -LiteralPath $_ } | Select-Object FullName,Length,LastWriteTime | Export-Clixml vm-files.xml",
        &["vm-files.xml"],
    )
    .on(&[Role::HyperVHost])
    .note("on Windows Server 2012 and later, Get-VM | Get-VMHardDiskDrive | Get-VHD also gives the sizes"),
);
static HYPERV_SNAPSHOTS: Collect = Collect::Run(Command::powershell("Get-VM | Get-VMSnapshot | Select-Object VMName,Name,ParentSnapshotName,CreationTime | Export-Clixml vm-snapshots.xml", &["vm-snapshots.xml"]).on(&[Role::HyperVHost]).module("Hyper-V").note("on Windows Server 2008 R2 the VM configuration files (vm-config) hold each VM's snapshot count"));
static HYPERV_AUTHORIZATION: Collect = Collect::Run(
    Command::powershell(
        r"Copy-Item -LiteralPath (Join-Path $env:ProgramData 'Microsoft\Windows\Hyper-V\InitialStore.xml') -Destination InitialStore.xml",
        &["InitialStore.xml"],
    )
    .on(&[Role::HyperVHost])
    .note("if Hyper-V's authorization store was moved to Active Directory or another file, export that store instead"),
);

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::records(
            "hyperv.vms",
            "Hyper-V virtual machines",
            &HYPERV_VMS,
            &[
                "name",
                "id",
                "state",
                "processors",
                "memory_mb",
                "dynamic_memory",
                "compatibility_for_migration",
                "clustered",
                "snapshot_count",
            ],
            1,
            "`Msvm_ComputerSystem` objects of `root\\virtualization` (`ElementName`, `Name` the VM's GUID, `EnabledState`: 2 `Running`, 3 `Off`, 32768 `Paused`, 32769 `Saved`; the host's own object is left out), with the VM's `Msvm_MemorySettingData` (`VirtualQuantity` MB, `DynamicMemoryEnabled`) and `Msvm_ProcessorSettingData` (`VirtualQuantity`, `LimitProcessorFeatures` = processor compatibility for migration) matched by the GUID in their `InstanceID` [UNV: the `Microsoft:<GUID>\\…` form]; `Get-VM` objects (`Name`, `VMId`, `State` as a name or `VMState` number, `ProcessorCount`, `MemoryStartup` bytes, `DynamicMemoryEnabled`, `IsClustered`); `Get-VMProcessor` objects (`VMName`, `Count`, `CompatibilityForMigrationEnabled`); or a Windows Server 2008 R2–2012 R2 VM configuration `.xml` (`properties/name`, `properties/global_id`, `properties/highly_available`, `settings/processors/count`, `settings/processors/features/limit` [UNV: read as the compatibility flag], `settings/memory/bank/size` and `dynamic_memory_enabled`, `global_settings/snapshots/list/size`)",
        ),
        FactDef::records(
            "hyperv.disks",
            "Disks and media attached to Hyper-V virtual machines",
            &HYPERV_CONFIGS,
            &["vm", "path", "type"],
            2,
            "the IDE, SCSI and floppy drives of a VM configuration `.xml` (`pathname`, `type` as written: `VHD`, `ISO`, `VFD`, …), leaving out drives of type `NONE` and drives with no file; `Get-VMHardDiskDrive` objects (`VMName`, `Path`, `ControllerType`), with `type` `VHD`, or `PassThrough` for a pass-through disk (one with a `DiskNumber`); `Get-VMDvdDrive` objects (`DvdMediaType` `ISO` or `PassThrough`, as a name or number; empty drives left out)",
        ),
        FactDef::records(
            "hyperv.switches",
            "Hyper-V virtual switches (virtual networks)",
            &HYPERV_SWITCHES,
            &["name", "type"],
            1,
            "`Get-VMSwitch` objects (`Name`, `SwitchType`); or `Msvm_VirtualSwitch` objects (`ElementName`, and `SwitchType` where the export computed it). `type` is `External`, `Internal` or `Private`, also when Windows PowerShell 5.1 wrote the number; a switch exported without `SwitchType` has no `type`",
        ),
        FactDef::records(
            "hyperv.vhds",
            "Virtual hard disk files with their sizes",
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
            "`Get-VHD` objects (`Path`, `VhdFormat`, `Size`); `format` and `type` are names (`VHDX`, `Dynamic`), also when Windows PowerShell 5.1 wrote the enum as a number (`VhdFormat` 2 VHD, 3 VHDX, 4 VHDSet; `VhdType` 2 Fixed, 3 Dynamic, 4 Differencing [UNV: the numbers are from the enum as remembered, not checked on a host]). `size_bytes` is the virtual size, `file_size_bytes` the space the file takes; `parent` only for a differencing disk. Or file objects (`Get-Item`/`Get-ChildItem`: `FullName`, `Length`) of `.vhd`, `.avhd`, `.vhdx` and `.avhdx` files, which give `path` and `file_size_bytes`",
        ),
        FactDef::records(
            "hyperv.snapshots",
            "Hyper-V snapshots (checkpoints)",
            &HYPERV_SNAPSHOTS,
            &["vm", "name"],
            2,
            "`Get-VMSnapshot` objects (`VMName`, `Name`, with `ParentSnapshotName` present even if null)",
        ),
        FactDef::flag(
            "hyperv.authorization_store",
            "Whether the Hyper-V authorization store (Authorization Manager) is in the bundle",
            &HYPERV_AUTHORIZATION,
            "`true` for an Authorization Manager XML store (root `AzAdminManager`) with a `Hyper-V services` application",
        ),
    ],
    registry: &[],
    documents: &[
        (DocKind::Xml, vm_configuration),
        (DocKind::Xml, authorization_store),
    ],
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

/// The extensions of virtual hard disk files: disks and their snapshot (checkpoint) children.
const DISK_EXTENSIONS: &[&str] = &[".vhd", ".avhd", ".vhdx", ".avhdx"];

/// A file object (`Get-Item`, `Get-ChildItem`: `FullName`, `Length`) of a virtual hard disk.
/// Other files (an ISO, a saved-state `.vsv`) are consumed and give nothing.
pub(super) fn disk_file(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, path)), Some((ln, length))) = (o.text("FullName"), o.int("Length")) else {
        return false;
    };
    let lower = path.to_ascii_lowercase();
    if DISK_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
        let mut r = Record::default();
        r.field("path", FactValue::Str(path), doc, n);
        r.field("file_size_bytes", FactValue::Int(length), doc, ln);
        facts.add_record("hyperv.vhds", r);
    }
    true
}

/// `DvdMediaType` by number (`Microsoft.HyperV.PowerShell.DvdMediaType`).
const DVD_MEDIA: &[(i64, &str)] = &[(0, "None"), (1, "ISO"), (2, "PassThrough")];

/// `Get-VMHardDiskDrive` and `Get-VMDvdDrive`: `Name` is the drive's ("Hard Drive on IDE
/// controller number 0 at location 0"), so they are recognized before anything that keys on
/// `Name`.
pub(super) fn hard_disk_drive(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((vn, vm)), Some(path)) = (o.text("VMName"), o.get("Path")) else {
        return false;
    };
    let dvd = o.get("DvdMediaType");
    if !(o.has("ControllerType") || dvd.is_some()) {
        return false;
    }
    let mut r = Record::default();
    r.field("vm", FactValue::Str(vm), doc, vn);
    if let Some(media) = dvd {
        // An empty drive is no attachment.
        let kind = enum_name(doc, media, DVD_MEDIA);
        let Some(kind) = kind.filter(|k| !k.eq_ignore_ascii_case("None")) else {
            return true;
        };
        let shown = str_of(doc, path).unwrap_or_else(|| "(host drive)".into());
        r.field("path", FactValue::Str(shown), doc, path);
        r.field("type", FactValue::Str(kind), doc, media);
        facts.add_record("hyperv.disks", r);
        return true;
    }
    // A drive with no disk in it is not a disk to move, as in the configuration files.
    if let Some(p) = str_of(doc, path) {
        r.field("path", FactValue::Str(p), doc, path);
        // A pass-through disk has a disk number and no virtual hard disk file.
        match o.get("DiskNumber").filter(|&n| int_of(doc, n).is_some()) {
            Some(n) => r.field("type", FactValue::Str("PassThrough".into()), doc, n),
            None => r.field("type", FactValue::Str("VHD".into()), doc, path),
        };
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

/// `Get-VMSwitch`, or `Msvm_VirtualSwitch` (whose `Name` is a GUID and `ElementName` the name
/// shown), with a `SwitchType` the export computed or, for a whole WMI object, none.
pub(super) fn switch(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let kind = o.get("SwitchType");
    let wmi = wmi_class(doc, obj, "Msvm_VirtualSwitch");
    if kind.is_none() && !wmi {
        return false;
    }
    let Some((n, name)) = o.text("ElementName").or_else(|| o.text("Name")) else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    if let Some(t) = kind
        && let Some(kind) = switch_type(doc, t)
    {
        r.field("type", FactValue::Str(kind), doc, t);
    }
    facts.add_record("hyperv.switches", r);
    true
}

/// Whether an object is a whole WMI object of `class`: its `__CLASS`, or the type name
/// `Export-Clixml` gives it (`System.Management.ManagementObject#root\virtualization\<class>`).
fn wmi_class(doc: &Document, obj: NodeIdx, class: &str) -> bool {
    Obj::new(doc, obj)
        .text("__CLASS")
        .is_some_and(|(_, c)| c.eq_ignore_ascii_case(class))
        || has_type(doc, obj, &format!("\\{class}"))
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
    if let Some((n, id)) = o.text("VMId").or_else(|| o.text("Id")) {
        r.field("id", FactValue::Str(id), doc, n);
    }
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
    flag(&mut r, doc, o, "dynamic_memory", "DynamicMemoryEnabled");
    flag(&mut r, doc, o, "clustered", "IsClustered");
    facts.add_record("hyperv.vms", r);
    true
}

/// A yes/no property into a record field, when it has a value.
fn flag(r: &mut Record, doc: &Arc<Document>, o: Obj<'_>, field: &'static str, key: &str) {
    if let Some(n) = o.get(key)
        && let Some(b) = bool_of(doc, n)
    {
        r.field(field, FactValue::Bool(b), doc, n);
    }
}

/// `Get-VMHost`: the host's logical processors, as WMI counts them. Its `MemoryCapacity` is the
/// memory installed, more than the `TotalPhysicalMemory` Windows can use, so it is left out:
/// offered beside WMI's, every host would show a disagreement.
pub(super) fn vm_host(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((ln, lps)), true) = (o.int("LogicalProcessorCount"), o.has("MemoryCapacity")) else {
        return false;
    };
    facts.offer("cpu.logical_processors", FactValue::Int(lps), doc, ln);
    true
}

/// `Get-VMProcessor`: the VM's virtual processors and its processor compatibility mode.
pub(super) fn vm_processor(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((vn, vm)), true) = (o.text("VMName"), o.has("CompatibilityForMigrationEnabled"))
    else {
        return false;
    };
    let mut r = Record::default();
    r.field("name", FactValue::Str(vm), doc, vn);
    if let Some((n, count)) = o.int("Count") {
        r.field("processors", FactValue::Int(count), doc, n);
    }
    flag(
        &mut r,
        doc,
        o,
        "compatibility_for_migration",
        "CompatibilityForMigrationEnabled",
    );
    facts.add_record("hyperv.vms", r);
    true
}

/// `Msvm_ComputerSystem` (WMI `root\virtualization`): a VM, or the host itself, which is left
/// out. A VM's `Name` is its GUID; the host's is the computer name, and its `Caption` says
/// "Hosting Computer System" where the export kept it.
pub(super) fn virtual_system(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, name)), Some(state), Some((idn, id))) =
        (o.text("ElementName"), o.get("EnabledState"), o.text("Name"))
    else {
        return false;
    };
    let host = o
        .text("Caption")
        .is_some_and(|(_, c)| c.contains("Hosting"))
        || !is_guid(&id);
    if host {
        return true;
    }
    let mut r = Record::default();
    r.field("name", FactValue::Str(name), doc, n);
    r.field("id", FactValue::Str(id), doc, idn);
    if let Some(s) = enum_name(doc, state, ENABLED_STATES) {
        r.field("state", FactValue::Str(s), doc, state);
    }
    facts.add_record("hyperv.vms", r);
    true
}

/// `Msvm_ComputerSystem.EnabledState` (Hyper-V WMI v1) by number, as `Get-VM` names states.
const ENABLED_STATES: &[(i64, &str)] = &[
    (2, "Running"),
    (3, "Off"),
    (32768, "Paused"),
    (32769, "Saved"),
    (32770, "Starting"),
    (32771, "Snapshotting"),
    (32773, "Saving"),
    (32774, "Stopping"),
    (32776, "Pausing"),
    (32777, "Resuming"),
];

/// `Msvm_MemorySettingData` and `Msvm_ProcessorSettingData`: a VM's memory and processors, by
/// the VM's GUID in `InstanceID` (`Microsoft:<GUID>\...`). Settings of checkpoints carry the
/// checkpoint's GUID instead and match no VM.
pub(super) fn vm_settings(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((_, instance)), Some((qn, quantity))) =
        (o.text("InstanceID"), o.int("VirtualQuantity"))
    else {
        return false;
    };
    let processor = o.has("LimitProcessorFeatures")
        || wmi_class(doc, obj, "Msvm_ProcessorSettingData")
        || o.text("ElementName").is_some_and(|(_, e)| e == "Processor");
    let memory = o.has("DynamicMemoryEnabled")
        || wmi_class(doc, obj, "Msvm_MemorySettingData")
        || o.text("ElementName").is_some_and(|(_, e)| e == "Memory");
    let Some(id) = instance
        .strip_prefix("Microsoft:")
        .and_then(|rest| rest.split('\\').next())
        .filter(|id| is_guid(id))
    else {
        return processor || memory;
    };
    let mut r = Record::default();
    if processor {
        r.field("processors", FactValue::Int(quantity), doc, qn);
        flag(
            &mut r,
            doc,
            o,
            "compatibility_for_migration",
            "LimitProcessorFeatures",
        );
    } else if memory {
        r.field("memory_mb", FactValue::Int(quantity), doc, qn);
        flag(&mut r, doc, o, "dynamic_memory", "DynamicMemoryEnabled");
    } else {
        return false;
    }
    facts.add_record_by_id("hyperv.vms", id, r);
    true
}

/// Whether text is a GUID, with or without braces.
fn is_guid(text: &str) -> bool {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    t.len() == 36
        && t.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
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

/// A Hyper-V authorization store: an Authorization Manager XML file with Hyper-V's application.
fn authorization_store(facts: &mut FactSet, doc: &Arc<Document>) {
    let Some(store) = doc.child(Document::ROOT, "AzAdminManager") else {
        return;
    };
    let hyperv = doc.children(store).iter().any(|&app| {
        doc.name(app).is_some_and(|n| n == "AzApplication")
            && doc
                .lookup(app, "@Name")
                .and_then(|n| str_of(doc, n))
                .is_some_and(|n| n.to_ascii_lowercase().contains("hyper-v"))
    });
    if hyperv {
        facts.offer(
            "hyperv.authorization_store",
            FactValue::Bool(true),
            doc,
            store,
        );
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
    if let Some(n) = text("properties/global_id")
        && let Some(id) = str_of(doc, n)
    {
        r.field("id", FactValue::Str(id), doc, n);
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
    for (field, path) in [
        (
            "dynamic_memory",
            "settings/memory/bank/dynamic_memory_enabled",
        ),
        (
            "compatibility_for_migration",
            "settings/processors/features/limit",
        ),
        ("clustered", "properties/highly_available"),
    ] {
        if let Some(n) = text(path)
            && let Some(b) = bool_of(doc, n)
        {
            r.field(field, FactValue::Bool(b), doc, n);
        }
    }
    if let Some(n) = text("global_settings/snapshots/list/size")
        && let Some(c) = int_of(doc, n)
    {
        r.field("snapshot_count", FactValue::Int(c), doc, n);
    }
    facts.add_record("hyperv.vms", r);
    if let Some(vm) = vm {
        vm_xml_disks(facts, doc, config, (name, vm));
    }
}

/// Device classes of the controllers that hold disks and media: emulated IDE, synthetic SCSI
/// and the floppy controller.
const IDE_CLASS: &str = "83f8638b-8dca-4152-9eda-2ca8b33039b4";
const SCSI_CLASS: &str = "d422512d-2bf2-4752-809d-7b82b5fcb1b4";
const FLOPPY_CLASS: &str = "8f0d2762-0b00-4e04-af4f-19010527cb93";

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
    let mut instances: Vec<String> = [IDE_CLASS, SCSI_CLASS, FLOPPY_CLASS]
        .map(str::to_owned)
        .to_vec();
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
                    ("path", "Disk 2 40.00 GB Bus 0 Lun 0 Target 1"),
                    ("type", "PassThrough")
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

    /// A Windows Server 2008 R2 host's WMI exports: the VMs by GUID, their memory and processor
    /// settings joined to them by the GUID in `InstanceID`, a checkpoint's settings matching no
    /// VM, and the host's own `Msvm_ComputerSystem` left out.
    #[test]
    fn vms_from_wmi_v1_joined_by_guid() {
        let clixml = |members: &[&str]| {
            let mut t = String::from(
                "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\r\n",
            );
            for (i, m) in members.iter().enumerate() {
                t += &format!(
                    "  <Obj RefId=\"{i}\">\r\n    <TN RefId=\"{i}\"><T>Selected.System.Management.ManagementObject</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>\r\n    <MS>{m}</MS>\r\n  </Obj>\r\n"
                );
            }
            t + "</Objs>"
        };
        let mut f = facts_of(&clixml(&[
            "<S N=\"ElementName\">HV01</S><S N=\"Name\">HV01</S><S N=\"Caption\">Hosting Computer System</S><U16 N=\"EnabledState\">2</U16>",
            "<S N=\"ElementName\">SQL01</S><S N=\"Name\">5C7A0E1D-2B3F-4A5C-8D9E-0F1A2B3C4D5E</S><S N=\"Caption\">Virtual Machine</S><U16 N=\"EnabledState\">32769</U16>",
        ]));
        add(
            &mut f,
            1,
            &clixml(&[
                "<S N=\"InstanceID\">Microsoft:5C7A0E1D-2B3F-4A5C-8D9E-0F1A2B3C4D5E\\4764334d-e001-4176-82ee-5594ec9b530e</S><S N=\"ElementName\">Memory</S><U64 N=\"VirtualQuantity\">16384</U64><B N=\"DynamicMemoryEnabled\">false</B>",
                "<S N=\"InstanceID\">Microsoft:AAAAAAAA-2B3F-4A5C-8D9E-0F1A2B3C4D5E\\4764334d-e001-4176-82ee-5594ec9b530e</S><S N=\"ElementName\">Memory</S><U64 N=\"VirtualQuantity\">512</U64><B N=\"DynamicMemoryEnabled\">false</B>",
            ]),
        );
        add(
            &mut f,
            2,
            &clixml(&[
                "<S N=\"InstanceID\">Microsoft:5c7a0e1d-2b3f-4a5c-8d9e-0f1a2b3c4d5e\\b637f346-6a0e-4dec-af52-bd70cb80a21d\\0</S><S N=\"ElementName\">Processor</S><U64 N=\"VirtualQuantity\">8</U64><B N=\"LimitProcessorFeatures\">true</B><B N=\"LimitCPUID\">false</B>",
            ]),
        );
        f.finish();
        assert_eq!(
            record_values(&f, "hyperv.vms"),
            vec![pairs(&[
                ("name", "SQL01"),
                ("id", "5C7A0E1D-2B3F-4A5C-8D9E-0F1A2B3C4D5E"),
                ("state", "Saved"),
                ("processors", "8"),
                ("memory_mb", "16384"),
                ("dynamic_memory", "false"),
                ("compatibility_for_migration", "true"),
            ])]
        );
    }

    #[test]
    fn a_2008_r2_switch_with_its_computed_type_and_a_dvd_drive() {
        let f = facts_of(
            "[{\"ElementName\": \"Corp LAN\", \"Name\": \"3F2504E0-4F89-11D3-9A0C-0305E82C3301\", \"SwitchType\": \"External\"}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.switches"),
            vec![pairs(&[("name", "Corp LAN"), ("type", "External")])]
        );
        let f = facts_of(
            "[{\"VMName\": \"APP01\", \"Path\": \"D:\\\\ISO\\\\tools.iso\", \"DvdMediaType\": 1, \"ControllerType\": 0}, {\"VMName\": \"APP01\", \"Path\": null, \"DvdMediaType\": 0, \"ControllerType\": 0}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.disks"),
            vec![pairs(&[
                ("vm", "APP01"),
                ("path", "D:\\ISO\\tools.iso"),
                ("type", "ISO")
            ])]
        );
        let f = facts_of(
            "[{\"FullName\": \"D:\\\\VMs\\\\SQL01.vhd\", \"Length\": 53687091200}, {\"FullName\": \"D:\\\\ISO\\\\tools.iso\", \"Length\": 4096}]",
        );
        assert_eq!(
            record_values(&f, "hyperv.vhds"),
            vec![pairs(&[
                ("path", "D:\\VMs\\SQL01.vhd"),
                ("file_size_bytes", "53687091200")
            ])]
        );
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
