//! What must hold for any bytes handed to uplint, whatever they are: the properties that the
//! stable property test (`tests/fuzz_parsers.rs`) and the cargo-fuzz targets (`fuzz/`) both
//! check, from this one file so the two never drift apart. Each function panics with a message
//! naming the broken property; libFuzzer records that as a crash, the property test catches it
//! and keeps the input.
//!
//! The properties, for decoding, recognizing and parsing as the pipeline does them:
//! - nothing panics (the caller notices);
//! - every decode problem, input error and note points inside the decoded text, on character
//!   boundaries (`start <= end <= len`), and so does every node's span;
//! - what a parse builds is proportionate to the text: nodes, errors and copied string bytes
//!   are bounded by a small multiple of its length (plus CLIXML's fixed copy budget), so no
//!   input makes memory explode;
//! - decoding, recognizing and parsing are deterministic: the same bytes give the same
//!   document, errors and notes.
//!
//! Time is the caller's to bound: libFuzzer has `-timeout`, the property test times each parse.

// Each includer uses its own subset.
#![allow(dead_code)]

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use uplint::model::{Document, Scalar};
use uplint::parse::{self, Format, InputError, Parsed};
use uplint::source::{FileId, SourceText};

/// Nodes a document may hold per byte of text. The densest shapes are one-byte values (`,` of
/// an empty CSV cell, `[` of an unclosed JSON array) that each make a node and a container
/// that opens around them.
pub const NODES_PER_BYTE: usize = 2;
/// CLIXML expands `<Ref>` and `<TNRef>` into copies of what they refer to, within a budget of
/// at least 200,000 copied elements and 16 per element (`COPY_BUDGET`, `COPIES_PER_ELEMENT`
/// in `src/parse/clixml.rs`; an element takes at least 4 bytes): so much more it may build.
pub const CLIXML_COPIES: usize = 200_000;
pub const CLIXML_COPIES_PER_BYTE: usize = 4;
/// Bytes of string values a parse may copy (escapes undone, hex decoded, names made) per byte
/// of text. Values that are slices of the text cost nothing and are not counted.
pub const COPIED_BYTES_PER_BYTE: usize = 4;
/// Any document may have a few nodes and messages whatever its size (an empty file's root).
pub const SLACK: usize = 64;
/// The longest message an input error or note may have: messages quote the input, but cut.
pub const MESSAGE_MAX: usize = parse::MESSAGE_MAX + 3;

/// The format called `name` (`reg`, `cmtrace-log`, ...); panics on an unknown name.
pub fn format_named(name: &str) -> &'static Format {
    parse::FORMATS
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no format named {name}"))
}

/// What checking one input found out, for the caller's statistics and time bound.
#[derive(Debug, Default, Clone)]
pub struct Checked {
    /// The format the pipeline would read the input as.
    pub recognized: Option<&'static str>,
    /// Decoded text length in bytes.
    pub text_len: usize,
    /// Nodes of the largest document built.
    pub nodes: usize,
    /// Input errors and notes, over every parse.
    pub errors: usize,
    /// The slowest single parse (with its fact extraction).
    pub slowest: Duration,
}

