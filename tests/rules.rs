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

/// Microsoft's preservation matrix ("Choosing Service Account and Distributed Key Management
/// Settings During an Upgrade", domain-facts §1.5), written out here independently of
/// rules/data/vmm-encryption.json: (old account, new account, same domain account, DKM, fate
/// on the same computer).
const PRESERVATION_MATRIX: [(&str, &str, bool, bool, &str); 10] = [
    ("local-system", "local-system", true, false, "preserved"),
    ("local-system", "local-system", true, true, "preserved"),
    ("local-system", "domain", true, false, "lost"),
    ("local-system", "domain", true, true, "preserved"),
    ("domain", "local-system", true, false, "not-allowed"),
    ("domain", "local-system", true, true, "not-allowed"),
    ("domain", "domain", true, false, "preserved"),
    ("domain", "domain", true, true, "preserved"),
    ("domain", "domain", false, false, "lost"),
    ("domain", "domain", false, true, "lost"),
];

/// Runs `body` as the `check_bundle` of a custom rule on the blockers corpus and returns the
/// messages it reported, sorted.
fn messages_of_rule(body: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_rule(
        dir.path(),
        "TT001-probe.rhai",
        &format!("fn check_bundle(bundle) {{\n{body}}}\n"),
    );
    let run = common::uplint_in(
        Path::new("."),
        &[
            "check",
            "--format",
            "json",
            "--rules",
            &dir.path().to_string_lossy(),
            "--select",
            "TT001",
            "corpora/vmm-2012r2-to-2016",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    let mut got: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str().map(str::to_owned))
        .collect();
    got.sort();
    got
}

#[test]
fn release_names_with_update_rollups_resolve_to_comparable_builds() {
    let got = messages_of_rule(concat!(
        "    report((), `a ${vmm::build_named(\"2012 R2 UR9\")}`);\n",
        "    report((), `b ${vmm::build_named(\"System Center VMM 2016\")}`);\n",
        "    report((), `c ${vmm::build_named(\"2016 ur2\") > vmm::build_named(\"2012 R2 UR12\")}`);\n",
        "    report((), `d ${vmm::build_named(\"2012 R2 UR14\") == ()}`);\n",
        "    report((), `e ${vmm::build_named(\"10.19.2445.0\")}`);\n",
    ));
    assert_eq!(
        got,
        [
            "a 3.2.8145.0",
            "b 4.0.1662.0",
            "c true",
            "d true",
            "e 10.19.2445.0"
        ]
    );
}

#[test]
fn the_encrypted_data_truth_table_walks_every_row_of_the_preservation_matrix() {
    // Each row, on the same computer and on a new one, through the function the VMM010–VMM013
    // rules use, evaluated by the real engine as a custom rule.
    let mut calls = String::new();
    let mut expected = Vec::new();
    for (i, (old, new, same, dkm, fate)) in PRESERVATION_MATRIX.iter().enumerate() {
        for same_computer in [true, false] {
            calls.push_str(&format!(
                "    report((), `{i} {same_computer}: ${{vmm::encrypted_data_fate(\"{old}\", \"{new}\", {same}, {dkm}, {same_computer})}}`);\n"
            ));
            // A new computer loses what the account change would keep, unless DKM holds the keys.
            let on_new_computer = match *fate {
                "preserved" if !dkm => "lost",
                other => other,
            };
            let want = if same_computer {
                *fate
            } else {
                on_new_computer
            };
            expected.push(format!("{i} {same_computer}: {want}"));
        }
    }
    let got = messages_of_rule(&calls);
    expected.sort();
    assert_eq!(got, expected);

    // The data table has exactly these rows, so no row is left untested.
    let table: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("rules/data/vmm-encryption.json").expect("data table"),
    )
    .expect("JSON");
    let rows = table["matrix"].as_array().expect("matrix");
    assert_eq!(rows.len(), PRESERVATION_MATRIX.len());
    for (old, new, same, dkm, fate) in PRESERVATION_MATRIX {
        assert!(
            rows.iter().any(|r| r["old_account"] == old
                && r["new_account"] == new
                && (r["same_account"].is_null() || r["same_account"] == same)
                && r["dkm"] == dkm
                && r["fate"] == fate),
            "no row {old} -> {new} (same {same}, DKM {dkm}) = {fate}"
        );
    }
}

