//! The `uplint` binary as users run it: exit codes, reports, broken rules, broken inputs.

mod common;
use common::{Run, copy_dir, uplint_in, write_rule};

use std::path::Path;

use serde_json::Value;

const CORPUS: &str = "corpora/vmm-2012r2-to-2016";
const CLEAN: &str = "corpora/vmm-2012r2-to-2016-clean";
const MALFORMED: &str = "tests/fixtures/bundles/malformed-reg";

fn uplint(args: &[&str]) -> Run {
    uplint_in(Path::new("."), args)
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = uplint(&all);
    let v = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, v)
}

#[test]
fn the_vmm_corpus_fires_all_four_rules_and_exits_1() {
    let run = uplint(&["check", CORPUS]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for (rule, at) in [
        ("VMM001", "VMM01/vmm-registry.reg:27:18"),
        ("VMM015", "VMM01/vmm-registry.reg:14:20"),
        ("VMM016", "VMM01/winrm-config.txt:24:42"),
        ("VMM017", "HV01/winrm-config.txt:26:26"),
    ] {
        assert!(
            run.stdout.contains(&format!("[{rule}]")),
            "{rule} missing:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("{CORPUS}/{at}")),
            "{at} missing:\n{}",
            run.stdout
        );
    }
    // The offending value is underlined, not the whole line.
    assert!(
        run.stdout
            .contains("\"ProductVersion\"=\"3.1.6011.0\"\n   │                  ^^^^^^^^^^^^"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_clean_corpus_exits_0_with_every_rule_evaluated() {
    let (code, report) = json(&[CLEAN]);
    assert_eq!(code, 0, "{report:#}");
    // Only reminders of the post-upgrade work, which every planned upgrade has.
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] == "VMM026" && f["severity"] == "info"),
        "{report:#}"
    );
    assert_eq!(report["complete"], true);
    assert_eq!(report["summary"]["outcomes"]["not-evaluated"], 0);
    assert_eq!(report["summary"]["outcomes"]["error"], 0);
    assert!(report["summary"]["outcomes"]["pass"].as_u64().unwrap_or(0) >= 4);
}

/// Issue 4's acceptance cases, on copies of the shipped corpora.
#[test]
fn an_in_place_2012_r2_ur14_upgrade_at_defaults_has_no_error_level_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("b");
    copy_dir(Path::new(CLEAN), &bundle);
    // The same estate upgraded in place: VMM 2016 goes on VMM01 itself, which runs the last
    // 2012 R2 rollup on Windows Server 2012 R2, with SQL Server 2014 and defaults everywhere.
    std::fs::remove_dir_all(bundle.join("VMM02")).expect("rm VMM02");
    std::fs::write(
        bundle.join("plan.json"),
        r#"{"upgrades": [{"product": "vmm", "target": "2016", "server": "VMM01"}], "sequence": ["vmm"]}"#,
    )
    .expect("plan");
    let reg = bundle.join("VMM01/vmm-registry.reg");
    let bytes = std::fs::read(&reg).expect("read reg");
    let text = String::from_utf16_lossy(
        &bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    assert!(text.contains("\"ProductVersion\"=\"3.2.8145.0\""));
    let ur14 = text.replace(
        "\"ProductVersion\"=\"3.2.8145.0\"",
        "\"ProductVersion\"=\"3.2.9013.0\"",
    );
    let mut out = vec![0xFF, 0xFE];
    out.extend(ur14.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&reg, out).expect("write reg");

    let (code, report) = json(&[&bundle.to_string_lossy()]);
    assert_eq!(code, 0, "{report:#}");
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{report:#}"
    );
    // The OS upgrade of VMM01 is part of the procedure: said, as a warning.
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "VMM004" && f["severity"] == "warning"),
        "{report:#}"
    );
    assert_eq!(
        report["summary"]["outcomes"]["not-evaluated"], 0,
        "{report:#}"
    );
}

