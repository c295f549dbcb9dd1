//! Shared test helpers: materialising fixture trees (templates expanded, secrets built at
//! test time), running the binary, and building git repositories with a fixed identity.

#![allow(dead_code)] // shared by the test modules; not every module uses each helper

use std::path::Path;
use std::process::{Command, Output};

pub use crate::fixture::{Label, fake, fixtures, materialize};

/// The keyreach binary under test, with a clean environment for colour and CI detection.
pub fn keyreach() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyreach"));
    cmd.env_remove("NO_COLOR").env_remove("CI");
    cmd
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("keyreach runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs git in `dir` with a fixed identity and dates, ignoring the user's config.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.invalid")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Like [`git`], returning trimmed standard output.
pub fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh repository with branch `main` and no commits.
pub fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    dir
}

/// Writes `text` to `dir/path`, creating directories.
pub fn write(dir: &Path, path: &str, text: &str) {
    let target = dir.join(path);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(target, text).unwrap();
}

/// Stages everything and commits; returns the new commit id.
pub fn commit_all(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    git_out(dir, &["rev-parse", "HEAD"])
}

/// Runs keyreach with `args` and `--format json`, returning the exit code and the parsed
/// report.
pub fn scan_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = run(keyreach().current_dir(dir).args(args).args(["--format", "json"]));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout {} stderr {}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap_or(-1), report)
}

/// Every location of every finding as (secret, path, line, reach, commit), sorted.
pub fn locations(report: &serde_json::Value) -> Vec<(String, String, u64, String, Option<String>)> {
    let mut out = Vec::new();
    for f in report["findings"].as_array().unwrap() {
        let secret = f["secret"].as_str().unwrap().to_string();
        for l in f["locations"].as_array().unwrap() {
            out.push((
                secret.clone(),
                l["path"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap_or(0),
                l["reach"].as_str().unwrap().to_string(),
                l["commit"].as_str().map(str::to_string),
            ));
        }
    }
    out.sort();
    out
}
