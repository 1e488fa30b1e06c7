//! The check pipeline: bundle → parse → model → rules → findings.
//!
//! Work is split by computer: one rayon task reads, decodes and parses a computer's exports,
//! derives its facts, runs every per-computer rule on it, turns the reports into findings and
//! then drops the parsed documents. Peak memory is therefore a few computers' documents plus
//! the findings, not the whole estate; the text of a file is kept only if a finding points into
//! it (to render it). Bundle-level rules run afterwards on the facts of every computer.
//! Results are sorted before anything is reported, so output does not depend on the number of
//! threads.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;
use rhai::{Dynamic, ImmutableString, Scope};

use super::api::{self, BundleData, BundleSubject, Computer, ComputerData, Context, Node};
use super::{RuleProblem, RuleSet, span_of};
use crate::bundle::{self, Bundle, BundleFile};
use crate::facts::FactSet;
use crate::finding::{Finding, Outcome, OutcomeRecord, Severity, host_ids};
use crate::model::Document;
use crate::parse::{self, InputError};
use crate::plan::{self, PlanError};
use crate::source::{FileId, Snippet, SourceDb, SourceText, Span};

/// What was made of one input file (for `inspect` and the summary).
#[derive(Clone, Debug)]
pub struct FileReport {
    pub file: FileId,
    pub bundle: String,
    pub rel: String,
    pub computer: Option<String>,
    pub format: Option<&'static str>,
    pub encoding: Option<&'static str>,
    pub input_errors: usize,
    /// `(fact key, value)` pairs this file supplied.
    pub facts: Vec<(String, String)>,
}

/// Everything a check run produced, sorted.
#[derive(Debug, Default)]
pub struct RunResult {
    pub findings: Vec<Finding>,
    pub outcomes: Vec<OutcomeRecord>,
    /// Rules that failed to load or raised errors: each makes the exit code 2.
    pub rule_problems: Vec<RuleProblem>,
    pub plan_errors: Vec<PlanError>,
    /// Bundles that could not be opened at all.
    pub open_errors: Vec<String>,
    pub files: Vec<FileReport>,
    pub computers: usize,
    /// Rule evaluations performed (rule × subject).
    pub evaluations: u64,
    /// With [`Options::keep_facts`]: each computer's facts as rules see them, by bundle and
    /// computer.
    pub facts: Vec<(String, String, serde_json::Value)>,
}

/// What a run keeps besides findings and outcomes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep every computer's facts document (for `inspect`); costs memory on big estates.
    pub keep_facts: bool,
}

impl RunResult {
    /// Complete means every input was read and every rule ran.
    pub fn complete(&self) -> bool {
        self.open_errors.is_empty()
            && self.rule_problems.is_empty()
            && !self.findings.iter().any(|f| {
                [
                    host_ids::INPUT_ERROR,
                    host_ids::SKIPPED_ENTRY,
                    host_ids::NO_COMPUTERS,
                ]
                .contains(&&*f.rule)
            })
    }
}

/// A rule that raised an error on a subject.
struct RuleFailure {
    rule: usize,
    subject: String,
    message: String,
    source: String,
    pos: rhai::Position,
    /// Hit a resource limit rather than a data-dependent error.
    limit: bool,
}

#[derive(Default)]
struct Output {
    findings: Vec<Finding>,
    outcomes: Vec<OutcomeRecord>,
    failures: Vec<RuleFailure>,
    /// Per finding (by index in `findings`) the lines it points at, with the span moved into
    /// them; registered in the source db once the parallel part is over.
    snippets: Vec<(usize, Arc<Snippet>)>,
    files: Vec<FileReport>,
    evaluations: u64,
    facts: Vec<(String, String, serde_json::Value)>,
}

impl Output {
    fn merge(&mut self, other: Output) {
        let shift = self.findings.len();
        self.findings.extend(other.findings);
        self.outcomes.extend(other.outcomes);
        self.failures.extend(other.failures);
        self.snippets.extend(
            other
                .snippets
                .into_iter()
                .map(|(i, snippet)| (i + shift, snippet)),
        );
        self.files.extend(other.files);
        self.evaluations += other.evaluations;
        self.facts.extend(other.facts);
    }
}

