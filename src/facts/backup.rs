//! Backups: the Windows Server Backup backups of a computer (`Get-WBBackupSet`), with the time
//! they were listed, so "no recent backup" can be told apart from "not collected".

use std::sync::Arc;

use super::collect::{Collect, Command};
use super::read::{Obj, str_of};
use super::{Domain, FactDef, FactSet, FactValue, Record};
use crate::model::{Document, NodeIdx};

// The backups are wrapped in one object with the time of listing: a computer with no backup
// would otherwise give an empty export, indistinguishable from one never collected. The
// Windows Server Backup cmdlets are a snap-in on 2008 R2 and a module from 2012 on.
static WSB_BACKUPS: Collect = Collect::Run(Command::powershell(
    "if (-not (Get-Command Get-WBBackupSet -ErrorAction SilentlyContinue)) { Add-PSSnapin Windows.ServerBackup }; New-Object PSObject -Property @{CollectedAt = (Get-Date); Backups = @(Get-WBBackupSet | Select-Object VersionId,BackupTime)} | Export-Clixml backups.xml",
    &["backups.xml"],
)
.note("backups made by other products (DPM, Veeam, …) are not in this list: export their catalog's last backup time instead, or accept the finding"));

pub(super) static DOMAIN: Domain = Domain {
    facts: &[
        FactDef::text(
            "backup.listed_at",
            "When the computer's Windows Server Backup backups were listed",
            &WSB_BACKUPS,
            "`CollectedAt` of the object the collection command writes (`CollectedAt`, `Backups`)",
        ),
        FactDef::records(
            "backup.sets",
            "Windows Server Backup backups of the computer",
            &WSB_BACKUPS,
            &["time", "version"],
            0,
            "the `Backups` of that object: `Get-WBBackupSet` objects (`BackupTime`, `VersionId`)",
        ),
    ],
    registry: &[],
    documents: &[],
};

/// The collection command's object: `CollectedAt` and the list of `Backups`.
pub(super) fn backup_sets(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    let o = Obj::new(doc, obj);
    let (Some((n, at)), Some(list)) = (o.text("CollectedAt"), o.get("Backups")) else {
        return false;
    };
    facts.offer("backup.listed_at", FactValue::Str(at), doc, n);
    let items = doc
        .child(list, "@items")
        .map_or_else(|| doc.children(list), |i| doc.children(i));
    // Windows PowerShell may write a one-item list as the item itself.
    let items: Vec<NodeIdx> = if items.is_empty() && Obj::new(doc, list).has("BackupTime") {
        vec![list]
    } else {
        items.to_vec()
    };
    for item in items {
        let b = Obj::new(doc, item);
        let Some((tn, time)) = b.text("BackupTime") else {
            continue;
        };
        let mut r = Record::default();
        r.field("time", FactValue::Str(time), doc, tn);
        if let Some(v) = b.get("VersionId")
            && let Some(id) = str_of(doc, v)
        {
            r.field("version", FactValue::Str(id), doc, v);
        }
        facts.add_record("backup.sets", r);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::read::testing::*;

    #[test]
    fn backups_with_the_time_they_were_listed() {
        let f = facts_of(
            "{\"CollectedAt\": \"2026-11-28T10:00:00\", \"Backups\": [{\"VersionId\": \"11/20/2026-20:00\", \"BackupTime\": \"2026-11-20T21:00:04\"}]}",
        );
        assert_eq!(
            record_values(&f, "backup.sets"),
            vec![pairs(&[
                ("time", "2026-11-20T21:00:04"),
                ("version", "11/20/2026-20:00")
            ])]
        );
        let f = facts_of("{\"CollectedAt\": \"2026-11-28T10:00:00\", \"Backups\": []}");
        assert_eq!(keys(&f), ["backup.listed_at"]);
    }
}
