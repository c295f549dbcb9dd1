//! One result per alert: its message (what, where, how far it reaches), stable
//! fingerprints, properties and locations (files relative to the scanned root, logical
//! locations for environment variables and home files).

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::json;
use serde_sarif::sarif;
use sha2::{Digest, Sha256};

use super::rules::{result_level, security_severity};
use super::{Alert, FINGERPRINT_KEY, Limits, MESSAGE_LINKS, SRCROOT};
use crate::credentials::Location;
use crate::policy::Finding;
use crate::scope::{Scope, words};
use crate::source::Reach;

pub(super) fn result(alert: &Alert<'_>, rule_index: i64, show_secrets: bool, limits: &Limits) -> sarif::Result {
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

pub(super) fn message(text: &str) -> sarif::Message {
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
        Reach::History => {
            let mut text = format!("is only in {}", l.reach.place_words());
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
        Reach::Home | Reach::Env => format!("is in the {} {}", l.reach.place_words(), plain(&l.path)),
        reach => format!("is in {}", reach.with_article()),
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
    let Some(source) = words::source(s.source) else {
        return format!("Scope unknown: {}", words::UNKNOWN);
    };
    let mut parts =
        vec![words::level(s.level), words::destructive(s.destructive).into(), words::production(s.production).into()];
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
    parts.extend(words::activity(&s.active).map(String::from));
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
    if !f.handles.is_empty() {
        let handles: BTreeMap<String, &str> =
            f.handles.iter().map(|h| (h.label.replace(' ', "_"), h.value.as_str())).collect();
        props.insert("handles".to_string(), json!(handles));
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
