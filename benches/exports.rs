//! Large single exports: `cargo bench --bench exports [-- --entries 1000,5000,20000 --reps 5]`.
//!
//! The fleet bench has many small files; this one has one large file of each kind where a
//! list fact grows with the export: an Uninstall `reg export` (one `software` record per
//! product), a `Win32_Service` JSON listing, a `Get-Service | Export-Csv` table (one
//! `services` record per row), a table of events with no fact in it (`Export-Csv` of anything),
//! and a dbatools backup history written by Windows PowerShell (`ConvertTo-Json | Out-File`:
//! UTF-16, one `sql.backups` record per backup). For each it measures
//! - the floor: decoding, recognizing and parsing;
//! - reading as `check` does: the floor, then extracting facts and building the facts document
//!   with the lines each fact was read from (what `check` keeps when bundle-level rules run);
//!
//! and reports the second against the floor, its time per entry, and the peak memory (VmHWM
//! of a child process that reads the file from disk) against the file's size. A cost that
//! grows faster than the file shows as time per entry or `×floor` rising with the size:
//! comparing each record with every earlier one did (3.2 s for 5,000 Uninstall entries), so
//! did finding a record's path by scanning its list (a 20 MB services CSV took 6 s) and mapping
//! each fact's line back to its byte in a UTF-16 file from the start of the file (2 s for 782
//! backups). A benchmark, not a test: nothing here asserts a time.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::collections::BTreeMap;
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

/// `Get-Service | Export-Csv` in Windows PowerShell 5.1: every row is a `services` record.
fn services_csv(n: usize) -> Vec<u8> {
    let mut s = String::from(
        "#TYPE System.ServiceProcess.ServiceController\r\n\"Name\",\"DisplayName\",\"Status\",\"StartType\",\"ServiceType\",\"MachineName\",\"CanStop\",\"DependentServices\",\"ServicesDependedOn\",\"Description\"\r\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "\"svc{i}\",\"Service number {i}\",\"{}\",\"{}\",\"Win32OwnProcess\",\".\",\"True\",\"System.ServiceProcess.ServiceController[]\",\"\",\"Provides the thing {i} for the other things\"\r\n",
            ["Running", "Stopped"][i % 2],
            ["Automatic", "Manual", "Disabled"][i % 3]
        );
    }
    s.into_bytes()
}

/// `Get-WinEvent ... | Export-Csv`: a table no fact is read from, so it measures parsing alone.
fn events_csv(n: usize) -> Vec<u8> {
    let mut s = String::from(
        "#TYPE System.Data.DataRow\r\n\"EventID\",\"TimeCreated\",\"Level\",\"Source\",\"Computer\",\"User\",\"Task\",\"Opcode\",\"Keywords\",\"Message\"\r\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "\"{}\",\"2024-01-{:02} 10:{:02}:{:02}\",\"{}\",\"Microsoft-Windows-Thing\",\"SRV{:03}.contoso.local\",\"CONTOSO\\user{}\",\"None\",\"Info\",\"0x8000000000000000\",\"The operation {i} completed with status {}\"\r\n",
            1000 + i % 50,
            1 + i % 28,
            i % 60,
            i % 60,
            ["Information", "Warning", "Error"][i % 3],
            i % 100,
            i % 7,
            i % 5
        );
    }
    s.into_bytes()
}

