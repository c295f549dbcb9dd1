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

use std::collections::BTreeMap;
use std::io::{self, Write};

use aho_corasick::{AhoCorasick, MatchKind};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};
use serde_sarif::sarif;
use sha2::{Digest, Sha256};

use super::Report;
use crate::credentials::Location;
use crate::policy::{Finding, Severity};
use crate::scope::{Activity, Level, Scope, ScopeSource};
use crate::source::Reach;

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
    if let Some(text) = &note {
        invocation.tool_execution_notifications =
            Some(vec![sarif::Notification::builder().message(message(text)).level(json!("warning")).build()]);
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
    if let Some(note) = note {
        props.insert("note".to_string(), json!(note));
    }
    sarif::PropertyBag::builder().additional_properties(props).build()
}

/// One rule entry per rule that fired, sorted by id.
struct Rules {
    ids: Vec<String>,
    descriptors: Vec<sarif::ReportingDescriptor>,
}

impl Rules {
    fn of(alerts: &[Alert<'_>]) -> Rules {
        let mut worst: BTreeMap<&str, &Finding> = BTreeMap::new();
        for a in alerts {
            let f = a.finding;
            let entry = worst.entry(&f.rule_id).or_insert(f);
            if f.severity > entry.severity {
                *entry = f;
            }
        }
        Rules {
            ids: worst.keys().map(|id| id.to_string()).collect(),
            descriptors: worst.values().map(|f| descriptor(f)).collect(),
        }
    }

    fn index(&self, id: &str) -> i64 {
        self.ids.binary_search_by(|probe| probe.as_str().cmp(id)).map_or(-1, |i| i as i64)
    }
}

/// The rule entry, described by its worst finding (which sets its security severity).
fn descriptor(f: &Finding) -> sarif::ReportingDescriptor {
    let props = BTreeMap::from([("security-severity".to_string(), json!(security_severity(f.severity)))]);
    sarif::ReportingDescriptor::builder()
        .id(&f.rule_id)
        .name(rule_name(&f.rule_id))
        .short_description(text_only(format!("{} reachable by an AI agent", f.title)))
        .full_description(text_only(format!(
            "A {} ({}) is where an AI coding agent working in this repository can read it: in a \
             tracked, untracked, git-ignored or staged file, or in git history. An agent can use \
             whatever it can read, so keyreach judges the credential by what it can do against a \
             least-privilege policy.",
            f.title, f.provider
        )))
        .help(help(f))
        .default_configuration(sarif::ReportingConfiguration::builder().level(json!(level(f.severity))).build())
        .properties(
            sarif::PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    "secret".to_string(),
                    "credential".to_string(),
                    "external/cwe/cwe-798".to_string(),
                    "keyreach".to_string(),
                    f.provider.clone(),
                ])
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// `github.classic-pat` → `GithubClassicPat`: the identifier-like name SARIF asks for.
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn text_only(text: String) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(text).build()
}

/// How to fix a finding of this rule, as plain text and markdown.
fn help(f: &Finding) -> sarif::MultiformatMessageString {
    let steps = [
        (
            "Rotate it.",
            format!(
                "Revoke this {} at {} and issue a new one. It sat where an agent could read it, so \
                 treat it as exposed; deleting the file or rewriting history does not undo that.",
                f.title, f.provider
            ),
        ),
        (
            "Scope the replacement down.",
            "Give it only what the task needs: read-only where possible, no delete or admin \
             rights, no access to production, and an expiry."
                .to_string(),
        ),
        (
            "Move it to a secret store.",
            "Keep it out of the workspace: use your CI's encrypted secrets (GitHub Actions \
             repository or environment secrets) or a secret manager, and read it at run time. \
             A git-ignored `.env` is still readable by an agent."
                .to_string(),
        ),
    ];
    let mut text = format!("{}\n", f.remedy);
    let mut markdown =
        format!("**{}** ({}) is readable by an AI coding agent.\n\n{}\n\n", f.title, f.provider, f.remedy);
    markdown.push_str("### How to fix\n\n");
    for (i, (head, body)) in steps.iter().enumerate() {
        text.push_str(&format!("{}. {head} {body}\n", i + 1));
        markdown.push_str(&format!("{}. **{head}** {body}\n", i + 1));
    }
    let allow = "If it is not a secret, or the risk is accepted, add its fingerprint (the result's \
                 `fingerprint` property) to `[allow] fingerprints` in `keyreach.toml`.";
    text.push_str(&format!("\n{}\n", allow.replace('`', "")));
    markdown.push_str(&format!("\n{allow}\n"));
    sarif::MultiformatMessageString::builder().text(text).markdown(markdown).build()
}

