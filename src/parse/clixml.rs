//! PowerShell CLIXML: files written by `Export-Clixml`, and the `#< CLIXML` stream PowerShell
//! writes over WinRM/SSH, read into the model with a byte span on every value.
//!
//! This module owns the recognizer for CLIXML and the mapping of its serialization (MS-PSRP
//! "Serialization") onto the model. The root is an array of the values under `<Objs>`:
//!
//! - `<Obj>` is an object. Its type names become `@types` (an array of strings; a `<TNRef>`
//!   repeats the names of the `<TN>` it refers to), `<ToString>` becomes `@string`, members of
//!   `<Props>` and `<MS>` (and named values directly under `<Obj>`) are children named by their
//!   `N`, an unnamed value directly under `<Obj>` (the number of an enum, a string with notes)
//!   is `@value`, a wrapped collection (`<LST>`, `<IE>`, `<STK>`, `<QUE>`) is the array
//!   `@items`, and a `<DCT>` is the object `@entries` keyed by each entry's key as text.
//! - Primitives become scalars: strings (`S`, `DT`, `TS`, `G`, `URI`, `Version`, `D`, `BA`,
//!   `XD`, `SBK`, `SS`, kept as written), integers, floats, booleans, `C` as its character,
//!   `U64` beyond `i64` as its digits, `Nil` as null. `_xHHHH_` escapes are decoded in values
//!   and member names.
//! - `<PR>` (a progress record on the WinRM stream) is an object with its fields named as in
//!   `System.Management.Automation.ProgressRecord`.
//! - `<Ref>` is a deep copy of the object it refers to, with the original's spans, so rules
//!   navigate shared objects like any other member. A reference to an enclosing object (a
//!   cycle), or one that would make the copy too large or too deep, is an object holding only
//!   `@ref` = `RefId n`.
//!
//! The file is read in two passes: quick-xml builds a compact element tree with spans, then the
//! tree is emitted into the [`Builder`]. The tree is what makes reference copies cheap and
//! lets a copy be sized before it is made.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "clixml",
    produced_by: "Export-Clixml (PowerShell)",
    recognize,
    parse,
};

const NAMESPACE: &str = "http://schemas.microsoft.com/powershell/2004/04";
/// The line PowerShell writes before CLIXML on a redirected stream (WinRM, `-OutputFormat xml`).
const STREAM_PREFIX: &str = "#< CLIXML";
const MAX_DEPTH: usize = 256;
/// Elements copied for `<Ref>`s per file: at least this many, more for a larger file (see
/// [`COPIES_PER_ELEMENT`]). Exports of object graphs (SCVMM objects each refer to the shared
/// server connection and their host) reference the same objects thousands of times; past the
/// budget references are left as `@ref`, so a file never costs more than a bounded multiple of
/// its size, whatever its references do.
const COPY_BUDGET: u32 = 200_000;
/// The budget grows with the file: a 1.9 MB SCVMM inventory of 28,000 elements needs 240,000
/// copied elements to expand every reference (about 9 per element).
const COPIES_PER_ELEMENT: u32 = 16;
/// However large the file, copies stop here (about 200 MB of nodes).
const MAX_COPY_BUDGET: u32 = 4_000_000;
/// References followed inside references.
const MAX_REF_DEPTH: u32 = 64;
const NONE: u32 = u32::MAX;

/// Progress-record fields: element, name of the `ProgressRecord` property, whether numeric.
const PR_FIELDS: [(&str, &str, bool); 7] = [
    ("AV", "Activity", false),
    ("AI", "ActivityId", true),
    ("CO", "CurrentOperation", false),
    ("PI", "ParentActivityId", true),
    ("PC", "PercentComplete", true),
    ("SR", "SecondsRemaining", true),
    ("SD", "StatusDescription", false),
];

/// A CLIXML stream prefix, or a first element `<Objs>` in the PowerShell namespace.
fn recognize(text: &str) -> bool {
    let t = super::trim_start(text);
    if t.starts_with(STREAM_PREFIX) {
        return true;
    }
    let t = skip_prolog(t);
    let Some(rest) = t.strip_prefix("<Objs") else {
        return false;
    };
    if !rest.starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/') {
        return false;
    }
    let tag = rest.split('>').next().unwrap_or("");
    declares_namespace(tag)
}

/// Skips an XML declaration, processing instructions and comments before the first element.
fn skip_prolog(mut t: &str) -> &str {
    for _ in 0..16 {
        let next = if t.starts_with("<?") {
            t.find("?>").map(|i| i + 2)
        } else if t.starts_with("<!--") {
            t.find("-->").map(|i| i + 3)
        } else {
            None
        };
        match next.and_then(|i| t.get(i..)) {
            Some(rest) => t = super::trim_start(rest),
            None => break,
        }
    }
    t
}

/// Whether the attributes of a start tag declare the PowerShell namespace as the default one,
/// in either quote style and with any spacing around `=`.
fn declares_namespace(attrs: &str) -> bool {
    attrs.match_indices("xmlns").any(|(i, _)| {
        let after_space = attrs
            .get(..i)
            .is_some_and(|before| before.ends_with(|c: char| c.is_ascii_whitespace()));
        let Some(rest) = attrs.get(i + "xmlns".len()..) else {
            return false;
        };
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            return false;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return false;
        };
        after_space && rest.get(1..).and_then(|v| v.split(quote).next()) == Some(NAMESPACE)
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prim {
    Str,
    Char,
    Bool,
    Int,
    U64,
    Float,
    Nil,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    /// The invisible parent of the top-level elements.
    Root,
    Objs,
    Obj,
    Ref,
    Tn,
    TnRef,
    T,
    ToString,
    Props,
    Ms,
    /// `LST`, `IE`, `STK`, `QUE`: the order is all that matters to a reader.
    Coll,
    Dct,
    En,
    Pr,
    /// A field of `<PR>`, by index into [`PR_FIELDS`].
    PrField(u8),
    Prim(Prim),
    Unknown,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "Objs" => Tag::Objs,
            "Obj" => Tag::Obj,
            "Ref" => Tag::Ref,
            "TN" => Tag::Tn,
            "TNRef" => Tag::TnRef,
            "T" => Tag::T,
            "ToString" => Tag::ToString,
            "Props" => Tag::Props,
            "MS" => Tag::Ms,
            "LST" | "IE" | "STK" | "QUE" => Tag::Coll,
            "DCT" => Tag::Dct,
            "En" => Tag::En,
            "PR" => Tag::Pr,
            "S" | "DT" | "TS" | "G" | "URI" | "Version" | "XD" | "SBK" | "SS" | "BA" | "D" => {
                Tag::Prim(Prim::Str)
            }
            "C" => Tag::Prim(Prim::Char),
            "B" => Tag::Prim(Prim::Bool),
            "By" | "SB" | "U16" | "I16" | "U32" | "I32" | "I64" => Tag::Prim(Prim::Int),
            "U64" => Tag::Prim(Prim::U64),
            "Sg" | "Db" => Tag::Prim(Prim::Float),
            "Nil" => Tag::Prim(Prim::Nil),
            _ => PR_FIELDS
                .iter()
                .position(|(tag, _, _)| *tag == name)
                .map_or(Tag::Unknown, |i| Tag::PrField(i as u8)),
        }
    }

    /// Elements that stand for a value (rather than for part of an object's structure).
    fn is_value(self) -> bool {
        matches!(self, Tag::Obj | Tag::Ref | Tag::Prim(_) | Tag::Pr)
    }
}

/// Text content of an element as read: a range of the source while it is exactly the source,
/// a copy once an entity or a second piece made it differ.
#[derive(Debug)]
enum Txt {
    Empty,
    Slice(u32, u32),
    Owned(String),
}

impl Txt {
    fn push_slice(&mut self, src: &str, start: usize, end: usize) {
        let piece = src.get(start..end).unwrap_or("");
        *self = match std::mem::replace(self, Txt::Empty) {
            Txt::Empty => Txt::Slice(start as u32, end as u32),
            Txt::Slice(a, b) if b as usize == start => Txt::Slice(a, end as u32),
            Txt::Slice(a, b) => {
                let mut s = src.get(a as usize..b as usize).unwrap_or("").to_owned();
                s.push_str(piece);
                Txt::Owned(s)
            }
            Txt::Owned(mut s) => {
                s.push_str(piece);
                Txt::Owned(s)
            }
        };
    }

