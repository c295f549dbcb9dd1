//! AWS (cloud.md, "AWS"): `sts:GetCallerIdentity` (SigV4, needs no permission) names the
//! principal; then the IAM reads that are allowed to say what it can do:
//! `SimulatePrincipalPolicy` for a fixed list of destructive and administrative actions
//! (evaluates policies, performs nothing), `ListAttachedUserPolicies` / `...RolePolicies`
//! as a fallback, and `ListAccountAliases` for a production hint.
//!
//! The secret is the secret access key; its companion is the access key id. Temporary
//! (`ASIA`) keys are probed with the session token found next to them (sent as
//! `X-Amz-Security-Token` and signed); without one they are not probed. A session's ARN
//! is an assumed role: its permissions are simulated as the role's.

use ring::{digest, hmac};

use super::{Probe, Session, Target, looks_production, push_unique, resource};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Response, Shape};
use crate::scope::time::now;
use crate::scope::{Level, Scope};

pub struct Aws;

const STS: &str = "https://sts.amazonaws.com";
const IAM: &str = "https://iam.amazonaws.com";
const IAM_READS: &[&str] = &[
    "GetUser",
    "SimulatePrincipalPolicy",
    "ListAttachedUserPolicies",
    "ListAttachedRolePolicies",
    "ListAccountAliases",
];
static SHAPES: &[Shape] = &[
    Shape::post(STS, "/", BodyKind::AwsQuery(&["GetCallerIdentity"])),
    Shape::post(IAM, "/", BodyKind::AwsQuery(IAM_READS)),
];

