//! CSV tables: `Export-Csv` / `ConvertTo-Csv` output (Windows PowerShell 5.1 with its
//! `#TYPE <name>` first line, PowerShell 7 without it), `Invoke-Sqlcmd ... | Export-Csv`
//! (`#TYPE System.Data.DataRow`), and plain CSV with a header row.
//!
//! The document root holds the type name as `@type` (when there is a `#TYPE` line) and an array
//! `rows` of objects keyed by the header, so a value reads as `rows[0].Name`. Cells stay
//! strings: a CSV cell has no type, and guessing one (`"007"`, `"1.10"`) would change values.
//! An empty unquoted cell is null (how PowerShell writes `$null` and SQL `NULL`), an empty
//! quoted cell `""` is the empty string. The column-name helper [`unique_names`] is shared with
//! the `sqlcmd` reader, which builds the same table shape.

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "csv",
    produced_by: "Export-Csv / Invoke-Sqlcmd | Export-Csv",
    recognize,
    parse,
};

const TYPE_PREFIX: &str = "#TYPE";

fn recognize(text: &str) -> bool {
    let mut reader = Reader::new(text);
    let mut rec = Record::default();
    if let Some((_, _, next)) = type_line(text, reader.pos) {
        reader.pos = next;
        // Only a header has to follow: an export of one object type with no rows still counts.
        return reader.read(&mut rec) && rec.is_clean();
    }
    // Without the type line, only the quoting PowerShell always applies to headers tells a
    // table from prose or `key,value` text, and a first row of the same width confirms it.
    if !reader.read(&mut rec) || !rec.is_clean() || !rec.fields.iter().all(|f| f.quoted) {
        return false;
    }
    let width = rec.fields.len();
    reader.read(&mut rec) && rec.junk.is_empty() && rec.fields.len() == width
}

/// The `#TYPE <name>` line at `at`: the name's byte range and where the next line starts.
fn type_line(text: &str, at: usize) -> Option<(usize, usize, usize)> {
    let rest = text.get(at..)?;
    let after = rest.strip_prefix(TYPE_PREFIX)?;
    let line_len = after.find('\n').unwrap_or(after.len());
    let line = after.get(..line_len)?;
    // `#TYPEX` is a header cell that happens to start with `#TYPE`, not a type line.
    if !(line.is_empty() || line.starts_with([' ', '\t', '\r'])) {
        return None;
    }
    let name = line.trim_start_matches([' ', '\t']);
    let name_start = at + TYPE_PREFIX.len() + (line.len() - name.len());
    let name = name.trim_end_matches([' ', '\t', '\r']);
    let next = (at + TYPE_PREFIX.len() + line_len + 1).min(text.len());
    Some((name_start, name_start + name.len(), next))
}

/// One cell as written.
#[derive(Clone, Copy, Debug)]
struct Field {
    /// First byte of the cell as written: its opening quote when quoted.
    at: usize,
    /// The content, without quotes.
    start: usize,
    end: usize,
    quoted: bool,
    /// The content holds `""` pairs that stand for one quote each.
    escaped: bool,
}

/// One record (a row, or the header): it can span lines when a quoted cell holds line breaks.
#[derive(Debug, Default)]
struct Record {
    start: usize,
    /// End of the last cell as written, before the line break.
    end: usize,
    fields: Vec<Field>,
    /// Opening quote of a cell that runs to the end of the file.
    unterminated: Option<usize>,
    /// Text after a closing quote (`"a"b`), where a separator was expected.
    junk: Vec<usize>,
}

impl Record {
    fn is_clean(&self) -> bool {
        self.unterminated.is_none() && self.junk.is_empty() && !self.fields.is_empty()
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Reader<'a> {
        Reader {
            bytes: text.as_bytes(),
            pos: text.len() - super::trim_start(text).len(),
        }
    }

