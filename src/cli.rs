//! The command line: parses arguments, wires bundle → rules → report, picks the exit code.
//! Nothing here knows an export format, a rule, or how any output looks: every output is a
//! [`report::Reporter`]'s.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::check;
use crate::finding::{FailOn, exit};
use crate::report::{self, ReportInput, Reporter};
use crate::rules::{self, Rule, RuleSet};
use crate::source::SourceDb;

/// uplint — tells you what in your Windows estate will block or bite an upgrade, from
/// exported configuration, offline.
#[derive(Debug, Parser)]
#[command(name = "uplint", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log what uplint does (and rule `print`/`debug` output) to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load bundles, run the selected rules, report findings (the main job).
    Check(CheckArgs),
    /// List the rules (built-in and from --rules folders).
    Rules(RulesArgs),
    /// Print a rule's documentation: what it checks, why, remediation, references, data.
    Explain(ExplainArgs),
    /// Show what each file of a bundle was recognized as and which facts it gave.
    Inspect(InspectArgs),
    /// Run rules' fixture bundles (the built-in rules' with no folder given).
    Test(TestArgs),
    /// Create a documented rule file with a passing and a failing fixture.
    NewRule(NewRuleArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Custom rule folders whose rules to test (default: the current folder when it holds
    /// .rhai files, else the built-in rules).
    #[arg(value_name = "RULES_DIR")]
    pub dirs: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Human,
    Junit,
}

#[derive(Debug, Args)]
pub struct NewRuleArgs {
    /// Rule id: upper-case letters then digits, e.g. ACME001.
    pub id: String,
    /// The product the rule is about: vmm, hyperv, appv or sms.
    #[arg(long)]
    pub product: String,
    /// The rule's name, in kebab-case, saying what is wrong (e.g. share-not-on-nas).
    #[arg(long)]
    pub name: String,
    /// Folder to create the rule in.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RuleSelection {
    /// Add a folder of custom rules (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Run only rules matching these ids, id prefixes, products or tags (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "ID|PREFIX|TAG")]
    pub select: Vec<String>,
    /// Skip rules matching these ids, id prefixes, products or tags.
    #[arg(long, value_delimiter = ',', value_name = "ID|PREFIX|TAG")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Bundle folders or .zip files to check (default: the current directory).
    #[arg(value_name = "BUNDLE")]
    pub bundles: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: RuleSelection,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest finding severity that makes the run exit 1 [default: error, or uplint.toml's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Settings file (default: the nearest uplint.toml in a folder above the first bundle).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Set a limit on what one bundle may cost, as NAME=VALUE (e.g. file-mib=512); repeatable.
    /// The limits and their defaults are in docs/limits.md.
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// Number of worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub selection: RuleSelection,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    /// The same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

/// The formats of `rules` and `inspect`: the same spelling as `check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule id, e.g. VMM015.
    pub id: String,
    /// Custom rule folders to look in as well.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The bundle folder.
    pub bundle: PathBuf,
    /// Output format. `json` gives every file with its format and facts, and each computer's
    /// facts as rules see them (`computer.facts`).
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    /// The same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

// `FailOn` is the findings' vocabulary and knows nothing of clap; its command-line spelling is
// bound here, from the same names `uplint.toml` and the JSON report use.
impl ValueEnum for FailOn {
    fn value_variants<'a>() -> &'a [Self] {
        &FailOn::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// What the binary prints and exits with.
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: u8,
}

impl Outcome {
    fn error(message: impl std::fmt::Display) -> Outcome {
        // Messages name files and entries of a bundle: escaped like every report.
        let text = format!("error: {message}\n");
        Outcome {
            stdout: Vec::new(),
            stderr: report::escape::terminal(&text).into_owned().into_bytes(),
            code: exit::TOOL_ERROR,
        }
    }

    /// A rendered report: to `output` (atomically) when given, else to stdout.
    fn report(bytes: Vec<u8>, output: Option<&Path>, code: u8) -> Outcome {
        match output {
            Some(path) => match report::write_atomically(path, &bytes) {
                Ok(()) => Outcome {
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    code,
                },
                Err(e) => Outcome::error(format!(
                    "cannot write the report to `{}`: {e}",
                    path.display()
                )),
            },
            None => Outcome {
                stdout: bytes,
                stderr: Vec::new(),
                code,
            },
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    crate::log::set_verbose(cli.verbose);
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain(args) => explain(args),
        Command::Inspect(args) => inspect(args),
        Command::Test(args) => test(args),
        Command::NewRule(args) => new_rule(args),
    }
}

fn load_rules(dirs: &[PathBuf], db: &mut SourceDb) -> Result<RuleSet, String> {
    let mut files = rules::builtin_files();
    for dir in dirs {
        files.extend(rules::read_dir(dir)?);
    }
    Ok(RuleSet::load(files, db))
}

fn matches(rule: &Rule, pattern: &str) -> bool {
    let p = pattern.trim();
    rule.meta.id.eq_ignore_ascii_case(p)
        || (!p.is_empty()
            && rule
                .meta
                .id
                .to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase()))
        || rule.meta.product.eq_ignore_ascii_case(p)
        || rule.meta.tags.iter().any(|t| t.eq_ignore_ascii_case(p))
}

/// Keeps the rules `selection` selects. A pattern that matches no loaded rule is an error: a
/// misspelt `--select VMM0015` would otherwise run no rule and report a clean, complete run.
fn select(set: &mut RuleSet, selection: &RuleSelection) -> Result<(), String> {
    for (flag, patterns) in [
        ("--select", &selection.select),
        ("--ignore", &selection.ignore),
    ] {
        for p in patterns {
            // A rule that failed to load is not in the set, but its problem is reported and
            // makes the run exit 2: that says more than "matches no rule" would.
            let broken = set.problems.iter().any(|problem| {
                problem.rule.as_deref().is_some_and(|id| {
                    id.to_ascii_uppercase()
                        .starts_with(&p.trim().to_ascii_uppercase())
                })
            });
            if broken || set.rules.iter().any(|r| matches(r, p)) {
                continue;
            }
            let names = set.rules.iter().flat_map(|r| {
                [r.meta.id.as_str(), r.meta.product.as_str()]
                    .into_iter()
                    .chain(r.meta.tags.iter().map(String::as_str))
            });
            let hint = crate::util::closest(p, names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "{flag} `{p}` matches no rule{hint}: it takes rule ids, id prefixes, products or tags; `uplint rules` lists them"
            ));
        }
    }
    set.retain(|r| {
        (selection.select.is_empty() || selection.select.iter().any(|p| matches(r, p)))
            && !selection.ignore.iter().any(|p| matches(r, p))
    });
    Ok(())
}

fn check(args: CheckArgs) -> Outcome {
    let mut db = SourceDb::new();
    let bundles = if args.bundles.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.bundles.clone()
    };
    let config_path = args
        .config
        .clone()
        .or_else(|| bundles.first().and_then(|b| crate::config::find(b)));
    let config = match &config_path {
        Some(path) => {
            crate::log::debug(&format!("settings from {}", path.display()));
            let (config, errors) = crate::config::load(path, &mut db);
            if !errors.is_empty() {
                return config_errors(&db, &errors);
            }
            config
        }
        None => crate::config::Config::default(),
    };
    let mut dirs = config.rules.clone();
    dirs.extend(args.selection.rules.iter().cloned());
    let mut set = match load_rules(&dirs, &mut db) {
        Ok(set) => set,
        Err(e) => return Outcome::error(e),
    };
    let errors = set.configure(&config);
    if !errors.is_empty() {
        return config_errors(&db, &errors);
    }
    let selection = RuleSelection {
        rules: Vec::new(),
        select: if args.selection.select.is_empty() {
            config.select.clone()
        } else {
            args.selection.select.clone()
        },
        ignore: config
            .ignore
            .iter()
            .chain(&args.selection.ignore)
            .cloned()
            .collect(),
    };
    if let Err(e) = select(&mut set, &selection) {
        return Outcome::error(e);
    }
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let mut limits = config.limits;
    for arg in &args.limits {
        if let Err(e) = limits.set_from_arg(arg) {
            return Outcome::error(format!("--limit {e}"));
        }
    }
    if let Some(out) = &args.output
        && let Some(b) = bundles.iter().find(|b| writes_into(out, b))
    {
        return Outcome::error(format!(
            "refusing to write the report into the bundle `{}`: uplint never writes into a bundle",
            b.display()
        ));
    }
    let options = check::Options {
        keep_facts: false,
        limits,
        threads: args.threads,
    };
    let result = check::check_with(&bundles, &set, &mut db, options);
    let input = ReportInput {
        result: &result,
        rules: &set,
        db: &db,
        fail_on,
    };
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let reporter: &dyn Reporter<ReportInput> = match args.format {
        Format::Human => &report::human::Human { color },
        Format::Json => &report::json::Json,
    };
    let code = result.exit_code(fail_on);
    Outcome::report(reporter.render(&input), args.output.as_deref(), code)
}

/// Problems in `uplint.toml`; uplint does not run with a configuration it cannot fully read
/// (exit 2).
fn config_errors(db: &SourceDb, errors: &[crate::config::ConfigError]) -> Outcome {
    Outcome {
        stdout: Vec::new(),
        stderr: report::human::config_errors(db, errors),
        code: exit::TOOL_ERROR,
    }
}

/// Whether writing `file` would write into `bundle`: a file inside a bundle folder, or the
/// bundle's zip itself (`check b.zip -o b.zip` would replace the estate with its report).
fn writes_into(file: &Path, bundle: &Path) -> bool {
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (Ok(parent), Ok(bundle)) = (parent.canonicalize(), bundle.canonicalize()) else {
        return false;
    };
    if bundle.is_dir() {
        parent.starts_with(&bundle)
    } else {
        file.file_name()
            .is_some_and(|name| parent.join(name) == bundle)
    }
}

fn list_rules(args: RulesArgs) -> Outcome {
    let mut db = SourceDb::new();
    let mut set = match load_rules(&args.selection.rules, &mut db) {
        Ok(set) => set,
        Err(e) => return Outcome::error(e),
    };
    if let Err(e) = select(&mut set, &args.selection) {
        return Outcome::error(e);
    }
    let stdout = if args.json || args.format == ListFormat::Json {
        report::rules_list::Json.render(&set)
    } else {
        report::rules_list::Human.render(&set)
    };
    let code = if set.problems.is_empty() {
        exit::OK
    } else {
        exit::TOOL_ERROR
    };
    let stderr = report::human::rule_problems(&set, &db);
    Outcome {
        stdout,
        stderr,
        code,
    }
}

fn explain(args: ExplainArgs) -> Outcome {
    let mut db = SourceDb::new();
    let set = match load_rules(&args.rules, &mut db) {
        Ok(set) => set,
        Err(e) => return Outcome::error(e),
    };
    let Some(rule) = set.get(&args.id) else {
        let hint = crate::util::closest(&args.id, set.rules.iter().map(|r| r.meta.id.as_str()))
            .map(|c| format!(" (did you mean {c}?)"))
            .unwrap_or_default();
        return Outcome::error(format!(
            "no rule with id `{}`{hint}; `uplint rules` lists them",
            args.id
        ));
    };
    Outcome {
        stdout: report::explain::Explain.render(rule),
        stderr: Vec::new(),
        code: exit::OK,
    }
}

fn inspect(args: InspectArgs) -> Outcome {
    let mut db = SourceDb::new();
    // Inspect runs no rules: it shows what the parsers and fact extractors made of the files.
    let set = RuleSet::load(Vec::new(), &mut db);
    let options = check::Options {
        keep_facts: true,
        ..check::Options::default()
    };
    let result = check::check_with(std::slice::from_ref(&args.bundle), &set, &mut db, options);
    if let Some(e) = result.open_errors.first() {
        return Outcome::error(e);
    }
    let inspection = report::inspect::Inspection {
        bundle: &args.bundle,
        result: &result,
    };
    let stdout = if args.json || args.format == ListFormat::Json {
        report::inspect::Json.render(&inspection)
    } else {
        report::inspect::Human.render(&inspection)
    };
    let incomplete = !result.complete();
    Outcome {
        stdout,
        stderr: Vec::new(),
        code: if incomplete { exit::FINDINGS } else { exit::OK },
    }
}

fn test(args: TestArgs) -> Outcome {
    let mut db = SourceDb::new();
    // Built-in fixtures travel inside the binary: write them out for the run, then remove them.
    let scratch = std::env::temp_dir().join(format!("uplint-test-{}", std::process::id()));
    // Run where `uplint new-rule` put a rule, `uplint test` tests that rule.
    let here_has_rules = std::fs::read_dir(".")
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "rhai"))
        })
        .unwrap_or(false);
    let args = if args.dirs.is_empty() && here_has_rules {
        TestArgs {
            dirs: vec![PathBuf::from(".")],
            ..args
        }
    } else {
        args
    };
    let dirs = args.dirs.clone();
    let rule_files = move || -> Vec<rules::RuleFile> {
        let mut files = rules::builtin_files();
        for d in &dirs {
            files.extend(rules::read_dir(d).unwrap_or_default());
        }
        files
    };
    for d in &args.dirs {
        if let Err(e) = rules::read_dir(d) {
            return Outcome::error(e);
        }
    }
    let set = RuleSet::load(rule_files(), &mut db);
    if !set.problems.is_empty() {
        return Outcome {
            stdout: Vec::new(),
            stderr: report::human::rule_problems(&set, &db),
            code: exit::TOOL_ERROR,
        };
    }
    let plan = if args.dirs.is_empty() {
        if let Err(e) = write_builtin_fixtures(&scratch) {
            return Outcome::error(e);
        }
        crate::fixtures::plan(set.rules.iter().filter(|r| r.builtin), |_| scratch.clone())
    } else {
        let root_of = |r: &rules::Rule| {
            Path::new(&r.path)
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        crate::fixtures::plan(set.rules.iter().filter(|r| !r.builtin), root_of)
    };
    if plan.cases.is_empty() && plan.missing.is_empty() {
        // Nothing to run is a mistake (a wrong folder), not a success.
        return Outcome::error(if args.dirs.is_empty() {
            "found no rule to test".to_owned()
        } else {
            format!(
                "found no fixture case for the rules in {}: a rule's cases are folders <ID>/pass/<case>/ and <ID>/fail/<case>/ beside it; `uplint new-rule` creates both",
                args.dirs
                    .iter()
                    .map(|d| format!("`{}`", d.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    use rayon::prelude::*;
    // Cases run in parallel on the pipeline's workers, whose stack the rules need.
    let results = check::with_workers(None, || {
        plan.cases
            .into_par_iter()
            .map(|case| crate::fixtures::run_case(case, rule_files.clone()))
            .collect()
    });
    let results = match results {
        Ok(results) => results,
        Err(e) => return Outcome::error(e),
    };
    let run = crate::fixtures::TestRun {
        results,
        missing: plan.missing,
    };
    let _ = std::fs::remove_dir_all(&scratch);
    let reporter: &dyn Reporter<crate::fixtures::TestRun> = match args.format {
        TestFormat::Human => &report::fixtures_human::Human,
        TestFormat::Junit => &report::junit::Junit,
    };
    let code = if run.failures() > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    };
    Outcome::report(reporter.render(&run), args.output.as_deref(), code)
}

fn write_builtin_fixtures(dir: &Path) -> Result<(), String> {
    let files = RuleSet::builtin_fixtures();
    if files.is_empty() {
        return Err(
            "this build of uplint carries no built-in fixtures (it was built without tests/rules)"
                .into(),
        );
    }
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

fn new_rule(args: NewRuleArgs) -> Outcome {
    if !rules::meta::is_rule_id(&args.id) {
        return Outcome::error(format!(
            "`{}` is not a rule id: use upper-case letters then digits, e.g. ACME001",
            args.id
        ));
    }
    if !rules::meta::PRODUCTS.contains(&args.product.as_str()) {
        let hint = crate::util::closest(&args.product, rules::meta::PRODUCTS.iter().copied())
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return Outcome::error(format!(
            "`{}` is not a product uplint has rules for{hint}: use one of {}; for another product, edit `product:` in the created file's header",
            args.product,
            rules::meta::PRODUCTS.join(", ")
        ));
    }
    // An id must be unique among the rules a run will load: the built-in ones and the folder's.
    let mut taken: Vec<String> = rules::builtin_files()
        .iter()
        .chain(rules::read_dir(&args.dir).unwrap_or_default().iter())
        .filter_map(|f| rules::meta::parse(&f.text).ok())
        .map(|m| m.id)
        .collect();
    taken.sort();
    if let Some(id) = taken.iter().find(|id| id.eq_ignore_ascii_case(&args.id)) {
        return Outcome::error(format!(
            "a rule with id {id} exists already; pick an unused id (the built-in ones are listed by `uplint rules`)"
        ));
    }
    let probe = format!(
        "//! id: {}
//! name: {}
//! severity: info
//! product: {}
//! summary: x
//! remediation: x
",
        args.id, args.name, args.product
    );
    if let Err(errors) = rules::meta::parse(&probe) {
        let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        return Outcome::error(messages.join("; "));
    }
    let files = crate::scaffold::files(&args.id, &args.name, &args.product);
    match crate::scaffold::write(&args.dir, &files) {
        Ok(written) => {
            let mut s = String::from("created:\n");
            for p in written {
                s.push_str(&format!("  {}\n", p.display()));
            }
            s.push_str(&format!(
                "\nnext: edit the rule and its fixtures, then run `uplint test {}`;\nrun it on a bundle with `uplint check --rules {} BUNDLE`\n",
                args.dir.display(),
                args.dir.display()
            ));
            Outcome {
                stdout: s.into_bytes(),
                stderr: Vec::new(),
                code: exit::OK,
            }
        }
        Err(e) => Outcome::error(e),
    }
}

/// Entry point for the binary: parse, run, write, exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::TOOL_ERROR
            } else {
                exit::OK
            };
        }
    };
    let outcome = run(cli);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(&outcome.stdout)
        .and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return exit::TOOL_ERROR;
    }
    let _ = std::io::stderr().write_all(&outcome.stderr);
    outcome.code
}
