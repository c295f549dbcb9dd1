//! What one agent tool call would expose (decided by the guard: files, environment
//! variables, past commits), scanned and judged. No tree walk and no network: a hook
//! answers on every tool call.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Settings;
use crate::credentials::Sighting;
use crate::engine::Engine;
use crate::policy::Finding;
use crate::rules::RuleSet;
use crate::source::{self, Origin, Reach, env};

use super::scanner::Scanner;

/// A file the call would read, with its content when the agent's payload carries it.
pub struct Exposed {
    pub path: PathBuf,
    pub content: Option<Vec<u8>>,
}

/// Everything the call would expose.
pub struct Exposures<'a> {
    /// Files are shown relative to it (home files as `~/…`).
    pub project: &'a Path,
    pub files: Vec<Exposed>,
    /// Every environment variable (`printenv`, `env`).
    pub all_env: bool,
    /// Variables expanded or printed by name.
    pub vars: &'a [String],
    /// Past commits' content (`git log -p`, `git show`).
    pub history: bool,
}

/// Scans and judges what `wanted` exposes.
pub fn exposed(settings: &Settings, rules: Arc<RuleSet>, wanted: &Exposures<'_>) -> anyhow::Result<Vec<Finding>> {
    let engine = Engine::new(Arc::clone(&rules), settings.engine.clone())?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut scanner = Scanner::new(&engine, &settings.stream);
    let mut sightings = Vec::new();
    for file in &wanted.files {
        let display = display(&file.path, wanted.project, home.as_deref());
        let reach = if display.starts_with("~/") { Reach::Home } else { Reach::Untracked };
        let content = match &file.content {
            Some(c) => c.clone(),
            None => match read_limited(&file.path, settings.walk.max_file_size) {
                Some(bytes) => bytes,
                None => continue,
            },
        };
        let origin = Origin { path: display, reach, commit: None };
        sightings.extend(scanner.text(&content, &origin));
    }
    if wanted.all_env || !wanted.vars.is_empty() {
        for var in env::current() {
            if wanted.all_env || wanted.vars.contains(&var.name) {
                sightings.extend(scanner.env(&var));
            }
        }
    }
    if wanted.history {
        sightings.extend(history(settings, &engine));
    }
    Ok(super::judge(settings, &rules, sightings))
}

/// Credentials in the project's git history (nothing when it is not a repository). The
/// one slow path: it runs only for commands that print past commits.
fn history(settings: &Settings, engine: &Engine) -> Vec<Sighting> {
    match super::git::history(settings, engine, &super::NoProgress) {
        Ok(git) => super::git::fold(Vec::new(), git.sightings),
        Err(_) => Vec::new(),
    }
}

fn read_limited(path: &Path, max: Option<u64>) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let file = source::fs::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(max.unwrap_or(u64::MAX)).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Relative to the project, `~/...` in the home, else absolute.
fn display(path: &Path, project: &Path, home: Option<&Path>) -> String {
    if let Ok(rel) = path.strip_prefix(project) {
        return source::fs::display_path(rel);
    }
    match home {
        Some(home) if path.starts_with(home) => source::home::display(home, path),
        _ => source::fs::display_path(path),
    }
}
