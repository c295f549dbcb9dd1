//! The work-tree walk: every file under the roots through one [`Scanner`] per thread,
//! then each sighting labelled tracked, untracked or ignored against its root's repository.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::config::Settings;
use crate::credentials::Sighting;
use crate::engine::Engine;
use crate::source::archive::{self, Event};
use crate::source::fs::{FileEntry, SkipReason, WalkEvent};
use crate::source::{self, Origin, Reach};

use super::Progress;
use super::scanner::{Gathered, Scanner};

/// What the walk saw: sightings labelled with their reach, and the `.aiexclude` files met
/// on the way (agent ignore files that apply in any directory).
#[derive(Default)]
pub struct Walked {
    pub found: Gathered,
    pub agent_files: Vec<PathBuf>,
}

/// Walks the file-system roots; nothing is judged.
pub fn walk_roots(settings: &Settings, engine: &Engine, progress: &dyn Progress) -> anyhow::Result<Walked> {
    let excludes = source::fs::check(&settings.walk)?;
    let shared = Mutex::new(Shared::default());
    source::fs::walk(&settings.walk, &excludes, || {
        let mut worker = Worker {
            scanner: Scanner::new(engine, &settings.stream),
            max: settings.walk.max_file_size,
            archives: settings.archives.then(|| archive::Limits {
                member: settings.walk.max_file_size.unwrap_or(u64::MAX),
                ..archive::Limits::default()
            }),
            skip_binary: settings.stream.skip_binary,
            progress,
            shared: &shared,
            paths: Vec::new(),
            agent_files: Vec::new(),
        };
        Box::new(move |event| worker.handle(event))
    });
    let Shared { mut found, paths, mut agent_files } = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    agent_files.sort();
    let sightings = std::mem::take(&mut found.sightings);
    found.sightings = label_reach(&settings.walk.roots, paths.into_iter().zip(sightings).collect());
    Ok(Walked { found, agent_files })
}

/// State merged from every worker when it finishes.
#[derive(Default)]
struct Shared {
    found: Gathered,
    /// The file each sighting of `found` was seen in, in the same order.
    paths: Vec<PathBuf>,
    agent_files: Vec<PathBuf>,
}

/// One walking thread.
struct Worker<'a> {
    scanner: Scanner<'a>,
    max: Option<u64>,
    /// How far to read into archives; `None`: scanned as files (`--no-archives`).
    archives: Option<archive::Limits>,
    skip_binary: bool,
    progress: &'a dyn Progress,
    shared: &'a Mutex<Shared>,
    paths: Vec<PathBuf>,
    agent_files: Vec<PathBuf>,
}

impl Worker<'_> {
    fn handle(&mut self, event: WalkEvent) {
        match event {
            WalkEvent::File(entry) => self.file(entry),
            WalkEvent::Skipped { reason: SkipReason::Directory, .. } => {}
            WalkEvent::Skipped { display, reason } => self.scanner.found.skip(&display, reason),
            WalkEvent::Error { display, message } => self.scanner.found.problem(&display, message),
        }
    }

    fn file(&mut self, entry: FileEntry) {
        if source::agent::is_nested_ignore_file(&entry.path) {
            self.agent_files.push(entry.path.clone());
        }
        let before = self.scanner.found.sightings.len();
        match (self.archives, archive::kind(&entry.display)) {
            (Some(limits), Some(kind)) => self.archive(&entry, kind, limits),
            _ => {
                let origin = Origin { path: entry.display, reach: Reach::Untracked, commit: None };
                self.scanner.file(&entry.path, Some(entry.size), &origin, self.max, self.progress);
            }
        }
        let added = self.scanner.found.sightings.len() - before;
        self.paths.extend(std::iter::repeat_n(entry.path, added));
    }

    /// Scans the members of an archive, each shown as `archive!member` with the archive's
    /// reach (labelled by the archive's path afterwards).
    fn archive(&mut self, entry: &FileEntry, kind: archive::Kind, limits: archive::Limits) {
        let found = &mut self.scanner.found;
        if self.max.is_some_and(|max| entry.size > max) {
            return found.skip(&entry.display, SkipReason::TooLarge);
        }
        let file = match source::fs::open(&entry.path) {
            Ok(f) => f,
            Err(e) => return found.problem(&entry.display, e.to_string()),
        };
        let (scanner, skip_binary, progress) = (&mut self.scanner, self.skip_binary, self.progress);
        archive::read(file, kind, &entry.display, limits, &mut |event| match event {
            Event::Member { name, data } => {
                if skip_binary && crate::engine::looks_binary(data) {
                    return scanner.found.skip(name, SkipReason::Binary);
                }
                let origin = Origin { path: name.to_string(), reach: Reach::Untracked, commit: None };
                let sightings = scanner.text(data, &origin);
                scanner.found.sightings.extend(sightings);
                scanner.found.stats.files += 1;
                scanner.found.stats.bytes += data.len() as u64;
                progress.file_done(data.len() as u64);
            }
            Event::Skipped { name, .. } => scanner.found.skip(name, SkipReason::Link),
            Event::Problem { name, cause } => scanner.found.problem(name, cause),
        });
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let found = std::mem::take(&mut self.scanner.found);
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.found.merge(found);
        shared.paths.append(&mut self.paths);
        shared.agent_files.append(&mut self.agent_files);
    }
}

/// Replaces the provisional reach of file sightings with tracked/untracked/ignored,
/// classifying each root's paths against the repository that root is in.
fn label_reach(roots: &[PathBuf], sightings: Vec<(PathBuf, Sighting)>) -> Vec<Sighting> {
    let mut by_root: BTreeMap<usize, Vec<(PathBuf, Sighting)>> = BTreeMap::new();
    for (path, s) in sightings {
        let root = roots.iter().position(|r| path.starts_with(r)).unwrap_or(0);
        by_root.entry(root).or_default().push((path, s));
    }
    let mut out = Vec::new();
    for (root, group) in by_root {
        let labels =
            source::git::worktree::Classifier::for_root(&roots[root]).classify(group.iter().map(|(p, _)| p.as_path()));
        for (path, mut s) in group {
            let reach = labels.get(&path).copied().unwrap_or(Reach::Untracked);
            s.location.reach = reach;
            if let Some((_, loc)) = s.companion.as_mut() {
                loc.reach = reach;
            }
            out.push(s);
        }
    }
    out
}
