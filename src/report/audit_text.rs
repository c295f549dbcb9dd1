//! The blast-radius report for people: a summary taken in at a glance (how many
//! credentials the agent reaches, how many over policy, the worst ones), then each
//! credential with every way the agent reaches it, what it can do, what it reaches, the
//! verdict with reasons and the remedy; then what was read.

use std::io;

use termcolor::WriteColor;

use super::text::{
    SEVERITIES, abilities, bold, dim, field, footer, heading, human_bytes, scope_line, severity_color, styled,
};
use super::{AuditReport, escape};
use crate::policy::Finding;
use crate::policy::blast::CredentialReach;
use crate::source::HistoryStatus;
use crate::source::home::HomeKind;

/// Targets listed per credential (the JSON and HTML list them all).
const SHOWN_TARGETS: usize = 4;

pub fn write_audit_text(audit: &AuditReport<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    summary(audit, out)?;
    let findings = audit.report.findings;
    for severity in SEVERITIES {
        let group: Vec<usize> = (0..findings.len()).filter(|i| findings[*i].severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out)?;
        styled(out, &severity_color(severity), &format!("{} ({})", severity.as_str().to_uppercase(), group.len()))?;
        writeln!(out)?;
        for i in group {
            credential(audit, &findings[i], &audit.blast.reaches[i], out)?;
        }
    }
    writeln!(out)?;
    sources(audit, out)?;
    writeln!(out)?;
    footer(&audit.report, out)
}

fn summary(audit: &AuditReport<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    let b = audit.blast;
    if b.total == 0 {
        styled(out, &bold(), "keyreach audit: the agent reaches no credential")?;
        return writeln!(out);
    }
    let noun = if b.total == 1 { "credential" } else { "credentials" };
    styled(
        out,
        &bold(),
        &format!("keyreach audit: the agent reaches {} {noun}, {} over policy", b.total, b.over_policy),
    )?;
    let counts: Vec<String> = b.counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    writeln!(out, " ({})", counts.join(", "))?;
    if !b.worst.is_empty() {
        styled(out, &dim(), "worst:")?;
        writeln!(out)?;
    }
    for i in &b.worst {
        let f = &audit.report.findings[*i];
        let places: Vec<String> = b.reaches[*i].ways.iter().map(|w| escape(&b.places[w.place].label)).collect();
        write!(out, "  ")?;
        styled(out, &severity_color(f.severity), &format!("{:<8}", f.severity.as_str()))?;
        writeln!(out, " {} in {} — {}", escape(&f.title), dedup(places).join(", "), abilities(f))?;
    }
    Ok(())
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}

fn credential(
    audit: &AuditReport<'_>,
    f: &Finding,
    reach: &CredentialReach,
    out: &mut dyn WriteColor,
) -> io::Result<()> {
    heading(&audit.report, f, out)?;
    for (i, way) in reach.ways.iter().enumerate() {
        field(out, if i == 0 { "reached" } else { "" }, &escape(&way.how))?;
    }
    if let Some(part) = super::operator::hidden_companion(f) {
        field(out, "with", &format!("{} {}", escape(&part.name), part.value.redacted()))?;
    }
    super::operator::write_fields(f, out)?;
    field(out, "can", &scope_line(f))?;
    let targets: Vec<String> = reach
        .targets
        .iter()
        .take(SHOWN_TARGETS)
        .map(|t| {
            let t = &audit.blast.targets[*t];
            if t.production { format!("{} (production)", escape(&t.label)) } else { escape(&t.label) }
        })
        .collect();
    let more = reach.targets.len().saturating_sub(SHOWN_TARGETS);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    field(out, "reaches", &format!("{}{more}", targets.join(", ")))?;
    if !reach.environments.is_empty() {
        field(out, "envs", &escape(&reach.environments.join(", ")))?;
    }
    for (i, reason) in f.reasons.iter().enumerate() {
        field(out, if i == 0 { "why" } else { "" }, &escape(reason))?;
    }
    field(out, "fix", &escape(&f.remedy))?;
    super::operator::write_rotate(f, out)
}

