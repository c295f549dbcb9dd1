//! Notion (https://developers.notion.com/reference/get-self): `GET /v1/users/me` names an
//! integration's bot and its workspace, and a `POST /v1/search` (read-only) counts the
//! pages and databases shared with it. Its capabilities (read, update, insert) are not
//! visible to the token.

use serde_json::json;

use super::{Probe, Session, Target, items, push_unique, resource, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Notion;

const ROOT: &str = "https://api.notion.com";
const VERSION: &str = "2022-06-28";
static SHAPES: &[Shape] =
    &[Shape::get(ROOT, "/v1/users/me"), Shape::post(ROOT, "/v1/search", BodyKind::JsonKeys(&["page_size"]))];

impl Probe for Notion {
    fn provider(&self) -> &'static str {
        "notion"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["notion.integration-token", "notion.integration-token-legacy"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let me = s.json(&Request::get(ROOT, "/v1/users/me").bearer(token).header("Notion-Version", VERSION))?;
        if str_of(&me, "object") != Some("user") {
            return Err(ProbeError::Unexpected("not a user object".into()));
        }
        scope.identity = str_of(&me, "name").map(|n| format!("integration {n}"));
        if let Some(ws) = me.pointer("/bot/workspace_name").and_then(|w| w.as_str()) {
            push_unique(&mut scope.resources, resource("notion", "workspace", ws));
        }
        scope.level = Level::Write;
        scope.notes.push(
            "integration token: its capabilities (read, update, insert content) are not visible; counted as write"
                .into(),
        );
        let search = Request::post(ROOT, "/v1/search", Body::Json(json!({"page_size": 100})))
            .bearer(token)
            .header("Notion-Version", VERSION);
        if let Ok(found) = s.json(&search) {
            let shared = items(&found, "results").len();
            let more = found.get("has_more").and_then(|m| m.as_bool()) == Some(true);
            scope.notes.push(format!("{shared}{} pages and databases are shared with it", if more { "+" } else { "" }));
        }
        Ok(())
    }
}
