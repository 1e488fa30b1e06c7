//! Source files: decoding the bytes admins hand us into text, and mapping positions back.
//!
//! Every parser works on decoded UTF-8 text and keeps byte spans into that text. This module
//! owns the decoding (UTF-8 with or without BOM, UTF-16LE/BE with BOM, UTF-16 without BOM when
//! the bytes make it obvious, and Windows-1252 for legacy files that are not valid UTF-8), the
//! line tables used to turn spans into line and column, and the mapping from a span in the
//! decoded text back to the byte offset in the original file, which machine-readable reports
//! carry. It does not know any export format.

pub mod span;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use codespan_reporting::files::{Error as FilesError, Files};

pub use span::{FileId, Location, Span};

/// The encoding a file was decoded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// Not valid UTF-8 and no BOM: read as Windows-1252, what `cmd.exe` redirection and old
    /// tools write on Western-language systems.
    Windows1252,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    fn bom_len(self) -> usize {
        match self {
            Encoding::Utf8Bom => 3,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            _ => 0,
        }
    }

    /// How many bytes of the original file one decoded character took.
    fn original_width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => c.len_utf8(),
            Encoding::Utf16Le | Encoding::Utf16Be => c.len_utf16() * 2,
            Encoding::Windows1252 => 1,
        }
    }
}

/// A problem met while decoding, at a byte offset of the original file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeProblem {
    pub original_offset: usize,
    /// Where the problem shows in the decoded text (a U+FFFD stands there).
    pub text_offset: usize,
    pub message: String,
}

/// The lines a finding points at, cut out of a file, with the finding's range inside them and
/// its location in the file.
#[derive(Clone, Debug)]
pub struct Snippet {
    pub text: Arc<SourceText>,
    pub start: usize,
    pub end: usize,
    pub location: Location,
}

/// The lines already cut out of one text for snippets, by their byte range: values read from
/// the same lines (the fields of one CSV row, one JSON record) share one copy of them.
pub type SnippetLines = std::collections::HashMap<(usize, usize), Arc<SourceText>>;

impl SourceText {
    /// At most this many lines are kept for a finding on a whole block.
    pub const SNIPPET_MAX_LINES: usize = 8;

    /// A [`Snippet`] for a byte range of this text.
    pub fn snippet_of(&self, start: usize, end: usize) -> Snippet {
        self.snippet_sharing(start, end, &mut SnippetLines::new())
    }

    /// [`SourceText::snippet_of`], taking the lines from `cut` when an earlier snippet of this
    /// text cut the same ones (and leaving them there for the next).
    pub fn snippet_sharing(&self, start: usize, end: usize, cut: &mut SnippetLines) -> Snippet {
        let location = self.location(start, end);
        let (from, to, first) = self.snippet_lines(start, end, Self::SNIPPET_MAX_LINES);
        let text = cut
            .entry((from, to))
            .or_insert_with(|| Arc::new(self.lines(from, to, first)))
            .clone();
        let (start, end) = (self.clamp(start), self.clamp(end.max(start)));
        Snippet {
            text,
            start: start - from,
            end: end.min(to) - from,
            location,
        }
    }
}

/// Bytes of decoded text between two [`Checkpoint`]s.
const CHECKPOINT: usize = 1024;

/// A position of the decoded text with what comes before it.
#[derive(Clone, Copy, Debug)]
struct Checkpoint {
    /// Byte offset in the decoded text (a character boundary).
    text: usize,
    /// Characters before it.
    chars: usize,
    /// Bytes of the original file before it, not counting a byte order mark.
    original: usize,
}

/// A decoded file (or a snippet of one): its text and what is needed to point into it.
#[derive(Debug)]
pub struct SourceText {
    pub text: Arc<str>,
    pub encoding: Encoding,
    line_starts: OnceLock<Vec<usize>>,
    /// Every [`CHECKPOINT`] bytes of text: where that is, and how many characters and bytes of
    /// the original file come before it. Built on first use, so mapping a position back (line
    /// and column, byte in a UTF-16 file) walks at most one stride, not the whole file: facts
    /// keep the lines they were read from, and a 1.4 MB UTF-16 backup history has thousands.
    checkpoints: OnceLock<Vec<Checkpoint>>,
    /// For a snippet: how many lines of the file come before it.
    first_line: usize,
    /// For a snippet: the original byte offset of its first character.
    origin: Option<usize>,
}

