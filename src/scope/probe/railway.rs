//! Railway (cloud.md, "Railway"): tells account, workspace and project tokens apart with
//! GraphQL queries on `backboard.railway.com/graphql/v2`, then lists the workspaces,
//! projects, environments and volumes the token reaches. Railway tokens carry no visible
//! scope, so this probe is the only way to learn the blast radius.
//!
//! Sequence: a project token (`Project-Access-Token` header) answers `projectToken`; an
//! account token or CLI session (Bearer) answers `me`; a workspace token (Bearer) fails `me`
//! and answers `apiToken`. Never selects `variables` or `displayToken`.

use serde_json::{Value, json};

use super::{Probe, Session, Target, items, looks_production, plural, push_unique, resource, str_of};
use crate::scope::Level;
use crate::scope::Scope;
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};

pub struct Railway;

const ROOT: &str = "https://backboard.railway.com";
const PATH: &str = "/graphql/v2";
static SHAPES: &[Shape] = &[Shape::post(ROOT, PATH, BodyKind::GraphqlQuery)];

/// Most workspaces looked into.
const MAX_WORKSPACES: usize = 10;

const PROJECT_TOKEN: &str =
    "query { projectToken { projectId environmentId project { id name } environment { id name } } }";
const ME: &str = "query { me { id email name workspaces { id name } } }";
const API_TOKEN: &str = "query { apiToken { workspaces { id name } } }";
const WORKSPACE_REACH: &str = "query Reach($ws: String!) { workspace(workspaceId: $ws) { id name \
projects(first: 50) { edges { node { id name primaryEnvironmentId \
environments(first: 50) { edges { node { id name isEphemeral canAccess \
volumeInstances(first: 20) { edges { node { id mountPath volume { id name } } } } } } } } } } } }";
const WORKSPACE_MEMBERS: &str =
    "query Members($ws: String!) { workspace(workspaceId: $ws) { id members { id email role } } }";
const PROJECT_ENVIRONMENT: &str = "query Env($p: String!, $e: String!) { \
project(id: $p) { id name primaryEnvironmentId } \
environment(id: $e) { id name isEphemeral canAccess \
volumeInstances(first: 20) { edges { node { id mountPath volume { id name } } } } } }";

/// The GraphQL documents this probe sends (tests check them against Railway's schema).
pub const QUERIES: &[&str] = &[PROJECT_TOKEN, ME, API_TOKEN, WORKSPACE_REACH, WORKSPACE_MEMBERS, PROJECT_ENVIRONMENT];

#[derive(Clone, Copy)]
enum Auth {
    Bearer,
    Project,
}

/// A GraphQL answer: data, or Railway's "not authorized" for this token.
enum Answer {
    Data(Value),
    Denied,
}