fn sources(audit: &AuditReport<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    let inv = audit.inventory;
    styled(out, &bold(), "read")?;
    writeln!(out)?;
    let st = audit.report.stats;
    field(
        out,
        "workspace",
        &format!("{} ({}, {})", escape(&inv.workspace), super::count(st.files, "file", "files"), human_bytes(st.bytes)),
    )?;
    let history = match &inv.history {
        HistoryStatus::Scanned if st.shallow_history == Some(true) => {
            "only the fetched commits: a shallow clone (git fetch --unshallow reads the rest)".to_string()
        }
        HistoryStatus::Scanned => "every commit reachable from a ref".to_string(),
        HistoryStatus::Off => "not read (--no-history)".to_string(),
        HistoryStatus::Unavailable(why) => format!("not read: {}", escape(why)),
    };
    field(out, "history", &history)?;
    match &inv.home {
        None => field(out, "home", &format!("not read ({})", escape(&inv.home_note)))?,
        Some(home) if inv.home_files.is_empty() => {
            field(out, "home", &format!("{}: no credential files", escape(home)))?
        }
        Some(home) => {
            field(out, "home", &escape(home))?;
            for f in &inv.home_files {
                let what = match f.kind {
                    HomeKind::SshKey { passphrase: Some(true) } => "SSH private key, passphrase-protected".to_string(),
                    HomeKind::SshKey { passphrase: Some(false) } => "SSH private key, no passphrase".to_string(),
                    HomeKind::SshKey { passphrase: None } => "SSH private key, protection unknown".to_string(),
                    _ => f.tool.to_string(),
                };
                field(out, "", &format!("{}  {what}", escape(&f.display)))?;
            }
        }
    }
    let env = match inv.env_vars {
        Some(n) => format!("{} (names only are ever shown)", super::count(n as u64, "variable", "variables")),
        None => "not read (--no-env)".to_string(),
    };
    field(out, "env", &env)?;
    for (i, c) in inv.agent_configs.iter().enumerate() {
        let servers: Vec<String> = c
            .servers
            .iter()
            .map(|s| {
                let fields: Vec<&str> =
                    s.field_names().filter(|f| f.starts_with("env ") || f.starts_with("header ")).collect();
                let passes = if fields.is_empty() { String::new() } else { format!(", passes {}", fields.join(", ")) };
                format!("{} ({}{passes})", escape(&s.name), escape(&s.launch))
            })
            .collect();
        let body = match (&c.problem, servers.is_empty()) {
            (Some(p), _) => format!("could not parse: {}", escape(p)),
            (None, true) => "no MCP servers".to_string(),
            (None, false) => format!("MCP servers {}", servers.join("; ")),
        };
        field(out, if i == 0 { "agents" } else { "" }, &format!("{} ({}): {body}", escape(&c.display), c.agent))?;
    }
    let shell = if audit.agent_has_shell {
        "they hide files from file tools only; the agent has a shell (agent_has_shell = true), so they lower nothing"
    } else {
        "the agent has no shell (agent_has_shell = false): what they hide is out of its reach"
    };
    if inv.restrictions.is_empty() {
        field(out, "restrict", "no agent ignore files or Claude Code deny rules")?;
    } else {
        for (i, r) in inv.restrictions.iter().enumerate() {
            let rules = if r.rules == 1 { "1 rule".to_string() } else { format!("{} rules", r.rules) };
            let body = match &r.problem {
                Some(p) => format!("{} ({}): {rules}; {}", escape(&r.display), r.agent, escape(p)),
                None => format!("{} ({}): {rules}", escape(&r.display), r.agent),
            };
            field(out, if i == 0 { "restrict" } else { "" }, &body)?;
        }
        field(out, "", shell)?;
    }
    Ok(())
}
