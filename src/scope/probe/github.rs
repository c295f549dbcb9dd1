//! GitHub (devplatforms.md, "GitHub"): `GET /user` gives the identity, classic scopes in
//! `X-OAuth-Scopes` and the expiry header; installation tokens (`ghs_`) list their
//! repositories; repositories and organisations reached come from `/user/repos` and
//! `/user/orgs`. GitHub Enterprise Server: `--endpoint github=https://HOST/api/v3`.

use serde_json::Value;

use super::{Probe, Session, Target, items, push_unique, raise, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Github;

const ROOT: &str = "https://api.github.com";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/user"),
    Shape::get(ROOT, "/user/repos"),
    Shape::get(ROOT, "/user/orgs"),
    Shape::get(ROOT, "/installation/repositories"),
];

const READ: &[&str] = &[
    "read:org",
    "read:user",
    "user:email",
    "read:public_key",
    "read:repo_hook",
    "read:gpg_key",
    "read:packages",
    "read:project",
    "read:audit_log",
    "read:enterprise",
    "read:discussion",
];
const DESTRUCTIVE: &[&str] = &["delete_repo", "delete:packages", "manage_billing:enterprise", "repo"];
const PRODUCTION: &[&str] =
    &["workflow", "repo", "write:packages", "repo_deployment", "admin:org", "manage_runners:enterprise"];

fn get(path: &str, token: &str) -> Request {
    Request::get(ROOT, path)
        .bearer(token)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
}

/// The level classic scopes give.
pub fn scope_level(scopes: &[String]) -> Level {
    if scopes.iter().any(|s| s.starts_with("admin:") || s == "site_admin" || s.starts_with("manage_")) {
        Level::Admin
    } else if scopes.iter().any(|s| !READ.contains(&s.as_str())) {
        Level::Write
    } else if scopes.is_empty() {
        Level::None
    } else {
        Level::Read
    }
}

impl Probe for Github {
    fn provider(&self) -> &'static str {
        "github"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "github.classic-pat",
            "github.fine-grained-pat",
            "github.oauth-token",
            "github.app-user-token",
            "github.installation-token",
            "github.installation-token-jwt",
            "github.legacy-token",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if token.starts_with("ghs_") {
            return installation(s, token, scope);
        }
        let response = s.send(&get("/user", token))?.ok()?;
        let user = response.json()?;
        let login = str_of(&user, "login").unwrap_or("?").to_string();
        scope.identity = Some(login.clone());
        if let Some(expiry) = response.header("github-authentication-token-expiration") {
            scope.expires = Some(expiry.to_string());
        }
        match response.header("x-oauth-scopes") {
            Some(header) => classic(header, scope),
            None => {
                scope.level = Level::Write;
                scope.notes.push("fine-grained or app token: permissions are not visible; counted as write".into());
            }
        }
        if user.get("site_admin").and_then(Value::as_bool) == Some(true) {
            scope.level = Level::Admin;
            scope.notes.push("site administrator of this GitHub Enterprise instance".into());
        }
        repositories(s, token, &login, scope)?;
        if let Ok(orgs) = s.json(&get("/user/orgs?per_page=100", token)) {
            for org in orgs.as_array().into_iter().flatten() {
                if let Some(name) = str_of(org, "login") {
                    push_unique(&mut scope.resources, resource("github", "org", name));
                }
            }
        }
        Ok(())
    }
}

fn classic(header: &str, scope: &mut Scope) {
    let scopes: Vec<String> = header.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    scope.level = scope_level(&scopes);
    let destructive: Vec<&String> =
        scopes.iter().filter(|s| DESTRUCTIVE.contains(&s.as_str()) || s.starts_with("admin:")).collect();
    scope.destructive = Some(!destructive.is_empty());
    if scopes.iter().any(|s| s == "delete_repo") {
        scope.notes.push("can delete repositories (delete_repo)".into());
    } else if !destructive.is_empty() {
        let names: Vec<&str> = destructive.iter().map(|s| s.as_str()).collect();
        scope.notes.push(format!("can delete or overwrite data ({})", names.join(", ")));
    }
    if scopes.iter().any(|s| PRODUCTION.contains(&s.as_str())) {
        scope.notes.push("can change workflows, deployments or packages that reach production".into());
    }
    scope.notes.push(format!("classic token with scopes: {}", if scopes.is_empty() { "none" } else { header }));
    scope.permissions = scopes;
}

fn repositories(s: &Session<'_>, token: &str, login: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let Ok(repos) = s.json(&get("/user/repos?per_page=100&sort=pushed", token)) else { return Ok(()) };
    let repos = repos.as_array().cloned().unwrap_or_default();
    let mut admin = 0;
    for repo in &repos {
        if let Some(name) = str_of(repo, "full_name") {
            push_unique(&mut scope.resources, resource("github", "repo", name));
            if let Some(owner) = name.split('/').next().filter(|o| *o != login) {
                push_unique(&mut scope.resources, resource("github", "org", owner));
            }
        }
        if repo.get("permissions").and_then(|p| p.get("admin")).and_then(Value::as_bool) == Some(true) {
            admin += 1;
        }
    }
    if admin > 0 && scope.permissions.iter().any(|p| p == "repo" || p == "delete_repo") {
        raise(scope, Level::Admin);
        scope.notes.push(format!("admin rights on {admin} of {} repositories reached", repos.len()));
    }
    Ok(())
}

fn installation(s: &Session<'_>, token: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let body = s.json(&get("/installation/repositories?per_page=100", token))?;
    let repos = items(&body, "repositories");
    for repo in repos {
        if let Some(name) = str_of(repo, "full_name") {
            push_unique(&mut scope.resources, resource("github", "repo", name));
            if let Some(owner) = name.split('/').next() {
                push_unique(&mut scope.resources, resource("github", "org", owner));
            }
        }
    }
    let total = body.get("total_count").and_then(Value::as_u64).unwrap_or(repos.len() as u64);
    scope.identity = Some("GitHub App installation".into());
    scope.level = Level::Write;
    scope.notes.push(format!("app installation token: reaches {total} repositories; expires within an hour"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_scopes_map_to_levels() {
        let l = |s: &[&str]| scope_level(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(l(&[]), Level::None);
        assert_eq!(l(&["read:org", "read:user"]), Level::Read);
        assert_eq!(l(&["repo", "read:org"]), Level::Write);
        assert_eq!(l(&["admin:org"]), Level::Admin);
    }
}
