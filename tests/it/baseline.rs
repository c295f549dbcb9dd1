//! `keyreach baseline` and `scan --baseline`: accepted credentials stay quiet, new ones
//! (or known ones in new files) still fail, and branches adding entries merge cleanly.

use std::path::Path;

use crate::util::{commit_all, fake, git, git_out, keyreach, locations, repo, run, scan_json, stderr, write};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

fn baseline(dir: &Path, extra: &[&str]) -> String {
    let out = run(keyreach().current_dir(dir).arg("baseline").args(extra));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::read_to_string(dir.join(".keyreach-baseline.json")).unwrap()
}

fn with_baseline(dir: &Path) -> (i32, Vec<(String, String)>) {
    let (code, report) = scan_json(dir, &["scan", "--show-secrets", "--baseline", ".keyreach-baseline.json"]);
    (code, locations(&report).into_iter().map(|l| (l.0, l.1)).collect())
}

#[test]
fn a_baseline_accepts_what_is_there_and_nothing_new() {
    let dir = repo();
    let (known, fresh) = (token("known"), token("fresh"));
    write(dir.path(), "a.txt", &format!("one\n{known}\n"));
    let text = baseline(dir.path(), &[]);
    assert_eq!(text.lines().filter(|l| l.contains("\"rule\": \"github.classic-pat\"")).count(), 1, "{text}");
    assert!(text.contains("\"path\": \"a.txt\"") && !text.contains("line"), "{text}");
    assert_eq!(with_baseline(dir.path()), (0, vec![]));

    // Moving the secret to another line changes nothing.
    write(dir.path(), "a.txt", &format!("one\ntwo\nthree\n{known}\n"));
    assert_eq!(with_baseline(dir.path()), (0, vec![]));
    // A new credential fails.
    write(dir.path(), "b.txt", &format!("{fresh}\n"));
    assert_eq!(with_baseline(dir.path()), (1, vec![(fresh.clone(), "b.txt".into())]));
    std::fs::remove_file(dir.path().join("b.txt")).unwrap();
    // So does the known credential copied into a new file; only the new place is shown.
    write(dir.path(), "c/copy.txt", &format!("{known}\n"));
    assert_eq!(with_baseline(dir.path()), (1, vec![(known.clone(), "c/copy.txt".into())]));
}

#[test]
fn update_drops_entries_that_no_longer_occur_and_adds_none() {
    let dir = repo();
    let (a, b, c) = (token("ua"), token("ub"), token("uc"));
    write(dir.path(), "a.txt", &format!("{a}\n"));
    write(dir.path(), "b.txt", &format!("{b}\n"));
    let full = baseline(dir.path(), &[]);
    assert_eq!(full.matches("\"rule\"").count(), 2);
    std::fs::remove_file(dir.path().join("a.txt")).unwrap();
    write(dir.path(), "c.txt", &format!("{c}\n"));
    let updated = baseline(dir.path(), &["--update"]);
    assert_eq!(updated.matches("\"rule\"").count(), 1, "{updated}");
    assert!(updated.contains("b.txt") && !updated.contains("a.txt") && !updated.contains("c.txt"), "{updated}");
    assert_eq!(with_baseline(dir.path()), (1, vec![(c, "c.txt".into())]));
}

#[test]
fn a_staged_scan_honours_the_baseline() {
    let dir = repo();
    let t = token("staged-baseline");
    write(dir.path(), "k.txt", &format!("{t}\n"));
    baseline(dir.path(), &[]);
    git(dir.path(), &["add", "."]);
    let (code, _) = scan_json(dir.path(), &["scan", "--staged", "--baseline", ".keyreach-baseline.json"]);
    assert_eq!(code, 0);
}

