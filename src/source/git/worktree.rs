//! Work-tree classification with `gix`: is a file tracked, untracked or git-ignored?
//!
//! Only files with findings are classified, so a scan of a large tree pays for reading the
//! index once and for a few ignore look-ups, not for a second walk.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use gix::bstr::{BString, ByteSlice};
use gix::worktree::stack::state::ignore::Source;

use crate::source::Reach;

/// Labels paths under one scan root with their [`Reach`].
pub struct Classifier {
    repo: Option<Repo>,
}

struct Repo {
    repo: gix::Repository,
    workdir: PathBuf,
    tracked: HashSet<BString>,
    index: gix::worktree::Index,
}

impl Classifier {
    /// Finds the repository containing `root`, if any. Errors reading it are not fatal:
    /// everything is then `untracked`, which is what an agent sees anyway.
    pub fn for_root(root: &Path) -> Classifier {
        Classifier { repo: Repo::open(root) }
    }

    /// Classifies `paths` (as walked: the root joined with the relative path).
    pub fn classify<'p>(&self, paths: impl IntoIterator<Item = &'p Path>) -> HashMap<PathBuf, Reach> {
        let mut out = HashMap::new();
        let mut stack = self
            .repo
            .as_ref()
            .and_then(|r| r.repo.excludes(&r.index, None, Source::WorktreeThenIdMappingIfNotSkipped).ok());
        let mut dir_cache: HashMap<BString, bool> = HashMap::new();
        for path in paths {
            let reach = match (&self.repo, stack.as_mut()) {
                (Some(repo), Some(stack)) => repo.reach(path, stack, &mut dir_cache),
                _ => Reach::Untracked,
            };
            out.insert(path.to_path_buf(), reach);
        }
        out
    }
}

impl Repo {
    fn open(root: &Path) -> Option<Repo> {
        let start = if root.is_dir() {
            root
        } else {
            root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
        };
        let repo = gix::discover(start).ok()?;
        let workdir = repo.workdir()?.canonicalize().ok()?;
        let index = repo.index_or_empty().ok()?;
        let tracked = index.entries().iter().map(|e| e.path(&index).to_owned()).collect();
        Some(Repo { repo, workdir, tracked, index })
    }

    fn reach(&self, path: &Path, stack: &mut gix::AttributeStack<'_>, dir_cache: &mut HashMap<BString, bool>) -> Reach {
        let Some(rel) = self.relative(path) else { return Reach::Untracked };
        if self.tracked.contains(&rel) {
            return Reach::Tracked;
        }
        // Git ignores everything below an ignored directory: check each ancestor first.
        let mut prefix = BString::default();
        let parts: Vec<&[u8]> = rel.split_str("/").collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(part);
            let ignored = *dir_cache.entry(prefix.clone()).or_insert_with(|| {
                stack
                    .at_entry(prefix.as_bstr(), Some(gix::index::entry::Mode::DIR))
                    .map(|p| p.is_excluded())
                    .unwrap_or(false)
            });
            if ignored {
                return Reach::Ignored;
            }
        }
        let excluded = stack
            .at_entry(rel.as_bstr(), Some(gix::index::entry::Mode::FILE))
            .map(|p| p.is_excluded())
            .unwrap_or(false);
        if excluded { Reach::Ignored } else { Reach::Untracked }
    }

    /// `path` relative to the work tree, `/`-separated, or `None` when outside it.
    fn relative(&self, path: &Path) -> Option<BString> {
        let absolute = std::path::absolute(path).ok()?;
        let parent = absolute.parent()?.canonicalize().ok()?;
        let full = parent.join(absolute.file_name()?);
        let rel = full.strip_prefix(&self.workdir).ok()?;
        let mut out = BString::default();
        for c in rel.components() {
            let Component::Normal(part) = c else { return None };
            if !out.is_empty() {
                out.push(b'/');
            }
            out.extend_from_slice(gix::path::os_str_into_bstr(part).ok()?);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testrepo::git;
    use super::*;

    #[test]
    fn labels_tracked_untracked_and_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        std::fs::write(root.join(".gitignore"), ".env\nbuild/\n").unwrap();
        std::fs::write(root.join("tracked.txt"), "x").unwrap();
        git(root, &["add", ".gitignore", "tracked.txt"]);
        std::fs::write(root.join("new.txt"), "x").unwrap();
        std::fs::write(root.join(".env"), "x").unwrap();
        std::fs::create_dir_all(root.join("build/out")).unwrap();
        std::fs::write(root.join("build/out/x.txt"), "x").unwrap();
        let classifier = Classifier::for_root(root);
        let paths: Vec<PathBuf> =
            ["tracked.txt", "new.txt", ".env", "build/out/x.txt"].iter().map(|p| root.join(p)).collect();
        let labels = classifier.classify(paths.iter().map(PathBuf::as_path));
        let got: Vec<Reach> = paths.iter().map(|p| labels[p]).collect();
        assert_eq!(got, vec![Reach::Tracked, Reach::Untracked, Reach::Ignored, Reach::Ignored]);
    }

    #[test]
    fn outside_a_repository_everything_is_untracked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "x").unwrap();
        let classifier = Classifier { repo: None };
        let path = dir.path().join("a");
        assert_eq!(classifier.classify([path.as_path()])[&path], Reach::Untracked);
    }
}
