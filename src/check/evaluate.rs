//! Running the rules on a subject and turning what each reported into findings and an
//! outcome.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::bundle_run::BundleRun;
use super::output::{At, LocalNames, Output, RuleFailure};
use crate::finding::{Outcome, OutcomeRecord};
use crate::rules;
use crate::rules::api::{BundleData, BundleSubject, Computer, Context};
use crate::rules::invoke::{self, Evaluation, Subject};
use crate::rules::sandbox::Stop;

/// Runs the bundle-level rules on the facts of every computer of the bundle.
pub(super) fn run_bundle_rules(run: &BundleRun, computers: Vec<Computer>) -> Output {
    if !run.rules.rules.iter().any(|r| r.per_bundle) {
        return Output::default();
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
    run_rules(run, Subject::Bundle(subject), &ctx, None)
}

/// Runs every rule that has an entry point for `subject` and records each one's outcome.
pub(super) fn run_rules(
    run: &BundleRun,
    subject: Subject,
    ctx: &Arc<Context>,
    computer: Option<&Arc<str>>,
) -> Output {
    let mut out = Output::default();
    let names = run.local_names();
    let rules = run.rules;
    let limits = &run.options.limits;
    let nodes = invoke::subject_nodes(ctx);
    rules::with_runtime(rules, |rt| {
        for (ri, rule) in rules.rules.iter().enumerate() {
            let applies = match subject {
                Subject::Computer(_) => rule.per_computer,
                Subject::Bundle(_) => rule.per_bundle,
            };
            if !applies {
                continue;
            }
            if run.timed_out[ri].load(Ordering::Relaxed) {
                out.outcomes.push(OutcomeRecord {
                    rule: names.rules[ri].clone(),
                    bundle: names.bundle.clone(),
                    subject: computer.cloned(),
                    outcome: Outcome::Error,
                    reason: Some(format!(
                        "not run: the rule ran longer than {} ms (`rule-ms`) on another subject",
                        limits.rule_ms
                    )),
                    command: None,
                });
                continue;
            }
            let Some(evaluation) = invoke::evaluate(rt, rules, ri, &subject, ctx, limits, nodes)
            else {
                continue;
            };
            // A rule that hit the clock would likely hit it on every subject: with thousands of
            // computers that is hours. Which subjects it then skips depends on the threads, but
            // so did running out of time at all.
            if let Evaluation::Failed(e) = &evaluation
                && e.stop == Some(Stop::Time)
            {
                run.timed_out[ri].store(true, Ordering::Relaxed);
            }
            out.evaluations += 1;
            record(run, &names, &mut out, ri, computer, evaluation);
        }
    });
    out
}

fn record(
    run: &BundleRun,
    names: &LocalNames,
    out: &mut Output,
    ri: usize,
    computer: Option<&Arc<str>>,
    evaluation: Evaluation,
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
    let state = match evaluation {
        Evaluation::Returned(state) => state,
        Evaluation::Failed(error) => {
            record.outcome = Outcome::Error;
            record.reason = Some(error.message.clone());
            out.failures.push(RuleFailure {
                rule: ri,
                subject: computer.map_or_else(
                    || format!("bundle {}", run.bundle.display),
                    |c| c.to_string(),
                ),
                error,
            });
            out.outcomes.push(record);
            return;
        }
    };
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
