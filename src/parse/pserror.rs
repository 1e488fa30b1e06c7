//! PowerShell error records as the console renders them: what a file holds when the command
//! meant to export data failed and `2>&1 > file`, `*> file` or a transcript wrote its error
//! instead. Also the reading of the error strings of a `#< CLIXML` stream (see
//! [`stream_errors`]), which are the same rendering cut into lines.
//!
//! Windows PowerShell 5.1 (`$ErrorView = 'NormalView'`) writes each record as:
//!
//! ```text
//! Get-WindowsFeature : The term 'Get-WindowsFeature' is not recognized as the name of ...
//! At line:1 char:1
//! + Get-WindowsFeature | Where-Object ...
//! + ~~~~~~~~~~~~~~~~~~
//!     + CategoryInfo          : ObjectNotFound: (Get-WindowsFeature:String) [], CommandNotFoundException
//!     + FullyQualifiedErrorId : CommandNotFoundException
//! ```
//!
//! The message and the position line (`At line:1 char:1`, `In Zeile:1 Zeichen:1`) are
//! localized; the `+ CategoryInfo` and `+ FullyQualifiedErrorId` labels and their values are
//! not, so only those recognize the layout. The message may be wrapped over several lines;
//! they are joined with single spaces.
//!
//! PowerShell 7's concise view (`Get-WindowsFeature: The term ...`) is not recognized: without
//! the labels, telling it from ordinary text would mean matching English messages.
//!
//! The document is an array of error objects `{ message, position, category, error_id }`, each
//! member present when the record has it, with spans. Every record is also an input error:
//! the file is not the export it was meant to be.

use std::sync::Arc;

use super::lines::{is_prompt, raw};
use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, Document, NodeIdx, NodeKind, Scalar, Value};
use crate::source::{FileId, Span};

pub const FORMAT: Format = Format {
    name: "powershell-error",
    produced_by: "a failed PowerShell command whose error was written instead of its output",
    recognize,
    parse,
};

const CATEGORY_INFO: &str = "CategoryInfo";
const ERROR_ID: &str = "FullyQualifiedErrorId";
/// The labels of the lines under a record; `PSComputerName` follows an error from a remote
/// session.
const LABELS: [&str; 3] = [CATEGORY_INFO, ERROR_ID, "PSComputerName"];
/// A message block longer than this is not an error message (the recognizer's guess only).
const MAX_MESSAGE_LINES: usize = 30;
/// Input errors written per file; the rest are counted in one more.
const MAX_REPORTED: usize = 10;
/// Characters of a message quoted in an input error.
const QUOTED_CHARS: usize = 160;
/// Characters of a message kept in the `collection.errors` fact.
pub(crate) const FACT_CHARS: usize = 500;

/// What a line of a rendered error record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind<'a> {
    Blank,
    /// `+ CategoryInfo : value`: the label and the byte range of the trimmed value in the line.
    Label(&'a str, usize, usize),
    /// Another `+` line: the source line of the position and its `~~~~` underline.
    Source,
    Plain,
}

fn classify(line: &str) -> Kind<'_> {
    let body = line.trim_start();
    if body.trim_end().is_empty() {
        return Kind::Blank;
    }
    let Some(after_plus) = body.strip_prefix('+') else {
        return Kind::Plain;
    };
    let rest = after_plus.trim_start();
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (name, tail) = rest.split_at(name_len);
    let label = LABELS.iter().find(|l| **l == name);
    match (label, tail.trim_start().strip_prefix(':')) {
        (Some(label), Some(value)) if tail.starts_with([' ', '\t', ':']) => {
            let trimmed = value.trim();
            let start = line.len() - value.len() + (value.len() - value.trim_start().len());
            Kind::Label(label, start, start + trimmed.len())
        }
        _ => Kind::Source,
    }
}

/// `ObjectNotFound: (x:String) [], CommandNotFoundException` → the length of `ObjectNotFound`,
/// the `ErrorCategory` name, when the value has that shape.
fn category_len(value: &str) -> Option<usize> {
    let colon = value.find(':')?;
    let name = value.get(..colon)?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic())).then_some(colon)
}

