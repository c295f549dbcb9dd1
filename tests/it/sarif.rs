//! `--format sarif`: valid SARIF 2.1.0 (checked against the official schema vendored in
//! `fixtures/sarif-2.1.0-schema.json`), shaped for GitHub code scanning, and never holding a
//! secret unless `--show-secrets`.
//!
//! `fixtures/sarif` is a scan target with a finding of every severity: its `keyreach.toml`
//! adds made-up rules whose declared scope gives high, medium, low and critical; the
//! built-in GitHub rule gives critical (unknown scope).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use keyreach::credentials::{Credential, Fingerprint, Location, Secret};
use keyreach::policy::{Finding, Severity};
use keyreach::report::Report;
use keyreach::report::sarif::write_sarif;
use keyreach::rules::RuleId;
use keyreach::scope::Scope;
use keyreach::source::{CommitRef, Reach, Stats};
use serde_json::Value;

use crate::util::{Label, fixtures, git, keyreach, materialize, run, stderr, stdout};

/// The vendored SARIF 2.1.0 schema, compiled (draft-07: `format` is asserted).
fn sarif_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let text = std::fs::read_to_string(fixtures().join("sarif-2.1.0-schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut compiler = boon::Compiler::new();
    let mut schemas = boon::Schemas::new();
    compiler.add_resource("urn:keyreach:sarif-2.1.0-schema", schema).unwrap();
    let index = compiler.compile("urn:keyreach:sarif-2.1.0-schema", &mut schemas).unwrap();
    (schemas, index)
}

/// Validates `doc` against the official schema.
fn assert_valid_sarif(doc: &Value) {
    let (schemas, index) = sarif_schema();
    if let Err(e) = schemas.validate(doc, index) {
        panic!("not valid SARIF 2.1.0: {e:#}\n{}", serde_json::to_string_pretty(doc).unwrap());
    }
}

/// `fixtures/sarif` in a git repository: `.env` is git-ignored, the rest committed.
fn scan_target() -> (tempfile::TempDir, Vec<Label>) {
    let (dir, labels) = materialize("sarif");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "fixture"]);
    (dir, labels)
}

fn sarif_scan(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out = run(keyreach().arg("scan").arg(dir).args(["--format", "sarif"]).args(extra));
    let doc = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), doc)
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().expect("run.results")
}

