//! Live scope probes (`--probe`): one module per provider, each a unit struct behind the
//! small [`Probe`] trait in the static [`PROBES`] table, dispatched on the rule's
//! `provider`.
//!
//! A probe receives the credential ([`Target`]) and the scope known offline, sends only
//! its declared read-only [`Shape`]s through a [`Session`] (the one HTTP client,
//! [`super::http`]), and refines the scope: identity, level, destructive, production,
//! permissions, resources, expiry. A [`ProbeError`] never aborts anything: [`Prober::probe`]
//! turns it into an inactive scope (the provider rejected the credential) or an
//! indeterminate one (timeouts, 429, 5xx, unexpected bodies).

mod aws;
mod azure;
mod cloudflare;
mod database;
mod datadog;
mod digitalocean;
mod dockerhub;
mod flyio;
mod gcp;
mod github;
mod gitlab;
mod heroku;
mod huggingface;
mod llm;
mod netlify;
mod npm;
mod pypi;
mod railway;
mod render;
#[cfg(any(test, fuzzing))]
pub mod replay;
mod sendgrid;
mod shopify;
mod slack;
mod stripe;
mod supabase;
mod twilio;
mod vercel;

// HTTP probes of issue 18 (one module per provider; `aikeys` holds five model APIs).
mod aikeys;
mod airtable;
mod algolia;
mod asana;
mod atlassian;
mod auth0;
mod bitbucket;
mod buildkite;
mod circleci;
mod discord;
mod doppler;
mod entra;
mod fastly;
mod grafana;
mod honeycomb;
mod kubernetes;
mod linear;
mod mailchimp;
mod mailgun;
mod mapbox;
mod newrelic;
mod notion;
mod okta;
mod pagerduty;
mod paypal;
mod pinecone;
mod postman;
mod postmark;
mod sentry;
mod snowflake;
mod square;
mod telegram;
mod terraform;
mod vault;

use serde_json::Value;

use super::http::{Client, HttpOptions, ProbeError, Request, Response, Shape};
use super::{Activity, Scope, ScopeSource};
use crate::credentials::{ProbePart, Secret};

/// A provider's probe.
pub trait Probe: Sync {
    /// The provider id it serves (rules/README.md, "Provider ids").
    fn provider(&self) -> &'static str;
    /// The rule ids whose credentials it knows how to send. Any other kind of the same
    /// provider (refresh tokens, webhooks, keys that need a part keyreach did not find) is
    /// never sent.
    fn kinds(&self) -> &'static [&'static str];
    /// Every request it may send. Anything else is refused by the client.
    fn shapes(&self) -> &'static [Shape];
    /// Every database statement or command it may send (database probes; HTTP probes have
    /// none). Anything else is refused by [`crate::scope::db::check`].
    fn statements(&self) -> &'static [crate::scope::db::Statement] {
        &[]
    }
    /// Requests a second it may send to the provider.
    fn rate(&self) -> f64 {
        5.0
    }
    /// Whether the companion is itself a secret (a Datadog API key next to its application
    /// key), scrubbed from answers like the secret; most companions are identifiers (a key
    /// id, an account name, an email) that the scope may name.
    fn companion_is_secret(&self) -> bool {
        false
    }
    /// Refines `scope` (a copy of the offline scope) from the provider's answers.
    fn run(&self, session: &Session<'_>, target: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError>;
}

/// The payload a Sentry organization token carries (its org and Sentry URL).
pub use sentry::org_token_payload as sentry_payload;

/// The GraphQL documents the Railway probe sends (checked against Railway's schema in tests).
pub use railway::QUERIES as RAILWAY_QUERIES;

