//! npm (devplatforms.md): `GET /-/whoami` names the user; `/-/user/<name>/package` lists the
//! packages with the user's read/write access. Granular tokens' own limits are not visible
//! to the token, so a working token counts as able to publish (supply-chain reach).

use serde_json::Value;

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape, encode};
use crate::scope::{Level, Scope};

pub struct Npm;

const ROOT: &str = "https://registry.npmjs.org";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/-/whoami"), Shape::get(ROOT, "/-/user/*/package")];

impl Probe for Npm {
    fn provider(&self) -> &'static str {
        "npm"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["npm.access-token", "npm.legacy-token", "npm.env-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let who = s.json(&Request::get(ROOT, "/-/whoami").bearer(token))?;
        let user = str_of(&who, "username").ok_or_else(|| ProbeError::Unexpected("no username".into()))?.to_string();
        scope.identity = Some(user.clone());
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.production = Some(true);
        scope.notes.push("can publish, deprecate and unpublish packages that others install".into());
        if let Ok(Value::Object(map)) =
            s.json(&Request::get(ROOT, &format!("/-/user/{}/package", encode(&user))).bearer(token))
        {
            let writable: Vec<&String> =
                map.iter().filter(|(_, v)| v.as_str() == Some("write")).map(|(k, _)| k).collect();
            for name in &writable {
                push_unique(&mut scope.resources, resource("npm", "package", name));
            }
            scope.notes.push(format!("{} packages writable by its user", writable.len()));
        }
        Ok(())
    }
}
