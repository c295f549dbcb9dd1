//! What a commit would record: the index's blobs for files added or modified relative to
//! `HEAD` (renamed files count as added at their new path), read with `gix`.
//!
//! Deletions, mode-only changes, submodules, symlinks, conflicted and intent-to-add
//! entries produce nothing. A repository with no commits yet has everything staged. The
//! index's cache-tree extension lets unchanged directories be skipped without reading
//! their trees, so a small change in a large repository reads a few trees. Nothing here
//! writes to the repository (index, refs and config are only read).

use std::collections::HashMap;

use gix::bstr::{BStr, BString, ByteSlice};
use gix::hash::ObjectId;
use gix::index::entry::{Mode, Stage};
use gix::objs::{FindExt, Kind};

use super::{GitError, GitRoot};

/// A staged file: its path in the repository and the blob the index holds for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    pub path: BString,
    pub id: ObjectId,
}

/// The files a commit would add or change, in index (path) order.
pub fn staged_files(root: &GitRoot) -> Result<Vec<StagedFile>, GitError> {
    let repo = root.repo.to_thread_local();
    let error = |cause: String| GitError::Repository {
        path: root.git_dir.display().to_string(),
        cause: cause.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    if repo.is_bare() {
        return Err(error("a bare repository has no index to scan".into()));
    }
    let index = repo.index_or_empty().map_err(|e| error(e.to_string()))?;
    let head_tree = match repo.head_tree_id() {
        Ok(id) => Some(id.detach()),
        Err(_) if repo.head().is_ok_and(|h| h.is_unborn()) => None,
        Err(e) => return Err(error(format!("cannot read HEAD: {e}"))),
    };
    let mut head = HeadTree { repo: &repo, root: head_tree, dirs: HashMap::new() };
    let mut unchanged: Vec<BString> = Vec::new();
    if let Some(tree) = index.tree() {
        head.unchanged_dirs(tree, &mut BString::default(), &mut unchanged);
    }
    // Entries under one directory are contiguous in the index: skip them by range.
    let mut skip: Vec<std::ops::Range<usize>> = unchanged
        .iter()
        .filter_map(|dir| {
            let mut prefix = dir.clone();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            index.prefixed_entries_range(prefix.as_bstr())
        })
        .collect();
    skip.sort_by_key(|r| r.start);
    let mut skip = skip.into_iter().peekable();
    let mut out = Vec::new();
    let entries = index.entries();
    let mut i = 0;
    while i < entries.len() {
        while skip.peek().is_some_and(|r| r.end <= i) {
            skip.next();
        }
        if let Some(r) = skip.peek().filter(|r| r.start <= i) {
            i = r.end;
            continue;
        }
        let entry = &entries[i];
        i += 1;
        if entry.stage() != Stage::Unconflicted
            || entry.flags.contains(gix::index::entry::Flags::INTENT_TO_ADD)
            || !matches!(entry.mode, Mode::FILE | Mode::FILE_EXECUTABLE)
        {
            continue;
        }
        let path = entry.path(&index);
        if head.blob_at(path).is_some_and(|id| id == entry.id) {
            continue;
        }
        out.push(StagedFile { path: path.to_owned(), id: entry.id });
    }
    Ok(out)
}

/// One directory of `HEAD`: name → (id, is a tree).
type Listing = HashMap<BString, (ObjectId, bool)>;

/// Lazily read trees of `HEAD`, by directory path.
struct HeadTree<'r> {
    repo: &'r gix::Repository,
    root: Option<ObjectId>,
    /// Directory path → its entries (name → (id, is tree)); `None` when absent in HEAD.
    dirs: HashMap<BString, Option<Listing>>,
}

