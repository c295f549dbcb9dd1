//! The guard's decision: the pipeline scans and judges exactly what the call would expose,
//! and a credential at or above `--deny-at` denies it, with a reason that names what would be
//! exposed and never the secret.

use std::path::Path;

use crate::config::{self, Overrides};
use crate::pipeline::{self, Exposed, Exposures, Walk};
use crate::policy::Finding;

use super::hook::Action;
use super::shell::Exposure;
use super::{Decision, GuardOptions};

/// Decides a call: a write to keyreach's own files or the agent's hook settings is denied
/// outright; a credential printer whose store keyreach cannot read is denied; otherwise what
/// the call would expose is scanned and judged with the project's policy as committed.
pub(super) fn decide(
    action: &Action,
    exposure: &Exposure,
    project: &Path,
    options: &GuardOptions,
) -> anyhow::Result<Decision> {
    if let Some(path) = exposure.writes.first() {
        return Ok(Decision::Deny(format!(
            "keyreach: this would change {}, which configures keyreach or the agent's hooks; an agent may not \
change what guards it. Ask the user to make this change.",
            shown(path, project)
        )));
    }
    if let Some((command, _)) = exposure.printers.iter().find(|(_, files)| !files.iter().any(|f| f.is_file())) {
        return Ok(Decision::Deny(format!(
            "keyreach: `{}` prints a credential from a store keyreach cannot read (a keychain or a CLI's own store). \
Ask the user to run this step, or to provide a credential scoped to the task.",
            crate::report::escape(command)
        )));
    }
    let overrides = Overrides {
        paths: vec![project.to_path_buf()],
        config: options.config.clone(),
        // The agent can write the working tree: its edits to keyreach.toml do not count.
        committed_config: true,
        ..Overrides::default()
    };
    let mut settings = config::resolve(overrides)?;
    // A hook answers on every tool call and scans a few files: start-up matters most.
    settings.engine.small_input = true;
    // Allow comments count only where they are committed (checked per line by the pipeline).
    settings.engine.inline_allow = false;
    let rules = pipeline::load_rules(&settings.rules)?;
    let mut files: Vec<Exposed> = exposure
        .reads
        .iter()
        .map(|r| {
            let content = match action {
                Action::Read { path: p, content: Some(c) } if *p == r.path => Some(c.clone().into_bytes()),
                _ => None,
            };
            Exposed { path: r.path.clone(), content, walk: r.walk, filter: r.filter.clone() }
        })
        .collect();
    let named = exposure.named.iter().chain(exposure.printers.iter().flat_map(|(_, f)| f.iter()));
    files.extend(named.filter(|p| p.is_file()).map(|p| Exposed {
        path: p.clone(),
        content: None,
        walk: Walk::File,
        filter: None,
    }));
    let wanted = Exposures {
        project,
        files,
        all_env: exposure.all_env,
        vars: &exposure.vars,
        history: exposure.history,
        staged: exposure.staged,
    };
    let findings = pipeline::exposed(&settings, rules, &wanted)?;
    let worst: Vec<&Finding> = findings.iter().filter(|f| f.severity >= options.deny_at).collect();
    Ok(match worst.first() {
        None => Decision::Allow,
        Some(_) => Decision::Deny(reason(action, &worst)),
    })
}

/// A path as the agent knows it: relative to the project when inside it.
fn shown(path: &Path, project: &Path) -> String {
    let rel = path.strip_prefix(project).unwrap_or(path);
    crate::report::escape(&rel.to_string_lossy())
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
        format!("{} {} ({}{why}){at}", crate::report::article(&f.title), f.title, f.severity)
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
