//! Vercel (cloud.md, "Vercel"): `GET /v5/user/tokens/current` tells a whole-account token
//! from a team token and gives its expiry; `/v2/user`, `/v2/teams` and `/v9/projects` give
//! the identity and what it reaches. No read-only token type exists: any working token can
//! deploy, change environment variables and delete projects in its scope.

use serde_json::Value;

use super::{Probe, Session, Target, items, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::time::rfc3339;
use crate::scope::{Level, Scope};

pub struct Vercel;

const ROOT: &str = "https://api.vercel.com";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/v2/user"),
    Shape::get(ROOT, "/v5/user/tokens/current"),
    Shape::get(ROOT, "/v2/teams"),
    Shape::get(ROOT, "/v9/projects"),
];

impl Probe for Vercel {
    fn provider(&self) -> &'static str {
        "vercel"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "vercel.personal-token",
            "vercel.integration-token",
            "vercel.app-access-token",
            "vercel.token-env",
            "vercel.cli-auth",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let get = |path: &str| s.json(&Request::get(ROOT, path).bearer(token));
        let current = get("/v5/user/tokens/current")?;
        let info = current.get("token").unwrap_or(&Value::Null);
        if let Some(ms) = info.get("expiresAt").and_then(Value::as_i64) {
            scope.expires = Some(rfc3339(ms / 1000));
        }
        let scopes = items(info, "scopes");
        let whole_account = scopes.is_empty() || scopes.iter().any(|sc| str_of(sc, "type") == Some("user"));
        scope.level = if whole_account { Level::Admin } else { Level::Write };
        scope.destructive = Some(true);
        scope.notes.push(if whole_account {
            "full-account token: can deploy, change environment variables and delete projects in every team".into()
        } else {
            "team token: can deploy, change environment variables and delete projects of its team".into()
        });
        if let Ok(user) = get("/v2/user") {
            let u = user.get("user").unwrap_or(&user);
            scope.identity = str_of(u, "username").or_else(|| str_of(u, "email")).map(str::to_string);
        }
        let mut teams = Vec::new();
        if let Ok(body) = get("/v2/teams?limit=20") {
            for team in items(&body, "teams") {
                let slug = str_of(team, "slug").or_else(|| str_of(team, "name")).unwrap_or("?");
                push_unique(&mut scope.resources, resource("vercel", "team", slug));
                if let Some(id) = str_of(team, "id") {
                    teams.push(id.to_string());
                }
            }
        }
        let team_ids: Vec<String> = scopes.iter().filter_map(|sc| str_of(sc, "teamId")).map(str::to_string).collect();
        let mut projects = 0;
        for team in std::iter::once(None).chain(team_ids.iter().chain(&teams).take(5).map(Some)) {
            let path = match team {
                Some(id) => format!("/v9/projects?limit=20&teamId={id}"),
                None => "/v9/projects?limit=20".into(),
            };
            if let Ok(body) = get(&path) {
                for p in items(&body, "projects") {
                    if let Some(name) = str_of(p, "name") {
                        projects += 1;
                        push_unique(&mut scope.resources, resource("vercel", "project", name));
                    }
                }
            }
        }
        if projects > 0 {
            set_production(scope, true);
            scope.notes.push(format!("reaches {projects} projects that serve production deployments"));
        }
        Ok(())
    }
}
