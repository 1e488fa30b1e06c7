//! The check pipeline: the one place that runs a check, from bundles to sorted results.
//!
//! bundle → decode and parse ([`load`]) → facts and per-computer rules ([`computer`]) →
//! bundle-level rules ([`evaluate`]) → findings and outcomes, sorted here. The stages it calls
//! own their craft (`bundle` lists files, `parse` reads formats, `facts` derives facts,
//! `rules` compiles and calls rule scripts); this module decides what runs on what and
//! collects the results. Reporters only ever see a finished [`RunResult`].
//!
//! Work is split by computer: one rayon task reads, decodes and parses a computer's exports,
//! derives its facts, runs every per-computer rule on it, turns the reports into findings and
//! then drops the parsed documents. Peak memory is therefore a few computers' documents plus
//! the findings, not the whole estate; the text of a file is kept only if a finding points into
//! it (to render it). Bundle-level rules run afterwards on the facts of every computer.
//! Results are sorted before anything is reported, so output does not depend on the number of
//! threads.

mod bundle_run;
mod computer;
mod evaluate;
mod failures;
mod load;
mod output;
mod result;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32};

use rayon::prelude::*;

use crate::bundle::Bundle;
use crate::finding::{Finding, Severity, host_ids};
use crate::model::Document;
use crate::plan::{self, PlanError};
use crate::rules::RuleSet;
use crate::rules::api::Computer;
use crate::rules::sandbox;
use crate::source::{FileId, SourceDb, Span};
use bundle_run::BundleRun;
use output::{At, Output};
pub use result::{FileReport, Options, RunResult};

/// Checks bundles with the rule set; `db` receives every file for rendering.
pub fn check(paths: &[std::path::PathBuf], rules: &RuleSet, db: &mut SourceDb) -> RunResult {
    check_with(paths, rules, db, Options::default())
}

/// [`check`] with [`Options`]. Runs on the pipeline's worker threads ([`with_workers`]).
pub fn check_with(
    paths: &[std::path::PathBuf],
    rules: &RuleSet,
    db: &mut SourceDb,
    options: Options,
) -> RunResult {
    match with_workers(options.threads, || {
        check_on_workers(paths, rules, db, options)
    }) {
        Ok(result) => result,
        Err(e) => RunResult {
            open_errors: vec![e],
            ..RunResult::default()
        },
    }
}

