//! Mailgun (cloud.md, "Mailgun"): HTTP Basic `api:KEY`; `GET /v3/domains` lists the
//! domains a primary account key reaches, on the US host and else the EU one (a key
//! works in its own region only). A domain sending key may only send mail and cannot
//! read domains: a newer-format key rejected in both regions is therefore not called
//! revoked.

use super::{Probe, Session, Target, first_site, items, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Mailgun;

const SITES: &[&str] = &["https://api.mailgun.net", "https://api.eu.mailgun.net"];
static SHAPES: &[Shape] =
    &[Shape::get("https://api.mailgun.net", "/v3/domains"), Shape::get("https://api.eu.mailgun.net", "/v3/domains")];

impl Probe for Mailgun {
    fn provider(&self) -> &'static str {
        "mailgun"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["mailgun.api-key", "mailgun.api-key-v2", "mailgun.api-key-nearby"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let answer = first_site(s, SITES, |site| Request::get(site, "/v3/domains?limit=20").basic("api", key));
        let (response, site) = match answer {
            Err(ProbeError::Unauthorized(_)) if !key.starts_with("key-") => {
                return Err(ProbeError::Unexpected(
                    "rejected by /v3/domains in both regions: a revoked key, or a domain sending key, which cannot read domains".into(),
                ));
            }
            other => other?,
        };
        let domains = response.ok()?.json()?;
        if domains.get("items").is_none() {
            return Err(ProbeError::Unexpected("no domain list".into()));
        }
        for d in items(&domains, "items") {
            if let Some(name) = str_of(d, "name") {
                push_unique(&mut scope.resources, resource("mailgun", "domain", name));
            }
        }
        scope.identity = Some(format!("account key ({})", if site.contains(".eu.") { "EU" } else { "US" }));
        scope.level = Level::Admin;
        scope.destructive = Some(true);
        scope.production = Some(true);
        scope.notes.push("account API key: sends mail as every domain, deletes domains, routes and webhooks".into());
        Ok(())
    }
}
