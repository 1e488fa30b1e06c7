//! Reports: everything uplint prints, formatted, one file per output format. Reporters only
//! format; each implements [`Reporter`] for the result it shows and renders it whole into a
//! byte buffer, so the caller writes it to stdout or atomically to a file
//! ([`write_atomically`]). Text from a bundle is made safe to print by [`escape`], and nowhere
//! else. This module does not run anything: the pipeline produces what reporters format.
//!
//! | result | reporters |
//! |---|---|
//! | `check` ([`ReportInput`]) | [`human::Human`], [`json::Json`] |
//! | `inspect` ([`inspect::Inspection`]) | [`inspect::Human`], [`inspect::Json`] |
//! | `rules` ([`RuleSet`]) | [`rules_list::Human`], [`rules_list::Json`] |
//! | `explain` ([`crate::rules::Rule`]) | [`explain::Explain`] |
//! | `test` ([`crate::fixtures::TestRun`]) | [`fixtures_human::Human`], [`junit::Junit`] |

pub mod diagnostic;
pub mod escape;
pub mod explain;
pub mod fixtures_human;
pub mod human;
pub mod inspect;
pub mod json;
pub mod junit;
pub mod rules_list;

use std::path::Path;

use crate::check::RunResult;
use crate::finding::{FailOn, Outcome, Severity};
use crate::rules::RuleSet;
use crate::source::SourceDb;

/// One output format of one kind of result (`Input`): renders all of it into bytes.
///
/// Rendering cannot fail: a reporter shows what it was given, escaped where needed; writing the
/// bytes, which can fail, is the caller's job.
pub trait Reporter<Input: ?Sized> {
    fn render(&self, input: &Input) -> Vec<u8>;
}

/// Everything a `check` reporter may use.
pub struct ReportInput<'a> {
    pub result: &'a RunResult,
    pub rules: &'a RuleSet,
    pub db: &'a SourceDb,
    pub fail_on: FailOn,
}

impl ReportInput<'_> {
    pub fn outcome_counts(&self) -> [(Outcome, usize); 5] {
        Outcome::ALL.map(|o| {
            (
                o,
                self.result
                    .outcomes
                    .iter()
                    .filter(|r| r.outcome == o)
                    .count(),
            )
        })
    }

    pub fn severity_count(&self, s: Severity) -> usize {
        self.result
            .findings
            .iter()
            .filter(|f| f.severity == s)
            .count()
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a reader
/// (a CI step, a dashboard) never sees half a report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.uplint-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
