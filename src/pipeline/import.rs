//! `keyreach baseline --import FILE`: other scanners' baselines and ignore files turned into
//! keyreach baseline entries. They name findings differently — gitleaks by a fingerprint
//! `[commit:]file:rule:line` (in `.gitleaksignore`, and as `Fingerprint` with `File`,
//! `StartLine` and, unless redacted, `Secret` in its JSON report), detect-secrets by file,
//! line number and the SHA-1 of the secret (`.secrets.baseline`) — and their rules are not
//! keyreach's. So the files they name are scanned again and what keyreach finds at each
//! named place is accepted: with the secret when the file gives it (gitleaks `Secret`, or
//! a detect-secrets hash matching keyreach's secret), else on the named line. A place where
//! keyreach finds nothing there (a line that moved, a secret only in an old commit, a
//! finding keyreach does not report) cannot be imported; each is listed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha1::{Digest as _, Sha1};

use crate::baseline::{self, Baseline, Entry};
use crate::config::Settings;
use crate::rules::RuleSet;

use super::{Outcome, Progress, judge, scan};

/// Largest file read for an import.
const MAX_BYTES: u64 = 64 << 20;

/// One place another tool accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// As the tool wrote it, `/`-separated, without a leading `./`.
    pub path: String,
    pub line: u64,
    /// The tool's rule (shown when it cannot be imported).
    pub rule: String,
    /// The secret itself (a gitleaks report that was not redacted).
    pub secret: Option<String>,
    /// The SHA-1 of the secret, lowercase hex (detect-secrets).
    pub sha1: Option<String>,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    /// Places read from the files.
    pub places: usize,
    /// Places that matched nothing keyreach finds, as `path:line (rule)`.
    pub unmatched: Vec<String>,
}

/// Reads other tools' files, scans like `keyreach baseline`, and returns `previous` (if
/// any) plus an entry for each credential keyreach finds at a place they name.
pub fn import_baseline(
    settings: &Settings,
    rules: Arc<RuleSet>,
    progress: &dyn Progress,
    files: &[PathBuf],
    previous: Option<&Baseline>,
) -> anyhow::Result<(Baseline, Imported, Outcome)> {
    let mut places = Vec::new();
    for file in files {
        places.extend(read_places(file)?);
    }
    let unfiltered = Settings { baseline: None, ..settings.clone() };
    let outcome = scan(&unfiltered, rules, progress)?;
    let base = judge::baseline_base(settings);
    let mut entries: Vec<Entry> = previous.map(|b| b.entries().cloned().collect()).unwrap_or_default();
    let mut imported = Imported { places: places.len(), ..Imported::default() };
    for place in &places {
        let found = matches(&outcome, &base, place);
        if found.is_empty() {
            imported.unmatched.push(format!("{}:{} ({})", place.path, place.line, place.rule));
        }
        entries.extend(found);
    }
    Ok((Baseline::new(entries), imported, outcome))
}

/// Entries for what keyreach found at `place`: by secret when the place gives one, else
/// every finding on its line.
fn matches(outcome: &Outcome, base: &str, place: &Place) -> Vec<Entry> {
    let mut by_line = Vec::new();
    let mut by_secret = Vec::new();
    for f in &outcome.findings {
        let secret = f.credential.secret.expose();
        let same_secret = place.secret.as_deref().is_some_and(|s| s.as_bytes() == secret)
            || place.sha1.as_deref().is_some_and(|h| hex::encode(Sha1::digest(secret)) == h);
        for l in f.credential.locations.iter().filter(|l| l.reach.in_workspace()) {
            let path = baseline::rooted(base, &l.path);
            if path != place.path && l.path != place.path {
                continue;
            }
            let entry = Entry { path, rule: f.rule_id.clone(), fingerprint: f.credential.fingerprint.to_string() };
            if same_secret {
                by_secret.push(entry);
            } else if l.line == Some(place.line) {
                by_line.push(entry);
            }
        }
    }
    // A secret the place names wins; a line is only a fallback when the secret is unknown
    // or keyreach reads it differently (quotes, a longer or shorter match).
    if by_secret.is_empty() { by_line } else { by_secret }
}

