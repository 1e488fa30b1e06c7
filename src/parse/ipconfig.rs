//! The text `ipconfig /all` (or plain `ipconfig`) prints.
//!
//! Model: an object `Windows IP Configuration` with the global fields (only when the header
//! was printed), then an array `adapters` of objects with `type` (`Ethernet adapter`), `name`
//! (`Ethernet0`) and one field per label. A label is the text before its dotted leader
//! (`IP Routing Enabled. . . :` → `IP Routing Enabled`); its value is a string leaf with the
//! span of the value. A field continued on more lines (DNS servers, search list) or printed
//! several times in one adapter (one `IPv4 Address` per address) becomes an array of its
//! values, in order; an empty first value before continuation lines is dropped.
//!
//! The address states Windows appends (`(Preferred)`, `(Deprecated)`, `(Duplicate)`,
//! `(Tentative)`, `(Invalid)`) are cut from the value and kept beside it as `<Label>@State`,
//! shaped like the field (a string, or an array with null where no state was printed), so a
//! rule compares addresses and can still see a duplicate.
//!
//! Pasted output is tolerated: `cmd` and PowerShell prompts are skipped, output that starts
//! mid-way is read from its first adapter on (earlier lines noted, not read), and when several
//! runs are pasted into one file (each `Windows IP Configuration`, or a prompt running
//! `ipconfig`, starts one) only the last run is read, with a note: one run per document keeps
//! the model the same for every file, and the last run is the newest state.
//!
//! Output in another language (`Windows IP 配置`, `Windows-IP-Konfiguration`) has the same
//! layout and is read into the same shape, labels kept as printed, adapters without `type`
//! (the header is kept whole as `name`, since where the type ends is language-specific), and
//! states left on the values, plus one note: nothing is translated, so nothing is misread.

use std::sync::Arc;

use super::lines::{Line, is_prompt};
use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::{FileId, Span};

pub const FORMAT: Format = Format {
    name: "ipconfig",
    produced_by: "ipconfig /all",
    recognize,
    parse,
};

const HEADER: &str = "Windows IP Configuration";
const GLOBALS: &str = "Windows IP Configuration";
const FOREIGN_NOTE: &str = "ipconfig output in a language other than English: labels kept as they are, its addresses and settings are not understood";
const STATES: &[&str] = &[
    "Preferred",
    "Deprecated",
    "Duplicate",
    "Tentative",
    "Invalid",
];

fn read_lines(text: &str) -> Vec<Line<'_>> {
    super::lines::indented(text)
}

fn runs_ipconfig(body: &str) -> bool {
    body.to_ascii_lowercase().contains("ipconfig")
}

fn is_english_header(body: &str) -> bool {
    // `Windows 2000 IP Configuration` and the like on old systems.
    body == HEADER || (body.starts_with("Windows ") && body.ends_with(" IP Configuration"))
}

/// The header line in any language (`Windows IP 配置`, `Configuration IP de Windows`).
fn is_header(body: &str) -> bool {
    is_english_header(body)
        || (body.contains("Windows")
            && body.contains("IP")
            && !body.contains([':', '>'])
            && body.chars().count() <= 60)
}

/// Byte offset of the `:` ending a label: the first one followed by a blank or the end of the
/// line. Most labels end in a dotted leader (`Host Name . . . :`) but one too long for it
/// sits right against its colon (German `Verbindungsspezifisches DNS-Suffix:`); IPv6 values
/// (`fe80::1`) never match.
fn separator(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let found = (1..b.len())
        .find(|&i| b.get(i) == Some(&b':') && matches!(b.get(i + 1), None | Some(b' ')))?;
    let label = label_of(body.get(..found)?);
    (!label.is_empty()).then_some(found)
}

fn label_of(head: &str) -> &str {
    head.trim_end_matches([' ', '.']).trim_start()
}

/// A field line with a dotted leader, which only ipconfig prints.
fn is_leader_field(line: &Line) -> bool {
    line.indent > 0
        && separator(line.body)
            .and_then(|i| line.body.get(..i))
            .is_some_and(|head| {
                let head = head.trim_end();
                head.ends_with('.') && (head.contains(". .") || head.contains(" ."))
            })
}

