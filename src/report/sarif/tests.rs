//! Tests of the SARIF report: GitHub's severity bands, rule entries, fingerprints, related
//! locations, history and logical locations, limits, secret scrubbing and URIs.

use super::*;
use crate::credentials::{Credential, Fingerprint, Secret};
use crate::rules::RuleId;
use crate::scope::Scope;
use crate::source::{CommitRef, Stats};

use super::rules::rule_name;

fn at(path: &str, line: u64, reach: Reach) -> Location {
    Location {
        path: path.into(),
        line: Some(line),
        column: Some(5),
        reach,
        commit: None,
        agent_ignored: false,
        mcp_server: None,
    }
}

fn in_history(path: &str, line: u64, commit: &str) -> Location {
    Location {
        commit: Some(CommitRef { id: commit.into(), date: Some("2026-01-01T00:00:00Z".into()) }),
        ..at(path, line, Reach::History)
    }
}

fn finding(rule: &str, secret: &str, severity: Severity, locations: Vec<Location>) -> Finding {
    Finding {
        rule_id: rule.into(),
        provider: rule.split('.').next().unwrap().into(),
        title: format!("{rule} token"),
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
    }
}

fn render(findings: &[Finding], limits: &Limits, show_secrets: bool) -> (String, Value) {
    let stats = Stats::default();
    let report = Report { findings, stats: &stats, problems: &[], skipped: &[], show_secrets };
    let mut out = Vec::new();
    write_sarif_with(&report, limits, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().unwrap()
}

const SECRET_A: &str = "test-secret-value-aaaa-0001";
const SECRET_B: &str = "test-secret-value-bbbb-0002";

#[test]
fn levels_and_security_severities_fall_in_githubs_bands() {
    let findings: Vec<Finding> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            finding(&format!("p{i}.rule"), &format!("{SECRET_A}{i}"), *s, vec![at("a.env", 1, Reach::Tracked)])
        })
        .collect();
    let (_, doc) = render(&findings, &Limits::GITHUB, false);
    let levels: Vec<&str> = results(&doc).iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["error", "error", "warning", "note"]);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let bands = [(9.0, 10.0), (7.0, 8.9), (4.0, 6.9), (0.1, 3.9)];
    for (rule, (lo, hi)) in rules.iter().zip(bands) {
        let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!(score >= lo && score <= hi, "{} scored {score}", rule["id"]);
        assert!(rule["properties"]["tags"].as_array().unwrap().contains(&json!("security")));
    }
}

#[test]
fn one_rule_entry_per_rule_with_its_worst_severity() {
    let findings = vec![
        finding("github.pat", SECRET_A, Severity::High, vec![at("a.env", 1, Reach::Tracked)]),
        finding("github.pat", SECRET_B, Severity::Critical, vec![at("b.env", 1, Reach::Tracked)]),
    ];
    let (_, doc) = render(&findings, &Limits::GITHUB, false);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    assert!(rules[0]["help"]["markdown"].as_str().unwrap().contains("secret store"));
    assert!(results(&doc).iter().all(|r| r["ruleIndex"] == 0 && r["ruleId"] == "github.pat"));
}

#[test]
fn fingerprints_survive_a_moved_line_and_differ_by_path_and_secret() {
    let fp = |secret: &str, path: &str, line: u64| {
        let (_, doc) = render(
            &[finding("github.pat", secret, Severity::High, vec![at(path, line, Reach::Tracked)])],
            &Limits::GITHUB,
            false,
        );
        results(&doc)[0]["partialFingerprints"].clone()
    };
    assert_eq!(fp(SECRET_A, "a.env", 3), fp(SECRET_A, "a.env", 40));
    assert_ne!(fp(SECRET_A, "a.env", 3), fp(SECRET_A, "b.env", 3));
    assert_ne!(fp(SECRET_A, "a.env", 3), fp(SECRET_B, "a.env", 3));
    let value = fp(SECRET_A, "a.env", 3);
    assert!(value[FINGERPRINT_KEY].as_str().unwrap().len() == 32);
    assert!(value["primaryLocationLineHash"].as_str().is_some());
}

