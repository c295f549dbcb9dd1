//! `keyreach report merge`: many scan reports (the JSON report contract, version 1) → one
//! organisation report. The same credential (fingerprint) seen in several reports or
//! repositories becomes one finding with every location; each location gains the
//! `repository` it was found in. Findings are ordered worst first: severity, then the most
//! exposed reach, then how many repositories hold it.
//!
//! The merged document is a superset of a scan report — every field a finding had is kept —
//! plus an `organisation` object: the reports read, a per-repository summary and the spread
//! (blast radius across repositories). Reports are read as JSON values so fields this
//! version does not know pass through untouched.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::policy::Severity;

/// The report version this keyreach reads and writes.
pub const VERSION: u64 = 1;

/// One input report, read and checked.
pub struct Input {
    /// The name shown for it (the file as given).
    pub name: String,
    doc: Map<String, Value>,
}

/// Checks that `text` is a keyreach JSON report this version reads; the error says why
/// not (the caller names the file).
pub fn read(name: &str, text: &str) -> Result<Input, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => "not a keyreach JSON report: it ends early".to_string(),
        _ => format!("not a keyreach JSON report: not JSON (line {}, column {})", e.line(), e.column()),
    })?;
    let Value::Object(doc) = value else { return Err("not a keyreach JSON report: not a JSON object".into()) };
    if doc.get("tool").and_then(|t| t.get("name")).and_then(Value::as_str) != Some("keyreach") {
        return Err("not a keyreach JSON report (no \"tool\": {\"name\": \"keyreach\"}); SARIF, text and jsonl reports cannot be merged".into());
    }
    match doc.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(v) if v > VERSION => {
            return Err(format!("report version {v} is newer than this keyreach reads ({VERSION}): update keyreach"));
        }
        _ => return Err(format!("unknown report version (this keyreach reads version {VERSION})")),
    }
    let Some(findings) = doc.get("findings").and_then(Value::as_array) else {
        return Err("not a keyreach JSON report: no \"findings\" array".into());
    };
    for (i, f) in findings.iter().enumerate() {
        let ok = f.get("fingerprint").and_then(Value::as_str).is_some()
            && f.get("severity").and_then(Value::as_str).and_then(Severity::parse).is_some()
            && f.get("locations").is_some_and(Value::is_array);
        if !ok {
            return Err(format!("finding {} has no fingerprint, severity or locations", i + 1));
        }
    }
    Ok(Input { name: name.to_string(), doc })
}

/// The repository a location belongs to when neither it (a merged report's location) nor
/// its report (`"repository"` at the top, as org-scan.sh sets it) names one: the remote URL
/// a `--git-url` path starts with (up to `.git`, or `scheme://host/owner/name`), else the
/// report's name.
pub fn repository_of(path: &str, report: &str) -> String {
    let Some(at) = path.find("://") else { return report.to_string() };
    if let Some(end) = path.find(".git/") {
        return path[..end + 4].to_string();
    }
    let after = &path[at + 3..];
    let cut: Vec<usize> = after.match_indices('/').map(|(i, _)| i).take(3).collect();
    match cut.get(2) {
        Some(&third) => path[..at + 3 + third].to_string(),
        None => path.trim_end_matches('/').to_string(),
    }
}

/// How exposed a reach is: lower is worse (in the tree now before only in history).
fn reach_rank(reach: &str) -> u8 {
    match reach {
        "tracked" => 0,
        "staged" => 1,
        "ignored" => 2,
        "untracked" => 3,
        "home" => 4,
        "env" => 5,
        "history" => 6,
        _ => 7,
    }
}

/// A merged finding and what ordering needs.
struct Merged {
    value: Map<String, Value>,
    severity: Severity,
    repositories: Vec<String>,
}

