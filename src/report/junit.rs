//! JUnit XML, the test-report format CI systems read: for `uplint test`, one test suite per
//! rule and one test case per fixture case. All text goes through [`super::escape::xml`], so
//! the file is well-formed XML whatever a bundle holds. It does not run cases.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Reporter;
use super::escape::xml;
use crate::fixtures::{CaseResult, TestRun};

/// The JUnit report of a fixture run.
pub struct Junit;

impl Reporter<TestRun> for Junit {
    fn render(&self, run: &TestRun) -> Vec<u8> {
        let mut by_rule: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for r in &run.results {
            by_rule.entry(&r.case.rule).or_default().push(r);
        }
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"uplint test\" tests=\"{}\" failures=\"{}\">\n",
            run.tests(),
            run.failures()
        );
        for (rule, cases) in by_rule {
            let failed = cases.iter().filter(|r| !r.problems.is_empty()).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
                xml(rule),
                cases.len()
            );
            for r in cases {
                let name = format!("{}/{}", r.case.kind.as_str(), r.case.name);
                match r.problems.first() {
                    None => {
                        let _ = writeln!(
                            out,
                            "    <testcase classname=\"{}\" name=\"{}\"/>",
                            xml(rule),
                            xml(&name)
                        );
                    }
                    Some(first) => {
                        let _ = writeln!(
                            out,
                            "    <testcase classname=\"{}\" name=\"{}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                            xml(rule),
                            xml(&name),
                            xml(first),
                            xml(&r.problems.join("\n"))
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        if !run.missing.is_empty() {
            let _ = writeln!(
                out,
                "  <testsuite name=\"fixtures\" tests=\"{}\" failures=\"{}\">",
                run.missing.len(),
                run.missing.len()
            );
            for m in &run.missing {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"fixtures\" name=\"{}\">\n      <failure message=\"{}\"/>\n    </testcase>",
                    xml(m),
                    xml(m)
                );
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out.into_bytes()
    }
}
