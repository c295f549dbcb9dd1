//! HashiCorp Vault and OpenBao (devplatforms.md, "HashiCorp Vault"): `GET
//! /v1/auth/token/lookup-self` (policies, TTL, expiry, uses left), then `POST
//! /v1/sys/capabilities-self` for a fixed list of paths (evaluates the token's policies,
//! performs nothing). Never `revoke-self`, `renew-self` or `sys/wrapping/unwrap`.
//!
//! A Vault server has no official host: the token is sent only to the address the user
//! gives (`--endpoint vault=https://vault.example.com:8200` or the user's own config),
//! never to a `VAULT_ADDR` written next to it, which must name that same host if present.
//! A `VAULT_NAMESPACE` next to it is sent as `X-Vault-Namespace`.

use serde_json::{Value, json};

use super::{Probe, Session, Target, USER_ENDPOINT, push_unique, resource, str_of, strings};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::time::{now, rfc3339};
use crate::scope::{Level, Scope};

pub struct Vault;

static SHAPES: &[Shape] = &[
    Shape::get(USER_ENDPOINT, "/v1/auth/token/lookup-self"),
    Shape::post(USER_ENDPOINT, "/v1/sys/capabilities-self", BodyKind::JsonKeys(&["paths"])),
];

/// Paths whose capabilities tell administration (policies, mounts, auth methods, minting
/// tokens), secret writes and deletes.
const PATHS: &[&str] = &[
    "sys/policies/acl/keyreach-probe",
    "sys/mounts/keyreach-probe",
    "sys/auth/keyreach-probe",
    "auth/token/create",
    "secret/data/keyreach-probe",
    "secret/metadata/keyreach-probe",
];

impl Probe for Vault {
    fn provider(&self) -> &'static str {
        "vault"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["vault.service-token", "vault.batch-token", "vault.legacy-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        s.user_endpoint(
            t.part("addr"),
            "a Vault server has no official address; pass --endpoint vault=https://VAULT_HOST:8200 to probe it there",
        )?;
        let with_headers = |r: Request| {
            let r = r.header("X-Vault-Token", token);
            match t.part("namespace") {
                Some(ns) if ns.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b)) => {
                    r.header("X-Vault-Namespace", ns)
                }
                _ => r,
            }
        };
        // Vault answers an unknown, expired or revoked token with 403 "permission denied":
        // every valid token may look itself up.
        let info = s.send(&with_headers(Request::get(USER_ENDPOINT, "/v1/auth/token/lookup-self")))?;
        if info.status == 403 && info.json().ok().is_some_and(|v| v.get("errors").is_some()) {
            return Err(ProbeError::Unauthorized("permission denied".into()));
        }
        let info = info.ok()?.json()?;
        let data = info
            .get("data")
            .filter(|d| d.is_object())
            .ok_or_else(|| ProbeError::Unexpected("lookup-self answered without token data".into()))?;
        let mut policies = strings(data, "policies");
        policies.extend(strings(data, "identity_policies"));
        scope.identity = str_of(data, "display_name").map(str::to_string);
        for p in &policies {
            push_unique(&mut scope.resources, resource("vault", "policy", p));
        }
        match str_of(data, "expire_time") {
            Some(at) => scope.expires = Some(at.to_string()),
            None if data.get("ttl").and_then(Value::as_i64) == Some(0) => {
                scope.notes.push("never expires (no TTL)".into());
            }
            None => {}
        }
        if let Some(ttl) = data.get("ttl").and_then(Value::as_i64).filter(|t| *t > 0) {
            if scope.expires.is_none() {
                scope.expires = Some(rfc3339(now() + ttl));
            }
        }
        if policies.iter().any(|p| p == "root") {
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("root token: every permission on the Vault, including its secrets and policies".into());
            scope.permissions = policies;
            return Ok(());
        }
        scope
            .notes
            .push(format!("policies: {}", if policies.is_empty() { "none".into() } else { policies.join(", ") }));
        scope.permissions = policies;
        let uses = data.get("num_uses").and_then(Value::as_i64).unwrap_or(0);
        if uses > 0 {
            scope.level = Level::Unknown;
            scope.notes.push(format!(
                "use-limited token ({uses} uses left): its capabilities were not asked, as each request spends a use"
            ));
            return Ok(());
        }
        let body = Body::Json(json!({ "paths": PATHS }));
        let caps = s.json(&with_headers(Request::post(USER_ENDPOINT, "/v1/sys/capabilities-self", body)))?;
        classify(&caps, scope);
        Ok(())
    }
}

/// Level and destructive from the capabilities on [`PATHS`].
fn classify(answer: &Value, scope: &mut Scope) {
    let caps = |path: &str| -> Vec<String> {
        let v = answer.get("data").and_then(|d| d.get(path)).or_else(|| answer.get(path));
        v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
    };
    let has = |path: &str, wanted: &[&str]| caps(path).iter().any(|c| wanted.contains(&c.as_str()) || c == "root");
    const CHANGE: &[&str] = &["create", "update", "patch", "sudo", "delete"];
    let admin: Vec<&str> = PATHS[..4].iter().copied().filter(|p| has(p, CHANGE)).collect();
    let deletes = has("secret/metadata/keyreach-probe", &["delete"]) || has("secret/data/keyreach-probe", &["delete"]);
    let writes = has("secret/data/keyreach-probe", &["create", "update", "patch"]);
    let reads = has("secret/data/keyreach-probe", &["read", "list"]);
    scope.level = if !admin.is_empty() {
        Level::Admin
    } else if writes || deletes {
        Level::Write
    } else if reads {
        Level::Read
    } else {
        Level::None
    };
    scope.destructive = Some(deletes || !admin.is_empty());
    if !admin.is_empty() {
        scope.notes.push(format!("can change Vault itself: {}", admin.join(", ")));
    }
    if deletes {
        scope.notes.push("can delete secrets in the KV engine at secret/".into());
    }
    if reads {
        super::set_production(scope, true);
        scope.notes.push("reads secrets in the KV engine at secret/".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_classify() {
        let mut scope = Scope::unknown();
        classify(&json!({"secret/data/keyreach-probe": ["read"], "sys/mounts/keyreach-probe": ["deny"]}), &mut scope);
        assert_eq!((scope.level, scope.destructive), (Level::Read, Some(false)));
        let mut scope = Scope::unknown();
        classify(&json!({"data": {"sys/policies/acl/keyreach-probe": ["update"]}}), &mut scope);
        assert_eq!((scope.level, scope.destructive), (Level::Admin, Some(true)));
        let mut scope = Scope::unknown();
        classify(&json!({"secret/metadata/keyreach-probe": ["delete"]}), &mut scope);
        assert_eq!((scope.level, scope.destructive), (Level::Write, Some(true)));
    }
}
