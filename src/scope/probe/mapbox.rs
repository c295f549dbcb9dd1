//! Mapbox (https://docs.mapbox.com/api/accounts/tokens/#retrieve-a-token): `GET
//! /tokens/v2?access_token=` answers with a token's validity, kind and owner. A secret
//! (`sk.`) token's scopes are not visible to the token itself.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape, encode};
use crate::scope::{Activity, Level, Scope};

pub struct Mapbox;

const ROOT: &str = "https://api.mapbox.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/tokens/v2")];

impl Probe for Mapbox {
    fn provider(&self) -> &'static str {
        "mapbox"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["mapbox.secret-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let answer = s.json(&Request::get(ROOT, &format!("/tokens/v2?access_token={}", encode(token))))?;
        let code = str_of(&answer, "code").ok_or_else(|| ProbeError::Unexpected("no token code".into()))?;
        if code != "TokenValid" {
            scope.active = Activity::Inactive;
            scope.notes.push(format!("Mapbox says {code}"));
            return Ok(());
        }
        let info = answer.get("token").cloned().unwrap_or_default();
        if let Some(user) = str_of(&info, "user") {
            scope.identity = Some(user.to_string());
            push_unique(&mut scope.resources, resource("mapbox", "account", user));
        }
        scope.level = Level::Unknown;
        scope.notes.push("secret token: its scopes (uploads, styles, tokens) are not visible to the token".into());
        Ok(())
    }
}
