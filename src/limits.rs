//! Every limit that bounds what one bundle can cost, with its default, in one place.
//!
//! A bundle comes from someone else's servers and may be damaged or hostile: a zip whose
//! entries expand a thousandfold, a folder with a million files, one export of many
//! gigabytes. Each limit here turns such input into a finding that names what was not read
//! and how to raise the limit, instead of exhausting memory or time. Users set them in
//! `uplint.toml`'s `[limits]` table or with `--limit NAME=VALUE`; `docs/limits.md` is checked
//! against [`SETTINGS`].

/// The limits in force for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes: a folder's file, or a zip entry after decompression.
    pub file_bytes: u64,
    /// Largest total that a zip bundle's entries may expand to, in bytes.
    pub zip_expanded_bytes: u64,
    /// Most files (or archive entries) one bundle may hold.
    pub files: u64,
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
        }
    }
}

/// How a setting's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Mib,
    Count,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Mib => "MiB",
            Unit::Count => "count",
        }
    }

    fn factor(self) -> u64 {
        match self {
            Unit::Mib => MIB,
            Unit::Count => 1,
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
