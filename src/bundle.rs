//! Bundles: finding the files of a collected estate, in a stable order, without touching them.
//!
//! A bundle is a directory, or a `.zip` of one, with `plan.json` at its root and one folder per
//! computer (see `docs/bundle.md`). Everything under a computer's folder belongs to that
//! computer; other files at the root belong to the bundle as a whole. Symbolic links are never
//! followed and archive entries with `..` or absolute paths are refused: either could lead out
//! of the bundle, so they are listed as skipped instead. A zip is read in place, never
//! extracted; nothing here opens a file for writing.

use std::ffi::OsStr;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::limits::{Limits, how_to_raise};

/// A zip bundle is read into memory once; larger archives must be extracted first.
pub const MAX_ARCHIVE_BYTES: u64 = 2 << 30;

/// One file of a bundle.
#[derive(Clone, Debug)]
pub struct BundleFile {
    /// Path inside the bundle, with `/` separators (`VMM01/vmm-registry.reg`). A name that is
    /// not valid UTF-8 shows each invalid byte as `\xNN`, so two names never read the same.
    pub rel: String,
    /// The file on disk, from the names as the file system gave them (not from `rel`).
    pub abs: PathBuf,
    /// Index into [`Bundle::computers`], or `None` for files at the bundle root.
    pub computer: Option<usize>,
    /// For a zip bundle, the entry's index in the archive.
    pub entry: Option<usize>,
    /// Why the file will not be read although it is listed (a limit it would pass).
    pub refused: Option<String>,
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
    pub limits: Limits,
}

impl Bundle {
    pub fn display_path(&self, rel: &str) -> String {
        if self.display.is_empty() || self.display == "." {
            rel.to_owned()
        } else {
            format!("{}/{}", self.display.trim_end_matches(['/', '\\']), rel)
        }
    }

