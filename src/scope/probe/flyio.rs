//! Fly.io (cloud.md, "Fly.io"): the macaroon's caveats are decoded offline (organisation,
//! apps, action masks, validity window: `scope::decode`); online, the Machines API
//! (`GET https://api.machines.dev/v1/apps?org_slug=personal`) proves the token works and
//! lists the apps it reaches.

use super::{Probe, Session, Target, items, push_unique, raise, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Flyio;

const ROOT: &str = "https://api.machines.dev";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v1/apps")];

impl Probe for Flyio {
    fn provider(&self) -> &'static str {
        "flyio"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["flyio.macaroon", "flyio.user-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?.trim_start_matches("FlyV1 ");
        let auth = if token.starts_with("fo1_") { format!("Bearer {token}") } else { format!("FlyV1 {token}") };
        let body = s.json(&Request::get(ROOT, "/v1/apps?org_slug=personal").header("Authorization", auth))?;
        let apps = items(&body, "apps");
        for app in apps {
            if let Some(name) = str_of(app, "name") {
                push_unique(&mut scope.resources, resource("flyio", "app", name));
            }
        }
        if token.starts_with("fo1_") {
            raise(scope, Level::Admin);
            scope.destructive = Some(true);
            scope.notes.push("legacy user token: every organisation of the user".into());
        }
        scope.notes.push(format!("reaches {} apps in its personal organisation", apps.len()));
        Ok(())
    }
}
