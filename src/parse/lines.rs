//! Line handling shared by the readers of text exports (INI, `systeminfo`, `ipconfig`, WSMan
//! tables): splitting on any line break with byte offsets, and indented lines as those outputs
//! lay them out.

/// The lines of `text` with the byte offset of each, split on CRLF, LF or a lone CR (old
/// tools and pasted text mix them), without the breaks.
pub(super) fn raw(text: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = text.get(pos..).filter(|r| !r.is_empty())?;
        let (len, next) = match memchr::memchr2(b'\r', b'\n', rest.as_bytes()) {
            Some(i) if rest.get(i..).is_some_and(|r| r.starts_with("\r\n")) => (i, i + 2),
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let start = pos;
        pos += next;
        Some((start, rest.get(..len).unwrap_or("")))
    })
}

/// A non-blank line of command output: where its text starts, how far it is indented, and the
/// text without indentation and trailing blanks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Line<'a> {
    /// Byte offset of `body` in the text.
    pub start: usize,
    pub indent: usize,
    pub body: &'a str,
}

impl Line<'_> {
    pub fn end(&self) -> usize {
        self.start + self.body.len()
    }
}

/// The non-blank lines of `text`, with a BOM left on the first line ignored.
pub(super) fn indented(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    for (at, raw) in raw(text) {
        let content = if at == 0 {
            raw.trim_start_matches('\u{FEFF}')
        } else {
            raw
        };
        let at = at + (raw.len() - content.len());
        let body = content.trim_start_matches([' ', '\t']);
        let indent = content.len() - body.len();
        let body = body.trim_end();
        if !body.is_empty() {
            out.push(Line {
                start: at + indent,
                indent,
                body,
            });
        }
    }
    out
}

/// A `cmd` or PowerShell prompt pasted with the output (`C:\>ipconfig /all`, `PS C:\> ...`).
pub(super) fn is_prompt(body: &str) -> bool {
    let drive = matches!(body.as_bytes(), [d, b':', b'\\', ..] if d.is_ascii_alphabetic());
    (drive || body.starts_with("PS ")) && body.contains(":\\") && body.contains('>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_lines_split_on_any_break() {
        let got: Vec<(usize, &str)> = raw("a\r\nb\nc\rd").collect();
        assert_eq!(got, vec![(0, "a"), (3, "b"), (5, "c"), (7, "d")]);
        assert_eq!(raw("").count(), 0);
        let got: Vec<(usize, &str)> = raw("x\n\n").collect();
        assert_eq!(got, vec![(0, "x"), (2, "")]);
    }

    #[test]
    fn indented_lines_keep_offsets_and_skip_blanks() {
        let text = "\u{FEFF}Head\r\n\r\n   Field . : v  \r\n";
        let lines = indented(text);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[1].indent, lines[1].body), (3, "Field . : v"));
        assert_eq!(&text[lines[1].start..lines[1].end()], "Field . : v");
    }

    #[test]
    fn prompts() {
        assert!(is_prompt(r"C:\>ipconfig /all"));
        assert!(is_prompt(r"PS C:\Users\admin> systeminfo"));
        assert!(!is_prompt("Host Name:                 SRV01"));
    }
}
