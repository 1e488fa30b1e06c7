//! Parsers: decoded text in, a [`Document`] with spans plus input errors out.
//!
//! A format is one file in this folder with two functions: `recognize(text)`, which looks at
//! content only (never the file name), and `parse(file, text)`. Adding a format is writing that
//! file and adding it to [`FORMATS`]. Parsers never fail: a malformed input yields the part that
//! could be read plus [`InputError`]s at the byte where it broke, so the rest of the bundle is
//! still checked and the run is reported incomplete.
//!
//! Besides the formats, this module offers the few readings of parsed documents that other
//! layers rely on (the fact extractors in `facts/`): how registry keys are compared
//! ([`registry_key_name`]) and the PowerShell errors of a CLIXML stream
//! ([`powershell_stream_errors`], [`powershell_error_summary`]). Those are the surface; the
//! format modules' own helpers stay theirs.

pub mod clixml;
pub mod cmtrace;
pub mod csv;
pub mod ini;
pub mod ipconfig;
pub mod json;
mod lines;
mod pserror;
pub mod reg;
pub mod sqlcmd;
pub mod systeminfo;
pub mod winrm;
pub mod wsman_table;
pub mod xml;

use std::sync::Arc;

use crate::model::Document;
use crate::source::{FileId, Span};

pub use pserror::StreamError as PowerShellError;

/// An input file that could not be (fully) read, at the byte where it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub span: Span,
    pub message: String,
}

impl InputError {
    pub fn at(file: FileId, offset: usize, message: impl Into<String>) -> InputError {
        InputError {
            span: Span::new(file, offset, offset + 1),
            message: message.into(),
        }
    }
}

/// What a parser returns: what it could read, where it broke, and what it recognized but did
/// not understand.
#[derive(Debug, Default)]
pub struct Parsed {
    pub doc: Document,
    /// The file is malformed here: reported as `input-error`, the run is incomplete.
    pub errors: Vec<InputError>,
    /// The file is fine but uplint cannot read this part (a localized `ipconfig`, an unknown
    /// CLIXML type): reported as a `not-understood` warning, so it is never misread silently.
    pub notes: Vec<InputError>,
}

impl Parsed {
    /// What a parser returns, with every error and note made to point inside the document's
    /// text. Parsers point at "the byte where it broke" ([`InputError::at`]); for a file cut
    /// short that is its end, and on a multi-byte character a one-byte span ends inside it,
    /// so each span is moved onto character boundaries within the text here, once for every
    /// format, rather than at each of the many places that report. A message is also cut to
    /// [`MESSAGE_MAX`] bytes: some quote the input (a closing tag name, a line), and a
    /// hostile file must not fill a report with one message.
    pub fn new(doc: Document, mut errors: Vec<InputError>, mut notes: Vec<InputError>) -> Parsed {
        let text = doc.text().clone();
        for e in errors.iter_mut().chain(notes.iter_mut()) {
            e.span = within(&text, e.span);
            if e.message.len() > MESSAGE_MAX {
                let mut cut = MESSAGE_MAX;
                while !e.message.is_char_boundary(cut) {
                    cut -= 1;
                }
                e.message.truncate(cut);
                e.message.push('…');
            }
        }
        Parsed { doc, errors, notes }
    }
}

/// The longest message of an input error or note, in bytes (before its ellipsis).
pub const MESSAGE_MAX: usize = 1024;

/// `span` moved inside `text`: its start back and its end forward to character boundaries,
/// both at most the text's length.
pub(crate) fn within(text: &str, span: Span) -> Span {
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(span.file, start, end)
}

/// One export format.
pub struct Format {
    /// Shown by `inspect` and in reports (`reg`, `json`, ...).
    pub name: &'static str,
    /// What produces such a file, for users reading `inspect`.
    pub produced_by: &'static str,
    pub recognize: fn(&str) -> bool,
    pub parse: fn(FileId, Arc<str>) -> Parsed,
}