/// One bundle being checked: its files' ids and what every evaluation of it shares.
struct BundleRun<'a> {
    bundle: &'a Bundle,
    display: Arc<str>,
    rels: Vec<Arc<str>>,
    computers: Vec<Arc<str>>,
    rule_ids: Vec<Arc<str>>,
    first_file: u32,
    rules: &'a RuleSet,
    ids: AtomicU32,
    shared_docs: Vec<Arc<Document>>,
    plan: Option<Arc<Document>>,
    options: Options,
}

impl BundleRun<'_> {
    fn file_id(&self, index: usize) -> FileId {
        FileId(self.first_file + index as u32)
    }

    fn rel_of(&self, file: FileId) -> Option<&Arc<str>> {
        let i = file.0.checked_sub(self.first_file)? as usize;
        self.rels.get(i)
    }

    /// Reserves a range of global ids for a document.
    fn place(&self, mut doc: Document) -> Arc<Document> {
        let n = doc.len() as u32;
        doc.base = self.ids.fetch_add(n.max(1), Ordering::Relaxed);
        Arc::new(doc)
    }

    /// Copies of the shared names for one worker's use. Cloning one `Arc` from several threads
    /// makes the cores fight over its counter on every evaluation; a copy per computer costs
    /// a handful of small allocations instead.
    fn local_names(&self) -> LocalNames {
        LocalNames {
            rules: self.rule_ids.iter().map(|id| Arc::from(&**id)).collect(),
            bundle: Arc::from(&*self.display),
        }
    }

    /// A finding uplint itself raises about an input (not a rule's).
    fn host_finding(
        &self,
        id: &str,
        severity: Severity,
        computer: Option<&Arc<str>>,
        message: String,
        at: At,
    ) -> Finding {
        self.finding(
            &self.display,
            Arc::from(id),
            severity,
            computer,
            message,
            at,
        )
    }

    fn finding(
        &self,
        bundle: &Arc<str>,
        rule: Arc<str>,
        severity: Severity,
        computer: Option<&Arc<str>>,
        message: String,
        At { span, path, actual }: At,
    ) -> Finding {
        let fingerprint =
            Finding::compute_fingerprint(&rule, computer.map(|c| &**c), path.as_deref(), &message);
        Finding {
            rule,
            severity,
            message,
            computer: computer.cloned(),
            bundle: bundle.clone(),
            file_in_bundle: span.and_then(|s| self.rel_of(s.file)).cloned(),
            span,
            location: None,
            path,
            actual,
            fingerprint,
        }
    }
}

struct LocalNames {
    rules: Vec<Arc<str>>,
    bundle: Arc<str>,
}

/// Where a finding is and what it saw; all optional.
#[derive(Default)]
struct At {
    span: Option<Span>,
    path: Option<String>,
    actual: Option<String>,
}

/// Checks bundles with the rule set; `db` receives every file for rendering.
pub fn check(paths: &[std::path::PathBuf], rules: &RuleSet, db: &mut SourceDb) -> RunResult {
    check_with(paths, rules, db, Options::default())
}

