//! Rules: loading, validating and compiling `.rhai` rule files, their shared libraries and data
//! tables.
//!
//! Built-in rules live in `rules/` of the source tree and are embedded in the binary at build
//! time (`build.rs` lists every file, so a rule file on disk cannot be forgotten). `--rules DIR`
//! adds folders of the same shape: `<ID>-<name>.rhai` rule files anywhere below, `lib/*.rhai`
//! library modules callable as `name::fn()`, and `data/*.json` tables read with `data("name")`.
//! Everything that is wrong with a rule (header, compile error, duplicate id) becomes a
//! [`RuleProblem`] pointing into the rule file; any problem makes the run exit 2.

pub mod api;
pub mod builtins;
pub mod engine;
pub mod invoke;
pub mod meta;
pub mod sandbox;
mod timestamp;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rhai::{AST, Engine, Module, Position, Scope};

use crate::model::Document;
use crate::source::{SourceDb, SourceText, Span};
pub use meta::RuleMeta;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// A compiled, validated rule.
#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    pub file: crate::source::FileId,
    /// Path shown to users (`rules/vmm/VMM015-library-share-not-default.rhai`).
    pub path: String,
    pub source: Arc<str>,
    pub builtin: bool,
    /// Defines `fn check(computer)`.
    pub per_computer: bool,
    /// Defines `fn check_bundle(bundle)`.
    pub per_bundle: bool,
    /// Options from `uplint.toml` (`[options.ID]`), read with `option()`.
    pub options: Option<Arc<rhai::Map>>,
}

/// Something wrong with a rule file, at a span of it when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleProblem {
    pub rule: Option<String>,
    pub span: Option<Span>,
    pub message: String,
    /// Extra lines for the diagnostic (hints, the subjects it failed on).
    pub notes: Vec<String>,
}

/// A library module shared by rules.
#[derive(Debug)]
struct Library {
    name: String,
    path: String,
    source: Arc<str>,
}

/// Every rule of a run, compiled once, plus what they share.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub problems: Vec<RuleProblem>,
    pub data: Arc<BTreeMap<String, Arc<Document>>>,
    /// Global ids below this belong to data tables; bundles allocate above it.
    pub data_ids_end: u32,
    libs: Vec<Library>,
    property_names: Vec<&'static str>,
    /// Tells worker threads that their cached engine belongs to another rule set.
    generation: u64,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Keys of facts and of plan.json get a registered getter each (see `api::register`).
fn property_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = crate::facts::CATALOG
        .iter()
        // Every segment of a key is a property: `sql.setup.action` is read as
        // `facts.sql.setup.action`.
        .flat_map(|f| f.key.split('.').chain(f.fields.iter().copied()))
        .chain([
            "upgrades",
            "product",
            "target",
            "server",
            "new_server",
            "service_account",
            "migrations",
            "kind",
            "source",
            "destination",
            "sequence",
        ])
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Where rule files come from.
pub struct RuleFile {
    pub path: String,
    pub text: Arc<str>,
    pub builtin: bool,
}

/// The files embedded in the binary.
pub fn builtin_files() -> Vec<RuleFile> {
    builtin::FILES
        .iter()
        .map(|(path, text)| RuleFile {
            path: (*path).to_owned(),
            text: Arc::from(*text),
            builtin: true,
        })
        .collect()
}

