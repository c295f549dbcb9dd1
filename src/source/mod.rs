//! Sources of bytes and where they came from: [`Origin`] and [`Reach`] (how an agent gets
//! to a location, DESIGN.md "reach"), the file-system walk ([`fs`]), git content (work-tree
//! labels, the index, commits and blobs: [`git`]), the home credential files ([`home`]), the process environment
//! ([`env`]) and agent configuration and restrictions ([`agent`]).
//!
//! Sources know nothing about rules: they hand on bytes and origins.

pub mod agent;
pub mod archive;
pub mod env;
pub mod fs;
pub mod git;
pub mod home;

use std::fmt;

/// How an agent reaches a location (DESIGN.md contract labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// A file in the index of the workspace's repository.
    Tracked,
    /// A file in the work tree that git neither tracks nor ignores (or outside any repository).
    Untracked,
    /// A file present in the work tree but git-ignored (`.env`): agents still read it.
    Ignored,
    /// Content staged in the index.
    Staged,
    /// Only in past commits.
    History,
    /// A credential file in the user's home.
    Home,
    /// A process environment variable.
    Env,
}

impl Reach {
    /// A file of the scanned workspace or its git content (not a home file or variable).
    pub fn in_workspace(self) -> bool {
        !matches!(self, Reach::Home | Reach::Env)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Tracked => "tracked",
            Reach::Untracked => "untracked",
            Reach::Ignored => "ignored",
            Reach::Staged => "staged",
            Reach::History => "history",
            Reach::Home => "home",
            Reach::Env => "env",
        }
    }
}

impl Reach {
    /// What kind of place this is, in words (the one vocabulary every report uses):
    /// `tracked file`, `git-ignored file`, `git history`, `environment variable`, ….
    pub fn place_words(self) -> &'static str {
        match self {
            Reach::Tracked => "tracked file",
            Reach::Untracked => "untracked file",
            Reach::Ignored => "git-ignored file",
            Reach::Staged => "change staged for commit",
            Reach::History => "git history",
            Reach::Home => "home credential file",
            Reach::Env => "environment variable",
        }
    }

    /// [`Reach::place_words`] with its indefinite article: `a tracked file`, `an
    /// untracked file`.
    pub fn with_article(self) -> String {
        let words = self.place_words();
        let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {words}")
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A commit that introduced content found in history.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitRef {
    /// Full hex object id.
    pub id: String,
    /// Author date, RFC 3339 (UTC).
    pub date: Option<String>,
}

/// Where some scanned bytes came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Display path: relative to the scanned root, `~/...` for home files, `$NAME` for env.
    pub path: String,
    pub reach: Reach,
    pub commit: Option<CommitRef>,
}

/// Something that could not be scanned: the path as shown (or `blob <id>`, `git`) and the
/// cause in plain words. Data, not text: printers escape both.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub cause: String,
}

/// A file that was not scanned, and why (listed under `--verbose` and in JSON and SARIF).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: fs::SkipReason,
}

/// What the sources read during a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Files not scanned because they looked binary.
    pub skipped_binary: u64,
    /// Files not scanned because they exceeded `--max-file-size`.
    pub skipped_large: u64,
    /// Paths that could not be read (permission denied, vanished, loops).
    pub errors: u64,
    /// Known credentials a `--baseline` accepted (not reported); `None` without a baseline.
    pub baselined: Option<u64>,
    /// Whether the history read was a shallow clone's (only the fetched commits): `None`
    /// when no history was read.
    pub shallow_history: Option<bool>,
}

impl Stats {
    pub fn merge(&mut self, other: &Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.skipped_binary += other.skipped_binary;
        self.skipped_large += other.skipped_large;
        self.errors += other.errors;
        self.shallow_history = match (self.shallow_history, other.shallow_history) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
    }

    /// `"shallow"` or `"full"` when history was read (the JSON `history` field).
    pub fn history(&self) -> Option<&'static str> {
        self.shallow_history.map(|s| if s { "shallow" } else { "full" })
    }
}

/// What an audit read besides the workspace walk, for the report's sources section.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The workspace as given.
    pub workspace: String,
    /// The home directory read, if any (`--no-home`: none).
    pub home: Option<String>,
    /// Why no home was read ("--no-home", "$HOME is not set").
    pub home_note: String,
    /// Credential files, SSH keys and history files found in the home.
    pub home_files: Vec<home::HomeFile>,
    /// Environment variables scanned (`--no-env`: none).
    pub env_vars: Option<usize>,
    pub history: HistoryStatus,
    /// Agent and MCP configuration files, in the workspace and the home.
    pub agent_configs: Vec<agent::McpConfig>,
    /// Ignore files and Claude Code settings read for agent restrictions.
    pub restrictions: Vec<agent::RestrictionFile>,
    /// Location paths hidden from agents' file tools, with the files hiding them.
    pub hidden: std::collections::BTreeMap<String, Vec<String>>,
}

/// Whether git history was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HistoryStatus {
    /// Every commit reachable from a ref was read.
    Scanned,
    /// `--no-history`.
    #[default]
    Off,
    /// It could not be read (not a repository, a broken object database, ...): why.
    Unavailable(String),
}
