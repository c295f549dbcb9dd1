//! The report a person reads first: a one-line summary, then findings grouped by severity,
//! each with where it was found, what it can do, why it matters and how to fix it.
//! Colour goes through an injected `WriteColor`; untrusted text is escaped.

use std::io;

use termcolor::{Color, ColorSpec, WriteColor};

use super::{Report, count, escape};
use crate::credentials::Location;
use crate::policy::{Finding, Severity};
use crate::scope::words;

pub(super) const SEVERITIES: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

pub(super) fn severity_color(s: Severity) -> ColorSpec {
    let mut spec = ColorSpec::new();
    match s {
        Severity::Critical => spec.set_fg(Some(Color::Red)).set_bold(true),
        Severity::High => spec.set_fg(Some(Color::Red)),
        Severity::Medium => spec.set_fg(Some(Color::Yellow)),
        Severity::Low => spec.set_fg(Some(Color::Cyan)),
    };
    spec
}

pub(super) fn dim() -> ColorSpec {
    let mut spec = ColorSpec::new();
    spec.set_dimmed(true);
    spec
}

pub(super) fn bold() -> ColorSpec {
    let mut spec = ColorSpec::new();
    spec.set_bold(true);
    spec
}

pub(super) fn styled(out: &mut dyn WriteColor, spec: &ColorSpec, text: &str) -> io::Result<()> {
    out.set_color(spec)?;
    write!(out, "{text}")?;
    out.reset()
}

pub fn write_text(report: &Report<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    summary(report, out)?;
    for severity in SEVERITIES {
        let group: Vec<&Finding> = report.findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out)?;
        styled(out, &severity_color(severity), &format!("{} ({})", severity.as_str().to_uppercase(), group.len()))?;
        writeln!(out)?;
        for finding in group {
            write_finding(report, finding, out)?;
        }
    }
    writeln!(out)?;
    footer(report, out)
}

fn summary(report: &Report<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    let n = report.findings.len();
    if n == 0 {
        styled(out, &bold(), "keyreach: no credentials found")?;
        return writeln!(out);
    }
    let counts: Vec<String> = SEVERITIES
        .iter()
        .filter_map(|s| {
            let c = report.findings.iter().filter(|f| f.severity == *s).count();
            (c > 0).then(|| format!("{c} {s}"))
        })
        .collect();
    let noun = if n == 1 { "credential" } else { "credentials" };
    styled(out, &bold(), &format!("keyreach: {n} {noun} found"))?;
    writeln!(out, " ({})", counts.join(", "))
}

/// A finding's first lines: severity, title and rule, then the secret (redacted unless
/// asked) and its fingerprint.
pub(super) fn heading(report: &Report<'_>, f: &Finding, out: &mut dyn WriteColor) -> io::Result<()> {
    writeln!(out)?;
    write!(out, "  ")?;
    styled(out, &severity_color(f.severity), f.severity.as_str())?;
    write!(out, "  ")?;
    styled(out, &bold(), &escape(&f.title))?;
    write!(out, "  ")?;
    styled(out, &dim(), &escape(&f.rule_id))?;
    writeln!(out)?;
    let secret = if report.show_secrets {
        escape(&String::from_utf8_lossy(f.credential.secret.expose()))
    } else {
        escape(&f.credential.secret.redacted())
    };
    field(out, "secret", &format!("{secret}  {}", f.credential.fingerprint))
}

/// What a credential can do in a few words: level, destructive, production.
pub(super) fn abilities(f: &Finding) -> String {
    words::abilities(&f.scope)
}

pub(super) fn write_finding(report: &Report<'_>, f: &Finding, out: &mut dyn WriteColor) -> io::Result<()> {
    heading(report, f, out)?;
    for (i, loc) in f.credential.locations.iter().enumerate() {
        field(out, if i == 0 { "found at" } else { "" }, &location(loc))?;
    }
    if let Some(part) = super::operator::hidden_companion(f) {
        let at = part.locations.first().map(location).unwrap_or_default();
        field(out, "with", &format!("{} {} at {at}", escape(&part.name), escape(&part.value.redacted())))?;
    }
    super::operator::write_fields(f, out)?;
    field(out, "scope", &scope_line(f))?;
    for (i, reason) in f.reasons.iter().enumerate() {
        field(out, if i == 0 { "why" } else { "" }, &escape(reason))?;
    }
    field(out, "fix", &escape(&f.remedy))?;
    super::operator::write_rotate(f, out)
}

pub(super) fn field(out: &mut dyn WriteColor, label: &str, value: &str) -> io::Result<()> {
    write!(out, "    ")?;
    styled(out, &dim(), &format!("{label:<9}"))?;
    writeln!(out, " {value}")
}

pub(super) fn location(l: &Location) -> String {
    let mut text = escape(&l.path);
    if let Some(line) = l.line {
        text.push_str(&format!(":{line}"));
        if let Some(col) = l.column {
            text.push_str(&format!(":{col}"));
        }
    }
    text.push_str(&format!(" ({}", l.reach));
    if let Some(commit) = &l.commit {
        text.push_str(&format!(", commit {}", &commit.id[..commit.id.len().min(12)]));
    }
    if l.agent_ignored {
        text.push_str(", agent-ignored");
    }
    text.push(')');
    text
}

pub(super) fn scope_line(f: &Finding) -> String {
    let s = &f.scope;
    let mut parts =
        vec![words::level(s.level), words::destructive(s.destructive).into(), words::production(s.production).into()];
    if let Some(id) = &s.identity {
        parts.push(format!("as {}", escape(id)));
    }
    if !s.permissions.is_empty() {
        parts.push(escape(&s.permissions.join(",")));
    }
    if let Some(exp) = &s.expires {
        parts.push(format!("expires {}", escape(exp)));
    }
    format!("{} ({})", parts.join(" · "), words::source_tag(s.source))
}

pub(super) fn footer(report: &Report<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    let st = report.stats;
    let mut line =
        format!("scanned {} ({}) in {:.2} s", count(st.files, "file", "files"), human_bytes(st.bytes), st.seconds);
    let skipped = st.skipped_binary + st.skipped_large;
    if skipped > 0 {
        line.push_str(&format!("; skipped {} binary, {} over the size limit", st.skipped_binary, st.skipped_large));
    }
    if st.errors > 0 {
        line.push_str(&format!("; {} unreadable", st.errors));
    }
    if st.shallow_history == Some(true) {
        line.push_str("; history incomplete (shallow clone)");
    }
    if let Some(n) = st.baselined {
        line.push_str(&format!("; {} accepted by the baseline", count(n, "known credential", "known credentials")));
    }
    styled(out, &dim(), &line)?;
    writeln!(out)
}

pub(super) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