impl Merged {
    fn locations(&self) -> &[Value] {
        self.value.get("locations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
    }

    fn best_reach(&self) -> u8 {
        self.locations()
            .iter()
            .map(|l| reach_rank(l.get("reach").and_then(Value::as_str).unwrap_or("")))
            .min()
            .unwrap_or(7)
    }
}

#[derive(Serialize, Default)]
struct RepoSummary {
    repository: String,
    findings: usize,
    locations: usize,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
}

/// The merged report, as a JSON document (see the README's "Organisation report").
pub struct Merge {
    pub doc: Value,
}

impl Merge {
    /// The findings, worst first.
    pub fn findings(&self) -> &[Value] {
        self.doc["findings"].as_array().map(Vec::as_slice).unwrap_or(&[])
    }

    /// The worst severity among the findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings().iter().filter_map(|f| f["severity"].as_str().and_then(Severity::parse)).max()
    }
}

/// Merges the reports, in the order given (ties keep it), reading one at a time: only
/// one report's document is held besides the merge. The first error stops it.
pub fn merge<E>(inputs: impl IntoIterator<Item = Result<Input, E>>) -> Result<Merge, E> {
    let mut order: Vec<String> = Vec::new();
    let mut by_print: HashMap<String, Merged> = HashMap::new();
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    let mut reports = Vec::new();
    let mut history: Option<&str> = None;
    let mut scanned = std::collections::BTreeSet::new();
    for input in inputs {
        let input = input?;
        let stats = input.doc.get("stats").and_then(Value::as_object);
        for key in ["files", "bytes", "seconds", "skipped", "errors"] {
            *totals.entry(key).or_default() += stats.and_then(|s| s.get(key)).and_then(Value::as_f64).unwrap_or(0.0);
        }
        match input.doc.get("history").and_then(Value::as_str) {
            Some("shallow") => history = Some("shallow"),
            Some("full") if history.is_none() => history = Some("full"),
            _ => {}
        }
        for (list, out) in [("problems", &mut problems), ("skipped", &mut skipped)] {
            for item in input.doc.get(list).and_then(Value::as_array).into_iter().flatten() {
                let mut item = item.clone();
                if let Value::Object(o) = &mut item {
                    o.entry("report").or_insert_with(|| Value::String(input.name.clone()));
                }
                out.push(item);
            }
        }
        let findings = input.doc["findings"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        // The repository a report says it is of (org-scan.sh sets it): named in the summary
        // even when clean, and the repository of its locations that are not URLs.
        let own = input.doc.get("repository").and_then(Value::as_str);
        if let Some(own) = own {
            scanned.insert(own.to_string());
        }
        let mut report = json!({"report": input.name, "findings": findings.len(),
            "files": stats.and_then(|s| s.get("files")).cloned().unwrap_or(Value::Null)});
        if let Some(own) = own {
            report["repository"] = own.into();
        }
        reports.push(report);
        for finding in findings {
            add(finding, (own, &input.name), &mut order, &mut by_print);
        }
    }
    let mut merged: Vec<Merged> = order.into_iter().filter_map(|k| by_print.remove(&k)).collect();
    // A stable sort: equal findings keep the order the reports gave them.
    merged.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.best_reach().cmp(&b.best_reach()))
            .then_with(|| b.repositories.len().cmp(&a.repositories.len()))
            .then_with(|| b.locations().len().cmp(&a.locations().len()))
    });
    let mut per_repo: BTreeMap<String, RepoSummary> = BTreeMap::new();
    let mut spread = Vec::new();
    for m in &merged {
        for repo in &m.repositories {
            let s = per_repo
                .entry(repo.clone())
                .or_insert_with(|| RepoSummary { repository: repo.clone(), ..Default::default() });
            s.findings += 1;
            s.locations += m.locations().iter().filter(|l| l["repository"].as_str() == Some(repo)).count();
            *match m.severity {
                Severity::Critical => &mut s.critical,
                Severity::High => &mut s.high,
                Severity::Medium => &mut s.medium,
                Severity::Low => &mut s.low,
            } += 1;
        }
        if m.repositories.len() > 1 {
            spread.push(json!({"fingerprint": m.value["fingerprint"], "rule": m.value.get("rule"),
                "title": m.value.get("title"), "severity": m.severity.as_str(),
                "repositories": m.repositories.len(), "locations": m.locations().len()}));
        }
    }
    spread.sort_by(|a, b| b["repositories"].as_u64().cmp(&a["repositories"].as_u64()));
    for repo in scanned {
        per_repo.entry(repo.clone()).or_insert_with(|| RepoSummary { repository: repo, ..Default::default() });
    }
    let mut repositories: Vec<RepoSummary> = per_repo.into_values().collect();
    repositories.sort_by(|a, b| {
        (b.critical, b.high, b.medium, b.low)
            .cmp(&(a.critical, a.high, a.medium, a.low))
            .then(a.repository.cmp(&b.repository))
    });
    let mut counts = Map::new();
    for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low] {
        counts.insert(s.as_str().into(), merged.iter().filter(|m| m.severity == s).count().into());
    }
    let int = |k: &str| Value::from(totals.get(k).copied().unwrap_or(0.0) as u64);
    let mut doc = json!({
        "version": VERSION,
        "tool": {"name": "keyreach", "version": env!("CARGO_PKG_VERSION")},
        "stats": {"files": int("files"), "bytes": int("bytes"),
                  "seconds": (totals.get("seconds").copied().unwrap_or(0.0) * 1000.0).round() / 1000.0,
                  "skipped": int("skipped"), "errors": int("errors")},
        "findings": merged.into_iter().map(|m| Value::Object(m.value)).collect::<Vec<_>>(),
        "problems": problems,
        "skipped": skipped,
        "organisation": {"reports": reports, "repositories": repositories, "counts": counts, "spread": spread},
    });
    if let Some(h) = history {
        doc["history"] = h.into();
    }
    Ok(Merge { doc })
}