    fn push_owned(&mut self, src: &str, piece: &str) {
        *self = match std::mem::replace(self, Txt::Empty) {
            Txt::Empty => Txt::Owned(piece.to_owned()),
            Txt::Slice(a, b) => {
                let mut s = src.get(a as usize..b as usize).unwrap_or("").to_owned();
                s.push_str(piece);
                Txt::Owned(s)
            }
            Txt::Owned(mut s) => {
                s.push_str(piece);
                Txt::Owned(s)
            }
        };
    }
}

/// One element of the first pass.
#[derive(Debug)]
struct Elem<'a> {
    tag: Tag,
    /// The element name as written, for notes and for naming unknown elements.
    name: Cow<'a, str>,
    /// The `N` attribute, entities and `_xHHHH_` escapes decoded.
    n: Option<Cow<'a, str>>,
    refid: Option<Cow<'a, str>>,
    /// The byte range of the `S` attribute's value (the stream of a value written by a remote
    /// or redirected host: `Error`, `warning`, `progress`, ...), or `NONE`.
    stream: (u32, u32),
    start: u32,
    end: u32,
    text: Txt,
    first: u32,
    last: u32,
    next: u32,
    /// Elements in the subtree, this one included: the cost of copying it.
    size: u32,
    /// Nesting below this element: how much deeper a copy of it makes the document.
    height: u32,
    /// For `<Ref>`: the `<Obj>` it refers to; for `<TNRef>`: the `<TN>`.
    target: u32,
    open: bool,
    /// A `<Ref>` to an object that was still open where the reference was read (an ancestor).
    cycle: bool,
}

impl<'a> Elem<'a> {
    fn new(tag: Tag, name: Cow<'a, str>, start: usize) -> Elem<'a> {
        Elem {
            tag,
            name,
            n: None,
            refid: None,
            stream: (NONE, NONE),
            start: start as u32,
            end: start as u32,
            text: Txt::Empty,
            first: NONE,
            last: NONE,
            next: NONE,
            size: 1,
            height: 0,
            target: NONE,
            open: true,
            cycle: false,
        }
    }
}

/// Where `s` (a slice handed out by the reader) sits in `src`, if it is borrowed from it.
fn offset_in(src: &str, s: &str) -> Option<usize> {
    let base = src.as_ptr() as usize;
    let p = s.as_ptr() as usize;
    (p >= base && p + s.len() <= base + src.len()).then(|| p - base)
}

/// `s` with the lifetime of `src` when it is a slice of it, so the tree can keep it uncopied.
fn reborrow<'a>(src: &'a str, s: &str) -> Cow<'a, str> {
    offset_in(src, s)
        .and_then(|o| src.get(o..o + s.len()))
        .map_or_else(|| Cow::Owned(s.to_owned()), Cow::Borrowed)
}

/// Decodes the `_xHHHH_` escapes PowerShell writes for characters XML cannot carry (control
/// characters, CR/LF in strings, spaces in member names); `None` when there are none.
fn decode_x(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out: Option<String> = None;
    let mut last = 0;
    let mut pos = 0;
    while let Some(found) = s.get(pos..).and_then(|r| r.find("_x")) {
        let at = pos + found;
        let mut units = Vec::new();
        let mut end = at;
        while let Some(unit) = escape_at(bytes, end) {
            units.push(unit);
            end += 7;
        }
        if units.is_empty() {
            pos = at + 2;
            continue;
        }
        let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
        o.push_str(s.get(last..at).unwrap_or(""));
        // Characters outside the BMP come as two escapes (a surrogate pair).
        o.extend(char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)));
        last = end;
        pos = end;
    }
    let mut o = out?;
    o.push_str(s.get(last..).unwrap_or(""));
    Some(o)
}

fn escape_at(bytes: &[u8], at: usize) -> Option<u16> {
    match bytes.get(at..at.checked_add(7)?)? {
        [b'_', b'x', hex @ .., b'_'] if hex.iter().all(u8::is_ascii_hexdigit) => {
            u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
        }
        _ => None,
    }
}

/// Where the XML starts: after leading blanks and the `#< CLIXML` marker if there is one. The
/// rest of the marker's line is read as XML too: it is normally blank, and anything else there
/// (console noise in a captured stream) is reported as stray text instead of hiding the XML.
fn xml_start(src: &str) -> usize {
    let lead = src.len() - super::trim_start(src).len();
    match src.get(lead..) {
        Some(rest) if rest.starts_with(STREAM_PREFIX) => lead + STREAM_PREFIX.len(),
        _ => lead,
    }
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let src: &str = &text;
    let elems = read_tree(file, src, &mut errors, &mut notes);
    let mut em = Emitter {
        file,
        src,
        elems: &elems,
        b: Builder::new(Some(file), DocKind::Clixml, text.clone(), NodeKind::Array),
        notes,
        noted: HashSet::new(),
        copied: 0,
        budget: (elems.len() as u32)
            .saturating_mul(COPIES_PER_ELEMENT)
            .clamp(COPY_BUDGET, MAX_COPY_BUDGET),
        ref_depth: 0,
        not_copied: 0,
        budget_note: None,
    };
    let found = em.emit_document();
    if !found && errors.is_empty() {
        errors.push(InputError::at(
            file,
            src.len().saturating_sub(1),
            "no `<Objs>` element: the CLIXML is empty or truncated",
        ));
    }
    if let Some(i) = em.budget_note
        && em.not_copied > 1
        && let Some(note) = em.notes.get_mut(i)
    {
        note.message
            .push_str(&format!(" ({} references in this file)", em.not_copied));
    }
    let doc = em.b.finish();
    // A stream that carries errors is reported: the command failed, whatever data came too.
    errors.extend(super::pserror::stream_input_errors(file, src, &doc));
    Parsed::new(doc, errors, em.notes)
}

/// First pass state: the elements read so far and the reference tables.
struct TreeBuilder<'a> {
    src: &'a str,
    elems: Vec<Elem<'a>>,
    /// Indices of the open elements, the root first.
    open: Vec<u32>,
    /// `RefId` → element, for `<Obj>` and `<TN>`. A later definition replaces an earlier one,
    /// because each `<Objs>` block of a WinRM stream numbers its objects from 0 again.
    objs: HashMap<Cow<'a, str>, u32>,
    types: HashMap<Cow<'a, str>, u32>,
    stray_text: Option<usize>,
}

