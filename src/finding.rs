//! Findings and outcomes: what a run produces, before any report formats it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::{Location, Span};

/// How much a finding matters for the upgrade (CONTRACT §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The level at or above which findings make the run fail (`--fail-on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// Every level, in the order help texts list them.
    pub const ALL: [FailOn; 4] = [FailOn::Error, FailOn::Warning, FailOn::Info, FailOn::Never];

    /// The spelling used by `--fail-on`, `uplint.toml` and the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<FailOn> {
        FailOn::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// Exit codes of CONTRACT §2, decided in this one place.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const TOOL_ERROR: u8 = 2;
}

/// Ids of findings the host itself raises about inputs, next to the rules' ids.
pub mod host_ids {
    /// An input file that could not be (fully) parsed.
    pub const INPUT_ERROR: &str = "input-error";
    /// A file no format recognized.
    pub const UNRECOGNIZED_FILE: &str = "unrecognized-file";
    /// A bundle with no computer folder: nothing in it can be checked.
    pub const NO_COMPUTERS: &str = "no-computers";
    /// A folder none of whose files is an export: not a bundle (a source checkout, a home
    /// folder).
    pub const NO_EXPORTS: &str = "no-exports";
    /// plan.json names a computer that has no folder in the bundle.
    pub const PLAN_COMPUTER_MISSING: &str = "plan-computer-missing";
    /// Two exports of one computer give different values for the same fact.
    pub const FACT_CONFLICT: &str = "fact-conflict";
    /// A recognized file with a part uplint cannot read (a localized text output).
    pub const NOT_UNDERSTOOD: &str = "not-understood";
    /// A file or folder that was not read (links, unreadable entries).
    pub const SKIPPED_ENTRY: &str = "skipped-entry";
}

/// One problem found in the estate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Arc<str>,
    pub severity: Severity,
    pub message: String,
    /// The computer the finding is about; `None` for the bundle as a whole.
    pub computer: Option<Arc<str>>,
    /// The bundle's display name (several bundles may be checked in one run).
    pub bundle: Arc<str>,
    /// Where the offending value is, for rendering; `None` when the problem is an absence.
    pub span: Option<Span>,
    /// Line, column and original byte range of `span`.
    pub location: Option<Location>,
    /// The file's path inside the bundle (`VMM01/vmm-registry.reg`).
    pub file_in_bundle: Option<Arc<str>>,
    /// The structural path of the value (`HKEY_LOCAL_MACHINE\...\LibraryShareName`).
    pub path: Option<String>,
    /// The offending value as read.
    pub actual: Option<String>,
    pub fingerprint: u64,
}

impl Finding {
    /// Fingerprints identify "the same problem" across re-collections of the same estate: rule,
    /// bundle-relative subject and structural path, never file names or line numbers (files are
    /// recognized by content, so their names may change between collections).
    pub fn compute_fingerprint(
        rule: &str,
        computer: Option<&str>,
        path: Option<&str>,
        message: &str,
    ) -> u64 {
        // Without a structural path the message is the only thing that tells findings apart.
        let what = path.unwrap_or(message);
        crate::util::fnv1a(&[rule, computer.unwrap_or(""), what])
    }

    pub fn fingerprint_hex(&self) -> String {
        format!("{:016x}", self.fingerprint)
    }
}

/// The result of one rule for one subject (CONTRACT §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable,
    NotEvaluated,
    Error,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::NotApplicable,
        Outcome::NotEvaluated,
        Outcome::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not-applicable",
            Outcome::NotEvaluated => "not-evaluated",
            Outcome::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// The outcome of one rule for one subject, with why it was not a plain pass or fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub rule: Arc<str>,
    pub bundle: Arc<str>,
    /// Computer name, or `None` for a bundle-level rule.
    pub subject: Option<Arc<str>>,
    pub outcome: Outcome,
    /// Why the rule did not apply or could not run.
    pub reason: Option<String>,
    /// For `not-evaluated`: the command that would produce the missing export.
    pub command: Option<String>,
}