impl SourceText {
    /// Decodes raw bytes, reporting (not hiding) anything that could not be decoded.
    pub fn decode(bytes: &[u8]) -> (SourceText, Vec<DecodeProblem>) {
        // The common case (UTF-8 without BOM) is copied once, straight into the shared buffer.
        if !bytes.starts_with(&[0xEF, 0xBB, 0xBF])
            && !bytes.starts_with(&[0xFF, 0xFE])
            && !bytes.starts_with(&[0xFE, 0xFF])
            && !looks_like_bomless_utf16le(bytes)
            && let Ok(text) = std::str::from_utf8(bytes)
        {
            return (SourceText::new(text, Encoding::Utf8), Vec::new());
        }
        let (text, encoding, problems) = decode_bytes(bytes);
        (SourceText::new(text, encoding), problems)
    }

    pub fn new(text: impl Into<Arc<str>>, encoding: Encoding) -> SourceText {
        SourceText {
            text: text.into(),
            encoding,
            line_starts: OnceLock::new(),
            checkpoints: OnceLock::new(),
            first_line: 0,
            origin: None,
        }
    }

    /// The whole lines of this text that a byte range touches (at most `max_lines`), as a
    /// snippet that still reports the file's own line numbers and byte offsets; returns it with
    /// the range moved into it. Findings keep snippets, not whole files, to bound memory.
    pub fn snippet(
        &self,
        start: usize,
        end: usize,
        max_lines: usize,
    ) -> (SourceText, usize, usize) {
        let (from, to, first) = self.snippet_lines(start, end, max_lines);
        let (start, end) = (self.clamp(start), self.clamp(end.max(start)));
        (
            self.lines(from, to, first),
            start - from,
            end.min(to) - from,
        )
    }

    /// The byte range of the whole lines (at most `max_lines`) a byte range touches, and the
    /// index of the first.
    fn snippet_lines(&self, start: usize, end: usize, max_lines: usize) -> (usize, usize, usize) {
        let (start, end) = (self.clamp(start), self.clamp(end.max(start)));
        let first = self.line_index(start);
        let last = self.line_index(end).min(first + max_lines.max(1) - 1);
        let from = self.line_starts()[first];
        let to = self
            .line_starts()
            .get(last + 1)
            .copied()
            .unwrap_or(self.text.len());
        (from, to, first)
    }

    /// The lines `from..to` (the first being line index `first`) as a text of their own that
    /// still reports the file's line numbers and byte offsets.
    fn lines(&self, from: usize, to: usize, first: usize) -> SourceText {
        SourceText {
            text: Arc::from(&self.text[from..to]),
            encoding: self.encoding,
            line_starts: OnceLock::new(),
            checkpoints: OnceLock::new(),
            first_line: self.first_line + first,
            origin: Some(self.original_offset(from)),
        }
    }

    /// Line, column and original byte range of a byte range of this text.
    pub fn location(&self, start: usize, end: usize) -> Location {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end);
        let byte_offset = self.original_offset(start);
        Location {
            line,
            column,
            end_line,
            end_column,
            byte_offset,
            byte_length: self.original_offset(end).saturating_sub(byte_offset),
        }
    }

    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// Zero-based line index of a byte offset in the decoded text.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// One-based line and one-based character column of a byte offset in the decoded text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let line = self.line_index(offset);
        let start = self.line_starts()[line];
        let col = if offset - start <= CHECKPOINT {
            self.text[start..offset].chars().count()
        } else {
            // A long line (a compressed JSON is one): count through the checkpoints.
            self.before(offset).0 - self.before(start).0
        };
        (self.first_line + line + 1, col + 1)
    }

    fn checkpoints(&self) -> &[Checkpoint] {
        self.checkpoints.get_or_init(|| {
            let mut out = Vec::with_capacity(self.text.len() / CHECKPOINT + 1);
            let (mut chars, mut original) = (0, 0);
            let mut next = 0;
            for (at, c) in self.text.char_indices() {
                if at >= next {
                    out.push(Checkpoint {
                        text: at,
                        chars,
                        original,
                    });
                    next = (at / CHECKPOINT + 1) * CHECKPOINT;
                }
                chars += 1;
                original += self.encoding.original_width(c);
            }
            out.push(Checkpoint {
                text: self.text.len(),
                chars,
                original,
            });
            out
        })
    }

    /// Characters and original bytes (without a byte order mark) before a character boundary
    /// of the text, walking from the checkpoint before it.
    fn before(&self, offset: usize) -> (usize, usize) {
        let points = self.checkpoints();
        let i = points
            .partition_point(|p| p.text <= offset)
            .saturating_sub(1);
        let Some(p) = points.get(i) else {
            return (0, 0);
        };
        let walked = self.text.get(p.text..offset).unwrap_or_default();
        let widths: usize = walked
            .chars()
            .map(|c| self.encoding.original_width(c))
            .sum();
        (p.chars + walked.chars().count(), p.original + widths)
    }

    /// The byte offset in the original file of a byte offset in the decoded text.
    pub fn original_offset(&self, offset: usize) -> usize {
        let offset = self.clamp(offset);
        let bom = match self.origin {
            Some(origin) => origin,
            None => self.encoding.bom_len(),
        };
        match self.encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => bom + offset,
            _ => bom + self.before(offset).1,
        }
    }

    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

