//! The parallel file-system walk (the `ignore` crate), tuned for what an agent can read:
//! hidden and git-ignored files are included, `.git/` internals are skipped, symlinks are
//! not followed unless asked, and only regular files are ever opened.
//!
//! Receives roots and [`WalkOptions`]; hands each worker thread [`WalkEvent`]s. Opening
//! and reading is left to the caller, which owns the per-thread buffers.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

/// What to walk and what to leave out.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub roots: Vec<PathBuf>,
    pub threads: usize,
    /// Globs over display paths (relative to the root) that are not scanned.
    pub excludes: Vec<String>,
    /// Files larger than this are skipped and counted.
    pub max_file_size: Option<u64>,
    pub follow_links: bool,
}

/// A regular file to scan.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Path to open.
    pub path: PathBuf,
    /// Path to show: relative to the root when scanning one directory.
    pub display: String,
    pub size: u64,
}

/// Why a path was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    TooLarge,
    Binary,
    /// A FIFO, socket or device.
    NotRegular,
    /// A symbolic link, not followed without `--follow`.
    Link,
    /// A directory: walked into, never reported as skipped.
    Directory,
}

impl SkipReason {
    /// In words, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "over the size limit",
            SkipReason::Binary => "binary",
            SkipReason::NotRegular => "not a regular file",
            SkipReason::Link => "a symbolic link, not followed",
            SkipReason::Directory => "a directory",
        }
    }
}

/// One thing the walk found.
#[derive(Debug)]
pub enum WalkEvent {
    File(FileEntry),
    Skipped { display: String, reason: SkipReason },
    Error { display: String, message: String },
}

/// A root that does not exist or cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{path}: no such file or directory")]
    Missing { path: String },
    #[error("{path}: cannot be read: {cause}")]
    Unreadable { path: String, cause: String },
    #[error("--exclude {glob:?}: {cause}")]
    BadExclude { glob: String, cause: String },
}

/// Checks the roots and excludes before any thread starts.
pub fn check(options: &WalkOptions) -> Result<GlobSet, WalkError> {
    for root in &options.roots {
        check_root(root)?;
    }
    let mut builder = GlobSetBuilder::new();
    for glob in &options.excludes {
        let g = Glob::new(glob).map_err(|e| WalkError::BadExclude { glob: glob.clone(), cause: e.to_string() })?;
        builder.add(g);
        // `dir` also excludes everything below it.
        if !glob.ends_with("/**") {
            if let Ok(g) = Glob::new(&format!("{}/**", glob.trim_end_matches('/'))) {
                builder.add(g);
            }
        }
    }
    builder.build().map_err(|e| WalkError::BadExclude { glob: options.excludes.join(","), cause: e.to_string() })
}

/// A root named on the command line must be a readable directory or regular file: a
/// FIFO, a device (`/dev/stdin`) or a file without read permission is an error, not an
/// empty scan.
fn check_root(root: &Path) -> Result<(), WalkError> {
    let shown = root.display().to_string();
    let unreadable = |cause: String| WalkError::Unreadable { path: shown.clone(), cause };
    if std::fs::symlink_metadata(root).is_err() {
        return Err(WalkError::Missing { path: shown });
    }
    let meta = std::fs::metadata(root).map_err(|e| unreadable(e.to_string()))?;
    if meta.is_dir() {
        std::fs::read_dir(root).map_err(|e| unreadable(e.to_string()))?;
    } else {
        open(root).map_err(|e| unreadable(e.to_string()))?;
    }
    Ok(())
}

/// Walks every root in parallel. `visitor` is called once per worker thread and returns
/// that thread's event handler.
pub fn walk<'s, F>(options: &WalkOptions, excludes: &GlobSet, visitor: F)
where
    F: Fn() -> Box<dyn FnMut(WalkEvent) + Send + 's>,
{
    let Some((first, rest)) = options.roots.split_first() else { return };
    let mut builder = WalkBuilder::new(first);
    rest.iter().for_each(|r| {
        builder.add(r);
    });
    let namer = Namer::new(&options.roots);
    let filter_namer = namer.clone();
    let filter_excludes = excludes.clone();
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .follow_links(options.follow_links)
        .threads(options.threads)
        .filter_entry(move |entry| {
            if entry.file_name() == ".git" && entry.depth() > 0 {
                return false;
            }
            entry.depth() == 0
                || filter_excludes.is_empty()
                || !filter_excludes.is_match(filter_namer.display(entry.path()))
        });
    let max = options.max_file_size;
    builder.build_parallel().run(|| {
        let mut handle = visitor();
        let namer = namer.clone();
        Box::new(move |result| {
            handle(classify(result, &namer, max));
            WalkState::Continue
        })
    });
}

fn classify(result: Result<ignore::DirEntry, ignore::Error>, namer: &Namer, max: Option<u64>) -> WalkEvent {
    let entry = match result {
        Ok(entry) => entry,
        Err(err) => {
            let display = error_path(&err).map(|p| namer.display(p)).unwrap_or_default();
            return WalkEvent::Error { display, message: error_message(&err) };
        }
    };
    let display = namer.display(entry.path());
    let Some(file_type) = entry.file_type() else {
        return WalkEvent::Skipped { display, reason: SkipReason::NotRegular };
    };
    if file_type.is_dir() {
        // Directories produce no event of their own.
        return WalkEvent::Skipped { display, reason: SkipReason::Directory };
    }
    if file_type.is_symlink() {
        return WalkEvent::Skipped { display, reason: SkipReason::Link };
    }
    if !file_type.is_file() {
        return WalkEvent::Skipped { display, reason: SkipReason::NotRegular };
    }
    let size = match entry.metadata() {
        Ok(m) => m.len(),
        Err(err) => return WalkEvent::Error { display, message: error_message(&err) },
    };
    if max.is_some_and(|max| size > max) {
        return WalkEvent::Skipped { display, reason: SkipReason::TooLarge };
    }
    WalkEvent::File(FileEntry { path: entry.into_path(), display, size })
}

