//! Emitting codespan diagnostics (the human check report, rule and settings errors on stderr)
//! without letting a file's control characters reach the terminal.
//!
//! codespan prints the lines a label points at straight from the file, so escaping only the
//! messages is not enough. It is given [`Shown`], a view of the [`SourceDb`] whose texts and
//! names are escaped by [`super::escape`], and diagnostics whose label ranges are moved into
//! those escaped texts: carets then stay under the value they mark, while the `file:line:col`
//! it prints still counts columns in the file as it is. Escaping the rendered output instead
//! would shift carets and could not tell codespan's own colour codes from a file's. This module
//! does not build diagnostics; [`super::human`] does.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor};

use super::escape;
use crate::source::{FileId, SourceDb};

/// The one rendering configuration.
pub fn codespan_config() -> term::Config {
    term::Config::default()
}

/// Renders `diags` one after another; `color` adds ANSI colours (only for terminals).
pub fn render(db: &SourceDb, diags: &[Diagnostic<FileId>], color: bool) -> Vec<u8> {
    let mut out = empty_like(color);
    let config = codespan_config();
    let shown = Shown::new(db, diags);
    let mut bytes = Vec::new();
    for diag in diags {
        let diag = shown.diagnostic(diag);
        if term::emit_to_write_style(&mut out, &config, &shown, &diag).is_err() {
            // The file's text is gone (dropped or unreadable): show the diagnostic without it.
            let bare = Diagnostic {
                labels: Vec::new(),
                ..diag.clone()
            };
            let _ = term::emit_to_write_style(&mut out, &config, &shown, &bare);
        }
        let mut rendered = std::mem::replace(&mut out, empty_like(color)).into_inner();
        if diag.severity == Severity::Note {
            name_info(&mut rendered);
        }
        bytes.extend(rendered);
    }
    bytes
}

fn empty_like(color: bool) -> termcolor::Buffer {
    if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    }
}

/// codespan names its lowest severity `note`; uplint's is `info`, in the JSON report, the
/// docs and `--fail-on`, so the human report says `info[ID]` too. A diagnostic starts with
/// its header, so the first `note` of its rendering is the severity's name.
fn name_info(rendered: &mut [u8]) {
    if let Some(at) = rendered.windows(5).position(|w| w == b"note[") {
        rendered[at..at + 4].copy_from_slice(b"info");
    }
}

/// One file's text with its control characters escaped, and where each escape is.
struct Escaped {
    text: String,
    line_starts: Vec<usize>,
    /// In text order: each escaped character's offset in the file's text and in `text`, the
    /// length of its escape, and how many bytes longer `text` is than the file's up to its end.
    escapes: Vec<Escape>,
}

#[derive(Clone, Copy)]
struct Escape {
    at: usize,
    shown_at: usize,
    shown_len: usize,
    grown: usize,
}

impl Escaped {
    /// `None` when the text has nothing to escape (nearly always): the file is shown as it is.
    fn of(text: &str) -> Option<Escaped> {
        if !escape::needs_escape(text) {
            return None;
        }
        let mut shown = String::with_capacity(text.len() + 16);
        let mut escapes: Vec<Escape> = Vec::new();
        escape::escape_into(text, &mut shown, |at, len, shown_len| {
            let grown_before = escapes.last().map_or(0, |e| e.grown);
            escapes.push(Escape {
                at,
                shown_at: at + grown_before,
                shown_len,
                grown: grown_before + shown_len - len,
            });
        });
        let mut escaped = Escaped {
            text: shown,
            line_starts: Vec::new(),
            escapes,
        };
        // Escaping never adds or removes a line feed, so lines start where they did, moved.
        escaped.line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .map(|i| escaped.shown_offset(i))
            .collect();
        Some(escaped)
    }

    /// Where an offset of the file's text is in the escaped text: a range that starts or ends
    /// at a control character takes in its whole escape.
    fn shown_offset(&self, at: usize) -> usize {
        let before = self.escapes.partition_point(|e| e.at < at);
        at + before.checked_sub(1).map_or(0, |i| self.escapes[i].grown)
    }

    /// The offset of the file's text that an offset of the escaped text shows; an offset inside
    /// an escape is its control character's.
    fn file_offset(&self, shown: usize) -> usize {
        let upto = self.escapes.partition_point(|e| e.shown_at <= shown);
        match upto.checked_sub(1).map(|i| self.escapes[i]) {
            None => shown,
            Some(e) if shown < e.shown_at + e.shown_len => e.at,
            Some(e) => shown - e.grown,
        }
    }
}

/// The files of a run as codespan should print them: escaped where needed.
pub struct Shown<'a> {
    db: &'a SourceDb,
    escaped: HashMap<FileId, Escaped>,
}

