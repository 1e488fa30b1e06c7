//! Rule fixtures: small bundles that a rule must fire on (`fail`) or must not fire on (`pass`),
//! with the findings and outcomes they expect. Used by the test suite for the built-in rules
//! and meant for `uplint test` on custom rules (see `docs/rules.md`). This module finds and
//! runs cases and judges them; reporting the verdicts is [`crate::report::fixtures_human`]'s
//! and [`crate::report::junit`]'s.
//!
//! Layout, per rule id: `<root>/<ID>/<pass|fail>/<case>/bundle/…` and
//! `<root>/<ID>/<pass|fail>/<case>/expect.json`:
//!
//! ```json
//! { "outcomes": { "VMM01": "fail" },
//!   "findings": [ { "rule": "VMM015", "computer": "VMM01", "file": "VMM01/vmm-registry.reg",
//!                   "line": 14, "message": "VMMLibrary" } ] }
//! ```
//!
//! `outcomes` maps a computer name, or `"(bundle)"` for a `check_bundle` rule, to the outcome
//! the rule must produce for it. Every field of an expected finding except `rule` is optional; given ones must match (`file`
//! is the path inside the bundle, `line` is 1-based, `message` a substring). A case passes when
//! every expected finding is matched by exactly one actual finding, no other finding exists,
//! and every listed outcome is what the rule produced. So that a case cannot pass vacuously, a
//! `pass` case must name at least one subject whose outcome is `pass`, and a `fail` case must
//! expect at least one finding.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::{Finding, Outcome, Severity};
use crate::rules::{RuleFile, RuleSet};
use crate::source::SourceDb;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    #[serde(default)]
    pub outcomes: BTreeMap<String, String>,
    #[serde(default)]
    pub findings: Vec<ExpectedFinding>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    pub rule: String,
    pub computer: Option<String>,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub path: Option<String>,
    pub message: Option<String>,
    /// For rules whose findings do not all have the rule's severity.
    pub severity: Option<Severity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaseKind {
    Pass,
    Fail,
}

impl CaseKind {
    /// The folder name of cases of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Pass => "pass",
            CaseKind::Fail => "fail",
        }
    }
}

/// One fixture case found on disk.
#[derive(Debug)]
pub struct Case {
    pub rule: String,
    pub kind: CaseKind,
    pub name: String,
    pub dir: PathBuf,
}

/// The verdict on one case: empty `problems` means it passed.
#[derive(Debug)]
pub struct CaseResult {
    pub case: Case,
    pub problems: Vec<String>,
}

/// The outcome key for the bundle as a whole, for `check_bundle` rules.
pub const BUNDLE_SUBJECT: &str = "(bundle)";

fn subject_of(key: &str) -> Option<&str> {
    (key != BUNDLE_SUBJECT).then_some(key)
}

/// Lists the cases of one rule under a fixture root, sorted.
pub fn cases(root: &Path, rule: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for (kind, dir) in [(CaseKind::Pass, "pass"), (CaseKind::Fail, "fail")] {
        let Ok(entries) = std::fs::read_dir(root.join(rule).join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.push(Case {
                    rule: rule.to_owned(),
                    kind,
                    name: e.file_name().to_string_lossy().into_owned(),
                    dir: e.path(),
                });
            }
        }
    }
    out.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    out
}