/// Opens a regular file for reading without blocking on special files swapped in since
/// the walk saw it.
pub fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: a FIFO put in place of a file must not hang the scan.
        options.custom_flags(nonblock_flag());
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

/// Reads at most `limit` bytes, then notes whether the input had more: a file that grows
/// while it is read (a log being written) ends at the limit instead of never.
pub struct Capped<R> {
    inner: R,
    left: u64,
    cut: bool,
}

impl<R: Read> Capped<R> {
    pub fn new(inner: R, limit: u64) -> Capped<R> {
        Capped { inner, left: limit, cut: false }
    }

    /// Whether reading stopped at the limit with more input left.
    pub fn was_cut(&self) -> bool {
        self.cut
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            if !self.cut && !buf.is_empty() {
                self.cut = self.inner.read(&mut [0u8; 1])? > 0;
            }
            return Ok(0);
        }
        let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

#[cfg(all(unix, any(target_os = "linux", target_os = "android")))]
fn nonblock_flag() -> i32 {
    0o4000
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn nonblock_flag() -> i32 {
    0x0004
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn error_message(err: &dyn std::fmt::Display) -> String {
    let text = err.to_string();
    // `ignore` prefixes the path; the caller shows it separately.
    text.rsplit_once(": ").map_or(text.clone(), |(_, cause)| cause.to_string())
}

/// Turns walked paths into display paths: relative to the root when there is exactly one
/// directory root, else as given.
#[derive(Debug, Clone)]
struct Namer {
    single_dir_root: Option<PathBuf>,
}

impl Namer {
    fn new(roots: &[PathBuf]) -> Namer {
        let single = match roots {
            [root] if root.is_dir() => Some(root.clone()),
            _ => None,
        };
        Namer { single_dir_root: single }
    }

    fn display(&self, path: &Path) -> String {
        let shown = match &self.single_dir_root {
            Some(root) => path.strip_prefix(root).unwrap_or(path),
            None => path,
        };
        let shown = shown.strip_prefix("./").unwrap_or(shown);
        display_path(shown)
    }
}

/// A path as text with `/` separators (lossy for invalid UTF-8; escaping is the printer's job).
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' { text.into_owned() } else { text.replace(std::path::MAIN_SEPARATOR, "/") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn events(options: &WalkOptions) -> Vec<String> {
        let excludes = check(options).unwrap();
        let seen = Mutex::new(Vec::new());
        walk(options, &excludes, || {
            let seen = &seen;
            Box::new(move |event| {
                let line = match event {
                    WalkEvent::File(f) => format!("file {}", f.display),
                    WalkEvent::Skipped { reason: SkipReason::NotRegular | SkipReason::Directory, .. } => return,
                    WalkEvent::Skipped { display, reason } => format!("skip {display} {reason:?}"),
                    WalkEvent::Error { display, .. } => format!("error {display}"),
                };
                seen.lock().unwrap().push(line);
            })
        });
        let mut out = seen.into_inner().unwrap();
        out.sort();
        out
    }

    #[test]
    fn walks_hidden_and_ignored_files_but_not_git_internals() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git/objects")).unwrap();
        std::fs::write(root.join(".git/config"), "x").unwrap();
        std::fs::write(root.join(".gitignore"), ".env\n").unwrap();
        std::fs::write(root.join(".env"), "A=1").unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/big.txt"), vec![b'a'; 100]).unwrap();
        let options = WalkOptions {
            roots: vec![root.to_path_buf()],
            threads: 2,
            excludes: vec![],
            max_file_size: Some(50),
            follow_links: false,
        };
        assert_eq!(events(&options), vec!["file .env", "file .gitignore", "skip src/big.txt TooLarge"]);
    }

    #[test]
    fn excludes_prune_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("target/debug/x"), "x").unwrap();
        std::fs::write(root.join("keep"), "x").unwrap();
        let options = WalkOptions {
            roots: vec![root.to_path_buf()],
            threads: 1,
            excludes: vec!["target".into()],
            max_file_size: None,
            follow_links: false,
        };
        assert_eq!(events(&options), vec!["file keep"]);
    }

    #[test]
    fn reads_of_a_growing_input_end_at_the_cap() {
        let mut endless = Capped::new(std::io::repeat(b'x'), 10_000);
        let mut out = Vec::new();
        endless.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 10_000);
        assert!(endless.was_cut());
        let mut exact = Capped::new(&[1u8; 10][..], 10);
        exact.read_to_end(&mut out).unwrap();
        assert!(!exact.was_cut());
    }

    #[test]
    fn missing_roots_fail_before_walking() {
        let options = WalkOptions {
            roots: vec![PathBuf::from("/nonexistent/keyreach")],
            threads: 1,
            excludes: vec![],
            max_file_size: None,
            follow_links: false,
        };
        assert_eq!(check(&options).unwrap_err().to_string(), "/nonexistent/keyreach: no such file or directory");
    }
}
