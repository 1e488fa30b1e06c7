//! Helpers shared by the integration tests.

// Each test crate compiles this module and uses its own subset of the helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Copies a fixture tree so a test can change it without touching the repository.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// What one run of the `uplint` binary printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `uplint` binary in `dir` (colours off).
pub fn uplint_in(dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uplint"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run uplint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes a custom rule `file` (`ID-name.rhai`, severity warning) with `body` after its header.
pub fn write_rule(dir: &Path, file: &str, body: &str) -> PathBuf {
    let id = file.split('-').next().unwrap_or("X001");
    let name = file
        .trim_end_matches(".rhai")
        .split_once('-')
        .map_or("x", |(_, n)| n);
    let text = format!(
        "//! id: {id}\n//! name: {name}\n//! severity: warning\n//! product: vmm\n//! summary: test rule\n//! remediation: none\n\n{body}"
    );
    std::fs::create_dir_all(dir).expect("mkdir");
    let path = dir.join(file);
    std::fs::write(&path, text).expect("write rule");
    path
}
