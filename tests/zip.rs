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
    assert!(String::from_utf8_lossy(&out.stdout).contains("the zip is damaged"));
}

#[test]
fn a_zip_that_does_not_even_start_like_one_is_called_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("estate.zip");
    std::fs::write(&path, b"<html>a download that failed</html>").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .arg("check")
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("the .zip is damaged"), "{stdout}");
}

/// A zip of the clean corpus plus `extra` entries (name, bytes), deflated.
fn corpus_zip_with(path: &Path, extra: &[(&str, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    add_dir(&mut zip, Path::new("corpora/vmm-2012r2-to-2016-clean"), "");
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in extra {
        zip.start_file(*name, options).expect("start");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
}

fn run_json(args: &[&str], bundle: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(["check", "--format", "json"])
        .args(args)
        .arg(bundle)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).expect("json"),
    )
}

fn messages<'a>(report: &'a Value, rule: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .filter_map(|f| f["message"].as_str())
        .collect()
}

#[test]
fn a_zip_bomb_under_the_per_file_cap_stops_at_the_expansion_limit() {
    // Found by attacking uplint: twenty 250 MiB entries of zeros in a 5 MB zip took 52 s and
    // 5.2 GB. The same shape, scaled down: six 600 KiB entries against a 2 MiB budget.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb.zip");
    let zeros: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("BOMB/zeros{i}.txt"), vec![0u8; 600 << 10]))
        .collect();
    let extra: Vec<(&str, Vec<u8>)> = zeros.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    corpus_zip_with(&path, &extra);
    let (code, report) = run_json(&["--limit", "zip-expanded-mib=2"], &path);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["complete"], false);
    let refused = messages(&report, "input-error");
    // The clean corpus is under 1 MiB, so some zeros fit and the later ones do not; which ones
    // depends only on path order.
    assert!(!refused.is_empty(), "{report:#}");
    assert!(
        refused.iter().all(|m| m.contains("zip-expanded-mib")),
        "{refused:#?}"
    );
    assert!(
        refused.iter().any(|m| m.contains("BOMB/zeros5.txt")),
        "{refused:#?}"
    );
    assert!(
        !refused.iter().any(|m| m.contains("BOMB/zeros0.txt")),
        "{refused:#?}"
    );
    let (_, again) = run_json(&["--limit", "zip-expanded-mib=2", "-j", "1"], &path);
    assert_eq!(
        messages(&again, "input-error"),
        refused,
        "same entries at any thread count"
    );
}

#[test]
fn a_file_over_the_file_limit_is_an_input_error_naming_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.zip");
    corpus_zip_with(&path, &[("VMM01/huge.txt", vec![b'a'; 2 << 20])]);
    let (code, report) = run_json(&["--limit", "file-mib=1"], &path);
    assert_eq!(code, 1, "{report:#}");
    let errors = messages(&report, "input-error");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("VMM01/huge.txt") && errors[0].contains("file-mib"));
}

#[test]
fn a_bundle_with_more_files_than_the_limit_is_not_checked() {
    let (code, report) = run_json(&["--limit", "files=3"], Path::new(CORPUS));
    assert_eq!(code, 2, "{report:#}");
    let shown = report.to_string();
    assert!(shown.contains("more than the limit of 3"), "{shown}");
}

#[test]
fn a_report_is_never_written_over_the_zip_it_checks() {
    // Found by attacking uplint: `check b.zip -o b.zip` replaced the estate with its report.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("b.zip");
    corpus_zip_with(&path, &[]);
    let before = std::fs::read(&path).expect("read");
    for output in [path.clone(), dir.path().join(".").join("b.zip")] {
        let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
            .arg("check")
            .arg(&path)
            .arg("-o")
            .arg(&output)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("never writes into a bundle"));
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn absolute_entry_paths_are_refused() {
    // Found by attacking uplint: `/etc/VMM01/x.json` became a computer named "" and
    // `/etc/passwd` a computer `etc`.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("abs.zip");
    let json = b"{\"Name\": \"x\"}".to_vec();
    corpus_zip_with(
        &path,
        &[
            ("/etc/VMM01/x.json", json.clone()),
            ("/etc/passwd", b"root:x:0:0".to_vec()),
            ("C:/Windows/x.json", json),
        ],
    );
    let (code, report) = run_json(&[], &path);
    assert_eq!(code, 1, "{report:#}");
    let skipped = messages(&report, "skipped-entry");
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    assert!(
        skipped.iter().all(|m| m.contains("refused")),
        "{skipped:#?}"
    );
    assert_eq!(
        report["summary"]["computers"], 5,
        "the corpus's five, no `etc` or ``"
    );
}