#[test]
fn vmm_2012_sp1_moved_to_another_computer_reports_the_upgrade_path_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("b");
    copy_dir(Path::new(CORPUS), &bundle);
    std::fs::write(
        bundle.join("plan.json"),
        r#"{"upgrades": [{"product": "vmm", "target": "2016", "server": "VMM01", "new_server": "VMM02"}], "sequence": ["vmm"]}"#,
    )
    .expect("plan");
    let (code, report) = json(&[&bundle.to_string_lossy()]);
    assert_eq!(code, 1, "{report:#}");
    let path_error = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "VMM001")
        .cloned()
        .unwrap_or_default();
    assert_eq!(path_error["severity"], "error", "{report:#}");
    assert!(
        path_error["message"]
            .as_str()
            .is_some_and(|m| m.contains("2012 SP1") && m.contains("cannot be upgraded directly")),
        "{path_error:#}"
    );
}

#[test]
fn json_report_matches_the_documented_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("docs/json-report.schema.json").expect("schema"),
    )
    .expect("schema is JSON");
    for bundle in [CORPUS, CLEAN, MALFORMED] {
        let (_, report) = json(&[bundle]);
        let mut errors = Vec::new();
        validate(&schema, &schema, &report, "$", &mut errors);
        assert!(errors.is_empty(), "{bundle}: {errors:#?}");
    }
    // The validator itself rejects what the schema forbids.
    let (_, mut report) = json(&[CORPUS]);
    report["findings"][0]["severity"] = Value::from("fatal");
    report["unexpected"] = Value::from(1);
    let mut errors = Vec::new();
    validate(&schema, &schema, &report, "$", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn json_findings_carry_original_byte_offsets_for_utf16_files() {
    let (_, report) = json(&[CORPUS]);
    let f = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "VMM001")
        .expect("VMM001")
        .clone();
    let loc = &f["location"];
    let bytes = std::fs::read(Path::new(CORPUS).join("VMM01/vmm-registry.reg")).expect("reg");
    let start = loc["byte_offset"].as_u64().expect("offset") as usize;
    let len = loc["byte_length"].as_u64().expect("len") as usize;
    let units: Vec<u16> = bytes[start..start + len]
        .chunks(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    assert_eq!(String::from_utf16_lossy(&units), "\"3.1.6011.0\"");
    assert_eq!(f["actual"], "3.1.6011.0");
    assert_eq!(f["computer"], "VMM01");
    assert_eq!(f["file_in_bundle"], "VMM01/vmm-registry.reg");
    assert!(
        f["path"]
            .as_str()
            .unwrap_or("")
            .ends_with("\\Setup\\ProductVersion")
    );
}

#[test]
fn a_malformed_reg_is_an_input_error_at_its_line_and_the_rest_is_still_checked() {
    let (code, report) = json(&[MALFORMED]);
    assert_eq!(code, 1);
    assert_eq!(report["complete"], false);
    let findings = report["findings"].as_array().expect("findings");
    let input = findings
        .iter()
        .find(|f| f["rule"] == "input-error")
        .expect("input-error");
    assert_eq!(input["severity"], "error");
    assert_eq!(
        input["location"]["file"],
        format!("{MALFORMED}/VMM01/vmm-registry.reg")
    );
    assert_eq!(input["location"]["line"], 14);
    assert_eq!(input["location"]["column"], 20);
    assert!(
        findings.iter().any(|f| f["rule"] == "VMM017"),
        "other files still checked: {report:#}"
    );
}

#[test]
fn an_export_that_holds_a_powershell_error_is_an_input_error_and_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let computer = dir.path().join("SRV01");
    std::fs::create_dir_all(&computer).expect("mkdir");
    std::fs::write(
        computer.join("features.json"),
        concat!(
            "Get-WindowsFeature : The term 'Get-WindowsFeature' is not recognized as the name of a cmdlet.\r\n",
            "At line:1 char:1\r\n",
            "+ Get-WindowsFeature | Select-Object Name,DisplayName,Installed | ConvertTo-Json\r\n",
            "+ ~~~~~~~~~~~~~~~~~~\r\n",
            "    + CategoryInfo          : ObjectNotFound: (Get-WindowsFeature:String) [], CommandNotFoundException\r\n",
            "    + FullyQualifiedErrorId : CommandNotFoundException\r\n",
        ),
    )
    .expect("write");
    std::fs::write(
        computer.join("os.json"),
        "{\"Caption\": \"Microsoft Windows Server 2016 Datacenter\", \"Version\": \"10.0.14393\", \"BuildNumber\": \"14393\"}",
    )
    .expect("write");
    let bundle = dir.path().to_string_lossy().into_owned();
    let (code, report) = json(&[&bundle]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["complete"], false);
    let findings = report["findings"].as_array().expect("findings");
    let input: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "input-error")
        .collect();
    assert_eq!(input.len(), 1, "{report:#}");
    assert_eq!(input[0]["severity"], "error");
    assert!(
        input[0]["location"]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("features.json")),
        "{report:#}"
    );
    assert_eq!(input[0]["location"]["line"], 1);
    assert_eq!(
        input[0]["message"],
        "this file holds a PowerShell error, not an export: Get-WindowsFeature : The term 'Get-WindowsFeature' is not recognized as the name of a cmdlet. (CommandNotFoundException); fix the command and collect it again"
    );
    // `inspect` names the format and the fact.
    let run = uplint(&["inspect", &bundle]);
    assert!(
        run.stdout.contains("[powershell-error, utf-8]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("collection.errors = 1 record(s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn output_is_identical_across_thread_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("fleet");
    // A bundle big enough for two threads to interleave: the corpus computers many times over.
    std::fs::create_dir_all(&bundle).expect("mkdir");
    std::fs::copy(
        Path::new(CORPUS).join("plan.json"),
        bundle.join("plan.json"),
    )
    .expect("plan");
    for i in 0..40 {
        for name in ["VMM01", "HV01", "HV02", "SQL01"] {
            copy_dir(
                &Path::new(CORPUS).join(name),
                &bundle.join(format!("{name}-{i:02}")),
            );
        }
    }
    let b = bundle.to_string_lossy().into_owned();
    let one = uplint(&["check", "--format", "json", "-j", "1", &b]);
    let two = uplint(&["check", "--format", "json", "-j", "2", &b]);
    let four = uplint(&["check", "--format", "json", "-j", "4", &b]);
    assert!(one.stdout.len() > 10_000);
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, four.stdout);
    let human_one = uplint(&["check", "-j", "1", &b]);
    let human_two = uplint(&["check", "-j", "2", &b]);
    assert_eq!(human_one.stdout, human_two.stdout);
}

#[test]
fn a_rule_with_an_endless_loop_is_a_rule_error_in_its_file_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_rule(
        dir.path(),
        "LOOP001-endless-loop.rhai",
        "fn check(computer) {\n    let i = 0;\n    loop {\n        i += 1;\n    }\n}\n",
    );
    let rules = dir.path().to_string_lossy().into_owned();
    // The operation limit, not the clock: a debug build takes seconds for 10 million operations.
    let no_clock = ["--limit", "rule-ms=600000"];
    let run = uplint(&[
        "check",
        "--rules",
        &rules,
        "--select",
        "LOOP001",
        no_clock[0],
        no_clock[1],
        CORPUS,
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("error[rule-error]: rule LOOP001 failed: Too many operations"),
        "{}",
        run.stdout
    );
    // Rhai gives no position for the operation limit; the check function is shown instead.
    assert!(
        run.stdout.contains("LOOP001-endless-loop.rhai:8:1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("failed on 4 subject(s)"),
        "{}",
        run.stdout
    );
    let (_, report) = json(&[
        "--rules",
        &rules,
        "--select",
        "LOOP001",
        no_clock[0],
        no_clock[1],
        CORPUS,
    ]);
    assert_eq!(report["summary"]["outcomes"]["error"], 4);
    assert_eq!(
        report["summary"]["outcomes"]["pass"], 0,
        "a rule error is never a pass"
    );
}

#[test]
fn a_rule_with_a_syntax_error_is_a_diagnostic_at_its_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_rule(
        dir.path(),
        "SYN001-syntax-error.rhai",
        "fn check(computer) {\n    let x = ;\n}\n",
    );
    let rules = dir.path().to_string_lossy().into_owned();
    let run = uplint(&["check", "--rules", &rules, CORPUS]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error[rule-error]"), "{}", run.stdout);
    assert!(
        run.stdout.contains("SYN001-syntax-error.rhai:9:13"),
        "{}",
        run.stdout
    );
    // The built-in rules still ran.
    assert!(run.stdout.contains("[VMM001]"), "{}", run.stdout);
}

#[test]
fn a_rule_header_error_points_at_the_header_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_rule(
        dir.path(),
        "HDR001-bad-header.rhai",
        "fn check(computer) {}\n",
    );
    let text = std::fs::read_to_string(&path)
        .expect("read")
        .replace("severity: warning", "severity: fatal");
    std::fs::write(&path, text).expect("write");
    let run = uplint(&["check", "--rules", &dir.path().to_string_lossy(), CORPUS]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("severity must be"), "{}", run.stdout);
    assert!(
        run.stdout.contains("HDR001-bad-header.rhai:3:1"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_bundle_level_rule_reports_on_facts_with_their_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_rule(
        dir.path(),
        "FLEET001-vmm-versions.rhai",
        "fn check_bundle(bundle) {\n    for c in bundle.computers {\n        let v = c.fact(\"vmm.version\");\n        if v != () && version(v) < \"3.2\" { report(v, `old VMM ${v} on ${c.name}`); }\n    }\n}\n",
    );
    let rules = dir.path().to_string_lossy().into_owned();
    let (_, report) = json(&["--rules", &rules, "--select", "FLEET001", CORPUS]);
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "FLEET001", "{report:#}");
    assert_eq!(f["message"], "old VMM 3.1.6011.0 on VMM01");
    assert_eq!(f["computer"], Value::Null);
    assert_eq!(f["file_in_bundle"], "VMM01/vmm-registry.reg");
    assert_eq!(f["location"]["line"], 27);
    let outcome = report["outcomes"]
        .as_array()
        .and_then(|o| o.first())
        .cloned()
        .unwrap_or_default();
    assert_eq!(outcome["subject"], Value::Null);
    assert_eq!(outcome["outcome"], "fail");
    let human = uplint(&["check", "--rules", &rules, "--select", "FLEET001", CORPUS]);
    assert!(
        human.stdout.contains("VMM01/vmm-registry.reg:27:18"),
        "{}",
        human.stdout
    );
}

#[test]
fn report_with_a_severity_can_lower_but_never_raise_a_findings_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    // write_rule declares `severity: warning`.
    write_rule(
        dir.path(),
        "SEV001-mixed.rhai",
        "fn check_bundle(bundle) {\n    report((), \"as declared\");\n    report((), \"lowered\", \"info\");\n    report((), \"raised\", \"error\");\n}\n",
    );
    let rules = dir.path().to_string_lossy().into_owned();
    let (_, report) = json(&["--rules", &rules, "--select", "SEV001", CORPUS]);
    let severity_of = |message: &str| {
        report["findings"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["message"] == message))
            .map(|f| f["severity"].clone())
            .unwrap_or_default()
    };
    assert_eq!(severity_of("as declared"), "warning", "{report:#}");
    assert_eq!(severity_of("lowered"), "info");
    assert_eq!(severity_of("raised"), "warning");

    write_rule(
        dir.path(),
        "SEV001-mixed.rhai",
        "fn check_bundle(bundle) {\n    report((), \"typo\", \"warn\");\n}\n",
    );
    let run = uplint(&["check", "--rules", &rules, "--select", "SEV001", CORPUS]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("severity must be \"error\", \"warning\" or \"info\", not \"warn\""),
        "{}",
        run.stdout
    );
}

