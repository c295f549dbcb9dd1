//! The history: which commits to look at (every ref, or those after `--since REV`), in
//! parent-first order, and the commit and path that introduced each wanted blob.
//!
//! Memory is a few bytes per commit and a bit per object, never the size of the history:
//! commits and trees are named by [`Handle`]s, the commit graph is two arrays of them, and
//! the sets of commits and trees seen are [`HandleSet`]s. Paths are built in one buffer
//! and kept only for the blobs asked about. Nothing here writes to the repository.

use std::collections::{HashMap, HashSet};

use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::hash::{ObjectId, oid};
use gix::objs::Kind;

use super::objects::{Handle, HandleSet, Objects, Reader};
use super::{GitError, GitRoot, one_line};
use crate::source::CommitRef;

/// One commit of the walked history.
#[derive(Debug, Clone, Copy)]
pub struct Commit {
    pub id: Handle,
    /// `None` when the repository lacks the commit's tree.
    pub tree: Option<Handle>,
}

/// The commits to scan, parents before children, and the trees just outside the range
/// (with `--since`): their content counts as already seen.
#[derive(Debug, Default)]
pub struct Commits {
    pub list: Vec<Commit>,
    pub boundary_trees: Vec<Handle>,
}

impl Commits {
    /// Commit `i` as a location names it: full id and author date (RFC 3339, UTC).
    pub fn commit_ref(&self, objects: &Objects, i: usize) -> CommitRef {
        let h = self.list[i].id;
        let mut buf = Vec::new();
        let seconds = objects
            .read(h, &mut Reader::new(0), &mut buf)
            .ok()
            .filter(|kind| *kind == Kind::Commit)
            .and_then(|_| gix::objs::CommitRefIter::from_bytes(&buf, objects.hash).author().ok())
            .and_then(|a| a.time().ok())
            .map(|t| t.seconds);
        let date = seconds
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        CommitRef { id: objects.id(h).to_string(), date }
    }
}

/// Delta-base cache for reading commits and trees (mostly deltas of their other versions).
/// Larger caches bought no measurable time
/// on curl's or a 1.5M-object history (trees are read once each) and cost their size at the
/// end of the scan, when the memory of the blob scan is still mapped.
const TREE_CACHE_BYTES: usize = 4 << 20;

/// Every commit reachable from any ref (and a detached HEAD); with `since`, only those
/// not reachable from that revision.
pub fn commits(root: &GitRoot, objects: &Objects, since: Option<&str>) -> Result<Commits, GitError> {
    let repo = root.repo.to_thread_local();
    let mut reader = Reader::new(TREE_CACHE_BYTES);
    let tips = tips(&repo, objects, &mut reader).map_err(|e| root.error(e))?;
    let hidden = match since {
        None => None,
        Some(rev) => {
            let bad = |cause: String| GitError::BadRevision { rev: rev.to_string(), cause: one_line(&cause) };
            let hidden = repo
                .rev_parse_single(rev)
                .map_err(|e| bad(e.to_string()))?
                .object()
                .map_err(|e| bad(e.to_string()))?
                .peel_to_commit()
                .map_err(|_| bad("does not name a commit".into()))?
                .id;
            let start = objects.handle(&hidden).ok_or_else(|| bad("not in the object database".into()))?;
            Some(reachable(objects, &mut reader, start))
        }
    };
    walk_commits(objects, &mut reader, tips, hidden.as_ref()).map_err(|e| root.error(e))
}

