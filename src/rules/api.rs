//! The host API scripts see. Every item registered here is documented in `docs/rules.md`, and a
//! test fails if one is missing there ([`API_ITEMS`]).
//!
//! Scripts get *handles*, never copies: a [`Node`] is an `Arc` of its document plus an index,
//! properties are looked up on demand, and scalar values come back as plain Rhai values.
//! `report(value, message)` finds where a value came from, so a rule never does span
//! arithmetic: numbers and booleans carry the node's global id plus one in their `Dynamic`
//! tag; strings cannot, because Rhai re-wraps every string assigned with `let` (measured on
//! rhai 1.27: the tag is reset to 0), so each string handed out is also recorded in the
//! evaluation's table by the address of its shared buffer, which `let` preserves once the
//! engine's string interner is off. A computed value (`a + b`, `s.to_lower()`) has neither and
//! reports at the subject level. Tags can be forged by scripts (`x.tag = 5`), so every lookup
//! is bounds-checked against the documents of the evaluation.
//!
//! Results flow back through a thread-local [`EvalState`], set by the driver around each call:
//! evaluation is synchronous on the calling rayon thread, so no locking is needed.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, INT, ImmutableString};

use crate::finding::{Outcome, Severity};
use crate::model::{Document, NodeIdx, NodeKind, Scalar};
use crate::source::Span;

/// A read-only handle on one node of a document.
#[derive(Clone)]
pub struct Node {
    pub doc: Arc<Document>,
    pub idx: NodeIdx,
}

impl Node {
    pub fn root(doc: Arc<Document>) -> Node {
        Node {
            doc,
            idx: Document::ROOT,
        }
    }

    /// The node as a script value: containers as `Node`, scalars as tagged plain values.
    pub fn to_dynamic(&self) -> Dynamic {
        let mut d = match self.doc.scalar(self.idx) {
            _ if self.doc.kind(self.idx).is_container() => return Dynamic::from(self.clone()),
            Scalar::Null => Dynamic::UNIT,
            Scalar::Bool(b) => Dynamic::from_bool(b),
            Scalar::Int(i) => Dynamic::from_int(i),
            Scalar::Float(x) => Dynamic::from_float(x),
            Scalar::Str(_) => {
                let s = self.doc.str_value(self.idx).unwrap_or_default();
                remember_string(&s, self.doc.global_id(self.idx));
                Dynamic::from(s)
            }
        };
        let tag = self
            .doc
            .global_id(self.idx)
            .checked_add(1)
            .and_then(|t| i32::try_from(t).ok());
        d.set_tag(tag.unwrap_or(0));
        d
    }

    fn child(&self, key: &str) -> Dynamic {
        match self.doc.child(self.idx, key) {
            Some(idx) => Node {
                doc: self.doc.clone(),
                idx,
            }
            .to_dynamic(),
            None => Dynamic::UNIT,
        }
    }

    fn at(&self, i: INT) -> Dynamic {
        let kids = self.doc.children(self.idx);
        let i = if i < 0 { kids.len() as INT + i } else { i };
        match usize::try_from(i).ok().and_then(|i| kids.get(i)) {
            Some(&idx) => Node {
                doc: self.doc.clone(),
                idx,
            }
            .to_dynamic(),
            None => Dynamic::UNIT,
        }
    }
}

impl IntoIterator for Node {
    type Item = Dynamic;
    type IntoIter = Children;

    fn into_iter(self) -> Children {
        Children {
            node: self,
            next: 0,
        }
    }
}

/// Iterates a node's children lazily (`for x in node`), without collecting them first.
pub struct Children {
    node: Node,
    next: usize,
}

impl Iterator for Children {
    type Item = Dynamic;

    fn next(&mut self) -> Option<Dynamic> {
        let &idx = self.node.doc.children(self.node.idx).get(self.next)?;
        self.next += 1;
        Some(
            Node {
                doc: self.node.doc.clone(),
                idx,
            }
            .to_dynamic(),
        )
    }
}

