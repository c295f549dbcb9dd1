//! Ranking within a severity: what is known to be at stake comes first (README,
//! "Severity"), and a passphrase the agent reaches unlocks the keys it reaches.

use super::Finding;
use crate::credentials::Credential;
use crate::rules::RuleSet;
use crate::scope::{Level, Scope, ScopeSource};

/// What is known to be at stake, higher first: known production, then a known level
/// (admin, write, read), then known destructive, then whether a provider said so (a
/// probe). Unknown scope counts for nothing here: within a severity, a credential of
/// unknown scope ranks below every one whose power is known.
pub fn stake(scope: &Scope) -> u8 {
    let mut stake = 0;
    if scope.production == Some(true) {
        stake += 16;
    }
    stake += match scope.level {
        Level::Admin => 8,
        Level::Write => 4,
        Level::Read => 2,
        Level::None | Level::Unknown => 0,
    };
    if scope.destructive == Some(true) {
        stake += 2;
    }
    if scope.source == ScopeSource::Probe && stake > 0 {
        stake += 1;
    }
    stake
}

/// Orders findings: most severe first, then by what is known to be at stake
/// ([`stake`]), then provider, rule, first location.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| stake(&b.scope).cmp(&stake(&a.scope)))
            .then_with(|| a.provider.cmp(&b.provider))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.credential.locations.first().cmp(&b.credential.locations.first()))
            .then_with(|| a.credential.fingerprint.cmp(&b.credential.fingerprint))
    });
}

/// Whether `c` is a passphrase: a rule for one, or a password assigned to a name that
/// says passphrase (`SSH_KEY_PASSPHRASE=`).
fn is_passphrase(rules: &RuleSet, c: &Credential) -> bool {
    rules.get(c.rule).id.contains("passphrase")
        || c.evidence.as_ref().is_some_and(|e| e.reason.to_ascii_lowercase().contains("passphrase"))
}