#[test]
fn one_result_per_path_with_the_other_places_related() {
    let f = finding(
        "github.pat",
        SECRET_A,
        Severity::Critical,
        vec![at("a.env", 2, Reach::Tracked), at("a.env", 9, Reach::Tracked), at("b/c d.env", 1, Reach::Ignored)],
    );
    let (_, doc) = render(&[f], &Limits::GITHUB, false);
    let results = results(&doc);
    assert_eq!(results.len(), 2);
    let first = &results[0];
    assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "a.env");
    assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(first["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    assert_eq!(first["locations"][0]["physicalLocation"]["region"]["startColumn"], 5);
    assert_eq!(first["relatedLocations"].as_array().unwrap().len(), 2);
    let text = first["message"]["text"].as_str().unwrap();
    assert!(text.contains("Also seen in 2 other places: [a.env:9](1), [b/c d.env:1](2)."), "{text}");
    assert!(text.contains("(provider github) is in a tracked file"), "{text}");
    assert!(text.contains("Scope unknown: its format alone does not tell"), "{text}");
    let second = &results[1];
    assert_eq!(second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "b/c%20d.env");
    assert!(second["message"]["text"].as_str().unwrap().contains("git-ignored file"));
    let f = finding(
        "github.pat",
        SECRET_A,
        Severity::High,
        vec![at("a.env", 2, Reach::Tracked), at("b.env", 1, Reach::Tracked), at("b.env", 5, Reach::Tracked)],
    );
    let (_, doc) = render(&[f], &Limits::GITHUB, false);
    let related = &doc["runs"][0]["results"][1]["relatedLocations"];
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 5, "same file first");
    assert_eq!(related[1]["physicalLocation"]["artifactLocation"]["uri"], "a.env");
}

