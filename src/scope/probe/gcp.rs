//! Google Cloud service-account keys (cloud.md, "Google Cloud"): sign a JWT with the key
//! (scope `cloud-platform.read-only`, never `sub`), exchange it for a one-hour token at
//! `oauth2.googleapis.com/token`, then ask `cloudresourcemanager` which of a fixed list of
//! destructive and administrative permissions the account holds on its project
//! (`testIamPermissions` evaluates, performs nothing).
//!
//! The secret is the `private_key` value as written (with `\n` escapes); its companion is
//! `client_email`, whose domain names the project.

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

use super::{Probe, Session, Target, items, looks_production, push_unique, resource, str_of};
use crate::scope::codec::b64url;
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::time::now;
use crate::scope::{Level, Scope};

pub struct Gcp;

const OAUTH: &str = "https://oauth2.googleapis.com";
const CRM: &str = "https://cloudresourcemanager.googleapis.com";
static SHAPES: &[Shape] = &[
    Shape::post(OAUTH, "/token", BodyKind::JwtBearerGrant),
    Shape::post(CRM, "/v1/projects/*:testIamPermissions", BodyKind::JsonCheck),
];

const ADMIN: &[&str] = &[
    "resourcemanager.projects.setIamPolicy",
    "iam.serviceAccountKeys.create",
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
];
const DESTRUCTIVE: &[&str] = &[
    "resourcemanager.projects.delete",
    "compute.disks.delete",
    "compute.snapshots.delete",
    "compute.instances.delete",
    "storage.buckets.delete",
    "storage.objects.delete",
    "cloudsql.instances.delete",
    "cloudsql.backupRuns.delete",
    "container.clusters.delete",
    "bigquery.datasets.delete",
    "run.services.delete",
];
const WRITE: &[&str] = &["storage.objects.create", "compute.instances.create", "run.services.update"];
const READ: &[&str] = &["resourcemanager.projects.get", "storage.objects.get", "compute.instances.list"];

impl Probe for Gcp {
    fn provider(&self) -> &'static str {
        "gcp"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["gcp.service-account-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let email = t
            .companion_text()
            .filter(|e| e.contains('@'))
            .ok_or_else(|| ProbeError::NotProbed("client_email was not found next to the private key".into()))?;
        let project = project_of(email)
            .ok_or_else(|| ProbeError::NotProbed("the service account's project is not in its email".into()))?;
        let key = private_key_der(t.secret_text()?)
            .ok_or_else(|| ProbeError::NotProbed("the private key does not parse".into()))?;
        let assertion = assertion(&key, email, now())?;
        let form = vec![
            ("grant_type".to_string(), "urn:ietf:params:oauth:grant-type:jwt-bearer".to_string()),
            ("assertion".to_string(), assertion),
        ];
        let response = s.send(&Request::post(OAUTH, "/token", Body::Form(form)))?;
        if response.status == 400 || response.status == 401 {
            let error = response.json().ok().and_then(|v| str_of(&v, "error").map(str::to_string)).unwrap_or_default();
            if matches!(error.as_str(), "invalid_grant" | "invalid_client" | "unauthorized_client") {
                return Err(ProbeError::Unauthorized(error));
            }
        }
        let token = response.ok()?.json()?;
        let access =
            str_of(&token, "access_token").ok_or_else(|| ProbeError::Unexpected("no access_token".into()))?.to_string();
        scope.identity = Some(email.to_string());
        push_unique(&mut scope.resources, resource("gcp", "project", &project));
        if looks_production(&project) {
            scope.production = Some(true);
        }
        let asked: Vec<&str> = ADMIN.iter().chain(DESTRUCTIVE).chain(WRITE).chain(READ).copied().collect();
        let path = format!("/v1/projects/{project}:testIamPermissions");
        let body = Body::Json(json!({ "permissions": asked }));
        let granted = s.json(&Request::post(CRM, &path, body).bearer(&access))?;
        classify(&granted, scope);
        Ok(())
    }
}

fn classify(granted: &Value, scope: &mut Scope) {
    let perms: Vec<String> =
        items(granted, "permissions").iter().filter_map(Value::as_str).map(str::to_string).collect();
    let any = |list: &[&str]| perms.iter().any(|p| list.contains(&p.as_str()));
    scope.level = if any(ADMIN) {
        Level::Admin
    } else if any(DESTRUCTIVE) || any(WRITE) {
        Level::Write
    } else if any(READ) {
        Level::Read
    } else {
        Level::None
    };
    let destructive: Vec<&str> = perms.iter().map(String::as_str).filter(|p| DESTRUCTIVE.contains(p)).collect();
    scope.destructive = Some(!destructive.is_empty() || any(ADMIN));
    if !destructive.is_empty() {
        scope.notes.push(format!("can delete: {}", destructive.join(", ")));
    }
    if any(ADMIN) {
        scope.notes.push("can change IAM policy, mint keys or impersonate service accounts".into());
    }
    scope.permissions = perms;
}

/// `NAME@PROJECT.iam.gserviceaccount.com` → PROJECT (also the App Engine default account).
fn project_of(email: &str) -> Option<String> {
    let domain = email.split_once('@')?.1;
    domain
        .strip_suffix(".iam.gserviceaccount.com")
        .or_else(|| domain.strip_suffix(".appspot.gserviceaccount.com"))
        .filter(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b':' || b == b'.')
        })
        .map(str::to_string)
}

/// PKCS#8 DER from the PEM text as written in the JSON file (`\n` escapes allowed).
fn private_key_der(text: &str) -> Option<Vec<u8>> {
    let pem = text.replace("\\n", "\n");
    let body = pem.split("-----BEGIN PRIVATE KEY-----").nth(1)?.split("-----END PRIVATE KEY-----").next()?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The signed JWT-bearer assertion (RS256, read-only scope, ten minutes, no `sub`).
fn assertion(der: &[u8], email: &str, iat: i64) -> Result<String, ProbeError> {
    let key = RsaKeyPair::from_pkcs8(der)
        .map_err(|_| ProbeError::NotProbed("the private key is not an RSA PKCS#8 key".into()))?;
    let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = json!({
        "iss": email,
        "scope": "https://www.googleapis.com/auth/cloud-platform.read-only",
        "aud": "https://oauth2.googleapis.com/token",
        "iat": iat,
        "exp": iat + 600,
    });
    let signing_input = format!("{header}.{}", b64url(claims.to_string().as_bytes()));
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| ProbeError::NotProbed("signing with the private key failed".into()))?;
    Ok(format!("{signing_input}.{}", b64url(&signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_come_from_the_email() {
        assert_eq!(project_of("ci@acme-prod.iam.gserviceaccount.com").as_deref(), Some("acme-prod"));
        assert_eq!(project_of("acme@appspot.gserviceaccount.com"), None);
        assert_eq!(project_of("x@evil.example.com"), None);
    }

    #[test]
    fn granted_permissions_classify() {
        let mut scope = Scope::unknown();
        classify(&json!({"permissions": ["resourcemanager.projects.get", "compute.disks.delete"]}), &mut scope);
        assert_eq!(scope.level, Level::Write);
        assert_eq!(scope.destructive, Some(true));
        let mut scope = Scope::unknown();
        classify(&json!({}), &mut scope);
        assert_eq!(scope.level, Level::None);
    }
}
