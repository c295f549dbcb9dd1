//! `keyreach audit`: everything an agent can reach from a workspace — the working tree (as
//! `scan`), git history, the user's home credential files, agent and MCP configuration and
//! the process environment — judged together, so one credential shows every way the agent
//! gets to it, and summed up as a [`BlastRadius`].
//!
//! Printing is left to `report`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::config::Settings;
use crate::credentials::{Fingerprint, Sighting};
use crate::engine::Engine;
use crate::rules::RuleSet;
use crate::source::agent::{self, McpConfig, RestrictionFile, Restrictions};
use crate::source::{HistoryStatus, Inventory, Origin, Reach, env, home};

pub use crate::config::AuditOptions;

use super::scanner::{Gathered, Scanner};
use super::{Outcome, Progress};

/// Audits the one workspace in `settings.walk.roots` with the sources `options` enables.
pub fn audit(
    settings: &Settings,
    options: &AuditOptions,
    rules: Arc<RuleSet>,
    progress: &dyn Progress,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let root = super::one_root(settings);
    anyhow::ensure!(root.is_dir(), "{}: not a directory (audit takes one workspace directory)", root.display());
    let engine = Engine::new(rules.clone(), settings.engine.clone())?;
    let walked = super::walk::walk_roots(settings, &engine, progress)?;
    let mut found = walked.found;
    let mut inventory = Inventory { workspace: root.display().to_string(), ..Inventory::default() };
    inventory.history = history(settings, options, &engine, progress, &mut found);

    let mut scanner = Scanner::new(&engine, &settings.stream);
    let home = options.home.as_deref();
    inventory.home = home.map(|h| h.display().to_string());
    inventory.home_note = options.home_note.clone();
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
        let origin = Origin { path: display.clone(), reach: Reach::Home, commit: None };
        scanner.file(path, None, &origin, settings.walk.max_file_size, &super::NoProgress);
    }
    found.merge(std::mem::take(&mut scanner.found));
    mcp_values(&root, &inventory.agent_configs, &mut scanner, &mut found.sightings);

    if options.env {
        let vars = env::current();
        inventory.env_vars = Some(vars.len());
        for var in &vars {
            found.sightings.extend(scanner.env(var));
        }
    }

    let (files, hidden) = mark_hidden(&mut found.sightings, &root, home, &walked.agent_files);
    inventory.restrictions = files;
    inventory.hidden = hidden;
    mark_mcp(&mut found.sightings, &inventory.agent_configs);
    Ok(Outcome::finish(settings, &rules, started, found, inventory))
}

/// Git history of the workspace (as `scan --history`): sightings only in past commits get
/// reach `history` and their commit; those still in the tree fold into the tree's. A
/// workspace that is not a repository (or whose history cannot be read) is reported, not
/// fatal.
fn history(
    settings: &Settings,
    options: &AuditOptions,
    engine: &Engine,
    progress: &dyn Progress,
    found: &mut Gathered,
) -> HistoryStatus {
    if !options.history {
        return HistoryStatus::Off;
    }
    match super::git::history(settings, engine, progress) {
        Ok(mut git) => {
            let sightings = super::git::fold(std::mem::take(&mut found.sightings), std::mem::take(&mut git.sightings));
            found.merge(git);
            found.sightings = sightings;
            HistoryStatus::Scanned
        }
        Err(e) => HistoryStatus::Unavailable(format!("{e:#}").split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

/// Sets `agent_ignored` on workspace (and, with `home`, home) locations that the agent
/// restrictions of the workspace (with the ignore files `nested` below it) and the home
/// hide. Returns the restriction files read and, per hidden path, the files hiding it.
pub fn mark_hidden(
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
fn mcp_values(root: &Path, configs: &[McpConfig], scanner: &mut Scanner<'_>, sightings: &mut Vec<Sighting>) {
    let seen: HashSet<(String, Fingerprint)> =
        sightings.iter().map(|s| (s.location.path.clone(), Fingerprint::of(s.secret.expose()))).collect();
    let in_workspace: Vec<&Path> =
        configs.iter().filter(|c| c.scope == agent::Scope::Workspace).map(|c| c.path.as_path()).collect();
    let labels = crate::source::git::worktree::Classifier::for_root(root).classify(in_workspace);
    for config in configs {
        let reach = match config.scope {
            agent::Scope::Home => Reach::Home,
            agent::Scope::Workspace => labels.get(&config.path).copied().unwrap_or(Reach::Untracked),
        };
        let file = std::fs::read(&config.path).unwrap_or_default();
        for server in &config.servers {
            let origin = Origin { path: config.display.clone(), reach, commit: None };
            let mut found = scanner.text(&server.scan_text(), &origin);
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
