//! Doppler (https://docs.doppler.com/reference/auth-me): `GET /v3/me` names a token's
//! workplace, kind and name. A service token reads the secrets of one config (named in
//! `dp.st.<config>.` tokens); personal and CLI tokens act as their user in the workplace.

use super::{Probe, Session, Target, looks_production, push_unique, resource, set_production, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Doppler;

const ROOT: &str = "https://api.doppler.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/v3/me")];

impl Probe for Doppler {
    fn provider(&self) -> &'static str {
        "doppler"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["doppler.token", "doppler.service-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let me = s.json(&Request::get(ROOT, "/v3/me").bearer(token).header("Accept", "application/json"))?;
        let kind = str_of(&me, "type").ok_or_else(|| ProbeError::Unexpected("no token type".into()))?;
        if let Some(ws) = me.get("workplace").and_then(|w| str_of(w, "name").or(str_of(w, "slug"))) {
            push_unique(&mut scope.resources, resource("doppler", "workplace", ws));
        }
        scope.identity = str_of(&me, "name").map(|n| format!("{} {n}", kind.replace('_', " ")));
        let config = token.strip_prefix("dp.st.").and_then(|r| r.split_once('.')).map(|(c, _)| c);
        match kind {
            "service_token" => {
                scope.level = Level::Read;
                scope.destructive = Some(false);
                scope.notes.push("service token: reads every secret of one config".into());
                if let Some(c) = config {
                    push_unique(&mut scope.resources, resource("doppler", "config", c));
                    if looks_production(c) {
                        set_production(scope, true);
                    }
                }
            }
            _ => {
                scope.level = Level::Write;
                scope.destructive = Some(true);
                scope.notes.push(format!(
                    "{} token: reads and changes the secrets of every project its owner reaches",
                    kind.replace('_', " ")
                ));
            }
        }
        Ok(())
    }
}
