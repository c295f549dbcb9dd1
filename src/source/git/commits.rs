//! The history: which commits to look at (every ref, or those after `--since REV`), in
//! parent-first order, and the commit and path that introduced each wanted blob.
//!
//! Memory is bounded by the number of commits and distinct trees (ids only), never by the
//! size of the history. Nothing here writes to the repository.

use std::collections::{HashMap, HashSet};

use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::hash::ObjectId;
use gix::objs::{FindExt, Kind};
use gix::prelude::HeaderExt;

use super::{GitError, GitRoot, one_line};
use crate::source::CommitRef;

/// One commit of the walked history.
#[derive(Debug, Clone)]
pub struct Commit {
    pub id: ObjectId,
    pub tree: ObjectId,
    /// Author time, seconds since the epoch.
    pub author_seconds: Option<i64>,
}

impl Commit {
    /// The commit as a location names it: full id and author date (RFC 3339, UTC).
    pub fn to_ref(&self) -> CommitRef {
        let date = self
            .author_seconds
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        CommitRef { id: self.id.to_string(), date }
    }
}

/// The commits to scan, parents before children, and the trees just outside the range
/// (with `--since`): their content counts as already seen.
#[derive(Debug, Default)]
pub struct Commits {
    pub list: Vec<Commit>,
    pub boundary_trees: Vec<ObjectId>,
}

/// Every commit reachable from any ref (and a detached HEAD); with `since`, only those
/// not reachable from that revision.
pub fn commits(root: &GitRoot, since: Option<&str>) -> Result<Commits, GitError> {
    let repo = root.repo.to_thread_local();
    let tips = tips(&repo).map_err(|e| root.error(e))?;
    let included: Option<HashSet<ObjectId>> = match since {
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
            let walk = repo.rev_walk(tips.iter().copied()).with_hidden([hidden]).all().map_err(|e| root.error(e))?;
            let mut set = HashSet::new();
            for info in walk {
                set.insert(info.map_err(|e| root.error(e))?.id);
            }
            Some(set)
        }
    };
    let wanted = |id: &ObjectId| included.as_ref().is_none_or(|s| s.contains(id));
    walk_commits(&repo, tips.into_iter().filter(|t| wanted(t)).collect(), wanted).map_err(|e| root.error(e))
}

