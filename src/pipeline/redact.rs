//! Paths are shown in every report, and a path can hold a secret (a file named after a
//! token, a URL with credentials saved as a file name). Unless `--show-secrets`, every
//! finding's secret and companion value is replaced in every location path and problem
//! path before anything is printed, as the SARIF printer also does for all its text.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::policy::Finding;
use crate::source::{Problem, Skipped};

/// Secrets shorter than this are not looked for in paths (they would hit ordinary names).
const MIN_LEN: usize = 8;
/// What a secret in a path becomes.
pub const REDACTED: &str = "REDACTED";

/// Replaces every finding's secret (and companion value) in location, problem and skipped
/// paths.
pub fn redact_paths(findings: &mut [Finding], problems: &mut [Problem], skipped: &mut [Skipped]) {
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for f in findings.iter() {
        needles.push(f.credential.secret.expose().to_vec());
        if let Some(part) = &f.credential.companion {
            needles.push(part.value.expose().to_vec());
        }
    }
    needles.retain(|n| n.len() >= MIN_LEN);
    if needles.is_empty() {
        return;
    }
    // A contiguous NFA: a few bytes a needle. The default (a DFA for this many needles) took
    // 15 MiB for a tree's two thousand findings, the scan's peak, to search a few paths.
    let builder = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&needles);
    let Ok(matcher) = builder else { return };
    let clean = |path: &mut String| {
        if matcher.is_match(path.as_bytes()) {
            *path = matcher.replace_all(path, &vec![REDACTED; needles.len()]);
        }
    };
    for f in findings.iter_mut() {
        f.credential.locations.iter_mut().for_each(|l| clean(&mut l.path));
        if let Some(part) = f.credential.companion.as_mut() {
            part.locations.iter_mut().for_each(|l| clean(&mut l.path));
        }
    }
    problems.iter_mut().for_each(|p| clean(&mut p.path));
    skipped.iter_mut().for_each(|s| clean(&mut s.path));
}
