//! Recorded-style responses for every probe, per provider and token kind, built from the
//! example responses in the providers reference (all values fake). A request without the
//! expected credential gets the provider's own "unauthorized" answer.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Reply, Req, decode};

/// The credential a fake provider recognises.
#[derive(Debug, Clone)]
pub struct World {
    pub provider: &'static str,
    /// Which kind of token the fake pretends the secret is (`account`, `project`, ...).
    pub kind: &'static str,
    pub secret: String,
    pub companion: Option<String>,
    /// The parts the probe should send along (`tenant`, `email`, `session_token`, ...).
    pub parts: Vec<(String, String)>,
}

impl World {
    pub fn part(&self, name: &str) -> Option<&str> {
        self.parts.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// How the fake answers every request.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Ok,
    Status(u16),
    RateLimited(u64),
    ServerError,
    Malformed,
    Slow(Duration),
    /// The provider's normal answer, delivered with a network fault.
    Fault(super::Fault),
    /// Every request redirected (this status) to another server on this port.
    Redirect(u16, u16),
}

/// The handler for `world` in `mode`.
pub fn handler(world: World, mode: Mode) -> impl Fn(&Req) -> Reply + Send + Sync + 'static {
    move |req: &Req| match mode {
        Mode::Ok => respond(&world, req),
        Mode::Status(s) => Reply::json(s, json!({"error": "unauthorized", "message": "Bad credentials"})),
        Mode::RateLimited(after) => {
            Reply::json(429, json!({"error": "rate limited"})).header("Retry-After", &after.to_string())
        }
        Mode::ServerError => Reply::raw(500, "text/html", "<html>internal error</html>"),
        Mode::Malformed => Reply::raw(200, "text/html", "<html><body>Request blocked by WAF</body></html>"),
        Mode::Slow(d) => respond(&world, req).slow(d),
        Mode::Fault(f) => respond(&world, req).fault(f),
        Mode::Redirect(status, port) => {
            Reply::json(status, json!({})).header("Location", &format!("http://127.0.0.1:{port}{}", req.path))
        }
    }
}

fn bearer(req: &Req) -> Option<&str> {
    req.header("Authorization").and_then(|a| a.strip_prefix("Bearer "))
}

