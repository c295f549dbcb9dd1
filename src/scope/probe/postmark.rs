//! Postmark (https://postmarkapp.com/developer/api/overview#authentication): a server
//! token reads its server with `GET /server`; an account token lists the account's
//! servers with `GET /servers`. A sandbox server delivers nothing.

use super::{Probe, Session, Target, items, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Postmark;

const ROOT: &str = "https://api.postmarkapp.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/server"), Shape::get(ROOT, "/servers")];

impl Probe for Postmark {
    fn provider(&self) -> &'static str {
        "postmark"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["postmark.server-token", "postmark.account-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let json = |r: Request| s.json(&r.header("Accept", "application/json"));
        if t.rule_id == "postmark.account-token" {
            let servers =
                json(Request::get(ROOT, "/servers?count=50&offset=0").header("X-Postmark-Account-Token", token))?;
            if servers.get("Servers").is_none() {
                return Err(ProbeError::Unexpected("no server list".into()));
            }
            for server in items(&servers, "Servers") {
                if let Some(name) = str_of(server, "Name") {
                    push_unique(&mut scope.resources, resource("postmark", "server", name));
                    if looks_production(name) || str_of(server, "DeliveryType") == Some("Live") {
                        set_production(scope, true);
                    }
                }
            }
            scope.identity = Some("account token".into());
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("account token: creates and deletes servers, domains and sender signatures".into());
            return Ok(());
        }
        let server = json(Request::get(ROOT, "/server").header("X-Postmark-Server-Token", token))?;
        let name = str_of(&server, "Name").ok_or_else(|| ProbeError::Unexpected("no server name".into()))?;
        scope.identity = Some(format!("server {name}"));
        push_unique(&mut scope.resources, resource("postmark", "server", name));
        scope.level = Level::Write;
        scope.destructive = Some(true);
        match str_of(&server, "DeliveryType") {
            Some("Sandbox") => {
                scope.production = Some(false);
                scope.test_mode = true;
                scope.notes.push("sandbox server: mail is accepted but never delivered".into());
            }
            Some(_) => {
                set_production(scope, true);
                scope
                    .notes
                    .push("server token: sends mail as the server and changes its templates and webhooks".into());
            }
            None => {}
        }
        Ok(())
    }
}
