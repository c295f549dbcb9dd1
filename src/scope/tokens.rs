//! Offline facts of the formats the issue-18 probes serve: what a token's own text says
//! without any network call — its kind (a Doppler service token is one config, a CircleCI
//! `CCIPRJ_` token one project), the organization, URL or user written in its payload
//! (Sentry organization tokens, Grafana Cloud tokens, Mapbox tokens), the bot behind a
//! Telegram or Discord token, a Kubernetes service account and whether its token ever
//! expires. Nothing is verified, only read; a probe replaces these facts with the
//! provider's answer.

use serde_json::Value;

use super::probe::{looks_production, push_unique, resource};
use super::{Level, Scope, ScopeSource};

/// Adds what `token`'s format says about a credential of `provider` to `scope`.
pub fn facts(provider: &str, token: &[u8], scope: &mut Scope) {
    let Ok(t) = std::str::from_utf8(token) else { return };
    let t = t.trim();
    let before = scope.clone();
    match provider {
        "doppler" => doppler(t, scope),
        "circleci" if t.starts_with("CCIPRJ_") => {
            scope.notes.push("project token: one project (v1.1 API)".into());
        }
        "circleci" if t.starts_with("CCIPAT_") => scope.notes.push("personal token: every project of its user".into()),
        "sentry" => sentry(t, scope),
        "grafana" if t.starts_with("glc_") => grafana_cloud(t, scope),
        "mapbox" => mapbox(t, scope),
        "telegram" => {
            if let Some((id, _)) = t.split_once(':').filter(|(id, _)| id.bytes().all(|b| b.is_ascii_digit())) {
                scope.identity.get_or_insert_with(|| format!("bot {id}"));
            }
        }
        "discord" => {
            let id = t.split('.').next().and_then(|p| super::codec::b64url_decode(p.as_bytes()));
            if let Some(id) =
                id.and_then(|b| String::from_utf8(b).ok()).filter(|i| i.bytes().all(|b| b.is_ascii_digit()))
            {
                scope.identity.get_or_insert_with(|| format!("bot {id}"));
            }
        }
        "kubernetes" => kubernetes(t, scope),
        "pagerduty" if t.starts_with("u+") => scope.notes.push("user API token: every permission of its user".into()),
        "mailchimp" => {
            if let Some((_, dc)) = t.rsplit_once('-').filter(|(_, dc)| dc.starts_with("us")) {
                scope.notes.push(format!("data center {dc}"));
            }
        }
        "vault" if t.starts_with("hvb.") || t.starts_with("b.") => {
            scope.notes.push("batch token: cannot be renewed or revoked on its own; lives until its TTL".into());
        }
        _ => {}
    }
    if *scope != before {
        scope.source = ScopeSource::Offline;
    }
}

/// `dp.st.<config>.…` service tokens name their config; the prefix names the kind.
fn doppler(t: &str, scope: &mut Scope) {
    let kind = match t.split('.').nth(1) {
        Some("st") => "service token: reads the secrets of one config",
        Some("sa") => "service account token: acts for a service account of the workplace",
        Some("pt") => "personal token: every project its user reaches",
        Some("ct") => "CLI token: every project its user reaches",
        Some("scim") => "SCIM token: manages the workplace's users",
        Some("audit") => "audit token: reads the workplace's audit log",
        _ => return,
    };
    scope.notes.push(kind.into());
    if let Some(config) = t.strip_prefix("dp.st.").and_then(|r| r.split_once('.')).map(|(c, _)| c) {
        push_unique(&mut scope.resources, resource("doppler", "config", config));
        if looks_production(config) {
            scope.production = Some(true);
        }
    }
    if t.starts_with("dp.audit.") && scope.level == Level::Unknown {
        scope.level = Level::Read;
    }
}

/// Organization tokens: `sntrys_<base64 JSON {url, region_url, org}>_<secret>`.
fn sentry(t: &str, scope: &mut Scope) {
    let Some(payload) = super::probe::sentry_payload(t) else { return };
    if let Some(org) = payload.get("org").and_then(Value::as_str) {
        push_unique(&mut scope.resources, resource("sentry", "org", org));
        scope.identity.get_or_insert_with(|| format!("organization token of {org}"));
    }
    if let Some(url) = payload.get("url").and_then(Value::as_str) {
        scope.notes.push(format!("organization token for {url} (org:ci: releases and source maps)"));
    }
}