fn basic(req: &Req) -> Option<(String, String)> {
    use base64::Engine as _;
    let b64 = req.header("Authorization")?.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

fn unauthorized() -> Reply {
    Reply::json(401, json!({"message": "Bad credentials"}))
}

fn respond(w: &World, req: &Req) -> Reply {
    if let Some(reply) = super::more::respond(w, req) {
        return reply;
    }
    let s = w.secret.as_str();
    let path = req.path_only();
    match w.provider {
        "railway" => railway(w, req),
        "github" => github(w, req),
        "gitlab" if req.header("PRIVATE-TOKEN") != Some(s) => unauthorized(),
        "gitlab" => match path {
            "/personal_access_tokens/self" => Reply::json(200, json!({"id": 4, "name": "ci", "revoked": false, "active": true,
                "scopes": ["api", "read_repository"], "user_id": 24, "expires_at": "2030-12-31"})),
            "/personal_access_tokens/self/associations" => Reply::json(200, json!({"groups": [{"id": 1, "full_path": "acme", "access_levels": {"group_access_level": 50}}],
                "projects": [{"id": 2, "path_with_namespace": "acme/shop", "access_levels": {"project_access_level": 40}}]})),
            "/user" => Reply::json(200, json!({"id": 24, "username": "dev-fake", "state": "active"})),
            _ => Reply::json(404, json!({"message": "404 Not Found"})),
        },
        "aws" => aws(w, req),
        "gcp" => gcp(w, req),
        "azure" => azure(w, req),
        "vercel" if bearer(req) != Some(s) => Reply::json(403, json!({"error": {"code": "forbidden", "invalidToken": true}})),
        "vercel" => match path {
            "/v5/user/tokens/current" => {
                let scope = if w.kind == "team" { json!([{"type": "team", "teamId": "team_fake1"}]) } else { json!([{"type": "user"}]) };
                Reply::json(200, json!({"token": {"id": "tok1", "name": "ci", "scopes": scope, "expiresAt": 1_893_456_000_000i64}}))
            }
            "/v2/user" => Reply::json(200, json!({"user": {"id": "u1", "username": "dev-fake", "email": "dev@example.invalid"}})),
            "/v2/teams" => Reply::json(200, json!({"teams": [{"id": "team_fake1", "slug": "acme", "name": "Acme"}]})),
            "/v9/projects" => Reply::json(200, json!({"projects": [{"id": "prj_1", "name": "storefront"}]})),
            _ => Reply::json(404, json!({})),
        },
        "netlify" if bearer(req) != Some(s) => unauthorized(),
        "netlify" => match path {
            "/user" => Reply::json(200, json!({"id": "fa1e", "full_name": "Fake Dev", "email": "dev@example.invalid"})),
            "/accounts" => Reply::json(200, json!([{"id": "a1", "name": "Acme", "slug": "acme"}])),
            "/sites" => Reply::json(200, json!([{"id": "s1", "name": "acme-www"}])),
            _ => Reply::json(404, json!({})),
        },
        "flyio" if req.header("Authorization") != Some(&format!("FlyV1 {s}")) => unauthorized(),
        "flyio" => Reply::json(200, json!({"total_apps": 1, "apps": [{"id": "a1", "name": "shop-api", "machine_count": 2}]})),
        "cloudflare" if w.kind == "global" => {
            if req.header("X-Auth-Key") != Some(s) || req.header("X-Auth-Email") != w.companion.as_deref() {
                return Reply::json(403, json!({"success": false, "errors": [{"code": 9103, "message": "Unknown X-Auth-Key or X-Auth-Email"}]}));
            }
            match path {
                "/user" => Reply::json(200, json!({"success": true, "result": {"id": "u1", "email": w.companion, "suspended": false}})),
                "/accounts" => Reply::json(200, json!({"success": true, "result": [{"id": "acc1", "name": "Acme"}]})),
                "/zones" => Reply::json(200, json!({"success": true, "result": [{"id": "z1", "name": "acme.example"}]})),
                _ => Reply::json(404, json!({"success": false})),
            }
        }
        "cloudflare" if bearer(req) != Some(s) => {
            Reply::json(401, json!({"success": false, "errors": [{"code": 1000, "message": "Invalid API Token"}]}))
        }
        "cloudflare" => match path {
            "/user/tokens/verify" => Reply::json(200, json!({"success": true, "result": {"id": "fa1efa1e", "status": "active", "expires_on": "2030-01-01T00:00:00Z"}})),
            "/user/tokens/fa1efa1e" => Reply::json(200, json!({"success": true, "result": {"policies": [{"effect": "allow",
                "permission_groups": [{"id": "1", "name": "DNS Write"}, {"id": "2", "name": "Zone Read"}]}]}})),
            "/accounts" => Reply::json(200, json!({"success": true, "result": [{"id": "acc1", "name": "Acme"}]})),
            "/zones" => Reply::json(200, json!({"success": true, "result": [{"id": "z1", "name": "acme.example"}]})),
            _ => Reply::json(404, json!({"success": false})),
        },
        "digitalocean" if bearer(req) != Some(s) => Reply::json(401, json!({"id": "unauthorized", "message": "Unable to authenticate you"})),
        "digitalocean" => Reply::json(200, json!({"account": {"email": "dev@example.invalid", "status": "active", "droplet_limit": 25,
            "team": {"uuid": "t1", "name": "Acme (fake)"}}})),
        "heroku" if bearer(req) != Some(s) || !req.header("Accept").unwrap_or("").contains("version=3") => unauthorized(),
        "heroku" => match path {
            "/account" => Reply::json(200, json!({"id": "u1", "email": "dev@example.invalid"})),
            "/apps" => Reply::json(200, json!([{"id": "a1", "name": "shop-prod"}])),
            "/teams" => Reply::json(200, json!([{"id": "t1", "name": "acme", "role": "admin"}])),
            _ => Reply::json(404, json!({})),
        },
        "render" if bearer(req) != Some(s) => unauthorized(),
        "render" => match path {
            "/v1/owners" => Reply::json(200, json!([{"owner": {"id": "tea-1", "name": "Acme (fake)", "email": "dev@example.invalid", "type": "team"}, "cursor": "c"}])),
            "/v1/services" => Reply::json(200, json!([{"service": {"id": "srv-1", "name": "api-production"}, "cursor": "c"}])),
            _ => Reply::json(404, json!({})),
        },
        "supabase" if bearer(req) != Some(s) => unauthorized(),
        "supabase" => match path {
            "/v1/projects" => Reply::json(200, json!([{"id": "ref1", "name": "shop-prod", "organization_id": "o1"}])),
            "/v1/organizations" => Reply::json(200, json!([{"id": "o1", "name": "Acme"}])),
            _ => Reply::json(404, json!({})),
        },
        "stripe" if bearer(req) != Some(s) => Reply::json(401, json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})),
        "stripe" => Reply::json(200, json!({"id": "acct_fake1", "object": "account", "email": "billing@example.invalid"})),
        "slack" if bearer(req) != Some(s) => Reply::json(200, json!({"ok": false, "error": "invalid_auth"})),
        "slack" => Reply::json(200, json!({"ok": true, "team": "Acme", "user": "deploy-bot", "team_id": "T0", "user_id": "U0", "is_enterprise_install": false}))
            .header("x-oauth-scopes", "chat:write,channels:read,files:write"),
        "openai" if bearer(req) != Some(s) => Reply::json(401, json!({"error": {"code": "invalid_api_key"}})),
        "openai" => Reply::json(200, json!({"object": "list", "data": [{"id": "gpt-fake"}]})).header("openai-organization", "org-fake"),
        "anthropic" if req.header("x-api-key") != Some(s) || req.header("anthropic-version").is_none() => {
            Reply::json(401, json!({"type": "error", "error": {"type": "authentication_error"}}))
        }
        "anthropic" => Reply::json(200, json!({"data": [{"id": "claude-fake"}]})).header("anthropic-organization-id", "org-uuid-fake"),
        "huggingface" if bearer(req) != Some(s) => unauthorized(),
        "huggingface" => Reply::json(200, json!({"type": "user", "name": "dev-fake", "orgs": [{"name": "acme", "roleInOrg": "admin"}],
            "auth": {"type": "access_token", "accessToken": {"displayName": "ci", "role": "write"}}})),
        "npm" if bearer(req) != Some(s) => unauthorized(),
        "npm" => match path {
            "/-/whoami" => Reply::json(200, json!({"username": "dev-fake"})),
            "/-/user/dev-fake/package" => Reply::json(200, json!({"left-pad-fake": "write", "other": "read"})),
            _ => Reply::json(404, json!({})),
        },
        "dockerhub" => match basic(req) {
            Some((u, p)) if Some(&u) == w.companion.as_ref() && p == s => {
                let actions = if w.kind == "read" { json!(["pull"]) } else { json!(["pull", "push", "delete"]) };
                let claims = json!({"access": [{"type": "repository", "name": format!("{u}/keyreach-probe"), "actions": actions}]});
                Reply::json(200, json!({"token": fake_jwt(&claims), "expires_in": 300}))
            }
            _ => Reply::json(401, json!({"details": "incorrect username or password"})),
        },
        "sendgrid" if bearer(req) != Some(s) => Reply::json(401, json!({"errors": [{"field": null, "message": "authorization required"}]})),
        "sendgrid" => Reply::json(200, json!({"scopes": ["mail.send", "alerts.read", "api_keys.create"]})),
        "twilio" => match basic(req) {
            Some((u, p)) if Some(&u) == w.companion.as_ref() && p == s && path == format!("/2010-04-01/Accounts/{u}.json") => {
                Reply::json(200, json!({"sid": u, "friendly_name": "Acme (fake)", "status": "active", "type": "Full", "auth_token": s}))
            }
            _ => Reply::json(401, json!({"code": 20003, "message": "Authenticate"})),
        },
        "datadog" if w.kind == "app" => {
            if req.header("DD-APPLICATION-KEY") != Some(s) || req.header("DD-API-KEY") != w.part("api_key") {
                return Reply::json(403, json!({"errors": ["Forbidden"]}));
            }
            match path {
                "/api/v2/validate_keys" => Reply::json(200, json!({"status": "ok"})),
                "/api/v2/current_user/application_keys" => Reply::json(200, json!({"data": [
                    {"id": "k0", "type": "application_keys", "attributes": {"name": "other", "last4": "zzzz", "scopes": ["dashboards_read"]}},
                    {"id": "k1", "type": "application_keys", "attributes": {"name": "ci-monitors", "last4": &s[s.len() - 4..],
                        "scopes": ["monitors_read", "monitors_write", "dashboards_read"]}}]})),
                _ => Reply::json(404, json!({"errors": ["Not found"]})),
            }
        }
        "datadog" if req.header("DD-API-KEY") != Some(s) => Reply::json(403, json!({"errors": ["Forbidden"]})),
        "datadog" => Reply::json(200, json!({"valid": true})),
        "shopify" if req.header("X-Shopify-Access-Token") != Some(s) => Reply::json(401, json!({"errors": "[API] Invalid API key or access token"})),
        "shopify" if path == "/admin/oauth/access_scopes.json" => Reply::json(200, json!({"access_scopes": [{"handle": "read_products"}, {"handle": "write_orders"}]})),
        "shopify" => Reply::json(200, json!({"data": {"shop": {"name": "Acme", "plan": {"displayName": "Basic", "partnerDevelopment": false}}}})),
        _ => Reply::json(404, json!({"error": "no such fake provider"})),
    }
}