    /// Skips lines holding only whitespace or NUL padding. Import-Csv skips blank lines too;
    /// the one thing lost is a null in a one-column table, which Export-Csv writes as an
    /// empty line.
    fn skip_blank_lines(&mut self) {
        while let Some(rest) = self.bytes.get(self.pos..) {
            if rest.is_empty() {
                return;
            }
            let line_len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let line = rest.get(..line_len).unwrap_or_default();
            if !line.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
                return;
            }
            self.pos = (self.pos + line_len + 1).min(self.bytes.len());
        }
    }

    /// Reads the next record into `rec`; false at the end of the input.
    fn read(&mut self, rec: &mut Record) -> bool {
        self.skip_blank_lines();
        rec.fields.clear();
        rec.junk.clear();
        rec.unterminated = None;
        rec.start = self.pos;
        rec.end = self.pos;
        if self.pos >= self.bytes.len() {
            return false;
        }
        loop {
            let at = self.pos;
            let (field, after) = if self.bytes.get(at) == Some(&b'"') {
                match self.quoted(at) {
                    Some(done) => done,
                    None => {
                        rec.unterminated = Some(at);
                        rec.end = self.bytes.len();
                        self.pos = self.bytes.len();
                        return true;
                    }
                }
            } else {
                self.unquoted(at)
            };
            // `after` is the delimiter position; with junk after a quote, it moves past it.
            rec.end = if field.quoted { after } else { field.end };
            let after = if field.quoted && !self.is_delimiter(after) {
                rec.junk.push(after);
                self.next_delimiter(after)
            } else {
                after
            };
            rec.fields.push(field);
            match self.bytes.get(after) {
                Some(b',') => self.pos = after + 1,
                Some(b'\r') if self.bytes.get(after + 1) == Some(&b'\n') => {
                    self.pos = after + 2;
                    return true;
                }
                Some(_) => {
                    // `\n`, or a lone `\r` at the end of the file.
                    self.pos = after + 1;
                    return true;
                }
                None => {
                    self.pos = self.bytes.len();
                    return true;
                }
            }
        }
    }

    /// A quoted cell opening at `at`: the cell and the position just after its closing quote,
    /// or None when no closing quote follows.
    fn quoted(&self, at: usize) -> Option<(Field, usize)> {
        let mut i = at + 1;
        let mut escaped = false;
        loop {
            let close = i + memchr::memchr(b'"', self.bytes.get(i..)?)?;
            if self.bytes.get(close + 1) == Some(&b'"') {
                escaped = true;
                i = close + 2;
                continue;
            }
            let field = Field {
                at,
                start: at + 1,
                end: close,
                quoted: true,
                escaped,
            };
            return Some((field, close + 1));
        }
    }

    /// An unquoted cell starting at `at`, up to the next comma or line break.
    fn unquoted(&self, at: usize) -> (Field, usize) {
        let stop = self.next_delimiter(at);
        let mut end = stop;
        if self.bytes.get(stop) != Some(&b',')
            && end > at
            && self.bytes.get(end - 1) == Some(&b'\r')
        {
            end -= 1;
        }
        let field = Field {
            at,
            start: at,
            end,
            quoted: false,
            escaped: false,
        };
        (field, stop)
    }

    /// The next comma or `\n` at or after `from`, or the end of the input.
    fn next_delimiter(&self, from: usize) -> usize {
        self.bytes
            .get(from..)
            .and_then(|rest| memchr::memchr2(b',', b'\n', rest))
            .map_or(self.bytes.len(), |i| from + i)
    }

    fn is_delimiter(&self, at: usize) -> bool {
        match self.bytes.get(at) {
            None | Some(b',' | b'\n') => true,
            Some(b'\r') => matches!(self.bytes.get(at + 1), None | Some(b'\n')),
            Some(_) => false,
        }
    }
}

