//! Heroku (cloud.md, "Heroku"): `GET /account`, `/apps` and `/teams` with the version-3
//! Accept header. CLI and API tokens have the `global` scope: the whole account. Never
//! touches `/oauth/authorizations` (it returns token values).

use super::{Probe, Session, Target, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Heroku;

const ROOT: &str = "https://api.heroku.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/account"), Shape::get(ROOT, "/apps"), Shape::get(ROOT, "/teams")];

impl Probe for Heroku {
    fn provider(&self) -> &'static str {
        "heroku"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["heroku.api-token", "heroku.api-key", "heroku.netrc"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let get = |path: &str| {
            s.json(&Request::get(ROOT, path).bearer(token).header("Accept", "application/vnd.heroku+json; version=3"))
        };
        let account = get("/account")?;
        scope.identity = str_of(&account, "email").map(str::to_string);
        scope.level = Level::Admin;
        scope.destructive = Some(true);
        scope.notes.push("account token: can destroy apps and add-ons, including Heroku Postgres databases".into());
        if let Ok(apps) = get("/apps") {
            let names: Vec<&str> = apps.as_array().into_iter().flatten().filter_map(|a| str_of(a, "name")).collect();
            for n in &names {
                push_unique(&mut scope.resources, resource("heroku", "app", n));
            }
            if !names.is_empty() {
                set_production(scope, true);
                scope.notes.push(format!("reaches {} apps", names.len()));
            }
        }
        if let Ok(teams) = get("/teams") {
            for team in teams.as_array().into_iter().flatten() {
                if let Some(name) = str_of(team, "name") {
                    push_unique(&mut scope.resources, resource("heroku", "team", name));
                }
            }
        }
        Ok(())
    }
}
