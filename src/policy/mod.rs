//! The least-privilege policy (`[policy]` in `keyreach.toml`) and the verdict it gives each
//! credential: [`Severity`] with reasons in plain words and a remedy ([`Finding`]).
//!
//! Receives credentials with their scope; hands the report sorted findings. Never formats
//! output and never imports the report. [`blast`] sums an audit's findings up.

pub mod blast;
mod rank;
pub mod rotate;
mod targets;

pub use rank::{sort, stake, unlock_keys};

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::credentials::{Credential, Fingerprint, Location};
use crate::rules::Rule;
use crate::scope::{Activity, Level, Scope, ScopeSource};
use crate::source::Reach;

/// Severity, ordered `low < medium < high < critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Some(match text {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to count a credential whose scope is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownScope {
    /// An unscoped key counts as a master key (the default).
    AssumeAdmin,
    AssumeWrite,
    AssumeRead,
}

impl UnknownScope {
    fn level(self) -> Level {
        match self {
            UnknownScope::AssumeAdmin => Level::Admin,
            UnknownScope::AssumeWrite => Level::Write,
            UnknownScope::AssumeRead => Level::Read,
        }
    }
}

/// `[policy]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub max_level: Option<String>,
    pub deny_destructive: Option<bool>,
    pub deny_production: Option<bool>,
    pub unknown_scope: Option<UnknownScope>,
    pub agent_has_shell: Option<bool>,
}

/// `[allow]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub fingerprints: Vec<String>,
}

/// One `[environments.<name>]` table: what that environment means here.
pub type EnvironmentSpec = BTreeMap<String, Vec<String>>;

/// Whether a location is in the scanned workspace (its files, index or history), where
/// the workspace's `[allow]` applies.
fn in_workspace(location: &Location) -> bool {
    matches!(location.reach, Reach::Tracked | Reach::Untracked | Reach::Ignored | Reach::Staged | Reach::History)
}

/// The resolved policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_level: Level,
    pub deny_destructive: bool,
    pub deny_production: bool,
    pub unknown_scope: UnknownScope,
    pub agent_has_shell: bool,
    /// `[environments.*]`: per environment, per kind (`aws_accounts`, ...), the identifiers.
    pub environments: BTreeMap<String, EnvironmentSpec>,
    allow_paths: GlobSet,
    allow_fingerprints: HashSet<Fingerprint>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_level: Level::Read,
            deny_destructive: true,
            deny_production: true,
            unknown_scope: UnknownScope::AssumeAdmin,
            agent_has_shell: true,
            environments: BTreeMap::new(),
            allow_paths: GlobSet::empty(),
            allow_fingerprints: HashSet::new(),
        }
    }
}

/// A policy field that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("[policy] max_level: not one of none, read, write, admin")]
    Level,
    #[error("{what}: entry {index} is not a glob: {cause}")]
    Glob { what: String, index: usize, cause: String },
    #[error("[allow] fingerprints: entry {0} is not of the form sha256:<64 hex digits>")]
    Fingerprint(usize),
    #[error(
        "environments.{0}.{1}: expected `names`, `databases` or `<provider>_<kind>s` (aws_accounts, railway_projects, github_orgs, vercel_teams, gcp_projects, database_hosts, ...)"
    )]
    EnvironmentKey(String, String),
}

/// What is wrong with a glob, without the glob (a pasted secret must not be echoed).
fn glob_cause(e: &globset::Error) -> String {
    match e.kind() {
        globset::ErrorKind::UnclosedClass => "unclosed character class".into(),
        globset::ErrorKind::InvalidRange(..) => "invalid range".into(),
        globset::ErrorKind::UnopenedAlternates => "unopened alternates".into(),
        globset::ErrorKind::UnclosedAlternates => "unclosed alternates".into(),
        globset::ErrorKind::NestedAlternates => "nested alternates".into(),
        globset::ErrorKind::DanglingEscape => "dangling escape".into(),
        _ => "not a valid glob".into(),
    }
}

/// Environment names that mean production when `[environments.production]` sets no `names`.
pub const DEFAULT_PRODUCTION_NAMES: &[&str] = &["production", "prod"];

/// `databases = [...]` in an `[environments.*]` table is short for `database_databases`
/// (resources `database:database/<name>` of the database probes).
const DATABASES_KEY: &str = "databases";

/// Whether a value of an `[environments.*]` table is a glob (`*.prod.internal`, `shop_*`).
fn is_glob(value: &str) -> bool {
    value.contains(['*', '?', '['])
}

