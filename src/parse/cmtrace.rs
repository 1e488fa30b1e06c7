//! Component logs of Configuration Manager (SMS) and MDT, as CMTrace reads them: `ccmsetup.log`,
//! `smsts.log`, the site server's `Logs\*.log`.
//!
//! Two layouts exist, and a file uses one of them (decided from its first entry):
//! - the CMTrace layout, `<![LOG[message]LOG]!><time="15:10:29.068+00" date="02-04-2020"
//!   component="ccmsetup" context="" type="1" thread="3396" file="ccmsetup.cpp:9498">`, where
//!   the message runs to `]LOG]!>` whatever it holds (line breaks, `<`, `]`, whole XML
//!   documents) and the attributes come in any order and any letter case;
//! - the older SMS 2003 / ConfigMgr 2007 layout, one entry per line,
//!   `message  $$<Component><MM-DD-YYYY HH:MM:SS.mmm+TZ><thread=1234 (0x4D2)>`, whose message
//!   may also span lines (they belong to the entry whose trailer ends them). It has no
//!   severity, so its entries have no `type`: uplint does not guess one from the words of the
//!   message.
//!
//! The document is a root array with one object per entry: `message`, then the attributes as
//! strings named in lower case (`time`, `date`, `component`, `context`, `type`, `thread`,
//! `file`; unknown ones as written), except `type`, which is an integer when it is one (1
//! information, 2 warning, 3 error, 0 verbose). Every value's span is its text in the file, so
//! a finding points at the line of the entry. Text outside entries and attributes that do not
//! end with `>` are input errors at the byte where they broke; reading goes on with the next
//! entry. An entry cut short by the next one, and the tail of such an entry, are notes: several
//! programs write `smsts.log` at once, so its entries break into each other in every copy. Timestamps are kept as written: turning them into dates is the
//! facts' business.

use std::sync::Arc;

use memchr::memmem;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "cmtrace-log",
    produced_by: "Configuration Manager / SMS and MDT component logs (ccmsetup.log, smsts.log, ...)",
    recognize,
    parse,
};

const OPEN: &str = "<![LOG[";
const CLOSE: &str = "]LOG]!>";
const SMS_MARK: &str = "$$<";

/// Attribute names as CMTrace writes them; a match in another letter case (some writers
/// use `TYPE=`) gets this spelling.
const KNOWN_ATTRIBUTES: &[&str] = &[
    "time",
    "date",
    "component",
    "context",
    "type",
    "thread",
    "file",
];

fn recognize(text: &str) -> bool {
    let t = super::trim_start(text);
    if t.starts_with(OPEN) {
        return true;
    }
    // The old layout: a trailer ends one of the first lines (a message may take a few).
    super::lines::raw(t)
        .map(|(_, l)| l.trim_end())
        .filter(|l| !l.is_empty())
        .take(5)
        .any(|l| l.rfind(SMS_MARK).is_some_and(|m| sms_trailer(l, m).is_ok()))
}

struct Reader<'a> {
    src: &'a str,
    b: Builder,
    file: FileId,
    errors: Vec<InputError>,
    notes: Vec<InputError>,
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let src: &str = &text;
    let mut r = Reader {
        src,
        b: Builder::new(Some(file), DocKind::Log, text.clone(), NodeKind::Array),
        file,
        errors: Vec::new(),
        notes: Vec::new(),
    };
    let start = src.len() - super::trim_start(src).len();
    if src.get(start..).is_some_and(|s| s.starts_with(OPEN)) {
        r.cmtrace(start);
    } else {
        r.sms(start);
    }
    Parsed::new(r.b.finish(), r.errors, r.notes)
}

fn slice(start: usize, end: usize) -> Value {
    Value::Slice(start as u32, end as u32)
}

fn is_blank(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0
}

/// Where the line holding byte `at` ends (before its line break).
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(at..)
        .and_then(|r| memchr::memchr2(b'\r', b'\n', r))
        .map_or(bytes.len(), |i| at + i)
}