/// Reads a `--rules` folder: every `.rhai` and `data/*.json` below it, sorted. The folder's
/// name is taken as it is, never as a pattern (`team [x]` is a folder, not a glob), and a
/// folder without a single rule is an error: pointed at the wrong place, a run would
/// otherwise check nothing and pass.
pub fn read_dir(dir: &Path) -> Result<Vec<RuleFile>, String> {
    if !dir.is_dir() {
        return Err(format!(
            "rules folder `{}` does not exist or is not a folder",
            dir.display()
        ));
    }
    let mut found = Vec::new();
    walk_rules(dir, &mut found)?;
    let mut out = Vec::new();
    for entry in found {
        let is_rule = entry.extension().is_some_and(|e| e == "rhai");
        let is_data = entry.extension().is_some_and(|e| e == "json")
            && entry
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|n| n == "data");
        if !(is_rule || is_data) {
            continue;
        }
        let bytes =
            std::fs::read(&entry).map_err(|e| format!("cannot read `{}`: {e}", entry.display()))?;
        let (text, _) = SourceText::decode(&bytes);
        out.push(RuleFile {
            path: entry.to_string_lossy().replace('\\', "/"),
            text: text.text,
            builtin: false,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    let has_rule = out
        .iter()
        .any(|f| f.path.ends_with(".rhai") && !is_in(&f.path, "lib"));
    if !has_rule {
        return Err(format!(
            "rules folder `{}` holds no rule: a rule is a file named <ID>-<name>.rhai (e.g. ACME001-share-not-on-nas.rhai) in it or below it; `uplint new-rule` creates one",
            dir.display()
        ));
    }
    Ok(out)
}

/// Every file below `dir`. Links to folders are not followed: a link back up would loop.
fn walk_rules(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk_rules(&path, out)?,
            Ok(kind) if kind.is_file() || (kind.is_symlink() && path.is_file()) => out.push(path),
            _ => {}
        }
    }
    Ok(())
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Whether the file sits directly in a folder named `dir` (`lib/`, `data/`).
fn is_in(path: &str, dir: &str) -> bool {
    path.rsplit('/').nth(1) == Some(dir)
}

impl RuleSet {
    /// Loads, validates and compiles rule files, registering them in `db` for diagnostics.
    /// Libraries' top-level code runs here, so this happens on a thread with the sandbox's
    /// stack.
    pub fn load(files: Vec<RuleFile>, db: &mut SourceDb) -> RuleSet {
        sandbox::on_worker_stack(|| RuleSet::load_here(files, db))
    }

    fn load_here(files: Vec<RuleFile>, db: &mut SourceDb) -> RuleSet {
        let mut set = RuleSet {
            rules: Vec::new(),
            problems: Vec::new(),
            data: Arc::new(BTreeMap::new()),
            data_ids_end: 0,
            libs: Vec::new(),
            property_names: property_names(),
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
        };
        let mut data = BTreeMap::new();
        let mut next_id: u32 = 0;
        let mut rule_files = Vec::new();
        for f in files {
            let source = Arc::new(SourceText::new(
                f.text.clone(),
                crate::source::Encoding::Utf8,
            ));
            let file = db.add(f.path.clone(), Some(source));
            let stem = file_stem(&f.path).to_owned();
            let shadows = |what: &str| RuleProblem {
                rule: None,
                span: Some(Span::new(file, 0, 0)),
                message: format!(
                    "`{stem}` is already a {what} name: a custom one may not replace it, because the built-in rules rely on it; rename it"
                ),
                notes: vec![],
            };
            if f.path.ends_with(".json") {
                if !is_in(&f.path, "data") {
                    continue;
                }
                if data.contains_key(&stem) {
                    set.problems.push(shadows("data table"));
                    continue;
                }
                let parsed = crate::parse::json::parse(file, f.text.clone());
                for e in parsed.errors {
                    set.problems.push(RuleProblem {
                        rule: None,
                        span: Some(e.span),
                        message: format!("data table: {}", e.message),
                        notes: vec![],
                    });
                }
                let mut doc = parsed.doc;
                doc.kind = crate::model::DocKind::Data;
                doc.base = next_id;
                next_id = next_id.saturating_add(doc.len() as u32);
                data.insert(stem, Arc::new(doc));
            } else if is_in(&f.path, "lib") {
                if set.libs.iter().any(|l| l.name == stem) {
                    set.problems.push(shadows("library"));
                    continue;
                }
                set.libs.push(Library {
                    name: file_stem(&f.path).to_owned(),
                    path: f.path,
                    source: f.text,
                });
            } else {
                rule_files.push((f, file));
            }
        }
        set.data = Arc::new(data);
        set.data_ids_end = next_id;
        // The main thread's engine validates libraries and rules once, so problems are
        // reported up front with their positions; workers build their own copies.
        let engine = match set.engine() {
            Ok(engine) => engine,
            Err(problems) => {
                set.problems.extend(
                    problems
                        .into_iter()
                        .map(|(path, err)| set_problem(db, &path, None, err)),
                );
                engine::build(&set.property_names)
            }
        };
        for (f, file) in rule_files {
            let meta = match meta::parse(&f.text) {
                Ok(meta) => meta,
                Err(errors) => {
                    for e in errors {
                        set.problems.push(RuleProblem {
                            rule: None,
                            span: Some(Span::new(file, e.range.start, e.range.end)),
                            message: e.message,
                            notes: vec![],
                        });
                    }
                    continue;
                }
            };
            let expected = format!("{}-{}", meta.id, meta.name);
            if file_stem(&f.path) != expected {
                set.problems.push(RuleProblem {
                    rule: Some(meta.id.clone()),
                    span: Some(Span::new(file, 0, 0)),
                    message: format!(
                        "the rule file must be named `{expected}.rhai` after its id and name"
                    ),
                    notes: vec![],
                });
                continue;
            }
            if let Some(other) = set.rules.iter().find(|r| r.meta.id == meta.id) {
                set.problems.push(RuleProblem {
                    rule: Some(meta.id.clone()),
                    span: Some(Span::new(file, 0, 0)),
                    message: format!("rule id {} is already used by `{}`", meta.id, other.path),
                    notes: vec![],
                });
                continue;
            }
            let ast = match compile(&engine, &f.path, &f.text) {
                Ok(ast) => ast,
                Err(err) => {
                    let problem = set_problem(db, &f.path, Some(&meta.id), err);
                    set.problems.push(problem);
                    continue;
                }
            };
            let has = |name: &str| {
                ast.iter_functions()
                    .any(|fun| fun.name == name && fun.params.len() == 1)
            };
            let (per_computer, per_bundle) = (has("check"), has("check_bundle"));
            if !per_computer && !per_bundle {
                set.problems.push(RuleProblem {
                    rule: Some(meta.id.clone()),
                    span: Some(Span::new(file, 0, 0)),
                    message: "a rule must define `fn check(computer)` or `fn check_bundle(bundle)`"
                        .into(),
                    notes: vec![],
                });
                continue;
            }
            set.rules.push(Rule {
                meta,
                file,
                path: f.path,
                source: f.text,
                builtin: f.builtin,
                per_computer,
                per_bundle,
                options: None,
            });
        }
        set.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        set
    }

    /// Applies `uplint.toml`: severity overrides and per-rule options. Entries for rules that
    /// are not loaded are returned as errors.
    pub fn configure(&mut self, config: &crate::config::Config) -> Vec<crate::config::ConfigError> {
        let ids: Vec<String> = self.rules.iter().map(|r| r.meta.id.clone()).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let errors = config.unknown_rules(|id| ids.iter().any(|k| k == id), &id_refs);
        for rule in &mut self.rules {
            if let Some((severity, _)) = config.severity.get(&rule.meta.id) {
                rule.meta.severity = *severity;
            }
            rule.options = config
                .options
                .get(&rule.meta.id)
                .map(|(m, _)| Arc::new(m.clone()));
        }
        errors
    }

    /// The built-in rules' fixture files (path under `tests/rules`, bytes).
    pub fn builtin_fixtures() -> &'static [(&'static str, &'static [u8])] {
        builtin::FIXTURES
    }

    /// Keeps only the rules `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }

    /// Builds an engine with the host API and every library module registered.
    fn engine(&self) -> Result<Engine, Vec<(String, RhaiError)>> {
        let mut engine = engine::build(&self.property_names);
        let mut problems = Vec::new();
        for lib in &self.libs {
            let module = compile(&engine, &lib.path, &lib.source).and_then(|ast| {
                // A library's top level runs outside any rule's evaluation, with the default
                // budget: it should only define functions.
                let limits = crate::limits::Limits::default();
                let guard = sandbox::enter(sandbox::Budget::for_subject(&limits, 0));
                let module = Module::eval_ast_as_new(Scope::new(), &ast, &engine);
                match (module, guard.stopped()) {
                    (Ok(module), None) => Ok(module),
                    (Err(e), None) => Err(RhaiError::Eval(e)),
                    (_, Some(stop)) => Err(RhaiError::Eval(
                        rhai::EvalAltResult::ErrorRuntime(
                            stop.message(&limits).into(),
                            Position::NONE,
                        )
                        .into(),
                    )),
                }
            });
            match module {
                Ok(module) => {
                    engine.register_static_module(lib.name.as_str(), module.into());
                }
                Err(e) => problems.push((lib.path.clone(), e)),
            }
        }
        if problems.is_empty() {
            Ok(engine)
        } else {
            Err(problems)
        }
    }

    /// Compiles every rule with a fresh engine: what each worker thread holds.
    fn runtime(&self) -> Runtime {
        let engine = self
            .engine()
            .unwrap_or_else(|_| engine::build(&self.property_names));
        let asts = self
            .rules
            .iter()
            .map(|r| compile(&engine, &r.path, &r.source).ok())
            .collect();
        Runtime {
            generation: self.generation,
            engine,
            asts,
        }
    }
}