/// Makes column names usable as keys: an empty name becomes `column<N>` (N counts from 1), and
/// a repeated name (compared without case, as PowerShell and the model's lookup do) gets `_2`,
/// `_3`... Returns, per column, the name to use and why it differs from the one written.
pub(super) fn unique_names(names: &[String]) -> Vec<(String, Option<String>)> {
    let mut seen = std::collections::HashSet::new();
    let mut next_suffix: std::collections::HashMap<String, usize> = Default::default();
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            let mut fresh = format!("column{}", i + 1);
            let mut k = 2;
            while seen.contains(&fresh.to_ascii_lowercase()) {
                fresh = format!("column{}_{k}", i + 1);
                k += 1;
            }
            seen.insert(fresh.to_ascii_lowercase());
            let why = format!("column {} has no name; it is read as `{fresh}`", i + 1);
            out.push((fresh, Some(why)));
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if seen.insert(lower.clone()) {
            out.push((name.clone(), None));
            continue;
        }
        // Every suffix below the one this name's last copy got is taken, so the search starts
        // there: a header repeating one name thousands of times (a mangled export) would
        // otherwise try every earlier suffix again for each copy, quadratic in the copies.
        let next = next_suffix.entry(lower).or_insert(2);
        let mut k = *next;
        let mut fresh = format!("{name}_{k}");
        while !seen.insert(fresh.to_ascii_lowercase()) {
            k += 1;
            fresh = format!("{name}_{k}");
        }
        *next = k + 1;
        let why = format!("duplicate column name `{name}`; this column is read as `{fresh}`");
        out.push((fresh, Some(why)));
    }
    out
}

fn cell_value(text: &str, f: &Field) -> Value {
    if !f.quoted && f.start == f.end {
        return Value::Null;
    }
    if f.escaped {
        let raw = text.get(f.start..f.end).unwrap_or_default();
        return Value::Owned(raw.replace("\"\"", "\"").into());
    }
    Value::Slice(f.start as u32, f.end as u32)
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut b = Builder::new(Some(file), DocKind::Csv, text.clone(), NodeKind::Object);
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut reader = Reader::new(&text);
    let typed = type_line(&text, reader.pos);
    if let Some((start, end, next)) = typed {
        if end > start {
            b.leaf(
                Some("@type"),
                Value::Slice(start as u32, end as u32),
                start,
                end,
            );
        }
        reader.pos = next;
    }
    let mut rec = Record::default();
    if !reader.read(&mut rec) {
        if typed.is_some() {
            errors.push(InputError::at(
                file,
                text.len(),
                "the `#TYPE` line is not followed by a header line (truncated file?)",
            ));
        }
        b.open(NodeKind::Array, Some("rows"), text.len());
        b.close(text.len());
        return Parsed::new(b.finish(), errors, notes);
    }
    push_record_errors(file, &rec, &mut errors);
    let written: Vec<String> = rec
        .fields
        .iter()
        .map(|f| match cell_value(&text, f) {
            Value::Owned(s) => s.to_string(),
            _ => text.get(f.start..f.end).unwrap_or_default().to_string(),
        })
        .collect();
    let names = unique_names(&written);
    for ((_, why), f) in names.iter().zip(&rec.fields) {
        if let Some(why) = why {
            notes.push(InputError::at(file, f.at, why.clone()));
        }
    }
    let width = names.len();

    b.open(NodeKind::Array, Some("rows"), reader.pos);
    let mut rows_end = reader.pos;
    while reader.read(&mut rec) {
        b.open(NodeKind::Object, None, rec.start);
        for (i, f) in rec.fields.iter().enumerate() {
            match names.get(i) {
                Some((name, _)) => {
                    b.leaf(Some(name), cell_value(&text, f), f.start, f.end);
                }
                None => {
                    errors.push(InputError::at(
                        file,
                        f.at,
                        format!(
                            "this row has {} fields but the header has {width}; the extra ones are not read",
                            rec.fields.len()
                        ),
                    ));
                    break;
                }
            }
        }
        b.close(rec.end);
        rows_end = rec.end;
        push_record_errors(file, &rec, &mut errors);
        if rec.unterminated.is_none() && rec.fields.len() < width {
            errors.push(InputError::at(
                file,
                rec.end,
                format!(
                    "this row has {} fields but the header has {width}; the missing ones are absent",
                    rec.fields.len()
                ),
            ));
        }
    }
    b.close(rows_end);
    Parsed::new(b.finish(), errors, notes)
}