/// Runs one case with only its rule enabled.
pub fn run_case(case: Case, rule_files: impl FnOnce() -> Vec<RuleFile>) -> CaseResult {
    let mut problems = Vec::new();
    let expect: Expectation = match std::fs::read(case.dir.join("expect.json"))
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(e) => e,
        Err(e) => {
            return CaseResult {
                case,
                problems: vec![format!("cannot read expect.json: {e}")],
            };
        }
    };
    match case.kind {
        CaseKind::Pass if !expect.findings.is_empty() => {
            problems.push("a pass case must expect no findings".into())
        }
        CaseKind::Pass if !expect.outcomes.values().any(|o| o == "pass") => problems
            .push("a pass case must name at least one subject whose outcome is \"pass\"".into()),
        CaseKind::Fail if expect.findings.is_empty() => {
            problems.push("a fail case must expect at least one finding".into())
        }
        _ => {}
    }
    let mut db = SourceDb::new();
    let mut set = RuleSet::load(rule_files(), &mut db);
    set.retain(|r| r.meta.id == case.rule);
    if set.rules.is_empty() {
        problems.push(format!("no rule {} is loaded", case.rule));
    }
    let result = crate::check::check(&[case.dir.join("bundle")], &set, &mut db);
    problems.extend(result.open_errors.iter().cloned());
    problems.extend(result.rule_problems.iter().map(|p| p.message.clone()));
    problems.extend(
        result
            .plan_errors
            .iter()
            .map(|p| format!("plan.json: {}", p.message)),
    );

    let line_of = |f: &Finding| f.location.map(|l| l.line);
    let mut unmatched: Vec<&Finding> = result.findings.iter().collect();
    for want in &expect.findings {
        let found = unmatched.iter().position(|f| {
            *f.rule == *want.rule
                && want
                    .computer
                    .as_ref()
                    .is_none_or(|c| f.computer.as_deref() == Some(c.as_str()))
                && want
                    .file
                    .as_ref()
                    .is_none_or(|p| f.file_in_bundle.as_deref() == Some(p.as_str()))
                && want.line.is_none_or(|l| line_of(f) == Some(l))
                && want
                    .path
                    .as_ref()
                    .is_none_or(|p| f.path.as_ref() == Some(p))
                && want
                    .message
                    .as_ref()
                    .is_none_or(|m| f.message.contains(m.as_str()))
                && want.severity.is_none_or(|s| f.severity == s)
        });
        match found {
            Some(i) => {
                unmatched.remove(i);
            }
            None => problems.push(format!("missing finding: {want:?}")),
        }
    }
    for f in unmatched {
        problems.push(format!(
            "unexpected finding: {} on {} at {}:{}: {}",
            f.rule,
            f.computer.as_deref().unwrap_or("bundle"),
            f.file_in_bundle.as_deref().unwrap_or("-"),
            line_of(f).map_or("-".into(), |l| l.to_string()),
            f.message
        ));
    }
    for (subject, want) in &expect.outcomes {
        let Some(want_outcome) = Outcome::parse(want) else {
            problems.push(format!("unknown outcome \"{want}\" for {subject}"));
            continue;
        };
        let got = result
            .outcomes
            .iter()
            .find(|o| *o.rule == *case.rule && o.subject.as_deref() == subject_of(subject));
        match got {
            Some(o) if o.outcome == want_outcome => {}
            Some(o) => problems.push(format!(
                "{subject}: outcome is {} ({}), expected {want}",
                o.outcome.as_str(),
                o.reason.as_deref().unwrap_or("no reason given")
            )),
            None => problems.push(format!("{subject}: the rule produced no outcome for it")),
        }
    }
    CaseResult { case, problems }
}

/// The cases of every rule to test, and rules that have none.
pub struct Plan {
    pub cases: Vec<Case>,
    /// Rules without a `pass` or a `fail` case: each is a failure of its own.
    pub missing: Vec<String>,
}

/// Finds the cases of `rules` under `root_of(rule)`; a rule needs at least one of each kind.
pub fn plan<'a>(
    rules: impl Iterator<Item = &'a crate::rules::Rule>,
    root_of: impl Fn(&crate::rules::Rule) -> std::path::PathBuf,
) -> Plan {
    let mut plan = Plan {
        cases: Vec::new(),
        missing: Vec::new(),
    };
    for rule in rules {
        let root = root_of(rule);
        let cases = cases(&root, &rule.meta.id);
        for (kind, dir) in [(CaseKind::Pass, "pass"), (CaseKind::Fail, "fail")] {
            if !cases.iter().any(|c| c.kind == kind) {
                plan.missing.push(format!(
                    "{}: no `{dir}` fixture (expected `{}/{}/{dir}/<case>/bundle/` with an expect.json beside it)",
                    rule.meta.id,
                    root.display(),
                    rule.meta.id
                ));
            }
        }
        plan.cases.extend(cases);
    }
    plan
}

/// What `uplint test` found: every case's verdict, and the rules that lack a kind of case.
pub struct TestRun {
    pub results: Vec<CaseResult>,
    /// Rules without a `pass` or a `fail` case: each is a failure of its own.
    pub missing: Vec<String>,
}

impl TestRun {
    /// Failed cases plus rules missing a kind of case.
    pub fn failures(&self) -> usize {
        self.results
            .iter()
            .filter(|r| !r.problems.is_empty())
            .count()
            + self.missing.len()
    }

    /// Cases run plus rules missing a kind of case: what reports count as tests.
    pub fn tests(&self) -> usize {
        self.results.len() + self.missing.len()
    }
}
