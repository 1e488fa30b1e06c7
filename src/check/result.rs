//! What a check produces, as reporters see it: findings, outcomes, rule problems and what was
//! made of every input file, already sorted.

use crate::finding::{FailOn, Finding, OutcomeRecord, exit, host_ids};
use crate::plan::PlanError;
use crate::rules::RuleProblem;
use crate::source::FileId;

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

/// How a run is made, besides the rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep every computer's facts document (for `inspect`); costs memory on big estates.
    pub keep_facts: bool,
    /// What one bundle, and one rule on one subject, may cost.
    pub limits: crate::limits::Limits,
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
}

impl RunResult {
    /// Complete means every input was read, every computer the plan names was there, and
    /// every rule ran.
    pub fn complete(&self) -> bool {
        self.open_errors.is_empty()
            && self.rule_problems.is_empty()
            && self.incomplete_because().is_empty()
    }

    /// The host findings present that make the run incomplete, in [`INCOMPLETE`] order.
    pub fn incomplete_because(&self) -> Vec<&'static str> {
        INCOMPLETE
            .iter()
            .copied()
            .filter(|id| self.findings.iter().any(|f| &*f.rule == *id))
            .collect()
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

/// Host findings that mean part of the estate was not checked: a file not read, an entry
/// skipped, no computer at all, no export at all, a computer the plan names missing.
pub const INCOMPLETE: [&str; 5] = [
    host_ids::INPUT_ERROR,
    host_ids::SKIPPED_ENTRY,
    host_ids::NO_COMPUTERS,
    host_ids::NO_EXPORTS,
    host_ids::PLAN_COMPUTER_MISSING,
];