/// A `+ CategoryInfo` or `+ FullyQualifiedErrorId` line whose value has the shape PowerShell
/// writes: a category name and its colon; an identifier (`HRESULT 0x80041003,...` is the
/// longest kind: two words).
fn is_record_label(line: &str) -> bool {
    match classify(line) {
        Kind::Label(CATEGORY_INFO, s, e) => line.get(s..e).and_then(category_len).is_some(),
        Kind::Label(ERROR_ID, s, e) => line
            .get(s..e)
            .is_some_and(|v| (1..=2).contains(&v.split_whitespace().count())),
        _ => false,
    }
}

/// Lines that frame errors without being part of them: a transcript's header and footer
/// (between lines of `*`), `Transcript started, ...` and pasted prompts.
struct Framing {
    in_transcript_header: bool,
}

impl Framing {
    fn skips(&mut self, line: &str) -> bool {
        let body = line.trim();
        if body.len() >= 10 && body.bytes().all(|b| b == b'*') {
            self.in_transcript_header = !self.in_transcript_header;
            return true;
        }
        self.in_transcript_header
            || body.starts_with("Transcript started")
            || body.starts_with("PS>")
            || is_prompt(body)
    }
}

/// The first line of the text decides which files are never error output: CSV (a quoted
/// header or `#TYPE`) may quote an error in a cell.
fn first_line_excludes(line: &str) -> bool {
    let body = line.trim_start_matches(['\u{FEFF}', ' ', '\t']);
    body.starts_with('"') || body.starts_with("#TYPE")
}

/// A record's labels within the head, in its first block of lines: the message lines (at most
/// [`MAX_MESSAGE_LINES`]), then `+` lines down to a `+ CategoryInfo` or `+ FullyQualifiedErrorId`
/// line. Only a transcript header and prompts may come before it.
fn recognize(text: &str) -> bool {
    let mut framing = Framing {
        in_transcript_header: false,
    };
    let mut plain = 0;
    let mut seen_plus = false;
    let mut first = true;
    for (_, line) in raw(text) {
        if first && !line.trim().is_empty() {
            if first_line_excludes(line) {
                return false;
            }
            first = false;
        }
        if plain == 0 && !seen_plus && framing.skips(line) {
            continue;
        }
        match classify(line) {
            Kind::Blank if plain == 0 && !seen_plus => {}
            // The message is one block of lines: a blank line before the labels is not an error.
            Kind::Blank => return false,
            Kind::Plain if seen_plus => return false,
            Kind::Plain => {
                plain += 1;
                if plain > MAX_MESSAGE_LINES {
                    return false;
                }
            }
            Kind::Source => seen_plus = true,
            Kind::Label(..) => return is_record_label(line),
        }
    }
    false
}

/// One rendered error record: byte ranges into the text it was read from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Record {
    /// The message lines, each trimmed, joined with single spaces.
    pub message: String,
    /// From the first message line to the last (empty when the record has no message).
    pub message_range: (usize, usize),
    /// The first message line: where an input error points.
    pub first_line: (usize, usize),
    pub position: Option<(usize, usize)>,
    /// The `ErrorCategory` name in `+ CategoryInfo`.
    pub category: Option<(usize, usize)>,
    pub error_id: Option<(usize, usize)>,
    pub range: (usize, usize),
}

/// The records of a text, and where text that belongs to none starts.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub records: Vec<Record>,
    pub stray: Option<usize>,
}

#[derive(Clone, Copy)]
struct Ln<'a> {
    start: usize,
    text: &'a str,
}

impl Ln<'_> {
    fn trimmed(&self) -> (usize, usize) {
        let lead = self.text.len() - self.text.trim_start().len();
        let start = self.start + lead;
        (start, start + self.text.trim().len())
    }
}