/// GitHub maps `security-severity` to critical (>= 9.0), high (7.0–8.9), medium (4.0–6.9)
/// and low (0.1–3.9).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// The result level: error for critical and high, warning for medium, note for low.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn result_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}

fn result(alert: &Alert<'_>, rule_index: i64, show_secrets: bool, limits: &Limits) -> sarif::Result {
    let f = alert.finding;
    let related: Vec<&Location> = alert.others.iter().copied().take(limits.related_locations).collect();
    let hash = alert_hash(f, &alert.primary.path);
    let fingerprints = BTreeMap::from([
        (FINGERPRINT_KEY.to_string(), hash.clone()),
        ("primaryLocationLineHash".to_string(), format!("{}:1", &hash[..16])),
    ]);
    let mut result = sarif::Result::builder()
        .rule_id(&f.rule_id)
        .rule_index(rule_index)
        .level(result_level(f.severity))
        .kind(sarif::ResultKind::Fail)
        .message(message(&result_text(alert, &related)))
        .locations(vec![location(alert.primary, None)])
        .partial_fingerprints(fingerprints)
        .properties(result_properties(f, alert.primary, show_secrets))
        .build();
    if !related.is_empty() {
        result.related_locations =
            Some(related.iter().enumerate().map(|(i, l)| location(l, Some(i as i64 + 1))).collect());
    }
    result
}