#[test]
fn a_bad_baseline_is_a_one_line_error() {
    let dir = repo();
    std::fs::write(dir.path().join("b.json"), "{\"version\": 1, \"entries\": [{\"path\": \"x\"}]}").unwrap();
    let out = run(keyreach().current_dir(dir.path()).args(["scan", "--baseline", "b.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "keyreach: b.json: not a keyreach baseline: entry 1: needs path, rule and fingerprint\n");
    let out = run(keyreach().current_dir(dir.path()).args(["scan", "--baseline", "missing.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("keyreach: missing.json: cannot read the baseline"), "{}", stderr(&out));
    let out = run(keyreach().current_dir(dir.path()).args(["baseline", "--update"]));
    assert_eq!(out.status.code(), Some(2), "--update needs an existing baseline");
}

#[test]
fn two_branches_that_each_add_an_entry_merge_without_conflict() {
    let dir = repo();
    let d = dir.path();
    write(d, "m.txt", &format!("{}\n", token("m")));
    baseline(d, &[]);
    assert!(std::fs::read_to_string(d.join(".gitattributes")).unwrap().contains("merge=union"));
    commit_all(d, "baseline");
    // Both branches add a file that sorts after every existing entry, so both insert
    // their line at the very same place in the baseline.
    git(d, &["checkout", "-q", "-b", "one"]);
    write(d, "x1.txt", &format!("{}\n", token("x1")));
    baseline(d, &[]);
    commit_all(d, "one");
    git(d, &["checkout", "-q", "-b", "two", "main"]);
    write(d, "x2.txt", &format!("{}\n", token("x2")));
    baseline(d, &[]);
    commit_all(d, "two");
    // And a third inserts between existing entries.
    git(d, &["checkout", "-q", "main"]);
    write(d, "a.txt", &format!("{}\n", token("a")));
    baseline(d, &[]);
    commit_all(d, "three");

    git(d, &["merge", "-q", "--no-edit", "one"]);
    git(d, &["merge", "-q", "--no-edit", "two"]);
    assert_eq!(git_out(d, &["status", "--porcelain"]), "");
    let merged = std::fs::read_to_string(d.join(".keyreach-baseline.json")).unwrap();
    assert_eq!(merged.matches("\"rule\"").count(), 4, "{merged}");
    assert_eq!(with_baseline(d), (0, vec![]));
    // Rewriting puts the union back in order, byte for byte what a fresh baseline is.
    let fresh = baseline(d, &["--update"]);
    assert_eq!(fresh, baseline(d, &[]));
}

#[test]
fn a_root_baseline_serves_scans_of_a_subdirectory_and_counts_what_it_accepts() {
    let dir = repo();
    let d = dir.path();
    let (known, fresh) = (token("sub-known"), token("sub-fresh"));
    write(d, "src/app/a.txt", &format!("{known}\n"));
    let text = baseline(d, &[]);
    assert!(text.contains("\"path\": \"src/app/a.txt\""), "{text}");

    // Named as a PATH, and from inside the subdirectory.
    let (code, report) = scan_json(d, &["scan", "src", "--baseline", ".keyreach-baseline.json"]);
    assert_eq!((code, locations(&report).len()), (0, 0), "{report}");
    assert_eq!(report["stats"]["baselined"], 1, "{report}");
    let (code, report) = scan_json(&d.join("src/app"), &["scan", "--baseline", "../../.keyreach-baseline.json"]);
    assert_eq!((code, report["stats"]["baselined"].as_u64()), (0, Some(1)), "{report}");

    // A new credential next to it still fails; the known one is counted as accepted.
    write(d, "src/app/b.txt", &format!("{fresh}\n"));
    let out = run(keyreach().current_dir(d).args(["scan", "src", "--baseline", ".keyreach-baseline.json"]));
    assert_eq!(out.status.code(), Some(1));
    let text = crate::util::stdout(&out);
    assert!(text.contains("app/b.txt") && !text.contains("app/a.txt"), "{text}");
    assert!(text.contains("; 1 known credential accepted by the baseline"), "{text}");
    let out = run(keyreach().current_dir(d).args([
        "scan",
        "src",
        "--baseline",
        ".keyreach-baseline.json",
        "--format",
        "sarif",
    ]));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["properties"]["baselined"], 1, "{sarif}");

    // Without a baseline there is no count.
    let (_, report) = scan_json(d, &["scan", "src"]);
    assert!(report["stats"].get("baselined").is_none(), "{report}");
}

#[test]
fn an_old_baseline_relative_to_the_scanned_directory_still_matches_and_update_roots_it() {
    let dir = repo();
    let d = dir.path();
    let known = token("old-style");
    write(d, "src/a.txt", &format!("{known}\n"));
    // What `keyreach baseline src` wrote before paths were rooted: relative to `src`.
    let out = run(keyreach().current_dir(d).args(["baseline", "src", "--output", "old.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rooted = std::fs::read_to_string(d.join("old.json")).unwrap();
    assert!(rooted.contains("\"path\": \"src/a.txt\""), "{rooted}");
    std::fs::write(d.join("old.json"), rooted.replace("\"src/a.txt\"", "\"a.txt\"")).unwrap();

    let (code, report) = scan_json(d, &["scan", "src", "--baseline", "old.json"]);
    assert_eq!((code, report["stats"]["baselined"].as_u64()), (0, Some(1)), "{report}");
    let out = run(keyreach().current_dir(d).args(["baseline", "src", "--update", "--output", "old.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(d.join("old.json")).unwrap(), rooted);
}

#[test]
fn outside_a_repository_a_baseline_holds_paths_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "svc/api/.env", &format!("TOKEN={}\n", token("no-git")));
    let out = run(keyreach().current_dir(d).args(["baseline", "."]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, report) = scan_json(d, &["scan", "svc/api", "--baseline", ".keyreach-baseline.json"]);
    assert_eq!((code, report["stats"]["baselined"].as_u64()), (0, Some(1)), "{report}");
}

#[test]
fn import_accepts_what_other_scanners_accepted_at_the_places_they_name() {
    use sha1::Digest as _;
    let dir = repo();
    let d = dir.path();
    let (ignored, reported, hashed, fresh, moved) =
        (token("imp-gli"), token("imp-report"), token("imp-ds"), token("imp-fresh"), token("imp-moved"));
    write(d, "deploy/env.sh", &format!("#!/bin/sh\nexport GITHUB_TOKEN={ignored}\n"));
    write(d, "ci/release.yml", &format!("env:\n  token: \"{reported}\"\n"));
    write(d, "app/settings.py", &format!("DEBUG = True\nTOKEN = \"{hashed}\"\n"));
    write(d, "new.txt", &format!("{fresh}\n"));
    write(d, "old.txt", &format!("a\nb\nc\n{moved}\n"));

    // .gitleaksignore: a git-scan fingerprint (with a commit) and one that no longer matches.
    write(
        d,
        ".gitleaksignore",
        "# accepted\n0123456789abcdef0123456789abcdef01234567:deploy/env.sh:github-pat:2\nold.txt:github-pat:1\n",
    );
    // A gitleaks JSON report with the secret, at a line that has since moved.
    let report = serde_json::json!([{"File": "ci/release.yml", "StartLine": 9, "RuleID": "github-pat",
        "Secret": reported, "Commit": "", "Fingerprint": "ci/release.yml:github-pat:9"}]);
    let outside = tempfile::tempdir().unwrap();
    let report_file = outside.path().join("gitleaks.json");
    std::fs::write(&report_file, report.to_string()).unwrap();
    // A detect-secrets baseline naming the secret by its SHA-1.
    let sha = hex::encode(sha1::Sha1::digest(hashed.as_bytes()));
    let secrets = serde_json::json!({"version": "1.5.0", "plugins_used": [], "filters_used": [],
        "results": {"app/settings.py": [{"type": "GitHub Token", "filename": "app/settings.py",
        "hashed_secret": sha, "is_verified": false, "line_number": 2}]}});
    write(d, ".secrets.baseline", &secrets.to_string());

    let out = run(keyreach()
        .current_dir(d)
        .args(["baseline", "--import", ".gitleaksignore", "--import"])
        .arg(&report_file)
        .args(["--import", ".secrets.baseline"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("import: 3 of 4 matched"), "{err}");
    assert!(err.contains("not imported: old.txt:1 (github-pat)"), "{err}");
    let text = std::fs::read_to_string(d.join(".keyreach-baseline.json")).unwrap();
    assert_eq!(text.matches("\"rule\"").count(), 3, "{text}");
    // Only what no tool accepted is reported.
    let mut left = with_baseline(d).1;
    left.sort();
    let mut want = vec![(fresh.clone(), "new.txt".to_string()), (moved, "old.txt".to_string())];
    want.sort();
    assert_eq!(left, want);

    // A second import adds to the file; a bad file is a one-line error naming it.
    write(d, ".gitleaksignore", "new.txt:github-pat:1\n");
    let out = run(keyreach().current_dir(d).args(["baseline", "--import", ".gitleaksignore"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(d.join(".keyreach-baseline.json")).unwrap().matches("\"rule\"").count(), 4);
    write(d, "bad.json", "{\"results\": 3}");
    let out = run(keyreach().current_dir(d).args(["baseline", "--import", "bad.json"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("keyreach: bad.json: cannot import: not a detect-secrets baseline") && err.lines().count() == 1,
        "{err}"
    );
}
