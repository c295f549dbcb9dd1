//! Kubernetes (cloud.md, "Kubernetes kubeconfig tokens"): a `SelfSubjectReview` names the
//! user and groups behind a bearer token (`kubectl auth whoami`), and a
//! `SelfSubjectRulesReview` lists what it may do in its namespace (`kubectl auth can-i
//! --list`). Both are computed by the API server and never stored: nothing is created.
//!
//! A cluster has no official host: the token is sent only to the API server the user
//! gives (`--endpoint kubernetes=https://CLUSTER:6443` or the user's own config). The
//! kubeconfig's own `server:` never stands for it, and must name the same host if found.
//! Client certificates, exec plugins and auth-provider refresh flows are never used, and
//! the kubeconfig's `certificate-authority-data` is not trusted either: a cluster whose
//! certificate only a private CA signs ends the probe indeterminate (TLS), unless the
//! endpoint is a loopback tunnel (`kubectl proxy`, `http://127.0.0.1:8001`).

use serde_json::{Value, json};

use super::{Probe, Session, Target, USER_ENDPOINT, items, jwt_claims, looks_production, push_unique, resource};
use super::{set_production, str_of, strings};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Kubernetes;

const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const RULES: &str = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
const REVIEW: BodyKind = BodyKind::JsonKeys(&["apiVersion", "kind", "spec"]);
static SHAPES: &[Shape] = &[Shape::post(USER_ENDPOINT, WHOAMI, REVIEW), Shape::post(USER_ENDPOINT, RULES, REVIEW)];

/// Resources whose deletion loses data or takes a service down.
const PRECIOUS: &[&str] = &[
    "persistentvolumeclaims",
    "persistentvolumes",
    "namespaces",
    "deployments",
    "statefulsets",
    "secrets",
    "volumesnapshots",
    "*",
];

impl Probe for Kubernetes {
    fn provider(&self) -> &'static str {
        "kubernetes"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "kubernetes.kubeconfig-token",
            "kubernetes.service-account-jwt",
            "kubernetes.service-account-token-secret",
            "kubernetes.bootstrap-token",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = bearer_token(t.secret_text()?)?;
        s.user_endpoint(
            t.part("server"),
            "a cluster has no official address; pass --endpoint kubernetes=https://API_SERVER:6443 to probe it there",
        )?;
        let post = |path: &str, body: Value| Request::post(USER_ENDPOINT, path, Body::Json(body)).bearer(&token);
        let namespace = namespace_of(&token, t.part("namespace"));
        // Old clusters have no v1 SelfSubjectReview (404): the rules review still answers.
        let who =
            s.send(&post(WHOAMI, json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})))?;
        let mut groups = Vec::new();
        if who.status != 404 {
            let who = who.ok()?.json()?;
            let user = who.pointer("/status/userInfo").unwrap_or(&Value::Null);
            scope.identity = str_of(user, "username").map(str::to_string);
            groups = strings(user, "groups");
        }
        let review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
            "spec": {"namespace": namespace}});
        let rules = s.json(&post(RULES, review))?;
        let status = rules
            .get("status")
            .filter(|v| v.is_object())
            .ok_or_else(|| ProbeError::Unexpected("the rules review has no status".into()))?;
        push_unique(&mut scope.resources, resource("kubernetes", "namespace", &namespace));
        if looks_production(&namespace) {
            set_production(scope, true);
        }
        classify(status, &groups, scope);
        Ok(())
    }
}

