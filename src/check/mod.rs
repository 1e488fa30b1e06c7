//! The check pipeline: the one place that runs a check, from bundles to sorted results.
//!
//! bundle → decode and parse ([`load`]) → facts and per-computer rules ([`computer`]) →
//! bundle-level rules ([`evaluate`]) → findings and outcomes, sorted here. The stages it calls
//! own their craft (`bundle` lists files, `parse` reads formats, `facts` derives facts,
//! `rules` compiles and calls rule scripts); this module decides what runs on what and
//! collects the results. Reporters only ever see a finished [`RunResult`].
//!
//! Work is split by computer: one rayon task reads, decodes and parses a computer's exports,
//! derives its facts, runs every per-computer rule on it, turns the reports into findings and
//! then drops the parsed documents. Peak memory is therefore a few computers' documents plus
//! the findings, not the whole estate; the text of a file is kept only if a finding points into
//! it (to render it). Bundle-level rules run afterwards on the facts of every computer.
//! Results are sorted before anything is reported, so output does not depend on the number of
//! threads.

mod bundle_run;
mod computer;
mod evaluate;
mod failures;
mod load;
mod output;

use crate::finding::{FailOn, Finding, OutcomeRecord, exit, host_ids};
use crate::plan::PlanError;
use crate::rules::{RuleProblem, RuleSet};
use crate::source::{FileId, SourceDb, Span};
use output::Output;

/// What was made of one input file (for `inspect` and the summary).
#[derive(Clone, Debug)]
pub struct FileReport {
    pub file: FileId,
    pub bundle: String,
    pub rel: String,
    pub computer: Option<String>,
    pub format: Option<&'static str>,
    pub encoding: Option<&'static str>,
    pub input_errors: usize,
    /// `(fact key, value)` pairs this file supplied.
    pub facts: Vec<(String, String)>,
}

/// Everything a check run produced, sorted.
#[derive(Debug, Default)]
pub struct RunResult {
    pub findings: Vec<Finding>,
    pub outcomes: Vec<OutcomeRecord>,
    /// Rules that failed to load or raised errors: each makes the exit code 2.
    pub rule_problems: Vec<RuleProblem>,
    pub plan_errors: Vec<PlanError>,
    /// Bundles that could not be opened at all.
    pub open_errors: Vec<String>,
    pub files: Vec<FileReport>,
    pub computers: usize,
    /// Rule evaluations performed (rule × subject).
    pub evaluations: u64,
    /// With [`Options::keep_facts`]: each computer's facts as rules see them, by bundle and
    /// computer.
    pub facts: Vec<(String, String, serde_json::Value)>,
}

/// What a run keeps besides findings and outcomes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep every computer's facts document (for `inspect`); costs memory on big estates.
    pub keep_facts: bool,
}

impl RunResult {
    /// Complete means every input was read and every rule ran.
    pub fn complete(&self) -> bool {
        self.open_errors.is_empty()
            && self.rule_problems.is_empty()
            && !self.findings.iter().any(|f| {
                [
                    host_ids::INPUT_ERROR,
                    host_ids::SKIPPED_ENTRY,
                    host_ids::NO_COMPUTERS,
                ]
                .contains(&&*f.rule)
            })
    }

    /// What a run exits with: 2 when uplint could not do what was asked (a rule failed, the plan or
    /// a bundle is unusable), 1 when a finding reached `fail_on` or the run was incomplete, else 0.
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        if !self.rule_problems.is_empty()
            || !self.plan_errors.is_empty()
            || !self.open_errors.is_empty()
        {
            return exit::TOOL_ERROR;
        }
        let failing = fail_on
            .threshold()
            .is_some_and(|t| self.findings.iter().any(|f| f.severity >= t));
        if failing || !self.complete() {
            exit::FINDINGS
        } else {
            exit::OK
        }
    }
}

/// Checks bundles with the rule set; `db` receives every file for rendering.
pub fn check(paths: &[std::path::PathBuf], rules: &RuleSet, db: &mut SourceDb) -> RunResult {
    check_with(paths, rules, db, Options::default())
}

/// [`check`] with [`Options`].
pub fn check_with(
    paths: &[std::path::PathBuf],
    rules: &RuleSet,
    db: &mut SourceDb,
    options: Options,
) -> RunResult {
    let mut result = RunResult::default();
    let mut all = Output::default();
    let started = std::time::Instant::now();
    let phase = |what: &str| {
        crate::log::debug(&format!("{:>8.3}s {what}", started.elapsed().as_secs_f64()))
    };
    for path in paths {
        phase(&format!("listing {}", path.display()));
        let bundle = match crate::bundle::discover(path) {
            Ok(b) => b,
            Err(e) => {
                result.open_errors.push(e.to_string());
                continue;
            }
        };
        let first_file = db.len() as u32;
        for f in &bundle.files {
            db.add(bundle.display_path(&f.rel), None);
        }
        phase(&format!(
            "checking {} file(s) of {} computer(s)",
            bundle.files.len(),
            bundle.computers.len()
        ));
        let (output, plan_errors) =
            bundle_run::check_bundle(&bundle, first_file, rules, db, options);
        result.plan_errors.extend(plan_errors);
        result.computers += bundle.computers.len();
        all.merge(output);
    }
    phase(&format!("sorting {} finding(s)", all.findings.len()));
    for (i, snippet) in all.snippets.drain(..) {
        if let Some(f) = all.findings.get_mut(i)
            && let Some(span) = f.span
        {
            let id = db.add(db.name(span.file).to_owned(), Some(snippet.text.clone()));
            f.span = Some(Span::new(id, snippet.start, snippet.end));
            f.location = Some(snippet.location);
        }
    }
    // Spans into files the main thread kept whole (plan.json, rule data).
    for f in &mut all.findings {
        if f.location.is_none()
            && let Some(span) = f.span
            && let Some(text) = db.text(span.file)
        {
            f.location = Some(text.location(span.start as usize, span.end as usize));
        }
    }
    result.rule_problems = failures::summarize(&mut all, rules, db);
    result.rule_problems.extend(rules.problems.iter().cloned());
    sort_findings(&mut all.findings, db);
    all.outcomes
        .sort_by(|a, b| (&a.bundle, &a.rule, &a.subject).cmp(&(&b.bundle, &b.rule, &b.subject)));
    all.files.sort_by_key(|f| f.file);
    phase("done");
    result.findings = all.findings;
    result.outcomes = all.outcomes;
    result.files = all.files;
    result.evaluations = all.evaluations;
    all.facts.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    result.facts = all.facts;
    result
}

/// Deterministic order: file, position, rule, then message; findings without a position last.
pub fn sort_findings(findings: &mut [Finding], db: &SourceDb) {
    fn key<'a>(f: &'a Finding, db: &'a SourceDb) -> impl Ord + 'a {
        (
            &f.bundle,
            f.span.is_none(),
            f.span.map(|s| db.name(s.file)).unwrap_or_default(),
            f.location.map(|l| (l.line, l.column)),
            &f.computer,
            &f.rule,
            f.message.as_str(),
        )
    }
    findings.sort_by(|a, b| key(a, db).cmp(&key(b, db)));
}
