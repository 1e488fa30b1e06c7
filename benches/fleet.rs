//! Fleet benchmark: `cargo bench --bench fleet [-- --sizes 100,2000,20000 --reps 3]`.
//!
//! Generates (once, deterministically) N computers' `ConvertTo-Json` inventories of ~16 KB each
//! in Windows PowerShell 5.1 layout, then measures, for 1 and 2 threads:
//! - the floor: read every file and parse it with `serde_json` into `serde_json::Value`;
//! - uplint end to end with no rules (decode, recognize, parse, facts);
//! - uplint end to end with five simple custom rules.
//!
//! Each measurement runs in a child process of this binary so its peak memory (VmHWM) is its
//! own. Timings are the median of `--reps` runs on a warm page cache. This is a benchmark, not
//! a test: nothing here asserts a time.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

const GENERATOR_VERSION: &str = "fleet-v1";

const RULES: &[(&str, &str)] = &[
    (
        "BENCH001-sql-version-unsupported.rhai",
        r#"
fn check(computer) {
    for inv in computer.exports("json") {
        for p in inv["Products"] {
            if p["Name"] == "Microsoft SQL Server" && !(p["Version"].starts_with("15.") || p["Version"].starts_with("16.")) {
                report(p["Version"], "SQL Server version is not 2019 or 2022");
            }
        }
    }
}"#,
    ),
    (
        "BENCH002-vm-memory-exceeds-host.rhai",
        r#"
fn check(computer) {
    for inv in computer.exports("json") {
        let total = 0;
        for vm in inv["VMs"] { total += vm["MemoryStartupMB"]; }
        if total > inv["OS"]["TotalVisibleMemoryMB"] { report(inv["OS"]["TotalVisibleMemoryMB"], "VM memory exceeds the host"); }
    }
}"#,
    ),
    (
        "BENCH003-unencrypted-winrm-on-old-build.rhai",
        r#"
fn check(computer) {
    for inv in computer.exports("json") {
        let w = inv["WinRM"];
        if w["AllowUnencrypted"] && !inv["EncryptedSettings"]["Enabled"] && inv["OS"]["BuildNumber"] < 17763 {
            report(w["AllowUnencrypted"], "unencrypted WinRM on an old build");
        }
    }
}"#,
    ),
    (
        "BENCH004-library-share-not-unc.rhai",
        r#"
fn check(computer) {
    for inv in computer.exports("json") {
        for s in inv["LibraryShares"] {
            if !s["Path"].starts_with("\\\\") || (s["Path"].contains("$") && !s["ReadOnly"]) {
                report(s["Path"], "library share is not a read-only UNC path");
            }
        }
    }
}"#,
    ),
    (
        "BENCH005-winrm-shell-quotas.rhai",
        r#"
fn check(computer) {
    for inv in computer.exports("json") {
        let w = inv["WinRM"];
        if w["MaxMemoryPerShellMB"] < 1024 || w["MaxShellsPerUser"] > 30 { report(w, "WinRM shell quotas"); }
    }
}"#,
    ),
];

