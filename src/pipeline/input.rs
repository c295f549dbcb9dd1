//! Standard input: `keyreach scan -` (scanned like one file, shown as `<stdin>`) and
//! `keyreach probe` (one credential, recognised with the rules or taken whole for a named
//! provider, probed under the settings and judged).

use std::sync::Arc;

use crate::config::Settings;
use crate::credentials::{Collector, Location, Secret, Sighting};
use crate::engine::Engine;
use crate::policy::{self, Finding};
use crate::rules::{self, RuleId, RuleSet};
use crate::scope;
use crate::source::{Origin, Reach};

use super::Progress;
use super::scanner::{Gathered, Scanner};

/// The path that stands for standard input, and how it is shown.
pub const STDIN: &str = "-";
const STDIN_SHOWN: &str = "<stdin>";

/// Scans standard input as one untracked file: at most `--max-file-size` bytes are read
/// (the rest is not, and that is said as a problem); binary input is skipped unless
/// `--binary`. `-` stands alone: not with other paths, `--staged` or `--history`.
pub(super) fn scan_stdin(settings: &Settings, engine: &Engine, progress: &dyn Progress) -> anyhow::Result<Gathered> {
    use std::io::Read as _;
    if settings.walk.roots.len() > 1 || settings.git.staged || settings.git.history {
        anyhow::bail!("- (standard input) is scanned alone: not with other paths, --staged, --history or --since");
    }
    let limit = settings.walk.max_file_size.unwrap_or(u64::MAX);
    let mut input = Vec::new();
    std::io::stdin().lock().take(limit.saturating_add(1)).read_to_end(&mut input)?;
    let mut scanner = Scanner::new(engine, &settings.stream);
    if input.len() as u64 > limit {
        input.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let cause = format!("larger than --max-file-size: only its first {limit} bytes were scanned");
        scanner.found.problem(STDIN_SHOWN, cause);
    }
    if settings.stream.skip_binary && crate::engine::looks_binary(&input) {
        scanner.found.skip(STDIN_SHOWN, crate::source::fs::SkipReason::Binary);
        return Ok(scanner.found);
    }
    let origin = Origin { path: STDIN_SHOWN.into(), reach: Reach::Untracked, commit: None };
    let found = scanner.text(&input, &origin);
    scanner.found.sightings.extend(found);
    scanner.found.stats.files += 1;
    scanner.found.stats.bytes += input.len() as u64;
    progress.file_done(input.len() as u64);
    Ok(scanner.found)
}

/// Finds the one credential in `input` (with the rules, or taken whole for `provider` when
/// no rule matches: `SECRET`, or `COMPANION SECRET` for paired credentials such as
/// `AKIA… secret`), probes it under the settings and judges it.
pub fn probe_input(
    settings: &Settings,
    rules: Arc<RuleSet>,
    input: &[u8],
    provider: Option<&str>,
) -> anyhow::Result<Finding> {
    let engine = Engine::new(rules.clone(), settings.engine.clone())?;
    let mut scanner = Scanner::new(&engine, &settings.stream);
    let origin = Origin { path: "<stdin>".into(), reach: Reach::Untracked, commit: None };
    let best = scanner.best(input, &origin, |id| provider.is_none_or(|p| rules.get(id).provider == p));
    let (rules, sighting) = match (best, provider) {
        (Some(s), _) => (rules, s),
        (None, Some(p)) => {
            // A credential the rules know as another provider's is never sent to `p`; a
            // generic `NAME=value` gives its value, not the whole line.
            let any = scanner.best(input, &origin, |_| true);
            let value = match &any {
                Some(s) if !rules.get(s.rule).generic => {
                    let other = &rules.get(s.rule).provider;
                    anyhow::bail!("standard input holds a {other} credential, not a {p} one: not sent to {p}")
                }
                Some(s) => s.secret.expose().to_vec(),
                None => input.to_vec(),
            };
            raw_sighting(p, &value, &origin)?
        }
        (None, None) => anyhow::bail!("no known credential on standard input (name its provider with --provider)"),
    };
    let mut collector = Collector::default();
    collector.add(&rules, sighting);
    let credential = collector.finish().remove(0);
    let rule = rules.get(credential.rule);
    let offline = scope::offline(rule, &credential);
    let scope = if settings.probe.enabled {
        let target = super::judge::target(&rules, &credential, false);
        scope::probe::Prober::new(settings.probe.http.clone()).probe(&target, offline)
    } else {
        offline
    };
    Ok(policy::judge(&settings.policy, rule, credential, scope))
}

/// A credential given whole on stdin for `provider`: a one-rule set naming it, and the
/// sighting (`COMPANION SECRET` when two fields are given; GCP key files are read as JSON).
fn raw_sighting(provider: &str, input: &[u8], origin: &Origin) -> anyhow::Result<(Arc<RuleSet>, Sighting)> {
    let probe = scope::probe::find(provider).ok_or_else(|| {
        anyhow::anyhow!("no probe for provider {provider:?} (known: {})", scope::probe::providers().join(", "))
    })?;
    // Named after the probe's main kind, so the probe accepts it.
    let kind = probe.kinds()[0];
    let text = std::str::from_utf8(input).map_err(|_| anyhow::anyhow!("standard input is not text"))?.trim();
    let (companion, secret) = if provider == "gcp" && text.starts_with('{') {
        let key: serde_json::Value =
            serde_json::from_str(text).map_err(|_| anyhow::anyhow!("standard input is not a key file"))?;
        let field = |k: &str| key.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        (Some(field("client_email")), field("private_key"))
    } else {
        match text.split_whitespace().collect::<Vec<_>>().as_slice() {
            [secret] => (None, secret.to_string()),
            [companion, secret] => (Some(companion.to_string()), secret.to_string()),
            _ => anyhow::bail!("expected one credential on standard input: SECRET, or COMPANION SECRET"),
        }
    };
    anyhow::ensure!(!secret.is_empty(), "standard input holds no credential");
    let spec: rules::RuleSpec = toml::from_str(&format!(
        "id = \"{kind}\"\ntitle = \"{provider} credential (standard input)\"\nprovider = \"{provider}\"\nkeywords = [\"stdin\"]\npattern = \"stdin\"\n"
    ))?;
    let set = Arc::new(RuleSet::from_specs(vec![("stdin".into(), spec)])?);
    let location = Location {
        path: origin.path.clone(),
        line: None,
        column: None,
        reach: origin.reach,
        commit: None,
        agent_ignored: false,
        mcp_server: None,
    };
    let sighting = Sighting {
        rule: RuleId(0),
        secret: Secret::new(secret.as_bytes()),
        companion: companion.map(|c| (Secret::new(c.as_bytes()), location.clone())),
        location,
        evidence: None,
        parts: Vec::new(),
    };
    Ok((set, sighting))
}
