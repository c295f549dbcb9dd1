//! Resolves settings once, before scanning: defaults < `keyreach.toml` < command-line
//! flags, into per-stage options ([`Settings`]). No stage imports this module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::baseline::{Baseline, BaselineError};
use crate::engine::{EngineOptions, StreamOptions};
use crate::policy::{AllowSpec, EnvironmentSpec, Policy, PolicySpec, Severity};
use crate::rules::RuleSpec;
use crate::source::fs::WalkOptions;
use crate::source::history::GitOptions;

/// Default `--max-file-size`, in megabytes.
pub const DEFAULT_MAX_FILE_SIZE_MB: u64 = 25;
/// The config file looked for at the scanned root.
pub const CONFIG_FILE: &str = "keyreach.toml";

/// `keyreach.toml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub policy: PolicySpec,
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentSpec>,
    #[serde(default)]
    pub allow: AllowSpec,
    #[serde(default)]
    pub scan: ScanSpec,
    /// Extra rules, in the rule-file format.
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

/// `[scan]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSpec {
    /// Globs (relative to the root) not scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Megabytes.
    pub max_file_size: Option<u64>,
}

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
    pub show_secrets: bool,
    pub fail_on: Option<Severity>,
    /// `--history`: also scan git history.
    pub history: bool,
    /// `--since REV`: only history after REV (implies `history`).
    pub since: Option<String>,
    /// `--staged`: scan what the next commit would record, not the working tree.
    pub staged: bool,
    /// `--baseline FILE`: accepted credentials not to report.
    pub baseline: Option<PathBuf>,
}

/// Where rules come from.
#[derive(Debug, Clone, Default)]
pub struct RuleSources {
    pub dirs: Vec<PathBuf>,
    /// Rules from the config file, with the file's path.
    pub inline: Vec<(String, RuleSpec)>,
}

/// Settings for one run, per stage.
#[derive(Debug, Clone)]
pub struct Settings {
    pub walk: WalkOptions,
    pub stream: StreamOptions,
    pub engine: EngineOptions,
    pub rules: RuleSources,
    pub policy: Policy,
    pub fail_on: Severity,
    pub show_secrets: bool,
    /// The config file used, if any.
    pub config_path: Option<PathBuf>,
    /// Git content to scan besides (or instead of) the working tree.
    pub git: GitOptions,
    /// Accepted credentials, not reported.
    pub baseline: Option<Baseline>,
}

/// A config file that cannot be used; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {cause}")]
    Read { path: String, cause: String },
    #[error("{path}: {cause}")]
    Parse { path: String, cause: String },
    #[error("{path}: {cause}")]
    Policy { path: String, cause: String },
    #[error(transparent)]
    Baseline(#[from] BaselineError),
}

/// Reads and parses a config file.
pub fn read_config(path: &Path) -> Result<ConfigFile, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: shown.clone(), cause: e.to_string() })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: shown,
        cause: e.to_string().split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

/// The config file for this run: `--config`, else `keyreach.toml` in the one scanned
/// directory.
pub fn config_path(overrides: &Overrides) -> Option<PathBuf> {
    if let Some(path) = &overrides.config {
        return Some(path.clone());
    }
    match overrides.paths.as_slice() {
        [root] if root.is_dir() => Some(root.join(CONFIG_FILE)).filter(|p| p.is_file()),
        _ => None,
    }
}

/// Resolves defaults < config file < flags.
pub fn resolve(overrides: Overrides) -> Result<Settings, ConfigError> {
    let config_path = config_path(&overrides);
    let file = match &config_path {
        Some(path) => read_config(path)?,
        None => ConfigFile::default(),
    };
    let shown = config_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let policy = Policy::from_spec(&file.policy, &file.allow, file.environments)
        .map_err(|e| ConfigError::Policy { path: shown.clone(), cause: e.to_string() })?;
    let max_mb = overrides.max_file_size_mb.or(file.scan.max_file_size).unwrap_or(DEFAULT_MAX_FILE_SIZE_MB);
    let mut excludes = file.scan.exclude;
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
        engine: EngineOptions { inline_allow: !overrides.no_inline_allow },
        rules: RuleSources {
            dirs: overrides.rules_dirs,
            inline: file.rule.into_iter().map(|r| (shown.clone(), r)).collect(),
        },
        policy,
        fail_on: overrides.fail_on.unwrap_or(Severity::Low),
        show_secrets: overrides.show_secrets,
        config_path,
        git: GitOptions {
            history: overrides.history || overrides.since.is_some(),
            since: overrides.since,
            staged: overrides.staged,
        },
        baseline: overrides.baseline.as_deref().map(Baseline::read).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[policy]\nmax_level = \"write\"\n[scan]\nmax_file_size = 3\nexclude = [\"vendor\"]\n",
        )
        .unwrap();
        let base = Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() };
        let s = resolve(base.clone()).unwrap();
        assert_eq!(s.walk.max_file_size, Some(3_000_000));
        assert_eq!(s.policy.max_level, crate::scope::Level::Write);
        assert_eq!(s.walk.excludes, vec!["vendor".to_string()]);
        let s = resolve(Overrides { max_file_size_mb: Some(7), excludes: vec!["x".into()], ..base }).unwrap();
        assert_eq!(s.walk.max_file_size, Some(7_000_000));
        assert_eq!(s.walk.excludes, vec!["vendor".to_string(), "x".to_string()]);
    }

    #[test]
    fn a_malformed_config_names_the_file_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, "[policy\nmax_level = 1").unwrap();
        let err = resolve(Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() }).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&path.display().to_string()), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[policy]\nmax_levle = \"read\"\n").unwrap();
        let err = resolve(Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() }).unwrap_err();
        assert!(err.to_string().contains("max_levle"), "{err}");
    }
}