/// Commit ids that refs and HEAD point at (tags peeled), sorted and distinct.
fn tips(repo: &gix::Repository) -> Result<Vec<ObjectId>, String> {
    let mut tips = Vec::new();
    let platform = repo.references().map_err(|e| e.to_string())?;
    for reference in platform.all().map_err(|e| e.to_string())? {
        let Ok(mut reference) = reference else { continue };
        let Ok(id) = reference.peel_to_id() else { continue };
        tips.push(id.detach());
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    tips.sort();
    tips.dedup();
    // Tags may point at trees or blobs; only commits start a walk.
    tips.retain(|id| repo.objects.header(id).is_ok_and(|h| h.kind() == Kind::Commit));
    Ok(tips)
}

/// Reads every wanted commit reachable from `tips` once, then orders them parents first.
/// Parents outside the range (or missing, in a shallow clone) end the walk there.
fn walk_commits(
    repo: &gix::Repository,
    tips: Vec<ObjectId>,
    wanted: impl Fn(&ObjectId) -> bool,
) -> Result<Commits, String> {
    let mut index: HashMap<ObjectId, u32> = HashMap::new();
    let mut nodes: Vec<(Commit, Vec<u32>)> = Vec::new();
    let mut parents_of: Vec<Vec<ObjectId>> = Vec::new();
    let mut boundary = Vec::new();
    let mut queue: Vec<ObjectId> = tips;
    let mut buf = Vec::new();
    while let Some(id) = queue.pop() {
        if index.contains_key(&id) {
            continue;
        }
        let Ok(commit) = repo.objects.find_commit(&id, &mut buf) else {
            continue; // beyond a shallow boundary
        };
        let author_seconds = commit.author().ok().and_then(|a| a.time().ok()).map(|t| t.seconds);
        let node = Commit { id, tree: commit.tree(), author_seconds };
        let parents: Vec<ObjectId> = commit.parents().collect();
        index.insert(id, nodes.len() as u32);
        for p in &parents {
            if wanted(p) {
                queue.push(*p);
            } else {
                boundary.push(*p);
            }
        }
        nodes.push((node, Vec::new()));
        parents_of.push(parents);
    }
    for (i, parents) in parents_of.into_iter().enumerate() {
        nodes[i].1 = parents.iter().filter_map(|p| index.get(p).copied()).collect();
    }
    boundary.sort();
    boundary.dedup();
    let boundary_trees =
        boundary.iter().filter_map(|id| repo.objects.find_commit(id, &mut buf).ok().map(|c| c.tree())).collect();
    Ok(Commits { list: topological(nodes), boundary_trees })
}

/// Orders commits so every commit comes after its parents (iterative depth-first
/// post-order from the newest commits); ties keep the walk's order, so it is stable.
fn topological(nodes: Vec<(Commit, Vec<u32>)>) -> Vec<Commit> {
    let n = nodes.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for start in 0..n as u32 {
        if state[start as usize] != 0 {
            continue;
        }
        stack.push((start, 0));
        state[start as usize] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let parents = &nodes[node as usize].1;
            if let Some(&p) = parents.get(*next) {
                *next += 1;
                if state[p as usize] == 0 {
                    state[p as usize] = 1;
                    stack.push((p, 0));
                }
            } else {
                state[node as usize] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    let mut slots: Vec<Option<Commit>> = nodes.into_iter().map(|(c, _)| Some(c)).collect();
    order.into_iter().filter_map(|i| slots[i as usize].take()).collect()
}

/// Where a blob first appeared: its path (from the repository's top) and the commit (an index into
/// [`Commits::list`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introduced {
    pub path: BString,
    pub commit: usize,
}

/// Which blobs [`introductions`] looks for.
pub enum Want<'a> {
    /// Every blob new in the range (not in a boundary tree).
    All,
    /// Only these; the walk stops once all are found.
    Only(&'a HashSet<ObjectId>),
}

/// Walks each commit's tree, oldest first, and records for every wanted blob the first
/// commit and path it appears at: with parents walked first, that commit introduced it.
/// Trees already walked are skipped (their blobs were seen then), so each distinct tree is
/// read once. Only paths under the root's prefix count; symlinks and submodules are not
/// content.
pub fn introductions(
    root: &GitRoot,
    commits: &Commits,
    want: Want<'_>,
) -> Result<HashMap<ObjectId, Introduced>, GitError> {
    let mut repo = root.repo.to_thread_local();
    // Trees are mostly deltas of their other versions: a delta-base cache capped by memory
    // rather than by count halves the walk's time on curl/curl (measured: 2.6 s → 1.5 s)
    // without raising peak memory.
    repo.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(TREE_CACHE_BYTES)));
    let mut walker = TreeWalker {
        repo: &repo,
        seen_trees: HashSet::new(),
        old_blobs: HashSet::new(),
        found: HashMap::new(),
        buffers: Vec::new(),
        // Paths are recorded from the repository's top, like the index's.
        path: root.prefix.clone(),
    };
    for tree in &commits.boundary_trees {
        if let Some(start) = walker.descend_prefix(*tree, root.prefix.as_bstr()).map_err(|e| root.error(e))? {
            walker
                .walk(start, 0, &mut |w, id, _| {
                    w.old_blobs.insert(id);
                    false
                })
                .map_err(|e| root.error(e))?;
        }
    }
    for (index, commit) in commits.list.iter().enumerate() {
        let Some(start) = walker.descend_prefix(commit.tree, root.prefix.as_bstr()).map_err(|e| root.error(e))? else {
            continue;
        };
        let done = walker
            .walk(start, 0, &mut |w, id, path| {
                let wanted = match &want {
                    Want::All => !w.old_blobs.contains(&id),
                    Want::Only(set) => set.contains(&id),
                };
                if wanted && !w.found.contains_key(&id) {
                    w.found.insert(id, Introduced { path: path.to_owned(), commit: index });
                }
                matches!(&want, Want::Only(set) if w.found.len() == set.len())
            })
            .map_err(|e| root.error(e))?;
        if done {
            break;
        }
    }
    Ok(walker.found)
}

