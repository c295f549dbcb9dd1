//! Reading a repository's objects with memory that does not grow with the repository.
//!
//! [`Objects`] opens every pack (index and data, the repository's and its alternates') and
//! the loose object directories once. Objects are named by a [`Handle`]: for a packed
//! object its position counted across all packs, so a set of objects is a bit set
//! ([`HandleSet`], one bit per object) rather than a hash set of ids, and a list of them
//! four bytes an object.
//!
//! Packs are memory-mapped, and every page of a mapping that has been read stays in the
//! process's resident set until it is unmapped: reading all of a 1 GB pack would count
//! 1 GB. [`Objects::trim`] gives pages back (they stay in the kernel's page cache, so a
//! later read costs a minor fault) whenever the mapped pages resident exceed
//! [`MAPPED_BUDGET`]; readers call it as they go.
//!
//! Receives a repository; hands on object bytes. Nothing here writes to the repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use gix::hash::{ObjectId, oid};
use gix::objs::Kind;
use gix::odb::pack::data::decode::{entry::ResolvedBase, header::ResolvedBase as HeaderBase};
use gix::odb::pack::{self, cache::DecodeEntry};

use super::{GitError, GitRoot, one_line};

/// Resident pages of mapped pack files allowed before they are given back.
pub const MAPPED_BUDGET: u64 = 64 << 20;

/// How many packs deep a delta base outside its own pack is followed.
const MAX_NESTING: u8 = 4;

/// An object in [`Objects`]: packed objects are numbered pack after pack in index order;
/// loose objects get numbers after them as they are first named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(pub u32);

