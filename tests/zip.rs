//! Zip bundles are read in place, give the same results as the folder, and refuse entries that
//! would lead out of the bundle.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use zip::write::SimpleFileOptions;

const CORPUS: &str = "corpora/vmm-2012r2-to-2016";

fn add_dir(zip: &mut zip::ZipWriter<std::fs::File>, dir: &Path, prefix: &str) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            add_dir(zip, &e.path(), &format!("{name}/"));
        } else {
            let options =
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(&name, options).expect("start");
            zip.write_all(&std::fs::read(e.path()).expect("read"))
                .expect("write");
        }
    }
}

fn check_json(bundle: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(["check", "--format", "json"])
        .arg(bundle)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).expect("json"),
    )
}

/// Findings without the bundle's own name, for comparing a folder with its archive.
fn comparable(report: &Value) -> Vec<(String, String, String, i64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                f["file_in_bundle"].as_str().unwrap_or("").to_owned(),
                f["message"].as_str().unwrap_or("").to_owned(),
                f["location"]["line"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn a_zipped_bundle_gives_the_same_findings_as_the_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("estate.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    // As "Send to > Compressed folder" on the bundle folder makes it: one wrapper folder.
    add_dir(&mut zip, Path::new(CORPUS), "vmm-2012r2-to-2016/");
    zip.finish().expect("finish");
    let (code_dir, folder) = check_json(Path::new(CORPUS));
    let (code_zip, archive) = check_json(&path);
    assert_eq!(code_dir, code_zip);
    assert_eq!(comparable(&folder), comparable(&archive));
    assert_eq!(archive["complete"], true);
    assert_eq!(archive["summary"]["computers"], 4);
}

#[test]
fn entries_leading_out_of_the_bundle_are_refused_and_the_run_is_incomplete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evil.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    add_dir(&mut zip, Path::new("corpora/vmm-2012r2-to-2016-clean"), "");
    let options = SimpleFileOptions::default();
    zip.start_file("VMM01/../../outside.reg", options)
        .expect("start");
    zip.write_all(b"Windows Registry Editor Version 5.00\r\n")
        .expect("write");
    zip.add_symlink("VMM01/link.reg", "/etc/passwd", options)
        .expect("symlink");
    zip.finish().expect("finish");
    let (code, report) = check_json(&path);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["complete"], false);
    let skipped: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "skipped-entry")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|m| m.contains("outside.reg") && m.contains("refused"))
    );
    assert!(
        skipped
            .iter()
            .any(|m| m.contains("link.reg") && m.contains("symbolic link"))
    );
}

#[test]
fn a_damaged_archive_cannot_be_opened_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.zip");
    std::fs::write(&path, b"PK\x03\x04 this is not really a zip").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(["check"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not a readable zip archive"));
}
