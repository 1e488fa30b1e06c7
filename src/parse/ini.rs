//! INI answer files: SQL Server setup's `ConfigurationFile.ini`, VMM's `VMServer.ini` and other
//! setup answer files, ConfigMgr's `ConfigMgrAutoSave.ini`.
//!
//! The root holds one object per `[Section]`, named as written; `Key=Value` lines become string
//! leaves named as written (Windows reads them case-insensitively, and so does
//! [`crate::model::Document::child`]). A value wrapped in double quotes loses them and its span
//! covers the text inside; `""` inside such a value stands for one quote (the only escape
//! setup programs write). Values are never typed: `1`, `True` and `"True"` are all text, as
//! setup reads them. Keys before any section go into a section named `""`.
//!
//! A section that appears twice is merged into its first occurrence (compared
//! case-insensitively, as Windows does) and a note marks the repeat: one object per name keeps
//! lookups simple, and a key repeated across the two stays twice, the first one winning as it
//! does for `GetPrivateProfileString`.
//!
//! This file also holds [`lines`], the line splitter the other line-based readers of this
//! folder (systeminfo, ipconfig, WSMan tables) share.

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "ini",
    produced_by: "setup answer files (SQL Server ConfigurationFile.ini, VMM VMServer.ini, ConfigMgrAutoSave.ini)",
    recognize,
    parse,
};

/// Leading whitespace, NULs and a byte-order mark that survived decoding.
fn is_pad(c: char) -> bool {
    c.is_whitespace() || c == '\0' || c == '\u{FEFF}'
}

fn is_comment(trimmed: &str) -> bool {
    trimmed.starts_with(';') || trimmed.starts_with('#')
}

/// The name inside a `[Section]` line, if the line is exactly that (a trailing comment
/// allowed).
fn section_name(trimmed: &str) -> Option<&str> {
    let inner = trimmed.strip_prefix('[')?;
    let close = inner.find(']')?;
    let after = inner.get(close + 1..)?.trim();
    if !(after.is_empty() || is_comment(after)) {
        return None;
    }
    inner.get(..close)
}

fn recognize(text: &str) -> bool {
    let mut significant = super::lines::raw(text)
        .map(|(_, l)| l.trim_matches(is_pad))
        .filter(|l| !l.is_empty() && !is_comment(l))
        .take(50);
    let Some(first) = significant.next() else {
        return false;
    };
    let Some(name) = section_name(first) else {
        return false;
    };
    // `.reg` keys, JSON arrays (`[{`, `["a"]`) and nested brackets are not INI sections.
    let plausible = |name: &str| {
        let name = name.trim();
        !name.is_empty()
            && !name.starts_with(['{', '"', '[', '-'])
            && !name.to_ascii_uppercase().starts_with("HKEY_")
            && !name.contains(['{', '}', '"', '<', '>', '\\'])
    };
    if !plausible(name) {
        return false;
    }
    for line in significant {
        if let Some(name) = section_name(line) {
            if !plausible(name) {
                return false;
            }
            continue;
        }
        return match line.split_once('=') {
            Some((key, _)) => {
                let key = key.trim();
                !key.is_empty() && !key.contains(['"', '{', '}', '<', '>', '[', ']', ','])
            }
            None => false,
        };
    }
    false
}

struct Entry<'a> {
    key: &'a str,
    value: Value,
    start: usize,
    end: usize,
}

