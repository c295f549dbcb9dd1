//! keyreach: finds every credential an AI coding agent can reach, learns what each one can
//! do, and judges it against a least-privilege policy.
//!
//! This file runs the pipeline — sources → engine → credentials → scope → policy — and is
//! the library API the binary and tests call. It is the only module importing every stage;
//! printing is left to [`report`] and the binary.

pub mod audit;
pub mod baseline;
pub mod config;
pub mod credentials;
pub mod engine;
pub mod guard;
pub mod policy;
pub mod report;
pub mod rules;
pub mod scope;
pub mod source;

mod gitscan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use config::{RuleSources, Settings};
use credentials::{Collector, Credential, Location, Secret, Sighting};
use engine::{Engine, Match, StreamOutcome, check};
use policy::Finding;
use rules::{RuleErrors, RuleId, RuleSet};
use source::fs::{FileEntry, SkipReason, WalkEvent};
use source::{Origin, Reach, Stats};

/// Receives progress from scanning threads (the binary draws a bar; tests ignore it).
pub trait Progress: Sync {
    fn file_done(&self, bytes: u64);
}

/// No progress display.
pub struct NoProgress;

impl Progress for NoProgress {
    fn file_done(&self, _bytes: u64) {}
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Judged, sorted findings.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Paths that could not be read, as `path: cause` lines.
    pub problems: Vec<String>,
}

/// Loads the built-in rules plus the user's. User rules are compiled and their examples
/// run now, so a bad one fails at load with its file and id.
pub fn load_rules(sources: &RuleSources) -> Result<Arc<RuleSet>, RuleErrors> {
    let mut specs = RuleSet::builtin_specs()?;
    let builtin = specs.len();
    for dir in &sources.dirs {
        specs.extend(rules::read_dir(dir)?);
    }
    specs.extend(sources.inline.iter().cloned());
    let user_ids: Vec<String> = specs[builtin..].iter().map(|(_, s)| s.id.clone()).collect();
    let mut set = RuleSet::from_specs_trusting(specs, builtin)?;
    if sources.untrusted_inline {
        for (_, spec) in &sources.inline {
            if let Some(id) = set.find(&spec.id) {
                set.distrust(id);
            }
        }
    }
    let set = Arc::new(set);
    let is_user = |r: &rules::Rule| user_ids.contains(&r.id);
    set.compile_all(is_user)?;
    if !user_ids.is_empty() {
        let engine = Engine::new(set.clone(), engine::EngineOptions::default()).map_err(|e| {
            RuleErrors(vec![rules::RuleError { source: "rules".into(), id: None, cause: e.to_string() }])
        })?;
        let errors = check::check_examples(&engine, check::CheckOptions { require_examples: false }, is_user);
        if !errors.is_empty() {
            return Err(RuleErrors(errors));
        }
    }
    Ok(set)
}

/// Scans the file system roots in `settings` (with `--history`, their git history too;
/// with `--staged`, only what the next commit would record) and judges what it finds.
pub fn scan(settings: &Settings, rules: Arc<RuleSet>, progress: &dyn Progress) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    if settings.git.staged {
        let engine = Engine::new(rules.clone(), settings.engine.clone())?;
        let git = gitscan::staged(settings, &engine, progress)?;
        return Ok(outcome(settings, &rules, started, git.sightings, git.stats, git.problems));
    }
    let engine = Engine::new(rules.clone(), settings.engine.clone())?;
    let walked = walk_roots(settings, &engine, progress)?;
    let (mut sightings, mut stats, mut problems) = (walked.sightings, walked.stats, walked.problems);
    if let [root] = settings.walk.roots.as_slice() {
        if root.is_dir() {
            audit::mark_hidden(&mut sightings, root, None, &walked.agent_files);
        }
    }
    if settings.git.history {
        let git = gitscan::history(settings, &engine, progress)?;
        stats.merge(&git.stats);
        problems.extend(git.problems);
        sightings = gitscan::fold(sightings, git.sightings);
    }
    Ok(outcome(settings, &rules, started, sightings, stats, problems))
}

/// What the walk of the file system roots saw, before judging.
pub(crate) struct Walked {
    /// Labelled tracked, untracked or ignored.
    pub sightings: Vec<Sighting>,
    pub stats: Stats,
    /// `path: cause` lines.
    pub problems: Vec<String>,
    /// `.aiexclude` files found in the tree.
    pub agent_files: Vec<PathBuf>,
}

