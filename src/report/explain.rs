//! The output of `uplint explain`: a rule's documentation as Markdown-like text, from its
//! header (summary, docs, remediation, references). A custom rule's header is shown escaped.
//! It does not find the rule; the caller does, and says when there is none.

use std::fmt::Write as _;

use super::{Reporter, escape};
use crate::rules::Rule;

/// The rule's page: title, metadata line, source, summary, docs, remediation, references.
pub struct Explain;

impl Reporter<Rule> for Explain {
    fn render(&self, rule: &Rule) -> Vec<u8> {
        let m = &rule.meta;
        let mut s = format!("# {} — {}\n\n", m.id, m.name);
        let _ = write!(
            s,
            "severity: {} · product: {} · status: {}",
            m.severity.as_str(),
            m.product,
            m.status
        );
        if !m.tags.is_empty() {
            let _ = write!(s, " · tags: {}", m.tags.join(", "));
        }
        let _ = write!(s, "\nsource: {}\n\n{}\n\n", rule.path, m.summary);
        if !m.docs.is_empty() {
            s.push_str(&m.docs);
            s.push_str("\n\n");
        }
        let _ = writeln!(s, "## Remediation\n{}", m.remediation);
        if !m.references.is_empty() {
            s.push_str("\n## References\n");
            for r in &m.references {
                let _ = writeln!(s, "- {r}");
            }
        }
        escape::terminal(&s).into_owned().into_bytes()
    }
}
