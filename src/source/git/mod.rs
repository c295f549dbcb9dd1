//! Git content with `gix` (never the `git` binary), split by concern: [`worktree`] labels
//! work-tree files tracked, untracked or ignored; [`index`] lists what the next commit would
//! record; [`commits`] walks the history and finds which commit and path introduced a blob;
//! [`blobs`] reads blob contents (whole packs as delta forests, or a given list), both over
//! [`objects`], the object reader whose memory does not grow with the repository. This file
//! finds the repository a scan root is in. Nothing here writes to a repository.

pub mod blobs;
pub mod commits;
pub mod index;
pub mod objects;
pub mod remote;
#[cfg(test)]
mod testrepo;
pub mod worktree;

use std::path::{Path, PathBuf};

use gix::bstr::{BStr, BString, ByteSlice, ByteVec};

/// Which git content a scan reads: the history besides the working tree, or only what is
/// staged.
#[derive(Debug, Clone, Default)]
pub struct GitOptions {
    /// Also scan every blob in the history (`--history`).
    pub history: bool,
    /// Only history after this revision (`--since REV`; implies `history`).
    pub since: Option<String>,
    /// Scan the staged index instead of the working tree (`--staged`).
    pub staged: bool,
    /// Roots that are clones of remote repositories (`--git-url`): the clone's directory
    /// and the URL locations show (without credentials). Their history alone is scanned.
    pub remotes: Vec<(PathBuf, String)>,
}

/// Something about a repository that stops a git scan; the message names the cause.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: not inside a git repository")]
    NotARepository { path: String },
    #[error("{path}: {cause}")]
    Repository { path: String, cause: String },
    #[error("--since {rev}: {cause}")]
    BadRevision { rev: String, cause: String },
}

/// One scan root inside a repository.
pub struct GitRoot {
    pub repo: gix::ThreadSafeRepository,
    /// The root relative to the work tree, `/`-separated, without a trailing `/`; empty
    /// for the work tree itself (or for a bare repository).
    pub prefix: BString,
    /// The git directory, for messages.
    pub git_dir: PathBuf,
}

impl GitRoot {
    /// Finds the repository containing `root`.
    pub fn discover(root: &Path) -> Result<GitRoot, GitError> {
        let shown = root.display().to_string();
        let start = if root.is_dir() { root } else { root.parent().unwrap_or(Path::new(".")) };
        let start = if start.as_os_str().is_empty() { Path::new(".") } else { start };
        let repo =
            gix::ThreadSafeRepository::discover(start).map_err(|_| GitError::NotARepository { path: shown.clone() })?;
        let git_dir = repo.git_dir().to_path_buf();
        let prefix = match repo.work_dir() {
            Some(workdir) => relative(workdir, root).ok_or(GitError::NotARepository { path: shown })?,
            None => BString::default(),
        };
        Ok(GitRoot { repo, prefix, git_dir })
    }

    /// Maps a repository path to a path under this root (`None` when outside it).
    pub fn strip<'p>(&self, path: &'p BStr) -> Option<&'p BStr> {
        if self.prefix.is_empty() {
            return Some(path);
        }
        let rest = path.strip_prefix(self.prefix.as_slice())?;
        if rest.is_empty() {
            // The root is this very file.
            return Some(path.rsplit_str("/").next().unwrap_or(path).as_bstr());
        }
        rest.strip_prefix(b"/").map(ByteSlice::as_bstr)
    }

    pub(crate) fn error(&self, cause: impl std::fmt::Display) -> GitError {
        GitError::Repository { path: self.git_dir.display().to_string(), cause: one_line(&cause.to_string()) }
    }
}

/// The content `path` (a file in a work tree) has in the repository's `HEAD` commit:
/// `None` when it is not in a repository, the repository has no commit yet, or `HEAD` has no
/// file there. Only reads.
pub fn committed_file(path: &Path) -> Option<Vec<u8>> {
    let root = GitRoot::discover(path).ok()?;
    let repo = root.repo.to_thread_local();
    let tree = repo.head_tree().ok()?;
    let rel = root.prefix.to_str().ok()?;
    let entry = tree.lookup_entry_by_path(rel).ok()??;
    if !entry.mode().is_blob() {
        return None;
    }
    Some(entry.object().ok()?.detach().data)
}

/// `path` relative to `workdir`, `/`-separated; `None` when outside it.
fn relative(workdir: &Path, path: &Path) -> Option<BString> {
    let workdir = workdir.canonicalize().ok()?;
    let full = std::path::absolute(path).ok()?;
    let full = full.canonicalize().unwrap_or(full);
    let rel = full.strip_prefix(&workdir).ok()?;
    let mut out = BString::default();
    for part in rel.components() {
        let std::path::Component::Normal(part) = part else { return None };
        if !out.is_empty() {
            out.push(b'/');
        }
        out.push_str(gix::path::os_str_into_bstr(part).ok()?);
    }
    Some(out)
}

pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::testrepo::{commit, repo, write};
    use super::*;

    #[test]
    fn a_root_below_the_work_tree_is_a_prefix_and_strips_paths() {
        let dir = repo();
        write(dir.path(), "app/config/.env", "x");
        commit(dir.path(), "one");
        let root = GitRoot::discover(&dir.path().join("app")).unwrap();
        assert_eq!(root.prefix, "app");
        assert_eq!(root.strip(b"app/config/.env".as_bstr()), Some(b"config/.env".as_bstr()));
        assert_eq!(root.strip(b"other/x".as_bstr()), None);
        assert_eq!(root.strip(b"application/x".as_bstr()), None, "a sibling sharing the prefix is outside");
        let whole = GitRoot::discover(dir.path()).unwrap();
        assert!(whole.prefix.is_empty());
        assert_eq!(whole.strip(b"app/x".as_bstr()), Some(b"app/x".as_bstr()));
    }

    #[test]
    fn a_file_root_strips_to_its_own_name() {
        let dir = repo();
        write(dir.path(), "app/.env", "x");
        commit(dir.path(), "one");
        let root = GitRoot::discover(&dir.path().join("app/.env")).unwrap();
        assert_eq!(root.strip(b"app/.env".as_bstr()), Some(b".env".as_bstr()));
    }

    #[test]
    fn committed_files_are_read_from_head_not_the_working_tree() {
        let dir = repo();
        write(dir.path(), "sub/keyreach.toml", "committed");
        commit(dir.path(), "one");
        write(dir.path(), "sub/keyreach.toml", "edited");
        write(dir.path(), "new.toml", "never committed");
        assert_eq!(committed_file(&dir.path().join("sub/keyreach.toml")).as_deref(), Some(b"committed".as_slice()));
        assert_eq!(committed_file(&dir.path().join("new.toml")), None);
        assert_eq!(committed_file(&dir.path().join("sub")), None, "a tree is not a file");
    }

    #[test]
    fn outside_a_repository_is_a_one_line_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = GitRoot::discover(dir.path()).map(|_| ()).unwrap_err();
        assert!(matches!(err, GitError::NotARepository { .. }), "{err}");
        assert!(err.to_string().ends_with("not inside a git repository"));
    }
}
