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
