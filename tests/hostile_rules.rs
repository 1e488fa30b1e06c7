//! Hostile rules: whatever a custom rule does, uplint neither crashes nor passes silently. Each
//! case is a rule `X001` run with a well-behaved built-in rule (VMM006) on one computer; the
//! run must exit 2 with a rule error naming X001, report VMM006's outcome as if X001 were not
//! there, and finish in bounded time (each case runs in a few seconds; the bound is generous
//! because CI shares two cores between test processes).

#![allow(clippy::print_stderr)] // what each case took is for the reader of the test log

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{copy_dir, uplint_in, write_rule};
use rhai::{Dynamic, Scope};
use uplint::rules::{api, engine, sandbox};

const CORPUS: &str = "corpora/vmm-2012r2-to-2016-clean";
const BOUND: Duration = Duration::from_secs(30);

/// What one run of a hostile rule produced.
struct Outcome {
    code: i32,
    report: serde_json::Value,
    elapsed: Duration,
}

/// Runs `X001` with `body` after its header, and VMM006, on a bundle of one computer, with
/// `more` arguments for `uplint check`.
fn run_with(body: &str, more: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("bundle");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    copy_dir(&corpus.join("VMM01"), &bundle.join("VMM01"));
    // A plan about this one computer: the corpus's also names a new server, which this
    // bundle lacks and every rule would then answer for as well.
    std::fs::write(
        bundle.join("plan.json"),
        r#"{"upgrades": [{"product": "vmm", "target": "2016", "server": "VMM01"}]}"#,
    )
    .expect("plan");
    let rules = dir.path().join("rules");
    write_rule(&rules, "X001-hostile.rhai", body);
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--rules",
        "rules",
        "--select",
        "X001,VMM006",
    ];
    args.extend_from_slice(more);
    args.push("bundle");
    let started = Instant::now();
    let run = uplint_in(dir.path(), &args);
    let elapsed = started.elapsed();
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}), exit {}:\n{}\n{}",
            run.code, run.stdout, run.stderr
        )
    });
    Outcome {
        code: run.code,
        report,
        elapsed,
    }
}

/// The promise, for a rule whose `fn check(computer)` body (or whole file) is `body`: a rule
/// error naming X001, exit 2, VMM006 still reported, in bounded time. Returns the error.
fn assert_contained(what: &str, body: &str) -> String {
    assert_contained_within(what, body, &[], BOUND)
}

