//! The Hyper-V migration pack end to end: the corpus and its clean twin, a plan whose computers
//! are missing from the bundle, no plan at all, and the Hyper-V module's own exports in every
//! layout users hand in.

mod common;
use common::{copy_dir, uplint_in};

use std::path::Path;

use serde_json::Value;

const CORPUS: &str = "corpora/hyperv-2008r2-to-2012";
const CLEAN: &str = "corpora/hyperv-2008r2-to-2012-clean";

/// `uplint check --format json` on `bundle`, only the Hyper-V rules: the exit code and report.
fn check(bundle: &Path) -> (i32, Value) {
    let bundle = bundle.to_str().expect("utf-8 path");
    let run = uplint_in(
        Path::new("."),
        &["check", bundle, "--select", "hyperv", "--format", "json"],
    );
    let v = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, v)
}

/// The outcome of `rule` for `subject` (a computer, or `None` for the bundle) and its reason.
fn outcome(report: &Value, rule: &str, subject: Option<&str>) -> (String, String) {
    let o = report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["rule"] == rule && o["subject"].as_str() == subject)
        .unwrap_or_else(|| panic!("no outcome of {rule} for {subject:?}: {report:#}"));
    (
        o["outcome"].as_str().unwrap_or_default().to_owned(),
        o["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Where each finding of `rule` points: `file:line` inside the bundle.
fn places(report: &Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            format!(
                "{}:{}",
                f["file_in_bundle"].as_str().unwrap_or("-"),
                f["location"]["line"]
            )
        })
        .collect()
}

const BUNDLE_RULES: &[&str] = &[
    "HYV001", "HYV002", "HYV003", "HYV004", "HYV006", "HYV007", "HYV008",
];
const SOURCE_RULES: &[&str] = &["HYV005", "HYV009", "HYV010", "HYV012"];

#[test]
fn the_corpus_fails_on_memory_processors_and_saved_state_at_the_values() {
    let (code, report) = check(Path::new(CORPUS));
    assert_eq!(code, 1, "{report:#}");
    let sql01 = "HV01/vm-config/B8491328-6D9D-455B-AE35-54B0F1B2F5F5.xml";
    assert_eq!(places(&report, "HYV003"), ["HV02/computersystem.xml:12"]);
    assert_eq!(places(&report, "HYV004"), [format!("{sql01}:170")]);
    assert_eq!(places(&report, "HYV005"), ["HV01/vm-systems.xml:30"]);
    assert_eq!(places(&report, "HYV002"), ["HV01/vm-switches.xml:19"]);
    // Every rule could run: nothing is missing from this bundle.
    for o in report["outcomes"].as_array().expect("outcomes") {
        assert_ne!(o["outcome"], "not-evaluated", "{o:#}");
        assert_ne!(o["outcome"], "error", "{o:#}");
    }
    assert_eq!(report["complete"], true);
}

#[test]
fn the_clean_corpus_passes_every_hyper_v_rule() {
    let (code, report) = check(Path::new(CLEAN));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0));
    for rule in BUNDLE_RULES {
        assert_eq!(outcome(&report, rule, None).0, "pass", "{rule}");
    }
    for rule in SOURCE_RULES {
        assert_eq!(outcome(&report, rule, Some("HV01")).0, "pass", "{rule}");
        assert_eq!(outcome(&report, rule, Some("HV02")).0, "not-applicable");
    }
    assert_eq!(outcome(&report, "HYV011", Some("HV02")).0, "pass");
}

