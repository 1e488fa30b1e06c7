//! `uplint new-rule`: a documented rule file and a passing and a failing fixture, so a new rule
//! starts from something that already passes `uplint test` and shows every part of the API a
//! rule usually needs (a fact, an option, `missing`, `report`).

use std::path::{Path, PathBuf};

const WINRM: &str = "Config\r\n    MaxEnvelopeSizekb = 500\r\n    MaxTimeoutms = 60000\r\n    Service\r\n        MaxConcurrentOperationsPerUser = 1500\r\n        MaxConnections = {value}\r\n        AllowUnencrypted = false\r\n";
/// 1-based line of `MaxConnections` in [`WINRM`].
const WINRM_VALUE_LINE: usize = 6;

/// The files of a new rule, relative to its folder.
pub fn files(id: &str, name: &str, product: &str) -> Vec<(PathBuf, String)> {
    let rule = format!(
        r#"//! id: {id}
//! name: {name}
//! severity: warning
//! product: {product}
//! summary: WinRM MaxConnections is below the minimum our standard requires.
//! remediation: Raise MaxConnections to at least the minimum, for example
//!   `winrm set winrm/config/service @{{MaxConnections="300"}}`.
//! references:
//!   - https://learn.microsoft.com/windows/win32/winrm/installation-and-configuration-for-windows-remote-management
//! tags: example
//!
//! ## What it checks
//! Replace this with what your rule checks. This example reads the fact
//! `winrm.max_connections` (from `winrm get winrm/config`) on every computer and reports it
//! when it is below the `minimum` option (default 300), which `uplint.toml` can set:
//!
//! ```toml
//! [options.{id}]
//! minimum = 250
//! ```
//!
//! ## Why it matters
//! Say why a user should care, in the terms of the upgrade.

fn check(computer) {{
    let value = computer.fact("winrm.max_connections");
    if value == () {{
        return missing("winrm.max_connections");
    }}
    let minimum = option("minimum", 300);
    if value < minimum {{
        report(value, `MaxConnections is ${{value}}, below the minimum of ${{minimum}}`);
    }}
}}
"#
    );
    let case = |kind: &str, value: u32, expect: String| -> Vec<(PathBuf, String)> {
        let base = Path::new(id).join(kind).join("example");
        vec![
            (
                base.join("bundle").join("SRV01").join("winrm-config.txt"),
                WINRM.replace("{value}", &value.to_string()),
            ),
            (base.join("expect.json"), expect),
        ]
    };
    let mut out = vec![(PathBuf::from(format!("{id}-{name}.rhai")), rule)];
    out.extend(case(
        "pass",
        300,
        "{\n  \"outcomes\": { \"SRV01\": \"pass\" },\n  \"findings\": []\n}\n".to_owned(),
    ));
    out.extend(case(
        "fail",
        100,
        format!(
            "{{\n  \"outcomes\": {{ \"SRV01\": \"fail\" }},\n  \"findings\": [\n    {{ \"rule\": \"{id}\", \"computer\": \"SRV01\", \"file\": \"SRV01/winrm-config.txt\", \"line\": {WINRM_VALUE_LINE}, \"message\": \"below the minimum of 300\" }}\n  ]\n}}\n"
        ),
    ));
    out
}

/// Writes the files under `dir`, refusing to overwrite anything.
pub fn write(dir: &Path, files: &[(PathBuf, String)]) -> Result<Vec<PathBuf>, String> {
    if let Some((existing, _)) = files.iter().find(|(p, _)| dir.join(p).exists()) {
        return Err(format!(
            "`{}` already exists; uplint new-rule never overwrites files",
            dir.join(existing).display()
        ));
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_line_is_the_value_line() {
        let text = WINRM.replace("{value}", "100");
        assert_eq!(
            text.lines().nth(WINRM_VALUE_LINE - 1).map(str::trim),
            Some("MaxConnections = 100")
        );
    }

    #[test]
    fn the_rule_header_is_valid() {
        let files = files("ACME001", "winrm-max-connections-too-low", "vmm");
        crate::rules::meta::parse(&files[0].1).expect("valid header");
    }
}
