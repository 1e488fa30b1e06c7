//! Parsers: decoded text in, a [`Document`] with spans plus input errors out.
//!
//! A format is one file in this folder with two functions: `recognize(text)`, which looks at
//! content only (never the file name), and `parse(file, text)`. Adding a format is writing that
//! file and adding it to [`FORMATS`]. Parsers never fail: a malformed input yields the part that
//! could be read plus [`InputError`]s at the byte where it broke, so the rest of the bundle is
//! still checked and the run is reported incomplete.

pub mod clixml;
pub mod csv;
pub mod ini;
pub mod ipconfig;
pub mod json;
pub mod reg;
pub mod sqlcmd;
pub mod systeminfo;
pub mod winrm;
pub mod wsman_table;
pub mod xml;

use std::sync::Arc;

use crate::model::Document;
use crate::source::{FileId, Span};

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
    clixml::FORMAT,
    ini::FORMAT,
    json::FORMAT,
    xml::FORMAT,
    sqlcmd::FORMAT,
    csv::FORMAT,
];

/// The format of a file, judged from its decoded text.
pub fn recognize(text: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| (f.recognize)(text))
}

/// The text after any leading whitespace and NULs (some tools pad exports with them).
pub(crate) fn trim_start(text: &str) -> &str {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\0' || c == '\u{FEFF}')
}
