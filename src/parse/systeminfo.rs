//! The text `systeminfo` prints (its default list layout): `Label:` at column 0, padding to a
//! common value column, the value.
//!
//! Every label becomes a string leaf named exactly as printed (`OS Name`, `Virtual Memory: Max
//! Size`), with the span of the value only. A label followed by indented lines is a section:
//! - with `[01]: ...` items (`Processor(s)`, `Hotfix(s)`, `Network Card(s)`) it becomes an
//!   object with `summary` (the text after the label) and an array `items`; an item with more
//!   indented lines under it (every network card) is an object with `name` and its own labelled
//!   fields, where an unlabelled line such as `IP address(es)` opens an array of the `[NN]:`
//!   lines after it;
//! - with `Name: value` lines only (`Hyper-V Requirements`) it becomes an object of those;
//!   `Hyper-V Requirements` is always an object, holding `summary` when Windows printed a
//!   sentence instead (a hypervisor is already running);
//! - otherwise (several page files) an array of the lines.
//!
//! Output in another language has the same layout, so it is read the same way with its labels
//! kept as printed, plus one note saying so: the facts derived from systeminfo look for the
//! English labels and must not guess at translations. A second output pasted after the first
//! (its first label again) is not read, and a note says where it starts.

use std::sync::Arc;

use super::lines::{Line, is_prompt};
use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::{FileId, Span};

pub const FORMAT: Format = Format {
    name: "systeminfo",
    produced_by: "systeminfo (default list output)",
    recognize,
    parse,
};

const FOREIGN_NOTE: &str = "systeminfo output in a language other than English: labels kept as they are, no facts are read";

/// Labels whose section is a list even when nothing is listed under it.
const LIST_LABELS: &[&str] = &["Processor(s)", "Hotfix(s)", "Network Card(s)"];
/// The list whose items are always objects (each card has fields under it).
const CARDS_LABEL: &str = "Network Card(s)";
const HYPERV_LABEL: &str = "Hyper-V Requirements";

fn read_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = super::lines::indented(text);
    lines.retain(|l| !(l.indent == 0 && is_prompt(l.body)));
    lines
}

/// The value column (in characters) of a `Label:   value` line, if it has padding.
fn value_column(body: &str) -> Option<usize> {
    let colon = body.find(": ")?;
    let after = body.get(colon + 1..)?;
    let value = after.trim_start();
    if value.is_empty() {
        return None;
    }
    let value_at = body.len() - value.len();
    Some(body.get(..value_at)?.chars().count())
}

/// Splits a column-0 line into its label (without the colon) and the byte offset of its
/// value. The value column comes first because labels may hold a colon themselves
/// (`Virtual Memory: Max Size:`); a label longer than the column falls back to `: `.
fn split_label(body: &str, vcol: usize) -> Option<(&str, usize)> {
    if let Some((at, _)) = body.char_indices().nth(vcol)
        && let Some(head) = body.get(..at)
        && head.ends_with([' ', '\t'])
        && let Some(label) = head.trim_end().strip_suffix(':')
        && !label.trim().is_empty()
    {
        return Some((label.trim_end(), at));
    }
    if let Some(label) = body.strip_suffix(':')
        && !label.trim().is_empty()
    {
        return Some((label.trim_end(), body.len()));
    }
    let colon = body.find(": ")?;
    let label = body.get(..colon)?.trim_end();
    (!label.is_empty()).then_some((label, colon + 1))
}

/// `Name: value` inside a section: the name and the byte offset of the value.
fn split_pair(body: &str) -> Option<(&str, usize)> {
    let (label, at) = match body.find(": ") {
        Some(i) => (body.get(..i)?, i + 1),
        None => (body.strip_suffix(':')?, body.len()),
    };
    let label = label.trim_end();
    (!label.is_empty() && !label.starts_with('[')).then_some((label, at))
}

/// `[01]: text` → the byte offset of `text`.
fn item_value(body: &str) -> Option<usize> {
    let rest = body.strip_prefix('[')?;
    let close = rest.find("]:")?;
    let digits = rest.get(..close)?;
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(close + 3)
}

/// The trimmed value starting at byte `from` of `line`, as a span.
fn value_span(line: &Line, from: usize) -> (usize, usize) {
    let rest = line.body.get(from..).unwrap_or("");
    let value = rest.trim();
    let start = line.start + from + (rest.len() - rest.trim_start().len());
    (start, start + value.len())
}

fn slice((s, e): (usize, usize)) -> Value {
    Value::Slice(s as u32, e as u32)
}

