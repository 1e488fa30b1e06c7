//! Calling one compiled rule on one subject: the only place a rule's entry point runs.
//!
//! The check pipeline (`crate::check`) decides what to run on which subject and what to make
//! of the results; this module owns how a call is made (the thread's engine, the evaluation
//! state the host API reads, the sandbox's budget) and how a Rhai error is described. It knows
//! nothing of bundles. Whatever the script does, the call returns: a limit, a panic inside the
//! engine or a return value that would be ignored all become a [`RuleError`].

use std::sync::Arc;

use rhai::{Dynamic, EvalAltResult, Position, Scope};

use super::api::{self, BundleSubject, Computer, Context, EvalState};
use super::sandbox::{self, Budget, Stop};
use super::{RuleSet, Runtime};
use crate::limits::Limits;

/// Longest error message kept from a script (a thrown array of 100,000 strings prints as
/// megabytes).
const MAX_MESSAGE_CHARS: usize = 2_000;

/// What a rule is called on: `fn check(computer)` or `fn check_bundle(bundle)`.
pub enum Subject {
    Computer(Computer),
    Bundle(BundleSubject),
}

impl Subject {
    fn entry_point(&self) -> &'static str {
        match self {
            Subject::Computer(_) => "check",
            Subject::Bundle(_) => "check_bundle",
        }
    }

    fn argument(&self) -> Dynamic {
        match self {
            Subject::Computer(c) => Dynamic::from(c.clone()),
            Subject::Bundle(b) => Dynamic::from(b.clone()),
        }
    }
}

/// How one evaluation ended.
pub enum Evaluation {
    /// The rule returned: what it reported and the verdict it set, if any.
    Returned(Option<EvalState>),
    /// The rule raised an error (or hit a limit); nothing it reported is kept.
    Failed(RuleError),
}

/// A rule's run-time error, at the innermost script position known.
#[derive(Clone, Debug)]
pub struct RuleError {
    pub message: String,
    /// The script the error happened in: the rule file or a library module.
    pub source: String,
    pub pos: Position,
    /// A resource limit (operations, sizes, stack) rather than a data-dependent error.
    pub limit: bool,
    /// The sandbox's reason, when it stopped the rule.
    pub stop: Option<Stop>,
}

/// The number of nodes of every document an evaluation with `ctx` can reach: the measure of
/// a subject's size that its operation budget grows with.
pub fn subject_nodes(ctx: &Context) -> u64 {
    ctx.docs.iter().map(|d| d.len() as u64).sum()
}

/// Runs rule `index` of `set` on `subject`, with `ctx` as what the host API may read, within
/// `limits` for a subject of `nodes` nodes. `None` when the rule did not compile (its problem
/// is already reported by the rule set). Must run on a thread with
/// [`sandbox::STACK_SIZE`] of stack (the check pipeline's workers have it).
pub fn evaluate(
    rt: &Runtime,
    set: &RuleSet,
    index: usize,
    subject: &Subject,
    ctx: &Arc<Context>,
    limits: &Limits,
    nodes: u64,
) -> Option<Evaluation> {
    let ast = rt.asts.get(index)?.as_ref()?;
    let rule = set.rules.get(index)?;
    api::begin_eval(ctx.clone(), rule.options.clone());
    let guard = sandbox::enter(Budget::for_subject(limits, nodes));
    // A panic inside the engine is a bug of Rhai's that this script found; it must not take the
    // other rules' results with it. The engine is only read during a call, and the host API's
    // state is reset by `end_eval`, so nothing is left half-changed.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.engine.call_fn::<Dynamic>(
            &mut Scope::new(),
            ast,
            subject.entry_point(),
            (subject.argument(),),
        )
    }));
    // A stop is reported even if the script caught the error it raised.
    let stopped = guard.stopped();
    drop(guard);
    let state = api::end_eval();
    let failed = |message: String, limit: bool| {
        Some(Evaluation::Failed(RuleError {
            message,
            source: rule.path.clone(),
            pos: Position::NONE,
            limit,
            stop: None,
        }))
    };
    if let Some(stop) = stopped {
        let message = stop.message(limits);
        return match (stop, &result) {
            // Where values nest too deeply is the same on every subject: show it.
            (Stop::Stack, Ok(Err(err))) => {
                let (_, source, pos) = super::describe_eval_error(err, &rule.path);
                Some(Evaluation::Failed(RuleError {
                    message,
                    source,
                    pos,
                    limit: true,
                    stop: Some(stop),
                }))
            }
            // Where the budget or the clock ran out differs from subject to subject; without a
            // position the failures read the same and are reported once, listing the subjects.
            _ => Some(Evaluation::Failed(RuleError {
                message,
                source: rule.path.clone(),
                pos: Position::NONE,
                limit: true,
                stop: Some(stop),
            })),
        };
    }
    match result {
        Ok(Ok(value)) if value.is_unit() => Some(Evaluation::Returned(state)),
        Ok(Ok(value)) => failed(returned_value(subject.entry_point(), &value), false),
        Ok(Err(err)) => Some(Evaluation::Failed(rule_error(&err, &rule.path))),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            failed(
                truncated(format!(
                    "the script engine failed while running the rule: {what}"
                )),
                true,
            )
        }
    }
}

/// Why a returned value is an error: the outcome comes from what the rule calls, so a rule that
/// returns `false` or `"fail"` would otherwise pass without a word.
fn returned_value(entry_point: &str, value: &Dynamic) -> String {
    let shown = match value.type_name() {
        "bool" | "i64" | "f64" | "char" => format!(" ({value})"),
        "string" => {
            let text = value.to_string();
            let short: String = text.chars().take(40).collect();
            let more = if short.len() < text.len() { "…" } else { "" };
            format!(" (\"{short}{more}\")")
        }
        _ => String::new(),
    };
    format!(
        "`{entry_point}` returned a value of type {}{shown}, but its return value is ignored: a rule fails by calling `report(...)` and sets another outcome with `missing`, `not_evaluated` or `not_applicable`; end it with `return;` or without a value",
        value.type_name()
    )
}

fn truncated(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        message.truncate(cut);
        message.push_str("… (cut)");
    }
    message
}

fn rule_error(err: &EvalAltResult, path: &str) -> RuleError {
    let (message, source, pos) = super::describe_eval_error(err, path);
    let limit = matches!(
        err.unwrap_inner(),
        EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorDataTooLarge(..)
            | EvalAltResult::ErrorStackOverflow(_)
            | EvalAltResult::ErrorTooManyVariables(_)
            | EvalAltResult::ErrorTerminated(..)
    );
    RuleError {
        message: truncated(message),
        source,
        pos,
        limit,
        stop: None,
    }
}
