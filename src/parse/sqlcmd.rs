//! Result sets as `sqlcmd -Q "..."` prints them: a header line of column names, a line of
//! dashes under it, one line per row, and (unless `SET NOCOUNT ON`) a blank line and
//! `(N rows affected)`. With `-s","` the columns are separated by that character; without it
//! they are separated by one space and padded to the widths of the dash runs; `-W` removes the
//! padding. SQL `NULL` is printed as the word `NULL`.
//!
//! The document has the shape of a CSV table: an array `rows` of objects keyed by column name
//! (an unnamed column, as `SELECT GETDATE()` gives, is `column<N>`), string cells with spans on
//! the value without its padding, `NULL` as null, and `rows_affected` when the footer is there.
//! Only the first result set is read; anything after it is reported as not understood.

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "sqlcmd",
    produced_by: "sqlcmd -Q ... (-s\",\" -W)",
    recognize,
    parse,
};

fn recognize(text: &str) -> bool {
    // Only the head is needed, and every file not claimed earlier comes through here, big
    // CSV exports included: stop after header, dash line and one more line.
    let mut head = Vec::new();
    let mut filled = 0;
    for line in lines(text).take(MAX_HEAD_LINES) {
        filled += usize::from(!is_blank(line.text(text)));
        head.push(line);
        if filled == 3 {
            break;
        }
    }
    let Some(layout) = layout(text, &head) else {
        return false;
    };
    head.iter()
        .skip(layout.dash + 1)
        .any(|l| !is_blank(l.text(text)))
}

/// How far the recognizer looks for the table's first lines (leading blank lines included).
const MAX_HEAD_LINES: usize = 64;

/// One physical line: its byte range without the line break.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
}

impl Line {
    fn text(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or_default()
    }
}

fn lines(text: &str) -> impl Iterator<Item = Line> + '_ {
    // A BOM left by the decoder is not part of the header.
    let mut start = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    std::iter::from_fn(move || {
        let rest = text.get(start..).filter(|r| !r.is_empty())?;
        let (len, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (i, start + i + 1),
            None => (rest.len(), text.len()),
        };
        let line = rest.get(..len).unwrap_or_default();
        let len = line.strip_suffix('\r').map_or(len, str::len);
        let out = Line {
            start,
            end: start + len,
        };
        start = next;
        Some(out)
    })
}

fn is_blank(line: &str) -> bool {
    line.chars().all(|c| c.is_whitespace() || c == '\0')
}

/// Where the table is: header and dash lines, the separator, and the column extents.
#[derive(Debug)]
struct Layout {
    /// Line index of the header; None when the column names are all empty.
    header: Option<usize>,
    dash: usize,
    /// The `-s` separator; None for the default single space between padded columns.
    sep: Option<char>,
    runs: Runs,
}

/// Per column, the character columns `[start, end)` of its dash run.
type Runs = Vec<(usize, usize)>;

/// Reads a dash line (`----- ---`, `----,-----`): the separator and the dash runs, or None.
fn dash_runs(line: &str) -> Option<(Option<char>, Runs)> {
    let line = line.trim_end_matches(' ');
    let mut sep = None;
    let mut runs = Vec::new();
    let mut run_start = None;
    let mut count = 0;
    for (ci, c) in line.chars().enumerate() {
        count = ci + 1;
        if c == '-' {
            run_start.get_or_insert(ci);
            continue;
        }
        // Exactly one separator between two runs: two spaces is `Format-Table`, not sqlcmd.
        runs.push((run_start.take()?, ci));
        match sep {
            None => sep = Some(c),
            Some(s) if s == c => {}
            Some(_) => return None,
        }
    }
    runs.push((run_start?, count));
    match sep {
        None | Some(' ') => Some((None, runs)),
        Some(c) if c.is_alphanumeric() || (c.is_whitespace() && c != '\t') || c == '"' => None,
        Some(c) => Some((Some(c), runs)),
    }
}

