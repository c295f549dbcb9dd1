//! Tests of the policy: the allow-list, unknown scope, severities, environments, agent
//! restrictions and configuration errors.

use super::*;
use crate::scope::ScopeSource;

fn scope(level: Level) -> Scope {
    Scope { level, source: ScopeSource::Offline, ..Scope::unknown() }
}

#[test]
fn the_allow_list_never_reaches_outside_the_workspace() {
    use crate::credentials::Secret;
    let at = |path: &str, reach: Reach| Location {
        path: path.into(),
        line: Some(1),
        column: Some(1),
        reach,
        commit: None,
        agent_ignored: false,
        mcp_server: None,
    };
    let fingerprint = Fingerprint::of(b"s3cr3t-value");
    let credential = Credential {
        rule: crate::rules::RuleId(0),
        secret: Secret::new(b"s3cr3t-value"),
        fingerprint,
        locations: vec![
            at(".env", Reach::Ignored),
            at("old.txt", Reach::History),
            at("~/.aws/credentials", Reach::Home),
            at("$GITHUB_TOKEN", Reach::Env),
        ],
        companion: None,
        evidence: None,
        parts: Vec::new(),
    };
    let everything = AllowSpec {
        paths: vec!["**".into(), "~/**".into(), "$*".into(), "/**".into(), "../**".into()],
        fingerprints: vec![fingerprint.to_string()],
    };
    let policy = Policy::from_spec(&PolicySpec::default(), &everything, BTreeMap::new()).unwrap();
    let kept = policy.allowed(credential.clone()).expect("home and env stay reported");
    let paths: Vec<&str> = kept.locations.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(paths, vec!["~/.aws/credentials", "$GITHUB_TOKEN"]);
    let workspace_only = Credential { locations: credential.locations[..2].to_vec(), ..credential };
    assert!(policy.allowed(workspace_only).is_none());
}

#[test]
fn unknown_scope_counts_as_a_master_key() {
    let (severity, reasons) = verdict(&Policy::default(), &Scope::unknown());
    assert_eq!(severity, Severity::Critical);
    assert!(reasons.iter().any(|r| r == "scope unknown: counted as admin access"), "{reasons:?}");
    let relaxed = Policy { unknown_scope: UnknownScope::AssumeRead, ..Policy::default() };
    assert_eq!(verdict(&relaxed, &Scope::unknown()).0, Severity::Medium);
}

#[test]
fn severities_follow_the_design() {
    let p = Policy::default();
    assert_eq!(verdict(&p, &scope(Level::Read)).0, Severity::Medium);
    assert_eq!(verdict(&p, &scope(Level::Write)).0, Severity::High);
    assert_eq!(verdict(&p, &scope(Level::Admin)).0, Severity::Critical);
    let destructive_read = Scope { destructive: Some(true), ..scope(Level::Read) };
    assert_eq!(verdict(&p, &destructive_read).0, Severity::Critical);
    let test = Scope { test_mode: true, ..scope(Level::Write) };
    assert_eq!(verdict(&p, &test).0, Severity::Low);
    let dead = Scope { active: Activity::Inactive, ..scope(Level::Admin) };
    assert_eq!(verdict(&p, &dead).0, Severity::Low);
    let write_ok = Policy { max_level: Level::Write, ..Policy::default() };
    assert_eq!(verdict(&write_ok, &scope(Level::Write)).0, Severity::Medium);
}

fn production_policy(table: &str) -> Policy {
    let envs: BTreeMap<String, EnvironmentSpec> = toml::from_str(table).unwrap();
    Policy::from_spec(&PolicySpec::default(), &AllowSpec::default(), envs).unwrap()
}

#[test]
fn database_hosts_and_databases_take_globs() {
    let p = production_policy(
        "[production]\ndatabase_hosts = [\"*.prod.acme.io\", \"10.0.3.14\"]\ndatabases = [\"shop\", \"billing_*\"]\n",
    );
    let hits = |resources: &[&str]| {
        p.production_hits(&Scope { resources: resources.iter().map(|r| r.to_string()).collect(), ..scope(Level::Read) })
    };
    assert_eq!(hits(&["database:host/db1.prod.acme.io"]), vec!["database host db1.prod.acme.io"]);
    assert_eq!(hits(&["database:host/DB1.PROD.ACME.IO"]).len(), 1);
    assert_eq!(hits(&["database:host/10.0.3.14"]).len(), 1);
    assert!(hits(&["database:host/db1.staging.acme.io", "database:host/prod.acme.io.evil.example"]).is_empty());
    assert_eq!(hits(&["database:database/billing_eu"]), vec!["database database billing_eu"]);
    assert_eq!(hits(&["database:schema/shop/public"]), vec!["database schema shop/public"]);
    assert!(hits(&["database:database/shopping", "database:database/analytics"]).is_empty());
    let bad = toml::from_str("[production]\ndatabases = [\"shop[\"]\n").unwrap();
    assert!(Policy::from_spec(&PolicySpec::default(), &AllowSpec::default(), bad).is_err());
}

