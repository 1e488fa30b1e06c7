//! The table PowerShell prints for `Get-ChildItem WSMan:\localhost\Service` (and any other
//! WSMan: path, such as `...\Plugin\WMI Provider\Quotas`): a `WSManConfig: <path>` line, then
//! a `Type  Name  SourceOfValue  Value` header, a dash line, and one row per setting.
//!
//! Columns are where the dash runs start, counted in characters, as PowerShell pads them; the
//! last column runs to the end of the line. Model: `WSManConfig` (the path as printed) and an
//! object `items` whose children are named by the `Name` cell, each an object of the other
//! cells as strings exactly as printed (`1500` stays text: PowerShell shows every WSMan value
//! as a string). An empty cell is left out, except `Value` on a setting (not a `Container`),
//! which is kept as an empty string because an empty setting is itself a value
//! (`CertificateThumbprint`). Other headers (`Type Keys Name` for listeners and plugins) are
//! read the same way, keyed by `Name`.
//!
//! With `-Recurse` PowerShell prints one table per container. A table whose path is a
//! container row of an earlier table is nested as that row's own `items`, so
//! `items/Auth/items/Basic/Value` reads as the path does; a table that is not under the first
//! one is noted and not read. A cell PowerShell cut to the column width (ending in `...` or
//! `…`) is kept as printed, with a note, since the full text is lost.

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::{FileId, Span};

pub const FORMAT: Format = Format {
    name: "wsman-table",
    produced_by: "Get-ChildItem WSMan:\\localhost\\... (PowerShell table)",
    recognize,
    parse,
};

const MARK: &str = "WSManConfig:";
/// How deep `-Recurse` tables are nested; WSMan: trees are a few levels deep.
const MAX_DEPTH: usize = 16;

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Byte offset of `text` (the line from column 0) in the file.
    start: usize,
    /// The line without its break and trailing blanks.
    text: &'a str,
}

impl Line<'_> {
    fn end(&self) -> usize {
        self.start + self.text.len()
    }

    fn trimmed(&self) -> &str {
        self.text.trim_start()
    }

    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

fn read_lines(text: &str) -> Vec<Line<'_>> {
    super::lines::raw(text)
        .map(|(at, raw)| {
            let content = if at == 0 {
                raw.trim_start_matches('\u{FEFF}')
            } else {
                raw
            };
            Line {
                start: at + (raw.len() - content.len()),
                text: content.trim_end(),
            }
        })
        .collect()
}

/// A PowerShell prompt pasted with the output (`PS C:\> Get-ChildItem WSMan:\...`).
fn is_prompt(line: &Line) -> bool {
    line.text.starts_with("PS ") && line.text.contains('>')
}

fn is_dashes(line: &Line) -> bool {
    !line.is_blank() && line.text.chars().all(|c| c == '-' || c == ' ')
}

/// Character columns where the dash runs start.
fn columns(dashes: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut prev = ' ';
    for (i, c) in dashes.chars().enumerate() {
        if c == '-' && prev == ' ' {
            out.push(i);
        }
        prev = c;
    }
    out
}

/// The byte range of character columns `from..to` (to the end when `to` is `None`).
fn cell_range(text: &str, from: usize, to: Option<usize>) -> (usize, usize) {
    let byte = |col: usize| text.char_indices().nth(col).map_or(text.len(), |(b, _)| b);
    let s = byte(from);
    let e = to.map_or(text.len(), byte);
    (s, e.max(s))
}

fn recognize(text: &str) -> bool {
    // The first few lines decide; splitting more of every file offered would be waste.
    let text = super::head(text, 1024);
    let mut sig = read_lines(text)
        .into_iter()
        .filter(|l| !l.is_blank() && !is_prompt(l))
        .take(3);
    let (Some(mark), Some(header), Some(dashes)) = (sig.next(), sig.next(), sig.next()) else {
        return false;
    };
    let words: Vec<&str> = header.text.split_whitespace().collect();
    mark.trimmed().starts_with(MARK)
        && mark.trimmed().len() > MARK.len()
        && words.first() == Some(&"Type")
        && words.contains(&"Name")
        && is_dashes(&dashes)
        && columns(dashes.text).len() == words.len()
}

