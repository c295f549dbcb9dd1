//! Microsoft Entra ID client secrets (cloud.md, "Azure"), served by the Azure probe: with
//! the tenant and client (application) id found next to the secret, the client-credentials
//! grant (`POST login.microsoftonline.com/TENANT/oauth2/v2.0/token`: a one-hour token for
//! the application itself; nothing changes, a sign-in is logged) is asked twice:
//! - for Microsoft Graph: the token's `roles` claim lists the application permissions
//!   granted to the app (`Directory.ReadWrite.All`, `RoleManagement.ReadWrite.Directory`…);
//! - for Azure Resource Manager: `GET /subscriptions` lists the subscriptions where the
//!   service principal holds a role, and `GET .../providers/Microsoft.Authorization/permissions`
//!   its effective actions there (Owner, Contributor, Reader).
//!
//! Sovereign clouds (US Government, China) are not asked.

use serde_json::Value;

use super::{
    Session, Target, items, jwt_claims, looks_production, push_unique, resource, set_production, str_of, strings,
};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub const LOGIN: &str = "https://login.microsoftonline.com";
pub const ARM: &str = "https://management.azure.com";
pub const SHAPES: [Shape; 3] = [
    Shape::post(LOGIN, "/*/oauth2/v2.0/token", BodyKind::ClientCredentials),
    Shape::get(ARM, "/subscriptions"),
    Shape::get(ARM, "/subscriptions/*/providers/Microsoft.Authorization/permissions"),
];
pub const KINDS: [&str; 3] = ["azure.client-secret", "azure.client-secret-env", "azure.sdk-auth"];

/// Graph application permissions that take over the tenant (grant roles, add credentials
/// to any app, rewrite the directory).
const GRAPH_ADMIN: &[&str] = &[
    "RoleManagement.ReadWrite.Directory",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
    "Policy.ReadWrite.ConditionalAccess",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
];

pub fn run(s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
    let secret = t.secret_text()?;
    let uuid = |v: &&str| v.len() == 36 && v.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let domain = |v: &&str| {
        v.ends_with(".onmicrosoft.com") && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
    };
    let tenant = t.part("tenant").filter(|v| uuid(v) || domain(v));
    let tenant =
        tenant.ok_or_else(|| ProbeError::NotProbed("the tenant id was not found next to the client secret".into()))?;
    let client = t.part("client_id").filter(uuid);
    let client = client
        .ok_or_else(|| ProbeError::NotProbed("the client (application) id was not found next to the secret".into()))?;
    let graph = token(s, tenant, client, secret, "https://graph.microsoft.com/.default")?;
    let claims = jwt_claims(&graph).unwrap_or_default();
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
    scope.identity = Some(format!("application {}", text("app_displayname").unwrap_or_else(|| client.to_string())));
    push_unique(&mut scope.resources, resource("azure", "tenant", &text("tid").unwrap_or_else(|| tenant.to_string())));
    let roles = claims.get("roles").map(|r| strings(&serde_json::json!({ "r": r }), "r")).unwrap_or_default();
    let mut level = Level::None;
    let mut destructive = false;
    if roles.iter().any(|r| GRAPH_ADMIN.contains(&r.as_str())) {
        level = Level::Admin;
        destructive = true;
        scope.notes.push("Microsoft Graph application permissions that take over the tenant".into());
    } else if roles.iter().any(|r| r.contains(".ReadWrite")) {
        level = Level::Write;
        destructive = true;
    } else if !roles.is_empty() {
        level = Level::Read;
    }
    scope.permissions = roles.iter().map(|r| format!("graph:{r}")).collect();
    // Azure Resource Manager: where it holds a role, and what that role allows.
    let arm = token(s, tenant, client, secret, "https://management.azure.com/.default")?;
    let subs = s.json(&Request::get(ARM, "/subscriptions?api-version=2022-12-01").bearer(&arm))?;
    let subs = items(&subs, "value").to_vec();
    for sub in subs.iter().take(3) {
        let (Some(id), name) = (str_of(sub, "subscriptionId"), str_of(sub, "displayName")) else { continue };
        if !id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            continue;
        }
        let name = name.unwrap_or(id);
        push_unique(&mut scope.resources, resource("azure", "subscription", name));
        if looks_production(name) {
            set_production(scope, true);
        }
        let path = format!("/subscriptions/{id}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01");
        let Ok(perms) = s.json(&Request::get(ARM, &path).bearer(&arm)) else { continue };
        let (l, d, role) = arm_level(&perms);
        if l.rank() > level.rank() {
            level = l;
        }
        destructive |= d;
        scope.notes.push(format!("{role} on subscription {name}"));
    }
    if subs.len() > 3 {
        scope.notes.push(format!("holds roles on {} subscriptions", subs.len()));
    }
    scope.level = level;
    scope.destructive = Some(destructive);
    Ok(())
}

