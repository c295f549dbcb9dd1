//! Network faults under `--probe`, against fake servers on 127.0.0.1: connection refused, a
//! reset mid-body, a TLS handshake with a plain-HTTP server, a 30 s stall, a drip-fed body,
//! a 10 MB and an endless body, redirects to another host and a storm of 429s. Every outcome
//! is indeterminate (`active: null`) with the reason, the scan finishes, and its time is
//! bounded by the timeout and the retry policy.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fake::providers::{Mode, World, handler};
use crate::fake::{Fake, Fault, Reply};
use crate::hostile::run_within;
use crate::probes::{each, indeterminate};
use crate::util::{fake, keyreach, stderr};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

/// A workspace holding `tokens` GitHub tokens, one file each.
fn workspace(tokens: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, t) in tokens.iter().enumerate() {
        std::fs::write(dir.path().join(format!("t{i}.env")), format!("GITHUB_TOKEN={t}\n")).unwrap();
    }
    dir
}

/// `scan --probe` with GitHub sent to `endpoint`; the findings and how long it took.
fn probe_scan(dir: &std::path::Path, endpoint: &str, timeout: &str) -> (Vec<Value>, Duration) {
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = run_within(
        keyreach().env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir).args([
            "--probe",
            "--format",
            "json",
            "--probe-timeout",
            timeout,
            "--endpoint",
            &format!("github={endpoint}"),
        ]),
        Duration::from_secs(120),
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "the scan finishes with its findings: {}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (doc["findings"].as_array().unwrap().clone(), took)
}

/// The finding is indeterminate and its reasons say why (`because` is part of the reason).
fn assert_indeterminate(f: &Value, because: &str) {
    assert_eq!(f["scope"]["active"], Value::Null, "{f}");
    assert_ne!(f["scope"]["source"], "probe", "{f}");
    let reasons: Vec<&str> = f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(
        reasons.iter().any(|r| r.starts_with("probe could not tell whether it is active: ") && r.contains(because)),
        "expected a reason with {because:?}: {reasons:?}"
    );
    assert_eq!(f["severity"], "critical", "an indeterminate probe lowers nothing");
}

