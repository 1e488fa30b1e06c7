//! Reading facts out of a parsed document, whatever product it is about: which readers a
//! document goes to by its shape, the objects of an object export, registry keys as they are
//! compared, and values as text, integers or yes/no. The domain files (`os.rs`, `vmm.rs`, …)
//! say what each thing means; this file only finds the things.
//!
//! Object exports (`ConvertTo-Json`, `Export-Clixml`, `Export-Csv`) are recognized by the
//! properties their objects carry, not by the file: a `Win32_Service` listing is a listing of
//! objects with `Name` and `StartName`, whichever way it was serialized. The recognizers of
//! every domain are tried in the one order of [`super::OBJECTS`], because an object can look
//! like several things (a `Get-NetAdapter` object has the `Status` of a service).

use std::sync::Arc;

use rhai::ImmutableString;

use super::{DOMAINS, FactSet, INVENTORY_OBJECTS, OBJECTS};
use crate::model::{DocKind, Document, NodeIdx, NodeKind, Scalar};
use crate::parse;

/// Offers the facts of one object of an object export; false when the object is not what the
/// reader looks for, so the next reader gets it.
pub(super) type ObjectReader = fn(&mut FactSet, &Arc<Document>, NodeIdx) -> bool;

/// Offers the facts of a whole document (an answer file, an XML file, command output, a log).
/// Each reader looks for its own sections or root element, so at most one of them finds
/// anything in a given file.
pub(super) type DocumentReader = fn(&mut FactSet, &Arc<Document>);

