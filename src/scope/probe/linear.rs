//! Linear (devplatforms.md, "Linear"): one GraphQL query (`viewer`, `organization`),
//! never a mutation. A personal API key acts as its user; an admin's key administers the
//! workspace.

use serde_json::{Value, json};

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Linear;

const ROOT: &str = "https://api.linear.app";
static SHAPES: &[Shape] = &[Shape::post(ROOT, "/graphql", BodyKind::GraphqlQuery)];
const QUERY: &str = "query { viewer { id name email admin } organization { name urlKey } }";

impl Probe for Linear {
    fn provider(&self) -> &'static str {
        "linear"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["linear.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let body = Body::Graphql { query: QUERY, variables: json!({}) };
        let answer = s.json(&Request::post(ROOT, "/graphql", body).header("Authorization", key))?;
        let viewer = answer.pointer("/data/viewer").filter(|v| v.is_object()).ok_or_else(|| {
            let authentication =
                answer.pointer("/errors/0/extensions/type").and_then(Value::as_str) == Some("authentication error");
            if authentication {
                ProbeError::Unauthorized("authentication error".into())
            } else {
                ProbeError::Unexpected("no viewer in the answer".into())
            }
        })?;
        scope.identity = str_of(viewer, "email").or(str_of(viewer, "name")).map(str::to_string);
        if let Some(org) = answer.pointer("/data/organization").and_then(|o| str_of(o, "urlKey").or(str_of(o, "name")))
        {
            push_unique(&mut scope.resources, resource("linear", "workspace", org));
        }
        let admin = viewer.get("admin").and_then(Value::as_bool) == Some(true);
        scope.level = if admin { Level::Admin } else { Level::Write };
        scope.destructive = Some(true);
        scope.notes.push(if admin {
            "key of a workspace admin: manages members, teams and integrations, and deletes issues".to_string()
        } else {
            "personal API key: every permission of its user; can archive and delete issues".to_string()
        });
        Ok(())
    }
}