/// Every probe keyreach has.
pub static PROBES: &[&dyn Probe] = &[
    &railway::Railway,
    &github::Github,
    &gitlab::Gitlab,
    &aws::Aws,
    &gcp::Gcp,
    &azure::Azure,
    &vercel::Vercel,
    &netlify::Netlify,
    &flyio::Flyio,
    &cloudflare::Cloudflare,
    &digitalocean::Digitalocean,
    &heroku::Heroku,
    &render::Render,
    &supabase::Supabase,
    &stripe::Stripe,
    &slack::Slack,
    &llm::Openai,
    &llm::Anthropic,
    &huggingface::Huggingface,
    &npm::Npm,
    &pypi::Pypi,
    &dockerhub::Dockerhub,
    &sendgrid::Sendgrid,
    &twilio::Twilio,
    &datadog::Datadog,
    &shopify::Shopify,
    &database::Database,
    // HTTP probes of issue 18.
    &vault::Vault,
    &kubernetes::Kubernetes,
    &terraform::Terraform,
    &atlassian::Atlassian,
    &bitbucket::Bitbucket,
    &circleci::Circleci,
    &buildkite::Buildkite,
    &sentry::Sentry,
    &pagerduty::Pagerduty,
    &linear::Linear,
    &notion::Notion,
    &airtable::Airtable,
    &asana::Asana,
    &auth0::Auth0,
    &okta::Okta,
    &algolia::Algolia,
    &fastly::Fastly,
    &mailgun::Mailgun,
    &postmark::Postmark,
    &square::Square,
    &paypal::Paypal,
    &pinecone::Pinecone,
    &snowflake::Snowflake,
    &grafana::Grafana,
    &newrelic::Newrelic,
    &doppler::Doppler,
    &mapbox::Mapbox,
    &telegram::Telegram,
    &discord::Discord,
    &postman::Postman,
    &honeycomb::Honeycomb,
    &mailchimp::Mailchimp,
    &aikeys::Groq,
    &aikeys::Mistral,
    &aikeys::Cohere,
    &aikeys::Openrouter,
    &aikeys::Deepseek,
];

/// The probe for `provider`, if keyreach has one.
pub fn find(provider: &str) -> Option<&'static dyn Probe> {
    PROBES.iter().copied().find(|p| p.provider() == provider)
}

/// The providers keyreach can probe.
pub fn providers() -> Vec<&'static str> {
    PROBES.iter().map(|p| p.provider()).collect()
}

/// The credential a probe works on.
pub struct Target<'a> {
    pub provider: &'a str,
    /// The rule that found it (a kind hint: `railway.project-token`).
    pub rule_id: &'a str,
    pub secret: &'a Secret,
    /// The paired part: AWS key id, Twilio account SID, Shopify shop domain, GCP email.
    pub companion: Option<&'a Secret>,
    /// Values found near it that only its probe reads (`[[rule.part]]`: an Entra tenant
    /// id, an Atlassian site, an AWS session token, the host a token was filed under).
    pub parts: &'a [ProbePart],
}

impl Target<'_> {
    /// Part `name` as text, if it was found.
    pub fn part(&self, name: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| std::str::from_utf8(p.value.expose()).ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The secret as text; a credential that is not UTF-8 cannot be sent.
    pub fn secret_text(&self) -> Result<&str, ProbeError> {
        std::str::from_utf8(self.secret.expose())
            .map(str::trim)
            .map_err(|_| ProbeError::NotProbed("the secret is not text".into()))
    }

    pub fn companion_text(&self) -> Option<&str> {
        self.companion.and_then(|c| std::str::from_utf8(c.expose()).ok()).map(str::trim)
    }
}

/// One probe's access to the client: every request is checked against its shapes.
pub struct Session<'a> {
    transport: Transport<'a>,
    probe: &'a dyn Probe,
}