/// A read-only memory map, shared so that its pages can be given back while gix reads it.
#[derive(Clone)]
pub struct Mapped(Arc<memmap2::Mmap>);

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Mapped {
    fn open(path: &Path) -> std::io::Result<Mapped> {
        let file = std::fs::File::open(path)?;
        // SAFETY: git writes pack and index files once, under a temporary name, and never
        // changes them afterwards (gix and git map them the same way); a pack removed by a
        // concurrent `git gc` stays mapped until we unmap it.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Mapped(Arc::new(map)))
    }

    fn advise(&self, advice: memmap2::Advice) {
        #[cfg(unix)]
        let _ = self.0.advise(advice);
    }

    /// Drops this process's page-table entries for the whole mapping (the pages stay in
    /// the page cache). The mapping is a shared, read-only map of a file that is not
    /// modified: a page read after this is the same page of the same file, so borrowed
    /// slices into it keep their contents.
    fn release(&self) {
        #[cfg(unix)]
        {
            // SAFETY: see above; MADV_DONTNEED on a shared file mapping never changes what
            // the mapping reads, it only makes the next access fault the page back in.
            let _ = unsafe { self.0.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }
}

/// One pack: its index and its data, both mapped.
pub struct Pack {
    pub index: pack::index::File<Mapped>,
    pub data: pack::data::File<Mapped>,
    pub path: PathBuf,
    maps: [Mapped; 2],
}

impl Pack {
    fn open(idx: &Path, hash: gix::hash::Kind) -> Result<Pack, String> {
        let path = idx.with_extension("pack");
        let shown = |e: &dyn std::fmt::Display, p: &Path| format!("{}: {}", p.display(), one_line(&e.to_string()));
        let idx_map = Mapped::open(idx).map_err(|e| shown(&e, idx))?;
        let pack_map = Mapped::open(&path).map_err(|e| shown(&e, &path))?;
        let index =
            pack::index::File::from_data(idx_map.clone(), idx.to_path_buf(), hash).map_err(|e| shown(&e, idx))?;
        let data = pack::data::File::from_data(pack_map.clone(), path.clone(), hash).map_err(|e| shown(&e, &path))?;
        if index.num_objects() != data.num_objects() {
            return Err(format!("{}: index and pack disagree on the number of objects", path.display()));
        }
        let pack = Pack { index, data, path, maps: [idx_map, pack_map] };
        pack.read_in_order(false);
        Ok(pack)
    }

    /// Tells the kernel how the pack will be read: in order (pages ahead are mapped with
    /// each fault) or at random (only the page read is mapped, so fewer pages become
    /// resident). The index is always read at random.
    pub fn read_in_order(&self, in_order: bool) {
        let advice = if in_order { memmap2::Advice::Sequential } else { memmap2::Advice::Random };
        self.maps[0].advise(memmap2::Advice::Random);
        self.maps[1].advise(advice);
    }

    /// The entry of index position `pos`.
    pub fn entry_at(&self, pos: u32) -> Result<pack::data::Entry, String> {
        self.data.entry(self.index.pack_offset_at_index(pos)).map_err(|e| self.error(e))
    }

    pub fn error(&self, e: impl std::fmt::Display) -> String {
        format!("{}: {}", self.path.display(), one_line(&e.to_string()))
    }
}

/// Every object of a repository: its packs (in a stable order) and loose objects.
pub struct Objects {
    pub hash: gix::hash::Kind,
    pub packs: Vec<Pack>,
    /// The handle of each pack's first object; one more entry holds the total.
    first: Vec<u32>,
    loose: Vec<gix::odb::loose::Store>,
    /// Loose objects named so far, in handle order.
    loose_ids: Mutex<LooseIds>,
    /// Reads (and the bytes they read) since the resident set was last measured.
    touched: AtomicU64,
    /// `/proc/self/statm`, kept open (Linux).
    statm: Option<std::fs::File>,
    /// Resident file-backed memory when opened (the program's own pages), in bytes.
    baseline: u64,
}

#[derive(Default)]
struct LooseIds {
    ids: Vec<ObjectId>,
    by_id: std::collections::HashMap<ObjectId, u32>,
}

/// One thread's decoding state: a zlib stream and a delta-base cache.
pub struct Reader {
    inflate: gix::zlib::Inflate,
    cache: Box<dyn DecodeEntry + Send>,
}

impl Reader {
    /// A reader whose delta-base cache holds at most `cache_bytes` of objects (0: none).
    pub fn new(cache_bytes: usize) -> Reader {
        let cache: Box<dyn DecodeEntry + Send> = if cache_bytes == 0 {
            Box::new(pack::cache::Never)
        } else {
            Box::new(pack::cache::lru::MemoryCappedHashmap::new(cache_bytes))
        };
        Reader { inflate: gix::zlib::Inflate::default(), cache }
    }

    /// Its zlib stream, for header reads.
    pub fn inflate(&mut self) -> &mut gix::zlib::Inflate {
        &mut self.inflate
    }
}

impl Objects {
    /// Opens the object database of the repository `root` is in.
    pub fn open(root: &GitRoot) -> Result<Objects, GitError> {
        let repo = root.repo.to_thread_local();
        let hash = repo.object_hash();
        let dirs = object_dirs(&repo);
        let mut packs = Vec::new();
        for idx in pack_indices(&dirs) {
            packs.push(Pack::open(&idx, hash).map_err(|e| root.error(e))?);
        }
        let mut first = vec![0u32];
        for p in &packs {
            let next = u64::from(*first.last().unwrap_or(&0)) + u64::from(p.index.num_objects());
            first.push(u32::try_from(next).map_err(|_| root.error("more than 4 billion packed objects"))?);
        }
        let loose = dirs.iter().map(|d| gix::odb::loose::Store::at(d, hash)).collect();
        Ok(Objects {
            hash,
            packs,
            first,
            loose,
            loose_ids: Mutex::new(LooseIds::default()),
            touched: AtomicU64::new(0),
            baseline: 0,
            statm: if cfg!(target_os = "linux") { std::fs::File::open("/proc/self/statm").ok() } else { None },
        }
        .with_baseline())
    }

    fn with_baseline(mut self) -> Objects {
        self.baseline = self.resident_file_bytes().unwrap_or(0);
        self
    }

    /// The number of packed objects (handles below it are packed).
    pub fn num_packed(&self) -> u32 {
        *self.first.last().unwrap_or(&0)
    }

    /// The loose object stores (the repository's and its alternates').
    pub fn loose_stores(&self) -> &[gix::odb::loose::Store] {
        &self.loose
    }

    /// The handle of `id`, if the repository has it.
    pub fn handle(&self, id: &oid) -> Option<Handle> {
        for (n, p) in self.packs.iter().enumerate() {
            if let Some(pos) = p.index.lookup(id) {
                return Some(Handle(self.first[n] + pos));
            }
        }
        let mut loose = self.loose_ids.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&n) = loose.by_id.get(id) {
            return Some(Handle(self.num_packed() + n));
        }
        if !self.loose.iter().any(|s| s.contains(id)) {
            return None;
        }
        let n = loose.ids.len() as u32;
        loose.ids.push(id.to_owned());
        loose.by_id.insert(id.to_owned(), n);
        Some(Handle(self.num_packed().checked_add(n)?))
    }

    /// The pack and index position of a packed handle.
    pub fn packed(&self, h: Handle) -> Option<(usize, u32)> {
        if h.0 >= self.num_packed() {
            return None;
        }
        let n = self.first.partition_point(|&f| f <= h.0) - 1;
        Some((n, h.0 - self.first[n]))
    }

    /// The handle of position `pos` of pack `n`.
    pub fn handle_at(&self, n: usize, pos: u32) -> Handle {
        Handle(self.first[n] + pos)
    }

    /// The object id of a handle.
    pub fn id(&self, h: Handle) -> ObjectId {
        match self.packed(h) {
            Some((n, pos)) => self.packs[n].index.oid_at_index(pos).to_owned(),
            None => {
                let loose = self.loose_ids.lock().unwrap_or_else(|p| p.into_inner());
                loose.ids.get((h.0 - self.num_packed()) as usize).copied().unwrap_or_else(|| ObjectId::null(self.hash))
            }
        }
    }

    /// Reads the object `h` into `out`; returns its kind.
    pub fn read(&self, h: Handle, reader: &mut Reader, out: &mut Vec<u8>) -> Result<Kind, String> {
        self.read_nested(h, reader, out, 0)
    }

    fn read_nested(&self, h: Handle, reader: &mut Reader, out: &mut Vec<u8>, depth: u8) -> Result<Kind, String> {
        match self.packed(h) {
            Some((n, pos)) => {
                let entry = self.packs[n].entry_at(pos)?;
                self.decode_nested(n, entry, &mut reader.inflate, reader.cache.as_mut(), out, depth)
            }
            None => {
                let id = self.id(h);
                self.read_loose(&id, out)?.ok_or_else(|| format!("object {id} is missing"))
            }
        }
    }

    /// Decodes `entry` of pack `n` (resolving deltas, with `cache` for their bases) into
    /// `out`; returns its kind.
    pub fn decode(
        &self,
        n: usize,
        entry: pack::data::Entry,
        inflate: &mut gix::zlib::Inflate,
        cache: &mut dyn DecodeEntry,
        out: &mut Vec<u8>,
    ) -> Result<Kind, String> {
        self.decode_nested(n, entry, inflate, cache, out, 0)
    }

    fn decode_nested(
        &self,
        n: usize,
        entry: pack::data::Entry,
        inflate: &mut gix::zlib::Inflate,
        cache: &mut dyn DecodeEntry,
        out: &mut Vec<u8>,
        depth: u8,
    ) -> Result<Kind, String> {
        let p = &self.packs[n];
        let outcome = p.data.decode_entry(
            entry,
            out,
            inflate,
            &|base: &oid, buf: &mut Vec<u8>| {
                if let Some(pos) = p.index.lookup(base) {
                    return Ok(p.entry_at(pos).ok().map(ResolvedBase::InPack));
                }
                // A base outside this pack (a thin pack's): read it whole, a few levels deep
                // at most, so that packs naming each other's objects cannot loop.
                if depth >= MAX_NESTING {
                    return Ok(None);
                }
                let found = self.handle(base).and_then(|h| {
                    let kind = self.read_nested(h, &mut Reader::new(0), buf, depth + 1).ok()?;
                    Some(ResolvedBase::OutOfPack { kind, end: buf.len() })
                });
                Ok(found)
            },
            cache,
        );
        let outcome = outcome.map_err(|e| p.error(e))?;
        self.note_read(outcome.compressed_size as u64 * u64::from(outcome.num_deltas.max(1)));
        Ok(outcome.kind)
    }

    /// The size of object `h` without reading it whole (`None` when unknown).
    pub fn size(&self, h: Handle, inflate: &mut gix::zlib::Inflate) -> Option<u64> {
        match self.packed(h) {
            Some((n, pos)) => {
                let p = &self.packs[n];
                let entry = p.entry_at(pos).ok()?;
                if !entry.header.is_delta() {
                    return Some(entry.decompressed_size);
                }
                let resolve =
                    |base: &oid| Ok(p.index.lookup(base).and_then(|pos| p.entry_at(pos).ok()).map(HeaderBase::InPack));
                p.data.decode_header(entry, inflate, &resolve).ok().map(|o| o.object_size)
            }
            None => {
                let id = self.id(h);
                self.loose.iter().find_map(|s| s.try_header(&id).ok().flatten()).map(|(size, _)| size)
            }
        }
    }

    /// Reads a loose object; `None` when no loose store has it.
    pub fn read_loose(&self, id: &oid, out: &mut Vec<u8>) -> Result<Option<Kind>, String> {
        for store in &self.loose {
            match store.try_find(id, out) {
                Ok(Some(data)) => {
                    let kind = data.kind;
                    let len = data.data.len();
                    out.truncate(len);
                    return Ok(Some(kind));
                }
                Ok(None) => {}
                Err(e) => return Err(format!("object {id}: {}", one_line(&e.to_string()))),
            }
        }
        Ok(None)
    }

    /// Counts a read of `bytes` of a mapping; every 64 reads, or 1/8 of the budget read,
    /// looks at the resident set (and trims it if over). A read costs at least 64 KiB:
    /// the kernel may map pages around the one read.
    pub fn note_read(&self, bytes: u64) {
        const STEP: u64 = MAPPED_BUDGET / 8 / 64;
        let cost = bytes.max(STEP);
        let before = self.touched.fetch_add(cost, Ordering::Relaxed);
        if before + cost >= MAPPED_BUDGET / 8 {
            self.touched.store(0, Ordering::Relaxed);
            self.trim();
        }
    }

    /// Gives back the pages of the pack data mappings when more than [`MAPPED_BUDGET`] of
    /// mapped files are resident, and the index mappings' too only if that is not enough:
    /// index pages are hot (every lookup is a binary search), and unmapping them made a
    /// history walk fault them back in thousands of times (Linux; elsewhere nothing is
    /// measured and nothing is trimmed).
    pub fn trim(&self) {
        let over = || self.resident_file_bytes().is_some_and(|now| now > self.baseline + MAPPED_BUDGET);
        if over() {
            self.packs.iter().for_each(|p| p.maps[1].release());
            if over() {
                self.packs.iter().for_each(|p| p.maps[0].release());
            }
        }
    }
}

impl Objects {
    /// Resident file-backed (and shared) memory of this process, in bytes (Linux only).
    fn resident_file_bytes(&self) -> Option<u64> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let mut buf = [0u8; 128];
            let len = self.statm.as_ref()?.read_at(&mut buf, 0).ok()?;
            let text = std::str::from_utf8(&buf[..len]).ok()?;
            let shared: u64 = text.split_whitespace().nth(2)?.parse().ok()?;
            Some(shared * 4096)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

/// A set of handles, one bit each.
#[derive(Default)]
pub struct HandleSet {
    bits: Vec<u64>,
    len: usize,
}

impl HandleSet {
    /// A set sized for the packed objects of `objects` (it grows for loose ones).
    pub fn for_objects(objects: &Objects) -> HandleSet {
        HandleSet { bits: vec![0; (objects.num_packed() as usize).div_ceil(64)], len: 0 }
    }

    /// Adds `h`; false when it was there already.
    pub fn insert(&mut self, h: Handle) -> bool {
        let (word, bit) = ((h.0 / 64) as usize, h.0 % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        let was = self.bits[word] & (1 << bit) != 0;
        self.bits[word] |= 1 << bit;
        if !was {
            self.len += 1;
        }
        !was
    }

    pub fn contains(&self, h: Handle) -> bool {
        self.bits.get((h.0 / 64) as usize).is_some_and(|w| w & (1 << (h.0 % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The object directories: the repository's and its alternates'.
fn object_dirs(repo: &gix::Repository) -> Vec<PathBuf> {
    let main = repo.objects.store_ref().path().to_path_buf();
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut dirs = vec![main.clone()];
    dirs.extend(gix::odb::alternate::resolve(main, &cwd).unwrap_or_default());
    dirs
}

/// Every pack index that has its pack file, in a stable order.
fn pack_indices(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("pack")) else { continue };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "idx") && p.with_extension("pack").is_file())
            .collect();
        paths.sort();
        out.extend(paths);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testrepo::{blob_id, commit, git, repo, write};
    use super::*;

    #[test]
    fn packed_and_loose_objects_read_back_by_handle() {
        let dir = repo();
        let d = dir.path();
        write(d, "a.txt", "packed text");
        commit(d, "one");
        git(d, &["gc", "-q"]);
        write(d, "b.txt", "loose text");
        commit(d, "two");
        let root = GitRoot::discover(d).unwrap();
        let objects = Objects::open(&root).unwrap();
        assert!(objects.num_packed() > 0);
        let mut reader = Reader::new(1 << 20);
        let mut out = Vec::new();
        for (path, text, packed) in [("a.txt", "packed text", true), ("b.txt", "loose text", false)] {
            let id = blob_id(d, path);
            let h = objects.handle(&id).unwrap();
            assert_eq!(objects.packed(h).is_some(), packed, "{path}");
            assert_eq!(objects.id(h), id);
            assert_eq!(objects.read(h, &mut reader, &mut out).unwrap(), Kind::Blob);
            assert_eq!(out, text.as_bytes());
            assert_eq!(objects.handle(&id), Some(h), "the same handle the second time");
        }
        let missing = ObjectId::from_hex(b"0123456789012345678901234567890123456789").unwrap();
        assert_eq!(objects.handle(&missing), None);
    }

    #[test]
    fn a_handle_set_is_a_bit_per_object_and_grows() {
        let mut set = HandleSet::default();
        assert!(set.insert(Handle(3)));
        assert!(!set.insert(Handle(3)));
        assert!(set.insert(Handle(1000)));
        assert!(set.contains(Handle(3)) && set.contains(Handle(1000)) && !set.contains(Handle(4)));
        assert_eq!(set.len(), 2);
    }
}
