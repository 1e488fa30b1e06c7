//! Valid data never makes a built-in rule fail: a Component Based Servicing export of a real
//! server holds hundreds of thousands of keys (a million made VMM006 run out of operations,
//! exit 2). The built-in rules look registry keys up through the host instead of walking
//! exports in script, and a rule's operation budget grows with the size of its subject.

#![allow(clippy::print_stderr)] // what each case took is for the reader of the test log

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{copy_dir, uplint_in, write_rule};

const CORPUS: &str = "corpora/vmm-2012r2-to-2016-clean";
const KEYS: usize = 200_000;

/// A bundle of the corpus's VMM01 with an export of [`KEYS`] servicing packages that ends with
/// the `RebootPending` key, so VMM006 has evidence to find after every other key.
fn bundle_with_a_large_export(dir: &Path) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let bundle = dir.join("bundle");
    copy_dir(&corpus.join("VMM01"), &bundle.join("VMM01"));
    // A plan about this one computer: the corpus's also names a new server, which this
    // bundle lacks, and that alone would make the run incomplete.
    std::fs::write(
        bundle.join("plan.json"),
        r#"{"upgrades": [{"product": "vmm", "target": "2016", "server": "VMM01"}]}"#,
    )
    .expect("plan");
    let cbs =
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing";
    let mut text = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for i in 0..KEYS {
        text.push_str(&format!(
            "[{cbs}\\Packages\\Package_{i}~31bf3856ad364e35~amd64~~10.0.14393.{}]\r\n\"CurrentState\"=dword:00000070\r\n\r\n",
            i % 5000
        ));
    }
    text.push_str(&format!("[{cbs}\\RebootPending]\r\n\r\n"));
    std::fs::write(bundle.join("VMM01").join("cbs-packages.reg"), text).expect("write export");
}

fn check(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, Duration) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    all.push("bundle");
    let started = Instant::now();
    let run = uplint_in(dir, &all);
    let elapsed = started.elapsed();
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}{}", run.stdout, run.stderr));
    (run.code, report, elapsed)
}

fn rule_errors(report: &serde_json::Value) -> Vec<String> {
    report["rule_errors"]
        .as_array()
        .expect("rule_errors")
        .iter()
        .map(|e| e["message"].to_string())
        .collect()
}

#[test]
fn every_builtin_rule_checks_a_registry_export_of_200000_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    bundle_with_a_large_export(dir.path());
    let (code, report, elapsed) = check(dir.path(), &[]);
    assert_eq!(rule_errors(&report), Vec::<String>::new());
    assert_eq!(code, 1, "findings, no rule error");
    let vmm006: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "VMM006")
        .collect();
    assert_eq!(vmm006.len(), 1, "{vmm006:#?}");
    assert_eq!(vmm006[0]["file_in_bundle"], "VMM01/cbs-packages.reg");
    assert_eq!(vmm006[0]["location"]["line"], 3 * KEYS + 3);
    eprintln!("{KEYS} keys checked by every built-in rule in {elapsed:?}");
}

#[test]
fn the_builtin_registry_rules_do_not_walk_the_export_in_script() {
    // A budget that does not grow with the data: what still passes looks keys up in the host.
    let dir = tempfile::tempdir().expect("tempdir");
    bundle_with_a_large_export(dir.path());
    let tight = [
        "--select",
        "VMM005,VMM006",
        "--limit",
        "rule-operations=100000",
        "--limit",
        "rule-operations-per-node=1",
    ];
    let (_, report, _) = check(dir.path(), &tight);
    assert_eq!(rule_errors(&report), Vec::<String>::new());
}

#[test]
fn a_rules_operation_budget_grows_with_its_subject() {
    let dir = tempfile::tempdir().expect("tempdir");
    bundle_with_a_large_export(dir.path());
    // A custom rule that does walk every key, a dozen operations each: 2.4 million operations,
    // over a base of 100,000 but within 100 more per node of the computer's exports.
    write_rule(
        &dir.path().join("rules"),
        "WALK001-walk-every-key.rhai",
        "fn check(computer) {\n    let n = 0;\n    for reg in computer.exports(\"reg\") {\n        for section in reg {\n            if section.key().to_lower().ends_with(\"rebootpending\") { n += 1; }\n        }\n    }\n    if n > 0 { report(computer.name, \"pending\"); }\n}\n",
    );
    let walk = |per_node: &str| {
        let per_node = format!("rule-operations-per-node={per_node}");
        check(
            dir.path(),
            &[
                "--rules",
                "rules",
                "--select",
                "WALK001",
                "--limit",
                "rule-operations=100000",
                "--limit",
                &per_node,
                // This is about operations, not time (a debug build walks slowly).
                "--limit",
                "rule-ms=600000",
            ],
        )
    };
    let (code, report, _) = walk("100");
    assert_eq!(rule_errors(&report), Vec::<String>::new());
    // The rule found the key; its finding is a warning, below `--fail-on error`.
    assert_eq!(report["summary"]["outcomes"]["fail"], 1, "{report:#}");
    assert_eq!(code, 0);
    let (code, report, _) = walk("1");
    assert_eq!(code, 2);
    assert!(
        rule_errors(&report)
            .iter()
            .any(|e| e.contains("Too many operations")),
        "{report:#}"
    );
}