struct Section<'a> {
    name: &'a str,
    start: usize,
    end: usize,
    entries: Vec<Entry<'a>>,
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    // Index in `sections` that keys are currently added to.
    let mut current: Option<usize> = None;
    let src: &str = &text;
    for (line_start, line) in super::lines::raw(src) {
        let trimmed = line.trim_start_matches(is_pad);
        let at = line_start + (line.len() - trimmed.len());
        let trimmed = trimmed.trim_end();
        if trimmed.is_empty() || is_comment(trimmed) {
            continue;
        }
        let line_end = at + trimmed.len();
        if trimmed.starts_with('[') {
            let Some(name) = section_name(trimmed) else {
                let message = if trimmed.contains(']') {
                    "unexpected text after the `[Section]` header"
                } else {
                    "section header: `[` is never closed with `]`"
                };
                errors.push(InputError::at(file, at, message));
                // The keys that follow belong to a section we could not name; keeping them in
                // the previous one would misplace them.
                current = None;
                continue;
            };
            let name = name.trim();
            let existing = sections
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(name));
            match existing {
                Some(i) => {
                    notes.push(InputError::at(
                        file,
                        at,
                        format!(
                            "section [{name}] appears again: its keys are read as part of the first [{name}]; setup programs may read only the first"
                        ),
                    ));
                    current = Some(i);
                }
                None => {
                    sections.push(Section {
                        name,
                        start: at,
                        end: line_end,
                        entries: Vec::new(),
                    });
                    current = Some(sections.len() - 1);
                }
            }
            continue;
        }
        let Some((raw_key, raw_value)) = trimmed.split_once('=') else {
            errors.push(InputError::at(
                file,
                at,
                "expected `Key=Value`, a `[Section]` header or a `;` comment",
            ));
            continue;
        };
        let key = raw_key.trim();
        if key.is_empty() {
            errors.push(InputError::at(file, at, "`=` with no key name before it"));
            continue;
        }
        let value_text = raw_value.trim();
        let value_at = line_end - value_text.len();
        let (value, start, end) = match unquote(value_text, value_at) {
            Ok(v) => v,
            Err(()) => {
                errors.push(InputError::at(
                    file,
                    value_at,
                    "the value opens a `\"` that is never closed",
                ));
                (
                    Value::Slice(value_at as u32, line_end as u32),
                    value_at,
                    line_end,
                )
            }
        };
        let idx = match current {
            Some(i) => i,
            None => {
                // Keys before any section (or after a broken header) go to the section named
                // "", created where the first such key is.
                match sections.iter().position(|s| s.name.is_empty()) {
                    Some(i) => i,
                    None => {
                        sections.push(Section {
                            name: "",
                            start: at,
                            end: line_end,
                            entries: Vec::new(),
                        });
                        sections.len() - 1
                    }
                }
            }
        };
        if let Some(section) = sections.get_mut(idx) {
            section.end = section.end.max(line_end);
            section.entries.push(Entry {
                key,
                value,
                start,
                end,
            });
        }
    }

    let mut b = Builder::new(Some(file), DocKind::Ini, text.clone(), NodeKind::Object);
    for section in sections {
        b.open(NodeKind::Object, Some(section.name), section.start);
        for e in section.entries {
            b.leaf(Some(e.key), e.value, e.start, e.end);
        }
        b.close(section.end);
    }
    Parsed::new(b.finish(), errors, notes)
}

