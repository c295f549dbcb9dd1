//! CircleCI (devplatforms.md, "CircleCI"): `GET /api/v2/me` names a personal token's user
//! and `GET /api/v2/me/collaborations` the organizations it reaches. A personal token has
//! every permission of its user: trigger pipelines, read and change project environment
//! variables and contexts. Project tokens (`CCIPRJ_`) answer only project-scoped v1.1
//! calls and are not sent.
//!
//! A token filed under a CircleCI server host (the CLI's `host:`) goes only to that host,
//! and only when the user gives it: `--endpoint circleci=https://circleci.example.com`.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Circleci;

const ROOT: &str = "https://circleci.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/api/v2/me"), Shape::get(ROOT, "/api/v2/me/collaborations")];

impl Probe for Circleci {
    fn provider(&self) -> &'static str {
        "circleci"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["circleci.personal-token", "circleci.legacy-token", "circleci.cli-config"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        s.own_host(
            t.part("host"),
            &["circleci.com", "app.circleci.com"],
            "a CircleCI server host: pass --endpoint circleci=https://{host} to probe it there",
        )?;
        let get = |path: &str| s.json(&Request::get(ROOT, path).header("Circle-Token", token));
        let me = get("/api/v2/me")?;
        let login = str_of(&me, "login").ok_or_else(|| ProbeError::Unexpected("no login".into()))?;
        scope.identity = Some(login.to_string());
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.notes.push(
            "personal token: every permission of its user: triggers pipelines, changes environment variables and contexts".into(),
        );
        if let Ok(orgs) = get("/api/v2/me/collaborations") {
            for org in orgs.as_array().into_iter().flatten() {
                if let Some(slug) = str_of(org, "slug").or(str_of(org, "name")) {
                    push_unique(&mut scope.resources, resource("circleci", "org", slug));
                }
            }
        }
        Ok(())
    }
}