/// The objects that refs and HEAD point at, tags peeled (through [`Objects`], so that no
/// other mapping of the packs is read), sorted and distinct. Symbolic refs name other refs,
/// which are listed themselves.
fn tips(repo: &gix::Repository, objects: &Objects, reader: &mut Reader) -> Result<Vec<Handle>, String> {
    let mut ids = Vec::new();
    let platform = repo.references().map_err(|e| e.to_string())?;
    for reference in platform.all().map_err(|e| e.to_string())? {
        let Ok(reference) = reference else { continue };
        ids.extend(reference.target().try_id().map(ToOwned::to_owned));
    }
    if let Some(head) = repo.head().ok().and_then(|h| h.id()) {
        ids.push(head.detach());
    }
    ids.sort();
    ids.dedup();
    let mut buf = Vec::new();
    let mut tips: Vec<Handle> = ids.iter().filter_map(|id| peel(objects, reader, &mut buf, id)).collect();
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// The object a tag chain ends at (the object itself when it is not a tag).
fn peel(objects: &Objects, reader: &mut Reader, buf: &mut Vec<u8>, id: &oid) -> Option<Handle> {
    let mut h = objects.handle(id)?;
    for _ in 0..64 {
        if objects.read(h, reader, buf).ok()? != Kind::Tag {
            return Some(h);
        }
        let target = gix::objs::TagRefIter::from_bytes(buf, objects.hash).target_id().ok()?;
        h = objects.handle(&target)?;
    }
    None
}

/// The commit `h`'s tree and parents; `None` when `h` is not a readable commit (a tag may
/// name a tree or a blob).
fn read_commit(
    objects: &Objects,
    reader: &mut Reader,
    buf: &mut Vec<u8>,
    h: Handle,
    parents: &mut Vec<ObjectId>,
) -> Option<ObjectId> {
    if objects.read(h, reader, buf).ok()? != Kind::Commit {
        return None;
    }
    let mut commit = gix::objs::CommitRefIter::from_bytes(buf, objects.hash);
    let tree = commit.tree_id().ok()?;
    parents.clear();
    parents.extend(commit.parent_ids());
    Some(tree)
}

/// Every commit reachable from `start`.
fn reachable(objects: &Objects, reader: &mut Reader, start: Handle) -> HandleSet {
    let mut seen = HandleSet::for_objects(objects);
    let (mut buf, mut parents) = (Vec::new(), Vec::new());
    let mut queue = vec![start];
    while let Some(h) = queue.pop() {
        if !seen.insert(h) || read_commit(objects, reader, &mut buf, h, &mut parents).is_none() {
            continue;
        }
        queue.extend(parents.iter().filter_map(|p| objects.handle(p)));
    }
    seen
}

/// Reads every commit reachable from `tips` once (but none of `hidden`), then orders them
/// parents first. Hidden parents are the boundary; missing ones (a shallow clone's) end
/// the walk there.
fn walk_commits(
    objects: &Objects,
    reader: &mut Reader,
    tips: Vec<Handle>,
    hidden: Option<&HandleSet>,
) -> Result<Commits, String> {
    let is_hidden = |h: Handle| hidden.is_some_and(|set| set.contains(h));
    let mut seen = HandleSet::for_objects(objects);
    let mut list: Vec<Commit> = Vec::new();
    // The parents of commit `i` are `parents[starts[i]..starts[i + 1]]`, as handles.
    let mut starts: Vec<u32> = vec![0];
    let mut parent_handles: Vec<Handle> = Vec::new();
    let mut boundary: Vec<Handle> = Vec::new();
    let (mut buf, mut ids) = (Vec::new(), Vec::new());
    let mut queue: Vec<Handle> = tips.into_iter().filter(|&h| !is_hidden(h)).collect();
    while let Some(h) = queue.pop() {
        if !seen.insert(h) {
            continue;
        }
        let Some(tree) = read_commit(objects, reader, &mut buf, h, &mut ids) else { continue };
        list.push(Commit { id: h, tree: objects.handle(&tree) });
        for p in ids.iter().filter_map(|p| objects.handle(p)) {
            if is_hidden(p) {
                boundary.push(p);
            } else {
                parent_handles.push(p);
                queue.push(p);
            }
        }
        starts.push(u32::try_from(parent_handles.len()).map_err(|_| "too many commits".to_string())?);
    }
    // Parent handles → positions in `list`.
    let mut position: Vec<(Handle, u32)> = list.iter().enumerate().map(|(i, c)| (c.id, i as u32)).collect();
    position.sort_unstable();
    let parents: Vec<u32> = parent_handles
        .iter()
        .map(|p| position.binary_search_by_key(p, |&(h, _)| h).map_or(u32::MAX, |i| position[i].1))
        .collect();
    drop(position);
    drop(parent_handles);
    boundary.sort();
    boundary.dedup();
    let mut boundary_trees = Vec::new();
    for b in boundary {
        if let Some(tree) = read_commit(objects, reader, &mut buf, b, &mut ids).and_then(|t| objects.handle(&t)) {
            boundary_trees.push(tree);
        }
    }
    let order = topological(list.len(), &starts, &parents);
    let list = order.into_iter().map(|i| list[i as usize]).collect();
    Ok(Commits { list, boundary_trees })
}

/// Orders `n` commits so every commit comes after its parents (iterative depth-first
/// post-order from the newest commits); ties keep the walk's order, so it is stable.
fn topological(n: usize, starts: &[u32], parents: &[u32]) -> Vec<u32> {
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for start in 0..n as u32 {
        if state[start as usize] != 0 {
            continue;
        }
        stack.push((start, starts[start as usize]));
        state[start as usize] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < starts[node as usize + 1] {
                let p = parents[*next as usize];
                *next += 1;
                if p != u32::MAX && state[p as usize] == 0 {
                    state[p as usize] = 1;
                    stack.push((p, starts[p as usize]));
                }
            } else {
                state[node as usize] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    order
}

/// Where a blob first appeared: its path (from the repository's top) and the commit (an index into
/// [`Commits::list`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introduced {
    pub path: BString,
    pub commit: usize,
}

/// Walks each commit's tree, oldest first, and records for every blob of `wanted` the
/// first commit and path it appears at: with parents walked first, that commit introduced
/// it. Stops once all are found.
pub fn introductions(
    root: &GitRoot,
    objects: &Objects,
    commits: &Commits,
    wanted: &HashSet<ObjectId>,
) -> Result<HashMap<ObjectId, Introduced>, GitError> {
    let mut found = HashMap::new();
    let mut walker = TreeWalker::new(root, objects);
    for (index, commit) in commits.list.iter().enumerate() {
        let done = walker
            .commit(commit, &mut |id, path| {
                if wanted.contains(id) && !found.contains_key(id) {
                    found.insert(id.to_owned(), Introduced { path: path.to_owned(), commit: index });
                }
                found.len() == wanted.len()
            })
            .map_err(|e| root.error(e))?;
        if done {
            break;
        }
    }
    Ok(found)
}

/// Every blob the range's commits add (under the root's prefix): those in no boundary
/// tree. Four bytes a blob; [`introductions`] names the ones that matter afterwards.
pub fn new_blobs(root: &GitRoot, objects: &Objects, commits: &Commits) -> Result<Vec<Handle>, GitError> {
    let mut walker = TreeWalker::new(root, objects);
    let mut old = HandleSet::for_objects(objects);
    for &tree in &commits.boundary_trees {
        let boundary = Commit { id: tree, tree: Some(tree) };
        walker
            .commit(&boundary, &mut |id, _| {
                if let Some(h) = objects.handle(id) {
                    old.insert(h);
                }
                false
            })
            .map_err(|e| root.error(e))?;
    }
    let mut new = Vec::new();
    for commit in &commits.list {
        walker
            .commit(commit, &mut |id, _| {
                if let Some(h) = objects.handle(id) {
                    if old.insert(h) {
                        new.push(h);
                    }
                }
                false
            })
            .map_err(|e| root.error(e))?;
    }
    Ok(new)
}

/// Trees nested deeper than this are not walked (git itself refuses 4096).
const MAX_DEPTH: usize = 4096;

/// Walks trees, each distinct tree once: its blobs were seen the first time. Only paths
/// under the root's prefix count; symlinks and submodules are not content.
struct TreeWalker<'r> {
    objects: &'r Objects,
    reader: Reader,
    seen_trees: HandleSet,
    /// One read buffer per depth, reused.
    buffers: Vec<Vec<u8>>,
    prefix: BString,
    path: BString,
}

type BlobVisit<'v> = dyn FnMut(&oid, &BStr) -> bool + 'v;

impl<'r> TreeWalker<'r> {
    fn new(root: &GitRoot, objects: &'r Objects) -> Self {
        TreeWalker {
            objects,
            reader: Reader::new(TREE_CACHE_BYTES),
            seen_trees: HandleSet::for_objects(objects),
            buffers: Vec::new(),
            prefix: root.prefix.clone(),
            // Paths are recorded from the repository's top, like the index's.
            path: root.prefix.clone(),
        }
    }

    /// Visits the blobs of `commit`'s tree not seen before; true when `visit` said stop.
    fn commit(&mut self, commit: &Commit, visit: &mut BlobVisit<'_>) -> Result<bool, String> {
        let Some(tree) = commit.tree else { return Ok(false) };
        let prefix = std::mem::take(&mut self.prefix);
        let start = self.descend_prefix(tree, prefix.as_bstr());
        self.prefix = prefix;
        match start? {
            Some(start) => self.walk(start, 0, visit),
            None => Ok(false),
        }
    }

    /// The tree at `prefix` inside `tree`, if there is one.
    fn descend_prefix(&mut self, tree: Handle, prefix: &BStr) -> Result<Option<Handle>, String> {
        let mut current = tree;
        let mut buf = Vec::new();
        for part in prefix.split_str("/").filter(|p| !p.is_empty()) {
            if self.objects.read(current, &mut self.reader, &mut buf)? != Kind::Tree {
                return Ok(None);
            }
            let next = gix::objs::TreeRefIter::from_bytes(&buf, self.objects.hash)
                .filter_map(Result::ok)
                .find(|e| e.filename == part && e.mode.is_tree())
                .map(|e| e.oid.to_owned());
            match next.and_then(|id| self.objects.handle(&id)) {
                Some(h) => current = h,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// Visits the blobs of `tree` not seen before; `visit` returns true to stop.
    fn walk(&mut self, tree: Handle, depth: usize, visit: &mut BlobVisit<'_>) -> Result<bool, String> {
        if !self.seen_trees.insert(tree) {
            return Ok(false);
        }
        if depth >= MAX_DEPTH {
            return Err(format!("tree {} is nested more than {MAX_DEPTH} levels deep", self.objects.id(tree)));
        }
        if self.buffers.len() <= depth {
            self.buffers.resize_with(depth + 1, Vec::new);
        }
        let mut buf = std::mem::take(&mut self.buffers[depth]);
        let result = self.walk_entries(tree, depth, &mut buf, visit);
        self.buffers[depth] = buf;
        result
    }

    fn walk_entries(
        &mut self,
        tree: Handle,
        depth: usize,
        buf: &mut Vec<u8>,
        visit: &mut BlobVisit<'_>,
    ) -> Result<bool, String> {
        if self.objects.read(tree, &mut self.reader, buf)? != Kind::Tree {
            return Ok(false);
        }
        for entry in gix::objs::TreeRefIter::from_bytes(buf, self.objects.hash) {
            let entry = entry.map_err(|e| format!("tree {}: {e}", self.objects.id(tree)))?;
            let len = self.path.len();
            if !self.path.is_empty() {
                self.path.push(b'/');
            }
            self.path.push_str(entry.filename);
            let stop = if entry.mode.is_tree() {
                match self.objects.handle(entry.oid) {
                    Some(sub) => self.walk(sub, depth + 1, visit)?,
                    None => false,
                }
            } else if entry.mode.is_blob() {
                visit(entry.oid, self.path.as_bstr())
            } else {
                false
            };
            self.path.truncate(len);
            if stop {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testrepo::{blob_id, commit, git, repo, write};
    use super::*;

    #[test]
    fn commits_come_parents_first_with_their_author_dates() {
        let dir = repo();
        let d = dir.path();
        write(d, "a", "1");
        let first = commit(d, "one");
        git(d, &["checkout", "-q", "-b", "side"]);
        write(d, "b", "2");
        let side = commit(d, "side");
        git(d, &["checkout", "-q", "main"]);
        write(d, "c", "3");
        let main = commit(d, "main");
        let root = GitRoot::discover(d).unwrap();
        let objects = Objects::open(&root).unwrap();
        let all = commits(&root, &objects, None).unwrap();
        let ids: Vec<String> = all.list.iter().map(|c| objects.id(c.id).to_string()).collect();
        assert_eq!(ids.len(), 3, "every ref's commits, once");
        let pos = |id: &str| ids.iter().position(|x| x == id).unwrap();
        assert!(pos(&first) < pos(&side) && pos(&first) < pos(&main));
        let first_ref = all.commit_ref(&objects, 0);
        assert_eq!((first_ref.id, first_ref.date.as_deref()), (first, Some("2024-01-02T03:04:05Z")));
    }

    #[test]
    fn since_keeps_only_later_commits_and_treats_older_content_as_seen() {
        let dir = repo();
        let d = dir.path();
        write(d, "old.txt", "old");
        let first = commit(d, "one");
        write(d, "new.txt", "new");
        let second = commit(d, "two");
        let root = GitRoot::discover(d).unwrap();
        let objects = Objects::open(&root).unwrap();
        let range = commits(&root, &objects, Some(&first)).unwrap();
        assert_eq!(range.list.iter().map(|c| objects.id(c.id).to_string()).collect::<Vec<_>>(), [second]);
        assert_eq!(range.boundary_trees.len(), 1);
        let new: Vec<ObjectId> =
            new_blobs(&root, &objects, &range).unwrap().into_iter().map(|h| objects.id(h)).collect();
        assert_eq!(new, [blob_id(d, "new.txt")], "old.txt predates --since");
        let err = commits(&root, &objects, Some("no-such-rev")).unwrap_err();
        assert!(err.to_string().starts_with("--since no-such-rev:"), "{err}");
    }

    #[test]
    fn introductions_name_the_first_commit_and_path_of_a_blob() {
        let dir = repo();
        let d = dir.path();
        write(d, "docs/token.txt", "secret-ish");
        commit(d, "one");
        write(d, "copy/token.txt", "secret-ish");
        write(d, "other.txt", "x");
        commit(d, "two");
        let root = GitRoot::discover(d).unwrap();
        let objects = Objects::open(&root).unwrap();
        let all = commits(&root, &objects, None).unwrap();
        let wanted: HashSet<ObjectId> = [blob_id(d, "copy/token.txt")].into();
        let found = introductions(&root, &objects, &all, &wanted).unwrap();
        let intro = &found[&blob_id(d, "docs/token.txt")];
        assert_eq!((intro.path.to_string(), intro.commit), ("docs/token.txt".to_string(), 0));
        assert_eq!(found.len(), 1, "only the wanted blob");
    }

    #[test]
    fn a_root_below_the_top_sees_only_its_own_paths() {
        let dir = repo();
        let d = dir.path();
        write(d, "app/a.txt", "in app");
        write(d, "lib/b.txt", "in lib");
        commit(d, "one");
        let root = GitRoot::discover(&d.join("app")).unwrap();
        let objects = Objects::open(&root).unwrap();
        let all = commits(&root, &objects, None).unwrap();
        let new = new_blobs(&root, &objects, &all).unwrap();
        assert_eq!(new.iter().map(|&h| objects.id(h)).collect::<Vec<_>>(), [blob_id(d, "app/a.txt")]);
        let wanted: HashSet<ObjectId> = [blob_id(d, "app/a.txt"), blob_id(d, "lib/b.txt")].into();
        let found = introductions(&root, &objects, &all, &wanted).unwrap();
        let paths: Vec<String> = found.values().map(|i| i.path.to_string()).collect();
        assert_eq!(paths, ["app/a.txt"]);
    }
}
