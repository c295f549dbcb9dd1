//! Scanning git content — the staged index and the history — with the engine, and merging
//! history sightings with the working tree's.
//!
//! Receives settings and a built [`Engine`]; hands on [`Sighting`]s that [`super::judge`]
//! dedupes and judges like any other. Blob contents go through one [`Scanner`] per thread;
//! matches are recorded against the blob id and given their path and commit afterwards, so
//! blobs without matches cost no allocation.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use gix::bstr::{BStr, ByteSlice};
use gix::hash::ObjectId;

use crate::config::Settings;
use crate::credentials::{Fingerprint, Sighting};
use crate::engine::Engine;
use crate::rules::RuleId;
use crate::source::git::blobs::{self, BlobEvent};
use crate::source::git::commits::{self, Introduced};
use crate::source::git::objects::{Handle, Objects};
use crate::source::git::{GitRoot, index};
use crate::source::{CommitRef, Reach};

use super::Progress;
use super::scanner::{Gathered, Scanner};

/// Scans the staged blobs of the repository each root is in; paths are relative to the
/// root (or, with several roots, joined to it) and limited to what lies under it.
pub fn staged(settings: &Settings, engine: &Engine, progress: &dyn Progress) -> anyhow::Result<Gathered> {
    let mut out = Gathered::default();
    let excludes = crate::source::fs::check(&settings.walk)?;
    for (n, root_path) in settings.walk.roots.iter().enumerate() {
        let root = GitRoot::discover(root_path)?;
        let files = index::staged_files(&root)?;
        let mut paths: HashMap<ObjectId, Vec<String>> = HashMap::new();
        for file in &files {
            if let Some(rel) = root.strip(file.path.as_bstr()) {
                if !excludes.is_match(rel.to_str_lossy().as_ref()) {
                    paths.entry(file.id).or_default().push(display(settings, n, rel));
                }
            }
        }
        let objects = Objects::open(&root)?;
        let handles: Vec<Handle> = paths.keys().filter_map(|id| objects.handle(id)).collect();
        let scan = BlobScan::new(settings, engine, Reach::Staged, progress);
        blobs::read_blobs(&objects, &handles, settings.walk.max_file_size, settings.walk.threads, || scan.visitor());
        let mut found = scan.finish();
        out.merge(std::mem::take(&mut found.found));
        for (id, s, plain) in found.all() {
            for path in paths.get(&id).into_iter().flatten() {
                let mut s = s.clone();
                place(&mut s, path, None);
                if found.keep(engine, &id, &s, plain, path) {
                    out.sightings.push(s);
                }
            }
        }
    }
    Ok(out)
}

/// Scans every blob reachable from any ref (or, with `since`, introduced after it), once
/// per distinct blob. Each sighting names the path and commit that introduced the blob; of
/// the versions of one file holding the same secret, only the first is kept.
pub fn history(settings: &Settings, engine: &Engine, progress: &dyn Progress) -> anyhow::Result<Gathered> {
    let mut out = Gathered::default();
    let excludes = crate::source::fs::check(&settings.walk)?;
    for (n, root_path) in settings.walk.roots.iter().enumerate() {
        let root = GitRoot::discover(root_path)?;
        // A shallow clone has only the fetched commits: what was removed before them is
        // missed and older secrets look introduced by the oldest one. Said, not hidden.
        let shallow = root.repo.to_thread_local().is_shallow().unwrap_or(false);
        out.stats.merge(&crate::source::Stats { shallow_history: Some(shallow), ..Default::default() });
        let objects = Objects::open(&root)?;
        let (max, threads) = (settings.walk.max_file_size, settings.walk.threads);
        let scan = BlobScan::new(settings, engine, Reach::History, progress);
        let commits = match settings.git.since.as_deref() {
            None => {
                blobs::scan_packs(&objects, max, threads, || scan.visitor())?;
                None
            }
            Some(rev) => {
                let commits = commits::commits(&root, &objects, Some(rev))?;
                let new = commits::new_blobs(&root, &objects, &commits)?;
                blobs::read_blobs(&objects, &new, max, threads, || scan.visitor());
                Some(commits)
            }
        };
        let mut hits = scan.finish();
        out.merge(std::mem::take(&mut hits.found));
        if hits.hits.is_empty() {
            continue;
        }
        let commits = match commits {
            Some(commits) => commits,
            None => commits::commits(&root, &objects, None)?,
        };
        let targets: HashSet<ObjectId> = hits.hits.iter().map(|(id, _)| *id).collect();
        let introduced = commits::introductions(&root, &objects, &commits, &targets)?;
        let placed = Placement { settings, engine, excludes: &excludes, root_index: n, root: &root, objects: &objects };
        out.sightings.extend(placed.first_introductions(&commits, hits, &introduced));
    }
    Ok(out)
}

