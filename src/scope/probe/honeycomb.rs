//! Honeycomb (https://docs.honeycomb.io/api/tag/Auth): `GET /1/auth` answers with a key's
//! team, environment and the access it holds (events, markers, triggers, boards, queries,
//! columns, datasets, SLOs, recipients), on the US host and else the EU one.

use serde_json::Value;

use super::{Probe, Session, Target, first_site, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Honeycomb;

const SITES: &[&str] = &["https://api.honeycomb.io", "https://api.eu1.honeycomb.io"];
static SHAPES: &[Shape] =
    &[Shape::get("https://api.honeycomb.io", "/1/auth"), Shape::get("https://api.eu1.honeycomb.io", "/1/auth")];
/// Access that changes or deletes configuration rather than only sending events.
const CONFIG: &[&str] =
    &["markers", "triggers", "boards", "columns", "createDatasets", "slos", "recipients", "privateBoards"];

impl Probe for Honeycomb {
    fn provider(&self) -> &'static str {
        "honeycomb"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["honeycomb.api-key", "honeycomb.ingest-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let (response, _) = first_site(s, SITES, |site| Request::get(site, "/1/auth").header("X-Honeycomb-Team", key))?;
        let auth = response.ok()?.json()?;
        let access = auth
            .get("api_key_access")
            .filter(|a| a.is_object())
            .ok_or_else(|| ProbeError::Unexpected("no api_key_access".into()))?;
        let granted: Vec<String> = access
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| v.as_bool() == Some(true))
            .map(|(k, _)| k.clone())
            .collect();
        let team = auth.get("team").and_then(|t| str_of(t, "slug").or(str_of(t, "name")));
        let env = auth.get("environment").and_then(|e| str_of(e, "slug").or(str_of(e, "name")));
        if let Some(team) = team {
            push_unique(&mut scope.resources, resource("honeycomb", "team", team));
        }
        if let Some(env) = env {
            push_unique(&mut scope.resources, resource("honeycomb", "environment", env));
            if looks_production(env) {
                set_production(scope, true);
            }
        }
        scope.identity = team.map(|t| format!("{t}{}", env.map(|e| format!("/{e}")).unwrap_or_default()));
        let config = granted.iter().any(|g| CONFIG.contains(&g.as_str()));
        scope.level = if config || granted.iter().any(|g| g == "events") {
            Level::Write
        } else if granted.iter().any(|g| g == "queries") {
            Level::Read
        } else {
            Level::None
        };
        scope.destructive = Some(config && access.get("columns").and_then(Value::as_bool) == Some(true));
        scope.notes.push(format!("access: {}", if granted.is_empty() { "none".into() } else { granted.join(", ") }));
        scope.permissions = granted;
        Ok(())
    }
}
