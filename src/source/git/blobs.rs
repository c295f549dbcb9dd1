//! Blob contents, each distinct blob handed to a per-thread visitor exactly once:
//! - [`scan_object_database`] decodes every object of every pack in pack order, in
//!   parallel (gix's delta-tree traversal decodes each object once, no cache misses), then
//!   the loose objects. It is the fast path for a whole-history scan: no list of blobs is
//!   ever held; [`super::commits::introductions`] afterwards finds the path and commit of
//!   just the blobs that matched, and drops blobs no ref reaches.
//! - [`read_blobs`] reads a given list of blobs (in pack order, in parallel): for
//!   `--since REV` and the staged index.
//!
//! Blob contents are streamed through the visitor one at a time per thread. Nothing here
//! writes to the repository.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use gix::hash::{ObjectId, oid};
use gix::objs::{FindExt, Kind};
use gix::prelude::HeaderExt;

use super::{GitError, GitRoot, one_line};

/// What a blob visitor receives.
pub enum BlobEvent<'a> {
    Blob {
        id: &'a oid,
        data: &'a [u8],
    },
    /// Over the size limit: not read.
    TooLarge {
        id: &'a oid,
    },
    Error {
        id: Option<&'a oid>,
        message: String,
    },
}

/// Hands every blob in the object database (all packs, then loose objects; alternates
/// included) to visitors, each distinct blob once. Packs are decoded in parallel on
/// `threads` threads; `make` is called once per thread. Returns the number of blobs.
pub fn scan_object_database<F, V>(root: &GitRoot, threads: usize, make: F) -> Result<u64, GitError>
where
    F: Fn() -> V + Sync,
    V: FnMut(BlobEvent<'_>) + Send,
{
    let repo = root.repo.to_thread_local();
    let hash = repo.object_hash();
    let dirs = object_dirs(&repo);
    let packs = pack_indices(&dirs, hash);
    let mut blobs = 0u64;
    for (i, (index, pack_path)) in packs.iter().enumerate() {
        let pack = gix::odb::pack::data::File::at(pack_path, hash).map_err(|e| root.error(e))?;
        let earlier = &packs[..i];
        let counter = std::sync::atomic::AtomicU64::new(0);
        let mut visitor = PackVisitor { make: &make, visit: make(), earlier, counter: &counter };
        let processor = move |kind: Kind, data: &[u8], entry: &gix::odb::pack::index::Entry, _: &dyn gix::Progress| {
            visitor.process(kind, data, entry);
            Ok(())
        };
        let interrupt = AtomicBool::new(false);
        index
            .traverse(
                &pack,
                &mut gix::progress::Discard,
                &interrupt,
                processor,
                gix::odb::pack::index::traverse::Options {
                    traversal: gix::odb::pack::index::traverse::Algorithm::DeltaTreeLookup,
                    thread_limit: Some(threads.max(1)),
                    check: gix::odb::pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerification,
                    alloc_limit_bytes: None,
                    make_pack_lookup_cache: || gix::odb::pack::cache::Never,
                },
            )
            .map_err(|e| root.error(format!("{}: {e}", pack_path.display())))?;
        blobs += counter.into_inner();
    }
    let mut visit = make();
    let mut buf = Vec::new();
    for dir in &dirs {
        let loose = gix::odb::loose::Store::at(dir, hash);
        for id in loose.iter().filter_map(Result::ok) {
            if packs.iter().any(|(index, _)| index.lookup(id).is_some()) {
                continue;
            }
            match loose.try_find(&id, &mut buf) {
                Ok(Some(data)) if data.kind == Kind::Blob => {
                    blobs += 1;
                    visit(BlobEvent::Blob { id: &id, data: data.data });
                }
                Ok(_) => {}
                Err(e) => visit(BlobEvent::Error { id: Some(&id), message: one_line(&e.to_string()) }),
            }
        }
    }
    Ok(blobs)
}

/// The object directories: the repository's and its alternates'.
fn object_dirs(repo: &gix::Repository) -> Vec<PathBuf> {
    let main = repo.objects.store_ref().path().to_path_buf();
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut dirs = vec![main.clone()];
    dirs.extend(gix::odb::alternate::resolve(main, &cwd).unwrap_or_default());
    dirs
}

/// Every pack index with its pack file, in a stable order.
fn pack_indices(dirs: &[PathBuf], hash: gix::hash::Kind) -> Vec<(gix::odb::pack::index::File, PathBuf)> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("pack")) else { continue };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
            .collect();
        paths.sort();
        for idx in paths {
            let pack = idx.with_extension("pack");
            if !pack.is_file() {
                continue;
            }
            if let Ok(index) = gix::odb::pack::index::File::at(&idx, hash) {
                out.push((index, pack));
            }
        }
    }
    out
}

/// The per-thread pack processor: gix clones it for each traversal thread, and each clone
/// gets a fresh visitor from `make`.
struct PackVisitor<'a, F, V> {
    make: &'a F,
    visit: V,
    earlier: &'a [(gix::odb::pack::index::File, PathBuf)],
    counter: &'a std::sync::atomic::AtomicU64,
}

impl<F: Fn() -> V, V> Clone for PackVisitor<'_, F, V> {
    fn clone(&self) -> Self {
        PackVisitor { make: self.make, visit: (self.make)(), earlier: self.earlier, counter: self.counter }
    }
}

