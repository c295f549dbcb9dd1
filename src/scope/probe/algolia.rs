//! Algolia (https://www.algolia.com/doc/rest-api/search/get-api-key): any key may read its
//! own permissions with `GET /1/keys/{key}` (ACL, indices, validity). The application's
//! admin key is not one of its keys: it answers 404 there and is recognised by listing
//! the keys (`GET /1/keys`), which only the admin key may do. The application id is the
//! companion; requests go to `APPID-dsn.algolia.net`.

use serde_json::Value;

use super::{Probe, Session, Target, push_unique, resource, strings};
use crate::scope::http::{ProbeError, Request, Shape, encode};
use crate::scope::{Level, Scope};

pub struct Algolia;

const ROOT: &str = "https://*.algolia.net";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/1/keys/*"), Shape::get(ROOT, "/1/keys")];
const DESTRUCTIVE: &[&str] = &["deleteIndex", "deleteObject"];
const WRITE: &[&str] = &["addObject", "editSettings", "deleteIndex", "deleteObject", "recommendation"];

impl Probe for Algolia {
    fn provider(&self) -> &'static str {
        "algolia"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["algolia.admin-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let app = t
            .companion_text()
            .map(str::to_ascii_uppercase)
            .filter(|a| (6..=16).contains(&a.len()) && a.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or_else(|| ProbeError::NotProbed("the application id was not found next to the key".into()))?;
        let root = format!("https://{}-dsn.algolia.net", app.to_ascii_lowercase());
        let get = |path: &str| {
            Request::get(&root, path).header("X-Algolia-API-Key", key).header("X-Algolia-Application-Id", &app)
        };
        scope.identity = Some(format!("application {app}"));
        push_unique(&mut scope.resources, resource("algolia", "application", &app));
        let own = s.send(&get(&format!("/1/keys/{}", encode(key))))?;
        // Algolia answers an unknown key (or application) with 403 and this message.
        let invalid = own.json().ok().and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string));
        if own.status == 403 && invalid.as_deref().is_some_and(|m| m.contains("Invalid Application-ID or API key")) {
            return Err(ProbeError::Unauthorized("invalid application id or API key".into()));
        }
        if own.status == 404 {
            let all = s.json(&get("/1/keys"))?;
            if all.get("keys").is_none() {
                return Err(ProbeError::Unexpected("no key list".into()));
            }
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("admin API key: every permission on the application, including its keys".into());
            return Ok(());
        }
        let info = own.ok()?.json()?;
        if info.get("acl").is_none() {
            return Err(ProbeError::Unexpected("no ACL".into()));
        }
        let acl = strings(&info, "acl");
        let has = |list: &[&str]| acl.iter().any(|a| list.contains(&a.as_str()));
        scope.level = if has(WRITE) {
            Level::Write
        } else if acl.is_empty() {
            Level::None
        } else {
            Level::Read
        };
        scope.destructive = Some(has(DESTRUCTIVE));
        let indexes = strings(&info, "indexes");
        if indexes.is_empty() {
            scope.notes.push("every index of the application".into());
        }
        for index in indexes {
            push_unique(&mut scope.resources, resource("algolia", "index", &index));
        }
        if let Some(v) = info.get("validity").and_then(Value::as_i64).filter(|v| *v > 0) {
            scope.notes.push(format!("valid for {v} more seconds"));
        }
        scope.permissions = acl;
        Ok(())
    }
}
