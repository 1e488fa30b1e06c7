//! Calling one compiled rule on one subject: the only place a rule's entry point runs.
//!
//! The check pipeline (`crate::check`) decides what to run on which subject and what to make
//! of the results; this module owns how a call is made (the thread's engine, the evaluation
//! state the host API reads) and how a Rhai error is described. It knows nothing of bundles.

use std::sync::Arc;

use rhai::{Dynamic, EvalAltResult, Position, Scope};

use super::api::{self, BundleSubject, Computer, Context, EvalState};
use super::{RuleSet, Runtime};

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
}

/// Runs rule `index` of `set` on `subject`, with `ctx` as what the host API may read. `None`
/// when the rule did not compile (its problem is already reported by the rule set).
pub fn evaluate(
    rt: &Runtime,
    set: &RuleSet,
    index: usize,
    subject: &Subject,
    ctx: &Arc<Context>,
) -> Option<Evaluation> {
    let ast = rt.asts.get(index)?.as_ref()?;
    let rule = set.rules.get(index)?;
    api::begin_eval(ctx.clone(), rule.options.clone());
    let result = rt.engine.call_fn::<Dynamic>(
        &mut Scope::new(),
        ast,
        subject.entry_point(),
        (subject.argument(),),
    );
    let state = api::end_eval();
    Some(match result {
        Ok(_) => Evaluation::Returned(state),
        Err(err) => Evaluation::Failed(rule_error(&err, &rule.path)),
    })
}

fn rule_error(err: &EvalAltResult, path: &str) -> RuleError {
    let (message, source, pos) = super::describe_eval_error(err, path);
    let limit = matches!(
        err.unwrap_inner(),
        EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorDataTooLarge(..)
            | EvalAltResult::ErrorStackOverflow(_)
            | EvalAltResult::ErrorTooManyVariables(_)
    );
    RuleError {
        message,
        source,
        pos,
        limit,
    }
}
