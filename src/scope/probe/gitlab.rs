//! GitLab (devplatforms.md, "GitLab"): `GET /personal_access_tokens/self` (scopes, expiry,
//! revoked/active), `/personal_access_tokens/self/associations` (groups and projects with
//! access levels) and `/user`. Self-managed: `--endpoint gitlab=https://HOST/api/v4`.
//!
//! A token filed under a host of its own (a glab `hosts:` key, a python-gitlab section's
//! `url`, `CI_SERVER_URL`, a git credential URL) goes to gitlab.com only when that host is
//! gitlab.com, and to a self-managed host only when the user gives it with `--endpoint`;
//! otherwise it is not probed, with the reason.

use serde_json::Value;

use super::{Probe, Session, Target, items, push_unique, raise, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Activity, Level, Scope};

pub struct Gitlab;

const ROOT: &str = "https://gitlab.com/api/v4";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/personal_access_tokens/self"),
    Shape::get(ROOT, "/personal_access_tokens/self/associations"),
    Shape::get(ROOT, "/user"),
];

const READ: &[&str] = &[
    "read_api",
    "read_user",
    "read_repository",
    "read_registry",
    "read_package_registry",
    "read_virtual_registry",
    "read_service_ping",
];

fn get(path: &str, token: &str) -> Request {
    Request::get(ROOT, path).header("PRIVATE-TOKEN", token)
}

impl Probe for Gitlab {
    fn provider(&self) -> &'static str {
        "gitlab"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["gitlab.pat-routable", "gitlab.pat"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        s.own_host(
            t.part("host"),
            &["gitlab.com"],
            "a self-managed GitLab: pass --endpoint gitlab=https://{host}/api/v4 to probe it there",
        )?;
        let info = s.json(&get("/personal_access_tokens/self", token))?;
        if info.get("revoked").and_then(Value::as_bool) == Some(true)
            || info.get("active").and_then(Value::as_bool) == Some(false)
        {
            scope.active = Activity::Inactive;
            scope.notes.push("GitLab reports the token revoked or inactive".into());
        }
        let scopes: Vec<String> = items(&info, "scopes").iter().filter_map(Value::as_str).map(str::to_string).collect();
        scope.level = if scopes.iter().any(|s| s == "sudo" || s == "admin_mode") {
            Level::Admin
        } else if scopes.iter().any(|s| !READ.contains(&s.as_str())) {
            Level::Write
        } else {
            Level::Read
        };
        scope.expires = str_of(&info, "expires_at").map(str::to_string);
        let api = scopes.iter().any(|s| s == "api");
        scope.destructive = Some(scopes.iter().any(|s| matches!(s.as_str(), "sudo" | "admin_mode" | "write_registry")));
        if scopes
            .iter()
            .any(|s| matches!(s.as_str(), "api" | "write_registry" | "write_package_registry" | "k8s_proxy"))
        {
            scope.notes.push("can change CI/CD variables, deployments or packages that reach production".into());
        }
        scope.notes.push(format!("token scopes: {}", scopes.join(", ")));
        scope.permissions = scopes;
        if let Ok(user) = s.json(&get("/user", token)) {
            scope.identity = str_of(&user, "username").map(str::to_string);
            if user.get("is_admin").and_then(Value::as_bool) == Some(true) {
                raise(scope, Level::Admin);
                scope.notes.push("belongs to an instance administrator".into());
            }
        }
        if let Ok(assoc) = s.json(&get("/personal_access_tokens/self/associations", token)) {
            associations(&assoc, api, scope);
        }
        Ok(())
    }
}

fn associations(assoc: &Value, api: bool, scope: &mut Scope) {
    let mut owner_or_maintainer = 0;
    for (key, kind, name_key) in [("groups", "group", "full_path"), ("projects", "project", "path_with_namespace")] {
        for item in items(assoc, key) {
            let name = str_of(item, name_key).or_else(|| str_of(item, "name")).unwrap_or("?");
            push_unique(&mut scope.resources, resource("gitlab", kind, name));
            let level = item
                .get("access_levels")
                .and_then(|a| a.get("project_access_level").or(a.get("group_access_level")))
                .and_then(Value::as_u64)
                .or_else(|| item.get("access_level").and_then(Value::as_u64))
                .unwrap_or(0);
            if level >= 40 {
                owner_or_maintainer += 1;
            }
        }
    }
    if api && owner_or_maintainer > 0 {
        raise(scope, Level::Admin);
        scope.destructive = Some(true);
        scope.notes.push(format!(
            "maintainer or owner of {owner_or_maintainer} groups or projects with api scope: can delete projects and packages"
        ));
    }
}
