//! The incident as a fixture: a staging app whose `scripts/domains.sh` holds a Railway
//! token made "for domains". As an account token (fake Railway on 127.0.0.1) it is
//! critical, with plain-words reasons; the same token as a staging project token is
//! within policy. Also: `scan` without `--probe` makes no network call, a scanned
//! repository cannot choose where secrets go, and secrets never reach the output.

use serde_json::Value;

use crate::fake::providers::{Mode, World, handler};
use crate::fake::{Fake, Req};
use crate::util::{keyreach, materialize, run, stderr, stdout};

fn token(labels: &[crate::util::Label]) -> String {
    labels.iter().find(|l| l.path == "scripts/domains.sh").expect("token in domains.sh").value.clone()
}

fn railway(kind: &'static str, secret: &str) -> Fake {
    Fake::start(handler(
        World { provider: "railway", kind, secret: secret.into(), companion: None, parts: vec![] },
        Mode::Ok,
    ))
}

fn scan_json(dir: &std::path::Path, extra: &[&str]) -> (Value, String, std::process::Output) {
    let home = tempfile::tempdir().unwrap();
    let out =
        run(keyreach().env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir).args(["--format", "json"]).args(extra));
    let text = stdout(&out);
    (serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} {}", stderr(&out))), text, out)
}

fn finding(doc: &Value) -> &Value {
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    &findings[0]
}

fn reasons(f: &Value) -> Vec<String> {
    f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

#[test]
fn the_domains_token_is_an_account_token_and_critical() {
    let (dir, labels) = materialize("incident");
    let secret = token(&labels);
    let fake = railway("account", &secret);
    let (doc, text, out) = scan_json(dir.path(), &["--probe", "--endpoint", &format!("railway={}", fake.url())]);
    fake.assert_clean();
    let f = finding(&doc);
    assert_eq!(f["rule"], "railway.api-token");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["scope"]["source"], "probe");
    assert_eq!(f["scope"]["level"], "admin");
    assert_eq!(f["scope"]["destructive"], true);
    assert_eq!(f["scope"]["production"], true);
    assert_eq!(f["scope"]["active"], true);
    assert_eq!(f["scope"]["identity"], "dev@example.invalid");
    // What the operator needs: whose token it is (the probe said) and where to revoke it.
    assert_eq!(f["handles"]["owner"], "dev@example.invalid");
    assert_eq!(f["rotate"]["console"], "https://railway.com/account/tokens");
    let reasons = reasons(f);
    assert!(
        reasons.contains(&"account token: reaches all 3 projects, including production".to_string()),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.starts_with("can delete volumes")), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.starts_with("reaches what the policy calls production: railway project pocket")),
        "{reasons:?}"
    );
    assert_eq!(reasons.last().unwrap(), "policy allows at most write");
    let remedy = f["remedy"].as_str().unwrap();
    assert!(remedy.contains("project token scoped to the staging environment of shop-backend"), "{remedy}");
    assert_eq!(out.status.code(), Some(1));
    assert!(!text.contains(&secret) && !stderr(&out).contains(&secret), "the secret leaked");
    let sent: Vec<Req> = fake.requests();
    assert!(sent.iter().all(|r| r.method == "POST" && r.path == "/graphql/v2"));
    assert!(sent.len() <= 6, "{} requests", sent.len());
}

#[test]
fn the_same_token_as_a_staging_project_token_is_within_policy() {
    let (dir, labels) = materialize("incident");
    let secret = token(&labels);
    let fake = railway("project-staging", &secret);
    let (doc, _, out) = scan_json(dir.path(), &["--probe", "--endpoint", &format!("railway={}", fake.url())]);
    fake.assert_clean();
    let f = finding(&doc);
    assert_eq!(f["severity"], "medium", "{f}");
    assert_eq!(f["scope"]["level"], "write");
    assert_eq!(f["scope"]["destructive"], false);
    assert_eq!(f["scope"]["production"], false);
    assert_eq!(f["scope"]["identity"], "project shop-backend, environment staging");
    let reasons = reasons(f);
    assert!(reasons.iter().any(|r| r.starts_with("within policy")), "{reasons:?}");
    assert!(!stdout(&out).contains(&secret));
}

#[test]
fn the_text_report_says_why_in_plain_words() {
    let (dir, labels) = materialize("incident");
    let secret = token(&labels);
    let fake = railway("account", &secret);
    let home = tempfile::tempdir().unwrap();
    let out = run(keyreach().env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir.path()).args([
        "--probe",
        "--color",
        "never",
        "--endpoint",
        &format!("railway={}", fake.url()),
    ]));
    let text = stdout(&out);
    assert!(text.contains("CRITICAL (1)"), "{text}");
    assert!(text.contains("account token: reaches all 3 projects, including production"), "{text}");
    assert!(text.contains("(probe)"), "{text}");
    assert!(!text.contains(&secret));
}

