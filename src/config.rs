//! `uplint.toml`: a team's settings for a set of bundles, kept next to them (in a parent
//! folder of the bundle) or named with `--config`.
//!
//! ```toml
//! rules = ["rules/acme"]        # extra rule folders, relative to this file
//! select = ["VMM", "ACME"]      # ids, id prefixes, products or tags
//! ignore = ["VMM016"]
//! fail-on = "warning"
//!
//! [severity]                    # severity overrides, by rule id
//! VMM015 = "error"
//!
//! [options.ACME001]             # per-rule options, read by the rule with option()
//! minimum = 250
//!
//! [limits]                      # what one bundle may cost (docs/limits.md)
//! file-mib = 512
//! ```
//!
//! The file is parsed with spans and validated key by key: an unknown key, a wrong type or a
//! rule id that no loaded rule has is an error at its line (exit 2), never ignored, because a
//! misspelt `ignroe` would otherwise silently change what is checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::finding::{FailOn, Severity};
use crate::source::{Encoding, FileId, SourceDb, SourceText, Span};

pub const FILE_NAME: &str = crate::bundle::SETTINGS_FILE;

/// A validated `uplint.toml`.
#[derive(Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub rules: Vec<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
    /// Rule id → severity, with the span of the entry for "no such rule" errors.
    pub severity: BTreeMap<String, (Severity, Span)>,
    /// Rule id → its options, as Rhai values.
    pub options: BTreeMap<String, (rhai::Map, Span)>,
    /// The limits, with `[limits]` applied to the defaults.
    pub limits: crate::limits::Limits,
}

/// A problem in `uplint.toml`, at its place.
#[derive(Clone, Debug)]
pub struct ConfigError {
    pub span: Option<Span>,
    pub message: String,
}

/// The `uplint.toml` that applies to a bundle: the one at the bundle folder's root, else the
/// nearest one in the folders above it (beside the bundle, or further up).
pub fn find(bundle: &Path) -> Option<PathBuf> {
    let start = bundle.canonicalize().ok()?;
    let skip = if start.is_dir() { 0 } else { 1 };
    start
        .ancestors()
        .skip(skip)
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

const KEYS: &[&str] = &[
    "rules", "select", "ignore", "fail-on", "severity", "options", "limits",
];

/// Reads and validates a configuration file; errors are returned, not fatal, so they can all
/// be shown at once.
pub fn load(path: &Path, db: &mut SourceDb) -> (Config, Vec<ConfigError>) {
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let message = format!("cannot read `{}`: {e}", path.display());
            return (
                config,
                vec![ConfigError {
                    span: None,
                    message,
                }],
            );
        }
    };
    let (text, _) = SourceText::decode(&bytes);
    let text = SourceText::new(text.text.clone(), Encoding::Utf8);
    let src = text.text.clone();
    let file = db.add(
        path.to_string_lossy().replace('\\', "/"),
        Some(Arc::new(text)),
    );
    let span = |s: toml_span::Span| Some(Span::new(file, s.start, s.end));
    let mut errors = Vec::new();
    let mut err = |s: toml_span::Span, message: String| {
        errors.push(ConfigError {
            span: span(s),
            message,
        })
    };
    let root = match toml_span::parse(&src) {
        Ok(v) => v,
        Err(e) => {
            err(e.span, format!("not valid TOML: {}", e.kind));
            return (config, errors);
        }
    };
    let Some(table) = root.as_table() else {
        return (config, errors);
    };
    let base = path.parent().unwrap_or(Path::new("."));
    for (key, value) in table {
        match &*key.name {
            "rules" => {
                for (item, _) in strings(value, &mut err) {
                    config.rules.push(base.join(item));
                }
            }
            "select" => {
                config.select = strings(value, &mut err)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect()
            }
            "ignore" => {
                config.ignore = strings(value, &mut err)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect()
            }
            "fail-on" => match value.as_str().and_then(FailOn::parse) {
                Some(level) => config.fail_on = Some(level),
                None => err(
                    value.span,
                    "`fail-on` must be \"error\", \"warning\", \"info\" or \"never\"".into(),
                ),
            },
            "severity" => match value.as_table() {
                Some(t) => {
                    for (id, v) in t {
                        match v.as_str().and_then(Severity::parse) {
                            Some(sev) => {
                                config
                                    .severity
                                    .insert(id.name.to_string(), (sev, id.span.into_span(file)));
                            }
                            None => err(
                                v.span,
                                format!(
                                    "the severity of {} must be \"error\", \"warning\" or \"info\"",
                                    id.name
                                ),
                            ),
                        }
                    }
                }
                None => err(
                    value.span,
                    "`severity` must be a table: `[severity]` then `ID = \"warning\"`".into(),
                ),
            },
            "options" => match value.as_table() {
                Some(t) => {
                    for (id, v) in t {
                        match v.as_table() {
                            Some(opts) => {
                                let mut map = rhai::Map::new();
                                for (name, o) in opts {
                                    match to_dynamic(o) {
                                        Some(d) => {
                                            map.insert(name.name.as_ref().into(), d);
                                        }
                                        None => err(o.span, "an option must be a string, number, boolean or an array of them".into()),
                                    }
                                }
                                config
                                    .options
                                    .insert(id.name.to_string(), (map, id.span.into_span(file)));
                            }
                            None => err(
                                v.span,
                                format!(
                                    "options for {} must be a table: `[options.{}]`",
                                    id.name, id.name
                                ),
                            ),
                        }
                    }
                }
                None => err(
                    value.span,
                    "`options` must be a table: `[options.ID]`".into(),
                ),
            },
            "limits" => match value.as_table() {
                Some(t) => {
                    for (name, v) in t {
                        let set = match v.as_integer() {
                            Some(n) => config.limits.set(&name.name, n),
                            None => Err(format!("`{}` must be a whole number", name.name)),
                        };
                        if let Err(message) = set {
                            err(name.span, message);
                        }
                    }
                }
                None => err(
                    value.span,
                    "`limits` must be a table: `[limits]` then `file-mib = 512`".into(),
                ),
            },
            other => {
                let hint = crate::util::closest(other, KEYS.iter().copied())
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                err(
                    key.span,
                    format!(
                        "unknown key `{other}` in uplint.toml{hint}; the keys are: {}",
                        KEYS.join(", ")
                    ),
                );
            }
        }
    }
    (config, errors)
}