/// A stable identity for the alert: rule, path and the secret's fingerprint.
fn alert_hash(f: &Finding, path: &str) -> String {
    let mut h = Sha256::new();
    for part in [FINGERPRINT_KEY, &f.rule_id, path, &f.credential.fingerprint.to_string()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

fn message(text: &str) -> sarif::Message {
    sarif::Message::builder().text(text).build()
}

/// What, where, how far it reaches and why it matters, in plain text. Brackets from
/// untrusted text are escaped: in SARIF messages they mark links to related locations.
fn result_text(alert: &Alert<'_>, related: &[&Location]) -> String {
    let f = alert.finding;
    let mut text = format!(
        "{} (provider {}) {}, where an AI coding agent can read it. {}. Severity {}: {}.",
        plain(&f.title),
        plain(&f.provider),
        reach_phrase(alert.primary),
        scope_phrase(&f.scope),
        f.severity,
        plain(&f.reasons.join("; "))
    );
    if !alert.others.is_empty() {
        let links: Vec<String> = related
            .iter()
            .take(MESSAGE_LINKS)
            .enumerate()
            .map(|(i, l)| format!("[{}]({})", plain(&short_place(l)), i + 1))
            .collect();
        let more = alert.others.len() - links.len();
        let noun = if alert.others.len() == 1 { "place" } else { "places" };
        text.push_str(&format!(" Also seen in {} other {noun}: {}", alert.others.len(), links.join(", ")));
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text.push('.');
    }
    text
}

fn plain(text: &str) -> String {
    text.replace('\\', "\\\\").replace('[', "\\[").replace(']', "\\]")
}

fn reach_phrase(l: &Location) -> String {
    match l.reach {
        Reach::Tracked => "is in a tracked file".into(),
        Reach::Untracked => "is in an untracked file".into(),
        Reach::Ignored => "is in a git-ignored file".into(),
        Reach::Staged => "is in a change staged for commit".into(),
        Reach::History => {
            let mut text = "is only in git history".to_string();
            if let Some(commit) = &l.commit {
                text.push_str(&format!(", commit {}", commit.id));
                if let Some(date) = &commit.date {
                    text.push_str(&format!(" ({date})"));
                }
            }
            if let Some(line) = l.line {
                text.push_str(&format!(", line {line} of the file at that commit"));
            }
            text
        }
        Reach::Home => format!("is in the home credential file {}", plain(&l.path)),
        Reach::Env => format!("is in the environment variable {}", plain(&l.path)),
    }
}

/// `path:line`, or `path@commit` for history.
fn short_place(l: &Location) -> String {
    match (&l.commit, l.reach) {
        (Some(c), Reach::History) => format!("{}@{}", l.path, &c.id[..c.id.len().min(12)]),
        _ => match l.line {
            Some(line) => format!("{}:{line}", l.path),
            None => l.path.clone(),
        },
    }
}

fn scope_phrase(s: &Scope) -> String {
    let source = match s.source {
        ScopeSource::Offline => "known offline from its format",
        ScopeSource::Probe => "from the provider's introspection endpoint",
        ScopeSource::Unknown => return "Scope unknown: its format alone does not tell what it can do".into(),
    };
    let mut parts = vec![match s.level {
        Level::Unknown => "level unknown".to_string(),
        level => format!("level {level}"),
    }];
    let flag = |yes: &str, no: &str, unknown: &str, v: Option<bool>| match v {
        Some(true) => yes.to_string(),
        Some(false) => no.to_string(),
        None => unknown.to_string(),
    };
    parts.push(flag("destructive", "not destructive", "destructive unknown", s.destructive));
    parts.push(flag("reaches production", "not production", "production unknown", s.production));
    if let Some(id) = &s.identity {
        parts.push(format!("acts as {}", plain(id)));
    }
    if !s.permissions.is_empty() {
        parts.push(format!("permissions {}", plain(&s.permissions.join(", "))));
    }
    if !s.resources.is_empty() {
        parts.push(format!("resources {}", plain(&s.resources.join(", "))));
    }
    if let Some(expires) = &s.expires {
        parts.push(format!("expires {}", plain(expires)));
    }
    match &s.active {
        Activity::Active => parts.push("active".into()),
        Activity::Inactive => parts.push("inactive".into()),
        Activity::Indeterminate(_) | Activity::Unknown => {}
    }
    if s.test_mode {
        parts.push("test mode".into());
    }
    format!("Scope ({source}): {}", parts.join(", "))
}

fn result_properties(f: &Finding, primary: &Location, show_secrets: bool) -> sarif::PropertyBag {
    let s = &f.scope;
    let mut props = BTreeMap::from([
        ("severity".to_string(), json!(f.severity.as_str())),
        ("security-severity".to_string(), json!(security_severity(f.severity))),
        ("provider".to_string(), json!(f.provider)),
        ("title".to_string(), json!(f.title)),
        ("reach".to_string(), json!(primary.reach.as_str())),
        ("agentIgnored".to_string(), json!(primary.agent_ignored)),
        ("fingerprint".to_string(), json!(f.credential.fingerprint.to_string())),
        (
            "scope".to_string(),
            json!({
                "source": s.source.as_str(),
                "level": s.level.as_str(),
                "destructive": s.destructive,
                "production": s.production,
                "identity": s.identity,
                "permissions": s.permissions,
                "resources": s.resources,
                "expires": s.expires,
                "active": s.active.as_bool(),
            }),
        ),
        ("reasons".to_string(), json!(f.reasons)),
        ("remedy".to_string(), json!(f.remedy)),
    ]);
    if let Some(commit) = &primary.commit {
        props.insert("commit".to_string(), json!({"id": commit.id, "date": commit.date}));
    }
    if show_secrets {
        let reveal = |s: &crate::credentials::Secret| String::from_utf8_lossy(s.expose()).into_owned();
        props.insert("secret".to_string(), json!(reveal(&f.credential.secret)));
        if let Some(c) = &f.credential.companion {
            props.insert("companion".to_string(), json!({"name": c.name, "value": reveal(&c.value)}));
        }
    }
    sarif::PropertyBag::builder().additional_properties(props).build()
}

/// A SARIF location: a file relative to [`SRCROOT`] with line and column (no region for a
/// history-only location), or a logical location for environment variables and home files.
fn location(l: &Location, id: Option<i64>) -> sarif::Location {
    let mut loc = match l.reach {
        Reach::Env => logical(&l.path, "variable"),
        Reach::Home => logical(&l.path, "resource"),
        _ => {
            let artifact = sarif::ArtifactLocation::builder().uri(uri(&l.path)).uri_base_id(SRCROOT).build();
            let mut physical = sarif::PhysicalLocation::builder().artifact_location(artifact).build();
            if l.reach != Reach::History {
                physical.region = l.line.map(|line| region(line, l.column));
            }
            sarif::Location::builder().physical_location(physical).build()
        }
    };
    if let Some(id) = id {
        loc.id = Some(id);
        loc.message = Some(message(&place_note(l)));
    }
    loc
}

fn logical(name: &str, kind: &str) -> sarif::Location {
    let logical = sarif::LogicalLocation::builder().name(name).fully_qualified_name(name).kind(kind).build();
    sarif::Location::builder().logical_locations(vec![logical]).build()
}

fn region(line: u64, column: Option<u64>) -> sarif::Region {
    let mut region = sarif::Region::builder().start_line(line as i64).build();
    region.start_column = column.map(|c| c as i64);
    region
}

/// What a related location is: its reach, and the commit for history.
fn place_note(l: &Location) -> String {
    match (&l.commit, l.reach) {
        (Some(c), Reach::History) => match l.line {
            Some(line) => format!("history: commit {}, line {line}", c.id),
            None => format!("history: commit {}", c.id),
        },
        _ => format!("also here ({})", l.reach),
    }
}

/// Characters a relative URI path cannot hold as they are. `:` is encoded too: in a first
/// segment it would read as a scheme.
const URI_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b':');

/// A display path (relative, `/`-separated) as a relative URI reference.
pub fn uri(path: &str) -> String {
    path.split('/').map(|seg| utf8_percent_encode(seg, URI_ESCAPES).to_string()).collect::<Vec<_>>().join("/")
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
                needles.push(String::from_utf8_lossy(c.value.expose()).into_owned());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credential, Fingerprint, Secret};
    use crate::rules::RuleId;
    use crate::source::{CommitRef, Stats};

    fn at(path: &str, line: u64, reach: Reach) -> Location {
        Location {
            path: path.into(),
            line: Some(line),
            column: Some(5),
            reach,
            commit: None,
            agent_ignored: false,
            mcp_server: None,
        }
    }

    fn in_history(path: &str, line: u64, commit: &str) -> Location {
        Location {
            commit: Some(CommitRef { id: commit.into(), date: Some("2026-01-01T00:00:00Z".into()) }),
            ..at(path, line, Reach::History)
        }
    }

    fn finding(rule: &str, secret: &str, severity: Severity, locations: Vec<Location>) -> Finding {
        Finding {
            rule_id: rule.into(),
            provider: rule.split('.').next().unwrap().into(),
            title: format!("{rule} token"),
            credential: Credential {
                rule: RuleId(0),
                secret: Secret::new(secret.as_bytes()),
                fingerprint: Fingerprint::of(secret.as_bytes()),
                locations,
                companion: None,
                evidence: None,
            },
            scope: Scope::unknown(),
            severity,
            reasons: vec!["scope unknown: counted as admin access".into()],
            remedy: "Revoke it.".into(),
        }
    }

    fn render(findings: &[Finding], limits: &Limits, show_secrets: bool) -> (String, Value) {
        let stats = Stats::default();
        let report = Report { findings, stats: &stats, show_secrets };
        let mut out = Vec::new();
        write_sarif_with(&report, limits, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    }

    fn results(doc: &Value) -> &Vec<Value> {
        doc["runs"][0]["results"].as_array().unwrap()
    }

    const SECRET_A: &str = "test-secret-value-aaaa-0001";
    const SECRET_B: &str = "test-secret-value-bbbb-0002";

    #[test]
    fn levels_and_security_severities_fall_in_githubs_bands() {
        let findings: Vec<Finding> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
            .iter()
            .enumerate()
            .map(|(i, s)| {
                finding(&format!("p{i}.rule"), &format!("{SECRET_A}{i}"), *s, vec![at("a.env", 1, Reach::Tracked)])
            })
            .collect();
        let (_, doc) = render(&findings, &Limits::GITHUB, false);
        let levels: Vec<&str> = results(&doc).iter().map(|r| r["level"].as_str().unwrap()).collect();
        assert_eq!(levels, ["error", "error", "warning", "note"]);
        let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let bands = [(9.0, 10.0), (7.0, 8.9), (4.0, 6.9), (0.1, 3.9)];
        for (rule, (lo, hi)) in rules.iter().zip(bands) {
            let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
            assert!(score >= lo && score <= hi, "{} scored {score}", rule["id"]);
            assert!(rule["properties"]["tags"].as_array().unwrap().contains(&json!("security")));
        }
    }

    #[test]
    fn one_rule_entry_per_rule_with_its_worst_severity() {
        let findings = vec![
            finding("github.pat", SECRET_A, Severity::High, vec![at("a.env", 1, Reach::Tracked)]),
            finding("github.pat", SECRET_B, Severity::Critical, vec![at("b.env", 1, Reach::Tracked)]),
        ];
        let (_, doc) = render(&findings, &Limits::GITHUB, false);
        let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
        assert!(rules[0]["help"]["markdown"].as_str().unwrap().contains("secret store"));
        assert!(results(&doc).iter().all(|r| r["ruleIndex"] == 0 && r["ruleId"] == "github.pat"));
    }

    #[test]
    fn fingerprints_survive_a_moved_line_and_differ_by_path_and_secret() {
        let fp = |secret: &str, path: &str, line: u64| {
            let (_, doc) = render(
                &[finding("github.pat", secret, Severity::High, vec![at(path, line, Reach::Tracked)])],
                &Limits::GITHUB,
                false,
            );
            results(&doc)[0]["partialFingerprints"].clone()
        };
        assert_eq!(fp(SECRET_A, "a.env", 3), fp(SECRET_A, "a.env", 40));
        assert_ne!(fp(SECRET_A, "a.env", 3), fp(SECRET_A, "b.env", 3));
        assert_ne!(fp(SECRET_A, "a.env", 3), fp(SECRET_B, "a.env", 3));
        let value = fp(SECRET_A, "a.env", 3);
        assert!(value[FINGERPRINT_KEY].as_str().unwrap().len() == 32);
        assert!(value["primaryLocationLineHash"].as_str().is_some());
    }

    #[test]
    fn one_result_per_path_with_the_other_places_related() {
        let f = finding(
            "github.pat",
            SECRET_A,
            Severity::Critical,
            vec![at("a.env", 2, Reach::Tracked), at("a.env", 9, Reach::Tracked), at("b/c d.env", 1, Reach::Ignored)],
        );
        let (_, doc) = render(&[f], &Limits::GITHUB, false);
        let results = results(&doc);
        assert_eq!(results.len(), 2);
        let first = &results[0];
        assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "a.env");
        assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(first["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
        assert_eq!(first["locations"][0]["physicalLocation"]["region"]["startColumn"], 5);
        assert_eq!(first["relatedLocations"].as_array().unwrap().len(), 2);
        let text = first["message"]["text"].as_str().unwrap();
        assert!(text.contains("Also seen in 2 other places: [a.env:9](1), [b/c d.env:1](2)."), "{text}");
        assert!(text.contains("(provider github) is in a tracked file"), "{text}");
        assert!(text.contains("Scope unknown: its format alone does not tell"), "{text}");
        let second = &results[1];
        assert_eq!(second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "b/c%20d.env");
        assert!(second["message"]["text"].as_str().unwrap().contains("git-ignored file"));
        let f = finding(
            "github.pat",
            SECRET_A,
            Severity::High,
            vec![at("a.env", 2, Reach::Tracked), at("b.env", 1, Reach::Tracked), at("b.env", 5, Reach::Tracked)],
        );
        let (_, doc) = render(&[f], &Limits::GITHUB, false);
        let related = &doc["runs"][0]["results"][1]["relatedLocations"];
        assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 5, "same file first");
        assert_eq!(related[1]["physicalLocation"]["artifactLocation"]["uri"], "a.env");
    }

    #[test]
    fn history_only_findings_point_at_the_path_and_name_the_commit() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let f = finding("github.pat", SECRET_A, Severity::Critical, vec![in_history("old/.env", 7, commit)]);
        let (_, doc) = render(&[f], &Limits::GITHUB, false);
        let r = &results(&doc)[0];
        let physical = &r["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "old/.env");
        assert!(physical.get("region").is_none(), "a past line is not a line of the current file");
        let text = r["message"]["text"].as_str().unwrap();
        assert!(
            text.contains(&format!("only in git history, commit {commit} (2026-01-01T00:00:00Z), line 7")),
            "{text}"
        );
        assert_eq!(r["properties"]["commit"]["id"], commit);
        assert_eq!(r["properties"]["reach"], "history");
    }

    #[test]
    fn a_working_tree_location_is_primary_over_history_in_the_same_path() {
        let commit = "89abcdef0123456789abcdef0123456789abcdef";
        let f = finding(
            "github.pat",
            SECRET_A,
            Severity::High,
            vec![in_history("a.env", 1, commit), at("a.env", 4, Reach::Tracked)],
        );
        let (_, doc) = render(&[f], &Limits::GITHUB, false);
        let r = &results(&doc)[0];
        assert_eq!(r["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
        assert_eq!(r["relatedLocations"][0]["message"]["text"], format!("history: commit {commit}, line 1"));
    }

    #[test]
    fn environment_and_home_locations_are_logical() {
        let mut env = at("$GITHUB_TOKEN", 1, Reach::Env);
        env.line = None;
        env.column = None;
        let f =
            finding("github.pat", SECRET_A, Severity::High, vec![env, at("~/.config/gh/hosts.yml", 2, Reach::Home)]);
        let (_, doc) = render(&[f], &Limits::GITHUB, false);
        let results = results(&doc);
        assert_eq!(results[0]["locations"][0]["logicalLocations"][0]["name"], "$GITHUB_TOKEN");
        assert_eq!(results[0]["locations"][0]["logicalLocations"][0]["kind"], "variable");
        assert_eq!(results[1]["locations"][0]["logicalLocations"][0]["kind"], "resource");
        assert!(results[1]["locations"][0].get("physicalLocation").is_none());
    }

    #[test]
    fn results_are_capped_most_severe_first_with_a_note() {
        let findings: Vec<Finding> = (0..5)
            .map(|i| {
                let sev = if i == 0 { Severity::Critical } else { Severity::Low };
                finding("github.pat", &format!("{SECRET_A}{i}"), sev, vec![at(&format!("f{i}.env"), 1, Reach::Tracked)])
            })
            .collect();
        let limits = Limits { results: 2, ..Limits::GITHUB };
        let (_, doc) = render(&findings, &limits, false);
        assert_eq!(results(&doc).len(), 2);
        assert_eq!(results(&doc)[0]["level"], "error");
        let props = &doc["runs"][0]["properties"];
        assert_eq!(props["truncated"], true);
        assert_eq!(props["results"], 2);
        assert_eq!(props["resultsFound"], 5);
        assert_eq!(props["findings"], 5);
        assert!(props["note"].as_str().unwrap().starts_with("Capped for GitHub code scanning: 2 of 5 results"));
        let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
        assert_eq!(notes[0]["message"]["text"], props["note"]);
    }

    #[test]
    fn the_file_is_cut_to_the_byte_limit() {
        let findings: Vec<Finding> = (0..40)
            .map(|i| {
                finding(
                    "github.pat",
                    &format!("{SECRET_A}{i}"),
                    Severity::High,
                    vec![at(&format!("f{i}.env"), 1, Reach::Tracked)],
                )
            })
            .collect();
        let (full, _) = render(&findings, &Limits::GITHUB, false);
        let limits = Limits { bytes: full.len() / 2, ..Limits::GITHUB };
        let (text, doc) = render(&findings, &limits, false);
        assert!(text.len() <= limits.bytes, "{} > {}", text.len(), limits.bytes);
        let kept = results(&doc).len();
        assert!(kept > 0 && kept < 40, "kept {kept}");
        assert_eq!(doc["runs"][0]["properties"]["truncated"], true);
    }

    #[test]
    fn no_secret_even_in_rule_supplied_text_unless_shown() {
        let mut f = finding("github.pat", SECRET_A, Severity::Critical, vec![at("a.env", 1, Reach::Tracked)]);
        f.title = format!("token {SECRET_A}");
        f.reasons.push(format!("seen as {SECRET_A}"));
        f.credential.companion = Some(crate::credentials::CompanionPart {
            name: "key id".into(),
            value: Secret::new(SECRET_B.as_bytes()),
            locations: vec![at("a.env", 2, Reach::Tracked)],
        });
        f.credential.locations.push(at(&format!("dir-{SECRET_A}/x.env"), 1, Reach::Tracked));
        let (hidden, doc) = render(std::slice::from_ref(&f), &Limits::GITHUB, false);
        assert!(!hidden.contains(SECRET_A) && !hidden.contains(SECRET_B), "{hidden}");
        assert!(hidden.contains("token REDACTED"));
        let uri = &results(&doc)[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, "dir-REDACTED/x.env", "still a valid URI");
        let (shown, doc) = render(&[f], &Limits::GITHUB, true);
        assert!(shown.contains(SECRET_A) && shown.contains(SECRET_B));
        assert_eq!(results(&doc)[0]["properties"]["secret"], SECRET_A);
    }

    #[test]
    fn messages_escape_brackets_from_untrusted_text() {
        let mut f = finding("github.pat", SECRET_A, Severity::High, vec![at("a.env", 1, Reach::Tracked)]);
        f.title = "odd [title](1)".into();
        let (_, doc) = render(&[f], &Limits::GITHUB, false);
        assert!(results(&doc)[0]["message"]["text"].as_str().unwrap().starts_with("odd \\[title\\](1) (provider"));
    }

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(uri("src/main.rs"), "src/main.rs");
        assert_eq!(uri("a b/c#d?.env"), "a%20b/c%23d%3F.env");
        assert_eq!(uri("c:/x%y"), "c%3A/x%25y");
        assert_eq!(uri("naïve/ü.txt"), "na%C3%AFve/%C3%BC.txt");
    }

    #[test]
    fn rule_names_are_identifiers() {
        assert_eq!(rule_name("github.classic-pat"), "GithubClassicPat");
    }

    #[test]
    fn an_empty_scan_is_a_run_without_results() {
        let (_, doc) = render(&[], &Limits::GITHUB, false);
        assert_eq!(doc["version"], "2.1.0");
        assert!(results(&doc).is_empty());
        assert!(doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().is_empty());
        assert_eq!(doc["runs"][0]["properties"]["truncated"], false);
    }
}