impl Probe for Railway {
    fn provider(&self) -> &'static str {
        "railway"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["railway.project-token", "railway.api-token", "railway.team-token", "railway.cli-session"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn rate(&self) -> f64 {
        2.0
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let hinted_project = t.rule_id == "railway.project-token";
        if hinted_project {
            if let Answer::Data(data) = query(s, token, Auth::Project, PROJECT_TOKEN, json!({}), "projectToken")? {
                return project_token(s, token, &data, scope);
            }
        }
        if let Answer::Data(me) = query(s, token, Auth::Bearer, ME, json!({}), "me")? {
            return account_token(s, token, &me, scope);
        }
        if let Answer::Data(ctx) = query(s, token, Auth::Bearer, API_TOKEN, json!({}), "apiToken")? {
            return workspace_token(s, token, &ctx, scope);
        }
        if !hinted_project {
            if let Answer::Data(data) = query(s, token, Auth::Project, PROJECT_TOKEN, json!({}), "projectToken")? {
                return project_token(s, token, &data, scope);
            }
        }
        Err(ProbeError::Unauthorized(
            "Railway answered \"Not Authorized\" as project, account and workspace token".into(),
        ))
    }
}

fn query(
    s: &Session<'_>,
    token: &str,
    auth: Auth,
    doc: &'static str,
    vars: Value,
    field: &str,
) -> Result<Answer, ProbeError> {
    let request = Request::post(ROOT, PATH, Body::Graphql { query: doc, variables: vars });
    let request = match auth {
        Auth::Bearer => request.bearer(token),
        Auth::Project => request.header("Project-Access-Token", token),
    };
    let response = s.send(&request)?;
    if matches!(response.status, 401 | 403) {
        return Ok(Answer::Denied);
    }
    let body = response.ok()?.json()?;
    let data = body.get("data").and_then(|d| d.get(field)).filter(|v| !v.is_null());
    match data {
        Some(v) => Ok(Answer::Data(v.clone())),
        None if !items(&body, "errors").is_empty() => {
            let denied = items(&body, "errors").iter().filter_map(|e| str_of(e, "message")).any(|m| {
                let m = m.to_ascii_lowercase();
                m.contains("not authorized")
                    || m.contains("unauthorized")
                    || m.contains("invalid")
                    || m.contains("forbidden")
            });
            if denied { Ok(Answer::Denied) } else { Err(ProbeError::Unexpected("GraphQL error from Railway".into())) }
        }
        None => Err(ProbeError::Unexpected(format!("no `{field}` in Railway's answer"))),
    }
}

/// One environment as the probe sees it.
struct Env {
    project: String,
    name: String,
    production: bool,
    volumes: Vec<String>,
    accessible: bool,
}

/// What a token reaches: projects and their environments.
#[derive(Default)]
struct Reach {
    workspaces: Vec<String>,
    projects: Vec<String>,
    envs: Vec<Env>,
}

impl Reach {
    fn add_workspace(&mut self, ws: &Value) {
        let ws_name = str_of(ws, "name").unwrap_or("?").to_string();
        push_unique(&mut self.workspaces, ws_name);
        for project in edges(ws.get("projects")) {
            self.add_project(project, edges(project.get("environments")));
        }
    }

    fn add_project<'v>(&mut self, project: &'v Value, environments: impl Iterator<Item = &'v Value>) {
        let name = str_of(project, "name").unwrap_or("?").to_string();
        let primary = str_of(project, "primaryEnvironmentId");
        push_unique(&mut self.projects, name.clone());
        for env in environments {
            self.envs.push(environment(&name, primary, env));
        }
    }

    fn production_envs(&self) -> Vec<&Env> {
        self.envs.iter().filter(|e| e.production).collect()
    }

    fn volumes(&self) -> Vec<String> {
        self.envs
            .iter()
            .flat_map(|e| e.volumes.iter().map(move |v| format!("{v} in {}/{}", e.project, e.name)))
            .collect()
    }

    /// Writes resources and the production flag into `scope`.
    fn apply(&self, scope: &mut Scope) {
        for ws in &self.workspaces {
            push_unique(&mut scope.resources, resource("railway", "workspace", ws));
        }
        for p in &self.projects {
            push_unique(&mut scope.resources, resource("railway", "project", p));
        }
        for e in &self.envs {
            push_unique(&mut scope.resources, resource("railway", "environment", &format!("{}/{}", e.project, e.name)));
            for v in &e.volumes {
                push_unique(
                    &mut scope.resources,
                    resource("railway", "volume", &format!("{}/{}/{v}", e.project, e.name)),
                );
            }
        }
        scope.production = Some(!self.production_envs().is_empty());
        let hidden = self.envs.iter().filter(|e| !e.accessible).count();
        if hidden > 0 {
            scope.notes.push(format!(
                "{} hidden from this identity by environment access control",
                plural(hidden, "environment is", "environments are")
            ));
        }
    }

    /// "reaches all 3 projects, including production"
    fn summary(&self) -> String {
        let mut text = format!("reaches all {}", plural(self.projects.len(), "project", "projects"));
        if self.workspaces.len() > 1 {
            text.push_str(&format!(" across {} workspaces", self.workspaces.len()));
        }
        if !self.production_envs().is_empty() {
            text.push_str(", including production");
        }
        text
    }