#[derive(Clone, Copy)]
struct Cell {
    start: usize,
    end: usize,
}

struct Row<'a> {
    name: &'a str,
    start: usize,
    end: usize,
    container: bool,
    cells: Vec<(&'a str, Cell)>,
}

struct Group<'a> {
    path: &'a str,
    path_cell: Cell,
    rows: Vec<Row<'a>>,
}

struct Table<'a> {
    names: Vec<&'a str>,
    cols: Vec<usize>,
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let src: &str = &text;
    let lines = read_lines(src);
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut table: Option<Table> = None;
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        i += 1;
        if line.is_blank() || is_prompt(line) {
            // A blank line ends a table; the next one brings its own header.
            if line.is_blank() {
                table = None;
            }
            continue;
        }
        let body = line.trimmed();
        let body_at = line.end() - body.len();
        if let Some(path) = body.strip_prefix(MARK) {
            let p = path.trim();
            let p_at = body_at + MARK.len() + (path.len() - path.trim_start().len());
            groups.push(Group {
                path: p,
                path_cell: Cell {
                    start: p_at,
                    end: p_at + p.len(),
                },
                rows: Vec::new(),
            });
            table = None;
            continue;
        }
        let Some(group) = groups.last_mut() else {
            errors.push(InputError::at(
                file,
                body_at,
                "expected `WSManConfig: <path>` before the table",
            ));
            continue;
        };
        let Some(t) = &table else {
            // A header, which must have its dash line right under it.
            match lines.get(i).filter(|l| is_dashes(l)) {
                Some(dashes) => {
                    i += 1;
                    let cols = columns(dashes.text);
                    let names: Vec<&str> = cols
                        .iter()
                        .enumerate()
                        .map(|(k, from)| {
                            let (s, e) = cell_range(line.text, *from, cols.get(k + 1).copied());
                            line.text.get(s..e).unwrap_or("").trim()
                        })
                        .collect();
                    if names.contains(&"Name") {
                        table = Some(Table { names, cols });
                    } else {
                        errors.push(InputError::at(
                            file,
                            body_at,
                            "table header without a `Name` column",
                        ));
                    }
                }
                None => errors.push(InputError::at(
                    file,
                    body_at,
                    "expected a table header followed by its `----` line",
                )),
            }
            continue;
        };
        let mut name = None;
        let mut cells = Vec::new();
        for (k, (col, from)) in t.names.iter().zip(&t.cols).enumerate() {
            let (s, e) = cell_range(line.text, *from, t.cols.get(k + 1).copied());
            let raw = line.text.get(s..e).unwrap_or("");
            let value = raw.trim();
            let at = line.start + s + (raw.len() - raw.trim_start().len());
            let cell = Cell {
                start: at,
                end: at + value.len(),
            };
            if value.ends_with("...") || value.ends_with('…') {
                notes.push(InputError {
                    span: Span::new(file, cell.start, cell.end),
                    message: format!(
                        "{col} cut to the column width by PowerShell: the full text is not in the file"
                    ),
                });
            }
            if *col == "Name" {
                name = Some(value);
            }
            cells.push((*col, cell));
        }
        match name.filter(|n| !n.is_empty()) {
            Some(name) => {
                let container = cells
                    .iter()
                    .any(|(col, c)| *col == "Type" && src.get(c.start..c.end) == Some("Container"));
                group.rows.push(Row {
                    name,
                    start: line.start,
                    end: line.end(),
                    container,
                    cells,
                });
            }
            None => errors.push(InputError::at(file, body_at, "table row without a Name")),
        }
    }

    let mut b = Builder::new(Some(file), DocKind::Text, text.clone(), NodeKind::Object);
    let mut used = vec![false; groups.len()];
    if let Some(first) = groups.first() {
        b.leaf(
            Some("WSManConfig"),
            Value::Slice(first.path_cell.start as u32, first.path_cell.end as u32),
            first.path_cell.start,
            first.path_cell.end,
        );
        if let Some(u) = used.first_mut() {
            *u = true;
        }
        emit_items(&mut b, &groups, 0, &mut used, 0);
    }
    for (g, _) in groups.iter().zip(&used).filter(|(_, u)| !**u) {
        notes.push(InputError {
            span: Span::new(file, g.path_cell.start, g.path_cell.end),
            message: "table for a path that is not under the first table's path: not read".into(),
        });
    }
    Parsed::new(b.finish(), errors, notes)
}