/// Whether `name` is `value`, lies under it (`value/...`), or matches it as a glob
/// (case-insensitive, `*` crossing dots and slashes).
fn name_matches(value: &str, name: &str) -> bool {
    if is_glob(value) {
        return globset::GlobBuilder::new(value)
            .case_insensitive(true)
            .build()
            .is_ok_and(|g| g.compile_matcher().is_match(name));
    }
    name == value || name.starts_with(&format!("{value}/"))
}

/// Whether `key` in an `[environments.*]` table is understood.
fn environment_key_ok(key: &str) -> bool {
    key == "names"
        || key == DATABASES_KEY
        || key.split_once('_').is_some_and(|(provider, kinds)| {
            !provider.is_empty()
                && kinds.len() > 1
                && kinds.ends_with('s')
                && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

impl Policy {
    /// The stricter of two policies, field by field: the lower `max_level`, any `deny_*`,
    /// the more cautious `unknown_scope`, a shell if either says so, both sets of
    /// environments, and `self`'s allow-list. What a scanned repository's policy cannot
    /// loosen for credentials outside it.
    pub fn strictest(&self, other: &Policy) -> Policy {
        let rank = |l: Level| l.rank().unwrap_or(u8::MAX);
        let cautious = |u: UnknownScope| rank(u.level());
        let mut environments = self.environments.clone();
        for (env, table) in &other.environments {
            let into = environments.entry(env.clone()).or_default();
            for (key, values) in table {
                let list = into.entry(key.clone()).or_default();
                list.extend(values.iter().filter(|v| !list.contains(v)).cloned().collect::<Vec<_>>());
            }
        }
        Policy {
            max_level: if rank(other.max_level) < rank(self.max_level) { other.max_level } else { self.max_level },
            deny_destructive: self.deny_destructive || other.deny_destructive,
            deny_production: self.deny_production || other.deny_production,
            unknown_scope: if cautious(other.unknown_scope) > cautious(self.unknown_scope) {
                other.unknown_scope
            } else {
                self.unknown_scope
            },
            agent_has_shell: self.agent_has_shell || other.agent_has_shell,
            environments,
            allow_paths: self.allow_paths.clone(),
            allow_fingerprints: self.allow_fingerprints.clone(),
        }
    }

    pub fn from_spec(
        spec: &PolicySpec,
        allow: &AllowSpec,
        environments: BTreeMap<String, EnvironmentSpec>,
    ) -> Result<Policy, PolicyError> {
        let defaults = Policy::default();
        let max_level = match spec.max_level.as_deref() {
            Some(text) => Level::parse(text).filter(|l| *l != Level::Unknown).ok_or(PolicyError::Level)?,
            None => defaults.max_level,
        };
        let mut globs = GlobSetBuilder::new();
        for (index, glob) in allow.paths.iter().enumerate() {
            let g = Glob::new(glob).map_err(|e| PolicyError::Glob {
                what: "[allow] paths".into(),
                index: index + 1,
                cause: glob_cause(&e),
            })?;
            globs.add(g);
        }
        let mut environments = environments;
        for (env, table) in environments.iter_mut() {
            if let Some(key) = table.keys().find(|k| !environment_key_ok(k)) {
                return Err(PolicyError::EnvironmentKey(crate::rules::shown_key(env), crate::rules::shown_key(key)));
            }
            for (key, values) in table.iter() {
                if let Some(index) = values.iter().position(|v| is_glob(v) && Glob::new(v).is_err()) {
                    return Err(PolicyError::Glob {
                        what: format!("[environments.{env}] {key}"),
                        index: index + 1,
                        cause: "unbalanced brackets or braces".into(),
                    });
                }
            }
            if let Some(names) = table.remove(DATABASES_KEY) {
                table.entry("database_databases".into()).or_default().extend(names);
            }
        }
        let allow_fingerprints = allow
            .fingerprints
            .iter()
            .enumerate()
            .map(|(i, f)| Fingerprint::parse(f).ok_or(PolicyError::Fingerprint(i + 1)))
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            max_level,
            deny_destructive: spec.deny_destructive.unwrap_or(defaults.deny_destructive),
            deny_production: spec.deny_production.unwrap_or(defaults.deny_production),
            unknown_scope: spec.unknown_scope.unwrap_or(defaults.unknown_scope),
            agent_has_shell: spec.agent_has_shell.unwrap_or(defaults.agent_has_shell),
            environments,
            allow_paths: globs.build().map_err(|e| PolicyError::Glob {
                what: "[allow] paths".into(),
                index: 0,
                cause: glob_cause(&e),
            })?,
            allow_fingerprints,
        })
    }

    /// Drops the workspace locations the allow-list covers (an allowed fingerprint covers
    /// them all); `None` when nothing is left. `[allow]` speaks for the scanned workspace
    /// only: a home credential file or an environment variable is never allowed by it, so
    /// a repository's `keyreach.toml` cannot hide what lies outside the repository.
    pub fn allowed(&self, mut credential: Credential) -> Option<Credential> {
        let fingerprint = self.allow_fingerprints.contains(&credential.fingerprint);
        credential.locations.retain(|l| !(in_workspace(l) && (fingerprint || self.path_allowed(l))));
        (!credential.locations.is_empty()).then_some(credential)
    }

    fn path_allowed(&self, location: &Location) -> bool {
        !self.allow_paths.is_empty() && self.allow_paths.is_match(&location.path)
    }

    /// The resources of `scope` that `[environments.production]` calls production, in
    /// plain words ("railway project pocket-prod"). Resources are `provider:kind/name`;
    /// `<provider>_<kind>s = ["name"]` matches a resource of that kind with that name (or
    /// anything under it: `name/...`; a value with `*`, `?` or `[` is a case-insensitive
    /// glob), `databases` is short for `database_databases`, and `names` matches
    /// environments by their last segment (default: production, prod).
    pub fn production_hits(&self, scope: &Scope) -> Vec<String> {
        let table = self.environments.get("production");
        let default_names: Vec<String> = DEFAULT_PRODUCTION_NAMES.iter().map(|s| s.to_string()).collect();
        let names = table.and_then(|t| t.get("names")).unwrap_or(&default_names);
        let mut hits = Vec::new();
        for resource in &scope.resources {
            let Some((provider, rest)) = resource.split_once(':') else { continue };
            let Some((kind, name)) = rest.split_once('/') else { continue };
            let key = format!("{provider}_{kind}s");
            let listed =
                table.and_then(|t| t.get(&key)).is_some_and(|values| values.iter().any(|v| name_matches(v, name)));
            let parent_listed = table.is_some_and(|t| {
                t.iter().any(|(k, values)| {
                    k.starts_with(&format!("{provider}_"))
                        && *k != key
                        && values.iter().any(|v| !is_glob(v) && name.starts_with(&format!("{v}/")))
                })
            });
            let last = name.rsplit('/').next().unwrap_or(name);
            let named = kind == "environment" && names.iter().any(|n| n.eq_ignore_ascii_case(last));
            if listed || parent_listed || named {
                hits.push(format!("{provider} {kind} {name}"));
            }
        }
        hits
    }
}

/// A judged credential: what the report prints.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub provider: String,
    pub title: String,
    pub credential: Credential,
    pub scope: Scope,
    pub severity: Severity,
    pub reasons: Vec<String>,
    pub remedy: String,
    /// What an operator needs to find it at its provider, none of it secret (key id,
    /// fingerprint, comment, owner).
    pub handles: Vec<crate::scope::handles::Handle>,
    /// Where and how to rotate or revoke it, when the provider's table says.
    pub rotate: Option<rotate::Rotation>,
}

