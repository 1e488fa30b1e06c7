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
//! Each concern has a file of its own (`os.rs`, `sql.rs`, `vmm.rs`, …) with its fact
//! definitions, how each export is collected ([`collect`]) and the readers that find the facts;
//! `read.rs` holds what they share. `DOMAINS` lists the files, and `OBJECTS` the order in
//! which their recognizers of exported objects are tried. This file keeps the machinery that
//! merges offers into a [`FactSet`].
//!
//! [`CATALOG`] is the one list of facts: rules name facts by its keys, `missing()` reads the
//! export command from it, and `docs/bundle.md`'s collection commands and fact table are
//! generated from it.

mod ad;
mod backup;
mod cluster;
pub mod collect;
mod configmgr;
mod hyperv;
mod iis;
mod logs;
mod markdown;
mod network;
mod os;
mod read;
mod security;
mod services;
mod software;
mod sql;
mod vmm;
mod winrm;

pub use collect::Collect;
pub use markdown::{collecting_markdown, facts_markdown};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use rhai::ImmutableString;

use crate::model::{Builder, DocKind, Document, NodeIdx, NodeKind, Value};
use crate::source::{FileId, SourceText};

/// One fact a rule can ask for, and the export that supplies it.
#[derive(Debug)]
pub struct FactDef {
    pub key: &'static str,
    pub description: &'static str,
    /// What its values are.
    pub kind: Kind,
    /// How the export that yields the fact is collected: reports print it when the fact is
    /// missing, and `docs/bundle.md` lists it.
    pub collect: &'static Collect,
    /// Where in the exports the fact is read, for the fact table of `docs/bundle.md`
    /// (Markdown).
    pub read_from: &'static str,
    /// For a list of records (installed software, services…), the fields of each record, the
    /// subject first; two records equal in every field are one. Empty for a single value.
    pub fields: &'static [&'static str],
    /// How many leading `fields` name the thing a record is about (a service by its name, a
    /// protocol by name and side). Two exports' records with the same identity are one record:
    /// fields only one of them has are combined, and a field they disagree on is a
    /// `fact-conflict`. 0 for lists whose records are events or sets (backups, log errors).
    pub identity: usize,
}

/// What the values of a fact are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Bool,
    /// A list of records with the fact's `fields`.
    Records,
}

impl Kind {
    /// The kind of a single value.
    fn of(value: &FactValue) -> Kind {
        match value {
            FactValue::Str(_) => Kind::Text,
            FactValue::Int(_) => Kind::Integer,
            FactValue::Bool(_) => Kind::Bool,
        }
    }
}

impl FactDef {
    const fn value(
        kind: Kind,
        key: &'static str,
        description: &'static str,
        collect: &'static Collect,
        read_from: &'static str,
    ) -> FactDef {
        FactDef {
            key,
            description,
            kind,
            collect,
            read_from,
            fields: &[],
            identity: 0,
        }
    }

    const fn text(
        key: &'static str,
        description: &'static str,
        collect: &'static Collect,
        read_from: &'static str,
    ) -> FactDef {
        FactDef::value(Kind::Text, key, description, collect, read_from)
    }

    const fn integer(
        key: &'static str,
        description: &'static str,
        collect: &'static Collect,
        read_from: &'static str,
    ) -> FactDef {
        FactDef::value(Kind::Integer, key, description, collect, read_from)
    }

    const fn flag(
        key: &'static str,
        description: &'static str,
        collect: &'static Collect,
        read_from: &'static str,
    ) -> FactDef {
        FactDef::value(Kind::Bool, key, description, collect, read_from)
    }

    const fn records(
        key: &'static str,
        description: &'static str,
        collect: &'static Collect,
        fields: &'static [&'static str],
        identity: usize,
        read_from: &'static str,
    ) -> FactDef {
        FactDef {
            key,
            description,
            kind: Kind::Records,
            collect,
            read_from,
            fields,
            identity,
        }
    }
}

/// One concern's part of the catalog and of extraction: the facts it defines, and its readers
/// of registry exports and of whole documents. Its readers of object exports are in
/// [`OBJECTS`], where the order between domains matters.
struct Domain {
    facts: &'static [FactDef],
    registry: &'static [read::RegistryReader],
    /// Readers of documents of one kind (`DocKind::Ini`, `DocKind::Xml`, …).
    documents: &'static [(DocKind, read::DocumentReader)],
}

