//! Blob contents, each distinct blob handed to a per-thread visitor exactly once:
//! - [`scan_packs`] reads every blob of every pack, then the loose ones: the fast path for
//!   a whole-history scan. No list of blobs is held; [`super::commits::introductions`]
//!   afterwards finds the path and commit of just the blobs that matched, and drops blobs
//!   no ref reaches.
//! - [`read_blobs`] reads a given list of blobs (in pack order, in parallel): for
//!   `--since REV` and the staged index.
//!
//! A pack is read as a forest of deltas: a blob stored whole is a root, a blob stored as a
//! delta is a child of its base. Each root's tree is decoded depth first, so every blob is
//! decompressed once and its base is at hand (kept on a stack, not in a cache that could
//! miss). The forest costs 16 bytes per blob (offset, children), and only blobs are in it:
//! git deltifies objects only against objects of the same kind, so trees, commits and tags
//! are skipped without being decoded. Blob ids are not kept either: the id of a blob that
//! matched is computed from its content.
//!
//! Blob contents are streamed through the visitor one at a time per thread. Nothing here
//! writes to the repository.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use gix::hash::{ObjectId, oid};
use gix::objs::Kind;
use gix::odb::pack::{cache::DecodeEntry, data::entry::Header};

use super::objects::{Handle, Objects, Reader};
use super::{GitError, one_line};

/// A blob handed to a visitor.
pub struct Blob<'a> {
    known: Option<&'a oid>,
    hash: gix::hash::Kind,
    pub data: &'a [u8],
}

impl Blob<'_> {
    /// The blob's id (computed from its content when the pack walk did not need it);
    /// `None` only when SHA-1 collision detection rejects the content.
    pub fn id(&self) -> Option<ObjectId> {
        match self.known {
            Some(id) => Some(id.to_owned()),
            None => gix::objs::compute_hash(self.hash, Kind::Blob, self.data).ok(),
        }
    }
}

/// What a blob visitor receives.
pub enum BlobEvent<'a> {
    Blob(Blob<'a>),
    /// Over the size limit: not scanned.
    TooLarge {
        id: Option<&'a oid>,
    },
    Error {
        id: Option<&'a oid>,
        message: String,
    },
}

/// The delta bases a walking thread keeps (those with deltas still to decode) may take
/// this much; a base beyond it is not kept, and its deltas are rebuilt from the nearest
/// kept ancestor instead.
const STACK_BYTES: usize = 8 << 20;

/// Decode buffers larger than this are freed after use rather than kept for the next blob.
const KEEP_BUFFER: usize = 2 << 20;

