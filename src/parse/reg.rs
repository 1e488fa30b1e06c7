//! Registry exports as `reg export` and regedit write them (`Windows Registry Editor Version
//! 5.00`, usually UTF-16LE with BOM, or `REGEDIT4`).
//!
//! The document root holds one object per `[key]` section, named by the key path as written;
//! a key that appears twice keeps both sections, in file order. Values are typed: `REG_SZ` and
//! `hex(2)` strings, `dword` and `hex(b)` integers, `hex(7)` arrays of strings, other binary
//! data as its hex text, and deletions (`=-`, `[-key]`) as null. A line that cannot be read is
//! an input error at the byte where it broke; the following lines are still read, because each
//! line of a `.reg` file stands on its own.

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "reg",
    produced_by: "reg export / regedit (.reg)",
    recognize,
    parse,
};

/// The hives as `reg` and regedit spell them in full and in short.
const HIVES: [(&str, &str); 5] = [
    ("hkey_local_machine", "hklm"),
    ("hkey_current_user", "hkcu"),
    ("hkey_classes_root", "hkcr"),
    ("hkey_users", "hku"),
    ("hkey_current_config", "hkcc"),
];

/// The short name of a hive, in lower case (`HKEY_LOCAL_MACHINE` and `HKLM` are `hklm`).
fn short_hive(hive: &str) -> Option<&'static str> {
    HIVES
        .iter()
        .find(|(long, short)| hive.eq_ignore_ascii_case(long) || hive.eq_ignore_ascii_case(short))
        .map(|(_, short)| *short)
}

/// A key path as keys are compared: letter case ignored, the hive short
/// (`HKEY_LOCAL_MACHINE\SOFTWARE\X` is `hklm\software\x`), no trailing `\`.
pub fn normalized_key(path: &str) -> String {
    let path = path.trim_end_matches('\\');
    let (hive, rest) = path.split_once('\\').unwrap_or((path, ""));
    let mut out = short_hive(hive).map_or_else(|| hive.to_ascii_lowercase(), str::to_owned);
    if !rest.is_empty() {
        out.push('\\');
        out.push_str(&rest.to_ascii_lowercase());
    }
    out
}

/// Whether a key as written in an export is the key `wanted` ([`normalized_key`] of it),
/// without allocating: lookups scan every key of exports with tens of thousands.
pub fn key_is(written: &str, wanted: &str) -> bool {
    let written = written.trim_end_matches('\\');
    let (hive, rest) = written.split_once('\\').unwrap_or((written, ""));
    let (want_hive, want_rest) = wanted.split_once('\\').unwrap_or((wanted, ""));
    short_hive(hive).map_or_else(|| hive.eq_ignore_ascii_case(want_hive), |h| h == want_hive)
        && rest.eq_ignore_ascii_case(want_rest)
}

const HEADER_V5: &str = "Windows Registry Editor Version 5.00";
const HEADER_V4: &str = "REGEDIT4";

fn recognize(text: &str) -> bool {
    let first = super::trim_start(text).lines().next().unwrap_or("").trim();
    first == HEADER_V5 || first == HEADER_V4
}

