//! Fastly (https://www.fastly.com/documentation/reference/api/auth-tokens/user/): `GET
//! /tokens/self` answers with a token's scope, services and expiry, and `GET
//! /current_user` with its user's role (`superuser`, `engineer`, `billing`, `user`).

use super::{Probe, Session, Target, push_unique, resource, str_of, strings};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Fastly;

const ROOT: &str = "https://api.fastly.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/tokens/self"), Shape::get(ROOT, "/current_user")];

impl Probe for Fastly {
    fn provider(&self) -> &'static str {
        "fastly"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["fastly.api-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let get = |path: &str| s.json(&Request::get(ROOT, path).header("Fastly-Key", token));
        let info = get("/tokens/self")?;
        let granted = str_of(&info, "scope").ok_or_else(|| ProbeError::Unexpected("no token scope".into()))?;
        let scopes: Vec<String> = granted.split_whitespace().map(str::to_string).collect();
        scope.expires = str_of(&info, "expires_at").map(str::to_string);
        let services = strings(&info, "services");
        for id in &services {
            push_unique(&mut scope.resources, resource("fastly", "service", id));
        }
        let role = get("/current_user").ok().and_then(|u| {
            scope.identity = str_of(&u, "login").map(str::to_string);
            str_of(&u, "role").map(str::to_string)
        });
        let global = scopes.iter().any(|s| s == "global");
        scope.level = match (global, role.as_deref()) {
            (true, Some("superuser")) => Level::Admin,
            (true, _) => Level::Write,
            (false, _) if scopes.iter().any(|s| s.starts_with("purge")) => Level::Write,
            _ => Level::Read,
        };
        scope.destructive = Some(global && role.as_deref() != Some("billing"));
        if global {
            scope.production = Some(true);
            scope.notes.push(format!(
                "global scope{}: changes and deletes services and their configuration",
                if services.is_empty() { " on every service" } else { "" }
            ));
        } else if scopes.iter().any(|s| s.starts_with("purge")) {
            scope.notes.push("can purge cached content (traffic hits the origins)".into());
        }
        scope.permissions = scopes;
        Ok(())
    }
}