/// Reads every record of the text. A record is a block of message lines, the position and
/// source lines, and its labelled lines; text outside records is only located.
pub(crate) fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut framing = Framing {
        in_transcript_header: false,
    };
    // Plain lines since the last blank line or record: the next record's message.
    let mut plain: Vec<Ln> = Vec::new();
    let mut cur: Option<Record> = None;
    for (at, line) in raw(text) {
        let line_text = if at == 0 {
            line.trim_start_matches('\u{FEFF}')
        } else {
            line
        };
        let at = at + (line.len() - line_text.len());
        let ln = Ln {
            start: at,
            text: line_text,
        };
        let end = ln.trimmed().1;
        let closed = cur
            .as_ref()
            .is_some_and(|r| r.category.is_some() || r.error_id.is_some());
        // A transcript's footer after the last record is framing too.
        if (cur.is_none() || closed) && plain.is_empty() && framing.skips(line_text) {
            continue;
        }
        match classify(line_text) {
            Kind::Blank => {
                if cur.is_none() && !plain.is_empty() {
                    out.stray.get_or_insert(plain[0].start);
                    plain.clear();
                }
            }
            Kind::Plain => match cur.as_mut() {
                Some(r) if !closed => r.range.1 = end,
                _ => {
                    if let Some(r) = cur.take() {
                        out.records.push(r);
                    }
                    plain.push(ln);
                }
            },
            Kind::Source => {
                if closed && let Some(r) = cur.take() {
                    out.records.push(r);
                }
                let r = cur.get_or_insert_with(|| start_record(&mut plain, ln, true));
                r.range.1 = end;
            }
            Kind::Label(label, s, e) => {
                let restarts = match cur.as_ref() {
                    None => true,
                    Some(r) => match label {
                        CATEGORY_INFO => r.category.is_some() || r.error_id.is_some(),
                        ERROR_ID => r.error_id.is_some(),
                        _ => false,
                    },
                };
                if restarts {
                    if let Some(r) = cur.take() {
                        out.records.push(r);
                    }
                    cur = Some(start_record(&mut plain, ln, false));
                }
                if let Some(r) = cur.as_mut() {
                    let value = (at + s, at + e);
                    match label {
                        CATEGORY_INFO => {
                            r.category = line_text
                                .get(s..e)
                                .and_then(category_len)
                                .map(|n| (value.0, value.0 + n));
                        }
                        ERROR_ID if s < e => r.error_id = Some(value),
                        _ => {}
                    }
                    r.range.1 = end;
                }
            }
        }
    }
    if let Some(r) = cur.take() {
        out.records.push(r);
    }
    if let Some(first) = plain.first() {
        out.stray.get_or_insert(first.start);
    }
    out
}

/// A record starting at `ln` (a `+` line) with the plain lines before it as its message; with
/// source lines, the last of two or more plain lines is the position.
fn start_record(plain: &mut Vec<Ln>, ln: Ln, source: bool) -> Record {
    let mut lines = std::mem::take(plain);
    let position = if source && lines.len() >= 2 {
        lines.pop().map(|l| l.trimmed())
    } else {
        None
    };
    let start = lines.first().map_or(ln.trimmed().0, |l| l.trimmed().0);
    let mut message = String::new();
    for l in &lines {
        let t = l.text.trim();
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(t);
    }
    let first_line = lines.first().map_or((start, start), Ln::trimmed);
    let message_range = match (lines.first(), lines.last()) {
        (Some(a), Some(b)) => (a.trimmed().0, b.trimmed().1),
        _ => (start, start),
    };
    Record {
        message,
        message_range,
        first_line,
        position,
        category: None,
        error_id: None,
        range: (start, ln.trimmed().1),
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or("").trim_end()),
        None => text.to_owned(),
    }
}

/// The input error for one error found in a file: what it says, and that the export must be
/// collected again. `with_data`: the file holds data beside the error (a CLIXML stream).
pub(crate) fn input_error_message(
    message: &str,
    error_id: Option<&str>,
    category: Option<&str>,
    with_data: bool,
) -> String {
    let what = if with_data {
        "this export also holds a PowerShell error, so its data may be incomplete"
    } else {
        "this file holds a PowerShell error, not an export"
    };
    let quoted = if message.is_empty() {
        "(no message)".to_owned()
    } else {
        shorten(message, QUOTED_CHARS)
    };
    let id = match (error_id, category) {
        (Some(id), _) | (None, Some(id)) => format!(" ({id})"),
        (None, None) => String::new(),
    };
    format!("{what}: {quoted}{id}; fix the command and collect it again")
}

