//! Asana (https://developers.asana.com/reference/getuser): `GET /api/1.0/users/me` names a
//! personal access token's user and the workspaces it reaches. A personal access token
//! has every permission of its user.

use super::{Probe, Session, Target, items, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Asana;

const ROOT: &str = "https://app.asana.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/api/1.0/users/me")];

impl Probe for Asana {
    fn provider(&self) -> &'static str {
        "asana"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["asana.personal-access-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let me = s.json(&Request::get(ROOT, "/api/1.0/users/me").bearer(token))?;
        let user = me.get("data").filter(|d| d.is_object()).ok_or_else(|| ProbeError::Unexpected("no user".into()))?;
        scope.identity = str_of(user, "email").or(str_of(user, "name")).map(str::to_string);
        for ws in items(user, "workspaces") {
            if let Some(name) = str_of(ws, "name") {
                push_unique(&mut scope.resources, resource("asana", "workspace", name));
            }
        }
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.notes.push("personal access token: every permission of its user; can delete tasks and projects".into());
        Ok(())
    }
}
