//! One computer of a bundle: read its exports, derive its facts, run the per-computer rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::ImmutableString;

use super::bundle_run::BundleRun;
use super::output::{At, Output};
use super::{evaluate, load};
use crate::facts::FactSet;
use crate::finding::{Severity, host_ids};
use crate::model::Document;
use crate::rules::api::{Computer, ComputerData, Context, Node};
use crate::rules::invoke::Subject;
use crate::source::{FileId, SourceText};

/// Checks one computer; returns what it produced and, when bundle-level rules will need it,
/// a handle on its facts.
pub(super) fn check_computer(
    run: &BundleRun,
    index: usize,
    computer: &crate::bundle::Computer,
) -> (Output, Option<Computer>) {
    let subject_name = run.computers.get(index).cloned();
    let mut out = Output::default();
    let mut texts = BTreeMap::new();
    let mut docs = Vec::new();
    let mut exports = Vec::new();
    let mut facts = FactSet::default();
    for &i in &computer.files {
        let loaded = load::load_file(run, i);
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
    out.merge(evaluate::run_rules(
        run,
        Subject::Computer(subject),
        &ctx,
        subject_name.as_ref(),
    ));
    attach_snippets(&mut out, &texts);
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
