//! XML documents, read with quick-xml into the generic model.
//!
//! Each element is an object named by its tag as written; its attributes are children named
//! `@name` and its text (if any besides whitespace) a child named `#text`. The file is decoded
//! before it gets here, so an `encoding=` declaration that does not match the bytes (common in
//! Hyper-V and hand-saved files) is simply ignored. Format-specific readings of XML (CLIXML,
//! Hyper-V VM configuration) build on this shape.

use std::sync::Arc;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "xml",
    produced_by: "an XML export (Export-Clixml, Hyper-V VM configuration, other XML dumps)",
    recognize,
    parse,
};

const MAX_DEPTH: usize = 256;

/// An XML declaration, comment or doctype, or an element: CMTrace logs start `<![LOG[`.
fn recognize(text: &str) -> bool {
    let t = super::trim_start(text);
    t.starts_with("<?xml")
        || t.starts_with("<!--")
        || t.starts_with("<!DOCTYPE")
        || t.strip_prefix('<')
            .and_then(|r| r.chars().next())
            .is_some_and(|c| c.is_alphabetic() || c == '_')
}

struct PendingText {
    start: usize,
    end: usize,
    text: String,
    /// Whether `text` is exactly the source bytes `start..end` (no entity was resolved).
    verbatim: bool,
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut b = Builder::new(Some(file), DocKind::Xml, text.clone(), NodeKind::Object);
    let mut errors = Vec::new();
    let src: &str = &text;
    // quick-xml skips a leading byte order mark without counting it in its positions, which
    // would put every span 3 bytes early (a second BOM after the decoded one is common in
    // files re-saved by editors): start the reader after it and count it here.
    let skip = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let mut reader = Reader::from_str(&src[skip..]);
    reader.config_mut().check_end_names = true;
    let base = src.as_ptr() as usize;
    let offset_of = |s: &str| {
        let p = s.as_ptr() as usize;
        (p >= base && p <= base + src.len()).then(|| p - base)
    };
    let mut open_tags: Vec<String> = Vec::new();
    let mut pending: Option<PendingText> = None;
    loop {
        let before = skip + reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                errors.push(InputError::at(
                    file,
                    skip + reader.error_position() as usize,
                    format!("malformed XML: {e}"),
                ));
                break;
            }
        };
        let after = skip + reader.buffer_position() as usize;
        match event {
            Event::Text(t) => {
                let raw: &str = &t;
                let at = offset_of(raw).unwrap_or(before);
                PendingText::append(&mut pending, at, at + raw.len(), raw, true);
            }
            Event::CData(t) => {
                let raw: &str = &t;
                PendingText::append(&mut pending, before, after, raw, false);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                };
                let raw: &str = &r;
                let text = resolved.unwrap_or_else(|| format!("&{raw};"));
                PendingText::append(&mut pending, before, after, &text, false);
            }
            Event::Start(e) | Event::Empty(e) if open_tags.len() >= MAX_DEPTH => {
                let _ = e;
                errors.push(InputError::at(
                    file,
                    before,
                    format!("elements nested deeper than {MAX_DEPTH} levels"),
                ));
                break;
            }
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                flush_text(&mut b, pending.take());
                let (e, empty) = match ev {
                    Event::Start(e) => (e, false),
                    Event::Empty(e) => (e, true),
                    _ => continue,
                };
                let name: &str = e.name().0;
                b.open(NodeKind::Object, Some(name), before);
                for attr in e.attributes().with_checks(false) {
                    match attr {
                        Ok(a) => {
                            let key = format!("@{}", a.key.0);
                            let raw: &str = &a.value;
                            let at = offset_of(raw).unwrap_or(before);
                            let v = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                                Ok(std::borrow::Cow::Borrowed(_)) => {
                                    Value::Slice(at as u32, (at + raw.len()) as u32)
                                }
                                Ok(owned) => Value::Owned(owned.as_ref().into()),
                                Err(_) => Value::Slice(at as u32, (at + raw.len()) as u32),
                            };
                            b.leaf(Some(&key), v, at, at + raw.len());
                        }
                        Err(err) => errors.push(InputError::at(
                            file,
                            before,
                            format!("malformed attribute: {err}"),
                        )),
                    }
                }
                if empty {
                    b.close(after);
                } else {
                    open_tags.push(name.to_owned());
                }
            }
            Event::End(_) => {
                flush_text(&mut b, pending.take());
                open_tags.pop();
                b.close(after);
            }
            Event::Eof => {
                if let Some(tag) = open_tags.last() {
                    errors.push(InputError::at(
                        file,
                        src.len().saturating_sub(1),
                        format!("the XML ends before `<{tag}>` is closed (truncated file?)"),
                    ));
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    Parsed::new(b.finish(), errors, Vec::new())
}

impl PendingText {
    /// Adds a piece of text content that ends at `end`; `verbatim` when it is exactly the
    /// source bytes before `end` (no entity resolved), which keeps the value a slice.
    fn append(
        pending: &mut Option<PendingText>,
        start: usize,
        end: usize,
        text: &str,
        verbatim: bool,
    ) {
        let p = pending.get_or_insert(PendingText {
            start,
            end: start,
            text: String::new(),
            verbatim: true,
        });
        p.verbatim &= verbatim && p.end == start;
        p.text.push_str(text);
        p.end = end;
    }
}

fn flush_text(b: &mut Builder, pending: Option<PendingText>) {
    let Some(p) = pending else { return };
    if p.text.trim().is_empty() {
        return;
    }
    let v = if p.verbatim {
        Value::Slice(p.start as u32, p.end as u32)
    } else {
        Value::Owned(p.text.as_str().into())
    };
    b.leaf(Some("#text"), v, p.start, p.end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};

    #[test]
    fn elements_attributes_and_text_with_spans() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<configuration>\n  <name type=\"string\">VM &amp; 1</name>\n  <count type=\"integer\">4</count>\n</configuration>\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let doc = parsed.doc;
        let name = doc
            .lookup(Document::ROOT, "configuration/name/#text")
            .expect("name");
        assert_eq!(doc.scalar(name), Scalar::Str("VM & 1"));
        let ty = doc
            .lookup(Document::ROOT, "configuration/count/@type")
            .expect("type");
        assert_eq!(&text[doc.span(ty).expect("span").range()], "integer");
        let count = doc
            .lookup(Document::ROOT, "configuration/count/#text")
            .expect("count");
        assert_eq!(&text[doc.span(count).expect("span").range()], "4");
    }

    /// A second byte order mark after the decoded one (the fuzzer's case 30291): spans stay on
    /// the bytes they name.
    #[test]
    fn a_leading_byte_order_mark_does_not_shift_spans() {
        let text = "\u{feff}<a>\n <b c=\"\u{1f600}\">x</b></a>";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let doc = parsed.doc;
        let b = doc.lookup(Document::ROOT, "a/b").expect("b");
        assert!(text[doc.span(b).expect("span").range()].starts_with("<b"));
        let x = doc.lookup(Document::ROOT, "a/b/#text").expect("text");
        assert_eq!(&text[doc.span(x).expect("span").range()], "x");
    }

    #[test]
    fn truncated_and_mismatched_documents_are_errors() {
        let parsed = parse(FileId(0), Arc::from("<a><b>x</b>"));
        assert_eq!(parsed.errors.len(), 1);
        let parsed = parse(FileId(0), Arc::from("<a><b>x</c></a>"));
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn logs_that_start_with_angle_brackets_are_not_xml() {
        assert!(recognize("\u{feff}<?xml version=\"1.0\"?><a/>"));
        assert!(recognize("<Objs Version=\"1.1.0.1\">"));
        assert!(!recognize(
            "<![LOG[Successfully loaded]LOG]!><time=\"12:00\">"
        ));
        assert!(!recognize("<< not xml"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let parsed = parse(FileId(0), Arc::from("<a>".repeat(10_000)));
        assert!(parsed.errors[0].message.contains("nested"));
    }
}