/// One physical line: its byte range without the line break.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices('\n') {
        let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
            i - 1
        } else {
            i
        };
        out.push(Line { start, end });
        start = i + 1;
    }
    if start < text.len() {
        out.push(Line {
            start,
            end: text.len(),
        });
    }
    out
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut b = Builder::new(
        Some(file),
        DocKind::Registry,
        text.clone(),
        NodeKind::Object,
    );
    let mut errors = Vec::new();
    let all = lines(&text);
    let mut i = 0;
    let mut seen_header = false;
    // REGEDIT4 files store hex(2)/hex(7) strings in the ANSI code page, version 5 in UTF-16LE.
    let mut ansi = false;
    let mut key_open = false;
    let mut last_end = 0;
    while i < all.len() {
        let line = all[i];
        i += 1;
        let raw = &text[line.start..line.end];
        let indent = raw.len() - raw.trim_start().len();
        let body = raw.trim();
        let at = line.start + indent;
        if body.is_empty() || body.starts_with(';') || (body == "\u{FEFF}") {
            continue;
        }
        if !seen_header {
            let body = body.trim_start_matches(['\u{FEFF}', '\0']);
            if body == HEADER_V5 || body == HEADER_V4 {
                seen_header = true;
                ansi = body == HEADER_V4;
                continue;
            }
            errors.push(InputError::at(
                file,
                at,
                format!("a .reg file must start with `{HEADER_V5}` or `{HEADER_V4}`"),
            ));
            seen_header = true;
        }
        if let Some(rest) = body.strip_prefix('[') {
            if key_open {
                b.close(last_end);
            }
            let Some(close) = rest.rfind(']') else {
                errors.push(InputError::at(
                    file,
                    at + body.len(),
                    "key line has no closing `]`",
                ));
                key_open = false;
                continue;
            };
            let name = &rest[..close];
            if let Some(deleted) = name.strip_prefix('-') {
                b.leaf(Some(deleted), Value::Null, at, at + body.len());
                key_open = false;
            } else {
                b.open(NodeKind::Object, Some(name), at);
                key_open = true;
            }
            last_end = line.end;
            continue;
        }
        if !(body.starts_with('"') || body.starts_with('@')) {
            errors.push(InputError::at(
                file,
                at,
                "expected a `[key]` line, a `\"name\"=value` line or a `;` comment",
            ));
            continue;
        }
        if !key_open {
            errors.push(InputError::at(
                file,
                at,
                "value line before any `[key]` section",
            ));
            continue;
        }
        // Hex data may continue over several lines, each ending with `\`.
        let mut segments = vec![Line {
            start: at,
            end: line.end,
        }];
        while text[segments[segments.len() - 1].start..segments[segments.len() - 1].end]
            .trim_end()
            .ends_with('\\')
            && i < all.len()
        {
            let next = all[i];
            i += 1;
            segments.push(next);
        }
        last_end = segments[segments.len() - 1].end;
        if let Err(e) = value_line(&mut b, file, &text, &segments, ansi) {
            errors.push(e);
        }
    }
    if !seen_header {
        errors.push(InputError::at(file, 0, "empty .reg file"));
    }
    Parsed::new(b.finish(), errors, Vec::new())
}

fn value_line(
    b: &mut Builder,
    file: FileId,
    text: &str,
    segments: &[Line],
    ansi: bool,
) -> Result<(), InputError> {
    let first = segments[0];
    let line = &text[first.start..first.end];
    let (name, after_name) = if line.starts_with('@') {
        (String::new(), 1)
    } else {
        read_quoted(line, 0).ok_or_else(|| {
            InputError::at(
                file,
                first.start,
                "the value name's closing `\"` is missing",
            )
        })?
    };
    let rest = &line[after_name..];
    let eq = rest.len() - rest.trim_start().len();
    if !rest[eq..].starts_with('=') {
        return Err(InputError::at(
            file,
            first.start + after_name + eq,
            "expected `=` after the value name",
        ));
    }
    let data_rel = after_name + eq + 1;
    let data_ws = line[data_rel..].len() - line[data_rel..].trim_start().len();
    let data_start = first.start + data_rel + data_ws;
    let data = line[data_rel + data_ws..].trim_end();
    let last = segments[segments.len() - 1];
    let data_end = if segments.len() > 1 {
        last.start + text[last.start..last.end].trim_end().len()
    } else {
        data_start + data.len()
    };
    let name = Some(name.as_str());
    let bad = |offset: usize, msg: &str| InputError::at(file, offset, msg.to_string());

    if data.starts_with('"') {
        let (value, used) = read_quoted(data, 0)
            .ok_or_else(|| bad(data_start, "the string value's closing `\"` is missing"))?;
        if !data[used..].trim().is_empty() {
            return Err(bad(
                data_start + used,
                "unexpected text after the string value",
            ));
        }
        let content = (data_start + 1, data_start + used - 1);
        let v = if value.len() == content.1 - content.0 {
            Value::Slice(content.0 as u32, content.1 as u32)
        } else {
            Value::Owned(value.into())
        };
        b.leaf(name, v, data_start, data_start + used);
        return Ok(());
    }
    if data == "-" {
        b.leaf(name, Value::Null, data_start, data_end);
        return Ok(());
    }
    if let Some(hex) = data.strip_prefix("dword:") {
        let v = (hex.len() <= 8)
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .ok_or_else(|| bad(data_start + 6, "a dword must be 1 to 8 hex digits"))?;
        b.leaf(name, Value::Int(i64::from(v)), data_start, data_end);
        return Ok(());
    }
    let Some(after_hex) = data.strip_prefix("hex") else {
        return Err(bad(
            data_start,
            "expected the value's data: a quoted string, dword:, hex:, hex(n): or - (delete)",
        ));
    };
    let (kind, colon) = if let Some(r) = after_hex.strip_prefix(':') {
        (None, data.len() - r.len())
    } else if let Some(r) = after_hex.strip_prefix('(') {
        let close = r
            .find("):")
            .ok_or_else(|| bad(data_start + 4, "expected `hex(n):`"))?;
        let kind = u32::from_str_radix(&r[..close], 16)
            .map_err(|_| bad(data_start + 4, "the type in `hex(n):` must be a hex number"))?;
        (Some(kind), data.len() - r.len() + close + 2)
    } else {
        return Err(bad(data_start, "expected `hex:` or `hex(n):`"));
    };
    let bytes = hex_bytes(file, text, segments, data_start + colon)?;
    let v = match kind {
        Some(0xb) => {
            let mut arr = [0u8; 8];
            arr[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
            let q = u64::from_le_bytes(arr);
            match i64::try_from(q) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Owned(q.to_string().into()),
            }
        }
        Some(0x4) => {
            let mut arr = [0u8; 4];
            arr[..bytes.len().min(4)].copy_from_slice(&bytes[..bytes.len().min(4)]);
            Value::Int(i64::from(u32::from_le_bytes(arr)))
        }
        Some(0x2) => Value::Owned(
            registry_strings(&bytes, ansi)
                .into_iter()
                .next()
                .unwrap_or_default()
                .into(),
        ),
        Some(0x7) => {
            b.open(NodeKind::Array, name, data_start);
            for s in registry_strings(&bytes, ansi) {
                b.leaf(None, Value::Owned(s.into()), data_start, data_end);
            }
            b.close(data_end);
            return Ok(());
        }
        _ => Value::Owned(
            bytes
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(",")
                .into(),
        ),
    };
    b.leaf(name, v, data_start, data_end);
    Ok(())
}