/// Actions whose permission makes a key an administrator (privilege escalation paths).
const ADMIN_ACTIONS: &[&str] =
    &["iam:CreateAccessKey", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateUser", "iam:PassRole"];
/// Actions that delete or overwrite data, or mint keys.
const DESTRUCTIVE_ACTIONS: &[&str] = &[
    "s3:DeleteBucket",
    "s3:DeleteObject",
    "ec2:TerminateInstances",
    "ec2:DeleteVolume",
    "ec2:DeleteSnapshot",
    "rds:DeleteDBInstance",
    "rds:DeleteDBCluster",
    "rds:DeleteDBSnapshot",
    "dynamodb:DeleteTable",
    "backup:DeleteRecoveryPoint",
    "kms:ScheduleKeyDeletion",
    "cloudformation:DeleteStack",
    "lambda:DeleteFunction",
];
const WRITE_ACTIONS: &[&str] = &["s3:PutObject", "ec2:RunInstances", "lambda:UpdateFunctionCode"];
const READ_ACTIONS: &[&str] = &["s3:GetObject", "ec2:DescribeInstances"];

impl Probe for Aws {
    fn provider(&self) -> &'static str {
        "aws"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["aws.access-key", "aws.secret-access-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let secret = t.secret_text()?;
        let key_id = t
            .companion_text()
            .ok_or_else(|| ProbeError::NotProbed("the access key id was not found next to the secret key".into()))?;
        let session = t.part("session_token");
        if key_id.starts_with("ASIA") && session.is_none() {
            return Err(ProbeError::NotProbed("temporary STS key: its session token was not found".into()));
        }
        let keys = Keys { id: key_id, secret, session: session.filter(|_| key_id.starts_with("ASIA")) };
        if keys.session.is_some() {
            scope.notes.push("temporary STS session credentials: expire with their session".into());
        }
        let sts = call(s, &keys, STS, "sts", &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")])?;
        let arn =
            tag(&sts.text(), "Arn").ok_or_else(|| ProbeError::Unexpected("no Arn in GetCallerIdentity".into()))?;
        let account = tag(&sts.text(), "Account").unwrap_or_default();
        scope.identity = Some(arn.clone());
        push_unique(&mut scope.resources, resource("aws", "account", &account));
        if arn.ends_with(":root") {
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("root user key: unlimited power over the account".into());
        } else {
            permissions(s, &keys, &arn, scope)?;
        }
        if let Ok(r) = call(s, &keys, IAM, "iam", &[("Action", "ListAccountAliases"), ("Version", "2010-05-08")]) {
            for alias in tags(&r.text(), "member") {
                scope.notes.push(format!("account alias {alias}"));
                push_unique(&mut scope.resources, resource("aws", "alias", &alias));
                if looks_production(&alias) {
                    scope.production = Some(true);
                }
            }
        }
        Ok(())
    }
}

struct Keys<'a> {
    id: &'a str,
    secret: &'a str,
    /// The STS session token of an `ASIA` key.
    session: Option<&'a str>,
}

/// The IAM ARN a simulation takes: the role for an assumed-role session.
fn policy_source(arn: &str) -> String {
    match arn.split_once(":assumed-role/") {
        Some((head, rest)) => {
            let role = rest.split('/').next().unwrap_or(rest);
            format!("{}:role/{role}", head.replace(":sts:", ":iam:"))
        }
        None => arn.to_string(),
    }
}

fn permissions(s: &Session<'_>, keys: &Keys<'_>, arn: &str, scope: &mut Scope) -> Result<(), ProbeError> {
    let source = policy_source(arn);
    let actions: Vec<&str> =
        ADMIN_ACTIONS.iter().chain(DESTRUCTIVE_ACTIONS).chain(WRITE_ACTIONS).chain(READ_ACTIONS).copied().collect();
    let names: Vec<String> = (1..=actions.len()).map(|i| format!("ActionNames.member.{i}")).collect();
    let mut form: Vec<(&str, &str)> =
        vec![("Action", "SimulatePrincipalPolicy"), ("Version", "2010-05-08"), ("PolicySourceArn", &source)];
    form.extend(names.iter().map(String::as_str).zip(actions.iter().copied()));
    match call(s, keys, IAM, "iam", &form) {
        Ok(r) => simulated(&r.text(), scope),
        Err(ProbeError::Forbidden(_)) => attached_policies(s, keys, arn, scope),
        Err(e) => return Err(e),
    }
    Ok(())
}

fn simulated(xml: &str, scope: &mut Scope) {
    let allowed: Vec<String> = xml
        .split("<member>")
        .filter(|m| tag(m, "EvalDecision").as_deref() == Some("allowed"))
        .filter_map(|m| tag(m, "EvalActionName"))
        .collect();
    let any = |list: &[&str]| allowed.iter().any(|a| list.contains(&a.as_str()));
    scope.level = if any(ADMIN_ACTIONS) {
        Level::Admin
    } else if any(DESTRUCTIVE_ACTIONS) || any(WRITE_ACTIONS) {
        Level::Write
    } else if any(READ_ACTIONS) {
        Level::Read
    } else {
        Level::None
    };
    let destructive: Vec<&String> = allowed.iter().filter(|a| DESTRUCTIVE_ACTIONS.contains(&a.as_str())).collect();
    scope.destructive = Some(!destructive.is_empty() || any(ADMIN_ACTIONS));
    if !destructive.is_empty() {
        let list: Vec<&str> = destructive.iter().take(4).map(|a| a.as_str()).collect();
        scope.notes.push(format!("policies allow destructive actions: {}", list.join(", ")));
    }
    if any(ADMIN_ACTIONS) {
        scope.notes.push("can mint access keys or change IAM policies".into());
    }
    scope.permissions = allowed;
}

fn attached_policies(s: &Session<'_>, keys: &Keys<'_>, arn: &str, scope: &mut Scope) {
    let (action, key, name) = if let Some(user) = arn.split(":user/").nth(1) {
        ("ListAttachedUserPolicies", "UserName", user.rsplit('/').next().unwrap_or(user).to_string())
    } else if arn.contains(":assumed-role/") {
        let role = policy_source(arn);
        ("ListAttachedRolePolicies", "RoleName", role.rsplit('/').next().unwrap_or("").to_string())
    } else {
        ("", "", String::new())
    };
    let listed = if action.is_empty() {
        None
    } else {
        call(s, keys, IAM, "iam", &[("Action", action), ("Version", "2010-05-08"), (key, &name)]).ok()
    };
    let Some(r) = listed else {
        scope.notes.push("cannot read its own IAM permissions: what it can do is unknown".into());
        return;
    };
    let policies = tags(&r.text(), "PolicyName");
    let has = |p: &str| policies.iter().any(|x| x == p);
    let full = policies.iter().any(|p| p.ends_with("FullAccess"));
    if has("AdministratorAccess") || has("IAMFullAccess") {
        scope.level = Level::Admin;
        scope.destructive = Some(true);
    } else if has("PowerUserAccess") || full {
        scope.level = Level::Write;
        scope.destructive = Some(true);
    } else if policies.iter().all(|p| matches!(p.as_str(), "ReadOnlyAccess" | "ViewOnlyAccess" | "SecurityAudit"))
        && !policies.is_empty()
    {
        scope.level = Level::Read;
        scope.destructive = Some(false);
    } else {
        scope.notes.push("attached policies do not tell its level".into());
    }
    scope
        .notes
        .push(format!("attached policies: {}", if policies.is_empty() { "none".into() } else { policies.join(", ") }));
    scope.permissions = policies;
}

fn call(
    s: &Session<'_>,
    keys: &Keys<'_>,
    root: &str,
    service: &str,
    form: &[(&str, &str)],
) -> Result<Response, ProbeError> {
    let fields: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let body = Body::Form(fields);
    let host = s.host_for(root);
    let date = amz_date(now());
    let auth = sign(keys, &host, &date, service, &body.bytes());
    let mut request = Request::post(root, "/", body).header("X-Amz-Date", date).header("Authorization", auth);
    if let Some(token) = keys.session {
        request = request.header("X-Amz-Security-Token", token);
    }
    let response = s.send(&request)?;
    if response.status == 403 || response.status == 400 {
        let code = tag(&response.text(), "Code").unwrap_or_default();
        return Err(match code.as_str() {
            "InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken" | "UnrecognizedClientException" => {
                ProbeError::Unauthorized(code)
            }
            "AccessDenied" | "AccessDeniedException" => ProbeError::Forbidden(code),
            "Throttling" => ProbeError::RateLimited { retry_after: None },
            _ => ProbeError::Unexpected(format!("HTTP {}", response.status)),
        });
    }
    response.ok()
}

/// `20260101T000000Z`
pub fn amz_date(secs: i64) -> String {
    crate::scope::time::rfc3339(secs).replace(['-', ':'], "")
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data).as_ref().to_vec()
}

