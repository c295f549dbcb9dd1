//! SendGrid (cloud.md, "SendGrid"): `GET /v3/scopes` returns the scopes of the key making
//! the call. Never sends mail and never touches `/v3/api_keys`.

use serde_json::Value;

use super::{Probe, Session, Target, items};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Sendgrid;

const ROOT: &str = "https://api.sendgrid.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v3/scopes")];
const ADMIN_PREFIXES: &[&str] =
    &["api_keys.", "teammates.", "subusers.", "billing.", "user.account.update", "whitelabel.", "ips."];

impl Probe for Sendgrid {
    fn provider(&self) -> &'static str {
        "sendgrid"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["sendgrid.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let body = s.json(&Request::get(ROOT, "/v3/scopes").bearer(key))?;
        let scopes: Vec<String> = items(&body, "scopes").iter().filter_map(Value::as_str).map(str::to_string).collect();
        let admin = scopes.iter().any(|s| ADMIN_PREFIXES.iter().any(|p| s.starts_with(p)) && !s.ends_with(".read"));
        scope.level = if admin {
            Level::Admin
        } else if scopes.iter().any(|s| !s.ends_with(".read")) {
            Level::Write
        } else {
            Level::Read
        };
        scope.destructive = Some(admin);
        if scopes.iter().any(|s| s == "mail.send") {
            scope.notes.push("can send mail as the account's verified domains".into());
            scope.production = Some(true);
        }
        scope.notes.push(format!("{} scopes", scopes.len()));
        scope.permissions = scopes;
        Ok(())
    }
}