    /// The bytes of one file, from the folder or from the archive, at most the file limit.
    /// The error says why it was not read, and which limit to raise when that is the cause.
    pub fn read(&self, file: &BundleFile) -> Result<Vec<u8>, String> {
        if let Some(reason) = &file.refused {
            return Err(reason.clone());
        }
        let max = self.limits.file_bytes;
        let too_large = || {
            format!(
                "it is larger than the {} MiB limit for one file; {}",
                max >> 20,
                how_to_raise("file-mib")
            )
        };
        let (Some(zip), Some(entry)) = (&self.zip, file.entry) else {
            let f = fs::File::open(&file.abs).map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            // Read through `take`: the size the file system reports can change under us.
            f.take(max + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| e.to_string())?;
            if bytes.len() as u64 > max {
                return Err(too_large());
            }
            return Ok(bytes);
        };
        let mut archive = zip.archive.clone();
        let entry = archive
            .by_index(entry)
            .map_err(|e| format!("the archive entry is damaged: {e}"))?;
        // The header's size decided the entry's share of the expansion budget when the bundle
        // was listed; an entry that expands beyond it lies, and is not read further.
        let declared = entry.size();
        let mut bytes = Vec::with_capacity(declared.min(max) as usize);
        entry
            .take(declared.min(max) + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("the archive entry is damaged: {e}"))?;
        if bytes.len() as u64 > max {
            return Err(too_large());
        }
        if bytes.len() as u64 > declared {
            return Err(format!(
                "the archive entry expands beyond the {declared} bytes its header declares: the archive is damaged or crafted; re-create the zip"
            ));
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

/// `uplint.toml` at a bundle's root holds the team's settings for it (see `config`): it is
/// not an export, so the bundle does not list it.
pub const SETTINGS_FILE: &str = "uplint.toml";

/// Lists a bundle: a directory, or a zip archive of one.
pub fn discover(path: &Path, limits: &Limits) -> Result<Bundle, OpenError> {
    let display = shown(path.as_os_str()).replace('\\', "/");
    let err = |reason: String| OpenError {
        path: display.clone(),
        reason,
    };
    let meta = fs::metadata(path).map_err(|e| err(e.to_string()))?;
    let (found, skipped, zip) = if meta.is_file() && is_zip(path) {
        let listing = list_zip(path, meta.len(), limits).map_err(err)?;
        (listing.found, listing.skipped, Some(Arc::new(listing.zip)))
    } else if meta.is_dir() {
        let (found, skipped) = list(path);
        (found, skipped, None)
    } else if meta.is_file() && has_zip_name(path) {
        return Err(err(
            "the .zip is damaged or not a zip archive (it does not start like one): copy it again, or extract it and check the folder".into(),
        ));
    } else {
        return Err(err(
            "not a directory or a .zip (a bundle is a folder with one sub-folder per computer)"
                .into(),
        ));
    };
    if found.len() as u64 > limits.files {
        return Err(err(format!(
            "it holds {} files, more than the limit of {}; {}",
            found.len(),
            limits.files,
            how_to_raise("files")
        )));
    }
    Ok(assemble(display, path, found, skipped, zip, *limits))
}

/// A file found in a bundle: its path inside the bundle as shown, where it is (a path below
/// the bundle folder, or an archive entry with its declared size).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    rel: String,
    at: Place,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// The path below the bundle folder, from the raw names the file system gave.
    Disk(PathBuf),
    Entry {
        index: usize,
        size: u64,
    },
}

/// A name as shown to users: itself when it is UTF-8, else with each byte that is not valid
/// UTF-8 written `\xNN`, so that `bad\xffname` and `bad\u{FFFD}name` stay two names.
pub fn shown(name: &OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_owned();
    }
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

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
    limits: Limits,
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
        limits,
    };
    // The expansion budget is shared out in path order, from the sizes the archive declares
    // (reading checks that no entry expands beyond its declared size), so which entries are
    // refused never depends on which thread read first.
    let mut expanded: u64 = 0;
    for Found { rel, at } in found {
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
        let (abs, entry, refused) = match at {
            Place::Disk(path) => (root.join(path), None, None),
            Place::Entry { index, size } => {
                let share = size.min(limits.file_bytes);
                let refused = (expanded.saturating_add(share) > limits.zip_expanded_bytes)
                    .then(|| {
                        format!(
                            "the zip's entries up to this one expand to more than the {} MiB limit for a zip bundle; {}, or extract the zip and check the folder",
                            limits.zip_expanded_bytes >> 20,
                            how_to_raise("zip-expanded-mib")
                        )
                    });
                if refused.is_none() {
                    expanded += share;
                }
                (root.join(&rel), Some(index), refused)
            }
        };
        bundle.files.push(BundleFile {
            abs,
            rel,
            computer,
            entry,
            refused,
        });
    }
    bundle
}

