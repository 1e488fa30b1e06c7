//! The model: every parsed file is a [`Document`], an arena of nodes that keep their byte span.
//!
//! A document is format-neutral: objects (named children), arrays (ordered children) and typed
//! scalars. String values are slices of the decoded source text unless an escape forced a copy,
//! and key names are interned per document, so a parsed file costs a few dozen bytes per node
//! on top of its text. Documents are immutable once built and shared by `Arc` between rule
//! evaluations; the Rhai side sees them through [`crate::rules::api::Node`] handles.
//!
//! Every node also has a *global id* (`base + index`) that is unique within one run of a
//! bundle, so that a scalar handed to a script can carry its origin in the `Dynamic` tag and a
//! report on it still finds its span. Derived documents (per-computer facts) record, per node,
//! the span and path of the source value they came from, so findings on facts point at the
//! export without keeping the export's document alive.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rhai::ImmutableString;

use crate::source::{FileId, Span};

/// Index of a node inside its document.
pub type NodeIdx = u32;

const NONE: u32 = u32::MAX;

/// What produced a document; decides how structural paths are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum DocKind {
    #[default]
    Json,
    Registry,
    WinRmConfig,
    Xml,
    /// PowerShell `Export-Clixml` objects.
    Clixml,
    /// `Export-Csv` / `sqlcmd` tables: an array of rows.
    Csv,
    /// INI answer files: sections of keys.
    Ini,
    /// Command output with labelled lines (`systeminfo`, `ipconfig /all`, WSMan tables).
    Text,
    /// Component logs (CMTrace and SMS layouts): an array of entries.
    Log,
    /// PowerShell error records written instead of an export: an array of errors.
    PowerShellError,
    /// Per-computer facts derived from the exports.
    Facts,
    /// A knowledge table shipped with the rules (`rules/data/*.json`).
    Data,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Object,
    Array,
    Null,
    Bool,
    Int,
    Float,
    Str,
}

impl NodeKind {
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Object => "object",
            NodeKind::Array => "array",
            NodeKind::Null => "null",
            NodeKind::Bool => "bool",
            NodeKind::Int => "int",
            NodeKind::Float => "float",
            NodeKind::Str => "string",
        }
    }

    pub fn is_container(self) -> bool {
        matches!(self, NodeKind::Object | NodeKind::Array)
    }
}

/// A scalar value as the builders hand it in.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string that is exactly this byte range of the document's text (no copy).
    Slice(u32, u32),
    /// A string that had to be built (escapes, decoded hex, derived facts).
    Owned(ImmutableString),
}

/// A node's value, as [`NodeData`] stores it packed.
#[derive(Clone, Copy, Debug)]
enum Payload {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Slice(u32, u32),
    Owned(u32),
}

/// One node in 28 bytes. A large export is mostly nodes (a 200 MB CSV has ten million cells),
/// so their size is most of what a document costs beyond its text: the two words `a` and `b`
/// hold a container's children (first index in `kids`, count) or a scalar's value (the 64
/// bits of a number, a slice's range, an owned string's index), never both.
#[derive(Clone, Copy)]
struct NodeData {
    kind: NodeKind,
    /// For a string: `a` indexes `owned` rather than `a..b` slicing the text.
    owned: bool,
    name: u32,
    parent: u32,
    start: u32,
    end: u32,
    a: u32,
    b: u32,
}

/// Shows the value unpacked, as [`Payload`].
impl std::fmt::Debug for NodeData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeData")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("parent", &self.parent)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("kids", &self.kids())
            .field("payload", &self.payload())
            .finish()
    }
}

impl NodeData {
    fn new(kind: NodeKind, name: u32, parent: u32, start: u32, end: u32, payload: Payload) -> Self {
        let split = |bits: u64| (bits as u32, (bits >> 32) as u32);
        let (owned, (a, b)) = match payload {
            Payload::None => (false, (0, 0)),
            Payload::Bool(v) => (false, (u32::from(v), 0)),
            Payload::Int(i) => (false, split(i as u64)),
            Payload::Float(x) => (false, split(x.to_bits())),
            Payload::Slice(s, e) => (false, (s, e)),
            Payload::Owned(i) => (true, (i, 0)),
        };
        NodeData {
            kind,
            owned,
            name,
            parent,
            start,
            end,
            a,
            b,
        }
    }