impl Reader<'_> {
    fn error(&mut self, at: usize, message: &str) {
        self.errors.push(InputError::at(self.file, at, message));
    }

    /// Several programs write `smsts.log` at once, so one's entry can break into another's:
    /// that is how the log is, not a damaged copy, and re-exporting would not change it.
    fn interleaved(&mut self, at: usize, message: &str) {
        self.notes.push(InputError::at(self.file, at, message));
    }

    /// The CMTrace layout. Each search starts where the previous one stopped or is reused, so
    /// the whole file is scanned a bounded number of times whatever its entries look like.
    fn cmtrace(&mut self, mut pos: usize) {
        let src = self.src;
        let bytes = src.as_bytes();
        let len = bytes.len();
        let open = memmem::Finder::new(OPEN);
        let close = memmem::Finder::new(CLOSE);
        // The first `]LOG]!>` at or after some offset, remembered so that a run of entries cut
        // short (no terminator anywhere) does not rescan the rest of the file for each one.
        let mut next_close: Option<(usize, Option<usize>)> = None;
        while pos < len {
            while bytes.get(pos).copied().is_some_and(is_blank) {
                pos += 1;
            }
            let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) else {
                break;
            };
            if !rest.starts_with(OPEN.as_bytes()) {
                let next = open.find(rest).map_or(len, |i| pos + i);
                // The tail of an entry another writer broke into ends like an entry; anything
                // else is foreign text. Both are skipped up to the next entry.
                let tail = bytes
                    .get(pos..next)
                    .and_then(|t| close.find(t).map(|i| pos + i));
                if tail.is_some_and(|c| bytes.get(c + CLOSE.len()) == Some(&b'<')) {
                    self.interleaved(
                        pos,
                        "the end of a log entry whose beginning another program writing this log overwrote (usual in smsts.log): skipped",
                    );
                } else {
                    self.error(
                        pos,
                        "text outside a `<![LOG[...]LOG]!>` entry: skipped up to the next entry",
                    );
                }
                pos = next;
                continue;
            }
            let msg_start = pos + OPEN.len();
            let term = match next_close {
                Some((from, found))
                    if from <= msg_start && found.is_none_or(|c| c >= msg_start) =>
                {
                    found
                }
                _ => {
                    let found = bytes
                        .get(msg_start..)
                        .and_then(|r| close.find(r))
                        .map(|i| msg_start + i);
                    next_close = Some((msg_start, found));
                    found
                }
            };
            // A new entry on a line of its own before the terminator: this one was cut short
            // (its program stopped writing mid-entry) and the next one is read on its own.
            let limit = term.unwrap_or(len);
            let restart = bytes.get(msg_start..limit).and_then(|m| {
                open.find_iter(m)
                    .map(|i| msg_start + i)
                    .find(|&at| matches!(bytes.get(at - 1), Some(b'\n' | b'\r')))
            });
            match (restart, term) {
                (Some(next), _) => {
                    self.interleaved(
                        pos,
                        "log entry cut short where another program writing this log began its own (usual in smsts.log): skipped",
                    );
                    pos = next;
                }
                (None, None) => {
                    self.error(
                        pos,
                        "entry never closed with `]LOG]!>` (the log is truncated)",
                    );
                    break;
                }
                (None, Some(t)) => {
                    self.b.open(NodeKind::Object, None, pos);
                    self.b
                        .leaf(Some("message"), slice(msg_start, t), msg_start, t);
                    let end = self.attributes(t + CLOSE.len());
                    self.b.close(end);
                    pos = end;
                }
            }
        }
    }

    /// The `<name="value" ...>` after `]LOG]!>`, on the same line; returns where the entry
    /// ends (after the `>`, or at the end of the line when it broke).
    fn attributes(&mut self, at: usize) -> usize {
        let src = self.src;
        let bytes = src.as_bytes();
        let end = line_end(bytes, at);
        if bytes.get(at) != Some(&b'<') {
            self.error(at, "expected `<time=\"...\" ...>` after `]LOG]!>`");
            return at;
        }
        let mut i = at + 1;
        loop {
            while i < end && matches!(bytes.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            if i >= end {
                self.error(
                    at,
                    "the attributes after `]LOG]!>` are not closed with `>` on this line",
                );
                return end;
            }
            if bytes.get(i) == Some(&b'>') {
                return i + 1;
            }
            let name_end = (i..end)
                .find(|&k| {
                    !bytes
                        .get(k)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
                })
                .unwrap_or(end);
            let value_start = name_end + 2;
            if name_end == i || bytes.get(name_end..value_start) != Some(b"=\"".as_slice()) {
                self.error(i, "expected an attribute `name=\"value\"` or `>`");
                // The rest of the line is skipped up to its `>`, if any.
                return bytes
                    .get(i..end)
                    .and_then(|r| memchr::memchr(b'>', r))
                    .map_or(end, |k| i + k + 1);
            }
            let Some(value_end) = bytes
                .get(value_start..end)
                .and_then(|r| memchr::memchr(b'"', r))
                .map(|k| value_start + k)
            else {
                self.error(i, "attribute value never closed with `\"`");
                return end;
            };
            let name = src.get(i..name_end).unwrap_or("");
            let name = KNOWN_ATTRIBUTES
                .iter()
                .find(|k| k.eq_ignore_ascii_case(name))
                .copied()
                .unwrap_or(name);
            let raw = src.get(value_start..value_end).unwrap_or("");
            let value = match raw.trim().parse::<i64>() {
                Ok(n) if name == "type" => Value::Int(n),
                _ => slice(value_start, value_end),
            };
            self.b.leaf(Some(name), value, value_start, value_end);
            i = value_end + 1;
        }
    }

    /// The SMS layout: lines accumulate into a message until one ends with a trailer.
    fn sms(&mut self, start: usize) {
        let src = self.src;
        let tail = src.get(start..).unwrap_or("");
        // The first line of the message being accumulated.
        let mut first: Option<usize> = None;
        for (rel, line) in super::lines::raw(tail) {
            let at = start + rel;
            if first.is_none() && line.trim().is_empty() {
                continue;
            }
            let from = *first.get_or_insert(at + (line.len() - line.trim_start().len()));
            let Some(mark) = line.rfind(SMS_MARK) else {
                continue;
            };
            first = None;
            let body = line.trim_end();
            let msg_end = src
                .get(from..at + mark)
                .map_or(from, |m| from + m.trim_end().len());
            self.b.open(NodeKind::Object, None, from);
            self.b
                .leaf(Some("message"), slice(from, msg_end), from, msg_end);
            match sms_trailer(body, mark) {
                Ok(t) => {
                    let field = |b: &mut Builder, name: &str, (s, e): (usize, usize)| {
                        b.leaf(Some(name), slice(at + s, at + e), at + s, at + e);
                    };
                    field(&mut self.b, "component", t.component);
                    if let Some(date) = t.date {
                        field(&mut self.b, "date", date);
                    }
                    field(&mut self.b, "time", t.time);
                    field(&mut self.b, "thread", t.thread);
                }
                Err(broke) => self.error(
                    at + broke,
                    "expected the trailer `$$<Component><date time><thread=N (0xN)>` to end the line",
                ),
            }
            self.b.close(at + body.len());
        }
        if let Some(from) = first {
            self.error(
                from,
                "entry without its `$$<Component><date time><thread=...>` trailer (the log is truncated)",
            );
        }
    }
}

