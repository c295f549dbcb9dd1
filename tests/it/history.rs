//! `scan --history` on real repositories built with the git binary: every reachable blob
//! once, the commit that introduced a secret, `reach: history` once it left the tree.

use crate::util::{commit_all, fake, git, git_out, locations, repo, scan_json, write};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

type Loc = (String, String, u64, String, Option<String>);

fn loc(secret: &str, path: &str, line: u64, reach: &str, commit: Option<&str>) -> Loc {
    (secret.to_string(), path.to_string(), line, reach.to_string(), commit.map(str::to_string))
}

fn history(dir: &std::path::Path, extra: &[&str]) -> (i32, Vec<Loc>, serde_json::Value) {
    let mut args = vec!["scan", "--history", "--show-secrets"];
    args.extend_from_slice(extra);
    let (code, report) = scan_json(dir, &args);
    (code, locations(&report), report)
}

#[test]
fn a_deleted_secret_is_found_in_the_commit_that_added_it() {
    let dir = repo();
    let t = token("deleted");
    write(dir.path(), "README.md", "hello\n");
    commit_all(dir.path(), "start");
    write(dir.path(), "deploy/env.sh", &format!("#!/bin/sh\nexport GITHUB_TOKEN={t}\n"));
    let added = commit_all(dir.path(), "add deploy script");
    std::fs::remove_file(dir.path().join("deploy/env.sh")).unwrap();
    commit_all(dir.path(), "remove it");

    let (code, report) = scan_json(dir.path(), &["scan"]);
    assert_eq!((code, report["findings"].as_array().unwrap().len()), (0, 0), "the working tree is clean");

    let (code, found, report) = history(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(found, vec![loc(&t, "deploy/env.sh", 2, "history", Some(&added))]);
    assert_eq!(report["findings"][0]["locations"][0]["commit_date"], "2026-01-01T00:00:00Z");
    assert_eq!(report["findings"][0]["locations"][0]["column"], 21);
}

#[test]
fn a_secret_still_in_the_tree_is_reported_there_with_its_commit() {
    let dir = repo();
    let t = token("still");
    write(dir.path(), "app.cfg", &format!("token = {t}\n"));
    let added = commit_all(dir.path(), "add");
    // Later versions of the file keep the secret; only the first commit introduced it.
    write(dir.path(), "app.cfg", &format!("# config\ntoken = {t}\n"));
    commit_all(dir.path(), "edit");
    write(dir.path(), "app.cfg", &format!("# config\n\ntoken = {t}\n"));
    commit_all(dir.path(), "edit again");

    let (_, found, _) = history(dir.path(), &[]);
    assert_eq!(found, vec![loc(&t, "app.cfg", 3, "tracked", Some(&added))]);
}

#[test]
fn a_renamed_then_deleted_secret_keeps_the_path_that_introduced_it() {
    let dir = repo();
    let t = token("renamed");
    write(dir.path(), "old/name.txt", &format!("key: {t}\n"));
    let added = commit_all(dir.path(), "add");
    git(dir.path(), &["mv", "old/name.txt", "new-name.txt"]);
    commit_all(dir.path(), "rename");
    let (_, found, _) = history(dir.path(), &[]);
    // The blob did not change: scanned once, under the path it was introduced at; the
    // working tree still has it under the new name.
    assert_eq!(
        found,
        vec![loc(&t, "new-name.txt", 1, "tracked", None), loc(&t, "old/name.txt", 1, "history", Some(&added))]
    );
    git(dir.path(), &["rm", "-q", "new-name.txt"]);
    commit_all(dir.path(), "delete");
    let (_, found, _) = history(dir.path(), &[]);
    assert_eq!(found, vec![loc(&t, "old/name.txt", 1, "history", Some(&added))]);
}

#[test]
fn secrets_on_a_side_branch_and_in_a_merge_are_found() {
    let dir = repo();
    let (side, merged) = (token("side"), token("merge"));
    write(dir.path(), "a.txt", "base\n");
    commit_all(dir.path(), "base");
    git(dir.path(), &["checkout", "-q", "-b", "side"]);
    write(dir.path(), "side.env", &format!("T={side}\n"));
    let side_commit = commit_all(dir.path(), "side work");
    git(dir.path(), &["checkout", "-q", "-b", "feature", "main"]);
    write(dir.path(), "feature.txt", "feature\n");
    commit_all(dir.path(), "feature work");
    git(dir.path(), &["checkout", "-q", "main"]);
    write(dir.path(), "main.txt", "main\n");
    commit_all(dir.path(), "main work");
    // The merge commit itself adds the secret (as a conflict resolution would).
    git(dir.path(), &["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    write(dir.path(), "merged.cfg", &format!("token={merged}\n"));
    git(dir.path(), &["add", "merged.cfg"]);
    git(dir.path(), &["commit", "-q", "-m", "merge feature"]);
    let merge_commit = git_out(dir.path(), &["rev-parse", "HEAD"]);
    std::fs::remove_file(dir.path().join("merged.cfg")).unwrap();
    commit_all(dir.path(), "drop it");

    let (_, found, _) = history(dir.path(), &[]);
    let mut want = vec![
        loc(&merged, "merged.cfg", 1, "history", Some(&merge_commit)),
        loc(&side, "side.env", 1, "history", Some(&side_commit)),
    ];
    want.sort();
    assert_eq!(found, want);
}

#[test]
fn since_scans_only_what_later_commits_introduced() {
    let dir = repo();
    let (old, new) = (token("old"), token("new"));
    write(dir.path(), "old.txt", &format!("{old}\n"));
    commit_all(dir.path(), "old secret");
    std::fs::remove_file(dir.path().join("old.txt")).unwrap();
    let cut = commit_all(dir.path(), "removed");
    write(dir.path(), "new.txt", &format!("x\n{new}\n"));
    let added = commit_all(dir.path(), "new secret");
    std::fs::remove_file(dir.path().join("new.txt")).unwrap();
    commit_all(dir.path(), "removed again");

    let (_, found, _) = history(dir.path(), &["--since", &cut]);
    assert_eq!(found, vec![loc(&new, "new.txt", 2, "history", Some(&added))]);
    let (_, found, _) = history(dir.path(), &[]);
    assert_eq!(found.len(), 2);

    let out =
        crate::util::run(crate::util::keyreach().current_dir(dir.path()).args(["scan", "--since", "no-such-rev"]));
    assert_eq!(out.status.code(), Some(2));
    let err = crate::util::stderr(&out);
    assert!(err.starts_with("keyreach: --since no-such-rev:") && err.lines().count() == 1, "{err}");
}

#[test]
fn packed_history_is_scanned_once_per_blob_and_unreachable_blobs_are_not_reported() {
    let dir = repo();
    let (kept, dangling) = (token("packed"), token("dangling"));
    for i in 0..5 {
        write(dir.path(), &format!("f{i}.txt"), &format!("file {i}\n"));
        commit_all(dir.path(), &format!("c{i}"));
    }
    write(dir.path(), "secret.txt", &format!("{kept}\n"));
    let added = commit_all(dir.path(), "secret");
    git(dir.path(), &["rm", "-q", "secret.txt"]);
    commit_all(dir.path(), "rm");
    // A blob that was staged once but never committed: in the object database, on no ref.
    write(dir.path(), "oops.txt", &format!("{dangling}\n"));
    git(dir.path(), &["add", "oops.txt"]);
    git(dir.path(), &["rm", "-q", "--cached", "oops.txt"]);
    std::fs::remove_file(dir.path().join("oops.txt")).unwrap();
    git(dir.path(), &["gc", "-q", "--prune=never"]);
    assert!(std::fs::read_dir(dir.path().join(".git/objects/pack")).unwrap().count() >= 2);
    // One more commit stays loose.
    write(dir.path(), "late.txt", "late\n");
    commit_all(dir.path(), "late");

    let (_, found, report) = history(dir.path(), &[]);
    assert_eq!(found, vec![loc(&kept, "secret.txt", 1, "history", Some(&added))]);
    let all_blobs = git_out(dir.path(), &["cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"])
        .lines()
        .filter(|t| *t == "blob")
        .count() as u64;
    // Every distinct blob once (the dangling one too: read, just not reported), on top of
    // the working tree's files.
    let (_, tree_only) = scan_json(dir.path(), &["scan"]);
    let files = |r: &serde_json::Value| r["stats"]["files"].as_u64().unwrap();
    assert_eq!(files(&report) - files(&tree_only), all_blobs);
}

#[test]
fn history_never_changes_the_repository() {
    let dir = repo();
    write(dir.path(), "a.txt", &format!("{}\n", token("ro")));
    commit_all(dir.path(), "a");
    git(dir.path(), &["gc", "-q"]);
    let before = snapshot(&dir.path().join(".git"));
    history(dir.path(), &[]);
    assert_eq!(snapshot(&dir.path().join(".git")), before);
}

/// Every file under `dir` with its length and modification time.
pub fn snapshot(dir: &std::path::Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            (e.path().display().to_string(), m.len(), m.modified().unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn outside_a_repository_history_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::util::run(crate::util::keyreach().args(["scan", "--history"]).arg(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    let err = crate::util::stderr(&out);
    assert!(err.contains("not inside a git repository") && err.lines().count() == 1, "{err}");
}

#[test]
fn a_subdirectory_root_sees_the_history_below_it_and_excludes_apply() {
    let dir = repo();
    let (inside, outside, vendored) = (token("sub-in"), token("sub-out"), token("sub-vendor"));
    write(dir.path(), "svc/keys.txt", &format!("{inside}\n"));
    write(dir.path(), "svc/vendor/lib.txt", &format!("{vendored}\n"));
    write(dir.path(), "web/keys.txt", &format!("{outside}\n"));
    let added = commit_all(dir.path(), "add");
    git(dir.path(), &["rm", "-q", "-r", "svc", "web"]);
    commit_all(dir.path(), "remove");
    std::fs::create_dir(dir.path().join("svc")).unwrap();
    let (_, report) = scan_json(dir.path(), &["scan", "--history", "--show-secrets", "--exclude", "vendor", "svc"]);
    assert_eq!(locations(&report), vec![loc(&inside, "keys.txt", 1, "history", Some(&added))]);
}

#[test]
fn a_generic_secret_only_in_history_or_the_index_is_not_lost_to_a_path_limited_rule() {
    // Blobs are scanned before their paths are known, with every path-limited rule on; a
    // match of such a rule used to make the generic password match yield even where the
    // rule does not apply, and the password was reported nowhere.
    let dir = repo();
    let password = fake("{{alnum:6}}#{{alnum:8}}", "history-generic");
    write(dir.path(), "config/app.yml", &format!("config:\n  password: {password}\n"));
    let added = commit_all(dir.path(), "add");
    std::fs::remove_file(dir.path().join("config/app.yml")).unwrap();
    commit_all(dir.path(), "remove");
    let (_, found, _) = history(dir.path(), &[]);
    assert_eq!(found, vec![loc(&password, "config/app.yml", 2, "history", Some(&added))]);
    write(dir.path(), "config/next.yml", &format!("config:\n  password: {password}x\n"));
    git(dir.path(), &["add", "config/next.yml"]);
    let (_, report) = scan_json(dir.path(), &["scan", "--staged", "--show-secrets"]);
    let staged = locations(&report);
    assert_eq!(staged, vec![loc(&format!("{password}x"), "config/next.yml", 2, "staged", None)]);
}

#[test]
fn a_shallow_clone_is_said_to_be_one_on_stderr_in_json_and_in_sarif() {
    let origin = repo();
    let o = origin.path();
    let (removed, kept) = (token("shallow-removed"), token("shallow-kept"));
    write(o, "old.env", &format!("TOKEN={removed}\n"));
    write(o, "app.env", &format!("TOKEN={kept}\n"));
    let first = commit_all(o, "add secrets");
    std::fs::remove_file(o.join("old.env")).unwrap();
    commit_all(o, "remove one");
    write(o, "README.md", "hello\n");
    let tip = commit_all(o, "tip");

    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", o.display());
    git(clones.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    git(clones.path(), &["clone", "-q", &url, "full"]);
    let (shallow, full) = (clones.path().join("shallow"), clones.path().join("full"));

    // The shallow clone misses the removed secret and credits the kept one to the tip.
    let (_, locs, report) = history(&shallow, &[]);
    assert_eq!(locs, vec![loc(&kept, "app.env", 1, "tracked", Some(&tip))]);
    assert_eq!(report["history"], "shallow", "{report}");
    // The full clone has both, each with the commit that really added it.
    let (_, locs, report) = history(&full, &[]);
    assert_eq!(
        locs,
        vec![loc(&kept, "app.env", 1, "tracked", Some(&first)), loc(&removed, "old.env", 1, "history", Some(&first))]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    assert_eq!(report["history"], "full", "{report}");
    // Without --history there is no history field.
    let (_, report) = scan_json(&full, &["scan"]);
    assert!(report.get("history").is_none(), "{report}");

    let out = crate::util::run(crate::util::keyreach().current_dir(&shallow).args(["scan", "--history"]));
    let err = crate::util::stderr(&out);
    assert!(err.contains("warning: shallow clone") && err.contains("git fetch --unshallow"), "{err}");
    assert!(crate::util::stdout(&out).contains("history incomplete (shallow clone)"));
    let out = crate::util::run(crate::util::keyreach().current_dir(&full).args(["scan", "--history"]));
    assert!(!crate::util::stderr(&out).contains("shallow"), "{}", crate::util::stderr(&out));
    let out = crate::util::run(crate::util::keyreach().current_dir(&shallow).args([
        "scan",
        "--history",
        "--format",
        "sarif",
    ]));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["properties"]["history"], "shallow", "{sarif}");
    // The audit reads history by default and says the same.
    let out = crate::util::run(crate::util::keyreach().current_dir(&shallow).args(["audit", "--no-home", "--no-env"]));
    assert!(
        crate::util::stdout(&out).contains("only the fetched commits: a shallow clone"),
        "{}",
        crate::util::stdout(&out)
    );
    assert!(crate::util::stderr(&out).contains("warning: shallow clone"), "{}", crate::util::stderr(&out));
}