    fn payload(&self) -> Payload {
        let bits = u64::from(self.a) | (u64::from(self.b) << 32);
        match self.kind {
            NodeKind::Object | NodeKind::Array | NodeKind::Null => Payload::None,
            NodeKind::Bool => Payload::Bool(self.a != 0),
            NodeKind::Int => Payload::Int(bits as i64),
            NodeKind::Float => Payload::Float(f64::from_bits(bits)),
            NodeKind::Str if self.owned => Payload::Owned(self.a),
            NodeKind::Str => Payload::Slice(self.a, self.b),
        }
    }

    /// A container's children: a range of `kids`.
    fn kids(&self) -> std::ops::Range<usize> {
        if self.kind.is_container() {
            self.a as usize..self.a as usize + self.b as usize
        } else {
            0..0
        }
    }
}

/// A scalar read out of a document, borrowed where possible.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl std::fmt::Display for Scalar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Null => f.write_str("null"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

/// One parsed (or derived) document.
#[derive(Debug, Default)]
pub struct Document {
    pub file: Option<FileId>,
    pub kind: DocKind,
    /// Global id of node 0 within the evaluation context; see the module docs.
    pub base: u32,
    text: Arc<str>,
    nodes: Vec<NodeData>,
    kids: Vec<u32>,
    names: Vec<ImmutableString>,
    owned: Vec<ImmutableString>,
    /// Derived documents only: per node, where its value was read.
    origins: Vec<Option<Origin>>,
    /// Name → index in `names`, so a lookup by key compares integers, not strings.
    name_ids: HashMap<ImmutableString, u32, BuildFnv>,
    /// Hash of a name with ASCII letters lowercased → the indexes in `names` of every name
    /// with that hash, so a case-insensitive lookup of a key no name matches (the usual case:
    /// fact readers probe each object for many keys) costs one hash, not a scan of children.
    folded_ids: HashMap<u64, Vec<u32>, BuildFnv>,
}

