//! Credentials: a secret ([`Secret`], never printed by `Debug`), its [`Fingerprint`], and
//! every [`Location`] it was seen at. [`Collector`] dedupes sightings into one
//! [`Credential`] per distinct secret.
//!
//! Receives engine matches turned into [`Sighting`]s (rule, bytes, origin, position);
//! hands on credentials. Never imports scope, policy or report.

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::rules::{RuleId, RuleSet};
use crate::source::{CommitRef, Origin, Reach};

/// Secret bytes. `Debug` and `Display` redact; [`Secret::expose`] is the only way in.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Secret(Box<[u8]>);

impl Secret {
    pub fn new(bytes: &[u8]) -> Secret {
        Secret(bytes.into())
    }

    /// The raw secret, for probes and for `--show-secrets`. Never log it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A redacted form safe to print: at most a quarter of the characters, never more than
    /// four at each end (`ghp_…3kQ9`).
    pub fn redacted(&self) -> String {
        let text = String::from_utf8_lossy(&self.0);
        let chars: Vec<char> = text.chars().collect();
        let keep = (chars.len() / 8).min(4);
        let head: String = chars[..keep].iter().collect();
        let tail: String = chars[chars.len() - keep..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// SHA-256 of the secret: identifies a credential without revealing it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(secret: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(secret).into())
    }

    /// Parses the `sha256:<hex>` form.
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let hex_part = text.strip_prefix("sha256:")?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).ok()?;
        Some(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One place a credential was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub path: String,
    /// 1-based; `None` for environment variables.
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub reach: Reach,
    pub commit: Option<CommitRef>,
    /// Matched by an agent-ignore file (`.cursorignore`, ...).
    pub agent_ignored: bool,
    /// The MCP server an agent configuration passes it to (`audit`): the agent wields it
    /// through that server's tools whether or not it can read the file.
    pub mcp_server: Option<String>,
}

impl Location {
    pub fn at(origin: &Origin, line: u64, column: u64) -> Location {
        Location {
            path: origin.path.clone(),
            line: Some(line),
            column: Some(column),
            reach: origin.reach,
            commit: origin.commit.clone(),
            agent_ignored: false,
            mcp_server: None,
        }
    }
}

/// The second part of a paired credential (AWS access key id next to its secret key).
#[derive(Debug, Clone)]
pub struct CompanionPart {
    /// What the part is ("access key id").
    pub name: String,
    pub value: Secret,
    pub locations: Vec<Location>,
}

/// A value only the credential's probe reads, found near it (a rule's `[[rule.part]]`:
/// an Entra tenant id, an Atlassian site, an AWS session token). Never reported.
#[derive(Debug, Clone)]
pub struct ProbePart {
    pub name: String,
    pub value: Secret,
    /// The value is itself secret (a session token): scrubbed from probe answers.
    pub secret: bool,
}

/// Why a catch-all rule's match counts: the provider its name (or section, or the words
/// around it) named, and the judgement of the value in plain words. The pipeline copies it
/// from the engine's match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    pub provider: Option<Box<str>>,
    pub reason: Box<str>,
}

/// One engine match with where it was seen, before deduplication.
#[derive(Debug, Clone)]
pub struct Sighting {
    pub rule: RuleId,
    pub secret: Secret,
    pub location: Location,
    pub companion: Option<(Secret, Location)>,
    /// For a catch-all rule's match: whose it is and why it counts.
    pub evidence: Option<Evidence>,
    pub parts: Vec<ProbePart>,
}

/// One distinct credential and every place it was seen.
#[derive(Debug, Clone)]
pub struct Credential {
    pub rule: RuleId,
    pub secret: Secret,
    pub fingerprint: Fingerprint,
    pub locations: Vec<Location>,
    pub companion: Option<CompanionPart>,
    /// Why the naming rule's match counts, when it is a catch-all rule: the provider its
    /// name named and the judgement of the value (the first in a fixed order when several
    /// sightings carry one).
    pub evidence: Option<Evidence>,
    /// Values its probe reads, the first seen of each name.
    pub parts: Vec<ProbePart>,
}

/// Deduplicates sightings by fingerprint. When two rules report the same secret, the
/// specific rule wins over a generic one, then the higher `priority`, then the earlier rule.
#[derive(Debug, Default)]
pub struct Collector {
    by_fingerprint: BTreeMap<Fingerprint, Credential>,
}

impl Collector {
    pub fn add(&mut self, rules: &RuleSet, sighting: Sighting) {
        let fingerprint = Fingerprint::of(sighting.secret.expose());
        let credential = self.by_fingerprint.entry(fingerprint).or_insert_with(|| Credential {
            rule: sighting.rule,
            secret: sighting.secret.clone(),
            fingerprint,
            locations: Vec::new(),
            companion: None,
            evidence: None,
            parts: Vec::new(),
        });
        if better(rules, sighting.rule, credential.rule) {
            credential.rule = sighting.rule;
            credential.evidence = None;
        }
        if sighting.rule == credential.rule {
            // Attributed evidence first, then the smallest: the same whatever the order.
            let key = |e: &Evidence| (e.provider.is_none(), e.clone());
            if let Some(e) = sighting.evidence {
                if credential.evidence.as_ref().is_none_or(|c| key(&e) < key(c)) {
                    credential.evidence = Some(e);
                }
            }
        }
        credential.locations.push(sighting.location);
        for part in sighting.parts {
            if !credential.parts.iter().any(|p| p.name == part.name) {
                credential.parts.push(part);
            }
        }
        if let Some((value, location)) = sighting.companion {
            let name = rules.get(sighting.rule).pair.as_ref().map_or_else(String::new, companion_name);
            let part = credential.companion.get_or_insert_with(|| CompanionPart { name, value, locations: Vec::new() });
            part.locations.push(location);
        }
    }

    /// The credentials, sorted by fingerprint, each with sorted, distinct locations.
    pub fn finish(self) -> Vec<Credential> {
        self.by_fingerprint
            .into_values()
            .map(|mut c| {
                c.locations.sort();
                c.locations.dedup();
                if let Some(part) = c.companion.as_mut() {
                    part.locations.sort();
                    part.locations.dedup();
                }
                c
            })
            .collect()
    }
}

/// Whether rule `a` should name a credential rather than `b`: higher rank, then the rule
/// loaded first, so the choice never depends on thread scheduling.
fn better(rules: &RuleSet, a: RuleId, b: RuleId) -> bool {
    let (ra, rb) = (rules.get(a).rank(), rules.get(b).rank());
    ra > rb || (ra == rb && a < b)
}

/// The name of the part that is not the fingerprinted secret.
fn companion_name(pair: &crate::rules::Pair) -> String {
    if pair.secret_is_companion { pair.primary_name.clone() } else { pair.name.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_in_full() {
        let s = Secret::new(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!(s.redacted(), "ghp_…6789");
        assert_eq!(format!("{s:?}"), "Secret(ghp_…6789)");
        assert_eq!(Secret::new(b"hunter2").redacted(), "…");
        assert_eq!(Secret::new(b"0123456789abcdef").redacted(), "01…ef");
    }

    #[test]
    fn fingerprints_round_trip() {
        let f = Fingerprint::of(b"abc");
        assert_eq!(f.to_string(), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(Fingerprint::parse(&f.to_string()), Some(f));
        assert_eq!(Fingerprint::parse("md5:00"), None);
    }
}
