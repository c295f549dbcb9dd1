//! Baselines: credentials a team has accepted, so a scan reports only new ones.
//!
//! An entry is (path, rule, fingerprint) — no line numbers, no dates — so moving a line
//! does not invalidate it, while the same credential in a new file, or a new credential,
//! still fails. The file (`.keyreach-baseline.json`) is JSON with one entry a line,
//! sorted, every entry line ending in a comma and an empty `{}` closing the list:
//!
//! ```json
//! {
//!   "version": 1,
//!   "entries": [
//!     {"path": "src/app.py", "rule": "github.classic-pat", "fingerprint": "sha256:…"},
//!     {}
//!   ]
//! }
//! ```
//!
//! Two branches that each add entries touch different lines or, when they insert at the
//! same spot, git's `union` merge driver (which `keyreach baseline` sets for the file in
//! `.gitattributes`) keeps both; because no entry line is ever the last element, the
//! union is still valid JSON.
//!
//! Receives credentials before they are judged; hands on those with locations left.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::credentials::{Credential, Fingerprint};

/// The file `keyreach baseline` writes by default.
pub const FILE_NAME: &str = ".keyreach-baseline.json";
/// The `.gitattributes` line that makes concurrent additions merge without conflict.
pub const GITATTRIBUTES_LINE: &str = "/.keyreach-baseline.json merge=union";

const VERSION: u32 = 1;

/// One accepted credential at one path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    pub fingerprint: String,
}

/// A set of accepted credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeSet<Entry>,
}

/// A baseline file that cannot be used; the message names the file and the cause.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read the baseline: {cause}")]
    Read { path: String, cause: String },
    #[error("{path}: not a keyreach baseline: {cause}")]
    Parse { path: String, cause: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    version: u32,
    entries: Vec<EntrySpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrySpec {
    path: Option<String>,
    rule: Option<String>,
    fingerprint: Option<String>,
}

impl Baseline {
    pub fn new(entries: impl IntoIterator<Item = Entry>) -> Baseline {
        Baseline { entries: entries.into_iter().collect() }
    }

    /// Reads a baseline file: a regular file (a FIFO or device is refused without blocking)
    /// of at most [`MAX_BYTES`].
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let read_error = |cause: String| BaselineError::Read { path: shown.clone(), cause };
        let file = crate::source::fs::open(path).map_err(|e| read_error(e.to_string()))?;
        let mut bytes = Vec::new();
        file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| read_error(e.to_string()))?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(read_error(format!("larger than {} MiB: not read", MAX_BYTES >> 20)));
        }
        let text = String::from_utf8(bytes).map_err(|_| read_error("not UTF-8 text".into()))?;
        Baseline::parse(&text).map_err(|cause| BaselineError::Parse { path: shown, cause })
    }

    /// Parses the file format; the error says what is wrong, in one line.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let spec: FileSpec = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if spec.version != VERSION {
            return Err(format!("version {} is not supported (expected {VERSION})", spec.version));
        }
        let mut entries = BTreeSet::new();
        for (n, e) in spec.entries.into_iter().enumerate() {
            match (e.path, e.rule, e.fingerprint) {
                (None, None, None) => {} // the closing `{}`
                (Some(path), Some(rule), Some(fingerprint)) => {
                    if Fingerprint::parse(&fingerprint).is_none() {
                        return Err(format!("entry {}: fingerprint {fingerprint:?} is not sha256:<64 hex>", n + 1));
                    }
                    entries.insert(Entry { path, rule, fingerprint });
                }
                _ => return Err(format!("entry {}: needs path, rule and fingerprint", n + 1)),
            }
        }
        Ok(Baseline { entries })
    }

    /// The file text: sorted, one entry a line, stable byte for byte.
    pub fn render(&self) -> String {
        let mut out = format!("{{\n  \"version\": {VERSION},\n  \"entries\": [\n");
        for e in &self.entries {
            let field = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
            let _ = writeln!(
                out,
                "    {{\"path\": {}, \"rule\": {}, \"fingerprint\": {}}},",
                field(&e.path),
                field(&e.rule),
                field(&e.fingerprint)
            );
        }
        out.push_str("    {}\n  ]\n}\n");
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn contains(&self, path: &str, rule: &str, fingerprint: &Fingerprint) -> bool {
        // Entries are few; build the key once per location.
        self.entries.contains(&Entry {
            path: path.to_string(),
            rule: rule.to_string(),
            fingerprint: fingerprint.to_string(),
        })
    }

    /// Drops the locations this baseline accepts; `None` when none is left. `base` is where
    /// the scan's paths start, relative to the repository root (`src` for `keyreach scan
    /// src`; empty at the root or outside a repository): entries hold paths from the
    /// repository root, so a baseline made at the root also serves scans of a subdirectory.
    /// Entries written before paths were rooted (relative to the scanned directory) still
    /// match as written.
    pub fn suppress(&self, rule: &str, mut credential: Credential, base: &str) -> Option<Credential> {
        if self.entries.is_empty() {
            return Some(credential);
        }
        let fingerprint = credential.fingerprint;
        // Baselines hold paths as reports show them: with the secret redacted.
        let secret = std::str::from_utf8(credential.secret.expose()).ok().filter(|s| s.len() >= 8).map(str::to_string);
        credential.locations.retain(|l| {
            let shown = secret.as_deref().filter(|s| l.path.contains(*s)).map(|s| l.path.replace(s, "REDACTED"));
            let accepted = |path: &str| {
                self.contains(path, rule, &fingerprint)
                    || (l.reach.in_workspace() && self.contains(&rooted(base, path), rule, &fingerprint))
            };
            !(accepted(&l.path) || shown.is_some_and(|p| accepted(&p)))
        });
        (!credential.locations.is_empty()).then_some(credential)
    }

    /// Keeps only the entries also in `current` (what still occurs). `current` holds rooted
    /// paths; an old entry written relative to `base` is kept rewritten to its rooted path.
    pub fn retain_in(&mut self, current: &Baseline, base: &str) {
        let old = std::mem::take(&mut self.entries);
        self.entries = old
            .into_iter()
            .filter_map(|e| {
                if current.entries.contains(&e) {
                    return Some(e);
                }
                let moved = Entry { path: rooted(base, &e.path), ..e };
                current.entries.contains(&moved).then_some(moved)
            })
            .collect();
    }
}