fn read_tree<'a>(
    file: FileId,
    src: &'a str,
    errors: &mut Vec<InputError>,
    notes: &mut Vec<InputError>,
) -> Vec<Elem<'a>> {
    let xml_start = xml_start(src);
    // A byte order mark is skipped by quick-xml without being counted (see xml.rs).
    let xml_start = xml_start
        + if src
            .get(xml_start..)
            .is_some_and(|t| t.starts_with('\u{feff}'))
        {
            3
        } else {
            0
        };
    let mut reader = Reader::from_str(src.get(xml_start..).unwrap_or(""));
    reader.config_mut().check_end_names = true;
    let mut t = TreeBuilder {
        src,
        elems: vec![Elem::new(Tag::Root, Cow::Borrowed(""), 0)],
        open: vec![0],
        objs: HashMap::new(),
        types: HashMap::new(),
        stray_text: None,
    };
    loop {
        let before = xml_start + reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                errors.push(InputError::at(
                    file,
                    xml_start + reader.error_position() as usize,
                    format!("malformed CLIXML: {e}"),
                ));
                break;
            }
        };
        let after = xml_start + reader.buffer_position() as usize;
        match event {
            Event::Start(_) | Event::Empty(_) if t.open.len() > MAX_DEPTH => {
                errors.push(InputError::at(
                    file,
                    before,
                    format!("elements nested deeper than {MAX_DEPTH} levels"),
                ));
                break;
            }
            Event::Start(e) => {
                let idx = t.start(&e, before, file, errors);
                t.open.push(idx);
            }
            Event::Empty(e) => {
                let idx = t.start(&e, before, file, errors);
                t.close(idx, after);
            }
            Event::End(_) => {
                if t.open.len() > 1
                    && let Some(idx) = t.open.pop()
                {
                    t.close(idx, after);
                }
            }
            Event::Text(x) => {
                let raw: &str = &x;
                match offset_in(src, raw) {
                    Some(at) => t.text_slice(at, at + raw.len()),
                    None => t.text_owned(raw, before),
                }
            }
            Event::CData(x) => {
                // CDATA content is literal: still a slice of the source when it is all there is.
                let raw: &str = &x;
                match offset_in(src, raw) {
                    Some(at) => t.text_slice(at, at + raw.len()),
                    None => t.text_owned(raw, before),
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                };
                let raw: &str = &r;
                let piece = resolved.unwrap_or_else(|| format!("&{raw};"));
                t.text_owned(&piece, before);
            }
            Event::Eof => {
                if let Some(&idx) = t.open.last()
                    && idx != 0
                {
                    let name = t.elems.get(idx as usize).map_or("", |e| &e.name);
                    errors.push(InputError::at(
                        file,
                        src.len().saturating_sub(1),
                        format!("the CLIXML ends before `<{name}>` is closed (truncated file?)"),
                    ));
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    // Whatever is still open after an error or a truncation ends with the text.
    while t.open.len() > 1 {
        if let Some(idx) = t.open.pop() {
            t.close(idx, src.len());
        }
    }
    if let Some(at) = t.stray_text {
        notes.push(InputError::at(
            file,
            at,
            "text outside `<Objs>` is not CLIXML and was skipped",
        ));
    }
    t.elems
}

impl<'a> TreeBuilder<'a> {
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        at: usize,
        file: FileId,
        errors: &mut Vec<InputError>,
    ) -> u32 {
        let name = reborrow(self.src, e.name().0);
        let tag = Tag::of(&name);
        let mut el = Elem::new(tag, name, at);
        for attr in e.attributes().with_checks(false) {
            match attr {
                Ok(a) => match a.key.0 {
                    "N" => {
                        let v = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                            Ok(v) => v,
                            Err(_) => a.value.clone(),
                        };
                        let v = match decode_x(&v) {
                            Some(decoded) => Cow::Owned(decoded),
                            None => reborrow(self.src, &v),
                        };
                        el.n = Some(v);
                    }
                    "RefId" => el.refid = Some(reborrow(self.src, a.value.trim())),
                    "S" => {
                        let v: &str = &a.value;
                        if let Some(o) = offset_in(self.src, v) {
                            el.stream = (o as u32, (o + v.len()) as u32);
                        }
                    }
                    _ => {}
                },
                Err(err) => errors.push(InputError::at(
                    file,
                    at,
                    format!("malformed attribute: {err}"),
                )),
            }
        }
        let idx = self.elems.len() as u32;
        match (tag, &el.refid) {
            (Tag::Obj, Some(id)) => {
                self.objs.insert(id.clone(), idx);
            }
            (Tag::Tn, Some(id)) => {
                self.types.insert(id.clone(), idx);
            }
            (Tag::Ref, Some(id)) => {
                if let Some(&target) = self.objs.get(id.as_ref()) {
                    el.target = target;
                    el.cycle = self.elems.get(target as usize).is_some_and(|t| t.open);
                }
            }
            (Tag::TnRef, Some(id)) => {
                el.target = self.types.get(id.as_ref()).copied().unwrap_or(NONE);
            }
            _ => {}
        }
        let parent = self.open.last().copied().unwrap_or(0);
        let prev_last = match self.elems.get_mut(parent as usize) {
            Some(p) => {
                let prev = p.last;
                if p.first == NONE {
                    p.first = idx;
                    // Text only matters for elements without children; drop indentation.
                    p.text = Txt::Empty;
                }
                p.last = idx;
                prev
            }
            None => NONE,
        };
        if let Some(prev) = self.elems.get_mut(prev_last as usize) {
            prev.next = idx;
        }
        self.elems.push(el);
        idx
    }

    fn close(&mut self, idx: u32, end: usize) {
        let Some(el) = self.elems.get_mut(idx as usize) else {
            return;
        };
        el.end = (end as u32).max(el.start);
        el.open = false;
        let (size, height) = (el.size, el.height);
        let parent = self.open.last().copied().unwrap_or(0);
        if let Some(p) = self.elems.get_mut(parent as usize) {
            p.size = p.size.saturating_add(size);
            p.height = p.height.max(height + 1);
        }
    }

    /// The element text is collected into, if any: the innermost open element while it has no
    /// children.
    fn text_target(&mut self, at: usize, blank: bool) -> Option<&mut Elem<'a>> {
        let top = self.open.last().copied().unwrap_or(0);
        if top == 0 {
            if !blank && self.stray_text.is_none() {
                self.stray_text = Some(at);
            }
            return None;
        }
        self.elems.get_mut(top as usize).filter(|e| e.first == NONE)
    }

    fn text_slice(&mut self, start: usize, end: usize) {
        let src = self.src;
        let piece = src.get(start..end).unwrap_or("");
        let content = piece.trim_start_matches(|c: char| c.is_whitespace() || c == '\0');
        let first = start + (piece.len() - content.len());
        if let Some(el) = self.text_target(first, content.is_empty()) {
            el.text.push_slice(src, start, end);
        }
    }

    fn text_owned(&mut self, piece: &str, at: usize) {
        let src = self.src;
        if let Some(el) = self.text_target(at, false) {
            el.text.push_owned(src, piece);
        }
    }
}

/// Second pass: the element tree into the model.
struct Emitter<'t, 'a> {
    file: FileId,
    src: &'a str,
    elems: &'t [Elem<'a>],
    b: Builder,
    notes: Vec<InputError>,
    /// Kinds of problem already noted (see [`Emitter::note_once`]).
    noted: HashSet<String>,
    copied: u32,
    budget: u32,
    ref_depth: u32,
    not_copied: u32,
    budget_note: Option<usize>,
}

