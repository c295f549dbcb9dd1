//! The pipeline: sources → engine → credentials → scope → policy, and the only module that
//! imports every stage. One [`Scanner`](scanner::Scanner) per thread serves the work-tree
//! walk, the staged index, git history, the audit's home files, environment and MCP values,
//! `keyreach probe` and the guard; every run ends in one [`judge`] and one [`Outcome`].
//! Printing is left to [`crate::report`] and the binary.

pub mod audit;
mod exposed;
pub mod git;
mod import;
mod input;
mod judge;
mod load;
mod redact;
pub mod scanner;
mod walk;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::baseline;
use crate::config::Settings;
use crate::engine::Engine;
use crate::policy::Finding;
use crate::policy::blast::{self, BlastRadius};
use crate::rules::RuleSet;
use crate::source::{Inventory, Problem, Skipped, Stats};

pub use exposed::{Exposed, Exposures, LineFilter, Walk, exposed};
pub use import::{Imported, import_baseline};
pub use input::probe_input;
pub use judge::judge;
pub use load::{check_rules, load_rules};
pub use scanner::{Gathered, Scanner, sighting};

/// Called once at start (glibc on Linux; elsewhere nothing). glibc raises its mmap threshold
/// each time a large block is freed (up to 32 MiB); after that, large buffers (delta
/// decoding, read chunks, automata) come from the heap arenas and stay there, fragmented. On a 1.5M-object history the heap grew to 117 MiB, against 76 MiB with the
/// threshold fixed (setting it turns the raising off), at no measurable cost in time.
/// And glibc gives each new thread its own arena (up to eight per core), each with its own
/// free memory; one per core is enough for scanning threads that allocate little: 1.5 MiB
/// less on a 462 MB tree, same time.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets allocator parameters, which glibc reads under its lock.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Receives progress from scanning threads (the binary draws a bar; tests ignore it).
pub trait Progress: Sync {
    fn file_done(&self, bytes: u64);
}

/// No progress display.
pub struct NoProgress;

impl Progress for NoProgress {
    fn file_done(&self, _bytes: u64) {}
}

/// What a run found, judged and ready to print.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Judged, sorted findings.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// What could not be read, sorted.
    pub problems: Vec<Problem>,
    /// Files not scanned and why, sorted.
    pub skipped: Vec<Skipped>,
    /// What an audit read besides the workspace walk (empty for a scan).
    pub inventory: Inventory,
    /// The findings' blast radius under the run's policy.
    pub blast: BlastRadius,
}

impl Outcome {
    /// Judges what was gathered and finishes the outcome.
    fn finish(
        settings: &Settings,
        rules: &RuleSet,
        started: Instant,
        gathered: Gathered,
        inventory: Inventory,
    ) -> Self {
        let Gathered { sightings, mut stats, mut problems, mut skipped } = gathered;
        let (mut findings, accepted) = judge::judge_counted(settings, rules, sightings);
        stats.baselined = accepted;
        if !settings.show_secrets {
            redact::redact_paths(&mut findings, &mut problems, &mut skipped);
        }
        skipped.sort();
        let blast = blast::build(&findings, &inventory, &settings.policy);
        stats.seconds = started.elapsed().as_secs_f64();
        problems.sort();
        Outcome { findings, stats, problems, skipped, inventory, blast }
    }
}

/// Scans the file system roots in `settings` (with `--history`, their git history too;
/// with `--staged`, only what the next commit would record) and judges what it finds.
pub fn scan(settings: &Settings, rules: Arc<RuleSet>, progress: &dyn Progress) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let engine = Engine::new(rules.clone(), settings.engine.clone())?;
    // A scan reads only its roots: no home, environment or agent sources to list.
    let inventory = Inventory::default();
    if settings.walk.roots.iter().any(|r| r.as_os_str() == input::STDIN) {
        let found = input::scan_stdin(settings, &engine, progress)?;
        return Ok(Outcome::finish(settings, &rules, started, found, inventory));
    }
    if settings.git.staged {
        let found = git::staged(settings, &engine, progress)?;
        return Ok(Outcome::finish(settings, &rules, started, found, inventory));
    }
    // A clone of a remote repository (`--git-url`) is bare: its history is its content.
    let walked = match settings.git.remotes.is_empty() {
        true => walk::walk_roots(settings, &engine, progress)?,
        false => walk::Walked::default(),
    };
    let mut found = walked.found;
    if let [root] = settings.walk.roots.as_slice() {
        if root.is_dir() {
            audit::mark_hidden(&mut found.sightings, root, None, &walked.agent_files);
        }
    }
    if settings.git.history {
        let mut history = git::history(settings, &engine, progress)?;
        let sightings = git::fold(std::mem::take(&mut found.sightings), std::mem::take(&mut history.sightings));
        found.merge(history);
        found.sightings = sightings;
    }
    Ok(Outcome::finish(settings, &rules, started, found, inventory))
}

/// Scans like [`scan`] without any baseline and returns the baseline accepting every
/// finding: one entry per (path, rule, fingerprint). With `update`, keeps only the
/// entries of `update` that still occur (adding nothing new).
pub fn make_baseline(
    settings: &Settings,
    rules: Arc<RuleSet>,
    progress: &dyn Progress,
    update: Option<&baseline::Baseline>,
) -> anyhow::Result<(baseline::Baseline, Outcome)> {
    let unfiltered = Settings { baseline: None, ..settings.clone() };
    let outcome = scan(&unfiltered, rules, progress)?;
    let base = judge::baseline_base(settings);
    let current = baseline::Baseline::new(outcome.findings.iter().flat_map(|f| {
        f.credential.locations.iter().map(|l| baseline::Entry {
            path: if l.reach.in_workspace() { baseline::rooted(&base, &l.path) } else { l.path.clone() },
            rule: f.rule_id.clone(),
            fingerprint: f.credential.fingerprint.to_string(),
        })
    }));
    let result = match update {
        Some(old) => {
            let mut kept = old.clone();
            kept.retain_in(&current, &judge::baseline_base(settings));
            kept
        }
        None => current,
    };
    Ok((result, outcome))
}

/// The one workspace directory of an audit or a guard call.
fn one_root(settings: &Settings) -> PathBuf {
    settings.walk.roots.first().cloned().unwrap_or_else(|| PathBuf::from("."))
}
