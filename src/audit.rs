//! `keyreach audit`: everything an agent can reach from a workspace — the working tree (as
//! `scan`), git history, the user's home credential files, agent and MCP configuration and
//! the process environment — judged together, so one credential shows every way the agent
//! gets to it, and summed up as a [`BlastRadius`].
//!
//! Like `lib.rs`, this module runs the pipeline and imports every stage; printing is left to
//! `report`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::config::Settings;
use crate::credentials::{Fingerprint, Sighting};
use crate::engine::{self, Engine, Position, StreamOutcome};
use crate::policy::Finding;
use crate::policy::blast::{self, BlastRadius};
use crate::rules::{RuleId, RuleSet};
use crate::source::agent::{self, McpConfig, RestrictionFile, Restrictions};
use crate::source::{HistoryStatus, Inventory, Origin, Reach, Stats, env, home};
use crate::{Progress, sighting_with_parts};

/// Which sources an audit reads besides the workspace.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// The home directory to read (`--home DIR`, else `$HOME`); `None` with `--no-home`.
    pub home: Option<PathBuf>,
    /// Scan the process environment (off with `--no-env`).
    pub env: bool,
    /// Scan git history (off with `--no-history`).
    pub history: bool,
}

/// What an audit found.
#[derive(Debug, Default)]
pub struct AuditOutcome {
    /// Judged, sorted findings.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Paths that could not be read, as `path: cause` lines.
    pub problems: Vec<String>,
    /// What was read.
    pub inventory: Inventory,
    pub blast: BlastRadius,
}

/// Audits the one workspace in `settings.walk.roots` with the sources `options` enables.
pub fn audit(
    settings: &Settings,
    options: &AuditOptions,
    rules: Arc<RuleSet>,
    progress: &dyn Progress,
) -> anyhow::Result<AuditOutcome> {
    let started = Instant::now();
    let root = settings.walk.roots.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    anyhow::ensure!(root.is_dir(), "{}: not a directory (audit takes one workspace directory)", root.display());
    let engine = Engine::new(rules.clone(), settings.engine.clone())?;
    let walked = crate::walk_roots(settings, &engine, progress)?;
    let (mut sightings, mut stats, mut problems) = (walked.sightings, walked.stats, walked.problems);
    let mut inventory = Inventory { workspace: root.display().to_string(), ..Inventory::default() };
    let mut reader = Reader::new(&engine, settings);

    inventory.history = history(settings, options, &engine, progress, &mut sightings, &mut stats, &mut problems);

    let home = options.home.as_deref();
    inventory.home = home.map(|h| h.display().to_string());
    if let Some(home) = home {
        inventory.home_files = home::files(home);
    }
    inventory.agent_configs = agent::mcp_configs(Some(&root), home);
    let mut home_paths: Vec<(PathBuf, String)> =
        inventory.home_files.iter().map(|f| (f.path.clone(), f.display.clone())).collect();
    home_paths.extend(
        inventory
            .agent_configs
            .iter()
            .filter(|c| c.scope == agent::Scope::Home)
            .map(|c| (c.path.clone(), c.display.clone())),
    );
    home_paths.sort();
    home_paths.dedup();
    for (path, display) in &home_paths {
        reader.file(path, display, Reach::Home, &mut sightings, &mut stats, &mut problems);
    }
    mcp_values(&root, &inventory.agent_configs, &mut reader, &mut sightings);

    if options.env {
        let vars = env::current();
        inventory.env_vars = Some(vars.len());
        for var in &vars {
            reader.env(var, &mut sightings);
        }
    }

    let (files, hidden) = mark_hidden(&mut sightings, &root, home, &walked.agent_files);
    inventory.restrictions = files;
    inventory.hidden = hidden;
    mark_mcp(&mut sightings, &inventory.agent_configs);

    let findings = crate::judge(settings, &rules, sightings);
    let blast = blast::build(&findings, &inventory, &settings.policy);
    stats.seconds = started.elapsed().as_secs_f64();
    problems.sort();
    Ok(AuditOutcome { findings, stats, problems, inventory, blast })
}