#[test]
fn history_only_findings_point_at_the_path_and_name_the_commit() {
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let f = finding("github.pat", SECRET_A, Severity::Critical, vec![in_history("old/.env", 7, commit)]);
    let (_, doc) = render(&[f], &Limits::GITHUB, false);
    let r = &results(&doc)[0];
    let physical = &r["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "old/.env");
    assert!(physical.get("region").is_none(), "a past line is not a line of the current file");
    let text = r["message"]["text"].as_str().unwrap();
    assert!(text.contains(&format!("only in git history, commit {commit} (2026-01-01T00:00:00Z), line 7")), "{text}");
    assert_eq!(r["properties"]["commit"]["id"], commit);
    assert_eq!(r["properties"]["reach"], "history");
}

#[test]
fn a_working_tree_location_is_primary_over_history_in_the_same_path() {
    let commit = "89abcdef0123456789abcdef0123456789abcdef";
    let f = finding(
        "github.pat",
        SECRET_A,
        Severity::High,
        vec![in_history("a.env", 1, commit), at("a.env", 4, Reach::Tracked)],
    );
    let (_, doc) = render(&[f], &Limits::GITHUB, false);
    let r = &results(&doc)[0];
    assert_eq!(r["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(r["relatedLocations"][0]["message"]["text"], format!("history: commit {commit}, line 1"));
}

#[test]
fn environment_and_home_locations_are_logical() {
    let mut env = at("$GITHUB_TOKEN", 1, Reach::Env);
    env.line = None;
    env.column = None;
    let f = finding("github.pat", SECRET_A, Severity::High, vec![env, at("~/.config/gh/hosts.yml", 2, Reach::Home)]);
    let (_, doc) = render(&[f], &Limits::GITHUB, false);
    let results = results(&doc);
    assert_eq!(results[0]["locations"][0]["logicalLocations"][0]["name"], "$GITHUB_TOKEN");
    assert_eq!(results[0]["locations"][0]["logicalLocations"][0]["kind"], "variable");
    assert_eq!(results[1]["locations"][0]["logicalLocations"][0]["kind"], "resource");
    assert!(results[1]["locations"][0].get("physicalLocation").is_none());
}

#[test]
fn results_are_capped_most_severe_first_with_a_note() {
    let findings: Vec<Finding> = (0..5)
        .map(|i| {
            let sev = if i == 0 { Severity::Critical } else { Severity::Low };
            finding("github.pat", &format!("{SECRET_A}{i}"), sev, vec![at(&format!("f{i}.env"), 1, Reach::Tracked)])
        })
        .collect();
    let limits = Limits { results: 2, ..Limits::GITHUB };
    let (_, doc) = render(&findings, &limits, false);
    assert_eq!(results(&doc).len(), 2);
    assert_eq!(results(&doc)[0]["level"], "error");
    let props = &doc["runs"][0]["properties"];
    assert_eq!(props["truncated"], true);
    assert_eq!(props["results"], 2);
    assert_eq!(props["resultsFound"], 5);
    assert_eq!(props["findings"], 5);
    assert!(props["note"].as_str().unwrap().starts_with("Capped for GitHub code scanning: 2 of 5 results"));
    let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["message"]["text"], props["note"]);
}

#[test]
fn the_file_is_cut_to_the_byte_limit() {
    let findings: Vec<Finding> = (0..40)
        .map(|i| {
            finding(
                "github.pat",
                &format!("{SECRET_A}{i}"),
                Severity::High,
                vec![at(&format!("f{i}.env"), 1, Reach::Tracked)],
            )
        })
        .collect();
    let (full, _) = render(&findings, &Limits::GITHUB, false);
    let limits = Limits { bytes: full.len() / 2, ..Limits::GITHUB };
    let (text, doc) = render(&findings, &limits, false);
    assert!(text.len() <= limits.bytes, "{} > {}", text.len(), limits.bytes);
    let kept = results(&doc).len();
    assert!(kept > 0 && kept < 40, "kept {kept}");
    assert_eq!(doc["runs"][0]["properties"]["truncated"], true);
}

#[test]
fn no_secret_even_in_rule_supplied_text_unless_shown() {
    let mut f = finding("github.pat", SECRET_A, Severity::Critical, vec![at("a.env", 1, Reach::Tracked)]);
    f.title = format!("token {SECRET_A}");
    f.reasons.push(format!("seen as {SECRET_A}"));
    f.credential.companion = Some(crate::credentials::CompanionPart {
        name: "key id".into(),
        value: Secret::new(SECRET_B.as_bytes()),
        locations: vec![at("a.env", 2, Reach::Tracked)],
    });
    f.credential.locations.push(at(&format!("dir-{SECRET_A}/x.env"), 1, Reach::Tracked));
    let (hidden, doc) = render(std::slice::from_ref(&f), &Limits::GITHUB, false);
    assert!(!hidden.contains(SECRET_A) && !hidden.contains(SECRET_B), "{hidden}");
    assert!(hidden.contains("token REDACTED"));
    let uri = &results(&doc)[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "dir-REDACTED/x.env", "still a valid URI");
    let (shown, doc) = render(&[f], &Limits::GITHUB, true);
    assert!(shown.contains(SECRET_A) && shown.contains(SECRET_B));
    assert_eq!(results(&doc)[0]["properties"]["secret"], SECRET_A);
}

#[test]
fn messages_escape_brackets_from_untrusted_text() {
    let mut f = finding("github.pat", SECRET_A, Severity::High, vec![at("a.env", 1, Reach::Tracked)]);
    f.title = "odd [title](1)".into();
    let (_, doc) = render(&[f], &Limits::GITHUB, false);
    assert!(results(&doc)[0]["message"]["text"].as_str().unwrap().starts_with("odd \\[title\\](1) (provider"));
}

#[test]
fn paths_become_relative_uri_references() {
    assert_eq!(uri("src/main.rs"), "src/main.rs");
    assert_eq!(uri("a b/c#d?.env"), "a%20b/c%23d%3F.env");
    assert_eq!(uri("c:/x%y"), "c%3A/x%25y");
    assert_eq!(uri("naïve/ü.txt"), "na%C3%AFve/%C3%BC.txt");
}

#[test]
fn rule_names_are_identifiers() {
    assert_eq!(rule_name("github.classic-pat"), "GithubClassicPat");
}

#[test]
fn an_empty_scan_is_a_run_without_results() {
    let (_, doc) = render(&[], &Limits::GITHUB, false);
    assert_eq!(doc["version"], "2.1.0");
    assert!(results(&doc).is_empty());
    assert!(doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().is_empty());
    assert_eq!(doc["runs"][0]["properties"]["truncated"], false);
}
