//! Which config file may set what. Settings come from defaults < the user's own config <
//! the workspace's `keyreach.toml` (or the file given with `--config`) < flags, but a
//! scanned repository's file is hostile input: it may describe the repository — `[policy]`,
//! `[environments]`, `[allow]` (its own locations only), `[scan] exclude`, add-only
//! `[[rule]]`s — and nothing else. Its `[scan] max_file_size` and `[probe]` settings are
//! ignored, with a warning naming them; its `[probe] endpoints` are used only with
//! `--trust-config`, which trusts nothing more. A file given with `--config` is the user's
//! own choice and fully trusted.

use std::collections::BTreeMap;

use crate::policy::{AllowSpec, EnvironmentSpec, PolicySpec};
use crate::rules::RuleSpec;

use super::file::{ConfigFile, ProbeSpec};

/// How far a config file is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The user's own config, or a file given with `--config`: everything applies.
    User,
    /// A scanned repository's `keyreach.toml`: only the repository settings apply.
    Repository,
}

/// One config file of a run.
pub struct Layer {
    /// The file as shown in messages.
    pub shown: String,
    pub file: ConfigFile,
    pub trust: Trust,
}

/// The settings a run takes from its config files.
#[derive(Default)]
pub struct Merged {
    /// Every layer's `[policy]`, later fields over earlier.
    pub policy: PolicySpec,
    /// The trusted layers' `[policy]` alone: what a repository cannot loosen.
    pub trusted_policy: PolicySpec,
    pub environments: BTreeMap<String, EnvironmentSpec>,
    pub trusted_environments: BTreeMap<String, EnvironmentSpec>,
    pub allow: AllowSpec,
    pub excludes: Vec<String>,
    pub max_file_size_mb: Option<u64>,
    /// `[probe]` tables of trusted layers, with the file they came from.
    pub probe: Vec<(String, ProbeSpec)>,
    /// A repository's `[probe] endpoints`, with its file, used only with `--trust-config`.
    pub repository_endpoints: Option<(String, BTreeMap<String, String>)>,
    /// Rules of trusted layers.
    pub rules: Vec<(String, RuleSpec)>,
    /// Rules of a repository's file: they may add findings, never outrank, hide or
    /// downgrade keyreach's own.
    pub repository_rules: Vec<(String, RuleSpec)>,
    /// What was ignored, one line each.
    pub warnings: Vec<String>,
}

/// Merges `layers` (lowest first).
pub fn merge(layers: Vec<Layer>) -> Merged {
    let mut merged = Merged::default();
    for Layer { shown, file, trust } in layers {
        overlay(&mut merged.policy, &file.policy);
        merge_environments(&mut merged.environments, &file.environments);
        merged.allow.paths.extend(file.allow.paths);
        merged.allow.fingerprints.extend(file.allow.fingerprints);
        merged.excludes.extend(file.scan.exclude);
        let rules = file.rule.into_iter().map(|r| (shown.clone(), r));
        match trust {
            Trust::User => {
                overlay(&mut merged.trusted_policy, &file.policy);
                merge_environments(&mut merged.trusted_environments, &file.environments);
                merged.max_file_size_mb = file.scan.max_file_size.or(merged.max_file_size_mb);
                merged.probe.push((shown.clone(), file.probe));
                merged.rules.extend(rules);
            }
            Trust::Repository => {
                merged.repository_rules.extend(rules);
                if file.scan.max_file_size.is_some() {
                    merged.warnings.push(format!(
                        "{shown}: [scan] max_file_size ignored: a scanned repository may not set it (use --max-file-size \
or your own config)"
                    ));
                }
                let ProbeSpec { endpoints, timeout, concurrency, allow_hosts } = file.probe;
                if timeout.is_some() || concurrency.is_some() {
                    merged.warnings.push(format!(
                        "{shown}: [probe] timeout and concurrency ignored: a scanned repository may not set them \
(use --probe-timeout or your own config)"
                    ));
                }
                if !allow_hosts.is_empty() {
                    merged.warnings.push(format!(
                        "{shown}: [probe] allow_hosts ignored: only your own config (~/.config/keyreach/config.toml) or \
--probe-allow-host may let database probes reach private hosts"
                    ));
                }
                if !endpoints.is_empty() {
                    merged.repository_endpoints = Some((shown.clone(), endpoints));
                }
            }
        }
    }
    merged
}

/// Sets every field `over` sets.
fn overlay(base: &mut PolicySpec, over: &PolicySpec) {
    let PolicySpec { max_level, deny_destructive, deny_production, unknown_scope, agent_has_shell } = over;
    base.max_level = max_level.clone().or(base.max_level.take());
    base.deny_destructive = deny_destructive.or(base.deny_destructive);
    base.deny_production = deny_production.or(base.deny_production);
    base.unknown_scope = unknown_scope.or(base.unknown_scope);
    base.agent_has_shell = agent_has_shell.or(base.agent_has_shell);
}

/// Adds `more`'s identifiers to each environment's lists.
fn merge_environments(base: &mut BTreeMap<String, EnvironmentSpec>, more: &BTreeMap<String, EnvironmentSpec>) {
    for (env, table) in more {
        let into = base.entry(env.clone()).or_default();
        for (key, values) in table {
            let list = into.entry(key.clone()).or_default();
            for v in values {
                if !list.contains(v) {
                    list.push(v.clone());
                }
            }
        }
    }
}