/// Where a session's requests go: the HTTP client, or (fuzzing and property tests only)
/// recorded responses answered in order.
enum Transport<'a> {
    Http(&'a Client),
    #[cfg(any(test, fuzzing))]
    Replay(&'a replay::Replay),
}

impl Session<'_> {
    pub fn send(&self, request: &Request) -> Result<Response, ProbeError> {
        match self.transport {
            Transport::Http(_) if request.root == USER_ENDPOINT && self.endpoint().is_none() => {
                Err(ProbeError::Refused(format!(
                    "{} has no official host and no endpoint was given",
                    self.probe.provider()
                )))
            }
            Transport::Http(client) => {
                client.send(self.probe.provider(), self.probe.shapes(), self.probe.rate(), request)
            }
            #[cfg(any(test, fuzzing))]
            Transport::Replay(replay) => replay.send(self.probe.shapes(), request),
        }
    }

    /// Sends, requires a 2xx (401 → unauthorized, 403 → forbidden) and parses JSON.
    pub fn json(&self, request: &Request) -> Result<Value, ProbeError> {
        self.send(request)?.ok()?.json()
    }

    /// The host requests for `root` reach (configured endpoint or official root).
    pub fn host_for(&self, root: &str) -> String {
        match self.transport {
            Transport::Http(client) => client.host_for(self.probe.provider(), root),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => {
                root.split_once("://").map_or(root, |(_, r)| r).split('/').next().unwrap_or("").into()
            }
        }
    }

    /// Database connections for this probe: the run's timeout, the hosts the user allowed
    /// at private addresses, and the probe's declared statements.
    pub fn dialer(&self) -> Result<crate::scope::db::Dialer, ProbeError> {
        match self.transport {
            Transport::Http(client) => Ok(crate::scope::db::Dialer {
                net: crate::scope::db::NetOptions {
                    timeout: client.options().timeout,
                    allow_hosts: client.options().allow_hosts.clone(),
                },
                declared: self.probe.statements(),
            }),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => Err(ProbeError::NotProbed("recorded answers hold no database sessions".into())),
        }
    }

    /// Whether the provider has an endpoint configured (tests, enterprise hosts).
    pub fn has_endpoint(&self) -> bool {
        self.endpoint().is_some()
    }

    /// The endpoint the user configured for the provider (`--endpoint`, the user's config).
    pub fn endpoint(&self) -> Option<&str> {
        match self.transport {
            Transport::Http(client) => client.options().endpoints.get(self.probe.provider()).map(String::as_str),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => None,
        }
    }

    /// For a provider without an official host (Vault, a Kubernetes cluster): requests go
    /// to [`USER_ENDPOINT`], which only the user's own endpoint can stand for. Without one
    /// the credential is not probed, `why` says how to allow its host. An address written
    /// next to the credential (`VAULT_ADDR`, a kubeconfig's `server`) never stands for it:
    /// when `found` names a host, the endpoint must name the same host.
    pub fn user_endpoint(&self, found: Option<&str>, why: &str) -> Result<(), ProbeError> {
        #[cfg(any(test, fuzzing))]
        if matches!(self.transport, Transport::Replay(_)) {
            return Ok(());
        }
        let Some(endpoint) = self.endpoint() else {
            return Err(ProbeError::NotProbed(match found.map(host_name).filter(|h| !h.is_empty()) {
                Some(host) => format!("{why} (the address next to it names {host}, which only you can allow)"),
                None => why.to_string(),
            }));
        };
        match found.map(host_name) {
            Some(host) if !host.eq_ignore_ascii_case(host_name(endpoint)) => Err(ProbeError::NotProbed(format!(
                "it belongs to {host}, and the endpoint given for {} names another host",
                self.probe.provider()
            ))),
            _ => Ok(()),
        }
    }

    /// For a credential filed under a host of its own (a GitHub Enterprise or self-managed
    /// GitLab host in `hosts.yml`, a git credential URL): it goes to the provider's
    /// official API only when that host is an `official` one (or none is known), and to a
    /// configured endpoint only when the endpoint names that very host. Otherwise it is not
    /// probed, and `how` (with `{host}`) says what the host is and how the user can allow
    /// it ("a GitHub Enterprise host: pass --endpoint github=https://{host}/api/v3 …").
    pub fn own_host(&self, found: Option<&str>, official: &[&str], how: &str) -> Result<(), ProbeError> {
        let Some(found) = found.map(host_name).filter(|h| !h.is_empty()) else { return Ok(()) };
        let is_official = official.iter().any(|o| o.eq_ignore_ascii_case(found));
        match self.endpoint().map(host_name) {
            Some(endpoint) if endpoint.eq_ignore_ascii_case(found) => Ok(()),
            Some(_) if is_official => Err(ProbeError::NotProbed(format!(
                "it was filed under {found}, and the endpoint given for {} names another host",
                self.probe.provider()
            ))),
            None if is_official => Ok(()),
            _ => Err(ProbeError::NotProbed(format!("it was filed under {found}, {}", how.replace("{host}", found)))),
        }
    }
}

