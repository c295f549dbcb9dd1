//! Okta (https://developer.okta.com/docs/guides/create-an-api-token/): an API token acts
//! with the admin roles of the user who made it. `GET /api/v1/users/me` names that user
//! and `GET /api/v1/users/{id}/roles` lists the roles. The org domain comes from next to
//! the token and must be an Okta one (`*.okta.com`, `*.oktapreview.com`,
//! `*.okta-emea.com`, `*.okta-gov.com`); a custom domain only with `--endpoint okta=…`.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Okta;

const SUFFIXES: &[&str] = &[".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com"];
static SHAPES: &[Shape] = &[
    Shape::get("https://*.okta.com", "/api/v1/users/me"),
    Shape::get("https://*.okta.com", "/api/v1/users/*/roles"),
    Shape::get("https://*.oktapreview.com", "/api/v1/users/me"),
    Shape::get("https://*.oktapreview.com", "/api/v1/users/*/roles"),
    Shape::get("https://*.okta-emea.com", "/api/v1/users/me"),
    Shape::get("https://*.okta-emea.com", "/api/v1/users/*/roles"),
    Shape::get("https://*.okta-gov.com", "/api/v1/users/me"),
    Shape::get("https://*.okta-gov.com", "/api/v1/users/*/roles"),
];

impl Probe for Okta {
    fn provider(&self) -> &'static str {
        "okta"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["okta.api-token", "okta.ssws-header"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let domain = t.part("domain").map(|d| super::host_name(d).to_ascii_lowercase()).unwrap_or_default();
        let official = SUFFIXES.iter().any(|sfx| {
            domain
                .strip_suffix(sfx)
                .is_some_and(|org| !org.is_empty() && org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        });
        if !official {
            if domain.is_empty() {
                return Err(ProbeError::NotProbed("no Okta org domain next to the token".into()));
            }
            s.own_host(
                Some(&domain),
                &[],
                "not an Okta domain: pass --endpoint okta=https://{host} to probe it there",
            )?;
        }
        let root = format!("https://{domain}");
        let get = |path: &str| s.json(&Request::get(&root, path).header("Authorization", format!("SSWS {token}")));
        let me = get("/api/v1/users/me")?;
        let id = str_of(&me, "id").filter(|i| i.bytes().all(|b| b.is_ascii_alphanumeric()));
        let id = id.ok_or_else(|| ProbeError::Unexpected("no user id".into()))?;
        scope.identity = me.pointer("/profile/login").and_then(|l| l.as_str()).map(str::to_string);
        push_unique(&mut scope.resources, resource("okta", "org", &domain));
        let roles = get(&format!("/api/v1/users/{id}/roles"))?;
        let roles: Vec<String> =
            roles.as_array().into_iter().flatten().filter_map(|r| str_of(r, "type")).map(str::to_string).collect();
        let has = |r: &str| roles.iter().any(|x| x == r);
        scope.level = if has("SUPER_ADMIN") || has("ORG_ADMIN") {
            Level::Admin
        } else if roles.iter().any(|r| r != "READ_ONLY_ADMIN") {
            Level::Write
        } else if has("READ_ONLY_ADMIN") {
            Level::Read
        } else {
            Level::None
        };
        scope.destructive = Some(scope.level == Level::Admin || has("USER_ADMIN") || has("APP_ADMIN"));
        scope.production = Some(true);
        scope.notes.push(format!(
            "API token of an Okta admin ({}): manages the org's users and sign-ins",
            if roles.is_empty() { "no admin role".into() } else { roles.join(", ") }
        ));
        scope.permissions = roles;
        Ok(())
    }
}
