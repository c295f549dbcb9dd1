//! Read-only: keyreach never writes inside a scanned tree and never changes git state
//! (index, refs, config, objects) — whatever it is asked to scan (work tree, staged index,
//! history), in every format, with probes. The tree is made read-only, and since root may
//! write anyway, every file, directory and link is compared before and after: type, mode,
//! size, modification time and content hash.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::fake::Fake;
use crate::fake::providers::{Mode, World, handler};
use crate::hostile::run_within;
use crate::util::{commit_all, fake, git, keyreach, materialize, stderr, write};

/// (relative path, kind, mode, size, mtime ns, content hash or link target) for everything
/// under `root`, directories included.
fn snapshot(root: &Path) -> Vec<(String, char, u32, u64, i64, String)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = e.path().symlink_metadata().unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let (kind, content) = if m.file_type().is_symlink() {
                ('l', std::fs::read_link(e.path()).unwrap().display().to_string())
            } else if m.is_dir() {
                ('d', String::new())
            } else {
                ('f', hex::encode(Sha256::digest(std::fs::read(e.path()).unwrap())))
            };
            (rel, kind, m.mode(), m.len(), m.mtime() * 1_000_000_000 + m.mtime_nsec(), content)
        })
        .collect();
    out.sort();
    out
}

fn set_writable(root: &Path, writable: bool) {
    for e in walkdir::WalkDir::new(root).contents_first(true) {
        let e = e.unwrap();
        if e.path_is_symlink() {
            continue;
        }
        let mode = e.metadata().unwrap().mode() & 0o7777;
        let mode = if writable { mode | 0o200 } else { mode & !0o222 };
        std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// A repository with tracked, staged, ignored and untracked secrets, history holding a
/// deleted one, packed refs, a stash, and an unusual but valid config.
fn repository() -> (tempfile::TempDir, String) {
    let (dir, _) = materialize("scan-repo");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    write(root, "old/deleted.env", &format!("T={}\n", fake("{{gen:github-crc32:ghp_}}", "ro-deleted")));
    commit_all(root, "first");
    std::fs::remove_dir_all(root.join("old")).unwrap();
    commit_all(root, "remove the old secret");
    git(root, &["tag", "v1"]);
    git(root, &["pack-refs", "--all"]);
    write(root, "wip.env", &format!("T={}\n", fake("{{gen:github-crc32:ghp_}}", "ro-stash")));
    git(root, &["stash", "push", "-q", "--include-untracked"]);
    let staged = fake("{{gen:github-crc32:ghp_}}", "ro-staged");
    write(root, "staged.env", &format!("T={staged}\n"));
    git(root, &["add", "staged.env"]);
    git(root, &["config", "core.fsmonitor", "false"]);
    git(root, &["config", "index.version", "4"]);
    std::os::unix::fs::symlink("config/deploy.yml", root.join("link.yml")).unwrap();
    (dir, staged)
}

#[test]
fn scanning_never_writes_in_the_tree_or_changes_git_state() {
    let (dir, staged) = repository();
    let root = dir.path();
    let outside = tempfile::tempdir().unwrap();
    let github = Fake::start(handler(
        World { provider: "github", kind: "readonly", secret: staged, companion: None, parts: vec![] },
        Mode::Ok,
    ));
    let baseline = outside.path().join("baseline.json");
    let out = run_within(keyreach().arg("baseline").arg(root).arg("--output").arg(&baseline), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `--no-optional-locks`: git status itself would otherwise refresh the index.
    let status = || crate::util::git_out(root, &["--no-optional-locks", "status", "--porcelain=v2", "--branch"]);
    let status_before = status();
    set_writable(root, false);
    let before = snapshot(root);
    let endpoint = format!("github={}", github.url());
    let report = outside.path().join("report");
    let runs: Vec<Vec<&str>> = vec![
        vec!["scan", "--format", "text"],
        vec!["scan", "--format", "json", "--threads", "1"],
        vec!["scan", "--format", "jsonl", "--follow", "--binary"],
        vec!["scan", "--format", "sarif", "--output", report.to_str().unwrap()],
        vec!["scan", "--staged", "--format", "json"],
        vec!["scan", "--history", "--format", "json"],
        vec!["scan", "--history", "--since", "HEAD~1", "--format", "sarif"],
        vec!["scan", "--baseline", baseline.to_str().unwrap()],
        vec!["scan", "--probe", "--endpoint", &endpoint, "--format", "json"],
    ];
    for args in &runs {
        let home = tempfile::tempdir().unwrap();
        let out = run_within(
            keyreach().env("XDG_CONFIG_HOME", home.path()).current_dir(root).args(args).arg("."),
            Duration::from_secs(120),
        );
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&out));
        assert_eq!(snapshot(root), before, "{args:?} changed the tree");
    }
    // The history scan saw the deleted secret and the staged scan the staged one.
    let out = run_within(
        keyreach().current_dir(root).args(["scan", "--history", "--format", "json", "."]),
        Duration::from_secs(60),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["findings"].as_array().unwrap().iter().any(|f| f["locations"][0]["reach"] == "history"), "{doc}");
    assert!(!github.requests().is_empty(), "the probe ran");
    set_writable(root, true);
    assert_eq!(status(), status_before);
}

#[test]
fn the_only_writer_writes_only_where_told() {
    // `keyreach baseline` is the one command that writes; with --output it writes nothing
    // in the tree (not even .gitattributes).
    let (dir, _) = repository();
    let outside = tempfile::tempdir().unwrap();
    let before = snapshot(dir.path());
    let out = run_within(
        keyreach().arg("baseline").arg(dir.path()).arg("--output").arg(outside.path().join("b.json")),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(snapshot(dir.path()), before);
    assert!(outside.path().join("b.json").is_file());
}

#[test]
fn an_audit_writes_nothing_in_the_workspace_or_the_home() {
    let s = crate::audit::Setup::new();
    for dir in [s.workspace.path(), s.home.path()] {
        set_writable(dir, false);
    }
    let before = (snapshot(s.workspace.path()), snapshot(s.home.path()));
    let outside = tempfile::tempdir().unwrap();
    for format in ["text", "json", "html"] {
        let report = outside.path().join(format!("audit.{format}"));
        for to_file in [false, true] {
            let mut cmd = s.command();
            cmd.args(["--format", format]);
            if to_file {
                cmd.arg("--output").arg(&report);
            }
            let out = run_within(&mut cmd, Duration::from_secs(120));
            assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {}", stderr(&out));
            let after = (snapshot(s.workspace.path()), snapshot(s.home.path()));
            assert_eq!(after, before, "audit --format {format} changed the workspace or the home");
        }
    }
    for dir in [s.workspace.path(), s.home.path()] {
        set_writable(dir, true);
    }
}
