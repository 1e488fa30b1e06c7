//! One bundle being checked: what every evaluation of it shares (names, ids, the plan, the
//! documents at its root), and how its findings are built.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::output::{At, LocalNames};
use super::result::Options;
use crate::bundle::Bundle;
use crate::finding::{Finding, Severity};
use crate::model::Document;
use crate::rules::RuleSet;
use crate::source::FileId;

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
    /// Per rule: it ran out of time on a subject, so it is not run on the others.
    pub timed_out: Vec<AtomicBool>,
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