/// Walks the file system roots; nothing is judged.
pub(crate) fn walk_roots(settings: &Settings, engine: &Engine, progress: &dyn Progress) -> anyhow::Result<Walked> {
    let excludes = source::fs::check(&settings.walk)?;
    let shared = Mutex::new(Shared::default());
    source::fs::walk(&settings.walk, &excludes, || {
        let mut worker = Worker::new(engine, settings, &shared, progress);
        Box::new(move |event| worker.handle(event))
    });
    let shared = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut agent_files = shared.agent_files;
    agent_files.sort();
    Ok(Walked {
        sightings: label_reach(&settings.walk.roots, shared.sightings),
        stats: shared.stats,
        problems: shared.problems,
        agent_files,
    })
}

fn outcome(
    settings: &Settings,
    rules: &RuleSet,
    started: Instant,
    sightings: Vec<Sighting>,
    mut stats: Stats,
    mut problems: Vec<String>,
) -> Outcome {
    stats.seconds = started.elapsed().as_secs_f64();
    problems.sort();
    let findings = judge(settings, rules, sightings);
    Outcome { findings, stats, problems }
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
    let current = baseline::Baseline::new(outcome.findings.iter().flat_map(|f| {
        f.credential.locations.iter().map(|l| baseline::Entry {
            path: l.path.clone(),
            rule: f.rule_id.clone(),
            fingerprint: f.credential.fingerprint.to_string(),
        })
    }));
    let result = match update {
        Some(old) => {
            let mut kept = old.clone();
            kept.retain_in(&current);
            kept
        }
        None => current,
    };
    Ok((result, outcome))
}

/// Dedupes sightings into credentials, applies the allow-list, decodes scope offline,
/// probes it live under `--probe`, and judges each against the policy.
pub fn judge(settings: &Settings, rules: &RuleSet, sightings: Vec<Sighting>) -> Vec<Finding> {
    let mut collector = Collector::default();
    for s in sightings {
        collector.add(rules, s);
    }
    let credentials: Vec<Credential> = collector
        .finish()
        .into_iter()
        .filter_map(|c| settings.policy.allowed(c))
        .filter_map(|c| match &settings.baseline {
            Some(b) => b.suppress(&rules.get(c.rule).id, c),
            None => Some(c),
        })
        .collect();
    let mut scopes: Vec<scope::Scope> = credentials.iter().map(|c| scope::offline(rules.get(c.rule), c)).collect();
    if settings.probe.enabled {
        scopes = probe_scopes(settings, rules, &credentials, scopes);
    }
    let mut findings: Vec<Finding> = credentials
        .into_iter()
        .zip(scopes)
        .map(|(c, scope)| policy::judge(&settings.policy, rules.get(c.rule), c, scope))
        .filter(|f| !f.scope.public)
        .collect();
    policy::sort(&mut findings);
    findings
}

/// Probes each distinct credential once (`--probe`). The HTTP client exists only here.
/// Public, expired or revoked-offline credentials are not sent anywhere.
fn probe_scopes(
    settings: &Settings,
    rules: &RuleSet,
    credentials: &[Credential],
    scopes: Vec<scope::Scope>,
) -> Vec<scope::Scope> {
    let prober = scope::probe::Prober::new(settings.probe.http.clone());
    let items = credentials
        .iter()
        .zip(scopes)
        .map(|(c, s)| {
            let rule = rules.get(c.rule);
            let skip = s.public || s.active == scope::Activity::Inactive;
            let target = scope::probe::Target {
                provider: if skip { "" } else { &rule.provider },
                rule_id: &rule.id,
                secret: &c.secret,
                companion: c.companion.as_ref().map(|p| &p.value),
            };
            (target, s)
        })
        .collect();
    prober.probe_all(items)
}