impl<F, V> PackVisitor<'_, F, V>
where
    V: FnMut(BlobEvent<'_>),
{
    fn process(&mut self, kind: Kind, data: &[u8], entry: &gix::odb::pack::index::Entry) {
        if kind != Kind::Blob || self.earlier.iter().any(|(index, _)| index.lookup(entry.oid).is_some()) {
            return;
        }
        self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (self.visit)(BlobEvent::Blob { id: &entry.oid, data });
    }
}

/// Reads the blobs `ids` and hands each to a visitor, in pack order so delta bases stay
/// cached; lists longer than a few blobs are spread over `threads` threads (`make` is
/// called per batch of work). Blobs over `max_size` bytes are reported, not read.
pub fn read_blobs<F, V>(root: &GitRoot, ids: &[ObjectId], max_size: Option<u64>, threads: usize, make: F)
where
    F: Fn() -> V + Sync,
    V: FnMut(BlobEvent<'_>) + Send,
{
    const SMALL: usize = 32;
    let read_all = |repo: &gix::Repository, visit: &mut V, buf: &mut Vec<u8>, ids: &[ObjectId]| {
        for id in ids {
            read_one(repo, id, max_size, visit, buf);
        }
    };
    if ids.len() <= SMALL || threads <= 1 {
        let repo = root.repo.to_thread_local();
        return read_all(&repo, &mut make(), &mut Vec::new(), ids);
    }
    let repo = root.repo.to_thread_local();
    let mut ordered = ids.to_vec();
    let packs = pack_indices(&object_dirs(&repo), repo.object_hash());
    ordered.sort_by_cached_key(|id| {
        packs
            .iter()
            .enumerate()
            .find_map(|(n, (index, _))| index.lookup(id).map(|i| (n, index.pack_offset_at_index(i))))
            .unwrap_or((usize::MAX, 0))
    });
    let chunk = ordered.len().div_ceil(threads * 8).max(SMALL);
    let run = || {
        use rayon::prelude::*;
        ordered.par_chunks(chunk).for_each_init(
            || (root.repo.to_thread_local(), make(), Vec::new()),
            |(repo, visit, buf), ids| read_all(repo, visit, buf, ids),
        );
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

fn read_one<V: FnMut(BlobEvent<'_>)>(
    repo: &gix::Repository,
    id: &ObjectId,
    max_size: Option<u64>,
    visit: &mut V,
    buf: &mut Vec<u8>,
) {
    if let Some(max) = max_size {
        match repo.objects.header(id) {
            Ok(header) if header.size() > max => return visit(BlobEvent::TooLarge { id }),
            Ok(_) => {}
            Err(e) => return visit(BlobEvent::Error { id: Some(id), message: one_line(&e.to_string()) }),
        }
    }
    match repo.objects.find_blob(id, buf) {
        Ok(blob) => visit(BlobEvent::Blob { id, data: blob.data }),
        Err(e) => visit(BlobEvent::Error { id: Some(id), message: one_line(&e.to_string()) }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::super::testrepo::{blob_id, commit, git, repo, write};
    use super::*;

    /// What visitors saw: blob ids (with their sizes), ids too large, errors.
    #[derive(Default)]
    struct Seen {
        blobs: Vec<(ObjectId, usize)>,
        too_large: Vec<ObjectId>,
        errors: usize,
    }

    fn visitor(seen: &Mutex<Seen>) -> impl FnMut(BlobEvent<'_>) + Send + '_ {
        move |event| {
            let mut seen = seen.lock().unwrap();
            match event {
                BlobEvent::Blob { id, data } => seen.blobs.push((id.to_owned(), data.len())),
                BlobEvent::TooLarge { id } => seen.too_large.push(id.to_owned()),
                BlobEvent::Error { .. } => seen.errors += 1,
            }
        }
    }

    fn history(dir: &std::path::Path) {
        write(dir, "a.txt", "first");
        write(dir, "same1.txt", "twin");
        commit(dir, "one");
        write(dir, "a.txt", "second version");
        write(dir, "same2.txt", "twin");
        commit(dir, "two");
    }

    #[test]
    fn every_distinct_blob_is_visited_once_loose_or_packed() {
        for packed in [false, true] {
            let dir = repo();
            let d = dir.path();
            history(d);
            if packed {
                git(d, &["gc", "-q"]);
                write(d, "loose.txt", "after the pack");
                commit(d, "three");
            }
            let root = GitRoot::discover(d).unwrap();
            let seen = Mutex::new(Seen::default());
            let count = scan_object_database(&root, 2, || visitor(&seen)).unwrap();
            let mut ids: Vec<ObjectId> = seen.into_inner().unwrap().blobs.into_iter().map(|(id, _)| id).collect();
            ids.sort();
            let before = ids.len();
            ids.dedup();
            assert_eq!(before, ids.len(), "no blob twice (packed: {packed})");
            assert_eq!(count as usize, ids.len());
            assert_eq!(ids.len(), if packed { 4 } else { 3 }, "first, second version, twin (and loose.txt)");
            assert!(ids.contains(&blob_id(d, "a.txt")));
        }
    }

    #[test]
    fn listed_blobs_are_read_and_oversized_ones_reported_unread() {
        let dir = repo();
        let d = dir.path();
        history(d);
        let root = GitRoot::discover(d).unwrap();
        let small = blob_id(d, "same1.txt");
        let large = blob_id(d, "a.txt");
        let seen = Mutex::new(Seen::default());
        read_blobs(&root, &[small, large], Some(6), 1, || visitor(&seen));
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.blobs, [(small, 4)]);
        assert_eq!(seen.too_large, [large]);
        let missing = ObjectId::from_hex(b"0123456789012345678901234567890123456789").unwrap();
        let seen = Mutex::new(Seen::default());
        read_blobs(&root, &[missing], None, 1, || visitor(&seen));
        assert_eq!(seen.into_inner().unwrap().errors, 1, "a missing blob is an error event, not a panic");
    }
}
