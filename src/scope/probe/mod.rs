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

use serde_json::Value;

use super::http::{Client, HttpOptions, ProbeError, Request, Response, Shape};
use super::{Activity, Scope, ScopeSource};
use crate::credentials::Secret;

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
    /// Refines `scope` (a copy of the offline scope) from the provider's answers.
    fn run(&self, session: &Session<'_>, target: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError>;
}

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
}

impl Target<'_> {
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
        match self.transport {
            Transport::Http(client) => client.options().endpoints.contains_key(self.probe.provider()),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => false,
        }
    }
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
    scope.scrub(target.secret.expose());
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
        assert!(PROBES.len() >= 26);
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
                for never in ["refresh", "webhook", "deploy-hook", "publishable", "client-secret", "api-key-public"] {
                    assert!(!kind.contains(never), "{kind}");
                }
            }
        }
    }

    #[test]
    fn security_md_names_every_host_a_probe_may_contact() {
        let doc = include_str!("../../../SECURITY.md");
        for p in PROBES {
            for shape in p.shapes() {
                let host = shape.root.trim_start_matches("https://").split('/').next().unwrap();
                let shown = host.replace("*.blob.", "ACCOUNT.blob.").replace("*.myshopify.", "SHOP.myshopify.");
                assert!(doc.contains(&shown), "SECURITY.md does not list {shown} ({})", p.provider());
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