/// The SigV4 `Authorization` header for a Query API POST to `/` (region us-east-1).
fn sign(keys: &Keys<'_>, host: &str, date: &str, service: &str, payload: &[u8]) -> String {
    let day = &date[..8];
    let region = "us-east-1";
    let (signed, token_line) = match keys.session {
        Some(token) => ("content-type;host;x-amz-date;x-amz-security-token", format!("x-amz-security-token:{token}\n")),
        None => ("content-type;host;x-amz-date", String::new()),
    };
    let canonical = format!(
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:{host}\nx-amz-date:{date}\n{token_line}\n{signed}\n{}",
        hex_sha256(payload)
    );
    let scope = format!("{day}/{region}/{service}/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex_sha256(canonical.as_bytes()));
    let mut key = hmac(format!("AWS4{}", keys.secret).as_bytes(), day.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}", keys.id)
}

/// The text of the first `<name>` element.
fn tag(xml: &str, name: &str) -> Option<String> {
    tags(xml, name).into_iter().next()
}

/// The text of every `<name>` element without nested elements, XML entities decoded.
fn tags(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(text, _)| text))
        .filter(|text| !text.contains('<'))
        .map(|t| {
            t.trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigv4_matches_the_reference_vector() {
        let keys = Keys {
            id: concat!("AKIA", "BZPUZDIKFL2E55CO"),
            secret: concat!("fAkEsEcReTkEy", "0000000000000000000000FAKE+"),
            session: None,
        };
        let payload = b"Action=GetCallerIdentity&Version=2011-06-15";
        assert_eq!(hex_sha256(payload), "ab821ae955788b0e33ebd34c208442ccfc2d406e2edc5e7a39bd6458fbb4f843");
        let auth = sign(&keys, "sts.amazonaws.com", "20260101T000000Z", "sts", payload);
        assert_eq!(
            auth,
            format!(
                "AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/sts/aws4_request, \
SignedHeaders=content-type;host;x-amz-date, Signature=f6f80bdd1a6900853468af8557c15ad2a019d18043ee998ea1664cb267edbc75",
                keys.id
            )
        );
        assert_eq!(amz_date(1_767_225_600), "20260101T000000Z");
    }

    #[test]
    fn assumed_roles_simulate_as_the_role() {
        assert_eq!(
            policy_source("arn:aws:sts::123456789012:assumed-role/Deploy/s1"),
            "arn:aws:iam::123456789012:role/Deploy"
        );
        assert_eq!(policy_source("arn:aws:iam::123456789012:user/ci"), "arn:aws:iam::123456789012:user/ci");
    }

    #[test]
    fn simulation_results_set_level_and_destructive() {
        let xml = "<EvaluationResults><member><EvalActionName>s3:DeleteBucket</EvalActionName><EvalDecision>allowed</EvalDecision></member>\
<member><EvalActionName>iam:CreateAccessKey</EvalActionName><EvalDecision>implicitDeny</EvalDecision></member></EvaluationResults>";
        let mut scope = Scope::unknown();
        simulated(xml, &mut scope);
        assert_eq!(scope.level, Level::Write);
        assert_eq!(scope.destructive, Some(true));
        assert_eq!(tags("<a><member>x&amp;y</member></a>", "member"), vec!["x&y"]);
    }
}