/// Where history hits land: under which root, shown how, and which paths are excluded.
struct Placement<'a> {
    settings: &'a Settings,
    engine: &'a Engine,
    excludes: &'a globset::GlobSet,
    root_index: usize,
    root: &'a GitRoot,
    objects: &'a Objects,
}

impl Placement<'_> {
    /// Gives each hit its path and commit, drops blobs no ref reaches (or outside the root,
    /// or excluded) and, per (secret, path), keeps only the sightings from the earliest
    /// commit.
    fn first_introductions(
        &self,
        commits: &commits::Commits,
        found: BlobHits,
        introduced: &HashMap<ObjectId, Introduced>,
    ) -> Vec<Sighting> {
        let mut placed: Vec<(usize, Fingerprint, Sighting)> = Vec::new();
        let mut commit_refs: HashMap<usize, CommitRef> = HashMap::new();
        for (id, s, plain) in found.all() {
            let mut s = s.clone();
            let Some(intro) = introduced.get(&id) else { continue };
            let Some(rel) = self.root.strip(intro.path.as_bstr()) else { continue };
            if self.excludes.is_match(rel.to_str_lossy().as_ref()) {
                continue;
            }
            let path = display(self.settings, self.root_index, rel);
            let commit =
                commit_refs.entry(intro.commit).or_insert_with(|| commits.commit_ref(self.objects, intro.commit));
            place(&mut s, &path, Some(commit.clone()));
            if found.keep(self.engine, &id, &s, plain, &path) {
                placed.push((intro.commit, Fingerprint::of(s.secret.expose()), s));
            }
        }
        let mut first: HashMap<(Fingerprint, String), usize> = HashMap::new();
        for (commit, fp, s) in &placed {
            let slot = first.entry((*fp, s.location.path.clone())).or_insert(*commit);
            *slot = (*slot).min(*commit);
        }
        placed
            .into_iter()
            .filter(|(commit, fp, s)| first.get(&(*fp, s.location.path.clone())) == Some(commit))
            .map(|(_, _, s)| s)
            .collect()
    }
}

/// Merges history sightings into the working tree's: a secret still at the same path in
/// the working tree is reported there (with the commit that introduced it); a history
/// sighting stays, with `reach: history`, only where the working tree no longer has it.
pub fn fold(mut worktree: Vec<Sighting>, history: Vec<Sighting>) -> Vec<Sighting> {
    let key = |s: &Sighting| (Fingerprint::of(s.secret.expose()), s.location.path.clone());
    let present: HashSet<(Fingerprint, String)> = worktree.iter().map(key).collect();
    let mut introduced: HashMap<(Fingerprint, String), CommitRef> = HashMap::new();
    let mut kept = Vec::new();
    for s in history {
        let k = key(&s);
        if present.contains(&k) {
            if let Some(commit) = s.location.commit {
                introduced.entry(k).or_insert(commit);
            }
        } else {
            kept.push(s);
        }
    }
    for s in &mut worktree {
        if s.location.commit.is_none() {
            s.location.commit = introduced.get(&key(s)).cloned();
        }
    }
    worktree.extend(kept);
    worktree
}

/// The path shown for `rel` (relative to root `n`): as is with one directory root, else
/// joined to the root as given.
fn display(settings: &Settings, n: usize, rel: &BStr) -> String {
    let rel = rel.to_str_lossy();
    let remote = settings.git.remotes.iter().find(|(dir, _)| settings.walk.roots.get(n) == Some(dir));
    if let Some((_, url)) = remote {
        return format!("{}/{rel}", url.trim_end_matches('/'));
    }
    match settings.walk.roots.as_slice() {
        [only] if only.is_dir() => rel.into_owned(),
        roots => {
            let root = &roots[n];
            if root.is_dir() {
                crate::source::fs::display_path(&root.join(rel.as_ref()))
            } else {
                crate::source::fs::display_path(root)
            }
        }
    }
}

fn place(s: &mut Sighting, path: &str, commit: Option<CommitRef>) {
    s.location.path = path.to_string();
    s.location.commit = commit.clone();
    if let Some((_, loc)) = s.companion.as_mut() {
        loc.path = path.to_string();
        loc.commit = commit;
    }
}

