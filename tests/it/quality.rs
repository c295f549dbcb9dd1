//! The detection-quality suite, on two splits of the labelled corpus under
//! `fixtures/quality/`:
//! - the **open corpus** (every directory but `blind/`), written beside the rules: realistic
//!   files per provider family, hard negatives under `negative/`. Misses and false positives
//!   are printed with their paths, for whoever works on the rules.
//! - the **blind split** (`blind/`), written from provider documentation by an author who
//!   never saw the rules. Rule authors never read it: only per-family aggregates (expected,
//!   found, recall, false positives, false-positive rate) are printed, never a path, label or
//!   value. It must reach 90 % recall with at most 2 % false positives (issue 14's targets).
//! - the **fresh blind split** (`blind2/`), written the same way by another author after the
//!   first split's false positives had been looked at per rule (so the first split's figures
//!   are partly tuned): scored on its own, with the same targets.
//!
//! Secrets in the corpus are written `{{secret:PROVIDER:TEMPLATE}}`: the template builds a
//! fake credential at test time and the label records what must be found. In the open
//! corpus a finding counts when its secret equals a label's value in the same file. Blind
//! labels are written by a human as the value appears in the file, so there a finding
//! counts when one contains the other, or one is the base64 encoding of the other (a
//! Kubernetes `data:` value). Every other finding is a false positive.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use keyreach::config::{self, Overrides};

use crate::fixture::{BLIND_SPLIT, BLIND_SPLITS, FRESH_BLIND_SPLIT, Label, expand_tree_except, fixtures};

const MIN_RECALL: f64 = 0.97;
const MAX_FALSE_POSITIVE_RATE: f64 = 0.02;
/// The blind split's targets (issue 14), met: 90.8 % recall (1,052 of 1,158) with 12 false
/// findings (1.1 %); 90.2 % / 1.1 % before the SDK-constructor names, 90.2 % / 2.2 % (23)
/// before the look-alike classes of published, sample and identifier values, 87.5 % / 2.2 %
/// before that, 86.1 % / 2.3 % when the catalog landed.
const BLIND_MIN_RECALL: f64 = 0.90;
const BLIND_MAX_FALSE_POSITIVE_RATE: f64 = 0.02;
/// The fresh blind split's targets, the same, met: 91.5 % recall (527 of 576) with 8 false
/// findings (1.5 %); 89.9 % when it was merged, before SDK constructors and names that are a
/// provider's alone (`new Zorbix('…')`, `zorbix: …`) counted for catalog providers.
const FRESH_MIN_RECALL: f64 = 0.90;
const FRESH_MAX_FALSE_POSITIVE_RATE: f64 = 0.02;

#[derive(Default)]
struct Tally {
    expected: usize,
    found: usize,
    false_positives: usize,
    misattributed: usize,
}

impl Tally {
    fn recall(&self) -> f64 {
        if self.expected == 0 { 1.0 } else { self.found as f64 / self.expected as f64 }
    }

    fn fp_rate(&self) -> f64 {
        let reported = self.found + self.false_positives;
        if reported == 0 { 0.0 } else { self.false_positives as f64 / reported as f64 }
    }

    fn add(&mut self, t: &Tally) {
        self.expected += t.expected;
        self.found += t.found;
        self.false_positives += t.false_positives;
        self.misattributed += t.misattributed;
    }
}

/// What a scan of one split found, against its labels.
#[derive(Default)]
struct Measured {
    tallies: BTreeMap<String, Tally>,
    misses: Vec<String>,
    false_positives: Vec<String>,
    misattributed: Vec<String>,
}

impl Measured {
    fn total(&self) -> Tally {
        self.tallies.values().fold(Tally::default(), |mut acc, t| {
            acc.add(t);
            acc
        })
    }

    /// Per-family aggregates: nothing that names a case.
    fn print_table(&self, title: &str) {
        eprintln!(
            "\n{title}\n{:<16} {:>8} {:>6} {:>8} {:>6} {:>8} {:>6}",
            "family", "expected", "found", "recall", "false", "fp-rate", "misattr"
        );
        let total = self.total();
        for (name, t) in self.tallies.iter().chain(std::iter::once((&"TOTAL".to_string(), &total))) {
            eprintln!(
                "{name:<16} {:>8} {:>6} {:>7.1}% {:>6} {:>7.1}% {:>6}",
                t.expected,
                t.found,
                100.0 * t.recall(),
                t.false_positives,
                100.0 * t.fp_rate(),
                t.misattributed
            );
        }
    }
}

fn family(path: &str) -> String {
    path.split('/').next().unwrap_or("").to_string()
}