const DEFAULT_REMEDY: &str = "Rotate it, replace it with a credential scoped to what the task needs, \
and keep it where the agent cannot read it (a secret store, not a file in the workspace).";

/// Judges one credential against the policy. `[environments.production]` marks the scope
/// as reaching production when one of its resources is listed there.
pub fn judge(policy: &Policy, rule: &Rule, credential: Credential, mut scope: Scope) -> Finding {
    // A revoked or invalid credential reaches nothing, production included.
    let hits = if scope.active == Activity::Inactive { Vec::new() } else { policy.production_hits(&scope) };
    if !hits.is_empty() {
        scope.production = Some(true);
        let shown: Vec<&str> = hits.iter().take(3).map(String::as_str).collect();
        let more = if hits.len() > 3 { format!(" and {} more", hits.len() - 3) } else { String::new() };
        scope.notes.push(format!("reaches what the policy calls production: {}{more}", shown.join(", ")));
    }
    let (mut severity, mut reasons) = verdict(policy, &scope);
    if scope.level == Level::Unknown
        && scope.source != ScopeSource::Probe
        && !matches!(scope.active, Activity::Indeterminate(_))
        && severity > Severity::Medium
    {
        reasons.push(crate::scope::probe::would_learn(&rule.provider, &rule.id));
    }
    shell_reach(policy, &credential.locations, &mut severity, &mut reasons);
    let remedy = scope.remedy.clone().or_else(|| rule.remedy.clone()).unwrap_or_else(|| DEFAULT_REMEDY.to_string());
    // A catch-all match says why it counts first, and is its provider's when named.
    let evidence = credential.evidence.as_ref();
    if let Some(e) = evidence {
        reasons.insert(0, e.reason.to_string());
    }
    let provider = evidence.and_then(|e| e.provider.as_deref()).unwrap_or(&rule.provider).to_string();
    let handles = crate::scope::handles::of(&rule.provider, &credential, &scope);
    let rotate = rotate::rotation(&rule.provider, &rule.id);
    Finding {
        handles,
        rotate,
        rule_id: rule.id.clone(),
        provider,
        title: rule.title.clone(),
        credential,
        severity,
        reasons,
        remedy,
        scope,
    }
}