impl HeadTree<'_> {
    /// Directories whose index cache-tree is valid and equal to HEAD's tree there: nothing
    /// below them is staged.
    fn unchanged_dirs(&mut self, node: &gix::index::extension::Tree, path: &mut BString, out: &mut Vec<BString>) {
        if node.num_entries.is_some() && self.tree_at(path.as_bstr()) == Some(node.id) {
            out.push(path.clone());
            return;
        }
        for child in &node.children {
            let len = path.len();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(&child.name);
            self.unchanged_dirs(child, path, out);
            path.truncate(len);
        }
    }

    /// The tree id at directory `path` ("" is the root).
    fn tree_at(&mut self, path: &BStr) -> Option<ObjectId> {
        if path.is_empty() {
            return self.root;
        }
        let (parent, name) = split(path);
        match self.listing(parent)?.get(name) {
            Some((id, true)) => Some(*id),
            _ => None,
        }
    }

    /// The blob id at file `path` in HEAD.
    fn blob_at(&mut self, path: &BStr) -> Option<ObjectId> {
        let (parent, name) = split(path);
        match self.listing(parent)?.get(name) {
            Some((id, false)) => Some(*id),
            _ => None,
        }
    }

    fn listing(&mut self, dir: &BStr) -> Option<&Listing> {
        if !self.dirs.contains_key(dir) {
            let listing = self.tree_at(dir).and_then(|id| self.read(id));
            self.dirs.insert(dir.to_owned(), listing);
        }
        self.dirs.get(dir).and_then(Option::as_ref)
    }

    fn read(&self, tree: ObjectId) -> Option<Listing> {
        let mut buf = Vec::new();
        let data = self.repo.objects.find(&tree, &mut buf).ok()?;
        if data.kind != Kind::Tree {
            return None;
        }
        let entries = gix::objs::TreeRefIter::from_bytes(data.data, self.repo.object_hash());
        Some(
            entries
                .filter_map(Result::ok)
                .map(|e| (e.filename.to_owned(), (e.oid.to_owned(), e.mode.is_tree())))
                .collect(),
        )
    }
}

/// `a/b/c` → (`a/b`, `c`); `c` → (``, `c`).
fn split(path: &BStr) -> (&BStr, &BStr) {
    match path.rfind_byte(b'/') {
        Some(i) => (path[..i].as_bstr(), path[i + 1..].as_bstr()),
        None => (b"".as_bstr(), path),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testrepo::{blob_id, commit, git, repo, write};
    use super::*;

    fn staged(dir: &std::path::Path) -> Vec<(String, ObjectId)> {
        let root = GitRoot::discover(dir).unwrap();
        staged_files(&root).unwrap().into_iter().map(|f| (f.path.to_string(), f.id)).collect()
    }

    #[test]
    fn lists_added_and_modified_files_not_deleted_or_unchanged_ones() {
        let dir = repo();
        let d = dir.path();
        write(d, "keep.txt", "same");
        write(d, "src/change.rs", "old");
        write(d, "gone.txt", "bye");
        commit(d, "one");
        write(d, "src/change.rs", "new");
        write(d, "src/added.rs", "added");
        std::fs::remove_file(d.join("gone.txt")).unwrap();
        git(d, &["add", "-A"]);
        write(d, "unstaged.txt", "not added");
        let got = staged(d);
        let want = vec![
            ("src/added.rs".to_string(), blob_id(d, "src/added.rs")),
            ("src/change.rs".to_string(), blob_id(d, "src/change.rs")),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn the_staged_version_is_listed_not_the_working_trees() {
        let dir = repo();
        let d = dir.path();
        write(d, "a.txt", "one");
        commit(d, "one");
        write(d, "a.txt", "staged");
        git(d, &["add", "a.txt"]);
        let staged_id = blob_id(d, "a.txt");
        write(d, "a.txt", "edited after staging");
        assert_eq!(staged(d), vec![("a.txt".to_string(), staged_id)]);
    }

    #[test]
    fn a_renamed_file_counts_at_its_new_path_and_an_empty_repository_has_everything_staged() {
        let dir = repo();
        let d = dir.path();
        write(d, "old/name.txt", "content");
        git(d, &["add", "-A"]);
        assert_eq!(staged(d).len(), 1, "no commit yet: everything is staged");
        commit(d, "one");
        git(d, &["mv", "old/name.txt", "new-name.txt"]);
        let got = staged(d);
        assert_eq!(got.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["new-name.txt"]);
    }
}
