//! Text from a bundle made safe to show: the one place that decides how control characters
//! in exported values, file names, computer names and messages are written out.
//!
//! A bundle is data from someone else's servers. An export holding `ESC ] 0 ; … BEL` would,
//! printed raw, retitle the user's terminal; `ESC [ 2 J` would clear it; a lone carriage
//! return would let a value hide the text before it. So every text reporter passes what it
//! prints through [`terminal`] (or [`xml`], or [`json`]), which shows each control character
//! as an escape (`\x1b`, `\x07`, `\x7f`, `\u{9b}`) instead of sending it. Line feeds and tabs
//! stay: they lay out text and cannot drive a terminal, and a carriage return that ends a line
//! (`\r\n`) stays with its line feed. This module does not choose what reporters print, only
//! how it is spelled; the codespan source view that keeps carets aligned over escaped text
//! is in [`super::diagnostic`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c`, followed by `next`, is kept as it is: everything but control characters and
/// bidirectional overrides, and of the controls, line feed, tab, and a carriage return that
/// ends a line. An override (U+202A–U+202E, U+2066–U+2069) is not a control character, but it
/// reorders what follows on screen, so an export could make a value read as another.
fn kept(c: char, next: Option<char>) -> bool {
    if matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
        return false;
    }
    !c.is_control() || c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'))
}

/// Whether a byte may start a character [`kept`] escapes: C0 controls and DEL are single
/// bytes, C1 controls (U+0080–U+009F) are encoded `0xC2 0x80..=0x9F`. A cheap filter, so text
/// without any (nearly all of it) is never copied.
fn may_escape(b: u8) -> bool {
    // 0xE2 starts the bidirectional overrides (and many harmless characters, such as
    // typographic quotes, which the closer look lets through).
    (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f || b == 0xc2 || b == 0xe2
}

/// Whether `s` holds a character [`kept`] refuses. Windows text is full of `\r\n`, which the
/// byte filter lets through to this closer look.
pub(super) fn needs_escape(s: &str) -> bool {
    if !s.bytes().any(may_escape) {
        return false;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !kept(c, chars.peek().copied()) {
            return true;
        }
    }
    false
}

/// Appends `s` to `out` with every control character [`kept`] refuses written as an escape;
/// calls `escaped(at, len, shown_len)` for each, with its byte offset and length in `s` and the
/// length of its escape, so a caller can map offsets of `s` into the result.
pub(super) fn escape_into(s: &str, out: &mut String, mut escaped: impl FnMut(usize, usize, usize)) {
    let mut run = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if kept(c, chars.peek().map(|&(_, n)| n)) {
            continue;
        }
        out.push_str(&s[run..at]);
        let before = out.len();
        let code = u32::from(c);
        // C0 and DEL are bytes and read best as bytes; a C1 control or a bidirectional override
        // is a character that took two or more bytes in the file, so it is named by its code
        // point.
        let _ = if code < 0x80 {
            write!(out, "\\x{code:02x}")
        } else {
            write!(out, "\\u{{{code:x}}}")
        };
        escaped(at, c.len_utf8(), out.len() - before);
        run = at + c.len_utf8();
    }
    out.push_str(&s[run..]);
}

/// `s` as it may be printed to a terminal: control characters shown escaped (see the module
/// documentation). Borrows when there is nothing to escape.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !needs_escape(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(s, &mut out, |_, _, _| {});
    Cow::Owned(out)
}

/// `s` as XML character data or an attribute value: markup characters as entities, and
/// control characters shown escaped as for a terminal, since XML 1.0 cannot hold most of them
/// at all (not even as `&#27;`) and a JUnit file is often printed by a CI log viewer.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Not characters in XML 1.0 either.
            '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Serialized JSON made safe to print: serde_json escapes the C0 controls (`\u001b`) as JSON