/// The places one file names: a gitleaks JSON report (an array), a detect-secrets
/// baseline (an object with `results`), else a `.gitleaksignore`.
pub fn read_places(path: &Path) -> anyhow::Result<Vec<Place>> {
    use std::io::Read as _;
    let shown = path.display();
    let file = crate::source::fs::open(path).map_err(|e| anyhow::anyhow!("{shown}: cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| anyhow::anyhow!("{shown}: cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        anyhow::bail!("{shown}: larger than {} MiB: not read", MAX_BYTES >> 20);
    }
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{shown}: not UTF-8 text"))?;
    let parsed = match text.trim_start().as_bytes().first() {
        Some(b'[') => gitleaks_report(&text),
        Some(b'{') => detect_secrets(&text),
        _ => gitleaks_ignore(&text),
    };
    parsed.map_err(|cause| anyhow::anyhow!("{shown}: cannot import: {cause}"))
}

fn clean(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.trim_start_matches("./").to_string()
}

#[derive(Deserialize)]
struct GitleaksFinding {
    #[serde(rename = "File")]
    file: String,
    #[serde(rename = "StartLine")]
    start_line: u64,
    #[serde(rename = "RuleID", default)]
    rule: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `gitleaks ... --report-format json`: an array of findings.
fn gitleaks_report(text: &str) -> Result<Vec<Place>, String> {
    let findings: Vec<GitleaksFinding> =
        serde_json::from_str(text).map_err(|e| format!("not a gitleaks JSON report: {e}"))?;
    Ok(findings
        .into_iter()
        .map(|f| Place {
            path: clean(&f.file),
            line: f.start_line,
            rule: f.rule,
            // `--redact` writes REDACTED (or a partly masked value): not the secret.
            secret: Some(f.secret).filter(|s| !s.is_empty() && !s.contains("REDACTED")),
            sha1: None,
        })
        .collect())
}

/// `.gitleaksignore`: one fingerprint a line, `commit:file:rule:line` (git scans) or
/// `file:rule:line`; `#` starts a comment.
fn gitleaks_ignore(text: &str) -> Result<Vec<Place>, String> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or(raw).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("line {}: not a gitleaks fingerprint ([commit:]file:rule:line): {line:?}", n + 1);
        let mut parts = line.rsplitn(3, ':');
        let (Some(number), Some(rule), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let number: u64 = number.parse().map_err(|_| bad())?;
        let file = match rest.split_once(':') {
            Some((commit, file))
                if (7..=64).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                file
            }
            _ => rest,
        };
        if file.is_empty() || rule.is_empty() {
            return Err(bad());
        }
        out.push(Place { path: clean(file), line: number, rule: rule.to_string(), secret: None, sha1: None });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct SecretsBaseline {
    results: std::collections::BTreeMap<String, Vec<SecretsResult>>,
}

#[derive(Deserialize)]
struct SecretsResult {
    #[serde(rename = "type", default)]
    kind: String,
    hashed_secret: String,
    line_number: u64,
}

/// detect-secrets `.secrets.baseline`: `results` maps each file to its secrets (type,
/// SHA-1 of the secret, line number).
fn detect_secrets(text: &str) -> Result<Vec<Place>, String> {
    let doc: SecretsBaseline = serde_json::from_str(text).map_err(|e| format!("not a detect-secrets baseline: {e}"))?;
    Ok(doc
        .results
        .into_iter()
        .flat_map(|(file, results)| {
            results.into_iter().map(move |r| Place {
                path: clean(&file),
                line: r.line_number,
                rule: r.kind,
                secret: None,
                sha1: Some(r.hashed_secret.to_ascii_lowercase()),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitleaksignore_lines_with_and_without_a_commit() {
        let text = "# accepted\n\
                    0123abcd0123abcd0123abcd0123abcd0123abcd:src/a b.py:generic-api-key:12\n\
                    config/app.env:github-pat:3 # a comment\n\
                    \n";
        let places = gitleaks_ignore(text).unwrap();
        assert_eq!(places.len(), 2);
        assert_eq!(
            (places[0].path.as_str(), places[0].line, places[0].rule.as_str()),
            ("src/a b.py", 12, "generic-api-key")
        );
        assert_eq!((places[1].path.as_str(), places[1].line), ("config/app.env", 3));
        let err = gitleaks_ignore("just-a-word\n").unwrap_err();
        assert!(err.starts_with("line 1: not a gitleaks fingerprint"), "{err}");
        assert!(gitleaks_ignore("a:b:notanumber\n").is_err());
    }

    #[test]
    fn a_redacted_gitleaks_report_gives_places_without_secrets() {
        let text = r#"[{"File": "./deploy.sh", "StartLine": 2, "RuleID": "github-pat", "Secret": "REDACTED",
                        "Commit": "", "Fingerprint": "deploy.sh:github-pat:2"}]"#;
        let places = gitleaks_report(text).unwrap();
        assert_eq!(
            places,
            vec![Place { path: "deploy.sh".into(), line: 2, rule: "github-pat".into(), secret: None, sha1: None }]
        );
        assert!(gitleaks_report("[{\"nope\": 1}]").unwrap_err().starts_with("not a gitleaks JSON report"));
    }

    #[test]
    fn detect_secrets_results_keep_the_hash() {
        let text = r#"{"version": "1.5.0", "plugins_used": [], "filters_used": [],
            "results": {"app/settings.py": [{"type": "Secret Keyword", "filename": "app/settings.py",
            "hashed_secret": "ABCDEF0123", "is_verified": false, "line_number": 7}]},
            "generated_at": "2026-01-01T00:00:00Z"}"#;
        let places = detect_secrets(text).unwrap();
        assert_eq!(places[0].path, "app/settings.py");
        assert_eq!((places[0].line, places[0].sha1.as_deref()), (7, Some("abcdef0123")));
        assert!(detect_secrets("{\"version\": 1}").unwrap_err().starts_with("not a detect-secrets baseline"));
    }
}