/// Every known format, most specific first: the first whose recognizer accepts a file wins.
/// CSV comes last because almost any text has commas in it.
pub static FORMATS: &[Format] = &[
    reg::FORMAT,
    winrm::FORMAT,
    wsman_table::FORMAT,
    systeminfo::FORMAT,
    ipconfig::FORMAT,
    // Before the markup readers: `<![LOG[` looks like XML to a quick glance.
    cmtrace::FORMAT,
    clixml::FORMAT,
    ini::FORMAT,
    json::FORMAT,
    xml::FORMAT,
    // After every export format (an export never has `+ CategoryInfo` lines in its head), but
    // before the tables, which would take an error message for a header.
    pserror::FORMAT,
    sqlcmd::FORMAT,
    csv::FORMAT,
];

/// The name a registry key path is compared by: letter case ignored, the hive short
/// (`HKEY_LOCAL_MACHINE\SOFTWARE\X` and `HKLM\Software\X\` are both `hklm\software\x`).
/// The fact extractors find keys by it, so a `.reg` file written by any tool gives the same
/// facts.
pub fn registry_key_name(written: &str) -> String {
    reg::normalized_key(written)
}

/// The PowerShell errors of a CLIXML document's error stream (`<S S="Error">` strings, joined
/// as the host cut them, and `<Obj S="Error">` records), each with the node it was read from.
/// Empty for a document without an error stream. The `collection.errors` fact is read from
/// these; each is also an input error of the file.
pub fn powershell_stream_errors(doc: &Document) -> Vec<PowerShellError> {
    pserror::stream_errors(doc)
}

/// An error message as facts keep it: trimmed, and cut (with an ellipsis) to the length a
/// `collection.errors` record holds, so one runaway message does not fill a report.
pub fn powershell_error_summary(message: &str) -> String {
    pserror::shorten(message.trim(), pserror::FACT_CHARS)
}

/// How much of a file recognizers see: every recognizer decides from the first lines, and
/// each file is offered to all of them, so none may scan a whole (possibly huge) file.
const RECOGNIZER_HEAD: usize = 4096;

/// The format of a file, judged from the start of its decoded text.
pub fn recognize(text: &str) -> Option<&'static Format> {
    let head = head(text, RECOGNIZER_HEAD);
    FORMATS.iter().find(|f| (f.recognize)(head))
}

/// At most `max` bytes of `text`, ending at a line break when that keeps most of it, so
/// recognizers rarely see half a line (but a file of few very long lines is still cut).
pub(crate) fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(nl) if nl >= max / 2 => &text[..=nl],
        _ => &text[..end],
    }
}

/// The text after any leading whitespace and NULs (some tools pad exports with them).
pub(crate) fn trim_start(text: &str) -> &str {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\0' || c == '\u{FEFF}')
}

/// What the parsers' unit tests share.
#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_spans_stay_inside_the_text_on_character_boundaries() {
        let text: Arc<str> = Arc::from("ab é");
        let doc = crate::model::Builder::new(
            Some(FileId(0)),
            crate::model::DocKind::Json,
            text.clone(),
            crate::model::NodeKind::Object,
        )
        .finish();
        let long = "x".repeat(5000);
        let p = Parsed::new(
            doc,
            vec![
                InputError::at(FileId(0), text.len(), "at the end"),
                InputError::at(FileId(0), 3, "on é"),
            ],
            vec![InputError::at(FileId(0), 0, long)],
        );
        assert_eq!(p.errors[0].span.range(), 5..5);
        assert_eq!(&text[p.errors[1].span.range()], "é");
        assert!(p.notes[0].message.len() <= MESSAGE_MAX + '…'.len_utf8());
    }

    #[test]
    fn recognizers_see_whole_lines_of_the_head_only() {
        let long = format!("{{\n  \"a\": \"{}\"\n}}\n", "x".repeat(10_000));
        assert_eq!(head(&long, 4096).len(), 4096);
        let lines = "line\n".repeat(2000);
        assert!(head(&lines, 4096).ends_with('\n'));
        assert_eq!(head("short", 4096), "short");
        let no_newline = "é".repeat(3000);
        assert!(head(&no_newline, 4096).len() <= 4096);
        assert_eq!(recognize(&long).map(|f| f.name), Some("json"));
    }
}
