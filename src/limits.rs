//! Every limit that bounds what one bundle or one rule can cost, with its default, in one
//! place.
//!
//! A bundle comes from someone else's servers and may be damaged or hostile: a zip whose
//! entries expand a thousandfold, a folder with a million files, one export of many
//! gigabytes. A rule may come from a gist: an endless loop, a value nested a hundred thousand
//! levels deep. Each limit here turns such input into a finding or a rule error that names
//! what was not done and how to raise the limit, instead of exhausting memory, time or the
//! stack. Users set the limits of [`SETTINGS`] in `uplint.toml`'s `[limits]` table or with
//! `--limit NAME=VALUE`; the limits of [`FIXED`] bound what the engine lets a script build and
//! cannot be changed. `docs/limits.md` is checked against both tables.

/// The limits in force for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes: a folder's file, or a zip entry after decompression.
    pub file_bytes: u64,
    /// Largest total that a zip bundle's entries may expand to, in bytes.
    pub zip_expanded_bytes: u64,
    /// Most files (or archive entries) one bundle may hold.
    pub files: u64,
    /// Longest one rule may run on one subject (a computer, or a bundle), in milliseconds.
    pub rule_ms: u64,
    /// Script operations one rule may perform on one subject, whatever the subject's size.
    pub rule_operations: u64,
    /// Further operations one rule may perform per node of the subject's documents (every
    /// key, value and record field of its exports and facts), so that a rule walking real
    /// exports is not stopped on a large estate.
    pub rule_operations_per_node: u64,
}

const MIB: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            // The largest real exports (a Component Based Servicing `reg export` in UTF-16)
            // are tens of MiB; ten times that is still a file worth reading.
            file_bytes: 256 * MIB,
            // A zip bundle is read in memory; 1 GiB of text exports is thousands of computers.
            zip_expanded_bytes: 1024 * MIB,
            // 20,000 computers with 25 exports each.
            files: 500_000,
            // Rules take micro- to milliseconds per subject; the operation budget stops a
            // runaway loop first (10 million operations take about half a second in a release
            // build). The clock is the last resort for what operations do not measure: one
            // operation on a 100,000-element array costs a hundred thousand times another.
            rule_ms: 5_000,
            rule_operations: 10_000_000,
            // A rule that does a few dozen operations per record of an export stays within it:
            // a record is several nodes (its key, each field).
            rule_operations_per_node: 100,
        }
    }
}

impl Limits {
    /// The operation budget of one rule on a subject with `nodes` nodes.
    pub fn rule_operation_budget(&self, nodes: u64) -> u64 {
        self.rule_operations
            .saturating_add(self.rule_operations_per_node.saturating_mul(nodes))
    }
}

/// Bounds of what a script may build or nest in one evaluation. They are not settable: they
/// size the worker threads' stacks (see `rules::sandbox`), and a rule that needs more should
/// leave the heavy lifting to a host function.
pub mod rule {
    /// Nested function calls (script functions calling each other).
    pub const CALL_LEVELS: usize = 48;
    /// Nesting of expressions in the rule's source, at the top level and inside functions.
    pub const EXPR_DEPTH: usize = 64;
    pub const FN_EXPR_DEPTH: usize = 48;
    /// Bytes of all the strings of one value (a string, or every string in an array or map).
    pub const STRING_BYTES: usize = 1 << 20;
    /// Elements of one array, counting those of arrays nested in it: this also bounds how
    /// deeply arrays can nest.
    pub const ARRAY_ELEMENTS: usize = 100_000;
    /// Entries of one object map, counting those of maps nested in it.
    pub const MAP_ENTRIES: usize = 10_000;
    pub const VARIABLES: usize = 1_000;
    pub const FUNCTIONS: usize = 512;
}

/// A limit users cannot change, for the documentation.
pub struct Fixed {
    pub name: &'static str,
    pub value: usize,
    pub bounds: &'static str,
}

/// The fixed limits of each evaluation of a rule, in the order the docs list them.
pub static FIXED: &[Fixed] = &[
    Fixed {
        name: "call depth",
        value: rule::CALL_LEVELS,
        bounds: "script functions calling each other (recursion)",
    },
    Fixed {
        name: "expression depth",
        value: rule::EXPR_DEPTH,
        bounds: "nesting of expressions in the source at the top level (48 inside functions); checked when the rule is loaded",
    },
    Fixed {
        name: "string bytes",
        value: rule::STRING_BYTES,
        bounds: "the bytes of one string, or of all the strings inside one array or map",
    },
    Fixed {
        name: "array elements",
        value: rule::ARRAY_ELEMENTS,
        bounds: "the elements of one array, counting those of the arrays nested in it (so also how deeply arrays nest)",
    },
    Fixed {
        name: "map entries",
        value: rule::MAP_ENTRIES,
        bounds: "the entries of one object map, counting those of the maps nested in it",
    },
    Fixed {
        name: "variables",
        value: rule::VARIABLES,
        bounds: "variables in scope at once",
    },
    Fixed {
        name: "functions",
        value: rule::FUNCTIONS,
        bounds: "functions a rule file defines",
    },
];

