//! The terminal report: one codespan diagnostic per finding, underlining the offending value in
//! its file, then problems with rules or the plan, then a summary that tells "clean" from
//! "could not check".

use std::fmt::Write as _;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term::{self, termcolor};

use super::ReportInput;
use crate::finding::{FailOn, Finding, Outcome, Severity, exit, host_ids};
use crate::source::FileId;

/// The one rendering configuration, shared by the CLI and the tests.
pub fn codespan_config() -> term::Config {
    term::Config::default()
}

/// Renders the report; `color` adds ANSI colours (only for terminals).
pub fn render(input: &ReportInput, color: bool) -> Vec<u8> {
    let mut out = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = codespan_config();
    for diag in diagnostics(input) {
        if term::emit_to_write_style(&mut out, &config, input.db, &diag).is_err() {
            // The file's text is gone (dropped or unreadable): show the diagnostic without it.
            let bare = Diagnostic {
                labels: Vec::new(),
                ..diag
            };
            let _ = term::emit_to_write_style(&mut out, &config, input.db, &bare);
        }
    }
    let mut bytes = out.into_inner();
    bytes.extend_from_slice(summary(input).as_bytes());
    bytes
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
    let verdict = if !r.rule_problems.is_empty()
        || !r.plan_errors.is_empty()
        || !r.open_errors.is_empty()
    {
        "uplint could not do everything asked (see the errors above): exit 2"
    } else if !r.complete() {
        "the run is INCOMPLETE: not everything was read (see the input-error, skipped-entry or no-computers findings above)"
    } else if input.fail_on == FailOn::Never || r.exit_code(input.fail_on) == exit::OK {
        "the run is complete"
    } else {
        "the run is complete; findings at or above --fail-on make it fail"
    };
    let _ = writeln!(s, "{verdict}");
    s
}
