//! Rule failures: one diagnostic per distinct failure, naming the subjects it happened on.

use std::collections::BTreeMap;

use super::output::Output;
use crate::finding::Outcome;
use crate::rules::{self, Rule, RuleProblem, RuleSet};
use crate::source::{SourceDb, Span};

/// (rule index, message, script, line, column): failures that read the same are one problem.
type FailureKey = (usize, String, String, Option<usize>, Option<usize>);

/// The span of `fn check(` (or `fn check_bundle(`) in a rule file.
fn entry_point(db: &SourceDb, rule: &Rule) -> Option<Span> {
    let text = db.text(rule.file)?;
    let at = text
        .text
        .find("fn check(")
        .or_else(|| text.text.find("fn check_bundle("))?;
    let end = text.text[at..].find(')').map_or(at + 8, |e| at + e + 1);
    Some(Span::new(rule.file, at, end))
}

/// One diagnostic per distinct rule failure, naming the subjects it happened on. A rule that hit
/// a resource limit anywhere is treated as broken everywhere, so the result does not depend on
/// which subjects a thread happened to evaluate first.
pub(super) fn summarize(out: &mut Output, rules: &RuleSet, db: &SourceDb) -> Vec<RuleProblem> {
    let broken: Vec<usize> = {
        let mut b: Vec<usize> = out
            .failures
            .iter()
            .filter(|f| f.error.limit)
            .map(|f| f.rule)
            .collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    for &ri in &broken {
        let id = &rules.rules[ri].meta.id;
        out.findings.retain(|f| *f.rule != **id);
        for o in out
            .outcomes
            .iter_mut()
            .filter(|o| *o.rule == **id && o.outcome != Outcome::Error)
        {
            o.outcome = Outcome::Error;
            o.reason = Some("the rule exceeded a resource limit on another subject, so none of its results are trusted".into());
        }
    }
    let mut grouped: BTreeMap<FailureKey, Vec<String>> = BTreeMap::new();
    for f in out.failures.drain(..) {
        grouped
            .entry((
                f.rule,
                f.error.message,
                f.error.source,
                f.error.pos.line(),
                f.error.pos.position(),
            ))
            .or_default()
            .push(f.subject);
    }
    grouped
        .into_iter()
        .map(|((ri, message, source, line, col), mut subjects)| {
            subjects.sort();
            let rule = &rules.rules[ri];
            let pos = match (line, col) {
                (Some(l), Some(c)) => rhai::Position::new(l as u16, c as u16),
                (Some(l), None) => rhai::Position::new(l as u16, 1),
                _ => rhai::Position::NONE,
            };
            let shown: Vec<&str> = subjects.iter().take(5).map(String::as_str).collect();
            let more = subjects.len().saturating_sub(shown.len());
            let mut note = format!(
                "failed on {} subject(s): {}",
                subjects.len(),
                shown.join(", ")
            );
            if more > 0 {
                note.push_str(&format!(" and {more} more"));
            }
            let mut notes = vec![note];
            notes.extend(rules::hint_for(&message));
            if broken.contains(&ri) {
                notes.push(
                    "a rule that exceeds a limit is reported as an error for every subject".into(),
                );
            }
            let span = if pos.is_none() {
                // Rhai gives no position for some limits (operations): show the entry point.
                notes.push(
                    "Rhai does not say where this happened; the rule's entry point is shown".into(),
                );
                entry_point(db, rule)
            } else {
                rules::span_of(db, &source, pos)
            };
            RuleProblem {
                rule: Some(rule.meta.id.clone()),
                span,
                message: format!("rule {} failed: {message}", rule.meta.id),
                notes,
            }
        })
        .collect()
}
