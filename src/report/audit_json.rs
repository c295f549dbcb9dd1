//! The `audit` object of `keyreach audit --format json`: summary, sources read and the
//! blast-radius graph (places, targets, and per credential the ways in and what it
//! reaches). Wire types only; the HTML printer embeds the same object.

use serde::Serialize;

use super::AuditReport;
use crate::source::HistoryStatus;
use crate::source::home::HomeKind;

#[derive(Serialize)]
pub struct AuditJson<'a> {
    summary: Summary,
    sources: Sources<'a>,
    graph: Graph<'a>,
}

#[derive(Serialize)]
struct Summary {
    credentials: usize,
    over_policy: usize,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    /// Fingerprints of the worst credentials, worst first.
    worst: Vec<String>,
}

#[derive(Serialize)]
struct Sources<'a> {
    workspace: &'a str,
    /// `scanned`, `off` or `unavailable`.
    history: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    history_note: Option<&'a str>,
    home: Option<&'a str>,
    /// Why no home was read (absent when one was).
    #[serde(skip_serializing_if = "Option::is_none")]
    home_note: Option<&'a str>,
    home_files: Vec<HomeFileJson<'a>>,
    env_vars: Option<usize>,
    agent_configs: Vec<AgentConfigJson<'a>>,
    restrictions: Vec<RestrictionJson<'a>>,
    agent_has_shell: bool,
}

#[derive(Serialize)]
struct HomeFileJson<'a> {
    path: &'a str,
    tool: &'a str,
    kind: &'static str,
    /// For SSH keys: whether a passphrase protects it (`null`: unknown or not a key).
    passphrase: Option<bool>,
}

#[derive(Serialize)]
struct AgentConfigJson<'a> {
    path: &'a str,
    scope: &'static str,
    agent: &'a str,
    servers: Vec<ServerJson<'a>>,
    problem: Option<&'a str>,
}

#[derive(Serialize)]
struct ServerJson<'a> {
    name: &'a str,
    launch: &'a str,
    /// Where values are passed: `env NAME`, `header NAME`, `args`, `url` (never values).
    fields: Vec<&'a str>,
}

#[derive(Serialize)]
struct RestrictionJson<'a> {
    path: &'a str,
    agent: &'a str,
    rules: usize,
    problem: Option<&'a str>,
}

#[derive(Serialize)]
struct Graph<'a> {
    places: Vec<PlaceJson<'a>>,
    targets: Vec<TargetJson<'a>>,
    credentials: Vec<CredentialJson<'a>>,
}

#[derive(Serialize)]
struct PlaceJson<'a> {
    id: String,
    kind: &'static str,
    label: &'a str,
}

#[derive(Serialize)]
struct TargetJson<'a> {
    id: String,
    label: &'a str,
    production: bool,
}

#[derive(Serialize)]
struct CredentialJson<'a> {
    fingerprint: String,
    rule: &'a str,
    provider: &'a str,
    title: &'a str,
    severity: &'static str,
    over_policy: bool,
    ways: Vec<WayJson<'a>>,
    targets: Vec<String>,
    environments: &'a [String],
}

#[derive(Serialize)]
struct WayJson<'a> {
    place: String,
    how: &'a str,
    hidden_from_file_tools: bool,
}

pub fn audit<'a>(a: &'a AuditReport<'_>) -> AuditJson<'a> {
    let b = a.blast;
    let findings = a.report.findings;
    let count = |s: &str| b.counts.iter().find(|(sev, _)| sev.as_str() == s).map_or(0, |(_, n)| *n);
    let inv = a.inventory;
    let (history, history_note) = match &inv.history {
        HistoryStatus::Scanned if a.report.stats.shallow_history == Some(true) => {
            ("scanned", Some("shallow clone: only the fetched commits were read"))
        }
        HistoryStatus::Scanned => ("scanned", None),
        HistoryStatus::Off => ("off", None),
        HistoryStatus::Unavailable(why) => ("unavailable", Some(why.as_str())),
    };
    AuditJson {
        summary: Summary {
            credentials: b.total,
            over_policy: b.over_policy,
            critical: count("critical"),
            high: count("high"),
            medium: count("medium"),
            low: count("low"),
            worst: b.worst.iter().map(|i| findings[*i].credential.fingerprint.to_string()).collect(),
        },
        sources: Sources {
            workspace: &inv.workspace,
            history,
            history_note,
            home: inv.home.as_deref(),
            home_note: inv.home.is_none().then_some(inv.home_note.as_str()),
            home_files: inv
                .home_files
                .iter()
                .map(|f| HomeFileJson {
                    path: &f.display,
                    tool: f.tool,
                    kind: f.kind.as_str(),
                    passphrase: match f.kind {
                        HomeKind::SshKey { passphrase } => passphrase,
                        _ => None,
                    },
                })
                .collect(),
            env_vars: inv.env_vars,
            agent_configs: inv
                .agent_configs
                .iter()
                .map(|c| AgentConfigJson {
                    path: &c.display,
                    scope: c.scope.as_str(),
                    agent: c.agent,
                    servers: c
                        .servers
                        .iter()
                        .map(|s| ServerJson { name: &s.name, launch: &s.launch, fields: s.field_names().collect() })
                        .collect(),
                    problem: c.problem.as_deref(),
                })
                .collect(),
            restrictions: inv
                .restrictions
                .iter()
                .map(|r| RestrictionJson {
                    path: &r.display,
                    agent: r.agent,
                    rules: r.rules,
                    problem: r.problem.as_deref(),
                })
                .collect(),
            agent_has_shell: a.agent_has_shell,
        },
        graph: Graph {
            places: b
                .places
                .iter()
                .enumerate()
                .map(|(i, p)| PlaceJson { id: format!("p{i}"), kind: p.kind.as_str(), label: &p.label })
                .collect(),
            targets: b
                .targets
                .iter()
                .enumerate()
                .map(|(i, t)| TargetJson { id: format!("t{i}"), label: &t.label, production: t.production })
                .collect(),
            credentials: findings
                .iter()
                .zip(&b.reaches)
                .map(|(f, r)| CredentialJson {
                    fingerprint: f.credential.fingerprint.to_string(),
                    rule: &f.rule_id,
                    provider: &f.provider,
                    title: &f.title,
                    severity: f.severity.as_str(),
                    over_policy: r.over_policy,
                    ways: r
                        .ways
                        .iter()
                        .map(|w| WayJson {
                            place: format!("p{}", w.place),
                            how: &w.how,
                            hidden_from_file_tools: w.hidden_from_file_tools,
                        })
                        .collect(),
                    targets: r.targets.iter().map(|t| format!("t{t}")).collect(),
                    environments: &r.environments,
                })
                .collect(),
        },
    }
}
