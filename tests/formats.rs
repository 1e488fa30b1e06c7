//! Every report format, snapshotted on the shipped corpus and on a bundle with a broken input,
//! so any change in what users see shows up in review.

use std::process::Command;

/// What uplint prints on stdout for `args`, after its exit code.
fn output(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(args)
        .output()
        .expect("run uplint");
    format!(
        "exit code: {}\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout)
    )
}

fn report(format: &str, bundle: &str) -> String {
    output(&["check", "--format", format, "--color", "never", bundle])
}

#[test]
fn human_corpus() {
    insta::assert_snapshot!(report("human", "corpora/vmm-2012r2-to-2016"));
}

#[test]
fn human_malformed_input() {
    insta::assert_snapshot!(report("human", "tests/fixtures/bundles/malformed-reg"));
}

#[test]
fn json_corpus() {
    insta::assert_snapshot!(report("json", "corpora/vmm-2012r2-to-2016"));
}

#[test]
fn json_malformed_input() {
    insta::assert_snapshot!(report("json", "tests/fixtures/bundles/malformed-reg"));
}

/// One line per finding and a line of outcome counts: the findings summary of a corpus, small
/// enough to review when a rule change moves it.
fn findings_summary(bundle: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(["check", "--format", "json", bundle])
        .output()
        .expect("run uplint");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the JSON report parses");
    let mut lines = vec![format!(
        "exit code: {}, complete: {}",
        out.status.code().unwrap_or(-1),
        report["complete"]
    )];
    lines.push(format!("outcomes: {}", report["summary"]["outcomes"]));
    for f in report["findings"].as_array().into_iter().flatten() {
        let at = match (f["file_in_bundle"].as_str(), f["location"]["line"].as_u64()) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.to_owned(),
            _ => "-".to_owned(),
        };
        lines.push(format!(
            "{} {} {} {at}",
            f["severity"].as_str().unwrap_or("?"),
            f["rule"].as_str().unwrap_or("?"),
            f["computer"].as_str().unwrap_or("(bundle)"),
        ));
    }
    lines.join("\n")
}

#[test]
fn every_corpus_findings_summary() {
    let mut corpora: Vec<_> = std::fs::read_dir("corpora")
        .expect("corpora/")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    corpora.sort();
    assert!(corpora.len() >= 3, "{corpora:?}");
    for name in corpora {
        insta::assert_snapshot!(
            format!("corpus_{name}"),
            findings_summary(&format!("corpora/{name}"))
        );
    }
}

/// One export of each kind uplint reads beyond the VMM corpus (component logs, setup answer
/// files, a template export, SChannel and CredSSP policy, addresses, IIS pools, a collector's
/// object, a failed command's error), as `inspect` shows them and as rules see their facts.
#[test]
fn inspect_every_format() {
    let bundle = "tests/fixtures/bundles/every-format";
    insta::assert_snapshot!("inspect_every_format_human", output(&["inspect", bundle]));
    insta::assert_snapshot!(
        "inspect_every_format_json",
        output(&["inspect", "--json", bundle])
    );
}