/// FNV-1a of `name` with ASCII letters lowercased: equal for names that
/// `eq_ignore_ascii_case` calls equal.
fn folded_hash(name: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in name.bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Where a derived value was read: span and structural path of the source value, and, when
/// the source file will be gone by the time a rule reports on it (bundle-level rules), the
/// lines it was read from.
#[derive(Clone, Debug)]
pub struct Origin {
    pub span: Span,
    pub path: ImmutableString,
    pub snippet: Option<Arc<crate::source::Snippet>>,
}

impl Document {
    pub const ROOT: NodeIdx = 0;

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    fn node(&self, idx: NodeIdx) -> Option<&NodeData> {
        self.nodes.get(idx as usize)
    }

    pub fn kind(&self, idx: NodeIdx) -> NodeKind {
        self.node(idx).map_or(NodeKind::Null, |n| n.kind)
    }

    pub fn name(&self, idx: NodeIdx) -> Option<&ImmutableString> {
        let n = self.node(idx)?;
        self.names.get(n.name as usize)
    }

    pub fn parent(&self, idx: NodeIdx) -> Option<NodeIdx> {
        self.node(idx).map(|n| n.parent).filter(|p| *p != NONE)
    }

    pub fn children(&self, idx: NodeIdx) -> &[NodeIdx] {
        match self.node(idx) {
            Some(n) => self.kids.get(n.kids()).unwrap_or_default(),
            None => &[],
        }
    }

    /// The child named `key`: an exact match first, then an ASCII case-insensitive one, because
    /// Windows treats registry value names and PowerShell property names case-insensitively.
    pub fn child(&self, idx: NodeIdx, key: &str) -> Option<NodeIdx> {
        let kids = self.children(idx);
        let name_of = |k: u32| self.nodes.get(k as usize).map_or(NONE, |n| n.name);
        if let Some(&id) = self.name_ids.get(key)
            && let Some(&k) = kids.iter().find(|&&k| name_of(k) == id)
        {
            return Some(k);
        }
        // A few children are compared directly: cheaper than hashing the key.
        if kids.len() <= 8 {
            return kids
                .iter()
                .find(|&&k| self.name(k).is_some_and(|n| n.eq_ignore_ascii_case(key)))
                .copied();
        }
        // The first child whose name is one of the document's names equal to `key` but for
        // letter case (no such name: no such child, without looking at the children).
        let same = self.folded_ids.get(&folded_hash(key))?;
        kids.iter()
            .find(|&&k| {
                let id = name_of(k);
                same.contains(&id)
                    && self
                        .names
                        .get(id as usize)
                        .is_some_and(|n| n.eq_ignore_ascii_case(key))
            })
            .copied()
    }

    /// Follows a path of keys (`a/b/c`; an all-digit segment indexes an array).
    pub fn lookup(&self, idx: NodeIdx, path: &str) -> Option<NodeIdx> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .try_fold(idx, |at, seg| match self.kind(at) {
                NodeKind::Array => seg
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.children(at).get(i).copied()),
                _ => self.child(at, seg),
            })
    }

    pub fn scalar(&self, idx: NodeIdx) -> Scalar<'_> {
        match self.node(idx).map(NodeData::payload) {
            Some(Payload::Bool(b)) => Scalar::Bool(b),
            Some(Payload::Int(i)) => Scalar::Int(i),
            Some(Payload::Float(x)) => Scalar::Float(x),
            Some(Payload::Slice(s, e)) => {
                Scalar::Str(self.text.get(s as usize..e as usize).unwrap_or(""))
            }
            Some(Payload::Owned(i)) => {
                Scalar::Str(self.owned.get(i as usize).map_or("", |s| s.as_str()))
            }
            Some(Payload::None) | None => Scalar::Null,
        }
    }

    /// The string value as a shared Rhai string: a refcount bump for built strings.
    pub fn str_value(&self, idx: NodeIdx) -> Option<ImmutableString> {
        match self.node(idx)?.payload() {
            Payload::Owned(i) => self.owned.get(i as usize).cloned(),
            Payload::Slice(s, e) => self
                .text
                .get(s as usize..e as usize)
                .map(ImmutableString::from),
            _ => None,
        }
    }

    /// For a derived value, the lines of the export it was read from, if kept.
    pub fn origin_snippet(&self, idx: NodeIdx) -> Option<&Arc<crate::source::Snippet>> {
        self.origins.get(idx as usize)?.as_ref()?.snippet.as_ref()
    }

    /// Span of a node in its file; for derived values, the span of the source value.
    pub fn span(&self, idx: NodeIdx) -> Option<Span> {
        if let Some(Some(origin)) = self.origins.get(idx as usize) {
            return Some(origin.span);
        }
        let file = self.file?;
        let n = self.node(idx)?;
        Some(Span {
            file,
            start: n.start,
            end: n.end,
        })
    }

    /// The global id a script-visible value of this node carries.
    pub fn global_id(&self, idx: NodeIdx) -> u32 {
        self.base.saturating_add(idx)
    }

    /// Where `child` is among the children of `parent`. The builder adds children in document
    /// order, so their indexes ascend and a binary search finds it: a path into a list of
    /// 100,000 records costs a few steps, not a scan of the list (which made giving every fact
    /// of a large export its path quadratic).
    fn position(&self, parent: NodeIdx, child: NodeIdx) -> usize {
        let kids = self.children(parent);
        kids.binary_search(&child)
            .ok()
            .or_else(|| kids.iter().position(|k| *k == child))
            .unwrap_or(0)
    }

    /// The structural path of a node, written the way users know it for the format:
    /// `HKLM\...\Setup\ProductVersion` for registry values, `Service/MaxConnections` for WinRM,
    /// `[0].Caption` for JSON.
    pub fn path(&self, idx: NodeIdx) -> String {
        if let Some(Some(origin)) = self.origins.get(idx as usize) {
            return origin.path.to_string();
        }
        let mut chain = Vec::new();
        let mut at = Some(idx);
        while let Some(i) = at {
            if i == Self::ROOT {
                break;
            }
            chain.push(i);
            at = self.parent(i);
        }
        let mut out = String::new();
        for i in chain.into_iter().rev() {
            let in_array = self
                .parent(i)
                .is_some_and(|p| self.kind(p) == NodeKind::Array);
            if in_array {
                let pos = self.parent(i).map_or(0, |p| self.position(p, i));
                let _ = write!(out, "[{pos}]");
                continue;
            }
            let name = self.name(i).map_or("", |n| n.as_str());
            let sep = match self.kind {
                DocKind::Registry => "\\",
                DocKind::WinRmConfig | DocKind::Xml | DocKind::Ini | DocKind::Text => "/",
                DocKind::Json
                | DocKind::Clixml
                | DocKind::Csv
                | DocKind::Log
                | DocKind::PowerShellError
                | DocKind::Facts
                | DocKind::Data => ".",
            };
            if !out.is_empty() {
                out.push_str(sep);
            }
            if self.kind == DocKind::Registry && name.is_empty() && self.kind(i) != NodeKind::Object
            {
                out.push_str("(Default)");
            } else {
                out.push_str(name);
            }
        }
        out
    }
}

