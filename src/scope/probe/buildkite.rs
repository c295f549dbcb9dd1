//! Buildkite: `GET /v2/access-token` answers with an API access token's own scopes
//! (https://buildkite.com/docs/apis/rest-api/access-token), and `GET /v2/organizations`
//! lists the organizations it reaches when it may read them. Agent and job tokens are
//! not API tokens and are not sent.

use super::{Probe, Session, Target, push_unique, resource, str_of, strings};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Buildkite;

const ROOT: &str = "https://api.buildkite.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v2/access-token"), Shape::get(ROOT, "/v2/organizations")];

impl Probe for Buildkite {
    fn provider(&self) -> &'static str {
        "buildkite"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["buildkite.api-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let info = s.json(&Request::get(ROOT, "/v2/access-token").bearer(token))?;
        if info.get("scopes").is_none() {
            return Err(ProbeError::Unexpected("no scopes in the access-token answer".into()));
        }
        let scopes = strings(&info, "scopes");
        let has = |f: &dyn Fn(&str) -> bool| scopes.iter().any(|s| f(s));
        let graphql = has(&|s| s == "graphql");
        scope.level = if has(&|s| matches!(s, "write_organizations" | "write_teams" | "write_suites")) {
            Level::Admin
        } else if graphql || has(&|s| s.starts_with("write_")) {
            Level::Write
        } else if scopes.is_empty() {
            Level::None
        } else {
            Level::Read
        };
        scope.destructive =
            Some(graphql || has(&|s| matches!(s, "write_pipelines" | "write_artifacts" | "write_teams")));
        if graphql {
            scope.notes.push("GraphQL scope: every permission of its user through the GraphQL API".into());
        }
        if has(&|s| s == "write_builds" || s == "write_pipelines") {
            scope.notes.push("can create builds and change pipelines: reaches deployments".into());
        }
        if let Some(user) = info.get("user") {
            scope.identity = str_of(user, "email").or(str_of(user, "name")).map(str::to_string);
        }
        scope.permissions = scopes;
        if let Ok(orgs) = s.json(&Request::get(ROOT, "/v2/organizations").bearer(token)) {
            for org in orgs.as_array().into_iter().flatten() {
                if let Some(slug) = str_of(org, "slug") {
                    push_unique(&mut scope.resources, resource("buildkite", "org", slug));
                }
            }
        }
        Ok(())
    }
}