/// Reads a `"…"` string with `.reg` escapes (`\\` and `\"`) starting at byte `from` of `s`;
/// returns the unescaped text and the byte just past the closing quote.
fn read_quoted(s: &str, from: usize) -> Option<(String, usize)> {
    let bytes = s.as_bytes();
    if bytes.get(from) != Some(&b'"') {
        return None;
    }
    let mut out = String::new();
    let mut i = from + 1;
    let mut run = i;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => {
                out.push_str(&s[run..i]);
                // The escaped character may be any character, not one byte: `"\é"` must not
                // split é's two bytes (it did, and slicing there panicked).
                let escaped = s[i + 1..].chars().next().unwrap_or('\\');
                out.push(escaped);
                i += 1 + escaped.len_utf8();
                run = i;
            }
            b'"' => {
                out.push_str(&s[run..i]);
                return Some((out, i + 1));
            }
            _ => i += 1,
        }
    }
    None
}

fn hex_bytes(
    file: FileId,
    text: &str,
    segments: &[Line],
    first_from: usize,
) -> Result<Vec<u8>, InputError> {
    let mut out = Vec::new();
    for (n, seg) in segments.iter().enumerate() {
        let start = if n == 0 { first_from } else { seg.start };
        let part = &text[start..seg.end];
        let mut offset = start;
        for item in part.split(',') {
            let trimmed = item.trim().trim_end_matches('\\').trim();
            if !trimmed.is_empty() {
                let lead = item.len() - item.trim_start().len();
                let byte = (trimmed.len() == 2)
                    .then(|| u8::from_str_radix(trimmed, 16).ok())
                    .flatten()
                    .ok_or_else(|| {
                        InputError::at(
                            file,
                            offset + lead,
                            "expected a two-digit hex byte in binary data",
                        )
                    })?;
                out.push(byte);
            }
            offset += item.len() + 1;
        }
    }
    Ok(out)
}

