//! Embeds every built-in rule file, library and data table from `rules/` into the binary, so the
//! binary alone is enough and no rule file on disk can be left out by mistake.

use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rhai" || e == "json") {
            out.push(path);
        }
    }
}

fn collect_all(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_all(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut code = String::from(
        "/// (path shown to users, contents) of every built-in rule file.\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        if let Some(dir) = file.parent() {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    code.push_str("];\n");
    // The built-in rules' fixture bundles, so `uplint test` can run them from the binary alone.
    // A source package without tests/ simply ships none.
    let fixtures = root.join("tests").join("rules");
    println!("cargo:rerun-if-changed=tests/rules");
    let mut bundles = Vec::new();
    collect_all(&fixtures, &mut bundles);
    bundles.sort();
    code.push_str("/// (path under tests/rules, bytes) of every built-in fixture file.\npub static FIXTURES: &[(&str, &[u8])] = &[\n");
    for file in &bundles {
        if let Some(dir) = file.parent() {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
        let rel = file
            .strip_prefix(&fixtures)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_rules.rs");
    fs::write(out, code).expect("write builtin rule table");
}
