//! Every built-in rule against its fixture bundles in `tests/rules/<ID>/{pass,fail}/<case>/`.

mod common;
use common::copy_dir;

use std::path::Path;

use uplint::fixtures::{self, CaseKind};
use uplint::rules::{self, RuleSet};
use uplint::source::SourceDb;

fn fixture_root() -> &'static Path {
    Path::new("tests/rules")
}

fn builtin_ids() -> Vec<String> {
    let mut db = SourceDb::new();
    let set = RuleSet::load(rules::builtin_files(), &mut db);
    assert!(
        set.problems.is_empty(),
        "built-in rules have problems: {:#?}",
        set.problems
    );
    set.rules.iter().map(|r| r.meta.id.clone()).collect()
}

#[test]
fn every_builtin_rule_passes_its_fixtures() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for id in builtin_ids() {
        let cases = fixtures::cases(fixture_root(), &id);
        for kind in [CaseKind::Pass, CaseKind::Fail] {
            if !cases.iter().any(|c| c.kind == kind) {
                failures.push(format!("{id}: no {kind:?} fixture under tests/rules/{id}/"));
            }
        }
        for case in cases {
            ran += 1;
            let result = fixtures::run_case(case, rules::builtin_files);
            if !result.problems.is_empty() {
                failures.push(format!(
                    "{} {:?}/{}:\n    {}",
                    result.case.rule,
                    result.case.kind,
                    result.case.name,
                    result.problems.join("\n    ")
                ));
            }
        }
    }
    assert!(ran > 0);
    assert!(
        failures.is_empty(),
        "{} fixture problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_folder_belongs_to_a_rule() {
    let ids = builtin_ids();
    for entry in std::fs::read_dir(fixture_root())
        .expect("tests/rules exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            ids.contains(&name),
            "tests/rules/{name} has no rule with that id"
        );
    }
}

#[test]
fn a_case_that_expects_the_wrong_line_fails() {
    // The harness itself must be able to fail: copy a real case and break its expectation.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixture_root().join("VMM015/fail/custom-share-name");
    let case_dir = dir.path().join("VMM015/fail/broken");
    copy_dir(&src, &case_dir);
    let expect = std::fs::read_to_string(case_dir.join("expect.json")).expect("expect.json");
    std::fs::write(
        case_dir.join("expect.json"),
        expect.replace("\"line\": 14", "\"line\": 15"),
    )
    .expect("write");
    let case = fixtures::cases(dir.path(), "VMM015")
        .into_iter()
        .next()
        .expect("case");
    let result = fixtures::run_case(case, rules::builtin_files);
    assert!(
        result
            .problems
            .iter()
            .any(|p| p.starts_with("missing finding")),
        "{:?}",
        result.problems
    );
    assert!(
        result
            .problems
            .iter()
            .any(|p| p.starts_with("unexpected finding")),
        "{:?}",
        result.problems
    );
}
