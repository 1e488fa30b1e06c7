//! Bundle folders as they are found on disk: entries that are not files, and names that are
//! not UTF-8, are reported, never silently dropped or confused.

mod common;

use std::path::Path;

use serde_json::Value;

fn inspect_json(bundle: &Path) -> (i32, Value) {
    let run = common::uplint_in(
        Path::new("."),
        &["inspect", "--json", &bundle.to_string_lossy()],
    );
    (
        run.code,
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout)),
    )
}

#[cfg(unix)]
#[test]
fn a_fifo_in_a_bundle_is_a_skipped_entry_and_the_run_is_incomplete() {
    // Found by attacking uplint: a FIFO (or a device node) was dropped without a word and the
    // run said complete.
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("estate");
    common::copy_dir(Path::new("corpora/vmm-2012r2-to-2016-clean"), &bundle);
    let fifo = bundle.join("VMM01").join("pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let run = common::uplint_in(
        Path::new("."),
        &["check", "--format", "json", &bundle.to_string_lossy()],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["complete"], false);
    let skipped: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "skipped-entry")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert!(skipped[0].contains("VMM01/pipe.json") && skipped[0].contains("FIFO"));
}

#[cfg(target_os = "linux")]
#[test]
fn names_that_differ_only_in_invalid_utf8_are_two_files_shown_escaped() {
    // Found by attacking uplint: `bad\xffname.json` beside `bad\u{FFFD}name.json` read the
    // second twice and the first never.
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let computer = dir.path().join("estate").join("SRV01");
    std::fs::create_dir_all(&computer).expect("mkdir");
    let invalid = std::ffi::OsStr::from_bytes(b"bad\xffname.json");
    std::fs::write(computer.join(invalid), br#"{"CSName": "ONE", "Caption": "Microsoft Windows Server 2012 R2 Standard", "Version": "6.3.9600", "BuildNumber": "9600"}"#)
        .expect("write");
    std::fs::write(computer.join("bad\u{FFFD}name.json"), br#"{"Name": "TWO"}"#).expect("write");
    let (code, report) = inspect_json(&dir.path().join("estate"));
    assert_eq!(code, 0, "{report:#}");
    let files: Vec<(&str, &str)> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or(""),
                f["format"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("SRV01/bad\\xffname.json", "json"),
            ("SRV01/bad\u{FFFD}name.json", "json")
        ],
        "{report:#}"
    );
    // Each name was read from its own file: only the first gives the OS facts.
    let facts = report["files"][0]["facts"].to_string();
    assert!(facts.contains("6.3.9600"), "{facts}");
    assert_eq!(
        report["files"][1]["facts"].as_array().map(Vec::len),
        Some(0)
    );
}
