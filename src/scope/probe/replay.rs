//! Recorded answers instead of the network, for fuzzing and property tests only (built
//! under `cfg(test)` or `cfg(fuzzing)`): every probe's response handling runs on hostile
//! bodies without a server. Requests are still checked against the probe's shapes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::{Scope, Target, Transport, run_probe};
use crate::scope::http::{ProbeError, Request, Response, Shape, check_request};

/// Answers handed out in order; once they run out every request fails as a network error.
pub struct Replay {
    answers: Mutex<VecDeque<Result<Response, ProbeError>>>,
    /// Requests the probe built that the client refused (not a declared shape).
    refused: Mutex<Vec<String>>,
    /// Whether an answer only the provider gives a known key was handed out: a 2xx, or a
    /// 403 carrying a structured permission error (a JSON `error` object, or Azure's
    /// `x-ms-error-code` header), not a proxy page.
    authenticated: std::sync::atomic::AtomicBool,
}

impl Replay {
    pub fn new(answers: Vec<Result<Response, ProbeError>>) -> Replay {
        Replay {
            answers: Mutex::new(answers.into()),
            refused: Mutex::new(Vec::new()),
            authenticated: Default::default(),
        }
    }

    /// The text form used by the fuzz seeds: answers separated by a line `--`; each is a
    /// status line, `name: value` header lines, a blank line and the body.
    pub fn from_text(text: &[u8]) -> Replay {
        let mut answers = Vec::new();
        let mut rest = text;
        loop {
            let (answer, next) = match memchr::memmem::find(rest, b"\n--\n") {
                Some(i) => (&rest[..i], Some(&rest[i + 4..])),
                None => (rest, None),
            };
            answers.push(Ok(response(answer)));
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
        Replay::new(answers)
    }

    /// Requests refused so far, as `METHOD root` (never the path: it may hold a secret).
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the probe was handed a 2xx or a JSON permission error (a credential is
    /// never active without one).
    pub fn answered_authenticated(&self) -> bool {
        self.authenticated.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn send(&self, shapes: &[Shape], request: &Request) -> Result<Response, ProbeError> {
        if let Err(e) = check_request(shapes, request) {
            self.refused.lock().unwrap_or_else(|p| p.into_inner()).push(e.to_string());
            return Err(e);
        }
        let next = self.answers.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        if let Some(Ok(r)) = &next {
            if r.is_success() || (r.status == 403 && is_permission_error(r)) {
                self.authenticated.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        next.unwrap_or_else(|| Err(ProbeError::Network("no more recorded answers".into())))
    }
}

fn is_permission_error(r: &Response) -> bool {
    r.header("x-ms-error-code").is_some()
        || r.json().ok().is_some_and(|v| v.get("error").is_some_and(|e| e.is_object()))
}

/// One answer in the text form.
fn response(text: &[u8]) -> Response {
    let (head, body) = match memchr::memmem::find(text, b"\n\n") {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (text, &b""[..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.trim().parse::<u16>().ok()).unwrap_or(200);
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Response { status, headers, body: body.to_vec() }
}

/// Runs `target`'s probe against `replay` instead of the network.
pub fn probe(target: &Target<'_>, offline: Scope, replay: &Replay) -> Scope {
    run_probe(Transport::Replay(replay), target, offline)
}

/// A recorded probe run, as the `probe_responses` fuzz target and its seeds
/// (`fuzz/seeds/probe_responses/`) write it: a first line `PROVIDER KIND-INDEX SECRET
/// [COMPANION|-] [PART=VALUE ...]` (templates expanded), then the answers in the replay text
/// form (templates expanded when they expand).
pub struct Seed {
    pub provider: String,
    pub rule_id: &'static str,
    pub secret: crate::credentials::Secret,
    pub companion: Option<crate::credentials::Secret>,
    pub parts: Vec<crate::credentials::ProbePart>,
    pub answers: Vec<u8>,
}

impl Seed {
    /// `gcp_key` stands for a GCP seed's secret (a real RSA key cannot be a template).
    pub fn parse(data: &[u8], gcp_key: Option<String>) -> Option<Seed> {
        use crate::credentials::{ProbePart, Secret};
        let (head, answers) = match memchr::memchr(b'\n', data) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &b""[..]),
        };
        let head = std::str::from_utf8(head).ok()?;
        let mut fields = head.split(' ');
        let (provider, kind) = (fields.next()?, fields.next()?);
        let probe = super::find(provider)?;
        let kinds = probe.kinds();
        let rule_id = kinds[kind.parse::<usize>().unwrap_or(0) % kinds.len()];
        let expand = |t: &str| crate::rules::template::expand(t, "fuzz").ok();
        let secret = match (provider, fields.next()) {
            ("gcp", _) => gcp_key?,
            (_, Some(t)) => expand(t)?,
            (_, None) => return None,
        };
        let companion = fields.next().filter(|c| *c != "-").and_then(expand);
        let parts = fields
            .filter_map(|f| f.split_once('='))
            .filter_map(|(name, t)| {
                let secret = matches!(name, "session_token" | "api_key");
                Some(ProbePart { name: name.to_string(), value: Secret::new(expand(t)?.as_bytes()), secret })
            })
            .collect();
        let answers = std::str::from_utf8(answers)
            .ok()
            .and_then(|a| crate::rules::template::expand(a, "fuzz").ok())
            .map_or_else(|| answers.to_vec(), String::into_bytes);
        Some(Seed {
            provider: provider.to_string(),
            rule_id,
            secret: Secret::new(secret.as_bytes()),
            companion: companion.map(|c| Secret::new(c.as_bytes())),
            parts,
            answers,
        })
    }

    /// Runs the probe on the recorded answers: its scope, and the replay (to ask what was
    /// refused or answered).
    pub fn run(&self) -> (Scope, Replay) {
        let target = Target {
            provider: &self.provider,
            rule_id: self.rule_id,
            secret: &self.secret,
            companion: self.companion.as_ref(),
            parts: &self.parts,
        };
        let replay = Replay::from_text(&self.answers);
        (probe(&target, Scope::unknown(), &replay), replay)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::credentials::{ProbePart, Secret};
    use crate::scope::Activity;
    use crate::scope::probe::PROBES;

    /// The parts a probe needs, as (name, template, secret).
    fn parts(provider: &str) -> &'static [(&'static str, &'static str, bool)] {
        match provider {
            "azure" => &[("tenant", "{{uuid}}", false), ("client_id", "{{uuid}}", false)],
            "datadog" => &[("api_key", "{{hex:32}}", true)],
            "aws" => &[("session_token", "{{b64:300}}", true)],
            "atlassian" => &[("email", "dev@example.invalid", false), ("site", "acme", false)],
            "auth0" => &[("client_id", "{{alnum:32}}", false), ("domain", "acme.auth0.com", false)],
            "okta" => &[("domain", "acme.okta.com", false)],
            "paypal" => &[("client_id", "{{alnum:80}}", false)],
            "snowflake" => &[("account", "acme-prod", false)],
            "grafana" => &[("url", "https://acme.grafana.net", false)],
            "github" => &[("app_id", "123456", false)],
            _ => &[],
        }
    }

    /// A credential the probe accepts to send: (secret, companion) templates per provider.
    fn credential(provider: &str) -> (&'static str, Option<&'static str>) {
        match provider {
            "algolia" => ("{{hex:32}}", Some("ACME{{digit:6}}")),
            "cloudflare" => ("cfk_{{alnum:48}}", Some("ops@example.invalid")),
            "mailchimp" => ("{{hex:32}}-us21", None),
            "telegram" => ("{{digit:10}}:AA{{b64url:33}}", None),
            "mailgun" => ("key-{{hex:32}}", None),
            "github" => ("ghp_{{alnum:36}}", None),
            "aws" => ("{{b64:40}}", Some("{{gen:aws-key-id:AKIA}}")),
            "azure" => ("{{b64:85}}A==", Some("acmedata")),
            "supabase" => ("sbp_{{hex:40}}", None),
            "datadog" => ("{{hex:32}}", None),
            "twilio" => ("{{hex:32}}", Some("AC{{hex:32}}")),
            "shopify" => ("shpat_{{hex:32}}", Some("acme-store.myshopify.com")),
            "dockerhub" => ("dckr_pat_{{alnum:27}}", Some("devfake")),
            "stripe" => ("sk_live_{{alnum:32}}", None),
            "openai" => ("sk-admin-{{alnum:40}}", None),
            "anthropic" => ("sk-ant-admin01-{{alnum:93}}AA", None),
            "flyio" => ("fm2_{{b64:120}}", None),
            "slack" => ("xoxb-{{digit:12}}-{{digit:12}}-{{alnum:24}}", None),
            _ => ("{{alnum:40}}", None),
        }
    }

    const KEYS: &[&str] = &[
        "access",
        "accessToken",
        "access_levels",
        "access_scopes",
        "account",
        "actions",
        "active",
        "admin",
        "apps",
        "auth",
        "data",
        "edges",
        "email",
        "entity",
        "environments",
        "error",
        "errors",
        "expiresAt",
        "expires_at",
        "fineGrained",
        "full_name",
        "handle",
        "id",
        "login",
        "me",
        "members",
        "message",
        "name",
        "node",
        "ok",
        "orgs",
        "owner",
        "permissions",
        "policies",
        "project",
        "projects",
        "repositories",
        "result",
        "revoked",
        "role",
        "roleInOrg",
        "scoped",
        "scopes",
        "site_admin",
        "slug",
        "status",
        "team",
        "teams",
        "token",
        "total_count",
        "type",
        "user",
        "username",
        "valid",
        "volume",
        "workspaces",
    ];

    /// JSON shaped like provider answers; `"$SECRET"` strings become the credential (an
    /// endpoint echoing it back).
    fn body() -> impl Strategy<Value = Vec<u8>> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            prop::sample::select(vec!["$SECRET", "admin", "production", "write", "read", "acme/shop", "2030-01-01"])
                .prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        let json = leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                prop::collection::btree_map(prop::sample::select(KEYS.to_vec()), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        });
        prop_oneof![
            4 => json.prop_map(|v| v.to_string().into_bytes()),
            1 => prop::collection::vec(any::<u8>(), 0..64),
        ]
    }

    fn answer() -> impl Strategy<Value = Result<Response, ProbeError>> {
        let status = prop::sample::select(vec![200u16, 201, 204, 301, 302, 400, 401, 403, 404, 409, 429, 500, 503]);
        let header = (
            prop::sample::select(vec![
                "x-oauth-scopes",
                "github-authentication-token-expiration",
                "retry-after",
                "x-ms-account-kind",
                "x-ms-error-code",
                "openai-organization",
                "anthropic-organization-id",
                "content-type",
            ]),
            prop_oneof!["[ -~]{0,12}", Just("$SECRET".to_string())],
        );
        let ok = (status, prop::collection::vec(header, 0..4), body()).prop_map(|(status, headers, body)| {
            Ok(Response { status, headers: headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), body })
        });
        prop_oneof![
            8 => ok,
            1 => Just(Err(ProbeError::Timeout)),
            1 => Just(Err(ProbeError::Network("connection failed".into()))),
        ]
    }

    fn echo(answer: Result<Response, ProbeError>, secret: &str) -> Result<Response, ProbeError> {
        answer.map(|mut r| {
            r.body = String::from_utf8_lossy(&r.body).replace("$SECRET", secret).into_bytes();
            r.headers.values_mut().for_each(|v| *v = v.replace("$SECRET", secret));
            r
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Whatever a provider answers: no panic, never active without a 2xx answer, never
        /// the credential in the scope, and every request the probe builds is a declared one.
        #[test]
        fn every_probe_survives_any_answers(
            which in any::<prop::sample::Index>(),
            kind in any::<prop::sample::Index>(),
            answers in prop::collection::vec(answer(), 0..6),
            seed in any::<u32>(),
        ) {
            let probe = PROBES.iter().filter(|p| p.provider() != "gcp").nth(which.index(PROBES.len() - 1)).unwrap();
            let rule_id = probe.kinds()[kind.index(probe.kinds().len())];
            let (secret, companion) = credential(probe.provider());
            let expand = |t: &str| crate::rules::template::expand(t, &seed.to_string()).unwrap();
            let (secret, companion) = (expand(secret), companion.map(expand));
            let answers = answers.into_iter().map(|a| echo(a, &secret)).collect();
            let replay = Replay::new(answers);
            let (s, c) = (Secret::new(secret.as_bytes()), companion.map(|c| Secret::new(c.as_bytes())));
            let parts: Vec<ProbePart> = parts(probe.provider())
                .iter()
                .map(|(n, t, secret)| ProbePart { name: n.to_string(), value: Secret::new(expand(t).as_bytes()), secret: *secret })
                .collect();
            let target = Target { provider: probe.provider(), rule_id, secret: &s, companion: c.as_ref(), parts: &parts };
            let scope = super::probe(&target, Scope::unknown(), &replay);
            if scope.active == Activity::Active {
                prop_assert!(replay.answered_authenticated(), "{}: active without a 2xx or permission error", probe.provider());
            }
            prop_assert!(!format!("{scope:?}").contains(&secret), "{}: the credential is in the scope", probe.provider());
            prop_assert!(replay.refused().is_empty(), "{}: built {:?}", probe.provider(), replay.refused());
        }
    }

    /// Every recorded answer in `fuzz/seeds/probe_responses/` replays without a refused
    /// request; a provider's recorded success makes its credential active, and every probe
    /// keyreach has has one (GCP and GitHub App keys aside: they need a real RSA key; PyPI
    /// tokens are never sent).
    #[test]
    fn recorded_answers_replay_for_every_probe() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/probe_responses");
        let mut active = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let seed =
                Seed::parse(&std::fs::read(&path).unwrap(), None).unwrap_or_else(|| panic!("{name} does not parse"));
            let (scope, replay) = seed.run();
            assert!(replay.refused().is_empty(), "{name}: {:?}", replay.refused());
            if !name.starts_with("errors") && !name.starts_with("regression") {
                assert_eq!(scope.active, Activity::Active, "{name}: {scope:?}");
                active.insert(seed.provider.clone());
            }
        }
        for p in PROBES {
            // GCP signs with a key made at test time, PyPI is never sent, and databases are
            // tested against real servers (tests/it/databases.rs): no HTTP answers to record.
            if !["gcp", "pypi", "database"].contains(&p.provider()) {
                assert!(active.contains(p.provider()), "no recorded answer for {}", p.provider());
            }
        }
    }

    #[test]
    fn an_echoing_provider_never_puts_the_credential_in_the_scope() {
        let secret = crate::rules::template::expand("{{gen:github-crc32:ghp_}}", "echo").unwrap();
        let echoed = format!("Bearer {secret}");
        let answer = Response {
            status: 200,
            headers: [("x-oauth-scopes".to_string(), echoed.clone())].into(),
            body: serde_json::json!({"login": echoed}).to_string().into_bytes(),
        };
        let replay = Replay::new(vec![Ok(answer)]);
        let s = Secret::new(secret.as_bytes());
        let target =
            Target { provider: "github", rule_id: "github.classic-pat", secret: &s, companion: None, parts: &[] };
        let scope = super::probe(&target, Scope::unknown(), &replay);
        assert_eq!(scope.identity.as_deref(), Some("Bearer [the credential]"));
        assert!(!format!("{scope:?}").contains(&secret), "{scope:?}");
    }
}
