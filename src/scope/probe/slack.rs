//! Slack (devplatforms.md, "Slack"): `POST https://slack.com/api/auth.test` (read-only, no
//! body) names the team, user and bot; the `x-oauth-scopes` header lists the token's scopes.
//! Never calls `auth.revoke`, token rotation or refresh.

use serde_json::Value;

use super::{Probe, Session, Target, header_list, push_unique, resource, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Slack;

const ROOT: &str = "https://slack.com/api";
static SHAPES: &[Shape] = &[Shape::post(ROOT, "/auth.test", BodyKind::None)];

impl Probe for Slack {
    fn provider(&self) -> &'static str {
        "slack"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["slack.bot-token", "slack.user-token", "slack.workspace-token", "slack.rotating-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if token.starts_with("https://") || token.starts_with("xoxe-") {
            return Err(ProbeError::NotProbed("webhooks and refresh tokens have no read-only check".into()));
        }
        let response = s.send(&Request::post(ROOT, "/auth.test", Body::None).bearer(token))?.ok()?;
        let body = response.json()?;
        if body.get("ok").and_then(Value::as_bool) != Some(true) {
            let error = str_of(&body, "error").unwrap_or("unknown").to_string();
            return Err(match error.as_str() {
                "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive" => {
                    ProbeError::Unauthorized(error)
                }
                "ratelimited" => ProbeError::RateLimited { retry_after: None },
                _ => ProbeError::Unexpected(format!("auth.test error {error}")),
            });
        }
        let team = str_of(&body, "team").unwrap_or("?");
        let user = str_of(&body, "user").unwrap_or("?");
        scope.identity = Some(format!("{user} in {team}"));
        push_unique(&mut scope.resources, resource("slack", "team", team));
        let scopes = header_list(&response, "x-oauth-scopes");
        scope.level = level(&scopes, token);
        scope.destructive = Some(scopes.iter().any(|s| {
            s.starts_with("admin")
                || matches!(s.as_str(), "channels:manage" | "groups:write" | "files:write" | "chat:write")
        }));
        if body.get("is_enterprise_install").and_then(Value::as_bool) == Some(true) {
            scope.level = Level::Admin;
            scope.notes.push("installed across an Enterprise Grid organisation".into());
        }
        if token.starts_with("xoxp-") {
            scope.notes.push("user token: acts as the person".into());
        }
        scope.permissions = scopes;
        Ok(())
    }
}

fn level(scopes: &[String], token: &str) -> Level {
    if scopes.iter().any(|s| s.starts_with("admin") || s == "client") {
        Level::Admin
    } else if scopes
        .iter()
        .any(|s| s.contains(":write") || matches!(s.as_str(), "incoming-webhook" | "commands" | "channels:manage"))
    {
        Level::Write
    } else if scopes.is_empty() {
        if token.starts_with("xoxp-") { Level::Write } else { Level::Unknown }
    } else {
        Level::Read
    }
}