/// requires, but writes DEL, the C1 controls and the bidirectional overrides raw; this writes
/// them as `\u007f`, `\u009b`, `\u202e`. The JSON means the same: outside strings JSON is
/// ASCII, so these bytes only occur in strings, where the escape stands for the same character.
pub fn json(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.iter().any(|&b| b == 0x7f || b == 0xc2 || b == 0xe2) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0x7f {
            out.extend_from_slice(b"\\u007f");
        } else if b == 0xc2
            && let Some(&next @ 0x80..=0x9f) = bytes.get(i + 1)
        {
            // In UTF-8, 0xC2 always leads a two-byte character U+0080..U+00BF.
            out.extend_from_slice(format!("\\u{:04x}", u32::from(next)).as_bytes());
            i += 1;
        } else if b == 0xe2
            && let Some(c) = bytes
                .get(i..i + 3)
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.chars().next())
                .filter(|c| !kept(*c, None))
        {
            out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
            i += 2;
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_are_shown_escaped() {
        assert_eq!(
            terminal("a\x1b]0;pwned\x07b\x1b[2Jc"),
            "a\\x1b]0;pwned\\x07b\\x1b[2Jc"
        );
        assert_eq!(
            terminal("del\x7f nul\0 c1\u{9b}"),
            "del\\x7f nul\\x00 c1\\u{9b}"
        );
    }

    #[test]
    fn bidirectional_overrides_are_shown_escaped() {
        // "Trojan Source": U+202E makes `exe.txt` after it display reversed.
        assert_eq!(
            terminal("invoice\u{202e}txt.exe"),
            "invoice\\u{202e}txt.exe"
        );
        assert_eq!(terminal("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        // Typographic quotes share the lead byte and stay.
        assert!(matches!(
            terminal("\u{201c}quoted\u{201d}"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn layout_characters_stay_and_plain_text_is_borrowed() {
        assert_eq!(
            terminal("HKLM\\SOFTWARE\tx\r\ny\n°é"),
            "HKLM\\SOFTWARE\tx\r\ny\n°é"
        );
        assert!(matches!(terminal("plain\ttext\n"), Cow::Borrowed(_)));
        assert!(matches!(terminal("windows\r\ntext°\r\n"), Cow::Borrowed(_)));
        assert_eq!(terminal("a\r\nb"), "a\r\nb");
        // A carriage return that does not end a line would let what follows overwrite it.
        assert_eq!(terminal("safe\rEVIL"), "safe\\x0dEVIL");
        assert_eq!(terminal("end\r"), "end\\x0d");
    }

    #[test]
    fn escape_into_reports_each_escape_for_offset_mapping() {
        let mut out = String::new();
        let mut seen = Vec::new();
        escape_into("a\x1bb\u{85}c", &mut out, |at, len, shown| {
            seen.push((at, len, shown))
        });
        assert_eq!(out, "a\\x1bb\\u{85}c");
        assert_eq!(seen, vec![(1, 1, 4), (3, 2, 6)]);
    }

    #[test]
    fn xml_is_well_formed_whatever_the_text() {
        assert_eq!(
            xml("<a href=\"x\">&\x1b[2J\x07</a>\n\t"),
            "&lt;a href=&quot;x&quot;&gt;&amp;\\x1b[2J\\x07&lt;/a&gt;\n\t"
        );
        assert_eq!(xml("\u{fffe}"), "\\u{fffe}");
    }

    #[test]
    fn json_keeps_its_meaning_with_del_and_c1_escaped() {
        let raw = serde_json::to_vec(&"a\x1b\x7f\u{9b}é°\u{202e}x\u{201c}").expect("serializes");
        let safe = json(raw);
        assert_eq!(
            String::from_utf8(safe.clone()).expect("utf-8"),
            "\"a\\u001b\\u007f\\u009bé°\\u202ex\u{201c}\""
        );
        let back: String = serde_json::from_slice(&safe).expect("parses");
        assert_eq!(back, "a\x1b\x7f\u{9b}é°\u{202e}x\u{201c}");
    }
}