#[test]
fn environments_mark_production_resources() {
    let p = production_policy("[production]\naws_accounts = [\"111122223333\"]\nrailway_projects = [\"pocket\"]\n");
    let scope = Scope {
        resources: vec![
            "aws:account/111122223333".into(),
            "railway:environment/pocket/staging".into(),
            "railway:environment/shop/prod".into(),
            "railway:environment/shop/staging".into(),
            "github:org/acme".into(),
        ],
        ..scope(Level::Read)
    };
    assert_eq!(
        p.production_hits(&scope),
        vec![
            "aws account 111122223333".to_string(),
            "railway environment pocket/staging".into(),
            "railway environment shop/prod".into()
        ]
    );
    let named = production_policy("[production]\nnames = [\"live\"]\n");
    assert_eq!(named.production_hits(&scope), Vec::<String>::new());
}

#[test]
fn a_listed_resource_makes_the_verdict_critical() {
    let p = production_policy("[production]\ngithub_orgs = [\"acme\"]\n");
    let rule_specs = crate::rules::RuleSet::builtin_specs().unwrap();
    let set = crate::rules::RuleSet::from_specs(rule_specs).unwrap();
    let (id, rule) = set.iter().next().unwrap();
    let credential = Credential {
        rule: id,
        secret: crate::credentials::Secret::new(b"x"),
        fingerprint: Fingerprint::of(b"x"),
        locations: Vec::new(),
        companion: None,
        evidence: None,
        parts: Vec::new(),
    };
    let read = Scope { resources: vec!["github:org/acme".into()], production: Some(false), ..scope(Level::Read) };
    let f = judge(&p, rule, credential, read);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.scope.production, Some(true));
    assert!(
        f.reasons.contains(&"reaches what the policy calls production: github org acme".to_string()),
        "{:?}",
        f.reasons
    );
}

fn located(reach: Reach, agent_ignored: bool, mcp_server: Option<&str>) -> Location {
    Location {
        path: ".env".into(),
        line: Some(1),
        column: Some(1),
        reach,
        commit: None,
        agent_ignored,
        mcp_server: mcp_server.map(str::to_string),
    }
}

#[test]
fn agent_ignored_lowers_severity_only_without_a_shell() {
    let shell = Policy::default();
    let no_shell = Policy { agent_has_shell: false, ..Policy::default() };
    let judge_at = |policy: &Policy, locations: Vec<Location>| {
        let (mut severity, mut reasons) = verdict(policy, &scope(Level::Admin));
        shell_reach(policy, &locations, &mut severity, &mut reasons);
        (severity, reasons)
    };
    let hidden = vec![located(Reach::Ignored, true, None), located(Reach::History, false, None)];
    let (severity, reasons) = judge_at(&shell, hidden.clone());
    assert_eq!(severity, Severity::Critical);
    assert!(reasons.last().unwrap().starts_with("agent-ignored, but the agent has a shell"), "{reasons:?}");
    let (severity, reasons) = judge_at(&no_shell, hidden);
    assert_eq!(severity, Severity::Low);
    assert!(reasons.last().unwrap().starts_with("out of the agent's reach"), "{reasons:?}");
    assert_eq!(judge_at(&no_shell, vec![located(Reach::Env, false, None)]).0, Severity::Low);
    assert_eq!(judge_at(&no_shell, vec![located(Reach::Home, false, None)]).0, Severity::Critical);
    let mcp = vec![located(Reach::Tracked, true, Some("github"))];
    assert_eq!(judge_at(&no_shell, mcp).0, Severity::Critical);
}

#[test]
fn unknown_environment_keys_are_named() {
    let envs: BTreeMap<String, EnvironmentSpec> = toml::from_str("[production]\naccounts = [\"x\"]\n").unwrap();
    let err = Policy::from_spec(&PolicySpec::default(), &AllowSpec::default(), envs).unwrap_err();
    assert!(err.to_string().starts_with("environments.production.accounts: expected"), "{err}");
}

#[test]
fn bad_policy_values_are_named() {
    let spec = PolicySpec { max_level: Some("root".into()), ..PolicySpec::default() };
    let err = Policy::from_spec(&spec, &AllowSpec::default(), BTreeMap::new()).unwrap_err();
    // The value is not quoted: a pasted secret must not reach an error message.
    assert_eq!(err.to_string(), "[policy] max_level: not one of none, read, write, admin");
}
