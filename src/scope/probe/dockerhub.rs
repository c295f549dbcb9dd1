//! Docker Hub (devplatforms.md, "Docker Hub"): the registry token endpoint
//! (`GET https://auth.docker.io/token`, HTTP Basic) is asked for pull, push and delete on a
//! repository in the user's namespace; the JWT it returns lists the actions actually
//! granted, which is the token's access level. Needs the username, found next to the token.

use serde_json::Value;

use super::{Probe, Session, Target, items, push_unique, resource, str_of};
use crate::scope::decode::jwt_claims;
use crate::scope::http::{ProbeError, Request, Shape, encode};
use crate::scope::{Level, Scope};

pub struct Dockerhub;

const ROOT: &str = "https://auth.docker.io";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/token")];

impl Probe for Dockerhub {
    fn provider(&self) -> &'static str {
        "dockerhub"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["dockerhub.personal-access-token", "dockerhub.organization-access-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let user = t
            .companion_text()
            .filter(|u| {
                !u.is_empty() && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            })
            .ok_or_else(|| ProbeError::NotProbed("the Docker Hub username was not found next to the token".into()))?
            .to_ascii_lowercase();
        let repo = format!("{user}/keyreach-probe");
        let path = format!(
            "/token?service=registry.docker.io&scope={}",
            encode(&format!("repository:{repo}:pull,push,delete"))
        );
        let body = s.json(&Request::get(ROOT, &path).basic(&user, token))?;
        let jwt = str_of(&body, "token").or_else(|| str_of(&body, "access_token")).unwrap_or("");
        let claims = jwt_claims(jwt.as_bytes())
            .ok_or_else(|| ProbeError::Unexpected("the registry token is not a JWT".into()))?;
        let actions: Vec<String> = claims
            .get("access")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|entry| items(entry, "actions").iter().filter_map(Value::as_str).map(str::to_string))
            .collect();
        let has = |a: &str| actions.iter().any(|x| x == a);
        scope.identity = Some(user.clone());
        push_unique(&mut scope.resources, resource("dockerhub", "namespace", &user));
        scope.level = if has("push") {
            Level::Write
        } else if has("pull") {
            Level::Read
        } else {
            Level::None
        };
        scope.destructive = Some(has("delete"));
        if has("push") {
            scope.production = Some(true);
            scope.notes.push("can push images that deployments pull".into());
        }
        if has("delete") {
            scope.notes.push("can delete images and repositories".into());
        }
        scope.permissions = actions;
        Ok(())
    }
}