fn has_zip_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
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
fn list_zip(path: &Path, size: u64, limits: &Limits) -> Result<ZipListing, String> {
    if size > MAX_ARCHIVE_BYTES {
        return Err(format!(
            "the archive is larger than {} GiB; extract it and check the folder",
            MAX_ARCHIVE_BYTES >> 30
        ));
    }
    let bytes: Arc<[u8]> = fs::read(path).map_err(|e| e.to_string())?.into();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        format!("the zip is damaged ({e}): copy it again, or extract it and check the folder")
    })?;
    if archive.len() as u64 > limits.files {
        return Err(format!(
            "the archive has {} entries, more than the limit of {}; {}",
            archive.len(),
            limits.files,
            how_to_raise("files")
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
        if leads_out(&name) || entry.enclosed_name().is_none() {
            skipped.push((
                name,
                "path leads out of the bundle (`..` or absolute): refused".to_owned(),
            ));
        } else if entry.is_symlink() {
            skipped.push((name, LINK.to_owned()));
        } else if name.split('/').any(is_hidden) || name.starts_with("__MACOSX/") {
            // macOS's archiver adds `__MACOSX/` resource forks beside every file.
            continue;
        } else {
            found.push(Found {
                rel: name.trim_start_matches("./").to_owned(),
                at: Place::Entry {
                    index: i,
                    size: entry.size(),
                },
            });
        }
    }
    if let Some(top) = wrapper_folder(&found) {
        for f in &mut found {
            f.rel.drain(..top.len());
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
        .rel
        .split_once('/')
        .map(|(t, _)| format!("{t}/"))?;
    let all_under = found.iter().all(|f| f.rel.starts_with(&top));
    let nested = found.iter().any(|f| f.rel[top.len()..].contains('/'));
    (all_under && nested).then_some(top)
}

/// An archive entry's path that is absolute or climbs out: `/etc/x`, `C:/x`, `//server/x`,
/// `a/../../x`. Refused whatever the zip library makes of it.
fn leads_out(name: &str) -> bool {
    let drive = name.len() >= 2 && name.as_bytes()[1] == b':';
    name.starts_with('/') || drive || name.split('/').any(|part| part == "..")
}

/// Files found and entries not read, with the reason.
type Listing = (Vec<Found>, Vec<(String, String)>);

/// Every file below `root` and the entries not read. Computer folders are listed in
/// parallel: a bundle of 20,000 computers is 20,000 folders.
fn list(root: &Path) -> Listing {
    use rayon::prelude::*;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut dirs = Vec::new();
    match fs::read_dir(root) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let raw = PathBuf::from(entry.file_name());
                let name = shown(raw.as_os_str());
                if is_hidden(&name) || name.eq_ignore_ascii_case(SETTINGS_FILE) {
                    continue;
                }
                match entry.file_type() {
                    Ok(k) if k.is_symlink() => skipped.push((name, LINK.to_owned())),
                    Ok(k) if k.is_dir() => dirs.push((name, raw)),
                    Ok(k) if k.is_file() => files.push(Found {
                        rel: name,
                        at: Place::Disk(raw),
                    }),
                    Ok(k) => skipped.push((name, special(k).to_owned())),
                    Err(e) => skipped.push((name, format!("cannot tell what it is: {e}"))),
                }
            }
        }
        Err(e) => skipped.push((String::new(), format!("cannot list folder: {e}"))),
    }
    let below: Vec<Listing> = dirs
        .par_iter()
        .map(|(name, raw)| {
            let mut f = Vec::new();
            let mut s = Vec::new();
            walk(root, name, raw, &mut f, &mut s);
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

/// Names starting with a dot are not part of a bundle: `.git`, `.DS_Store`, an editor's
/// swap file. Exports are never saved under such names; reading them would turn a
/// checkout's `.git/` into a computer.
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') && name != "." && name != ".."
}

/// Why an entry that is neither a file, a folder nor a link is not read.
fn special(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a named pipe (FIFO), not a file: not read, reading it could wait forever";
        }
        if kind.is_socket() {
            return "a socket, not a file: not read";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device, not a file: not read";
        }
    }
    let _ = kind;
    "not a regular file: not read"
}

/// Lists the folder `prefix` (as shown) at `raw` (as the file system names it) below `root`.
fn walk(
    root: &Path,
    prefix: &str,
    raw: &Path,
    out: &mut Vec<Found>,
    skipped: &mut Vec<(String, String)>,
) {
    let entries = match fs::read_dir(root.join(raw)) {
        Ok(e) => e,
        Err(e) => {
            skipped.push((prefix.to_owned(), format!("cannot list folder: {e}")));
            return;
        }
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        if is_hidden(&shown(&file_name)) {
            continue;
        }
        let rel = format!("{prefix}/{}", shown(&file_name));
        let raw = raw.join(&file_name);
        match entry.file_type() {
            Ok(k) if k.is_symlink() => skipped.push((rel, LINK.to_owned())),
            Ok(k) if k.is_dir() => walk(root, &rel, &raw, out, skipped),
            Ok(k) if k.is_file() => out.push(Found {
                rel,
                at: Place::Disk(raw),
            }),
            Ok(k) => skipped.push((rel, special(k).to_owned())),
            Err(e) => skipped.push((rel, format!("cannot tell what it is: {e}"))),
        }
    }
}