fn layout(text: &str, lines: &[Line]) -> Option<Layout> {
    let first = lines.iter().position(|l| !is_blank(l.text(text)))?;
    let first_text = lines.get(first)?.text(text);
    if let Some((sep, runs)) = dash_runs(first_text) {
        return Some(Layout {
            header: None,
            dash: first,
            sep,
            runs,
        });
    }
    let dash = first + 1;
    let dash_text = lines.get(dash)?.text(text);
    let (sep, runs) = dash_runs(dash_text)?;
    let header = first_text.trim_end_matches(' ');
    // The dash runs are the column widths, so the names fit inside them: a long title over a
    // short underline is prose.
    if header.chars().count() > dash_text.trim_end_matches(' ').chars().count() {
        return None;
    }
    let fits = match sep {
        Some(c) => header.split(c).count() == runs.len(),
        None => positional(header, &runs, ' ').is_some(),
    };
    fits.then_some(Layout {
        header: Some(first),
        dash,
        sep,
        runs,
    })
}

/// Cells by the dash runs' positions, when every column boundary holds `sep`; byte ranges
/// relative to the line. The last column runs to the end of the line: with `-W` a value is
/// wider than its dashes.
fn positional(line: &str, runs: &[(usize, usize)], sep: char) -> Option<Vec<(usize, usize)>> {
    // Runs count characters; a non-ASCII line maps them to bytes once, not once per column.
    let offsets: Option<Vec<usize>> =
        (!line.is_ascii()).then(|| line.char_indices().map(|(b, _)| b).collect());
    let byte_of = |ci: usize| match &offsets {
        None => (ci < line.len()).then_some(ci),
        Some(o) => o.get(ci).copied(),
    };
    let mut out = Vec::with_capacity(runs.len());
    for (i, &(start, end)) in runs.iter().enumerate() {
        let last = i + 1 == runs.len();
        let to = if last {
            line.len()
        } else {
            let at = byte_of(end)?;
            if !line.get(at..).is_some_and(|r| r.starts_with(sep)) {
                return None;
            }
            at
        };
        let from = byte_of(start).unwrap_or(line.len()).min(to);
        out.push((from, to));
    }
    Some(out)
}

/// Cells split on a separator character; byte ranges relative to the line.
fn split(line: &str, sep: char) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    for (b, c) in line.char_indices() {
        if c == sep {
            out.push((from, b));
            from = b + c.len_utf8();
        }
    }
    out.push((from, line.len()));
    out
}

/// The cells of one line as absolute byte ranges with the padding trimmed, or None when the
/// line does not have one cell per column.
fn cells(line: &str, at: usize, layout: &Layout, padded: bool) -> Option<Vec<(usize, usize)>> {
    let n = layout.runs.len();
    let raw = match layout.sep {
        Some(sep) => {
            let parts = split(line, sep);
            if parts.len() == n {
                parts
            } else if padded {
                // Fixed widths locate the separators even when a value contains one.
                positional(line, &layout.runs, sep)?
            } else {
                return None;
            }
        }
        None if n == 1 => vec![(0, line.len())],
        None => match positional(line, &layout.runs, ' ') {
            Some(parts) => parts,
            // `-W` without `-s`: single spaces between unpadded values.
            None => {
                let parts = split(line, ' ');
                if parts.len() != n {
                    return None;
                }
                parts
            }
        },
    };
    Some(
        raw.into_iter()
            .map(|(s, e)| {
                let cell = line.get(s..e).unwrap_or_default();
                let lead = cell.len() - cell.trim_start_matches(' ').len();
                let body = cell.trim_matches(' ');
                (at + s + lead, at + s + lead + body.len())
            })
            .collect(),
    )
}