/// Decodes `bytes` as the pipeline does, recognizes and parses them with the recognized
/// format (then extracts facts), and also parses them with each of `also` whatever was
/// recognized, checking every property on the way.
pub fn check_bytes(bytes: &[u8], also: &[&'static Format]) -> Checked {
    let (text, problems) = SourceText::decode(bytes);
    let (again, problems_again) = SourceText::decode(bytes);
    assert!(
        again.text == text.text && again.encoding == text.encoding && problems == problems_again,
        "decoding the same bytes twice gave different results"
    );
    let len = text.text.len();
    for p in &problems {
        assert!(
            p.text_offset <= len && text.text.is_char_boundary(p.text_offset),
            "decode problem `{}` at {} is outside the {len}-byte text or inside a character",
            p.message,
            p.text_offset
        );
    }
    let recognized = parse::recognize(&text.text);
    assert_eq!(
        recognized.map(|f| f.name),
        parse::recognize(&text.text).map(|f| f.name),
        "recognizing the same text twice gave different formats"
    );
    let mut checked = Checked {
        recognized: recognized.map(|f| f.name),
        text_len: len,
        ..Checked::default()
    };
    if let Some(format) = recognized {
        check_parse(format, &text.text, true, &mut checked);
    }
    for format in also {
        if recognized.is_some_and(|r| r.name == format.name) {
            continue;
        }
        check_parse(format, &text.text, false, &mut checked);
    }
    checked
}

/// Parses `text` with `format` twice, checking spans, size and determinism; with `facts`, then
/// extracts facts from the document as the pipeline does.
pub fn check_parse(format: &Format, text: &Arc<str>, facts: bool, checked: &mut Checked) {
    let name = format.name;
    let started = Instant::now();
    let first = (format.parse)(FileId(0), text.clone());
    let mut took = started.elapsed();
    let len = text.len();
    check_messages(name, "input error", &first.errors, text);
    check_messages(name, "note", &first.notes, text);
    let doc = &first.doc;
    let nodes = doc.len();
    let allowed = NODES_PER_BYTE * len
        + SLACK
        + if name == "clixml" {
            CLIXML_COPIES + CLIXML_COPIES_PER_BYTE * len
        } else {
            0
        };
    assert!(
        nodes <= allowed,
        "{name}: {nodes} nodes for a {len}-byte text (more than {allowed})"
    );
    let messages = first.errors.len() + first.notes.len();
    assert!(
        messages <= len + SLACK,
        "{name}: {messages} errors and notes for a {len}-byte text"
    );
    // Strings outside the text's buffer are copies; one copy shared by many nodes counts once.
    let text_range = text.as_ptr() as usize..text.as_ptr() as usize + len;
    let mut copies = std::collections::HashSet::new();
    let mut copied_bytes = 0;
    for i in 0..nodes as u32 {
        if let Some(span) = doc.span(i) {
            let (s, e) = (span.start as usize, span.end as usize);
            assert!(
                s <= e && e <= len && text.is_char_boundary(s) && text.is_char_boundary(e),
                "{name}: node {i} ({}) has span {s}..{e}, outside the {len}-byte text or inside a character",
                doc.path(i)
            );
        }
        if let Scalar::Str(s) = doc.scalar(i) {
            let at = s.as_ptr() as usize;
            if !s.is_empty() && !text_range.contains(&at) && copies.insert(at) {
                copied_bytes += s.len();
            }
        }
    }
    assert!(
        copied_bytes <= COPIED_BYTES_PER_BYTE * len + SLACK,
        "{name}: {copied_bytes} bytes of string values copied for a {len}-byte text"
    );
    // Paths are what findings show; reading them must not panic (a sample on big documents,
    // as a path walks up to the root).
    let step = (nodes / 2000).max(1);
    for i in (0..nodes as u32).step_by(step) {
        let _ = doc.path(i);
    }
    let again = (format.parse)(FileId(0), text.clone());
    assert!(
        fingerprint(&first) == fingerprint(&again),
        "{name}: parsing the same text twice gave different documents, errors or notes"
    );
    if facts {
        let started = Instant::now();
        let doc = Arc::new(first.doc);
        let mut set = uplint::facts::FactSet::default();
        set.extract_from(&doc);
        set.finish();
        let _ = set.to_document(None);
        took += started.elapsed();
    }
    checked.nodes = checked.nodes.max(nodes);
    checked.errors += messages;
    checked.slowest = checked.slowest.max(took);
}

fn check_messages(format: &str, what: &str, errors: &[InputError], text: &str) {
    let len = text.len();
    for e in errors {
        let (s, e_end) = (e.span.start as usize, e.span.end as usize);
        assert!(
            s <= e_end && e_end <= len && text.is_char_boundary(s) && text.is_char_boundary(e_end),
            "{format}: {what} `{}` has span {s}..{e_end}, outside the {len}-byte text or inside a character",
            e.message
        );
        assert!(
            e.message.len() <= MESSAGE_MAX,
            "{format}: {what} message of {} bytes: `{}…`",
            e.message.len(),
            e.message.chars().take(200).collect::<String>()
        );
    }
}

/// A hash of everything a parse produced, to compare two parses of the same text.
fn fingerprint(p: &Parsed) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    let doc: &Document = &p.doc;
    doc.len().hash(&mut h);
    for i in 0..doc.len() as u32 {
        doc.kind(i).name().hash(&mut h);
        doc.name(i).map(|n| n.as_str()).hash(&mut h);
        doc.parent(i).hash(&mut h);
        doc.children(i).hash(&mut h);
        doc.span(i).hash(&mut h);
        match doc.scalar(i) {
            Scalar::Null => 0u8.hash(&mut h),
            Scalar::Bool(b) => b.hash(&mut h),
            Scalar::Int(n) => n.hash(&mut h),
            Scalar::Float(x) => x.to_bits().hash(&mut h),
            Scalar::Str(s) => s.hash(&mut h),
        }
    }
    for e in p.errors.iter().chain(&p.notes) {
        e.span.hash(&mut h);
        e.message.hash(&mut h);
    }
    p.errors.len().hash(&mut h);
    h.finish()
}

