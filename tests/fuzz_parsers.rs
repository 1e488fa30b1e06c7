//! Fuzzing on the stable toolchain, as part of the suite: every parser gets real exports
//! mutated byte by byte, and the corpus of inputs that once broke uplint is replayed.
//!
//! The seeds are the exports the project ships (`corpora/`, `tests/fixtures/`, the bundles of
//! `tests/rules/`), the corpus (`tests/fuzz-corpus/`), and the real exports of
//! `../shared/realworld/` where that folder exists. Each case takes a seed of one format (the
//! formats take turns, so the many JSON and `.reg` seeds do not crowd out the rest), applies
//! one to four mutations drawn from a seeded stream ([`fuzzing::mutate`]), then decodes,
//! recognizes and parses the result as the pipeline does, and also parses it with the seed's
//! own format and, one case in four, with another format whatever was recognized. Every case
//! must keep the properties of [`fuzzing::props`], and each parse (with its facts) must take
//! less than [`parse_limit`]. One case in [`BUNDLE_EVERY`] also runs the whole check with the
//! built-in rules on the input as the one export of a computer.
//!
//! - `UPLINT_FUZZ_CASES` (default [`DEFAULT_CASES`]: 40,000 in release, about 45 s on two
//!   cores, and 4,000 in a debug build) and `UPLINT_FUZZ_SEED` choose the cases; the same
//!   pair always gives the same cases. `UPLINT_FUZZ_SECS` stops a run after that many seconds, whatever is left;
//!   `UPLINT_FUZZ_THREADS` sets the number of workers (default: one per core).
//! - A failing case is shrunk and written, with the original, to
//!   `$CARGO_TARGET_TMPDIR/fuzz-failures/`; put the shrunk file in
//!   `tests/fuzz-corpus/<format>/` with the fix, and it is replayed on every run from then on.
//!
//! The long run: `UPLINT_FUZZ_CASES=1000000 cargo test --release --test fuzz_parsers -- --nocapture`
//! (see `fuzz/README.md`).

#![allow(clippy::print_stderr)] // the run's statistics are for the reader of the test log

mod fuzzing;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use arbitrary::Unstructured;
use fuzzing::mutate::{self, Mutation};
use fuzzing::props::{self, Checked};
use uplint::parse::{self, Format};
use uplint::source::SourceText;

/// Cases when `UPLINT_FUZZ_CASES` is not set: about 45 s in release on two cores
/// (what CI runs), a tenth of that in a debug build, which is ten times slower.
const DEFAULT_CASES: u64 = if cfg!(debug_assertions) {
    4_000
} else {
    40_000
};
const DEFAULT_SEED: u64 = 0x7570_6c69_6e74_2031; // "uplint 1"
/// One case in this many also runs the whole check on a bundle.
const BUNDLE_EVERY: u64 = 50;
/// A case still running after this long is a hang: the run stops and keeps its input.
const HANG: Duration = Duration::from_secs(60);

/// The longest one parse (with its fact extraction) may take: 2 s in release, as a user's
/// `check` would feel it; debug builds are slower by an order of magnitude.
fn parse_limit() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(2)
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn realworld() -> Option<PathBuf> {
    let dir = root().join("../shared/realworld");
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// One seed: a file and the format its unmutated bytes are read as.
struct Seed {
    name: String,
    bytes: Vec<u8>,
}

/// Every seed file, without duplicates, sorted by name so a seed number means the same file
/// on every machine (with or without `../shared/realworld`, which comes last).
fn seeds() -> Vec<Seed> {
    let mut paths = Vec::new();
    for dir in [
        "corpora",
        "tests/fixtures",
        "tests/rules",
        "tests/fuzz-corpus",
    ] {
        files(&root().join(dir), &mut paths);
    }
    paths.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !name.ends_with(".md") && name != "expect.json" && !name.ends_with(".rhai")
    });
    paths.sort();
    if let Some(dir) = realworld() {
        let mut real = Vec::new();
        files(&dir, &mut real);
        real.retain(|p| !p.ends_with("PROVENANCE.md"));
        real.sort();
        paths.extend(real);
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in paths {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        if seen.insert(bytes.clone()) {
            let name = p.strip_prefix(root()).unwrap_or(&p).display().to_string();
            out.push(Seed { name, bytes });
        }
    }
    out
}

fn home_format(bytes: &[u8]) -> Option<&'static Format> {
    let (text, _) = SourceText::decode(bytes);
    parse::recognize(&text.text)
}

