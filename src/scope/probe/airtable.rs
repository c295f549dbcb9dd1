//! Airtable (https://airtable.com/developers/web/api/get-user-id-scopes): `GET
//! /v0/meta/whoami` answers with a token's user and scopes, and `GET /v0/meta/bases` (with
//! `schema.bases:read`) lists the bases it reaches with its permission level on each.

use super::{Probe, Session, Target, items, looks_production, push_unique, resource, set_production, str_of, strings};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Airtable;

const ROOT: &str = "https://api.airtable.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v0/meta/whoami"), Shape::get(ROOT, "/v0/meta/bases")];

impl Probe for Airtable {
    fn provider(&self) -> &'static str {
        "airtable"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["airtable.personal-access-token", "airtable.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let me = s.json(&Request::get(ROOT, "/v0/meta/whoami").bearer(token))?;
        let id = str_of(&me, "id").ok_or_else(|| ProbeError::Unexpected("no user id".into()))?;
        scope.identity = Some(str_of(&me, "email").unwrap_or(id).to_string());
        let scopes = strings(&me, "scopes");
        let has = |f: &dyn Fn(&str) -> bool| scopes.iter().any(|s| f(s));
        scope.level = if has(&|s| s.starts_with("workspacesAndBases:manage") || s == "enterprise.account:write") {
            Level::Admin
        } else if scopes.is_empty() || has(&|s| s.ends_with(":write") || s.ends_with(":manage")) {
            Level::Write
        } else {
            Level::Read
        };
        scope.destructive = Some(scopes.is_empty() || has(&|s| s == "data.records:write" || s == "schema.bases:write"));
        if scopes.is_empty() {
            scope.notes.push("no scopes listed (a legacy API key): every permission of its user".into());
        }
        scope.permissions = scopes;
        if let Ok(bases) = s.json(&Request::get(ROOT, "/v0/meta/bases").bearer(token)) {
            for base in items(&bases, "bases") {
                let Some(name) = str_of(base, "name") else { continue };
                push_unique(&mut scope.resources, resource("airtable", "base", name));
                if looks_production(name) {
                    set_production(scope, true);
                }
                if str_of(base, "permissionLevel") == Some("create") && scope.level == Level::Write {
                    scope.notes.push(format!("creator of base {name}"));
                }
            }
        }
        Ok(())
    }
}