/// The token as sent: a Secret's `data.token` is base64 of the JWT.
fn bearer_token(secret: &str) -> Result<String, ProbeError> {
    if !secret.starts_with("ZXlK") {
        return Ok(secret.to_string());
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(secret)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(|t| t.trim().to_string())
        .ok_or_else(|| ProbeError::NotProbed("the Secret's token does not decode".into()))
}

/// The namespace a service-account token belongs to (legacy and bound claims), else the
/// kubeconfig context's, else `default`.
fn namespace_of(token: &str, context: Option<&str>) -> String {
    let claims = jwt_claims(token).unwrap_or_default();
    let legacy = claims.get("kubernetes.io/serviceaccount/namespace").and_then(Value::as_str);
    let bound = claims.get("kubernetes.io").and_then(|k| k.get("namespace")).and_then(Value::as_str);
    let valid = |n: &&str| !n.is_empty() && n.len() <= 63 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    legacy.or(bound).or(context).filter(valid).unwrap_or("default").to_string()
}

/// Level, destructive and permissions from a rules review's `resourceRules`.
fn classify(status: &Value, groups: &[String], scope: &mut Scope) {
    let mut permissions = Vec::new();
    let (mut write, mut read, mut admin, mut destroy) = (false, false, false, Vec::new());
    for rule in items(status, "resourceRules") {
        let verbs = strings(rule, "verbs");
        let resources = strings(rule, "resources");
        let any = |list: &[&str]| verbs.iter().any(|v| v == "*" || list.contains(&v.as_str()));
        if any(&["create", "update", "patch", "delete", "deletecollection"]) {
            write = true;
        }
        if any(&["get", "list", "watch"]) {
            read = true;
        }
        if any(&["escalate", "bind", "impersonate"])
            || (verbs.iter().any(|v| v == "*") && resources.iter().any(|r| r == "*"))
            || (any(&["create"]) && resources.iter().any(|r| r == "pods/exec" || r == "serviceaccounts/token"))
        {
            admin = true;
        }
        if any(&["delete", "deletecollection"]) {
            destroy.extend(resources.iter().filter(|r| PRECIOUS.contains(&r.as_str())).cloned());
        }
        if !verbs.is_empty() {
            permissions.push(format!(
                "{} {}",
                verbs.join(","),
                if resources.is_empty() { "-".into() } else { resources.join(",") }
            ));
        }
    }
    if groups.iter().any(|g| g == "system:masters") {
        admin = true;
        scope.notes.push("member of system:masters: bypasses RBAC entirely".into());
    }
    scope.level = if admin {
        Level::Admin
    } else if write {
        Level::Write
    } else if read {
        Level::Read
    } else {
        Level::None
    };
    destroy.sort();
    destroy.dedup();
    scope.destructive = Some(admin || !destroy.is_empty());
    if !destroy.is_empty() {
        scope.notes.push(format!("can delete {}", destroy.join(", ")));
    }
    if status.get("incomplete").and_then(Value::as_bool) == Some(true) {
        scope.notes.push("the cluster's authorizer could not list every rule: it may allow more".into());
    }
    scope.permissions = permissions;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_classify() {
        let mut scope = Scope::unknown();
        classify(&json!({"resourceRules": [{"verbs": ["get", "list"], "resources": ["pods"]}]}), &[], &mut scope);
        assert_eq!((scope.level, scope.destructive), (Level::Read, Some(false)));
        let mut scope = Scope::unknown();
        let admin = json!({"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]});
        classify(&admin, &[], &mut scope);
        assert_eq!((scope.level, scope.destructive), (Level::Admin, Some(true)));
        let mut scope = Scope::unknown();
        classify(
            &json!({"resourceRules": [{"verbs": ["delete"], "resources": ["persistentvolumeclaims"]}]}),
            &[],
            &mut scope,
        );
        assert_eq!((scope.level, scope.destructive), (Level::Write, Some(true)));
    }

    #[test]
    fn namespaces_come_from_the_token() {
        let legacy = crate::rules::template::expand("{{jwt:kubernetes.io/serviceaccount/namespace=ci}}", "k").unwrap();
        assert_eq!(namespace_of(&legacy, Some("other")), "ci");
        assert_eq!(namespace_of("opaque", Some("prod")), "prod");
        assert_eq!(namespace_of("opaque", Some("../x")), "default");
    }
}