/// One generated case: which seed, what was done to it, and the result.
struct Case {
    seed: usize,
    mutations: Vec<Mutation>,
    bytes: Vec<u8>,
    also: Vec<&'static Format>,
    bundle: bool,
}

/// The seeds grouped by the format they are read as (unrecognized seeds last).
struct Plan {
    seeds: Vec<Seed>,
    seed_bytes: Vec<Vec<u8>>,
    groups: Vec<(Option<&'static Format>, Vec<usize>)>,
    seed: u64,
}

impl Plan {
    fn new(seed: u64) -> Plan {
        let seeds = seeds();
        let mut by_format: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, s) in seeds.iter().enumerate() {
            let key = home_format(&s.bytes)
                .and_then(|f| parse::FORMATS.iter().position(|g| g.name == f.name))
                .unwrap_or(usize::MAX);
            by_format.entry(key).or_default().push(i);
        }
        let groups = by_format
            .into_iter()
            .map(|(k, v)| (parse::FORMATS.get(k), v))
            .collect();
        let seed_bytes = seeds.iter().map(|s| s.bytes.clone()).collect();
        Plan {
            seeds,
            seed_bytes,
            groups,
            seed,
        }
    }

    /// Case number `k`, the same for the same seed on every run.
    fn case(&self, k: u64) -> Case {
        let stream = mutate::stream(self.seed, k, 512);
        let mut u = Unstructured::new(&stream);
        let (home, members) = &self.groups[(k % self.groups.len() as u64) as usize];
        let seed = members[u.choose_index(members.len()).unwrap_or(0)];
        let mutations = mutate::draw(&mut u).unwrap_or_default();
        let mut bytes = self.seed_bytes[seed].clone();
        for m in &mutations {
            m.apply(&mut bytes, &self.seed_bytes);
        }
        let mut also: Vec<&'static Format> = home.iter().copied().collect();
        if u.ratio(1, 4).unwrap_or(false) {
            let i = u.choose_index(parse::FORMATS.len()).unwrap_or(0);
            also.push(&parse::FORMATS[i]);
        }
        Case {
            seed,
            mutations,
            bytes,
            also,
            bundle: k % BUNDLE_EVERY == BUNDLE_EVERY - 1,
        }
    }
}

thread_local! {
    /// Where the last panic on this thread happened, for telling failures apart.
    static PANICKED_AT: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// A panic hook that notes where each panic happened, and stays quiet on the fuzzing threads
/// (their failures are reported together at the end) while other tests keep the usual output.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let quiet = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("fuzz-"));
            PANICKED_AT.with(|p| p.set(Some(Box::leak(at.into_boxed_str()))));
            if !quiet {
                previous(info);
            }
        }));
    });
}

/// A broken property or a panic: where, and what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    at: String,
    message: String,
}

impl Failure {
    /// Two failures are the same bug when they happen at the same place with the same first
    /// words (the property asserts name the format first).
    fn same_bug(&self, other: &Failure) -> bool {
        let head = |m: &str| m.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        self.at == other.at && head(&self.message) == head(&other.message)
    }
}

/// Runs the properties on `bytes`; the failure if one broke, else what was checked.
fn run(
    bytes: &[u8],
    also: &[&'static Format],
    bundle: Option<&props::Rules>,
) -> Result<Checked, Failure> {
    PANICKED_AT.with(|p| p.set(None));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let checked = props::check_bytes(bytes, also);
        if let Some(rules) = bundle {
            props::check_bundle(bytes, bytes.first().is_some_and(|b| b % 2 == 1), rules);
        }
        checked
    }));
    let checked = result.map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".into());
        Failure {
            at: PANICKED_AT.with(Cell::get).unwrap_or("?").to_owned(),
            message,
        }
    })?;
    if checked.slowest > parse_limit() {
        return Err(Failure {
            at: "time".into(),
            message: format!(
                "{} slow: a parse of {} bytes took {:.2?}, over the {:.0?} limit",
                checked.recognized.unwrap_or("unrecognized"),
                checked.text_len,
                checked.slowest,
                parse_limit()
            ),
        });
    }
    Ok(checked)
}

/// Removes ever smaller chunks of a failing input while it still fails the same way, within a
/// time budget: a short input says what broke better than a mutated 20 KB export.
fn shrink(
    bytes: &[u8],
    also: &[&'static Format],
    bundle: Option<&props::Rules>,
    failure: &Failure,
) -> Vec<u8> {
    if failure.at == "time" {
        return bytes.to_vec(); // every try would take seconds
    }
    let started = Instant::now();
    let mut best = bytes.to_vec();
    let mut chunk = best.len() / 2;
    while chunk > 0 && started.elapsed() < Duration::from_secs(30) {
        let mut i = 0;
        let mut shrunk = false;
        while i < best.len() && started.elapsed() < Duration::from_secs(30) {
            let mut candidate = best.clone();
            candidate.drain(i..(i + chunk).min(best.len()));
            match run(&candidate, also, bundle) {
                Err(f) if f.same_bug(failure) => {
                    best = candidate;
                    shrunk = true;
                }
                _ => i += chunk,
            }
        }
        if !shrunk {
            chunk /= 2;
        }
    }
    best
}

fn failures_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures")
}

