//! Auth0 (https://auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens):
//! a client secret, with its client id and tenant domain found next to it, asks the
//! tenant's token endpoint for a Management API token (client-credentials grant: a
//! short-lived token for the application itself; nothing changes, though Auth0 counts it
//! against the tenant's machine-to-machine token quota). The token's scopes are what the
//! application may do to the tenant: users, applications, connections, roles.
//!
//! The domain must be an Auth0 one (`TENANT.auth0.com`, `TENANT.REGION.auth0.com`); a
//! custom domain is contacted only when the user gives it: `--endpoint auth0=https://…`.

use super::{Probe, Session, Target, jwt_claims, push_unique, resource, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Auth0;

static SHAPES: &[Shape] = &[
    Shape::post("https://*.auth0.com", "/oauth/token", BodyKind::ClientCredentials),
    Shape::post("https://*.*.auth0.com", "/oauth/token", BodyKind::ClientCredentials),
];

impl Probe for Auth0 {
    fn provider(&self) -> &'static str {
        "auth0"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["auth0.client-secret"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let secret = t.secret_text()?;
        let client =
            t.part("client_id").filter(|c| c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let client = client
            .ok_or_else(|| ProbeError::NotProbed("the application's client id was not found next to it".into()))?;
        let domain = t.part("domain").map(|d| super::host_name(d).to_ascii_lowercase()).unwrap_or_default();
        if domain.is_empty() {
            return Err(ProbeError::NotProbed("no *.auth0.com tenant domain next to it".into()));
        }
        let auth0 = domain.ends_with(".auth0.com")
            && (3..=4).contains(&domain.split('.').count())
            && domain.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !auth0 {
            s.own_host(
                Some(&domain),
                &[],
                "not an auth0.com domain: pass --endpoint auth0=https://{host} to probe it there",
            )?;
        }
        let root = format!("https://{domain}");
        let form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".to_string(), client.to_string()),
            ("client_secret".to_string(), secret.to_string()),
            ("audience".to_string(), format!("https://{domain}/api/v2/")),
        ];
        let response = s.send(&Request::post(&root, "/oauth/token", Body::Form(form)))?;
        let error = response.json().ok().and_then(|v| str_of(&v, "error").map(str::to_string));
        scope.identity = Some(format!("application {client}"));
        push_unique(&mut scope.resources, resource("auth0", "tenant", &domain));
        match (response.status, error.as_deref()) {
            (200, _) => {}
            (401, _) | (400 | 403, Some("invalid_client")) => {
                return Err(ProbeError::Unauthorized(error.unwrap_or_else(|| "HTTP 401".into())));
            }
            (403, Some("access_denied" | "unauthorized_client")) => {
                scope.level = Level::None;
                scope.destructive = Some(false);
                scope.notes.push("valid client secret without a grant to the Management API".into());
                return Ok(());
            }
            _ => {
                response.clone().ok()?;
            }
        }
        let token = response.json()?;
        let granted = str_of(&token, "scope").map(str::to_string).or_else(|| {
            let access = str_of(&token, "access_token")?;
            jwt_claims(access)?.get("scope")?.as_str().map(str::to_string)
        });
        let Some(granted) = granted else {
            return Err(ProbeError::Unexpected("the token answer names no scope".into()));
        };
        classify(&granted, scope);
        Ok(())
    }
}

fn classify(granted: &str, scope: &mut Scope) {
    let scopes: Vec<String> = granted.split_whitespace().map(str::to_string).collect();
    let has = |f: &dyn Fn(&str) -> bool| scopes.iter().any(|s| f(s));
    const ADMIN: &[&str] = &[
        "create:clients",
        "update:clients",
        "create:client_grants",
        "update:client_grants",
        "create:roles",
        "update:roles",
        "create:role_members",
        "update:tenant_settings",
        "create:users",
        "update:users",
    ];
    scope.level = if has(&|s| ADMIN.contains(&s)) {
        Level::Admin
    } else if has(&|s| s.starts_with("create:") || s.starts_with("update:") || s.starts_with("delete:")) {
        Level::Write
    } else if scopes.is_empty() {
        Level::None
    } else {
        Level::Read
    };
    let deletes: Vec<&str> = scopes.iter().map(String::as_str).filter(|s| s.starts_with("delete:")).collect();
    scope.destructive = Some(!deletes.is_empty());
    if !deletes.is_empty() {
        scope.notes.push(format!("can delete: {}", deletes.iter().map(|d| &d[7..]).collect::<Vec<_>>().join(", ")));
    }
    if scope.level == Level::Admin {
        scope.notes.push("can create or change users, applications or roles: takes over the tenant's logins".into());
    }
    scope.production = Some(true);
    scope.permissions = scopes;
}
