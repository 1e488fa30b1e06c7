//! The documentation users copy from must match the code: every host API item is documented,
//! the collection commands and the fact table are generated from the fact catalog, and the
//! README's commands and sample output are real.

use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_host_api_item_is_documented_in_docs_rules_md() {
    let docs = read("docs/rules.md");
    let missing: Vec<&str> = uplint::rules::api::API_ITEMS
        .iter()
        .copied()
        .filter(|item| !docs.contains(&format!("### `{item}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/rules.md has no `### `item`` section for: {missing:?}"
    );
}

#[test]
fn every_api_item_is_really_registered() {
    // The list the docs test reads must not drift from the engine either: call each function
    // name and read each property once through a real engine.
    let engine = uplint::rules::engine::build(&[]);
    let signatures: Vec<String> = engine.gen_fn_signatures(false);
    for item in uplint::rules::api::API_ITEMS {
        let name = item.rsplit('.').next().unwrap_or(item);
        let registered = signatures
            .iter()
            .any(|s| s.starts_with(&format!("{name}(")) || s.starts_with(&format!("get${name}(")));
        assert!(
            registered,
            "API_ITEMS lists `{item}` but the engine has no `{name}`: {signatures:#?}"
        );
    }
}

/// The collection commands and the fact table of docs/bundle.md are generated from the fact
/// catalog, between `<!-- generated: NAME; ... -->` and `<!-- end generated: NAME -->`. This
/// fails when they differ; `UPDATE_DOCS=1 cargo test --test docs` rewrites them instead.
#[test]
fn the_generated_parts_of_docs_bundle_md_match_the_fact_catalog() {
    let path = "docs/bundle.md";
    let docs = read(path);
    let mut want = docs.clone();
    for (name, body) in [
        ("collecting", uplint::facts::collecting_markdown()),
        ("facts", uplint::facts::facts_markdown()),
    ] {
        want = with_generated(&want, name, &body);
    }
    if want == docs {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &want).unwrap_or_else(|e| panic!("{path}: {e}"));
        return;
    }
    let (n, (old, new)) = docs
        .lines()
        .chain(std::iter::repeat(""))
        .zip(want.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .expect("a differing line");
    panic!(
        "{path} does not match the fact catalog (src/facts/); run `UPDATE_DOCS=1 cargo test \
         --test docs` to rewrite its generated parts. First difference, line {}:\n  in the \
         file: {old}\n  generated: {new}",
        n + 1
    );
}

/// `docs` with the region `name` holding `body`, a blank line before and after it.
fn with_generated(docs: &str, name: &str, body: &str) -> String {
    let start = format!("<!-- generated: {name};");
    let end = format!("<!-- end generated: {name} -->");
    let at = docs
        .find(&start)
        .unwrap_or_else(|| panic!("docs/bundle.md has no `{start} ... -->` line"));
    let open_end = at
        + docs[at..]
            .find("-->\n")
            .unwrap_or_else(|| panic!("`{start}` is not closed on its line"))
        + "-->\n".len();
    let close = open_end
        + docs[open_end..]
            .find(&end)
            .unwrap_or_else(|| panic!("docs/bundle.md has no `{end}` line"));
    format!("{}\n{body}\n{}", &docs[..open_end], &docs[close..])
}

#[test]
fn every_limit_is_documented_with_its_default_in_docs_limits_md() {
    let docs = read("docs/limits.md");
    for setting in uplint::limits::SETTINGS {
        let row = format!(
            "| `{}` | {} | {} | {} |",
            setting.name,
            setting.default_value(),
            setting.unit.name(),
            setting.bounds
        );
        assert!(
            docs.contains(&row),
            "docs/limits.md has no row for `{}`; expected:\n{row}",
            setting.name
        );
    }
}

#[test]
fn the_readme_links_every_document_in_docs() {
    let readme = read("README.md");
    for entry in std::fs::read_dir("docs").expect("docs/").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            assert!(
                readme.contains(&format!("](docs/{name})")),
                "README's documentation list does not link docs/{name}"
            );
        }
    }
}

#[test]
fn every_fixed_rule_limit_is_documented_with_its_value_in_docs_limits_md() {
    let docs = read("docs/limits.md");
    for fixed in uplint::limits::FIXED {
        let row = format!("| {} | {} | {} |", fixed.name, fixed.value, fixed.bounds);
        assert!(
            docs.contains(&row),
            "docs/limits.md has no row for the fixed limit `{}`; expected:\n{row}",
            fixed.name
        );
    }
}

#[test]
fn the_readme_quotes_no_cargo_message_that_cargo_does_not_print() {
    // Current cargo prints nothing when the program it ran exits non-zero.
    assert!(!read("README.md").contains("process didn't exit successfully"));
}

#[test]
fn the_readme_test_command_is_what_ci_runs() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    assert!(readme.contains("\ncargo test --release\n"));
    assert!(
        ci.contains("\ncargo test --release\n"),
        ".ci/run must run the README's test command"
    );
    assert!(readme.contains("\ncargo run --release -- check corpora/vmm-2012r2-to-2016\n"));
}

#[test]
fn the_readme_sample_output_is_real() {
    let readme = read("README.md");
    let start = readme.find("```text\n").expect("sample block") + "```text\n".len();
    let sample = &readme[start..start + readme[start..].find("```").expect("end of sample")];
    let out = Command::new(env!("CARGO_BIN_EXE_uplint"))
        .args(["check", "corpora/vmm-2012r2-to-2016"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run uplint");
    let actual = String::from_utf8_lossy(&out.stdout);
    for block in sample.split("\n\n") {
        assert!(
            actual.contains(block.trim_end()),
            "README sample block not in the real output:\n{block}\n--- real output:\n{actual}"
        );
    }
}

#[test]
fn every_registered_host_function_is_in_the_documented_list() {
    // A function registered on the engine but left out of API_ITEMS would escape the
    // documentation check above: compare in this direction too.
    let engine = uplint::rules::engine::build(&[]);
    let plumbing = [
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "to_string",
        "to_debug",
        "index$get$",
    ];
    let mut undocumented: Vec<String> = engine
        .gen_fn_signatures(false)
        .iter()
        .map(|s| s.split('(').next().unwrap_or("").to_owned())
        .filter(|n| !plumbing.contains(&n.as_str()))
        // Rhai's own array functions, re-registered so that their errors are not swallowed.
        .filter(|n| !uplint::rules::builtins::REPLACED.contains(&n.as_str()))
        .map(|n| n.trim_start_matches("get$").to_owned())
        .filter(|n| {
            !uplint::rules::api::API_ITEMS
                .iter()
                .any(|item| item.rsplit('.').next() == Some(n.as_str()))
        })
        .collect();
    undocumented.sort();
    undocumented.dedup();
    assert!(
        undocumented.is_empty(),
        "registered but not in API_ITEMS (so not checked against docs/rules.md): {undocumented:?}"
    );
}