/// At most the first line of `start..end` of `text`, and at most 200 bytes of it: where an
/// input error points, so a huge message is not quoted whole under the finding.
pub(crate) fn head_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let piece = text.get(start..end).unwrap_or("");
    let mut len = piece.find(['\r', '\n']).unwrap_or(piece.len()).min(200);
    while len > 0 && !piece.is_char_boundary(len) {
        len -= 1;
    }
    (start, start + len.max(1))
}

/// An error found in a file, to be reported: what it says, and where.
struct Found {
    message: String,
    error_id: Option<String>,
    category: Option<String>,
    at: (usize, usize),
}

/// Input errors for the records of a file, [`MAX_REPORTED`] of them and one counting the rest.
fn report(
    file: FileId,
    text: &str,
    records: &[Found],
    with_data: bool,
    errors: &mut Vec<InputError>,
) {
    for (i, f) in records.iter().enumerate() {
        let (s, e) = head_span(text, f.at.0, f.at.1);
        if i == MAX_REPORTED {
            errors.push(InputError {
                span: Span::new(file, s, e),
                message: format!(
                    "{} more PowerShell errors in this file; fix the command and collect it again",
                    records.len() - MAX_REPORTED
                ),
            });
            break;
        }
        errors.push(InputError {
            span: Span::new(file, s, e),
            message: input_error_message(
                &f.message,
                f.error_id.as_deref(),
                f.category.as_deref(),
                with_data,
            ),
        });
    }
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let src: &str = &text;
    let scan = scan(src);
    let mut b = Builder::new(
        Some(file),
        DocKind::PowerShellError,
        text.clone(),
        NodeKind::Array,
    );
    let slice = |(s, e): (usize, usize)| Value::Slice(s as u32, e as u32);
    let mut found = Vec::new();
    for r in &scan.records {
        b.open(NodeKind::Object, None, r.range.0);
        let (ms, me) = r.message_range;
        let message = if src.get(ms..me) == Some(r.message.as_str()) {
            slice(r.message_range)
        } else {
            Value::Owned(r.message.as_str().into())
        };
        b.leaf(Some("message"), message, ms, me);
        if let Some(p) = r.position {
            b.leaf(Some("position"), slice(p), p.0, p.1);
        }
        if let Some(c) = r.category {
            b.leaf(Some("category"), slice(c), c.0, c.1);
        }
        if let Some(id) = r.error_id {
            b.leaf(Some("error_id"), slice(id), id.0, id.1);
        }
        b.close(r.range.1);
        let part = |range: Option<(usize, usize)>| {
            range.and_then(|(s, e)| src.get(s..e)).map(str::to_owned)
        };
        let at = if r.message.is_empty() {
            r.range
        } else {
            r.first_line
        };
        found.push(Found {
            message: r.message.clone(),
            error_id: part(r.error_id),
            category: part(r.category),
            at,
        });
    }
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    if found.is_empty() {
        errors.push(InputError::at(
            file,
            0,
            "no PowerShell error record found (no `+ CategoryInfo` or `+ FullyQualifiedErrorId` line)",
        ));
    }
    report(file, src, &found, false, &mut errors);
    if let Some(at) = scan.stray {
        notes.push(InputError::at(
            file,
            at,
            "text outside the PowerShell error records (command output?) was not read",
        ));
    }
    Parsed::new(b.finish(), errors, notes)
}

/// An error read from the error stream of a CLIXML document (an object with `@stream`
/// `Error`): its message, id and category, and the node they were read from. Offered outside
/// this module as [`super::PowerShellError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamError {
    pub node: NodeIdx,
    pub message: String,
    pub error_id: Option<String>,
    pub category: Option<String>,
}

