//! Config files as written: `keyreach.toml` and the user's own `config.toml`, read with a
//! size cap and parsed once; errors name the file, the line and the key, never a value (a
//! config may hold a pasted secret, and the guard's errors reach the model).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::policy::{AllowSpec, EnvironmentSpec, PolicySpec};
use crate::rules::RuleSpec;

use super::ConfigError;

/// The config file looked for from the scanned path up to the repository root.
pub const CONFIG_FILE: &str = "keyreach.toml";
/// Largest config file read: a hostile repository's multi-megabyte file is refused.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// Most entries a list of a config file may hold (`exclude`, `allow.paths`, `[[rule]]`, …).
pub const MAX_LIST_ENTRIES: usize = 1_000;

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
    /// Megabytes. Not taken from a scanned repository's file.
    pub max_file_size: Option<u64>,
}

/// `[probe]` as written: how `--probe` talks to providers. Not taken from a scanned
/// repository's file (its `endpoints` only with `--trust-config`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// Per provider, a base URL replacing its official API root (GitHub Enterprise,
    /// self-managed GitLab).
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    /// Seconds per request (default 10).
    pub timeout: Option<f64>,
    /// Probes running at once (default 4).
    pub concurrency: Option<usize>,
    /// Hosts (names, addresses or CIDR blocks) database probes may reach at private,
    /// loopback or link-local addresses.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
}

/// The user's own config file (`$XDG_CONFIG_HOME/keyreach/config.toml`, else
/// `~/.config/keyreach/config.toml`): trusted, unlike a scanned repository's.
pub fn user_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("keyreach").join("config.toml")).filter(|p| p.is_file())
}

/// The nearest `keyreach.toml` from `start` (a directory, or a file's directory) up to the
/// root of the git repository it is in; outside a repository, only `start` itself. The same
/// whether the scan named a path or ran in the current directory.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let dir = if start.is_dir() { start.to_path_buf() } else { start.parent().unwrap_or(Path::new(".")).to_path_buf() };
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let absolute = std::path::absolute(&dir).ok()?;
    let top = absolute.ancestors().find(|d| d.join(".git").exists());
    let candidates: Vec<&Path> = match top {
        Some(top) => absolute.ancestors().take_while(|d| d.starts_with(top)).collect(),
        None => vec![absolute.as_path()],
    };
    candidates.into_iter().map(|d| d.join(CONFIG_FILE)).find(|p| p.is_file())
}

/// Reads and parses a config file: a regular file of at most [`MAX_CONFIG_BYTES`].
pub fn read_config(path: &Path) -> Result<ConfigFile, ConfigError> {
    let shown = path.display().to_string();
    let read_error = |cause: String| ConfigError::Read { path: shown.clone(), cause };
    let file = crate::source::fs::open(path).map_err(|e| read_error(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes).map_err(|e| read_error(e.to_string()))?;
    parse_config_bytes(&shown, &bytes)
}

/// Parses config bytes (a file, or a committed blob) as [`read_config`] does.
pub fn parse_config_bytes(shown: &str, bytes: &[u8]) -> Result<ConfigFile, ConfigError> {
    let read_error = |cause: String| ConfigError::Read { path: shown.to_string(), cause };
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(read_error(format!("larger than {} KiB: not read", MAX_CONFIG_BYTES >> 10)));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| read_error("not UTF-8 text".into()))?;
    parse_config(shown, text)
}

/// Parses config text; errors name `shown`, the line and the key, never a value.
pub fn parse_config(shown: &str, text: &str) -> Result<ConfigFile, ConfigError> {
    let file: ConfigFile = toml::from_str(text)
        .map_err(|e| ConfigError::Parse { path: shown.to_string(), cause: crate::rules::toml_error(text, &e) })?;
    let too_long = |what: &str, n: usize| {
        (n > MAX_LIST_ENTRIES).then(|| ConfigError::Parse {
            path: shown.to_string(),
            cause: format!("{what} has {n} entries, more than the {MAX_LIST_ENTRIES} keyreach reads"),
        })
    };
    let environment_values = file.environments.values().flat_map(|t| t.values()).map(Vec::len).sum();
    for (what, n) in [
        ("[scan] exclude", file.scan.exclude.len()),
        ("[allow] paths", file.allow.paths.len()),
        ("[allow] fingerprints", file.allow.fingerprints.len()),
        ("[[rule]]", file.rule.len()),
        ("[environments]", environment_values),
        ("[probe] allow_hosts", file.probe.allow_hosts.len()),
    ] {
        if let Some(e) = too_long(what, n) {
            return Err(e);
        }
    }
    Ok(file)
}
