//! Bad input never crashes: every shipped export, truncated at many points and with bytes
//! flipped, goes through decoding, recognition and parsing without a panic, and every error
//! points inside the text.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use uplint::parse;
use uplint::source::{FileId, SourceText};

fn exports(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            exports(&p, out);
        } else if p
            .file_name()
            .is_some_and(|n| n != "expect.json" && n != "README.md")
        {
            out.push(p);
        }
    }
}

fn check(bytes: &[u8], what: &str) {
    let (text, problems) = SourceText::decode(bytes);
    for p in &problems {
        assert!(
            p.text_offset <= text.text.len(),
            "{what}: decode problem outside the text"
        );
    }
    if let Some(format) = parse::recognize(&text.text) {
        let parsed = (format.parse)(FileId(0), text.text.clone());
        for e in &parsed.errors {
            assert!(
                (e.span.start as usize) <= text.text.len(),
                "{what}: {} error at {} beyond {}",
                format.name,
                e.span.start,
                text.text.len()
            );
        }
        // Every node's span and path can be read without panicking.
        let doc = Arc::new(parsed.doc);
        for i in 0..doc.len() as u32 {
            let _ = doc.path(i);
            if let Some(span) = doc.span(i) {
                assert!(
                    span.end as usize <= text.text.len(),
                    "{what}: node span beyond the text"
                );
                let _ = text.location(span.start as usize, span.end as usize);
                let _ = text.snippet_of(span.start as usize, span.end as usize);
            }
        }
        let mut facts = uplint::facts::FactSet::default();
        facts.extract_from(&doc);
    }
}

#[test]
fn truncated_and_corrupted_exports_never_panic() {
    let mut files = Vec::new();
    exports(Path::new("corpora"), &mut files);
    exports(Path::new("tests/rules"), &mut files);
    exports(Path::new("tests/fixtures"), &mut files);
    assert!(files.len() > 20);
    let mut cases = 0;
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        let name = f.display().to_string();
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            check(&bytes[..cut], &format!("{name} cut at {cut}"));
            cases += 1;
        }
        for (i, flip) in [0x00u8, 0x22, 0x5C, 0xFF, 0x0A].iter().enumerate() {
            let mut corrupted = bytes.clone();
            let at = (bytes.len() * (i + 1)) / 7;
            if let Some(b) = corrupted.get_mut(at) {
                *b = *flip;
            }
            check(&corrupted, &format!("{name} byte {at} set to {flip:#04x}"));
            cases += 1;
        }
    }
    assert!(cases > 500, "{cases}");
}

#[test]
fn hostile_shapes_are_bounded() {
    let deep_json = "[".repeat(200_000);
    check(deep_json.as_bytes(), "deep json");
    let deep_xml = "<a>".repeat(200_000);
    check(deep_xml.as_bytes(), "deep xml");
    let huge_line = format!("{{\"a\": \"{}\"}}", "x".repeat(5_000_000));
    check(huge_line.as_bytes(), "huge line");
    let mut odd_utf16 = vec![0xFF, 0xFE];
    odd_utf16.extend(
        "Windows Registry Editor Version 5.00\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    odd_utf16.push(b'[');
    check(&odd_utf16, "odd utf-16");
    check(&[0xD8, 0x00, 0xFF], "garbage");
    check(b"", "empty");
}