impl Document {
    /// The subtree at `idx` as JSON, for `inspect --json`. Object members keep document order;
    /// a name repeated in one object (a registry key exported twice) keeps its last value.
    pub fn to_json(&self, idx: NodeIdx) -> serde_json::Value {
        use serde_json::Value as J;
        match self.kind(idx) {
            NodeKind::Object => J::Object(
                self.children(idx)
                    .iter()
                    .map(|&k| {
                        (
                            self.name(k).map(|n| n.to_string()).unwrap_or_default(),
                            self.to_json(k),
                        )
                    })
                    .collect(),
            ),
            NodeKind::Array => J::Array(
                self.children(idx)
                    .iter()
                    .map(|&k| self.to_json(k))
                    .collect(),
            ),
            _ => match self.scalar(idx) {
                Scalar::Null => J::Null,
                Scalar::Bool(b) => J::Bool(b),
                Scalar::Int(i) => J::from(i),
                Scalar::Float(x) => J::from(x),
                Scalar::Str(s) => J::from(s),
            },
        }
    }
}

/// Builds a [`Document`] in one pass, in document order.
///
/// Children of a container are collected on a stack and copied into the flat `kids` table when
/// the container closes, so each node's children are contiguous without a second pass.
#[derive(Debug)]
pub struct Builder {
    doc: Document,
    pending: Vec<u32>,
    open: Vec<(NodeIdx, usize)>,
}

/// FNV-1a for the per-document key interner: keys are short and not attacker-chosen in a way
/// that matters (a collision only costs time on one file), and SipHash showed in profiles.
#[derive(Clone, Copy, Debug, Default)]
pub struct BuildFnv;