/// The plan names a destination the bundle has no folder for: every rule that needs it says
/// so, by name, and none passes or calls itself not applicable.
#[test]
fn a_missing_destination_is_not_evaluated_by_name_never_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(Path::new(CLEAN), dir.path());
    std::fs::remove_dir_all(dir.path().join("HV02")).expect("remove HV02");
    let (code, report) = check(dir.path());
    assert_ne!(code, 0, "a hole in the collection is not a clean run");
    assert_eq!(report["complete"], false);
    for rule in BUNDLE_RULES {
        let (verdict, reason) = outcome(&report, rule, None);
        assert_eq!(verdict, "not-evaluated", "{rule}: {reason}");
        assert!(reason.contains("HV02"), "{rule}: {reason}");
    }
    let (verdict, reason) = outcome(&report, "HYV011", Some("HV02"));
    assert_eq!(verdict, "not-evaluated", "{reason}");
    // The source rules still run on the source that is there.
    assert_eq!(outcome(&report, "HYV005", Some("HV01")).0, "pass");
    // The missing computer is named where the plan names it.
    let missing: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "plan-computer-missing")
        .collect();
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["file_in_bundle"], "plan.json");
}

#[test]
fn a_missing_source_is_not_evaluated_by_name_never_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(Path::new(CLEAN), dir.path());
    std::fs::remove_dir_all(dir.path().join("HV01")).expect("remove HV01");
    let (code, report) = check(dir.path());
    assert_ne!(code, 0);
    for rule in SOURCE_RULES {
        let (verdict, reason) = outcome(&report, rule, Some("HV01"));
        assert_eq!(verdict, "not-evaluated", "{rule}: {reason}");
    }
    for rule in BUNDLE_RULES {
        let (verdict, reason) = outcome(&report, rule, None);
        assert_eq!(verdict, "not-evaluated", "{rule}: {reason}");
        assert!(reason.contains("HV01"), "{rule}: {reason}");
    }
}

/// Hyper-V exports with no plan: the rules cannot know the destination, and say how to write
/// the plan with the host's name in it.
#[test]
fn without_a_plan_the_hyper_v_rules_ask_for_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(Path::new(CORPUS), dir.path());
    std::fs::remove_file(dir.path().join("plan.json")).expect("remove plan");
    let (_, report) = check(dir.path());
    let (verdict, reason) = outcome(&report, "HYV003", None);
    assert_eq!(verdict, "not-evaluated", "{reason}");
    let command = report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["rule"] == "HYV003")
        .and_then(|o| o["command"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(command.contains("\"source\": \"HV01\""), "{command}");
    assert_eq!(outcome(&report, "HYV005", Some("HV01")).0, "not-evaluated");
    assert_eq!(outcome(&report, "HYV005", Some("HV02")).0, "not-applicable");
}

/// The same VMs from Get-VM, Get-VMProcessor, Get-VMHardDiskDrive and Get-VMDvdDrive, in
/// Windows PowerShell 5.1 JSON, PowerShell 7 JSON (enums as numbers or names) and
/// Export-Clixml: SQL01 is saved whichever layout says so, and is too big for the destination.
#[test]
fn the_hyper_v_module_exports_read_alike_in_every_layout() {
    for layout in ["ps51", "ps7", "ps7-enums-as-strings", "clixml"] {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(Path::new(CORPUS), dir.path());
        let hv01 = dir.path().join("HV01");
        for f in [
            "vm-systems.xml",
            "vm-memory.xml",
            "vm-processors.xml",
            "vm-files.xml",
        ] {
            std::fs::remove_file(hv01.join(f)).expect("remove WMI export");
        }
        std::fs::remove_dir_all(hv01.join("vm-config")).expect("remove configs");
        copy_dir(
            &Path::new("tests/fixtures/hyperv/cmdlets").join(layout),
            &hv01,
        );
        let (_, report) = check(dir.path());
        assert_eq!(
            outcome(&report, "HYV005", Some("HV01")).0,
            "fail",
            "{layout}: {report:#}"
        );
        let saved = places(&report, "HYV005");
        assert_eq!(saved.len(), 1, "{layout}: {saved:?}");
        assert!(saved[0].starts_with("HV01/vms."), "{layout}: {saved:?}");
        // SQL01: 4 virtual processors against HV02's 2 logical processors.
        assert_eq!(places(&report, "HYV004").len(), 1, "{layout}");
        if layout != "clixml" {
            // The ISO in WEB01's DVD drive and SQL01's pass-through disk.
            let attached = places(&report, "HYV009");
            assert_eq!(attached.len(), 2, "{layout}: {attached:?}");
        }
    }
}
