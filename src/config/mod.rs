//! Resolves settings once, before scanning, into per-stage options ([`Settings`]):
//! defaults < the user's own config < the workspace's `keyreach.toml` (or the file given
//! with `--config`) < command-line flags. A scanned repository's file may set only what
//! describes the repository ([`layers`]); every file is capped and parsed once ([`file`]).
//! No stage imports this module.

pub mod file;
pub mod layers;
mod probe;

use std::path::{Path, PathBuf};

use crate::baseline::{Baseline, BaselineError};
use crate::engine::{EngineOptions, StreamOptions};
use crate::policy::{AllowSpec, Policy, Severity};
use crate::rules::RuleSpec;
use crate::source::fs::WalkOptions;
use crate::source::git::GitOptions;

pub use file::{CONFIG_FILE, ConfigFile, ProbeSpec, ScanSpec, discover, parse_config, read_config, user_config_path};
pub use layers::{Layer, Merged, Trust};
pub use probe::{ProbeSettings, probe_settings};

/// Default `--max-file-size`, in megabytes.
pub const DEFAULT_MAX_FILE_SIZE_MB: u64 = 25;

/// What the command line asked for. `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub rules_dirs: Vec<PathBuf>,
    pub threads: Option<usize>,
    pub excludes: Vec<String>,
    pub max_file_size_mb: Option<u64>,
    pub follow_links: bool,
    pub binary: bool,
    pub no_inline_allow: bool,
    /// `--no-foreign-allow`: ignore other scanners' inline markers (keep `keyreach:allow`).
    pub no_foreign_allow: bool,
    /// `--no-archives`: scan archives as files, not the files inside them.
    pub no_archives: bool,
    pub show_secrets: bool,
    /// `--fail-on`: the lowest severity that fails the run; `None` never fails (`never`,
    /// and what a caller that sets nothing gets).
    pub fail_on: Option<Severity>,
    /// `--probe`.
    pub probe: bool,
    /// `--endpoint PROVIDER=URL`, in order.
    pub endpoints: Vec<(String, String)>,
    /// `--trust-config`: use `[probe] endpoints` from a scanned repository's config (and
    /// nothing more).
    pub trust_config: bool,
    /// `--probe-timeout SECONDS`.
    pub probe_timeout: Option<f64>,
    /// `--probe-allow-host HOST`: hosts at private addresses database probes may reach.
    pub allow_hosts: Vec<String>,
    /// `--history`: also scan git history.
    pub history: bool,
    /// `--since REV`: only history after REV (implies `history`).
    pub since: Option<String>,
    /// `--staged`: scan what the next commit would record, not the working tree.
    pub staged: bool,
    /// `--git-url`: clones to scan (directory, URL shown); see [`GitOptions::remotes`].
    pub remotes: Vec<(PathBuf, String)>,
    /// `--baseline FILE`: accepted credentials not to report.
    pub baseline: Option<PathBuf>,
    /// Read the workspace's `keyreach.toml` as committed in `HEAD`, ignoring working-tree
    /// edits (the guard: an agent can write the working tree).
    pub committed_config: bool,
}

/// Where rules come from.
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    pub dirs: Vec<PathBuf>,
    /// Rules from a trusted config file (the user's own, or `--config`), with the file.
    pub inline: Vec<(String, RuleSpec)>,
    /// Rules from a scanned repository's `keyreach.toml`: they may add findings but never
    /// outrank, hide or downgrade what keyreach's own rules find.
    pub repository: Vec<(String, RuleSpec)>,
}

/// Settings for one run, per stage.
#[derive(Debug, Clone)]
pub struct Settings {
    pub walk: WalkOptions,
    pub stream: StreamOptions,
    pub engine: EngineOptions,
    pub rules: RuleSources,
    /// The policy for credentials in the workspace.
    pub policy: Policy,
    /// The policy for credentials also found outside the workspace (home files, the
    /// environment): the stricter of the workspace's and the user's, so a scanned
    /// repository cannot loosen how those are judged.
    pub outside_policy: Policy,
    /// Read the members of zip, jar, whl, nupkg, tar and tar.gz files (off: `--no-archives`).
    pub archives: bool,
    /// Findings at or above it fail the run (exit 1); `None`: never.
    pub fail_on: Option<Severity>,
    pub show_secrets: bool,
    /// The config files used, lowest first (the user's own, then the workspace's).
    pub config_paths: Vec<PathBuf>,
    pub probe: ProbeSettings,
    /// Things the user should know about the configuration (one line each).
    pub warnings: Vec<String>,
    /// Git content to scan besides (or instead of) the working tree.
    pub git: GitOptions,
    /// Accepted credentials, not reported.
    pub baseline: Option<Baseline>,
}