/// Every domain. A new product's facts are a new file with its [`Domain`] and a line here (and,
/// if it reads exported objects, its recognizers in [`OBJECTS`] where they belong).
static DOMAINS: &[&Domain] = &[
    &os::DOMAIN,
    &software::DOMAIN,
    &services::DOMAIN,
    &winrm::DOMAIN,
    &network::DOMAIN,
    &security::DOMAIN,
    &ad::DOMAIN,
    &sql::DOMAIN,
    &iis::DOMAIN,
    &configmgr::DOMAIN,
    &vmm::DOMAIN,
    &hyperv::DOMAIN,
    &cluster::DOMAIN,
    &backup::DOMAIN,
    &logs::DOMAIN,
];

/// The recognizers of exported objects, tried in this order until one knows the object. One
/// object can fit several, so the more specific come first: a whole `Win32_ComputerSystem`
/// has the `Manufacturer` and `Model` of a load balancer, a `Get-VMHardDiskDrive` object the
/// `Name` of many things, a `Get-NetAdapter` object the `Status` of a service.
static OBJECTS: &[read::ObjectReader] = &[
    vmm::collector_wrapper,
    ad::object,
    os::operating_system,
    os::computer_system,
    os::processor,
    os::system_locale,
    cluster::cluster,
    cluster::node,
    backup::backup_sets,
    security::firewall_rule,
    vmm::bare_opsmgr_connection,
    vmm::bare_load_balancer,
    sql::columns,
    sql::server_properties,
    sql::database,
    sql::availability_group_database,
    sql::log_space,
    sql::backup,
    vmm::host,
    hyperv::vm_settings,
    hyperv::virtual_system,
    hyperv::vm_processor,
    hyperv::vm_host,
    hyperv::vhd,
    hyperv::disk_file,
    vmm::job,
    hyperv::hard_disk_drive,
    hyperv::snapshot,
    hyperv::switch,
    network::adapter,
    iis::app_pool,
    network::ip,
    services::service,
    software::feature,
    os::volume,
    hyperv::vm,
    software::product,
];

/// What is looked for among the items of an inventory script's lists (see `read.rs`).
static INVENTORY_OBJECTS: &[read::ObjectReader] = &[vmm::host];

/// Every fact uplint derives, domain by domain in [`DOMAINS`] order (the order
/// `docs/bundle.md` lists them in).
pub static CATALOG: LazyLock<Vec<&'static FactDef>> =
    LazyLock::new(|| DOMAINS.iter().flat_map(|d| d.facts).collect());

pub fn definition(key: &str) -> Option<&'static FactDef> {
    CATALOG.iter().find(|f| f.key == key).copied()
}

