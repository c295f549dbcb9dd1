//! Twilio (cloud.md, "Twilio"): `GET /2010-04-01/Accounts/{AccountSid}.json` with HTTP Basic
//! (account SID and auth token). The response echoes the account's auth token: it is never
//! kept. The secret is the auth token; its companion the `AC…` account SID.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Activity, Level, Scope};

pub struct Twilio;

const ROOT: &str = "https://api.twilio.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/2010-04-01/Accounts/*")];

impl Probe for Twilio {
    fn provider(&self) -> &'static str {
        "twilio"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["twilio.auth-token", "twilio.api-key-secret", "twilio.auth-token-nested", "twilio.sid-and-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let sid = t
            .companion_text()
            .filter(|c| c.len() == 34 && c.starts_with("AC") && c[2..].bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| ProbeError::NotProbed("the account SID was not found next to the auth token".into()))?;
        let mut account = s.json(&Request::get(ROOT, &format!("/2010-04-01/Accounts/{sid}.json")).basic(sid, token))?;
        if let Some(map) = account.as_object_mut() {
            map.remove("auth_token");
        }
        scope.identity = Some(str_of(&account, "friendly_name").unwrap_or(sid).to_string());
        push_unique(&mut scope.resources, resource("twilio", "account", sid));
        if let Some("suspended" | "closed") = str_of(&account, "status") {
            scope.active = Activity::Inactive;
            scope.notes.push("the account is suspended or closed".into());
        }
        scope.level = Level::Admin;
        scope.destructive = Some(true);
        scope.production = Some(str_of(&account, "type") == Some("Full"));
        scope.notes.push("auth token: full account power (numbers, messages, subaccounts, keys)".into());
        Ok(())
    }
}
