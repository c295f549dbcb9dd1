//! GitHub (devplatforms.md, "GitHub"): `GET /user` gives the identity, classic scopes in
//! `X-OAuth-Scopes` and the expiry header; installation tokens (`ghs_`) list their
//! repositories; repositories and organisations reached come from `/user/repos` and
//! `/user/orgs`. A GitHub App private key signs a ten-minute app JWT (RS256, issued by the
//! app id next to it) for `GET /app` (the app, its owner and permissions) and `GET
//! /app/installations` (where it is installed, with what); never the installation
//! access-token endpoint, which mints tokens.
//!
//! A token filed under a host of its own (a `~/.config/gh/hosts.yml` key, a git credential
//! URL, `GH_HOST`) goes to api.github.com only when that host is github.com; a GitHub
//! Enterprise Cloud data-residency host (`SUB.ghe.com`) to its own `api.SUB.ghe.com`; a
//! GitHub Enterprise Server host only when the user gives it: `--endpoint
//! github=https://HOST/api/v3`. Otherwise it is not probed, with the reason.

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

use super::{Probe, Session, Target, items, push_unique, raise, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Github;

const ROOT: &str = "https://api.github.com";
const GHE_COM: &str = "https://api.*.ghe.com";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/user"),
    Shape::get(ROOT, "/user/repos"),
    Shape::get(ROOT, "/user/orgs"),
    Shape::get(ROOT, "/installation/repositories"),
    Shape::get(ROOT, "/app"),
    Shape::get(ROOT, "/app/installations"),
    Shape::get(GHE_COM, "/user"),
    Shape::get(GHE_COM, "/user/repos"),
    Shape::get(GHE_COM, "/user/orgs"),
    Shape::get(GHE_COM, "/installation/repositories"),
    Shape::get(GHE_COM, "/app"),
    Shape::get(GHE_COM, "/app/installations"),
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

fn get(root: &str, path: &str, token: &str) -> Request {
    Request::get(root, path)
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
            "github.app-private-key",
            "github.app-private-key-env",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let root = api_root(s, t.part("host"))?;
        let root = root.as_str();
        if t.rule_id.starts_with("github.app-private-key") {
            return app(s, root, t, scope);
        }
        let token = t.secret_text()?;
        if token.starts_with("ghs_") {
            return installation(s, root, token, scope);
        }
        let response = s.send(&get(root, "/user", token))?.ok()?;
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
        repositories(s, root, token, &login, scope)?;
        if let Ok(orgs) = s.json(&get(root, "/user/orgs?per_page=100", token)) {
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

fn repositories(s: &Session<'_>, root: &str, token: &str, login: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let Ok(repos) = s.json(&get(root, "/user/repos?per_page=100&sort=pushed", token)) else { return Ok(()) };
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

fn installation(s: &Session<'_>, root: &str, token: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let body = s.json(&get(root, "/installation/repositories?per_page=100", token))?;
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

/// The API root for a token filed under `host`: api.github.com for github.com (or no
/// known host), `api.SUB.ghe.com` for a data-residency host, and for any other host only
/// the user's endpoint naming it (checked by [`Session::own_host`]).
fn api_root(s: &Session<'_>, host: Option<&str>) -> Result<String, ProbeError> {
    let host = host.map(super::host_name).map(str::to_ascii_lowercase);
    if let Some(h) = host.as_deref() {
        let sub = h.strip_prefix("api.").unwrap_or(h).strip_suffix(".ghe.com");
        if let Some(sub) = sub.filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
            let api = format!("api.{sub}.ghe.com");
            s.own_host(Some(h), &[h, api.as_str()], "")?;
            return Ok(format!("https://{api}"));
        }
    }
    s.own_host(
        host.as_deref(),
        &["github.com", "api.github.com"],
        "a GitHub Enterprise Server host: pass --endpoint github=https://{host}/api/v3 to probe it there",
    )?;
    Ok(ROOT.to_string())
}

/// Permissions that administer the owner's repositories or organization.
const APP_ADMIN: &[&str] = &["administration", "organization_administration", "members", "organization_secrets"];
/// Permissions whose write reaches deployments and production.
const APP_PRODUCTION: &[&str] = &["actions", "deployments", "environments", "secrets", "workflows", "packages"];

/// A GitHub App private key: the app and its installations, with an app JWT.
fn app(s: &Session<'_>, root: &str, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
    let app_id =
        t.part("app_id").filter(|a| a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')).ok_or_else(|| {
            ProbeError::NotProbed("the app id (or client id) was not found next to the private key".into())
        })?;
    let jwt = app_jwt(t.secret_text()?, app_id, crate::scope::time::now())?;
    let info = s.json(&get(root, "/app", &jwt))?;
    let slug = str_of(&info, "slug").ok_or_else(|| ProbeError::Unexpected("no app slug".into()))?;
    let owner = info.get("owner").and_then(|o| str_of(o, "login")).unwrap_or("?");
    scope.identity = Some(format!("GitHub App {slug} (owner {owner})"));
    let mut permissions: Vec<(String, String)> = Vec::new();
    let mut note = |perms: &Value| {
        for (k, v) in perms.as_object().into_iter().flatten() {
            let entry = (k.clone(), v.as_str().unwrap_or("").to_string());
            if !permissions.contains(&entry) {
                permissions.push(entry);
            }
        }
    };
    note(info.get("permissions").unwrap_or(&Value::Null));
    let installs = s.json(&get(root, "/app/installations?per_page=100", &jwt))?;
    let installs = installs.as_array().cloned().unwrap_or_default();
    for i in &installs {
        if let Some(account) = i.get("account").and_then(|a| str_of(a, "login")) {
            push_unique(&mut scope.resources, resource("github", "org", account));
        }
        note(i.get("permissions").unwrap_or(&Value::Null));
        if str_of(i, "repository_selection") == Some("all") {
            let who = i.get("account").and_then(|a| str_of(a, "login")).unwrap_or("?");
            scope.notes.push(format!("installed on every repository of {who}"));
        }
    }
    let writes =
        |list: &[&str]| permissions.iter().any(|(k, v)| list.contains(&k.as_str()) && (v == "write" || v == "admin"));
    let any_write = permissions.iter().any(|(_, v)| v == "write" || v == "admin");
    scope.level = if writes(APP_ADMIN) {
        Level::Admin
    } else if any_write {
        Level::Write
    } else if permissions.is_empty() {
        Level::None
    } else {
        Level::Read
    };
    scope.destructive = Some(writes(APP_ADMIN) || writes(&["contents", "packages"]));
    if writes(APP_PRODUCTION) {
        scope.notes.push("can change workflows, deployments, environments or secrets that reach production".into());
    }
    scope.notes.push(format!(
        "app private key: mints installation tokens on {} installations with these permissions",
        installs.len()
    ));
    scope.permissions = permissions.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
    Ok(())
}

/// An app JWT: RS256, issued a minute ago (clock drift), expiring in nine minutes.
fn app_jwt(pem: &str, app_id: &str, now: i64) -> Result<String, ProbeError> {
    let pem = pem.replace("\\n", "\n").replace("\\r", "");
    let (label_pkcs1, body) = match pem.split_once("-----BEGIN RSA PRIVATE KEY-----") {
        Some((_, rest)) => (true, rest.split("-----END RSA PRIVATE KEY-----").next().unwrap_or("")),
        None => (
            false,
            pem.split("-----BEGIN PRIVATE KEY-----").nth(1).and_then(|r| r.split("-----END").next()).unwrap_or(""),
        ),
    };
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| ProbeError::NotProbed("the private key does not parse".into()))?;
    let key = if label_pkcs1 { RsaKeyPair::from_der(&der) } else { RsaKeyPair::from_pkcs8(&der) }
        .map_err(|_| ProbeError::NotProbed("the private key is not an RSA key".into()))?;
    let b64url = |d: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
    let iss: Value = app_id.parse::<u64>().map_or_else(|_| json!(app_id), |n| json!(n));
    let claims = json!({"iat": now - 60, "exp": now + 540, "iss": iss});
    let input = format!("{}.{}", b64url(br#"{"alg":"RS256","typ":"JWT"}"#), b64url(claims.to_string().as_bytes()));
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature)
        .map_err(|_| ProbeError::NotProbed("signing with the private key failed".into()))?;
    Ok(format!("{input}.{}", b64url(&signature)))
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
