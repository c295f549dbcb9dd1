//! The run's rule entries: one per rule that fired, described by its worst finding, with
//! its help text, and the severity bands GitHub reads.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif;

use super::Alert;
use crate::policy::{Finding, Severity};

/// One rule entry per rule that fired, sorted by id.
pub(super) struct Rules {
    ids: Vec<String>,
    pub(super) descriptors: Vec<sarif::ReportingDescriptor>,
}

impl Rules {
    pub(super) fn of(alerts: &[Alert<'_>]) -> Rules {
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

    pub(super) fn index(&self, id: &str) -> i64 {
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
            "{} {} ({}) is where an AI coding agent working in this repository can read it: in a \
             tracked, untracked, git-ignored or staged file, or in git history. An agent can use \
             whatever it can read, so keyreach judges the credential by what it can do against a \
             least-privilege policy.",
            if crate::report::article(&f.title) == "an" { "An" } else { "A" },
            f.title,
            f.provider
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
pub(super) fn rule_name(id: &str) -> String {
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
    if let Some(r) = &f.rotate {
        text.push_str(&format!("\nWhere to rotate or revoke it at {}:\n", f.provider));
        markdown.push_str(&format!("\n### Where to rotate or revoke it at {}\n\n", f.provider));
        for (what, value) in [("Console", &r.console), ("Command", &r.cli), ("How", &r.docs)] {
            if let Some(value) = value {
                text.push_str(&format!("- {what}: {value}\n"));
                let shown = if what == "Command" { format!("`{value}`") } else { value.clone() };
                markdown.push_str(&format!("- **{what}:** {shown}\n"));
            }
        }
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

pub(super) fn result_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}