impl<'a> Shown<'a> {
    /// Escapes the texts `diags` point into that need it; the rest are shown from `db`.
    fn new(db: &'a SourceDb, diags: &[Diagnostic<FileId>]) -> Shown<'a> {
        let mut escaped = HashMap::new();
        for label in diags.iter().flat_map(|d| &d.labels) {
            if escaped.contains_key(&label.file_id) {
                continue;
            }
            if let Some(e) = db.text(label.file_id).and_then(|t| Escaped::of(&t.text)) {
                escaped.insert(label.file_id, e);
            }
        }
        Shown { db, escaped }
    }

    /// `diag` with its texts escaped and its labels moved into the escaped file texts.
    fn diagnostic(&self, diag: &Diagnostic<FileId>) -> Diagnostic<FileId> {
        let text = |s: &String| escape::terminal(s).into_owned();
        Diagnostic {
            severity: diag.severity,
            code: diag.code.as_ref().map(text),
            message: text(&diag.message),
            labels: diag
                .labels
                .iter()
                .map(|l| Label {
                    style: l.style,
                    file_id: l.file_id,
                    range: self.range(l.file_id, l.range.clone()),
                    message: text(&l.message),
                })
                .collect(),
            notes: diag.notes.iter().map(text).collect(),
        }
    }

    fn range(&self, file: FileId, range: Range<usize>) -> Range<usize> {
        match self.escaped.get(&file) {
            Some(e) => e.shown_offset(range.start)..e.shown_offset(range.end),
            None => range,
        }
    }

    /// An offset of the shown text of `file` as an offset of the file's own text.
    fn file_offset(&self, file: FileId, shown: usize) -> usize {
        self.escaped
            .get(&file)
            .map_or(shown, |e| e.file_offset(shown))
    }
}

impl<'a> Files<'a> for Shown<'_> {
    type FileId = FileId;
    type Name = Cow<'a, str>;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<Cow<'a, str>, FilesError> {
        Ok(escape::terminal(Files::name(self.db, id)?))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        match self.escaped.get(&id) {
            Some(e) => Ok(&e.text),
            None => Files::source(self.db, id),
        }
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        self.db.line_index(id, self.file_offset(id, byte_index))
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, FilesError> {
        self.db.line_number(id, line_index)
    }

    /// Counted in the file's own text, so the column is the one an editor shows.
    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        self.db
            .column_number(id, line_index, self.file_offset(id, byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let Some(e) = self.escaped.get(&id) else {
            return self.db.line_range(id, line_index);
        };
        let start = *e
            .line_starts
            .get(line_index)
            .ok_or(FilesError::LineTooLarge {
                given: line_index,
                max: e.line_starts.len().saturating_sub(1),
            })?;
        let end = e
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(e.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::{Encoding, SourceText};

    fn render_one(text: &str, range: Range<usize>) -> String {
        let mut db = SourceDb::new();
        let id = db.add(
            "SRV\x1b]0;x\x07/a.txt",
            Some(Arc::new(SourceText::new(text, Encoding::Utf8))),
        );
        let diag = Diagnostic::warning()
            .with_code("X001")
            .with_message("value `\x1b[2J`")
            .with_labels(vec![Label::primary(id, range).with_message("at\x07")])
            .with_notes(vec!["computer: \x1b[31mSRV".into()]);
        String::from_utf8(render(&db, &[diag], false)).expect("utf-8")
    }

    #[test]
    fn carets_stay_under_the_value_after_escapes() {
        let text = "first\r\nName = \x1b]0;pwned\x07 \"VALUE\"\r\nlast\n";
        let start = text.find("\"VALUE\"").expect("value");
        let out = render_one(text, start..start + 7);
        assert!(!out.contains(['\x1b', '\x07']), "{out}");
        assert!(out.contains("Name = \\x1b]0;pwned\\x07 \"VALUE\""), "{out}");
        assert!(out.contains("SRV\\x1b]0;x\\x07/a.txt"), "{out}");
        assert!(out.contains("value `\\x1b[2J`"), "{out}");
        assert!(out.contains("at\\x07"), "{out}");
        assert!(out.contains("computer: \\x1b[31mSRV"), "{out}");
        // Line 2, column counted in the file: `Name = ` + ESC]0;pwned BEL + space = 18 chars.
        assert!(out.contains("a.txt:2:19"), "{out}");
        let lines: Vec<&str> = out.lines().collect();
        let source = lines
            .iter()
            .find(|l| l.contains("Name = "))
            .expect("source line");
        let carets = lines
            .iter()
            .find(|l| l.contains("^^^^^^^"))
            .expect("caret line");
        assert_eq!(source.find("\"VALUE\""), carets.find('^'), "{out}");
    }

    #[test]
    fn a_label_on_the_control_character_itself_marks_its_escape() {
        let text = "a\x1bb\n";
        let out = render_one(text, 1..2);
        let lines: Vec<&str> = out.lines().collect();
        let source = lines
            .iter()
            .find(|l| l.contains("a\\x1bb"))
            .expect("source");
        let carets = lines.iter().find(|l| l.contains("^^^^")).expect("carets");
        assert_eq!(source.find("\\x1b"), carets.find('^'), "{out}");
        assert!(carets.contains("^^^^ "), "{out}");
        assert!(out.contains("a.txt:1:2"), "{out}");
    }

    #[test]
    fn offsets_map_both_ways() {
        let e = Escaped::of("ab\x1bcd\u{9b}e").expect("escapes");
        assert_eq!(e.text, "ab\\x1bcd\\u{9b}e");
        assert_eq!(e.shown_offset(2), 2);
        assert_eq!(e.shown_offset(3), 6);
        assert_eq!(e.shown_offset(5), 8);
        assert_eq!(e.shown_offset(7), 14);
        assert_eq!(e.file_offset(4), 2);
        assert_eq!(e.file_offset(6), 3);
        assert_eq!(e.file_offset(14), 7);
        assert!(Escaped::of("plain\r\ntext\n").is_none());
    }
}
