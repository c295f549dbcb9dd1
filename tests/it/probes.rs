//! Every probe against its fake provider on 127.0.0.1: success for each token kind, the
//! provider rejecting the credential, 429 with Retry-After, 500, malformed bodies and slow
//! responses; trap endpoints fail the test if a probe ever calls them; no secret leaks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use keyreach::credentials::{ProbePart, Secret};
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
    /// Values found next to the credential: (name, value, required by the probe, secret).
    parts: Vec<(&'static str, String, bool, bool)>,
    /// What a 401 from the provider makes of it (inactive, unless the provider's answer
    /// cannot tell a revoked credential from one its API does not take).
    rejected: Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rejected {
    Inactive,
    Indeterminate,
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
        parts: Vec::new(),
        rejected: Rejected::Inactive,
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
    /// A part the probe needs (found next to the credential), from a template.
    fn part(mut self, name: &'static str, template: &str) -> Case {
        let value = fake(template, &format!("{}-{}-{name}", self.provider, self.kind));
        self.parts.push((name, value, true, false));
        self
    }
    /// A part that is itself secret (a session token, an API key).
    fn secret_part(mut self, name: &'static str, template: &str) -> Case {
        let value = fake(template, &format!("{}-{}-{name}", self.provider, self.kind));
        self.parts.push((name, value, true, true));
        self
    }
    fn rejected(mut self, r: Rejected) -> Case {
        self.rejected = r;
        self
    }
    fn world(&self) -> World {
        World {
            provider: self.provider,
            kind: self.kind,
            secret: self.secret.clone(),
            companion: self.companion.clone(),
            parts: self.parts.iter().map(|(n, v, _, _)| (n.to_string(), v.clone())).collect(),
        }
    }
    fn probe_parts(&self) -> Vec<ProbePart> {
        self.parts
            .iter()
            .map(|(n, v, _, secret)| ProbePart {
                name: n.to_string(),
                value: Secret::new(v.as_bytes()),
                secret: *secret,
            })
            .collect()
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

/// An RSA key in PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`, as GitHub issues app keys), made now.
pub fn rsa_key_pkcs1() -> String {
    let out =
        std::process::Command::new("openssl").args(["genrsa", "-traditional", "2048"]).output().expect("openssl runs");
    assert!(out.status.success(), "openssl genrsa -traditional");
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
        // Issue 18: the credentials users asked for and the incident's neighbours.
        case("azure", "entra", "{{alnum:3}}8Q~{{alnum:34}}", Write).rule("azure.client-secret").part("tenant", "{{uuid}}").part("client_id", "{{uuid}}").destructive(true).identity("application ci-deployer").resource("azure:subscription/acme-production"),
        case("datadog", "app", "{{hex:40}}", Write).rule("datadog.application-key").secret_part("api_key", "{{hex:32}}").destructive(true).identity("application key ci-monitors on datadoghq.com"),
        case("cloudflare", "global", "cfk_{{alnum:48}}", Admin).rule("cloudflare.global-key").with("ops@example.invalid").destructive(true).identity("ops@example.invalid").resource("cloudflare:zone/acme.example"),
        case("aws", "session", "{{b64:40}}", Write).with("{{gen:aws-key-id:ASIA}}").secret_part("session_token", "{{b64:300}}").destructive(true).identity("arn:aws:iam::123456789012:user/keyreach-fake"),
        Case { secret: rsa_key_pkcs1(), ..case("github", "app", "", Admin) }.rule("github.app-private-key").part("app_id", "123456").destructive(true).identity("GitHub App acme-deployer (owner acme)").resource("github:org/acme"),
        case("vault", "token", "hvs.{{alnum:90}}", Write).destructive(true).identity("token-ci").resource("vault:policy/ci-deploy"),
        case("vault", "root", "hvs.{{alnum:90}}", Admin).destructive(true),
        case("kubernetes", "sa", "{{jwt:iss=kubernetes/serviceaccount,kubernetes.io/serviceaccount/namespace=production}}", Write).rule("kubernetes.service-account-jwt").destructive(true).identity("system:serviceaccount:ci:deployer").resource("kubernetes:namespace/production"),
        case("terraform", "org", "{{alnum:14}}.atlasv1.{{alnum:67}}", Admin).destructive(true).identity("api-org-acme-fake").resource("terraform:organization/acme-prod"),
        case("atlassian", "classic", "ATATT3xFfGF0{{b64url:170}}={{HEX:8}}", Write).part("email", "dev@example.invalid").part("site", "acme").destructive(true).identity("dev@example.invalid").resource("atlassian:site/acme.atlassian.net"),
        case("bitbucket", "repo", "ATCTT3xFfGN0{{b64url:170}}={{HEX:8}}", Write).rule("bitbucket.access-token").destructive(false).identity("acme-shop-token").resource("bitbucket:repo/acme/shop"),
        case("circleci", "personal", "CCIPAT_{{alnum:22}}_{{hex:40}}", Write).destructive(true).identity("dev-fake").resource("circleci:org/gh/acme"),
        case("buildkite", "api", "bkua_{{alnum:40}}", Write).destructive(false).resource("buildkite:org/acme"),
        case("sentry", "user", "sntryu_{{hex:64}}", Admin).rule("sentry.user-auth-token").destructive(true).identity("dev@example.invalid").resource("sentry:org/acme"),
        case("pagerduty", "user", "u+{{alnum:18}}", Admin).destructive(true).identity("oncall@example.invalid"),
        case("linear", "key", "lin_api_{{alnum:40}}", Write).destructive(true).identity("dev@example.invalid").resource("linear:workspace/acme"),
        case("notion", "integration", "ntn_{{digit:11}}{{alnum:35}}", Write).identity("integration CI sync").resource("notion:workspace/Acme"),
        case("airtable", "pat", "pat{{alnum:14}}.{{hex:64}}", Write).destructive(true).identity("dev@example.invalid").resource("airtable:base/CRM production"),
        case("asana", "pat", "1/{{digit:16}}:{{hex:32}}", Write).destructive(true).identity("dev@example.invalid").resource("asana:workspace/Acme"),
        case("auth0", "m2m", "{{b64url:64}}", Admin).part("client_id", "{{alnum:32}}").part("domain", "acme.eu.auth0.com").destructive(true).resource("auth0:tenant/acme.eu.auth0.com"),
        case("okta", "admin", "00{{alnum:40}}", Admin).part("domain", "acme.okta.com").destructive(true).identity("admin@example.invalid").resource("okta:org/acme.okta.com"),
        case("algolia", "write", "{{hex:32}}", Write).with("{{upper:4}}{{digit:6}}").destructive(true).resource("algolia:index/products"),
        case("algolia", "admin", "{{hex:32}}", Admin).with("{{upper:4}}{{digit:6}}").destructive(true),
        case("fastly", "global", "{{alnum:32}}", Write).destructive(true).identity("dev@example.invalid").resource("fastly:service/svc1"),
        case("mailgun", "primary", "key-{{hex:32}}", Admin).destructive(true).resource("mailgun:domain/mg.example.invalid"),
        case("postmark", "server", "{{uuid}}", Write).rule("postmark.server-token").destructive(true).identity("server Transactional"),
        case("postmark", "account", "{{uuid}}", Admin).rule("postmark.account-token").destructive(true).resource("postmark:server/shop-production"),
        case("square", "oauth", "EAAA{{alnum:60}}", Write).destructive(true).identity("merchant MLFAKE"),
        case("paypal", "live", "{{alnum:80}}", Write).part("client_id", "{{alnum:80}}").destructive(true).identity("app APP-80W2FAKE"),
        case("pinecone", "key", "pcsk_{{alnum:60}}", Write).destructive(true).resource("pinecone:index/docs-prod"),
        case("snowflake", "pat", "{{alnum:40}}", Write).rule("snowflake.password-env").part("account", "acme-prod").destructive(true).identity("CI_USER").resource("snowflake:database/ANALYTICS_PROD").rejected(Rejected::Indeterminate),
        case("grafana", "sa", "glsa_{{alnum:32}}_{{hex:8}}", Write).part("url", "https://acme.grafana.net").destructive(true).identity("sa-1-ci on acme.grafana.net"),
        case("newrelic", "user", "NRAK-{{alnum:27}}", Write).identity("dev@example.invalid").resource("newrelic:account/Acme production"),
        case("doppler", "service", "dp.st.prd.{{alnum:40}}", Read).rule("doppler.service-token").destructive(false).resource("doppler:config/prd"),
        case("mapbox", "secret", "sk.eyJ{{b64url:40}}.{{b64url:22}}", Level::Unknown).identity("acme-maps"),
        case("telegram", "bot", "{{digit:10}}:AA{{b64url:33}}", Write).destructive(true).identity("@acme_deploy_bot"),
        case("discord", "bot", "{{b64url:24}}.{{b64url:6}}.{{b64url:27}}", Admin).destructive(true).identity("acme-bot").resource("discord:server/Acme"),
        case("postman", "key", "PMAK-{{hex:24}}-{{hex:34}}", Write).destructive(true).identity("dev@example.invalid").resource("postman:team/Acme"),
        case("honeycomb", "config", "{{alnum:22}}", Write).rule("honeycomb.api-key").destructive(true).resource("honeycomb:environment/production"),
        case("mailchimp", "key", "{{hex:32}}-us21", Admin).destructive(true).identity("dev@example.invalid").resource("mailchimp:account/Acme"),
        case("groq", "key", "gsk_{{alnum:52}}", Write).destructive(false),
        case("mistral", "key", "{{alnum:32}}", Write).destructive(false),
        case("cohere", "key", "{{alnum:40}}", Write).destructive(false),
        case("openrouter", "key", "sk-or-v1-{{hex:64}}", Write).destructive(false).identity("ci-agent"),
        case("deepseek", "key", "sk-{{hex:32}}", Write).destructive(false),
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
    let parts = case.probe_parts();
    let target =
        Target { provider: case.provider, rule_id, secret: &secret, companion: companion.as_ref(), parts: &parts };
    (prober.probe(&target, Scope::unknown()), fake)
}

fn assert_no_secret(case: &Case, scope: &Scope) {
    let shown = format!("{scope:?}");
    assert!(!shown.contains(&case.secret), "{}/{}: the secret leaked into the scope", case.provider, case.kind);
    for (name, value, _, secret) in &case.parts {
        if *secret {
            assert!(
                !shown.contains(value.as_str()),
                "{}/{}: the {name} leaked into the scope",
                case.provider,
                case.kind
            );
        }
    }
}

/// The trap check: every request the fake received fits one of the probe's declared
/// shapes (method and path; the fake stands in for every root). A TLS hello is no request.
fn assert_declared(case: &Case, fake: &Fake) {
    let shapes = keyreach::scope::probe::find(case.provider).unwrap().shapes();
    for r in fake.requests().iter().filter(|r| r.method != "TLS") {
        assert!(
            shapes.iter().any(|s| s.matches_path(&r.method, &r.path)),
            "{}/{}: {} {} is not a declared request",
            case.provider,
            case.kind,
            r.method,
            r.path_only()
        );
    }
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
                assert_declared(case, &fake);
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
    each(Mode::Status(401), Duration::from_secs(10), |c, scope, _| match c.rejected {
        Rejected::Inactive => {
            assert_eq!(scope.active, Activity::Inactive, "{}/{}: {scope:?}", c.provider, c.kind);
            assert_eq!(scope.active.as_bool(), Some(false));
        }
        Rejected::Indeterminate => indeterminate(c, scope),
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
        if c.provider == "azure" && c.kind != "entra" {
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
fn credentials_without_the_parts_their_probe_needs_are_not_sent() {
    for mut c in cases().into_iter().filter(|c| c.parts.iter().any(|p| p.2)) {
        c.parts.retain(|p| !p.2);
        let (scope, fake) = run(&c, Mode::Ok, Duration::from_secs(1));
        assert!(fake.requests().is_empty(), "{}/{}", c.provider, c.kind);
        assert!(
            scope.notes.iter().any(|n| n.starts_with("not probed")),
            "{}/{}: {:?}",
            c.provider,
            c.kind,
            scope.notes
        );
    }
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