/// `(N rows affected)` / `(1 row affected)`: the count and its byte range in the line.
fn rows_affected(line: &str) -> Option<(i64, usize, usize)> {
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let inner = trimmed.trim_end().strip_prefix('(')?.strip_suffix(')')?;
    let (num, rest) = inner.split_once(' ')?;
    if rest != "rows affected" && rest != "row affected" {
        return None;
    }
    let n = num.parse::<i64>().ok()?;
    Some((n, lead + 1, lead + 1 + num.len()))
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut b = Builder::new(Some(file), DocKind::Csv, text.clone(), NodeKind::Object);
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let all: Vec<Line> = lines(&text).collect();
    let Some(layout) = layout(&text, &all) else {
        let at = text.len() - super::trim_start(&text).len();
        errors.push(InputError::at(
            file,
            at,
            "expected a header line and a line of dashes under it, as sqlcmd prints them",
        ));
        b.open(NodeKind::Array, Some("rows"), at);
        b.close(at);
        return Parsed::new(b.finish(), errors, notes);
    };

    let width = layout.runs.len();
    let mut written = vec![String::new(); width];
    let mut name_at = vec![0; width];
    let mut padded = false;
    if let Some(h) = layout.header.and_then(|i| all.get(i)) {
        let line = h.text(&text);
        let header_cells = match layout.sep {
            Some(sep) => split(line, sep),
            None => positional(line, &layout.runs, ' ').unwrap_or_default(),
        };
        for (i, &(s, e)) in header_cells.iter().enumerate().take(width) {
            let cell = line.get(s..e).unwrap_or_default();
            padded |= cell.trim_matches(' ').len() != cell.len();
            if let (Some(w), Some(at)) = (written.get_mut(i), name_at.get_mut(i)) {
                *w = cell.trim_matches(' ').to_string();
                *at = h.start + s;
            }
        }
    }
    let dash_start = all.get(layout.dash).map_or(0, |l| l.start);
    let names = super::csv::unique_names(&written);
    // An unnamed column is normal here (`SELECT GETDATE()`), so only duplicates are noted.
    for (i, (_, why)) in names.iter().enumerate() {
        if let Some(why) = why
            .as_ref()
            .filter(|_| written.get(i).is_some_and(|w| !w.is_empty()))
        {
            let at = if layout.header.is_some() {
                name_at.get(i).copied().unwrap_or(dash_start)
            } else {
                dash_start
            };
            notes.push(InputError::at(file, at, why.clone()));
        }
    }

    let data_from = layout.dash + 1;
    let dash_end = all.get(layout.dash).map_or(0, |l| l.end);
    b.open(
        NodeKind::Array,
        Some("rows"),
        all.get(data_from).map_or(dash_end, |l| l.start),
    );
    let mut rows_end = dash_end;
    let mut i = data_from;
    // The table ends at the first empty line: sqlcmd prints one before the row count and
    // between result sets. (With `-W`, a one-column row holding '' is empty too; it ends the
    // table and what follows is reported as not read rather than misread.)
    while let Some(line) = all.get(i) {
        let body = line.text(&text);
        if body.is_empty() || body.chars().all(|c| c == '\0') {
            break;
        }
        i += 1;
        b.open(NodeKind::Object, None, line.start);
        match cells(body, line.start, &layout, padded) {
            Some(found) => {
                for ((name, _), (s, e)) in names.iter().zip(found) {
                    let value = match text.get(s..e) {
                        Some("NULL") => Value::Null,
                        _ => Value::Slice(s as u32, e as u32),
                    };
                    b.leaf(Some(name), value, s, e);
                }
            }
            None => errors.push(InputError::at(
                file,
                line.start,
                format!(
                    "this line does not split into the {width} columns of the header; its row is left empty"
                ),
            )),
        }
        b.close(line.end);
        rows_end = line.end;
    }
    b.close(rows_end);

    let mut rest = all.iter().skip(i).filter(|l| !is_blank(l.text(&text)));
    if let Some(line) = rest.next() {
        match rows_affected(line.text(&text)) {
            Some((n, s, e)) => {
                b.leaf(
                    Some("rows_affected"),
                    Value::Int(n),
                    line.start + s,
                    line.start + e,
                );
                if let Some(more) = rest.next() {
                    notes.push(InputError::at(
                        file,
                        more.start,
                        "output after the row count (another result set or a message) is not read",
                    ));
                }
            }
            None => notes.push(InputError::at(
                file,
                line.start,
                "output after the table (another result set or a message) is not read",
            )),
        }
    }
    Parsed::new(b.finish(), errors, notes)
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

    fn row_count(doc: &Document) -> usize {
        let rows = doc.lookup(Document::ROOT, "rows").expect("rows");
        doc.children(rows).len()
    }

    #[test]
    fn reads_separated_trimmed_output_with_null_and_row_count() {
        let text = "name,value_in_use,description\r\n----,------------,-----------\r\nclr enabled,0,CLR user code execution enabled in the server\r\nbackup compression default,1,NULL\r\n\r\n(2 rows affected)\r\n";
        let p = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        let doc = &p.doc;
        assert_eq!(row_count(doc), 2);
        assert_eq!(get(doc, "rows/0/name"), Some(Scalar::Str("clr enabled")));
        assert_eq!(get(doc, "rows/0/value_in_use"), Some(Scalar::Str("0")));
        assert_eq!(get(doc, "rows/1/description"), Some(Scalar::Null));
        assert_eq!(spanned(text, doc, "rows/1/description"), "NULL");
        assert_eq!(
            spanned(text, doc, "rows/1/name"),
            "backup compression default"
        );
        assert_eq!(get(doc, "rows_affected"), Some(Scalar::Int(2)));
        assert_eq!(spanned(text, doc, "rows_affected"), "2");
        let n = doc.lookup(Document::ROOT, "rows/1/name").expect("n");
        assert_eq!(doc.path(n), "rows[1].name");
    }

    #[test]
    fn reads_fixed_width_output_by_the_dash_runs() {
        let text = "name                 value       edition\n-------------------- ----------- ----------------\nmax server memory     2147483647 Standard Edition\nremote access                  1 NULL            \n\n(2 rows affected)\n";
        let p = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let doc = &p.doc;
        assert_eq!(
            get(doc, "rows/0/name"),
            Some(Scalar::Str("max server memory"))
        );
        assert_eq!(spanned(text, doc, "rows/0/name"), "max server memory");
        assert_eq!(spanned(text, doc, "rows/0/value"), "2147483647");
        assert_eq!(spanned(text, doc, "rows/1/value"), "1");
        assert_eq!(
            get(doc, "rows/0/edition"),
            Some(Scalar::Str("Standard Edition"))
        );
        assert_eq!(get(doc, "rows/1/edition"), Some(Scalar::Null));
        assert_eq!(get(doc, "rows_affected"), Some(Scalar::Int(2)));
    }

    #[test]
    fn reads_padded_separated_output_even_with_the_separator_in_a_value() {
        let text = "name        ,value\n------------,-----\nlist, of, x ,    3\n";
        let p = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(get(&p.doc, "rows/0/name"), Some(Scalar::Str("list, of, x")));
        assert_eq!(spanned(text, &p.doc, "rows/0/value"), "3");
    }

    #[test]
    fn reads_a_single_unnamed_column() {
        // -W prints one dash for a column without a name; the header line is empty.
        for text in [
            "\n-\n2024-03-05 09:41:07.113\n\n(1 row affected)\n",
            "-\n2024-03-05 09:41:07.113\n",
            "                       \n-----------------------\n2024-03-05 09:41:07.113\n",
        ] {
            let p = parsed(text);
            assert!(p.errors.is_empty(), "{:?}", p.errors);
            assert!(p.notes.is_empty(), "{:?}", p.notes);
            assert_eq!(
                get(&p.doc, "rows/0/column1"),
                Some(Scalar::Str("2024-03-05 09:41:07.113"))
            );
            assert_eq!(
                spanned(text, &p.doc, "rows/0/column1"),
                "2024-03-05 09:41:07.113"
            );
        }
        let p = parse(FileId(0), Arc::from("\n-\nx\n\n(1 row affected)\n"));
        assert_eq!(get(&p.doc, "rows_affected"), Some(Scalar::Int(1)));
    }

    #[test]
    fn reads_a_single_named_column() {
        let text = "ProductVersion\n--------------\n16.0.1000.6\n";
        let p = parsed(text);
        assert!(p.errors.is_empty());
        assert!(p.notes.is_empty());
        assert_eq!(
            get(&p.doc, "rows/0/ProductVersion"),
            Some(Scalar::Str("16.0.1000.6"))
        );
        assert_eq!(get(&p.doc, "rows_affected"), None);
    }

    #[test]
    fn trimmed_output_without_separator_splits_on_single_spaces() {
        let text = "name value\n---- -----\nab 1\nremote 0\n";
        let p = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(get(&p.doc, "rows/0/name"), Some(Scalar::Str("ab")));
        assert_eq!(get(&p.doc, "rows/0/value"), Some(Scalar::Str("1")));
        assert_eq!(get(&p.doc, "rows/1/name"), Some(Scalar::Str("remote")));
    }

    #[test]
    fn a_line_with_the_wrong_number_of_fields_is_an_error() {
        let text = "a,b\n-,-\n1,2\n1,2,3\n4\n5,6\n";
        let p = parsed(text);
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert_eq!(&text[p.errors[0].span.start as usize..][..5], "1,2,3");
        assert_eq!(&text[p.errors[1].span.start as usize..][..1], "4");
        assert_eq!(row_count(&p.doc), 4);
        assert_eq!(get(&p.doc, "rows/1/a"), None);
        assert_eq!(get(&p.doc, "rows/3/b"), Some(Scalar::Str("6")));
    }

    #[test]
    fn duplicate_names_get_a_suffix() {
        let text = "name,name\n----,----\na,b\n";
        let p = parsed(text);
        assert_eq!(p.notes.len(), 1);
        assert_eq!(p.notes[0].span.start, 5);
        assert_eq!(get(&p.doc, "rows/0/name_2"), Some(Scalar::Str("b")));
    }

    #[test]
    fn a_second_result_set_is_noted_not_read() {
        let text = "a\n-\n1\n\n(1 rows affected)\nb\n-\n2\n\n(1 rows affected)\n";
        let p = parsed(text);
        assert!(p.errors.is_empty());
        assert_eq!(p.notes.len(), 1);
        assert_eq!(&text[p.notes[0].span.range()], "b");
        assert_eq!(row_count(&p.doc), 1);
        assert_eq!(get(&p.doc, "rows_affected"), Some(Scalar::Int(1)));
    }

    #[test]
    fn a_zero_row_result_is_read() {
        let text = "name\n----\n\n(0 rows affected)\n";
        let p = parsed(text);
        assert!(p.errors.is_empty() && p.notes.is_empty());
        assert_eq!(row_count(&p.doc), 0);
        assert_eq!(get(&p.doc, "rows_affected"), Some(Scalar::Int(0)));
    }

    #[test]
    fn other_text_is_not_sqlcmd_output() {
        for text in [
            "\"Name\",\"Value\"\r\n\"alpha\",\"1\"\r\n",
            "#TYPE System.Data.DataRow\r\n\"name\",\"value\"\r\n\"a\",\"1\"\r\n",
            "[Setup]\r\nProductVersion=15.0\r\n",
            "Config\r\n    MaxEnvelopeSizekb = 500\r\n",
            "\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  WinRM              Windows Remote Management\r\n",
            "User accounts for \\\\HOST\r\n\r\n-------------------------------------------------------\r\nAdministrator            Guest\r\n",
            "A long heading over a short rule\n-----\ntext\n",
            " name | value \n------+-------\n foo  |     1\n(1 row)\n",
            "name\n----\n",
            "[{\"a\":1}]",
            "",
        ] {
            assert!(!recognize(text), "recognized: {text:?}");
        }
    }

    #[test]
    fn unrecognized_text_parses_to_an_error_without_panicking() {
        for text in [
            "",
            "\u{FEFF}",
            "x",
            "-",
            "--,\n",
            "é\n--\nü ö\n",
            "a b\n- -\n\u{e9}\n",
        ] {
            let _ = parse(FileId(0), Arc::from(text));
        }
        let p = parse(FileId(0), Arc::from("just text\n"));
        assert_eq!(p.errors.len(), 1);
    }

    #[test]
    fn every_prefix_parses_without_panicking() {
        let text = "\u{FEFF}näme      ,wert\r\n----------,----\r\nä, b      ,NULL\r\nü,x\r\n\r\n(2 rows affected)\r\né\r\n";
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
