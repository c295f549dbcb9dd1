//! The one scanner: an engine's per-thread state (scratch space, read buffer, the rules a
//! path enables) and what it has found so far. The work-tree walk, the staged index, git
//! history, the audit's home files, environment and MCP values, `keyreach probe` and the
//! guard all scan through it, so they agree on path-limited rules, on what a sighting's
//! location is and on what is counted.
//!
//! Receives bytes (a file to stream, text in memory, a blob) with the [`Origin`] they came
//! from; hands on [`Sighting`]s, [`Stats`] and [`Problem`]s in its [`Gathered`].

use std::path::Path;

use crate::credentials::{Evidence, Location, ProbePart, Secret, Sighting};
use crate::engine::{self, Engine, Match, Position, StreamOptions, StreamOutcome};
use crate::rules::{RuleId, RuleSet};
use crate::source::env::EnvVar;
use crate::source::fs::SkipReason;
use crate::source::{Origin, Problem, Reach, Skipped, Stats};

use super::Progress;

/// What scanning has produced, before judging.
#[derive(Debug, Default)]
pub struct Gathered {
    pub sightings: Vec<Sighting>,
    pub stats: Stats,
    pub problems: Vec<Problem>,
    /// Files not scanned (binary, over the size limit, special files, links).
    pub skipped: Vec<Skipped>,
}

impl Gathered {
    /// Adds everything `other` gathered.
    pub fn merge(&mut self, other: Gathered) {
        self.stats.merge(&other.stats);
        self.sightings.extend(other.sightings);
        self.problems.extend(other.problems);
        self.skipped.extend(other.skipped);
    }

    /// Records a file that was not scanned (and counts it, when the stats count that kind).
    pub fn skip(&mut self, path: &str, reason: SkipReason) {
        match reason {
            SkipReason::TooLarge => self.stats.skipped_large += 1,
            SkipReason::Binary => self.stats.skipped_binary += 1,
            SkipReason::NotRegular | SkipReason::Link | SkipReason::Directory => {}
        }
        self.skipped.push(Skipped { path: path.to_string(), reason });
    }

    /// Records a path that could not be scanned.
    pub fn problem(&mut self, path: &str, cause: impl Into<String>) {
        self.stats.errors += 1;
        self.problems.push(Problem { path: path.to_string(), cause: cause.into() });
    }
}

/// Which path-limited rules run on the next input.
#[derive(Debug, Clone, Copy)]
pub enum PathRules<'p> {
    /// Those whose globs match this display path; rules excluded there are off.
    For(&'p str),
    /// Every path-limited rule (a blob whose paths are not known yet).
    All,
    /// None (the plain scan of a blob where a path-limited rule matched).
    None,
}

/// One engine scanner; make one per thread.
pub struct Scanner<'a> {
    engine: &'a Engine,
    stream: &'a StreamOptions,
    scratch: engine::Scratch,
    buf: Vec<u8>,
    ids: Vec<RuleId>,
    excluded: Vec<RuleId>,
    /// Everything found so far.
    pub found: Gathered,
}

/// A blob's matches: with every path-limited rule on, and, when one of those matched, also
/// with none (`plain`), so that where none applies the generic matches it hid still count.
#[derive(Debug, Default)]
pub struct BlobMatches {
    pub hits: Vec<Sighting>,
    /// The path-limited rules that matched.
    pub scoped: Vec<RuleId>,
    pub plain: Vec<Sighting>,
}

