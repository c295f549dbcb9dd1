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
        let restricted = response.status == 403;
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
