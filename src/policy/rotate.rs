//! Where and how to rotate or revoke a credential: `rules/rotation/providers.toml`, one
//! table per provider (a console page, a command, the provider's own page on it), with
//! per-rule overrides. Shown in text, HTML and SARIF help; nothing in it is secret.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// What an operator opens or runs to rotate or revoke a credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// The page that lists these credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    /// A command that revokes or rotates it (with PLACEHOLDERS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
    /// The provider's own page that says how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    console: Option<String>,
    #[serde(default)]
    cli: Option<String>,
    #[serde(default)]
    docs: Option<String>,
    #[serde(default)]
    rules: BTreeMap<String, Rotation>,
}

impl Entry {
    fn base(&self) -> Rotation {
        Rotation { console: self.console.clone(), cli: self.cli.clone(), docs: self.docs.clone() }
    }
}

const TABLE: &str = include_str!("../../rules/rotation/providers.toml");

fn table() -> &'static BTreeMap<String, Entry> {
    static PARSED: OnceLock<BTreeMap<String, Entry>> = OnceLock::new();
    // A test parses the file; a build with a broken one reports no rotation pages.
    PARSED.get_or_init(|| toml::from_str(TABLE).unwrap_or_default())
}

/// How to rotate a credential of `provider` matched by `rule_id`: the provider's entry
/// with the rule's fields over it.
pub fn rotation(provider: &str, rule_id: &str) -> Option<Rotation> {
    let entry = table().get(provider)?;
    let mut rotation = entry.base();
    if let Some(over) = entry.rules.get(rule_id) {
        rotation.console = over.console.clone().or(rotation.console);
        rotation.cli = over.cli.clone().or(rotation.cli);
        rotation.docs = over.docs.clone().or(rotation.docs);
    }
    for field in [&mut rotation.console, &mut rotation.cli, &mut rotation.docs] {
        if field.as_deref() == Some("") {
            *field = None;
        }
    }
    Some(rotation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn every_probed_provider_says_where_to_rotate_and_every_link_is_https() {
        let parsed: BTreeMap<String, Entry> = toml::from_str(TABLE).expect("rules/rotation/providers.toml parses");
        for provider in crate::scope::probe::providers() {
            let r = rotation(provider, "").unwrap_or_else(|| panic!("{provider} has no rotation entry"));
            assert!(r.console.is_some() || r.cli.is_some(), "{provider}: neither a console page nor a command");
        }
        let set = RuleSet::from_specs(RuleSet::builtin_specs().unwrap()).unwrap();
        for (provider, entry) in &parsed {
            assert!(set.iter().any(|(_, r)| &r.provider == provider), "{provider} is no rule's provider");
            for rule in entry.rules.keys() {
                let id = set.find(rule).unwrap_or_else(|| panic!("{provider}: no rule {rule}"));
                assert_eq!(&set.get(id).provider, provider, "{rule} is not {provider}'s");
            }
            for r in std::iter::once(&entry.base()).chain(entry.rules.values()) {
                for url in r.console.iter().chain(&r.docs).filter(|u| !u.is_empty()) {
                    assert!(url.starts_with("https://"), "{provider}: {url}");
                }
            }
        }
    }

    #[test]
    fn a_rule_override_replaces_only_its_fields() {
        let pat = rotation("github", "github.fine-grained-pat").unwrap();
        assert_eq!(pat.console.as_deref(), Some("https://github.com/settings/personal-access-tokens"));
        assert_eq!(
            rotation("github", "github.classic-pat").unwrap().console.as_deref(),
            Some("https://github.com/settings/tokens")
        );
        assert_eq!(pat.docs, rotation("github", "github.classic-pat").unwrap().docs);
        assert_eq!(rotation("railway", "railway.cli-session").unwrap().cli.as_deref(), Some("railway logout"));
        assert!(rotation("no-such-provider", "x").is_none());
        assert_eq!(rotation("gcp", "gcp.oauth-client-secret").unwrap().cli, None, "\"\" clears a field");
    }
}