/// Grafana Cloud access policy tokens: `glc_<base64 JSON {o: org id, n: name, m: {r: region}}>`.
fn grafana_cloud(t: &str, scope: &mut Scope) {
    use base64::Engine as _;
    let body = t.trim_start_matches("glc_");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(body)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(body.trim_end_matches('=')));
    let Some(payload) = raw.ok().and_then(|r| serde_json::from_slice::<Value>(&r).ok()) else { return };
    let text = |v: Option<&Value>| {
        v.and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_i64().map(|n| n.to_string())))
    };
    if let Some(org) = text(payload.get("o")) {
        push_unique(&mut scope.resources, resource("grafana", "cloud-org", &org));
    }
    if let Some(name) = text(payload.get("n")) {
        scope.identity.get_or_insert_with(|| format!("access policy token {name}"));
    }
    if let Some(region) = text(payload.pointer("/m/r")) {
        scope.notes.push(format!("Grafana Cloud region {region}"));
    }
}

/// Mapbox tokens: `sk.<base64url JSON {u: user, a: token id}>.<signature>`.
fn mapbox(t: &str, scope: &mut Scope) {
    let payload = t.split('.').nth(1).and_then(|p| super::codec::b64url_decode(p.as_bytes()));
    let Some(payload) = payload.and_then(|p| serde_json::from_slice::<Value>(&p).ok()) else { return };
    if let Some(user) = payload.get("u").and_then(Value::as_str) {
        scope.identity.get_or_insert_with(|| user.to_string());
        push_unique(&mut scope.resources, resource("mapbox", "account", user));
    }
}

/// Service-account JWTs: the namespace and account (legacy and bound claims); a legacy
/// token has no expiry.
fn kubernetes(t: &str, scope: &mut Scope) {
    let Some(claims) = super::decode::jwt_claims(t.as_bytes()) else { return };
    let legacy = |k: &str| claims.get(&format!("kubernetes.io/serviceaccount/{k}")).and_then(Value::as_str);
    let bound = claims.get("kubernetes.io");
    let namespace = legacy("namespace").or_else(|| bound.and_then(|b| b.get("namespace")).and_then(Value::as_str));
    let account = legacy("service-account.name")
        .or_else(|| bound.and_then(|b| b.pointer("/serviceaccount/name")).and_then(Value::as_str));
    if let (Some(ns), Some(sa)) = (namespace, account) {
        scope.identity = Some(format!("system:serviceaccount:{ns}:{sa}"));
        push_unique(&mut scope.resources, resource("kubernetes", "namespace", ns));
        if looks_production(ns) {
            scope.production = Some(true);
        }
    }
    if claims.get("exp").is_none() && claims.get("iss").and_then(Value::as_str) == Some("kubernetes/serviceaccount") {
        scope.notes.push("legacy service-account token: never expires".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_of(provider: &str, template: &str) -> Scope {
        let token = crate::rules::template::expand(template, "facts").unwrap();
        let mut scope = Scope::unknown();
        facts(provider, token.as_bytes(), &mut scope);
        scope
    }

    #[test]
    fn formats_tell_kind_owner_and_reach() {
        let s = facts_of("doppler", "dp.st.prd.{{alnum:40}}");
        assert_eq!(s.resources, vec!["doppler:config/prd"]);
        assert_eq!(s.production, Some(true));
        assert_eq!(s.source, ScopeSource::Offline);
        let s = facts_of(
            "sentry",
            "sntrys_{{base64:{\"iat\":1,\"url\":\"https://sentry.io\",\"org\":\"acme\"}{{}}}}_{{b64:43}}",
        );
        assert_eq!(s.identity.as_deref(), Some("organization token of acme"));
        let s = facts_of("telegram", "123456789:AA{{b64url:33}}");
        assert_eq!(s.identity.as_deref(), Some("bot 123456789"));
        let s = facts_of("mapbox", "sk.{{base64:{\"u\":\"acme-maps\",\"a\":\"x\"}{{}}}}.{{b64url:22}}");
        assert_eq!(s.identity.as_deref(), Some("acme-maps"));
        let s = facts_of(
            "kubernetes",
            "{{jwt:iss=kubernetes/serviceaccount,kubernetes.io/serviceaccount/namespace=prod,kubernetes.io/serviceaccount/service-account.name=ci}}",
        );
        assert_eq!(s.identity.as_deref(), Some("system:serviceaccount:prod:ci"));
        assert_eq!(s.production, Some(true));
        assert!(s.notes.iter().any(|n| n.contains("never expires")), "{:?}", s.notes);
        let s = facts_of("groq", "gsk_{{alnum:52}}");
        assert_eq!(s, Scope::unknown(), "no facts, no offline source");
    }
}