fn decode_bytes(bytes: &[u8]) -> (String, Encoding, Vec<DecodeProblem>) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let (text, problems) = decode_utf8_lossy(rest, 3);
        return (text, Encoding::Utf8Bom, problems);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let (text, problems) = decode_utf16(rest, 2, u16::from_le_bytes);
        return (text, Encoding::Utf16Le, problems);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let (text, problems) = decode_utf16(rest, 2, u16::from_be_bytes);
        return (text, Encoding::Utf16Be, problems);
    }
    if looks_like_bomless_utf16le(bytes) {
        let (text, problems) = decode_utf16(bytes, 0, u16::from_le_bytes);
        return (text, Encoding::Utf16Le, problems);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8, Vec::new()),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), Encoding::Windows1252, Vec::new())
        }
    }
}

/// UTF-16LE without a BOM is rare but real (some PowerShell `Set-Content -Encoding Unicode`
/// pipelines strip it); ASCII text in it has a NUL in every odd byte.
fn looks_like_bomless_utf16le(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(512)];
    if sample.len() < 4 {
        return false;
    }
    let odd_nuls = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    let even_nuls = sample.iter().step_by(2).filter(|b| **b == 0).count();
    odd_nuls * 10 >= (sample.len() / 2) * 9 && even_nuls == 0
}

fn decode_utf8_lossy(bytes: &[u8], base: usize) -> (String, Vec<DecodeProblem>) {
    let mut problems = Vec::new();
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut consumed = 0;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(err) => {
                let good = err.valid_up_to();
                // The prefix was just validated, so this cannot fail.
                text.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                let bad = err.error_len().unwrap_or(rest.len() - good);
                problems.push(DecodeProblem {
                    original_offset: base + consumed + good,
                    text_offset: text.len(),
                    message: "invalid UTF-8 byte sequence".into(),
                });
                text.push(char::REPLACEMENT_CHARACTER);
                consumed += good + bad;
                rest = &rest[good + bad..];
            }
        }
    }
    (text, problems)
}

fn decode_utf16(
    bytes: &[u8],
    base: usize,
    unit: fn([u8; 2]) -> u16,
) -> (String, Vec<DecodeProblem>) {
    let mut problems = Vec::new();
    let mut text = String::with_capacity(bytes.len() / 2);
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut offset = base;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => {
                text.push(c);
                offset += c.len_utf16() * 2;
            }
            Err(err) => {
                problems.push(DecodeProblem {
                    original_offset: offset,
                    text_offset: text.len(),
                    message: format!(
                        "unpaired UTF-16 surrogate 0x{:04X}",
                        err.unpaired_surrogate()
                    ),
                });
                text.push(char::REPLACEMENT_CHARACTER);
                offset += 2;
            }
        }
    }
    if bytes.len() % 2 == 1 {
        problems.push(DecodeProblem {
            original_offset: base + bytes.len() - 1,
            text_offset: text.len(),
            message:
                "odd number of bytes in a UTF-16 file: the last byte is cut off (truncated copy?)"
                    .into(),
        });
    }
    (text, problems)
}

/// One file known to the run: an input file of a bundle, a rule script, or a data table.
#[derive(Debug)]
pub struct SourceFile {
    /// The path shown to users: relative to the bundle for inputs, `rules/...` for rules.
    pub name: String,
    /// Kept only for files something points at; dropped otherwise to bound memory.
    pub text: Option<Arc<SourceText>>,
}