/// An unsigned-looking JWT for registry tokens.
pub fn fake_jwt(claims: &Value) -> String {
    use base64::Engine as _;
    let e = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!("{}.{}.{}", e(br#"{"alg":"RS256","typ":"JWT"}"#), e(claims.to_string().as_bytes()), e(b"fake-signature"))
}

fn github(w: &World, req: &Req) -> Reply {
    if w.kind == "app" {
        return github_app(w, req);
    }
    if bearer(req) != Some(w.secret.as_str()) {
        return Reply::json(401, json!({"message": "Bad credentials"}));
    }
    let repos = json!([
        {"full_name": "acme/shop", "permissions": {"admin": true, "push": true, "pull": true}},
        {"full_name": "dev-fake/dotfiles", "permissions": {"admin": true}}
    ]);
    match (w.kind, req.path_only()) {
        ("installation", "/installation/repositories") => {
            Reply::json(200, json!({"total_count": 1, "repositories": [{"full_name": "acme/shop"}]}))
        }
        ("installation", _) => Reply::json(403, json!({"message": "Resource not accessible by integration"})),
        (kind, "/user") => {
            let r = Reply::json(200, json!({"login": "dev-fake", "id": 1, "type": "User", "site_admin": false}))
                .header("github-authentication-token-expiration", "2030-12-31 23:59:59 UTC");
            match kind {
                "classic" => r.header("X-OAuth-Scopes", "repo, delete_repo, workflow, read:org"),
                "readonly" => r.header("X-OAuth-Scopes", "read:org, read:user"),
                _ => r,
            }
        }
        (_, "/user/repos") => Reply::json(200, repos),
        (_, "/user/orgs") => Reply::json(200, json!([{"login": "acme"}])),
        _ => Reply::json(404, json!({"message": "Not Found"})),
    }
}

fn railway(w: &World, req: &Req) -> Reply {
    let body = req.json();
    let query = body.get("query").and_then(Value::as_str).unwrap_or("");
    let vars = body.get("variables").cloned().unwrap_or(Value::Null);
    let denied = |field: &str| {
        Reply::json(200, json!({"data": null, "errors": [{"message": "Not Authorized", "path": [field]}]}))
    };
    let bearer_ok = bearer(req) == Some(w.secret.as_str());
    let project_ok = req.header("Project-Access-Token") == Some(w.secret.as_str());
    let ws = json!({"id": "ws-1", "name": "Acme (fake)"});
    if query.contains("projectToken") {
        return match (project_ok, w.kind) {
            (true, "project" | "project-staging") => {
                let env =
                    if w.kind == "project" { ("env-shop-prod", "production") } else { ("env-shop-staging", "staging") };
                Reply::json(
                    200,
                    json!({"data": {"projectToken": {"projectId": "prj-shop", "environmentId": env.0,
                    "project": {"id": "prj-shop", "name": "shop-backend"}, "environment": {"id": env.0, "name": env.1}}}}),
                )
            }
            _ => denied("projectToken"),
        };
    }
    if query.contains("environment(id:") {
        if !project_ok {
            return denied("environment");
        }
        let env = if vars.get("e").and_then(Value::as_str) == Some("env-shop-prod") {
            environment("env-shop-prod", "production", true)
        } else {
            environment("env-shop-staging", "staging", false)
        };
        return Reply::json(
            200,
            json!({"data": {"project": {"id": "prj-shop", "name": "shop-backend", "primaryEnvironmentId": "env-shop-prod"}, "environment": env}}),
        );
    }
    if query.contains("query { me {") {
        return if bearer_ok && w.kind == "account" {
            Reply::json(
                200,
                json!({"data": {"me": {"id": "user-1", "email": "dev@example.invalid", "name": "Fake Dev", "workspaces": [ws]}}}),
            )
        } else {
            denied("me")
        };
    }
    if query.contains("apiToken") {
        return if bearer_ok && w.kind == "workspace" {
            Reply::json(200, json!({"data": {"apiToken": {"workspaces": [ws]}}}))
        } else {
            denied("apiToken")
        };
    }
    if query.contains("workspace(workspaceId") {
        if !bearer_ok
            || !matches!(w.kind, "account" | "workspace")
            || vars.get("ws").and_then(Value::as_str) != Some("ws-1")
        {
            return denied("workspace");
        }
        if query.contains("members") {
            return Reply::json(
                200,
                json!({"data": {"workspace": {"id": "ws-1", "members": [{"id": "user-1", "email": "dev@example.invalid", "role": "ADMIN"}]}}}),
            );
        }
        let project = |id: &str, name: &str, primary: &str, envs: Vec<Value>| {
            json!({"node": {"id": id, "name": name, "primaryEnvironmentId": primary,
                "environments": {"edges": envs.into_iter().map(|e| json!({"node": e})).collect::<Vec<_>>()}}})
        };
        let projects = vec![
            project(
                "prj-shop",
                "shop-backend",
                "env-shop-prod",
                vec![
                    environment("env-shop-prod", "production", true),
                    environment("env-shop-staging", "staging", false),
                ],
            ),
            project(
                "prj-pocket",
                "pocket",
                "env-pocket-prod",
                vec![environment("env-pocket-prod", "production", true)],
            ),
            project(
                "prj-domains",
                "domains-sandbox",
                "env-dom-dev",
                vec![environment("env-dom-dev", "development", false)],
            ),
        ];
        return Reply::json(
            200,
            json!({"data": {"workspace": {"id": "ws-1", "name": "Acme (fake)", "projects": {"edges": projects}}}}),
        );
    }
    Reply::json(400, json!({"errors": [{"message": "unknown query"}]}))
}

fn environment(id: &str, name: &str, volume: bool) -> Value {
    let volumes: Vec<Value> = if volume {
        vec![
            json!({"node": {"id": format!("vi-{id}"), "mountPath": "/var/lib/postgresql/data", "volume": {"id": "vol", "name": "postgres-volume"}}}),
        ]
    } else {
        Vec::new()
    };
    json!({"id": id, "name": name, "isEphemeral": false, "canAccess": true, "volumeInstances": {"edges": volumes}})
}

fn aws(w: &World, req: &Req) -> Reply {
    let key_id = w.companion.clone().unwrap_or_default();
    let auth = req.header("Authorization").unwrap_or("");
    if !auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={key_id}/")) || req.header("X-Amz-Date").is_none() {
        return xml_error(403, "InvalidClientTokenId");
    }
    if key_id.starts_with("ASIA")
        && (req.header("X-Amz-Security-Token") != w.part("session_token") || !auth.contains("x-amz-security-token"))
    {
        return xml_error(403, "InvalidClientTokenId");
    }
    let action = req.form("Action").unwrap_or_default();
    match action.as_str() {
        "GetCallerIdentity" => Reply::raw(
            200,
            "text/xml",
            "<GetCallerIdentityResponse><GetCallerIdentityResult>\
<Arn>arn:aws:iam::123456789012:user/keyreach-fake</Arn><UserId>AIDAFAKE</UserId><Account>123456789012</Account>\
</GetCallerIdentityResult></GetCallerIdentityResponse>",
        ),
        "SimulatePrincipalPolicy" if w.kind == "readonly" => xml_error(403, "AccessDenied"),
        "SimulatePrincipalPolicy" => {
            let mut members = String::new();
            let mut i = 1;
            while let Some(name) = req.form(&format!("ActionNames.member.{i}")) {
                let allowed = name.starts_with("s3:") || name == "ec2:DeleteVolume";
                let decision = if allowed { "allowed" } else { "implicitDeny" };
                members.push_str(&format!(
                    "<member><EvalActionName>{name}</EvalActionName><EvalDecision>{decision}</EvalDecision></member>"
                ));
                i += 1;
            }
            Reply::raw(
                200,
                "text/xml",
                format!(
                    "<SimulatePrincipalPolicyResponse><SimulatePrincipalPolicyResult><EvaluationResults>{members}</EvaluationResults></SimulatePrincipalPolicyResult></SimulatePrincipalPolicyResponse>"
                ),
            )
        }
        "ListAttachedUserPolicies" => Reply::raw(
            200,
            "text/xml",
            "<ListAttachedUserPoliciesResponse><ListAttachedUserPoliciesResult><AttachedPolicies>\
<member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member>\
</AttachedPolicies></ListAttachedUserPoliciesResult></ListAttachedUserPoliciesResponse>",
        ),
        "ListAccountAliases" => Reply::raw(
            200,
            "text/xml",
            "<ListAccountAliasesResponse><ListAccountAliasesResult><AccountAliases>\
<member>acme-prod</member></AccountAliases></ListAccountAliasesResult></ListAccountAliasesResponse>",
        ),
        _ => xml_error(400, "InvalidAction"),
    }
}

fn xml_error(status: u16, code: &str) -> Reply {
    Reply::raw(
        status,
        "text/xml",
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>fake</Message></Error></ErrorResponse>"
        ),
    )
}

