//! OpenAI and Anthropic (devplatforms.md): `GET /v1/models` proves a key works without
//! spending anything and names its organisation in a response header; admin keys list the
//! organisation's projects (OpenAI) or the organisation itself (Anthropic).

use super::{Probe, Session, Target, items, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Openai;
pub struct Anthropic;

const OPENAI: &str = "https://api.openai.com";
const ANTHROPIC: &str = "https://api.anthropic.com";
static OPENAI_SHAPES: &[Shape] = &[Shape::get(OPENAI, "/v1/models"), Shape::get(OPENAI, "/v1/organization/projects")];
static ANTHROPIC_SHAPES: &[Shape] =
    &[Shape::get(ANTHROPIC, "/v1/models"), Shape::get(ANTHROPIC, "/v1/organizations/me")];

impl Probe for Openai {
    fn provider(&self) -> &'static str {
        "openai"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["openai.project-key", "openai.service-account-key", "openai.admin-key", "openai.user-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        OPENAI_SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        if key.starts_with("sk-admin-") {
            let body = s.json(&Request::get(OPENAI, "/v1/organization/projects?limit=20").bearer(key))?;
            for p in items(&body, "data") {
                if let Some(name) = str_of(p, "name") {
                    push_unique(&mut scope.resources, resource("openai", "project", name));
                }
            }
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("admin key: manages users, projects and API keys of the organisation".into());
            return Ok(());
        }
        let response = s.send(&Request::get(OPENAI, "/v1/models").bearer(key))?;
        // A restricted key without model access gets 403 naming the missing scope; any other
        // 403 (a WAF or proxy page) proves nothing.
        let restricted = response.status == 403 && names_missing_scope(&response);
        let response = if restricted { response } else { response.ok()? };
        if !restricted && response.json()?.get("data").is_none() {
            return Err(ProbeError::Unexpected("no model list".into()));
        }
        if let Some(org) = response.header("openai-organization") {
            scope.identity = Some(org.to_string());
            push_unique(&mut scope.resources, resource("openai", "organization", org));
        }
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.notes.push(if restricted {
            "restricted key without model access: write permissions are not visible; counted as write".into()
        } else {
            "API key: spends money and can create and delete files, vector stores and fine-tunes".into()
        });
        Ok(())
    }
}

/// OpenAI's answer to a key lacking a permission: `{"error": {"message": "... Missing
/// scopes: api.model.read"}}`.
fn names_missing_scope(response: &crate::scope::http::Response) -> bool {
    response
        .json()
        .ok()
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(|e| str_of(e, "message"))
        .is_some_and(|m| m.contains("Missing scopes") || m.contains("insufficient permissions"))
}

impl Probe for Anthropic {
    fn provider(&self) -> &'static str {
        "anthropic"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["anthropic.api-key", "anthropic.admin-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        ANTHROPIC_SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let get = |path: &str| {
            Request::get(ANTHROPIC, path).header("x-api-key", key).header("anthropic-version", "2023-06-01")
        };
        if key.starts_with("sk-ant-admin") {
            let org = s.json(&get("/v1/organizations/me"))?;
            if let Some(name) = str_of(&org, "name") {
                scope.identity = Some(name.to_string());
                push_unique(&mut scope.resources, resource("anthropic", "organization", name));
            }
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("admin key: manages members, workspaces and API keys of the organisation".into());
            return Ok(());
        }
        let response = s.send(&get("/v1/models"))?.ok()?;
        if response.json()?.get("data").is_none() {
            return Err(ProbeError::Unexpected("no model list".into()));
        }
        if let Some(org) = response.header("anthropic-organization-id") {
            scope.identity = Some(org.to_string());
            push_unique(&mut scope.resources, resource("anthropic", "organization", org));
        }
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.notes.push("API key: spends money and can delete stored files and batches".into());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Secret;
    use crate::scope::Activity;
    use crate::scope::http::Response;
    use crate::scope::probe::replay::{Replay, probe};

    fn openai(status: u16, body: &str) -> Scope {
        let replay =
            Replay::new(vec![Ok(Response { status, headers: Default::default(), body: body.as_bytes().to_vec() })]);
        let secret = Secret::new(b"sk-proj-keyreachtestkeyreachtestkeyreachtest");
        let target =
            Target { provider: "openai", rule_id: "openai.project-key", secret: &secret, companion: None, parts: &[] };
        probe(&target, Scope::unknown(), &replay)
    }

    #[test]
    fn only_openais_missing_scope_answer_makes_a_403_active() {
        let missing = r#"{"error": {"message": "You have insufficient permissions for this operation. Missing scopes: api.model.read", "type": "invalid_request_error"}}"#;
        assert_eq!(openai(403, missing).active, Activity::Active);
        for body in ["<html>Access denied by the WAF</html>", "{}", r#"{"error": {"message": "Forbidden"}}"#] {
            let scope = openai(403, body);
            assert!(matches!(scope.active, Activity::Indeterminate(_)), "{body}: {:?}", scope.active);
        }
    }
}
