//! What one agent tool call would expose (decided by the guard: files, directory trees,
//! environment variables, past commits, the index), scanned and judged. No network. Only
//! lines a search would show count, and a `keyreach:allow` comment counts only where the
//! same line is committed (an agent can append one to any file it writes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Settings;
use crate::credentials::Sighting;
use crate::engine::{self, Engine};
use crate::policy::Finding;
use crate::rules::RuleSet;
use crate::source::{self, Origin, Reach, env};

use super::scanner::Scanner;

/// How a path is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// One file.
    File,
    /// Every regular file below a directory.
    All,
    /// Files below a directory, skipping git-ignored ones and, unless `hidden`, hidden ones
    /// (what ripgrep reads by default).
    Visible { hidden: bool },
}

/// The lines a search shows: those matching any pattern (or, inverted, none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFilter {
    pub patterns: Vec<String>,
    pub fixed: bool,
    pub ignore_case: bool,
    pub invert: bool,
}

/// A file or tree the call would read, with its content when the agent's payload carries it.
pub struct Exposed {
    pub path: PathBuf,
    pub content: Option<Vec<u8>>,
    pub walk: Walk,
    pub filter: Option<LineFilter>,
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
    /// The index's content (`git diff --cached`).
    pub staged: bool,
}

/// Most files a directory read scans, and most bytes in all.
const MAX_TREE_FILES: usize = 50_000;
const MAX_TREE_BYTES: u64 = 512 << 20;

/// Scans and judges what `wanted` exposes.
pub fn exposed(settings: &Settings, rules: Arc<RuleSet>, wanted: &Exposures<'_>) -> anyhow::Result<Vec<Finding>> {
    let engine = Engine::new(Arc::clone(&rules), settings.engine.clone())?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut scanner = Scanner::new(&engine, &settings.stream);
    let mut committed = Committed::default();
    let mut sightings = Vec::new();
    for item in &wanted.files {
        for path in files_of(item) {
            let content = match (&item.content, item.walk) {
                (Some(c), Walk::File) => c.clone(),
                _ => match read_limited(&path, settings.walk.max_file_size) {
                    Some(bytes) => bytes,
                    None => continue,
                },
            };
            if item.walk != Walk::File && settings.stream.skip_binary && engine::looks_binary(&content) {
                continue;
            }
            let display = display(&path, wanted.project, home.as_deref());
            let reach = if display.starts_with("~/") { Reach::Home } else { Reach::Untracked };
            let origin = Origin { path: display, reach, commit: None };
            let matcher = item.filter.as_ref().and_then(line_matcher);
            for s in scanner.text(&content, &origin) {
                let line = s.location.line.and_then(|n| nth_line(&content, n)).unwrap_or_default();
                let shown = match (&matcher, &item.filter) {
                    (Some(m), Some(f)) => m.is_match(line) != f.invert,
                    _ => true,
                };
                if shown && !committed.allows(&path, line) {
                    sightings.push(s);
                }
            }
        }
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
    if wanted.staged {
        if let Ok(found) = super::git::staged(settings, &engine, &super::NoProgress) {
            sightings.extend(found.sightings);
        }
    }
    Ok(super::judge(settings, &rules, sightings))
}

/// The regular files `item` reads: itself, or the files of its tree.
fn files_of(item: &Exposed) -> Vec<PathBuf> {
    let visible = match item.walk {
        Walk::File => return vec![item.path.clone()],
        Walk::All => None,
        Walk::Visible { hidden } => Some(hidden),
    };
    let mut builder = ignore::WalkBuilder::new(&item.path);
    builder
        .standard_filters(false)
        .git_ignore(visible.is_some())
        .git_exclude(visible.is_some())
        .ignore(visible.is_some());
    builder.hidden(visible.is_some_and(|hidden| !hidden)).parents(visible.is_some()).follow_links(false);
    builder.filter_entry(|e| e.file_name() != ".git");
    let mut out = Vec::new();
    let mut bytes = 0u64;
    for entry in builder.build().filter_map(Result::ok) {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        bytes += entry.metadata().map_or(0, |m| m.len());
        out.push(entry.into_path());
        if out.len() >= MAX_TREE_FILES || bytes >= MAX_TREE_BYTES {
            break;
        }
    }
    out
}

/// A matcher for a search's patterns; `None` (everything shown) when they do not compile.
fn line_matcher(filter: &LineFilter) -> Option<regex::bytes::Regex> {
    let alternatives: Vec<String> =
        filter.patterns.iter().map(|p| if filter.fixed { regex::escape(p) } else { p.clone() }).collect();
    let pattern = format!("{}(?:{})", if filter.ignore_case { "(?i)" } else { "" }, alternatives.join("|"));
    regex::bytes::RegexBuilder::new(&pattern).size_limit(1 << 20).build().ok()
}

/// Line `n` (1-based) of `content`, without its newline.
fn nth_line(content: &[u8], n: u64) -> Option<&[u8]> {
    content.split(|&b| b == b'\n').nth(usize::try_from(n).ok()?.checked_sub(1)?)
}

/// `keyreach:allow` lines committed in `HEAD`, per file: only those count.
#[derive(Default)]
struct Committed {
    allowed: HashMap<PathBuf, Vec<Vec<u8>>>,
}

impl Committed {
    fn allows(&mut self, path: &Path, line: &[u8]) -> bool {
        if engine::inline_allow(line).is_none() {
            return false;
        }
        let lines = self.allowed.entry(path.to_path_buf()).or_insert_with(|| {
            source::git::committed_file(path)
                .map(|text| {
                    text.split(|&b| b == b'\n')
                        .filter(|l| engine::inline_allow(l).is_some())
                        .map(<[u8]>::to_vec)
                        .collect()
                })
                .unwrap_or_default()
        });
        lines.iter().any(|l| l.as_slice() == line)
    }
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