/// NUL-separated strings, as `hex(2)` and `hex(7)` store them: UTF-16LE, or ANSI (read as
/// Windows-1252) in REGEDIT4 files.
fn registry_strings(bytes: &[u8], ansi: bool) -> Vec<String> {
    if ansi {
        return bytes
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| encoding_rs::WINDOWS_1252.decode(s).0.into_owned())
            .collect();
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    units
        .split(|u| *u == 0)
        .filter(|s| !s.is_empty())
        .map(String::from_utf16_lossy)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};

    const SAMPLE: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Setup]\r\n\"ProductVersion\"=\"3.2.8145.0\"\r\n\"Account\"=\"CONTOSO\\\\svc\"\r\n\"Port\"=dword:00001fa4\r\n\"Big\"=hex(b):00,00,00,00,01,00,00,00\r\n\"Path\"=hex(2):43,00,3a,00,5c,00,00,00\r\n\"Multi\"=hex(7):61,00,00,00,62,00,\\\r\n  00,00,00,00\r\n@=\"default\"\r\n\"Gone\"=-\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n";

    #[test]
    fn reads_every_common_value_type() {
        let parsed = parse(FileId(0), Arc::from(SAMPLE));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let doc = parsed.doc;
        let key = doc
            .child(
                Document::ROOT,
                "HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Setup",
            )
            .expect("key");
        let get = |n: &str| doc.scalar(doc.child(key, n).expect(n));
        assert_eq!(get("ProductVersion"), Scalar::Str("3.2.8145.0"));
        assert_eq!(get("Account"), Scalar::Str("CONTOSO\\svc"));
        assert_eq!(get("Port"), Scalar::Int(8100));
        assert_eq!(get("Big"), Scalar::Int(1 << 32));
        assert_eq!(get("Path"), Scalar::Str("C:\\"));
        assert_eq!(get(""), Scalar::Str("default"));
        assert_eq!(get("Gone"), Scalar::Null);
        let multi = doc.child(key, "Multi").expect("multi");
        assert_eq!(doc.children(multi).len(), 2);
        let pv = doc.child(key, "ProductVersion").expect("pv");
        assert_eq!(
            doc.path(pv),
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Setup\\ProductVersion"
        );
        let span = doc.span(pv).expect("span");
        assert_eq!(&SAMPLE[span.range()], "\"3.2.8145.0\"");
    }

    #[test]
    fn a_backslash_before_a_non_ascii_character_escapes_the_whole_character() {
        // Found by attacking uplint: `"a"="\é"` panicked ("byte index is not a char boundary").
        let text = "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\X]\n\"\\é\"=\"\\é\\日\\\"x\"\n\"B\"=\"ok\"\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let key = parsed
            .doc
            .child(Document::ROOT, "HKEY_LOCAL_MACHINE\\X")
            .expect("key");
        let value = parsed.doc.child(key, "é").expect("the name unescaped");
        assert_eq!(parsed.doc.scalar(value), Scalar::Str("é日\"x"));
        let b = parsed.doc.child(key, "B").expect("later values still read");
        assert_eq!(parsed.doc.scalar(b), Scalar::Str("ok"));
    }

    #[test]
    fn a_broken_line_is_an_error_at_its_byte_and_later_lines_still_count() {
        let text = "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\X]\n\"A\"=unquoted\n\"B\"=\"ok\"\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            parsed.errors[0].span.start as usize,
            text.find("unquoted").expect("pos")
        );
        let key = parsed
            .doc
            .child(Document::ROOT, "HKEY_LOCAL_MACHINE\\X")
            .expect("key");
        assert!(parsed.doc.child(key, "B").is_some());
    }

    #[test]
    fn bad_dword_and_hex_point_at_the_data() {
        let text = "REGEDIT4\n[K]\n\"A\"=dword:xyz\n\"B\"=hex:01,zz\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(
            parsed.errors[0].span.start as usize,
            text.find("xyz").expect("xyz")
        );
        assert_eq!(
            parsed.errors[1].span.start as usize,
            text.find("zz").expect("zz")
        );
    }

    #[test]
    fn regedit4_expand_strings_are_ansi() {
        let text = "REGEDIT4\n[K]\n\"P\"=hex(2):43,3a,5c,e9,00\n";
        let parsed = parse(FileId(0), Arc::from(text));
        let key = parsed.doc.child(Document::ROOT, "K").expect("key");
        let p = parsed.doc.child(key, "P").expect("P");
        assert_eq!(parsed.doc.scalar(p), Scalar::Str("C:\\é"));
    }

    #[test]
    fn recognizes_by_header_only() {
        assert!(recognize(
            "\u{FEFF}Windows Registry Editor Version 5.00\r\n"
        ));
        assert!(recognize("REGEDIT4\n"));
        assert!(!recognize("[HKEY_LOCAL_MACHINE\\X]\n"));
    }
}
