//! Reports: the sorted results of a run, formatted. Reporters only format; they render into a
//! byte buffer so the caller can write it to stdout or atomically to a file.

pub mod human;
pub mod json;

use std::path::Path;

use crate::check::RunResult;
use crate::finding::{FailOn, Outcome, Severity};
use crate::rules::RuleSet;
use crate::source::SourceDb;

/// Everything a reporter may use.
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
