//! Grafana (https://grafana.com/docs/grafana/latest/developers/http_api/user/): a service
//! account token asks its Grafana instance `GET /api/user` (who) and `GET /api/user/orgs`
//! (its role in each organization: Admin, Editor, Viewer). The instance comes from next
//! to the token and must be a Grafana Cloud stack (`*.grafana.net`); a self-hosted Grafana
//! only with `--endpoint grafana=https://grafana.example.com`.

use super::{Probe, Session, Target, host_name, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Grafana;

const ROOT: &str = "https://*.grafana.net";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/api/user"), Shape::get(ROOT, "/api/user/orgs")];

impl Probe for Grafana {
    fn provider(&self) -> &'static str {
        "grafana"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["grafana.service-account-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let host = t.part("url").map(host_name).map(str::to_ascii_lowercase).unwrap_or_default();
        let stack = host
            .strip_suffix(".grafana.net")
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if stack.is_none() {
            if host.is_empty() {
                return Err(ProbeError::NotProbed("no Grafana instance URL next to the token".into()));
            }
            s.own_host(
                Some(&host),
                &[],
                "a self-hosted Grafana: pass --endpoint grafana=https://{host} to probe it there",
            )?;
        }
        let root = format!("https://{host}");
        let get = |path: &str| s.json(&Request::get(&root, path).bearer(token));
        let user = get("/api/user")?;
        let login = str_of(&user, "login").ok_or_else(|| ProbeError::Unexpected("no login".into()))?;
        scope.identity = Some(format!("{login} on {host}"));
        push_unique(&mut scope.resources, resource("grafana", "instance", &host));
        let mut level = Level::None;
        for org in get("/api/user/orgs")?.as_array().into_iter().flatten() {
            let role = str_of(org, "role").unwrap_or("");
            if let Some(name) = str_of(org, "name") {
                push_unique(&mut scope.resources, resource("grafana", "org", name));
            }
            let l = match role {
                "Admin" => Level::Admin,
                "Editor" => Level::Write,
                "Viewer" => Level::Read,
                _ => Level::None,
            };
            if l.rank() > level.rank() {
                level = l;
            }
        }
        if user.get("isGrafanaAdmin").and_then(|a| a.as_bool()) == Some(true) {
            level = Level::Admin;
            scope.notes.push("Grafana server administrator".into());
        }
        scope.level = level;
        scope.destructive = Some(matches!(level, Level::Admin | Level::Write));
        if scope.destructive == Some(true) {
            scope.notes.push("can delete dashboards, alert rules and data sources".into());
        }
        Ok(())
    }
}