/// A dotted version number (`3.2.8145.0`, `10.19.2445.0`), compared part by part with missing
/// parts as zero, so `4.0` == `4.0.0.0`.
#[derive(Clone, Debug)]
pub struct Version {
    parts: Vec<u64>,
    text: ImmutableString,
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let t = s.trim();
        let parts: Option<Vec<u64>> = t.split('.').map(|p| p.parse().ok()).collect();
        let parts = parts.filter(|p| !p.is_empty() && p.len() <= 8)?;
        Some(Version {
            parts,
            text: t.into(),
        })
    }

    /// A release name as people write it ("2012 R2 UR9", "4.5 SP2", "VMM 2016") as the
    /// version `major.minor.r2.update`: "2012 SP1" is 2012.0.0.1, "2012 R2" 2012.0.1.0,
    /// "2012 R2 UR9" 2012.0.1.9, "4.5 SP2" 4.5.0.2. Words before the number ("System Center",
    /// "VMM", "App-V") are skipped; an update is `SPn`, `URn`, `CUn`, `RTM` or `GA`.
    pub fn parse_release(s: &str) -> Option<Version> {
        let t = s.trim();
        let mut words = t
            .split_whitespace()
            .skip_while(|w| !w.starts_with(|c: char| c.is_ascii_digit()));
        let number = words.next()?;
        let mut head = number.split('.').map(|p| p.parse::<u64>().ok());
        let major = head.next()??;
        let minor = head.next().unwrap_or(Some(0))?;
        if head.next().is_some() {
            return None; // a build number: use version()
        }
        let (mut r2, mut update) = (0, 0);
        for w in words {
            let upper = w.to_ascii_uppercase();
            let number_after = |prefix: &str| {
                upper
                    .strip_prefix(prefix)
                    .and_then(|n| n.parse::<u64>().ok())
            };
            if upper == "R2" {
                r2 = 1;
            } else if upper == "RTM" || upper == "GA" {
                update = 0;
            } else if let Some(n) = number_after("SP")
                .or_else(|| number_after("UR"))
                .or_else(|| number_after("CU"))
            {
                update = n;
            } else {
                return None;
            }
        }
        Some(Version {
            parts: vec![major, minor, r2, update],
            text: t.into(),
        })
    }

    fn part(&self, i: usize) -> INT {
        self.parts.get(i).map_or(0, |p| *p as INT)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        (0..n)
            .map(|i| {
                self.parts
                    .get(i)
                    .unwrap_or(&0)
                    .cmp(other.parts.get(i).unwrap_or(&0))
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}

/// The subject of `check(computer)`.
#[derive(Clone)]
pub struct Computer(pub Arc<ComputerData>);

pub struct ComputerData {
    pub name: ImmutableString,
    pub facts: Node,
    /// Parsed exports of this computer with their format names, in bundle order.
    pub exports: Vec<(&'static str, Node)>,
}

/// A registry value from the computer's `.reg` exports as `reg import` of them all in path
/// order would leave it: a later section or file replaces an earlier value, and a deleted key
/// (`[-key]`) or value (`"name"=-`) is gone. Value names ignore letter case; `""` is the
/// default value.
fn registry_value(
    computer: &ComputerData,
    key: &str,
    name: &str,
) -> Result<Option<Node>, Box<EvalAltResult>> {
    let mut found = None;
    scan_registry(computer, key, |section| {
        found = match section {
            None => None,
            Some(section) => section
                .doc
                .children(section.idx)
                .iter()
                .rev()
                .find(|&&v| {
                    section
                        .doc
                        .name(v)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
                .map(|&value| Node {
                    doc: section.doc.clone(),
                    idx: value,
                })
                .or(found.take()),
        };
    })?;
    Ok(found)
}

/// A registry key from the computer's `.reg` exports as `reg import` of them all in path order
/// would leave it: the last section that names it, or none when no export has it or a later
/// `[-key]` deleted it (or a key above it).
fn registry_key(computer: &ComputerData, key: &str) -> Result<Option<Node>, Box<EvalAltResult>> {
    let mut found = None;
    scan_registry(computer, key, |section| found = section)?;
    Ok(found)
}

/// Calls `apply` with each section of the computer's `.reg` exports that names `key`, in path
/// order, and with `None` where a `[-key]` section deletes it. The work is charged to the
/// evaluation's budget: exports can hold a million keys.
fn scan_registry(
    computer: &ComputerData,
    key: &str,
    mut apply: impl FnMut(Option<Node>),
) -> Result<(), Box<EvalAltResult>> {
    /// Sections compared per operation charged: a comparison costs about a twentieth of a
    /// script operation.
    const SECTIONS_PER_OPERATION: u64 = 16;
    let wanted = crate::parse::reg::normalized_key(key);
    for (_, root) in computer
        .exports
        .iter()
        .filter(|(format, _)| *format == "reg")
    {
        let doc = &root.doc;
        let sections = doc.children(root.idx);
        super::sandbox::charge(sections.len() as u64 / SECTIONS_PER_OPERATION)?;
        for &section in sections {
            let Some(written) = doc.name(section) else {
                continue;
            };
            // `[-key]` deletes the key and every key below it.
            if doc.kind(section) == NodeKind::Null {
                let deleted = crate::parse::reg::normalized_key(written);
                if wanted == deleted || wanted.starts_with(&format!("{deleted}\\")) {
                    apply(None);
                }
                continue;
            }
            if crate::parse::reg::key_is(written, &wanted) {
                apply(Some(Node {
                    doc: doc.clone(),
                    idx: section,
                }));
            }
        }
    }
    Ok(())
}

/// The subject of `check_bundle(bundle)`.
#[derive(Clone)]
pub struct BundleSubject(pub Arc<BundleData>);

pub struct BundleData {
    pub name: ImmutableString,
    pub computers: Vec<Computer>,
}

/// What a script may reach during one evaluation besides its argument.
pub struct Context {
    /// Every document a tag may point into, sorted by `base`.
    pub docs: Vec<Arc<Document>>,
    pub plan: Option<Arc<Document>>,
    pub data: Arc<BTreeMap<String, Arc<Document>>>,
}

impl Context {
    /// The document and node a global id points at, if any.
    fn resolve(&self, id: u32) -> Option<(&Arc<Document>, NodeIdx)> {
        let pos = self.docs.partition_point(|d| d.base <= id);
        let doc = self.docs.get(pos.checked_sub(1)?)?;
        let idx = id - doc.base;
        ((idx as usize) < doc.len()).then_some((doc, idx))
    }
}

/// Where a reported value is: span and structural path, and the source lines when the value
/// is a fact whose export is no longer loaded.
#[derive(Clone, Debug)]
pub struct Located {
    pub span: Option<Span>,
    pub path: Option<String>,
    pub snippet: Option<Arc<crate::source::Snippet>>,
}

/// One `report(...)` call.
#[derive(Clone, Debug)]
pub struct Report {
    pub at: Option<Located>,
    pub message: String,
    pub actual: Option<String>,
    /// Lower than the rule's severity for this finding only (`report(v, msg, "warning")`).
    pub severity: Option<Severity>,
}

/// An explicit outcome set by `missing`, `not_evaluated` or `not_applicable`.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub outcome: Outcome,
    pub reason: String,
    pub command: Option<String>,
}

/// What one evaluation produced.
pub struct EvalState {
    pub ctx: Arc<Context>,
    pub reports: Vec<Report>,
    pub verdict: Option<Verdict>,
    /// Strings handed to the script and the global id of their node; holding the string keeps
    /// its address from being reused during the evaluation.
    strings: Vec<(ImmutableString, u32)>,
    /// The rule's options from `uplint.toml`.
    options: Option<Arc<rhai::Map>>,
}

thread_local! {
    static STATE: RefCell<Option<EvalState>> = const { RefCell::new(None) };
    static SPARE_STRINGS: RefCell<Vec<(ImmutableString, u32)>> = const { RefCell::new(Vec::new()) };
}

/// Installs the state for one evaluation; the driver takes it back with [`end_eval`].
pub fn begin_eval(ctx: Arc<Context>, options: Option<Arc<rhai::Map>>) {
    // The string table's buffer is reused between evaluations of a thread.
    let strings = SPARE_STRINGS.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    STATE.with(|s| {
        *s.borrow_mut() = Some(EvalState {
            ctx,
            reports: Vec::new(),
            verdict: None,
            strings,
            options,
        });
    });
}

pub fn end_eval() -> Option<EvalState> {
    let mut state = STATE.with(|s| s.borrow_mut().take())?;
    let mut strings = std::mem::take(&mut state.strings);
    strings.clear();
    SPARE_STRINGS.with(|spare| *spare.borrow_mut() = strings);
    Some(state)
}

fn with_state<T>(f: impl FnOnce(&mut EvalState) -> T) -> Result<T, Box<EvalAltResult>> {
    STATE.with(|s| match s.borrow_mut().as_mut() {
        Some(state) => Ok(f(state)),
        None => Err("this function can only be called while a rule is being checked".into()),
    })
}

fn string_address(s: &ImmutableString) -> usize {
    s.as_str().as_ptr() as usize
}

fn remember_string(s: &ImmutableString, id: u32) {
    STATE.with(|state| {
        if let Some(state) = state.borrow_mut().as_mut() {
            state.strings.push((s.clone(), id));
        }
    });
}

fn locate(state: &EvalState, value: &Dynamic) -> Option<Located> {
    let (doc, idx) = if let Some(node) = value.read_lock::<Node>() {
        (node.doc.clone(), node.idx)
    } else {
        let from_string = value.read_lock::<ImmutableString>().and_then(|s| {
            let addr = string_address(&s);
            state
                .strings
                .iter()
                .rev()
                .find(|(k, _)| string_address(k) == addr)
                .map(|(_, id)| *id)
        });
        let id = match from_string {
            Some(id) => id,
            None => u32::try_from(value.tag()).ok()?.checked_sub(1)?,
        };
        let (doc, idx) = state.ctx.resolve(id)?;
        (doc.clone(), idx)
    };
    let span = doc.span(idx);
    let path = doc.path(idx);
    Some(Located {
        span,
        path: (!path.is_empty()).then_some(path),
        snippet: doc.origin_snippet(idx).cloned(),
    })
}

fn display(value: &Dynamic) -> Option<String> {
    if value.is::<Node>() || value.is_unit() {
        return None;
    }
    if let Some(v) = value.read_lock::<Version>() {
        return Some(v.text.to_string());
    }
    Some(value.to_string())
}

fn report(value: Dynamic, message: &str) -> Result<(), Box<EvalAltResult>> {
    push_report(value, message, None)
}

/// `report` with a severity for this one finding. It can only lower the rule's severity (after
/// `uplint.toml` overrides): a user who made a rule `info` never gets an `error` from it.
fn report_with_severity(
    value: Dynamic,
    message: &str,
    severity: &str,
) -> Result<(), Box<EvalAltResult>> {
    let Some(severity) = Severity::parse(severity) else {
        return Err(format!(
            "report(): severity must be \"error\", \"warning\" or \"info\", not \"{severity}\""
        )
        .into());
    };
    push_report(value, message, Some(severity))
}

fn push_report(
    value: Dynamic,
    message: &str,
    severity: Option<Severity>,
) -> Result<(), Box<EvalAltResult>> {
    with_state(|state| {
        let at = locate(state, &value);
        let actual = display(&value);
        state.reports.push(Report {
            at,
            message: message.to_owned(),
            actual,
            severity,
        });
    })
}

fn set_verdict(
    outcome: Outcome,
    reason: &str,
    command: Option<String>,
) -> Result<(), Box<EvalAltResult>> {
    with_state(|state| {
        state.verdict = Some(Verdict {
            outcome,
            reason: reason.to_owned(),
            command,
        });
    })
}

fn missing(fact: &str) -> Result<(), Box<EvalAltResult>> {
    missing_where(fact, None)
}

/// `missing(fact, computer)`: the fact is missing on another computer than the subject (a
/// bundle rule's, or a migration's other side), which the reason names.
fn missing_on(fact: &str, computer: &str) -> Result<(), Box<EvalAltResult>> {
    missing_where(fact, Some(computer))
}

/// "Local disk volumes" → "local disk volumes", for a description inside a sentence; a word
/// that is all capitals (`WinRM`, `OS`) keeps its case.
fn lowercase_first(text: &str) -> String {
    let first = text.split_whitespace().next().unwrap_or("");
    if first.chars().skip(1).any(|c| c.is_uppercase()) {
        return text.to_owned();
    }
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

fn missing_where(fact: &str, computer: Option<&str>) -> Result<(), Box<EvalAltResult>> {
    let Some(def) = crate::facts::definition(fact) else {
        let hint = crate::util::closest(fact, crate::facts::CATALOG.iter().map(|f| f.key))
            .map(|c| format!(" (did you mean \"{c}\"?)"))
            .unwrap_or_default();
        return Err(format!("missing(\"{fact}\"): no such fact{hint}").into());
    };
    // The command runs as printed; what to change in it is part of the reason.
    let mut reason = match computer {
        // "the bundle has no …" reads right for plural descriptions ("Local disk volumes").
        Some(c) => format!(
            "the bundle has no {} ({}) of {c}: run the command on {c}, into its folder",
            lowercase_first(def.description),
            def.key
        ),
        None => format!("{} ({}) is not in the bundle", def.description, def.key),
    };
    if let Some(note) = def.collect.note() {
        reason = format!("{reason}; {note}");
    }
    set_verdict(
        Outcome::NotEvaluated,
        &reason,
        Some(def.collect.instruction().into_owned()),
    )
}

fn plan_upgrade(product: &str) -> Result<Dynamic, Box<EvalAltResult>> {
    with_state(|state| {
        let Some(plan) = &state.ctx.plan else {
            return Dynamic::UNIT;
        };
        let Some(ups) = plan.child(Document::ROOT, "upgrades") else {
            return Dynamic::UNIT;
        };
        plan.children(ups)
            .iter()
            .find(|&&u| {
                plan.child(u, "product").is_some_and(
                    |p| matches!(plan.scalar(p), Scalar::Str(s) if s.eq_ignore_ascii_case(product)),
                )
            })
            .map_or(Dynamic::UNIT, |&idx| {
                Dynamic::from(Node {
                    doc: plan.clone(),
                    idx,
                })
            })
    })
}

fn data(name: &str) -> Result<Dynamic, Box<EvalAltResult>> {
    with_state(|state| state.ctx.data.get(name).map(|d| Node::root(d.clone())))?
        .map(Dynamic::from)
        .ok_or_else(|| {
            let known: Vec<String> =
                with_state(|s| s.ctx.data.keys().cloned().collect()).unwrap_or_default();
            format!(
                "data(\"{name}\"): no such table; the tables are: {}",
                known.join(", ")
            )
            .into()
        })
}

/// `export_command(fact)`: the command that produces the export a fact comes from, for
/// messages that tell users what to collect (one place: the fact catalog). The command alone,
/// as it runs; a note on what to change in it is not included.
fn export_command(fact: &str) -> Result<ImmutableString, Box<EvalAltResult>> {
    crate::facts::definition(fact)
        .map(|d| d.collect.instruction().as_ref().into())
        .ok_or_else(|| {
            let hint = crate::util::closest(fact, crate::facts::CATALOG.iter().map(|f| f.key))
                .map(|c| format!(" (did you mean \"{c}\"?)"))
                .unwrap_or_default();
            format!("export_command(\"{fact}\"): no such fact{hint}").into()
        })
}

/// `option(name, default)`: the rule's option from `uplint.toml`, or `default`. A value of
/// another type than `default` is an error, so a misconfigured threshold is not compared as
/// text.
fn option(name: &str, default: Dynamic) -> Result<Dynamic, Box<EvalAltResult>> {
    let value = with_state(|s| s.options.as_ref().and_then(|o| o.get(name).cloned()))?;
    let kind = |d: &Dynamic| match d.type_name() {
        "i64" => "an integer",
        "f64" => "a number",
        "bool" => "a boolean",
        "string" => "a string",
        "array" => "an array",
        other => other,
    };
    match value {
        None => Ok(default),
        Some(v) if default.is_unit() || v.type_name() == default.type_name() => Ok(v),
        Some(v) => Err(format!(
            "option `{name}` in uplint.toml is {}, but the rule expects {} (like its default {default})",
            kind(&v),
            kind(&default)
        )
        .into()),
    }
}

/// Names a script can call or read, for the documentation check. Keep in step with
/// [`register`].
pub const API_ITEMS: &[&str] = &[
    "report",
    "missing",
    "export_command",
    "not_evaluated",
    "not_applicable",
    "plan",
    "plan_upgrade",
    "data",
    "option",
    "version",
    "release_version",
    "timestamp",
    "same_name",
    "Version.major",
    "Version.minor",
    "Version.build",
    "Version.revision",
    "Node.kind",
    "Node.key",
    "Node.path",
    "Node.get",
    "Node.has",
    "Node.keys",
    "Node.len",
    "Node.line",
    "Computer.name",
    "Computer.facts",
    "Computer.fact",
    "Computer.exports",
    "Computer.registry",
    "Computer.registry_key",
    "Bundle.name",
    "Bundle.computers",
];

/// Registers the whole host API on an engine. Called only by [`super::engine::build`].
pub fn register(engine: &mut Engine, property_names: &[&str]) {
    engine
        .register_type_with_name::<Node>("Node")
        .register_indexer_get(|n: &mut Node, key: ImmutableString| n.child(&key))
        .register_indexer_get(|n: &mut Node, i: INT| n.at(i))
        .register_iterator::<Node>()
        .register_fn("len", |n: &mut Node| n.doc.children(n.idx).len() as INT)
        .register_fn("kind", |n: &mut Node| n.doc.kind(n.idx).name())
        .register_fn("key", |n: &mut Node| {
            n.doc
                .name(n.idx)
                .cloned()
                .map_or(Dynamic::UNIT, Dynamic::from)
        })
        .register_fn("path", |n: &mut Node| n.doc.path(n.idx))
        .register_fn("get", |n: &mut Node, path: &str| {
            match n.doc.lookup(n.idx, path) {
                Some(idx) => Node {
                    doc: n.doc.clone(),
                    idx,
                }
                .to_dynamic(),
                None => Dynamic::UNIT,
            }
        })
        .register_fn("has", |n: &mut Node, key: &str| {
            n.doc.child(n.idx, key).is_some()
        })
        .register_fn("keys", |n: &mut Node| -> Array {
            n.doc
                .children(n.idx)
                .iter()
                .filter_map(|&k| n.doc.name(k).cloned().map(Dynamic::from))
                .collect()
        })
        .register_fn("line", |n: &mut Node| -> Result<INT, Box<EvalAltResult>> {
            let span = n.doc.span(n.idx).ok_or("this node has no position")?;
            let text = n.doc.text();
            Ok(text
                .get(..span.start as usize)
                .map_or(0, |t| t.matches('\n').count() as INT + 1))
        })
        .register_fn("to_string", |n: &mut Node| {
            format!("Node({})", n.doc.path(n.idx))
        })
        .register_fn("to_debug", |n: &mut Node| {
            format!("Node({})", n.doc.path(n.idx))
        })
        .register_fn("==", |a: &mut Node, b: Node| {
            Arc::ptr_eq(&a.doc, &b.doc) && a.idx == b.idx
        })
        .register_fn("!=", |a: &mut Node, b: Node| {
            !(Arc::ptr_eq(&a.doc, &b.doc) && a.idx == b.idx)
        });
    // One getter per known key: `.field` on a custom type without a getter first builds a
    // "property not found" error and then falls back to the indexer (measured +36% time).
    for name in property_names {
        let key: ImmutableString = (*name).into();
        engine.register_get(*name, move |n: &mut Node| n.child(&key));
    }

    engine
        .register_type_with_name::<Version>("Version")
        .register_fn("version", |s: &str| {
            Version::parse(s).map_or(Dynamic::UNIT, Dynamic::from)
        })
        .register_fn("version", |v: Version| v)
        .register_fn("release_version", |s: &str| {
            Version::parse_release(s).map_or(Dynamic::UNIT, Dynamic::from)
        })
        .register_fn("timestamp", |s: &str| {
            super::timestamp::parse(s).map_or(Dynamic::UNIT, Dynamic::from)
        })
        .register_get("major", |v: &mut Version| v.part(0))
        .register_get("minor", |v: &mut Version| v.part(1))
        .register_get("build", |v: &mut Version| v.part(2))
        .register_get("revision", |v: &mut Version| v.part(3))
        .register_fn("to_string", |v: &mut Version| v.text.clone())
        .register_fn("to_debug", |v: &mut Version| {
            format!("version(\"{}\")", v.text)
        });
    macro_rules! compare {
        ($($op:literal => $f:expr),*) => {$(
            engine.register_fn($op, |a: Version, b: Version| $f(a.cmp(&b)));
            engine.register_fn($op, |a: Version, b: &str| -> Result<bool, Box<EvalAltResult>> {
                Ok($f(a.cmp(&parse_or_throw(b)?)))
            });
            engine.register_fn($op, |a: &str, b: Version| -> Result<bool, Box<EvalAltResult>> {
                Ok($f(parse_or_throw(a)?.cmp(&b)))
            });
        )*};
    }
    compare!(
        "<" => Ordering::is_lt, "<=" => Ordering::is_le, ">" => Ordering::is_gt,
        ">=" => Ordering::is_ge, "==" => Ordering::is_eq, "!=" => Ordering::is_ne
    );

    engine
        .register_type_with_name::<Computer>("Computer")
        .register_get("name", |c: &mut Computer| c.0.name.clone())
        .register_get("facts", |c: &mut Computer| c.0.facts.to_dynamic())
        .register_fn("exports", |c: &mut Computer, format: &str| -> Array {
            c.0.exports
                .iter()
                .filter(|(f, _)| *f == format)
                .map(|(_, n)| Dynamic::from(n.clone()))
                .collect()
        })
        .register_fn(
            "registry",
            |c: &mut Computer, key: &str, name: &str| -> Result<Dynamic, Box<EvalAltResult>> {
                Ok(registry_value(&c.0, key, name)?.map_or(Dynamic::UNIT, |v| v.to_dynamic()))
            },
        )
        .register_fn(
            "registry_key",
            |c: &mut Computer, key: &str| -> Result<Dynamic, Box<EvalAltResult>> {
                Ok(registry_key(&c.0, key)?.map_or(Dynamic::UNIT, Dynamic::from))
            },
        )
        .register_fn(
            "fact",
            |c: &mut Computer, key: &str| -> Result<Dynamic, Box<EvalAltResult>> {
                if crate::facts::definition(key).is_none() {
                    let hint =
                        crate::util::closest(key, crate::facts::CATALOG.iter().map(|f| f.key))
                            .map(|k| format!(" (did you mean \"{k}\"?)"))
                            .unwrap_or_default();
                    return Err(format!("fact(\"{key}\"): no such fact{hint}").into());
                }
                let path = key.replace('.', "/");
                Ok(match c.0.facts.doc.lookup(c.0.facts.idx, &path) {
                    Some(idx) => Node {
                        doc: c.0.facts.doc.clone(),
                        idx,
                    }
                    .to_dynamic(),
                    None => Dynamic::UNIT,
                })
            },
        )
        .register_fn("to_string", |c: &mut Computer| c.0.name.clone())
        .register_type_with_name::<BundleSubject>("Bundle")
        .register_get("name", |b: &mut BundleSubject| b.0.name.clone())
        .register_get("computers", |b: &mut BundleSubject| -> Array {
            b.0.computers.iter().cloned().map(Dynamic::from).collect()
        });

    engine
        .register_fn("report", report)
        .register_fn("report", report_with_severity)
        .register_fn("missing", missing)
        .register_fn("missing", missing_on)
        .register_fn("not_evaluated", |what: &str, command: &str| {
            set_verdict(Outcome::NotEvaluated, what, Some(command.to_owned()))
        })
        .register_fn("not_applicable", |reason: &str| {
            set_verdict(Outcome::NotApplicable, reason, None)
        })
        .register_fn("plan", || {
            with_state(|s| {
                s.ctx
                    .plan
                    .clone()
                    .map_or(Dynamic::UNIT, |p| Dynamic::from(Node::root(p)))
            })
        })
        .register_fn("plan_upgrade", plan_upgrade)
        .register_fn("data", data)
        .register_fn("option", option)
        .register_fn("export_command", export_command)
        .register_fn("same_name", |a: &str, b: &str| {
            crate::model::same_computer_name(a, b)
        });
}

fn parse_or_throw(s: &str) -> Result<Version, Box<EvalAltResult>> {
    Version::parse(s).ok_or_else(|| format!("\"{s}\" is not a version number").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically_with_missing_parts_as_zero() {
        let v = |s| Version::parse(s).expect(s);
        assert!(v("3.2.8145.0") > v("3.2.7510.0"));
        assert!(v("10.19.2445.0") > v("4.1.3403.0"));
        assert_eq!(v("4.0"), v("4.0.0.0"));
        assert!(Version::parse("2012 R2").is_none());
    }

    #[test]
    fn release_names_compare_by_release_then_r2_then_update() {
        let r = |s| Version::parse_release(s).expect(s);
        assert!(r("2012 SP1") < r("2012 R2"));
        assert!(r("2012 R2 UR9") > r("2012 R2 UR4"));
        assert!(r("2012 R2 UR14") < r("2016"));
        assert!(r("4.5 SP2") > r("4.5 SP1"));
        assert!(r("4.5 SP1") > r("4.5"));
        assert!(r("4.6") > r("4.5 SP2"));
        assert_eq!(r("System Center VMM 2016 RTM"), r("2016"));
        assert_eq!(r("1.2").parts, vec![1, 2, 0, 0]);
        assert_eq!(r("2012 R2 UR9").text, "2012 R2 UR9");
        for bad in ["", "R2", "3.2.8145.0", "2012 Beta", "4.5 SPx"] {
            assert!(Version::parse_release(bad).is_none(), "{bad}");
        }
    }
}
