//! What a credential of each kind reaches when nothing more is known:
//! `rules/targets/kinds.toml`, rule id → words ("stripe account, test mode"). The blast
//! radius's fallback target, so that a test key and a live key are different targets.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../rules/targets/kinds.toml");

fn table() -> &'static BTreeMap<String, String> {
    static PARSED: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    // A test parses the file; a build with a broken one falls back to "<provider> account".
    PARSED.get_or_init(|| toml::from_str(TABLE).unwrap_or_default())
}

/// The target of a credential of rule `rule_id` (of `provider`) whose resources are
/// unknown: its kind's words, or the provider's account; a test-mode credential's target
/// says so, and `identity` (an account id) is named when known.
pub fn fallback(rule_id: &str, provider: &str, identity: Option<&str>, test_mode: bool) -> String {
    let mut label = match (table().get(rule_id), identity) {
        (Some(words), Some(id)) => format!("{words} ({id})"),
        (Some(words), None) => words.clone(),
        (None, _) if provider == "private-key" => return "hosts and Git remotes that trust the key".to_string(),
        (None, Some(id)) => format!("{provider} account {id}"),
        (None, None) => format!("{provider} account"),
    };
    if test_mode && !label.contains("test") {
        label.push_str(", test mode");
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn every_kind_listed_is_a_rule_and_the_table_parses() {
        let parsed: BTreeMap<String, String> = toml::from_str(TABLE).expect("rules/targets/kinds.toml parses");
        let set = RuleSet::from_specs(RuleSet::builtin_specs().unwrap()).unwrap();
        for (rule, words) in &parsed {
            let id = set.find(rule).unwrap_or_else(|| panic!("no rule {rule}"));
            let provider = &set.get(id).provider;
            assert!(words.starts_with(provider.as_str()), "{rule}: {words:?} should start with {provider}");
        }
    }

    #[test]
    fn kinds_of_one_provider_are_different_targets() {
        let live = fallback("stripe.secret-key-live", "stripe", None, false);
        let test = fallback("stripe.secret-key-test", "stripe", None, true);
        let webhook = fallback("stripe.webhook-secret", "stripe", None, false);
        assert!(live != test && test != webhook && live != webhook);
        assert_eq!(test, "stripe account, test mode");
        assert_ne!(
            fallback("railway.project-token", "railway", None, false),
            fallback("railway.api-token", "railway", None, false)
        );
        assert_eq!(fallback("acme.key", "acme", Some("42"), true), "acme account 42, test mode");
    }
}

#[cfg(test)]
mod database_tests {
    use crate::credentials::{Credential, Fingerprint, Secret};
    use crate::policy::{AllowSpec, Policy, PolicySpec, judge};
    use crate::rules::RuleSet;
    use crate::rules::template::expand;

    /// A database URL names its host and database offline; `[environments.production]`
    /// `database_hosts` then makes it production without a probe.
    #[test]
    fn a_database_urls_host_and_database_are_targets_the_policy_can_call_production() {
        let set = RuleSet::from_specs(RuleSet::builtin_specs().unwrap()).unwrap();
        let id = set.find("database.postgres-url").unwrap();
        let url = expand("postgres://app:{{alnum:20}}@db.prod.acmecorp.net:5432/shop_main", "db").unwrap();
        let credential = Credential {
            rule: id,
            secret: Secret::new(url.as_bytes()),
            fingerprint: Fingerprint::of(url.as_bytes()),
            locations: Vec::new(),
            companion: None,
            evidence: None,
            parts: Vec::new(),
        };
        let scope = crate::scope::offline(set.get(id), &credential);
        assert_eq!(scope.resources, ["database:host/db.prod.acmecorp.net", "database:database/shop_main"]);
        assert!(scope.resources.iter().all(|r| !r.contains("app:")), "never the user or password");
        let envs = toml::from_str("[production]\ndatabase_hosts = [\"*.prod.acmecorp.net\"]\n").unwrap();
        let policy = Policy::from_spec(&PolicySpec::default(), &AllowSpec::default(), envs).unwrap();
        let f = judge(&policy, set.get(id), credential, scope);
        assert_eq!(f.scope.production, Some(true));
        assert!(f.reasons.iter().any(|r| r.contains("database host db.prod.acmecorp.net")), "{:?}", f.reasons);
    }
}
