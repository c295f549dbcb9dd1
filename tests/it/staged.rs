//! `scan --staged`: exactly what the next commit would record, read from the index.

use crate::history::snapshot;
use crate::util::{commit_all, fake, git, keyreach, locations, repo, run, scan_json, stderr, write};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

fn staged(dir: &std::path::Path, extra: &[&str]) -> (i32, Vec<(String, String, u64)>) {
    let mut args = vec!["scan", "--staged", "--show-secrets"];
    args.extend_from_slice(extra);
    let (code, report) = scan_json(dir, &args);
    let found = locations(&report)
        .into_iter()
        .map(|(secret, path, line, reach, _)| {
            assert_eq!(reach, "staged");
            (secret, path, line)
        })
        .collect();
    (code, found)
}

fn at(secret: &str, path: &str, line: u64) -> (String, String, u64) {
    (secret.to_string(), path.to_string(), line)
}

#[test]
fn the_staged_version_is_scanned_not_the_working_tree() {
    let dir = repo();
    write(dir.path(), "README.md", "hi\n");
    commit_all(dir.path(), "start");
    let (staged_token, unstaged_token) = (token("staged"), token("unstaged"));
    write(dir.path(), "config/app.env", &format!("A=1\nB=2\nTOKEN={staged_token}\n"));
    git(dir.path(), &["add", "config/app.env"]);
    // After staging, the working copy loses that secret and gains another, unstaged one.
    write(dir.path(), "config/app.env", &format!("TOKEN={unstaged_token}\n"));
    write(dir.path(), "notes.txt", &format!("{unstaged_token}\n"));
    assert_eq!(staged(dir.path(), &[]), (1, vec![at(&staged_token, "config/app.env", 3)]));
}

#[test]
fn committed_content_and_unrelated_changes_are_not_rescanned() {
    let dir = repo();
    let t = token("committed");
    write(dir.path(), "old.txt", &format!("{t} # keyreach:allow\n"));
    write(dir.path(), "a/b/c/deep.txt", "deep\n");
    commit_all(dir.path(), "start");
    // Nothing staged at all.
    assert_eq!(staged(dir.path(), &[]), (0, vec![]));
    write(dir.path(), "a/b/c/deep.txt", "deeper\n");
    write(dir.path(), "a/other.txt", "other\n");
    git(dir.path(), &["add", "-A"]);
    assert_eq!(staged(dir.path(), &[]), (0, vec![]));
    // Changing the file with the secret stages it whole, at its staged line numbers.
    write(dir.path(), "old.txt", &format!("first\n{t}\n"));
    git(dir.path(), &["add", "old.txt"]);
    assert_eq!(staged(dir.path(), &[]), (1, vec![at(&t, "old.txt", 2)]));
}

#[test]
fn a_repository_without_commits_has_everything_staged() {
    let dir = repo();
    assert_eq!(staged(dir.path(), &[]), (0, vec![]));
    let t = token("empty-repo");
    write(dir.path(), "src/main.py", &format!("print(1)\nTOKEN = '{t}'\n"));
    git(dir.path(), &["add", "."]);
    assert_eq!(staged(dir.path(), &[]), (1, vec![at(&t, "src/main.py", 2)]));
}

#[test]
fn renames_binary_files_and_deletions() {
    let dir = repo();
    let (t, bin) = (token("renamed"), token("binary"));
    write(dir.path(), "keys/a.txt", &format!("k={t}\n"));
    commit_all(dir.path(), "start");
    // A rename records the file under its new path: that is what gets committed.
    git(dir.path(), &["mv", "keys/a.txt", "keys/b.txt"]);
    assert_eq!(staged(dir.path(), &[]), (1, vec![at(&t, "keys/b.txt", 1)]));
    commit_all(dir.path(), "rename");
    // A deletion commits nothing to scan.
    git(dir.path(), &["rm", "-q", "keys/b.txt"]);
    assert_eq!(staged(dir.path(), &[]), (0, vec![]));
    // Binary files are skipped as in the working tree, unless --binary.
    let mut blob = b"\x00\x01\x02binary\n".to_vec();
    blob.extend_from_slice(bin.as_bytes());
    std::fs::write(dir.path().join("image.bin"), blob).unwrap();
    git(dir.path(), &["add", "image.bin"]);
    assert_eq!(staged(dir.path(), &[]), (0, vec![]));
    assert_eq!(staged(dir.path(), &["--binary"]), (1, vec![at(&bin, "image.bin", 2)]));
}

#[test]
fn a_subdirectory_root_sees_only_its_own_staged_files() {
    let dir = repo();
    let (inside, outside) = (token("inside"), token("outside"));
    write(dir.path(), "svc/api/keys.txt", &format!("{inside}\n"));
    write(dir.path(), "web/keys.txt", &format!("{outside}\n"));
    git(dir.path(), &["add", "."]);
    let (code, report) = scan_json(dir.path(), &["scan", "--staged", "--show-secrets", "svc"]);
    assert_eq!(code, 1);
    let found: Vec<(String, String)> = locations(&report).into_iter().map(|l| (l.0, l.1)).collect();
    assert_eq!(found, vec![(inside, "api/keys.txt".to_string())]);
}

#[test]
fn staged_scans_leave_the_index_alone_and_explain_a_block() {
    let dir = repo();
    let t = token("block");
    write(dir.path(), "deploy.sh", &format!("#!/bin/sh\nexport GH={t}\n"));
    git(dir.path(), &["add", "."]);
    let before = snapshot(&dir.path().join(".git"));
    let out = run(keyreach().current_dir(dir.path()).args(["scan", "--staged"]));
    assert_eq!(snapshot(&dir.path().join(".git")), before);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("commit blocked"), "{err}");
    assert!(err.contains("deploy.sh:2  github  GitHub personal access token (classic)"), "{err}");
    assert!(err.contains("keyreach:allow reason="), "{err}");
    assert!(err.contains("keyreach baseline"), "{err}");
}

#[test]
fn staged_outside_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(keyreach().current_dir(dir.path()).args(["scan", "--staged"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not inside a git repository") && err.lines().count() == 1, "{err}");
    let out = run(keyreach().current_dir(dir.path()).args(["scan", "--staged", "--history"]));
    assert_eq!(out.status.code(), Some(2), "--staged and --history exclude each other");
}
