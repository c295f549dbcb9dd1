//! What a credential can do: the [`Scope`] model (DESIGN.md scope object), the offline
//! decoders that fill it from the credential's format alone, and the live probes
//! (`--probe`) with the one HTTP client keyreach has.
//!
//! Receives a credential and its rule; hands on a `Scope`. Never imports policy or report.
//! Only [`probe`] (through [`http`]) touches the network, and only when a
//! [`probe::Prober`] is built, which happens only under `--probe`.

pub mod codec;
pub mod decode;
pub mod formats;
pub mod http;
pub mod probe;
pub mod time;
pub mod words;

use std::fmt;

use crate::credentials::Credential;
use crate::rules::Rule;

/// Power level, ordered `none < read < write < admin`; `Unknown` stands apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    None,
    Read,
    Write,
    Admin,
    Unknown,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "none" => Level::None,
            "read" => Level::Read,
            "write" => Level::Write,
            "admin" => Level::Admin,
            "unknown" => Level::Unknown,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Read => "read",
            Level::Write => "write",
            Level::Admin => "admin",
            Level::Unknown => "unknown",
        }
    }

    /// Rank for comparison; `None` for `Unknown`.
    pub fn rank(self) -> Option<u8> {
        match self {
            Level::None => Some(0),
            Level::Read => Some(1),
            Level::Write => Some(2),
            Level::Admin => Some(3),
            Level::Unknown => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the scope facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSource {
    Offline,
    Probe,
    Unknown,
}

impl ScopeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeSource::Offline => "offline",
            ScopeSource::Probe => "probe",
            ScopeSource::Unknown => "unknown",
        }
    }
}

/// Whether the credential works, as far as keyreach knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    /// The provider accepted it.
    Active,
    /// The provider says it is revoked or invalid, or it has expired.
    Inactive,
    /// A probe ran but could not tell (timeout, 429, 5xx, unexpected body): never counted
    /// as active or inactive.
    Indeterminate(String),
    /// Nothing was asked.
    Unknown,
}

impl Activity {
    /// The JSON tri-state: `true`, `false` or `null`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Activity::Active => Some(true),
            Activity::Inactive => Some(false),
            Activity::Indeterminate(_) | Activity::Unknown => None,
        }
    }
}

/// What a credential can do. `None` in an option means unknown, never "no".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub source: ScopeSource,
    pub level: Level,
    /// Can delete or overwrite data, volumes, repositories, packages or backups; rotate or
    /// mint keys.
    pub destructive: Option<bool>,
    /// Reaches what the policy calls production.
    pub production: Option<bool>,
    pub identity: Option<String>,
    pub permissions: Vec<String>,
    pub resources: Vec<String>,
    /// Expiry, RFC 3339.
    pub expires: Option<String>,
    pub active: Activity,
    /// A test-mode or sandbox credential.
    pub test_mode: bool,
    /// Public by design (publishable keys, anon JWTs): not a secret at all.
    pub public: bool,
    /// Plain-words facts for the verdict's reasons.
    pub notes: Vec<String>,
    /// A fix specific to what was learned ("replace with a project token scoped to
    /// staging"); the rule's remedy otherwise.
    pub remedy: Option<String>,
}

impl Scope {
    /// Replaces `secret` wherever it appears in the scope's text (a provider that echoes the
    /// credential back must not put it in a report).
    pub fn scrub(&mut self, secret: &[u8]) {
        let Ok(secret) = std::str::from_utf8(secret) else { return };
        let secret = secret.trim();
        if secret.len() < 8 {
            return;
        }
        let clean = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, "[the credential]");
            }
        };
        self.identity.iter_mut().chain(self.expires.iter_mut()).chain(self.remedy.iter_mut()).for_each(clean);
        self.permissions.iter_mut().chain(self.resources.iter_mut()).chain(self.notes.iter_mut()).for_each(clean);
        if let Activity::Indeterminate(why) = &mut self.active {
            clean(why);
        }
    }

    pub fn unknown() -> Scope {
        Scope {
            source: ScopeSource::Unknown,
            level: Level::Unknown,
            destructive: None,
            production: None,
            identity: None,
            permissions: Vec::new(),
            resources: Vec::new(),
            expires: None,
            active: Activity::Unknown,
            test_mode: false,
            public: false,
            notes: Vec::new(),
            remedy: None,
        }
    }
}

/// The scope the credential's format tells, without any network call: the rule's declared
/// facts, then its decoder (JWT claims, AWS account id, ...).
pub fn offline(rule: &Rule, credential: &Credential) -> Scope {
    let mut scope = Scope::unknown();
    let spec = &rule.scope;
    if let Some(level) = spec.level.as_deref().and_then(Level::parse) {
        scope.level = level;
        scope.source = ScopeSource::Offline;
    }
    scope.destructive = spec.destructive;
    scope.production = spec.production;
    scope.test_mode = spec.test_mode;
    scope.public = spec.public;
    scope.permissions = spec.permissions.clone();
    scope.notes = spec.notes.clone();
    if spec.destructive.is_some()
        || spec.production.is_some()
        || spec.test_mode
        || spec.public
        || !spec.notes.is_empty()
    {
        scope.source = ScopeSource::Offline;
    }
    match spec.decode.as_deref() {
        Some(name) => decode::apply(name, credential, &mut scope),
        None => decode::apply_default(&rule.provider, credential, &mut scope),
    }
    formats::prefix(&rule.provider, credential.secret.expose(), &mut scope);
    scope
}
