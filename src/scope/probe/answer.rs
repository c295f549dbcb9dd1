//! Helpers probes share to read a provider's answer into a [`Scope`]: resource names,
//! production words, JSON fields, levels, site lookups, JWT claims, headers.

use serde_json::Value;

use super::{ProbeError, Request, Response, Session};
use crate::scope::Scope;

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
pub fn raise(scope: &mut Scope, level: crate::scope::Level) {
    if scope.level.rank().unwrap_or(0) < level.rank().unwrap_or(0) || scope.level == crate::scope::Level::Unknown {
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
    crate::scope::decode::jwt_claims(token.as_bytes())
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
