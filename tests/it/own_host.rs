//! Issue 15, items 7 and 8: a credential goes only to its own host, and an answer echoing
//! a near-copy of it prints none of it.
//!
//! A token filed under a GitHub Enterprise or self-managed GitLab host (a `hosts.yml` key)
//! is sent neither to the public API nor to an endpoint configured for another host: it is
//! reported not probed, with how to allow its host. Given an endpoint that names its host,
//! it is probed there.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::fake::providers::{Mode, World, handler};
use crate::fake::{Fake, Reply};
use crate::hostile::run_within;
use crate::util::{fake, keyreach, stderr};

/// `scan DIR --probe` (GitHub and GitLab endpoints as given); the findings.
fn scan(dir: &Path, endpoints: &[String]) -> Vec<Value> {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = keyreach();
    cmd.env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir).args([
        "--probe",
        "--probe-timeout",
        "5",
        "--format",
        "json",
    ]);
    for e in endpoints {
        cmd.args(["--endpoint", e]);
    }
    let out = run_within(&mut cmd, Duration::from_secs(120));
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    doc["findings"].as_array().unwrap().clone()
}

fn reasons(f: &Value) -> Vec<String> {
    f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

/// A workspace holding `path` with `text`.
fn tree(path: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::util::write(dir.path(), path, text);
    dir
}

fn port(f: &Fake) -> String {
    f.url().rsplit(':').next().unwrap().to_string()
}

fn github(secret: &str) -> Fake {
    Fake::start(handler(
        World { provider: "github", kind: "classic", secret: secret.into(), companion: None, parts: vec![] },
        Mode::Ok,
    ))
}

fn gitlab(secret: &str) -> Fake {
    Fake::start(handler(
        World { provider: "gitlab", kind: "pat", secret: secret.into(), companion: None, parts: vec![] },
        Mode::Ok,
    ))
}

#[test]
fn a_github_enterprise_token_is_not_sent_to_another_host() {
    let token = fake("{{gen:github-crc32:gho_}}", "ghe");
    let hosts = format!("ghe.acme-corp.test:\n    oauth_token: {token}\n    user: dev\n    git_protocol: https\n");
    let dir = tree(".config/gh/hosts.yml", &hosts);
    // An endpoint configured for GitHub that is not the token's own host never receives it.
    let elsewhere = github(&token);
    let findings = scan(dir.path(), &[format!("github={}", elsewhere.url())]);
    assert!(elsewhere.requests().is_empty(), "the GHE token went to another host: {:?}", elsewhere.requests());
    let f = &findings[0];
    assert_eq!(f["scope"]["active"], Value::Null, "{f}");
    assert!(
        reasons(f).iter().any(|r| r.starts_with("not probed: it was filed under ghe.acme-corp.test")
            && r.contains("--endpoint github=https://ghe.acme-corp.test/api/v3")),
        "{:?}",
        reasons(f)
    );
    // Without any endpoint it is not sent to api.github.com either.
    let findings = scan(dir.path(), &[]);
    assert!(reasons(&findings[0]).iter().any(|r| r.starts_with("not probed: it was filed under ghe.acme-corp.test")));
}

#[test]
fn a_github_enterprise_token_is_probed_at_its_own_host_when_allowed() {
    let token = fake("{{gen:github-crc32:gho_}}", "ghe-allowed");
    let server = github(&token);
    let hosts = format!("127.0.0.1:{}:\n    oauth_token: {token}\n    user: dev\n", port(&server));
    let dir = tree(".config/gh/hosts.yml", &hosts);
    let findings = scan(dir.path(), &[format!("github={}", server.url())]);
    assert!(!server.requests().is_empty(), "the allowed host was not asked");
    server.assert_clean();
    assert_eq!(findings[0]["scope"]["source"], "probe", "{}", findings[0]);
    assert_eq!(findings[0]["scope"]["active"], true);
}

#[test]
fn a_self_managed_gitlab_token_goes_only_to_its_own_host() {
    let token = fake("glpat-{{alnum:20}}", "glab");
    let config = format!("hosts:\n    gitlab.acme-corp.test:\n        token: {token}\n        api_protocol: https\n");
    let dir = tree(".config/glab-cli/config.yml", &config);
    let elsewhere = gitlab(&token);
    let findings = scan(dir.path(), &[format!("gitlab={}", elsewhere.url())]);
    assert!(elsewhere.requests().is_empty(), "the self-managed token went to another host");
    assert!(
        reasons(&findings[0]).iter().any(|r| r.starts_with("not probed: it was filed under gitlab.acme-corp.test")
            && r.contains("--endpoint gitlab=https://gitlab.acme-corp.test/api/v4")),
        "{:?}",
        reasons(&findings[0])
    );
    let own = gitlab(&token);
    let config = format!("hosts:\n    127.0.0.1:{}:\n        token: {token}\n", port(&own));
    let dir = tree(".config/glab-cli/config.yml", &config);
    let findings = scan(dir.path(), &[format!("gitlab={}", own.url())]);
    assert!(!own.requests().is_empty());
    assert_eq!(findings[0]["scope"]["active"], true, "{}", findings[0]);
}

#[test]
fn a_token_filed_under_github_com_is_not_sent_to_an_enterprise_endpoint() {
    let token = fake("{{gen:github-crc32:gho_}}", "dotcom");
    let hosts = format!("github.com:\n    oauth_token: {token}\n    user: dev\n");
    let dir = tree(".config/gh/hosts.yml", &hosts);
    let enterprise = github(&token);
    let findings = scan(dir.path(), &[format!("github={}", enterprise.url())]);
    assert!(enterprise.requests().is_empty());
    assert!(reasons(&findings[0]).iter().any(|r| r.contains("filed under github.com")), "{:?}", reasons(&findings[0]));
}

/// Every run of 8 characters of `secret`.
fn runs(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars.windows(8).map(|w| w.iter().collect()).collect()
}

#[test]
fn a_near_copy_of_the_token_in_an_answer_is_never_printed() {
    let token = fake("{{gen:github-crc32:ghp_}}", "near-copy");
    // The provider answers with the token, one character changed, as the user's login and
    // in the scopes header.
    let mut near: Vec<char> = token.chars().collect();
    near[20] = if near[20] == 'Z' { 'Y' } else { 'Z' };
    let near: String = near.into_iter().collect();
    let (t, n) = (token.clone(), near.clone());
    let server = Fake::start(move |req| {
        if req.header("Authorization") != Some(&format!("Bearer {t}")) {
            return Reply::json(401, serde_json::json!({"message": "Bad credentials"}));
        }
        match req.path_only() {
            "/user" => Reply::json(200, serde_json::json!({"login": format!("user {n}"), "site_admin": false}))
                .header("X-OAuth-Scopes", &format!("repo, {n}")),
            _ => Reply::json(200, serde_json::json!([{"login": n.clone(), "full_name": format!("acme/{n}")}])),
        }
    });
    let dir = tree(".env", &format!("GITHUB_TOKEN={token}\n"));
    for format in ["json", "text", "sarif"] {
        let home = tempfile::tempdir().unwrap();
        let out = run_within(
            keyreach().env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir.path()).args([
                "--probe",
                "--format",
                format,
                "--endpoint",
                &format!("github={}", server.url()),
            ]),
            Duration::from_secs(60),
        );
        let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        let leaked: Vec<String> = runs(&token).into_iter().filter(|r| printed.contains(r.as_str())).collect();
        assert!(leaked.is_empty(), "{format}: pieces of the token printed: {leaked:?}");
        assert!(printed.contains("[the credential]"), "{format}: the echo was not reported at all: {printed}");
    }
}