/// Offers the facts of the keys of a `.reg` export, given every key once (see [`RegKey`]).
pub(super) type RegistryReader = fn(&mut FactSet, &Arc<Document>, &[RegKey<'_>]);

/// A `[key]` section of a `.reg` file: its node, its name as written and as compared.
pub(super) struct RegKey<'a> {
    pub(super) node: NodeIdx,
    pub(super) written: &'a str,
    pub(super) normalized: String,
}

/// Offers every fact the document can give to `facts`.
pub(super) fn extract(facts: &mut FactSet, doc: &Arc<Document>) {
    for domain in DOMAINS {
        for (kind, reader) in domain.documents {
            if *kind == doc.kind {
                reader(facts, doc);
            }
        }
    }
    match doc.kind {
        DocKind::Registry => {
            let keys = registry_keys(doc);
            for domain in DOMAINS {
                for reader in domain.registry {
                    reader(facts, doc, &keys);
                }
            }
        }
        DocKind::Json | DocKind::Clixml | DocKind::Csv => {
            for obj in objects(doc) {
                if !object(facts, doc, obj) {
                    for member in member_objects(doc, obj) {
                        object(facts, doc, member);
                    }
                }
            }
            // Inside an inventory object only a few things are looked for: running every
            // recognizer on every nested object doubled the cost of reading ordinary inventories.
            for obj in objects(doc) {
                for item in inventory_items(doc, obj) {
                    for reader in INVENTORY_OBJECTS {
                        reader(facts, doc, item);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Offers the facts of one exported object to the first recognizer that knows it; false when
/// none does.
fn object(facts: &mut FactSet, doc: &Arc<Document>, obj: NodeIdx) -> bool {
    OBJECTS.iter().any(|reader| reader(facts, doc, obj))
}

/// Every `[key]` section of a `.reg` export, its name normalized once: a Component Based
/// Servicing export has tens of thousands of keys, and every domain looks at each of them.
fn registry_keys(doc: &Document) -> Vec<RegKey<'_>> {
    doc.children(Document::ROOT)
        .iter()
        .filter_map(|&node| {
            let written = doc.name(node)?.as_str();
            Some(RegKey {
                node,
                written,
                normalized: parse::registry_key_name(written),
            })
        })
        .collect()
}

/// The objects of an object export: the root object, the elements of a root array, or the
/// rows of a table.
fn objects(doc: &Document) -> Vec<NodeIdx> {
    let root = Document::ROOT;
    let container = match doc.kind {
        DocKind::Csv => doc.child(root, "rows").unwrap_or(root),
        _ => root,
    };
    match doc.kind(container) {
        NodeKind::Array => doc
            .children(container)
            .iter()
            .copied()
            .filter(|&c| doc.kind(c) == NodeKind::Object)
            .collect(),
        NodeKind::Object if container == root && doc.kind != DocKind::Csv => vec![root],
        _ => Vec::new(),
    }
}

/// The members of an object export's object: its properties, or a CLIXML hashtable's entries.
/// A CSV row's cells are values, never objects.
fn members(doc: &Document, obj: NodeIdx) -> &[NodeIdx] {
    if doc.kind == DocKind::Csv {
        return &[];
    }
    doc.children(doc.child(obj, "@entries").unwrap_or(obj))
}

/// The single objects a collector script gathered into one unknown object, as
/// `@{ Service = Get-Service dhcp; OS = Get-CimInstance Win32_OperatingSystem }` serializes.
/// Lists are left to [`inventory_items`].
fn member_objects(doc: &Document, obj: NodeIdx) -> Vec<NodeIdx> {
    members(doc, obj)
        .iter()
        .copied()
        .filter(|&m| {
            doc.kind(m) == NodeKind::Object
                && doc.child(m, "@items").is_none()
                && doc.child(m, "@entries").is_none()
        })
        .collect()
}

/// The objects of an inventory script's result: an object (a hashtable) whose members are lists
/// of objects, as `@{ hosts = @(Get-SCVMHost); vms = @(...) }` serializes with `ConvertTo-Json`
/// (members are arrays) or `Export-Clixml` (a `DCT` whose values hold `@items`). A member may
/// also be a hashtable keyed by object ID (`@{ hosts = @{ $h.ID = @{ Properties = $h; ... } } }`,
/// as ManageIQ's VMM inventory script writes it), whose values are the objects, or wrap each one
/// with its related lists under `Properties`. Only that deep: deeper nesting is a property of an
/// object, not another export.
fn inventory_items(doc: &Document, obj: NodeIdx) -> Vec<NodeIdx> {
    let mut items = Vec::new();
    for &m in members(doc, obj) {
        match doc.kind(m) {
            NodeKind::Array => items.extend(doc.children(m)),
            NodeKind::Object => {
                if let Some(list) = doc.child(m, "@items") {
                    items.extend(doc.children(list));
                } else if let Some(by_id) = doc.child(m, "@entries") {
                    items.extend(doc.children(by_id).iter().map(|&v| {
                        doc.child(v, "@entries")
                            .and_then(|e| doc.child(e, "Properties"))
                            .unwrap_or(v)
                    }));
                }
            }
            _ => {}
        }
    }
    items.retain(|&c| doc.kind(c) == NodeKind::Object);
    items
}

/// The items of a list property of a collector's wrapper object. Windows PowerShell 5.1 may
/// write a one-item list as the item itself.
pub(super) fn list_items(doc: &Document, obj: NodeIdx, list: &str) -> Vec<NodeIdx> {
    let Some(items) = doc.child(obj, list) else {
        return Vec::new();
    };
    match doc.kind(items) {
        NodeKind::Array => doc
            .children(items)
            .iter()
            .copied()
            .filter(|&c| doc.kind(c) == NodeKind::Object)
            .collect(),
        NodeKind::Object => vec![items],
        _ => Vec::new(),
    }
}

/// One object of an object export, with the lookups its recognizers make by property name.
#[derive(Clone, Copy)]
pub(super) struct Obj<'a> {
    doc: &'a Document,
    node: NodeIdx,
}

impl<'a> Obj<'a> {
    pub(super) fn new(doc: &'a Document, node: NodeIdx) -> Obj<'a> {
        Obj { doc, node }
    }

    pub(super) fn has(self, name: &str) -> bool {
        self.doc.child(self.node, name).is_some()
    }

    pub(super) fn get(self, name: &str) -> Option<NodeIdx> {
        self.doc.child(self.node, name)
    }

    /// The property as text (see [`str_of`]), with its node.
    pub(super) fn text(self, name: &str) -> Option<(NodeIdx, ImmutableString)> {
        self.get(name)
            .and_then(|n| str_of(self.doc, n).map(|s| (n, s)))
    }

    /// The property as an integer (see [`int_of`]), with its node.
    pub(super) fn int(self, name: &str) -> Option<(NodeIdx, i64)> {
        self.get(name)
            .and_then(|n| int_of(self.doc, n).map(|i| (n, i)))
    }
}

/// A value as text. CLIXML enums arrive as objects whose `@string` is the name.
pub(super) fn str_of(doc: &Document, node: NodeIdx) -> Option<ImmutableString> {
    match doc.scalar(node) {
        Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().into()),
        Scalar::Int(i) => Some(i.to_string().into()),
        Scalar::Float(f) if f.is_finite() => Some(f.to_string().into()),
        Scalar::Bool(b) => Some(b.to_string().into()),
        _ if doc.kind(node) == NodeKind::Object => {
            doc.child(node, "@string").and_then(|s| str_of(doc, s))
        }
        _ => None,
    }
}

pub(super) fn int_of(doc: &Document, node: NodeIdx) -> Option<i64> {
    match doc.scalar(node) {
        Scalar::Int(i) => Some(i),
        Scalar::Float(f) if f.fract() == 0.0 => Some(f as i64),
        Scalar::Str(s) => s.trim().replace([',', '\u{a0}', ' '], "").parse().ok(),
        _ => None,
    }
}

pub(super) fn bool_of(doc: &Document, node: NodeIdx) -> Option<bool> {
    match doc.scalar(node) {
        Scalar::Bool(b) => Some(b),
        Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Scalar::Int(i) => Some(i != 0),
        // Invoke-Sqlcmd | Export-Csv writes SERVERPROPERTY ints as text.
        Scalar::Str("1") => Some(true),
        Scalar::Str("0") => Some(false),
        _ => None,
    }
}

/// An enum value as its name: written as text, or as a number from `names` (a number not in
/// the table stays a number, as text).
pub(super) fn enum_name(
    doc: &Document,
    node: NodeIdx,
    names: &[(i64, &str)],
) -> Option<ImmutableString> {
    if let Scalar::Int(i) = doc.scalar(node) {
        return Some(
            names
                .iter()
                .find(|(n, _)| *n == i)
                .map_or_else(|| i.to_string().into(), |(_, s)| (*s).into()),
        );
    }
    str_of(doc, node)
}

/// Whether a CLIXML object names a type ending in `suffix` (`Deserialized.`, `Selected.` and
/// the namespace vary with how it was exported).
pub(super) fn has_type(doc: &Document, obj: NodeIdx, suffix: &str) -> bool {
    let suffix = suffix.to_ascii_lowercase();
    doc.child(obj, "@types").is_some_and(|types| {
        doc.children(types).iter().any(|&t| {
            str_of(doc, t).is_some_and(|name| name.to_ascii_lowercase().ends_with(&suffix))
        })
    })
}

/// What the domains' unit tests share: facts of a text as a bundle file gives them, and their
/// values as plain strings to compare.
#[cfg(test)]
pub(super) mod testing {
    use std::sync::Arc;

    use crate::facts::FactSet;
    use crate::parse;
    use crate::source::FileId;

    pub(crate) fn facts_of(text: &str) -> FactSet {
        let mut facts = FactSet::default();
        add(&mut facts, 0, text);
        facts
    }

    /// Adds the facts of another file (`id`) to `facts`, as a second export of the computer.
    pub(crate) fn add(facts: &mut FactSet, id: u32, text: &str) {
        let format = parse::recognize(text).expect("recognized");
        let doc = Arc::new((format.parse)(FileId(id), Arc::from(text)).doc);
        facts.extract_from(&doc);
    }

    /// The facts of a file as it is on disk, decoded as a bundle file is (UTF-16 included).
    pub(crate) fn facts_of_bytes(bytes: &[u8]) -> FactSet {
        let (text, problems) = crate::source::SourceText::decode(bytes);
        assert!(problems.is_empty(), "{problems:?}");
        facts_of(&text.text)
    }

    pub(crate) fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    pub(crate) fn record_values(facts: &FactSet, key: &str) -> Vec<Vec<(String, String)>> {
        facts.records.get(key).map_or(Vec::new(), |list| {
            list.iter()
                .map(|r| {
                    r.fields
                        .iter()
                        .map(|(f, o)| ((*f).to_owned(), o.value.to_string()))
                        .collect()
                })
                .collect()
        })
    }

    /// A single value as text, `None` when the fact was not offered.
    pub(crate) fn value(f: &FactSet, key: &str) -> Option<String> {
        f.values.get(key).map(|o| o.value.to_string())
    }

    /// The facts a set holds, single values and lists alike, to check where a shape went.
    pub(crate) fn keys(facts: &FactSet) -> Vec<&'static str> {
        let mut k: Vec<_> = facts.values.keys().copied().collect();
        k.extend(facts.records.keys().copied());
        k.sort_unstable();
        k
    }

    pub(crate) fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;

    #[test]
    fn objects_a_collector_gathered_into_one_unknown_object() {
        let f = facts_of(
            "{\"Service\": {\"Name\": \"dhcp\", \"DisplayName\": \"DHCP Client\", \"Status\": 4}, \"OS\": {\"Caption\": \"Microsoft Windows Server 2012 R2 Standard\", \"Version\": \"6.3.9600\", \"BuildNumber\": \"9600\"}, \"Note\": \"collected by script\"}",
        );
        assert_eq!(
            record_values(&f, "services"),
            vec![pairs(&[("name", "dhcp"), ("state", "Running")])]
        );
        assert_eq!(
            f.values.get("os.build").map(|o| o.value.to_string()),
            Some("9600".to_owned())
        );
        // A known object's own members are its properties, not more exports.
        let f = facts_of(
            "{\"Name\": \"HV01\", \"Domain\": \"contoso.local\", \"PartOfDomain\": true, \"Owner\": {\"Name\": \"dhcp\", \"DisplayName\": \"DHCP Client\", \"Status\": 4}}",
        );
        assert!(!f.records.contains_key("services"));
    }
}
