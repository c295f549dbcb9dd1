//! SARIF 2.1.0 (`--format sarif`) shaped for GitHub code scanning, built with `serde-sarif`'s
//! types.
//!
//! Receives judged, sorted findings; writes one SARIF log with one run. It decides nothing
//! about findings: it maps them onto what code scanning reads and shows.
//!
//! - **One result per finding and path.** GitHub shows a result's first location only and
//!   opens one alert per result, so a credential seen in three files gives three alerts, each
//!   closing when its file is cleaned. The credential's other places (further lines in the
//!   same file, other files, history) are the result's `relatedLocations`, linked from the
//!   message.
//! - **Stable identity.** `partialFingerprints` hash (rule id, path, the secret's
//!   fingerprint): never the secret, never the line number or the line's text, so an alert
//!   survives the line moving and stays one alert across runs. `primaryLocationLineHash` is
//!   set too: when it is absent, `upload-sarif` derives it from the text around the line,
//!   which holds the secret and changes with every edit nearby.
//! - **Severity.** `level` is per result (error for critical and high, warning for medium,
//!   note for low). GitHub takes the security severity of an alert from its rule, so a
//!   rule's `security-severity` is that of its worst finding in the run.
//! - **History-only** locations point at the path without a region (the line belongs to a
//!   past commit, not to the file GitHub shows) and name the commit in the message.
//!   Environment variables and home files are logical locations: they are not repository
//!   files.
//! - **Limits.** GitHub stores at most 5,000 results of a run and rejects files over 10 MB
//!   and results with over 1,000 locations ([`Limits::GITHUB`]). The most severe results are
//!   kept (findings arrive sorted) and the run's properties and tool notifications say what
//!   was left out.
//! - **No secret**, unless `--show-secrets`: no snippet, no redacted form, and every string
//!   in the log is scrubbed of each finding's secret and companion value before it is
//!   written, whatever text a rule or a probe supplied.

mod results;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::{self, Write};

use aho_corasick::{AhoCorasick, MatchKind};
use serde_json::{Value, json};
use serde_sarif::sarif;

use super::Report;
use crate::credentials::Location;
use crate::policy::{Finding, Severity};
use crate::source::Reach;

pub use results::uri;
pub use rules::{level, security_severity};

use results::{message, result};
use rules::Rules;

/// How much of a run code scanning accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Results in the run (GitHub stores the first 5,000 and rejects over 25,000).
    pub results: usize,
    /// Bytes of the whole file (GitHub rejects an upload over 10 MB).
    pub bytes: usize,
    /// Related locations of one result (GitHub shows 100 and rejects over 1,000).
    pub related_locations: usize,
}

impl Limits {
    /// GitHub code scanning's documented limits ("SARIF results exceed limit", "SARIF
    /// results file is too large"). Rules per run (25,000) and tags per rule (20) are far
    /// above what keyreach emits: one rule per rule that fired, six tags each.
    pub const GITHUB: Limits = Limits { results: 5_000, bytes: 10_000_000, related_locations: 100 };
}

/// The base every result location is relative to: the scanned directory.
pub const SRCROOT: &str = "%SRCROOT%";
/// Key of keyreach's own partial fingerprint.
pub const FINGERPRINT_KEY: &str = "keyreach/v1";
/// Replaces any secret found in a string of the log (valid in a URI and in message text).
const SCRUBBED: &str = "REDACTED";
/// Secrets shorter than this are not scrubbed from free text (they would hit ordinary words).
const MIN_SCRUB_LEN: usize = 8;
/// Related locations linked by name in a result's message; the rest are counted.
const MESSAGE_LINKS: usize = 10;

/// Writes `report` as SARIF within GitHub's limits.
pub fn write_sarif(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_sarif_with(report, &Limits::GITHUB, out)
}

/// Writes `report` as SARIF within `limits`: drops the least severe results until the file
/// fits, and says so in the run.
pub fn write_sarif_with(report: &Report<'_>, limits: &Limits, out: &mut dyn Write) -> io::Result<()> {
    let alerts = alerts(report.findings);
    let scrubber = if report.show_secrets { None } else { Scrubber::new(report.findings) };
    let mut keep = alerts.len().min(limits.results);
    loop {
        let mut value = serde_json::to_value(document(report, &alerts, keep, limits))?;
        if let Some(s) = &scrubber {
            s.scrub(&mut value);
        }
        let text = serde_json::to_string_pretty(&value)?;
        if text.len() <= limits.bytes || keep == 0 {
            out.write_all(text.as_bytes())?;
            return writeln!(out);
        }
        let fitting = (keep as u128 * limits.bytes as u128 / text.len() as u128) as usize;
        keep = fitting.min(keep - 1);
    }
}

/// A finding at one path: one code-scanning alert.
struct Alert<'a> {
    finding: &'a Finding,
    primary: &'a Location,
    others: Vec<&'a Location>,
}

