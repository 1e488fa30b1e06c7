//! One bundle being checked: what every evaluation of it shares (names, ids, the plan, the
//! documents at its root) and the findings uplint raises about the bundle itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::output::{At, LocalNames, Output};
use super::{Options, computer, evaluate, load};
use crate::bundle::Bundle;
use crate::finding::{Finding, Severity, host_ids};
use crate::model::Document;
use crate::plan::{self, PlanError};
use crate::rules::RuleSet;
use crate::rules::api::Computer;
use crate::source::{FileId, SourceDb};

/// One bundle being checked: its files' ids and what every evaluation of it shares.
pub(super) struct BundleRun<'a> {
    pub bundle: &'a Bundle,
    pub display: Arc<str>,
    pub rels: Vec<Arc<str>>,
    pub computers: Vec<Arc<str>>,
    pub rule_ids: Vec<Arc<str>>,
    pub first_file: u32,
    pub rules: &'a RuleSet,
    pub ids: AtomicU32,
    pub shared_docs: Vec<Arc<Document>>,
    pub plan: Option<Arc<Document>>,
    pub options: Options,
}

impl BundleRun<'_> {
    pub fn file_id(&self, index: usize) -> FileId {
        FileId(self.first_file + index as u32)
    }

    pub fn rel_of(&self, file: FileId) -> Option<&Arc<str>> {
        let i = file.0.checked_sub(self.first_file)? as usize;
        self.rels.get(i)
    }

    /// Reserves a range of global ids for a document.
    pub fn place(&self, mut doc: Document) -> Arc<Document> {
        let n = doc.len() as u32;
        doc.base = self.ids.fetch_add(n.max(1), Ordering::Relaxed);
        Arc::new(doc)
    }

    /// Copies of the shared names for one worker's use. Cloning one `Arc` from several threads
    /// makes the cores fight over its counter on every evaluation; a copy per computer costs
    /// a handful of small allocations instead.
    pub fn local_names(&self) -> LocalNames {
        LocalNames {
            rules: self.rule_ids.iter().map(|id| Arc::from(&**id)).collect(),
            bundle: Arc::from(&*self.display),
        }
    }

    /// A finding uplint itself raises about an input (not a rule's).
    pub fn host_finding(
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

    pub fn finding(
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

/// Checks one bundle: its entries, its plan, every computer (in parallel), then the
/// bundle-level rules.
pub(super) fn check_bundle(
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
        .enumerate()
        .map(|(i, c)| computer::check_computer(&run, i, c))
        .collect();
    let mut computers = Vec::with_capacity(per_computer.len());
    for (o, c) in per_computer {
        out.merge(o);
        computers.extend(c);
    }
    out.merge(evaluate::run_bundle_rules(&run, computers));
    (out, plan_errors)
}