/// Materialises `fixtures/quality/<split>` (or the whole corpus but `skip`), scans it with
/// the built-in rules, and scores every finding with `matches(label value, secret)`.
fn measure(split: Option<&str>, skip: &[&str], matches: fn(&str, &str) -> bool) -> Measured {
    let src = match split {
        Some(s) => fixtures().join("quality").join(s),
        None => fixtures().join("quality"),
    };
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<Label> = expand_tree_except(&src, dir.path(), skip);
    let settings =
        config::resolve(Overrides { paths: vec![dir.path().to_path_buf()], threads: Some(2), ..Overrides::default() })
            .unwrap();
    let rules = keyreach::load_rules(&settings.rules).unwrap();
    let outcome = keyreach::scan(&settings, rules, &keyreach::NoProgress).unwrap();

    let mut m = Measured::default();
    let mut by_path: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for l in &labels {
        by_path.entry(l.path.as_str()).or_default().push(l);
        m.tallies.entry(family(&l.path)).or_default().expected += 1;
    }
    let mut hit: HashSet<(String, String)> = HashSet::new();
    for finding in &outcome.findings {
        let secret = String::from_utf8_lossy(finding.credential.secret.expose()).into_owned();
        for location in &finding.credential.locations {
            let tally = m.tallies.entry(family(&location.path)).or_default();
            let here = by_path.get(location.path.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            let matched: Vec<&&Label> = here.iter().filter(|l| matches(&l.value, &secret)).collect();
            if matched.is_empty() {
                tally.false_positives += 1;
                let line = location.line.unwrap_or(0);
                m.false_positives.push(format!("{}:{line} {}", location.path, finding.rule_id));
                continue;
            }
            for l in matched {
                if hit.insert((l.path.clone(), l.value.clone())) {
                    tally.found += 1;
                }
                if l.label != finding.provider && !finding.rule_id.starts_with(&format!("{}.", l.label)) {
                    tally.misattributed += 1;
                    m.misattributed.push(format!("{}: {} labelled {}", location.path, finding.rule_id, l.label));
                }
            }
        }
    }
    m.misses = labels
        .iter()
        .filter(|l| !hit.contains(&(l.path.clone(), l.value.clone())))
        .map(|l| format!("{} ({})", l.path, l.label))
        .collect();
    m
}

/// Open corpus: the secret as reported equals the label's value.
fn exact(label: &str, secret: &str) -> bool {
    label == secret
}

/// Blind split: one contains the other (a reported secret inside a label must be at least
/// 8 characters), or one is the base64 encoding of the other.
fn loose(label: &str, secret: &str) -> bool {
    let contains = label == secret || secret.contains(label) || (secret.len() >= 8 && label.contains(secret));
    contains || base64_of(label).is_some_and(|d| d == secret) || base64_of(secret).is_some_and(|d| d == label)
}

fn base64_of(text: &str) -> Option<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = text.trim().trim_end_matches('=');
    if trimmed.len() < 8 {
        return None;
    }
    let bytes = STANDARD_NO_PAD.decode(trimmed).or_else(|_| URL_SAFE_NO_PAD.decode(trimmed)).ok()?;
    String::from_utf8(bytes).ok().map(|s| s.trim_end_matches('\n').to_string())
}

fn assert_targets(split: &str, total: &Tally, min_recall: f64, max_fp: f64) {
    assert!(total.expected > 0, "the {split} has no labelled secrets");
    assert!(
        total.recall() >= min_recall,
        "{split}: recall {:.1}% is below {:.1}%",
        100.0 * total.recall(),
        100.0 * min_recall
    );
    assert!(
        total.fp_rate() <= max_fp,
        "{split}: false-positive rate {:.1}% is above {:.0}%",
        100.0 * total.fp_rate(),
        100.0 * max_fp
    );
}

#[test]
fn quality_open_corpus_meets_recall_and_false_positive_targets() {
    let m = measure(None, BLIND_SPLITS, exact);
    m.print_table("open corpus (fixtures/quality/ but blind/ and blind2/)");
    for miss in &m.misses {
        eprintln!("missed: {miss}");
    }
    for f in &m.false_positives {
        eprintln!("false positive: {f}");
    }
    for f in &m.misattributed {
        eprintln!("misattributed: {f}");
    }
    assert_targets("open corpus", &m.total(), MIN_RECALL, MAX_FALSE_POSITIVE_RATE);
}

/// Measures a blind split by family aggregates only: its cases stay unseen by whoever tunes
/// the rules.
fn measure_blind(split: &str, min_recall: f64, max_fp: f64) {
    if !Path::new(&fixtures().join("quality").join(split)).is_dir() {
        eprintln!(
            "\n*** SKIPPED: fixtures/quality/{split}/ is absent, so this blind split is not measured. ***\n\
             *** It is written on its own branch; merge it to measure keyreach on it.          ***"
        );
        return;
    }
    let m = measure(Some(split), &[], loose);
    m.print_table(&format!("blind split (fixtures/quality/{split}/, aggregates only)"));
    let total = m.total();
    assert_targets(split, &total, min_recall, max_fp);
}

#[test]
fn quality_blind_split_meets_recall_and_false_positive_targets() {
    measure_blind(BLIND_SPLIT, BLIND_MIN_RECALL, BLIND_MAX_FALSE_POSITIVE_RATE);
}

#[test]
fn quality_fresh_blind_split_meets_recall_and_false_positive_targets() {
    measure_blind(FRESH_BLIND_SPLIT, FRESH_MIN_RECALL, FRESH_MAX_FALSE_POSITIVE_RATE);
}

#[test]
fn blind_matching_accepts_containment_and_base64() {
    assert!(loose("k3J9xQ2mZp8LwR4t", "k3J9xQ2mZp8LwR4t"));
    assert!(loose("k3J9xQ2mZp8LwR4t", "deploy:k3J9xQ2mZp8LwR4t"));
    assert!(loose("user:k3J9xQ2mZp8LwR4t", "k3J9xQ2mZp8LwR4t"));
    assert!(loose("azNKOXhRMm1acDhMd1I0dA==", "k3J9xQ2mZp8LwR4t"));
    assert!(!loose("k3J9xQ2mZp8LwR4t", "k3J9xQ2m"[..4].as_ref()));
    assert!(!loose("k3J9xQ2mZp8LwR4t", "Zp8LwR4tk3J9xQ2m"));
}