/// The root of requests that only a user's endpoint can receive (providers without an
/// official host: Vault, Kubernetes). The client refuses it when no endpoint is set.
pub const USER_ENDPOINT: &str = "https://user-endpoint.invalid";

/// The host of a URL or `host[:port]`, without scheme, user, port or path.
pub fn host_name(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

/// Runs probes with one shared client, at most `concurrency` at once.
pub struct Prober {
    client: Client,
}

impl Prober {
    /// Builds the HTTP client. Only called under `--probe`.
    pub fn new(options: HttpOptions) -> Prober {
        Prober { client: Client::new(options) }
    }

    /// The scope of one credential: the offline scope refined by its provider's probe.
    pub fn probe(&self, target: &Target<'_>, offline: Scope) -> Scope {
        run_probe(Transport::Http(&self.client), target, offline)
    }

    /// Probes each item once, `concurrency` at a time, keeping the order.
    pub fn probe_all(&self, items: Vec<(Target<'_>, Scope)>) -> Vec<Scope> {
        use rayon::prelude::*;
        let threads = self.client.options().concurrency.max(1);
        let run = || items.into_par_iter().map(|(t, s)| self.probe(&t, s)).collect::<Vec<_>>();
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        }
    }
}

/// Runs `target`'s probe over `transport`, turning its answer or error into a scope.
fn run_probe(transport: Transport<'_>, target: &Target<'_>, offline: Scope) -> Scope {
    let Some(probe) = find(target.provider) else {
        return offline;
    };
    if !probe.kinds().contains(&target.rule_id) {
        let mut scope = offline;
        scope.notes.push(format!("not probed: no read-only check for {} credentials", target.rule_id));
        return scope;
    }
    let session = Session { transport, probe };
    let mut scope = offline.clone();
    let mut scope = match probe.run(&session, target, &mut scope) {
        Ok(()) => {
            scope.source = ScopeSource::Probe;
            if scope.active == Activity::Unknown {
                scope.active = Activity::Active;
            }
            scope
        }
        Err(ProbeError::Unauthorized(why)) => {
            let mut scope = offline;
            scope.source = ScopeSource::Probe;
            scope.active = Activity::Inactive;
            scope.notes.push(format!("probe: {} rejected it as revoked or invalid ({why})", target.provider));
            scope
        }
        Err(ProbeError::NotProbed(why)) => {
            let mut scope = offline;
            scope.notes.push(format!("not probed: {why}"));
            scope
        }
        Err(e) => {
            let mut scope = offline;
            scope.notes.push(format!("probe could not tell whether it is active: {e}"));
            scope.active = Activity::Indeterminate(e.to_string());
            scope
        }
    };
    let companion_secret = probe.companion_is_secret();
    let mut secrets: Vec<&[u8]> = vec![target.secret.expose()];
    secrets.extend(target.companion.filter(|_| companion_secret).map(Secret::expose));
    secrets.extend(target.parts.iter().filter(|p| p.secret).map(|p| p.value.expose()));
    scope.scrub_all(&secrets);
    scope
}

/// `provider:kind/name`, the resource form the policy's `[environments.*]` tables match.
pub fn resource(provider: &str, kind: &str, name: &str) -> String {
    format!("{provider}:{kind}/{name}")
}

/// Whether a name reads as production (`prod`, `production`, `live`, `prd` as a word).
pub fn looks_production(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "prod" | "production" | "live" | "prd"))
}

/// Adds `item` to `list` unless present.
pub fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// String field `key` of a JSON object.
pub fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The array at `key`, or an empty one.
pub fn items<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Sets `production` to true, or to false only if nothing said true before.
pub fn set_production(scope: &mut Scope, production: bool) {
    scope.production = Some(production || scope.production == Some(true));
}

/// Raises the level to at least `level` (unknown counts as lowest here).
pub fn raise(scope: &mut Scope, level: super::Level) {
    if scope.level.rank().unwrap_or(0) < level.rank().unwrap_or(0) || scope.level == super::Level::Unknown {
        scope.level = level;
    }
}