fn gcp(w: &World, req: &Req) -> Reply {
    match req.path_only() {
        "/token" => {
            let assertion = req.form("assertion").unwrap_or_default();
            let claims = assertion.split('.').nth(1).and_then(|p| {
                use base64::Engine as _;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).ok()
            });
            let claims: Value = claims.and_then(|c| serde_json::from_slice(&c).ok()).unwrap_or(Value::Null);
            let ok = claims.get("iss").and_then(Value::as_str) == w.companion.as_deref()
                && claims.get("sub").is_none()
                && claims.get("scope").and_then(Value::as_str)
                    == Some("https://www.googleapis.com/auth/cloud-platform.read-only")
                && assertion.split('.').count() == 3;
            if ok {
                Reply::json(
                    200,
                    json!({"access_token": "ya29.fake-access", "expires_in": 3599, "token_type": "Bearer"}),
                )
            } else {
                Reply::json(400, json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}))
            }
        }
        p if p.ends_with(":testIamPermissions") => {
            if bearer(req) != Some("ya29.fake-access") {
                return Reply::json(401, json!({"error": {"code": 401}}));
            }
            let asked = req.json().get("permissions").and_then(Value::as_array).cloned().unwrap_or_default();
            let granted: Vec<Value> = asked
                .into_iter()
                .filter(|p| {
                    matches!(
                        p.as_str(),
                        Some("resourcemanager.projects.get" | "compute.disks.delete" | "storage.buckets.delete")
                    )
                })
                .collect();
            Reply::json(200, json!({"permissions": granted}))
        }
        _ => Reply::json(404, json!({})),
    }
}