/// Whether an agent without a shell reaches `location`: its file tools open workspace and
/// home files that no ignore file or deny rule hides, and an MCP server wields what it is
/// given. Git history, the staged index and the environment take a shell.
pub fn reachable_without_shell(location: &Location) -> bool {
    location.mcp_server.is_some()
        || (!location.agent_ignored
            && matches!(location.reach, Reach::Tracked | Reach::Untracked | Reach::Ignored | Reach::Home))
}

/// Agent restrictions count only when the agent has no shell (`agent_has_shell = false`):
/// ignore files and deny rules hide files from file tools, never from `cat`. A credential
/// no shell-less agent can reach drops to low.
fn shell_reach(policy: &Policy, locations: &[Location], severity: &mut Severity, reasons: &mut Vec<String>) {
    if locations.is_empty() {
        return;
    }
    if policy.agent_has_shell {
        if locations.iter().any(|l| l.agent_ignored && l.mcp_server.is_none()) {
            reasons
                .push("agent-ignored, but the agent has a shell: ignore files and deny rules do not stop `cat`".into());
        }
        return;
    }
    if *severity > Severity::Low && !locations.iter().any(reachable_without_shell) {
        reasons.push(
            "out of the agent's reach: it has no shell, and every place holding it is hidden from its file tools \
or needs a shell (git history, the environment)"
                .into(),
        );
        *severity = Severity::Low;
    }
}

fn verdict(policy: &Policy, scope: &Scope) -> (Severity, Vec<String>) {
    let mut reasons = scope.notes.clone();
    let said = |reasons: &[String], words: &[&str]| reasons.iter().any(|r| words.iter().any(|w| r.contains(w)));
    if scope.active == Activity::Inactive {
        reasons.push("the credential is revoked, invalid or expired".into());
        return (Severity::Low, reasons);
    }
    if scope.test_mode {
        reasons.push("test-mode credential: no access to live data".into());
        return (Severity::Low, reasons);
    }
    if scope.public {
        reasons.push("public by design (a publishable key): it grants nothing secret".into());
        return (Severity::Low, reasons);
    }
    if scope.passphrase_protected && scope.level == Level::Unknown {
        reasons.push(
            "no passphrase for it where the agent reaches: medium at most, critical if its passphrase turns up".into(),
        );
        return (Severity::Medium, reasons);
    }
    let unknown = scope.level == Level::Unknown;
    let level = if unknown { policy.unknown_scope.level() } else { scope.level };
    if unknown {
        reasons.push(format!("scope unknown: counted as {} access", level.as_str()));
    }
    let over_level = level.rank() > policy.max_level.rank();
    let destructive = scope.destructive == Some(true);
    let production = scope.production == Some(true);
    if level == Level::Admin
        && !unknown
        && !said(&reasons, &["administer", "admin key", "full account", "full-account"])
    {
        reasons.push("can administer the account".into());
    }
    if destructive && !said(&reasons, &["can delete", "destructive"]) {
        reasons.push("can delete or overwrite data".into());
    }
    if production && !said(&reasons, &["production"]) {
        reasons.push("reaches production".into());
    }
    let over = over_level || (policy.deny_destructive && destructive) || (policy.deny_production && production);
    if !over {
        reasons.push(format!("within policy (at most {}), but a live secret in plain text", policy.max_level));
        return (Severity::Medium, reasons);
    }
    reasons.push(format!("policy allows at most {}", policy.max_level));
    let severe = unknown || level == Level::Admin || destructive || production;
    (if severe { Severity::Critical } else { Severity::High }, reasons)
}

#[cfg(test)]
mod tests;