/// One worker thread's engine and compiled rules. Measured: sharing one engine across threads
/// does not scale (its function caches are reference-counted and the cores fight over the
/// counters), while an engine per thread costs ~0.2 ms once.
pub struct Runtime {
    generation: u64,
    engine: Engine,
    asts: Vec<Option<AST>>,
}

thread_local! {
    static RUNTIME: std::cell::RefCell<Option<Runtime>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's runtime for `set`, building it on first use.
pub fn with_runtime<T>(set: &RuleSet, f: impl FnOnce(&Runtime) -> T) -> T {
    RUNTIME.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|r| r.generation != set.generation) {
            *slot = Some(set.runtime());
        }
        match slot.as_ref() {
            Some(rt) => f(rt),
            None => f(&set.runtime()),
        }
    })
}

#[derive(Debug)]
pub enum RhaiError {
    Parse(rhai::ParseError),
    Eval(Box<rhai::EvalAltResult>),
}

fn compile(engine: &Engine, path: &str, source: &str) -> Result<AST, RhaiError> {
    let mut ast = engine.compile(source).map_err(RhaiError::Parse)?;
    ast.set_source(path);
    Ok(ast)
}

/// Turns a Rhai error into a problem at the right line and column of the right file.
fn set_problem(db: &SourceDb, path: &str, rule: Option<&str>, err: RhaiError) -> RuleProblem {
    let (message, source, pos) = match err {
        RhaiError::Parse(e) => (e.err_type().to_string(), path.to_owned(), e.position()),
        RhaiError::Eval(e) => {
            let (msg, src, pos) = describe_eval_error(&e, path);
            (msg, src, pos)
        }
    };
    RuleProblem {
        rule: rule.map(str::to_owned),
        span: span_of(db, &source, pos),
        message,
        notes: vec![],
    }
}