fn rule_files() -> Vec<uplint::rules::RuleFile> {
    RULES
        .iter()
        .map(|(name, body)| {
            let (id, rest) = name.split_once('-').unwrap_or((name, name));
            let header = format!(
                "//! id: {id}\n//! name: {}\n//! severity: warning\n//! product: bench\n//! summary: benchmark rule\n//! remediation: none\n",
                rest.trim_end_matches(".rhai")
            );
            uplint::rules::RuleFile { path: format!("bench/{name}"), text: format!("{header}{body}").into(), builtin: false }
        })
        .collect()
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One computer's inventory as Windows PowerShell 5.1 `ConvertTo-Json` prints it.
fn inventory(i: usize) -> String {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let builds = [
        (9600, "6.3.9600", "Windows Server 2012 R2 Datacenter"),
        (14393, "10.0.14393", "Windows Server 2016 Datacenter"),
        (17763, "10.0.17763", "Windows Server 2019 Datacenter"),
    ];
    let (build, version, caption) = builds[r.below(3) as usize];
    let mut s = String::with_capacity(17_000);
    let _ = write!(
        s,
        "{{\r\n    \"ComputerName\":  \"HOST{i:05}\",\r\n    \"Domain\":  \"contoso.local\",\r\n"
    );
    let _ = write!(
        s,
        "    \"OS\":  {{\r\n               \"Caption\":  \"Microsoft {caption}\",\r\n               \"Version\":  \"{version}\",\r\n               \"BuildNumber\":  {build},\r\n               \"OSLanguage\":  1033,\r\n               \"TotalVisibleMemoryMB\":  {}\r\n           }},\r\n",
        [65536, 131072, 262144][r.below(3) as usize]
    );
    s.push_str("    \"Products\":  [\r\n");
    let products = [
        "Microsoft SQL Server",
        "Microsoft System Center Virtual Machine Manager Server",
        "Microsoft Monitoring Agent",
        "Windows Assessment and Deployment Kit",
        "Microsoft Azure Site Recovery Provider",
    ];
    let n = 2 + r.below(4) as usize;
    for k in 0..n {
        let name = products[(k + r.below(5) as usize) % products.len()];
        let _ = write!(
            s,
            "                     {{\r\n                         \"Name\":  \"{name}\",\r\n                         \"Version\":  \"{}.0.{}.{}\",\r\n                         \"Vendor\":  \"Microsoft Corporation\"\r\n                     }}{}\r\n",
            11 + r.below(6),
            2000 + r.below(4000),
            r.below(100),
            if k + 1 < n { "," } else { "" }
        );
    }
    s.push_str("                 ],\r\n    \"VMs\":  [\r\n");
    let vms = r.below(13) as usize;
    for k in 0..vms {
        let _ = write!(
            s,
            "                {{\r\n                    \"Name\":  \"VM{i:05}-{k:02}\",\r\n                    \"MemoryStartupMB\":  {},\r\n                    \"ProcessorCount\":  {},\r\n                    \"State\":  {},\r\n                    \"Generation\":  {},\r\n                    \"DynamicMemory\":  {},\r\n                    \"Disks\":  [\r\n",
            [2048, 4096, 8192, 16384][r.below(4) as usize],
            1 + r.below(8),
            2 + r.below(2),
            1 + r.below(2),
            r.below(2) == 0
        );
        let disks = 1 + r.below(3) as usize;
        for d in 0..disks {
            let _ = write!(
                s,
                "                                  {{\r\n                                      \"Path\":  \"C:\\\\ClusterStorage\\\\Volume1\\\\VM{i:05}-{k:02}\\\\disk{d}.vhdx\",\r\n                                      \"SizeGB\":  {},\r\n                                      \"Dynamic\":  true\r\n                                  }}{}\r\n",
                40 + r.below(500),
                if d + 1 < disks { "," } else { "" }
            );
        }
        let _ = write!(
            s,
            "                              ]\r\n                }}{}\r\n",
            if k + 1 < vms { "," } else { "" }
        );
    }
    s.push_str("            ],\r\n");
    let _ = write!(
        s,
        "    \"WinRM\":  {{\r\n                  \"MaxConcurrentOperationsPerUser\":  {},\r\n                  \"MaxConnections\":  {},\r\n                  \"MaxShellsPerUser\":  {},\r\n                  \"MaxMemoryPerShellMB\":  {},\r\n                  \"AllowUnencrypted\":  {}\r\n              }},\r\n",
        [1500, 200][r.below(2) as usize],
        [300, 25][r.below(2) as usize],
        [30, 100][r.below(2) as usize],
        [1024, 512][r.below(2) as usize],
        r.below(4) == 0
    );
    let _ = write!(
        s,
        "    \"EncryptedSettings\":  {{\r\n                              \"Enabled\":  {}\r\n                          }},\r\n",
        r.below(2) == 0
    );
    s.push_str("    \"LibraryShares\":  [\r\n");
    let shares = 1 + r.below(4) as usize;
    for k in 0..shares {
        let path = if r.below(3) == 0 {
            format!("D:\\\\Library{k}")
        } else {
            format!(
                "\\\\\\\\NAS01\\\\Library{k}{}",
                if r.below(4) == 0 { "$" } else { "" }
            )
        };
        let _ = write!(
            s,
            "                          {{\r\n                              \"Name\":  \"Library{k}\",\r\n                              \"Path\":  \"{path}\",\r\n                              \"ReadOnly\":  {}\r\n                          }}{}\r\n",
            r.below(2) == 0,
            if k + 1 < shares { "," } else { "" }
        );
    }
    s.push_str("                      ],\r\n    \"HotFixes\":  [\r\n");
    // Pad with installed updates, the bulk of a real inventory, to about 16 KB.
    let mut k = 0;
    while s.len() < 15_600 {
        let _ = write!(
            s,
            "                     {{\r\n                         \"HotFixID\":  \"KB{}\",\r\n                         \"Description\":  \"Security Update\",\r\n                         \"InstalledOn\":  \"\\/Date({})\\/\"\r\n                     }},\r\n",
            3_000_000 + r.below(2_000_000),
            1_400_000_000_000u64 + r.below(300_000_000_000)
        );
        k += 1;
    }
    let _ = write!(
        s,
        "                     {{\r\n                         \"HotFixID\":  \"KB{}\",\r\n                         \"Description\":  \"Update\",\r\n                         \"InstalledOn\":  null\r\n                     }}\r\n                 ]\r\n}}\r\n",
        5_000_000 + k
    );
    s
}

/// Writes the fleet once; later runs reuse it.
fn fleet(n: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("fleet-bench")
        .join(n.to_string());
    let marker = dir.join(".generated");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(GENERATOR_VERSION) {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    (0..n).into_par_iter().for_each(|i| {
        let c = dir.join(format!("HOST{i:05}"));
        std::fs::create_dir_all(&c).expect("create computer folder");
        std::fs::write(c.join("inventory.json"), inventory(i)).expect("write inventory");
    });
    std::fs::write(&marker, GENERATOR_VERSION).expect("marker");
    dir
}

fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fleet")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path().join("inventory.json"))
        .collect();
    files.sort();
    files
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one measurement in this process and prints `seconds evaluations findings peak_kb`.
fn child(mode: &str, dir: &Path, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let start = Instant::now();
    let (evaluations, findings) = match mode {
        "floor" => pool.install(|| {
            let files = files_of(dir);
            let parsed: usize = files
                .par_iter()
                .map(|f| {
                    let bytes = std::fs::read(f).expect("read");
                    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
                    usize::from(v.is_object())
                })
                .sum();
            (0, parsed as u64)
        }),
        "parse" | "rules" => {
            let mut db = uplint::source::SourceDb::new();
            let files = if mode == "rules" {
                rule_files()
            } else {
                Vec::new()
            };
            let set = uplint::rules::RuleSet::load(files, &mut db);
            assert!(set.problems.is_empty(), "{:?}", set.problems);
            // The pipeline runs on its own workers, with the stack rules need.
            let options = uplint::check::Options {
                threads: Some(threads),
                ..uplint::check::Options::default()
            };
            let result = uplint::check::check_with(&[dir.to_path_buf()], &set, &mut db, options);
            assert!(
                result.rule_problems.is_empty(),
                "{:?}",
                result.rule_problems
            );
            (result.evaluations, result.findings.len() as u64)
        }
        other => panic!("unknown mode {other}"),
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {evaluations} {findings} {}", peak_rss_kb());
}

struct Sample {
    secs: f64,
    evaluations: u64,
    findings: u64,
    peak_kb: u64,
}

fn measure(mode: &str, dir: &Path, threads: usize, reps: usize) -> Sample {
    let mut runs = Vec::new();
    for _ in 0..reps {
        let out = Command::new(std::env::current_exe().expect("exe"))
            .args([
                "--child",
                mode,
                &dir.to_string_lossy(),
                &threads.to_string(),
            ])
            .output()
            .expect("child");
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<&str> = text.split_whitespace().collect();
        runs.push(Sample {
            secs: f[0].parse().unwrap_or(f64::NAN),
            evaluations: f[1].parse().unwrap_or(0),
            findings: f[2].parse().unwrap_or(0),
            peak_kb: f[3].parse().unwrap_or(0),
        });
    }
    runs.sort_by(|a, b| a.secs.total_cmp(&b.secs));
    runs.swap_remove(runs.len() / 2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(
            &args[i + 1],
            Path::new(&args[i + 2]),
            args[i + 3].parse().expect("threads"),
        );
        return;
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sizes: Vec<usize> = value("--sizes")
        .unwrap_or_else(|| "100,2000,20000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let reps: usize = value("--reps").and_then(|r| r.parse().ok()).unwrap_or(3);
    println!(
        "fleet benchmark: median of {reps} run(s), warm page cache, {} core(s) available",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:>6} {:>3} {:<6} {:>8} {:>9} {:>8} {:>12} {:>9} {:>9} {:>7}",
        "N", "thr", "mode", "secs", "files/s", "MB/s", "evals/s", "peak MB", "input MB", "×floor"
    );
    for &n in &sizes {
        let dir = fleet(n);
        let input_bytes: u64 = files_of(&dir)
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .sum();
        let mb = input_bytes as f64 / 1e6;
        let mut by_threads = Vec::new();
        for threads in [1, 2] {
            let floor = measure("floor", &dir, threads, reps);
            let row = |mode: &str, s: &Sample| {
                println!(
                    "{:>6} {:>3} {:<6} {:>8.3} {:>9.0} {:>8.1} {:>12.0} {:>9.1} {:>9.1} {:>7.2}",
                    n,
                    threads,
                    mode,
                    s.secs,
                    n as f64 / s.secs,
                    mb / s.secs,
                    s.evaluations as f64 / s.secs,
                    s.peak_kb as f64 / 1024.0,
                    mb,
                    s.secs / floor.secs
                );
            };
            row("floor", &floor);
            let parse = measure("parse", &dir, threads, reps);
            row("parse", &parse);
            let rules = measure("rules", &dir, threads, reps);
            row("rules", &rules);
            if threads == 2 {
                println!(
                    "{:>6}      findings: {} (same on 1 and 2 threads: {})",
                    n,
                    rules.findings,
                    by_threads
                        .first()
                        .is_some_and(|f: &Sample| f.findings == rules.findings)
                );
            }
            by_threads.push(rules);
        }
        if let [one, two] = by_threads.as_slice() {
            println!(
                "{:>6}      speed-up 1→2 threads (rules): {:.2}×",
                n,
                one.secs / two.secs
            );
        }
    }
}