#[test]
fn scan_without_probe_makes_no_network_call() {
    let (dir, labels) = materialize("incident");
    let fake = railway("account", &token(&labels));
    let (doc, _, _) = scan_json(dir.path(), &["--endpoint", &format!("railway={}", fake.url())]);
    assert!(fake.requests().is_empty(), "scan without --probe contacted the provider");
    let f = finding(&doc);
    assert_eq!(f["scope"]["source"], "offline");
    assert_eq!(f["scope"]["active"], Value::Null);
}

#[test]
fn a_scanned_repository_cannot_choose_where_secrets_go() {
    let (dir, labels) = materialize("incident");
    let secret = token(&labels);
    let untrusted = railway("account", &secret);
    let chosen = railway("account", &secret);
    let config = std::fs::read_to_string(dir.path().join("keyreach.toml")).unwrap();
    std::fs::write(
        dir.path().join("keyreach.toml"),
        format!("{config}\n[probe.endpoints]\nrailway = \"{}\"\n", untrusted.url()),
    )
    .unwrap();
    let (doc, _, out) = scan_json(dir.path(), &["--probe", "--endpoint", &format!("railway={}", chosen.url())]);
    assert!(untrusted.requests().is_empty(), "the scanned repository's endpoint was used");
    assert!(!chosen.requests().is_empty());
    assert!(stderr(&out).contains("[probe] endpoints ignored"), "{}", stderr(&out));
    assert_eq!(finding(&doc)["severity"], "critical");
    // With --trust-config the repository's own endpoint is used.
    let (_, _, _) = scan_json(dir.path(), &["--probe", "--trust-config"]);
    assert!(!untrusted.requests().is_empty());
}

#[test]
fn the_users_own_config_may_set_endpoints() {
    let (dir, labels) = materialize("incident");
    let secret = token(&labels);
    let fake = railway("workspace", &secret);
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("keyreach")).unwrap();
    std::fs::write(
        home.path().join("keyreach/config.toml"),
        format!("[probe.endpoints]\nrailway = \"{}\"\n", fake.url()),
    )
    .unwrap();
    let out = run(keyreach()
        .env("XDG_CONFIG_HOME", home.path())
        .arg("scan")
        .arg(dir.path())
        .args(["--probe", "--format", "json"]));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(finding(&doc)["scope"]["identity"], "workspace Acme (fake)");
    fake.assert_clean();
}

#[test]
fn bad_endpoints_are_usage_errors() {
    let (dir, _) = materialize("incident");
    for (arg, message) in [
        ("railway=http://example.invalid", "plain http is only allowed to a loopback address"),
        ("nosuch=https://example.invalid", "no probe for provider \"nosuch\""),
        ("railway", "expected PROVIDER=URL"),
    ] {
        let out = run(keyreach().arg("scan").arg(dir.path()).args(["--probe", "--endpoint", arg]));
        assert_eq!(out.status.code(), Some(2), "{arg}");
        assert!(stderr(&out).contains(message), "{arg}: {}", stderr(&out));
    }
}

#[test]
fn probe_reads_one_credential_from_stdin() {
    use std::io::Write as _;
    let secret = crate::util::fake("{{uuid}}", "stdin-probe");
    let fake = railway("account", &secret);
    let home = tempfile::tempdir().unwrap();
    let mut child = keyreach()
        .env("XDG_CONFIG_HOME", home.path())
        .args(["probe", "--provider", "railway", "--format", "json", "--endpoint", &format!("railway={}", fake.url())])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{secret}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let f = finding(&doc);
    assert_eq!(f["scope"]["source"], "probe");
    assert_eq!(f["scope"]["level"], "admin");
    assert!(!text.contains(&secret) && !stderr(&out).contains(&secret));
    fake.assert_clean();
}

/// `keyreach audit` on the incident (README): the token is in a tracked script and in the
/// shell environment the agent inherits; one credential, two ways in, critical.
#[test]
fn audit_shows_every_way_the_agent_reaches_the_incident_token() {
    let (dir, labels) = materialize("incident");
    crate::util::git(dir.path(), &["init", "-q"]);
    crate::util::git(dir.path(), &["add", "-A"]);
    crate::util::git(dir.path(), &["commit", "-q", "-m", "staging app"]);
    let secret = token(&labels);
    let fake = railway("account", &secret);
    let home = tempfile::tempdir().unwrap();
    let out = run(keyreach()
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("RAILWAY_API_TOKEN", &secret)
        .arg("audit")
        .arg(dir.path())
        .args(["--home"])
        .arg(home.path())
        .args(["--probe", "--color", "never", "--endpoint", &format!("railway={}", fake.url())]));
    fake.assert_clean();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("keyreach audit: the agent reaches 1 credential, 1 over policy (1 critical)"));
    assert_eq!(lines.next(), Some("worst:"));
    assert!(text.contains("reached   reads scripts/domains.sh:6 (tracked file)"), "{text}");
    assert!(text.contains("          reads $RAILWAY_API_TOKEN from its environment (printenv, echo)"), "{text}");
    assert!(text.contains("reaches   railway project pocket (production)"), "{text}");
    assert!(text.contains("railway environment pocket/production (production)"), "{text}");
    assert!(!text.contains(&secret));
    println!("{text}");
}