#[test]
fn vmm021_asks_for_the_columns_of_the_database_this_server_uses() {
    // The catalog's command names VMM's default database; a server on another database must
    // get a command that runs as printed against its own.
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("bundle");
    copy_dir(
        Path::new("tests/rules/VMM021/fail/ur10-netscaler-column-not-widened/bundle"),
        &bundle,
    );
    std::fs::remove_file(bundle.join("SQL01/sql-vmm-columns.csv")).expect("remove");
    let reg = bundle.join("VMM01/vmm-registry.reg");
    let bytes = std::fs::read(&reg).expect("read");
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units)
        .expect("utf-16")
        .replace("\"VirtualManagerDB\"", "\"VMM_Prod\"");
    let mut out = vec![0xff, 0xfe];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&reg, out).expect("write");
    let run = common::uplint_in(
        Path::new("."),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "VMM021",
            &bundle.to_string_lossy(),
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let outcome = report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["rule"] == "VMM021")
        .expect("VMM021's outcome");
    assert_eq!(outcome["outcome"], "not-evaluated", "{outcome:#}");
    let command = outcome["command"].as_str().expect("a command");
    assert!(command.contains("-Database VMM_Prod -Query"), "{command}");
    assert!(!command.contains("VirtualManagerDB"), "{command}");
}

/// One outcome of a report: (rule, subject, outcome, command).
type OutcomeRow = (String, String, String, String);

/// Exit code, report and outcomes of `check --format json` on `bundle`.
fn outcomes_of(bundle: &Path, args: &[&str]) -> (i32, serde_json::Value, Vec<OutcomeRow>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let bundle = bundle.to_string_lossy();
    all.push(&bundle);
    let run = common::uplint_in(Path::new("."), &all);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let outcomes = report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .map(|o| {
            let s = |k: &str| o[k].as_str().unwrap_or("").to_owned();
            (s("rule"), s("subject"), s("outcome"), s("command"))
        })
        .collect();
    (run.code, report, outcomes)
}

#[test]
fn a_computer_the_plan_names_but_the_bundle_lacks_is_not_evaluated_never_not_applicable() {
    // Found by attacking uplint: with `new_server` naming a computer that has no folder, the
    // rules about the new server answered not-applicable and the run could exit 0.
    for (role, folder) in [("new_server", "VMM02"), ("server", "VMM01")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let bundle = dir.path().join("estate");
        copy_dir(Path::new("corpora/vmm-2012r2-to-2016-clean"), &bundle);
        std::fs::remove_dir_all(bundle.join(folder)).expect("remove the computer");
        let (code, report, outcomes) = outcomes_of(&bundle, &["--fail-on", "never"]);
        assert_eq!(code, 1, "{role}: an incomplete run never exits 0");
        assert_eq!(report["complete"], false, "{role}");
        let missing: Vec<_> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "plan-computer-missing")
            .collect();
        assert_eq!(missing.len(), 1, "{role}: {missing:#?}");
        assert!(
            missing[0]["message"]
                .as_str()
                .unwrap_or("")
                .contains(folder)
        );
        let about: Vec<_> = outcomes.iter().filter(|o| o.1 == folder).collect();
        assert!(!about.is_empty(), "{role}: no outcome names {folder}");
        let not_evaluated: Vec<_> = about.iter().filter(|o| o.2 == "not-evaluated").collect();
        assert!(
            not_evaluated.len() >= 3,
            "{role}: the rules about {folder} must say not-evaluated: {about:#?}"
        );
        assert!(
            not_evaluated.iter().all(|o| !o.3.is_empty()),
            "{role}: each names what to collect: {not_evaluated:#?}"
        );
        // The rules that apply to that role on the computers that are there still answer.
        let with_folder = outcomes_of(Path::new("corpora/vmm-2012r2-to-2016-clean"), &[]).2;
        for rule in ["VMM004", "VMM005", "VMM006"] {
            let there = with_folder
                .iter()
                .find(|o| o.0 == rule && o.1 == folder)
                .map(|o| o.2.as_str());
            let here = about.iter().find(|o| o.0 == rule).map(|o| o.2.as_str());
            if there == Some("pass") {
                assert_eq!(here, Some("not-evaluated"), "{role}: {rule} on {folder}");
            }
        }
    }
}