/// All files of a run, addressed by [`FileId`]; implements codespan's [`Files`].
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn new() -> SourceDb {
        SourceDb::default()
    }

    /// Registers a file name and returns its id; the text can be attached later.
    pub fn add(&mut self, name: impl Into<String>, text: Option<Arc<SourceText>>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            name: name.into(),
            text,
        });
        id
    }

    pub fn set_text(&mut self, id: FileId, text: Arc<SourceText>) {
        if let Some(file) = self.files.get_mut(id.0 as usize) {
            file.text = Some(text);
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn text(&self, id: FileId) -> Option<&Arc<SourceText>> {
        self.get(id).and_then(|f| f.text.as_ref())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Line and column (both 1-based) of a span's start, if the file's text is known.
    pub fn line_col(&self, span: Span) -> Option<(usize, usize)> {
        self.text(span.file)
            .map(|t| t.line_col(span.start as usize))
    }

    fn source(&self, id: FileId) -> Result<&Arc<SourceText>, FilesError> {
        self.text(id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for SourceDb {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.source(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.source(id)?.line_index(byte_index))
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, FilesError> {
        Ok(self.source(id)?.first_line + line_index + 1)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let source = self.source(id)?;
        let starts = source.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(source.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    #[test]
    fn decodes_utf16le_with_bom_and_maps_offsets_back() {
        let bytes = utf16le("Windows Registry\r\n\"A\"=\"é\"\r\n");
        let (src, problems) = SourceText::decode(&bytes);
        assert!(problems.is_empty());
        assert_eq!(src.encoding, Encoding::Utf16Le);
        let a = src.text.find("\"A\"").expect("value present");
        assert_eq!(src.line_col(a), (2, 1));
        // BOM (2) + "Windows Registry\r\n" (18 units * 2)
        assert_eq!(src.original_offset(a), 2 + 18 * 2);
        let after_e = src.text.find("é").expect("é") + 'é'.len_utf8();
        assert_eq!(
            src.original_offset(after_e),
            2 + 18 * 2 + "\"A\"=\"é".encode_utf16().count() * 2
        );
    }

    #[test]
    fn decodes_utf16be_and_utf8_bom() {
        let mut be = vec![0xFE, 0xFF];
        for u in "hi".encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        let (src, _) = SourceText::decode(&be);
        assert_eq!((&*src.text, src.encoding), ("hi", Encoding::Utf16Be));
        let (src, _) = SourceText::decode(b"\xEF\xBB\xBFhey");
        assert_eq!((&*src.text, src.encoding), ("hey", Encoding::Utf8Bom));
        assert_eq!(src.original_offset(1), 4);
    }

    #[test]
    fn snippets_keep_the_file_s_line_numbers_and_byte_offsets() {
        let bytes = utf16le("one\r\ntwo \"x\"\r\nthree\r\n");
        let (src, _) = SourceText::decode(&bytes);
        let at = src.text.find("\"x\"").expect("x");
        let whole = src.location(at, at + 3);
        let (snip, s, e) = src.snippet(at, at + 3, 5);
        assert_eq!(&*snip.text, "two \"x\"\r\n");
        assert_eq!(snip.location(s, e), whole);
        assert_eq!(
            (
                whole.line,
                whole.column,
                whole.byte_offset,
                whole.byte_length
            ),
            (2, 5, 2 + 9 * 2, 6)
        );
    }

    #[test]
    fn positions_map_back_through_checkpoints_on_long_lines() {
        let line = "aé😀".repeat(400);
        let bytes = utf16le(&format!("x\r\n{line}\r\n{line}"));
        let (src, _) = SourceText::decode(&bytes);
        for offset in (0..src.text.len()).filter(|o| src.text.is_char_boundary(*o)) {
            let before = &src.text[..offset];
            let units = before.encode_utf16().count();
            assert_eq!(src.original_offset(offset), 2 + units * 2);
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            let (line, col) = src.line_col(offset);
            assert_eq!(line, before.matches('\n').count() + 1);
            assert_eq!(col, before[line_start..].chars().count() + 1);
        }
        let (cp, _) = SourceText::decode(b"caf\xE9 \xE9t\xE9");
        assert_eq!(cp.original_offset(cp.text.len()), 8);
    }

    #[test]
    fn odd_utf16_byte_count_is_a_problem_at_the_last_byte() {
        let mut bytes = utf16le("ab");
        bytes.push(b'c');
        let (src, problems) = SourceText::decode(&bytes);
        assert_eq!(&*src.text, "ab");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].original_offset, 6);
    }

    #[test]
    fn invalid_utf8_with_bom_is_reported_not_hidden() {
        let (src, problems) = SourceText::decode(b"\xEF\xBB\xBFab\xFFcd");
        assert_eq!(&*src.text, "ab\u{FFFD}cd");
        assert_eq!(problems[0].original_offset, 5);
    }

    #[test]
    fn legacy_bytes_fall_back_to_windows_1252() {
        let (src, problems) = SourceText::decode(b"caf\xE9\r\nx");
        assert!(problems.is_empty());
        assert_eq!(src.encoding, Encoding::Windows1252);
        assert_eq!(&*src.text, "café\r\nx");
        let x = src.text.find('x').expect("x");
        assert_eq!(src.original_offset(x), 6);
    }

    #[test]
    fn bomless_utf16le_is_recognised() {
        let bytes: Vec<u8> = "[HKEY_LOCAL_MACHINE]"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let (src, _) = SourceText::decode(&bytes);
        assert_eq!(&*src.text, "[HKEY_LOCAL_MACHINE]");
    }
}
