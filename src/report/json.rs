//! The JSON report contract (DESIGN.md, "JSON report"), pinned in one place. `json` prints
//! one document; `jsonl` prints one finding object a line.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{AuditReport, Report};
use crate::credentials::Location;
use crate::policy::Finding;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    /// `"full"` or `"shallow"` (a shallow clone: only the fetched commits were read) when
    /// git history was scanned; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'static str>,
    stats: Stats,
    findings: Vec<FindingJson<'a>>,
    /// Paths that could not be read, and why.
    problems: Vec<ProblemJson<'a>>,
    /// Files not scanned, and why.
    skipped: Vec<SkippedJson<'a>>,
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    path: &'a str,
    cause: &'a str,
}

#[derive(Serialize)]
struct SkippedJson<'a> {
    path: &'a str,
    reason: &'static str,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Stats {
    files: u64,
    bytes: u64,
    seconds: f64,
    skipped: u64,
    errors: u64,
    /// Known credentials `--baseline` accepted; absent without a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    baselined: Option<u64>,
}

#[derive(Serialize)]
pub(super) struct FindingJson<'a> {
    rule: &'a str,
    provider: &'a str,
    title: &'a str,
    fingerprint: String,
    secret: String,
    locations: Vec<LocationJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    companion: Option<CompanionJson<'a>>,
    scope: ScopeJson<'a>,
    severity: &'static str,
    reasons: &'a [String],
    remedy: &'a str,
    /// What an operator needs to find it, none of it secret: `key_id`, `fingerprint`,
    /// `comment`, `owner`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    handles: BTreeMap<String, &'a str>,
    /// Where and how to rotate or revoke it: `console`, `cli`, `docs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rotate: Option<&'a crate::policy::rotate::Rotation>,
}

#[derive(Serialize)]
struct LocationJson<'a> {
    path: &'a str,
    line: Option<u64>,
    column: Option<u64>,
    reach: &'static str,
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit_date: Option<&'a str>,
    agent_ignored: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    mcp_server: Option<&'a str>,
}

#[derive(Serialize)]
struct CompanionJson<'a> {
    name: &'a str,
    value: String,
    locations: Vec<LocationJson<'a>>,
}

#[derive(Serialize)]
struct ScopeJson<'a> {
    source: &'static str,
    level: &'static str,
    destructive: Option<bool>,
    production: Option<bool>,
    identity: Option<&'a str>,
    permissions: &'a [String],
    resources: &'a [String],
    expires: Option<&'a str>,
    active: Option<bool>,
}

fn location(l: &Location) -> LocationJson<'_> {
    LocationJson {
        path: &l.path,
        line: l.line,
        column: l.column,
        reach: l.reach.as_str(),
        commit: l.commit.as_ref().map(|c| c.id.as_str()),
        commit_date: l.commit.as_ref().and_then(|c| c.date.as_deref()),
        agent_ignored: l.agent_ignored,
        mcp_server: l.mcp_server.as_deref(),
    }
}

pub(super) fn finding(f: &Finding, show_secrets: bool) -> FindingJson<'_> {
    let reveal = |s: &crate::credentials::Secret| {
        if show_secrets { String::from_utf8_lossy(s.expose()).into_owned() } else { s.redacted() }
    };
    let scope = &f.scope;
    FindingJson {
        rule: &f.rule_id,
        provider: &f.provider,
        title: &f.title,
        fingerprint: f.credential.fingerprint.to_string(),
        secret: reveal(&f.credential.secret),
        locations: f.credential.locations.iter().map(location).collect(),
        companion: f.credential.companion.as_ref().map(|c| CompanionJson {
            name: &c.name,
            value: reveal(&c.value),
            locations: c.locations.iter().map(location).collect(),
        }),
        scope: ScopeJson {
            source: scope.source.as_str(),
            level: scope.level.as_str(),
            destructive: scope.destructive,
            production: scope.production,
            identity: scope.identity.as_deref(),
            permissions: &scope.permissions,
            resources: &scope.resources,
            expires: scope.expires.as_deref(),
            active: scope.active.as_bool(),
        },
        severity: f.severity.as_str(),
        reasons: &f.reasons,
        remedy: &f.remedy,
        handles: f.handles.iter().map(|h| (super::operator::json_key(h.label), h.value.as_str())).collect(),
        rotate: f.rotate.as_ref(),
    }
}

pub fn write_json(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    writeln!(out)
}

fn document<'a>(report: &'a Report<'_>) -> Document<'a> {
    Document {
        version: 1,
        tool: Tool { name: "keyreach", version: env!("CARGO_PKG_VERSION") },
        history: report.stats.history(),
        stats: Stats {
            files: report.stats.files,
            bytes: report.stats.bytes,
            seconds: (report.stats.seconds * 1000.0).round() / 1000.0,
            skipped: report.stats.skipped_binary + report.stats.skipped_large,
            errors: report.stats.errors,
            baselined: report.stats.baselined,
        },
        findings: report.findings.iter().map(|f| finding(f, report.show_secrets)).collect(),
        problems: report.problems.iter().map(|p| ProblemJson { path: &p.path, cause: &p.cause }).collect(),
        skipped: report.skipped.iter().map(|s| SkippedJson { path: &s.path, reason: s.reason.as_str() }).collect(),
    }
}

/// `audit --format json`: the report document plus an `audit` object (summary, sources
/// read, and the blast-radius graph).
pub fn write_audit_json(audit: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct AuditDocument<'a> {
        #[serde(flatten)]
        base: Document<'a>,
        audit: super::audit_json::AuditJson<'a>,
    }
    let doc = AuditDocument { base: document(&audit.report), audit: super::audit_json::audit(audit) };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn write_jsonl(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        serde_json::to_writer(&mut *out, &finding(f, report.show_secrets))?;
        writeln!(out)?;
    }
    Ok(())
}