fn recognize(text: &str) -> bool {
    // The first few lines decide; splitting more of every file offered would be waste.
    let text = super::head(text, 1024);
    let lines: Vec<Line> = read_lines(text)
        .into_iter()
        .filter(|l| !(l.indent == 0 && is_prompt(l.body)))
        .take(4)
        .collect();
    let (Some(first), Some(second)) = (lines.first(), lines.get(1)) else {
        return false;
    };
    if first.indent != 0 {
        return false;
    }
    let adapter_then_field = |a: &Line, f: Option<&Line>| {
        a.indent == 0 && a.body.ends_with(':') && f.is_some_and(is_leader_field)
    };
    if is_header(first.body) {
        return is_leader_field(second) || adapter_then_field(second, lines.get(2));
    }
    first.body.to_ascii_lowercase().contains("adapter") && adapter_then_field(first, Some(second))
}

#[derive(Clone, Copy)]
struct Val {
    start: usize,
    end: usize,
}

struct Field<'a> {
    label: &'a str,
    start: usize,
    end: usize,
    /// Indentation of its last line: a continuation line is indented deeper.
    indent: usize,
    values: Vec<Val>,
    multi: bool,
}

struct Adapter<'a> {
    header: Line<'a>,
    kind: Option<Val>,
    name: Val,
    fields: Vec<Field<'a>>,
}

#[derive(Default)]
struct Run<'a> {
    header: Option<Line<'a>>,
    globals: Vec<Field<'a>>,
    adapters: Vec<Adapter<'a>>,
}

impl Run<'_> {
    fn is_empty(&self) -> bool {
        self.header.is_none() && self.globals.is_empty() && self.adapters.is_empty()
    }

    /// The first line of the run, where a note about the whole run points.
    fn first_line(&self) -> Option<Line<'_>> {
        self.header
            .or_else(|| {
                self.globals.first().map(|f| Line {
                    start: f.start,
                    indent: 0,
                    body: "",
                })
            })
            .or_else(|| self.adapters.first().map(|a| a.header))
    }

    /// English when the header says so, or, without a header, when every adapter header reads
    /// `... adapter ...:`.
    fn english(&self) -> bool {
        match self.header {
            Some(h) => is_english_header(h.body),
            None => self.adapters.iter().all(|a| a.kind.is_some()),
        }
    }
}

fn adapter(line: Line<'_>) -> Adapter<'_> {
    let inner = line.body.strip_suffix(':').unwrap_or(line.body).trim_end();
    // `Ethernet adapter :` on old systems has a type and an empty name.
    let kind_end = inner
        .find(" adapter ")
        .map(|i| i + " adapter".len())
        .or_else(|| inner.ends_with(" adapter").then_some(inner.len()));
    let kind = kind_end.map(|k| Val {
        start: line.start,
        end: line.start + k,
    });
    let rest = inner.get(kind_end.unwrap_or(0)..).unwrap_or("");
    let name_at = line.start + kind_end.unwrap_or(0) + (rest.len() - rest.trim_start().len());
    Adapter {
        header: line,
        kind,
        name: Val {
            start: name_at,
            end: name_at + rest.trim().len(),
        },
        fields: Vec::new(),
    }
}

struct Reader<'a> {
    file: FileId,
    errors: Vec<InputError>,
    notes: Vec<InputError>,
    runs: Vec<Run<'a>>,
    run: Run<'a>,
}

impl<'a> Reader<'a> {
    fn new_run(&mut self) {
        if !self.run.is_empty() {
            let done = std::mem::take(&mut self.run);
            self.runs.push(done);
        }
    }

    fn note(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.notes.push(InputError {
            span: Span::new(self.file, start, end),
            message: message.into(),
        });
    }

