//! What a credential can do: the [`Scope`] model (DESIGN.md scope object), the offline
//! decoders that fill it from the credential's format alone, and the live probes
//! (`--probe`) with the one HTTP client keyreach has.
//!
//! Receives a credential and its rule; hands on a `Scope`. Never imports policy or report.
//! Only [`probe`] (through [`http`]) touches the network, and only when a
//! [`probe::Prober`] is built, which happens only under `--probe`.

pub mod codec;
pub mod db;
pub mod decode;
pub mod formats;
pub mod handles;
pub mod http;
pub mod probe;
pub mod time;
pub mod tokens;
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
    /// A private key that is useless without a passphrase keyreach did not find where
    /// the agent reaches.
    pub passphrase_protected: bool,
    /// Plain-words facts for the verdict's reasons.
    pub notes: Vec<String>,
    /// A fix specific to what was learned ("replace with a project token scoped to
    /// staging"); the rule's remedy otherwise.
    pub remedy: Option<String>,
}

impl Scope {
    /// Removes `secret` from the scope's text (a provider that echoes the credential back
    /// must not put it in a report): every copy, and every near-copy — any run of
    /// [`SCRUB_MIN`] or more characters of its sensitive part.
    pub fn scrub(&mut self, secret: &[u8]) {
        self.scrub_all(&[secret]);
    }

    /// [`Scope::scrub`] for several secrets at once (the secret and the parts of it that are
    /// secret too: a session token, an API key paired with an application key).
    pub fn scrub_all(&mut self, secrets: &[&[u8]]) {
        let cores: Vec<String> = secrets
            .iter()
            .filter_map(|s| std::str::from_utf8(s).ok())
            .map(str::trim)
            .filter(|s| s.len() >= SCRUB_MIN)
            .flat_map(sensitive_cores)
            .filter(|c| c.len() >= SCRUB_MIN)
            .collect();
        if cores.is_empty() {
            return;
        }
        let clean = |text: &mut String| {
            if let Some(cleaned) = scrub_text(text, &cores) {
                *text = cleaned;
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
            passphrase_protected: false,
            notes: Vec::new(),
            remedy: None,
        }
    }
}

/// Shortest run of a secret's characters that [`Scope::scrub`] removes from provider text.
pub const SCRUB_MIN: usize = 8;

/// The parts of a secret whose characters must never be shown: a URL's password and
/// signature (not its host, user or database, which the scope names), an `ID:SECRET`
/// token's secret half (not the bot id), else the whole secret. Percent-encoded values
/// count in both forms.
fn sensitive_cores(secret: &str) -> Vec<String> {
    let mut cores = Vec::new();
    if let Some((_, rest)) = secret.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                cores.push(password.to_string());
            }
        }
        let query = secret.split_once('?').map_or("", |(_, q)| q);
        for pair in query.split(['&', ';']) {
            if let Some((key, value)) = pair.split_once('=') {
                let key = key.to_ascii_lowercase();
                if ["sig", "signature", "password", "pwd", "token", "secret", "key", "access_token"]
                    .contains(&key.as_str())
                {
                    cores.push(value.to_string());
                }
            }
        }
    } else if let Some((id, rest)) = secret.split_once(':') {
        if id.len() >= 5 && id.bytes().all(|b| b.is_ascii_digit()) && !rest.contains(':') {
            cores.push(rest.to_string());
        }
    }
    if cores.is_empty() {
        cores.push(secret.to_string());
    }
    let decoded: Vec<String> = cores
        .iter()
        .filter(|c| c.contains('%'))
        .map(|c| percent_encoding::percent_decode_str(c).decode_utf8_lossy().into_owned())
        .collect();
    cores.extend(decoded);
    cores
}

