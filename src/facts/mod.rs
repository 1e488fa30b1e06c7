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

use std::collections::BTreeMap;
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
}

const REG_VMM: &str = r#"reg export "HKLM\SOFTWARE\Microsoft\Microsoft System Center Virtual Machine Manager Server" vmm-registry.reg"#;
const WINRM: &str = "winrm get winrm/config > winrm-config.txt";
const OS_JSON: &str = "Get-CimInstance Win32_OperatingSystem | Select-Object CSName,Caption,Version,BuildNumber,OSArchitecture,OSLanguage,TotalVisibleMemorySize | ConvertTo-Json > os.json";

/// Every fact uplint derives, in the order `inspect` and the docs list them.
pub static CATALOG: &[FactDef] = &[
    FactDef {
        key: "os.caption",
        description: "Windows edition name",
        export: OS_JSON,
    },
    FactDef {
        key: "os.version",
        description: "Windows version (major.minor.build)",
        export: OS_JSON,
    },
    FactDef {
        key: "os.build",
        description: "Windows build number",
        export: OS_JSON,
    },
    FactDef {
        key: "os.language",
        description: "OS language (LCID)",
        export: OS_JSON,
    },
    FactDef {
        key: "vmm.version",
        description: "VMM server ProductVersion",
        export: REG_VMM,
    },
    FactDef {
        key: "vmm.service_account",
        description: "VMM service account",
        export: REG_VMM,
    },
    FactDef {
        key: "vmm.library_share_name",
        description: "VMM default library share name",
        export: REG_VMM,
    },
    FactDef {
        key: "vmm.library_share_path",
        description: "VMM default library share path",
        export: REG_VMM,
    },
    FactDef {
        key: "winrm.max_concurrent_operations_per_user",
        description: "WinRM Service MaxConcurrentOperationsPerUser",
        export: WINRM,
    },
    FactDef {
        key: "winrm.max_connections",
        description: "WinRM Service MaxConnections",
        export: WINRM,
    },
    FactDef {
        key: "winrm.max_connections_source",
        description: "Who set MaxConnections (GPO when set by Group Policy)",
        export: WINRM,
    },
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

/// Facts of one computer, as offered by its exports.
#[derive(Debug, Default)]
pub struct FactSet {
    /// Accepted value per key (first offer in bundle order).
    pub values: BTreeMap<&'static str, Offer>,
    /// Later offers that disagree with the accepted value.
    pub conflicts: Vec<(&'static str, Offer)>,
}

impl FactSet {
    pub fn offer(
        &mut self,
        key: &'static str,
        value: FactValue,
        doc: &Arc<Document>,
        node: NodeIdx,
    ) {
        debug_assert!(definition(key).is_some(), "fact {key} missing from CATALOG");
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
            Some(existing) if existing.value != offer.value => self.conflicts.push((key, offer)),
            Some(_) => {}
        }
    }

    /// Reads every fact the document can give.
    pub fn extract_from(&mut self, doc: &Arc<Document>) {
        extract::extract(self, doc);
    }

    /// The facts as a document (`os.version`, …) for rules; every value carries its origin.
    /// With `texts`, each value also keeps the line it was read from, for findings raised after
    /// the exports themselves are dropped.
    pub fn to_document(&self, texts: Option<&BTreeMap<FileId, Arc<SourceText>>>) -> Document {
        let mut b = Builder::new(None, DocKind::Facts, Arc::from(""), NodeKind::Object);
        let mut current_group: Option<&str> = None;
        for (key, offer) in &self.values {
            let (group, name) = key.split_once('.').unwrap_or(("", key));
            if current_group != Some(group) {
                if current_group.is_some() {
                    b.close(0);
                }
                b.open(NodeKind::Object, Some(group), 0);
                current_group = Some(group);
            }
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
        }
        b.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_keys_are_unique_and_grouped() {
        let mut keys: Vec<_> = CATALOG.iter().map(|f| f.key).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        assert!(CATALOG.iter().all(|f| f.key.contains('.')));
    }
}