/// One alert per path of each finding, in finding order (most severe first). The primary
/// location is the first one in the path outside history, else the first.
fn alerts(findings: &[Finding]) -> Vec<Alert<'_>> {
    let mut out = Vec::new();
    for finding in findings {
        let locations = &finding.credential.locations;
        let mut paths: Vec<&str> = Vec::new();
        for l in locations {
            if !paths.contains(&l.path.as_str()) {
                paths.push(&l.path);
            }
        }
        for path in paths {
            let in_path = locations.iter().filter(|l| l.path == path);
            let primary = in_path
                .clone()
                .find(|l| l.reach != Reach::History)
                .or_else(|| in_path.clone().next())
                .expect("every path comes from a location");
            // Other lines of the same file first, then the credential's other places.
            let mut others: Vec<&Location> = locations.iter().filter(|l| !std::ptr::eq(*l, primary)).collect();
            others.sort_by_key(|l| l.path != primary.path);
            out.push(Alert { finding, primary, others });
        }
    }
    out
}

fn document(report: &Report<'_>, alerts: &[Alert<'_>], keep: usize, limits: &Limits) -> sarif::Sarif {
    let kept = &alerts[..keep];
    let rules = Rules::of(kept);
    let results: Vec<sarif::Result> =
        kept.iter().map(|a| result(a, rules.index(&a.finding.rule_id), report.show_secrets, limits)).collect();
    let note = (keep < alerts.len()).then(|| truncation_note(keep, alerts.len(), limits));
    let mut invocation = sarif::Invocation::builder().execution_successful(true).build();
    let notification =
        |text: &str, level: &str| sarif::Notification::builder().message(message(text)).level(json!(level)).build();
    let mut notifications: Vec<sarif::Notification> = note.iter().map(|text| notification(text, "warning")).collect();
    notifications.extend(report.problems.iter().map(|p| notification(&format!("{}: {}", p.path, p.cause), "error")));
    notifications.extend(
        report.skipped.iter().map(|s| notification(&format!("{}: not scanned: {}", s.path, s.reason.as_str()), "note")),
    );
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = sarif::ToolComponent::builder()
        .name("keyreach")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules.descriptors)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .properties(run_properties(report, keep, alerts.len(), note))
        .build();
    sarif::Sarif::builder().schema(sarif::SCHEMA_URL).version(json!("2.1.0")).runs(vec![run]).build()
}

fn truncation_note(kept: usize, total: usize, limits: &Limits) -> String {
    format!(
        "Capped for GitHub code scanning: {kept} of {total} results are included, most severe first \
         (code scanning keeps at most {} results of a run and accepts files up to {} bytes). \
         Run keyreach with --format json to see every finding.",
        limits.results, limits.bytes
    )
}

fn run_properties(report: &Report<'_>, kept: usize, total: usize, note: Option<String>) -> sarif::PropertyBag {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let stats = report.stats;
    let mut props = BTreeMap::from([
        ("findings".to_string(), json!(report.findings.len())),
        (
            "severities".to_string(),
            json!({
                "critical": count(Severity::Critical),
                "high": count(Severity::High),
                "medium": count(Severity::Medium),
                "low": count(Severity::Low),
            }),
        ),
        ("results".to_string(), json!(kept)),
        ("resultsFound".to_string(), json!(total)),
        ("truncated".to_string(), json!(kept < total)),
        (
            "stats".to_string(),
            json!({
                "files": stats.files,
                "bytes": stats.bytes,
                "skipped": stats.skipped_binary + stats.skipped_large,
                "errors": stats.errors,
            }),
        ),
    ]);
    if let Some(history) = stats.history() {
        props.insert("history".to_string(), json!(history));
    }
    if let Some(n) = stats.baselined {
        props.insert("baselined".to_string(), json!(n));
    }
    if let Some(note) = note {
        props.insert("note".to_string(), json!(note));
    }
    sarif::PropertyBag::builder().additional_properties(props).build()
}

/// Removes every finding's secret and companion value from the strings of a log.
struct Scrubber {
    matcher: AhoCorasick,
}

impl Scrubber {
    fn new(findings: &[Finding]) -> Option<Scrubber> {
        let mut needles: Vec<String> = Vec::new();
        for f in findings {
            needles.push(String::from_utf8_lossy(f.credential.secret.expose()).into_owned());
            if let Some(c) = &f.credential.companion {
                let value = String::from_utf8_lossy(c.value.expose()).into_owned();
                // A companion that is one of the finding's handles (an AWS access key id)
                // is an identifier the operator needs, not a secret.
                if !f.handles.iter().any(|h| h.value == value) {
                    needles.push(value);
                }
            }
        }
        needles.retain(|n| n.chars().count() >= MIN_SCRUB_LEN);
        needles.sort();
        needles.dedup();
        if needles.is_empty() {
            return None;
        }
        let matcher = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&needles).ok()?;
        Some(Scrubber { matcher })
    }

    fn scrub(&self, value: &mut Value) {
        match value {
            Value::String(s) if self.matcher.is_match(s.as_str()) => {
                *s = self.matcher.replace_all(s, &vec![SCRUBBED; self.matcher.patterns_len()]);
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub(v)),
            _ => {}
        }
    }
}
