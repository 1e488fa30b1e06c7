//! The human output of `uplint test`: one line per fixture case, its problems indented below,
//! then a count. Problems quote findings, so they carry a bundle's text: it is shown escaped.
//! It does not run cases; [`crate::fixtures`] does.

use std::fmt::Write as _;

use super::{Reporter, escape};
use crate::fixtures::TestRun;

/// The last line is `fixtures: N passed, M failed`, the form CI systems count.
pub struct Human;

impl Reporter<TestRun> for Human {
    fn render(&self, run: &TestRun) -> Vec<u8> {
        let mut out = String::new();
        for r in &run.results {
            let status = if r.problems.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            let _ = writeln!(
                out,
                "{status} {} {}/{}",
                r.case.rule,
                r.case.kind.as_str(),
                r.case.name
            );
            for p in &r.problems {
                let _ = writeln!(out, "       - {p}");
            }
        }
        for m in &run.missing {
            let _ = writeln!(out, "FAIL {m}");
        }
        let failed = run.failures();
        let _ = writeln!(
            out,
            "\nfixtures: {} passed, {failed} failed",
            run.tests() - failed
        );
        escape::terminal(&out).into_owned().into_bytes()
    }
}