/// `path` (as a report shows it, relative to the scanned directory) from the repository
/// root, given the scanned directory's place there (`base`, `/`-separated).
pub fn rooted(base: &str, path: &str) -> String {
    let base = base.trim_matches('/');
    if base.is_empty() || path.starts_with('/') { path.to_string() } else { format!("{base}/{path}") }
}

/// Writes `baseline` to `output`. When that is the default file at the top of a git work
/// tree (`root`), also makes sure `.gitattributes` there merges it with the union driver.
/// Returns true when it changed `.gitattributes`.
pub fn save(baseline: &Baseline, output: &Path, root: &Path) -> std::io::Result<bool> {
    replace_file(output, baseline.render().as_bytes())?;
    let default_file = output.parent() == Some(root) && output.file_name().is_some_and(|n| n == FILE_NAME);
    if default_file && root.join(".git").exists() { ensure_union_merge(root) } else { Ok(false) }
}

/// Adds [`GITATTRIBUTES_LINE`] to `dir/.gitattributes` unless a line already sets a merge
/// driver for the baseline file. Returns true when it changed the file.
pub fn ensure_union_merge(dir: &Path) -> std::io::Result<bool> {
    let path = dir.join(".gitattributes");
    let existing = match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
        Ok(_) => {
            refuse_special(&path)?;
            let mut text = String::new();
            crate::source::fs::open(&path)?.take(MAX_BYTES).read_to_string(&mut text)?;
            text
        }
    };
    let configured = existing.lines().any(|l| {
        let mut words = l.split_whitespace();
        words.next().is_some_and(|p| p.trim_start_matches('/') == FILE_NAME) && words.any(|w| w.starts_with("merge"))
    });
    if configured {
        return Ok(false);
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(GITATTRIBUTES_LINE);
    text.push('\n');
    replace_file(&path, text.as_bytes())?;
    Ok(true)
}

