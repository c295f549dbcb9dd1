//! Render (cloud.md, "Render"): `GET /v1/owners` (workspaces the key reaches) and
//! `/v1/services`. Classic keys are not scoped and cannot be read-only.

use super::{Probe, Session, Target, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Render;

const ROOT: &str = "https://api.render.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v1/owners"), Shape::get(ROOT, "/v1/services")];

impl Probe for Render {
    fn provider(&self) -> &'static str {
        "render"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["render.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let get = |path: &str| s.json(&Request::get(ROOT, path).bearer(token).header("Accept", "application/json"));
        let owners = get("/v1/owners?limit=20")?;
        let owners: Vec<&serde_json::Value> =
            owners.as_array().into_iter().flatten().filter_map(|o| o.get("owner")).collect();
        scope.identity = owners.iter().find_map(|o| str_of(o, "email")).map(str::to_string);
        for o in &owners {
            if let Some(name) = str_of(o, "name") {
                push_unique(&mut scope.resources, resource("render", "workspace", name));
            }
        }
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.notes.push(format!(
            "API key: acts in all {} workspaces of its user; can delete services, Postgres instances and disks",
            owners.len()
        ));
        if let Ok(services) = get("/v1/services?limit=20") {
            let list: Vec<&serde_json::Value> =
                services.as_array().into_iter().flatten().filter_map(|x| x.get("service")).collect();
            for svc in &list {
                if let Some(name) = str_of(svc, "name") {
                    push_unique(&mut scope.resources, resource("render", "service", name));
                    if looks_production(name) {
                        set_production(scope, true);
                    }
                }
            }
        }
        Ok(())
    }
}
