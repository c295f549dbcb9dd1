//! Supabase (cloud.md, "Supabase"): project keys (`anon`, `service_role`, `sb_secret_`) are
//! classified offline from their JWT claims or prefix and not probed; a Management API
//! personal access token (`sbp_`) lists the organisations and projects it reaches with
//! `GET /v1/organizations` and `/v1/projects`.

use super::{Probe, Session, Target, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Supabase;

const ROOT: &str = "https://api.supabase.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v1/projects"), Shape::get(ROOT, "/v1/organizations")];

impl Probe for Supabase {
    fn provider(&self) -> &'static str {
        "supabase"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["supabase.access-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if !token.starts_with("sbp_") {
            return Err(ProbeError::NotProbed("project keys are classified from their format".into()));
        }
        let get = |path: &str| s.json(&Request::get(ROOT, path).bearer(token));
        let projects = get("/v1/projects")?;
        let list = projects.as_array().cloned().unwrap_or_default();
        for p in &list {
            if let Some(name) = str_of(p, "name") {
                push_unique(&mut scope.resources, resource("supabase", "project", name));
                if looks_production(name) {
                    set_production(scope, true);
                }
            }
        }
        if let Ok(orgs) = get("/v1/organizations") {
            for o in orgs.as_array().into_iter().flatten() {
                if let Some(name) = str_of(o, "name") {
                    push_unique(&mut scope.resources, resource("supabase", "organization", name));
                }
            }
        }
        scope.level = Level::Admin;
        scope.destructive = Some(true);
        scope.notes.push(format!(
            "personal access token: administers all {} projects of its user; can delete projects and run SQL",
            list.len()
        ));
        Ok(())
    }
}
