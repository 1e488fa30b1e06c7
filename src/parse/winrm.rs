//! The text `winrm get winrm/config` prints (also `winrm get winrm/config/service` and the
//! other sub-trees).
//!
//! Blocks nest by indentation: a bare name followed by more-indented lines is a block
//! (`Service`, `Auth`, `DefaultPorts`); a bare name with nothing under it is an empty value
//! (`TrustedHosts`, `CertificateThumbprint`). `Name = Value` lines are values: whole numbers
//! become integers, `true`/`false` booleans, anything else stays text. A value set by Group
//! Policy carries a `[Source="GPO"]` suffix; the value keeps only the value's span and the
//! source is recorded beside it as `<Name>@Source`, so a finding can say "set by policy".

use std::sync::Arc;

use super::{Format, InputError, Parsed};
use crate::model::{Builder, DocKind, NodeKind, Value};
use crate::source::FileId;

pub const FORMAT: Format = Format {
    name: "winrm-config",
    produced_by: "winrm get winrm/config",
    recognize,
    parse,
};

const TOP_BLOCKS: &[&str] = &["Config", "Client", "Service", "Winrs"];

fn recognize(text: &str) -> bool {
    let mut lines = super::trim_start(text)
        .lines()
        .filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("");
    // A sub-tree can open with a nested block (`Config` / `    Client` / `        X = 1`).
    TOP_BLOCKS.contains(&first.trim_end())
        && lines
            .take(8)
            .take_while(|l| l.starts_with(' '))
            .any(|l| l.contains(" = "))
}

struct Line<'a> {
    start: usize,
    indent: usize,
    body: &'a str,
}

pub fn parse(file: FileId, text: Arc<str>) -> Parsed {
    let mut b = Builder::new(
        Some(file),
        DocKind::WinRmConfig,
        text.clone(),
        NodeKind::Object,
    );
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let content = raw.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start_matches([' ', '\t', '\u{FEFF}']);
        if !trimmed.trim().is_empty() {
            lines.push(Line {
                start,
                indent: content.len() - trimmed.len(),
                body: trimmed.trim_end(),
            });
        }
        start += raw.len();
    }
    // (indent of the block's own line, end of its last line)
    let mut open: Vec<usize> = Vec::new();
    let mut last_end = 0;
    for (n, line) in lines.iter().enumerate() {
        while open.last().is_some_and(|indent| line.indent <= *indent) {
            open.pop();
            b.close(last_end);
        }
        let at = line.start + line.indent;
        let end = at + line.body.len();
        last_end = end;
        match line.body.split_once(" = ") {
            Some((name, raw_value)) => {
                let value_at = at + name.len() + 3;
                let (value, source) = split_source(raw_value);
                let v = typed(value, value_at);
                b.leaf(Some(name.trim()), v, value_at, value_at + value.len());
                if let Some(src) = source {
                    // The source name ends before the `"]` that closes the suffix.
                    let src_at = value_at + raw_value.len() - "\"]".len() - src.len();
                    b.leaf(
                        Some(&format!("{}@Source", name.trim())),
                        Value::Owned(src.into()),
                        src_at,
                        src_at + src.len(),
                    );
                }
            }
            None if line.body.contains('=') => {
                errors.push(InputError::at(
                    file,
                    at,
                    "expected `Name = Value` with spaces around `=`, as winrm prints it",
                ));
            }
            None => {
                let is_block = lines
                    .get(n + 1)
                    .is_some_and(|next| next.indent > line.indent);
                if is_block {
                    b.open(NodeKind::Object, Some(line.body), at);
                    open.push(line.indent);
                } else {
                    b.leaf(Some(line.body), Value::Null, at, end);
                }
            }
        }
    }
    Parsed::new(b.finish(), errors, Vec::new())
}

/// Splits `50 [Source="GPO"]` into the value and the source name.
fn split_source(raw: &str) -> (&str, Option<&str>) {
    if let Some(open) = raw.rfind(" [Source=\"") {
        let rest = &raw[open + 10..];
        if let Some(src) = rest.strip_suffix("\"]") {
            return (raw[..open].trim_end(), Some(src));
        }
    }
    (raw, None)
}

fn typed(value: &str, at: usize) -> Value {
    if let Ok(i) = value.parse::<i64>() {
        return Value::Int(i);
    }
    match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::Slice(at as u32, (at + value.len()) as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Scalar};

    const SAMPLE: &str = "Config\r\n    MaxEnvelopeSizekb = 500\r\n    Client\r\n        TrustedHosts\r\n        DefaultPorts\r\n            HTTP = 5985\r\n    Service\r\n        RootSDDL = O:NSG:BAD:P(A;;GA;;;BA)\r\n        MaxConnections = 50 [Source=\"GPO\"]\r\n        AllowUnencrypted = false\r\n        CertificateThumbprint\r\n    Winrs\r\n        MaxShellsPerUser = 30\r\n";

    #[test]
    fn nests_blocks_by_indentation_and_types_values() {
        assert!(recognize(SAMPLE));
        let parsed = parse(FileId(0), Arc::from(SAMPLE));
        assert!(parsed.errors.is_empty());
        let doc = parsed.doc;
        let get = |p: &str| doc.lookup(Document::ROOT, p).map(|n| doc.scalar(n));
        assert_eq!(get("Config/Service/MaxConnections"), Some(Scalar::Int(50)));
        assert_eq!(
            get("Config/Service/MaxConnections@Source"),
            Some(Scalar::Str("GPO"))
        );
        assert_eq!(
            get("Config/Service/AllowUnencrypted"),
            Some(Scalar::Bool(false))
        );
        assert_eq!(
            get("Config/Service/CertificateThumbprint"),
            Some(Scalar::Null)
        );
        assert_eq!(get("Config/Client/TrustedHosts"), Some(Scalar::Null));
        assert_eq!(
            get("Config/Client/DefaultPorts/HTTP"),
            Some(Scalar::Int(5985))
        );
        assert_eq!(get("Config/Winrs/MaxShellsPerUser"), Some(Scalar::Int(30)));
        let mc = doc
            .lookup(Document::ROOT, "Config/Service/MaxConnections")
            .expect("mc");
        assert_eq!(&SAMPLE[doc.span(mc).expect("span").range()], "50");
        assert_eq!(doc.path(mc), "Config/Service/MaxConnections");
    }

    #[test]
    fn a_policy_source_spans_its_name() {
        // Found by fuzzing: the span was two bytes late, inside `’` here, which is three.
        for text in [
            "MaxConnections = 50 [Source=\"GPO\"]\r\n",
            "r =  [Source=\"’\"]",
        ] {
            let p = parse(FileId(0), Arc::from(text));
            let source = p
                .doc
                .children(Document::ROOT)
                .iter()
                .copied()
                .find(|&n| p.doc.name(n).is_some_and(|k| k.ends_with("@Source")))
                .expect("the source");
            let span = p.doc.span(source).expect("span").range();
            assert_eq!(Some(&text[span]), text.split('"').nth(1));
        }
    }

    #[test]
    fn not_recognized_without_the_layout() {
        assert!(!recognize("Config\nsomething else\n"));
        assert!(!recognize("{\"Config\": 1}"));
    }
}
