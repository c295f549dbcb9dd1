//! The guard's decision: the pipeline scans and judges exactly what the call would expose,
//! and a credential at or above `--deny-at` denies it, with a reason that names what would be
//! exposed and never the secret.

use std::path::Path;

use crate::config::{self, Overrides};
use crate::pipeline::{self, Exposed, Exposures};
use crate::policy::Finding;

use super::hook::Action;
use super::shell::Exposure;
use super::{Decision, GuardOptions};

/// Scans what the call would expose and judges it with the project's policy.
pub(super) fn decide(
    action: &Action,
    exposure: &Exposure,
    project: &Path,
    options: &GuardOptions,
) -> anyhow::Result<Decision> {
    let overrides =
        Overrides { paths: vec![project.to_path_buf()], config: options.config.clone(), ..Overrides::default() };
    let mut settings = config::resolve(overrides)?;
    // A hook answers on every tool call and scans a few files: start-up matters most.
    settings.engine.small_input = true;
    let rules = pipeline::load_rules(&settings.rules)?;
    let files = exposure
        .files
        .iter()
        .map(|path| {
            let content = match action {
                Action::Read { path: p, content: Some(c) } if p == path => Some(c.clone().into_bytes()),
                _ => None,
            };
            Exposed { path: path.clone(), content }
        })
        .collect();
    let wanted =
        Exposures { project, files, all_env: exposure.all_env, vars: &exposure.vars, history: exposure.history };
    let findings = pipeline::exposed(&settings, rules, &wanted)?;
    let worst: Vec<&Finding> = findings.iter().filter(|f| f.severity >= options.deny_at).collect();
    Ok(match worst.first() {
        None => Decision::Allow,
        Some(_) => Decision::Deny(reason(action, &worst)),
    })
}

/// Credentials named in a reason; the rest are counted.
const NAMED: usize = 5;

/// The reason the agent sees: what would be exposed, how bad, and what to do instead.
/// Never the secret or a variable's value.
fn reason(action: &Action, worst: &[&Finding]) -> String {
    let item = |(i, f): (usize, &&Finding)| {
        let why: Vec<&str> =
            f.reasons.iter().map(String::as_str).filter(|r| !r.starts_with("within policy")).take(2).collect();
        let why = if i == 0 && !why.is_empty() { format!(": {}", why.join("; ")) } else { String::new() };
        let at = match action {
            Action::Read { .. } => String::new(),
            _ => format!(" in {}", places(f).join(", ")),
        };
        format!("a {} ({}{why}){at}", f.title, f.severity)
    };
    let items: Vec<String> = worst.iter().enumerate().take(NAMED).map(item).collect();
    let more = worst.len().saturating_sub(NAMED);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let what = match action {
        Action::Read { .. } => format!("reading {}", worst.first().map(|f| places(f).join(", ")).unwrap_or_default()),
        _ => "this command".to_string(),
    };
    format!(
        "keyreach: {what} would expose {}{more}. Do not read or print it; ask the user to run this step, \
or to provide a credential scoped to the task.",
        items.join("; ")
    )
}

/// Where a finding was seen, history locations with their commit.
fn places(f: &Finding) -> Vec<String> {
    f.credential
        .locations
        .iter()
        .map(|l| match &l.commit {
            Some(c) => format!("{} in git history (commit {})", l.path, &c.id[..c.id.len().min(12)]),
            None => l.path.clone(),
        })
        .collect()
}
