//! Every report format, snapshotted on the shipped corpus and on a bundle with a broken input,
//! so any change in what users see shows up in review.

use std::path::Path;
use std::process::Command;

mod common;
use common::{Run, uplint_in};

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

/// Terminal control sequences planted in a bundle: one that retitles the terminal
/// (`ESC ] 0 ; … BEL`) and one that clears it (`ESC [ 2 J`).
const PLANTED: &str = "\x1b]0;pwned\x07\x1b[2J";
/// How text reports must show them.
const SHOWN: &str = "\\x1b]0;pwned\\x07\\x1b[2J";
/// How JSON reports write them (JSON's own escapes; parsed, they are the planted text again).
const SHOWN_JSON: &str = "\\u001b]0;pwned\\u0007\\u001b[2J";

/// A SQL Server setup answer file whose instance name holds the planted sequences (so a fact,
/// a finding's message and the source line under it do), and a file no format recognizes
/// whose first line holds them.
fn plant(computer: &Path) {
    std::fs::create_dir_all(computer).expect("mkdir");
    std::fs::write(
        computer.join("ConfigurationFile.ini"),
        format!(
            ";SQL Server Configuration File\r\n[OPTIONS]\r\nACTION=\"Upgrade\"\r\nINSTANCENAME=\"SQL{PLANTED}X\"\r\n"
        ),
    )
    .expect("write ini");
    std::fs::write(
        computer.join("notes.txt"),
        format!("see {PLANTED} here\r\nsecond line\r\n"),
    )
    .expect("write notes");
}

/// A custom rule that reports the instance name, with the planted sequences in its header too
/// (custom rules are someone else's text as well), with a fixture case that fails on purpose
/// so `uplint test` quotes the finding.
fn hostile_rule(rules: &Path) {
    std::fs::create_dir_all(rules).expect("mkdir");
    std::fs::write(
        rules.join("EVIL001-echo-instance.rhai"),
        format!(
            "//! id: EVIL001\n//! name: echo-instance\n//! severity: warning\n//! product: vmm{PLANTED}\n//! summary: Echoes {PLANTED} the instance name.\n//! remediation: None {PLANTED}.\n//!\n//! ## What it checks\n//! Docs {PLANTED}.\n\nfn check(computer) {{\n    let v = computer.fact(\"sql.setup.instance_name\");\n    if v != () {{\n        print(`instance ${{v}}`);\n        report(v, `instance name ${{v}}`);\n    }}\n}}\n"
        ),
    )
    .expect("write rule");
    let case = rules.join("EVIL001/fail/planted");
    plant(&case.join("bundle/SRV01"));
    std::fs::write(
        case.join("expect.json"),
        r#"{ "findings": [ { "rule": "EVIL001", "message": "not what it says" } ] }"#,
    )
    .expect("write expect.json");
}

/// What outputs got wrong: each names the output and shows it.
#[derive(Default)]
struct Unsafe(Vec<String>);

impl Unsafe {
    /// No raw ESC or BEL in `text`, and the escaped form `shown` in it.
    fn check(&mut self, what: &str, text: &str, shown: &str) {
        if text.contains(['\x1b', '\x07']) {
            self.0
                .push(format!("{what}: raw control characters in\n{text:?}"));
        } else if !text.contains(shown) {
            self.0.push(format!("{what}: no `{shown}` in\n{text}"));
        }
    }

    /// `text` contains `part`.
    fn has(&mut self, what: &str, text: &str, part: &str) {
        if !text.contains(part) {
            self.0.push(format!("{what}: no `{part}` in\n{text:?}"));
        }
    }

    /// Fails listing every output that was wrong, so one run shows them all.
    fn assert_none(self) {
        assert!(self.0.is_empty(), "{}", self.0.join("\n\n"));
    }
}