/// How a setting's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Mib,
    Count,
    Ms,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Mib => "MiB",
            Unit::Count => "count",
            Unit::Ms => "ms",
        }
    }

    fn factor(self) -> u64 {
        match self {
            Unit::Mib => MIB,
            Unit::Count | Unit::Ms => 1,
        }
    }
}

/// One user-settable limit: its name in `[limits]` and `--limit`, what it bounds, its unit.
pub struct Setting {
    pub name: &'static str,
    pub bounds: &'static str,
    pub unit: Unit,
    field: fn(&mut Limits) -> &mut u64,
}

impl Setting {
    /// The default, in the setting's unit.
    pub fn default_value(&self) -> u64 {
        (self.field)(&mut Limits::default()).to_owned() / self.unit.factor()
    }
}

/// Every limit a user can set, in the order the docs list them.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "file-mib",
        bounds: "the size of one file of a bundle (a zip entry after decompression); a larger file is an `input-error` and is not read",
        unit: Unit::Mib,
        field: |l| &mut l.file_bytes,
    },
    Setting {
        name: "zip-expanded-mib",
        bounds: "what all the entries of a zip bundle may expand to, together; entries past it (in path order) are `input-error`s and are not read",
        unit: Unit::Mib,
        field: |l| &mut l.zip_expanded_bytes,
    },
    Setting {
        name: "files",
        bounds: "the number of files (or zip entries) in one bundle; a bundle with more is not checked",
        unit: Unit::Count,
        field: |l| &mut l.files,
    },
    Setting {
        name: "rule-ms",
        bounds: "how long one rule may run on one subject (a computer, or the bundle for bundle rules); a rule that runs longer is stopped and is a rule error",
        unit: Unit::Ms,
        field: |l| &mut l.rule_ms,
    },
    Setting {
        name: "rule-operations",
        bounds: "the script operations one rule may perform on one subject, before the allowance per node; a rule that performs more is stopped and is a rule error",
        unit: Unit::Count,
        field: |l| &mut l.rule_operations,
    },
    Setting {
        name: "rule-operations-per-node",
        bounds: "further operations per node (key, value, record field) of the subject's exports and facts, so that the budget grows with the data",
        unit: Unit::Count,
        field: |l| &mut l.rule_operations_per_node,
    },
];

impl Limits {
    /// Sets the limit `name` to `value` (in its unit). The error says what is accepted.
    pub fn set(&mut self, name: &str, value: i64) -> Result<(), String> {
        let Some(setting) = SETTINGS.iter().find(|s| s.name == name) else {
            let hint = crate::util::closest(name, SETTINGS.iter().map(|s| s.name))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "no limit is called `{name}`{hint}; the limits are {}",
                names()
            ));
        };
        let value = u64::try_from(value)
            .ok()
            .filter(|v| *v > 0)
            .and_then(|v| v.checked_mul(setting.unit.factor()))
            .ok_or_else(|| format!("`{name}` must be a whole number above 0"))?;
        *(setting.field)(self) = value;
        Ok(())
    }

    /// Applies `NAME=VALUE` as given on the command line.
    pub fn set_from_arg(&mut self, arg: &str) -> Result<(), String> {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("`{arg}`: write a limit as NAME=VALUE, e.g. file-mib=512"))?;
        let value: i64 = value
            .trim()
            .parse()
            .map_err(|_| format!("`{arg}`: the value must be a whole number"))?;
        self.set(name.trim(), value)
    }
}

fn names() -> String {
    SETTINGS
        .iter()
        .map(|s| format!("`{}`", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How to raise limit `name`, for messages that report it was reached.
pub fn how_to_raise(name: &str) -> String {
    format!("raise it with `--limit {name}=N` or `{name} = N` under `[limits]` in uplint.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_and_write_the_limits_in_their_units() {
        let mut limits = Limits::default();
        limits.set("file-mib", 3).expect("valid");
        assert_eq!(limits.file_bytes, 3 << 20);
        limits.set_from_arg("files = 7").expect("valid");
        assert_eq!(limits.files, 7);
        assert_eq!(SETTINGS[0].default_value(), 256);
        limits.set_from_arg("rule-ms=250").expect("valid");
        assert_eq!(limits.rule_ms, 250);
    }

    #[test]
    fn the_operation_budget_grows_with_the_subject_and_saturates() {
        let limits = Limits::default();
        assert_eq!(limits.rule_operation_budget(0), 10_000_000);
        assert_eq!(limits.rule_operation_budget(1_000), 10_100_000);
        assert_eq!(limits.rule_operation_budget(u64::MAX), u64::MAX);
    }

    #[test]
    fn bad_settings_say_what_is_accepted() {
        let mut limits = Limits::default();
        let e = limits.set("file-mb", 3).expect_err("unknown");
        assert!(e.contains("did you mean `file-mib`"), "{e}");
        assert!(limits.set("files", 0).is_err());
        assert!(limits.set("files", -1).is_err());
        assert!(limits.set("file-mib", i64::MAX).is_err());
        assert!(limits.set_from_arg("files").is_err());
        assert!(limits.set_from_arg("files=lots").is_err());
        assert_eq!(limits, Limits::default());
    }
}