fn github(secret: &str, mode: Mode) -> Fake {
    Fake::start(handler(
        World { provider: "github", kind: "classic", secret: secret.into(), companion: None, parts: vec![] },
        mode,
    ))
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn connection_refused_is_indeterminate_after_the_retries() {
    let t = token("refused");
    let dir = workspace(std::slice::from_ref(&t));
    let (findings, took) = probe_scan(dir.path(), &format!("http://127.0.0.1:{}", closed_port()), "2");
    assert_indeterminate(&findings[0], "network error: connection failed");
    // Two back-offs (0.25 s, 0.5 s) and the rate limit's spacing; no timeout is waited.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_reset_mid_body_is_indeterminate() {
    let t = token("reset");
    let dir = workspace(std::slice::from_ref(&t));
    let server =
        Fake::start(|_| Reply::json(200, serde_json::json!({"login": "x".repeat(200_000)})).fault(Fault::ResetMidBody));
    let (findings, _) = probe_scan(dir.path(), &server.url(), "5");
    assert_indeterminate(&findings[0], "network error");
    assert_eq!(server.requests().len(), 3, "one try and two retries");
}

#[test]
fn a_tls_handshake_with_a_plain_http_server_is_indeterminate() {
    let t = token("tls");
    let dir = workspace(std::slice::from_ref(&t));
    let server = github(&t, Mode::Ok);
    let https = server.url().replace("http://", "https://");
    let (findings, took) = probe_scan(dir.path(), &https, "5");
    assert_indeterminate(&findings[0], "network error");
    let attempts = server.requests();
    assert!(!attempts.is_empty() && attempts.iter().all(|r| r.method == "TLS"), "{attempts:?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

#[test]
fn a_30_second_stall_ends_at_the_timeout() {
    let t = token("stall");
    let dir = workspace(std::slice::from_ref(&t));
    let server = github(&t, Mode::Fault(Fault::Stall(Duration::from_secs(30))));
    let (findings, took) = probe_scan(dir.path(), &server.url(), "0.5");
    assert_indeterminate(&findings[0], "the request timed out");
    assert_eq!(server.requests().len(), 3);
    // Three attempts of 0.5 s and two back-offs: far from 30 s.
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn a_drip_fed_body_ends_at_the_timeout() {
    let t = token("drip");
    let dir = workspace(std::slice::from_ref(&t));
    let server = github(&t, Mode::Fault(Fault::Drip(Duration::from_millis(100))));
    let (findings, took) = probe_scan(dir.path(), &server.url(), "0.5");
    assert_indeterminate(&findings[0], "the request timed out");
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn huge_and_endless_bodies_stop_at_the_size_cap() {
    let t = token("huge");
    let dir = workspace(std::slice::from_ref(&t));
    let big = Fake::start(|_| Reply::raw(200, "application/json", vec![b' '; 10 << 20]));
    let (findings, took) = probe_scan(dir.path(), &big.url(), "10");
    assert_indeterminate(&findings[0], "unexpected response: response larger than 1048576 bytes");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    let endless = Fake::start(|_| Reply::raw(200, "application/json", "").fault(Fault::Endless));
    let (findings, took) = probe_scan(dir.path(), &endless.url(), "10");
    assert_indeterminate(&findings[0], "unexpected response: response larger than 1048576 bytes");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

#[test]
fn redirects_to_another_host_are_never_followed() {
    let t = token("redirect");
    let dir = workspace(std::slice::from_ref(&t));
    let elsewhere = github(&t, Mode::Ok);
    for status in [301, 302, 303, 307, 308] {
        let server = github(&t, Mode::Redirect(status, port(&elsewhere)));
        let (findings, _) = probe_scan(dir.path(), &server.url(), "5");
        assert_indeterminate(&findings[0], &format!("redirect (HTTP {status}) not followed"));
        assert_eq!(server.requests().len(), 1);
    }
    assert!(elsewhere.requests().is_empty(), "a redirect was followed");
}

fn port(fake: &Fake) -> u16 {
    fake.url().rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn a_429_storm_gets_two_retries_per_credential_honouring_retry_after() {
    let tokens: Vec<String> = (0..6).map(|i| token(&format!("storm{i}"))).collect();
    let dir = workspace(&tokens);
    let server =
        Fake::start(|_| Reply::json(429, serde_json::json!({"message": "slow down"})).header("Retry-After", "1"));
    let (findings, took) = probe_scan(dir.path(), &server.url(), "5");
    assert_eq!(findings.len(), 6);
    for f in &findings {
        assert_indeterminate(f, "rate-limited by the provider (retry after 1 s)");
    }
    let sent = server.requests();
    assert_eq!(sent.len(), 18, "one try and two retries for each of 6 credentials");
    let mut per_token = std::collections::HashMap::new();
    for r in &sent {
        *per_token.entry(r.header("Authorization").unwrap_or("").to_string()).or_insert(0) += 1;
    }
    assert!(per_token.values().all(|&n| n == 3), "{per_token:?}");
    // Each credential waits its two seconds of Retry-After; four are probed at once.
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn every_probe_is_indeterminate_on_a_reset_mid_body() {
    each(Mode::Fault(Fault::ResetMidBody), Duration::from_secs(10), |c, scope, _| {
        if c.provider == "azure" && scope.active.as_bool() == Some(true) {
            // Get Account Information answers in headers only (an empty body): the answer
            // was complete before the reset.
            return;
        }
        indeterminate(c, scope);
    });
}

#[test]
fn every_probe_is_indeterminate_on_a_drip_fed_answer() {
    each(Mode::Fault(Fault::Drip(Duration::from_millis(200))), Duration::from_millis(500), |c, scope, _| {
        if c.provider == "azure" && scope.active.as_bool() == Some(true) {
            return; // no body to drip: the headers were the answer
        }
        indeterminate(c, scope);
    });
}

#[test]
fn no_probe_follows_a_redirect() {
    let elsewhere = Fake::start(|_| Reply::json(200, serde_json::json!({})));
    for status in [302, 307] {
        each(Mode::Redirect(status, port(&elsewhere)), Duration::from_secs(10), |c, scope, fake| {
            indeterminate(c, scope);
            assert!(fake.requests().len() <= 3, "{}: {} requests", c.provider, fake.requests().len());
        });
    }
    assert!(elsewhere.requests().is_empty(), "a probe followed a redirect: {:?}", elsewhere.requests());
}