fn recognize(text: &str) -> bool {
    // The first few lines decide; splitting more of every file offered would be waste.
    let text = super::head(text, 1024);
    let lines = read_lines(text);
    let head: Vec<&Line> = lines.iter().take(4).collect();
    let Some(first) = head.first() else {
        return false;
    };
    if first.indent == 0 && first.body.starts_with("Host Name:") {
        return head.iter().skip(1).any(|l| l.body.starts_with("OS Name:"));
    }
    // Another language: the same aligned `Label:   value` lines, and the OS name among them.
    let Some(vcol) = value_column(first.body) else {
        return false;
    };
    head.len() == 4
        && vcol >= 10
        && head.iter().all(|l| {
            // `Label:` right against its colon: `Name   : value` is PowerShell's list view.
            l.indent == 0
                && split_label(l.body, vcol).is_some_and(|(label, at)| {
                    l.body.get(..at).is_some_and(|h| h.chars().count() == vcol)
                        && l.body
                            .get(label.len()..)
                            .is_some_and(|r| r.starts_with(':'))
                })
        })
        && head.iter().any(|l| {
            split_label(l.body, vcol)
                .and_then(|(_, at)| l.body.get(at..))
                .is_some_and(|v| {
                    let v = v.trim_start();
                    v.starts_with("Microsoft") && v.contains("Windows")
                })
        })
}

struct Reader {
    b: Builder,
    file: FileId,
    errors: Vec<InputError>,
    notes: Vec<InputError>,
    english: bool,
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let src: &str = &text;
    let lines = read_lines(src);
    let vcol = lines
        .iter()
        .filter(|l| l.indent == 0)
        .find_map(|l| value_column(l.body))
        .unwrap_or(0);
    let labels: Vec<&str> = lines
        .iter()
        .filter(|l| l.indent == 0)
        .filter_map(|l| split_label(l.body, vcol).map(|(label, _)| label))
        .take(4)
        .collect();
    let english = labels.first() == Some(&"Host Name") && labels.contains(&"OS Name");
    let mut r = Reader {
        b: Builder::new(Some(file), DocKind::Text, text.clone(), NodeKind::Object),
        file,
        errors: Vec::new(),
        notes: Vec::new(),
        english,
    };
    let mut first_label: Option<&str> = None;
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let conts_end = lines
            .iter()
            .skip(i + 1)
            .position(|l| l.indent == 0)
            .map_or(lines.len(), |p| i + 1 + p);
        let conts = lines.get(i + 1..conts_end).unwrap_or(&[]);
        i = conts_end;
        if line.indent > 0 {
            for l in std::iter::once(line).chain(conts) {
                r.errors.push(InputError::at(
                    file,
                    l.start,
                    "indented line before any `Label:` line",
                ));
            }
            continue;
        }
        let Some((label, value_at)) = split_label(line.body, vcol) else {
            r.errors.push(InputError::at(
                file,
                line.start,
                "expected `Label:` followed by a value, as systeminfo prints it",
            ));
            continue;
        };
        match first_label {
            None => {
                first_label = Some(label);
                if !english {
                    r.notes.push(InputError {
                        span: Span::new(file, line.start, line.start + label.len()),
                        message: FOREIGN_NOTE.into(),
                    });
                }
            }
            Some(first) if first == label => {
                r.notes.push(InputError {
                    span: Span::new(file, line.start, line.end()),
                    message: "a second systeminfo output starts here: only the first one is read"
                        .into(),
                });
                break;
            }
            Some(_) => {}
        }
        r.section(line, label, value_at, conts);
    }
    Parsed::new(r.b.finish(), r.errors, r.notes)
}

impl Reader {
    fn section(&mut self, line: &Line, label: &str, value_at: usize, conts: &[Line]) {
        let value = value_span(line, value_at);
        let end = conts.last().map_or(line.end(), Line::end);
        let has_items = conts.iter().any(|l| item_value(l.body).is_some());
        let list = has_items || (self.english && LIST_LABELS.contains(&label));
        if list {
            let cards = self.english && label == CARDS_LABEL;
            self.b.open(NodeKind::Object, Some(label), line.start);
            self.b.leaf(Some("summary"), slice(value), value.0, value.1);
            self.items(conts, cards, value.1);
            self.b.close(end);
            return;
        }
        let hyperv = self.english && label == HYPERV_LABEL;
        if conts.is_empty() && !hyperv {
            self.b.leaf(Some(label), slice(value), value.0, value.1);
            return;
        }
        let first = Line {
            start: value.0,
            indent: 0,
            body: self.text_of(line, value),
        };
        let all: Vec<Line> = std::iter::once(first)
            .chain(conts.iter().copied())
            .filter(|l| !l.body.is_empty())
            .collect();
        let pairs = all.iter().all(|l| split_pair(l.body).is_some());
        if pairs || hyperv {
            self.b.open(NodeKind::Object, Some(label), line.start);
            let mut summary = false;
            for l in &all {
                match split_pair(l.body) {
                    Some((name, at)) => {
                        let v = value_span(l, at);
                        self.b.leaf(Some(name), slice(v), v.0, v.1);
                    }
                    None if !summary => {
                        summary = true;
                        let v = (l.start, l.end());
                        self.b.leaf(Some("summary"), slice(v), v.0, v.1);
                    }
                    None => self.not_understood(l),
                }
            }
            self.b.close(end);
        } else {
            self.b.open(NodeKind::Array, Some(label), line.start);
            for l in &all {
                self.b
                    .leaf(None, slice((l.start, l.end())), l.start, l.end());
            }
            self.b.close(end);
        }
    }