/// The delta-base cache for the tree walk.
const TREE_CACHE_BYTES: usize = 32 << 20;

struct TreeWalker<'r> {
    repo: &'r gix::Repository,
    seen_trees: HashSet<ObjectId>,
    old_blobs: HashSet<ObjectId>,
    found: HashMap<ObjectId, Introduced>,
    /// One read buffer per depth, reused.
    buffers: Vec<Vec<u8>>,
    path: BString,
}

type BlobVisit<'v, 'r> = dyn FnMut(&mut TreeWalker<'r>, ObjectId, &BStr) -> bool + 'v;

impl<'r> TreeWalker<'r> {
    /// The tree at `prefix` inside `tree`, if there is one.
    fn descend_prefix(&mut self, tree: ObjectId, prefix: &BStr) -> Result<Option<ObjectId>, String> {
        let mut current = tree;
        for part in prefix.split_str("/").filter(|p| !p.is_empty()) {
            let mut buf = Vec::new();
            let found = self.repo.objects.find_tree_iter(&current, &mut buf).map_err(|e| e.to_string())?;
            let next =
                found.filter_map(Result::ok).find(|e| e.filename == part && e.mode.is_tree()).map(|e| e.oid.to_owned());
            match next {
                Some(id) => current = id,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// Visits the blobs of `tree` not seen before; `visit` returns true to stop.
    fn walk(&mut self, tree: ObjectId, depth: usize, visit: &mut BlobVisit<'_, 'r>) -> Result<bool, String> {
        if !self.seen_trees.insert(tree) {
            return Ok(false);
        }
        if self.buffers.len() <= depth {
            self.buffers.resize_with(depth + 1, Vec::new);
        }
        let mut buf = std::mem::take(&mut self.buffers[depth]);
        let hash = self.repo.object_hash();
        let result = (|| {
            let data = self.repo.objects.find(&tree, &mut buf).map_err(|e| e.to_string())?;
            if data.kind != Kind::Tree {
                return Ok(false);
            }
            for entry in gix::objs::TreeRefIter::from_bytes(data.data, hash) {
                let entry = entry.map_err(|e| format!("tree {tree}: {e}"))?;
                let len = self.path.len();
                if !self.path.is_empty() {
                    self.path.push(b'/');
                }
                self.path.push_str(entry.filename);
                let id = entry.oid.to_owned();
                let stop = if entry.mode.is_tree() {
                    self.walk(id, depth + 1, visit)?
                } else if entry.mode.is_blob() {
                    let path = std::mem::take(&mut self.path);
                    let stop = visit(self, id, path.as_bstr());
                    self.path = path;
                    stop
                } else {
                    false
                };
                self.path.truncate(len);
                if stop {
                    return Ok(true);
                }
            }
            Ok(false)
        })();
        self.buffers[depth] = buf;
        result
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
        let list = commits(&root, None).unwrap().list;
        let ids: Vec<String> = list.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids.len(), 3, "every ref's commits, once");
        let pos = |id: &str| ids.iter().position(|x| x == id).unwrap();
        assert!(pos(&first) < pos(&side) && pos(&first) < pos(&main));
        assert_eq!(list[0].to_ref().date.as_deref(), Some("2024-01-02T03:04:05Z"));
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
        let range = commits(&root, Some(&first)).unwrap();
        assert_eq!(range.list.iter().map(|c| c.id.to_string()).collect::<Vec<_>>(), [second]);
        assert_eq!(range.boundary_trees.len(), 1);
        let new = introductions(&root, &range, Want::All).unwrap();
        assert_eq!(new.keys().copied().collect::<Vec<_>>(), [blob_id(d, "new.txt")], "old.txt predates --since");
        let err = commits(&root, Some("no-such-rev")).unwrap_err();
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
        let all = commits(&root, None).unwrap();
        let wanted: HashSet<ObjectId> = [blob_id(d, "copy/token.txt")].into();
        let found = introductions(&root, &all, Want::Only(&wanted)).unwrap();
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
        let found = introductions(&root, &commits(&root, None).unwrap(), Want::All).unwrap();
        let paths: Vec<String> = found.values().map(|i| i.path.to_string()).collect();
        assert_eq!(paths, ["app/a.txt"]);
    }
}