trait IntoSpan {
    fn into_span(self, file: FileId) -> Span;
}

impl IntoSpan for toml_span::Span {
    fn into_span(self, file: FileId) -> Span {
        Span::new(file, self.start, self.end)
    }
}

fn strings(
    value: &toml_span::Value<'_>,
    err: &mut impl FnMut(toml_span::Span, String),
) -> Vec<(String, toml_span::Span)> {
    match value.as_array() {
        Some(items) => items
            .iter()
            .filter_map(|i| match i.as_str() {
                Some(s) => Some((s.to_owned(), i.span)),
                None => {
                    err(i.span, "expected a string".into());
                    None
                }
            })
            .collect(),
        None => {
            err(
                value.span,
                "expected an array of strings, e.g. [\"VMM\", \"ACME001\"]".into(),
            );
            Vec::new()
        }
    }
}

fn to_dynamic(v: &toml_span::Value<'_>) -> Option<rhai::Dynamic> {
    if let Some(s) = v.as_str() {
        return Some(rhai::Dynamic::from(rhai::ImmutableString::from(s)));
    }
    if let Some(i) = v.as_integer() {
        return Some(rhai::Dynamic::from_int(i));
    }
    if let Some(f) = v.as_float() {
        return Some(rhai::Dynamic::from_float(f));
    }
    if let Some(b) = v.as_bool() {
        return Some(rhai::Dynamic::from_bool(b));
    }
    let items = v.as_array()?;
    items
        .iter()
        .map(to_dynamic)
        .collect::<Option<rhai::Array>>()
        .map(rhai::Dynamic::from_array)
}

impl Config {
    /// Errors for `[severity]` and `[options]` entries naming no loaded rule: a typo there would
    /// otherwise silently change nothing.
    pub fn unknown_rules(&self, known: impl Fn(&str) -> bool, ids: &[&str]) -> Vec<ConfigError> {
        let mut out = Vec::new();
        let entries = self
            .severity
            .iter()
            .map(|(id, (_, s))| (id, *s))
            .chain(self.options.iter().map(|(id, (_, s))| (id, *s)));
        for (id, span) in entries {
            if !known(id) {
                let hint = crate::util::closest(id, ids.iter().copied())
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default();
                out.push(ConfigError {
                    span: Some(span),
                    message: format!("no loaded rule has the id {id}{hint}; add its folder to `rules` or fix the id"),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> (Config, Vec<ConfigError>, SourceDb) {
        let dir = std::env::temp_dir().join(format!(
            "uplint-config-test-{}-{}",
            std::process::id(),
            text.len()
        ));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(FILE_NAME);
        let _ = std::fs::write(&path, text);
        let mut db = SourceDb::new();
        let (c, e) = load(&path, &mut db);
        let _ = std::fs::remove_dir_all(&dir);
        (c, e, db)
    }

    #[test]
    fn reads_every_key() {
        let (c, e, _) = load_text(
            "rules = [\"acme\"]\nselect = [\"VMM\"]\nignore = [\"VMM016\"]\nfail-on = \"warning\"\n[severity]\nVMM015 = \"error\"\n[options.ACME001]\nminimum = 250\nnames = [\"a\", \"b\"]\n",
        );
        assert!(e.is_empty(), "{e:?}");
        assert!(c.rules[0].ends_with("acme"));
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert_eq!(c.severity["VMM015"].0, Severity::Error);
        assert_eq!(c.options["ACME001"].0["minimum"].as_int().ok(), Some(250));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_at_their_place() {
        let text = "ignroe = [\"VMM016\"]\nfail-on = \"sometimes\"\n";
        let (_, e, db) = load_text(text);
        assert_eq!(e.len(), 2, "{e:?}");
        let key = e
            .iter()
            .find(|e| e.message.contains("did you mean `ignore`"))
            .expect("key error");
        assert_eq!(db.line_col(key.span.expect("span")), Some((1, 1)));
        let value = e
            .iter()
            .find(|e| e.message.contains("fail-on"))
            .expect("value error");
        assert_eq!(db.line_col(value.span.expect("span")), Some((2, 12)));
    }

    #[test]
    fn invalid_toml_is_an_error_with_a_place() {
        let (_, e, _) = load_text("select = [\"VMM\"\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].span.is_some());
    }
}