fn emit_items(b: &mut Builder, groups: &[Group], gi: usize, used: &mut [bool], depth: usize) {
    let Some(group) = groups.get(gi) else {
        return;
    };
    let start = group.rows.first().map_or(group.path_cell.end, |r| r.start);
    b.open(NodeKind::Object, Some("items"), start);
    for row in &group.rows {
        b.open(NodeKind::Object, Some(row.name), row.start);
        for (col, cell) in &row.cells {
            let keep_empty = *col == "Value" && !row.container;
            if *col == "Name" || (cell.start == cell.end && !keep_empty) {
                continue;
            }
            b.leaf(
                Some(col),
                Value::Slice(cell.start as u32, cell.end as u32),
                cell.start,
                cell.end,
            );
        }
        if row.container && depth < MAX_DEPTH {
            let child = groups.iter().enumerate().position(|(k, g)| {
                !used.get(k).copied().unwrap_or(true) && is_child(group.path, row.name, g.path)
            });
            if let Some(k) = child {
                if let Some(u) = used.get_mut(k) {
                    *u = true;
                }
                emit_items(b, groups, k, used, depth + 1);
            }
        }
        b.close(row.end);
    }
    b.close(group.rows.last().map_or(start, |r| r.end));
}

/// Whether `path` is `parent\name`, compared as Windows does (case-insensitively).
fn is_child(parent: &str, name: &str, path: &str) -> bool {
    path.len() == parent.len() + 1 + name.len()
        && path
            .get(..parent.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(parent))
        && path.get(parent.len()..parent.len() + 1) == Some("\\")
        && path
            .get(parent.len() + 1..)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{node, spanned};

    /// Invented settings in the layout PowerShell 5.1 prints.
    const SERVICE: &str = "\r
\r
   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\r
\r
Type            Name                           SourceOfValue   Value\r
----            ----                           -------------   -----\r
System.String   RootSDDL                                       O:NSG:BAD:P(A;;GA;;;BA)S:P(AU;FA;GA;;;WD)\r
System.String   MaxConcurrentOperationsPerUser                 1500\r
System.String   MaxConnections                 GPO             25\r
System.String   AllowUnencrypted                               false\r
Container       Auth\r
Container       DefaultPorts\r
System.String   IPv4Filter                     GPO             *\r
System.String   CertificateThumbprint\r
System.String   EnableCompatibilityHttpsLis...                 false\r
\r
";

    fn check_service(text: &str) {
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.notes.len(), 1, "{:?}", parsed.notes);
        assert_eq!(
            &text[parsed.notes[0].span.range()],
            "EnableCompatibilityHttpsLis..."
        );
        let doc = &parsed.doc;
        assert_eq!(
            spanned(text, doc, "WSManConfig"),
            "Microsoft.WSMan.Management\\WSMan::localhost\\Service"
        );
        assert_eq!(
            spanned(text, doc, "items/MaxConcurrentOperationsPerUser/Value"),
            "1500"
        );
        assert_eq!(
            doc.scalar(node(doc, "items/MaxConcurrentOperationsPerUser/Value")),
            Scalar::Str("1500")
        );
        assert_eq!(
            spanned(text, doc, "items/MaxConcurrentOperationsPerUser/Type"),
            "System.String"
        );
        assert_eq!(
            doc.lookup(
                Document::ROOT,
                "items/MaxConcurrentOperationsPerUser/SourceOfValue"
            ),
            None
        );
        assert_eq!(
            spanned(text, doc, "items/MaxConnections/SourceOfValue"),
            "GPO"
        );
        assert_eq!(spanned(text, doc, "items/MaxConnections/Value"), "25");
        assert_eq!(
            spanned(text, doc, "items/RootSDDL/Value"),
            "O:NSG:BAD:P(A;;GA;;;BA)S:P(AU;FA;GA;;;WD)"
        );
        assert_eq!(spanned(text, doc, "items/Auth/Type"), "Container");
        assert_eq!(doc.lookup(Document::ROOT, "items/Auth/Value"), None);
        assert_eq!(
            doc.scalar(node(doc, "items/CertificateThumbprint/Value")),
            Scalar::Str("")
        );
        assert_eq!(doc.children(node(doc, "items")).len(), 9);
        let v = node(doc, "items/IPv4Filter/Value");
        assert_eq!(doc.path(v), "items/IPv4Filter/Value");
        let row = node(doc, "items/IPv4Filter");
        assert!(
            text[doc.span(row).expect("span").range()].starts_with("System.String   IPv4Filter")
        );
    }

    #[test]
    fn reads_rows_by_header_columns_with_crlf() {
        check_service(SERVICE);
    }

    #[test]
    fn reads_the_same_with_lf() {
        check_service(&SERVICE.replace("\r\n", "\n"));
    }

    #[test]
    fn quotas_table() {
        let text = "\n   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Plugin\\WMI Provider\\Quotas\n\nType            Name                           SourceOfValue   Value\n----            ----                           -------------   -----\nSystem.String   MaxConcurrentUsers                             100\nSystem.String   MaxShellsPerUser                               30\n";
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty() && parsed.notes.is_empty());
        assert!(spanned(text, &parsed.doc, "WSManConfig").ends_with("WMI Provider\\Quotas"));
        assert_eq!(
            spanned(text, &parsed.doc, "items/MaxShellsPerUser/Value"),
            "30"
        );
    }

    #[test]
    fn recurse_nests_container_tables() {
        let text = "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\n\nType            Name                           SourceOfValue   Value\n----            ----                           -------------   -----\nSystem.String   MaxConnections                                 300\nContainer       Auth\n\n   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\\Auth\n\nType            Name                           SourceOfValue   Value\n----            ----                           -------------   -----\nSystem.String   Basic                          GPO             true\nSystem.String   Kerberos                                       true\n\n   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Client\n\nType            Name                           SourceOfValue   Value\n----            ----                           -------------   -----\nSystem.String   TrustedHosts                                   *\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let doc = &parsed.doc;
        assert_eq!(spanned(text, doc, "items/auth/items/Basic/Value"), "true");
        assert_eq!(
            spanned(text, doc, "items/Auth/items/Basic/SourceOfValue"),
            "GPO"
        );
        assert_eq!(parsed.notes.len(), 1);
        assert!(text[parsed.notes[0].span.range()].ends_with("localhost\\Client"));
    }

    #[test]
    fn listener_table_with_keys_column() {
        let text = "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Listener\n\nType            Keys                                Name\n----            ----                                ----\nContainer       {Transport=HTTP, Address=*}         Listener_1084132640\n";
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty());
        assert_eq!(
            spanned(text, &parsed.doc, "items/Listener_1084132640/Keys"),
            "{Transport=HTTP, Address=*}"
        );
    }

    #[test]
    fn broken_tables_are_errors_and_truncation_never_panics() {
        for cut in 0..SERVICE.len() {
            if let Some(part) = SERVICE.get(..cut) {
                let _ = parse(FileId(0), Arc::from(part));
                let _ = recognize(part);
            }
        }
        let cut = &SERVICE[..SERVICE.find("----").expect("dashes")];
        let parsed = parse(FileId(0), Arc::from(cut));
        assert_eq!(parsed.errors.len(), 1);
        assert!(cut[parsed.errors[0].span.start as usize..].starts_with("Type "));
        let stray = "Something else\n";
        let parsed = parse(FileId(0), Arc::from(stray));
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn recognizer_rejects_other_formats() {
        let negatives = [
            "\r\nHost Name:                 SRV01\r\nOS Name:                   Microsoft Windows Server 2019 Standard\r\n",
            "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : PC1\r\n",
            "[OPTIONS]\r\nACTION=\"Upgrade\"\r\n",
            "Config\r\n    MaxEnvelopeSizekb = 500\r\n    Client\r\n",
            "{\"WSManConfig\": \"x\"}",
            "<?xml version=\"1.0\"?>\n<WSManConfig/>\n",
            "Type,Name,SourceOfValue,Value\nSystem.String,MaxConnections,,300\n",
            "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\n\nName  Value\n----  -----\n",
            "",
        ];
        for text in negatives {
            assert!(!recognize(text), "accepted: {text:?}");
        }
    }
}
