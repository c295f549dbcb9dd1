//! Every probe against its fake provider on 127.0.0.1: success for each token kind, the
//! provider rejecting the credential, 429 with Retry-After, 500, malformed bodies and slow
//! responses; trap endpoints fail the test if a probe ever calls them; no secret leaks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use keyreach::credentials::Secret;
use keyreach::scope::http::{Body, Client, HttpOptions, ProbeError, Request, Shape};
use keyreach::scope::probe::{Prober, Target};
use keyreach::scope::{Activity, Level, Scope, ScopeSource};

use crate::fake::providers::{Mode, World, handler};
use crate::fake::{Fake, raw_request};
use crate::util::fake;

/// One credential kind of one provider, and what its probe must learn.
pub struct Case {
    pub provider: &'static str,
    rule: &'static str,
    pub kind: &'static str,
    secret: String,
    companion: Option<String>,
    level: Level,
    destructive: Option<bool>,
    identity: Option<&'static str>,
    resource: Option<&'static str>,
}

fn case(provider: &'static str, kind: &'static str, secret: &str, level: Level) -> Case {
    Case {
        provider,
        rule: "",
        kind,
        secret: fake(secret, &format!("{provider}-{kind}")),
        companion: None,
        level,
        destructive: None,
        identity: None,
        resource: None,
    }
}

impl Case {
    fn rule(mut self, rule: &'static str) -> Case {
        self.rule = rule;
        self
    }
    fn with(mut self, companion: &str) -> Case {
        self.companion = Some(fake(companion, &format!("{}-{}-c", self.provider, self.kind)));
        self
    }
    fn destructive(mut self, d: bool) -> Case {
        self.destructive = Some(d);
        self
    }
    fn identity(mut self, i: &'static str) -> Case {
        self.identity = Some(i);
        self
    }
    fn resource(mut self, r: &'static str) -> Case {
        self.resource = Some(r);
        self
    }
    fn world(&self) -> World {
        World {
            provider: self.provider,
            kind: self.kind,
            secret: self.secret.clone(),
            companion: self.companion.clone(),
        }
    }
}

