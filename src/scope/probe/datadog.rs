//! Datadog (cloud.md, "Datadog"): an API key is checked with `GET /api/v1/validate` on each
//! Datadog site in turn (one request per site) until one accepts it. An API key submits
//! data; it cannot read or delete. An application key is sent with the API key found next
//! to it: `GET /api/v2/validate_keys` proves the pair on its site, and the key's own entry
//! in `GET /api/v2/current_user/application_keys` tells its scopes (none: every
//! permission of its owner).

use serde_json::Value;

use super::{Probe, Session, Target, first_site, items, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Datadog;

const SITES: &[&str] = &[
    "https://api.datadoghq.com",
    "https://api.datadoghq.eu",
    "https://api.us3.datadoghq.com",
    "https://api.us5.datadoghq.com",
    "https://api.ap1.datadoghq.com",
    "https://api.ddog-gov.com",
];
macro_rules! per_site {
    ($($site:literal),*) => {
        &[
            $(Shape::get($site, "/api/v1/validate"),
              Shape::get($site, "/api/v2/validate_keys"),
              Shape::get($site, "/api/v2/current_user/application_keys"),)*
        ]
    };
}
static SHAPES: &[Shape] = per_site!(
    "https://api.datadoghq.com",
    "https://api.datadoghq.eu",
    "https://api.us3.datadoghq.com",
    "https://api.us5.datadoghq.com",
    "https://api.ap1.datadoghq.com",
    "https://api.ddog-gov.com"
);
const APPLICATION_KEYS: &[&str] = &["datadog.application-key", "datadog.application-key-nested"];

impl Probe for Datadog {
    fn provider(&self) -> &'static str {
        "datadog"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "datadog.api-key",
            "datadog.agent-api-key",
            "datadog.api-key-nested",
            "datadog.application-key",
            "datadog.application-key-nested",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        if APPLICATION_KEYS.contains(&t.rule_id) {
            return application_key(s, t, key, scope);
        }
        if key.len() == 40 {
            return Err(ProbeError::NotProbed("an application key is only usable with its API key".into()));
        }
        let sites: &[&str] = if s.has_endpoint() { &SITES[..1] } else { SITES };
        for site in sites {
            let response = s.send(&Request::get(site, "/api/v1/validate").header("DD-API-KEY", key))?;
            match response.status {
                200 => {
                    let body = response.json()?;
                    if body.get("valid").and_then(Value::as_bool) != Some(true) {
                        return Err(ProbeError::Unexpected("validate did not say valid".into()));
                    }
                    let host = site.trim_start_matches("https://api.");
                    scope.identity = Some(format!("API key on {host}"));
                    push_unique(&mut scope.resources, resource("datadog", "site", host));
                    scope.level = Level::Write;
                    scope.destructive = Some(false);
                    scope.notes.push("API key: submits metrics, logs and events; cannot read or delete".into());
                    return Ok(());
                }
                401 | 403 => continue,
                _ => return response.ok().map(|_| ()),
            }
        }
        Err(ProbeError::Unauthorized("no Datadog site accepts the key".into()))
    }
}

/// An application key with its API key: validity, then its scopes.
fn application_key(s: &Session<'_>, t: &Target<'_>, key: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let api_key = t.part("api_key").ok_or_else(|| {
        ProbeError::NotProbed("an application key is only usable with its API key, not found next to it".into())
    })?;
    let auth = |r: Request| r.header("DD-API-KEY", api_key).header("DD-APPLICATION-KEY", key);
    let (response, site) = first_site(s, SITES, |site| auth(Request::get(site, "/api/v2/validate_keys")))?;
    let valid = response.ok()?.json()?;
    if str_of(&valid, "status") != Some("ok") {
        return Err(ProbeError::Unexpected("validate_keys did not say ok".into()));
    }
    let host = site.trim_start_matches("https://api.");
    push_unique(&mut scope.resources, resource("datadog", "site", host));
    scope.identity = Some(format!("application key on {host}"));
    let last4 = &key[key.len().saturating_sub(4)..];
    let listing = s.json(&auth(Request::get(site, "/api/v2/current_user/application_keys?page%5Bsize%5D=100")));
    let own = listing.ok().and_then(|l| {
        items(&l, "data")
            .iter()
            .find(|k| k.pointer("/attributes/last4").and_then(Value::as_str) == Some(last4))
            .cloned()
    });
    let scopes: Option<Vec<String>> = own
        .as_ref()
        .and_then(|k| k.pointer("/attributes/scopes"))
        .and_then(|v| v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()));
    if let Some(name) = own.as_ref().and_then(|k| k.pointer("/attributes/name")).and_then(Value::as_str) {
        scope.identity = Some(format!("application key {name} on {host}"));
    }
    match scopes {
        Some(scopes) => {
            let has = |f: &dyn Fn(&str) -> bool| scopes.iter().any(|s| f(s));
            scope.level =
                if has(&|s| s.starts_with("user_access") || s.starts_with("api_keys") || s == "org_management") {
                    Level::Admin
                } else if has(&|s| s.ends_with("_write") || s.ends_with("_delete") || s.ends_with("_manage")) {
                    Level::Write
                } else {
                    Level::Read
                };
            scope.destructive = Some(has(&|s| s.ends_with("_delete") || s.ends_with("_write")));
            scope.notes.push(format!("scoped application key: {}", scopes.join(", ")));
            scope.permissions = scopes;
        }
        None => {
            scope.level = Level::Write;
            scope.destructive = Some(true);
            scope.notes.push(
                "unscoped application key: every permission of its owner (reads all data, deletes monitors and dashboards); counted as write".into(),
            );
        }
    }
    Ok(())
}
