//! Sentry (https://docs.sentry.io/api/auth/, https://docs.sentry.io/api/permissions/):
//! `GET /api/0/` answers an authenticated request with the token's scopes and user, and
//! `GET /api/0/organizations/` lists the organizations a user token reaches.
//! Organization tokens (`sntrys_`) carry their organization and Sentry URL in their own
//! payload and hold only `org:ci` (releases and source maps), so a 403 on a listing still
//! proves them live.
//!
//! A token of a self-hosted Sentry (its payload's `url`, or a `SENTRY_URL` next to it)
//! goes only to that host, and only when the user gives it: `--endpoint
//! sentry=https://sentry.example.com`.

use serde_json::Value;

use super::{Probe, Session, Target, host_name, push_unique, resource, str_of, strings};
use crate::scope::http::{ProbeError, Request, Response, Shape};
use crate::scope::{Level, Scope};

pub struct Sentry;

const ROOT: &str = "https://sentry.io";
const REGION: &str = "https://*.sentry.io";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/api/0/"),
    Shape::get(ROOT, "/api/0/organizations/"),
    Shape::get(REGION, "/api/0/"),
    Shape::get(REGION, "/api/0/organizations/"),
];

/// The payload of an organization token: `sntrys_<base64 JSON>_<secret>`.
pub fn org_token_payload(token: &str) -> Option<Value> {
    let body = token.strip_prefix("sntrys_")?;
    let (b64, _) = body.rsplit_once('_')?;
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64.trim_end_matches('=')))
        .ok()?;
    serde_json::from_slice(&raw).ok()
}

impl Probe for Sentry {
    fn provider(&self) -> &'static str {
        "sentry"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["sentry.org-auth-token", "sentry.user-auth-token", "sentry.auth-token-legacy"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let payload = org_token_payload(token);
        let url = payload.as_ref().and_then(|p| str_of(p, "url")).or(t.part("url"));
        let host = url.map(host_name);
        let sentry_host = |h: &str| h == "sentry.io" || h.ends_with(".sentry.io");
        match host {
            Some(h) if !sentry_host(h) => s.own_host(
                Some(h),
                &["sentry.io"],
                "a self-hosted Sentry: pass --endpoint sentry=https://{host} to probe it there",
            )?,
            _ => {}
        }
        // Organization tokens name their region (`https://us.sentry.io`).
        let region = payload.as_ref().and_then(|p| str_of(p, "region_url")).map(host_name).filter(|h| {
            h.ends_with(".sentry.io")
                && h.split('.').count() == 3
                && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
        });
        let root = region.map_or_else(|| ROOT.to_string(), |h| format!("https://{h}"));
        let get = |path: &str| s.send(&Request::get(&root, path).bearer(token));
        let index = get("/api/0/")?.ok()?.json()?;
        let scopes =
            index.pointer("/auth/scopes").map(|_| strings(index.get("auth").unwrap_or(&Value::Null), "scopes"));
        if let Some(user) = index.get("user").filter(|u| u.is_object()) {
            scope.identity = str_of(user, "email").or(str_of(user, "username")).map(str::to_string);
        }
        if let Some(org) = payload.as_ref().and_then(|p| str_of(p, "org")) {
            push_unique(&mut scope.resources, resource("sentry", "org", org));
            scope.identity.get_or_insert_with(|| format!("organization token of {org}"));
        }
        match scopes {
            Some(scopes) => classify(&scopes, scope),
            None if token.starts_with("sntrys_") => classify(&["org:ci".to_string()], scope),
            None => scope.notes.push("its scopes are not visible".into()),
        }
        let listing = get("/api/0/organizations/")?;
        if listing.is_success() {
            for org in listing.json()?.as_array().into_iter().flatten() {
                if let Some(slug) = str_of(org, "slug") {
                    push_unique(&mut scope.resources, resource("sentry", "org", slug));
                }
            }
        } else if !permission_error(&listing) {
            listing.ok()?;
        }
        Ok(())
    }
}

/// Sentry's answer to a token without the scope a listing needs: 403 with a JSON `detail`.
fn permission_error(r: &Response) -> bool {
    r.status == 403 && r.json().ok().is_some_and(|v| v.get("detail").is_some())
}

fn classify(scopes: &[String], scope: &mut Scope) {
    let has = |suffix: &str| scopes.iter().any(|s| s.ends_with(suffix));
    scope.level = if has(":admin") {
        Level::Admin
    } else if has(":write") || has(":releases") || has("org:ci") {
        Level::Write
    } else if scopes.is_empty() {
        Level::None
    } else {
        Level::Read
    };
    scope.destructive = Some(has(":admin") || scopes.iter().any(|s| s == "event:write" || s == "project:releases"));
    if scopes.iter().any(|s| s == "org:ci") {
        scope.notes.push("organization token (org:ci): creates releases and uploads source maps".into());
    }
    scope.permissions = scopes.to_vec();
}