/// `Get-DbaDbBackupHistory | ConvertTo-Json | Out-File` in Windows PowerShell 5.1: UTF-16LE
/// with a BOM, `"key":  value`, LSNs too large for 64 bits, `\/Date(ms)\/` dates.
fn backups_json(n: usize) -> Vec<u8> {
    let mut s = String::from("[\r\n");
    for i in 0..n {
        let ms = 1_500_224_400_000_u64 + i as u64 * 3_600_000;
        let lsn = format!("17126681000{:012}00127", i * 7);
        let _ = write!(
            s,
            "    {{\r\n        \"servername\":  \"testserver\",\r\n        \"databasename\":  \"db{}\",\r\n        \"Database\":  \"db{}\",\r\n        \"Type\":  \"{}\",\r\n        \"BackupTypeDescription\":  \"{}\",\r\n        \"Start\":  \"\\/Date({ms})\\/\",\r\n        \"End\":  \"\\/Date({})\\/\",\r\n        \"BackupStartDate\":  \"\\/Date({ms})\\/\",\r\n        \"BackupFinishDate\":  \"\\/Date({})\\/\",\r\n        \"FirstLSN\":  {lsn},\r\n        \"LastLSN\":  {lsn},\r\n        \"CheckpointLSN\":  {lsn},\r\n        \"DatabaseBackupLSN\":  {lsn},\r\n        \"BackupSetGUID\":  \"8ccfd67c-0969-4d74-89ef-{i:012}\"\r\n    }}{}\r\n",
            i % 5,
            i % 5,
            ["Full", "Database Differential", "Transaction Log"][i % 3],
            ["Database", "Database Differential", "Transaction Log"][i % 3],
            ms + 101_000,
            ms + 101_000,
            if i + 1 < n { "," } else { "" }
        );
    }
    s.push_str("]\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The floor: decode, recognize and parse; the number of nodes.
fn parse_only(bytes: &[u8]) -> usize {
    let (text, _) = SourceText::decode(bytes);
    let Some(format) = parse::recognize(&text.text) else {
        return 0;
    };
    (format.parse)(FileId(0), text.text.clone()).doc.len()
}

/// Decode, recognize, parse, extract facts and build the facts document keeping the lines each
/// fact was read from, as `check` does for a computer when bundle-level rules run (the bytes
/// are dropped after decoding, as `check` drops them); the number of facts.
fn read(bytes: Vec<u8>) -> usize {
    let (text, _) = SourceText::decode(&bytes);
    drop(bytes);
    let text = Arc::new(text);
    let Some(format) = parse::recognize(&text.text) else {
        return 0;
    };
    let doc = Arc::new((format.parse)(FileId(0), text.text.clone()).doc);
    let mut facts = uplint::facts::FactSet::default();
    facts.extract_from(&doc);
    facts.finish();
    let texts = BTreeMap::from([(FileId(0), text)]);
    let facts_doc = facts.to_document(Some(&texts));
    // Dropped only here, as `check` drops it after the rules ran.
    drop(facts_doc);
    facts.len()
}

/// The exports of `n` entries, by name.
fn exports(n: usize) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("uninstall.reg", uninstall_reg(n)),
        ("services.json", services_json(n)),
        ("services.csv", services_csv(n)),
        ("events.csv", events_csv(n)),
        ("backups.json", backups_json(n)),
    ]
}

/// In a child process: read the file at `path` as `check` does and print the peak memory.
fn child(path: &str) {
    let bytes = std::fs::read(path).expect("read the export");
    let records = read(bytes);
    let peak_kb: u64 = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    println!("{peak_kb} {records}");
}

/// Peak memory in MB of reading `bytes` as `check` does, in a child process, or 0.
fn peak_mb(bytes: &[u8], dir: &std::path::Path, name: &str) -> f64 {
    let path = dir.join(name);
    if std::fs::write(&path, bytes).is_err() {
        return 0.0;
    }
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--child", &path.to_string_lossy()])
        .output();
    let _ = std::fs::remove_file(&path);
    out.ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    if let Some(path) = arg("--child") {
        child(&path);
        return;
    }
    let sizes: Vec<usize> = arg("--entries")
        .unwrap_or_else(|| "1000,5000,20000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let reps: usize = arg("--reps").and_then(|r| r.parse().ok()).unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("uplint-bench-exports-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    println!("exports benchmark: median of {reps} run(s), one thread");
    println!("floor: decode, recognize, parse; read: and facts with their lines, as check does");
    println!(
        "{:>9} {:<14} {:>7} {:>9} {:>9} {:>7} {:>10} {:>9} {:>6}",
        "entries", "export", "MB", "floor ms", "read ms", "×floor", "µs/entry", "peak MB", "×file"
    );
    for &n in &sizes {
        for (name, bytes) in exports(n) {
            let mut floor = Vec::with_capacity(reps);
            let mut full = Vec::with_capacity(reps);
            let mut records = 0;
            for _ in 0..reps.max(1) {
                let started = Instant::now();
                parse_only(&bytes);
                floor.push(started.elapsed().as_secs_f64());
                let copy = bytes.clone();
                let started = Instant::now();
                records = read(copy);
                full.push(started.elapsed().as_secs_f64());
            }
            let (floor, full) = (median(floor), median(full));
            let mb = bytes.len() as f64 / 1e6;
            let peak = peak_mb(&bytes, &dir, name);
            println!(
                "{n:>9} {name:<14} {mb:>7.1} {:>9.1} {:>9.1} {:>7.2} {:>10.2} {peak:>9.1} {:>6.1}   ({records} facts)",
                floor * 1e3,
                full * 1e3,
                full / floor.max(1e-9),
                full * 1e6 / n as f64,
                peak * 1.048_576 / mb.max(1e-9),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
