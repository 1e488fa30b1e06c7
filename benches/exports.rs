//! Large single exports: `cargo bench --bench exports [-- --entries 1000,5000,20000 --reps 5]`.
//!
//! The fleet bench has many small files; this one has one large file of each kind where a
//! list fact grows with the export: an Uninstall `reg export` (one `software` record per
//! product) and a `Win32_Service` JSON listing. It measures decoding, recognizing, parsing and
//! extracting facts, so a cost that grows faster than the file (comparing each record with
//! every earlier one did: 3.2 s for 5,000 Uninstall entries) shows as time per entry rising
//! with the size. A benchmark, not a test: nothing here asserts a time.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use uplint::parse;
use uplint::source::{FileId, SourceText};

fn uninstall_reg(n: usize) -> Vec<u8> {
    let mut s = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for i in 0..n {
        let _ = write!(
            s,
            "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{{{i:08X}-1111-2222-3333-444455556666}}]\r\n\"DisplayName\"=\"Product {}\"\r\n\"DisplayVersion\"=\"1.{}.{i}\"\r\n\"Publisher\"=\"Contoso {}\"\r\n\r\n",
            i % (n / 2).max(1),
            i % 7,
            i % 3
        );
    }
    // As reg export writes it: UTF-16LE with a byte order mark.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn services_json(n: usize) -> Vec<u8> {
    let mut s = String::from("[\r\n");
    for i in 0..n {
        let _ = write!(
            s,
            "    {{\r\n        \"Name\":  \"svc{i}\",\r\n        \"DisplayName\":  \"Service {i}\",\r\n        \"StartName\":  \"LocalSystem\",\r\n        \"State\":  \"Running\",\r\n        \"StartMode\":  \"Auto\"\r\n    }}{}\r\n",
            if i + 1 < n { "," } else { "" }
        );
    }
    s.push_str("]\r\n");
    s.into_bytes()
}

/// Decode, recognize, parse and extract facts; the number of records extracted.
fn read(bytes: &[u8]) -> usize {
    let (text, _) = SourceText::decode(bytes);
    let Some(format) = parse::recognize(&text.text) else {
        return 0;
    };
    let doc = Arc::new((format.parse)(FileId(0), text.text.clone()).doc);
    let mut facts = uplint::facts::FactSet::default();
    facts.extract_from(&doc);
    facts.len()
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let sizes: Vec<usize> = arg("--entries")
        .unwrap_or_else(|| "1000,5000,20000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let reps: usize = arg("--reps").and_then(|r| r.parse().ok()).unwrap_or(5);
    println!("exports benchmark: median of {reps} run(s), one thread");
    println!(
        "{:>9} {:<18} {:>9} {:>9} {:>12}",
        "entries", "export", "MB", "ms", "µs/entry"
    );
    for &n in &sizes {
        for (name, bytes) in [
            ("uninstall.reg", uninstall_reg(n)),
            ("services.json", services_json(n)),
        ] {
            let mut times = Vec::with_capacity(reps);
            let mut records = 0;
            for _ in 0..reps.max(1) {
                let started = Instant::now();
                records = read(&bytes);
                times.push(started.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            println!(
                "{n:>9} {name:<18} {:>9.1} {:>9.1} {:>12.2}   ({records} facts)",
                bytes.len() as f64 / 1e6,
                median * 1e3,
                median * 1e6 / n as f64
            );
        }
    }
}