fn push_record_errors(file: FileId, rec: &Record, errors: &mut Vec<InputError>) {
    for &at in &rec.junk {
        errors.push(InputError::at(
            file,
            at,
            "text after a closing quote: a quote inside a quoted field must be doubled (`\"\"`)",
        ));
    }
    if let Some(at) = rec.unterminated {
        errors.push(InputError::at(
            file,
            at,
            "this quoted field is never closed (truncated file?); it and the rest of the file are not read",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{get, spanned};

    fn parsed(text: &str) -> Parsed {
        assert!(recognize(text), "not recognized: {text:?}");
        parse(FileId(0), Arc::from(text))
    }

    const PS51: &str = "#TYPE System.Management.Automation.PSCustomObject\r\n\"Name\",\"StartType\",\"Status\"\r\n\"WinRM\",\"Automatic\",\"Running\"\r\n\"Spooler\",\"Manual\",\"Stopped\"\r\n";

    #[test]
    fn reads_a_windows_powershell_export_with_its_type_line() {
        let p = parsed(PS51);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.notes.is_empty());
        let doc = &p.doc;
        assert_eq!(
            get(doc, "@type"),
            Some(Scalar::Str("System.Management.Automation.PSCustomObject"))
        );
        assert_eq!(
            spanned(PS51, doc, "@type"),
            "System.Management.Automation.PSCustomObject"
        );
        let rows = doc.lookup(Document::ROOT, "rows").expect("rows");
        assert_eq!(doc.children(rows).len(), 2);
        assert_eq!(get(doc, "rows/0/Name"), Some(Scalar::Str("WinRM")));
        assert_eq!(get(doc, "rows/1/Status"), Some(Scalar::Str("Stopped")));
        assert_eq!(spanned(PS51, doc, "rows/1/StartType"), "Manual");
        let n = doc.lookup(Document::ROOT, "rows/1/Status").expect("n");
        assert_eq!(doc.path(n), "rows[1].Status");
    }

    #[test]
    fn reads_a_powershell_7_export_without_type_line() {
        let text = "\"Name\",\"Version\"\n\"SQLEXPRESS\",\"15.0.2000.5\"\n";
        let p = parsed(text);
        assert!(p.errors.is_empty());
        assert_eq!(get(&p.doc, "@type"), None);
        assert_eq!(
            get(&p.doc, "rows/0/Version"),
            Some(Scalar::Str("15.0.2000.5"))
        );
        assert_eq!(spanned(text, &p.doc, "rows/0/Version"), "15.0.2000.5");
    }

    #[test]
    fn a_quoted_line_break_stays_inside_the_cell() {
        let text = "\"Name\",\"Notes\",\"Port\"\r\n\"web01\",\"first line,\r\nsecond line\",\"443\"\r\n\"web02\",\"\",\"80\"\r\n";
        let p = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            get(&p.doc, "rows/0/Notes"),
            Some(Scalar::Str("first line,\r\nsecond line"))
        );
        assert_eq!(
            spanned(text, &p.doc, "rows/0/Notes"),
            "first line,\r\nsecond line"
        );
        assert_eq!(spanned(text, &p.doc, "rows/0/Port"), "443");
        assert_eq!(get(&p.doc, "rows/1/Name"), Some(Scalar::Str("web02")));
    }

    #[test]
    fn doubled_quotes_are_unescaped_into_an_owned_string() {
        let text = "\"Name\",\"Command\"\n\"task1\",\"run \"\"C:\\Tools\\a b.exe\"\" /q\"\n";
        let p = parsed(text);
        assert!(p.errors.is_empty());
        assert_eq!(
            get(&p.doc, "rows/0/Command"),
            Some(Scalar::Str("run \"C:\\Tools\\a b.exe\" /q"))
        );
        // The span still covers the cell as written, between its outer quotes.
        assert_eq!(
            spanned(text, &p.doc, "rows/0/Command"),
            "run \"\"C:\\Tools\\a b.exe\"\" /q"
        );
    }

    #[test]
    fn empty_unquoted_is_null_and_empty_quoted_is_empty_string() {
        let text = "#TYPE System.Data.DataRow\r\n\"name\",\"value\",\"description\"\r\n\"max degree\",,\"\"\r\n";
        let p = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            get(&p.doc, "@type"),
            Some(Scalar::Str("System.Data.DataRow"))
        );
        assert_eq!(get(&p.doc, "rows/0/value"), Some(Scalar::Null));
        assert_eq!(get(&p.doc, "rows/0/description"), Some(Scalar::Str("")));
        let n = p
            .doc
            .lookup(Document::ROOT, "rows/0/description")
            .expect("d");
        let span = p.doc.span(n).expect("span");
        assert_eq!(span.start, span.end);
        assert_eq!(&text[span.start as usize - 1..=span.start as usize], "\"\"");
    }

    #[test]
    fn plain_csv_is_read_when_chosen() {
        let text = "Name,Value\nalpha,1\nbeta,\n";
        let p = parse(FileId(0), Arc::from(text));
        assert!(p.errors.is_empty());
        assert_eq!(get(&p.doc, "rows/0/Value"), Some(Scalar::Str("1")));
        assert_eq!(get(&p.doc, "rows/1/Value"), Some(Scalar::Null));
        assert_eq!(spanned(text, &p.doc, "rows/1/Name"), "beta");
    }

    #[test]
    fn duplicate_headers_get_a_suffix_and_a_note() {
        let text = "\"Name\",\"name\",\"Name\",\"\"\n\"a\",\"b\",\"c\",\"d\"\n";
        let p = parsed(text);
        assert!(p.errors.is_empty());
        assert_eq!(p.notes.len(), 3, "{:?}", p.notes);
        assert_eq!(p.notes[0].span.start, 7);
        assert_eq!(get(&p.doc, "rows/0/Name"), Some(Scalar::Str("a")));
        assert_eq!(get(&p.doc, "rows/0/name_2"), Some(Scalar::Str("b")));
        assert_eq!(get(&p.doc, "rows/0/Name_3"), Some(Scalar::Str("c")));
        assert_eq!(get(&p.doc, "rows/0/column4"), Some(Scalar::Str("d")));
    }

    #[test]
    fn a_truncated_file_keeps_complete_rows_and_reports_the_open_quote() {
        let text = "\"Name\",\"Path\"\r\n\"a\",\"C:\\a\"\r\n\"b\",\"C:\\Program Fi";
        let p = parsed(text);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let at = p.errors[0].span.start as usize;
        assert_eq!(&text[at..], "\"C:\\Program Fi");
        assert_eq!(get(&p.doc, "rows/0/Path"), Some(Scalar::Str("C:\\a")));
        assert_eq!(get(&p.doc, "rows/1/Name"), Some(Scalar::Str("b")));
        assert_eq!(get(&p.doc, "rows/1/Path"), None);
    }

    #[test]
    fn extra_and_missing_fields_are_errors_and_reading_goes_on() {
        // The type line is what lets a file whose first row is already broken be recognized.
        let text = "#TYPE T\n\"A\",\"B\"\n\"1\",\"2\",\"3\"\n\"4\"\n\"5\",\"6\"\n";
        let p = parsed(text);
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        let extra = p.errors[0].span.start as usize;
        assert_eq!(&text[extra..extra + 3], "\"3\"");
        let missing = p.errors[1].span.start as usize;
        assert_eq!(&text[missing - 3..=missing], "\"4\"\n");
        assert_eq!(get(&p.doc, "rows/0/B"), Some(Scalar::Str("2")));
        assert_eq!(get(&p.doc, "rows/1/A"), Some(Scalar::Str("4")));
        assert_eq!(get(&p.doc, "rows/1/B"), None);
        assert_eq!(get(&p.doc, "rows/2/B"), Some(Scalar::Str("6")));
    }

    #[test]
    fn text_after_a_closing_quote_is_an_error() {
        let text = "\"A\",\"B\"\n\"x\"y,\"z\"\n";
        assert!(
            !recognize(text),
            "a broken first row is not enough to call it CSV"
        );
        let p = parse(FileId(0), Arc::from(text));
        assert_eq!(p.errors.len(), 1);
        assert_eq!(&text[p.errors[0].span.range()], "y");
        assert_eq!(get(&p.doc, "rows/0/A"), Some(Scalar::Str("x")));
        assert_eq!(get(&p.doc, "rows/0/B"), Some(Scalar::Str("z")));
    }

    #[test]
    fn a_name_repeated_thousands_of_times_is_numbered_in_linear_time() {
        // Found by fuzzing: 2,800 copies of two names in one header took 2.6 s.
        let mut names: Vec<String> = ["a", "a_3", "A", "a"].map(String::from).to_vec();
        names.extend(std::iter::repeat_n("b".to_owned(), 20_000));
        let started = std::time::Instant::now();
        let unique = unique_names(&names);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let got: Vec<&str> = unique.iter().take(6).map(|(n, _)| n.as_str()).collect();
        assert_eq!(got, ["a", "a_3", "A_2", "a_4", "b", "b_2"]);
        assert_eq!(unique[names.len() - 1].0, "b_20000");
    }

    #[test]
    fn a_type_line_without_header_is_an_error() {
        let text = "#TYPE System.Data.DataRow\r\n";
        let p = parse(FileId(0), Arc::from(text));
        assert_eq!(p.errors.len(), 1);
        assert!(!recognize(text));
    }

    #[test]
    fn a_bom_and_leading_blank_lines_are_skipped() {
        let text = "\u{FEFF}\r\n\"A\"\r\n\"1\"\r\n";
        let p = parsed(text);
        assert_eq!(get(&p.doc, "rows/0/A"), Some(Scalar::Str("1")));
    }

    #[test]
    fn other_text_is_not_csv() {
        for text in [
            "[Setup]\r\nProductVersion=15.0\r\nFeatures=SQLENGINE,FULLTEXT\r\n",
            "Config\r\n    MaxEnvelopeSizekb = 500\r\n    Client\r\n        NetworkDelayms = 5000\r\n",
            "[{\"Name\":\"a\",\"Value\":1},{\"Name\":\"b\",\"Value\":2}]",
            "Hello, this is a sentence, with commas.\nAnd another, like it.\n",
            "\"Hello\", she said, \"and goodbye\".\nThen, nothing.\n",
            "name,value\n----,-----\nalpha,1\n\n(1 rows affected)\n",
            "\"Name\",\"Value\"\n",
            "\"Name\",\"Value\"\n\"only one\"\n",
            "\"key\": \"value\",\n\"other\": 1\n",
            "",
        ] {
            assert!(!recognize(text), "recognized: {text:?}");
        }
    }

    #[test]
    fn every_prefix_parses_without_panicking() {
        let text = "#TYPE System.Data.DataRow\r\n\"Näme\",\"Wert\",\"x\"\r\n\"ä,\"\"b\"\"\r\nc\",,\"\"\r\n\"é\"x,\"1\",\"2\",\"3\"\r\n";
        for (at, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let prefix = &text[..at];
            let _ = recognize(prefix);
            let p = parse(FileId(0), Arc::from(prefix));
            for e in p.errors.iter().chain(&p.notes) {
                assert!(e.span.start as usize <= prefix.len());
            }
        }
    }
}