/// An id as records are matched by it: `{GUID}` and `guid` in any letter case are one.
fn normalize_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
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
    /// Records that name their subject only by an id another export maps to a name (a
    /// Hyper-V VM's memory settings carry the VM's GUID, its `Msvm_ComputerSystem` the GUID
    /// and the name): (list fact, id, fields), merged by [`FactSet::finish`] into the record
    /// whose `id` field matches, and dropped when none does (a checkpoint's settings).
    by_id: Vec<(&'static str, String, Record)>,
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
            definition(key).is_some_and(|d| d.kind == Kind::of(&value)),
            "{key} is not a single-value fact of the kind of {value:?}"
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

    /// Adds fields to the record of list fact `key` whose `id` field is `id` (letter case and
    /// braces ignored), once every export of the computer has been read.
    pub fn add_record_by_id(&mut self, key: &'static str, id: &str, record: Record) {
        self.by_id.push((key, normalize_id(id), record));
    }

    /// Reads every fact the document can give.
    pub fn extract_from(&mut self, doc: &Arc<Document>) {
        read::extract(self, doc);
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
        for (key, id, record) in std::mem::take(&mut self.by_id) {
            let Some(list) = self.records.get(key) else {
                continue;
            };
            let Some(subject) = list.iter().find(|r| {
                r.fields.iter().any(|(f, o)| {
                    *f == "id" && matches!(&o.value, FactValue::Str(s) if normalize_id(s) == id)
                })
            }) else {
                continue;
            };
            // Named like the subject, so it merges into it as a second export's record would.
            let mut named = Record::default();
            named.fields.extend(subject.fields.iter().take(1).cloned());
            named.fields.extend(record.fields);
            self.add_record(key, named);
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
        // Facts read from the same lines (the fields of one record) share one copy of them.
        let cut: std::cell::RefCell<BTreeMap<FileId, crate::source::SnippetLines>> =
            Default::default();
        let leaf = |b: &mut Builder, name: &str, offer: &Offer| {
            let v = match &offer.value {
                FactValue::Int(i) => Value::Int(*i),
                FactValue::Str(s) => Value::Owned(s.clone()),
                FactValue::Bool(x) => Value::Bool(*x),
            };
            let idx = b.leaf(Some(name), v, 0, 0);
            let (doc, node) = (&offer.origin.doc, offer.origin.node);
            if let Some(span) = doc.span(node) {
                let snippet = texts.and_then(|t| t.get(&span.file)).map(|t| {
                    let mut cut = cut.borrow_mut();
                    let lines = cut.entry(span.file).or_default();
                    Arc::new(t.snippet_sharing(span.start as usize, span.end as usize, lines))
                });
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
    use super::read::testing::*;
    use super::*;

    #[test]
    fn two_exports_of_one_service_are_one_record_and_disagreements_are_conflicts() {
        // Get-Service knows the state; Win32_Service also knows the account and start mode.
        let mut f = facts_of(
            "[{\"Name\": \"vmms\", \"DisplayName\": \"Hyper-V Virtual Machine Management\", \"Status\": 4}, {\"Name\": \"WinRM\", \"DisplayName\": \"Windows Remote Management\", \"Status\": 4}]",
        );
        add(
            &mut f,
            1,
            "[{\"Name\": \"VMMS\", \"StartName\": \"LocalSystem\", \"State\": \"Running\", \"StartMode\": \"Auto\"}, {\"Name\": \"WinRM\", \"StartName\": \"NT AUTHORITY\\\\NetworkService\", \"State\": \"Stopped\", \"StartMode\": \"Auto\"}]",
        );
        assert_eq!(
            record_values(&f, "services"),
            vec![
                pairs(&[
                    ("name", "vmms"),
                    ("account", "LocalSystem"),
                    ("state", "Running"),
                    ("start_mode", "Auto"),
                ]),
                pairs(&[
                    ("name", "WinRM"),
                    ("account", "NT AUTHORITY\\NetworkService"),
                    ("state", "Running"),
                    ("start_mode", "Auto"),
                ]),
            ]
        );
        let conflicts: Vec<(String, String, String)> = f
            .conflicts
            .iter()
            .map(|(what, kept, other)| {
                (
                    what.clone(),
                    kept.value.to_string(),
                    other.value.to_string(),
                )
            })
            .collect();
        assert_eq!(
            conflicts,
            vec![(
                "services \"WinRM\" state".to_owned(),
                "Running".to_owned(),
                "Stopped".to_owned()
            )]
        );
        // One file naming a thing twice is not two exports disagreeing.
        let f = facts_of(
            "[{\"Name\": \"vmms\", \"StartName\": \"LocalSystem\", \"State\": \"Running\"}, {\"Name\": \"vmms\", \"StartName\": \"LocalSystem\", \"State\": \"Stopped\"}]",
        );
        assert_eq!(record_values(&f, "services").len(), 1);
        assert!(f.conflicts.is_empty());
        // Events have no identity: two backups of one database are two records.
        let f = facts_of(concat!(
            "\"database_name\",\"type\",\"backup_finish_date\"\r\n",
            "\"VirtualManagerDB\",\"D\",\"2026-11-01T02:00:00\"\r\n",
            "\"VirtualManagerDB\",\"D\",\"2026-11-08T02:00:00\"\r\n",
        ));
        assert_eq!(record_values(&f, "sql.backups").len(), 2);
    }

    #[test]
    fn disagreeing_offers_are_kept_as_conflicts() {
        let mut facts = facts_of("Config\n    Service\n        MaxConnections = 300\n");
        let other = Arc::new(
            (crate::parse::winrm::FORMAT.parse)(
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

    #[test]
    fn identities_name_fields_of_list_facts_only() {
        for def in CATALOG.iter() {
            assert_eq!(
                def.kind == Kind::Records,
                !def.fields.is_empty(),
                "{}: lists, and only lists, have fields",
                def.key
            );
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
        for f in CATALOG.iter() {
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

    #[test]
    fn no_two_domains_define_the_same_fact() {
        let mut keys: Vec<&str> = CATALOG.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "a fact key is defined twice");
    }
}