/// [`check`] with [`Options`].
pub fn check_with(
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
        let bundle = match bundle::discover(path) {
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
    result.rule_problems = summarize_failures(&mut all, rules, db);
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
    if let Some(i) = bundle.plan {
        let loaded = load_file(&run, i);
        out.merge(loaded.output);
        if let Some(text) = &loaded.text {
            db.set_text(run.file_id(i), text.clone());
        }
        if let Some(doc) = loaded.doc {
            if loaded.clean && doc.kind == crate::model::DocKind::Json {
                plan_errors = plan::validate(&doc);
                let names: Vec<&str> = bundle.computers.iter().map(|c| c.name.as_str()).collect();
                for missing in plan::missing_computers(&doc, &names) {
                    out.findings.push(run.host_finding(
                        host_ids::PLAN_COMPUTER_MISSING,
                        Severity::Error,
                        None,
                        missing.message,
                        At {
                            span: missing.span,
                            ..At::default()
                        },
                    ));
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
            let loaded = load_file(&run, i);
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
        .enumerate()
        .map(|(i, c)| check_computer(&run, i, c))
        .collect();
    let mut computers = Vec::with_capacity(per_computer.len());
    for (o, c) in per_computer {
        out.merge(o);
        computers.extend(c);
    }
    out.merge(run_bundle_rules(&run, computers));
    (out, plan_errors)
}

struct Loaded {
    text: Option<Arc<SourceText>>,
    doc: Option<Arc<Document>>,
    /// Parsed without input errors.
    clean: bool,
    output: Output,
}

fn load_file(run: &BundleRun, index: usize) -> Loaded {
    let file: &BundleFile = &run.bundle.files[index];
    let id = run.file_id(index);
    let computer = file.computer.and_then(|c| run.computers.get(c));
    let mut output = Output::default();
    let mut report = FileReport {
        file: id,
        bundle: run.bundle.display.clone(),
        rel: file.rel.clone(),
        computer: computer.map(|c| c.to_string()),
        format: None,
        encoding: None,
        input_errors: 0,
        facts: Vec::new(),
    };
    let bytes = match run.bundle.read(file) {
        Ok(b) => b,
        Err(e) => {
            output.findings.push(run.host_finding(
                host_ids::INPUT_ERROR,
                Severity::Error,
                computer,
                format!("cannot read `{}`: {e}", file.rel),
                At {
                    path: Some(file.rel.clone()),
                    ..At::default()
                },
            ));
            report.input_errors = 1;
            output.files.push(report);
            return Loaded {
                text: None,
                doc: None,
                clean: false,
                output,
            };
        }
    };
    let (text, problems) = SourceText::decode(&bytes);
    let text = Arc::new(text);
    report.encoding = Some(text.encoding.name());
    let mut errors: Vec<InputError> = problems
        .into_iter()
        .map(|p| {
            InputError::at(
                id,
                p.text_offset,
                format!("{} (byte {} of the file)", p.message, p.original_offset),
            )
        })
        .collect();
    let mut doc = None;
    match parse::recognize(&text.text) {
        Some(format) => {
            report.format = Some(format.name);
            let parsed = (format.parse)(id, text.text.clone());
            errors.extend(parsed.errors);
            for note in parsed.notes {
                output.findings.push(run.host_finding(
                    host_ids::NOT_UNDERSTOOD,
                    Severity::Warning,
                    computer,
                    note.message,
                    At {
                        span: Some(note.span),
                        ..At::default()
                    },
                ));
            }
            doc = Some(run.place(parsed.doc));
        }
        None => {
            let first_line = text.text.lines().next().unwrap_or("").trim();
            let span = Span::new(
                id,
                0,
                text.text
                    .find(['\r', '\n'])
                    .unwrap_or(text.text.len())
                    .min(200),
            );
            let shown: String = first_line.chars().take(60).collect();
            // A collection command that failed with its error on the console, or found nothing,
            // leaves an empty file: say that rather than quote an empty first line.
            let message = if crate::parse::trim_start(&text.text).is_empty() {
                "the file is empty: the command that wrote it wrote nothing (it failed, its error \
                 going to the console, or it found nothing); run it again and read its output"
                    .to_owned()
            } else {
                format!("no export format recognized this file; it starts with `{shown}`")
            };
            output.findings.push(run.host_finding(
                host_ids::UNRECOGNIZED_FILE,
                Severity::Info,
                computer,
                message,
                At {
                    span: Some(span),
                    ..At::default()
                },
            ));
        }
    }
    report.input_errors = errors.len();
    let clean = errors.is_empty();
    for e in errors {
        output.findings.push(run.host_finding(
            host_ids::INPUT_ERROR,
            Severity::Error,
            computer,
            e.message,
            At {
                span: Some(e.span),
                ..At::default()
            },
        ));
    }
    output.files.push(report);
    Loaded {
        text: Some(text),
        doc,
        clean,
        output,
    }
}

/// Checks one computer; returns what it produced and, when bundle-level rules will need it,
/// a handle on its facts.
fn check_computer(
    run: &BundleRun,
    index: usize,
    computer: &bundle::Computer,
) -> (Output, Option<Computer>) {
    let subject_name = run.computers.get(index).cloned();
    let mut out = Output::default();
    let mut texts = BTreeMap::new();
    let mut docs = Vec::new();
    let mut exports = Vec::new();
    let mut facts = FactSet::default();
    for &i in &computer.files {
        let loaded = load_file(run, i);
        if let Some(text) = loaded.text {
            texts.insert(run.file_id(i), text);
        }
        out.merge(loaded.output);
        if let Some(doc) = loaded.doc {
            facts.extract_from(&doc);
            if let Some(report) = out.files.last_mut() {
                report.facts = facts.contributed_by(&doc);
            }
            let format = report_format(&out, run.file_id(i));
            exports.push((format, Node::root(doc.clone())));
            docs.push(doc);
        }
    }
    facts.finish();
    for (key, accepted, other) in &facts.conflicts {
        let rel = |o: &crate::facts::Offer| {
            o.origin
                .doc
                .file
                .and_then(|f| run.rel_of(f))
                .map_or("?".into(), |r| r.to_string())
        };
        out.findings.push(run.host_finding(
            host_ids::FACT_CONFLICT,
            Severity::Warning,
            subject_name.as_ref(),
            format!(
                "exports disagree on `{key}`: {} in {}, but {} here; rules use the first",
                accepted.value,
                rel(accepted),
                other.value
            ),
            At {
                span: other.origin.doc.span(other.origin.node),
                path: Some(other.origin.doc.path(other.origin.node)),
                actual: Some(other.value.to_string()),
            },
        ));
    }
    // Bundle-level rules run after this computer's exports are dropped: let its facts keep
    // the lines they were read from so findings on them can still show where.
    let keep_lines = run
        .rules
        .rules
        .iter()
        .any(|r| r.per_bundle)
        .then_some(&texts);
    let facts_doc = run.place(facts.to_document(keep_lines));
    drop(facts);
    if run.options.keep_facts {
        out.facts.push((
            run.bundle.display.clone(),
            computer.name.clone(),
            facts_doc.to_json(Document::ROOT),
        ));
    }
    let name: ImmutableString = computer.name.as_str().into();
    let subject = Computer(Arc::new(ComputerData {
        name: name.clone(),
        facts: Node::root(facts_doc.clone()),
        exports,
    }));
    let mut ctx_docs = run.shared_docs.clone();
    ctx_docs.extend(docs.iter().cloned());
    ctx_docs.push(facts_doc.clone());
    ctx_docs.sort_by_key(|d| d.base);
    let ctx = Arc::new(Context {
        docs: ctx_docs,
        plan: run.plan.clone(),
        data: run.rules.data.clone(),
    });
    let rules = run.rules;
    let names = run.local_names();
    super::with_runtime(rules, |rt| {
        for (ri, rule) in rules.rules.iter().enumerate() {
            if !rule.per_computer {
                continue;
            }
            out.evaluations += 1;
            let result = match rt.asts.get(ri).and_then(Option::as_ref) {
                Some(ast) => {
                    api::begin_eval(ctx.clone(), rule.options.clone());
                    let r = rt.engine.call_fn::<Dynamic>(
                        &mut Scope::new(),
                        ast,
                        "check",
                        (Dynamic::from(subject.clone()),),
                    );
                    (r, api::end_eval())
                }
                None => continue,
            };
            record(run, &names, &mut out, ri, subject_name.as_ref(), result);
        }
    });
    attach_snippets(&mut out, &texts);
    drop(names);
    let kept = keep_lines.is_some().then(|| {
        Computer(Arc::new(ComputerData {
            name,
            facts: Node::root(facts_doc),
            exports: Vec::new(),
        }))
    });
    (out, kept)
}

/// Findings keep only the lines they point at (and their location), never whole files, so
/// memory stays bounded however many files have findings. The documents and texts of the
/// computer are dropped by the caller right after.
fn attach_snippets(out: &mut Output, texts: &BTreeMap<FileId, Arc<SourceText>>) {
    for (i, f) in out.findings.iter().enumerate() {
        let Some(span) = f.span else { continue };
        if out.snippets.iter().any(|(j, _)| *j == i) {
            continue;
        }
        if let Some(text) = texts.get(&span.file) {
            out.snippets.push((
                i,
                Arc::new(text.snippet_of(span.start as usize, span.end as usize)),
            ));
        }
    }
}

fn report_format(out: &Output, file: FileId) -> &'static str {
    out.files
        .iter()
        .rev()
        .find(|f| f.file == file)
        .and_then(|f| f.format)
        .unwrap_or("unknown")
}

fn run_bundle_rules(run: &BundleRun, computers: Vec<Computer>) -> Output {
    let mut out = Output::default();
    if !run.rules.rules.iter().any(|r| r.per_bundle) {
        return out;
    }
    let mut ctx_docs = run.shared_docs.clone();
    ctx_docs.extend(computers.iter().map(|c| c.0.facts.doc.clone()));
    ctx_docs.sort_by_key(|d| d.base);
    let ctx = Arc::new(Context {
        docs: ctx_docs,
        plan: run.plan.clone(),
        data: run.rules.data.clone(),
    });
    let subject = BundleSubject(Arc::new(BundleData {
        name: run.bundle.display.as_str().into(),
        computers,
    }));
    let names = run.local_names();
    super::with_runtime(run.rules, |rt| {
        for (ri, rule) in run.rules.rules.iter().enumerate() {
            if !rule.per_bundle {
                continue;
            }
            let Some(ast) = rt.asts.get(ri).and_then(Option::as_ref) else {
                continue;
            };
            out.evaluations += 1;
            api::begin_eval(ctx.clone(), rule.options.clone());
            let r = rt.engine.call_fn::<Dynamic>(
                &mut Scope::new(),
                ast,
                "check_bundle",
                (Dynamic::from(subject.clone()),),
            );
            let state = api::end_eval();
            record(run, &names, &mut out, ri, None, (r, state));
        }
    });
    out
}

type CallResult = (
    Result<Dynamic, Box<rhai::EvalAltResult>>,
    Option<api::EvalState>,
);

fn record(
    run: &BundleRun,
    names: &LocalNames,
    out: &mut Output,
    ri: usize,
    computer: Option<&Arc<str>>,
    (result, state): CallResult,
) {
    let rule = &run.rules.rules[ri];
    let id = &names.rules[ri];
    let mut record = OutcomeRecord {
        rule: id.clone(),
        bundle: names.bundle.clone(),
        subject: computer.cloned(),
        outcome: Outcome::Pass,
        reason: None,
        command: None,
    };
    if let Err(err) = result {
        let (message, source, pos) = super::describe_eval_error(&err, &rule.path);
        let limit = matches!(
            *err.unwrap_inner(),
            rhai::EvalAltResult::ErrorTooManyOperations(_)
                | rhai::EvalAltResult::ErrorDataTooLarge(..)
                | rhai::EvalAltResult::ErrorStackOverflow(_)
                | rhai::EvalAltResult::ErrorTooManyVariables(_)
        );
        record.outcome = Outcome::Error;
        record.reason = Some(message.clone());
        out.failures.push(RuleFailure {
            rule: ri,
            subject: computer.map_or_else(
                || format!("bundle {}", run.bundle.display),
                |c| c.to_string(),
            ),
            message,
            source,
            pos,
            limit,
        });
        out.outcomes.push(record);
        return;
    }
    let Some(state) = state else {
        out.outcomes.push(record);
        return;
    };
    if !state.reports.is_empty() {
        record.outcome = Outcome::Fail;
        for r in state.reports {
            let (span, path, snippet) =
                r.at.map_or((None, None, None), |at| (at.span, at.path, at.snippet));
            if let Some(snippet) = snippet {
                out.snippets.push((out.findings.len(), snippet));
            }
            out.findings.push(
                run.finding(
                    &names.bundle,
                    id.clone(),
                    r.severity
                        .map_or(rule.meta.severity, |s| s.min(rule.meta.severity)),
                    computer,
                    r.message,
                    At {
                        span,
                        path,
                        actual: r.actual,
                    },
                ),
            );
        }
    } else if let Some(v) = state.verdict {
        record.outcome = v.outcome;
        record.reason = Some(v.reason);
        record.command = v.command;
    }
    out.outcomes.push(record);
}

/// (rule index, message, script, line, column): failures that read the same are one problem.
type FailureKey = (usize, String, String, Option<usize>, Option<usize>);

/// The span of `fn check(` (or `fn check_bundle(`) in a rule file.
fn entry_point(db: &SourceDb, rule: &super::Rule) -> Option<Span> {
    let text = db.text(rule.file)?;
    let at = text
        .text
        .find("fn check(")
        .or_else(|| text.text.find("fn check_bundle("))?;
    let end = text.text[at..].find(')').map_or(at + 8, |e| at + e + 1);
    Some(Span::new(rule.file, at, end))
}

/// One diagnostic per distinct rule failure, naming the subjects it happened on. A rule that hit
/// a resource limit anywhere is treated as broken everywhere, so the result does not depend on
/// which subjects a thread happened to evaluate first.
fn summarize_failures(out: &mut Output, rules: &RuleSet, db: &SourceDb) -> Vec<RuleProblem> {
    let broken: Vec<usize> = {
        let mut b: Vec<usize> = out
            .failures
            .iter()
            .filter(|f| f.limit)
            .map(|f| f.rule)
            .collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    for &ri in &broken {
        let id = &rules.rules[ri].meta.id;
        out.findings.retain(|f| *f.rule != **id);
        for o in out
            .outcomes
            .iter_mut()
            .filter(|o| *o.rule == **id && o.outcome != Outcome::Error)
        {
            o.outcome = Outcome::Error;
            o.reason = Some("the rule exceeded a resource limit on another subject, so none of its results are trusted".into());
        }
    }
    let mut grouped: BTreeMap<FailureKey, Vec<String>> = BTreeMap::new();
    for f in out.failures.drain(..) {
        grouped
            .entry((f.rule, f.message, f.source, f.pos.line(), f.pos.position()))
            .or_default()
            .push(f.subject);
    }
    grouped
        .into_iter()
        .map(|((ri, message, source, line, col), mut subjects)| {
            subjects.sort();
            let rule = &rules.rules[ri];
            let pos = match (line, col) {
                (Some(l), Some(c)) => rhai::Position::new(l as u16, c as u16),
                (Some(l), None) => rhai::Position::new(l as u16, 1),
                _ => rhai::Position::NONE,
            };
            let shown: Vec<&str> = subjects.iter().take(5).map(String::as_str).collect();
            let more = subjects.len().saturating_sub(shown.len());
            let mut note = format!(
                "failed on {} subject(s): {}",
                subjects.len(),
                shown.join(", ")
            );
            if more > 0 {
                note.push_str(&format!(" and {more} more"));
            }
            let mut notes = vec![note];
            notes.extend(super::hint_for(&message));
            if broken.contains(&ri) {
                notes.push(
                    "a rule that exceeds a limit is reported as an error for every subject".into(),
                );
            }
            let span = if pos.is_none() {
                // Rhai gives no position for some limits (operations): show the entry point.
                notes.push(
                    "Rhai does not say where this happened; the rule's entry point is shown".into(),
                );
                entry_point(db, rule)
            } else {
                span_of(db, &source, pos)
            };
            RuleProblem {
                rule: Some(rule.meta.id.clone()),
                span,
                message: format!("rule {} failed: {message}", rule.meta.id),
                notes,
            }
        })
        .collect()
}