/// `keyreach probe`: finds the one credential in `input` (with the rules, or taken whole
/// for `provider` when no rule matches: `SECRET`, or `COMPANION SECRET` for paired
/// credentials such as `AKIA… secret`), probes it under the settings and judges it.
pub fn probe_input(
    settings: &Settings,
    rules: Arc<RuleSet>,
    input: &[u8],
    provider: Option<&str>,
) -> anyhow::Result<Finding> {
    let engine = Engine::new(rules.clone(), settings.engine.clone())?;
    let mut scratch = engine.scratch();
    let origin = Origin { path: "<stdin>".into(), reach: Reach::Untracked, commit: None };
    let best = engine
        .scan(input, engine::Position::START, &mut scratch)
        .iter()
        .filter(|m| provider.is_none_or(|p| rules.get(m.rule).provider == p))
        .max_by_key(|m| (rules.get(m.rule).rank(), std::cmp::Reverse(m.rule)))
        .map(|m| sighting(m, input, &origin));
    let (rules, sighting) = match (best, provider) {
        (Some(s), _) => (rules, s),
        (None, Some(p)) => raw_sighting(p, input, &origin)?,
        (None, None) => anyhow::bail!("no known credential on standard input (name its provider with --provider)"),
    };
    let mut collector = Collector::default();
    collector.add(&rules, sighting);
    let credential = collector.finish().remove(0);
    let rule = rules.get(credential.rule);
    let offline = scope::offline(rule, &credential);
    let scope = if settings.probe.enabled {
        let target = scope::probe::Target {
            provider: &rule.provider,
            rule_id: &rule.id,
            secret: &credential.secret,
            companion: credential.companion.as_ref().map(|p| &p.value),
        };
        scope::probe::Prober::new(settings.probe.http.clone()).probe(&target, offline)
    } else {
        offline
    };
    Ok(policy::judge(&settings.policy, rule, credential, scope))
}

/// A credential given whole on stdin for `provider`: a one-rule set naming it, and the
/// sighting (`COMPANION SECRET` when two fields are given; GCP key files are read as JSON).
fn raw_sighting(provider: &str, input: &[u8], origin: &Origin) -> anyhow::Result<(Arc<RuleSet>, Sighting)> {
    let probe = scope::probe::find(provider).ok_or_else(|| {
        anyhow::anyhow!("no probe for provider {provider:?} (known: {})", scope::probe::providers().join(", "))
    })?;
    // Named after the probe's main kind, so the probe accepts it.
    let kind = probe.kinds()[0];
    let text = std::str::from_utf8(input).map_err(|_| anyhow::anyhow!("standard input is not text"))?.trim();
    let (companion, secret) = if provider == "gcp" && text.starts_with('{') {
        let key: serde_json::Value =
            serde_json::from_str(text).map_err(|_| anyhow::anyhow!("standard input is not a key file"))?;
        let field = |k: &str| key.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        (Some(field("client_email")), field("private_key"))
    } else {
        match text.split_whitespace().collect::<Vec<_>>().as_slice() {
            [secret] => (None, secret.to_string()),
            [companion, secret] => (Some(companion.to_string()), secret.to_string()),
            _ => anyhow::bail!("expected one credential on standard input: SECRET, or COMPANION SECRET"),
        }
    };
    anyhow::ensure!(!secret.is_empty(), "standard input holds no credential");
    let spec: rules::RuleSpec = toml::from_str(&format!(
        "id = \"{kind}\"\ntitle = \"{provider} credential (standard input)\"\nprovider = \"{provider}\"\nkeywords = [\"stdin\"]\npattern = \"stdin\"\n"
    ))?;
    let set = Arc::new(RuleSet::from_specs(vec![("stdin".into(), spec)])?);
    let location = Location {
        path: origin.path.clone(),
        line: None,
        column: None,
        reach: origin.reach,
        commit: None,
        agent_ignored: false,
        mcp_server: None,
    };
    let sighting = Sighting {
        rule: RuleId(0),
        secret: Secret::new(secret.as_bytes()),
        companion: companion.map(|c| (Secret::new(c.as_bytes()), location.clone())),
        location,
        evidence: None,
    };
    Ok((set, sighting))
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
        let labels = source::git::Classifier::for_root(&roots[root]).classify(group.iter().map(|(p, _)| p.as_path()));
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

/// Everything wrong with the rule set: parse, validation, compilation and example
/// failures, with the number of rules checked. `keyreach rules check` prints these.
pub fn check_rules(sources: &RuleSources) -> (usize, Vec<rules::RuleError>) {
    let mut specs = match RuleSet::builtin_specs() {
        Ok(s) => s,
        Err(e) => return (0, e.0),
    };
    let mut errors = Vec::new();
    for dir in &sources.dirs {
        match rules::read_dir(dir) {
            Ok(more) => specs.extend(more),
            Err(e) => errors.extend(e.0),
        }
    }
    specs.extend(sources.inline.iter().cloned());
    let set = match RuleSet::from_specs(specs) {
        Ok(set) => Arc::new(set),
        Err(e) => return (0, errors.into_iter().chain(e.0).collect()),
    };
    if let Err(e) = set.compile_all(|_| true) {
        errors.extend(e.0);
        return (set.len(), errors);
    }
    match Engine::new(set.clone(), engine::EngineOptions::default()) {
        Ok(engine) => {
            errors.extend(check::check_examples(&engine, check::CheckOptions { require_examples: true }, |_| true))
        }
        Err(e) => errors.push(rules::RuleError { source: "rules".into(), id: None, cause: e.to_string() }),
    }
    (set.len(), errors)
}

/// State merged from every worker when it finishes.
#[derive(Default)]
struct Shared {
    stats: Stats,
    sightings: Vec<(PathBuf, Sighting)>,
    problems: Vec<String>,
    /// `.aiexclude` files met on the way (agent ignore files that apply in any directory).
    agent_files: Vec<PathBuf>,
}

/// One scanning thread: owns its engine scratch, read buffer and results until it ends.
struct Worker<'a> {
    engine: &'a Engine,
    settings: &'a Settings,
    shared: &'a Mutex<Shared>,
    progress: &'a dyn Progress,
    scratch: engine::Scratch,
    buf: Vec<u8>,
    path_rules: Vec<RuleId>,
    excluded_rules: Vec<RuleId>,
    local: Shared,
}

