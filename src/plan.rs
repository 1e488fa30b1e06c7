//! `plan.json`: what the user intends to do (CONTRACT §4). Validated key by key, with a span on
//! every problem: an unknown key is an error, never ignored, because a typo such as `targte`
//! would otherwise silently turn every upgrade rule into "not applicable".

use crate::model::{Document, NodeIdx, NodeKind, Scalar};
use crate::source::Span;

/// A problem in the plan, at the offending key or value.
#[derive(Clone, Debug)]
pub struct PlanError {
    pub span: Option<Span>,
    pub message: String,
}

pub const PRODUCTS: &[&str] = &["vmm", "appv", "sms"];
const TOP_KEYS: &[&str] = &["upgrades", "migrations", "sequence"];
const UPGRADE_KEYS: &[&str] = &[
    "product",
    "target",
    "server",
    "new_server",
    "service_account",
];
const MIGRATION_KEYS: &[&str] = &["kind", "source", "destination"];
const MIGRATION_KINDS: &[&str] = &["hyper-v"];

pub fn validate(doc: &Document) -> Vec<PlanError> {
    let mut e = Errors {
        doc,
        list: Vec::new(),
    };
    if doc.kind(Document::ROOT) != NodeKind::Object {
        e.at_value(Document::ROOT, "plan.json must be a JSON object".into());
        return e.list;
    }
    for &key in doc.children(Document::ROOT) {
        let name = doc.name(key).map(|n| n.to_string()).unwrap_or_default();
        match name.as_str() {
            "upgrades" => {
                for entry in e.objects(key, &name) {
                    e.unknown_keys(entry, UPGRADE_KEYS, "an upgrade");
                    match doc.child(entry, "product") {
                        None => e.at_value(
                            entry,
                            "an upgrade needs a \"product\" (vmm, appv or sms)".into(),
                        ),
                        Some(p) => match doc.scalar(p) {
                            Scalar::Str(s) if PRODUCTS.contains(&s) => {}
                            other => e.at_value(
                                p,
                                format!(
                                    "unknown product `{other}`: expected one of {}",
                                    PRODUCTS.join(", ")
                                ),
                            ),
                        },
                    }
                    if let Some(t) = doc.child(entry, "target")
                        && !matches!(doc.kind(t), NodeKind::Str | NodeKind::Int | NodeKind::Float)
                    {
                        e.at_value(t, "\"target\" must be a release name (\"2016\", \"4.5 SP2\") or a build number".into());
                    }
                    for k in ["server", "new_server", "service_account"] {
                        if let Some(v) = doc.child(entry, k)
                            && doc.kind(v) != NodeKind::Str
                        {
                            e.at_value(v, format!("\"{k}\" must be a string"));
                        }
                    }
                }
            }
            "migrations" => {
                for entry in e.objects(key, &name) {
                    e.unknown_keys(entry, MIGRATION_KEYS, "a migration");
                    if let Some(k) = doc.child(entry, "kind")
                        && !matches!(doc.scalar(k), Scalar::Str(s) if MIGRATION_KINDS.contains(&s))
                    {
                        e.at_value(
                            k,
                            format!(
                                "unknown migration kind: expected one of {}",
                                MIGRATION_KINDS.join(", ")
                            ),
                        );
                    }
                }
            }
            "sequence" => {
                if doc.kind(key) != NodeKind::Array {
                    e.at_value(
                        key,
                        "\"sequence\" must be an array of component names".into(),
                    );
                } else {
                    for &item in doc.children(key) {
                        if doc.kind(item) != NodeKind::Str {
                            e.at_value(item, "\"sequence\" entries must be strings".into());
                        }
                    }
                }
            }
            _ => e.at_key(key, unknown_message(&name, TOP_KEYS, "plan.json")),
        }
    }
    e.list
}

struct Errors<'a> {
    doc: &'a Document,
    list: Vec<PlanError>,
}

impl Errors<'_> {
    fn at_value(&mut self, node: NodeIdx, message: String) {
        self.list.push(PlanError {
            span: self.doc.span(node),
            message,
        });
    }

    /// Underlines the `"key"` of a member, where a misspelt key is written.
    fn at_key(&mut self, node: NodeIdx, message: String) {
        let span = key_span(self.doc, node).or_else(|| self.doc.span(node));
        self.list.push(PlanError { span, message });
    }

    /// The object entries of an array member, reporting anything else.
    fn objects(&mut self, key: NodeIdx, name: &str) -> Vec<NodeIdx> {
        if self.doc.kind(key) != NodeKind::Array {
            self.at_value(key, format!("\"{name}\" must be an array of objects"));
            return Vec::new();
        }
        let mut out = Vec::new();
        for &entry in self.doc.children(key) {
            if self.doc.kind(entry) == NodeKind::Object {
                out.push(entry);
            } else {
                self.at_value(entry, format!("entries of \"{name}\" must be objects"));
            }
        }
        out
    }

    fn unknown_keys(&mut self, entry: NodeIdx, allowed: &[&str], what: &str) {
        for &k in self.doc.children(entry) {
            let name = self.doc.name(k).map(|n| n.to_string()).unwrap_or_default();
            if !allowed.contains(&name.as_str()) {
                self.at_key(k, unknown_message(&name, allowed, what));
            }
        }
    }
}

/// The span of the `"key"` in front of a member's value: nodes carry the value's span.
fn key_span(doc: &Document, node: NodeIdx) -> Option<Span> {
    let value = doc.span(node)?;
    let before = doc.text().get(..value.start as usize)?.trim_end();
    let before = before.strip_suffix(':')?.trim_end();
    let close = before
        .len()
        .checked_sub(1)
        .filter(|_| before.ends_with('"'))?;
    let open = before[..close].rfind('"')?;
    Some(Span::new(value.file, open, close + 1))
}