/// Hands every blob in the object database (all packs, then loose objects; alternates
/// included) to visitors, each distinct blob once; blobs over `max_size` bytes as
/// [`BlobEvent::TooLarge`]. Packs are read on `threads` threads; `make` is called once per
/// thread. Returns the number of blobs visited.
pub fn scan_packs<F, V>(objects: &Objects, max_size: Option<u64>, threads: usize, make: F) -> Result<u64, GitError>
where
    F: Fn() -> V + Sync,
    V: FnMut(BlobEvent<'_>),
{
    scan_packs_with(objects, max_size, threads, STACK_BYTES, make)
}

fn scan_packs_with<F, V>(
    objects: &Objects,
    max_size: Option<u64>,
    threads: usize,
    stack_bytes: usize,
    make: F,
) -> Result<u64, GitError>
where
    F: Fn() -> V + Sync,
    V: FnMut(BlobEvent<'_>),
{
    let count = AtomicU64::new(0);
    for n in 0..objects.packs.len() {
        let forest = Forest::build(objects, n)
            .map_err(|e| GitError::Repository { path: objects.packs[n].path.display().to_string(), cause: e })?;
        let walk = PackWalk { objects, n, forest: &forest, max_size, stack_bytes, count: &count };
        walk.run(threads.max(1), &make);
    }
    let mut visit = make();
    let mut buf = Vec::new();
    for store in objects.loose_stores() {
        for id in store.iter().filter_map(Result::ok) {
            if objects.packs.iter().any(|p| p.index.lookup(id).is_some()) {
                continue;
            }
            match store.try_find(&id, &mut buf) {
                Ok(Some(data)) if data.kind == Kind::Blob => {
                    if max_size.is_some_and(|max| data.data.len() as u64 > max) {
                        visit(BlobEvent::TooLarge { id: Some(&id) });
                        continue;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    visit(BlobEvent::Blob(Blob { known: Some(&id), hash: objects.hash, data: data.data }));
                }
                Ok(_) => {}
                Err(e) => visit(BlobEvent::Error { id: Some(&id), message: one_line(&e.to_string()) }),
            }
        }
    }
    Ok(count.into_inner())
}

/// The blobs of one pack as a forest of deltas, in pack order.
struct Forest {
    /// Pack offset of each blob entry, ascending.
    offsets: Vec<u64>,
    /// The children of blob `i` are `children[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    children: Vec<u32>,
    /// Blobs whose base is not a blob of this pack.
    roots: Vec<u32>,
    /// For a pack after the first, each blob's id: a blob an earlier pack has is not
    /// visited again.
    ids: Vec<ObjectId>,
}

const NO_BASE: u64 = u64::MAX;
const NO_PARENT: u32 = u32::MAX;

impl Forest {
    /// Reads every entry's header (not its data) once, in pack order.
    fn build(objects: &Objects, n: usize) -> Result<Forest, String> {
        let p = &objects.packs[n];
        p.read_in_order(true);
        let forest = Self::read_headers(objects, n);
        p.read_in_order(false);
        forest
    }

    fn read_headers(objects: &Objects, n: usize) -> Result<Forest, String> {
        let p = &objects.packs[n];
        let all = p.index.sorted_offsets();
        let mut offsets = Vec::new();
        let mut bases = Vec::new();
        for &offset in &all {
            let entry = p.data.entry(offset).map_err(|e| p.error(e))?;
            objects.note_read(entry.header_size() as u64);
            let base = match entry.header {
                Header::Blob => NO_BASE,
                Header::Tree | Header::Commit | Header::Tag => continue,
                Header::OfsDelta { base_distance } => {
                    let base =
                        offset.checked_sub(base_distance).ok_or_else(|| p.error("delta base before the pack"))?;
                    // Bases come earlier in the pack, so a blob base is already listed.
                    if offsets.binary_search(&base).is_err() {
                        continue;
                    }
                    base
                }
                Header::RefDelta { base_id } => match p.index.lookup(base_id) {
                    Some(pos) => {
                        let base = p.index.pack_offset_at_index(pos);
                        let blob = if base < offset {
                            offsets.binary_search(&base).is_ok()
                        } else {
                            kind_of(objects, n, base) != Some(false)
                        };
                        if !blob {
                            continue;
                        }
                        base
                    }
                    // A base in another pack: decoding resolves it (and tells its kind).
                    None => NO_BASE,
                },
            };
            offsets.push(offset);
            bases.push(base);
        }
        drop(all);
        let parents: Vec<u32> = bases
            .iter()
            .map(|&b| if b == NO_BASE { NO_PARENT } else { offsets.binary_search(&b).map_or(NO_PARENT, |i| i as u32) })
            .collect();
        drop(bases);
        let len = offsets.len();
        let mut starts = vec![0u32; len + 2];
        for &parent in &parents {
            if parent != NO_PARENT {
                starts[parent as usize + 2] += 1;
            }
        }
        for i in 2..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut children = vec![0u32; starts[len + 1] as usize];
        let mut roots = Vec::new();
        for (i, &parent) in parents.iter().enumerate() {
            if parent == NO_PARENT {
                roots.push(i as u32);
            } else {
                let slot = &mut starts[parent as usize + 1];
                children[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        drop(parents);
        let ids = if n == 0 { Vec::new() } else { blob_ids(p, &offsets) };
        // The lists grew by doubling; the walk keeps them, so without their slack.
        offsets.shrink_to_fit();
        roots.shrink_to_fit();
        Ok(Forest { offsets, starts, children, roots, ids })
    }

    fn children(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.children[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

/// Whether the object at `offset` is a blob, following its delta chain (`None`: unknown,
/// a base outside the pack).
fn kind_of(objects: &Objects, n: usize, mut offset: u64) -> Option<bool> {
    let p = &objects.packs[n];
    for _ in 0..10_000 {
        let entry = p.data.entry(offset).ok()?;
        offset = match entry.header {
            Header::Blob => return Some(true),
            Header::Tree | Header::Commit | Header::Tag => return Some(false),
            Header::OfsDelta { base_distance } => offset.checked_sub(base_distance)?,
            Header::RefDelta { base_id } => p.index.pack_offset_at_index(p.index.lookup(base_id)?),
        };
    }
    None
}

/// The ids of the blobs at `offsets` (ascending), from the pack's index.
fn blob_ids(p: &super::objects::Pack, offsets: &[u64]) -> Vec<ObjectId> {
    let mut ids = vec![ObjectId::null(p.index.object_hash()); offsets.len()];
    for pos in 0..p.index.num_objects() {
        if let Ok(i) = offsets.binary_search(&p.index.pack_offset_at_index(pos)) {
            ids[i] = p.index.oid_at_index(pos).to_owned();
        }
    }
    ids
}

/// Walks one pack's forest on several threads, a root's tree at a time.
struct PackWalk<'a> {
    objects: &'a Objects,
    n: usize,
    forest: &'a Forest,
    max_size: Option<u64>,
    stack_bytes: usize,
    count: &'a AtomicU64,
}

impl PackWalk<'_> {
    fn run<F, V>(&self, threads: usize, make: &F)
    where
        F: Fn() -> V + Sync,
        V: FnMut(BlobEvent<'_>),
    {
        const CHUNK: usize = 64;
        let next = AtomicUsize::new(0);
        let work = || {
            let mut visit = make();
            let mut thread =
                Thread { bases: BaseStack { budget: self.stack_bytes, ..BaseStack::default() }, ..Thread::default() };
            loop {
                let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                let Some(roots) = self.forest.roots.get(start..(start + CHUNK).min(self.forest.roots.len())) else {
                    break;
                };
                for &root in roots {
                    self.tree(root, &mut thread, &mut visit);
                }
            }
        };
        if threads == 1 {
            return work();
        }
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }

    /// Decodes `root` and its deltas, depth first.
    fn tree<V: FnMut(BlobEvent<'_>)>(&self, root: u32, t: &mut Thread, visit: &mut V) {
        let mut stack: Vec<(u32, usize)> = Vec::new();
        if self.enter(root, t, visit) {
            stack.push((root, 0));
        }
        while let Some((node, next)) = stack.last_mut() {
            let children = self.forest.children(*node);
            match children.get(*next) {
                Some(&child) => {
                    *next += 1;
                    let last = *next == children.len();
                    let parent = stack.len() - 1;
                    let more = self.enter(child, t, visit);
                    if last {
                        // No other delta needs this base: a chain of versions keeps one
                        // base at a time, not the whole chain.
                        t.bases.release(parent);
                    }
                    if more {
                        stack.push((child, 0));
                    }
                }
                None => {
                    stack.pop();
                    t.bases.pop();
                }
            }
        }
    }

    /// Decodes blob `i` and visits it; true when it has deltas to decode next (it is then
    /// on the base stack).
    fn enter<V: FnMut(BlobEvent<'_>)>(&self, i: u32, t: &mut Thread, visit: &mut V) -> bool {
        let p = &self.objects.packs[self.n];
        let known = self.forest.ids.get(i as usize).map(|id| id.as_ref());
        let error = |visit: &mut V, e: String| visit(BlobEvent::Error { id: known, message: e });
        let entry = match p.data.entry(self.forest.offsets[i as usize]) {
            Ok(entry) => entry,
            Err(e) => {
                error(visit, p.error(e));
                return false;
            }
        };
        let has_deltas = !self.forest.children(i).is_empty();
        let too_large = |size: u64| self.max_size.is_some_and(|max| size > max);
        if !has_deltas && !entry.header.is_delta() && too_large(entry.decompressed_size) {
            visit(BlobEvent::TooLarge { id: known });
            return false;
        }
        let data_offset = entry.data_offset;
        let kind = match self.objects.decode(self.n, entry, &mut t.inflate, &mut t.bases, &mut t.out) {
            Ok(kind) => kind,
            Err(e) => {
                error(visit, e);
                return false;
            }
        };
        let seen_before =
            known.is_some_and(|id| self.objects.packs[..self.n].iter().any(|p| p.index.lookup(id).is_some()));
        if kind == Kind::Blob && !seen_before {
            if too_large(t.out.len() as u64) {
                visit(BlobEvent::TooLarge { id: known });
            } else {
                self.count.fetch_add(1, Ordering::Relaxed);
                visit(BlobEvent::Blob(Blob { known, hash: self.objects.hash, data: &t.out }));
            }
        }
        if has_deltas {
            t.bases.push(data_offset, kind, &t.out);
        }
        if t.out.capacity() > KEEP_BUFFER {
            t.out = Vec::new();
        }
        has_deltas
    }
}

/// One walking thread's buffers.
#[derive(Default)]
struct Thread {
    inflate: gix::zlib::Inflate,
    bases: BaseStack,
    out: Vec<u8>,
}

/// The bases of the delta being decoded: the blobs on the path from its root, as far as
/// [`STACK_BYTES`] allows. Serves as gix's delta-base cache.
#[derive(Default)]
struct BaseStack {
    frames: Vec<Frame>,
    bytes: usize,
    budget: usize,
}

struct Frame {
    data_offset: u64,
    kind: Kind,
    /// `None` when over budget: its deltas are rebuilt from an earlier frame.
    data: Option<Vec<u8>>,
}

impl BaseStack {
    fn push(&mut self, data_offset: u64, kind: Kind, data: &[u8]) {
        let data = (self.bytes + data.len() <= self.budget).then(|| {
            self.bytes += data.len();
            data.to_vec()
        });
        self.frames.push(Frame { data_offset, kind, data });
    }

    /// Frees the data of frame `n` (its deltas are all decoded).
    fn release(&mut self, n: usize) {
        if let Some(buf) = self.frames.get_mut(n).and_then(|f| f.data.take()) {
            self.bytes -= buf.len();
        }
    }

    fn pop(&mut self) {
        if let Some(Frame { data: Some(buf), .. }) = self.frames.pop() {
            self.bytes -= buf.len();
        }
    }
}

impl DecodeEntry for BaseStack {
    /// The walk keeps the bases it needs itself.
    fn put(&mut self, _pack: u32, _offset: u64, _data: &[u8], _kind: Kind, _compressed_size: usize) {}

    fn get(&mut self, _pack: u32, offset: u64, out: &mut Vec<u8>) -> Option<(Kind, usize)> {
        let frame = self.frames.iter().rev().find(|f| f.data_offset == offset)?;
        let data = frame.data.as_ref()?;
        out.clear();
        out.extend_from_slice(data);
        Some((frame.kind, 0))
    }
}

/// Reads the blobs `handles` and hands each to a visitor, in pack order so delta bases
/// stay cached; lists longer than a few blobs are spread over `threads` threads (`make` is
/// called per batch of work). Blobs over `max_size` bytes are reported, not read.
pub fn read_blobs<F, V>(objects: &Objects, handles: &[Handle], max_size: Option<u64>, threads: usize, make: F)
where
    F: Fn() -> V + Sync,
    V: FnMut(BlobEvent<'_>) + Send,
{
    const SMALL: usize = 32;
    /// Delta-base cache per reading thread.
    const CACHE_BYTES: usize = 16 << 20;
    let read_all = |reader: &mut Reader, visit: &mut V, buf: &mut Vec<u8>, handles: &[Handle]| {
        for &h in handles {
            read_one(objects, h, max_size, reader, visit, buf);
        }
    };
    if handles.len() <= SMALL || threads <= 1 {
        return read_all(&mut Reader::new(CACHE_BYTES), &mut make(), &mut Vec::new(), handles);
    }
    let mut ordered = handles.to_vec();
    ordered.sort_by_cached_key(|&h| match objects.packed(h) {
        Some((n, pos)) => (n, objects.packs[n].index.pack_offset_at_index(pos)),
        None => (usize::MAX, u64::from(h.0)),
    });
    let chunk = ordered.len().div_ceil(threads * 8).max(SMALL);
    let run = || {
        use rayon::prelude::*;
        ordered.par_chunks(chunk).for_each_init(
            || (Reader::new(CACHE_BYTES), make(), Vec::new()),
            |(reader, visit, buf), handles| read_all(reader, visit, buf, handles),
        );
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

fn read_one<V: FnMut(BlobEvent<'_>)>(
    objects: &Objects,
    h: Handle,
    max_size: Option<u64>,
    reader: &mut Reader,
    visit: &mut V,
    buf: &mut Vec<u8>,
) {
    let id = objects.id(h);
    if let Some(max) = max_size {
        if objects.size(h, reader.inflate()).is_some_and(|size| size > max) {
            return visit(BlobEvent::TooLarge { id: Some(&id) });
        }
    }
    match objects.read(h, reader, buf) {
        Ok(Kind::Blob) => visit(BlobEvent::Blob(Blob { known: Some(&id), hash: objects.hash, data: buf })),
        Ok(kind) => visit(BlobEvent::Error { id: Some(&id), message: format!("object {id} is a {kind}, not a blob") }),
        Err(e) => visit(BlobEvent::Error { id: Some(&id), message: e }),
    }
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::super::GitRoot;
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
                BlobEvent::Blob(blob) => seen.blobs.push((blob.id().unwrap(), blob.data.len())),
                BlobEvent::TooLarge { id } => seen.too_large.push(id.unwrap().to_owned()),
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
            let objects = Objects::open(&root).unwrap();
            let seen = Mutex::new(Seen::default());
            let count = scan_packs(&objects, None, 2, || visitor(&seen)).unwrap();
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

    /// Every blob id of the repository, from git.
    fn git_blob_ids(d: &std::path::Path) -> Vec<ObjectId> {
        let listing = git(d, &["cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectname)"]);
        let mut ids: Vec<ObjectId> = listing
            .lines()
            .filter_map(|l| l.strip_prefix("blob "))
            .map(|hex| ObjectId::from_hex(hex.as_bytes()).unwrap())
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn delta_chains_decode_to_the_blobs_git_stored_even_in_duplicate_packs() {
        let dir = repo();
        let d = dir.path();
        // Each version shares most lines with the one before, little with the others: git
        // stores them as a chain of deltas.
        for version in 0..40 {
            let lines: String =
                (version * 3..version * 3 + 60).map(|n| format!("{n} a line long enough for deltas\n")).collect();
            write(d, "slide.txt", &lines);
            write(d, &format!("dir{}/other.txt", version % 3), &format!("version {version}\n{lines}"));
            commit(d, &format!("v{version}"));
        }
        git(d, &["gc", "-q", "--aggressive"]);
        let verify = git(d, &["verify-pack", "-v", &pack_idx(d)]);
        assert!(verify.contains("chain length = 5"), "the pack holds delta chains:\n{verify}");
        // A second pack with every object again: each blob is still visited once.
        let objects = git(d, &["rev-list", "--objects", "--all"]);
        let out = std::process::Command::new("git")
            .args(["pack-objects", "-q", ".git/objects/pack/again"])
            .current_dir(d)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(objects.as_bytes())?;
                child.wait()
            })
            .unwrap();
        assert!(out.success());
        let root = GitRoot::discover(d).unwrap();
        let objects = Objects::open(&root).unwrap();
        assert_eq!(objects.packs.len(), 2);
        // With no room for bases on the stack, deltas are rebuilt from their chain's root.
        for stack_bytes in [STACK_BYTES, 0] {
            let seen = Mutex::new(Seen::default());
            let count = scan_packs_with(&objects, None, 2, stack_bytes, || visitor(&seen)).unwrap();
            let seen = seen.into_inner().unwrap();
            let mut ids: Vec<ObjectId> = seen.blobs.iter().map(|(id, _)| *id).collect();
            ids.sort();
            assert_eq!(ids, git_blob_ids(d), "ids computed from the decoded content are git's, each once");
            assert_eq!(count as usize, ids.len());
            assert_eq!(seen.errors, 0);
        }
    }

    fn pack_idx(d: &std::path::Path) -> String {
        let dir = d.join(".git/objects/pack");
        let mut idx = std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).map(|e| e.path());
        idx.find(|p| p.extension().is_some_and(|e| e == "idx")).unwrap().display().to_string()
    }

    #[test]
    fn listed_blobs_are_read_and_oversized_ones_reported_unread() {
        let dir = repo();
        let d = dir.path();
        history(d);
        let root = GitRoot::discover(d).unwrap();
        let objects = Objects::open(&root).unwrap();
        let small = blob_id(d, "same1.txt");
        let large = blob_id(d, "a.txt");
        let handles = [small, large].map(|id| objects.handle(&id).unwrap());
        let seen = Mutex::new(Seen::default());
        read_blobs(&objects, &handles, Some(6), 1, || visitor(&seen));
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.blobs, [(small, 4)]);
        assert_eq!(seen.too_large, [large]);
    }
}