/// An RSA key in PKCS#8 PEM, made now (no key is stored in the repository).
fn rsa_key() -> String {
    let out = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        .output()
        .expect("openssl runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().replace('\n', "\\n")
}

fn cases() -> Vec<Case> {
    use Level::*;
    vec![
        case("railway", "account", "{{uuid}}", Admin).rule("railway.api-token").destructive(true).identity("dev@example.invalid").resource("railway:project/pocket"),
        case("railway", "workspace", "{{uuid}}", Admin).rule("railway.api-token").destructive(true).identity("workspace Acme (fake)").resource("railway:project/shop-backend"),
        case("railway", "project", "{{uuid}}", Write).rule("railway.project-token").destructive(true).resource("railway:environment/shop-backend/production"),
        case("railway", "project-staging", "{{uuid}}", Write).rule("railway.api-token").destructive(false).resource("railway:environment/shop-backend/staging"),
        case("github", "classic", "{{gen:github-crc32:ghp_}}", Admin).destructive(true).identity("dev-fake").resource("github:org/acme"),
        case("github", "readonly", "{{gen:github-crc32:ghp_}}", Read).destructive(false).resource("github:repo/acme/shop"),
        case("github", "fine-grained", "github_pat_{{alnum:22}}_{{alnum:59}}", Write).resource("github:repo/acme/shop"),
        case("github", "installation", "ghs_{{alnum:36}}", Write).resource("github:repo/acme/shop"),
        case("gitlab", "pat", "glpat-{{alnum:20}}", Admin).destructive(true).identity("dev-fake").resource("gitlab:project/acme/shop"),
        case("aws", "admin", "{{b64:40}}", Write).with("{{gen:aws-key-id:AKIA}}").destructive(true).identity("arn:aws:iam::123456789012:user/keyreach-fake").resource("aws:account/123456789012"),
        case("aws", "readonly", "{{b64:40}}", Read).with("{{gen:aws-key-id:AKIA}}").destructive(false).resource("aws:alias/acme-prod"),
        Case { secret: rsa_key(), ..case("gcp", "sa", "", Write) }.with("ci@acme-staging.iam.gserviceaccount.com").destructive(true).resource("gcp:project/acme-staging"),
        case("azure", "sas", "https://acmedata.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2099-01-01T00:00:00Z&sig={{b64:43}}%3D", Read).destructive(false).resource("azure:storage-account/acmedata"),
        case("azure", "key", "{{b64:86}}==", Admin).with("acmedata").destructive(true).identity("storage account acmedata"),
        case("vercel", "user", "vcp_{{alnum:56}}", Admin).destructive(true).identity("dev-fake").resource("vercel:project/storefront"),
        case("vercel", "team", "vcp_{{alnum:56}}", Write).resource("vercel:team/acme"),
        case("netlify", "pat", "nfp_{{alnum:36}}", Admin).destructive(true).resource("netlify:site/acme-www"),
        case("flyio", "org", "fm2_{{b64:120}}", Level::Unknown).resource("flyio:app/shop-api"),
        case("cloudflare", "user", "cfut_{{alnum:40}}{{hex:8}}", Write).destructive(true).resource("cloudflare:zone/acme.example"),
        case("digitalocean", "pat", "dop_v1_{{hex:64}}", Level::Unknown).identity("dev@example.invalid").resource("digitalocean:team/Acme (fake)"),
        case("heroku", "global", "HRKU-{{alnum:60}}", Admin).destructive(true).resource("heroku:app/shop-prod"),
        case("render", "key", "rnd_{{alnum:32}}", Write).destructive(true).resource("render:service/api-production"),
        case("supabase", "pat", "sbp_{{hex:40}}", Admin).destructive(true).resource("supabase:project/shop-prod"),
        case("stripe", "live", "sk_live_{{alnum:32}}", Admin).destructive(true).identity("acct_fake1"),
        case("slack", "bot", "xoxb-{{digit:12}}-{{digit:12}}-{{alnum:24}}", Write).destructive(true).identity("deploy-bot in Acme"),
        case("openai", "project", "sk-proj-{{alnum:40}}T3Blbk{{}}FJ{{alnum:40}}", Write).identity("org-fake"),
        case("anthropic", "key", "sk-ant-api03-{{alnum:93}}AA", Write).identity("org-uuid-fake"),
        case("huggingface", "write", "hf_{{alpha:34}}", Admin).destructive(true).identity("dev-fake").resource("huggingface:org/acme"),
        case("npm", "token", "npm_{{alnum:36}}", Write).identity("dev-fake").resource("npm:package/left-pad-fake"),
        case("dockerhub", "rwd", "dckr_pat_{{alnum:27}}", Write).with("devfake").destructive(true).resource("dockerhub:namespace/devfake"),
        case("dockerhub", "read", "dckr_pat_{{alnum:27}}", Read).with("devfake").destructive(false),
        case("sendgrid", "full", "SG.{{alnum:22}}.{{alnum:43}}", Admin).destructive(true),
        case("twilio", "auth", "{{hex:32}}", Admin).with("AC{{hex:32}}").destructive(true).identity("Acme (fake)"),
        case("datadog", "api", "{{hex:32}}", Write).destructive(false),
        case("shopify", "admin", "shpat_{{hex:32}}", Write).with("acme-store.myshopify.com").destructive(true).resource("shopify:shop/acme-store.myshopify.com"),
    ]
}

fn options(fake: &Fake, provider: &str, timeout: Duration) -> HttpOptions {
    HttpOptions { timeout, endpoints: HashMap::from([(provider.to_string(), fake.url())]), ..HttpOptions::default() }
}

/// Runs `case`'s probe against a fake in `mode`.
fn run(case: &Case, mode: Mode, timeout: Duration) -> (Scope, Fake) {
    let fake = Fake::start(handler(case.world(), mode));
    let prober = Prober::new(options(&fake, case.provider, timeout));
    let secret = Secret::new(case.secret.as_bytes());
    let companion = case.companion.as_ref().map(|c| Secret::new(c.as_bytes()));
    let rule_id =
        if case.rule.is_empty() { keyreach::scope::probe::find(case.provider).unwrap().kinds()[0] } else { case.rule };
    let target =
        Target { provider: case.provider, rule_id, secret: &secret, companion: companion.as_ref(), parts: &[] };
    (prober.probe(&target, Scope::unknown()), fake)
}

fn assert_no_secret(case: &Case, scope: &Scope) {
    let shown = format!("{scope:?}");
    assert!(!shown.contains(&case.secret), "{}/{}: the secret leaked into the scope", case.provider, case.kind);
}

/// Runs every case in parallel threads (the fakes are independent).
pub fn each(mode: Mode, timeout: Duration, check: impl Fn(&Case, &Scope, &Fake) + Sync) {
    let cases = cases();
    std::thread::scope(|s| {
        for case in &cases {
            let check = &check;
            s.spawn(move || {
                let (scope, fake) = run(case, mode, timeout);
                fake.assert_clean();
                assert_no_secret(case, &scope);
                check(case, &scope, &fake);
            });
        }
    });
}

#[test]
fn every_probe_learns_its_scope_from_the_fake_provider() {
    each(Mode::Ok, Duration::from_secs(10), |c, scope, fake| {
        let what = format!("{}/{}: {scope:?}", c.provider, c.kind);
        assert_eq!(scope.active, Activity::Active, "{what}");
        assert_eq!(scope.source, ScopeSource::Probe, "{what}");
        assert_eq!(scope.level, c.level, "{what}");
        if let Some(d) = c.destructive {
            assert_eq!(scope.destructive, Some(d), "{what}");
        }
        if let Some(i) = c.identity {
            assert_eq!(scope.identity.as_deref(), Some(i), "{what}");
        }
        if let Some(r) = c.resource {
            assert!(scope.resources.iter().any(|x| x == r), "{what}: no resource {r}");
        }
        assert!(!fake.requests().is_empty());
    });
}

#[test]
fn a_rejected_credential_is_inactive() {
    each(Mode::Status(401), Duration::from_secs(10), |c, scope, _| {
        assert_eq!(scope.active, Activity::Inactive, "{}/{}: {scope:?}", c.provider, c.kind);
        assert_eq!(scope.active.as_bool(), Some(false));
    });
}

pub fn indeterminate(c: &Case, scope: &Scope) {
    assert!(matches!(scope.active, Activity::Indeterminate(_)), "{}/{}: {:?}", c.provider, c.kind, scope.active);
    assert_eq!(scope.active.as_bool(), None, "indeterminate is neither active nor inactive");
    assert_ne!(scope.source, ScopeSource::Probe);
}

#[test]
fn rate_limits_are_indeterminate_after_two_retries() {
    each(Mode::RateLimited(0), Duration::from_secs(10), |c, scope, fake| {
        indeterminate(c, scope);
        assert_eq!(fake.requests().len(), 3, "{}/{}: one try and two retries", c.provider, c.kind);
    });
}

#[test]
fn server_errors_are_indeterminate() {
    each(Mode::ServerError, Duration::from_secs(10), |c, scope, fake| {
        indeterminate(c, scope);
        assert_eq!(fake.requests().len(), 3);
    });
}

#[test]
fn malformed_bodies_are_indeterminate() {
    each(Mode::Malformed, Duration::from_secs(10), |c, scope, _| {
        if c.provider == "azure" {
            // Get Account Information answers in headers only: a 200 is the answer.
            assert_eq!(scope.active, Activity::Active);
        } else {
            indeterminate(c, scope);
        }
    });
}

#[test]
fn slow_responses_time_out_as_indeterminate() {
    each(Mode::Slow(Duration::from_millis(1500)), Duration::from_millis(300), |c, scope, _| {
        indeterminate(c, scope);
        let Activity::Indeterminate(why) = &scope.active else { unreachable!() };
        assert!(why.contains("timed out"), "{}: {why}", c.provider);
    });
}

#[test]
fn retry_after_is_honoured_and_long_waits_end_the_probe() {
    let c = case("github", "classic", "{{gen:github-crc32:ghp_}}", Level::Admin);
    let started = Instant::now();
    let (scope, fake) = run(&c, Mode::RateLimited(1), Duration::from_secs(10));
    assert!(started.elapsed() >= Duration::from_secs(2), "waited {:?}", started.elapsed());
    assert_eq!(fake.requests().len(), 3);
    indeterminate(&c, &scope);
    let started = Instant::now();
    let (scope, fake) = run(&c, Mode::RateLimited(3600), Duration::from_secs(10));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(scope.active, Activity::Indeterminate("rate-limited by the provider (retry after 3600 s)".into()));
}

#[test]
fn pypi_tokens_are_never_sent() {
    let c = case("pypi", "token", "{{gen:pypi}}", Level::Unknown);
    let (scope, fake) = run(&c, Mode::Ok, Duration::from_secs(1));
    assert!(fake.requests().is_empty());
    assert!(scope.notes.iter().any(|n| n.contains("no read-only endpoint")), "{:?}", scope.notes);
}

#[test]
fn paired_credentials_without_their_companion_are_not_sent() {
    for mut c in cases().into_iter().filter(|c| c.companion.is_some() && c.provider != "azure") {
        c.companion = None;
        let (scope, fake) = run(&c, Mode::Ok, Duration::from_secs(1));
        assert!(fake.requests().is_empty(), "{}", c.provider);
        assert!(scope.notes.iter().any(|n| n.starts_with("not probed")), "{}: {:?}", c.provider, scope.notes);
    }
}

#[test]
fn traps_catch_forbidden_calls() {
    let fake = Fake::start(|_| crate::fake::Reply::json(200, serde_json::json!({})));
    raw_request(&fake.url(), "DELETE /v3/user/tokens/current HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    let body = r#"{"query":"mutation { volumeDelete(volumeId: \"v\") }"}"#;
    raw_request(
        &fake.url(),
        &format!("POST /graphql/v2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len()),
    );
    raw_request(&fake.url(), "POST /credentials/revoke HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(fake.trapped().len(), 3, "{:?}", fake.trapped());
}

#[test]
fn the_client_refuses_undeclared_and_mutating_requests_before_sending() {
    let fake = Fake::start(|_| crate::fake::Reply::json(200, serde_json::json!({})));
    let client = Client::new(options(&fake, "railway", Duration::from_secs(2)));
    let shapes =
        [Shape::post("https://backboard.railway.com", "/graphql/v2", keyreach::scope::http::BodyKind::GraphqlQuery)];
    let mutation =
        Body::Graphql { query: "mutation { volumeDelete(volumeId: \"v\") }", variables: serde_json::Value::Null };
    let err =
        client.send("railway", &shapes, 10.0, &Request::post("https://backboard.railway.com", "/graphql/v2", mutation));
    assert!(matches!(err, Err(ProbeError::Refused(_))), "{err:?}");
    let err = client.send("railway", &shapes, 10.0, &Request::get("https://backboard.railway.com", "/graphql/v2"));
    assert!(matches!(err, Err(ProbeError::Refused(_))), "{err:?}");
    assert!(fake.requests().is_empty(), "nothing may reach the server");
}

#[test]
fn oversized_responses_are_refused() {
    let c = case("github", "classic", "{{gen:github-crc32:ghp_}}", Level::Admin);
    let fake = Fake::start(|_| crate::fake::Reply::raw(200, "application/json", vec![b' '; 2 << 20]));
    let prober = Prober::new(options(&fake, "github", Duration::from_secs(10)));
    let secret = Secret::new(c.secret.as_bytes());
    let scope = prober.probe(
        &Target { provider: "github", rule_id: "github.classic-pat", secret: &secret, companion: None, parts: &[] },
        Scope::unknown(),
    );
    assert_eq!(scope.active, Activity::Indeterminate("unexpected response: response larger than 1048576 bytes".into()));
}

#[test]
fn railway_queries_are_valid_against_the_public_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::util::fixtures().join("providers/railway/schema.json")).unwrap(),
    )
    .unwrap();
    for q in keyreach::scope::probe::RAILWAY_QUERIES {
        crate::graphql::validate(&schema, q).unwrap_or_else(|e| panic!("{e}: {q}"));
    }
    let bad = "query { me { id passwordHash } }";
    assert!(crate::graphql::validate(&schema, bad).is_err(), "the checker must catch unknown fields");
}
