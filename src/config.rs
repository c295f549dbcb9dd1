//! Resolves settings once, before scanning: defaults < `keyreach.toml` < command-line
//! flags, into per-stage options ([`Settings`]). No stage imports this module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::baseline::{Baseline, BaselineError};
use crate::engine::{EngineOptions, StreamOptions};
use crate::policy::{AllowSpec, EnvironmentSpec, Policy, PolicySpec, Severity};
use crate::rules::RuleSpec;
use crate::scope::http::{HttpOptions, check_endpoint};
use crate::source::fs::WalkOptions;
use crate::source::git::GitOptions;

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
    #[serde(default)]
    pub probe: ProbeSpec,
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

/// `[probe]` as written: how `--probe` talks to providers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// Per provider, a base URL replacing its official API root (GitHub Enterprise,
    /// self-managed GitLab). Ignored in a scanned repository's own config unless
    /// `--trust-config`.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    /// Seconds per request (default 10).
    pub timeout: Option<f64>,
    /// Probes running at once (default 4).
    pub concurrency: Option<usize>,
}

/// Live probing for one run.
#[derive(Debug, Clone, Default)]
pub struct ProbeSettings {
    /// `--probe`: without it keyreach makes no network call at all.
    pub enabled: bool,
    pub http: HttpOptions,
}

/// The user's own config file (`$XDG_CONFIG_HOME/keyreach/config.toml`, else
/// `~/.config/keyreach/config.toml`): trusted, unlike a scanned repository's. Only its
/// `[probe]` table is read.
pub fn user_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("keyreach").join("config.toml")).filter(|p| p.is_file())
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
    /// `--probe`.
    pub probe: bool,
    /// `--endpoint PROVIDER=URL`, in order.
    pub endpoints: Vec<(String, String)>,
    /// `--trust-config`: use `[probe] endpoints` from a scanned repository's config.
    pub trust_config: bool,
    /// `--probe-timeout SECONDS`.
    pub probe_timeout: Option<f64>,
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
    /// The config file is the scanned repository's own (not `--config`, no
    /// `--trust-config`): its rules may add findings but never outrank, hide or downgrade
    /// what keyreach's own rules find.
    pub untrusted_inline: bool,
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
    pub probe: ProbeSettings,
    /// Things the user should know about the configuration (one line each).
    pub warnings: Vec<String>,
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
    #[error("{origin}: {cause}")]
    Probe { origin: String, cause: String },
    #[error(transparent)]
    Baseline(#[from] BaselineError),
}

/// Reads and parses a config file.
pub fn read_config(path: &Path) -> Result<ConfigFile, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: shown.clone(), cause: e.to_string() })?;
    parse_config(&shown, &text)
}

/// Parses config text; errors name `shown` and the line, never quoting the file (it may
/// hold a secret, or terminal escapes from a scanned repository).
pub fn parse_config(shown: &str, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text)
        .map_err(|e| ConfigError::Parse { path: shown.to_string(), cause: crate::rules::toml_error(text, &e) })
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
    let small = small_input(&overrides);
    let config_path = config_path(&overrides);
    let file = match &config_path {
        Some(path) => read_config(path)?,
        None => ConfigFile::default(),
    };
    let shown = config_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let policy = Policy::from_spec(&file.policy, &file.allow, file.environments)
        .map_err(|e| ConfigError::Policy { path: shown.clone(), cause: e.to_string() })?;
    let mut warnings = Vec::new();
    let probe = probe_settings(&overrides, &file.probe, &shown, &mut warnings)?;
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
        engine: EngineOptions { inline_allow: !overrides.no_inline_allow, small_input: small },
        rules: RuleSources {
            dirs: overrides.rules_dirs,
            inline: file.rule.into_iter().map(|r| (shown.clone(), r)).collect(),
            untrusted_inline: config_path.is_some() && overrides.config.is_none() && !overrides.trust_config,
        },
        policy,
        fail_on: overrides.fail_on.unwrap_or(Severity::Low),
        show_secrets: overrides.show_secrets,
        config_path,
        probe,
        warnings,
        git: GitOptions {
            history: overrides.history || overrides.since.is_some(),
            since: overrides.since,
            staged: overrides.staged,
        },
        baseline: overrides.baseline.as_deref().map(Baseline::read).transpose()?,
    })
}

