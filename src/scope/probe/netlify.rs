//! Netlify (cloud.md, "Netlify"): `GET /api/v1/user`, `/accounts` and `/sites`. Personal
//! access tokens act as the user with no scope reduction.

use super::{Probe, Session, Target, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Netlify;

const ROOT: &str = "https://api.netlify.com/api/v1";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/user"), Shape::get(ROOT, "/accounts"), Shape::get(ROOT, "/sites")];

impl Probe for Netlify {
    fn provider(&self) -> &'static str {
        "netlify"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "netlify.personal-token",
            "netlify.cli-token",
            "netlify.oauth-token",
            "netlify.ui-token",
            "netlify.token-env",
            "netlify.cli-config",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let get = |path: &str| s.json(&Request::get(ROOT, path).bearer(token));
        let user = get("/user")?;
        scope.identity = str_of(&user, "email").or_else(|| str_of(&user, "full_name")).map(str::to_string);
        let build_token = token.starts_with("nfb_");
        scope.level = if build_token { Level::Write } else { Level::Admin };
        scope.destructive = Some(!build_token);
        scope.notes.push(if build_token {
            "build token: builds and deploys a site".into()
        } else {
            "acts as the user: can delete sites, deploys, DNS zones and environment variables".into()
        });
        if let Ok(accounts) = get("/accounts") {
            for a in accounts.as_array().into_iter().flatten() {
                if let Some(slug) = str_of(a, "slug").or_else(|| str_of(a, "name")) {
                    push_unique(&mut scope.resources, resource("netlify", "account", slug));
                }
            }
        }
        if let Ok(sites) = get("/sites?per_page=20") {
            let names: Vec<&str> = sites.as_array().into_iter().flatten().filter_map(|x| str_of(x, "name")).collect();
            for n in &names {
                push_unique(&mut scope.resources, resource("netlify", "site", n));
            }
            if !names.is_empty() {
                set_production(scope, true);
                scope.notes.push(format!("reaches {} sites serving production deploys", names.len()));
            }
        }
        Ok(())
    }
}