impl<'a> Worker<'a> {
    fn new(engine: &'a Engine, settings: &'a Settings, shared: &'a Mutex<Shared>, progress: &'a dyn Progress) -> Self {
        Worker {
            engine,
            settings,
            shared,
            progress,
            scratch: engine.scratch(),
            buf: Vec::new(),
            path_rules: Vec::new(),
            excluded_rules: Vec::new(),
            local: Shared::default(),
        }
    }

    fn handle(&mut self, event: WalkEvent) {
        match event {
            WalkEvent::File(entry) => {
                if source::agent::is_nested_ignore_file(&entry.path) {
                    self.local.agent_files.push(entry.path.clone());
                }
                self.scan_file(entry)
            }
            WalkEvent::Skipped { reason: SkipReason::TooLarge, .. } => self.local.stats.skipped_large += 1,
            WalkEvent::Skipped { .. } => {}
            WalkEvent::Error { display, message } => self.problem(&display, &message),
        }
    }

    fn problem(&mut self, display: &str, message: &str) {
        self.local.stats.errors += 1;
        self.local.problems.push(format!("{}: {message}", report::escape(display)));
    }

    fn scan_file(&mut self, entry: FileEntry) {
        // Read no further than the size limit (or the size the walk saw, if larger): a file
        // growing while it is read must not keep the scan going.
        let limit = self.settings.walk.max_file_size.map_or(u64::MAX, |max| max.max(entry.size));
        let mut file = match source::fs::open(&entry.path) {
            Ok(f) => source::fs::Capped::new(f, limit),
            Err(e) => return self.problem(&entry.display, &e.to_string()),
        };
        let rules = self.engine.rules();
        rules.path_rules(Path::new(&entry.display), &mut self.path_rules);
        rules.excluded_rules(Path::new(&entry.display), &mut self.excluded_rules);
        self.engine.enable_path_rules(&mut self.scratch, &self.path_rules);
        self.engine.disable_rules(&mut self.scratch, &self.excluded_rules);
        let origin = Origin { path: entry.display.clone(), reach: Reach::Untracked, commit: None };
        let sightings = &mut self.local.sightings;
        let mut emit = |m: &Match, chunk: &[u8]| sightings.push((entry.path.clone(), sighting(m, chunk, &origin)));
        match self.engine.scan_reader(&mut file, &self.settings.stream, &mut self.scratch, &mut self.buf, &mut emit) {
            Ok(StreamOutcome::Scanned { bytes }) => {
                self.local.stats.files += 1;
                self.local.stats.bytes += bytes;
                self.progress.file_done(bytes);
                if file.was_cut() {
                    self.problem(
                        &entry.display,
                        &format!("grew while being read: only its first {bytes} bytes were scanned"),
                    );
                }
            }
            Ok(StreamOutcome::Binary) => self.local.stats.skipped_binary += 1,
            Err(e) => self.problem(&entry.display, &e.to_string()),
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.stats.merge(&local.stats);
        shared.sightings.extend(local.sightings);
        shared.problems.extend(local.problems);
        shared.agent_files.extend(local.agent_files);
    }
}

/// Turns an engine match in `chunk` into a sighting at `origin`.
pub fn sighting(m: &Match, chunk: &[u8], origin: &Origin) -> Sighting {
    Sighting {
        rule: m.rule,
        secret: Secret::new(m.secret_bytes(chunk)),
        location: Location::at(origin, m.line, m.column),
        companion: m
            .companion_part(chunk)
            .map(|(c, line, column)| (Secret::new(c), Location::at(origin, line, column))),
        evidence: m.evidence.as_deref().cloned(),
    }
}