    /// A remedy naming a non-production environment the task could be limited to.
    fn remedy(&self, kind: &str) -> String {
        let safe = self
            .envs
            .iter()
            .filter(|e| !e.production)
            .max_by_key(|e| e.name.to_ascii_lowercase().contains("stag"))
            .map(|e| format!("the {} environment of {}", e.name, e.project))
            .unwrap_or_else(|| "one non-production environment".into());
        format!(
            "Revoke this Railway {kind} token and replace it with a Railway project token scoped to {safe}; \
keep it out of the workspace the agent reads."
        )
    }
}

fn edges(connection: Option<&Value>) -> impl Iterator<Item = &Value> {
    connection
        .and_then(|c| c.get("edges"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("node"))
}

fn environment(project: &str, primary: Option<&str>, env: &Value) -> Env {
    let name = str_of(env, "name").unwrap_or("?").to_string();
    let ephemeral = env.get("isEphemeral").and_then(Value::as_bool).unwrap_or(false);
    let is_primary = primary.is_some() && str_of(env, "id") == primary;
    let lower = name.to_ascii_lowercase();
    let non_prod_name = ["stag", "dev", "test", "qa", "preview", "sandbox"].iter().any(|w| lower.contains(w));
    let production = !ephemeral && (looks_production(&name) || (is_primary && !non_prod_name));
    let volumes = edges(env.get("volumeInstances"))
        .map(|vi| {
            vi.get("volume")
                .and_then(|v| str_of(v, "name"))
                .or_else(|| str_of(vi, "mountPath"))
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    let accessible = env.get("canAccess").and_then(Value::as_bool).unwrap_or(true);
    Env { project: project.to_string(), name, production, volumes, accessible }
}

fn workspace_reach(s: &Session<'_>, token: &str, workspaces: &[Value], reach: &mut Reach) -> Result<(), ProbeError> {
    for ws in workspaces.iter().take(MAX_WORKSPACES) {
        let Some(id) = str_of(ws, "id") else { continue };
        match query(s, token, Auth::Bearer, WORKSPACE_REACH, json!({"ws": id}), "workspace")? {
            Answer::Data(data) => reach.add_workspace(&data),
            Answer::Denied => push_unique(&mut reach.workspaces, str_of(ws, "name").unwrap_or(id).to_string()),
        }
    }
    Ok(())
}

fn destructive_notes(reach: &Reach, scope: &mut Scope) {
    scope.destructive = Some(true);
    let volumes = reach.volumes();
    if volumes.is_empty() {
        scope.notes.push("can delete projects, services and volumes".into());
    } else {
        scope.notes.push(format!(
            "can delete volumes and their backups ({})",
            volumes.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
}

fn account_token(s: &Session<'_>, token: &str, me: &Value, scope: &mut Scope) -> Result<(), ProbeError> {
    let who = str_of(me, "email").or_else(|| str_of(me, "name")).or_else(|| str_of(me, "id")).unwrap_or("?");
    scope.identity = Some(who.to_string());
    let workspaces = items(me, "workspaces");
    let mut reach = Reach::default();
    workspace_reach(s, token, workspaces, &mut reach)?;
    let roles = member_roles(s, token, workspaces, me);
    scope.level = Level::Admin;
    scope.permissions = vec!["account".into()];
    for (ws, role) in &roles {
        scope.permissions.push(format!("workspace {ws}: {}", role.to_ascii_lowercase()));
    }
    scope.notes.push(format!("account token: {}", reach.summary()));
    destructive_notes(&reach, scope);
    reach.apply(scope);
    scope.remedy = Some(reach.remedy("account"));
    Ok(())
}

/// The account's role in each workspace; a refused member list leaves the role unknown.
fn member_roles(s: &Session<'_>, token: &str, workspaces: &[Value], me: &Value) -> Vec<(String, String)> {
    let mut roles = Vec::new();
    for ws in workspaces.iter().take(MAX_WORKSPACES) {
        let (Some(id), name) = (str_of(ws, "id"), str_of(ws, "name").unwrap_or("?")) else { continue };
        if let Ok(Answer::Data(data)) = query(s, token, Auth::Bearer, WORKSPACE_MEMBERS, json!({"ws": id}), "workspace")
        {
            let mine = items(&data, "members").iter().find(|m| {
                str_of(m, "id") == str_of(me, "id")
                    || (str_of(m, "email").is_some() && str_of(m, "email") == str_of(me, "email"))
            });
            if let Some(role) = mine.and_then(|m| str_of(m, "role")) {
                roles.push((name.to_string(), role.to_string()));
            }
        }
    }
    roles
}

fn workspace_token(s: &Session<'_>, token: &str, ctx: &Value, scope: &mut Scope) -> Result<(), ProbeError> {
    let workspaces = items(ctx, "workspaces");
    let names: Vec<&str> = workspaces.iter().filter_map(|w| str_of(w, "name")).collect();
    scope.identity = Some(format!("workspace {}", names.join(", ")));
    let mut reach = Reach::default();
    workspace_reach(s, token, workspaces, &mut reach)?;
    scope.level = Level::Admin;
    scope.permissions = vec!["workspace".into()];
    scope.notes.push(format!("workspace token: {}", reach.summary()));
    destructive_notes(&reach, scope);
    reach.apply(scope);
    scope.remedy = Some(reach.remedy("workspace"));
    Ok(())
}

fn project_token(s: &Session<'_>, token: &str, pt: &Value, scope: &mut Scope) -> Result<(), ProbeError> {
    let project_id = str_of(pt, "projectId").unwrap_or("");
    let env_id = str_of(pt, "environmentId").unwrap_or("");
    let project_name = pt.get("project").and_then(|p| str_of(p, "name")).unwrap_or(project_id).to_string();
    let env_name = pt.get("environment").and_then(|e| str_of(e, "name")).unwrap_or(env_id).to_string();
    let mut reach = Reach::default();
    let vars = json!({"p": project_id, "e": env_id});
    let detail = query(s, token, Auth::Project, PROJECT_ENVIRONMENT, vars, "environment");
    match detail {
        Ok(Answer::Data(env)) => {
            reach.projects.push(project_name.clone());
            reach.envs.push(environment(&project_name, None, &env));
        }
        _ => {
            reach.projects.push(project_name.clone());
            reach.envs.push(environment(&project_name, None, &json!({"id": env_id, "name": env_name})));
        }
    }
    scope.identity = Some(format!("project {project_name}, environment {env_name}"));
    scope.level = Level::Write;
    scope.permissions = vec!["project".into(), format!("environment {env_name}")];
    scope.notes.push(format!("project token: deploys and changes variables in {project_name}/{env_name} only"));
    let volumes = reach.volumes();
    scope.destructive = Some(!volumes.is_empty());
    if !volumes.is_empty() {
        scope
            .notes
            .push(format!("its environment has volumes ({}): treated as able to delete them", volumes.join(", ")));
    }
    reach.apply(scope);
    if scope.production == Some(true) {
        scope.remedy = Some(
            "Revoke this production project token; give the agent a Railway project token for a \
non-production environment (such as staging) instead."
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_queries() {
        for q in QUERIES {
            assert!(crate::scope::http::is_graphql_query(q), "{q}");
            assert!(!q.contains("variables") && !q.contains("displayToken"));
        }
    }

    #[test]
    fn production_environments_follow_the_reference() {
        let env = |name: &str, eph: bool| json!({"id": name, "name": name, "isEphemeral": eph});
        assert!(environment("p", None, &env("production", false)).production);
        assert!(!environment("p", None, &env("production", true)).production);
        assert!(!environment("p", Some("staging"), &env("staging", false)).production);
        assert!(environment("p", Some("main-env"), &env("main-env", false)).production);
    }
}