/// A passphrase the agent reaches unlocks every passphrase-protected key it reaches:
/// keyreach cannot tell which key a passphrase opens, so each counts as unprotected.
pub fn unlock_keys(rules: &RuleSet, credentials: &[Credential], scopes: &mut [Scope]) {
    let Some(passphrase) = credentials.iter().find(|c| is_passphrase(rules, c)) else { return };
    let place = passphrase.locations.first().map(|l| l.path.as_str()).unwrap_or("somewhere");
    for scope in scopes.iter_mut().filter(|s| s.passphrase_protected) {
        scope.passphrase_protected = false;
        scope.notes.push(format!("a passphrase is reachable too ({place}): counted as an unprotected key"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Policy, Severity, judge};
    use super::*;
    use crate::credentials::{Fingerprint, Location, Secret};
    use crate::rules::template::expand;
    use crate::source::Reach;

    /// The README's severity table: `(row, severity)` of each row.
    fn readme_rows() -> Vec<(usize, String)> {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let section = readme.split("\n## Severity\n").nth(1).unwrap().split("\n## ").next().unwrap();
        section
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                Some((cells.first()?.parse().ok()?, cells.get(1)?.to_string()))
            })
            .collect()
    }

    /// An OpenSSH private key with `cipher` (`none`: unencrypted) and a random body.
    fn openssh(cipher: &str) -> String {
        use base64::Engine as _;
        let mut raw = b"openssh-key-v1\0".to_vec();
        for name in [cipher, if cipher == "none" { "none" } else { "bcrypt" }] {
            raw.extend_from_slice(&(name.len() as u32).to_be_bytes());
            raw.extend_from_slice(name.as_bytes());
        }
        raw.extend_from_slice(expand("{{alnum:120}}", cipher).unwrap().as_bytes());
        let body = base64::engine::general_purpose::STANDARD.encode(raw);
        format!("-----BEGIN OPENSSH {}-----\n{body}\n-----END OPENSSH PRIVATE KEY-----", "PRIVATE KEY")
    }

    struct Row {
        row: usize,
        rule: &'static str,
        secret: String,
        reach: Reach,
        policy: Policy,
    }

    fn row(row: usize, rule: &'static str, template: &str) -> Row {
        Row { row, rule, secret: expand(template, rule).unwrap(), reach: Reach::Tracked, policy: Policy::default() }
    }

    /// One case per row of the README's table, each from a real rule and a fake of its format.
    fn rows() -> Vec<Row> {
        let no_shell = Policy { agent_has_shell: false, ..Policy::default() };
        vec![
            row(1, "stripe.secret-key-live", "sk_{{}}live_{{alnum:32}}"),
            row(
                2,
                "supabase.jwt-key",
                "{{jwt:iss=supabase,ref=qwxmzkpvhtlrbnsdjcye,role=service_role,iat=1700000000}}",
            ),
            row(3, "github.classic-pat", "{{gen:github-crc32:ghp_}}"),
            row(4, "betterstack.source-token", "{{alnum:24}}"),
            row(5, "gitlab.feed-token", "glft-{{alnum:20}}"),
            Row { secret: openssh("aes256-ctr"), ..row(6, "private-key.openssh-encrypted", "") },
            row(7, "stripe.secret-key-test", "sk_{{}}test_{{alnum:32}}"),
            row(8, "stripe.publishable-key", "pk_{{}}live_{{alnum:32}}"),
            row(
                9,
                "supabase.jwt-key",
                "{{jwt:iss=supabase,ref=qwxmzkpvhtlrbnsdjcye,role=service_role,iat=1500000000,exp=1600000000}}",
            ),
            Row {
                reach: Reach::History,
                policy: no_shell,
                ..row(10, "github.classic-pat", "{{gen:github-crc32:ghp_}}")
            },
        ]
    }

    fn judged(set: &RuleSet, r: &Row) -> Finding {
        let id = set.find(r.rule).unwrap_or_else(|| panic!("no rule {}", r.rule));
        let location = Location {
            path: format!("row{}.txt", r.row),
            line: Some(1),
            column: Some(1),
            reach: r.reach,
            commit: None,
            agent_ignored: false,
            mcp_server: None,
        };
        let credential = Credential {
            rule: id,
            secret: Secret::new(r.secret.as_bytes()),
            fingerprint: Fingerprint::of(r.secret.as_bytes()),
            locations: vec![location],
            companion: None,
            evidence: None,
            parts: Vec::new(),
        };
        let scope = crate::scope::offline(set.get(id), &credential);
        judge(&r.policy, set.get(id), credential, scope)
    }

    fn rule_set() -> RuleSet {
        RuleSet::from_specs(RuleSet::builtin_specs().unwrap()).unwrap()
    }

    #[test]
    fn each_row_of_the_readme_severity_table_holds_in_order() {
        let set = rule_set();
        let cases = rows();
        let table = readme_rows();
        assert_eq!(table.iter().map(|(n, _)| *n).collect::<Vec<_>>(), cases.iter().map(|c| c.row).collect::<Vec<_>>());
        let mut findings: Vec<Finding> = Vec::new();
        for (case, (n, severity)) in cases.iter().zip(&table) {
            let f = judged(&set, case);
            assert_eq!(f.severity.as_str(), severity, "row {n} ({}): {:?} {:?}", case.rule, f.scope, f.reasons);
            findings.push(f);
        }
        // Rows 1 to 6 rank strictly in the table's order, whatever order they come in.
        let mut ranked: Vec<Finding> = findings[..6].iter().rev().cloned().collect();
        sort(&mut ranked);
        let order: Vec<&str> = ranked.iter().map(|f| f.credential.locations[0].path.as_str()).collect();
        assert_eq!(order, ["row1.txt", "row2.txt", "row3.txt", "row4.txt", "row5.txt", "row6.txt"]);
    }

    #[test]
    fn a_credential_of_unknown_scope_says_what_a_probe_would_learn() {
        let set = rule_set();
        let f = judged(&set, &rows()[2]);
        assert!(f.reasons.iter().any(|r| r == "scope unknown: counted as admin access"), "{:?}", f.reasons);
        assert!(
            f.reasons.iter().any(|r| r.starts_with("`--probe` would learn") && r.contains("classic scopes")),
            "{:?}",
            f.reasons
        );
        let known = judged(&set, &rows()[0]);
        assert!(!known.reasons.iter().any(|r| r.contains("--probe")), "{:?}", known.reasons);
    }

    #[test]
    fn a_reachable_passphrase_unlocks_a_protected_key() {
        let set = rule_set();
        let key = rows().remove(5);
        let id = set.find(key.rule).unwrap();
        let credential = |secret: &str, rule, evidence: Option<&str>| Credential {
            rule,
            secret: Secret::new(secret.as_bytes()),
            fingerprint: Fingerprint::of(secret.as_bytes()),
            locations: Vec::new(),
            companion: None,
            evidence: evidence.map(|e| crate::credentials::Evidence { provider: None, reason: e.into() }),
            parts: Vec::new(),
        };
        let locked = credential(&key.secret, id, None);
        let mut scopes = vec![crate::scope::offline(set.get(id), &locked)];
        assert!(scopes[0].passphrase_protected);
        unlock_keys(&set, std::slice::from_ref(&locked), &mut scopes);
        assert!(scopes[0].passphrase_protected, "a key alone stays locked");
        let generic = set.iter().find(|(_, r)| r.generic).map(|(id, _)| id).unwrap();
        let word =
            credential("correct-horse-battery", generic, Some("password assigned to SSH_KEY_PASSPHRASE looks random"));
        unlock_keys(&set, &[locked.clone(), word], &mut scopes);
        assert!(!scopes[0].passphrase_protected);
        let f = judge(&Policy::default(), set.get(id), locked, scopes.remove(0));
        assert_eq!(f.severity, Severity::Critical, "{:?}", f.reasons);
        assert!(f.reasons.iter().any(|r| r.starts_with("a passphrase is reachable too")), "{:?}", f.reasons);
    }
}
