//! The output of `inspect`: what each file of a bundle was recognized as, the facts it gave,
//! its input problems, and (in JSON) each computer's facts as rules see them. Human and JSON
//! forms share what they select; both show the bundle's text escaped. It does not run the
//! parsers: the caller hands it a run made with facts kept.

use std::fmt::Write as _;
use std::path::Path;

use super::{Reporter, escape, json};
use crate::check::RunResult;
use crate::finding::host_ids;

/// One inspected bundle: its path as given and a run over it that kept its facts.
pub struct Inspection<'a> {
    pub bundle: &'a Path,
    pub result: &'a RunResult,
}

impl Inspection<'_> {
    /// What could not be read at all (links, unreadable entries).
    fn skipped(&self) -> Vec<&str> {
        self.result
            .findings
            .iter()
            .filter(|f| &*f.rule == host_ids::SKIPPED_ENTRY)
            .map(|f| f.message.as_str())
            .collect()
    }

    /// What is wrong with the bundle as a whole (no computer folders, no exports, a computer
    /// the plan names missing), as `rule: message`: without these, `inspect` of a wrong
    /// folder would print nothing and exit 1.
    fn bundle_problems(&self) -> Vec<String> {
        self.result
            .findings
            .iter()
            .filter(|f| {
                [
                    host_ids::NO_COMPUTERS,
                    host_ids::NO_EXPORTS,
                    host_ids::PLAN_COMPUTER_MISSING,
                ]
                .contains(&&*f.rule)
            })
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect()
    }

    /// The problems of reading one file, each on one line: `rule line:col: message`.
    fn problems_of(&self, rel: &str) -> Vec<String> {
        self.result
            .findings
            .iter()
            .filter(|f| {
                f.file_in_bundle.as_deref() == Some(rel)
                    && [host_ids::INPUT_ERROR, host_ids::NOT_UNDERSTOOD].contains(&&*f.rule)
            })
            .map(|f| {
                let at = f
                    .location
                    .map(|l| format!("{}:{}: ", l.line, l.column))
                    .unwrap_or_default();
                format!("{} {at}{}", f.rule, f.message)
            })
            .collect()
    }
}

/// One line per file (`rel  [format, encoding]`), its facts and problems indented below.
pub struct Human;

impl Reporter<Inspection<'_>> for Human {
    fn render(&self, input: &Inspection) -> Vec<u8> {
        let mut s = String::new();
        for f in &input.result.files {
            let format = f.format.unwrap_or("UNRECOGNIZED");
            let _ = writeln!(
                s,
                "{}  [{}, {}]",
                f.rel,
                format,
                f.encoding.unwrap_or("unreadable")
            );
            for (k, v) in &f.facts {
                let _ = writeln!(s, "    {k} = {v}");
            }
            for e in input.problems_of(&f.rel) {
                let _ = writeln!(s, "    {e}");
            }
        }
        for message in input.skipped() {
            let _ = writeln!(s, "skipped: {message}");
        }
        for problem in input.bundle_problems() {
            let _ = writeln!(s, "{problem}");
        }
        // Every part but the layout comes from the bundle: escape it all at once.
        escape::terminal(&s).into_owned().into_bytes()
    }
}

/// Every file with its format and facts, and each computer's facts (`computer.facts`).
pub struct Json;

impl Reporter<Inspection<'_>> for Json {
    fn render(&self, input: &Inspection) -> Vec<u8> {
        let files: Vec<_> = input
            .result
            .files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "file": f.rel, "computer": f.computer, "format": f.format, "encoding": f.encoding,
                    "facts": f.facts.iter().map(|(k, v)| serde_json::json!({"fact": k, "value": v})).collect::<Vec<_>>(),
                    "problems": input.problems_of(&f.rel),
                })
            })
            .collect();
        let computers: serde_json::Map<String, serde_json::Value> = input
            .result
            .facts
            .iter()
            .map(|(_, computer, facts)| (computer.clone(), facts.clone()))
            .collect();
        json::pretty(&serde_json::json!({
            "version": 1,
            "bundle": input.bundle.to_string_lossy(),
            "files": files,
            "skipped": input.skipped(),
            "problems": input.bundle_problems(),
            "facts": computers,
        }))
    }
}