pub struct Fnv(u64);

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl Builder {
    /// Starts a document whose root is a container of `root` kind spanning the whole text.
    pub fn new(file: Option<FileId>, kind: DocKind, text: Arc<str>, root: NodeKind) -> Builder {
        let len = text.len() as u32;
        // Exports average one node per ~25 bytes; sizing up front avoids repeated regrowth.
        let estimate = text.len() / 25;
        let mut b = Builder {
            doc: Document {
                file,
                kind,
                base: 0,
                text,
                nodes: Vec::with_capacity(estimate),
                kids: Vec::with_capacity(estimate),
                names: Vec::new(),
                owned: Vec::new(),
                origins: Vec::new(),
                name_ids: HashMap::with_capacity_and_hasher((estimate / 16).min(64), BuildFnv),
                folded_ids: HashMap::with_hasher(BuildFnv),
            },
            pending: Vec::with_capacity(64),
            open: Vec::new(),
        };
        b.push(root, None, 0, len, Payload::None);
        b.open.push((0, 0));
        b
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.doc.name_ids.get(name) {
            return *id;
        }
        let id = self.doc.names.len() as u32;
        let shared = ImmutableString::from(name);
        self.doc.names.push(shared.clone());
        self.doc.name_ids.insert(shared, id);
        self.doc
            .folded_ids
            .entry(folded_hash(name))
            .or_default()
            .push(id);
        id
    }

    fn push(
        &mut self,
        kind: NodeKind,
        name: Option<&str>,
        start: u32,
        end: u32,
        payload: Payload,
    ) -> NodeIdx {
        let name = name.map_or(NONE, |n| self.intern(n));
        let parent = self.open.last().map_or(NONE, |(p, _)| *p);
        let idx = self.doc.nodes.len() as NodeIdx;
        self.doc
            .nodes
            .push(NodeData::new(kind, name, parent, start, end, payload));
        if parent != NONE {
            self.pending.push(idx);
        }
        idx
    }

    /// The container currently being filled.
    pub fn current(&self) -> NodeIdx {
        self.open.last().map_or(Document::ROOT, |(p, _)| *p)
    }

    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Opens a container under the current one; close it with [`Builder::close`].
    pub fn open(&mut self, kind: NodeKind, name: Option<&str>, start: usize) -> NodeIdx {
        let idx = self.push(kind, name, start as u32, start as u32, Payload::None);
        self.open.push((idx, self.pending.len()));
        idx
    }

    /// Closes the innermost open container, ending its span at `end`.
    pub fn close(&mut self, end: usize) {
        let Some((idx, from)) = self.open.pop() else {
            return;
        };
        let kids_start = self.doc.kids.len() as u32;
        self.doc.kids.extend(self.pending.drain(from..));
        if let Some(n) = self.doc.nodes.get_mut(idx as usize) {
            n.a = kids_start;
            n.b = self.doc.kids.len() as u32 - kids_start;
            n.end = (end as u32).max(n.start);
        }
    }

    /// Adds a scalar under the current container.
    pub fn leaf(&mut self, name: Option<&str>, value: Value, start: usize, end: usize) -> NodeIdx {
        let (kind, payload) = match value {
            Value::Null => (NodeKind::Null, Payload::None),
            Value::Bool(b) => (NodeKind::Bool, Payload::Bool(b)),
            Value::Int(i) => (NodeKind::Int, Payload::Int(i)),
            Value::Float(x) => (NodeKind::Float, Payload::Float(x)),
            Value::Slice(s, e) => (NodeKind::Str, Payload::Slice(s, e)),
            Value::Owned(s) => {
                let id = self.doc.owned.len() as u32;
                self.doc.owned.push(s);
                (NodeKind::Str, Payload::Owned(id))
            }
        };
        self.push(kind, name, start as u32, end as u32, payload)
    }

    /// Records where the value of node `idx` was read (derived documents).
    pub fn set_origin(&mut self, idx: NodeIdx, origin: Origin) {
        let len = self.doc.nodes.len();
        if self.doc.origins.len() < len {
            self.doc.origins.resize(len, None);
        }
        if let Some(slot) = self.doc.origins.get_mut(idx as usize) {
            *slot = Some(origin);
        }
    }

    /// Closes whatever is still open (a truncated input) and returns the document.
    pub fn finish(mut self) -> Document {
        let end = self.doc.text.len();
        while !self.open.is_empty() {
            self.close(end);
        }
        self.doc.nodes.shrink_to_fit();
        self.doc.kids.shrink_to_fit();
        self.doc
    }
}