/// Largest baseline or `.gitattributes` file read.
pub const MAX_BYTES: u64 = 64 << 20;

/// Refuses to touch `path` when it is a symbolic link (even a dangling one) or anything but
/// a regular file: a scanned repository could point it at `~/.bashrc` or make it a FIFO.
fn refuse_special(path: &Path) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    let what = if meta.file_type().is_symlink() {
        "is a symbolic link"
    } else if !meta.is_file() {
        "is not a regular file"
    } else {
        return Ok(());
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{name} {what}: not followed, not overwritten")))
}

/// Writes `bytes` to `path` as a new file: created beside it (never existing, never a link)
/// and renamed over it, so a link at `path` is replaced, not followed, and a reader never
/// sees half a file.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    refuse_special(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for attempt in 0..100u32 {
        let temp = dir.join(format!(".{name}.keyreach-{}-{attempt}.tmp", std::process::id()));
        let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        drop(file);
        return match written.and_then(|()| std::fs::rename(&temp, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                Err(e)
            }
        };
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary name beside the file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, n: u8) -> Entry {
        Entry { path: path.into(), rule: "github.classic-pat".into(), fingerprint: Fingerprint::of(&[n]).to_string() }
    }

    #[test]
    fn renders_sorted_one_entry_a_line_and_reads_back() {
        let b = Baseline::new([entry("z.txt", 1), entry("a \"q\".txt", 2), entry("a \"q\".txt", 1)]);
        let text = b.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3 + 3 + 3, "{text}");
        assert!(lines[3].contains("\"a \\\"q\\\".txt\"") && lines[5].contains("z.txt"), "{text}");
        assert!(lines[3..6].iter().all(|l| l.ends_with("},")));
        assert_eq!(lines[6], "    {}");
        assert!(!text.contains("line"));
        assert_eq!(Baseline::parse(&text).unwrap(), b);
        assert_eq!(Baseline::new([]).render(), "{\n  \"version\": 1,\n  \"entries\": [\n    {}\n  ]\n}\n");
    }

    #[test]
    fn a_union_of_two_files_is_still_a_baseline() {
        let base = Baseline::new([entry("a", 1)]).render();
        let ours = Baseline::new([entry("a", 1), entry("b", 2)]).render();
        let theirs = Baseline::new([entry("a", 1), entry("c", 3)]).render();
        // What git's union driver does with two insertions at the same place.
        let mut lines: Vec<&str> = base.lines().collect();
        let at = lines.len() - 3;
        let added: Vec<&str> = ours.lines().chain(theirs.lines()).filter(|l| !base.lines().any(|b| b == *l)).collect();
        lines.splice(at..at, added);
        let merged = Baseline::parse(&lines.join("\n")).unwrap();
        assert_eq!(merged, Baseline::new([entry("a", 1), entry("b", 2), entry("c", 3)]));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(Baseline::parse("{\"version\": 2, \"entries\": []}").unwrap_err().contains("version 2"));
        let partial = "{\"version\": 1, \"entries\": [{\"path\": \"a\"}]}";
        assert_eq!(Baseline::parse(partial).unwrap_err(), "entry 1: needs path, rule and fingerprint");
        let bad_fp = "{\"version\": 1, \"entries\": [{\"path\": \"a\", \"rule\": \"r\", \"fingerprint\": \"md5:1\"}]}";
        assert!(Baseline::parse(bad_fp).unwrap_err().contains("md5:1"));
    }

    #[test]
    fn gitattributes_gets_the_union_driver_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitattributes"), "*.png binary").unwrap();
        assert!(ensure_union_merge(dir.path()).unwrap());
        assert!(!ensure_union_merge(dir.path()).unwrap());
        let text = std::fs::read_to_string(dir.path().join(".gitattributes")).unwrap();
        assert_eq!(text, format!("*.png binary\n{GITATTRIBUTES_LINE}\n"));
    }
}
