//! `plan.json`: what the user intends to do (CONTRACT §4). Validated key by key, with a span on
//! every problem: an unknown key is an error, never ignored, because a typo such as `targte`
//! would otherwise silently turn every upgrade rule into "not applicable".

use crate::model::{Document, NodeIdx, NodeKind};
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
    let mut errors = Vec::new();
    let mut err = |node: NodeIdx, message: String| {
        errors.push(PlanError {
            span: doc.span(node),
            message,
        })
    };
    if doc.kind(Document::ROOT) != NodeKind::Object {
        err(Document::ROOT, "plan.json must be a JSON object".into());
        return errors;
    }
    for &key in doc.children(Document::ROOT) {
        let name = doc.name(key).map(|n| n.to_string()).unwrap_or_default();
        match name.as_str() {
            "upgrades" => each_object(doc, key, &name, &mut err, |entry, err| {
                unknown_keys(doc, entry, UPGRADE_KEYS, "an upgrade", err);
                match doc.child(entry, "product") {
                    None => err(
                        entry,
                        "an upgrade needs a \"product\" (vmm, appv or sms)".into(),
                    ),
                    Some(p) => match doc.scalar(p) {
                        crate::model::Scalar::Str(s) if PRODUCTS.contains(&s) => {}
                        other => err(
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
                    err(t, "\"target\" must be a release name (\"2016\", \"4.5 SP2\") or a build number".into());
                }
                for k in ["server", "new_server", "service_account"] {
                    if let Some(v) = doc.child(entry, k)
                        && doc.kind(v) != NodeKind::Str
                    {
                        err(v, format!("\"{k}\" must be a string"));
                    }
                }
            }),
            "migrations" => each_object(doc, key, &name, &mut err, |entry, err| {
                unknown_keys(doc, entry, MIGRATION_KEYS, "a migration", err);
                if let Some(k) = doc.child(entry, "kind")
                    && !matches!(doc.scalar(k), crate::model::Scalar::Str(s) if MIGRATION_KINDS.contains(&s))
                {
                    err(
                        k,
                        format!(
                            "unknown migration kind: expected one of {}",
                            MIGRATION_KINDS.join(", ")
                        ),
                    );
                }
            }),
            "sequence" => {
                if doc.kind(key) != NodeKind::Array {
                    err(
                        key,
                        "\"sequence\" must be an array of component names".into(),
                    );
                } else {
                    for &item in doc.children(key) {
                        if doc.kind(item) != NodeKind::Str {
                            err(item, "\"sequence\" entries must be strings".into());
                        }
                    }
                }
            }
            _ => err(key, unknown_message(&name, TOP_KEYS, "plan.json")),
        }
    }
    errors
}

fn each_object(
    doc: &Document,
    key: NodeIdx,
    name: &str,
    err: &mut impl FnMut(NodeIdx, String),
    mut check: impl FnMut(NodeIdx, &mut dyn FnMut(NodeIdx, String)),
) {
    if doc.kind(key) != NodeKind::Array {
        err(key, format!("\"{name}\" must be an array of objects"));
        return;
    }
    for &entry in doc.children(key) {
        if doc.kind(entry) != NodeKind::Object {
            err(entry, format!("entries of \"{name}\" must be objects"));
            continue;
        }
        check(entry, err);
    }
}

fn unknown_keys(
    doc: &Document,
    entry: NodeIdx,
    allowed: &[&str],
    what: &str,
    err: &mut dyn FnMut(NodeIdx, String),
) {
    for &k in doc.children(entry) {
        let name = doc.name(k).map(|n| n.to_string()).unwrap_or_default();
        if !allowed.contains(&name.as_str()) {
            err(k, unknown_message(&name, allowed, what));
        }
    }
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
    fn unknown_product_is_an_error() {
        assert_eq!(errors(r#"{"upgrades":[{"product":"scom"}]}"#).len(), 1);
    }
}