/// Git history of the workspace (`source::history` through `gitscan`, as `scan
/// --history`): sightings only in past commits get reach `history` and their commit;
/// those still in the tree fold into the tree's. A workspace that is not a repository
/// (or whose history cannot be read) is reported, not fatal.
fn history(
    settings: &Settings,
    options: &AuditOptions,
    engine: &Engine,
    progress: &dyn Progress,
    sightings: &mut Vec<Sighting>,
    stats: &mut Stats,
    problems: &mut Vec<String>,
) -> HistoryStatus {
    if !options.history {
        return HistoryStatus::Off;
    }
    match crate::gitscan::history(settings, engine, progress) {
        Ok(git) => {
            stats.merge(&git.stats);
            problems.extend(git.problems);
            *sightings = crate::gitscan::fold(std::mem::take(sightings), git.sightings);
            HistoryStatus::Scanned
        }
        Err(e) => HistoryStatus::Unavailable(format!("{e:#}").split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

/// Sets `agent_ignored` on workspace (and, with `home`, home) locations that the agent
/// restrictions of the workspace (with the ignore files `nested` below it) and the home
/// hide. Returns the restriction files read and, per hidden path, the files hiding it.
pub(crate) fn mark_hidden(
    sightings: &mut [Sighting],
    root: &Path,
    home: Option<&Path>,
    nested: &[PathBuf],
) -> (Vec<RestrictionFile>, BTreeMap<String, Vec<String>>) {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let root = canonical(root);
    let home = home.map(canonical);
    let nested: Vec<PathBuf> = nested.iter().map(|p| canonical(p)).collect();
    let restrictions = Restrictions::load(Some(&root), home.as_deref(), &nested);
    let mut hidden = BTreeMap::new();
    for s in sightings.iter_mut() {
        let location = &mut s.location;
        let absolute = match location.reach {
            Reach::Tracked | Reach::Untracked | Reach::Ignored | Reach::Staged => Some(root.join(&location.path)),
            Reach::Home => home.as_ref().and_then(|h| location.path.strip_prefix("~/").map(|rel| h.join(rel))),
            Reach::History | Reach::Env => None,
        };
        let Some(path) = absolute else { continue };
        let hiding = restrictions.matching(&path);
        if !hiding.is_empty() {
            location.agent_ignored = true;
            hidden.insert(location.path.clone(), hiding.iter().map(|f| f.display.clone()).collect());
        }
    }
    (restrictions.files, hidden)
}

/// Sets `mcp_server` on locations in an agent configuration that passes the credential to
/// an MCP server.
fn mark_mcp(sightings: &mut [Sighting], configs: &[McpConfig]) {
    for s in sightings.iter_mut() {
        let location = &mut s.location;
        let in_config = configs.iter().filter(|c| {
            c.display == location.path && (c.scope == agent::Scope::Home) == (location.reach == Reach::Home)
        });
        let server =
            in_config.flat_map(|c| c.servers.iter()).find(|srv| srv.field_holding(s.secret.expose()).is_some());
        if let Some(server) = server {
            location.mcp_server = Some(server.name.clone());
        }
    }
}

/// Values passed to MCP servers, scanned as `NAME=value` lines and arguments joined by
/// spaces, so `"args": ["--token", "…"]` reads as an assignment. A credential the file
/// scan already found there is not added twice; a new one is placed at its first
/// occurrence in the file.
fn mcp_values(root: &Path, configs: &[McpConfig], reader: &mut Reader<'_>, sightings: &mut Vec<Sighting>) {
    let seen: HashSet<(String, Fingerprint)> =
        sightings.iter().map(|s| (s.location.path.clone(), Fingerprint::of(s.secret.expose()))).collect();
    let in_workspace: Vec<&Path> =
        configs.iter().filter(|c| c.scope == agent::Scope::Workspace).map(|c| c.path.as_path()).collect();
    let labels = crate::source::git::Classifier::for_root(root).classify(in_workspace);
    for config in configs {
        let reach = match config.scope {
            agent::Scope::Home => Reach::Home,
            agent::Scope::Workspace => labels.get(&config.path).copied().unwrap_or(Reach::Untracked),
        };
        let file = std::fs::read(&config.path).unwrap_or_default();
        for server in &config.servers {
            let mut found = reader.bytes(&server.scan_text(), &config.display, reach);
            found.retain(|s| !seen.contains(&(config.display.clone(), Fingerprint::of(s.secret.expose()))));
            for mut s in found {
                let (line, column) = position_of(&file, s.secret.expose()).unzip();
                s.location.line = line;
                s.location.column = column;
                s.companion = None;
                sightings.push(s);
            }
        }
    }
}

/// 1-based line and column of the first occurrence of `needle` in `haystack`.
fn position_of(haystack: &[u8], needle: &[u8]) -> Option<(u64, u64)> {
    let at = memchr::memmem::find(haystack, needle)?;
    let before = &haystack[..at];
    let line = bytecount::count(before, b'\n') as u64 + 1;
    let column = (at - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1)) as u64 + 1;
    Some((line, column))
}

/// Scans single files and in-memory texts with one engine scratch, applying each rule's
/// path limits to the display path (`~/.railway/config.json` matches
/// `**/.railway/config.json`).
struct Reader<'a> {
    engine: &'a Engine,
    settings: &'a Settings,
    scratch: engine::Scratch,
    buf: Vec<u8>,
    path_rules: Vec<RuleId>,
    excluded_rules: Vec<RuleId>,
}

impl<'a> Reader<'a> {
    fn new(engine: &'a Engine, settings: &'a Settings) -> Reader<'a> {
        Reader {
            engine,
            settings,
            scratch: engine.scratch(),
            buf: Vec::new(),
            path_rules: Vec::new(),
            excluded_rules: Vec::new(),
        }
    }

    fn limit_rules(&mut self, display: &str) {
        let rules = self.engine.rules();
        rules.path_rules(Path::new(display), &mut self.path_rules);
        rules.excluded_rules(Path::new(display), &mut self.excluded_rules);
        self.engine.enable_path_rules(&mut self.scratch, &self.path_rules);
        self.engine.disable_rules(&mut self.scratch, &self.excluded_rules);
    }

    /// Scans one file; its sightings are placed at `display` with `reach`.
    fn file(
        &mut self,
        path: &Path,
        display: &str,
        reach: Reach,
        sightings: &mut Vec<Sighting>,
        stats: &mut Stats,
        problems: &mut Vec<String>,
    ) {
        let mut problem = |cause: &str| {
            stats.errors += 1;
            problems.push(format!("{}: {cause}", crate::report::escape(display)));
        };
        let mut file = match crate::source::fs::open(path) {
            Ok(f) => f,
            Err(e) => return problem(&e.to_string()),
        };
        if let (Some(max), Ok(meta)) = (self.settings.walk.max_file_size, file.metadata()) {
            if meta.len() > max {
                stats.skipped_large += 1;
                return;
            }
        }
        self.limit_rules(display);
        let origin = Origin { path: display.to_string(), reach, commit: None };
        let rules = self.engine.rules();
        let mut emit =
            |m: &engine::Match, chunk: &[u8]| sightings.push(sighting_with_parts(m, chunk, &origin, Some(rules)));
        match self.engine.scan_reader(&mut file, &self.settings.stream, &mut self.scratch, &mut self.buf, &mut emit) {
            Ok(StreamOutcome::Scanned { bytes }) => {
                stats.files += 1;
                stats.bytes += bytes;
            }
            Ok(StreamOutcome::Binary) => stats.skipped_binary += 1,
            Err(e) => problem(&e.to_string()),
        }
    }

    /// Scans text built in memory, as if it were the file at `display`.
    fn bytes(&mut self, text: &[u8], display: &str, reach: Reach) -> Vec<Sighting> {
        self.limit_rules(display);
        let origin = Origin { path: display.to_string(), reach, commit: None };
        let rules = self.engine.rules();
        let found = self.engine.scan(text, Position::START, &mut self.scratch);
        found.iter().map(|m| sighting_with_parts(m, text, &origin, Some(rules))).collect()
    }

    /// Scans one environment variable: location `$NAME`, no line or column.
    fn env(&mut self, var: &env::EnvVar, sightings: &mut Vec<Sighting>) {
        for mut s in self.bytes(&var.text, &var.display(), Reach::Env) {
            s.location.line = None;
            s.location.column = None;
            if let Some((_, loc)) = s.companion.as_mut() {
                loc.line = None;
                loc.column = None;
            }
            sightings.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        assert_eq!(position_of(b"ab\ncd tok", b"tok"), Some((2, 4)));
        assert_eq!(position_of(b"tok", b"tok"), Some((1, 1)));
        assert_eq!(position_of(b"x", b"tok"), None);
    }
}