/// Blobs are scanned with every path-limited rule enabled (their paths are not known
/// yet); a match of such a rule counts only where the rule's globs match the path.
fn path_rule_applies(engine: &Engine, s: &Sighting, path: &str) -> bool {
    let rules = engine.rules();
    if rules.get(s.rule).paths.is_empty() {
        return true;
    }
    let mut ids = Vec::new();
    rules.path_rules(Path::new(path), &mut ids);
    ids.contains(&s.rule)
}

/// Matches found in blobs, by blob id, with placeholder locations.
#[derive(Default)]
struct BlobHits {
    hits: Vec<(ObjectId, Sighting)>,
    /// Blobs where a path-limited rule matched, with those rules. Such a match can make a
    /// generic one yield, so these blobs are also scanned without path-limited rules
    /// (`plain`): where none of the rules applies, those sightings count instead.
    scoped: HashMap<ObjectId, Vec<RuleId>>,
    plain: Vec<(ObjectId, Sighting)>,
    found: Gathered,
}

impl BlobHits {
    /// Every sighting with its blob, marked `true` for a scan without path-limited rules.
    fn all(&self) -> impl Iterator<Item = (ObjectId, &Sighting, bool)> {
        let hits = self.hits.iter().map(|(id, s)| (*id, s, false));
        hits.chain(self.plain.iter().map(|(id, s)| (*id, s, true)))
    }

    /// Whether a sighting of blob `id` holds at `path`: a path-limited rule's match only
    /// where its globs match; where none of the blob's path-limited rules applies, the
    /// plain scan's sightings instead, so no generic match is lost to a rule that does not
    /// apply there.
    fn keep(&self, engine: &Engine, id: &ObjectId, s: &Sighting, plain: bool, path: &str) -> bool {
        match self.scoped.get(id) {
            None => !plain,
            Some(rules) => {
                let mut applying = Vec::new();
                engine.rules().path_rules(Path::new(path), &mut applying);
                let applies = rules.iter().any(|r| applying.contains(r));
                if plain { !applies } else { applies && path_rule_applies(engine, s, path) }
            }
        }
    }

    fn extend(&mut self, other: BlobHits) {
        self.hits.extend(other.hits);
        self.scoped.extend(other.scoped);
        self.plain.extend(other.plain);
        self.found.merge(other.found);
    }
}

/// Hands out one blob worker (a [`Scanner`]) per thread a source asks for, and gathers
/// their hits.
struct BlobScan<'a> {
    engine: &'a Engine,
    settings: &'a Settings,
    progress: &'a dyn Progress,
    reach: Reach,
    shared: Mutex<BlobHits>,
}

impl<'a> BlobScan<'a> {
    fn new(settings: &'a Settings, engine: &'a Engine, reach: Reach, progress: &'a dyn Progress) -> Self {
        BlobScan { engine, settings, progress, reach, shared: Mutex::new(BlobHits::default()) }
    }

    /// A visitor for one thread.
    fn visitor(&self) -> impl FnMut(BlobEvent<'_>) + Send + '_ {
        let mut worker = BlobWorker {
            scan: self,
            scanner: Scanner::new(self.engine, &self.settings.stream),
            local: BlobHits::default(),
        };
        move |event| worker.handle(event)
    }

    fn finish(self) -> BlobHits {
        self.shared.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// One scanning thread for blobs: its scanner and results until it ends.
struct BlobWorker<'a> {
    scan: &'a BlobScan<'a>,
    scanner: Scanner<'a>,
    local: BlobHits,
}

impl BlobWorker<'_> {
    fn handle(&mut self, event: BlobEvent<'_>) {
        match event {
            BlobEvent::Blob(blob) => {
                let max = self.scan.settings.walk.max_file_size;
                let found = self.scanner.blob(blob.data, self.scan.reach, max, self.scan.progress);
                if found.hits.is_empty() {
                    return;
                }
                let Some(id) = blob.id() else {
                    return self.scanner.found.problem("git", "a blob's SHA-1 collision detection failed");
                };
                self.local.hits.extend(found.hits.into_iter().map(|s| (id, s)));
                if !found.scoped.is_empty() {
                    self.local.plain.extend(found.plain.into_iter().map(|s| (id, s)));
                    self.local.scoped.insert(id, found.scoped);
                }
            }
            BlobEvent::TooLarge { .. } => self.scanner.found.stats.skipped_large += 1,
            BlobEvent::Error { id, message } => {
                let what = id.map_or_else(|| "git".to_string(), |id| format!("blob {id}"));
                self.scanner.found.problem(&what, message);
            }
        }
    }
}

impl Drop for BlobWorker<'_> {
    fn drop(&mut self) {
        let mut local = std::mem::take(&mut self.local);
        local.found = std::mem::take(&mut self.scanner.found);
        let mut shared = self.scan.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.extend(local);
    }
}
