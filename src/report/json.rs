//! The JSON report, schema version 1, specified in `docs/json-report.md`.
//!
//! The shape is a contract: fields are only ever added within a schema version; renaming or
//! removing one bumps `version`. Positions are given twice: `line`/`column` (1-based, columns
//! in characters) for people, and `byte_offset`/`byte_length` into the file **as it is on
//! disk** (after decoding UTF-16 or stripping a BOM, mapped back), for tools. Strings hold
//! the bundle's text as it is; control characters in it are JSON escapes (see
//! [`super::escape::json`]), never raw bytes.

use serde::Serialize;

use super::{ReportInput, Reporter, escape};
use crate::finding::{Finding, Outcome, Severity};
use crate::source::{SourceDb, Span};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Report<'a> {
    pub version: u32,
    pub tool: Tool,
    /// Every input was read and every rule ran.
    pub complete: bool,
    pub fail_on: &'static str,
    pub exit_code: u8,
    pub summary: Summary,
    pub findings: Vec<JsonFinding<'a>>,
    pub outcomes: Vec<JsonOutcome<'a>>,
    pub rule_errors: Vec<Problem>,
    pub plan_errors: Vec<Problem>,
    pub bundle_errors: &'a [String],
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub computers: usize,
    pub rules: usize,
    pub evaluations: u64,
    pub findings: SeverityCounts,
    pub outcomes: std::collections::BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
pub struct SeverityCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

/// Where something is in a file: its path as shown to users, then line, column and the byte
/// range in the file as it is on disk.
#[derive(Serialize)]
pub struct Location {
    pub file: String,
    #[serde(flatten)]
    pub at: crate::source::Location,
}

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub bundle: &'a str,
    pub computer: Option<&'a str>,
    /// Path of the file inside its bundle (`VMM01/vmm-registry.reg`).
    pub file_in_bundle: Option<&'a str>,
    pub location: Option<Location>,
    /// Structural path of the value (`HKEY_LOCAL_MACHINE\...\LibraryShareName`).
    pub path: Option<&'a str>,
    pub actual: Option<&'a str>,
    pub remediation: Option<&'a str>,
    pub references: &'a [String],
    pub fingerprint: String,
}

#[derive(Serialize)]
pub struct JsonOutcome<'a> {
    pub rule: &'a str,
    pub bundle: &'a str,
    /// The computer, or `null` for a bundle-level rule.
    pub subject: Option<&'a str>,
    pub outcome: Outcome,
    pub reason: Option<&'a str>,
    /// For `not-evaluated`: the command that produces the missing export.
    pub command: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Problem {
    pub rule: Option<String>,
    pub message: String,
    pub location: Option<Location>,
    pub notes: Vec<String>,
}

pub fn location(db: &SourceDb, span: Span) -> Option<Location> {
    let text = db.text(span.file)?;
    let at = text.location(span.start as usize, span.end as usize);
    Some(Location {
        file: db.name(span.file).to_owned(),
        at,
    })
}

fn finding<'a>(input: &'a ReportInput, f: &'a Finding) -> JsonFinding<'a> {
    let rule = input.rules.get(&f.rule);
    JsonFinding {
        rule: &f.rule,
        severity: f.severity,
        message: &f.message,
        bundle: &f.bundle,
        computer: f.computer.as_deref(),
        file_in_bundle: f.file_in_bundle.as_deref(),
        location: f.span.zip(f.location).map(|(s, at)| Location {
            file: input.db.name(s.file).to_owned(),
            at,
        }),
        path: f.path.as_deref(),
        actual: f.actual.as_deref(),
        remediation: rule.map(|r| r.meta.remediation.as_str()),
        references: rule.map_or(&[], |r| r.meta.references.as_slice()),
        fingerprint: f.fingerprint_hex(),
    }
}

pub fn build<'a>(input: &'a ReportInput) -> Report<'a> {
    let r = input.result;
    let problem =
        |rule: Option<String>, message: &str, span: Option<Span>, notes: &[String]| Problem {
            rule,
            message: message.to_owned(),
            location: span.and_then(|s| location(input.db, s)),
            notes: notes.to_vec(),
        };
    Report {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "uplint",
            version: env!("CARGO_PKG_VERSION"),
        },
        complete: r.complete(),
        fail_on: input.fail_on.as_str(),
        exit_code: r.exit_code(input.fail_on),
        summary: Summary {
            files: r.files.len(),
            computers: r.computers,
            rules: input.rules.rules.len(),
            evaluations: r.evaluations,
            findings: SeverityCounts {
                error: input.severity_count(Severity::Error),
                warning: input.severity_count(Severity::Warning),
                info: input.severity_count(Severity::Info),
            },
            outcomes: input
                .outcome_counts()
                .iter()
                .map(|(o, n)| (o.as_str(), *n))
                .collect(),
        },
        findings: r.findings.iter().map(|f| finding(input, f)).collect(),
        outcomes: r
            .outcomes
            .iter()
            .map(|o| JsonOutcome {
                rule: &o.rule,
                bundle: &o.bundle,
                subject: o.subject.as_deref(),
                outcome: o.outcome,
                reason: o.reason.as_deref(),
                command: o.command.as_deref(),
            })
            .collect(),
        rule_errors: r
            .rule_problems
            .iter()
            .map(|p| problem(p.rule.clone(), &p.message, p.span, &p.notes))
            .collect(),
        plan_errors: r
            .plan_errors
            .iter()
            .map(|p| problem(None, &p.message, p.span, &[]))
            .collect(),
        bundle_errors: &r.open_errors,
    }
}

/// The JSON report of `check`.
pub struct Json;

impl Reporter<ReportInput<'_>> for Json {
    fn render(&self, input: &ReportInput) -> Vec<u8> {
        pretty(&build(input))
    }
}

/// `value` as pretty JSON and a final line feed, safe to print: the form of every JSON output.
pub fn pretty(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_else(|e| {
        serde_json::json!({ "error": e.to_string() })
            .to_string()
            .into_bytes()
    });
    bytes.push(b'\n');
    escape::json(bytes)
}
