//! Every report format, snapshotted on the shipped corpus and on a bundle with a broken input,
//! so any change in what users see shows up in review.

use std::process::Command;

fn report(format: &str, bundle: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(["check", "--format", format, "--color", "never", bundle])
        .output()
        .expect("run uplint");
    format!(
        "exit code: {}\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout)
    )
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
