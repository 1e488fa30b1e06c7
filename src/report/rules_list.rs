//! The output of `uplint rules`: one line per selected rule, or a JSON array of their headers.
//! Custom rules' headers are someone else's text, so they are shown escaped like a bundle's.
//! It does not load or select rules; the caller does.

use std::fmt::Write as _;

use super::{Reporter, escape, json};
use crate::rules::RuleSet;

/// A table: id, severity, product, status, name.
pub struct Human;

impl Reporter<RuleSet> for Human {
    fn render(&self, set: &RuleSet) -> Vec<u8> {
        let mut s = format!(
            "{:<8} {:<8} {:<8} {:<10} {}\n",
            "ID", "SEVERITY", "PRODUCT", "STATUS", "NAME"
        );
        for r in &set.rules {
            let _ = writeln!(
                s,
                "{:<8} {:<8} {:<8} {:<10} {}",
                r.meta.id,
                r.meta.severity.as_str(),
                r.meta.product,
                r.meta.status,
                r.meta.name
            );
        }
        escape::terminal(&s).into_owned().into_bytes()
    }
}

/// Each rule's header fields and where it comes from.
pub struct Json;

impl Reporter<RuleSet> for Json {
    fn render(&self, set: &RuleSet) -> Vec<u8> {
        let list: Vec<_> = set
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.meta.id, "name": r.meta.name, "severity": r.meta.severity,
                    "product": r.meta.product, "status": r.meta.status, "summary": r.meta.summary,
                    "tags": r.meta.tags, "source": if r.builtin { "built-in".to_owned() } else { r.path.clone() },
                })
            })
            .collect();
        json::pretty(&list)
    }
}