impl<'a> Scanner<'a> {
    pub fn new(engine: &'a Engine, stream: &'a StreamOptions) -> Scanner<'a> {
        Scanner {
            engine,
            stream,
            scratch: engine.scratch(),
            buf: Vec::new(),
            ids: Vec::new(),
            excluded: Vec::new(),
            found: Gathered::default(),
        }
    }

    pub fn engine(&self) -> &'a Engine {
        self.engine
    }

    /// Turns on the path-limited rules `which` selects.
    fn limit(&mut self, which: PathRules<'_>) {
        let rules = self.engine.rules();
        match which {
            PathRules::For(display) => {
                rules.path_rules(Path::new(display), &mut self.ids);
                rules.excluded_rules(Path::new(display), &mut self.excluded);
            }
            PathRules::All => {
                self.ids.clear();
                self.ids.extend(rules.iter().filter(|(_, r)| !r.paths.is_empty()).map(|(id, _)| id));
                self.excluded.clear();
            }
            PathRules::None => {
                self.ids.clear();
                self.excluded.clear();
            }
        }
        self.engine.enable_path_rules(&mut self.scratch, &self.ids);
        self.engine.disable_rules(&mut self.scratch, &self.excluded);
    }

    /// Streams the file at `path`, shown as `origin.path`. It is skipped (and counted)
    /// when larger than `max`, and read no further than `max` (or the size seen, if
    /// larger): a file growing while it is read must not keep the scan going.
    pub fn file(&mut self, path: &Path, size: Option<u64>, origin: &Origin, max: Option<u64>, progress: &dyn Progress) {
        let display = origin.path.as_str();
        let file = match crate::source::fs::open(path) {
            Ok(f) => f,
            Err(e) => return self.found.problem(display, e.to_string()),
        };
        let size = size.or_else(|| file.metadata().ok().map(|m| m.len())).unwrap_or(0);
        if max.is_some_and(|max| size > max) {
            return self.found.skip(display, SkipReason::TooLarge);
        }
        let mut file = crate::source::fs::Capped::new(file, max.map_or(u64::MAX, |max| max.max(size)));
        self.limit(PathRules::For(display));
        let sightings = &mut self.found.sightings;
        let rules = self.engine.rules();
        let mut emit = |m: &Match, chunk: &[u8]| sightings.push(sighting_with_parts(m, chunk, origin, Some(rules)));
        match self.engine.scan_reader(&mut file, self.stream, &mut self.scratch, &mut self.buf, &mut emit) {
            Ok(StreamOutcome::Scanned { bytes }) => {
                self.found.stats.files += 1;
                self.found.stats.bytes += bytes;
                progress.file_done(bytes);
                if file.was_cut() {
                    let cause = format!("grew while being read: only its first {bytes} bytes were scanned");
                    self.found.problem(display, cause);
                }
            }
            Ok(StreamOutcome::Binary) => self.found.skip(display, SkipReason::Binary),
            Err(e) => self.found.problem(display, e.to_string()),
        }
    }

    /// Scans text in memory as if it were the file `origin.path`; returns its sightings
    /// (nothing is counted: the caller decides what the text is).
    pub fn text(&mut self, text: &[u8], origin: &Origin) -> Vec<Sighting> {
        self.limit(PathRules::For(&origin.path));
        let rules = self.engine.rules();
        self.engine
            .scan(text, Position::START, &mut self.scratch)
            .iter()
            .map(|m| sighting_with_parts(m, text, origin, Some(rules)))
            .collect()
    }

    /// The engine's matches in `text` with the rules as last limited.
    fn matches(&mut self, text: &[u8]) -> &[Match] {
        self.engine.scan(text, Position::START, &mut self.scratch)
    }

    /// Scans one environment variable: located at `$NAME`, with no line or column (for the
    /// companion too).
    pub fn env(&mut self, var: &EnvVar) -> Vec<Sighting> {
        let origin = Origin { path: var.display(), reach: Reach::Env, commit: None };
        let mut found = self.text(&var.text, &origin);
        for s in &mut found {
            s.location.line = None;
            s.location.column = None;
            if let Some((_, loc)) = s.companion.as_mut() {
                loc.line = None;
                loc.column = None;
            }
        }
        found
    }

    /// Scans a blob of `reach` whose paths are not known yet (placeholder locations), and
    /// counts it. Blobs over `max` or binary ones (unless binary files are scanned) are
    /// skipped and counted.
    pub fn blob(&mut self, data: &[u8], reach: Reach, max: Option<u64>, progress: &dyn Progress) -> BlobMatches {
        let mut out = BlobMatches::default();
        if max.is_some_and(|max| data.len() as u64 > max) {
            self.found.stats.skipped_large += 1;
            return out;
        }
        if self.stream.skip_binary && engine::looks_binary(data) {
            self.found.stats.skipped_binary += 1;
            return out;
        }
        self.found.stats.files += 1;
        self.found.stats.bytes += data.len() as u64;
        progress.file_done(data.len() as u64);
        let origin = Origin { path: String::new(), reach, commit: None };
        self.limit(PathRules::All);
        let engine = self.engine;
        for m in self.matches(data) {
            if !engine.rules().get(m.rule).paths.is_empty() {
                out.scoped.push(m.rule);
            }
            out.hits.push(sighting_with_parts(m, data, &origin, Some(engine.rules())));
        }
        if !out.scoped.is_empty() {
            self.limit(PathRules::None);
            out.plain = self.matches(data).iter().map(|m| sighting(m, data, &origin)).collect();
        }
        out
    }

    /// The best match in `text` (`keyreach probe`): of the matches `keep` accepts, the one
    /// whose rule ranks highest (the earlier rule on a tie).
    pub fn best(&mut self, text: &[u8], origin: &Origin, keep: impl Fn(RuleId) -> bool) -> Option<Sighting> {
        self.limit(PathRules::For(&origin.path));
        let rules = self.engine.rules().clone();
        self.matches(text)
            .iter()
            .filter(|m| keep(m.rule))
            .max_by_key(|m| (rules.get(m.rule).rank(), std::cmp::Reverse(m.rule)))
            .map(|m| sighting_with_parts(m, text, origin, Some(&rules)))
    }
}

/// Turns an engine match in `chunk` into a sighting at `origin`.
pub fn sighting(m: &Match, chunk: &[u8], origin: &Origin) -> Sighting {
    sighting_with_parts(m, chunk, origin, None)
}

/// [`sighting`], with the values the rule's probe reads (`[[rule.part]]`: a tenant id, a
/// site, a session token) found around the match when `rules` is given.
pub fn sighting_with_parts(m: &Match, chunk: &[u8], origin: &Origin, rules: Option<&RuleSet>) -> Sighting {
    let parts = match rules.map(|r| r.get(m.rule)) {
        Some(rule) if !rule.parts.is_empty() && m.decoded.is_none() => rule
            .find_parts(chunk, m.span.clone(), |v| !engine::filter::is_placeholder(v))
            .into_iter()
            .map(|(name, value, secret)| ProbePart { name, value: Secret::new(&value), secret })
            .collect(),
        _ => Vec::new(),
    };
    Sighting {
        parts,
        rule: m.rule,
        secret: Secret::new(m.secret_bytes(chunk)),
        location: Location::at(origin, m.line, m.column),
        companion: m
            .companion_part(chunk)
            .map(|(c, line, column)| (Secret::new(c), Location::at(origin, line, column))),
        evidence: m.evidence.as_deref().map(|e| Evidence { provider: e.provider.clone(), reason: e.reason.clone() }),
    }
}