/// Computer names compare case-insensitively and ignore a DNS suffix: `vmm01.contoso.local`
/// is `VMM01`.
pub fn same_computer_name(a: &str, b: &str) -> bool {
    let short = |s: &str| {
        s.trim()
            .split('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    !a.trim().is_empty() && short(a) == short(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_nested_children_contiguously_and_finds_by_name() {
        let text: Arc<str> = Arc::from("{\"a\":[1,2],\"B\":\"x\"}");
        let mut b = Builder::new(None, DocKind::Json, text, NodeKind::Object);
        b.open(NodeKind::Array, Some("a"), 5);
        b.leaf(None, Value::Int(1), 6, 7);
        b.leaf(None, Value::Int(2), 8, 9);
        b.close(10);
        b.leaf(Some("B"), Value::Slice(16, 17), 15, 18);
        let doc = b.finish();
        let a = doc.child(Document::ROOT, "a").expect("a");
        assert_eq!(doc.children(a).len(), 2);
        let bx = doc.child(Document::ROOT, "b").expect("case-insensitive");
        assert_eq!(doc.scalar(bx), Scalar::Str("x"));
        assert_eq!(
            doc.lookup(Document::ROOT, "a/1").map(|n| doc.scalar(n)),
            Some(Scalar::Int(2))
        );
        assert_eq!(doc.path(doc.children(a)[1]), "a[1]");
    }

    #[test]
    fn nodes_stay_small_and_keep_their_values() {
        assert!(std::mem::size_of::<NodeData>() <= 28);
        let text: Arc<str> = Arc::from("[-7, 2.5, true, \"s\"]");
        let mut b = Builder::new(None, DocKind::Json, text, NodeKind::Array);
        b.leaf(None, Value::Int(-7), 1, 3);
        b.leaf(None, Value::Float(2.5), 5, 8);
        b.leaf(None, Value::Bool(true), 10, 14);
        b.leaf(None, Value::Slice(17, 18), 16, 19);
        b.leaf(None, Value::Owned("o".into()), 16, 19);
        b.leaf(None, Value::Int(i64::MIN), 1, 3);
        let doc = b.finish();
        let values: Vec<Scalar> = doc.children(0).iter().map(|&k| doc.scalar(k)).collect();
        assert_eq!(
            values,
            [
                Scalar::Int(-7),
                Scalar::Float(2.5),
                Scalar::Bool(true),
                Scalar::Str("s"),
                Scalar::Str("o"),
                Scalar::Int(i64::MIN)
            ]
        );
        assert!(doc.children(1).is_empty());
        assert_eq!(doc.path(doc.children(0)[4]), "[4]");
    }

    #[test]
    fn keys_match_without_case_only_when_no_exact_match() {
        let text: Arc<str> = Arc::from("");
        let mut b = Builder::new(None, DocKind::Json, text, NodeKind::Object);
        b.leaf(Some("Name"), Value::Int(1), 0, 0);
        b.leaf(Some("NAME"), Value::Int(2), 0, 0);
        b.leaf(Some("name"), Value::Int(3), 0, 0);
        // Wide objects find keys through the document's folded names, narrow ones directly.
        for i in 0..10 {
            b.leaf(Some(&format!("pad{i}")), Value::Null, 0, 0);
        }
        b.open(NodeKind::Object, Some("narrow"), 0);
        b.leaf(Some("Name"), Value::Int(4), 0, 0);
        b.close(0);
        let doc = b.finish();
        let value = |k: &str| doc.child(0, k).map(|n| doc.scalar(n));
        assert_eq!(value("NAME"), Some(Scalar::Int(2)));
        assert_eq!(value("name"), Some(Scalar::Int(3)));
        assert_eq!(value("nAmE"), Some(Scalar::Int(1)));
        assert_eq!(value("PAD9"), Some(Scalar::Null));
        assert_eq!(value("other"), None);
        let narrow = doc.child(0, "narrow").expect("narrow");
        assert_eq!(
            doc.child(narrow, "NAME").map(|n| doc.scalar(n)),
            Some(Scalar::Int(4))
        );
        assert_eq!(doc.child(narrow, "other"), None);
    }

    #[test]
    fn computer_names_ignore_case_and_dns_suffix() {
        assert!(same_computer_name("vmm01.contoso.local", "VMM01"));
        assert!(!same_computer_name("VMM02", "VMM01"));
        assert!(!same_computer_name("", ""));
    }
}
