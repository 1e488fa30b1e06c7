//! Bundles: finding the files of a collected estate, in a stable order, without touching them.
//!
//! A bundle is a directory, or a `.zip` of one, with `plan.json` at its root and one folder per
//! computer (see `docs/bundle.md`). Everything under a computer's folder belongs to that
//! computer; other files at the root belong to the bundle as a whole. Symbolic links are never
//! followed and archive entries with `..` or absolute paths are refused: either could lead out
//! of the bundle, so they are listed as skipped instead. A zip is read in place, never
//! extracted; nothing here opens a file for writing.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Limits that keep a hostile or damaged archive from exhausting memory.
pub mod limits {
    /// A zip bundle is read into memory once; larger archives must be extracted first.
    pub const MAX_ARCHIVE_BYTES: u64 = 2 << 30;
    pub const MAX_ENTRIES: usize = 200_000;
    /// Per file, after decompression (checked while reading, not trusted from the header).
    pub const MAX_ENTRY_BYTES: u64 = 256 << 20;
}

/// One file of a bundle.
#[derive(Clone, Debug)]
pub struct BundleFile {
    /// Path inside the bundle, with `/` separators (`VMM01/vmm-registry.reg`).
    pub rel: String,
    pub abs: PathBuf,
    /// Index into [`Bundle::computers`], or `None` for files at the bundle root.
    pub computer: Option<usize>,
    /// For a zip bundle, the entry's index in the archive.
    pub entry: Option<usize>,
}

/// A zip bundle: the archive's bytes and its parsed directory. Cloning the archive handle is
/// cheap (the directory is shared), which lets worker threads read entries independently.
#[derive(Clone)]
pub struct ZipSource {
    archive: zip::ZipArchive<std::io::Cursor<Arc<[u8]>>>,
}

impl std::fmt::Debug for ZipSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZipSource({} entries)", self.archive.len())
    }
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
    pub zip: Option<Arc<ZipSource>>,
}

impl Bundle {
    pub fn display_path(&self, rel: &str) -> String {
        if self.display.is_empty() || self.display == "." {
            rel.to_owned()
        } else {
            format!("{}/{}", self.display.trim_end_matches(['/', '\\']), rel)
        }
    }

    /// The bytes of one file, from the folder or from the archive.
    pub fn read(&self, file: &BundleFile) -> std::io::Result<Vec<u8>> {
        let (Some(zip), Some(entry)) = (&self.zip, file.entry) else {
            return fs::read(&file.abs);
        };
        let mut archive = zip.archive.clone();
        let entry = archive.by_index(entry).map_err(std::io::Error::other)?;
        let mut bytes = Vec::with_capacity(entry.size().min(limits::MAX_ENTRY_BYTES) as usize);
        entry
            .take(limits::MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limits::MAX_ENTRY_BYTES {
            return Err(std::io::Error::other(format!(
                "the archive entry expands to more than {} MiB; extract the bundle to check it",
                limits::MAX_ENTRY_BYTES >> 20
            )));
        }
        Ok(bytes)
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

/// Lists a bundle: a directory, or a zip archive of one.
pub fn discover(path: &Path) -> Result<Bundle, OpenError> {
    let display = path.to_string_lossy().replace('\\', "/");
    let err = |reason: String| OpenError {
        path: display.clone(),
        reason,
    };
    let meta = fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if meta.is_file() && is_zip(path) {
        let listing = list_zip(path, meta.len()).map_err(err)?;
        return Ok(assemble(
            display,
            path,
            listing.found,
            listing.skipped,
            Some(Arc::new(listing.zip)),
        ));
    }
    if !meta.is_dir() {
        return Err(err(
            "not a directory or a .zip (a bundle is a folder with one sub-folder per computer)"
                .into(),
        ));
    }
    let (found, skipped) = list(path);
    let found = found.into_iter().map(|rel| (rel, None)).collect();
    Ok(assemble(display, path, found, skipped, None))
}

/// A file found in a bundle: its path inside the bundle, and its index in the archive when the
/// bundle is a zip.
type Found = (String, Option<usize>);

/// What a zip archive holds, as a bundle.
struct ZipListing {
    zip: ZipSource,
    found: Vec<Found>,
    /// Entries refused, with the reason.
    skipped: Vec<(String, String)>,
}

/// Orders the files and assigns each to its computer (the first folder of its path).
fn assemble(
    display: String,
    root: &Path,
    mut found: Vec<Found>,
    skipped: Vec<(String, String)>,
    zip: Option<Arc<ZipSource>>,
) -> Bundle {
    found.sort();
    let mut bundle = Bundle {
        display,
        root: root.to_path_buf(),
        plan: None,
        files: Vec::new(),
        computers: Vec::new(),
        skipped,
        zip,
    };
    for (rel, entry) in found {
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
            abs: root.join(&rel),
            rel,
            computer,
            entry,
        });
    }
    bundle
}

fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06")
}

/// Reads a zip's directory: its files (path inside the bundle, entry index) and what was
/// refused. A single top folder holding everything (what "Send to > Compressed folder" on the
/// bundle folder makes) is not a computer: it is stripped.
fn list_zip(path: &Path, size: u64) -> Result<ZipListing, String> {
    if size > limits::MAX_ARCHIVE_BYTES {
        return Err(format!(
            "the archive is larger than {} GiB; extract it and check the folder",
            limits::MAX_ARCHIVE_BYTES >> 30
        ));
    }
    let bytes: Arc<[u8]> = fs::read(path).map_err(|e| e.to_string())?.into();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable zip archive: {e}"))?;
    if archive.len() > limits::MAX_ENTRIES {
        return Err(format!(
            "the archive has more than {} entries",
            limits::MAX_ENTRIES
        ));
    }
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            skipped.push((format!("entry #{i}"), "unreadable archive entry".to_owned()));
            continue;
        };
        let name = entry
            .name()
            .map(|n| n.replace('\\', "/"))
            .unwrap_or_default();
        if entry.is_dir() {
            continue;
        }
        let escapes = name.split('/').any(|part| part == "..") || entry.enclosed_name().is_none();
        if escapes {
            skipped.push((
                name,
                "path leads out of the bundle (`..` or absolute): refused".to_owned(),
            ));
        } else if entry.is_symlink() {
            skipped.push((name, LINK.to_owned()));
        } else {
            found.push((name.trim_start_matches("./").to_owned(), Some(i)));
        }
    }
    if let Some(top) = wrapper_folder(&found) {
        for (n, _) in &mut found {
            n.drain(..top.len());
        }
    }
    Ok(ZipListing {
        zip: ZipSource { archive },
        found,
        skipped,
    })
}

/// The folder (with its `/`) that wraps the whole bundle inside an archive: every file is
/// under it and some file is two levels down, so it holds computer folders rather than being
/// one.
fn wrapper_folder(found: &[Found]) -> Option<String> {
    let top = found
        .first()?
        .0
        .split_once('/')
        .map(|(t, _)| format!("{t}/"))?;
    let all_under = found.iter().all(|(n, _)| n.starts_with(&top));
    let nested = found.iter().any(|(n, _)| n[top.len()..].contains('/'));
    (all_under && nested).then_some(top)
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