    fn fields(&mut self) -> &mut Vec<Field<'a>> {
        match self.run.adapters.last_mut() {
            Some(a) => &mut a.fields,
            None => &mut self.run.globals,
        }
    }

    fn line(&mut self, line: Line<'a>, last: &mut Option<usize>) {
        if line.indent == 0 {
            *last = None;
            if is_prompt(line.body) {
                if runs_ipconfig(line.body) {
                    self.new_run();
                }
            } else if is_header(line.body) {
                self.new_run();
                self.run.header = Some(line);
            } else if line.body.ends_with(':') {
                self.run.adapters.push(adapter(line));
            } else {
                self.note(
                    line.start,
                    line.end(),
                    "line not understood as part of ipconfig output: not read",
                );
            }
            return;
        }
        if let Some(sep) = separator(line.body) {
            let label = label_of(line.body.get(..sep).unwrap_or(""));
            let rest = line.body.get(sep + 1..).unwrap_or("");
            let value = rest.trim_start();
            let vstart = line.end() - value.len();
            let val = Val {
                start: vstart,
                end: line.end(),
            };
            let fields = self.fields();
            match fields.iter().position(|f| f.label == label) {
                Some(i) => {
                    if let Some(f) = fields.get_mut(i) {
                        f.values.push(val);
                        f.multi = true;
                        f.end = line.end();
                        f.indent = line.indent;
                    }
                    *last = Some(i);
                }
                None => {
                    fields.push(Field {
                        label,
                        start: line.start,
                        end: line.end(),
                        indent: line.indent,
                        values: vec![val],
                        multi: false,
                    });
                    *last = Some(fields.len() - 1);
                }
            }
            return;
        }
        let continued = (*last).and_then(|i| {
            let f = self.fields().get_mut(i)?;
            (line.indent > f.indent).then_some(f)
        });
        match continued {
            Some(f) => {
                f.values.push(Val {
                    start: line.start,
                    end: line.end(),
                });
                f.multi = true;
                f.end = line.end();
            }
            None => self.errors.push(InputError::at(
                self.file,
                line.start,
                "expected `Label . . . : value` as ipconfig prints it; the line may be cut off",
            )),
        }
    }
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let src: &str = &text;
    let mut r = Reader {
        file,
        errors: Vec::new(),
        notes: Vec::new(),
        runs: Vec::new(),
        run: Run::default(),
    };
    let mut last = None;
    for line in read_lines(src) {
        r.line(line, &mut last);
    }
    r.new_run();
    let mut runs = std::mem::take(&mut r.runs);
    let count = runs.len();
    let run = runs.pop().unwrap_or_default();
    if count > 1
        && let Some(first) = run.first_line()
    {
        r.note(
            first.start,
            first.end().max(first.start + 1),
            format!("{count} ipconfig outputs in this file: only the last one, from here, is read"),
        );
    }
    let english = run.english();
    if !english {
        let at = run
            .header
            .or_else(|| run.adapters.first().map(|a| a.header));
        if let Some(h) = at {
            r.note(h.start, h.end(), FOREIGN_NOTE);
        }
    }
    let mut b = Builder::new(Some(file), DocKind::Text, text.clone(), NodeKind::Object);
    match run.header {
        Some(h) => {
            b.open(NodeKind::Object, Some(GLOBALS), h.start);
            for f in &run.globals {
                emit_field(&mut b, src, f, english);
            }
            b.close(run.globals.last().map_or(h.end(), |f| f.end));
        }
        None => {
            if let Some(f) = run.globals.first() {
                r.note(
                    f.start,
                    run.globals.last().map_or(f.end, |l| l.end),
                    "the output starts mid-way: lines before the first adapter are not read",
                );
            }
        }
    }
    let first = run.adapters.first().map_or(src.len(), |a| a.header.start);
    b.open(NodeKind::Array, Some("adapters"), first);
    let mut end = first;
    for a in &run.adapters {
        b.open(NodeKind::Object, None, a.header.start);
        if english && let Some(k) = a.kind {
            b.leaf(Some("type"), slice(k), k.start, k.end);
        }
        let name = if english {
            a.name
        } else {
            let inner = a.header.body.strip_suffix(':').unwrap_or(a.header.body);
            let inner = inner.trim_end();
            Val {
                start: a.header.start,
                end: a.header.start + inner.len(),
            }
        };
        b.leaf(Some("name"), slice(name), name.start, name.end);
        for f in &a.fields {
            emit_field(&mut b, src, f, english);
        }
        end = a.fields.last().map_or(a.header.end(), |f| f.end);
        b.close(end);
    }
    b.close(end);
    Parsed::new(b.finish(), r.errors, r.notes)
}

