//! Postman (devplatforms.md, "Postman"): `GET /me` names an API key's user, team and roles.
//! A key has no scopes of its own: it acts as its user, whose collections and
//! environments often hold other secrets.

use super::{Probe, Session, Target, push_unique, resource, str_of, strings};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Postman;

const ROOT: &str = "https://api.getpostman.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/me")];

impl Probe for Postman {
    fn provider(&self) -> &'static str {
        "postman"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["postman.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let me = s.json(&Request::get(ROOT, "/me").header("X-Api-Key", key))?;
        let user = me.get("user").filter(|u| u.is_object()).ok_or_else(|| ProbeError::Unexpected("no user".into()))?;
        scope.identity = str_of(user, "email").or(str_of(user, "username")).map(str::to_string);
        if let Some(team) = str_of(user, "teamName").or(str_of(user, "teamDomain")) {
            push_unique(&mut scope.resources, resource("postman", "team", team));
        }
        let roles = strings(user, "roles");
        scope.level = if roles.iter().any(|r| r.contains("admin")) { Level::Admin } else { Level::Write };
        scope.destructive = Some(true);
        scope.notes.push("API key: every permission of its user; reads and deletes collections and environments (which often hold secrets)".into());
        scope.permissions = roles;
        Ok(())
    }
}