/// Runs `f` on the threads that evaluate rules: `threads` of them (default: one per core),
/// each with the stack the sandbox needs (`rules::sandbox::STACK_SIZE`), so that nothing a
/// rule builds can overflow it. Called from one of those threads, `f` runs in its pool
/// whatever `threads` says. Every way into the pipeline goes through here, so `uplint check`,
/// `test`, `inspect` and library callers get the same protection.
pub fn with_workers<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, String> {
    if sandbox::on_worker() && rayon::current_thread_index().is_some() {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(sandbox::STACK_SIZE)
        .thread_name(|i| format!("uplint-worker-{i}"))
        .start_handler(|_| sandbox::mark_worker())
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    Ok(pool.install(f))
}

fn check_on_workers(
    paths: &[std::path::PathBuf],
    rules: &RuleSet,
    db: &mut SourceDb,
    options: Options,
) -> RunResult {
    let mut result = RunResult::default();
    let mut all = Output::default();
    let started = std::time::Instant::now();
    let phase = |what: &str| {
        crate::log::debug(&format!("{:>8.3}s {what}", started.elapsed().as_secs_f64()))
    };
    for path in paths {
        phase(&format!("listing {}", path.display()));
        let bundle = match crate::bundle::discover(path, &options.limits) {
            Ok(b) => b,
            Err(e) => {
                result.open_errors.push(e.to_string());
                continue;
            }
        };
        let first_file = db.len() as u32;
        for f in &bundle.files {
            db.add(bundle.display_path(&f.rel), None);
        }
        phase(&format!(
            "checking {} file(s) of {} computer(s)",
            bundle.files.len(),
            bundle.computers.len()
        ));
        let (output, plan_errors) = check_bundle(&bundle, first_file, rules, db, options);
        result.plan_errors.extend(plan_errors);
        result.computers += bundle.computers.len();
        all.merge(output);
    }
    phase(&format!("sorting {} finding(s)", all.findings.len()));
    for (i, snippet) in all.snippets.drain(..) {
        if let Some(f) = all.findings.get_mut(i)
            && let Some(span) = f.span
        {
            let id = db.add(db.name(span.file).to_owned(), Some(snippet.text.clone()));
            f.span = Some(Span::new(id, snippet.start, snippet.end));
            f.location = Some(snippet.location);
        }
    }
    // Spans into files the main thread kept whole (plan.json, rule data).
    for f in &mut all.findings {
        if f.location.is_none()
            && let Some(span) = f.span
            && let Some(text) = db.text(span.file)
        {
            f.location = Some(text.location(span.start as usize, span.end as usize));
        }
    }
    result.rule_problems = failures::summarize(&mut all, rules, db);
    result.rule_problems.extend(rules.problems.iter().cloned());
    sort_findings(&mut all.findings, db);
    all.outcomes
        .sort_by(|a, b| (&a.bundle, &a.rule, &a.subject).cmp(&(&b.bundle, &b.rule, &b.subject)));
    all.files.sort_by_key(|f| f.file);
    phase("done");
    result.findings = all.findings;
    result.outcomes = all.outcomes;
    result.files = all.files;
    result.evaluations = all.evaluations;
    all.facts.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    result.facts = all.facts;
    result
}

/// Deterministic order: file, position, rule, then message; findings without a position last.
pub fn sort_findings(findings: &mut [Finding], db: &SourceDb) {
    fn key<'a>(f: &'a Finding, db: &'a SourceDb) -> impl Ord + 'a {
        (
            &f.bundle,
            f.span.is_none(),
            f.span.map(|s| db.name(s.file)).unwrap_or_default(),
            f.location.map(|l| (l.line, l.column)),
            &f.computer,
            &f.rule,
            f.message.as_str(),
        )
    }
    findings.sort_by(|a, b| key(a, db).cmp(&key(b, db)));
}

/// Checks one bundle: its entries, its plan, every computer (in parallel), then the
/// bundle-level rules.
fn check_bundle(
    bundle: &Bundle,
    first_file: u32,
    rules: &RuleSet,
    db: &mut SourceDb,
    options: Options,
) -> (Output, Vec<PlanError>) {
    let mut run = BundleRun {
        bundle,
        display: Arc::from(bundle.display.as_str()),
        rels: bundle
            .files
            .iter()
            .map(|f| Arc::from(f.rel.as_str()))
            .collect(),
        computers: bundle
            .computers
            .iter()
            .map(|c| Arc::from(c.name.as_str()))
            .collect(),
        rule_ids: rules
            .rules
            .iter()
            .map(|r| Arc::from(r.meta.id.as_str()))
            .collect(),
        first_file,
        rules,
        ids: AtomicU32::new(rules.data_ids_end),
        shared_docs: rules.data.values().cloned().collect(),
        plan: None,
        options,
        timed_out: rules.rules.iter().map(|_| AtomicBool::new(false)).collect(),
    };
    let mut out = Output::default();
    for (path, reason) in &bundle.skipped {
        out.findings.push(run.host_finding(
            host_ids::SKIPPED_ENTRY,
            Severity::Warning,
            None,
            format!("`{path}` was not read: {reason}"),
            At {
                path: Some(path.clone()),
                ..At::default()
            },
        ));
    }
    if bundle.computers.is_empty() {
        // Pointing uplint at one computer's folder (or an empty one) would otherwise "pass".
        let hint = if bundle.files.is_empty() {
            "the folder is empty".to_owned()
        } else {
            format!(
                "its {} file(s) sit directly in it; if it is one computer's folder, point uplint at the folder that contains it",
                bundle.files.len()
            )
        };
        out.findings.push(run.host_finding(
            host_ids::NO_COMPUTERS,
            Severity::Error,
            None,
            format!("`{}` has no computer folders, so nothing was checked: a bundle holds one folder per computer (VMM01/, SQL01/, ...); {hint}", bundle.display),
            At::default(),
        ));
    }
    let mut plan_errors = Vec::new();
    // Computers the plan names that have no folder: checked as computers with no exports.
    let mut absent = Vec::new();
    if let Some(i) = bundle.plan {
        let loaded = load::load_file(&run, i);
        out.merge(loaded.output);
        if let Some(text) = &loaded.text {
            db.set_text(run.file_id(i), text.clone());
        }
        if let Some(doc) = loaded.doc {
            if loaded.clean && doc.kind == crate::model::DocKind::Json {
                plan_errors = plan::validate(&doc);
                let names: Vec<&str> = bundle.computers.iter().map(|c| c.name.as_str()).collect();
                for missing in plan::missing_computers(&doc, &names) {
                    // A computer to be built is expected to be missing before it exists; one
                    // that exists today and was not collected is a hole in the collection.
                    let severity = if missing.to_be_built {
                        Severity::Warning
                    } else {
                        Severity::Error
                    };
                    out.findings.push(run.host_finding(
                        host_ids::PLAN_COMPUTER_MISSING,
                        severity,
                        None,
                        missing.message,
                        At {
                            span: missing.span,
                            ..At::default()
                        },
                    ));
                    // Every rule still answers for it, from no exports at all, so the rules
                    // about that role say `not-evaluated` and what to collect instead of
                    // `not-applicable` for the computers that are there.
                    run.computers.push(Arc::from(missing.name.as_str()));
                    absent.push(crate::bundle::Computer {
                        name: missing.name,
                        files: Vec::new(),
                    });
                }
                run.plan = Some(doc.clone());
                run.shared_docs.push(doc);
            } else if loaded.clean {
                plan_errors.push(PlanError {
                    span: doc.span(Document::ROOT),
                    message: "plan.json must be a JSON object".into(),
                });
            }
        }
    }
    let root_docs: Vec<Output> = bundle
        .root_files()
        .map(|i| {
            let loaded = load::load_file(&run, i);
            if let Some(doc) = loaded.doc {
                run.shared_docs.push(doc);
            }
            loaded.output
        })
        .collect();
    root_docs.into_iter().for_each(|o| out.merge(o));
    run.shared_docs.sort_by_key(|d| d.base);

    let per_computer: Vec<(Output, Option<Computer>)> = bundle
        .computers
        .par_iter()
        .chain(absent.par_iter())
        .enumerate()
        .map(|(i, c)| computer::check_computer(&run, i, c))
        .collect();
    let mut computers = Vec::with_capacity(per_computer.len());
    for (o, c) in per_computer {
        out.merge(o);
        computers.extend(c);
    }
    out.merge(evaluate::run_bundle_rules(&run, computers));
    not_a_bundle(&run, &mut out);
    (out, plan_errors)
}

/// A folder none of whose files is an export was not checked at all: a source checkout or a
/// home folder `uplint check` was run in, or a collection whose every command failed. Say so
/// once, as an error, and name only the first few files rather than thousands.
fn not_a_bundle(run: &BundleRun, out: &mut Output) {
    const NAMED: usize = 10;
    let bundle = run.bundle;
    // Only the computers' files count: a stray INI or JSON at the root (a checkout's
    // Cargo.toml or package.json) does not make a folder a bundle.
    let files = bundle.files.iter().filter(|f| f.computer.is_some()).count();
    let recognized = out
        .files
        .iter()
        .any(|f| f.computer.is_some() && f.format.is_some());
    if files == 0 || recognized {
        return;
    }
    let mut first: Vec<FileId> = out
        .findings
        .iter()
        .filter(|f| &*f.rule == host_ids::UNRECOGNIZED_FILE)
        .filter_map(|f| f.span.map(|s| s.file))
        .collect();
    first.sort_unstable();
    first.truncate(NAMED);
    out.retain_findings(|f| {
        &*f.rule != host_ids::UNRECOGNIZED_FILE || f.span.is_some_and(|s| first.contains(&s.file))
    });
    let more = if files > NAMED {
        format!(" (the first {NAMED} are listed)")
    } else {
        String::new()
    };
    out.findings.push(run.host_finding(
        host_ids::NO_EXPORTS,
        Severity::Error,
        None,
        format!(
            "nothing in `{}` was checked: none of its {files} file(s) is an export uplint recognizes{more}. If it is a bundle, its collection commands failed or wrote formats uplint does not read (`uplint inspect` shows each file); if it does not look like a bundle, point uplint at the folder that holds one folder per computer (VMM01/, SQL01/, ...), see docs/bundle.md",
            bundle.display
        ),
        At::default(),
    ));
}
