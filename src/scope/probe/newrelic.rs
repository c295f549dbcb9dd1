//! New Relic (https://docs.newrelic.com/docs/apis/nerdgraph/get-started/introduction-new-relic-nerdgraph/):
//! one NerdGraph query (`actor { user accounts }`), never a mutation, with a user key, on
//! the US endpoint and else the EU one (a key works in its own region only). License,
//! ingest and query keys only send or read data for one account and are not sent.

use serde_json::json;

use super::{
    Probe, Session, Target, first_site, items, looks_production, push_unique, resource, set_production, str_of,
};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Newrelic;

const SITES: &[&str] = &["https://api.newrelic.com", "https://api.eu.newrelic.com"];
static SHAPES: &[Shape] = &[
    Shape::post("https://api.newrelic.com", "/graphql", BodyKind::GraphqlQuery),
    Shape::post("https://api.eu.newrelic.com", "/graphql", BodyKind::GraphqlQuery),
];
const QUERY: &str = "query { actor { user { id name email } accounts { id name } } }";

impl Probe for Newrelic {
    fn provider(&self) -> &'static str {
        "newrelic"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["newrelic.user-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let (response, site) = first_site(s, SITES, |site| {
            Request::post(site, "/graphql", Body::Graphql { query: QUERY, variables: json!({}) }).header("API-Key", key)
        })?;
        let answer = response.ok()?.json()?;
        let actor = answer
            .pointer("/data/actor")
            .filter(|a| a.is_object())
            .ok_or_else(|| ProbeError::Unexpected("no actor in the answer".into()))?;
        let user = actor.get("user").cloned().unwrap_or_default();
        scope.identity = str_of(&user, "email").or(str_of(&user, "name")).map(str::to_string);
        for account in items(actor, "accounts") {
            if let Some(name) = str_of(account, "name") {
                push_unique(&mut scope.resources, resource("newrelic", "account", name));
                if looks_production(name) {
                    set_production(scope, true);
                }
            }
        }
        scope.level = Level::Write;
        scope.notes.push(format!(
            "user key ({}): every permission of its user on {} accounts; counted as write",
            if site.contains(".eu.") { "EU" } else { "US" },
            items(actor, "accounts").len()
        ));
        Ok(())
    }
}
