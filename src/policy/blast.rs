//! The blast radius of an audit: how many credentials an agent reaches, how many are over
//! policy, the worst ones, and the graph a person reads at a glance — agent → places →
//! credentials → what they reach.
//!
//! Receives judged, sorted findings and the audit's [`Inventory`]; hands the printers a
//! [`BlastRadius`] with every count, edge and sentence already decided.

use std::collections::BTreeMap;

use super::{Finding, Policy, Severity};
use crate::credentials::Location;
use crate::scope::words;
use crate::source::home::HomeKind;
use crate::source::{Inventory, Reach};

/// How many of the worst credentials the summary names.
pub const WORST: usize = 3;

/// The audit's summary and graph. `reaches[i]` belongs to `findings[i]`.
#[derive(Debug, Clone, Default)]
pub struct BlastRadius {
    pub total: usize,
    /// Credentials whose verdict is over policy (high or critical).
    pub over_policy: usize,
    /// Non-zero counts, most severe first.
    pub counts: Vec<(Severity, usize)>,
    /// Indices of the worst findings (at most [`WORST`], over policy only).
    pub worst: Vec<usize>,
    pub reaches: Vec<CredentialReach>,
    pub places: Vec<Place>,
    pub targets: Vec<Target>,
}

/// Every way the agent reaches one credential and what that credential reaches.
#[derive(Debug, Clone, Default)]
pub struct CredentialReach {
    pub ways: Vec<Way>,
    /// Indices into [`BlastRadius::targets`], production first.
    pub targets: Vec<usize>,
    /// Environments it touches (`railway environment shop/production`), production first.
    pub environments: Vec<String>,
    pub over_policy: bool,
}

/// One way the agent gets to a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Way {
    /// Index into [`BlastRadius::places`].
    pub place: usize,
    /// In plain words: "reads .env:3 (git-ignored file)".
    pub how: String,
    /// Hidden from the agent's file tools by an ignore file or deny rule.
    pub hidden_from_file_tools: bool,
}

/// Where the agent finds credentials.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub kind: PlaceKind,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceKind {
    /// A file in the workspace.
    Workspace,
    /// The workspace's git history.
    History,
    /// A file in the user's home.
    Home,
    /// A process environment variable.
    Env,
    /// An MCP server the agent calls, holding the credential.
    Mcp,
}

impl PlaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Workspace => "workspace",
            PlaceKind::History => "history",
            PlaceKind::Home => "home",
            PlaceKind::Env => "env",
            PlaceKind::Mcp => "mcp",
        }
    }
}

/// Something a credential reaches: a resource, or its provider account when nothing more
/// is known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub label: String,
    /// The policy calls it production.
    pub production: bool,
}