/// The innermost error of a chain of function calls, with the script it happened in.
fn describe_eval_error(err: &rhai::EvalAltResult, path: &str) -> (String, String, Position) {
    use rhai::EvalAltResult as E;
    let mut source = path.to_owned();
    let mut at = err;
    while let E::ErrorInFunctionCall(_, src, inner, _) | E::ErrorInModule(src, inner, _) = at {
        if !src.is_empty() {
            source = src.clone();
        }
        at = inner;
    }
    let pos = at.position();
    let text = at.to_string();
    // Display appends " (line L, position C)"; the position is shown by the diagnostic instead.
    let message = text
        .strip_suffix(&format!(" ({pos})"))
        .map_or(text.clone(), str::to_owned);
    (message, source, pos)
}

/// A hint for an error a rule author can fix: the closest host API name for an unknown
/// function (`repor` → `report`).
pub fn hint_for(message: &str) -> Option<String> {
    let name = message
        .strip_prefix("Function not found: ")?
        .split([' ', '('])
        .next()?
        .trim();
    const LANGUAGE: &[&str] = &[
        "len",
        "contains",
        "starts_with",
        "ends_with",
        "to_lower",
        "to_upper",
        "trim",
        "split",
        "sub_string",
        "index_of",
        "replace",
        "push",
        "is_empty",
        "keys",
        "values",
        "parse_int",
        "parse_float",
        "to_string",
        "type_of",
        "min",
        "max",
        "abs",
        "sort",
        "filter",
        "map",
        "reduce",
        "some",
        "all",
    ];
    let api = api::API_ITEMS
        .iter()
        .map(|i| i.rsplit('.').next().unwrap_or(i));
    let closest = crate::util::closest(name, api.chain(LANGUAGE.iter().copied()))?;
    (closest != name).then(|| {
        format!(
            "did you mean `{closest}`? The functions a rule can call are listed in docs/rules.md"
        )
    })
}

/// Maps a Rhai position (1-based line, 1-based *character* column) to a byte span.
pub fn span_of(db: &SourceDb, path: &str, pos: Position) -> Option<Span> {
    let file = (0..db.len() as u32)
        .map(crate::source::FileId)
        .find(|f| db.name(*f) == path)?;
    let text = db.text(file)?;
    let Some(line) = pos.line() else {
        return Some(Span::new(file, 0, 0));
    };
    let starts = text.line_starts();
    let line_start = *starts.get(line - 1)?;
    let line_end = starts.get(line).copied().unwrap_or(text.text.len());
    let line_text = &text.text[line_start..line_end];
    let col = pos.position().unwrap_or(1).saturating_sub(1);
    let offset = line_text
        .char_indices()
        .nth(col)
        .map_or(line_text.len(), |(i, _)| i);
    let start = line_start + offset;
    let token_end = line_text[offset..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(line_text.len(), |e| offset + e.max(1));
    Some(Span::new(file, start, line_start + token_end))
}
