//! `RuleSpec`: a rule as written in `rules/<provider>.toml` (DESIGN.md, "Rule file").
//!
//! This is data as the user wrote it, checked only by serde. [`super::Rule`] is the
//! validated, compiled form; [`super::load`] turns one into the other.

use std::borrow::Cow;

use serde::Deserialize;

/// One `rules/<provider>.toml` file: a list of `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

/// One `[[rule]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `provider.kind`, unique across the whole rule set.
    pub id: String,
    pub title: String,
    pub provider: String,
    /// Words users put in variable names for this provider (`alpha_vantage`: `_` between
    /// parts), beyond the provider id. Set by the catalog expansion (`rules/catalog/`), so
    /// the loaded rule set knows every provider's name words.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Literals for the prefilter, matched ASCII-case-insensitively. At least one.
    pub keywords: Vec<String>,
    /// Regex confirming a candidate. Group 1 (or the whole match) is the secret. For an
    /// assignment rule (`assign` set) it must match the whole assigned value instead.
    pub pattern: String,
    /// Makes this an assignment rule: the secret is a value assigned to a name (variable,
    /// key, flag) that contains a keyword and matches this regex (case-insensitive).
    #[serde(default)]
    pub assign: Option<String>,
    /// Assigned names matching this regex (case-insensitive) are never secrets for the rule.
    #[serde(default)]
    pub assign_exclude: Option<String>,
    /// Offline check of the secret's own structure (checksum, decodable payload).
    #[serde(default)]
    pub validate: Option<String>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Minimum number of character classes (lower, upper, digit, other) in the secret.
    #[serde(default)]
    pub classes: Option<usize>,
    /// Low-confidence catch-all: yields to any specific rule matching the same text.
    #[serde(default)]
    pub generic: bool,
    /// When several rules report the same secret, the highest priority names it (default 0;
    /// raise it for a context rule that tells apart tokens sharing a prefix).
    #[serde(default)]
    pub priority: i32,
    /// Only files whose path matches one of these globs are scanned with this rule.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Files whose path matches one of these globs are not scanned with this rule.
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    /// Bytes of context searched before and after a keyword hit (default 256 and 512).
    #[serde(default)]
    pub window: Option<[usize; 2]>,
    /// Makes this a decoder rule: group `data` (or group 1) is encoded content (`base64`)
    /// that is decoded and scanned again, one level deep, or content to scan again as it is
    /// (`plain`); group `name`, when present, is the key the content was stored under (a
    /// Kubernetes Secret's `data` entry).
    #[serde(default)]
    pub encoded: Option<String>,
    /// For a decoder rule: decoded `user:password` that no other rule explains is itself
    /// reported as this rule's credential.
    #[serde(default)]
    pub userinfo: bool,
    /// For a decoder rule whose every value is meant to be secret (a Kubernetes Secret): a
    /// decoded single value that no other rule explains is reported as this rule's
    /// credential when it looks random or like a password (never a certificate, a public
    /// key, a word or a number).
    #[serde(default)]
    pub secret_values: bool,
    /// A second part the credential needs (AWS key id + secret key, ...).
    #[serde(default)]
    pub pair: Option<PairSpec>,
    /// Values a probe needs besides the secret and its companion (`[[rule.part]]`).
    #[serde(default, rename = "part")]
    pub parts: Vec<PartSpec>,
    /// What the format alone tells about the credential's power.
    #[serde(default)]
    pub scope: Option<ScopeSpec>,
    /// How to fix a finding, in one sentence.
    #[serde(default)]
    pub remedy: Option<String>,
    /// Borrowed for the built-in catalog rules (static data), owned when parsed.
    #[serde(default)]
    pub examples: Vec<Cow<'static, str>>,
    #[serde(default)]
    pub negative_examples: Vec<Cow<'static, str>>,
}

/// The companion of a paired credential, searched near the primary match.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// Regex for the companion; group 1 (or the whole match) is the companion secret.
    pub pattern: String,
    /// What the companion is called in reports ("secret access key").
    pub name: String,
    /// What the primary match is called when the companion holds the secret
    /// ("access key id"; default: the rule title).
    #[serde(default)]
    pub primary_name: Option<String>,
    /// Bytes searched on each side of the primary match (default 1024).
    #[serde(default)]
    pub within: Option<usize>,
    /// Which part is the secret the fingerprint covers: the companion (default) or primary.
    #[serde(default)]
    pub secret_is_companion: Option<bool>,
    /// Minimum Shannon entropy of the companion.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// The companion may enclose the primary match (the connection settings a database
    /// password sits among); otherwise it never overlaps it.
    #[serde(default)]
    pub around: bool,
}

/// A value found near the credential that only its probe reads: an Entra tenant id, an
/// Atlassian site, an AWS session token. Never reported and never fingerprinted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    /// The name the probe asks for (`tenant`, `site`, `session_token`).
    pub name: String,
    /// Regex; group 1 (or the whole match) is the value.
    pub pattern: String,
    /// Bytes searched on each side of the match (default 1024).
    #[serde(default)]
    pub within: Option<usize>,
    /// Only before the match, nearest first (a YAML host key above its token).
    #[serde(default)]
    pub before: bool,
    /// The value is itself secret: scrubbed from a provider's answer like the secret.
    #[serde(default)]
    pub secret: bool,
}

/// Offline scope facts a rule's format fixes (DESIGN.md scope object, offline source).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// `none`, `read`, `write` or `admin`.
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub destructive: Option<bool>,
    #[serde(default)]
    pub production: Option<bool>,
    /// A test-mode or sandbox credential (severity low).
    #[serde(default)]
    pub test_mode: bool,
    /// A value that is public by design (publishable keys): reported as level none.
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Offline decoder that reads more from the secret (`jwt`, `aws-key-id`, ...).
    #[serde(default)]
    pub decode: Option<String>,
    /// Plain-words facts shown as reasons ("classic token: account-wide scopes").
    #[serde(default)]
    pub notes: Vec<String>,
}