/// Adds one report's finding: a new credential, or more places for one already seen.
/// `report` is the repository the report names, if any, and its name.
fn add(finding: &Value, report: (Option<&str>, &str), order: &mut Vec<String>, by_print: &mut HashMap<String, Merged>) {
    let Value::Object(f) = finding else { return };
    let print = f["fingerprint"].as_str().unwrap_or_default().to_string();
    let severity = f["severity"].as_str().and_then(Severity::parse).unwrap_or(Severity::Low);
    let mut locations: Vec<Value> = f["locations"].as_array().cloned().unwrap_or_default();
    for l in &mut locations {
        if let Value::Object(o) = l {
            if !o.contains_key("repository") {
                let path = o.get("path").and_then(Value::as_str).unwrap_or_default();
                let repository = report.0.map_or_else(|| repository_of(path, report.1), str::to_string);
                o.insert("repository".into(), repository.into());
            }
        }
    }
    let entry = match by_print.get_mut(&print) {
        Some(entry) => entry,
        None => {
            order.push(print.clone());
            let mut value = f.clone();
            value.insert("locations".into(), Value::Array(Vec::new()));
            by_print.entry(print).or_insert(Merged { value, severity, repositories: Vec::new() })
        }
    };
    if severity > entry.severity {
        // The worst verdict wins, with its reasons and scope; the places add up.
        let kept = entry.value.remove("locations");
        entry.value = f.clone();
        entry.value.insert("locations".into(), kept.unwrap_or_default());
        entry.severity = severity;
    }
    let Some(Value::Array(all)) = entry.value.get_mut("locations") else { return };
    for l in locations {
        if !all.contains(&l) {
            all.push(l);
        }
    }
    let mut repos: Vec<String> = all.iter().filter_map(|l| l["repository"].as_str().map(str::to_string)).collect();
    repos.sort();
    repos.dedup();
    entry.value.insert("repositories".into(), json!(repos));
    entry.repositories = repos;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_come_from_remote_paths() {
        assert_eq!(
            repository_of("https://github.com/acme/app.git/src/a.rs", "r.json"),
            "https://github.com/acme/app.git"
        );
        assert_eq!(repository_of("https://github.com/acme/app/src/a.rs", "r.json"), "https://github.com/acme/app");
        assert_eq!(repository_of("src/a.rs", "r.json"), "r.json");
    }
}