/// Builds the blast radius of `findings` (sorted, most severe first).
pub fn build(findings: &[Finding], inventory: &Inventory, policy: &Policy) -> BlastRadius {
    let mut graph = Graph::default();
    let reaches: Vec<CredentialReach> = findings.iter().map(|f| graph.credential(f, inventory, policy)).collect();
    let counts = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| (s, findings.iter().filter(|f| f.severity == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let over: Vec<usize> = (0..findings.len()).filter(|i| reaches[*i].over_policy).collect();
    BlastRadius {
        total: findings.len(),
        over_policy: over.len(),
        counts,
        worst: over.into_iter().take(WORST).collect(),
        reaches,
        places: graph.places,
        targets: graph.targets,
    }
}

/// Whether a severity means over policy.
pub fn is_over_policy(severity: Severity) -> bool {
    severity >= Severity::High
}

#[derive(Default)]
struct Graph {
    places: Vec<Place>,
    place_ids: BTreeMap<Place, usize>,
    targets: Vec<Target>,
    target_ids: BTreeMap<String, usize>,
}

impl Graph {
    fn place(&mut self, kind: PlaceKind, label: String) -> usize {
        let place = Place { kind, label };
        if let Some(id) = self.place_ids.get(&place) {
            return *id;
        }
        self.places.push(place.clone());
        self.place_ids.insert(place, self.places.len() - 1);
        self.places.len() - 1
    }

    fn target(&mut self, label: String, production: bool) -> usize {
        if let Some(id) = self.target_ids.get(&label) {
            self.targets[*id].production |= production;
            return *id;
        }
        self.targets.push(Target { label: label.clone(), production });
        self.target_ids.insert(label, self.targets.len() - 1);
        self.targets.len() - 1
    }

    fn credential(&mut self, f: &Finding, inventory: &Inventory, policy: &Policy) -> CredentialReach {
        let mut ways = Vec::new();
        let mut locations: Vec<&Location> = f.credential.locations.iter().collect();
        locations.sort_by_key(|l| l.reach);
        for location in locations {
            ways.extend(self.ways(location, f, inventory));
        }
        ways.dedup();
        let production: Vec<String> = policy.production_hits(&f.scope);
        let mut targets = Vec::new();
        let mut environments = Vec::new();
        for resource in &f.scope.resources {
            let label = words::resource(resource);
            let is_production = production.contains(&label);
            if resource.split_once(':').is_some_and(|(_, rest)| rest.starts_with("environment/")) {
                environments.push(if is_production { format!("{label} (production)") } else { label.clone() });
            }
            targets.push(self.target(label, is_production));
        }
        if targets.is_empty() {
            let identity = f.scope.identity.as_deref();
            let label = super::targets::fallback(&f.rule_id, &f.provider, identity, f.scope.test_mode);
            targets.push(self.target(label, f.scope.production == Some(true) && !f.scope.test_mode));
        }
        if environments.is_empty() && f.scope.production == Some(true) {
            environments.push("production".to_string());
        }
        environments.sort_by_key(|e| !e.ends_with("(production)") && e != "production");
        let mut seen = std::collections::HashSet::new();
        targets.retain(|t| seen.insert(*t));
        // Production first, otherwise in the order the scope lists them.
        targets.sort_by_key(|t| !self.targets[*t].production);
        CredentialReach { ways, targets, environments, over_policy: is_over_policy(f.severity) }
    }

    fn ways(&mut self, l: &Location, f: &Finding, inventory: &Inventory) -> Vec<Way> {
        let at = match l.line {
            Some(line) => format!("{}:{line}", l.path),
            None => l.path.clone(),
        };
        let hidden = inventory.hidden.get(&l.path);
        let veil = match hidden {
            Some(files) if l.agent_ignored => {
                format!("; hidden from file tools by {}, not from the shell", files.join(", "))
            }
            _ => String::new(),
        };
        let mut out = Vec::new();
        let (kind, label, how) = match l.reach {
            Reach::History => {
                let commit = l.commit.as_ref().map(|c| {
                    let date = c.date.as_deref().map(|d| format!(", {}", &d[..d.len().min(10)])).unwrap_or_default();
                    format!(" in commit {}{date}", &c.id[..c.id.len().min(12)])
                });
                let how = format!(
                    "runs git log -p: {at}{}, removed from the tree but kept in history",
                    commit.unwrap_or_default()
                );
                (PlaceKind::History, l.reach.place_words().to_string(), how)
            }
            Reach::Env => {
                (PlaceKind::Env, l.path.clone(), format!("reads {} from its environment (printenv, echo)", l.path))
            }
            Reach::Home => {
                let file = inventory.home_files.iter().find(|h| h.display == l.path);
                let config = inventory.agent_configs.iter().find(|c| c.display == l.path);
                let what = match (file, config) {
                    (Some(f), _) if f.kind == HomeKind::History => "shell history file".to_string(),
                    (Some(f), _) => format!("home credential file of {}", f.tool),
                    (None, Some(c)) => format!("{} configuration", c.agent),
                    (None, None) => "file in the home".to_string(),
                };
                (PlaceKind::Home, l.path.clone(), format!("reads {at} ({what}{veil})"))
            }
            reach @ (Reach::Staged | Reach::Tracked | Reach::Untracked | Reach::Ignored) => {
                (PlaceKind::Workspace, l.path.clone(), format!("reads {at} ({}{veil})", reach.place_words()))
            }
        };
        let place = self.place(kind, label);
        out.push(Way { place, how, hidden_from_file_tools: l.agent_ignored });
        if let Some(server) = &l.mcp_server {
            let field = inventory
                .agent_configs
                .iter()
                .filter(|c| c.display == l.path)
                .flat_map(|c| c.servers.iter().map(move |s| (c, s)))
                .find(|(_, s)| &s.name == server)
                .map(|(c, s)| {
                    let field = s.field_holding(f.credential.secret.expose()).unwrap_or("its configuration");
                    format!("{field}, {} config {}", c.agent, c.display)
                })
                .unwrap_or_else(|| l.path.clone());
            let place = self.place(PlaceKind::Mcp, format!("MCP server {server}"));
            let how = format!("wields it through MCP server {server} ({field}), without reading the file");
            out.push(Way { place, how, hidden_from_file_tools: false });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credential, Fingerprint, Secret};
    use crate::rules::RuleId;
    use crate::scope::{Level, Scope, ScopeSource};
    use crate::source::CommitRef;

    fn location(path: &str, reach: Reach) -> Location {
        Location {
            path: path.into(),
            line: if reach == Reach::Env { None } else { Some(2) },
            column: None,
            reach,
            commit: None,
            agent_ignored: false,
            mcp_server: None,
        }
    }

    fn finding(secret: &str, severity: Severity, locations: Vec<Location>, resources: &[&str]) -> Finding {
        Finding {
            rule_id: "railway.api-token".into(),
            provider: "railway".into(),
            title: "Railway token".into(),
            credential: Credential {
                rule: RuleId(0),
                secret: Secret::new(secret.as_bytes()),
                fingerprint: Fingerprint::of(secret.as_bytes()),
                locations,
                companion: None,
                evidence: None,
                parts: Vec::new(),
            },
            scope: Scope {
                level: Level::Admin,
                source: ScopeSource::Probe,
                resources: resources.iter().map(|r| r.to_string()).collect(),
                ..Scope::unknown()
            },
            severity,
            reasons: Vec::new(),
            remedy: String::new(),
            handles: Vec::new(),
            rotate: None,
        }
    }

    #[test]
    fn counts_ways_places_and_targets() {
        let mut history = location("old/.env", Reach::History);
        history.commit =
            Some(CommitRef { id: "0123456789abcdef0123".into(), date: Some("2026-01-01T00:00:00Z".into()) });
        let mut ignored = location(".env", Reach::Ignored);
        ignored.agent_ignored = true;
        let findings = vec![
            finding(
                "a",
                Severity::Critical,
                vec![ignored, history, location("$RAILWAY_TOKEN", Reach::Env)],
                &[
                    "railway:project/pocket",
                    "railway:environment/pocket/production",
                    "railway:environment/pocket/staging",
                ],
            ),
            finding("b", Severity::Medium, vec![location("~/.railway/config.json", Reach::Home)], &[]),
        ];
        let mut inventory = Inventory::default();
        inventory.hidden.insert(".env".into(), vec![".cursorignore".into()]);
        let blast = build(&findings, &inventory, &Policy::default());
        assert_eq!((blast.total, blast.over_policy, blast.worst.clone()), (2, 1, vec![0]));
        assert_eq!(blast.counts, vec![(Severity::Critical, 1), (Severity::Medium, 1)]);
        let ways: Vec<&str> = blast.reaches[0].ways.iter().map(|w| w.how.as_str()).collect();
        assert_eq!(
            ways,
            [
                "reads .env:2 (git-ignored file; hidden from file tools by .cursorignore, not from the shell)",
                "runs git log -p: old/.env:2 in commit 0123456789ab, 2026-01-01, removed from the tree but kept in history",
                "reads $RAILWAY_TOKEN from its environment (printenv, echo)",
            ]
        );
        assert_eq!(
            blast.reaches[0].environments,
            ["railway environment pocket/production (production)", "railway environment pocket/staging"]
        );
        let labels: Vec<&str> = blast.places.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, [".env", "git history", "$RAILWAY_TOKEN", "~/.railway/config.json"]);
        let target = &blast.targets[blast.reaches[1].targets[0]];
        assert_eq!(target.label, "railway account or workspace (every project it can see)");
        assert!(blast.targets.iter().any(|t| t.label == "railway environment pocket/production" && t.production));
    }
}