/// Probe settings: defaults < user config < the run's config (endpoints only if trusted:
/// given with `--config`, or `--trust-config`) < flags. Every endpoint is checked: a known
/// provider, https (or http to loopback), no credentials in the URL.
pub fn probe_settings(
    overrides: &Overrides,
    file: &ProbeSpec,
    file_path: &str,
    warnings: &mut Vec<String>,
) -> Result<ProbeSettings, ConfigError> {
    let mut http = HttpOptions::default();
    let mut endpoints: Vec<(String, String, String)> = Vec::new();
    let user = user_config_path();
    if let Some(path) = &user {
        let spec = read_config(path)?.probe;
        let origin = path.display().to_string();
        endpoints.extend(spec.endpoints.into_iter().map(|(p, u)| (p, u, origin.clone())));
        apply_spec(&spec.timeout, &spec.concurrency, &mut http);
    }
    apply_spec(&file.timeout, &file.concurrency, &mut http);
    if !file.endpoints.is_empty() {
        if overrides.config.is_some() || overrides.trust_config {
            endpoints.extend(file.endpoints.iter().map(|(p, u)| (p.clone(), u.clone(), file_path.to_string())));
        } else {
            warnings.push(format!(
                "{file_path}: [probe] endpoints ignored: a scanned repository may not choose where its secrets are sent \
(pass --trust-config to use them)"
            ));
        }
    }
    endpoints.extend(overrides.endpoints.iter().map(|(p, u)| (p.clone(), u.clone(), "--endpoint".to_string())));
    for (provider, url, origin) in endpoints {
        if crate::scope::probe::find(&provider).is_none() {
            let known = crate::scope::probe::providers().join(", ");
            return Err(ConfigError::Probe {
                origin,
                cause: format!("no probe for provider {provider:?} (known: {known})"),
            });
        }
        let url = check_endpoint(&url).map_err(|e| ConfigError::Probe { origin, cause: e.to_string() })?;
        http.endpoints.insert(provider, url);
    }
    if let Some(t) = overrides.probe_timeout {
        http.timeout = seconds(t);
    }
    Ok(ProbeSettings { enabled: overrides.probe, http })
}

fn seconds(t: f64) -> std::time::Duration {
    std::time::Duration::from_secs_f64(t.clamp(0.05, 300.0))
}

fn apply_spec(timeout: &Option<f64>, concurrency: &Option<usize>, http: &mut HttpOptions) {
    if let Some(t) = timeout {
        http.timeout = seconds(*t);
    }
    if let Some(c) = concurrency {
        http.concurrency = (*c).clamp(1, 32);
    }
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
    /// Scan the process environment (off with `--no-env`).
    pub env: bool,
    /// Scan git history (off with `--no-history`).
    pub history: bool,
}

/// Resolves the audit's sources: `--home DIR` must be a directory; without it `$HOME` is
/// read when set.
pub fn audit_options(overrides: &AuditOverrides) -> Result<AuditOptions, ConfigError> {
    let home = match (&overrides.home, overrides.no_home) {
        (_, true) => None,
        (Some(dir), false) if dir.is_dir() => Some(dir.clone()),
        (Some(dir), false) => {
            return Err(ConfigError::Read {
                path: format!("--home {}", dir.display()),
                cause: "not a directory".into(),
            });
        }
        (None, false) => std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from).filter(|h| h.is_dir()),
    };
    Ok(AuditOptions { home, env: !overrides.no_env, history: !overrides.no_history })
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
    fn a_scanned_repository_cannot_set_endpoints_unless_trusted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[probe.endpoints]\ngithub = \"https://evil.example.com\"\n")
            .unwrap();
        let base = Overrides { paths: vec![dir.path().to_path_buf()], probe: true, ..Overrides::default() };
        let s = resolve(base.clone()).unwrap();
        assert!(s.probe.http.endpoints.is_empty());
        assert!(s.warnings[0].contains("[probe] endpoints ignored"), "{:?}", s.warnings);
        let s = resolve(Overrides { trust_config: true, ..base.clone() }).unwrap();
        assert_eq!(s.probe.http.endpoints.get("github").map(String::as_str), Some("https://evil.example.com"));
        let s = resolve(Overrides { endpoints: vec![("github".into(), "http://127.0.0.1:9".into())], ..base.clone() })
            .unwrap();
        assert_eq!(s.probe.http.endpoints.get("github").map(String::as_str), Some("http://127.0.0.1:9"));
        let err =
            resolve(Overrides { endpoints: vec![("github".into(), "http://10.0.0.1".into())], ..base }).unwrap_err();
        assert!(err.to_string().starts_with("--endpoint: endpoint"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[policy]\nmax_levle = \"read\"\n").unwrap();
        let err = resolve(Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() }).unwrap_err();
        assert!(err.to_string().contains("max_levle"), "{err}");
    }
}
