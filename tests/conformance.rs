//! Real exports written by other people (`../shared/realworld/`, see its PROVENANCE.md), read
//! when that folder exists beside the project. They are never copied into this repository.
//! Every file must be decoded, then recognized and parsed or reported as unrecognized, without
//! a panic or a hang. A snapshot records what each file yields (format, encoding, nodes, errors,
//! notes, facts), so any change in how real exports are read shows up in review.

#![allow(clippy::print_stderr)] // the table of what each real file yields is for the reader of the test log

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use uplint::parse;
use uplint::source::{FileId, SourceText};

fn realworld() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    dir.is_dir().then_some(dir)
}

/// The real-export folder and every file in it, sorted, or None when the folder is not beside
/// the project.
fn real_files() -> Option<(PathBuf, Vec<PathBuf>)> {
    let dir = realworld()?;
    let mut all = Vec::new();
    files(&dir, &mut all);
    all.sort();
    Some((dir, all))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| n != "PROVENANCE.md") {
            out.push(p);
        }
    }
}

/// The real exports that give no fact, and why. Every other file must give at least one: a
/// change that stops a file yielding facts fails here, and so does a new file nobody looked at.
const YIELD_NO_FACTS: &[(&str, &str)] = &[
    (
        "ipconfig/gkk-ipconfig_all-zh-CN-gbk.txt",
        "Chinese output: reported as not understood rather than misread (issue 3)",
    ),
    (
        "json-ps/inspec-registry-key-schedule.json",
        "InSpec's own rendering of registry values, without the key they belong to",
    ),
    (
        "reg/ansible-win_regmerge-settings3-utf16.reg",
        "a fictional product's keys (Ansible test data): no fact is about them",
    ),
    (
        "reg/ansible-win_regmerge-settings3c-ascii-lf.reg",
        "a fictional product's keys (Ansible test data): no fact is about them",
    ),
    (
        "sql/dbatools-buildref-index.json",
        "dbatools' table of SQL Server builds: reference data, not a computer's",
    ),
    (
        "sql/inspec-sqlcmd-getdate.txt",
        "an unnamed GETDATE() column: nothing says what it is the time of",
    ),
    (
        "sql/inspec-sqlcmd-result.txt",
        "one column named `result`: a version of something unnamed",
    ),
    (
        "winrm/pypsrp-wsman-config-getresponse-500.yml",
        "a test suite's YAML recording of WS-Man traffic, not an export",
    ),
];

#[test]
fn every_real_export_is_read_or_reported_without_panic_or_hang() {
    let Some((dir, all)) = real_files() else {
        eprintln!("../shared/realworld not present: conformance test skipped");
        return;
    };
    assert!(
        all.len() >= 40,
        "expected the 46 real exports, found {}",
        all.len()
    );
    let mut table = Vec::new();
    let total = all.len();
    let mut recognized = 0;
    let mut yielding = 0;
    let mut wrongly_empty = Vec::new();
    for path in all {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let bytes = std::fs::read(&path).expect("read");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (text, problems) = SourceText::decode(&bytes);
            let row = match parse::recognize(&text.text) {
                Some(format) => {
                    let parsed = (format.parse)(FileId(0), text.text.clone());
                    let mut facts = uplint::facts::FactSet::default();
                    let doc = std::sync::Arc::new(parsed.doc);
                    facts.extract_from(&doc);
                    let mut keys: Vec<String> =
                        facts.values.keys().map(|k| (*k).to_owned()).collect();
                    keys.extend(
                        facts
                            .records
                            .iter()
                            .map(|(k, r)| format!("{k}×{}", r.len())),
                    );
                    format!(
                        "{:<16} {:<12} nodes {:>6}  errors {:>2}  notes {:>2}  facts: {}",
                        format.name,
                        text.encoding.name(),
                        doc.len(),
                        parsed.errors.len() + problems.len(),
                        parsed.notes.len(),
                        keys.join(", ")
                    )
                }
                None => format!("{:<16} {:<12}", "unrecognized", text.encoding.name()),
            };
            let _ = tx.send(row);
        });
        match rx.recv_timeout(Duration::from_secs(if std::env::var_os("CI").is_some() {
            60
        } else {
            20
        })) {
            Ok(row) => {
                recognized += usize::from(!row.starts_with("unrecognized"));
                let gives_facts = row
                    .split_once("facts: ")
                    .is_some_and(|(_, f)| !f.is_empty());
                yielding += usize::from(gives_facts);
                let excused = YIELD_NO_FACTS.iter().any(|(file, _)| *file == name);
                if gives_facts == excused {
                    wrongly_empty.push(format!(
                        "{name}: {}",
                        if excused {
                            "now gives facts: take it off YIELD_NO_FACTS"
                        } else {
                            "gives no fact"
                        }
                    ));
                }
                table.push(format!("{name:<70} {row}"));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{name}: parsing did not finish (hang?)")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name}: the parser panicked"),
        }
    }
    eprintln!(
        "{}\nrecognized: {recognized} of {total}; giving facts: {yielding} of {total}",
        table.join("\n")
    );
    insta::assert_snapshot!("realworld", table.join("\n"));
    // Issue 3's bar: at least 85% of the real exports are recognized.
    assert!(
        recognized * 100 >= total * 85,
        "only {recognized} of {total} real exports recognized"
    );
    assert!(
        wrongly_empty.is_empty(),
        "facts differ from what YIELD_NO_FACTS says:\n{}",
        wrongly_empty.join("\n")
    );
}

/// Every built-in rule on every real export: each file as one computer of a temporary bundle
/// (outside the repository), with a VMM upgrade planned in place and onto another computer.
/// Real data must never make a rule fail with an error, only pass, fail or say what is missing.
#[test]
fn every_builtin_rule_runs_on_the_real_exports_without_a_rule_error() {
    let Some((_, all)) = real_files() else {
        eprintln!("../shared/realworld not present: conformance test skipped");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, file) in all.iter().enumerate() {
        let computer = tmp.path().join(format!("C{i:02}"));
        std::fs::create_dir_all(&computer).expect("mkdir");
        let name = file.file_name().expect("a file name");
        std::fs::copy(file, computer.join(name)).expect("copy");
    }
    for plan in [
        r#"{"upgrades": [{"product": "vmm", "target": "2016"}], "sequence": ["vmm"]}"#,
        r#"{"upgrades": [{"product": "vmm", "target": "2016", "server": "C00", "new_server": "C01", "service_account": "CONTOSO\\svc"}], "sequence": ["vmm"]}"#,
    ] {
        std::fs::write(tmp.path().join("plan.json"), plan).expect("plan");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_uplint"))
            .args(["check", "--format", "json"])
            .arg(tmp.path())
            .output()
            .expect("run uplint");
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the JSON report parses");
        let errors: Vec<&serde_json::Value> = report["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .filter(|o| o["outcome"] == "error")
            .collect();
        assert!(errors.is_empty(), "rule errors with {plan}: {errors:#?}");
        assert_eq!(
            report["summary"]["outcomes"]["error"], 0,
            "{plan}: {:#}",
            report["summary"]
        );
    }
}
