//! Hugging Face (devplatforms.md): `GET /api/whoami-v2` gives the user, their organisations
//! with roles, and the token's role (`read`, `write` or `fineGrained` with its permissions).

use serde_json::Value;

use super::{Probe, Session, Target, items, push_unique, raise, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Huggingface;

const ROOT: &str = "https://huggingface.co";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/api/whoami-v2")];

impl Probe for Huggingface {
    fn provider(&self) -> &'static str {
        "huggingface"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["huggingface.access-token", "huggingface.org-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let me = s.json(&Request::get(ROOT, "/api/whoami-v2").bearer(token))?;
        scope.identity = str_of(&me, "name").map(str::to_string);
        let access = me.get("auth").and_then(|a| a.get("accessToken")).unwrap_or(&Value::Null);
        let role = str_of(access, "role").unwrap_or("");
        let mut admin_orgs = Vec::new();
        for org in items(&me, "orgs") {
            let name = str_of(org, "name").unwrap_or("?");
            push_unique(&mut scope.resources, resource("huggingface", "org", name));
            if str_of(org, "roleInOrg") == Some("admin") {
                admin_orgs.push(name.to_string());
            }
        }
        match role {
            "read" => scope.level = Level::Read,
            "write" => {
                scope.level = Level::Write;
                scope.destructive = Some(true);
                if !admin_orgs.is_empty() {
                    raise(scope, Level::Admin);
                    scope.notes.push(format!("write token of an admin of {}", admin_orgs.join(", ")));
                }
            }
            "fineGrained" => fine_grained(access.get("fineGrained").unwrap_or(&Value::Null), scope),
            _ => scope.notes.push("token role not reported".into()),
        }
        Ok(())
    }
}

fn fine_grained(fg: &Value, scope: &mut Scope) {
    let mut perms: Vec<String> = items(fg, "global").iter().filter_map(Value::as_str).map(str::to_string).collect();
    for scoped in items(fg, "scoped") {
        let entity = scoped.get("entity").and_then(|e| str_of(e, "name")).unwrap_or("?");
        for p in items(scoped, "permissions").iter().filter_map(Value::as_str) {
            perms.push(format!("{entity}:{p}"));
        }
    }
    scope.level = if perms.iter().any(|p| p.ends_with("org.write")) {
        Level::Admin
    } else if perms.iter().any(|p| p.ends_with(".write")) {
        Level::Write
    } else {
        Level::Read
    };
    scope.destructive = Some(perms.iter().any(|p| p.ends_with("repo.write") || p.ends_with("org.write")));
    scope.permissions = perms;
}