fn slice(v: Val) -> Value {
    Value::Slice(v.start as u32, v.end as u32)
}

/// Splits `10.0.0.5(Preferred)` into the address and the state, for the states Windows
/// prints in English.
fn split_state(src: &str, v: Val) -> (Val, Option<Val>) {
    let text = src.get(v.start..v.end).unwrap_or("");
    if let Some(open) = text.rfind('(')
        && let Some(state) = text.get(open + 1..).and_then(|s| s.strip_suffix(')'))
        && STATES.contains(&state)
    {
        let value = text.get(..open).unwrap_or("").trim_end();
        return (
            Val {
                start: v.start,
                end: v.start + value.len(),
            },
            Some(Val {
                start: v.start + open + 1,
                end: v.start + open + 1 + state.len(),
            }),
        );
    }
    (v, None)
}

fn emit_field(b: &mut Builder, src: &str, f: &Field, english: bool) {
    let values: Vec<(Val, Option<Val>)> = f
        .values
        .iter()
        .filter(|v| !f.multi || v.end > v.start)
        .map(|v| {
            if english {
                split_state(src, *v)
            } else {
                (*v, None)
            }
        })
        .collect();
    let has_state = values.iter().any(|(_, s)| s.is_some());
    let state_name = format!("{}@State", f.label);
    match values.as_slice() {
        [(v, state)] if !f.multi => {
            b.leaf(Some(f.label), slice(*v), v.start, v.end);
            if let Some(s) = state {
                b.leaf(Some(&state_name), slice(*s), s.start, s.end);
            }
        }
        _ => {
            b.open(NodeKind::Array, Some(f.label), f.start);
            for (v, _) in &values {
                b.leaf(None, slice(*v), v.start, v.end);
            }
            b.close(f.end);
            if has_state {
                b.open(NodeKind::Array, Some(&state_name), f.start);
                for (v, state) in &values {
                    match state {
                        Some(s) => b.leaf(None, slice(*s), s.start, s.end),
                        None => b.leaf(None, Value::Null, v.start, v.end),
                    };
                }
                b.close(f.end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{node, realworld, spanned};

    /// Invented host; the layout is ipconfig's.
    const SAMPLE: &str = "\r
Windows IP Configuration\r
\r
   Host Name . . . . . . . . . . . . : APPSRV07\r
   Primary Dns Suffix  . . . . . . . : fabrikam.test\r
   IP Routing Enabled. . . . . . . . : No\r
   DNS Suffix Search List. . . . . . : fabrikam.test\r
                                       lab.fabrikam.test\r
\r
Ethernet adapter Ethernet0:\r
\r
   Connection-specific DNS Suffix  . :\r
   Description . . . . . . . . . . . : Contoso Virtual NIC\r
   DHCP Enabled. . . . . . . . . . . : No\r
   Link-local IPv6 Address . . . . . : fe80::1234:5678:9abc:def0%4(Preferred)\r
   IPv4 Address. . . . . . . . . . . : 10.20.30.40(Preferred)\r
   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r
   IPv4 Address. . . . . . . . . . . : 10.20.30.41(Duplicate)\r
   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r
   Default Gateway . . . . . . . . . : 10.20.30.1\r
   DNS Servers . . . . . . . . . . . : 10.20.30.2\r
                                       10.20.30.3\r
   NetBIOS over Tcpip. . . . . . . . : Enabled\r
   Connection-specific DNS Suffix Search List :\r
                                       fabrikam.test\r
\r
Wireless LAN adapter Wi-Fi:\r
\r
   Media State . . . . . . . . . . . : Media disconnected\r
   Description . . . . . . . . . . . : Contoso Wireless\r
\r
Tunnel adapter isatap.{00000000-1111-2222-3333-444444444444}:\r
\r
   Media State . . . . . . . . . . . : Media disconnected\r
";

    fn check_sample(text: &str) {
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
        let doc = &parsed.doc;
        let g = "Windows IP Configuration";
        assert_eq!(spanned(text, doc, &format!("{g}/Host Name")), "APPSRV07");
        assert_eq!(
            spanned(text, doc, &format!("{g}/Primary Dns Suffix")),
            "fabrikam.test"
        );
        assert_eq!(spanned(text, doc, &format!("{g}/IP Routing Enabled")), "No");
        assert_eq!(
            spanned(text, doc, &format!("{g}/DNS Suffix Search List/1")),
            "lab.fabrikam.test"
        );
        assert_eq!(doc.children(node(doc, "adapters")).len(), 3);
        assert_eq!(spanned(text, doc, "adapters/0/type"), "Ethernet adapter");
        assert_eq!(spanned(text, doc, "adapters/0/name"), "Ethernet0");
        assert_eq!(
            doc.scalar(node(doc, "adapters/0/Connection-specific DNS Suffix")),
            Scalar::Str("")
        );
        assert_eq!(
            spanned(text, doc, "adapters/0/Link-local IPv6 Address"),
            "fe80::1234:5678:9abc:def0%4"
        );
        assert_eq!(
            spanned(text, doc, "adapters/0/Link-local IPv6 Address@State"),
            "Preferred"
        );
        assert_eq!(
            spanned(text, doc, "adapters/0/IPv4 Address/1"),
            "10.20.30.41"
        );
        assert_eq!(
            spanned(text, doc, "adapters/0/IPv4 Address@State/1"),
            "Duplicate"
        );
        assert_eq!(doc.children(node(doc, "adapters/0/Subnet Mask")).len(), 2);
        assert_eq!(spanned(text, doc, "adapters/0/DNS Servers/0"), "10.20.30.2");
        assert_eq!(spanned(text, doc, "adapters/0/DNS Servers/1"), "10.20.30.3");
        assert_eq!(
            doc.kind(node(doc, "adapters/0/Default Gateway")),
            NodeKind::Str
        );
        let list = node(doc, "adapters/0/Connection-specific DNS Suffix Search List");
        assert_eq!(
            doc.children(list).len(),
            1,
            "the empty first value is dropped"
        );
        assert_eq!(
            spanned(text, doc, "adapters/1/type"),
            "Wireless LAN adapter"
        );
        assert_eq!(spanned(text, doc, "adapters/1/name"), "Wi-Fi");
        assert_eq!(
            spanned(text, doc, "adapters/1/Media State"),
            "Media disconnected"
        );
        assert_eq!(
            spanned(text, doc, "adapters/2/name"),
            "isatap.{00000000-1111-2222-3333-444444444444}"
        );
        let dns = node(doc, "adapters/0/DNS Servers/1");
        assert_eq!(doc.path(dns), "adapters[0]/DNS Servers[1]");
    }

    #[test]
    fn reads_globals_adapters_and_continuations_with_crlf() {
        check_sample(SAMPLE);
    }

    #[test]
    fn reads_the_same_with_lf_and_mixed_breaks() {
        check_sample(&SAMPLE.replace("\r\n", "\n"));
        let mixed: String = SAMPLE
            .split("\r\n")
            .enumerate()
            .map(|(i, l)| format!("{l}{}", if i % 2 == 0 { "\n" } else { "\r\n" }))
            .collect();
        check_sample(&mixed);
    }

    #[test]
    fn plain_ipconfig_without_globals() {
        let text = "\nWindows IP Configuration\n\n\nEthernet adapter LAN:\n\n   Connection-specific DNS Suffix  . : fabrikam.test\n   IPv4 Address. . . . . . . . . . . : 192.0.2.10\n   Subnet Mask . . . . . . . . . . . : 255.255.255.0\n   Default Gateway . . . . . . . . . : 192.0.2.1\n";
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty() && parsed.notes.is_empty());
        assert_eq!(
            spanned(text, &parsed.doc, "adapters/0/IPv4 Address"),
            "192.0.2.10"
        );
    }

    #[test]
    fn old_layout_with_deeper_indentation() {
        let text = "\r\nWindows 2000 IP Configuration\r\n\r\n        Host Name . . . . . . . . . . . . : OLDPC\r\n        Node Type . . . . . . . . . . . . : Broadcast\r\n\r\nEthernet adapter Local Area Connection:\r\n\r\n        Description . . . . . . . . . . . : Contoso Fast Ethernet\r\n        IP Address. . . . . . . . . . . . : 192.0.2.50\r\n        DNS Servers . . . . . . . . . . . : 192.0.2.1\r\n                                            192.0.2.2\r\n";
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty() && parsed.notes.is_empty());
        let doc = &parsed.doc;
        assert_eq!(
            spanned(text, doc, "Windows IP Configuration/Host Name"),
            "OLDPC"
        );
        assert_eq!(
            spanned(text, doc, "adapters/0/name"),
            "Local Area Connection"
        );
        assert_eq!(spanned(text, doc, "adapters/0/IP Address"), "192.0.2.50");
        assert_eq!(spanned(text, doc, "adapters/0/DNS Servers/1"), "192.0.2.2");
    }

    #[test]
    fn pasted_runs_keep_the_last_and_note_it() {
        let partial =
            "Ethernet adapter LAN:\n\n   IPv4 Address. . . . . . . . . . . : 192.0.2.10\n\n";
        let text = format!(
            "{partial}C:\\Users\\op>ipconfig /all\n{}",
            SAMPLE.replace("\r\n", "\n")
        );
        assert!(recognize(&text));
        let parsed = parse(FileId(0), Arc::from(text.as_str()));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.notes.len(), 1, "{:?}", parsed.notes);
        assert!(parsed.notes[0].message.contains("only the last"));
        assert_eq!(
            &text[parsed.notes[0].span.range()],
            "Windows IP Configuration"
        );
        let doc = &parsed.doc;
        assert_eq!(doc.children(node(doc, "adapters")).len(), 3);
        assert_eq!(spanned(&text, doc, "adapters/0/name"), "Ethernet0");
    }

    #[test]
    fn output_starting_mid_way_reads_the_adapters() {
        let text = "   NetBIOS over Tcpip. . . . . . . . : Enabled\n\nEthernet adapter LAN:\n\n   IPv4 Address. . . . . . . . . . . : 192.0.2.10\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.notes.len(), 1);
        assert!(parsed.notes[0].message.contains("mid-way"));
        assert_eq!(parsed.doc.child(Document::ROOT, GLOBALS), None);
        assert_eq!(
            spanned(text, &parsed.doc, "adapters/0/IPv4 Address"),
            "192.0.2.10"
        );
    }

    #[test]
    fn foreign_language_is_read_generically_with_one_note() {
        let text = "\nWindows-IP-Konfiguration\n\n   Hostname  . . . . . . . . . . . . : PC-DE01\n   Primäres DNS-Suffix . . . . . . . :\n\nEthernet-Adapter Ethernet:\n\n   Verbindungsspezifisches DNS-Suffix: \n   IPv4-Adresse  . . . . . . . . . . : 192.0.2.20(Bevorzugt)\n   Subnetzmaske  . . . . . . . . . . : 255.255.255.0\n";
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.notes.len(), 1);
        assert_eq!(parsed.notes[0].message, FOREIGN_NOTE);
        assert_eq!(
            &text[parsed.notes[0].span.range()],
            "Windows-IP-Konfiguration"
        );
        let doc = &parsed.doc;
        assert_eq!(
            spanned(text, doc, "Windows IP Configuration/Hostname"),
            "PC-DE01"
        );
        assert_eq!(
            spanned(text, doc, "adapters/0/name"),
            "Ethernet-Adapter Ethernet"
        );
        assert_eq!(doc.lookup(Document::ROOT, "adapters/0/type"), None);
        assert_eq!(
            spanned(text, doc, "adapters/0/IPv4-Adresse"),
            "192.0.2.20(Bevorzugt)"
        );
    }

    #[test]
    fn cut_off_lines_are_errors_and_truncation_never_panics() {
        for cut in 0..SAMPLE.len() {
            if let Some(part) = SAMPLE.get(..cut) {
                let _ = parse(FileId(0), Arc::from(part));
                let _ = recognize(part);
            }
        }
        let cut = &SAMPLE[..SAMPLE.find("   Subnet Mask").expect("field") + 20];
        let parsed = parse(FileId(0), Arc::from(cut));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            &cut[parsed.errors[0].span.start as usize..],
            "Subnet Mask . . ."
        );
        assert_eq!(
            spanned(cut, &parsed.doc, "adapters/0/IPv4 Address"),
            "10.20.30.40"
        );
    }

    #[test]
    fn recognizer_rejects_other_formats() {
        let negatives = [
            "\r\nHost Name:                 SRV01\r\nOS Name:                   Microsoft Windows Server 2019 Standard\r\n",
            "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\r\n\r\nType            Name                           SourceOfValue   Value\r\n----            ----                           -------------   -----\r\n",
            "[OPTIONS]\r\nACTION=\"Upgrade\"\r\n",
            "Config\r\n    MaxEnvelopeSizekb = 500\r\n    Client\r\n",
            "{\"Windows IP Configuration\": {\"Host Name\": \"x\"}}",
            "<?xml version=\"1.0\"?>\n<adapter name=\"Ethernet0\"/>\n",
            "InterfaceAlias,IPv4Address\nEthernet0,10.0.0.5\n",
            "Windows IP Configuration\n\nsomething else\n",
            "Ethernet adapter Ethernet0:\n\n   IPv4 Address: 10.0.0.5\n",
            "",
        ];
        for text in negatives {
            assert!(!recognize(text), "accepted: {text:?}");
        }
    }

    #[test]
    fn real_samples_are_read_without_errors() {
        for rel in [
            "ipconfig/jc-windows-10-ipconfig.out",
            "ipconfig/jc-windows-11-ipconfig.out",
            "ipconfig/jc-windows-2008-ipconfig.out",
            "ipconfig/jc-windows-2016-ipconfig.out",
            "ipconfig/jc-windows-7-ipconfig.out",
            "ipconfig/jc-windows-xp-ipconfig.out",
            "ipconfig/scryerbook-ipconfig_all-concatenated.txt",
            "ipconfig/gkk-ipconfig_all-zh-CN-gbk.txt",
        ] {
            let Some(bytes) = realworld(rel) else {
                continue;
            };
            let (src, _) = crate::source::SourceText::decode(&bytes);
            assert!(recognize(&src.text), "{rel} not recognized");
            assert_eq!(
                crate::parse::recognize(&src.text).map(|f| f.name),
                Some("ipconfig"),
                "{rel}: an earlier format took it"
            );
            let parsed = parse(FileId(0), src.text.clone());
            assert!(parsed.errors.is_empty(), "{rel}: {:?}", parsed.errors);
            let doc = &parsed.doc;
            let adapters = doc.lookup(Document::ROOT, "adapters").expect("adapters");
            assert!(!doc.children(adapters).is_empty(), "{rel}: no adapter");
            let foreign = parsed.notes.iter().any(|n| n.message == FOREIGN_NOTE);
            if rel.starts_with("ipconfig/gkk") {
                assert!(foreign, "{rel}: no language note");
            } else {
                assert!(!foreign, "{rel}: misjudged as foreign");
                assert!(
                    doc.lookup(Document::ROOT, "adapters/0/type").is_some(),
                    "{rel}"
                );
            }
            if rel.starts_with("ipconfig/scryerbook") {
                assert_eq!(parsed.notes.len(), 1, "{rel}: {:?}", parsed.notes);
                assert!(doc.lookup(Document::ROOT, GLOBALS).is_some());
            } else if !rel.starts_with("ipconfig/gkk") {
                assert!(parsed.notes.is_empty(), "{rel}: {:?}", parsed.notes);
            }
        }
    }
}
