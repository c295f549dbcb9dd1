//! Cloudflare (cloud.md, "Cloudflare"): `GET /user/tokens/verify` (status, expiry), then
//! the token's own policies when it may read them (`/user/tokens/{id}`), else the accounts
//! and zones it reaches. A global API key (the user's master key) is sent with the account
//! email found next to it (`X-Auth-Email` + `X-Auth-Key`): `GET /user` names the user,
//! then the accounts and zones it reaches.

use serde_json::Value;

use super::{Probe, Session, Target, items, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Activity, Level, Scope};

pub struct Cloudflare;

const ROOT: &str = "https://api.cloudflare.com/client/v4";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/user/tokens/verify"),
    Shape::get(ROOT, "/user/tokens/*"),
    Shape::get(ROOT, "/accounts"),
    Shape::get(ROOT, "/zones"),
    Shape::get(ROOT, "/user"),
];

const ADMIN_GROUPS: &[&str] =
    &["API Tokens Write", "Account Settings Write", "Memberships Write", "User Details Write"];
const DESTRUCTIVE_WORDS: &[&str] = &["DNS", "Zone", "Workers", "R2", "D1", "KV", "Billing", "API Tokens"];

impl Probe for Cloudflare {
    fn provider(&self) -> &'static str {
        "cloudflare"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "cloudflare.user-token",
            "cloudflare.account-token",
            "cloudflare.api-token-env",
            "cloudflare.global-key",
            "cloudflare.global-key-env",
            "cloudflare.global-key-header",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if t.rule_id.starts_with("cloudflare.global-key") {
            return global_key(s, t, token, scope);
        }
        let get = |path: &str| s.json(&Request::get(ROOT, path).bearer(token));
        let verify = get("/user/tokens/verify")?;
        let result = verify.get("result").unwrap_or(&Value::Null);
        match str_of(result, "status") {
            Some("active") => {}
            Some(other) => {
                scope.active = Activity::Inactive;
                scope.notes.push(format!("Cloudflare reports the token {other}"));
            }
            None => return Err(ProbeError::Unexpected("no token status".into())),
        }
        scope.expires = str_of(result, "expires_on").map(str::to_string);
        let id = str_of(result, "id").unwrap_or("");
        let policies = if id.bytes().all(|b| b.is_ascii_alphanumeric()) && !id.is_empty() {
            get(&format!("/user/tokens/{id}")).ok()
        } else {
            None
        };
        match policies {
            Some(details) => classify(details.get("result").unwrap_or(&Value::Null), scope),
            None => scope.notes.push("its permission groups are not readable with the token itself".into()),
        }
        if let Ok(accounts) = get("/accounts?per_page=5") {
            for a in items(&accounts, "result") {
                if let Some(name) = str_of(a, "name") {
                    push_unique(&mut scope.resources, resource("cloudflare", "account", name));
                }
            }
        }
        if let Ok(zones) = get("/zones?per_page=5") {
            for z in items(&zones, "result") {
                if let Some(name) = str_of(z, "name") {
                    push_unique(&mut scope.resources, resource("cloudflare", "zone", name));
                }
            }
        }
        Ok(())
    }
}

/// A global API key with its account email: the user, then the accounts and zones.
fn global_key(s: &Session<'_>, t: &Target<'_>, key: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let email = t.companion_text().filter(|e| e.contains('@')).ok_or_else(|| {
        ProbeError::NotProbed("a global API key works only with its account email, not found next to it".into())
    })?;
    let get = |path: &str| s.json(&Request::get(ROOT, path).header("X-Auth-Email", email).header("X-Auth-Key", key));
    let user = get("/user")?;
    let result =
        user.get("result").filter(|r| r.is_object()).ok_or_else(|| ProbeError::Unexpected("no user".into()))?;
    scope.identity = str_of(result, "email").map(str::to_string);
    if result.get("suspended").and_then(Value::as_bool) == Some(true) {
        scope.active = Activity::Inactive;
        scope.notes.push("Cloudflare reports the user suspended".into());
    }
    scope.level = Level::Admin;
    scope.destructive = Some(true);
    set_production(scope, true);
    for (path, kind) in [("/accounts?per_page=20", "account"), ("/zones?per_page=20", "zone")] {
        if let Ok(list) = get(path) {
            for item in items(&list, "result") {
                if let Some(name) = str_of(item, "name") {
                    push_unique(&mut scope.resources, resource("cloudflare", kind, name));
                }
            }
        }
    }
    Ok(())
}

fn classify(details: &Value, scope: &mut Scope) {
    let mut groups = Vec::new();
    for policy in items(details, "policies") {
        if str_of(policy, "effect") == Some("deny") {
            continue;
        }
        for g in items(policy, "permission_groups") {
            if let Some(name) = str_of(g, "name") {
                groups.push(name.to_string());
            }
        }
    }
    let writes: Vec<&String> = groups.iter().filter(|g| g.ends_with("Write") || g.ends_with("Edit")).collect();
    scope.level = if groups.iter().any(|g| ADMIN_GROUPS.contains(&g.as_str())) {
        Level::Admin
    } else if !writes.is_empty() {
        Level::Write
    } else {
        Level::Read
    };
    let destructive: Vec<&&String> =
        writes.iter().filter(|g| DESTRUCTIVE_WORDS.iter().any(|w| g.contains(w))).collect();
    scope.destructive = Some(!destructive.is_empty());
    if !destructive.is_empty() {
        let names: Vec<&str> = destructive.iter().map(|g| g.as_str()).collect();
        scope.notes.push(format!("can delete or overwrite: {}", names.join(", ")));
        set_production(scope, true);
    }
    scope.permissions = groups;
}