/// Byte ranges, within the line, of the parts of an SMS trailer.
struct Trailer {
    component: (usize, usize),
    date: Option<(usize, usize)>,
    time: (usize, usize),
    thread: (usize, usize),
}

/// Reads `$$<Component><stamp><thread=N (0xN)>` starting at byte `mark` of a line (trailing
/// blanks removed); on failure, the offset in the line where it broke.
fn sms_trailer(line: &str, mark: usize) -> Result<Trailer, usize> {
    let component_start = mark + SMS_MARK.len();
    let find = |from: usize, pat: &str| {
        line.get(from..)
            .and_then(|r| r.find(pat))
            .map(|i| from + i)
            .ok_or(from)
    };
    let component_end = find(component_start, "><")?;
    let stamp_start = component_end + 2;
    let stamp_end = find(stamp_start, "><thread=")?;
    let thread_start = stamp_end + "><thread=".len();
    let thread_close = find(thread_start, ">")?;
    if thread_close + 1 != line.len() {
        return Err(thread_close + 1);
    }
    // `1234 (0x4D2)`: the decimal id is the thread; the hex form repeats it.
    let thread_text = line.get(thread_start..thread_close).unwrap_or("");
    let thread_end = thread_start + thread_text.find(" (").unwrap_or(thread_text.len());
    // `MM-DD-YYYY HH:MM:SS.mmm+TZ` splits into date and time; SMS 2003's `Fri Mar 26
    // 10:43:41.547 1999 Eastern Standard Time` stays whole as the time.
    let stamp = line.get(stamp_start..stamp_end).unwrap_or("");
    let (date, time) = match stamp.split_once(' ') {
        Some((d, _)) if is_numeric_date(d) => (
            Some((stamp_start, stamp_start + d.len())),
            (stamp_start + d.len() + 1, stamp_end),
        ),
        _ => (None, (stamp_start, stamp_end)),
    };
    Ok(Trailer {
        component: (component_start, component_end),
        date,
        time,
        thread: (thread_start, thread_end),
    })
}

