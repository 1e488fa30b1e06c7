//! The terminal report of `check`: one codespan diagnostic per finding, underlining the
//! offending value in its file, then problems with rules or the plan, then a summary that tells
//! "clean" from "could not check". Also the same diagnostics alone, for the rule and settings
//! errors other commands print on stderr. Diagnostics are emitted by [`super::diagnostic`],
//! which escapes what they quote; the summary goes through [`super::escape`].

use std::fmt::Write as _;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};

use super::{ReportInput, Reporter, diagnostic, escape};
use crate::finding::{FailOn, Finding, Outcome, Severity, exit, host_ids};
use crate::rules::RuleSet;
use crate::source::{FileId, SourceDb};

/// The human report; `color` adds ANSI colours (only for terminals).
pub struct Human {
    pub color: bool,
}

impl Reporter<ReportInput<'_>> for Human {
    fn render(&self, input: &ReportInput) -> Vec<u8> {
        let mut bytes = diagnostic::render(input.db, &diagnostics(input), self.color);
        bytes.extend_from_slice(escape::terminal(&summary(input)).as_bytes());
        bytes
    }
}

/// The problems of loading rules (for `uplint rules` and `uplint test`, on stderr).
pub fn rule_problems(set: &RuleSet, db: &SourceDb) -> Vec<u8> {
    let result = crate::check::RunResult {
        rule_problems: set.problems.clone(),
        ..Default::default()
    };
    let input = ReportInput {
        result: &result,
        rules: set,
        db,
        fail_on: FailOn::Error,
    };
    diagnostic::render(db, &diagnostics(&input), false)
}

/// Problems in `uplint.toml`, shown like every other diagnostic (on stderr).
pub fn config_errors(db: &SourceDb, errors: &[crate::config::ConfigError]) -> Vec<u8> {
    let diags: Vec<Diagnostic<FileId>> = errors
        .iter()
        .map(|e| {
            let d = Diagnostic::error()
                .with_code("config-error")
                .with_message(&e.message);
            match e.span {
                Some(span) => d.with_labels(vec![Label::primary(span.file, span.range())]),
                None => d,
            }
        })
        .collect();
    diagnostic::render(db, &diags, false)
}

/// Every diagnostic of the report, in report order.
pub fn diagnostics(input: &ReportInput) -> Vec<Diagnostic<FileId>> {
    let mut out = Vec::new();
    for e in &input.result.open_errors {
        out.push(
            Diagnostic::error()
                .with_code("bundle-error")
                .with_message(e),
        );
    }
    for p in &input.result.plan_errors {
        let mut d = Diagnostic::error()
            .with_code("plan-error")
            .with_message(&p.message);
        if let Some(span) = p.span {
            d = d.with_labels(vec![Label::primary(span.file, span.range())]);
        }
        out.push(d);
    }
    for p in &input.result.rule_problems {
        let mut d = Diagnostic::error()
            .with_code("rule-error")
            .with_message(&p.message)
            .with_notes(p.notes.clone());
        if let Some(span) = p.span {
            d = d.with_labels(vec![Label::primary(span.file, span.range())]);
        }
        out.push(d);
    }
    out.extend(input.result.findings.iter().map(|f| finding(input, f)));
    out
}

fn finding(input: &ReportInput, f: &Finding) -> Diagnostic<FileId> {
    let severity = match f.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    };
    let mut d = Diagnostic::new(severity)
        .with_code(&f.rule)
        .with_message(&f.message);
    if let Some(span) = f.span {
        let label = Label::primary(span.file, span.range());
        d = d.with_labels(vec![match &f.path {
            Some(path) => label.with_message(path),
            None => label,
        }]);
    }
    let mut notes = Vec::new();
    match &f.computer {
        Some(c) => notes.push(format!("computer: {c}")),
        None => notes.push(format!("bundle: {}", f.bundle)),
    }
    if f.span.is_none()
        && let Some(path) = &f.path
    {
        notes.push(format!("at: {path}"));
    }
    if let Some(rule) = input.rules.get(&f.rule) {
        notes.push(format!("fix: {}", rule.meta.remediation));
    } else if &*f.rule == host_ids::INPUT_ERROR {
        notes.push("fix: re-export the file; the rest of the bundle was still checked, but this run is incomplete".into());
    }
    d.with_notes(notes)
}

fn summary(input: &ReportInput) -> String {
    let r = input.result;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nuplint: {} finding(s): {} error, {} warning, {} info; {} file(s) from {} computer(s), {} rule(s)",
        r.findings.len(),
        input.severity_count(Severity::Error),
        input.severity_count(Severity::Warning),
        input.severity_count(Severity::Info),
        r.files.len(),
        r.computers,
        input.rules.rules.len(),
    );
    let counts: Vec<String> = input
        .outcome_counts()
        .iter()
        .map(|(o, n)| format!("{n} {}", o.as_str()))
        .collect();
    let _ = writeln!(s, "outcomes: {}", counts.join(", "));
    let not_evaluated: Vec<_> = r
        .outcomes
        .iter()
        .filter(|o| o.outcome == Outcome::NotEvaluated)
        .collect();
    if !not_evaluated.is_empty() {
        let _ = writeln!(s, "not evaluated (collect these to check more):");
        for o in not_evaluated {
            let subject = o.subject.as_deref().unwrap_or("bundle");
            let _ = writeln!(
                s,
                "  {} on {}: {}",
                o.rule,
                subject,
                o.reason.as_deref().unwrap_or("")
            );
            if let Some(cmd) = &o.command {
                let _ = writeln!(s, "      to check it: {cmd}");
            }
        }
    }
    let verdict =
        if !r.rule_problems.is_empty() || !r.plan_errors.is_empty() || !r.open_errors.is_empty() {
            "uplint could not do everything asked (see the errors above): exit 2"
        } else if !r.complete() {
            &format!(
                "the run is INCOMPLETE: not everything was checked (see the {} findings above)",
                r.incomplete_because().join(", ")
            )
        } else if input.fail_on == FailOn::Never || r.exit_code(input.fail_on) == exit::OK {
            "the run is complete"
        } else {
            "the run is complete; findings at or above --fail-on make it fail"
        };
    let _ = writeln!(s, "{verdict}");
    s
}