/// A computer `plan.json` names that has no folder in the bundle.
#[derive(Clone, Debug)]
pub struct MissingComputer {
    /// The name as the plan writes it.
    pub name: String,
    pub span: Option<Span>,
    pub message: String,
    /// An upgrade's `new_server`, which may not be built yet; the others exist today.
    pub to_be_built: bool,
}

/// The computers `plan.json` names (an upgrade's `server` and `new_server`, a migration's
/// `source` and `destination`) that are not among `computers`, each once.
pub fn missing_computers(doc: &Document, computers: &[&str]) -> Vec<MissingComputer> {
    let mut out: Vec<MissingComputer> = Vec::new();
    let known = |name: &str| {
        computers
            .iter()
            .any(|c| crate::model::same_computer_name(c, name))
    };
    // A computer the plan names in its own right (a migration's source) is no typo of the
    // one it names beside it (the destination): only the others are suggested.
    let mut named: Vec<&str> = Vec::new();
    for (list, keys) in [
        ("upgrades", &["server", "new_server"][..]),
        ("migrations", &["source", "destination"][..]),
    ] {
        for &entry in doc
            .child(Document::ROOT, list)
            .map_or(&[][..], |l| doc.children(l))
        {
            for key in keys {
                if let Some(node) = doc.child(entry, key)
                    && let Scalar::Str(name) = doc.scalar(node)
                {
                    named.push(name);
                }
            }
        }
    }
    let suggestable: Vec<&str> = computers
        .iter()
        .copied()
        .filter(|c| !named.iter().any(|n| crate::model::same_computer_name(c, n)))
        .collect();
    for (list, keys) in [
        ("upgrades", &["server", "new_server"][..]),
        ("migrations", &["source", "destination"][..]),
    ] {
        let Some(entries) = doc.child(Document::ROOT, list) else {
            continue;
        };
        for &entry in doc.children(entries) {
            for key in keys {
                let Some(node) = doc.child(entry, key) else {
                    continue;
                };
                let Scalar::Str(name) = doc.scalar(node) else {
                    continue;
                };
                if name.trim().is_empty()
                    || known(name)
                    || out
                        .iter()
                        .any(|m| crate::model::same_computer_name(&m.name, name))
                {
                    continue;
                }
                let to_be_built = *key == "new_server";
                // A new server is usually named like the one it replaces (VMM02 for VMM01):
                // suggesting the old one for it would mislead.
                let hint = crate::util::closest(name, suggestable.iter().copied())
                    .filter(|_| !to_be_built)
                    .map(|c| format!(" (did you mean \"{c}\"?)"))
                    .unwrap_or_default();
                let what = if to_be_built {
                    "the new server of an upgrade"
                } else {
                    key
                };
                out.push(MissingComputer {
                    name: name.to_owned(),
                    span: doc.span(node),
                    message: format!(
                        "plan.json names `{name}` as {what}, but the bundle has no folder for that computer{hint}: nothing about it was checked, and each rule that needs it is not-evaluated; collect its exports into a folder named `{name}`, or fix the name"
                    ),
                    to_be_built,
                });
            }
        }
    }
    out
}

fn unknown_message(name: &str, allowed: &[&str], what: &str) -> String {
    let hint = crate::util::closest(name, allowed.iter().copied())
        .map(|c| format!(" (did you mean \"{c}\"?)"))
        .unwrap_or_default();
    format!(
        "unknown key \"{name}\" in {what}{hint}; allowed keys: {}",
        allowed.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use std::sync::Arc;

    fn errors(text: &str) -> Vec<String> {
        let doc = crate::parse::json::parse(FileId(0), Arc::from(text)).doc;
        validate(&doc).into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn a_missing_destination_is_not_taken_for_a_typo_of_its_source() {
        let text = r#"{"migrations":[{"kind":"hyper-v","source":"HV01","destination":"HV02"}],"upgrades":[{"product":"vmm","server":"VMM1"}]}"#;
        let doc = crate::parse::json::parse(FileId(0), Arc::from(text)).doc;
        let missing = missing_computers(&doc, &["HV01", "VMM01"]);
        let messages: Vec<&str> = missing.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(missing.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("did you mean \"VMM01\""),
            "{}",
            messages[0]
        );
        assert!(!messages[1].contains("did you mean"), "{}", messages[1]);
    }

    #[test]
    fn the_contract_example_is_valid() {
        let text = r#"{"upgrades":[{"product":"vmm","target":"2016","server":"VMM01","new_server":"VMM01","service_account":"CONTOSO\\svc-vmm"},{"product":"appv","target":"4.5"}],"migrations":[{"kind":"hyper-v","source":"HV01","destination":"HV02"}],"sequence":["orchestrator","vmm"]}"#;
        assert!(errors(text).is_empty(), "{:?}", errors(text));
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion() {
        let e = errors(r#"{"upgrades":[{"product":"vmm","targte":"2016"}]}"#);
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("did you mean \"target\""), "{e:?}");
        let e = errors(r#"{"upgrade":[]}"#);
        assert!(e[0].contains("did you mean \"upgrades\""), "{e:?}");
    }

    #[test]
    fn an_unknown_key_is_underlined_at_the_key() {
        let text = "{\"upgrades\": [{\"product\": \"vmm\", \"targte\" : \"2016\"}]}";
        let doc = crate::parse::json::parse(FileId(0), Arc::from(text)).doc;
        let errors = validate(&doc);
        let span = errors[0].span.expect("span");
        assert_eq!(&text[span.range()], "\"targte\"");
    }

    #[test]
    fn unknown_product_is_an_error() {
        assert_eq!(errors(r#"{"upgrades":[{"product":"scom"}]}"#).len(), 1);
    }
}
