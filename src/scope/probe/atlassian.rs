//! Atlassian Cloud (devplatforms.md, "Atlassian"): an API token works with its account
//! email (HTTP Basic) on the account's sites. `GET /rest/api/3/myself` names the account
//! and `GET /rest/api/3/mypermissions` tells administration and deletion rights. The site
//! comes from next to the token and must be a `*.atlassian.net` host.

use serde_json::Value;

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Activity, Level, Scope};

pub struct Atlassian;

const ROOT: &str = "https://*.atlassian.net";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/rest/api/3/myself"), Shape::get(ROOT, "/rest/api/3/mypermissions")];
const PERMISSIONS: &str = "ADMINISTER,SYSTEM_ADMIN,ADMINISTER_PROJECTS,DELETE_ISSUES,CREATE_ISSUES,BROWSE_PROJECTS";

impl Probe for Atlassian {
    fn provider(&self) -> &'static str {
        "atlassian"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["atlassian.api-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let email = t.part("email").filter(|e| e.contains('@')).ok_or_else(|| {
            ProbeError::NotProbed(
                "an Atlassian API token works only with its account email, not found next to it".into(),
            )
        })?;
        let site = t
            .part("site")
            .map(str::to_ascii_lowercase)
            .filter(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .ok_or_else(|| ProbeError::NotProbed("no *.atlassian.net site next to the token".into()))?;
        let root = format!("https://{site}.atlassian.net");
        let get =
            |path: &str| s.json(&Request::get(&root, path).basic(email, token).header("Accept", "application/json"));
        let me = get("/rest/api/3/myself")?;
        let account = str_of(&me, "accountId").ok_or_else(|| ProbeError::Unexpected("no accountId".into()))?;
        scope.identity =
            Some(str_of(&me, "emailAddress").or(str_of(&me, "displayName")).unwrap_or(account).to_string());
        push_unique(&mut scope.resources, resource("atlassian", "site", &format!("{site}.atlassian.net")));
        if me.get("active").and_then(Value::as_bool) == Some(false) {
            scope.active = Activity::Inactive;
            scope.notes.push("the account is deactivated".into());
        }
        let perms = get(&format!("/rest/api/3/mypermissions?permissions={PERMISSIONS}"))?;
        let have =
            |k: &str| perms.pointer(&format!("/permissions/{k}/havePermission")).and_then(Value::as_bool) == Some(true);
        let granted: Vec<String> = PERMISSIONS.split(',').filter(|k| have(k)).map(str::to_string).collect();
        scope.level = if have("ADMINISTER") || have("SYSTEM_ADMIN") {
            Level::Admin
        } else if have("CREATE_ISSUES") || have("ADMINISTER_PROJECTS") || have("DELETE_ISSUES") {
            Level::Write
        } else if have("BROWSE_PROJECTS") {
            Level::Read
        } else {
            Level::None
        };
        scope.destructive =
            Some(have("ADMINISTER") || have("SYSTEM_ADMIN") || have("DELETE_ISSUES") || have("ADMINISTER_PROJECTS"));
        scope.notes.push("classic API token: every permission of its account on every site it belongs to".into());
        scope.permissions = granted;
        Ok(())
    }
}