/// Shrinks and keeps a failing case; returns a line for the report.
fn keep(k: u64, plan: &Plan, case: &Case, failure: &Failure, rules: &props::Rules) -> String {
    let bundle = case.bundle.then_some(rules);
    let small = shrink(&case.bytes, &case.also, bundle, failure);
    let dir = failures_dir();
    let _ = std::fs::create_dir_all(&dir);
    let original = dir.join(format!("case-{k}.bin"));
    let shrunk = dir.join(format!("case-{k}-shrunk.bin"));
    let _ = std::fs::write(&original, &case.bytes);
    let _ = std::fs::write(&shrunk, &small);
    format!(
        "case {k} (seed {:#x}): {} at {}\n    from {} with {:?}\n    parsers also run: {:?}{}\n    kept as {} ({} bytes, shrunk from {})",
        plan.seed,
        failure.message,
        failure.at,
        plan.seeds[case.seed].name,
        case.mutations,
        case.also.iter().map(|f| f.name).collect::<Vec<_>>(),
        if case.bundle {
            "; and the bundle check"
        } else {
            ""
        },
        shrunk.display(),
        small.len(),
        case.bytes.len()
    )
}

/// What the workers share.
struct Shared {
    plan: Plan,
    rules: props::Rules,
    next: AtomicU64,
    cases: u64,
    deadline: Option<Instant>,
    stop: AtomicBool,
    /// Per worker: the case it is on and since when.
    busy: Vec<Mutex<Option<(u64, Instant)>>>,
    failures: Mutex<Vec<(Failure, String)>>,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    done: u64,
    bundles: u64,
    recognized: BTreeMap<&'static str, u64>,
    slowest: (Duration, u64, usize),
    densest: (f64, u64),
}

fn worker(shared: &Shared, w: usize) {
    loop {
        if shared.stop.load(Ordering::Relaxed)
            || shared.deadline.is_some_and(|d| Instant::now() > d)
        {
            return;
        }
        let k = shared.next.fetch_add(1, Ordering::Relaxed);
        if k >= shared.cases {
            return;
        }
        let case = shared.plan.case(k);
        *shared.busy[w].lock().expect("lock") = Some((k, Instant::now()));
        let bundle = case.bundle.then_some(&shared.rules);
        let outcome = run(&case.bytes, &case.also, bundle);
        *shared.busy[w].lock().expect("lock") = None;
        match outcome {
            Ok(checked) => {
                let mut s = shared.stats.lock().expect("lock");
                s.done += 1;
                s.bundles += u64::from(case.bundle);
                *s.recognized
                    .entry(checked.recognized.unwrap_or("(none)"))
                    .or_default() += 1;
                if checked.slowest > s.slowest.0 {
                    s.slowest = (checked.slowest, k, checked.text_len);
                }
                let density = checked.nodes as f64 / (checked.text_len.max(1)) as f64;
                if checked.text_len > 256 && density > s.densest.0 {
                    s.densest = (density, k);
                }
            }
            Err(failure) => {
                let known = shared
                    .failures
                    .lock()
                    .expect("lock")
                    .iter()
                    .any(|(f, _)| f.same_bug(&failure));
                if !known {
                    let line = keep(k, &shared.plan, &case, &failure, &shared.rules);
                    eprintln!("FAILURE {line}");
                    shared.failures.lock().expect("lock").push((failure, line));
                }
                shared.stats.lock().expect("lock").done += 1;
            }
        }
    }
}

