//! Offline decoders named by a rule's `scope.decode`: read what a credential's own bytes
//! say about it. Decoding never verifies signatures and never trusts the result beyond
//! classification.

use serde_json::Value;

use super::codec::b64url_decode;
use super::time::{now, rfc3339};
use super::{Activity, Level, Scope, ScopeSource};
use crate::credentials::Credential;

/// Applies decoder `name` to `credential`, refining `scope`. Unknown names do nothing
/// (rules naming them fail validation before a scan).
pub fn apply(name: &str, credential: &Credential, scope: &mut Scope) {
    match name {
        "jwt" => jwt(credential.secret.expose(), scope),
        "aws-key-id" => aws_key_id(credential, scope),
        "pypi-macaroon" => super::formats::pypi(credential.secret.expose(), scope),
        "fly-macaroon" => super::formats::fly(credential.secret.expose(), scope),
        "azure-sas" => super::formats::azure_sas(credential.secret.expose(), scope),
        _ => {}
    }
}

/// The decoder a provider's credentials get when their rule names none: the format says
/// enough that every rule for the provider benefits.
pub fn apply_default(provider: &str, credential: &Credential, scope: &mut Scope) {
    let secret = credential.secret.expose();
    match provider {
        "pypi" if secret.starts_with(b"pypi-") => apply("pypi-macaroon", credential, scope),
        "flyio" => apply("fly-macaroon", credential, scope),
        "azure" if secret.windows(4).any(|w| w == b"sig=") => apply("azure-sas", credential, scope),
        "aws" => apply("aws-key-id", credential, scope),
        "supabase" if secret.starts_with(b"eyJ") => apply("jwt", credential, scope),
        _ => {}
    }
}

/// The claims of a JWT, if its payload decodes.
pub fn jwt_claims(token: &[u8]) -> Option<serde_json::Map<String, Value>> {
    let payload = token.split(|&b| b == b'.').nth(1)?;
    match serde_json::from_slice(&b64url_decode(payload)?).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn jwt(token: &[u8], scope: &mut Scope) {
    let Some(claims) = jwt_claims(token) else { return };
    scope.source = ScopeSource::Offline;
    let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_string);
    match text("role").as_deref() {
        Some("service_role") => {
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("service_role key: bypasses row-level security, full database access".into());
        }
        Some("anon") => {
            scope.level = Level::None;
            scope.public = true;
            scope.notes.push("anon key: public by design".into());
        }
        Some(role) => scope.permissions.push(format!("role:{role}")),
        None => {}
    }
    let granted: Vec<String> = ["scope", "scp", "permissions", "roles"]
        .iter()
        .filter_map(|k| claims.get(*k))
        .flat_map(|v| match v {
            Value::String(s) => s.split_whitespace().map(str::to_string).collect::<Vec<_>>(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        })
        .collect();
    if scope.level == Level::Unknown && !granted.is_empty() {
        scope.level = level_of_permissions(&granted);
    }
    scope.permissions.extend(granted);
    scope.identity = scope.identity.take().or_else(|| text("sub")).or_else(|| text("iss"));
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        scope.expires = Some(rfc3339(exp));
        if exp < now() {
            scope.active = Activity::Inactive;
            scope.notes.push(format!("expired on {}", rfc3339(exp)));
        }
    }
}

/// The highest level a list of permission names implies.
pub fn level_of_permissions(permissions: &[String]) -> Level {
    let lower: Vec<String> = permissions.iter().map(|p| p.to_ascii_lowercase()).collect();
    let has = |words: &[&str]| lower.iter().any(|p| words.iter().any(|w| p.contains(w)));
    if has(&["admin", "owner", "*", "manage", "delete"]) {
        Level::Admin
    } else if has(&["write", "create", "update", "push", "publish", "send"]) {
        Level::Write
    } else {
        Level::Read
    }
}

/// AWS: long-lived (`AKIA`) or temporary (`ASIA`), and the account id encoded in newer key
/// ids (drop the prefix, base32-decode, take bits 7..47 of the first six bytes).
fn aws_key_id(credential: &Credential, scope: &mut Scope) {
    let candidates =
        std::iter::once(credential.secret.expose()).chain(credential.companion.as_ref().map(|c| c.value.expose()));
    let Some(id) = candidates.into_iter().find(|c| c.len() == 20 && c[0] == b'A') else { return };
    scope.source = ScopeSource::Offline;
    match &id[..4] {
        b"ASIA" => scope.notes.push("temporary STS credential (expires; needs its session token)".into()),
        b"AKIA" => scope.notes.push("long-lived IAM user key".into()),
        _ => {}
    }
    if let Some(account) = aws_account(id) {
        scope.identity = Some(format!("aws account {account}"));
        scope.resources.push(format!("aws:account/{account}"));
    }
    if credential.companion.is_none() {
        scope.notes.push("secret access key not found next to it".into());
    }
}

/// The 12-digit account id in an AWS access key id, for ids issued under the newer scheme.
pub fn aws_account(key_id: &[u8]) -> Option<String> {
    let body = key_id.get(4..20)?;
    if matches!(body[0], b'I' | b'J') {
        return None;
    }
    let bytes = base32_decode(body)?;
    let z = bytes[..6].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Some(format!("{:012}", (z & 0x7fff_ffff_ff80) >> 7))
}

fn base32_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_account_matches_the_reference_vector() {
        // Split so that the repository holds no whole key id (keyreach scans itself).
        let id = ["AKIABZPUZDIK", "FL2E55CO"].concat();
        assert_eq!(aws_account(id.as_bytes()).as_deref(), Some("123456789012"));
        assert_eq!(aws_account(b"AKIAIOSFODNN7EXAMPLE"), None);
    }

    #[test]
    fn jwt_roles_and_expiry_are_read() {
        let token =
            crate::rules::template::expand("{{jwt:role=service_role,exp=1893456000,iss=supabase}}", "j").unwrap();
        let mut scope = Scope::unknown();
        jwt(token.as_bytes(), &mut scope);
        assert_eq!(scope.level, Level::Admin);
        assert_eq!(scope.destructive, Some(true));
        assert_eq!(scope.expires.as_deref(), Some("2030-01-01T00:00:00Z"));
        let expired = crate::rules::template::expand("{{jwt:role=anon,exp=1000}}", "j").unwrap();
        let mut scope = Scope::unknown();
        jwt(expired.as_bytes(), &mut scope);
        assert!(scope.public);
        assert_eq!(scope.active, Activity::Inactive);
    }
}