/// A token for `resource_scope`; the identity platform's `invalid_client` (wrong or expired
/// secret) and `unauthorized_client` (no such app in the tenant) reject the credential.
fn token(
    s: &Session<'_>,
    tenant: &str,
    client: &str,
    secret: &str,
    resource_scope: &str,
) -> Result<String, ProbeError> {
    let form = vec![
        ("grant_type".to_string(), "client_credentials".to_string()),
        ("client_id".to_string(), client.to_string()),
        ("client_secret".to_string(), secret.to_string()),
        ("scope".to_string(), resource_scope.to_string()),
    ];
    let response = s.send(&Request::post(LOGIN, &format!("/{tenant}/oauth2/v2.0/token"), Body::Form(form)))?;
    if matches!(response.status, 400 | 401) {
        let error = response.json().ok().and_then(|v| str_of(&v, "error").map(str::to_string)).unwrap_or_default();
        return Err(match error.as_str() {
            "invalid_client" | "unauthorized_client" => ProbeError::Unauthorized(error),
            _ if response.status == 401 => ProbeError::Unauthorized("HTTP 401".into()),
            "" => ProbeError::Unexpected(format!("HTTP {}", response.status)),
            other => ProbeError::Unexpected(format!("the token endpoint answered {other}")),
        });
    }
    let answer = response.ok()?.json()?;
    str_of(&answer, "access_token").map(str::to_string).ok_or_else(|| ProbeError::Unexpected("no access_token".into()))
}

/// (level, destructive, role name) from ARM's effective permissions on a subscription.
fn arm_level(perms: &Value) -> (Level, bool, &'static str) {
    let mut actions = Vec::new();
    let mut not_actions = Vec::new();
    for p in items(perms, "value") {
        actions.extend(strings(p, "actions"));
        not_actions.extend(strings(p, "notActions"));
    }
    let all = actions.iter().any(|a| a == "*");
    let blocked_auth = not_actions.iter().any(|a| a.starts_with("Microsoft.Authorization/"));
    let auth_write = actions
        .iter()
        .any(|a| a == "Microsoft.Authorization/*" || a.starts_with("Microsoft.Authorization/roleAssignments/write"));
    if (all && !blocked_auth) || auth_write {
        (Level::Admin, true, "Owner-level access (can grant roles)")
    } else if all || actions.iter().any(|a| a.ends_with("/delete") || a.ends_with("/*")) {
        (Level::Write, true, "Contributor-level access (can change and delete resources)")
    } else if actions.iter().any(|a| a.ends_with("/read")) {
        (Level::Read, false, "Reader access")
    } else {
        (Level::None, false, "no actions")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arm_roles_classify() {
        let owner = json!({"value": [{"actions": ["*"], "notActions": []}]});
        assert_eq!(arm_level(&owner).0, Level::Admin);
        let contributor = json!({"value": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}]});
        assert_eq!(arm_level(&contributor).0, Level::Write);
        let reader = json!({"value": [{"actions": ["*/read"], "notActions": []}]});
        assert_eq!(arm_level(&reader), (Level::Read, false, "Reader access"));
    }
}