#[test]
fn a_scan_with_every_severity_is_valid_sarif_that_code_scanning_can_show() {
    let (dir, _) = scan_target();
    let (code, doc) = sarif_scan(dir.path(), &[]);
    assert_eq!(code, Some(1), "findings at or above --fail-on low");
    assert_valid_sarif(&doc);

    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "keyreach");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from(["acme.admin-key", "acme.read-key", "acme.test-key", "acme.write-key", "github.classic-pat"]),
    );
    assert_eq!(ids.len(), 5, "one entry per rule that fired, no duplicates: {ids:?}");
    let mut severities = BTreeMap::new();
    for rule in rules {
        for field in ["shortDescription", "fullDescription"] {
            assert!(!rule[field]["text"].as_str().unwrap().is_empty(), "{} lacks {field}", rule["id"]);
        }
        let help = rule["help"]["markdown"].as_str().unwrap();
        for step in ["Rotate", "Scope the replacement down", "secret store"] {
            assert!(help.contains(step), "{} help lacks {step:?}", rule["id"]);
        }
        assert!(rule["properties"]["tags"].as_array().unwrap().iter().any(|t| t == "security"));
        let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        severities.insert(rule["id"].as_str().unwrap().to_string(), score);
    }
    assert!(severities["github.classic-pat"] >= 9.0 && severities["acme.admin-key"] >= 9.0);
    assert!((7.0..9.0).contains(&severities["acme.write-key"]));
    assert!((4.0..7.0).contains(&severities["acme.read-key"]));
    assert!((0.1..4.0).contains(&severities["acme.test-key"]));

    let results = results(&doc);
    let by_rule: BTreeMap<&str, Vec<&Value>> = results.iter().fold(BTreeMap::new(), |mut m, r| {
        m.entry(r["ruleId"].as_str().unwrap()).or_default().push(r);
        m
    });
    assert_eq!(by_rule["github.classic-pat"][0]["level"], "error");
    assert_eq!(by_rule["acme.write-key"][0]["level"], "error");
    assert_eq!(by_rule["acme.read-key"][0]["level"], "warning");
    assert_eq!(by_rule["acme.test-key"][0]["level"], "note");
    for r in results {
        let physical = &r["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(physical["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["keyreach/v1"].is_string());
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.contains("(provider ") && text.contains("Scope"), "{text}");
    }
    let uris: BTreeSet<&str> = results
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, BTreeSet::from([".env", "config/app%20settings.env", "deploy.sh"]));
    let ignored =
        results.iter().find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".env").unwrap();
    assert!(ignored["message"]["text"].as_str().unwrap().contains("is in a git-ignored file"));
    let admin = by_rule["acme.admin-key"][0]["message"]["text"].as_str().unwrap();
    assert!(admin.contains("Acme admin key (provider acme) is in a tracked file"), "{admin}");
    assert!(admin.contains("Scope (known offline from its format): level admin"), "{admin}");
    assert!(admin.contains("Severity critical: can administer the account"), "{admin}");
    let github = by_rule["github.classic-pat"][0];
    assert_eq!(github["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    assert!(github["message"]["text"].as_str().unwrap().contains("(provider github) is in a tracked file"));

    let props = &doc["runs"][0]["properties"];
    assert_eq!(props["findings"], 6);
    assert_eq!(props["severities"], serde_json::json!({"critical": 2, "high": 2, "medium": 1, "low": 1}));
    assert_eq!(props["truncated"], false);
}

#[test]
fn an_empty_scan_is_valid_sarif_with_no_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "nothing to see\n").unwrap();
    let (code, doc) = sarif_scan(dir.path(), &[]);
    assert_eq!(code, Some(0));
    assert_valid_sarif(&doc);
    assert!(results(&doc).is_empty());
    assert_eq!(doc["runs"][0]["properties"]["findings"], 0);
}

#[test]
fn history_findings_are_valid_sarif_and_name_their_commit() {
    let secret = crate::util::fake("{{gen:github-crc32:ghp_}}", "sarif-history");
    let commit =
        CommitRef { id: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".into(), date: Some("2026-01-01T00:00:00Z".into()) };
    let location = |path: &str, reach: Reach, commit: Option<CommitRef>| Location {
        path: path.into(),
        line: Some(3),
        column: Some(14),
        reach,
        commit,
        agent_ignored: false,
        mcp_server: None,
    };
    let finding = |severity, locations| Finding {
        rule_id: "github.classic-pat".into(),
        provider: "github".into(),
        title: "GitHub personal access token (classic)".into(),
        credential: Credential {
            rule: RuleId(0),
            secret: Secret::new(secret.as_bytes()),
            fingerprint: Fingerprint::of(secret.as_bytes()),
            locations,
            companion: None,
            evidence: None,
            parts: Vec::new(),
        },
        scope: Scope::unknown(),
        severity,
        reasons: vec!["scope unknown: counted as admin access".into()],
        remedy: "Revoke it.".into(),
        handles: Vec::new(),
        rotate: None,
    };
    let findings = vec![
        finding(Severity::Critical, vec![location("deploy/old.sh", Reach::History, Some(commit.clone()))]),
        finding(
            Severity::Low,
            vec![
                location("app.env", Reach::Tracked, None),
                location("app.env", Reach::History, Some(commit.clone())),
                location("gone.env", Reach::History, Some(commit.clone())),
            ],
        ),
    ];
    let stats = Stats::default();
    let mut out = Vec::new();
    let report = Report { findings: &findings, stats: &stats, problems: &[], skipped: &[], show_secrets: false };
    write_sarif(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(&secret));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&doc);
    let results = results(&doc);
    assert_eq!(results.len(), 3, "one result per finding and path");
    let history_only: Vec<&Value> = results.iter().filter(|r| r["properties"]["reach"] == "history").collect();
    assert_eq!(history_only.len(), 2);
    for r in history_only {
        assert!(r["locations"][0]["physicalLocation"].get("region").is_none());
        assert!(r["message"]["text"].as_str().unwrap().contains(&format!("commit {}", commit.id)));
    }
}