/// Whether a top-level CLIXML value belongs to a stream (`@stream`), and which.
pub(crate) fn stream_of(doc: &Document, node: NodeIdx) -> Option<&str> {
    let s = doc.child(node, "@stream")?;
    match doc.scalar(s) {
        Scalar::Str(name) => Some(name),
        _ => None,
    }
}

/// The errors of a CLIXML document's error stream: each `@value` string (consecutive error
/// strings already joined by the reader) read as rendered records, and each `<Obj S="Error">`
/// (a serialized `ErrorRecord`) by its `ToString` and `FullyQualifiedErrorId`.
pub(crate) fn stream_errors(doc: &Document) -> Vec<StreamError> {
    let mut out = Vec::new();
    for &node in doc.children(Document::ROOT) {
        if !stream_of(doc, node).is_some_and(|s| s.eq_ignore_ascii_case("error")) {
            continue;
        }
        let str_child = |name: &str| {
            doc.child(node, name).and_then(|n| match doc.scalar(n) {
                Scalar::Str(s) => Some(s),
                _ => None,
            })
        };
        if let Some(text) = str_child("@value") {
            let scan = scan(text);
            let part =
                |r: Option<(usize, usize)>| r.and_then(|(s, e)| text.get(s..e)).map(str::to_owned);
            let mut any = false;
            for r in &scan.records {
                any = true;
                out.push(StreamError {
                    node,
                    message: r.message.clone(),
                    error_id: part(r.error_id),
                    category: part(r.category),
                });
            }
            // An error line without the record layout (`$host.UI.WriteErrorLine`) is still an
            // error: its text is the message.
            if !any && !text.trim().is_empty() {
                let message: Vec<&str> = text.split(['\r', '\n']).map(str::trim).collect();
                let message: Vec<&str> = message.into_iter().filter(|l| !l.is_empty()).collect();
                out.push(StreamError {
                    node,
                    message: message.join(" "),
                    error_id: None,
                    category: None,
                });
            }
        } else {
            let message = str_child("@string")
                .or_else(|| str_child("Message"))
                .unwrap_or("")
                .trim()
                .to_owned();
            out.push(StreamError {
                node,
                message,
                error_id: str_child("FullyQualifiedErrorId").map(str::to_owned),
                category: None,
            });
        }
    }
    out
}

