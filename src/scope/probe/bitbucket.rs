//! Bitbucket Cloud (devplatforms.md, "Bitbucket Cloud"): `GET /2.0/repositories?role=member`
//! answers with the credential's scopes (`x-oauth-scopes`) and kind (`x-credential-type`)
//! in headers and lists the repositories it reaches; `GET /2.0/user` names the account.
//! Repository, project and workspace access tokens (`ATCT`) are bearer tokens; app
//! passwords (`ATBB`) need the Bitbucket username found next to them.

use super::{Probe, Session, Target, header_list, items, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Bitbucket;

const ROOT: &str = "https://api.bitbucket.org";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/2.0/repositories"), Shape::get(ROOT, "/2.0/user")];

impl Probe for Bitbucket {
    fn provider(&self) -> &'static str {
        "bitbucket"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["bitbucket.access-token", "bitbucket.app-password"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let secret = t.secret_text()?;
        let auth = |r: Request| -> Result<Request, ProbeError> {
            if secret.starts_with("ATBB") {
                let user = t.part("username").ok_or_else(|| {
                    ProbeError::NotProbed(
                        "an app password works only with its Bitbucket username, not found next to it".into(),
                    )
                })?;
                Ok(r.basic(user, secret))
            } else {
                Ok(r.bearer(secret))
            }
        };
        let response = s.send(&auth(Request::get(ROOT, "/2.0/repositories?role=member&pagelen=50"))?)?.ok()?;
        let scopes = header_list(&response, "x-oauth-scopes");
        let kind = response.header("x-credential-type").unwrap_or("").to_string();
        let repos = response.json()?;
        if repos.get("values").is_none() {
            return Err(ProbeError::Unexpected("no repository list".into()));
        }
        for repo in items(&repos, "values") {
            if let Some(name) = str_of(repo, "full_name") {
                push_unique(&mut scope.resources, resource("bitbucket", "repo", name));
            }
        }
        if let Ok(user) = s.json(&auth(Request::get(ROOT, "/2.0/user"))?) {
            scope.identity = str_of(&user, "username").or(str_of(&user, "display_name")).map(str::to_string);
        }
        classify(&scopes, scope);
        if !kind.is_empty() {
            scope.notes.push(format!("credential type: {}", kind.replace('_', " ")));
        }
        Ok(())
    }
}

/// Level from Bitbucket's scope names (`repository:write`, `admin:repository:bitbucket`, ...).
fn classify(scopes: &[String], scope: &mut Scope) {
    let has = |f: &dyn Fn(&str) -> bool| scopes.iter().any(|s| f(s));
    let admin = has(&|s| s.ends_with(":admin") || s.starts_with("admin:") || s == "account:write");
    let delete = has(&|s| s.ends_with(":delete") || s.starts_with("delete:"));
    let write = has(&|s| s.ends_with(":write") || s.starts_with("write:") || s == "webhook");
    scope.level = if admin {
        Level::Admin
    } else if write || delete {
        Level::Write
    } else if scopes.is_empty() {
        Level::Unknown
    } else {
        Level::Read
    };
    scope.destructive = if scopes.is_empty() { None } else { Some(delete || admin) };
    if has(&|s| s.starts_with("pipeline:") && s != "pipeline") {
        scope.notes.push("can run pipelines or change their variables: reaches deployments".into());
    }
    scope.permissions = scopes.to_vec();
}
