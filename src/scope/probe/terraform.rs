//! HCP Terraform (devplatforms.md, "HCP Terraform / Terraform Enterprise"): `GET
//! /api/v2/account/details` names the user behind a token (team and organization tokens
//! answer with a synthetic service user), then `GET /api/v2/organizations` lists the
//! organizations it reaches with the permissions the API reports for it. Never the
//! `authentication-token` endpoints (they regenerate tokens).
//!
//! A token filed under a Terraform Enterprise host (`credentials "tfe.example.com"` in
//! `.terraformrc`, `credentials.tfrc.json`) goes only to that host, and only when the user
//! gives it: `--endpoint terraform=https://tfe.example.com`.

use serde_json::Value;

use super::{Probe, Session, Target, items, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Terraform;

const ROOT: &str = "https://app.terraform.io";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/api/v2/account/details"), Shape::get(ROOT, "/api/v2/organizations")];

impl Probe for Terraform {
    fn provider(&self) -> &'static str {
        "terraform"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["terraform.api-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        s.own_host(
            t.part("host"),
            &["app.terraform.io"],
            "a Terraform Enterprise host: pass --endpoint terraform=https://{host} to probe it there",
        )?;
        let get = |path: &str| {
            s.json(&Request::get(ROOT, path).bearer(token).header("Content-Type", "application/vnd.api+json"))
        };
        let account = get("/api/v2/account/details")?;
        let attributes = account
            .pointer("/data/attributes")
            .filter(|a| a.is_object())
            .ok_or_else(|| ProbeError::Unexpected("account details without attributes".into()))?;
        let username = str_of(attributes, "username").unwrap_or("?");
        let service = attributes.get("is-service-account").and_then(Value::as_bool) == Some(true);
        let kind = match username {
            u if u.starts_with("api-org-") => "organization",
            u if u.starts_with("api-team") => "team",
            _ if service => "service",
            _ => "user",
        };
        scope.identity = Some(username.to_string());
        scope.level = if kind == "organization" { Level::Admin } else { Level::Write };
        scope.destructive = Some(true);
        scope.notes.push(match kind {
            "organization" => "organization token: manages teams, workspaces and their variables".to_string(),
            "team" => "team token: every workspace permission of its team (plans, applies, variables)".to_string(),
            _ => "user token: every permission of its user (runs, applies, destroys, variables)".to_string(),
        });
        if let Ok(orgs) = get("/api/v2/organizations?page%5Bsize%5D=20") {
            for org in items(&orgs, "data") {
                let Some(name) = org.pointer("/attributes/name").and_then(Value::as_str) else { continue };
                push_unique(&mut scope.resources, resource("terraform", "organization", name));
                if looks_production(name) {
                    set_production(scope, true);
                }
                let perms = org.pointer("/attributes/permissions").unwrap_or(&Value::Null);
                let can = |k: &str| perms.get(k).and_then(Value::as_bool) == Some(true);
                if can("can-destroy") || can("can-manage-users") || can("can-update") {
                    scope.level = Level::Admin;
                    scope.notes.push(format!("can administer organization {name}"));
                }
            }
        }
        Ok(())
    }
}
