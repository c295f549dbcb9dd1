//! DigitalOcean (cloud.md, "DigitalOcean"): `GET /v2/account`. A token's scopes are not
//! visible, so its level stays unknown (counted per the policy's `unknown_scope`); a
//! full-access token can destroy droplets, volumes and databases. Refresh tokens
//! (`dor_v1_`) are never used.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Activity, Scope};

pub struct Digitalocean;

const ROOT: &str = "https://api.digitalocean.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v2/account")];

impl Probe for Digitalocean {
    fn provider(&self) -> &'static str {
        "digitalocean"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["digitalocean.pat", "digitalocean.oauth-token", "digitalocean.token-env", "digitalocean.doctl-config"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if token.starts_with("dor_v1_") {
            return Err(ProbeError::NotProbed("OAuth refresh tokens are never used".into()));
        }
        let body = s.json(&Request::get(ROOT, "/v2/account").bearer(token))?;
        let account = body.get("account").unwrap_or(&body);
        scope.identity = str_of(account, "email").map(str::to_string);
        if let Some(team) = account.get("team").and_then(|t| str_of(t, "name")) {
            push_unique(&mut scope.resources, resource("digitalocean", "team", team));
        }
        if str_of(account, "status") == Some("locked") {
            scope.active = Activity::Inactive;
            scope.notes.push("the account is locked".into());
        }
        if account.get("droplet_limit").is_some() {
            scope.permissions.push("droplet:read".into());
        }
        scope.notes.push(
            "token scopes are not visible: a full-access token can destroy droplets, volumes and databases".into(),
        );
        Ok(())
    }
}