    fn text_of<'t>(&self, line: &Line<'t>, (s, e): (usize, usize)) -> &'t str {
        line.body
            .get(s.saturating_sub(line.start)..e.saturating_sub(line.start))
            .unwrap_or("")
    }

    /// The `[NN]:` items of a list section; `objects` makes every item an object (network
    /// cards), otherwise only items with lines under them are.
    fn items(&mut self, conts: &[Line], objects: bool, at: usize) {
        self.b.open(
            NodeKind::Array,
            Some("items"),
            conts.first().map_or(at, |l| l.start),
        );
        let mut k = 0;
        while let Some(line) = conts.get(k) {
            let subs_end = conts
                .iter()
                .skip(k + 1)
                .position(|l| l.indent <= line.indent)
                .map_or(conts.len(), |p| k + 1 + p);
            let subs = conts.get(k + 1..subs_end).unwrap_or(&[]);
            k = subs_end;
            let Some(value_at) = item_value(line.body) else {
                self.not_understood(line);
                for l in subs {
                    self.not_understood(l);
                }
                continue;
            };
            let v = value_span(line, value_at);
            if subs.is_empty() && !objects {
                self.b.leaf(None, slice(v), v.0, v.1);
                continue;
            }
            self.b.open(NodeKind::Object, None, line.start);
            self.b.leaf(Some("name"), slice(v), v.0, v.1);
            self.fields(subs);
            self.b.close(subs.last().map_or(line.end(), Line::end));
        }
        self.b.close(conts.last().map_or(at, Line::end));
    }

    /// The lines under one item: `Name: value` leaves, and arrays opened by an unlabelled line
    /// (`IP address(es)`) holding the `[NN]:` lines after it.
    fn fields(&mut self, subs: &[Line]) {
        let mut array_end: Option<usize> = None;
        for l in subs {
            if let Some(at) = item_value(l.body) {
                if array_end.is_none() {
                    self.b.open(NodeKind::Array, Some("items"), l.start);
                }
                let v = value_span(l, at);
                self.b.leaf(None, slice(v), v.0, v.1);
                array_end = Some(l.end());
                continue;
            }
            if let Some(end) = array_end.take() {
                self.b.close(end);
            }
            match split_pair(l.body) {
                Some((name, at)) => {
                    let v = value_span(l, at);
                    self.b.leaf(Some(name), slice(v), v.0, v.1);
                }
                None => {
                    self.b.open(NodeKind::Array, Some(l.body), l.start);
                    array_end = Some(l.end());
                }
            }
        }
        if let Some(end) = array_end {
            self.b.close(end);
        }
    }

    fn not_understood(&mut self, l: &Line) {
        self.notes.push(InputError {
            span: Span::new(self.file, l.start, l.end()),
            message: "systeminfo line not understood: not read".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{node, realworld, spanned};

    /// Invented machine; the layout (column 27, nested cards) is systeminfo's.
    const SAMPLE: &str = "\r
Host Name:                 APPSRV07\r
OS Name:                   Microsoft Windows Server 2016 Datacenter\r
OS Version:                10.0.14393 N/A Build 14393\r
OS Manufacturer:           Microsoft Corporation\r
OS Configuration:          Member Server\r
Registered Organization:   \r
Processor(s):              2 Processor(s) Installed.\r
                           [01]: Intel64 Family 6 Model 85 Stepping 4 GenuineIntel ~2100 Mhz\r
                           [02]: Intel64 Family 6 Model 85 Stepping 4 GenuineIntel ~2100 Mhz\r
Total Physical Memory:     16,383 MB\r
Virtual Memory: Max Size:  18,815 MB\r
Page File Location(s):     C:\\pagefile.sys\r
                           D:\\pagefile.sys\r
Domain:                    fabrikam.test\r
Hotfix(s):                 2 Hotfix(s) Installed.\r
                           [01]: KB5000001\r
                           [02]: KB5000002\r
Network Card(s):           2 NIC(s) Installed.\r
                           [01]: Contoso Virtual NIC\r
                                 Connection Name: Ethernet0\r
                                 DHCP Enabled:    No\r
                                 IP address(es)\r
                                 [01]: 10.20.30.40\r
                                 [02]: fe80::1234:5678:9abc:def0\r
                           [02]: Contoso Teaming Adapter\r
                                 Connection Name: Team 1\r
                                 Status:          Media disconnected\r
Hyper-V Requirements:      VM Monitor Mode Extensions: Yes\r
                           Virtualization Enabled In Firmware: No\r
                           Second Level Address Translation: Yes\r
                           Data Execution Prevention Available: Yes\r
";

    fn check_sample(text: &str) {
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
        let doc = &parsed.doc;
        assert_eq!(spanned(text, doc, "Host Name"), "APPSRV07");
        assert_eq!(
            spanned(text, doc, "OS Name"),
            "Microsoft Windows Server 2016 Datacenter"
        );
        assert_eq!(
            spanned(text, doc, "OS Version"),
            "10.0.14393 N/A Build 14393"
        );
        assert_eq!(spanned(text, doc, "Total Physical Memory"), "16,383 MB");
        assert_eq!(spanned(text, doc, "Virtual Memory: Max Size"), "18,815 MB");
        assert_eq!(
            doc.scalar(node(doc, "Registered Organization")),
            Scalar::Str("")
        );
        assert_eq!(
            spanned(text, doc, "Processor(s)/summary"),
            "2 Processor(s) Installed."
        );
        assert_eq!(
            spanned(text, doc, "Processor(s)/items/1"),
            "Intel64 Family 6 Model 85 Stepping 4 GenuineIntel ~2100 Mhz"
        );
        assert_eq!(spanned(text, doc, "Hotfix(s)/items/1"), "KB5000002");
        assert_eq!(doc.children(node(doc, "Hotfix(s)/items")).len(), 2);
        assert_eq!(
            spanned(text, doc, "Page File Location(s)/1"),
            "D:\\pagefile.sys"
        );
        let cards = node(doc, "Network Card(s)/items");
        assert_eq!(doc.children(cards).len(), 2);
        assert_eq!(
            spanned(text, doc, "Network Card(s)/items/0/name"),
            "Contoso Virtual NIC"
        );
        assert_eq!(
            spanned(text, doc, "Network Card(s)/items/0/Connection Name"),
            "Ethernet0"
        );
        assert_eq!(
            spanned(text, doc, "Network Card(s)/items/0/DHCP Enabled"),
            "No"
        );
        assert_eq!(
            spanned(text, doc, "Network Card(s)/items/0/IP address(es)/1"),
            "fe80::1234:5678:9abc:def0"
        );
        assert_eq!(
            spanned(text, doc, "Network Card(s)/items/1/Status"),
            "Media disconnected"
        );
        assert_eq!(
            spanned(text, doc, "Hyper-V Requirements/VM Monitor Mode Extensions"),
            "Yes"
        );
        assert_eq!(
            spanned(
                text,
                doc,
                "Hyper-V Requirements/Virtualization Enabled In Firmware"
            ),
            "No"
        );
        let ip = node(doc, "Network Card(s)/items/0/IP address(es)/0");
        assert_eq!(doc.path(ip), "Network Card(s)/items[0]/IP address(es)[0]");
    }

    #[test]
    fn reads_labels_lists_cards_and_hyperv_with_crlf() {
        check_sample(SAMPLE);
    }

    #[test]
    fn reads_the_same_with_lf() {
        check_sample(&SAMPLE.replace("\r\n", "\n"));
    }

    #[test]
    fn hypervisor_sentence_is_a_summary() {
        let text = "Host Name:                 HV01\nOS Name:                   Microsoft Windows Server 2019 Standard\nHyper-V Requirements:      A hypervisor has been detected. Features required for Hyper-V will not be displayed.\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty());
        let doc = &parsed.doc;
        assert!(spanned(text, doc, "Hyper-V Requirements/summary").starts_with("A hypervisor"));
    }

    #[test]
    fn foreign_language_is_read_generically_with_a_note() {
        let text = "\nHostname:                                      SRV-DE01\nBetriebssystemname:                            Microsoft Windows Server 2019 Standard\nBetriebssystemversion:                         10.0.17763 Nicht zutreffend Build 17763\nBetriebssystemhersteller:                      Microsoft Corporation\nProzessor(en):                                 1 Prozessor(en) installiert.\n                                               [01]: Intel64 Family 6 Model 85 Stepping 7 GenuineIntel ~2200 MHz\nHyper-V-Anforderungen:                         Erweiterungen für den VM-Überwachungsmodus: Ja\n                                               Virtualisierung in Firmware aktiviert: Ja\n";
        assert!(recognize(text));
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.notes.len(), 1);
        assert_eq!(parsed.notes[0].message, FOREIGN_NOTE);
        assert_eq!(&text[parsed.notes[0].span.range()], "Hostname");
        let doc = &parsed.doc;
        assert_eq!(spanned(text, doc, "Hostname"), "SRV-DE01");
        assert_eq!(doc.child(Document::ROOT, "Host Name"), None);
        assert!(spanned(text, doc, "Prozessor(en)/items/0").starts_with("Intel64"));
        assert_eq!(
            spanned(
                text,
                doc,
                "Hyper-V-Anforderungen/Virtualisierung in Firmware aktiviert"
            ),
            "Ja"
        );
    }

    #[test]
    fn second_output_is_noted_not_read() {
        let one =
            "Host Name:                 A1\nOS Name:                   Microsoft Windows 10 Pro\n";
        let text = format!(
            "{one}\nC:\\Users\\op>systeminfo\n\n{}",
            one.replace("A1", "B2")
        );
        let parsed = parse(FileId(0), Arc::from(text.as_str()));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.notes.len(), 1);
        assert_eq!(spanned(&text, &parsed.doc, "Host Name"), "A1");
        assert_eq!(parsed.doc.children(Document::ROOT).len(), 2);
    }

    #[test]
    fn truncated_input_never_panics_and_reports_a_cut_label() {
        for cut in 0..SAMPLE.len() {
            if let Some(part) = SAMPLE.get(..cut) {
                let _ = parse(FileId(0), Arc::from(part));
                let _ = recognize(part);
            }
        }
        let cut = &SAMPLE[..SAMPLE.find("Total Physical").expect("label") + 8];
        let parsed = parse(FileId(0), Arc::from(cut));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(&cut[parsed.errors[0].span.start as usize..], "Total Ph");
        assert_eq!(spanned(cut, &parsed.doc, "Host Name"), "APPSRV07");
    }

    #[test]
    fn recognizer_rejects_other_formats() {
        let negatives = [
            "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : PC1\r\n   Node Type . . . . . . . . . . . . : Hybrid\r\n",
            "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\r\n\r\nType            Name                           SourceOfValue   Value\r\n----            ----                           -------------   -----\r\nSystem.String   MaxConnections                                 300\r\n",
            "[OPTIONS]\r\nACTION=\"Upgrade\"\r\n",
            "Config\r\n    MaxEnvelopeSizekb = 500\r\n    Client\r\n",
            "{\"Host Name\": \"x\", \"OS Name\": \"Microsoft Windows\"}",
            "<?xml version=\"1.0\"?>\n<Host>Microsoft Windows</Host>\n",
            "\"Host Name\",\"OS Name\"\n\"SRV01\",\"Microsoft Windows Server 2019\"\n",
            "Name     : Spooler\nStatus   : Running\nOS       : Microsoft Windows\nKind     : x\n",
            "Host Name: SRV01\n",
            "",
        ];
        for text in negatives {
            assert!(!recognize(text), "accepted: {text:?}");
        }
    }

    #[test]
    fn real_samples_are_read_without_errors() {
        for rel in [
            "other/jc-windows-10-systeminfo-hyperv.out",
            "other/jc-windows-2012r2-systeminfo.out",
        ] {
            let Some(bytes) = realworld(rel) else {
                continue;
            };
            let (src, _) = crate::source::SourceText::decode(&bytes);
            assert!(recognize(&src.text), "{rel} not recognized");
            assert_eq!(
                crate::parse::recognize(&src.text).map(|f| f.name),
                Some("systeminfo"),
                "{rel}: an earlier format took it"
            );
            let parsed = parse(FileId(0), src.text.clone());
            assert!(parsed.errors.is_empty(), "{rel}: {:?}", parsed.errors);
            assert!(parsed.notes.is_empty(), "{rel}: {:?}", parsed.notes);
            let doc = &parsed.doc;
            for path in [
                "OS Name",
                "OS Version",
                "Total Physical Memory",
                "Hotfix(s)/items/0",
                "Network Card(s)/items/0/Connection Name",
                "Hyper-V Requirements",
            ] {
                assert!(doc.lookup(Document::ROOT, path).is_some(), "{rel}: {path}");
            }
        }
    }
}
