//! Bundles: finding the files of a collected estate, in a stable order, without touching them.
//!
//! A bundle is a directory with `plan.json` at its root and one folder per computer (see
//! `docs/bundle.md`). Everything under a computer's folder belongs to that computer; other
//! files at the root belong to the bundle as a whole. Symbolic links are never followed: a link
//! could lead out of the bundle, so it is listed as skipped instead. Nothing here opens a file
//! for writing.

use std::fs;
use std::path::{Path, PathBuf};

/// One file of a bundle.
#[derive(Clone, Debug)]
pub struct BundleFile {
    /// Path inside the bundle, with `/` separators (`VMM01/vmm-registry.reg`).
    pub rel: String,
    pub abs: PathBuf,
    /// Index into [`Bundle::computers`], or `None` for files at the bundle root.
    pub computer: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Computer {
    pub name: String,
    /// Indices into [`Bundle::files`], sorted by path.
    pub files: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Bundle {
    /// The bundle as the user named it, used as the prefix of every displayed path.
    pub display: String,
    pub root: PathBuf,
    pub plan: Option<usize>,
    pub files: Vec<BundleFile>,
    pub computers: Vec<Computer>,
    /// Entries that were not read, with the reason (links, unreadable folders).
    pub skipped: Vec<(String, String)>,
}

impl Bundle {
    pub fn display_path(&self, rel: &str) -> String {
        if self.display.is_empty() || self.display == "." {
            rel.to_owned()
        } else {
            format!("{}/{}", self.display.trim_end_matches(['/', '\\']), rel)
        }
    }

    /// Files at the bundle root other than the plan.
    pub fn root_files(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.files.len()).filter(|i| self.files[*i].computer.is_none() && Some(*i) != self.plan)
    }
}

/// Why a bundle cannot be opened at all.
#[derive(Debug)]
pub struct OpenError {
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot open bundle `{}`: {}", self.path, self.reason)
    }
}

pub const PLAN_FILE: &str = "plan.json";

/// Lists a bundle directory.
pub fn discover(path: &Path) -> Result<Bundle, OpenError> {
    let display = path.to_string_lossy().replace('\\', "/");
    let err = |reason: String| OpenError {
        path: display.clone(),
        reason,
    };
    let meta = fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if !meta.is_dir() {
        return Err(err(
            "not a directory (a bundle is a folder with one sub-folder per computer)".into(),
        ));
    }
    let (mut found, skipped) = list(path);
    found.sort();
    let mut bundle = Bundle {
        display,
        root: path.to_path_buf(),
        plan: None,
        files: Vec::new(),
        computers: Vec::new(),
        skipped,
    };
    for rel in found {
        let computer = match rel.split_once('/') {
            Some((dir, _)) => {
                // Sorted paths keep each computer's files together: only the last can match.
                if bundle.computers.last().is_none_or(|c| c.name != dir) {
                    bundle.computers.push(Computer {
                        name: dir.to_owned(),
                        files: Vec::new(),
                    });
                }
                let idx = bundle.computers.len() - 1;
                bundle.computers[idx].files.push(bundle.files.len());
                Some(idx)
            }
            None => None,
        };
        if computer.is_none() && rel.eq_ignore_ascii_case(PLAN_FILE) {
            bundle.plan = Some(bundle.files.len());
        }
        bundle.files.push(BundleFile {
            abs: path.join(&rel),
            rel,
            computer,
        });
    }
    Ok(bundle)
}

/// Files found (relative, `/`-separated) and entries not read, with the reason.
type Listing = (Vec<String>, Vec<(String, String)>);

/// Every file below `root` (relative, `/`-separated) and the entries not read. Computer
/// folders are listed in parallel: a bundle of 20,000 computers is 20,000 folders.
fn list(root: &Path) -> Listing {
    use rayon::prelude::*;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut dirs = Vec::new();
    match fs::read_dir(root) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                match entry.file_type() {
                    Ok(k) if k.is_symlink() => skipped.push((name, LINK.to_owned())),
                    Ok(k) if k.is_dir() => dirs.push(name),
                    Ok(k) if k.is_file() => files.push(name),
                    _ => {}
                }
            }
        }
        Err(e) => skipped.push((String::new(), format!("cannot list folder: {e}"))),
    }
    let below: Vec<Listing> = dirs
        .par_iter()
        .map(|d| {
            let mut f = Vec::new();
            let mut s = Vec::new();
            walk(root, d, &mut f, &mut s);
            (f, s)
        })
        .collect();
    for (f, s) in below {
        files.extend(f);
        skipped.extend(s);
    }
    skipped.sort();
    (files, skipped)
}

const LINK: &str = "symbolic link: not followed, it could lead out of the bundle";

fn walk(root: &Path, prefix: &str, out: &mut Vec<String>, skipped: &mut Vec<(String, String)>) {
    let dir = root.join(prefix);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            skipped.push((prefix.to_owned(), format!("cannot list folder: {e}")));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            skipped.push((rel, LINK.to_owned()));
        } else if kind.is_dir() {
            walk(root, &rel, out, skipped);
        } else if kind.is_file() {
            out.push(rel);
        }
    }
}