/// [`assert_contained`] with more arguments, in less than `bound`.
fn assert_contained_within(what: &str, body: &str, more: &[&str], bound: Duration) -> String {
    let out = run_with(body, more);
    assert_eq!(out.code, 2, "{what}: exit code; report: {:#}", out.report);
    assert!(out.elapsed < bound, "{what}: took {:?}", out.elapsed);
    let errors = out.report["rule_errors"].as_array().expect("rule_errors");
    let error = errors
        .iter()
        .find(|e| e["rule"] == "X001")
        .unwrap_or_else(|| panic!("{what}: no rule error names X001: {:#}", out.report));
    let vmm006: Vec<&serde_json::Value> = out.report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .filter(|o| o["rule"] == "VMM006")
        .collect();
    assert_eq!(
        vmm006.len(),
        1,
        "{what}: VMM006's outcome is reported: {:#}",
        out.report
    );
    assert_eq!(vmm006[0]["outcome"], "pass", "{what}: {:#}", out.report);
    assert!(
        out.report["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .filter(|o| o["rule"] == "X001")
            .all(|o| o["outcome"] == "error"),
        "{what}: X001 never passes: {:#}",
        out.report
    );
    eprintln!("{what}: {:?}: {}", out.elapsed, error["message"]);
    error["message"].as_str().unwrap_or_default().to_owned()
}

fn check_body(body: &str) -> String {
    format!("fn check(computer) {{\n{body}\n}}\n")
}

#[test]
fn values_nested_deeper_than_the_stack_allows_are_a_rule_error_not_an_abort() {
    // Aborted the whole process with a stack overflow (no report at all).
    assert_contained(
        "30,000 nested arrays",
        &check_body("let a = []; for i in 0..30000 { a = [a]; } print(a);"),
    );
    // Nested as deep as a few seconds allow, then each way of walking the value: the value may
    // be fine (release builds go deeper than debug ones before the stack guard), so the rule
    // ends with a throw; what matters is that the run ends and reports.
    for (what, op) in [
        ("compare", "if a == a { throw \"equal\" }"),
        ("print", "print(a);"),
        ("interpolate", "let s = `${a}`;"),
        ("to_string", "let s = a.to_string();"),
        ("debug", "debug(a);"),
        ("contains", "if [a].contains(a) { throw \"found\" }"),
        ("report", "report(a, \"deep\");"),
        ("not_evaluated", "not_evaluated(a, \"x\");"),
        (
            "maps",
            "let m = #{}; for i in 0..5000 { m = #{ m: m }; } print(m);",
        ),
    ] {
        assert_contained(
            what,
            &check_body(&format!(
                "let a = []; for i in 0..3000 {{ a = [a]; }}\n{op}\nthrow \"end\";"
            )),
        );
    }
}

#[test]
fn the_worker_stack_holds_the_deepest_values_the_size_limits_allow() {
    use uplint::limits::rule::{ARRAY_ELEMENTS, MAP_ENTRIES};
    // Built in Rust: a script needs minutes to nest this deep, the sizes checked at every step.
    fn deepest() -> Dynamic {
        let mut v = Dynamic::from_array(vec![]);
        for _ in 0..MAP_ENTRIES {
            let mut m = rhai::Map::new();
            m.insert("m".into(), v);
            v = Dynamic::from_map(m);
        }
        for _ in 0..ARRAY_ELEMENTS - 1 {
            v = Dynamic::from_array(vec![v]);
        }
        v
    }
    let results = sandbox::on_worker_stack(|| {
        let engine = engine::build(&[]);
        let mut results = Vec::new();
        // Printing through the engine (`print(a)`, `${a}`) copies each level's text into the
        // next (minutes in a debug build at this depth); the stack it needs is the guard's plus
        // Rust's formatting below it, both covered here.
        for script in [
            "a == b",
            "[b].contains(a)",
            "switch a { _ => 1 }",
            "let c = a; c.len()",
            "a.dedup(); a.len()",
            "report(a, \"deep\")",
            "throw a",
        ] {
            let context = Arc::new(api::Context {
                docs: Vec::new(),
                plan: None,
                data: Arc::default(),
            });
            api::begin_eval(context, None);
            let guard = sandbox::enter(sandbox::Budget {
                operations: u64::MAX,
                time: Duration::from_secs(600),
            });
            let mut scope = Scope::new();
            scope.push("a", deepest());
            scope.push("b", deepest());
            let result = engine.eval_with_scope::<Dynamic>(&mut scope, script);
            // Formatting the error formats the thrown value.
            let shown = result.map_err(|e| e.to_string().len());
            results.push((script, shown.is_ok(), guard.stopped()));
            drop(guard);
            drop(api::end_eval());
            // Dropping the values recurses through every level.
            drop(scope);
        }
        // And copies of them, printed as Rhai prints a value it cannot print through the engine.
        let copy = deepest().clone();
        let text = format!("{copy:?} {copy}");
        results.push(("clone and format", text.len() > ARRAY_ELEMENTS, None));
        results
    });
    for (script, ok, stopped) in &results {
        eprintln!("{script}: ok {ok}, stopped {stopped:?}");
    }
    // The walks through the engine stop at the stack guard; what runs in Rust completes.
    let stopped = |s: &str| {
        results
            .iter()
            .any(|r| r.0 == s && r.2 == Some(sandbox::Stop::Stack))
    };
    assert!(
        stopped("a == b") && stopped("[b].contains(a)"),
        "{results:?}"
    );
}

#[test]
fn endless_work_is_stopped_by_operations_or_time() {
    for (what, body) in [
        ("infinite loop", "loop {}"),
        ("a string doubled", "let s = \"x\"; loop { s += s; }"),
        (
            "a huge map",
            "let m = #{}; for i in 0..1000000 { m[`k${i}`] = i; }",
        ),
        // Passed with 1.3 GB resident at 2,500 entries; more and the process is killed.
        (
            "a map of fresh large strings",
            "let big = \"x\"; for i in 0..19 { big += big; }\n\
             let m = #{}; for i in 0..100000 { m[`${i}`] = `${big}`; }",
        ),
        (
            "an array's elements swapped for large strings",
            "let big = \"x\"; for i in 0..19 { big += big; }\n\
             let a = []; a.pad(10000, 0); for i in 0..10000 { a[i] = `${big}`; }",
        ),
        (
            "work inside a closure of a built-in",
            "let a = []; for i in 0..1000 { a.push(i); }\n\
             a.map(|x| { let j = 0; while j < 100000 { j += 1; } x });",
        ),
    ] {
        assert_contained(what, &check_body(body));
    }
    // Rhai lets `try` catch a limit raised inside a function call; the sandbox does not.
    assert_contained(
        "a caught limit",
        "fn spin() { loop {} }\nfn check(computer) { try { spin(); } catch (e) { } }\n",
    );
    let message = assert_contained(
        "recursion",
        "fn f(x) { f(x + 1) }\nfn check(computer) { f(0) }\n",
    );
    assert!(
        message.contains("Stack overflow") || message.contains("nested too deeply"),
        "{message}"
    );
}

#[test]
fn an_array_grown_to_its_limit_is_stopped_by_the_clock() {
    // Each push checks the size of the whole array, so operations stay few while time grows
    // with the square of the size: 8 s in a release build before the array limit
    // stopped it, and nothing could make that shorter. With `rule-ms` it stops on time.
    let message = assert_contained_within(
        "push loop",
        &check_body("let a = []; for i in 0..100000000 { a.push(i); }"),
        &["--limit", "rule-ms=1000"],
        // One second of the rule; the rest is for starting the process on a busy machine.
        Duration::from_secs(10),
    );
    assert!(message.contains("longer than 1000 ms"), "{message}");
}

#[test]
fn what_the_sandbox_leaves_out_is_refused_when_the_rule_is_loaded() {
    for (what, body) in [
        ("import", "import \"std\" as s;\nfn check(computer) {}\n"),
        ("eval", &check_body("eval(\"1\");")),
        ("curry", &check_body("let f = Fn(\"g\").curry(1);")),
        (
            "a closure capturing a variable",
            &check_body("let x = 1; let y = [1].map(|v| v + x);"),
        ),
        (
            "a chain of closures",
            &check_body("let f = || 0; for i in 0..100000 { let g = f; f = || g; }"),
        ),
    ] {
        assert_contained(what, body);
    }
}

#[test]
fn errors_in_arithmetic_types_and_the_model_are_rule_errors() {
    for (what, body) in [
        ("division by zero", "let x = 1 / 0;"),
        ("returns false", "false"),
        ("returns a string", "return \"fail\";"),
        ("returns an array", "[1, 2]"),
        ("assigns to a fact", "computer.facts.os = 5;"),
        (
            "assigns to a node's key",
            "let f = computer.facts; f[\"os\"] = 5;",
        ),
        ("assigns to the name", "computer.name = \"other\";"),
        (
            "assigns to a data table",
            "data(\"vmm-releases\").releases = [];",
        ),
        ("reports with a wrong type", "report(computer.name, 5);"),
    ] {
        assert_contained(what, &check_body(body));
    }
}

#[test]
fn a_throw_inside_any_closure_taking_built_in_is_a_rule_error() {
    for call in [
        "a.sort(|x, y| throw \"cmp\");",
        "a.sort_by(|x, y| throw \"cmp\");",
        "a.order(|x, y| throw \"cmp\");",
        "a.order_by(|x, y| throw \"cmp\");",
        "a.sort(|x, y| \"not a number\");",
        "a.dedup(|x, y| throw \"cmp\");",
        "let v = [version(\"1.0\"), \"not a version\"]; v.dedup();",
        "a.filter(|x| throw \"cmp\");",
        "a.map(|x| throw \"cmp\");",
        "a.reduce(|s, x| throw \"cmp\");",
        "a.reduce(|s, x| throw \"cmp\", 0);",
        "a.reduce_rev(|s, x| throw \"cmp\");",
        "a.some(|x| throw \"cmp\");",
        "a.all(|x| throw \"cmp\");",
        "a.index_of(|x| throw \"cmp\");",
        "a.find(|x| throw \"cmp\");",
        "a.find_map(|x| throw \"cmp\");",
        "a.retain(|x| throw \"cmp\");",
        "a.drain(|x| throw \"cmp\");",
        "a.for_each(|x| throw \"cmp\");",
        "a.zip([1, 2, 3], |x, y| throw \"cmp\");",
        "m.filter(|k, v| throw \"cmp\");",
        "m.map(|k, v| throw \"cmp\");",
        "m.drain(|k, v| throw \"cmp\");",
        "m.retain(|k, v| throw \"cmp\");",
        "let f = |x| throw \"cmp\"; f.call(1);",
    ] {
        let message = assert_contained(
            call,
            &check_body(&format!(
                "let a = [3, 1, 2, 2]; let m = #{{a: 1, b: 2}};\n{call}"
            )),
        );
        assert!(
            message.contains("cmp")
                || message.contains("must return")
                || message.contains("not a version"),
            "{call}: {message}"
        );
    }
}
