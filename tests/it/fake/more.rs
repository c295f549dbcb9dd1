//! Fake answers for the probes of issue 18, shaped like each provider's documented
//! responses (all values fake). Each checks that the credential arrives the way the
//! provider expects it (header, Basic pair, form field, path) and otherwise answers with
//! the provider's own rejection.

use serde_json::{Value, json};

use super::providers::{World, fake_jwt};
use super::{Reply, Req};

fn bearer(req: &Req) -> Option<&str> {
    req.header("Authorization").and_then(|a| a.strip_prefix("Bearer "))
}

fn basic(req: &Req) -> Option<(String, String)> {
    use base64::Engine as _;
    let b64 = req.header("Authorization")?.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let (u, p) = String::from_utf8(raw).ok()?.split_once(':').map(|(u, p)| (u.to_string(), p.to_string()))?;
    Some((u, p))
}

fn unauthorized() -> Reply {
    Reply::json(401, json!({"message": "Unauthorized"}))
}

fn not_found() -> Reply {
    Reply::json(404, json!({"message": "Not Found"}))
}

/// The answer of a fake provider added by issue 18, or `None` for another provider.
pub fn respond(w: &World, req: &Req) -> Option<Reply> {
    let s = w.secret.as_str();
    let path = req.path_only();
    let reply = match w.provider {
        "vault" if req.header("X-Vault-Token") != Some(s) => Reply::json(403, json!({"errors": ["permission denied"]})),
        "vault" => match path {
            "/v1/auth/token/lookup-self" => {
                let policies = if w.kind == "root" { json!(["root"]) } else { json!(["default", "ci-deploy"]) };
                Reply::json(
                    200,
                    json!({"data": {"display_name": "token-ci", "policies": policies, "ttl": 3600,
                    "expire_time": "2030-01-01T00:00:00Z", "num_uses": 0, "type": "service", "accessor": "fake"}}),
                )
            }
            "/v1/sys/capabilities-self" => {
                let asked = req.json().get("paths").cloned().unwrap_or_default();
                let mut out = serde_json::Map::new();
                for p in asked.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    let caps = match p {
                        "secret/data/keyreach-probe" => json!(["create", "read", "update"]),
                        "secret/metadata/keyreach-probe" => json!(["delete", "list"]),
                        _ => json!(["deny"]),
                    };
                    out.insert(p.to_string(), caps);
                }
                Reply::json(200, Value::Object(out))
            }
            _ => Reply::json(404, json!({"errors": []})),
        },
        "kubernetes" if bearer(req) != Some(s) => {
            Reply::json(401, json!({"kind": "Status", "code": 401, "reason": "Unauthorized"}))
        }
        "kubernetes" => {
            let body = req.json();
            match (path, body.get("kind").and_then(Value::as_str)) {
                ("/apis/authentication.k8s.io/v1/selfsubjectreviews", Some("SelfSubjectReview")) => Reply::json(
                    201,
                    json!({"kind": "SelfSubjectReview", "status": {"userInfo": {"username": "system:serviceaccount:ci:deployer",
                    "groups": ["system:serviceaccounts", "system:authenticated"]}}}),
                ),
                ("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", Some("SelfSubjectRulesReview")) => {
                    let ns = body.pointer("/spec/namespace").and_then(Value::as_str).unwrap_or("");
                    let rules = if ns == "production" {
                        json!([{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]},
                               {"verbs": ["delete", "patch"], "apiGroups": ["apps"], "resources": ["deployments"]}])
                    } else {
                        json!([{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}])
                    };
                    Reply::json(
                        201,
                        json!({"kind": "SelfSubjectRulesReview", "status": {"resourceRules": rules, "incomplete": false}}),
                    )
                }
                _ => Reply::json(400, json!({"kind": "Status", "code": 400})),
            }
        }
        "terraform" if bearer(req) != Some(s) => {
            Reply::json(401, json!({"errors": [{"status": "401", "title": "unauthorized"}]}))
        }
        "terraform" => match path {
            "/api/v2/account/details" => Reply::json(
                200,
                json!({"data": {"id": "user-fake", "type": "users",
                "attributes": {"username": "api-org-acme-fake", "is-service-account": true}}}),
            ),
            "/api/v2/organizations" => Reply::json(
                200,
                json!({"data": [{"id": "acme", "type": "organizations",
                "attributes": {"name": "acme-prod", "permissions": {"can-update": true, "can-destroy": true}}}]}),
            ),
            _ => not_found(),
        },
        "atlassian" => match basic(req) {
            Some((u, p)) if p == s && Some(u.as_str()) == w.part("email") => match path {
                "/rest/api/3/myself" => Reply::json(
                    200,
                    json!({"accountId": "5b10fake", "emailAddress": "dev@example.invalid",
                    "displayName": "Fake Dev", "active": true, "accountType": "atlassian"}),
                ),
                "/rest/api/3/mypermissions" => Reply::json(
                    200,
                    json!({"permissions": {
                    "ADMINISTER": {"havePermission": false}, "SYSTEM_ADMIN": {"havePermission": false},
                    "BROWSE_PROJECTS": {"havePermission": true}, "CREATE_ISSUES": {"havePermission": true},
                    "DELETE_ISSUES": {"havePermission": true}, "ADMINISTER_PROJECTS": {"havePermission": false}}}),
                ),
                _ => not_found(),
            },
            _ => Reply::raw(401, "text/plain", "Client must be authenticated to access this resource."),
        },
        "bitbucket" if bearer(req) != Some(s) => {
            Reply::json(401, json!({"type": "error", "error": {"message": "Unauthorized"}}))
        }
        "bitbucket" => match path {
            "/2.0/repositories" => Reply::json(200, json!({"values": [{"full_name": "acme/shop"}], "pagelen": 50}))
                .header("x-oauth-scopes", "repository:write, pullrequest, pipeline:variable")
                .header("x-credential-type", "repo_access_token"),
            "/2.0/user" => Reply::json(200, json!({"username": "acme-shop-token", "display_name": "shop token"})),
            _ => not_found(),
        },
        "circleci" if req.header("Circle-Token") != Some(s) => {
            Reply::json(401, json!({"message": "You must log in first."}))
        }
        "circleci" => match path {
            "/api/v2/me" => Reply::json(200, json!({"id": "fa1e", "login": "dev-fake", "name": "Fake Dev"})),
            "/api/v2/me/collaborations" => {
                Reply::json(200, json!([{"vcs-type": "github", "name": "acme", "slug": "gh/acme"}]))
            }
            _ => not_found(),
        },
        "buildkite" if bearer(req) != Some(s) => unauthorized(),
        "buildkite" => match path {
            "/v2/access-token" => Reply::json(
                200,
                json!({"uuid": "fa1e", "scopes": ["read_builds", "write_builds", "read_pipelines", "read_organizations"]}),
            ),
            "/v2/organizations" => Reply::json(200, json!([{"slug": "acme", "name": "Acme"}])),
            _ => not_found(),
        },
        "sentry" if bearer(req) != Some(s) => Reply::json(401, json!({"detail": "Invalid token"})),
        "sentry" => match path {
            "/api/0/" => Reply::json(
                200,
                json!({"version": "0", "auth": {"scopes": ["org:read", "project:read", "project:write", "project:admin"]},
                "user": {"email": "dev@example.invalid", "username": "dev-fake"}}),
            ),
            "/api/0/organizations/" => Reply::json(200, json!([{"slug": "acme"}])),
            _ => not_found(),
        },
        "pagerduty" if req.header("Authorization") != Some(&format!("Token token={s}")) => {
            Reply::json(401, json!({"error": {"message": "Unauthorized", "code": 2006}}))
        }
        "pagerduty" => match path {
            "/users/me" => Reply::json(
                200,
                json!({"user": {"email": "oncall@example.invalid", "name": "On Call", "role": "admin"}}),
            ),
            "/abilities" => Reply::json(200, json!({"abilities": ["teams", "read_only_users"]})),
            _ => not_found(),
        },
        "linear" if req.header("Authorization") != Some(s) => Reply::json(
            400,
            json!({"errors": [{"message": "Authentication required", "extensions": {"type": "authentication error"}}]}),
        ),
        "linear" => Reply::json(
            200,
            json!({"data": {"viewer": {"id": "u1", "name": "Fake Dev", "email": "dev@example.invalid", "admin": false},
            "organization": {"name": "Acme", "urlKey": "acme"}}}),
        ),
        "notion" if bearer(req) != Some(s) || req.header("Notion-Version").is_none() => {
            Reply::json(401, json!({"object": "error", "status": 401, "code": "unauthorized"}))
        }
        "notion" => match path {
            "/v1/users/me" => Reply::json(
                200,
                json!({"object": "user", "id": "b1", "type": "bot", "name": "CI sync",
                "bot": {"owner": {"type": "workspace", "workspace": true}, "workspace_name": "Acme"}}),
            ),
            "/v1/search" => Reply::json(
                200,
                json!({"object": "list", "results": [{"object": "page"}, {"object": "database"}], "has_more": false}),
            ),
            _ => not_found(),
        },
        "airtable" if bearer(req) != Some(s) => Reply::json(401, json!({"error": {"type": "AUTHENTICATION_REQUIRED"}})),
        "airtable" => match path {
            "/v0/meta/whoami" => Reply::json(
                200,
                json!({"id": "usrFAKE", "email": "dev@example.invalid",
                "scopes": ["data.records:read", "data.records:write", "schema.bases:read"]}),
            ),
            "/v0/meta/bases" => Reply::json(
                200,
                json!({"bases": [{"id": "appFAKE", "name": "CRM production", "permissionLevel": "create"}]}),
            ),
            _ => not_found(),
        },
        "asana" if bearer(req) != Some(s) => Reply::json(401, json!({"errors": [{"message": "Not Authorized"}]})),
        "asana" => Reply::json(
            200,
            json!({"data": {"gid": "1", "name": "Fake Dev", "email": "dev@example.invalid",
            "workspaces": [{"gid": "2", "name": "Acme"}]}}),
        ),
        "auth0" => {
            let ok = req.form("client_secret").as_deref() == Some(s)
                && req.form("client_id").as_deref() == w.part("client_id")
                && req.form("grant_type").as_deref() == Some("client_credentials")
                && req.form("audience").is_some_and(|a| a.ends_with("/api/v2/"));
            if ok {
                let scope = "read:users update:users delete:users read:clients";
                Reply::json(
                    200,
                    json!({"access_token": fake_jwt(&json!({"scope": scope})), "scope": scope, "expires_in": 86400, "token_type": "Bearer"}),
                )
            } else {
                Reply::json(401, json!({"error": "access_denied", "error_description": "Unauthorized"}))
            }
        }
        "okta" if req.header("Authorization") != Some(&format!("SSWS {s}")) => {
            Reply::json(401, json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}))
        }
        "okta" => match path {
            "/api/v1/users/me" => Reply::json(
                200,
                json!({"id": "00ufake", "status": "ACTIVE", "profile": {"login": "admin@example.invalid"}}),
            ),
            "/api/v1/users/00ufake/roles" => Reply::json(200, json!([{"type": "ORG_ADMIN", "status": "ACTIVE"}])),
            _ => not_found(),
        },
        "algolia" => {
            let ok = req.header("X-Algolia-API-Key") == Some(s)
                && req.header("X-Algolia-Application-Id") == w.companion.as_deref();
            match (ok, path) {
                (false, _) => Reply::json(403, json!({"message": "Invalid Application-ID or API key", "status": 403})),
                (true, "/1/keys") => Reply::json(200, json!({"keys": []})),
                (true, p) if p.starts_with("/1/keys/") && w.kind == "admin" => {
                    Reply::json(404, json!({"message": "Key does not exist", "status": 404}))
                }
                (true, p) if p.starts_with("/1/keys/") => Reply::json(
                    200,
                    json!({"value": s, "acl": ["search", "addObject", "deleteObject"],
                    "indexes": ["products"], "validity": 0, "description": "<redacted>"}),
                ),
                _ => not_found(),
            }
        }
        "fastly" if req.header("Fastly-Key") != Some(s) => {
            Reply::json(401, json!({"msg": "Provided credentials are missing or invalid"}))
        }
        "fastly" => match path {
            "/tokens/self" => Reply::json(
                200,
                json!({"id": "t1", "name": "ci", "scope": "global", "services": ["svc1"], "expires_at": "2030-01-01T00:00:00Z"}),
            ),
            "/current_user" => Reply::json(200, json!({"login": "dev@example.invalid", "role": "engineer"})),
            _ => not_found(),
        },
        "mailgun" => match basic(req) {
            Some((u, p)) if u == "api" && p == s => Reply::json(
                200,
                json!({"total_count": 1,
                "items": [{"name": "mg.example.invalid", "state": "active"}]}),
            ),
            _ => Reply::raw(401, "text/plain", "Forbidden"),
        },
        "postmark" => {
            let server = req.header("X-Postmark-Server-Token") == Some(s);
            let account = req.header("X-Postmark-Account-Token") == Some(s);
            match (path, server, account) {
                ("/server", true, _) => {
                    Reply::json(200, json!({"ID": 1, "Name": "Transactional", "DeliveryType": "Live"}))
                }
                ("/servers", _, true) => Reply::json(
                    200,
                    json!({"TotalCount": 1, "Servers": [{"Name": "shop-production", "DeliveryType": "Live"}]}),
                ),
                _ => Reply::json(
                    401,
                    json!({"ErrorCode": 10, "Message": "No Account or Server API tokens were supplied in the HTTP headers."}),
                ),
            }
        }
        "square" if bearer(req) != Some(s) || req.header("Square-Version").is_none() => {
            Reply::json(401, json!({"errors": [{"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED"}]}))
        }
        "square" => Reply::json(
            200,
            json!({"scopes": ["PAYMENTS_READ", "PAYMENTS_WRITE", "CUSTOMERS_WRITE"],
            "expires_at": "2030-01-01T00:00:00Z", "client_id": "sq0idp-fake", "merchant_id": "MLFAKE"}),
        ),
        "paypal" => match basic(req) {
            Some((u, p))
                if p == s
                    && Some(u.as_str()) == w.part("client_id")
                    && req.form("grant_type").as_deref() == Some("client_credentials") =>
            {
                Reply::json(
                    200,
                    json!({"scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund openid",
                    "access_token": "A21AAFAKE", "token_type": "Bearer", "app_id": "APP-80W2FAKE", "expires_in": 32400}),
                )
            }
            _ => Reply::json(
                401,
                json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
            ),
        },
        "pinecone" if req.header("Api-Key") != Some(s) => {
            Reply::json(401, json!({"error": {"code": "UNAUTHENTICATED"}}))
        }
        "pinecone" => Reply::json(200, json!({"indexes": [{"name": "docs-prod", "deletion_protection": "disabled"}]})),
        "snowflake" => {
            let ok = bearer(req) == Some(s)
                && req.header("X-Snowflake-Authorization-Token-Type") == Some("PROGRAMMATIC_ACCESS_TOKEN");
            match (ok, path) {
                (false, _) => Reply::json(401, json!({"code": "390303", "message": "Invalid OAuth access token."})),
                (true, "/api/v2/statements") => Reply::json(
                    200,
                    json!({"resultSetMetaData": {"numRows": 1},
                    "data": [["CI_USER", "SYSADMIN", "[\"PUBLIC\",\"SYSADMIN\",\"ANALYST\"]"]]}),
                ),
                (true, "/api/v2/databases") => {
                    Reply::json(200, json!([{"name": "ANALYTICS_PROD"}, {"name": "SCRATCH"}]))
                }
                _ => not_found(),
            }
        }
        "grafana" if bearer(req) != Some(s) => Reply::json(401, json!({"message": "Invalid API key"})),
        "grafana" => match path {
            "/api/user" => Reply::json(200, json!({"id": 2, "login": "sa-1-ci", "isGrafanaAdmin": false})),
            "/api/user/orgs" => Reply::json(200, json!([{"orgId": 1, "name": "Main Org.", "role": "Editor"}])),
            _ => not_found(),
        },
        "newrelic" if req.header("API-Key") != Some(s) => {
            Reply::json(401, json!({"errors": [{"message": "Invalid API key"}]}))
        }
        "newrelic" => Reply::json(
            200,
            json!({"data": {"actor": {"user": {"id": 1, "name": "Fake Dev", "email": "dev@example.invalid"},
            "accounts": [{"id": 11, "name": "Acme production"}]}}}),
        ),
        "doppler" if bearer(req) != Some(s) => {
            Reply::json(401, json!({"messages": ["Invalid Auth token"], "success": false}))
        }
        "doppler" => Reply::json(
            200,
            json!({"workplace": {"slug": "acme", "name": "Acme"}, "type": "service_token", "name": "ci-deploy"}),
        ),
        "mapbox" => match req.path.split_once("access_token=").map(|(_, t)| super::decode(t)) {
            Some(t) if t == s => Reply::json(
                200,
                json!({"code": "TokenValid", "token": {"usage": "sk", "user": "acme-maps", "authorization": "fake"}}),
            ),
            _ => Reply::json(401, json!({"code": "TokenInvalid"})),
        },
        "telegram" => match path.strip_prefix("/bot").and_then(|r| r.rsplit_once('/')) {
            Some((t, "getMe")) if t == s => Reply::json(
                200,
                json!({"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "Deploy",
                "username": "acme_deploy_bot", "can_read_all_group_messages": true}}),
            ),
            Some((t, "getWebhookInfo")) if t == s => Reply::json(
                200,
                json!({"ok": true, "result": {"url": "https://hooks.example.invalid/tg", "pending_update_count": 0}}),
            ),
            _ => Reply::json(401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        },
        "discord" if req.header("Authorization") != Some(&format!("Bot {s}")) => {
            Reply::json(401, json!({"message": "401: Unauthorized", "code": 0}))
        }
        "discord" => match path {
            "/users/@me" => Reply::json(200, json!({"id": "100000000000000000", "username": "acme-bot", "bot": true})),
            "/users/@me/guilds" => {
                Reply::json(200, json!([{"id": "1", "name": "Acme", "owner": false, "permissions": "8"}]))
            }
            _ => not_found(),
        },
        "postman" if req.header("X-Api-Key") != Some(s) => {
            Reply::json(401, json!({"error": {"name": "AuthenticationError"}}))
        }
        "postman" => Reply::json(
            200,
            json!({"user": {"id": 1, "username": "dev-fake", "email": "dev@example.invalid",
            "teamName": "Acme", "roles": ["user", "flow-editor"]}, "operations": []}),
        ),
        "honeycomb" if req.header("X-Honeycomb-Team") != Some(s) => {
            Reply::json(401, json!({"error": "unknown API key - check your credentials"}))
        }
        "honeycomb" => Reply::json(
            200,
            json!({"id": "k1", "type": "configuration", "api_key_access": {"events": true, "markers": true,
            "triggers": false, "boards": true, "queries": true, "columns": true, "createDatasets": true},
            "environment": {"name": "Production", "slug": "production"}, "team": {"name": "Acme", "slug": "acme"}}),
        ),
        "mailchimp" => match basic(req) {
            Some((_, p)) if p == s => Reply::json(
                200,
                json!({"account_id": "fa1e", "account_name": "Acme", "email": "dev@example.invalid", "role": "admin"}),
            ),
            _ => Reply::json(401, json!({"title": "API Key Invalid", "status": 401})),
        },
        "groq" | "mistral" | "openrouter" | "deepseek" | "cohere" if bearer(req) != Some(s) => {
            Reply::json(401, json!({"error": {"message": "Invalid API Key"}}))
        }
        "groq" | "mistral" => Reply::json(200, json!({"object": "list", "data": [{"id": "model-fake"}]})),
        "cohere" => Reply::json(200, json!({"models": [{"name": "command-fake"}]})),
        "openrouter" => {
            Reply::json(200, json!({"data": {"label": "ci-agent", "usage": 1.5, "limit": null, "is_free_tier": false}}))
        }
        "deepseek" => Reply::json(
            200,
            json!({"is_available": true, "balance_infos": [{"currency": "USD", "total_balance": "12.00"}]}),
        ),
        _ => return None,
    };
    Some(reply)
}