/// Input errors for the error stream of a CLIXML document read from `text`.
pub(crate) fn stream_input_errors(file: FileId, text: &str, doc: &Document) -> Vec<InputError> {
    let errors = stream_errors(doc);
    if errors.is_empty() {
        return Vec::new();
    }
    let with_data = doc
        .children(Document::ROOT)
        .iter()
        .any(|&n| stream_of(doc, n).is_none());
    let found: Vec<_> = errors
        .into_iter()
        .map(|e| {
            let span = doc
                .span(e.node)
                .map_or((0, 1), |s| (s.range().start, s.range().end));
            Found {
                message: e.message,
                error_id: e.error_id,
                category: e.category,
                at: span,
            }
        })
        .collect();
    let mut out = Vec::new();
    report(file, text, &found, with_data, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::test_support::{get, realworld, spanned};

    fn read(text: &str) -> Parsed {
        parse(FileId(0), Arc::from(text))
    }

    fn format_of(text: &str) -> Option<&'static str> {
        crate::parse::recognize(text).map(|f| f.name)
    }

    const TWO: &str = concat!(
        "Get-Service : Cannot find any service with service name 'vmmagent'.\r\n",
        "At line:1 char:1\r\n",
        "+ Get-Service vmmagent | ConvertTo-Json > services.json\r\n",
        "+ ~~~~~~~~~~~~~~~~~~~~\r\n",
        "    + CategoryInfo          : ObjectNotFound: (vmmagent:String) [Get-Service], ServiceCommandException\r\n",
        "    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand\r\n",
        " \r\n",
        "Get-CimInstance : Access denied. The account running the command needs the\r\n",
        "right to read root\\cimv2 on SRV02.\r\n",
        "At C:\\collect\\inventory.ps1:12 char:5\r\n",
        "+     Get-CimInstance Win32_Service -ComputerName SRV02\r\n",
        "+     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n",
        "    + CategoryInfo          : PermissionDenied: (root\\cimv2:Win32_Service:String) [Get-CimInstance], CimException\r\n",
        "    + FullyQualifiedErrorId : HRESULT 0x80041003,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand\r\n",
        "    + PSComputerName        : SRV02\r\n",
        " \r\n",
    );

    #[test]
    fn windows_powershell_layout_with_two_errors() {
        assert_eq!(format_of(TWO), Some("powershell-error"));
        let p = read(TWO);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        let doc = &p.doc;
        assert_eq!(doc.children(Document::ROOT).len(), 2);
        assert_eq!(
            spanned(TWO, doc, "0/message"),
            "Get-Service : Cannot find any service with service name 'vmmagent'."
        );
        assert_eq!(spanned(TWO, doc, "0/position"), "At line:1 char:1");
        assert_eq!(get(doc, "0/category"), Some(Scalar::Str("ObjectNotFound")));
        assert_eq!(spanned(TWO, doc, "0/category"), "ObjectNotFound");
        assert_eq!(
            spanned(TWO, doc, "0/error_id"),
            "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand"
        );
        // A wrapped message is joined; its span covers every line of it.
        assert_eq!(
            get(doc, "1/message"),
            Some(Scalar::Str(
                "Get-CimInstance : Access denied. The account running the command needs the right to read root\\cimv2 on SRV02."
            ))
        );
        assert!(spanned(TWO, doc, "1/message").ends_with("on SRV02."));
        assert_eq!(
            spanned(TWO, doc, "1/position"),
            "At C:\\collect\\inventory.ps1:12 char:5"
        );
        assert_eq!(
            get(doc, "1/category"),
            Some(Scalar::Str("PermissionDenied"))
        );
        assert!(spanned(TWO, doc, "1/error_id").starts_with("HRESULT 0x80041003,"));
        // The remote computer's line belongs to the record.
        assert!(spanned(TWO, doc, "1").ends_with("SRV02"));
        let path = doc.lookup(Document::ROOT, "1/error_id").expect("id");
        assert_eq!(doc.path(path), "[1].error_id");

        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert_eq!(
            p.errors[0].message,
            "this file holds a PowerShell error, not an export: Get-Service : Cannot find any service with service name 'vmmagent'. (NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand); fix the command and collect it again"
        );
        // The error points at the first line of the message.
        assert_eq!(
            &TWO[p.errors[1].span.range()],
            "Get-CimInstance : Access denied. The account running the command needs the"
        );
    }

    #[test]
    fn a_localized_position_line_is_kept_as_written() {
        let text = concat!(
            "Get-WindowsFeature : Die Benennung \"Get-WindowsFeature\" wurde nicht als Name eines Cmdlet, einer Funktion,\n",
            "einer Skriptdatei oder eines ausführbaren Programms erkannt.\n",
            "In Zeile:1 Zeichen:1\n",
            "+ Get-WindowsFeature | ConvertTo-Json\n",
            "+ ~~~~~~~~~~~~~~~~~~\n",
            "    + CategoryInfo          : ObjectNotFound: (Get-WindowsFeature:String) [], CommandNotFoundException\n",
            "    + FullyQualifiedErrorId : CommandNotFoundException\n",
        );
        assert_eq!(format_of(text), Some("powershell-error"));
        let p = read(text);
        assert_eq!(spanned(text, &p.doc, "0/position"), "In Zeile:1 Zeichen:1");
        assert!(
            get(&p.doc, "0/message")
                .is_some_and(|m| m.to_string().ends_with("ausführbaren Programms erkannt."))
        );
        assert_eq!(
            get(&p.doc, "0/error_id"),
            Some(Scalar::Str("CommandNotFoundException"))
        );
        assert_eq!(p.errors.len(), 1);
    }

    #[test]
    fn utf16_output_of_windows_powershell_is_read() {
        // `> file` in Windows PowerShell 5.1 writes UTF-16LE with a BOM.
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(TWO.encode_utf16().flat_map(u16::to_le_bytes));
        let (source, problems) = crate::source::SourceText::decode(&bytes);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(format_of(&source.text), Some("powershell-error"));
        let p = parse(FileId(0), source.text.clone());
        assert_eq!(p.doc.children(Document::ROOT).len(), 2);
        assert_eq!(
            spanned(&source.text, &p.doc, "0/position"),
            "At line:1 char:1"
        );
    }

    #[test]
    fn a_truncated_error_keeps_what_was_written() {
        let text = concat!(
            "Get-VM : You do not have the required permission to complete this task.\r\n",
            "At line:1 char:1\r\n",
            "+ Get-VM\r\n",
            "+ ~~~~~~\r\n",
            "    + CategoryInfo          : PermissionDenied: (:) [Get-VM], Virtualizat",
        );
        assert_eq!(format_of(text), Some("powershell-error"));
        let p = read(text);
        assert_eq!(
            get(&p.doc, "0/category"),
            Some(Scalar::Str("PermissionDenied"))
        );
        assert_eq!(get(&p.doc, "0/error_id"), None);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(p.errors[0].message.contains("task. (PermissionDenied)"));
        // Cut before the labels: not recognized, not an error file.
        let cut = &text[..text.find("    + Cat").expect("labels")];
        assert_eq!(format_of(cut), None);
    }

    #[test]
    fn prose_and_tables_that_mention_the_labels_are_not_errors() {
        for text in [
            // Prose about error records.
            "Troubleshooting\n\nWhen a command fails, read the CategoryInfo and FullyQualifiedErrorId\nof the error record.\n+ CategoryInfo tells the category.\n",
            "Notes on CategoryInfo:\n+ CategoryInfo: see the docs\n",
            // A list whose items start with `+`.
            "Changes\n+ CategoryInfo : now shown\n",
            // Paragraphs: a blank line between the text and the labels.
            "Get-Thing failed yesterday.\n\n+ CategoryInfo          : ObjectNotFound: (x:String) [], X\n",
            // A CSV whose cell quotes an error.
            "\"Name\",\"Error\"\r\n\"SRV01\",\"Get-Thing : boom\r\n+ CategoryInfo          : NotSpecified: (:) [], X\r\n+ FullyQualifiedErrorId : X\"\r\n",
            "#TYPE System.Management.Automation.PSCustomObject\r\nGet-Thing : boom\r\n+ FullyQualifiedErrorId : X\r\n",
            "",
            "+",
            "+ CategoryInfo",
        ] {
            assert!(!recognize(text), "{text:?}");
            assert_ne!(format_of(text), Some("powershell-error"), "{text:?}");
        }
        // Without a message the labels alone still are an error record.
        assert!(recognize(
            "    + CategoryInfo          : NotSpecified: (:) [], RuntimeException\n"
        ));
    }

    #[test]
    fn a_transcript_around_the_error_is_framing() {
        let text = concat!(
            "**********************\r\n",
            "Windows PowerShell transcript start\r\n",
            "Start time: 20261122093000\r\n",
            "**********************\r\n",
            "Transcript started, output file is C:\\t.txt\r\n",
            "PS C:\\collect> Get-WindowsFeature | ConvertTo-Json > features.json\r\n",
            "Get-WindowsFeature : The term 'Get-WindowsFeature' is not recognized.\r\n",
            "At line:1 char:1\r\n",
            "+ Get-WindowsFeature\r\n",
            "    + CategoryInfo          : ObjectNotFound: (Get-WindowsFeature:String) [], CommandNotFoundException\r\n",
            "    + FullyQualifiedErrorId : CommandNotFoundException\r\n",
            "**********************\r\n",
            "Windows PowerShell transcript end\r\n",
            "**********************\r\n",
        );
        assert_eq!(format_of(text), Some("powershell-error"));
        let p = read(text);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(p.doc.children(Document::ROOT).len(), 1);
        assert_eq!(
            get(&p.doc, "0/message"),
            Some(Scalar::Str(
                "Get-WindowsFeature : The term 'Get-WindowsFeature' is not recognized."
            ))
        );
        // Output after the error is located, not read.
        let text = format!("{TWO}Name  Status\r\n----  ------\r\n");
        let p = read(&text);
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        assert!(text[p.notes[0].span.start as usize..].starts_with("Name  Status"));
        assert_eq!(p.errors.len(), 2);
    }

    #[test]
    fn a_huge_message_line_is_read_whole_and_quoted_short() {
        let long = "x".repeat(1_000_000);
        let text = format!(
            "Get-Thing : {long}\r\nAt line:1 char:1\r\n+ Get-Thing\r\n    + CategoryInfo          : NotSpecified: (:) [], X\r\n    + FullyQualifiedErrorId : X\r\n"
        );
        let started = std::time::Instant::now();
        let p = read(&text);
        assert!(started.elapsed().as_secs_f64() < 2.0);
        assert_eq!(
            get(&p.doc, "0/message").map(|m| m.to_string().len()),
            Some(1_000_012)
        );
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.len() < 400, "{}", p.errors[0].message);
        assert!(p.errors[0].span.range().len() <= 200);
        // Its labels are past the head recognizers see: such a file is not recognized.
        assert_eq!(format_of(&text), None);
        // Many records: ten input errors, and one counting the rest.
        let many = TWO.repeat(30);
        let p = read(&many);
        assert_eq!(p.doc.children(Document::ROOT).len(), 60);
        assert_eq!(p.errors.len(), MAX_REPORTED + 1);
        assert!(p.errors[MAX_REPORTED].message.starts_with("50 more"));
    }

    #[test]
    fn odd_inputs_never_panic() {
        for text in [
            "",
            "+",
            "+ CategoryInfo :",
            "+ FullyQualifiedErrorId :\n+ FullyQualifiedErrorId : X",
            "\u{FEFF}é\r\n+ ~\r\n+ CategoryInfo : é: (é) é\r",
            "a\rb\r+ CategoryInfo : A: x\r+ PSComputerName : é",
        ] {
            let p = read(text);
            assert!(!p.errors.is_empty(), "{text:?}");
        }
    }

    /// The two public samples of failed collections (not part of the repository).
    #[test]
    fn real_world_failed_collections() {
        if let Some(bytes) = realworld("json-ps/inspec-get-windows-feature-error-not-json.txt") {
            let (source, _) = crate::source::SourceText::decode(&bytes);
            let text = &source.text;
            assert_eq!(format_of(text), Some("powershell-error"));
            let p = parse(FileId(0), text.clone());
            assert!(p.notes.is_empty(), "{:?}", p.notes);
            assert_eq!(p.doc.children(Document::ROOT).len(), 1);
            assert!(
                spanned(text, &p.doc, "0/message").starts_with("The term 'Get-WindowsFeature'")
            );
            assert_eq!(spanned(text, &p.doc, "0/position"), "At line:1 char:1");
            assert_eq!(
                get(&p.doc, "0/category"),
                Some(Scalar::Str("ObjectNotFound"))
            );
            assert_eq!(
                get(&p.doc, "0/error_id"),
                Some(Scalar::Str("CommandNotFoundException"))
            );
            assert_eq!(p.errors.len(), 1);
        }
        if let Some(bytes) = realworld("clixml/pypsrp-stderr-clixml-with-error.xml") {
            let (source, _) = crate::source::SourceText::decode(&bytes);
            assert_eq!(format_of(&source.text), Some("clixml"));
            let p = crate::parse::clixml::parse(FileId(0), source.text.clone());
            let errors = stream_errors(&p.doc);
            assert_eq!(errors.len(), 1, "{errors:?}");
            let e = &errors[0];
            assert!(
                e.message
                    .starts_with("fake : The term 'fake' is not recognized")
            );
            // The host cut the message at `Check `: the parts are joined with one space.
            assert!(e.message.contains("Check the spelling"), "{}", e.message);
            assert!(e.message.ends_with("try again."), "{}", e.message);
            assert_eq!(e.error_id.as_deref(), Some("CommandNotFoundException"));
            assert_eq!(e.category.as_deref(), Some("ObjectNotFound"));
            assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
            assert!(p.errors[0].message.contains("not an export"));
        }
    }
}
