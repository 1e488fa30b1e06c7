//! Helpers the parsers' unit tests share: reading real samples in place, and looking nodes,
//! values and the source text of spans up by path.

use crate::model::{Document, NodeIdx, Scalar};

/// A real-world sample from `../shared/realworld/`, or `None` where that folder is absent:
/// the samples are others' data, read in place and never copied into the project.
pub(crate) fn realworld(rel: &str) -> Option<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/realworld/");
    std::fs::read(format!("{dir}{rel}")).ok()
}

/// The node at `path` (`adapters/0/Subnet Mask`); panics, naming the path, when there is none.
pub(crate) fn node(doc: &Document, path: &str) -> NodeIdx {
    doc.lookup(Document::ROOT, path)
        .unwrap_or_else(|| panic!("no node at {path}"))
}

/// The value at `path`, or `None` when there is no such node.
pub(crate) fn get<'a>(doc: &'a Document, path: &str) -> Option<Scalar<'a>> {
    doc.lookup(Document::ROOT, path).map(|n| doc.scalar(n))
}

/// The value at `path`; panics, naming the path, when there is no such node.
pub(crate) fn scalar<'a>(doc: &'a Document, path: &str) -> Scalar<'a> {
    doc.scalar(node(doc, path))
}

/// The source text a node's span covers.
pub(crate) fn spanned<'a>(text: &'a str, doc: &Document, path: &str) -> &'a str {
    &text[doc.span(node(doc, path)).expect("span").range()]
}
