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
