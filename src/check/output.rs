//! What a piece of a check produces (findings, outcomes, failures, file reports), merged
//! from the parallel workers into one before it is sorted.

use std::sync::Arc;

use super::result::FileReport;
use crate::finding::{Finding, OutcomeRecord};
use crate::rules::invoke::RuleError;
use crate::source::{Snippet, Span};

#[derive(Default)]
pub(super) struct Output {
    pub findings: Vec<Finding>,
    pub outcomes: Vec<OutcomeRecord>,
    pub failures: Vec<RuleFailure>,
    /// Per finding (by index in `findings`) the lines it points at, with the span moved into
    /// them; registered in the source db once the parallel part is over.
    pub snippets: Vec<(usize, Arc<Snippet>)>,
    pub files: Vec<FileReport>,
    pub evaluations: u64,
    pub facts: Vec<(String, String, serde_json::Value)>,
}

impl Output {
    /// Keeps the findings `keep` accepts, with the snippets of those kept.
    pub fn retain_findings(&mut self, keep: impl Fn(&Finding) -> bool) {
        let kept: Vec<bool> = self.findings.iter().map(&keep).collect();
        // The new index of each kept finding, for the snippets that refer to them by index.
        let mut new_index = Vec::with_capacity(kept.len());
        let mut next = 0;
        for &k in &kept {
            new_index.push(next);
            next += usize::from(k);
        }
        let mut i = 0;
        self.findings.retain(|_| {
            i += 1;
            kept[i - 1]
        });
        self.snippets.retain_mut(|(at, _)| match kept.get(*at) {
            Some(true) => {
                *at = new_index[*at];
                true
            }
            _ => false,
        });
    }

    pub fn merge(&mut self, other: Output) {
        let shift = self.findings.len();
        self.findings.extend(other.findings);
        self.outcomes.extend(other.outcomes);
        self.failures.extend(other.failures);
        self.snippets.extend(
            other
                .snippets
                .into_iter()
                .map(|(i, snippet)| (i + shift, snippet)),
        );
        self.files.extend(other.files);
        self.evaluations += other.evaluations;
        self.facts.extend(other.facts);
    }
}

/// A worker's own copies of the names every finding of a bundle carries.
pub(super) struct LocalNames {
    pub rules: Vec<Arc<str>>,
    pub bundle: Arc<str>,
}

/// Where a finding is and what it saw; all optional.
#[derive(Default)]
pub(super) struct At {
    pub span: Option<Span>,
    pub path: Option<String>,
    pub actual: Option<String>,
}

/// A rule that raised an error on a subject.
pub(super) struct RuleFailure {
    /// Index of the rule in the rule set.
    pub rule: usize,
    pub subject: String,
    pub error: RuleError,
}