/// `text` with every run of [`SCRUB_MIN`] or more characters that also occurs in one of
/// `cores` replaced by `[the credential]`; `None` when nothing needed removing.
fn scrub_text(text: &str, cores: &[String]) -> Option<String> {
    let t = text.as_bytes();
    if t.len() < SCRUB_MIN {
        return None;
    }
    let mut covered = vec![false; t.len()];
    for core in cores {
        let c = core.as_bytes();
        // Longest common substring lengths ending at (i, j), one row at a time.
        let mut prev = vec![0usize; c.len() + 1];
        let mut row = vec![0usize; c.len() + 1];
        for i in 0..t.len() {
            for j in 0..c.len() {
                row[j + 1] = if t[i] == c[j] { prev[j] + 1 } else { 0 };
                if row[j + 1] >= SCRUB_MIN {
                    let run = row[j + 1];
                    covered[i + 1 - run..=i].iter_mut().for_each(|x| *x = true);
                }
            }
            std::mem::swap(&mut prev, &mut row);
        }
    }
    if !covered.contains(&true) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for (i, ch) in text.char_indices() {
        if covered[i..i + ch.len_utf8()].contains(&true) {
            if !in_run {
                out.push_str("[the credential]");
            }
            in_run = true;
        } else {
            out.push(ch);
            in_run = false;
        }
    }
    Some(out)
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
    scope.passphrase_protected =
        crate::source::home::private_key_passphrase(credential.secret.expose()) == Some(Some(true));
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
    if rule.provider == "database" {
        scope.resources.extend(probe::database_resources(&rule.id, credential.secret.expose()));
    }
    formats::prefix(&rule.provider, credential.secret.expose(), &mut scope);
    tokens::facts(&rule.provider, credential.secret.expose(), &mut scope);
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every run of `SCRUB_MIN` characters of `secret` that `text` still holds.
    fn leftover_runs(text: &str, secret: &str) -> Vec<String> {
        let chars: Vec<char> = secret.chars().collect();
        chars
            .windows(SCRUB_MIN)
            .map(|w| w.iter().collect::<String>())
            .filter(|run| text.contains(run.as_str()))
            .collect()
    }

    fn scrubbed(text: &str, secrets: &[&str]) -> String {
        let mut scope = Scope::unknown();
        scope.identity = Some(text.to_string());
        match secrets {
            [one] => scope.scrub(one.as_bytes()),
            many => scope.scrub_all(&many.iter().map(|s| s.as_bytes()).collect::<Vec<_>>()),
        }
        scope.identity.unwrap()
    }

    #[test]
    fn near_copies_of_the_secret_are_scrubbed() {
        let secret = crate::rules::template::expand("{{gen:github-crc32:ghp_}}", "near").unwrap();
        for at in [0, 5, 19, 20, 39] {
            let mut near: Vec<char> = secret.chars().collect();
            near[at] = if near[at] == 'x' { 'y' } else { 'x' };
            let near: String = near.into_iter().collect();
            for text in [near.clone(), format!("token {near} (echoed)"), format!("{}…", &near[..30])] {
                let out = scrubbed(&text, &[&secret]);
                assert!(leftover_runs(&out, &secret).is_empty(), "{at}: {out}");
                assert!(out.contains("[the credential]"), "{out}");
            }
        }
        assert_eq!(scrubbed("dev-fake", &[&secret]), "dev-fake", "text sharing nothing is kept");
    }

    #[test]
    fn secret_parts_are_scrubbed_but_names_next_to_them_are_kept() {
        let url = "postgres://shop_app:Xq7vP2mL9rT4wZ8k@db-prod.acme.example:5432/orders";
        let out = scrubbed("shop_app on db-prod.acme.example/orders, password Xq7vP2mL9rT4wZ8X", &[url]);
        assert_eq!(out, "shop_app on db-prod.acme.example/orders, password [the credential]X");
        let sig = crate::rules::template::expand("{{b64:43}}", "sig").unwrap();
        let sas =
            format!("https://acmedata.blob.core.windows.net/?sv=2022-11-02&sp=rl&se=2099-01-01T00:00:00Z&sig={sig}%3D");
        let out = scrubbed(&format!("storage account acmedata until 2099-01-01T00:00:00Z; {sig}="), &[&sas]);
        assert_eq!(out, "storage account acmedata until 2099-01-01T00:00:00Z; [the credential]");
        let bot = "123456789:AAHfakeFAKEfakeFAKEfakeFAKEfakeFAK";
        assert_eq!(scrubbed("bot 123456789 AAHfakeFAKEfakeFAKE", &[bot]), "bot 123456789 [the credential]");
    }

    #[test]
    fn every_secret_given_is_scrubbed() {
        let (secret, session) =
            ("wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEYx", "FwoGZXIvYXdzEBYaDkeyreachFAKEsession0000");
        let out = scrubbed(&format!("{secret} {session}"), &[secret, session]);
        assert_eq!(out, "[the credential] [the credential]");
    }
}