/// The built-in rules, loaded once, and the source files they were loaded from, to give each
/// bundle check a database of its own (so a long run does not keep every input).
pub struct Rules {
    pub set: uplint::rules::RuleSet,
    files: Vec<(String, Option<Arc<SourceText>>)>,
}

impl Rules {
    pub fn builtin() -> Rules {
        let mut db = uplint::source::SourceDb::new();
        let set = uplint::rules::RuleSet::load(uplint::rules::builtin_files(), &mut db);
        let files = (0..db.len() as u32)
            .filter_map(|i| db.get(FileId(i)))
            .map(|f| (f.name.clone(), f.text.clone()))
            .collect();
        Rules { set, files }
    }

    fn db(&self) -> uplint::source::SourceDb {
        let mut db = uplint::source::SourceDb::new();
        for (name, text) in &self.files {
            db.add(name.clone(), text.clone());
        }
        db
    }
}

/// A plan that makes the VMM rules look at the one computer of a fuzzed bundle.
const PLAN: &str =
    r#"{"upgrades": [{"product": "vmm", "target": "2016", "server": "C01"}], "sequence": ["vmm"]}"#;

/// Writes `bytes` as the one export of computer `C01` in a new temporary bundle (with a plan
/// when `with_plan`), runs the whole check with `rules` on it and renders the human and JSON
/// reports: nothing may panic, and the report must say what was read.
pub fn check_bundle(bytes: &[u8], with_plan: bool, rules: &Rules) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let computer = dir.path().join("C01");
    std::fs::create_dir(&computer).expect("mkdir");
    std::fs::write(computer.join("export.txt"), bytes).expect("write the export");
    if with_plan {
        std::fs::write(dir.path().join("plan.json"), PLAN).expect("write the plan");
    }
    let mut db = rules.db();
    let result = uplint::check::check(&[dir.path().to_path_buf()], &rules.set, &mut db);
    assert!(
        result.files.iter().any(|f| f.rel.ends_with("export.txt")),
        "the one export was not read"
    );
    let errors: Vec<_> = result
        .outcomes
        .iter()
        .filter(|o| o.outcome == uplint::finding::Outcome::Error)
        .map(|o| format!("{}: {}", o.rule, o.reason.as_deref().unwrap_or("")))
        .collect();
    assert!(errors.is_empty(), "rules failed with an error: {errors:?}");
    let input = uplint::report::ReportInput {
        result: &result,
        rules: &rules.set,
        db: &db,
        fail_on: uplint::finding::FailOn::Error,
    };
    use uplint::report::Reporter as _;
    let human = uplint::report::human::Human { color: false }.render(&input);
    assert!(!human.is_empty(), "the human report is empty");
    let json = uplint::report::json::Json.render(&input);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&json).is_ok(),
        "the JSON report does not parse"
    );
}