/// `MM-DD-YYYY` (one-digit months and days too).
fn is_numeric_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('-').collect();
    matches!(parts.as_slice(), [m, dd, y]
        if (1..=2).contains(&m.len()) && (1..=2).contains(&dd.len()) && y.len() == 4
            && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{get, realworld, spanned};

    fn parsed(text: &str) -> (Parsed, String) {
        (parse(FileId(0), Arc::from(text)), text.to_owned())
    }

    fn entries(doc: &Document) -> usize {
        doc.children(Document::ROOT).len()
    }

    const CCMSETUP: &str = concat!(
        "\u{FEFF}<![LOG[==========[ ccmsetup started in process 2212 ]==========]LOG]!><time=\"09:41:07.112+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"1\" thread=\"4120\" file=\"ccmsetup.cpp:9498\">\r\n",
        "<![LOG[Failed to get client version for sending state messages. Error 0x8004100e]LOG]!><time=\"09:41:07.305+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"3\" thread=\"4120\" file=\"ccmsetup.cpp:2115\">\r\n",
        "<![LOG[Params to send '5.0.9106.1000 Deployment ']LOG]!><time=\"09:41:07.306+60\" date=\"03-11-2026\" component=\"ccmsetup\" context=\"\" type=\"0\" thread=\"4120\" file=\"ccmsetup.cpp:9806\">\r\n",
    );

    #[test]
    fn cmtrace_entries_with_their_attributes_and_spans() {
        let (p, text) = parsed(CCMSETUP);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(entries(&p.doc), 3);
        let doc = &p.doc;
        assert_eq!(
            get(doc, "0/message"),
            Some(Scalar::Str(
                "==========[ ccmsetup started in process 2212 ]=========="
            ))
        );
        assert_eq!(get(doc, "1/type"), Some(Scalar::Int(3)));
        assert_eq!(get(doc, "2/type"), Some(Scalar::Int(0)));
        assert_eq!(get(doc, "1/component"), Some(Scalar::Str("ccmsetup")));
        assert_eq!(get(doc, "1/context"), Some(Scalar::Str("")));
        assert_eq!(spanned(&text, doc, "1/file"), "ccmsetup.cpp:2115");
        assert_eq!(spanned(&text, doc, "1/date"), "03-11-2026");
        assert_eq!(spanned(&text, doc, "1/type"), "3");
        let entry = doc.lookup(Document::ROOT, "1").expect("entry");
        let whole = &text[doc.span(entry).expect("span").range()];
        assert!(whole.starts_with("<![LOG[Failed") && whole.ends_with(".cpp:2115\">"));
        assert_eq!(
            doc.path(doc.child(entry, "type").expect("type")),
            "[1].type"
        );
        assert!(recognize(CCMSETUP));
    }

    #[test]
    fn a_message_spans_lines_and_holds_markup() {
        let text = concat!(
            "<![LOG[Policy evaluation result:\r\n",
            "<![CDATA[<Policy id=\"{8f2}\"><Rule a=\"]]>\"/></Policy>]]>\r\n",
            "instance of CCM_PolicyAgent_SettingsEvaluationComplete\r\n{\r\n\tClientID = \"GUID:0000\";\r\n};\r\n",
            "]LOG]!><time=\"11:02:33.018+00\" date=\"6-1-2025\" component=\"PolicyAgent_RequestAssignments\" context=\"\" type=\"1\" thread=\"988\" file=\"event.cpp:840\">\r\n",
            "<![LOG[Done]LOG]!><time=\"11:02:33.020+00\" date=\"6-1-2025\" component=\"PolicyAgent\" context=\"\" type=\"1\" thread=\"988\" file=\"\">",
        );
        let (p, text) = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(entries(&p.doc), 2);
        let message = spanned(&text, &p.doc, "0/message");
        assert!(message.starts_with("Policy evaluation result:\r\n<![CDATA["));
        assert!(message.ends_with("};\r\n"));
        assert_eq!(get(&p.doc, "1/message"), Some(Scalar::Str("Done")));
        assert_eq!(get(&p.doc, "1/file"), Some(Scalar::Str("")));
    }

    #[test]
    fn attributes_in_any_order_and_case_and_missing_ones() {
        let text = concat!(
            "<![LOG[Script exited with 1]LOG]!><THREAD=\"50\" TYPE=\"3\" COMPONENT=\"HealthScripts\" DATE=\"3-12-2026\" TIME=\"11:16:42.3322734\">\r\n",
            "<![LOG[No type here]LOG]!><time=\"11:16:43.000+000\" date=\"3-12-2026\" component=\"HealthScripts\" severity=\"high\">\r\n",
            "<![LOG[Odd type]LOG]!><time=\"11:16:44.000+000\" type=\"E\">\r\n",
        );
        let (p, _) = parsed(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let doc = &p.doc;
        assert_eq!(get(doc, "0/type"), Some(Scalar::Int(3)));
        let first = doc
            .lookup(Document::ROOT, "0/component")
            .expect("component");
        assert_eq!(doc.name(first).map(|n| n.as_str()), Some("component"));
        assert_eq!(get(doc, "1/type"), None);
        assert_eq!(get(doc, "1/severity"), Some(Scalar::Str("high")));
        assert_eq!(get(doc, "2/type"), Some(Scalar::Str("E")));
    }

    #[test]
    fn a_truncated_log_keeps_the_entries_before_the_break() {
        let cut = &CCMSETUP[..CCMSETUP.find("Params").expect("third") + 10];
        let (p, _) = parsed(cut);
        assert_eq!(entries(&p.doc), 2);
        assert_eq!(p.errors.len(), 1);
        let at = p.errors[0].span.start as usize;
        assert!(cut[at..].starts_with("<![LOG[Params"));
        // Cut inside the attributes: the entry is kept with what was read, and an error.
        let cut = &CCMSETUP[..CCMSETUP
            .find("thread=\"4120\" file=\"ccmsetup.cpp:2115")
            .expect("x")
            + 14];
        let (p, _) = parsed(cut);
        assert_eq!(entries(&p.doc), 2);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(get(&p.doc, "1/type"), Some(Scalar::Int(3)));
    }

    #[test]
    fn interleaved_writers_are_notes_garbage_is_an_error_and_reading_goes_on() {
        let text = concat!(
            "<![LOG[Downloading file /SMS_DP_SMSPKG$/CAS00012/drv.inf range 0-10723]LOG]!><time=\"10:19:13.582+240\" date=\"10-18-2025\" component=\"OSDDownloadContent\" context=\"\" type=\"1\" thread=\"2580\" file=\"downloadcontent.cpp:1611\">\r\n",
            "<![LOG[Downloa\r\n",
            "<![LOG[Step failed]LOG]!><time=\"10:19:14.000+240\" date=\"10-18-2025\" component=\"TSManager\" context=\"\" type=\"3\" thread=\"2580\" file=\"engine.cxx:1234\">\r\n",
            "ding file /SMS_DP_SMSPKG$/CAS00012/drv.cat range 0-58355]LOG]!><time=\"10:19:13.598+240\" date=\"10-18-2025\" component=\"OSDDownloadContent\" context=\"\" type=\"1\" thread=\"2580\" file=\"downloadcontent.cpp:1611\">\r\n",
            "<![LOG[No attributes]LOG]!>\r\n",
            "<![LOG[Broken attribute]LOG]!><time=\"10:19:15.000+240\" date=10-18-2025 type=\"3\">\r\n",
            "<![LOG[Unclosed]LOG]!><time=\"10:19:16.000+240\" type=\"2\r\n",
            "<![LOG[Last]LOG]!><time=\"10:19:17.000+240\" type=\"1\">",
        );
        let (p, text) = parsed(text);
        let at = |found: &[InputError]| -> Vec<String> {
            found
                .iter()
                .map(|e| text[e.span.start as usize..][..8].to_owned())
                .collect()
        };
        // Two writers' entries broken into each other are how smsts.log is: notes, which do
        // not make the run incomplete.
        assert_eq!(at(&p.notes), vec!["<![LOG[D", "ding fil"]);
        assert_eq!(at(&p.errors), vec!["\r\n<![LOG", "date=10-", "type=\"2\r"]);
        let messages: Vec<String> = p
            .doc
            .children(Document::ROOT)
            .iter()
            .map(|&e| {
                p.doc
                    .lookup(e, "message")
                    .map(|m| p.doc.scalar(m).to_string())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            messages,
            vec![
                "Downloading file /SMS_DP_SMSPKG$/CAS00012/drv.inf range 0-10723",
                "Step failed",
                "No attributes",
                "Broken attribute",
                "Unclosed",
                "Last"
            ]
        );
        assert_eq!(get(&p.doc, "3/time"), Some(Scalar::Str("10:19:15.000+240")));
        assert_eq!(get(&p.doc, "5/type"), Some(Scalar::Int(1)));
    }

    const HMAN: &str = concat!(
        "SMS_EXECUTIVE started SMS_HIERARCHY_MANAGER as thread ID 3372 (0xD2C).  $$<SMS_HIERARCHY_MANAGER><04-22-2008 09:14:51.250+240><thread=3372 (0xD2C)>\r\n",
        "Site control file ( C:\\Program Files\\Microsoft Configuration Manager\\inboxes\\hman.box\\sitectrl.ct0 ) changed:\r\n",
        "  serial number 42  $$<SMS_HIERARCHY_MANAGER><04-22-2008 09:14:52.015+240><thread=3372 (0xD2C)>\r\n",
        "Thread \"SMS_POLICY_PROVIDER\" id:2044 started  $$<SMS_EXECUTIVE><Tue Apr 22 09:15:02.468 2008 Eastern Daylight Time><thread=2044 (0x7FC)>\r\n",
    );

    #[test]
    fn sms_lines_with_their_trailer_and_no_type() {
        assert!(recognize(HMAN));
        let (p, text) = parsed(HMAN);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let doc = &p.doc;
        assert_eq!(entries(doc), 3);
        assert_eq!(
            get(doc, "0/message"),
            Some(Scalar::Str(
                "SMS_EXECUTIVE started SMS_HIERARCHY_MANAGER as thread ID 3372 (0xD2C)."
            ))
        );
        assert_eq!(get(doc, "0/type"), None);
        assert_eq!(spanned(&text, doc, "0/component"), "SMS_HIERARCHY_MANAGER");
        assert_eq!(spanned(&text, doc, "0/date"), "04-22-2008");
        assert_eq!(spanned(&text, doc, "0/time"), "09:14:51.250+240");
        assert_eq!(spanned(&text, doc, "0/thread"), "3372");
        let message = spanned(&text, doc, "1/message");
        assert!(message.starts_with("Site control file") && message.ends_with("serial number 42"));
        assert_eq!(get(doc, "2/date"), None);
        assert_eq!(
            get(doc, "2/time"),
            Some(Scalar::Str(
                "Tue Apr 22 09:15:02.468 2008 Eastern Daylight Time"
            ))
        );
    }

    #[test]
    fn sms_broken_trailer_and_truncated_last_entry() {
        let text = concat!(
            "Starting inbox processing.  $$<SMS_INBOX_MANAGER><04-22-2008 09:14:51.250+240><thread=3372 (0xD2C)>\r\n",
            "Half a trailer  $$<SMS_INBOX_MANAGER><04-22-2008 09:14:5\r\n",
            "Cut short at the end of the file\r\n",
        );
        let (p, text) = parsed(text);
        assert_eq!(entries(&p.doc), 2);
        assert_eq!(
            get(&p.doc, "1/message"),
            Some(Scalar::Str("Half a trailer"))
        );
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert!(text[p.errors[1].span.start as usize..].starts_with("Cut short"));
    }

    #[test]
    fn recognizer_looks_at_the_start_only() {
        assert!(recognize("\r\n  <![LOG[x]LOG]!><time=\"1\">"));
        assert!(!recognize("<?xml version=\"1.0\"?><a/>"));
        assert!(!recognize("[Options]\r\nA=1\r\n"));
        assert!(!recognize("Message with $$< but no trailer\r\n"));
        // A script that writes such logs is not one.
        assert!(!recognize(
            "$toLog = \"{0} `$$<{1}><{2} {3}><thread={4}>\" -f $type, $component\r\n"
        ));
        assert!(!recognize("some text\r\n<![LOG[late]LOG]!><time=\"1\">"));
        // The xml recognizer, earlier formats and this one do not fight over a log.
        assert_eq!(
            crate::parse::recognize(CCMSETUP).map(|f| f.name),
            Some("cmtrace-log")
        );
        assert_eq!(
            crate::parse::recognize(HMAN).map(|f| f.name),
            Some("cmtrace-log")
        );
    }

    #[test]
    fn utf16_logs_are_decoded_first() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in CCMSETUP.trim_start_matches('\u{FEFF}').encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let (src, problems) = crate::source::SourceText::decode(&bytes);
        assert!(problems.is_empty());
        assert!(recognize(&src.text));
        let p = parse(FileId(0), src.text.clone());
        assert!(p.errors.is_empty());
        assert_eq!(get(&p.doc, "1/type"), Some(Scalar::Int(3)));
    }

    #[test]
    fn huge_lines_and_odd_content_stay_linear() {
        // One 8 MB message, a message full of near-terminators, and many cut-short entries
        // with no terminator anywhere after them.
        let huge = format!(
            "<![LOG[{}]LOG]!><time=\"1\" type=\"3\">\r\n<![LOG[{}]LOG]!><type=\"1\">\r\n",
            "x<y]".repeat(2_000_000),
            "]LOG]!]LOG[<![LOG".repeat(100_000)
        );
        let started = std::time::Instant::now();
        let (p, _) = parsed(&huge);
        assert_eq!(entries(&p.doc), 2);
        assert!(
            p.errors.is_empty(),
            "{:?}",
            &p.errors[..p.errors.len().min(3)]
        );
        let opens = "<![LOG[a\n".repeat(200_000);
        let (p, _) = parsed(&opens);
        assert_eq!(entries(&p.doc), 0);
        assert_eq!((p.notes.len(), p.errors.len()), (199_999, 1));
        let attrs = format!("<![LOG[m]LOG]!><{}", "a=\"1\" ".repeat(500_000));
        let (p, _) = parsed(&attrs);
        assert_eq!(p.errors.len(), 1);
        let garbage = format!("<![LOG[m]LOG]!><t=\"1\">\n{}", "]LOG]!>".repeat(1_000_000));
        let (p, _) = parsed(&garbage);
        assert_eq!(p.errors.len(), 1);
        let sms = "x\n".repeat(1_000_000);
        let (p, _) = parsed(&sms);
        assert_eq!(p.errors.len(), 1);
        assert!(
            started.elapsed().as_secs() < 20,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn real_samples_parse() {
        for (rel, min_entries) in [
            ("sms/reddit-ccmsetup.log", 190),
            ("sms/mdtlogfiles-smsts.log", 890),
            ("sms/log_reader-smsts-big.log", 5900),
        ] {
            let Some(bytes) = realworld(rel) else {
                continue;
            };
            let (src, _) = crate::source::SourceText::decode(&bytes);
            assert!(recognize(&src.text), "{rel} not recognized");
            let started = std::time::Instant::now();
            let p = parse(FileId(0), src.text.clone());
            let took = started.elapsed();
            assert!(entries(&p.doc) >= min_entries, "{rel}: {}", entries(&p.doc));
            // smsts.log is written by several processes at once: a few entries lose their
            // start to another's, and only those are errors.
            assert!(p.errors.len() <= 5, "{rel}: {:?}", p.errors);
            assert!(took.as_secs() < 5, "{rel}: {took:?}");
            let errors = p
                .doc
                .children(Document::ROOT)
                .iter()
                .filter(|&&e| get_int(&p.doc, e, "type") == Some(3))
                .count();
            assert!(errors > 0, "{rel}: no error entries");
        }
    }

    fn get_int(doc: &Document, entry: crate::model::NodeIdx, name: &str) -> Option<i64> {
        match doc.child(entry, name).map(|n| doc.scalar(n)) {
            Some(Scalar::Int(i)) => Some(i),
            _ => None,
        }
    }
}