/// The value without its surrounding quotes, with its span; `Err` for an unclosed quote. A
/// value whose quotes do not wrap all of it (`"a" "b"`, as SQL setup writes lists of
/// accounts) is kept exactly as written.
fn unquote(raw: &str, at: usize) -> Result<(Value, usize, usize), ()> {
    let whole = (
        Value::Slice(at as u32, (at + raw.len()) as u32),
        at,
        at + raw.len(),
    );
    let Some(inner) = raw.strip_prefix('"') else {
        return Ok(whole);
    };
    let mut unescaped = String::new();
    let mut escaped = false;
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            unescaped.push(c);
            continue;
        }
        if chars.peek().is_some_and(|(_, n)| *n == '"') {
            chars.next();
            unescaped.push('"');
            escaped = true;
            continue;
        }
        if i + 1 != inner.len() {
            return Ok(whole);
        }
        let (start, end) = (at + 1, at + 1 + i);
        let value = if escaped {
            Value::Owned(unescaped.into())
        } else {
            Value::Slice(start as u32, end as u32)
        };
        return Ok((value, start, end));
    }
    Err(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};
    use crate::parse::test_support::{realworld, spanned};

    const SQL: &str = ";SQL Server 2022 Configuration File\r\n[OPTIONS]\r\n\r\n; Setup work flow. \r\n\r\nACTION=\"Upgrade\"\r\nINSTANCENAME=\"SQLTEST01\"  \r\nQUIET=\"True\"\r\nSQLSYSADMINACCOUNTS=\"FABRIKAM\\dba1\" \"FABRIKAM\\dba2\"\r\nFEATURES=SQLENGINE,FULLTEXT\r\nNOTE=\"say \"\"hi\"\"\"\r\n";

    const VMM: &str = "[OPTIONS]\nProductKey=AAAAA-BBBBB-CCCCC-DDDDD-EEEEE\nUserName=Operator\nTopContainerName=CN=VMMKeys,DC=fabrikam,DC=test\nVmmServiceLocalAccount=0\nIndigoTcpPort=8100\n";

    const CM: &str = "[Identification]\r\nAction=InstallPrimarySite\r\n\r\n[Options]\r\nSiteCode=T01\r\nSiteName=Test Site\r\nProxyName=\r\n[SQLConfigOptions]\r\nSQLServerName=db01.fabrikam.test\r\nSQLSSBPort=4022\r\n";

    fn get(doc: &Document, path: &str) -> Option<String> {
        doc.lookup(Document::ROOT, path)
            .map(|n| doc.scalar(n).to_string())
    }

    #[test]
    fn sql_configuration_file_strips_quotes_with_spans_inside() {
        assert!(recognize(SQL));
        let parsed = parse(FileId(0), Arc::from(SQL));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert!(parsed.notes.is_empty());
        let doc = &parsed.doc;
        assert_eq!(doc.kind, DocKind::Ini);
        assert_eq!(get(doc, "OPTIONS/ACTION").as_deref(), Some("Upgrade"));
        assert_eq!(spanned(SQL, doc, "OPTIONS/ACTION"), "Upgrade");
        assert_eq!(spanned(SQL, doc, "OPTIONS/INSTANCENAME"), "SQLTEST01");
        assert_eq!(
            spanned(SQL, doc, "OPTIONS/SQLSYSADMINACCOUNTS"),
            "\"FABRIKAM\\dba1\" \"FABRIKAM\\dba2\""
        );
        assert_eq!(
            get(doc, "OPTIONS/FEATURES").as_deref(),
            Some("SQLENGINE,FULLTEXT")
        );
        assert_eq!(get(doc, "OPTIONS/NOTE").as_deref(), Some("say \"hi\""));
        assert_eq!(spanned(SQL, doc, "OPTIONS/NOTE"), "say \"\"hi\"\"");
        // Values stay text: setup reads `"True"` and `True` alike.
        let quiet = doc.lookup(Document::ROOT, "options/quiet").expect("quiet");
        assert_eq!(doc.scalar(quiet), Scalar::Str("True"));
        assert_eq!(doc.path(quiet), "OPTIONS/QUIET");
    }

    #[test]
    fn vmm_values_keep_their_equals_signs() {
        assert!(recognize(VMM));
        let parsed = parse(FileId(0), Arc::from(VMM));
        assert!(parsed.errors.is_empty());
        let doc = &parsed.doc;
        assert_eq!(
            spanned(VMM, doc, "OPTIONS/TopContainerName"),
            "CN=VMMKeys,DC=fabrikam,DC=test"
        );
        assert_eq!(
            get(doc, "OPTIONS/VmmServiceLocalAccount").as_deref(),
            Some("0")
        );
    }

    #[test]
    fn configmgr_sections_and_empty_values() {
        assert!(recognize(CM));
        let parsed = parse(FileId(0), Arc::from(CM));
        assert!(parsed.errors.is_empty());
        let doc = &parsed.doc;
        assert_eq!(doc.children(Document::ROOT).len(), 3);
        assert_eq!(
            get(doc, "Identification/Action").as_deref(),
            Some("InstallPrimarySite")
        );
        assert_eq!(get(doc, "Options/ProxyName").as_deref(), Some(""));
        let proxy = doc.lookup(Document::ROOT, "Options/ProxyName").expect("p");
        let span = doc.span(proxy).expect("span");
        assert_eq!(span.start, span.end);
        assert_eq!(spanned(CM, doc, "SQLConfigOptions/SQLSSBPort"), "4022");
        let options = doc.lookup(Document::ROOT, "Options").expect("options");
        assert!(CM[doc.span(options).expect("span").range()].starts_with("[Options]"));
        assert!(CM[doc.span(options).expect("span").range()].ends_with("ProxyName="));
    }

    #[test]
    fn keys_before_any_section_and_repeated_sections() {
        let text = "Loose=1\n[A]\nX=1\n[B]\nY=2\n[a]\nZ=3\nX=4\n";
        let parsed = parse(FileId(0), Arc::from(text));
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.notes.len(), 1);
        assert_eq!(&text[parsed.notes[0].span.range()], "[");
        let doc = &parsed.doc;
        let loose = doc.child(Document::ROOT, "").expect("unnamed section");
        assert_eq!(
            doc.child(loose, "Loose").map(|n| doc.scalar(n).to_string()),
            Some("1".into())
        );
        assert_eq!(get(doc, "A/Z").as_deref(), Some("3"));
        // The first X wins, as for GetPrivateProfileString.
        assert_eq!(get(doc, "A/X").as_deref(), Some("1"));
        assert_eq!(doc.children(Document::ROOT).len(), 3);
    }

    #[test]
    fn lf_and_crlf_give_the_same_values() {
        let crlf = VMM.replace('\n', "\r\n");
        let a = parse(FileId(0), Arc::from(VMM));
        let b = parse(FileId(0), Arc::from(crlf.as_str()));
        assert!(b.errors.is_empty());
        assert_eq!(
            get(&a.doc, "OPTIONS/ProductKey"),
            get(&b.doc, "OPTIONS/ProductKey")
        );
        assert_eq!(spanned(&crlf, &b.doc, "OPTIONS/IndigoTcpPort"), "8100");
    }

    #[test]
    fn malformed_lines_are_errors_at_their_line() {
        let text = "[OPTIONS]\nGOOD=1\nthis is not a setting\n[BROKEN\nLOST=2\n=3\nQ=\"open\n";
        let parsed = parse(FileId(0), Arc::from(text));
        let at: Vec<&str> = parsed
            .errors
            .iter()
            .map(|e| &text[e.span.start as usize..])
            .collect();
        assert_eq!(parsed.errors.len(), 4, "{:?}", parsed.errors);
        assert!(at[0].starts_with("this is not"));
        assert!(at[1].starts_with("[BROKEN"));
        assert!(at[2].starts_with("=3"));
        assert!(at[3].starts_with("\"open"));
        let doc = &parsed.doc;
        assert_eq!(get(doc, "OPTIONS/GOOD").as_deref(), Some("1"));
        assert_eq!(get(doc, "OPTIONS/LOST"), None);
        assert_eq!(get(doc, "OPTIONS/Q"), None, "Q went to the unnamed section");
    }

    #[test]
    fn truncated_input_keeps_what_was_read() {
        for cut in 0..SQL.len() {
            let Some(part) = SQL.get(..cut) else { continue };
            let parsed = parse(FileId(0), Arc::from(part));
            let _ = parsed.doc.len();
        }
        let part = &SQL[..SQL.find("INSTANCENAME").expect("key") + 20];
        let parsed = parse(FileId(0), Arc::from(part));
        assert_eq!(
            get(&parsed.doc, "OPTIONS/ACTION").as_deref(),
            Some("Upgrade")
        );
        assert_eq!(parsed.errors.len(), 1, "the cut value's quote is open");
    }

    #[test]
    fn recognizer_rejects_other_formats() {
        let negatives = [
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"A\"=dword:00000001\r\n",
            "REGEDIT4\n\n[HKEY_CURRENT_USER\\X]\n\"A\"=\"b\"\n",
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\n\"A\"=\"b\"\n",
            "[\n  {\"Name\": \"a=b\"}\n]\n",
            "[{\"Name\":\"x\"}]",
            "[\"a=b\"]\n",
            "{\"OPTIONS\": {\"ACTION\": \"Upgrade\"}}",
            "<?xml version=\"1.0\"?>\n<root a=\"b\"/>\n",
            "Name,Value\nACTION,Upgrade\n",
            "[2024-05-01 10:00:00] INFO started x=1\n[2024-05-01 10:00:01] INFO done\n",
            "[INFO] setting x=1\n",
            "Config\r\n    MaxEnvelopeSizekb = 500\r\n",
            "\r\nHost Name:                 SRV01\r\nOS Name:                   Microsoft Windows Server 2019 Standard\r\n",
            "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . . . . . . . . : PC1\r\n",
            "   WSManConfig: Microsoft.WSMan.Management\\WSMan::localhost\\Service\r\n\r\nType            Name                           SourceOfValue   Value\r\n",
            "[OPTIONS]\nno equals here\nA=1\n",
            "",
        ];
        for text in negatives {
            assert!(!recognize(text), "accepted: {text:?}");
        }
        assert!(recognize(
            "\u{FEFF}; generated\r\n\r\n[Identification]\r\n\r\n[Options]\r\nA=1\r\n"
        ));
    }

    #[test]
    fn real_samples_parse_cleanly() {
        for rel in [
            "sql/anoop-sql2019-upgrade-ConfigurationFile.ini",
            "sql/psaspirant-sql2017to2019-upgrade-ConfigurationFile-utf16.ini",
            "sms/joshmadakor-ConfigMgrAutoSave.ini",
        ] {
            let Some(bytes) = realworld(rel) else {
                continue;
            };
            let (src, _) = crate::source::SourceText::decode(&bytes);
            assert!(recognize(&src.text), "{rel} not recognized");
            let parsed = parse(FileId(0), src.text.clone());
            assert!(parsed.errors.is_empty(), "{rel}: {:?}", parsed.errors);
            assert!(doc_has_keys(&parsed.doc), "{rel}: nothing read");
        }
    }

    fn doc_has_keys(doc: &Document) -> bool {
        doc.children(Document::ROOT)
            .iter()
            .any(|s| !doc.children(*s).is_empty())
    }
}