#[test]
fn two_exports_that_disagree_on_a_fact_are_reported_where_they_disagree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("b");
    copy_dir(Path::new(CLEAN), &bundle);
    // A second WinRM export on HV02, taken after someone lowered the quota.
    let winrm = std::fs::read_to_string(bundle.join("HV02/winrm-config.txt")).expect("winrm");
    std::fs::write(
        bundle.join("HV02/winrm-later.txt"),
        winrm.replace("MaxConnections = 300", "MaxConnections = 30"),
    )
    .expect("write");
    let (code, report) = json(&["--fail-on", "warning", &bundle.to_string_lossy()]);
    assert_eq!(code, 1);
    let conflict = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "fact-conflict")
        .cloned()
        .unwrap_or_else(|| panic!("no fact-conflict: {report:#}"));
    assert_eq!(conflict["severity"], "warning");
    assert_eq!(conflict["file_in_bundle"], "HV02/winrm-later.txt");
    assert_eq!(conflict["actual"], "30");
    let message = conflict["message"].as_str().unwrap_or("");
    assert!(
        message.contains("`winrm.max_connections`")
            && message.contains("300 in HV02/winrm-config.txt"),
        "{message}"
    );
}

#[test]
fn inspect_lists_every_file_with_its_kind_and_facts() {
    let run = uplint(&["inspect", CORPUS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "VMM01/vmm-registry.reg  [reg, utf-16le]",
        "    vmm.version = 3.1.6011.0",
        "HV01/winrm-config.txt  [winrm-config, utf-8]",
        "    winrm.max_connections = 50",
        "SQL01/os-currentversion.reg  [reg, utf-16le]",
        "plan.json  [json, utf-8]",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in:\n{}",
            run.stdout
        );
    }
    let files = std::fs::read_dir(CORPUS)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .collect::<Vec<_>>();
    let count: usize = files
        .iter()
        .map(|p| {
            if p.is_dir() {
                std::fs::read_dir(p).map_or(0, |d| d.count())
            } else {
                1
            }
        })
        .sum();
    assert_eq!(
        run.stdout.lines().filter(|l| !l.starts_with(' ')).count(),
        count,
        "every file listed once"
    );
    let json = uplint(&["inspect", "--json", CORPUS]);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["facts"]["VMM01"]["vmm"]["version"], "3.1.6011.0");
    assert_eq!(v["facts"]["HV01"]["winrm"]["max_connections_source"], "GPO");
    assert_eq!(v["files"].as_array().map(Vec::len), Some(count));
    let broken = uplint(&["inspect", MALFORMED]);
    assert_eq!(broken.code, 1);
    assert!(
        broken.stdout.contains("input-error 14:20:"),
        "{}",
        broken.stdout
    );
}

