//! Datadog (cloud.md, "Datadog"): an API key is checked with `GET /api/v1/validate` on each
//! Datadog site in turn (one request per site) until one accepts it. An API key submits
//! data; it cannot read or delete. Application keys need their API key and are classified
//! offline.

use serde_json::Value;

use super::{Probe, Session, Target, push_unique, resource};
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
static SHAPES: &[Shape] = &[
    Shape::get("https://api.datadoghq.com", "/api/v1/validate"),
    Shape::get("https://api.datadoghq.eu", "/api/v1/validate"),
    Shape::get("https://api.us3.datadoghq.com", "/api/v1/validate"),
    Shape::get("https://api.us5.datadoghq.com", "/api/v1/validate"),
    Shape::get("https://api.ap1.datadoghq.com", "/api/v1/validate"),
    Shape::get("https://api.ddog-gov.com", "/api/v1/validate"),
];

impl Probe for Datadog {
    fn provider(&self) -> &'static str {
        "datadog"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["datadog.api-key", "datadog.agent-api-key", "datadog.api-key-nested"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
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