/// Terminal escape sequences in a bundle (or a custom rule) are shown escaped by every output
/// format, never sent to the terminal; JSON keeps them as JSON escapes of the same text.
#[test]
fn terminal_escape_sequences_from_a_bundle_are_shown_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    plant(&dir.path().join("bundle/SRV01"));
    hostile_rule(&dir.path().join("rules"));
    let run = |args: &[&str]| -> Run { uplint_in(dir.path(), args) };
    let mut outputs = Unsafe::default();

    // Only the custom rule, so the snapshot does not move when built-in rules are added.
    let human = run(&[
        "check", "--rules", "rules", "--select", "EVIL001", "--color", "never", "bundle",
    ]);
    outputs.check("check (human)", &human.stdout, SHOWN);
    // The finding's message, the source line under it, and the unrecognized file's first line.
    for part in [
        format!("instance name SQL{SHOWN}X"),
        format!("INSTANCENAME=\"SQL{SHOWN}X\""),
        format!("it starts with `see {SHOWN} here`"),
    ] {
        outputs.has("check (human)", &human.stdout, &part);
    }

    // With colour, the only escape sequences are uplint's own colours.
    let coloured = run(&["check", "--rules", "rules", "--color", "always", "bundle"]);
    outputs.has("check (colour)", &coloured.stdout, "\x1b[0m");
    outputs.has("check (colour)", &coloured.stdout, SHOWN);
    if ["\x07", "\x1b]", "\x1b[2J"]
        .iter()
        .any(|s| coloured.stdout.contains(s))
    {
        outputs.0.push(format!(
            "check (colour): a planted sequence is raw in\n{:?}",
            coloured.stdout
        ));
    }

    let json = run(&["check", "--rules", "rules", "--format", "json", "bundle"]);
    outputs.check("check (JSON)", &json.stdout, SHOWN_JSON);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains(&format!("instance name SQL{PLANTED}X"))),
        "the JSON escapes stand for the planted text: {messages:?}"
    );

    let verbose = run(&["check", "--rules", "rules", "--verbose", "bundle"]);
    outputs.check("check --verbose (log)", &verbose.stderr, SHOWN);

    let inspect = run(&["inspect", "bundle"]);
    outputs.check("inspect (human)", &inspect.stdout, SHOWN);
    outputs.has(
        "inspect (human)",
        &inspect.stdout,
        &format!("sql.setup.instance_name = SQL{SHOWN}X"),
    );
    let inspect_json = run(&["inspect", "--json", "bundle"]);
    outputs.check("inspect (JSON)", &inspect_json.stdout, SHOWN_JSON);

    let rules = run(&["rules", "--rules", "rules", "--select", "EVIL001"]);
    outputs.check("rules (human)", &rules.stdout, SHOWN);
    let rules_json = run(&["rules", "--rules", "rules", "--json", "--select", "EVIL001"]);
    outputs.check("rules (JSON)", &rules_json.stdout, SHOWN_JSON);
    let explain = run(&["explain", "EVIL001", "--rules", "rules"]);
    outputs.check("explain", &explain.stdout, SHOWN);

    let test = run(&["test", "rules"]);
    assert_eq!(test.code, 1, "{}", test.stdout);
    outputs.check("test (human)", &test.stdout, SHOWN);
    let junit = run(&["test", "rules", "--format", "junit"]);
    outputs.check("test (JUnit)", &junit.stdout, SHOWN);
    outputs.assert_none();
    assert_well_formed_xml(&junit.stdout);

    insta::assert_snapshot!("escaped_check_human", human.stdout);
    insta::assert_snapshot!("escaped_inspect_human", inspect.stdout);
}

/// XML 1.0 allows no control character but tab, line feed and carriage return, not even as a
/// character reference; and the document must parse.
fn assert_well_formed_xml(text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && !['\t', '\n', '\r'].contains(&c)),
        "{text:?}"
    );
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML ({e}):\n{text}"),
        }
    }
}

/// A rule that does not compile is shown with its source line, escaped, on stderr.
#[test]
fn a_rule_error_quoting_escape_sequences_shows_them_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_rule(
        dir.path(),
        "EVIL002-broken.rhai",
        &format!("fn check(computer) {{\n    let x = \"{PLANTED}\"; let y = ;\n}}\n"),
    );
    let rules = uplint_in(dir.path(), &["rules", "--rules", "."]);
    assert_eq!(rules.code, 2, "{}", rules.stderr);
    let mut outputs = Unsafe::default();
    outputs.check("rule error (stderr)", &rules.stderr, SHOWN);
    outputs.assert_none();
}

/// File and folder (computer) names can hold control characters too, where the file system
/// allows them.
#[cfg(unix)]
#[test]
fn escape_sequences_in_file_and_computer_names_are_shown_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let computer = dir.path().join(format!("SRV{PLANTED}02"));
    plant(&computer);
    std::fs::write(
        computer.join(format!("{PLANTED}.txt")),
        "nothing to recognize\n",
    )
    .expect("write");
    hostile_rule(&dir.path().join("rules"));
    let run = |args: &[&str]| -> Run { uplint_in(dir.path(), args) };
    let mut outputs = Unsafe::default();
    let human = run(&["check", "--rules", "rules", "--color", "never", "."]);
    outputs.check("check (human)", &human.stdout, SHOWN);
    outputs.has(
        "check (human)",
        &human.stdout,
        &format!("SRV{SHOWN}02/{SHOWN}.txt:1:1"),
    );
    outputs.has(
        "check (human)",
        &human.stdout,
        &format!("computer: SRV{SHOWN}02"),
    );
    let json = run(&["check", "--rules", "rules", "--format", "json", "."]);
    outputs.check("check (JSON)", &json.stdout, SHOWN_JSON);
    let inspect = run(&["inspect", "."]);
    outputs.check("inspect (human)", &inspect.stdout, SHOWN);
    let inspect_json = run(&["inspect", "--json", "."]);
    outputs.check("inspect (JSON)", &inspect_json.stdout, SHOWN_JSON);
    let missing = run(&["inspect", &format!("no-such-{PLANTED}")]);
    assert_eq!(missing.code, 2);
    outputs.check("error (stderr)", &missing.stderr, SHOWN);
    outputs.assert_none();
}
