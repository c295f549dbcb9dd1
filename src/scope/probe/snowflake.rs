//! Snowflake (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating,
//! https://docs.snowflake.com/en/user-guide/programmatic-access-tokens): a programmatic
//! access token (which users also put where a password goes) runs one fixed statement
//! through the SQL API, `SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_AVAILABLE_ROLES()`
//! — no other statement can be sent — and `GET /api/v2/databases` lists the databases it
//! sees. The account host comes from next to the credential (`SNOWFLAKE_ACCOUNT`, the
//! URL) and must be `*.snowflakecomputing.com`.
//!
//! Snowflake's HTTP APIs take no plain passwords: a rejected credential may be a revoked
//! token or a password, so a rejection is not called revoked.

use serde_json::{Value, json};

use super::{Probe, Session, Target, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Snowflake;

const WHO: &str = "SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_AVAILABLE_ROLES()";
const STATEMENT: BodyKind = BodyKind::SqlStatement(&[WHO]);
static SHAPES: &[Shape] = &[
    Shape::post("https://*.snowflakecomputing.com", "/api/v2/statements", STATEMENT),
    Shape::post("https://*.*.snowflakecomputing.com", "/api/v2/statements", STATEMENT),
    Shape::post("https://*.*.*.snowflakecomputing.com", "/api/v2/statements", STATEMENT),
    Shape::get("https://*.snowflakecomputing.com", "/api/v2/databases"),
    Shape::get("https://*.*.snowflakecomputing.com", "/api/v2/databases"),
    Shape::get("https://*.*.*.snowflakecomputing.com", "/api/v2/databases"),
];
const ADMIN_ROLES: &[&str] = &["ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "ORGADMIN", "GLOBALORGADMIN"];

impl Probe for Snowflake {
    fn provider(&self) -> &'static str {
        "snowflake"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["snowflake.password-env", "snowflake.connections-file", "snowflake.url"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let secret = t.secret_text()?;
        let (token, account) = match secret.strip_prefix("snowflake://") {
            Some(rest) => {
                url_parts(rest).ok_or_else(|| ProbeError::NotProbed("the URL has no password or account".into()))?
            }
            None => (secret.to_string(), t.part("account").map(str::to_string).unwrap_or_default()),
        };
        let host = account_host(&account)
            .ok_or_else(|| ProbeError::NotProbed("no Snowflake account identifier next to it".into()))?;
        let root = format!("https://{host}");
        let auth = |r: Request| {
            r.bearer(&token)
                .header("X-Snowflake-Authorization-Token-Type", "PROGRAMMATIC_ACCESS_TOKEN")
                .header("Accept", "application/json")
        };
        let body = Body::Json(json!({"statement": WHO, "timeout": 20}));
        let response = s.send(&auth(Request::post(&root, "/api/v2/statements", body)))?;
        if matches!(response.status, 401 | 403) {
            return Err(ProbeError::Unexpected(
                "Snowflake rejected it as a programmatic access token: a revoked token, or a password, which its HTTP API does not take".into(),
            ));
        }
        let answer = response.ok()?.json()?;
        let row = answer
            .pointer("/data/0")
            .and_then(Value::as_array)
            .ok_or_else(|| ProbeError::Unexpected("the statement returned no row".into()))?;
        let cell = |i: usize| row.get(i).and_then(Value::as_str).unwrap_or("");
        let roles: Vec<String> = serde_json::from_str::<Vec<String>>(cell(2)).unwrap_or_default();
        scope.identity = Some(cell(0).to_string()).filter(|u| !u.is_empty());
        push_unique(&mut scope.resources, resource("snowflake", "account", &host));
        let has = |list: &[&str]| roles.iter().any(|r| list.contains(&r.as_str()));
        scope.level = if has(ADMIN_ROLES) {
            Level::Admin
        } else if has(&["SYSADMIN"]) {
            Level::Write
        } else {
            Level::Unknown
        };
        scope.destructive = if has(ADMIN_ROLES) || has(&["SYSADMIN"]) { Some(true) } else { None };
        scope.notes.push(format!(
            "may use roles {} (current {})",
            if roles.is_empty() { "?".into() } else { roles.join(", ") },
            if cell(1).is_empty() { "?" } else { cell(1) }
        ));
        scope.permissions = roles;
        if let Ok(dbs) = s.json(&auth(Request::get(&root, "/api/v2/databases"))) {
            for db in dbs.as_array().into_iter().flatten() {
                let Some(name) = str_of(db, "name") else { continue };
                push_unique(&mut scope.resources, resource("snowflake", "database", name));
                if looks_production(name) {
                    set_production(scope, true);
                }
            }
        }
        Ok(())
    }
}

/// (password, account) of `user:password@account[/db...]` (after `snowflake://`).
fn url_parts(rest: &str) -> Option<(String, String)> {
    let authority = rest.split(['/', '?']).next()?;
    let (userinfo, account) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    let password = percent_encoding::percent_decode_str(password).decode_utf8().ok()?.into_owned();
    Some((password, account.to_string()))
}

/// `org-account` or `locator.region[.cloud]` → its `*.snowflakecomputing.com` host.
fn account_host(account: &str) -> Option<String> {
    let account = account.trim().to_ascii_lowercase();
    let account = account.strip_suffix(".snowflakecomputing.com").unwrap_or(&account).replace('_', "-");
    let labels: Vec<&str> = account.split('.').collect();
    let ok = (1..=3).contains(&labels.len())
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    ok.then(|| format!("{account}.snowflakecomputing.com"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_become_snowflake_hosts() {
        assert_eq!(account_host("ACME-PROD").as_deref(), Some("acme-prod.snowflakecomputing.com"));
        assert_eq!(
            account_host("xy12345.us-east-2.aws").as_deref(),
            Some("xy12345.us-east-2.aws.snowflakecomputing.com")
        );
        assert_eq!(account_host("my_org-acct").as_deref(), Some("my-org-acct.snowflakecomputing.com"));
        assert_eq!(account_host("evil.example.com/x"), None);
        assert_eq!(account_host(""), None);
        assert_eq!(url_parts("app:p%40ss@acme-prod/db").unwrap(), ("p@ss".to_string(), "acme-prod".to_string()));
    }
}