#[test]
fn mutated_exports_keep_every_property() {
    install_panic_hook();
    let cases = env_u64("UPLINT_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
    let seed = env_u64("UPLINT_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let deadline = env_u64("UPLINT_FUZZ_SECS").map(|s| Instant::now() + Duration::from_secs(s));
    let plan = Plan::new(seed);
    assert!(
        plan.seeds.len() > 100,
        "too few seeds: {}",
        plan.seeds.len()
    );
    let covered: Vec<&str> = plan
        .groups
        .iter()
        .filter_map(|(f, _)| f.map(|f| f.name))
        .collect();
    for f in parse::FORMATS {
        assert!(
            covered.contains(&f.name),
            "no seed is read as {}: add one to tests/fuzz-corpus/{}/",
            f.name,
            f.name
        );
    }
    let workers = env_u64("UPLINT_FUZZ_THREADS").map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get()),
        |n| n.max(1) as usize,
    );
    let shared = Arc::new(Shared {
        rules: props::Rules::builtin(),
        next: AtomicU64::new(0),
        cases,
        deadline,
        stop: AtomicBool::new(false),
        busy: (0..workers).map(|_| Mutex::new(None)).collect(),
        failures: Mutex::new(Vec::new()),
        stats: Mutex::new(Stats::default()),
        plan,
    });
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("fuzz-{w}"))
                .spawn(move || worker(&shared, w))
                .expect("spawn a worker")
        })
        .collect();
    // Watch for hangs: a worker stuck on one case cannot be stopped, so keep the case's input
    // and fail the test (the process ends with the test run).
    let mut last_report = Instant::now();
    while handles.iter().any(|h| !h.is_finished()) {
        std::thread::sleep(Duration::from_millis(100));
        for slot in &shared.busy {
            let stuck = slot
                .lock()
                .expect("lock")
                .filter(|(_, since)| since.elapsed() > HANG);
            if let Some((k, _)) = stuck {
                shared.stop.store(true, Ordering::Relaxed);
                let case = shared.plan.case(k);
                let dir = failures_dir();
                let _ = std::fs::create_dir_all(&dir);
                let path = dir.join(format!("case-{k}-hang.bin"));
                let _ = std::fs::write(&path, &case.bytes);
                panic!(
                    "case {k} (seed {seed:#x}) still runs after {HANG:?}: a hang. From {} with {:?}; kept as {}",
                    shared.plan.seeds[case.seed].name,
                    case.mutations,
                    path.display()
                );
            }
        }
        if last_report.elapsed() > Duration::from_secs(60) {
            last_report = Instant::now();
            let done = shared.stats.lock().expect("lock").done;
            eprintln!("fuzz: {done} cases in {:.0?}", started.elapsed());
        }
    }
    for h in handles {
        let _ = h.join();
    }
    let stats = shared.stats.lock().expect("lock");
    let per_format: Vec<String> = shared
        .plan
        .groups
        .iter()
        .map(|(f, m)| format!("{} {}", f.map_or("(none)", |f| f.name), m.len()))
        .collect();
    eprintln!(
        "fuzz: {} cases ({} with a bundle check) in {:.1?} on {workers} threads, seed {seed:#x}\n  seeds: {} ({})\n  recognized after mutation: {:?}\n  slowest parse: {:.1?} (case {}, {} bytes); most nodes per byte: {:.2} (case {})",
        stats.done,
        stats.bundles,
        started.elapsed(),
        shared.plan.seeds.len(),
        per_format.join(", "),
        stats.recognized,
        stats.slowest.0,
        stats.slowest.1,
        stats.slowest.2,
        stats.densest.0,
        stats.densest.1,
    );
    let failures = shared.failures.lock().expect("lock");
    assert!(
        failures.is_empty(),
        "{} distinct failure(s):\n{}",
        failures.len(),
        failures
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every input that once broke a property, replayed: `tests/fuzz-corpus/<format>/<file>` is
/// parsed (after decoding, recognizing and parsing as the pipeline does) with `<format>`;
/// files in `tests/fuzz-corpus/bundle/` are checked as the one export of a bundle.
#[test]
fn the_fuzz_corpus_keeps_every_property() {
    install_panic_hook();
    let dir = root().join("tests/fuzz-corpus");
    let rules = props::Rules::builtin();
    let mut replayed = 0;
    let mut broken = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-corpus")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for format_dir in entries {
        let name = format_dir.file_name().to_string_lossy().into_owned();
        if !format_dir.path().is_dir() {
            continue;
        }
        let bundle = name == "bundle";
        let also: Vec<&'static Format> = if bundle {
            Vec::new()
        } else {
            vec![props::format_named(&name)]
        };
        let mut inputs = Vec::new();
        files(&format_dir.path(), &mut inputs);
        inputs.sort();
        for input in inputs {
            let bytes = std::fs::read(&input).expect("read a corpus file");
            replayed += 1;
            if let Err(f) = run(&bytes, &also, bundle.then_some(&rules)) {
                broken.push(format!("{}: {} at {}", input.display(), f.message, f.at));
            }
        }
    }
    assert!(replayed > 0, "tests/fuzz-corpus is empty");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