/// A counter of things by name, for notes ("reaches 3 projects").
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// Sends `build(site)` to each of `sites` in turn (one request each) until one does not
/// reject the credential with 401 or 403: a key works only on its own site or region.
/// With an endpoint configured, only the first site is asked.
pub fn first_site<'a>(
    s: &Session<'_>,
    sites: &[&'a str],
    build: impl Fn(&str) -> Request,
) -> Result<(Response, &'a str), ProbeError> {
    let sites = if s.has_endpoint() { &sites[..1.min(sites.len())] } else { sites };
    for site in sites {
        let response = s.send(&build(site))?;
        if !matches!(response.status, 401 | 403) {
            return Ok((response, site));
        }
    }
    Err(ProbeError::Unauthorized(format!("rejected on {}", plural(sites.len(), "site", "sites"))))
}

/// The JWT claims of `token`, if it is one (never verified: read for display only).
pub fn jwt_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    super::decode::jwt_claims(token.as_bytes())
}

/// Strings of the array at `key`.
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    items(v, key).iter().filter_map(Value::as_str).map(str::to_string).collect()
}

/// Headers as a lower-case map (for probes reading scope headers).
pub fn header_list(response: &Response, name: &str) -> Vec<String> {
    response
        .header(name)
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_has_a_distinct_provider_and_shapes() {
        let mut seen = std::collections::HashSet::new();
        for p in PROBES {
            assert!(seen.insert(p.provider()), "{} twice", p.provider());
            for shape in p.shapes() {
                assert!(shape.root.starts_with("https://"), "{}: {}", p.provider(), shape.root);
            }
        }
        // Issue 18: at least 55 providers probed, databases included (this table holds the
        // HTTP probes).
        assert!(PROBES.len() >= 55, "{} probes", PROBES.len());
    }

    #[test]
    fn probed_kinds_are_built_in_rules_of_the_probes_provider() {
        let rules = crate::rules::RuleSet::from_specs(crate::rules::RuleSet::builtin_specs().unwrap()).unwrap();
        for p in PROBES {
            for kind in p.kinds() {
                let id = rules.find(kind).unwrap_or_else(|| panic!("{kind} is not a built-in rule"));
                assert_eq!(rules.get(id).provider, p.provider(), "{kind}");
            }
        }
    }

    #[test]
    fn refresh_tokens_webhooks_and_public_values_are_never_probe_kinds() {
        for p in PROBES {
            for kind in p.kinds() {
                for never in ["refresh", "webhook", "deploy-hook", "publishable", "api-key-public"] {
                    assert!(!kind.contains(never), "{kind}");
                }
                // A client secret is only ever sent in a client-credentials grant.
                if kind.contains("client-secret") {
                    let grant = p.shapes().iter().any(|s| s.body == super::super::http::BodyKind::ClientCredentials);
                    assert!(grant, "{kind}: a client secret without a client-credentials grant");
                }
            }
        }
    }

    #[test]
    fn security_md_names_every_host_a_probe_may_contact() {
        let doc = include_str!("../../../SECURITY.md");
        for p in PROBES {
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", p.provider())))
                .unwrap_or_else(|| panic!("SECURITY.md has no row for {}", p.provider()));
            for shape in p.shapes() {
                let host = shape.root.trim_start_matches("https://").split('/').next().unwrap();
                if shape.root == USER_ENDPOINT {
                    assert!(row.contains("--endpoint"), "{}: say that only your endpoint is contacted", p.provider());
                    continue;
                }
                // A per-tenant host (`*.atlassian.net`) is shown with its fixed suffix.
                let fixed = host.rsplit_once("*.").map_or(host, |(_, suffix)| suffix);
                assert!(row.contains(fixed), "SECURITY.md's {} row does not list {fixed}", p.provider());
            }
        }
    }

    #[test]
    fn production_names() {
        assert!(looks_production("production"));
        assert!(looks_production("shop-prod"));
        assert!(looks_production("LIVE"));
        assert!(!looks_production("staging"));
        assert!(!looks_production("delivery"));
        assert!(!looks_production("products"));
    }
}
