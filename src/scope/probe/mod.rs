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

mod answer;
mod learns;
mod session;

pub use answer::*;
pub use database::offline_resources as database_resources;
pub use learns::{LEARNS, would_learn};
pub use session::{Prober, Session};

use super::Scope;
use super::http::{ProbeError, Request, Response, Shape};
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
