//! The consultant's workflow: scaffold a rule, test it, break it, configure it, run it with the
//! built-in rules.

use std::path::Path;

mod common;
use common::{copy_dir, uplint_in};

const CORPUS: &str = "corpora/vmm-2012r2-to-2016";

fn corpus() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(CORPUS)
        .to_string_lossy()
        .into_owned()
}

/// A temporary folder holding a copy of the sample corpus as `estate`, an `uplint.toml` with
/// `config` beside it, and, when `with_acme` is set, a scaffolded rule ACME001 in `acme/`.
fn estate_with_config(config: &str, with_acme: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(Path::new(CORPUS), &dir.path().join("estate"));
    if with_acme {
        let scaffold = uplint_in(
            dir.path(),
            &[
                "new-rule",
                "ACME001",
                "--product",
                "vmm",
                "--name",
                "winrm-max-connections-too-low",
                "--dir",
                "acme",
            ],
        );
        assert_eq!(scaffold.code, 0, "{}", scaffold.stderr);
    }
    std::fs::write(dir.path().join("uplint.toml"), config).expect("config");
    dir
}

#[test]
fn a_new_rule_passes_its_own_fixtures_fails_when_broken_and_runs_with_the_builtins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = uplint_in(
        dir.path(),
        &[
            "new-rule",
            "ACME001",
            "--product",
            "vmm",
            "--name",
            "winrm-max-connections-too-low",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = uplint_in(dir.path(), &["test", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("fixtures: 2 passed, 0 failed"),
        "{}",
        run.stdout
    );

    // Break it: the passing fixture now gets a finding.
    let rule = dir
        .path()
        .join("ACME001-winrm-max-connections-too-low.rhai");
    let text = std::fs::read_to_string(&rule).expect("rule");
    std::fs::write(
        &rule,
        text.replace("if value < minimum", "if value <= minimum"),
    )
    .expect("write");
    // A bare `uplint test` in the rule's folder tests that rule.
    let run = uplint_in(dir.path(), &["test"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("FAIL ACME001 pass/example"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("unexpected finding: ACME001 on SRV01 at SRV01/winrm-config.txt:6"),
        "{}",
        run.stdout
    );

    let junit = uplint_in(dir.path(), &["test", ".", "--format", "junit"]);
    assert_eq!(junit.code, 1);
    assert!(
        junit
            .stdout
            .contains("<testsuite name=\"ACME001\" tests=\"2\" failures=\"1\">"),
        "{}",
        junit.stdout
    );

    // With the built-ins, on the corpus: the custom rule runs alongside them.
    let run = uplint_in(
        dir.path(),
        &["check", "--rules", ".", "--format", "json", &corpus()],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"ACME001") && rules.contains(&"VMM001"),
        "{rules:?}"
    );
}

#[test]
fn new_rule_refuses_bad_ids_products_names_and_taken_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let new_rule = |args: &[&str]| {
        let mut all = vec!["new-rule"];
        all.extend_from_slice(args);
        uplint_in(dir.path(), &all)
    };
    assert_eq!(
        new_rule(&["acme1", "--product", "vmm", "--name", "x-y"]).code,
        2
    );
    // Found by attacking uplint: these were accepted.
    let nonsense = new_rule(&["ACME003", "--product", "nonsense", "--name", "x-y"]);
    assert_eq!(nonsense.code, 2);
    assert!(
        nonsense.stderr.contains("vmm, hyperv, appv, sms"),
        "{}",
        nonsense.stderr
    );
    let typo = new_rule(&["ACME003", "--product", "vnm", "--name", "x-y"]);
    assert!(
        typo.stderr.contains("did you mean `vmm`"),
        "{}",
        typo.stderr
    );
    let unnamed = new_rule(&["ACME003", "--product", "vmm"]);
    assert_eq!(unnamed.code, 2, "a rule needs a name of its own");
    assert!(unnamed.stderr.contains("--name"), "{}", unnamed.stderr);
    let builtin = new_rule(&["VMM001", "--product", "vmm", "--name", "x-y"]);
    assert_eq!(builtin.code, 2);
    assert!(
        builtin.stderr.contains("exists already"),
        "{}",
        builtin.stderr
    );
    assert_eq!(
        new_rule(&["ACME002", "--product", "vmm", "--name", "x-y"]).code,
        0
    );
    let again = new_rule(&["ACME002", "--product", "vmm", "--name", "other-name"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);
    assert!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with("ACME003")),
        "nothing was created for refused ids"
    );
}

#[test]
fn builtin_fixtures_run_through_uplint_test() {
    let run = uplint_in(Path::new("."), &["test"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for id in ["VMM001", "VMM015", "VMM016", "VMM017"] {
        assert!(
            run.stdout.contains(&format!("ok   {id} fail/")),
            "{id}: {}",
            run.stdout
        );
    }
    assert!(run.stdout.contains(" 0 failed"), "{}", run.stdout);
}

#[test]
fn uplint_toml_beside_the_bundles_selects_overrides_and_sets_options() {
    let dir = estate_with_config(
        "rules = [\"acme\"]\nignore = [\"VMM016\"]\nfail-on = \"warning\"\n\n[severity]\nVMM015 = \"info\"\n\n[options.ACME001]\nminimum = 60\n",
        true,
    );
    let run = uplint_in(dir.path(), &["check", "--format", "json", "estate"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        !findings.iter().any(|f| f["rule"] == "VMM016"),
        "ignored by uplint.toml"
    );
    assert!(
        findings
            .iter()
            .filter(|f| f["rule"] == "VMM015")
            .all(|f| f["severity"] == "info")
    );
    // The option lowers ACME001's minimum to 60: only HV01's MaxConnections = 50 is below it.
    let acme: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["rule"] == "ACME001").collect();
    assert_eq!(acme.len(), 1, "{acme:#?}");
    assert_eq!(acme[0]["computer"], "HV01");
    assert_eq!(report["fail_on"], "warning");
    assert_eq!(run.code, 1);
}

#[test]
fn a_misspelt_key_or_rule_id_in_uplint_toml_is_an_error_at_its_line() {
    let dir = estate_with_config(
        "ignroe = [\"VMM016\"]\n\n[severity]\nVMM0015 = \"info\"\n",
        false,
    );
    let run = uplint_in(dir.path(), &["check", "estate"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("error[config-error]: unknown key `ignroe`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `ignore`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("uplint.toml:1:1"), "{}", run.stderr);
    // The key is fixed; now the rule id is wrong.
    std::fs::write(
        dir.path().join("uplint.toml"),
        "ignore = [\"VMM016\"]\n\n[severity]\nVMM0015 = \"info\"\n",
    )
    .expect("config");
    let run = uplint_in(dir.path(), &["check", "estate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no loaded rule has the id VMM0015"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("uplint.toml:4:1"), "{}", run.stderr);
}

#[test]
fn an_option_of_the_wrong_type_is_a_rule_error_not_a_silent_pass() {
    let dir = estate_with_config(
        "rules = [\"acme\"]\n[options.ACME001]\nminimum = \"300\"\n",
        true,
    );
    let run = uplint_in(dir.path(), &["check", "--select", "ACME001", "estate"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "option `minimum` in uplint.toml is a string, but the rule expects an integer"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_custom_rule_reads_registry_values_as_reg_import_would_leave_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hv = dir.path().join("estate").join("HV01");
    std::fs::create_dir_all(&hv).expect("mkdir");
    // Read in path order: a.reg, then b.reg.
    std::fs::write(
        hv.join("a.reg"),
        concat!(
            "Windows Registry Editor Version 5.00\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Agent]\r\n",
            "\"Version\"=\"4.2\"\r\n\"Port\"=dword:00001f90\r\n@=\"agent\"\r\n\r\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Old\\Sub]\r\n\"Left\"=\"over\"\r\n",
        ),
    )
    .expect("a.reg");
    std::fs::write(
        hv.join("b.reg"),
        concat!(
            "Windows Registry Editor Version 5.00\r\n\r\n",
            "[HKLM\\Software\\contoso\\agent]\r\n\"version\"=\"5.1\"\r\n\"Port\"=-\r\n\r\n",
            "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Old]\r\n",
        ),
    )
    .expect("b.reg");
    let rules = dir.path().join("rules");
    common::write_rule(
        &rules,
        "REG001-registry-lookup.rhai",
        concat!(
            "fn check(computer) {\n",
            "    let key = `HKLM\\SOFTWARE\\Contoso\\Agent`;\n",
            "    let v = computer.registry(key, \"Version\");\n",
            "    report(v, `version ${v}, port ${computer.registry(key, \"Port\")}, default ${computer.registry(key, \"\")}, `\n",
            "        + `left ${computer.registry(`HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Old\\Sub`, \"Left\")}, `\n",
            "        + `missing ${computer.registry(`HKLM\\SOFTWARE\\Nobody`, \"X\")}`);\n",
            "}\n",
        ),
    );
    let run = uplint_in(
        dir.path(),
        &["check", "--rules", "rules", "--select", "REG001", "estate"],
    );
    // The later file's value, found whatever the case of key and value names; the deleted
    // value and the values under a deleted key are gone; the finding is at the later file.
    assert!(
        run.stdout
            .contains("version 5.1, port , default agent, left , missing "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("b.reg:4:"), "{}", run.stdout);
}
