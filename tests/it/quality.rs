//! The detection-quality suite: a labelled corpus under `fixtures/quality/` (positives in
//! realistic files, one directory per provider family; hard negatives under `negative/`).
//! Reports recall and false-positive rate per family and fails below the targets.
//!
//! Secrets in the corpus are written `{{secret:PROVIDER:TEMPLATE}}`: the template builds a
//! fake credential at test time and the label records what must be found. A finding counts
//! as a true positive when its secret equals a label's value in the same file.

use std::collections::{BTreeMap, HashSet};

use keyreach::config::{self, Overrides};

use crate::util::materialize;

const MIN_RECALL: f64 = 0.97;
const MAX_FALSE_POSITIVE_RATE: f64 = 0.02;

#[derive(Default)]
struct Tally {
    expected: usize,
    found: usize,
    false_positives: usize,
    misattributed: usize,
}

fn family(path: &str) -> String {
    path.split('/').next().unwrap_or("").to_string()
}

#[test]
fn quality_meets_recall_and_false_positive_targets() {
    let (dir, labels) = materialize("quality");
    let settings =
        config::resolve(Overrides { paths: vec![dir.path().to_path_buf()], threads: Some(2), ..Overrides::default() })
            .unwrap();
    let rules = keyreach::load_rules(&settings.rules).unwrap();
    let outcome = keyreach::scan(&settings, rules, &keyreach::NoProgress).unwrap();

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let expected: BTreeMap<(String, String), String> =
        labels.iter().map(|l| ((l.path.clone(), l.value.clone()), l.label.clone())).collect();
    for (path, _) in expected.keys() {
        tallies.entry(family(path)).or_default().expected += 1;
    }
    let mut hit: HashSet<(String, String)> = HashSet::new();
    let mut false_positives = Vec::new();
    let mut misattributed = Vec::new();
    for finding in &outcome.findings {
        let secret = String::from_utf8_lossy(finding.credential.secret.expose()).into_owned();
        for location in &finding.credential.locations {
            let key = (location.path.clone(), secret.clone());
            let tally = tallies.entry(family(&location.path)).or_default();
            match expected.get(&key) {
                Some(label) => {
                    if hit.insert(key) {
                        tally.found += 1;
                    }
                    if label != &finding.provider && !finding.rule_id.starts_with(&format!("{label}.")) {
                        tally.misattributed += 1;
                        misattributed.push(format!("{}: {} labelled {label}", location.path, finding.rule_id));
                    }
                }
                None => {
                    tally.false_positives += 1;
                    false_positives.push(format!(
                        "{}:{} {}",
                        location.path,
                        location.line.unwrap_or(0),
                        finding.rule_id
                    ));
                }
            }
        }
    }
    let misses: Vec<String> = expected
        .iter()
        .filter(|(k, _)| !hit.contains(*k))
        .map(|((path, _), label)| format!("{path} ({label})"))
        .collect();

    let total = tallies.values().fold(Tally::default(), |mut acc, t| {
        acc.expected += t.expected;
        acc.found += t.found;
        acc.false_positives += t.false_positives;
        acc.misattributed += t.misattributed;
        acc
    });
    let recall = |t: &Tally| if t.expected == 0 { 1.0 } else { t.found as f64 / t.expected as f64 };
    let fp_rate = |t: &Tally| {
        let reported = t.found + t.false_positives;
        if reported == 0 { 0.0 } else { t.false_positives as f64 / reported as f64 }
    };
    eprintln!(
        "\n{:<16} {:>8} {:>6} {:>8} {:>6} {:>8} {:>6}",
        "family", "expected", "found", "recall", "false", "fp-rate", "misattr"
    );
    for (name, t) in tallies.iter().chain(std::iter::once((&"TOTAL".to_string(), &total))) {
        eprintln!(
            "{name:<16} {:>8} {:>6} {:>7.1}% {:>6} {:>7.1}% {:>6}",
            t.expected,
            t.found,
            100.0 * recall(t),
            t.false_positives,
            100.0 * fp_rate(t),
            t.misattributed
        );
    }
    for m in &misses {
        eprintln!("missed: {m}");
    }
    for f in &false_positives {
        eprintln!("false positive: {f}");
    }
    for m in &misattributed {
        eprintln!("misattributed: {m}");
    }
    assert!(total.expected > 0, "the corpus has no labelled secrets");
    assert!(recall(&total) >= MIN_RECALL, "recall {:.1}% is below {:.0}%", 100.0 * recall(&total), 100.0 * MIN_RECALL);
    assert!(
        fp_rate(&total) <= MAX_FALSE_POSITIVE_RATE,
        "false-positive rate {:.1}% is above {:.0}%",
        100.0 * fp_rate(&total),
        100.0 * MAX_FALSE_POSITIVE_RATE
    );
}