/// A config file that cannot be used; the message names the file (and never a value).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {cause}")]
    Read { path: String, cause: String },
    #[error("{path}: {cause}")]
    Parse { path: String, cause: String },
    #[error("{path}: {cause}")]
    Policy { path: String, cause: String },
    #[error("{origin}: {cause}")]
    Probe { origin: String, cause: String },
    #[error(transparent)]
    Baseline(#[from] BaselineError),
}

/// Resolves defaults < user config < workspace config < flags.
pub fn resolve(overrides: Overrides) -> Result<Settings, ConfigError> {
    let small = small_input(&overrides);
    let mut warnings = Vec::new();
    let mut layers = Vec::new();
    let mut config_paths = Vec::new();
    if let Some(path) = user_config_path() {
        layers.push(Layer { shown: path.display().to_string(), file: read_config(&path)?, trust: Trust::User });
        config_paths.push(path);
    }
    if let Some((path, layer)) = workspace_layer(&overrides, &mut warnings)? {
        layers.push(layer);
        config_paths.push(path);
    }
    for layer in &layers {
        let file = &layer.file;
        Policy::from_spec(&file.policy, &file.allow, file.environments.clone())
            .map_err(|e| ConfigError::Policy { path: layer.shown.clone(), cause: e.to_string() })?;
    }
    let merged = layers::merge(layers);
    warnings.extend(merged.warnings.iter().cloned());
    let internal =
        |e: crate::policy::PolicyError| ConfigError::Policy { path: "the merged config".into(), cause: e.to_string() };
    let policy = Policy::from_spec(&merged.policy, &merged.allow, merged.environments.clone()).map_err(internal)?;
    let trusted = Policy::from_spec(&merged.trusted_policy, &AllowSpec::default(), merged.trusted_environments.clone())
        .map_err(internal)?;
    let outside_policy = policy.strictest(&trusted);
    let probe = probe_settings(&overrides, &merged, &mut warnings)?;
    let max_mb = overrides.max_file_size_mb.or(merged.max_file_size_mb).unwrap_or(DEFAULT_MAX_FILE_SIZE_MB);
    let mut excludes = merged.excludes;
    excludes.extend(overrides.excludes);
    let threads = overrides.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let paths = if overrides.paths.is_empty() { vec![PathBuf::from(".")] } else { overrides.paths };
    Ok(Settings {
        walk: WalkOptions {
            roots: paths,
            threads: threads.max(1),
            excludes,
            max_file_size: Some(max_mb.saturating_mul(1_000_000)),
            follow_links: overrides.follow_links,
        },
        stream: StreamOptions { skip_binary: !overrides.binary, ..StreamOptions::default() },
        engine: EngineOptions {
            inline_allow: !overrides.no_inline_allow,
            foreign_allow: !overrides.no_foreign_allow,
            small_input: small,
        },
        rules: RuleSources { dirs: overrides.rules_dirs, inline: merged.rules, repository: merged.repository_rules },
        policy,
        outside_policy,
        archives: !overrides.no_archives,
        fail_on: overrides.fail_on,
        show_secrets: overrides.show_secrets,
        config_paths,
        probe,
        warnings,
        git: GitOptions {
            history: overrides.history || overrides.since.is_some(),
            since: overrides.since,
            staged: overrides.staged,
            remotes: overrides.remotes,
        },
        baseline: overrides.baseline.as_deref().map(Baseline::read).transpose()?,
    })
}