#[test]
fn no_secret_reaches_the_sarif_whatever_the_flags_unless_shown() {
    let (dir, labels) = scan_target();
    let secrets: Vec<&str> = labels.iter().map(|l| l.value.as_str()).collect();
    assert_eq!(secrets.len(), 6);
    let leaks = |text: &str| -> Vec<String> {
        let mut found = Vec::new();
        for secret in &secrets {
            // Any ten consecutive characters of a secret: catches prefixes, suffixes and
            // partial redactions as well as the whole value.
            let chars: Vec<char> = secret.chars().collect();
            for window in chars.windows(10) {
                let piece: String = window.iter().collect();
                if text.contains(&piece) {
                    found.push(piece);
                }
            }
        }
        found
    };
    let report = dir.path().join("..").join(format!("{}.sarif", dir.path().file_name().unwrap().to_string_lossy()));
    let flag_sets: [&[&str]; 4] = [
        &[],
        &["--no-inline-allow", "--binary", "--follow", "--threads", "1"],
        &["--color", "always", "--fail-on", "critical", "--max-file-size", "1"],
        &["--exclude", "nothing-matches", "--output", report.to_str().unwrap()],
    ];
    for flags in flag_sets {
        let out = run(keyreach().arg("scan").arg(dir.path()).args(["--format", "sarif"]).args(flags));
        let text = if flags.contains(&"--output") { std::fs::read_to_string(&report).unwrap() } else { stdout(&out) };
        assert!(text.contains("\"results\""), "{flags:?}: no SARIF: {}", stderr(&out));
        assert!(leaks(&text).is_empty(), "{flags:?} leaked {:?}", leaks(&text));
        assert!(leaks(&stderr(&out)).is_empty());
    }
    std::fs::remove_file(&report).unwrap();

    let (_, shown) = sarif_scan(dir.path(), &["--show-secrets"]);
    let text = shown.to_string();
    for secret in &secrets {
        assert!(text.contains(secret), "--show-secrets should print {secret}");
    }
}

#[test]
fn alerts_keep_their_fingerprints_when_lines_move_and_across_runs() {
    let (dir, _) = scan_target();
    let fingerprints = |doc: &Value| -> BTreeMap<String, (Value, Value)> {
        results(doc)
            .iter()
            .map(|r| {
                let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
                let key = format!("{} {uri}", r["ruleId"].as_str().unwrap());
                (key, (r["partialFingerprints"].clone(), r["locations"][0]["physicalLocation"]["region"].clone()))
            })
            .collect()
    };
    let (_, first) = sarif_scan(dir.path(), &[]);
    let (_, again) = sarif_scan(dir.path(), &[]);
    assert_eq!(fingerprints(&first), fingerprints(&again));

    let script = dir.path().join("deploy.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("# a new first line\n# and a second\n{text}")).unwrap();
    let (_, moved) = sarif_scan(dir.path(), &[]);
    let (before, after) = (fingerprints(&first), fingerprints(&moved));
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    let key = "github.classic-pat deploy.sh";
    assert_eq!(before[key].0, after[key].0, "same alert after the line moved");
    assert_eq!(before[key].1["startLine"], 4);
    assert_eq!(after[key].1["startLine"], 6);
}

#[test]
fn the_schema_check_rejects_invalid_sarif() {
    let (schemas, index) = sarif_schema();
    let run = |result: Value| serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [result]}]});
    let good = run(serde_json::json!({"message": {"text": "m"}, "level": "error"}));
    assert!(schemas.validate(&good, index).is_ok());
    let bad_level = run(serde_json::json!({"message": {"text": "m"}, "level": "fatal"}));
    assert!(schemas.validate(&bad_level, index).is_err());
    let bad_uri = run(serde_json::json!({"message": {"text": "m"}, "locations": [{"physicalLocation":
        {"artifactLocation": {"uri": "a b.env"}}}]}));
    assert!(schemas.validate(&bad_uri, index).is_err(), "format assertions are on");
}
