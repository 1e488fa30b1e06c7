//! JSON as `ConvertTo-Json` writes it (Windows PowerShell 5.1 and PowerShell 7), with a span
//! on every value.
//!
//! serde_json cannot report value positions, so this is a small recursive-descent reader over
//! bytes. Strings without escapes stay slices of the source text; only escaped strings are
//! copied. Integers that do not fit in 64 bits (SQL LSNs) are kept as their digits, as strings,
//! rather than rounded. Nesting is bounded so a hostile file cannot exhaust the stack.

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "json",
    produced_by: "ConvertTo-Json (Windows PowerShell 5.1 or PowerShell 7)",
    recognize,
    parse,
};

/// Deeper than anything `ConvertTo-Json -Depth 100` can write.
const MAX_DEPTH: usize = 256;

const TRUNCATED: &str = "the JSON document ends too early (truncated file?)";

/// A `{` or `[` followed by what can start a member or element: an INI section header
/// (`[Identification]`) also starts with `[`.
fn recognize(text: &str) -> bool {
    let t = super::trim_start(text);
    let mut bytes = t.bytes();
    let open = bytes.next();
    let next = bytes.find(|b| !b.is_ascii_whitespace());
    match open {
        Some(b'{') => matches!(next, Some(b'"' | b'}')),
        Some(b'[') => matches!(
            next,
            Some(b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
        ),
        _ => false,
    }
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let root_kind = match super::trim_start(&text).as_bytes().first() {
        Some(b'[') => NodeKind::Array,
        _ => NodeKind::Object,
    };
    let mut reader = Reader {
        text: &text,
        bytes: text.as_bytes(),
        pos: 0,
        file,
        builder: Builder::new(Some(file), DocKind::Json, text.clone(), root_kind),
    };
    let errors = match reader.document() {
        Ok(()) => Vec::new(),
        Err(e) => vec![e],
    };
    Parsed::new(reader.builder.finish(), errors, Vec::new())
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    builder: Builder,
}

type Res<T> = Result<T, InputError>;

impl Reader<'_> {
    fn b(&mut self) -> &mut Builder {
        &mut self.builder
    }

    fn err<T>(&self, at: usize, msg: impl Into<String>) -> Res<T> {
        Err(InputError::at(self.file, at, msg))
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.bytes.get(self.pos) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | 0 => self.pos += 1,
                // A BOM left inside the text by a concatenation of two files.
                0xEF if self.bytes[self.pos..].starts_with(&[0xEF, 0xBB, 0xBF]) => self.pos += 3,
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn document(&mut self) -> Res<()> {
        self.skip_ws();
        // The root container was opened by the builder; fill it in place.
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                self.object_body(1)?;
            }
            Some(b'[') => {
                self.pos += 1;
                self.array_body(1)?;
            }
            _ => {
                return self.err(
                    self.pos,
                    "expected `{` or `[` at the start of a JSON document",
                );
            }
        }
        let end = self.pos;
        self.b().close(end);
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return self.err(
                self.pos,
                "unexpected text after the end of the JSON document (two exports in one file?)",
            );
        }
        Ok(())
    }

    fn object_body(&mut self, depth: usize) -> Res<()> {
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.err(self.pos, "expected a property name in double quotes");
            }
            // Keys are almost never escaped: borrow them from the text, no allocation.
            let key = self.string_value()?;
            let text = self.text;
            let key: &str = match &key {
                Value::Slice(s, e) => text.get(*s as usize..*e as usize).unwrap_or(""),
                Value::Owned(s) => s.as_str(),
                _ => "",
            };
            self.skip_ws();
            if self.peek() != Some(b':') {
                return self.err(self.pos, "expected `:` after the property name");
            }
            self.pos += 1;
            self.value(Some(key), depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return self.err(self.pos, TRUNCATED),
                _ => return self.err(self.pos, "expected `,` or `}` in an object"),
            }
        }
    }

    fn array_body(&mut self, depth: usize) -> Res<()> {
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.value(None, depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return self.err(self.pos, TRUNCATED),
                _ => return self.err(self.pos, "expected `,` or `]` in an array"),
            }
        }
    }

    fn value(&mut self, name: Option<&str>, depth: usize) -> Res<()> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(open @ (b'{' | b'[')) => {
                if depth >= MAX_DEPTH {
                    return self.err(start, format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                self.pos += 1;
                let kind = if open == b'{' {
                    NodeKind::Object
                } else {
                    NodeKind::Array
                };
                self.b().open(kind, name, start);
                if open == b'{' {
                    self.object_body(depth + 1)?;
                } else {
                    self.array_body(depth + 1)?;
                }
                let end = self.pos;
                self.b().close(end);
            }
            Some(b'"') => {
                let v = self.string_value()?;
                let end = self.pos;
                self.b().leaf(name, v, start, end);
            }
            Some(b't') => self.literal(name, b"true", Value::Bool(true))?,
            Some(b'f') => self.literal(name, b"false", Value::Bool(false))?,
            Some(b'n') => self.literal(name, b"null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => {
                let v = self.number()?;
                let end = self.pos;
                self.b().leaf(name, v, start, end);
            }
            None => return self.err(start, TRUNCATED),
            Some(_) => return self.err(start, "expected a JSON value"),
        }
        Ok(())
    }

    fn literal(&mut self, name: Option<&str>, word: &[u8], v: Value) -> Res<()> {
        let start = self.pos;
        if !self.bytes[start..].starts_with(word) {
            return self.err(start, "expected a JSON value");
        }
        self.pos += word.len();
        let end = self.pos;
        self.b().leaf(name, v, start, end);
        Ok(())
    }

    fn number(&mut self) -> Res<Value> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits_start {
            return self.err(self.pos, "expected digits in a number");
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("0");
        if integral {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Int(i));
            }
            // Too big for 64 bits: keep the exact digits rather than a rounded float.
            return Ok(Value::Slice(start as u32, self.pos as u32));
        }
        match text.parse::<f64>() {
            Ok(x) => Ok(Value::Float(x)),
            Err(_) => self.err(start, "malformed number"),
        }
    }

    /// Reads a string starting at the opening quote.
    fn string_value(&mut self) -> Res<Value> {
        let open = self.pos;
        self.pos += 1;
        let content_start = self.pos;
        loop {
            match self.peek() {
                None => return self.err(open, "unterminated string (truncated file?)"),
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(Value::Slice(content_start as u32, end as u32));
                }
                Some(b'\\') => break,
                Some(_) => self.pos += 1,
            }
        }
        let mut out = self
            .text
            .get(content_start..self.pos)
            .unwrap_or_default()
            .to_owned();
        loop {
            match self.peek() {
                None => return self.err(open, "unterminated string (truncated file?)"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Value::Owned(out.into()));
                }
                Some(b'\\') => {
                    let at = self.pos;
                    self.pos += 1;
                    let esc = self.peek();
                    self.pos += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4(at)?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.bytes[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4(at)?;
                                char::from_u32(
                                    0x10000
                                        + ((hi - 0xD800) << 10)
                                        + (lo.wrapping_sub(0xDC00) & 0x3FF),
                                )
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
                        }
                        _ => return self.err(at, "invalid escape sequence in a string"),
                    }
                }
                Some(_) => {
                    let run_start = self.pos;
                    while !matches!(self.peek(), None | Some(b'"' | b'\\')) {
                        self.pos += 1;
                    }
                    out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
                }
            }
        }
    }

    fn hex4(&mut self, at: usize) -> Res<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        let parsed = digits
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        match parsed {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => self.err(at, "invalid \\u escape: expected four hex digits"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};

    fn p(text: &str) -> Parsed {
        parse(FileId(0), Arc::from(text))
    }

    #[test]
    fn reads_powershell_51_pretty_output_with_spans() {
        let text = "{\r\n    \"Caption\":  \"Microsoft Windows Server 2016\",\r\n    \"OSLanguage\":  1033,\r\n    \"Date\":  \"\\/Date(1479427200000)\\/\"\r\n}";
        let parsed = p(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let doc = parsed.doc;
        let cap = doc.child(Document::ROOT, "Caption").expect("caption");
        assert_eq!(
            doc.scalar(cap),
            Scalar::Str("Microsoft Windows Server 2016")
        );
        let span = doc.span(cap).expect("span");
        assert_eq!(&text[span.range()], "\"Microsoft Windows Server 2016\"");
        let lang = doc.child(Document::ROOT, "OSLanguage").expect("lang");
        assert_eq!(doc.scalar(lang), Scalar::Int(1033));
        let date = doc.child(Document::ROOT, "Date").expect("date");
        assert_eq!(doc.scalar(date), Scalar::Str("/Date(1479427200000)/"));
    }

    #[test]
    fn keeps_huge_integers_exactly() {
        let doc = p("[17126681000010739200127, -1.5e3]").doc;
        let kids = doc.children(Document::ROOT);
        assert_eq!(doc.scalar(kids[0]), Scalar::Str("17126681000010739200127"));
        assert_eq!(doc.scalar(kids[1]), Scalar::Float(-1500.0));
    }

    #[test]
    fn decodes_surrogate_pairs_and_unicode_escapes() {
        let doc = p(r#"{"a":"\u00e9\ud83d\ude00"}"#).doc;
        let a = doc.child(Document::ROOT, "a").expect("a");
        assert_eq!(doc.scalar(a), Scalar::Str("é😀"));
    }

    #[test]
    fn truncated_file_is_an_error_at_the_end_and_keeps_what_was_read() {
        let parsed = p("{\"a\": 1, \"b\": [1, 2");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].span.start, 19);
        assert!(parsed.errors[0].message.contains("truncated"));
        assert!(parsed.doc.child(Document::ROOT, "a").is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        let parsed = p(&text);
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0].message.contains("nesting"));
    }

    #[test]
    fn ini_sections_and_text_are_not_json() {
        assert!(recognize("{\r\n    \"Caption\":  1}"));
        assert!(recognize("[\n  {\"a\": 1}\n]"));
        assert!(recognize("[]"));
        assert!(!recognize("[Identification]\r\nAction=InstallPrimarySite"));
        assert!(!recognize("{not json}"));
    }

    #[test]
    fn trailing_garbage_is_reported() {
        let parsed = p("{} {}");
        assert_eq!(parsed.errors[0].span.start, 3);
    }

    #[test]
    fn malformed_token_points_at_the_byte() {
        let parsed = p("{\"a\": tru}");
        assert_eq!(parsed.errors[0].span.start, 6);
    }
}