/// The workspace's config layer: `--config FILE` (trusted), else the nearest
/// `keyreach.toml` from the first scanned path up to its repository root (a repository
/// layer); with `committed_config`, its content in `HEAD`, working-tree edits ignored.
fn workspace_layer(overrides: &Overrides, warnings: &mut Vec<String>) -> Result<Option<(PathBuf, Layer)>, ConfigError> {
    if let Some(path) = &overrides.config {
        let layer = Layer { shown: path.display().to_string(), file: read_config(path)?, trust: Trust::User };
        return Ok(Some((path.clone(), layer)));
    }
    let start = overrides.paths.first().map_or(Path::new("."), PathBuf::as_path);
    if overrides.committed_config {
        return committed_layer(start, warnings);
    }
    let Some(path) = discover(start) else { return Ok(None) };
    let layer = Layer { shown: path.display().to_string(), file: read_config(&path)?, trust: Trust::Repository };
    Ok(Some((path, layer)))
}

/// The nearest committed `keyreach.toml` for the guard. A working-tree copy that differs
/// from `HEAD`'s (or is not committed at all) is ignored, and said so.
fn committed_layer(start: &Path, warnings: &mut Vec<String>) -> Result<Option<(PathBuf, Layer)>, ConfigError> {
    let dir = if start.is_dir() { start } else { start.parent().unwrap_or(Path::new(".")) };
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let top = absolute.ancestors().find(|d| d.join(".git").exists());
    let candidates: Vec<&Path> = match top {
        Some(top) => absolute.ancestors().take_while(|d| d.starts_with(top)).collect(),
        None => vec![absolute.as_path()],
    };
    for dir in candidates {
        let path = dir.join(CONFIG_FILE);
        let shown = path.display().to_string();
        let working = std::fs::read(&path).ok();
        let committed = crate::source::git::committed_file(&path);
        if working.is_some() && working != committed {
            warnings.push(format!(
                "{shown}: uncommitted changes ignored: the guard reads keyreach.toml as committed (an agent can edit the \
working tree)"
            ));
        }
        if let Some(bytes) = committed {
            let file = file::parse_config_bytes(&format!("{shown} (as committed)"), &bytes)?;
            return Ok(Some((path, Layer { shown, file, trust: Trust::Repository })));
        }
    }
    Ok(None)
}

/// Whether this run scans little (a staged change, or only files totalling a few
/// megabytes), so start-up matters more than throughput.
fn small_input(overrides: &Overrides) -> bool {
    const SMALL: u64 = 4_000_000;
    if overrides.staged {
        return true;
    }
    let mut total = 0u64;
    !overrides.paths.is_empty()
        && !overrides.history
        && overrides.paths.iter().all(|p| match std::fs::metadata(p) {
            Ok(m) if m.is_file() => {
                total += m.len();
                total <= SMALL
            }
            _ => false,
        })
}

/// `keyreach audit` flags: which sources to read besides the workspace.
#[derive(Debug, Clone, Default)]
pub struct AuditOverrides {
    /// `--home DIR`: another home (default `$HOME`).
    pub home: Option<PathBuf>,
    pub no_home: bool,
    pub no_env: bool,
    pub no_history: bool,
}

/// Which sources an audit reads besides the workspace.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// The home directory to read (`--home DIR`, else `$HOME`); `None` with `--no-home`.
    pub home: Option<PathBuf>,
    /// Why no home is read when `home` is `None` ("--no-home", "$HOME is not set").
    pub home_note: String,
    /// Scan the process environment (off with `--no-env`).
    pub env: bool,
    /// Scan git history (off with `--no-history`).
    pub history: bool,
}

/// Resolves the audit's sources: `--home DIR` must be a directory; without it `$HOME` is
/// read when set.
pub fn audit_options(overrides: &AuditOverrides) -> Result<AuditOptions, ConfigError> {
    let mut home_note = String::new();
    let home = match (&overrides.home, overrides.no_home) {
        (_, true) => {
            home_note = "--no-home".into();
            None
        }
        (Some(dir), false) if dir.is_dir() => Some(dir.clone()),
        (Some(dir), false) => {
            return Err(ConfigError::Read {
                path: format!("--home {}", dir.display()),
                cause: "not a directory".into(),
            });
        }
        (None, false) => match std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from) {
            None => {
                home_note = "$HOME is not set; --home DIR names one".into();
                None
            }
            Some(h) if !h.is_dir() => {
                home_note = format!("$HOME ({}) is not a directory", h.display());
                None
            }
            some => some,
        },
    };
    Ok(AuditOptions { home, home_note, env: !overrides.no_env, history: !overrides.no_history })
}

#[cfg(test)]
mod tests;
