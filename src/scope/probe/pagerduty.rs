//! PagerDuty (https://developer.pagerduty.com/docs/authentication): `GET /users/me` names
//! the user and role behind a user API token; an account API key (no user) is checked
//! with `GET /abilities`. Whether an account key is read-only or full-access is not
//! visible to the key.

use super::{Probe, Session, Target, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Pagerduty;

const ROOT: &str = "https://api.pagerduty.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/users/me"), Shape::get(ROOT, "/abilities")];

impl Probe for Pagerduty {
    fn provider(&self) -> &'static str {
        "pagerduty"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["pagerduty.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let get = |path: &str| {
            Request::get(ROOT, path)
                .header("Authorization", format!("Token token={key}"))
                .header("Accept", "application/vnd.pagerduty+json;version=2")
        };
        if key.starts_with("u+") {
            let me = s.json(&get("/users/me"))?;
            let user =
                me.get("user").filter(|u| u.is_object()).ok_or_else(|| ProbeError::Unexpected("no user".into()))?;
            scope.identity = str_of(user, "email").or(str_of(user, "name")).map(str::to_string);
            let role = str_of(user, "role").unwrap_or("unknown");
            scope.level = match role {
                "owner" | "admin" => Level::Admin,
                "user" | "limited_user" | "manager" | "responder" => Level::Write,
                "observer" | "read_only_user" | "read_only_limited_user" | "restricted_access" => Level::Read,
                _ => Level::Unknown,
            };
            scope.destructive = Some(matches!(role, "owner" | "admin"));
            scope.notes.push(format!("user token of a PagerDuty {} (role {role})", role.replace('_', " ")));
            return Ok(());
        }
        let abilities = s.json(&get("/abilities"))?;
        if abilities.get("abilities").is_none() {
            return Err(ProbeError::Unexpected("no abilities".into()));
        }
        scope.identity = Some("account API key".into());
        scope.level = Level::Write;
        scope
            .notes
            .push("account API key: full-access or read-only is not visible to the key; counted as write".into());
        Ok(())
    }
}