/// The children of element `idx`, in document order.
fn kids<'t>(elems: &'t [Elem<'_>], idx: u32) -> impl Iterator<Item = u32> + 't {
    let first = elems.get(idx as usize).map_or(NONE, |e| e.first);
    std::iter::successors(Some(first).filter(|&i| i != NONE), move |&i| {
        elems.get(i as usize).map(|e| e.next).filter(|&n| n != NONE)
    })
}

impl<'t, 'a: 't> Emitter<'t, 'a> {
    fn el(&self, idx: u32) -> Option<&'t Elem<'a>> {
        self.elems.get(idx as usize)
    }

    /// Emits every value under every top-level `<Objs>` (a WinRM stream can hold several, and
    /// a value outside one is read as a value too); whether there was any element at all.
    ///
    /// A top-level value of a stream (`S="Error"`, `S="warning"`, ...) keeps its stream as
    /// `@stream`: an `<Obj>` gets the member, any other value becomes `{ @stream, @value }`.
    /// Consecutive `Error` strings are one value: the host cut one error record into lines.
    fn emit_document(&mut self) -> bool {
        let elems = self.elems;
        let mut found = false;
        let mut tops = Vec::new();
        for top in kids(elems, 0) {
            let Some(e) = self.el(top) else { continue };
            found = true;
            if e.tag == Tag::Objs {
                tops.extend(kids(elems, top));
            } else {
                tops.push(top);
            }
        }
        let mut i = 0;
        while let Some(&idx) = tops.get(i) {
            i += 1;
            let Some(e) = self.el(idx) else { continue };
            if self.stream(e).is_none() {
                self.emit_value(idx, None);
                continue;
            }
            if self.is_error_line(e) {
                let mut run = vec![e];
                while let Some(next) = tops.get(i).and_then(|&n| self.el(n)) {
                    if !self.is_error_line(next) {
                        break;
                    }
                    run.push(next);
                    i += 1;
                }
                let end = run.last().map_or(e.end, |l| l.end);
                let value = if run.len() == 1 {
                    self.string_value(e)
                } else {
                    let joined: String = run.iter().map(|l| self.decoded_text(l)).collect();
                    Value::Owned(joined.into())
                };
                self.b.open(NodeKind::Object, None, e.start as usize);
                self.stream_leaf(e);
                self.b
                    .leaf(Some("@value"), value, e.start as usize, end as usize);
                self.b.close(end as usize);
                continue;
            }
            self.b.open(NodeKind::Object, None, e.start as usize);
            self.stream_leaf(e);
            if e.tag == Tag::Obj {
                self.obj_body(idx);
            } else {
                self.emit_value(idx, Some("@value"));
            }
            self.b.close(e.end as usize);
        }
        found
    }

    /// The stream an element was written to (its `S` attribute), if any.
    fn stream(&self, e: &Elem<'a>) -> Option<&'a str> {
        let (s, end) = e.stream;
        if s == NONE {
            return None;
        }
        self.src.get(s as usize..end as usize)
    }

    /// A string of the error stream: one line of a rendered error record.
    fn is_error_line(&self, e: &Elem<'a>) -> bool {
        e.tag == Tag::Prim(Prim::Str)
            && e.first == NONE
            && self
                .stream(e)
                .is_some_and(|s| s.eq_ignore_ascii_case("error"))
    }

    fn stream_leaf(&mut self, e: &Elem<'a>) {
        let (s, end) = e.stream;
        if s != NONE {
            self.b.leaf(
                Some("@stream"),
                Value::Slice(s, end),
                s as usize,
                end as usize,
            );
        }
    }

    fn note(&mut self, at: u32, message: String) {
        self.notes
            .push(InputError::at(self.file, at as usize, message));
    }

    /// A note for the first problem of its `kind` only: a file with one odd writer repeats the
    /// same oddity thousands of times, and one note per kind says all there is to say.
    fn note_once(&mut self, kind: String, at: u32, message: impl FnOnce() -> String) {
        if self.noted.insert(kind) {
            self.note(at, message());
        }
    }

    /// The element's text with entities resolved (not yet `_xHHHH_`-decoded).
    fn text(&self, e: &'t Elem<'a>) -> &'t str {
        match &e.text {
            Txt::Empty => "",
            Txt::Slice(a, b) => self.src.get(*a as usize..*b as usize).unwrap_or(""),
            Txt::Owned(s) => s,
        }
    }

    /// The element's text fully decoded, as a string value: a slice of the source unless
    /// decoding changed it.
    fn string_value(&self, e: &'t Elem<'a>) -> Value {
        match &e.text {
            Txt::Empty => Value::Slice(e.start, e.start),
            Txt::Slice(a, b) => match decode_x(self.text(e)) {
                Some(d) => Value::Owned(d.into()),
                None => Value::Slice(*a, *b),
            },
            Txt::Owned(s) => Value::Owned(decode_x(s).unwrap_or_else(|| s.clone()).into()),
        }
    }

    fn decoded_text(&self, e: &'t Elem<'a>) -> Cow<'t, str> {
        let t = self.text(e);
        decode_x(t).map_or(Cow::Borrowed(t), Cow::Owned)
    }

    /// The text without surrounding blanks, as a string value (a slice when it is one).
    fn trimmed_value(&self, e: &'t Elem<'a>) -> Value {
        let t = self.text(e);
        let trimmed = t.trim();
        match e.text {
            Txt::Slice(a, _) => {
                let from = a.saturating_add((t.len() - t.trim_start().len()) as u32);
                Value::Slice(from, from.saturating_add(trimmed.len() as u32))
            }
            _ => Value::Owned(trimmed.into()),
        }
    }

    fn emit_value(&mut self, idx: u32, name: Option<&str>) {
        let Some(e) = self.el(idx) else { return };
        match e.tag {
            Tag::Obj => {
                self.b.open(NodeKind::Object, name, e.start as usize);
                self.obj_body(idx);
                self.b.close(e.end as usize);
            }
            Tag::Ref => self.reference(e, name),
            Tag::Prim(p) if e.first == NONE => self.primitive(e, p, name),
            Tag::Pr => self.progress(idx, name),
            _ => self.unknown(idx, name),
        }
    }

    fn primitive(&mut self, e: &'t Elem<'a>, p: Prim, name: Option<&str>) {
        let t = self.text(e).trim();
        let parsed = match p {
            Prim::Nil => Some(Value::Null),
            Prim::Str => Some(self.string_value(e)),
            Prim::Char => t
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .map(|c| Value::Owned(c.to_string().into())),
            Prim::Bool => {
                if t.eq_ignore_ascii_case("true") {
                    Some(Value::Bool(true))
                } else if t.eq_ignore_ascii_case("false") {
                    Some(Value::Bool(false))
                } else {
                    None
                }
            }
            Prim::Int => t.parse::<i64>().ok().map(Value::Int),
            Prim::U64 => match t.parse::<i64>() {
                Ok(i) => Some(Value::Int(i)),
                Err(_) => t.parse::<u64>().ok().map(|_| self.trimmed_value(e)),
            },
            Prim::Float => t.parse::<f64>().ok().map(Value::Float),
        };
        let v = match parsed {
            Some(v) => v,
            None => {
                self.note_once(format!("value {}", e.name), e.start, || {
                    format!(
                        "`<{}>` holds `{}`, which is not a value of its type; read as text",
                        e.name,
                        t.chars().take(40).collect::<String>()
                    )
                });
                self.string_value(e)
            }
        };
        self.b.leaf(name, v, e.start as usize, e.end as usize);
    }

    fn obj_body(&mut self, idx: u32) {
        let elems = self.elems;
        for c in kids(elems, idx) {
            let Some(ce) = self.el(c) else { continue };
            match ce.tag {
                Tag::Tn => self.types(ce, c),
                Tag::TnRef => match self.el(ce.target) {
                    // Repeated type names count against the copy budget too: a long `<TN>`
                    // named by many `<TNRef>`s is the same blow-up as a shared object.
                    Some(tn)
                        if tn.tag == Tag::Tn
                            && self.copied.saturating_add(tn.size) <= self.budget =>
                    {
                        self.copied += tn.size;
                        self.types(ce, ce.target);
                    }
                    Some(tn) if tn.tag == Tag::Tn => {
                        let budget = self.budget;
                        self.note_once("TNRef budget".into(), ce.start, || {
                            format!(
                                "type names from `<TNRef>` here on were left out: repeating \
                                 them would pass {budget} copied elements"
                            )
                        });
                    }
                    _ => {
                        let id = ce.refid.as_deref().unwrap_or("?");
                        self.note_once("TNRef".into(), ce.start, || {
                            format!("`<TNRef RefId=\"{id}\">` refers to no earlier `<TN>`")
                        });
                    }
                },
                Tag::ToString => {
                    let v = self.string_value(ce);
                    self.b
                        .leaf(Some("@string"), v, ce.start as usize, ce.end as usize);
                }
                Tag::Props | Tag::Ms => {
                    for m in kids(elems, c) {
                        self.member(m);
                    }
                }
                Tag::Coll => {
                    self.b
                        .open(NodeKind::Array, Some("@items"), ce.start as usize);
                    for item in kids(elems, c) {
                        self.emit_value(item, None);
                    }
                    self.b.close(ce.end as usize);
                }
                Tag::Dct => self.dictionary(ce, c),
                _ if ce.n.is_none() && ce.tag.is_value() => self.emit_value(c, Some("@value")),
                _ => self.member(c),
            }
        }
    }

    /// A named member: `N`, or the element name when a writer left `N` out.
    fn member(&mut self, idx: u32) {
        let Some(e) = self.el(idx) else { return };
        let name: &str = e.n.as_deref().unwrap_or(&e.name);
        self.emit_value(idx, Some(name));
    }

    /// `@types` spanning `at` (a `<TN>`, or the `<TNRef>` that repeats one) with the names of
    /// the `<TN>` `tn`, each spanning its own `<T>`.
    fn types(&mut self, at: &'t Elem<'a>, tn: u32) {
        let elems = self.elems;
        self.b
            .open(NodeKind::Array, Some("@types"), at.start as usize);
        for t in kids(elems, tn) {
            if let Some(te) = self.el(t).filter(|te| te.tag == Tag::T) {
                let v = self.string_value(te);
                self.b.leaf(None, v, te.start as usize, te.end as usize);
            }
        }
        self.b.close(at.end as usize);
    }

    fn dictionary(&mut self, d: &'t Elem<'a>, idx: u32) {
        let elems = self.elems;
        self.b
            .open(NodeKind::Object, Some("@entries"), d.start as usize);
        for en in kids(elems, idx) {
            let Some(ee) = self.el(en) else { continue };
            if ee.tag != Tag::En {
                self.member(en);
                continue;
            }
            let by_name = |n: &str| {
                kids(elems, en)
                    .find(|&k| elems.get(k as usize).and_then(|e| e.n.as_deref()) == Some(n))
            };
            let mut key = by_name("Key");
            let mut value = by_name("Value");
            // Without `N`s, an entry is its key then its value.
            if key.is_none() || value.is_none() {
                let (k0, v0) = (key, value);
                let mut rest = kids(elems, en).filter(|&k| Some(k) != k0 && Some(k) != v0);
                key = key.or_else(|| rest.next());
                value = value.or_else(|| rest.next());
            }
            let key_text = key.map_or(Cow::Borrowed(""), |k| self.key_text(k, true));
            match value {
                Some(v) => self.emit_value(v, Some(&key_text)),
                None => {
                    self.b.leaf(
                        Some(&key_text),
                        Value::Null,
                        ee.start as usize,
                        ee.end as usize,
                    );
                }
            }
        }
        self.b.close(d.end as usize);
    }

    /// A dictionary key as text: a primitive's value, or an object's `ToString` (or its own
    /// value, for an enum), following one `<Ref>`.
    fn key_text(&self, idx: u32, follow: bool) -> Cow<'t, str> {
        let Some(e) = self.el(idx) else {
            return Cow::Borrowed("");
        };
        match e.tag {
            Tag::Prim(Prim::Nil) => Cow::Borrowed(""),
            Tag::Prim(_) => self.decoded_text(e),
            Tag::Ref if follow => self.key_text(e.target, false),
            Tag::Obj => {
                let elems = self.elems;
                let pick = |want: fn(Tag) -> bool| {
                    kids(elems, idx).find(|&k| elems.get(k as usize).is_some_and(|c| want(c.tag)))
                };
                pick(|t| t == Tag::ToString)
                    .or_else(|| pick(|t| matches!(t, Tag::Prim(_))))
                    .and_then(|k| self.el(k))
                    .map_or(Cow::Borrowed(""), |k| self.decoded_text(k))
            }
            _ => Cow::Borrowed(""),
        }
    }

    fn reference(&mut self, e: &'t Elem<'a>, name: Option<&str>) {
        let id = e.refid.as_deref().unwrap_or("?");
        let Some(target) = self.el(e.target) else {
            self.note_once("Ref".into(), e.start, || {
                format!("`<Ref RefId=\"{id}\">` refers to no earlier `<Obj>`")
            });
            return self.ref_leaf(e, id, name);
        };
        if e.cycle {
            return self.ref_leaf(e, id, name);
        }
        let fits = self.ref_depth < MAX_REF_DEPTH
            && self.copied.saturating_add(target.size) <= self.budget
            && self.b.depth() + target.height as usize <= MAX_DEPTH;
        if !fits {
            self.not_copied += 1;
            if self.budget_note.is_none() {
                self.budget_note = Some(self.notes.len());
                self.note(
                    e.start,
                    format!(
                        "`<Ref RefId=\"{id}\">` and later references were not expanded: copying \
                         shared objects would pass {} elements or {MAX_REF_DEPTH} levels; they \
                         are left as `@ref`",
                        self.budget
                    ),
                );
            }
            return self.ref_leaf(e, id, name);
        }
        self.copied += target.size;
        self.ref_depth += 1;
        self.emit_value(e.target, name);
        self.ref_depth -= 1;
    }

    fn ref_leaf(&mut self, e: &'t Elem<'a>, id: &str, name: Option<&str>) {
        self.b.open(NodeKind::Object, name, e.start as usize);
        self.b.leaf(
            Some("@ref"),
            Value::Owned(format!("RefId {id}").into()),
            e.start as usize,
            e.end as usize,
        );
        self.b.close(e.end as usize);
    }

    fn progress(&mut self, idx: u32, name: Option<&str>) {
        let elems = self.elems;
        let Some(e) = self.el(idx) else { return };
        self.b.open(NodeKind::Object, name, e.start as usize);
        for c in kids(elems, idx) {
            let Some(ce) = self.el(c) else { continue };
            match (ce.tag, &ce.n) {
                (Tag::PrField(i), None) if ce.first == NONE => {
                    let (label, numeric) = PR_FIELDS
                        .get(i as usize)
                        .map_or(("", false), |(_, label, numeric)| (*label, *numeric));
                    let p = if numeric { Prim::Int } else { Prim::Str };
                    self.primitive(ce, p, Some(label));
                }
                (Tag::T, None) if ce.first == NONE => self.primitive(ce, Prim::Str, Some("Type")),
                // The current operation is written untagged: `<Nil/>` or `<S>`.
                (Tag::Prim(p @ (Prim::Nil | Prim::Str)), None) => {
                    self.primitive(ce, p, Some("CurrentOperation"))
                }
                _ => self.member(c),
            }
        }
        self.b.close(e.end as usize);
    }

    /// An element that is not CLIXML (or not where it stands): text if it holds only text,
    /// else an object of its children, and a note so it is never misread silently.
    fn unknown(&mut self, idx: u32, name: Option<&str>) {
        let Some(e) = self.el(idx) else { return };
        let as_text = e.first == NONE;
        self.note_once(format!("element {}", e.name), e.start, || {
            let what = if e.tag == Tag::Unknown {
                "is not a CLIXML element uplint knows"
            } else {
                "is not expected here"
            };
            let read_as = if as_text { "text" } else { "an object" };
            format!("`<{}>` {what}; read as {read_as}", e.name)
        });
        if as_text {
            let v = self.string_value(e);
            self.b.leaf(name, v, e.start as usize, e.end as usize);
            return;
        }
        let elems = self.elems;
        self.b.open(NodeKind::Object, name, e.start as usize);
        for c in kids(elems, idx) {
            self.member(c);
        }
        self.b.close(e.end as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{scalar, spanned};

    const HEAD: &str =
        "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">";

    fn objs(body: &str) -> String {
        format!("{HEAD}{body}</Objs>")
    }

    fn read(text: &str) -> Parsed {
        parse(FileId(0), Arc::from(text))
    }

    fn clean(text: &str) -> Document {
        let p = read(text);
        assert!(p.errors.is_empty(), "errors: {:?}", p.errors);
        assert!(p.notes.is_empty(), "notes: {:?}", p.notes);
        p.doc
    }

    #[test]
    fn custom_object_with_type_names_and_a_type_reference() {
        let text = objs(concat!(
            "\n  <Obj RefId=\"0\">\n    <TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>",
            "\n    <ToString>@{Name=web01}</ToString>",
            "\n    <MS>\n      <S N=\"Name\">web01</S>\n      <I32 N=\"Cores\">4</I32>\n    </MS>\n  </Obj>",
            "\n  <Obj RefId=\"1\"><TNRef RefId=\"0\" /><MS><S N=\"Name\">db01</S></MS></Obj>\n"
        ));
        let doc = clean(&text);
        assert_eq!(doc.children(Document::ROOT).len(), 2);
        assert_eq!(scalar(&doc, "0/Name"), Scalar::Str("web01"));
        assert_eq!(scalar(&doc, "0/Cores"), Scalar::Int(4));
        assert_eq!(
            scalar(&doc, "0/@types/0"),
            Scalar::Str("System.Management.Automation.PSCustomObject")
        );
        assert_eq!(scalar(&doc, "0/@string"), Scalar::Str("@{Name=web01}"));
        assert_eq!(scalar(&doc, "1/@types/1"), Scalar::Str("System.Object"));
        assert_eq!(scalar(&doc, "1/Name"), Scalar::Str("db01"));
        assert_eq!(spanned(&text, &doc, "0/Name"), "<S N=\"Name\">web01</S>");
        assert_eq!(spanned(&text, &doc, "1/@types"), "<TNRef RefId=\"0\" />");
        assert_eq!(
            spanned(&text, &doc, "1/@types/0"),
            "<T>System.Management.Automation.PSCustomObject</T>"
        );
        let name = doc.lookup(Document::ROOT, "0/Name").expect("name");
        assert_eq!(doc.path(name), "[0].Name");
        let t = doc.lookup(Document::ROOT, "1/@types/0").expect("type");
        assert_eq!(doc.path(t), "[1].@types[0]");
        assert!(spanned(&text, &doc, "0").starts_with("<Obj RefId=\"0\">"));
        assert!(spanned(&text, &doc, "0").ends_with("</Obj>"));
    }

    #[test]
    fn every_primitive_type() {
        let text = objs(concat!(
            "<Obj RefId=\"0\"><MS>",
            "<S N=\"s\">text</S><S N=\"empty\"></S><S N=\"selfclosed\" />",
            "<C N=\"c\">65</C><B N=\"t\">true</B><B N=\"f\">false</B>",
            "<DT N=\"dt\">2019-06-21T20:14:43-05:00</DT><TS N=\"ts\">PT9.0269026S</TS>",
            "<By N=\"by\">255</By><SB N=\"sb\">-128</SB><U16 N=\"u16\">65535</U16><I16 N=\"i16\">-2</I16>",
            "<U32 N=\"u32\">4294967295</U32><I32 N=\"i32\">-7</I32><I64 N=\"i64\">-9223372036854775808</I64>",
            "<U64 N=\"u64\">42</U64><U64 N=\"big\"> 18446744073709551615 </U64>",
            "<Sg N=\"sg\">1.5</Sg><Db N=\"db\">-2.25E+3</Db><Db N=\"inf\">INF</Db>",
            "<D N=\"d\">1.10</D><BA N=\"ba\">AQID</BA><G N=\"g\">75700cd5-893e-4f68-ada7-50ef4668acc6</G>",
            "<URI N=\"uri\">http://example.invalid/a?b=1&amp;c=2</URI><Version N=\"v\">6.3.9600.0</Version>",
            "<XD N=\"xd\">&lt;a/&gt;</XD><SBK N=\"sbk\">Get-Item _x002A_</SBK><SS N=\"ss\">01000000d08c9ddf</SS>",
            "<Nil N=\"nil\" /></MS></Obj>"
        ));
        let doc = clean(&text);
        let s = |k: &str| scalar(&doc, &format!("0/{k}"));
        assert_eq!(s("s"), Scalar::Str("text"));
        assert_eq!(s("empty"), Scalar::Str(""));
        assert_eq!(s("selfclosed"), Scalar::Str(""));
        assert_eq!(s("c"), Scalar::Str("A"));
        assert_eq!(s("t"), Scalar::Bool(true));
        assert_eq!(s("f"), Scalar::Bool(false));
        assert_eq!(s("dt"), Scalar::Str("2019-06-21T20:14:43-05:00"));
        assert_eq!(s("ts"), Scalar::Str("PT9.0269026S"));
        assert_eq!(s("by"), Scalar::Int(255));
        assert_eq!(s("sb"), Scalar::Int(-128));
        assert_eq!(s("u16"), Scalar::Int(65535));
        assert_eq!(s("i16"), Scalar::Int(-2));
        assert_eq!(s("u32"), Scalar::Int(4_294_967_295));
        assert_eq!(s("i32"), Scalar::Int(-7));
        assert_eq!(s("i64"), Scalar::Int(i64::MIN));
        assert_eq!(s("u64"), Scalar::Int(42));
        assert_eq!(s("big"), Scalar::Str("18446744073709551615"));
        assert_eq!(s("sg"), Scalar::Float(1.5));
        assert_eq!(s("db"), Scalar::Float(-2250.0));
        assert_eq!(s("inf"), Scalar::Float(f64::INFINITY));
        assert_eq!(s("d"), Scalar::Str("1.10"));
        assert_eq!(s("ba"), Scalar::Str("AQID"));
        assert_eq!(s("g"), Scalar::Str("75700cd5-893e-4f68-ada7-50ef4668acc6"));
        assert_eq!(s("uri"), Scalar::Str("http://example.invalid/a?b=1&c=2"));
        assert_eq!(s("v"), Scalar::Str("6.3.9600.0"));
        assert_eq!(s("xd"), Scalar::Str("<a/>"));
        assert_eq!(s("sbk"), Scalar::Str("Get-Item *"));
        assert_eq!(s("ss"), Scalar::Str("01000000d08c9ddf"));
        assert_eq!(s("nil"), Scalar::Null);
        assert_eq!(spanned(&text, &doc, "0/nil"), "<Nil N=\"nil\" />");
    }

    #[test]
    fn a_value_that_is_not_of_its_type_is_text_with_a_note() {
        let p = read(&objs("<I32>many</I32><B>yes</B><C>-1</C>"));
        assert!(p.errors.is_empty());
        assert_eq!(p.notes.len(), 3, "{:?}", p.notes);
        assert_eq!(scalar(&p.doc, "0"), Scalar::Str("many"));
        assert_eq!(scalar(&p.doc, "1"), Scalar::Str("yes"));
    }

    #[test]
    fn lists_and_dictionaries() {
        let text = objs(concat!(
            "<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT>",
            "<En><S N=\"Key\">Function</S><Obj N=\"Value\" RefId=\"1\"><TN RefId=\"1\"><T>System.Object[]</T></TN>",
            "<LST><S>Get-Thing</S><S>Set-Thing</S></LST></Obj></En>",
            "<En><S N=\"Key\">Port</S><I32 N=\"Value\">5985</I32></En>",
            "<En><I32 N=\"Key\">7</I32><Nil N=\"Value\" /></En>",
            "</DCT></Obj>",
            "<Obj RefId=\"2\"><TNRef RefId=\"1\" /><IE><I32>1</I32><Nil /></IE></Obj>"
        ));
        let doc = clean(&text);
        assert_eq!(
            scalar(&doc, "0/@entries/Function/@items/1"),
            Scalar::Str("Set-Thing")
        );
        assert_eq!(scalar(&doc, "0/@entries/Port"), Scalar::Int(5985));
        assert_eq!(scalar(&doc, "0/@entries/7"), Scalar::Null);
        assert_eq!(scalar(&doc, "1/@items/0"), Scalar::Int(1));
        assert_eq!(scalar(&doc, "1/@items/1"), Scalar::Null);
        let item = doc
            .lookup(Document::ROOT, "0/@entries/Function/@items/1")
            .expect("item");
        assert_eq!(doc.path(item), "[0].@entries.Function.@items[1]");
        assert_eq!(
            spanned(&text, &doc, "0/@entries/Port"),
            "<I32 N=\"Value\">5985</I32>"
        );
        assert!(spanned(&text, &doc, "0/@entries").starts_with("<DCT>"));
    }

    #[test]
    fn references_are_deep_copies_with_the_original_spans() {
        let text = objs(concat!(
            "<Obj RefId=\"0\"><MS>",
            "<Obj N=\"Host\" RefId=\"1\"><MS><S N=\"Name\">hv01</S>",
            "<Obj N=\"Disks\" RefId=\"2\"><LST><S>C:</S><S>D:</S></LST></Obj></MS></Obj>",
            "<Ref N=\"Again\" RefId=\"1\" />",
            "</MS></Obj>",
            "<Ref RefId=\"2\" />"
        ));
        let doc = clean(&text);
        assert_eq!(scalar(&doc, "0/Again/Name"), Scalar::Str("hv01"));
        assert_eq!(scalar(&doc, "0/Again/Disks/@items/1"), Scalar::Str("D:"));
        assert_eq!(scalar(&doc, "1/@items/0"), Scalar::Str("C:"));
        for (copy, original) in [
            ("0/Again", "0/Host"),
            ("0/Again/Name", "0/Host/Name"),
            ("0/Again/Disks/@items/1", "0/Host/Disks/@items/1"),
            ("1", "0/Host/Disks"),
        ] {
            let a = doc.lookup(Document::ROOT, copy).expect("copy");
            let b = doc.lookup(Document::ROOT, original).expect("original");
            assert_ne!(a, b);
            assert_eq!(doc.span(a), doc.span(b), "{copy}");
        }
        let again = doc.lookup(Document::ROOT, "0/Again/Name").expect("again");
        assert_eq!(doc.path(again), "[0].Again.Name");
    }

    #[test]
    fn a_reference_to_an_enclosing_object_is_left_as_ref() {
        let text = objs(concat!(
            "<Obj RefId=\"0\"><MS><S N=\"Name\">vm1</S>",
            "<Obj N=\"Host\" RefId=\"1\"><MS><Obj N=\"VMs\" RefId=\"2\"><LST><Ref RefId=\"0\" /></LST></Obj>",
            "<Ref N=\"Self\" RefId=\"1\" /></MS></Obj></MS></Obj>",
            "<Ref RefId=\"1\" />"
        ));
        let doc = clean(&text);
        assert_eq!(
            scalar(&doc, "0/Host/VMs/@items/0/@ref"),
            Scalar::Str("RefId 0")
        );
        assert_eq!(scalar(&doc, "0/Host/Self/@ref"), Scalar::Str("RefId 1"));
        // A copy made later, outside the cycle, still stops at the same place.
        assert_eq!(scalar(&doc, "1/VMs/@items/0/@ref"), Scalar::Str("RefId 0"));
        assert_eq!(
            spanned(&text, &doc, "0/Host/Self/@ref"),
            "<Ref N=\"Self\" RefId=\"1\" />"
        );
    }

    #[test]
    fn copies_past_the_budget_are_left_as_ref_with_one_note() {
        let items = "<S>x</S>".repeat(10_000);
        let refs = "<Ref RefId=\"0\" />".repeat(40);
        let text = objs(&format!(
            "<Obj RefId=\"0\"><LST>{items}</LST></Obj>{refs}<Ref RefId=\"9\" />"
        ));
        let p = read(&text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let doc = p.doc;
        assert_eq!(scalar(&doc, "1/@items/9999"), Scalar::Str("x"));
        assert_eq!(scalar(&doc, "40/@ref"), Scalar::Str("RefId 0"));
        assert_eq!(scalar(&doc, "41/@ref"), Scalar::Str("RefId 9"));
        assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
        assert!(
            p.notes[0].message.contains("21 references"),
            "{}",
            p.notes[0].message
        );
        assert!(p.notes[1].message.contains("no earlier"));
        assert!(doc.len() < 250_000);
    }

    #[test]
    fn repeated_type_names_are_bounded_too() {
        let names = "<T>x</T>".repeat(1_000);
        let objs_ = "<Obj><TNRef RefId=\"0\" /></Obj>".repeat(300);
        let text = objs(&format!("<Obj><TN RefId=\"0\">{names}</TN></Obj>{objs_}"));
        let p = read(&text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        assert_eq!(scalar(&p.doc, "1/@types/999"), Scalar::Str("x"));
        assert!(p.doc.len() < 250_000);
    }

    #[test]
    fn escapes_in_values_and_names() {
        let text = objs(concat!(
            "<Obj RefId=\"0\"><MS><S N=\"Line\">a_x000D__x000A_b</S>",
            "<S N=\"Has_x0020_Space\">x_x005F_y &amp; z</S>",
            "<S N=\"Plain\">no_escape_x12_here</S>",
            "<S N=\"Emoji\">_xD83D__xDE00_</S>",
            "<S N=\"Cdata\"><![CDATA[<raw>]]></S></MS></Obj>"
        ));
        let doc = clean(&text);
        assert_eq!(scalar(&doc, "0/Line"), Scalar::Str("a\r\nb"));
        assert_eq!(scalar(&doc, "0/Has Space"), Scalar::Str("x_y & z"));
        assert_eq!(scalar(&doc, "0/Plain"), Scalar::Str("no_escape_x12_here"));
        assert_eq!(scalar(&doc, "0/Emoji"), Scalar::Str("\u{1F600}"));
        assert_eq!(scalar(&doc, "0/Cdata"), Scalar::Str("<raw>"));
        assert_eq!(decode_x("plain"), None);
        assert_eq!(decode_x("_xD800_").as_deref(), Some("\u{FFFD}"));
    }

    #[test]
    fn unchanged_strings_are_slices_of_the_source() {
        let text = objs("<S>plain</S><S>a_x0041_</S>");
        let doc = clean(&text);
        let plain = doc.lookup(Document::ROOT, "0").expect("plain");
        // A slice value is the same allocation as the text; a decoded one is a copy.
        let v = doc.str_value(plain).expect("str");
        assert_eq!(v.as_str(), "plain");
        let dbg = format!("{doc:?}");
        assert!(dbg.contains("Slice("), "{dbg}");
        assert_eq!(scalar(&doc, "1"), Scalar::Str("aA"));
    }

    #[test]
    fn the_stream_prefix_is_skipped_and_spans_stay_in_the_whole_text() {
        let text = format!(
            "#< CLIXML\r\n{HEAD}<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N=\"SourceId\">1</I64><PR N=\"Record\"><AV>Preparing modules</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj><S S=\"Error\">boom_x000D__x000A_</S></Objs>"
        );
        assert!(recognize(&text));
        let p = read(&text);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        // The error string is reported (see `error_stream_*` below), and read with its stream.
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let doc = p.doc;
        assert_eq!(scalar(&doc, "1/@value"), Scalar::Str("boom\r\n"));
        assert_eq!(scalar(&doc, "1/@stream"), Scalar::Str("Error"));
        assert_eq!(scalar(&doc, "0/@stream"), Scalar::Str("progress"));
        assert_eq!(
            spanned(&text, &doc, "1/@value"),
            "<S S=\"Error\">boom_x000D__x000A_</S>"
        );
        assert_eq!(
            scalar(&doc, "0/Record/Activity"),
            Scalar::Str("Preparing modules")
        );
        assert_eq!(scalar(&doc, "0/Record/PercentComplete"), Scalar::Int(-1));
        assert_eq!(scalar(&doc, "0/Record/CurrentOperation"), Scalar::Null);
        assert_eq!(scalar(&doc, "0/Record/Type"), Scalar::Str("Completed"));
        assert_eq!(scalar(&doc, "0/Record/StatusDescription"), Scalar::Str(" "));
        assert_eq!(
            spanned(&text, &doc, "0/SourceId"),
            "<I64 N=\"SourceId\">1</I64>"
        );
    }

    #[test]
    fn console_noise_around_a_stream_is_noted_not_fatal() {
        let text = format!("#< CLIXML\r\nNULL\r\n[+] started\r\n{}", objs("<S>ok</S>"));
        let p = read(&text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        assert!(text[p.notes[0].span.start as usize..].starts_with("NULL"));
        assert_eq!(scalar(&p.doc, "0"), Scalar::Str("ok"));
        // The marker and the XML on one line.
        let text = format!("#< CLIXML{}", objs("<I32>3</I32>"));
        let doc = clean(&text);
        assert_eq!(scalar(&doc, "0"), Scalar::Int(3));
        assert_eq!(spanned(&text, &doc, "0"), "<I32>3</I32>");
    }

    #[test]
    fn error_stream_lines_are_one_record_and_are_reported() {
        let text = format!(
            "#< CLIXML\r\n{HEAD}{}{}{}</Objs>",
            "<S S=\"Error\">Get-Thing : Access is denied. Ask _x000D__x000A_</S>",
            "<S S=\"Error\">your administrator._x000D__x000A_</S><S S=\"Error\">At line:3 char:5_x000D__x000A_</S>",
            "<S S=\"Error\">+ Get-Thing_x000D__x000A_</S><S S=\"Error\">    + CategoryInfo          : PermissionDenied: (:) [Get-Thing], UnauthorizedAccessException_x000D__x000A_</S><S S=\"Error\">    + FullyQualifiedErrorId : Denied,Get-Thing_x000D__x000A_</S>"
        );
        let p = read(&text);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(p.doc.children(Document::ROOT).len(), 1);
        let joined = scalar(&p.doc, "0/@value").to_string();
        assert!(
            joined.starts_with(
                "Get-Thing : Access is denied. Ask \r\nyour administrator.\r\nAt line:3"
            )
        );
        assert!(spanned(&text, &p.doc, "0").starts_with("<S S=\"Error\">Get-Thing"));
        assert!(spanned(&text, &p.doc, "0").ends_with("Denied,Get-Thing_x000D__x000A_</S>"));
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(
            p.errors[0].message,
            "this file holds a PowerShell error, not an export: Get-Thing : Access is denied. Ask your administrator. (Denied,Get-Thing); fix the command and collect it again"
        );
        assert!(text[p.errors[0].span.range()].starts_with("<S S=\"Error\">Get-Thing"));
    }

    #[test]
    fn error_stream_beside_data_keeps_the_data_and_other_streams() {
        let text = format!(
            "#< CLIXML\r\n{HEAD}{}{}{}{}</Objs>",
            "<Obj RefId=\"0\"><MS><S N=\"Name\">web01</S></MS></Obj>",
            "<S S=\"warning\">disk nearly full</S>",
            "<S S=\"Error\">Cannot find path 'D:\\x'._x000D__x000A_</S>",
            "<Obj S=\"information\" RefId=\"1\"><MS><S N=\"MessageData\">hi</S></MS></Obj>"
        );
        let p = read(&text);
        let doc = &p.doc;
        assert_eq!(scalar(doc, "0/Name"), Scalar::Str("web01"));
        assert_eq!(doc.lookup(Document::ROOT, "0/@stream"), None);
        assert_eq!(scalar(doc, "1/@stream"), Scalar::Str("warning"));
        assert_eq!(scalar(doc, "1/@value"), Scalar::Str("disk nearly full"));
        assert_eq!(spanned(&text, doc, "1/@stream"), "warning");
        assert_eq!(
            scalar(doc, "2/@value"),
            Scalar::Str("Cannot find path 'D:\\x'.\r\n")
        );
        assert_eq!(scalar(doc, "3/@stream"), Scalar::Str("information"));
        assert_eq!(scalar(doc, "3/MessageData"), Scalar::Str("hi"));
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(
            p.errors[0].message,
            "this export also holds a PowerShell error, so its data may be incomplete: Cannot find path 'D:\\x'.; fix the command and collect it again"
        );
    }

    #[test]
    fn several_objs_blocks_restart_their_ref_ids() {
        let text = format!(
            "#< CLIXML\n{HEAD}<Obj RefId=\"0\"><TN RefId=\"0\"><T>A</T></TN></Obj></Objs>{HEAD}<Obj RefId=\"0\"><TN RefId=\"0\"><T>B</T></TN></Obj><Obj RefId=\"1\"><TNRef RefId=\"0\" /></Obj></Objs>"
        );
        let doc = clean(&text);
        assert_eq!(scalar(&doc, "2/@types/0"), Scalar::Str("B"));
    }

    #[test]
    fn truncated_input_is_an_error_at_the_end_and_keeps_what_was_read() {
        let text = objs("<Obj RefId=\"0\"><MS><S N=\"Name\">web01</S><S N=\"Other\">cut");
        let text = text.trim_end_matches("</Objs>");
        let p = read(text);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].span.start as usize, text.len() - 1);
        assert_eq!(scalar(&p.doc, "0/Name"), Scalar::Str("web01"));
        assert_eq!(scalar(&p.doc, "0/Other"), Scalar::Str("cut"));
        let p = read("#< CLIXML\r\n");
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("no `<Objs>`"));
    }

    #[test]
    fn malformed_xml_is_an_error_where_it_broke() {
        let text = objs("<Obj RefId=\"0\"><MS><S N=\"Name\">web01</I32></MS></Obj>");
        let p = read(&text);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let at_err = p.errors[0].span.start as usize;
        assert!(
            text[at_err..].starts_with("</I32>") || text[..at_err].ends_with("</I32>"),
            "{at_err}"
        );
        assert_eq!(scalar(&p.doc, "0/Name"), Scalar::Str("web01"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for open in [
            "<Obj><MS><Obj N=\"a\">",
            "<Obj><LST>",
            "<Foo>",
            "<Obj><DCT><En><S N=\"Key\">k</S><Obj N=\"Value\">",
        ] {
            let text = objs(&open.repeat(5_000));
            let p = read(&text);
            assert!(
                p.errors.iter().any(|e| e.message.contains("nested")),
                "{:?}",
                p.errors
            );
            assert!(p.doc.len() > 10);
        }
        // Just under the limit is fine, including copies of a deep object.
        let depth = MAX_DEPTH / 2 - 2;
        let deep = format!("{}{}", "<Obj RefId=\"0\"><LST>", "<Obj><LST>".repeat(depth));
        let close = "</LST></Obj>".repeat(depth + 1);
        let text = objs(&format!("{deep}{close}<Ref RefId=\"0\" />"));
        let p = read(&text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
    }

    #[test]
    fn unknown_elements_are_read_with_a_note() {
        let text = objs(concat!(
            "<Obj RefId=\"0\"><MS><Foo N=\"Odd\">text</Foo>",
            "<Bar N=\"Nested\"><S N=\"Inner\">v</S></Bar><Foo N=\"Odd2\">again</Foo></MS></Obj>"
        ));
        let p = read(&text);
        assert!(p.errors.is_empty());
        assert_eq!(scalar(&p.doc, "0/Odd"), Scalar::Str("text"));
        assert_eq!(scalar(&p.doc, "0/Nested/Inner"), Scalar::Str("v"));
        assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
        assert!(p.notes[0].message.contains("`<Foo>`"));
        assert_eq!(&text[p.notes[0].span.start as usize..][..4], "<Foo");
    }

    #[test]
    fn recognizes_clixml_and_nothing_else() {
        assert!(recognize(&objs("")));
        assert!(recognize(&format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n{}",
            objs("")
        )));
        assert!(recognize(
            "<Objs xmlns='http://schemas.microsoft.com/powershell/2004/04' Version='1.1.0.1'/>"
        ));
        assert!(recognize(
            "<Objs\n  xmlns = \"http://schemas.microsoft.com/powershell/2004/04\">"
        ));
        assert!(recognize("  #< CLIXML\r\n<Objs>"));
        assert!(!recognize("<?xml version=\"1.0\"?><root><a/></root>"));
        assert!(!recognize(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<configuration>\n  <properties/>\n</configuration>"
        ));
        assert!(!recognize(
            "<Objs Version=\"1.1.0.1\"><Obj RefId=\"0\"/></Objs>"
        ));
        assert!(!recognize(
            "<Objs xmlns:ps=\"http://schemas.microsoft.com/powershell/2004/04\">"
        ));
        assert!(!recognize(
            "<ObjsX xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
        ));
        assert!(!recognize("# CLIXML\n"));
        assert!(!recognize("{\"Objs\": 1}"));
        assert!(!recognize(""));
    }

    #[test]
    fn odd_constructs_never_panic() {
        for text in [
            "",
            "#< CLIXML",
            "<Objs",
            "<Objs xmlns=\"x\"><Ref/><TNRef/><Obj><TNRef RefId=\"9\"/></Obj></Objs>",
            "<Objs><En/><DCT><En/></DCT><Obj><DCT><En><S>k</S></En><Foo/></DCT></Obj></Objs>",
            "<Objs><PR><T><S/></T><AV>x</AV></PR><S N=\"a\"><S/></S><C>99999999</C></Objs>",
            "<Objs><S>&bogus;&#0;&#xD800;</S><U64>-1</U64><Db>1e999</Db></Objs></Objs>",
            "garbage<Objs><S>_x</S><S>_x00</S><S>_x0041</S><S>__x0041__</S></Objs>trailing\0\0",
            "<Objs><Obj RefId=\"0\"><DCT><En><Ref N=\"Key\" RefId=\"0\"/><S N=\"Value\">v</S></En></DCT></Obj></Objs>",
        ] {
            let _ = read(text);
        }
    }

    /// The public samples in `../shared/realworld/clixml` (not part of the repository).
    #[test]
    #[allow(clippy::print_stderr)]
    fn real_world_samples_parse_cleanly_and_fast() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/realworld/clixml");
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("skipped: {dir} is missing");
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).expect("read sample");
            let (source, problems) = crate::source::SourceText::decode(&bytes);
            assert!(problems.is_empty(), "{}: {problems:?}", path.display());
            assert!(recognize(&source.text), "{} not recognized", path.display());
            let started = std::time::Instant::now();
            let p = parse(FileId(0), source.text.clone());
            let took = started.elapsed();
            eprintln!(
                "{}: {} nodes, {} errors, {} notes, {:?}",
                path.display(),
                p.doc.len(),
                p.errors.len(),
                p.notes.len(),
                took
            );
            for n in &p.notes {
                eprintln!("  note @{}: {}", n.span.start, n.message);
            }
            // A stream that carries a failed command's error is reported, and only that.
            assert!(
                p.errors
                    .iter()
                    .all(|e| e.message.contains("holds a PowerShell error")),
                "{}: {:?}",
                path.display(),
                p.errors
            );
            assert!(p.doc.len() > 10);
            assert!(took.as_secs_f64() < 3.0, "{}: {took:?}", path.display());
        }
    }
}