#[test]
fn fail_on_changes_the_exit_code_only() {
    assert_eq!(uplint(&["check", "--fail-on", "never", CORPUS]).code, 0);
    assert_eq!(uplint(&["check", "--fail-on", "warning", CORPUS]).code, 1);
    assert_eq!(
        uplint(&["check", "--select", "VMM015", "--fail-on", "error", CORPUS]).code,
        0
    );
    assert_eq!(
        uplint(&[
            "check",
            "--select",
            "VMM015",
            "--fail-on",
            "warning",
            CORPUS
        ])
        .code,
        1
    );
    // An incomplete run never exits 0, whatever --fail-on says.
    assert_eq!(uplint(&["check", "--fail-on", "never", MALFORMED]).code, 1);
}

#[test]
fn report_file_is_written_atomically_and_never_into_a_bundle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let run = uplint(&[
        "check",
        "--format",
        "json",
        "--output",
        &out.to_string_lossy(),
        CORPUS,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("json");
    assert_eq!(written["version"], 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    let inside = format!("{CORPUS}/report.json");
    let refused = uplint(&["check", "--output", &inside, CORPUS]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("never writes into a bundle"));
    assert!(!Path::new(&inside).exists());
}

#[test]
fn a_computer_folder_or_an_empty_folder_is_not_a_clean_bundle() {
    let run = uplint(&["check", &format!("{CORPUS}/VMM01")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("error[no-computers]"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("point uplint at the folder that contains it"),
        "{}",
        run.stdout
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let run = uplint(&[
        "check",
        "--fail-on",
        "never",
        &empty.path().to_string_lossy(),
    ]);
    assert_eq!(
        run.code, 1,
        "an empty folder is never a pass: {}",
        run.stdout
    );
    assert!(run.stdout.contains("the folder is empty"), "{}", run.stdout);
}

#[test]
fn a_plan_naming_a_computer_the_bundle_lacks_is_an_error_at_that_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("b");
    copy_dir(Path::new(CLEAN), &bundle);
    let plan = std::fs::read_to_string(bundle.join("plan.json")).expect("plan");
    std::fs::write(
        bundle.join("plan.json"),
        plan.replace("\"VMM01\"", "\"VMM1\""),
    )
    .expect("write");
    let run = uplint(&["check", &bundle.to_string_lossy()]);
    assert_eq!(
        run.code, 1,
        "a typo in the plan must not pass silently: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("error[plan-computer-missing]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("did you mean \"VMM01\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("plan.json:"),
        "points into plan.json: {}",
        run.stdout
    );
}

#[test]
fn bad_arguments_and_missing_bundles_exit_2() {
    assert_eq!(uplint(&["check", "--format", "yaml", CORPUS]).code, 2);
    let run = uplint(&["check", "no/such/bundle"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("cannot open bundle"), "{}", run.stdout);
}

#[test]
fn plan_with_an_unknown_key_is_an_error_with_a_span() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("b");
    copy_dir(Path::new(CLEAN), &bundle);
    std::fs::write(
        bundle.join("plan.json"),
        "{\n  \"upgrades\": [\n    { \"product\": \"vmm\", \"targte\": \"2016\" }\n  ]\n}\n",
    )
    .expect("plan");
    let run = uplint(&["check", &bundle.to_string_lossy()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("unknown key \"targte\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("did you mean \"target\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("plan.json:3:"), "{}", run.stdout);
}

#[test]
fn missing_data_is_not_evaluated_with_the_export_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("b");
    copy_dir(Path::new(CLEAN), &bundle);
    std::fs::remove_file(bundle.join("SQL01/winrm-config.txt")).expect("rm");
    let (code, report) = json(&[&bundle.to_string_lossy()]);
    assert_eq!(code, 0);
    let ne: Vec<&Value> = report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .filter(|o| o["outcome"] == "not-evaluated")
        .collect();
    assert_eq!(ne.len(), 2, "{ne:#?}");
    assert!(
        ne.iter().all(|o| o["subject"] == "SQL01"
            && o["command"] == "winrm get winrm/config > winrm-config.txt")
    );
    let human = uplint(&["check", &bundle.to_string_lossy()]);
    assert!(
        human
            .stdout
            .contains("to check it: winrm get winrm/config > winrm-config.txt"),
        "{}",
        human.stdout
    );
}

#[test]
fn every_vmm_rule_from_vmm001_to_vmm026_is_listed_and_fully_explained() {
    let listed = uplint(&["rules"]);
    assert_eq!(listed.code, 0);
    for n in 1..=26 {
        let id = format!("VMM{n:03}");
        assert!(
            listed.stdout.contains(&id),
            "{id} missing from `uplint rules`"
        );
        let run = uplint(&["explain", &id]);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        for section in [
            "## What it checks",
            "## Why it matters",
            "## Data it needs",
            "## Confidence",
            "## Remediation",
            "## References",
        ] {
            assert!(
                run.stdout.contains(section),
                "`uplint explain {id}` lacks {section:?}:\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn rules_and_explain_come_from_the_rule_headers() {
    let run = uplint(&["rules"]);
    assert_eq!(run.code, 0);
    for id in ["VMM001", "VMM015", "VMM016", "VMM017"] {
        assert!(run.stdout.contains(id), "{}", run.stdout);
    }
    let explain = uplint(&["explain", "vmm015"]);
    assert_eq!(explain.code, 0);
    assert!(
        explain
            .stdout
            .contains("# VMM015 — library-share-not-default")
    );
    assert!(explain.stdout.contains("## Why it matters"));
    assert!(explain.stdout.contains("001_88478c8760d5937c.txt"));
    let unknown = uplint(&["explain", "VMN015"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean VMM015"),
        "{}",
        unknown.stderr
    );
}

/// A validator for the subset of JSON Schema the report schema uses.
fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let def = r.trim_start_matches("#/$defs/");
        return validate(root, &root["$defs"][def], v, at, errors);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let ok = options
            .iter()
            .filter(|o| {
                let mut e = Vec::new();
                validate(root, o, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if ok != 1 {
            errors.push(format!("{at}: matches {ok} of oneOf"));
        }
        return;
    }
    if let Some(ty) = schema.get("type") {
        let types: Vec<&str> = match ty {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types.contains(&actual) {
            errors.push(format!("{at}: is {actual}, expected {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(v)
    {
        errors.push(format!("{at}: {v} not in {allowed:?}"));
    }
    if let Value::Object(map) = v {
        for req in schema["required"].as_array().into_iter().flatten() {
            if let Some(k) = req.as_str()
                && !map.contains_key(k)
            {
                errors.push(format!("{at}: missing {k}"));
            }
        }
        for (k, child) in map {
            match schema["properties"].get(k) {
                Some(s) => validate(root, s, child, &format!("{at}.{k}"), errors),
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    errors.push(format!("{at}: unexpected property {k}"));
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (v, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(root, item_schema, item, &format!("{at}[{i}]"), errors);
        }
    }
}

#[test]
fn an_empty_export_is_called_empty_not_unrecognized_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hv = dir.path().join("HV01");
    std::fs::create_dir_all(&hv).expect("mkdir");
    // What `Get-VM | ConvertTo-Json > vms.json` leaves in Windows PowerShell 5.1 when Get-VM
    // fails: a byte order mark and nothing else.
    std::fs::write(hv.join("vms.json"), [0xFF, 0xFE]).expect("write");
    std::fs::write(hv.join("notes.txt"), "collected by hand\r\n").expect("write");
    let bundle = dir.path().to_string_lossy().into_owned();
    let (code, report) = json(&[&bundle]);
    assert_eq!(
        code, 1,
        "a bundle of which nothing could be read is not a clean pass"
    );
    assert_eq!(report["complete"], false);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "unrecognized-file")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.iter().any(|m| m.starts_with("the file is empty")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("it starts with `collected by hand`")),
        "{messages:?}"
    );
}

// Command-line traps found by attacking uplint (issue "Never crash, never pass silently").

#[test]
fn a_rules_folder_is_a_name_not_a_pattern() {
    // `uplint test 'team [x]'` found no rule and said "0 passed, 0 failed".
    let dir = tempfile::tempdir().expect("tempdir");
    let scaffold = uplint_in(
        dir.path(),
        &[
            "new-rule",
            "ACME001",
            "--product",
            "vmm",
            "--name",
            "x-is-wrong",
            "--dir",
            "team [x]*",
        ],
    );
    assert_eq!(scaffold.code, 0, "{}", scaffold.stderr);
    let test = uplint_in(dir.path(), &["test", "team [x]*"]);
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(
        test.stdout.contains("fixtures: 2 passed, 0 failed"),
        "{}",
        test.stdout
    );
    let rules = uplint_in(
        dir.path(),
        &["rules", "--rules", "team [x]*", "--select", "ACME"],
    );
    assert_eq!(rules.code, 0, "{}", rules.stderr);
    assert!(rules.stdout.contains("ACME001"), "{}", rules.stdout);
}

#[test]
fn a_rules_folder_without_rules_is_an_error_not_an_empty_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("empty/lib")).expect("mkdir");
    std::fs::write(dir.path().join("empty/notes.txt"), "x").expect("write");
    for args in [
        &["test", "empty"][..],
        &["check", "--rules", "empty", "../estate"][..],
        &["rules", "--rules", "empty"][..],
    ] {
        let run = uplint_in(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("holds no rule"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_selection_that_matches_no_rule_is_an_error_with_a_suggestion() {
    // `check --select doesnotexist` ran 0 rules and exited 0, "complete".
    let run = uplint(&["check", "--select", "doesnotexist", CLEAN]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("--select `doesnotexist` matches no rule"),
        "{}",
        run.stderr
    );
    let typo = uplint(&["check", "--select", "VMN015", CLEAN]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `VMM015`?"),
        "{}",
        typo.stderr
    );
    let ignore = uplint(&["rules", "--ignore", "vmn"]);
    assert_eq!(ignore.code, 2);
    assert!(
        ignore.stderr.contains("did you mean `vmm`?"),
        "{}",
        ignore.stderr
    );
    assert_eq!(uplint(&["check", "--select", "vmm,VMM01", CLEAN]).code, 0);
}

#[test]
fn check_in_a_folder_that_is_not_a_bundle_says_so() {
    // Run in a git checkout, `uplint check` read .git/, target/ and src/ as computers and
    // printed binary bytes.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for (path, bytes) in [
        (".git/config", &b"[core]\n\tbare = false\n"[..]),
        (
            ".git/objects/ab/cdef",
            &b"x\x9c\x01\x02\x1b]0;pwned\x07\x00"[..],
        ),
        ("src/main.rs", &b"fn main() {}\n"[..]),
        ("target/debug/app", &b"\x7fELF\x02\x01\x01\x00\x1b[2J"[..]),
        ("Cargo.toml", &b"[package]\nname = \"app\"\n"[..]),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }
    let run = uplint_in(root, &["check"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("none of its 2 file(s) is an export"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains(".git"),
        "hidden folders are not computers: {}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("unrecognized-file").count(),
        2,
        "the few files are still named: {}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "no raw escape bytes");
    let (code, report) = {
        let run = uplint_in(root, &["check", "--format", "json"]);
        (
            run.code,
            serde_json::from_str::<Value>(&run.stdout).expect("json"),
        )
    };
    assert_eq!(code, 1);
    assert_eq!(report["complete"], false);
}

#[test]
fn inspect_of_a_wrong_folder_says_what_is_wrong() {
    // `inspect` of a computer's folder or an empty folder exited 1 with no explanation.
    let empty = tempfile::tempdir().expect("tempdir");
    let run = uplint(&["inspect", &empty.path().to_string_lossy()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("no-computers") && run.stdout.contains("the folder is empty"));
    let computer = uplint(&["inspect", "corpora/vmm-2012r2-to-2016/VMM01"]);
    assert_eq!(computer.code, 1);
    assert!(
        computer
            .stdout
            .contains("point uplint at the folder that contains it")
    );
}

#[test]
fn format_is_spelled_the_same_for_every_command() {
    let rules_format = uplint(&["rules", "--format", "json"]);
    let rules_json = uplint(&["rules", "--json"]);
    assert_eq!(rules_format.code, 0, "{}", rules_format.stderr);
    assert_eq!(rules_format.stdout, rules_json.stdout);
    serde_json::from_str::<Value>(&rules_format.stdout).expect("json");
    let inspect_format = uplint(&["inspect", "--format", "json", CLEAN]);
    let inspect_json = uplint(&["inspect", "--json", CLEAN]);
    assert_eq!(inspect_format.code, 0, "{}", inspect_format.stderr);
    assert_eq!(inspect_format.stdout, inspect_json.stdout);
}

#[test]
fn an_uplint_toml_inside_the_bundle_is_its_settings_not_an_export() {
    // docs/custom-rules.md said to keep uplint.toml with the estate; one inside the bundle was
    // ignored and reported as an unrecognized file.
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("estate");
    copy_dir(Path::new(CORPUS), &bundle);
    let (_, before) = json(&[&bundle.to_string_lossy()]);
    let fired = |report: &Value, rule: &str| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == rule)
    };
    assert!(fired(&before, "VMM015"));
    std::fs::write(bundle.join("uplint.toml"), "ignore = [\"VMM015\"]\n").expect("write");
    let (_, after) = json(&[&bundle.to_string_lossy()]);
    assert!(
        !fired(&after, "VMM015"),
        "the settings inside the bundle apply"
    );
    assert!(!fired(&after, "unrecognized-file"), "{after:#}");
}
