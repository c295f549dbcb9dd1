//! Judging: sightings deduped into credentials, the allow-list and baseline applied, scope
//! decoded offline and probed live under `--probe`, each judged against the policy.

use crate::config::Settings;
use crate::credentials::{Collector, Credential, Sighting};
use crate::policy::{self, Finding};
use crate::rules::RuleSet;
use crate::scope;
use crate::source::Reach;

/// Dedupes sightings into credentials, applies the allow-list, decodes scope offline,
/// probes it live under `--probe`, and judges each against the policy.
pub fn judge(settings: &Settings, rules: &RuleSet, sightings: Vec<Sighting>) -> Vec<Finding> {
    judge_counted(settings, rules, sightings).0
}

/// [`judge`], also returning how many credentials the baseline accepted (`None` without one).
pub(super) fn judge_counted(
    settings: &Settings,
    rules: &RuleSet,
    sightings: Vec<Sighting>,
) -> (Vec<Finding>, Option<u64>) {
    let mut collector = Collector::default();
    for s in sightings {
        collector.add(rules, s);
    }
    let allowed = collector.finish().into_iter().filter_map(|c| settings.policy.allowed(c));
    let (credentials, accepted): (Vec<Credential>, _) = match &settings.baseline {
        Some(b) => {
            let base = baseline_base(settings);
            let mut accepted = 0;
            let kept = allowed
                .filter_map(|c| {
                    let kept = b.suppress(&rules.get(c.rule).id, c, &base);
                    accepted += u64::from(kept.is_none());
                    kept
                })
                .collect();
            (kept, Some(accepted))
        }
        None => (allowed.collect(), None),
    };
    let mut scopes: Vec<scope::Scope> = credentials.iter().map(|c| scope::offline(rules.get(c.rule), c)).collect();
    policy::unlock_keys(rules, &credentials, &mut scopes);
    if settings.probe.enabled {
        scopes = probe_scopes(settings, rules, &credentials, scopes);
    }
    let mut findings: Vec<Finding> = credentials
        .into_iter()
        .zip(scopes)
        .map(|(c, scope)| policy::judge(policy_for(settings, &c), rules.get(c.rule), c, scope))
        .filter(|f| !f.scope.public)
        .collect();
    policy::sort(&mut findings);
    (findings, accepted)
}

/// Where the scan's displayed paths start, relative to the repository root (baselines hold
/// paths from the root): the one directory scanned, else the working directory. Outside a
/// repository, relative to the working directory when the scanned directory lies below it.
pub(super) fn baseline_base(settings: &Settings) -> String {
    use std::path::Component;
    let base = match settings.walk.roots.as_slice() {
        [root] if root.is_dir() => root.as_path(),
        _ => std::path::Path::new("."),
    };
    if let Ok(root) = crate::source::git::GitRoot::discover(base) {
        return root.prefix.to_string();
    }
    let mut parts = Vec::new();
    for c in base.components() {
        match c {
            Component::CurDir => {}
            Component::Normal(part) => parts.push(part.to_string_lossy()),
            _ => return String::new(),
        }
    }
    parts.join("/")
}

/// The policy a credential is judged by: the workspace's, unless it is also found outside
/// the workspace (a home file, the environment), where a scanned repository's policy may
/// not loosen the user's (`Settings::outside_policy`).
fn policy_for<'s>(settings: &'s Settings, c: &Credential) -> &'s policy::Policy {
    let outside = c.locations.iter().any(|l| matches!(l.reach, Reach::Home | Reach::Env));
    if outside { &settings.outside_policy } else { &settings.policy }
}

/// Probes each distinct credential once (`--probe`). The HTTP client exists only here.
/// Public, expired or revoked-offline credentials are not sent anywhere.
fn probe_scopes(
    settings: &Settings,
    rules: &RuleSet,
    credentials: &[Credential],
    scopes: Vec<scope::Scope>,
) -> Vec<scope::Scope> {
    let prober = scope::probe::Prober::new(settings.probe.http.clone());
    let items = credentials
        .iter()
        .zip(scopes)
        .map(|(c, s)| {
            let skip = s.public || s.active == scope::Activity::Inactive;
            (target(rules, c, skip), s)
        })
        .collect();
    prober.probe_all(items)
}

/// What a probe receives for credential `c`; with `skip`, no provider (nothing is sent).
pub(super) fn target<'a>(rules: &'a RuleSet, c: &'a Credential, skip: bool) -> scope::probe::Target<'a> {
    let rule = rules.get(c.rule);
    scope::probe::Target {
        provider: if skip { "" } else { &rule.provider },
        rule_id: &rule.id,
        secret: &c.secret,
        companion: c.companion.as_ref().map(|p| &p.value),
        parts: &c.parts,
    }
}