fn azure(w: &World, req: &Req) -> Reply {
    if w.kind == "entra" {
        return entra(w, req);
    }
    if !req.path.contains("restype=account") || !req.path.contains("comp=properties") {
        return Reply::raw(400, "application/xml", "");
    }
    let ok = match w.kind {
        "sas" => {
            let want = w.secret.split_once('?').map_or("", |(_, q)| q);
            decode(&req.path).contains(&decode(want))
        }
        _ => {
            req.header("Authorization")
                .is_some_and(|a| a.starts_with(&format!("SharedKey {}:", w.companion.clone().unwrap_or_default())))
                && req.header("x-ms-date").is_some()
        }
    };
    if ok {
        Reply::raw(200, "application/xml", "")
            .header("x-ms-account-kind", "StorageV2")
            .header("x-ms-sku-name", "Standard_LRS")
    } else {
        Reply::raw(403, "application/xml", "<Error><Code>AuthenticationFailed</Code></Error>")
            .header("x-ms-error-code", "AuthenticationFailed")
    }
}

/// Microsoft Entra ID's token endpoint (client credentials) and Azure Resource Manager.
fn entra(w: &World, req: &Req) -> Reply {
    let tenant = w.part("tenant").unwrap_or_default();
    let path = req.path_only();
    if path == format!("/{tenant}/oauth2/v2.0/token") {
        let ok = req.form("client_secret").as_deref() == Some(w.secret.as_str())
            && req.form("client_id").as_deref() == w.part("client_id")
            && req.form("grant_type").as_deref() == Some("client_credentials");
        if !ok {
            return Reply::json(
                401,
                json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}),
            );
        }
        let claims = match req.form("scope").as_deref() {
            Some("https://graph.microsoft.com/.default") => {
                json!({"aud": "https://graph.microsoft.com", "tid": tenant, "app_displayname": "ci-deployer", "roles": ["User.Read.All", "Mail.Send"]})
            }
            _ => json!({"aud": "https://management.azure.com", "tid": tenant}),
        };
        return Reply::json(
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": fake_jwt(&claims)}),
        );
    }
    let arm_ok = bearer(req).and_then(|t| t.split('.').nth(1).map(str::to_string)).is_some_and(|payload| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|c| c.get("aud").and_then(Value::as_str) == Some("https://management.azure.com"))
    });
    if !arm_ok {
        return Reply::json(401, json!({"error": {"code": "InvalidAuthenticationToken"}}));
    }
    match path {
        "/subscriptions" => Reply::json(
            200,
            json!({"value": [{"subscriptionId": "00000000-0000-4000-8000-000000000001", "displayName": "acme-production", "state": "Enabled"}]}),
        ),
        p if p.ends_with("/providers/Microsoft.Authorization/permissions") => Reply::json(
            200,
            json!({"value": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"]}]}),
        ),
        _ => Reply::json(404, json!({"error": {"code": "NotFound"}})),
    }
}

/// GitHub's app endpoints: the bearer must be an RS256 JWT signed by the app's private key,
/// issued by its app id, valid at most ten minutes.
fn github_app(w: &World, req: &Req) -> Reply {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let valid = bearer(req).is_some_and(|jwt| {
        let parts: Vec<&str> = jwt.split('.').collect();
        let [head, claims, sig] = parts[..] else { return false };
        let claims: Value = b64.decode(claims).ok().and_then(|c| serde_json::from_slice(&c).ok()).unwrap_or_default();
        let (iat, exp) = (claims["iat"].as_i64().unwrap_or(0), claims["exp"].as_i64().unwrap_or(0));
        let iss_ok = claims["iss"].to_string().trim_matches('"') == w.part("app_id").unwrap_or_default();
        let pem = w.secret.replace("\\n", "\n");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let key = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()
            .and_then(|der| ring::signature::RsaKeyPair::from_der(&der).ok());
        let signed = key.is_some_and(|k| {
            let public = ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                k.public().as_ref().to_vec(),
            );
            b64.decode(sig).is_ok_and(|sig| public.verify(format!("{head}.{}", parts[1]).as_bytes(), &sig).is_ok())
        });
        iss_ok && signed && exp > iat && exp - iat <= 600
    });
    if !valid {
        return Reply::json(401, json!({"message": "A JSON web token could not be decoded"}));
    }
    match req.path_only() {
        "/app" => Reply::json(
            200,
            json!({"slug": "acme-deployer", "owner": {"login": "acme"},
            "permissions": {"contents": "write", "metadata": "read", "deployments": "write"}, "installations_count": 1}),
        ),
        "/app/installations" => Reply::json(
            200,
            json!([{"id": 1, "account": {"login": "acme"}, "repository_selection": "all",
            "permissions": {"contents": "write", "metadata": "read", "deployments": "write", "administration": "write"}}]),
        ),
        _ => Reply::json(404, json!({"message": "Not Found"})),
    }
}
