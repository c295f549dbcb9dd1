//! Startup: what a pre-commit run costs. `keyreach scan --staged` on a small change, end to
//! end — process spawn, rule loading, index read, scan, report — in a small repository and
//! in one with a few thousand committed files (the index's cache tree keeps the unchanged
//! directories from being read). `--version` is the floor: spawning the process at all.
//! The in-process bench splits out rule loading and engine building.
//!
//! Run: `cargo bench --bench startup`. Measured (2 shared cores; 554 rules): a staged small
//! change ≈ 18 ms median, in a repository of 5,000 files ≈ 20 ms; loading the rules and
//! building the compact automaton ≈ 7 ms (≈ 12 ms for the DFA a tree scan builds); spawning
//! the process ≈ 2 ms.

use std::path::Path;
use std::process::Command;

use divan::Bencher;

fn main() {
    divan::main();
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.invalid")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.invalid")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A repository with `dirs` × `files` committed files, then a one-line change and a new
/// file staged: what a typical commit looks like to the hook.
fn repo_with_small_change(dirs: usize, files: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    for d in 0..dirs {
        let sub = root.join(format!("src/mod{d}"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..files {
            std::fs::write(sub.join(format!("file{f}.rs")), format!("pub fn f{f}() -> u32 {{ {d} }}\n")).unwrap();
        }
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "start"]);
    std::fs::write(root.join("src/mod0/file0.rs"), "pub fn f0() -> u32 { 42 }\n").unwrap();
    std::fs::write(root.join("src/mod0/new.rs"), "pub const NAME: &str = \"keyreach\";\n").unwrap();
    git(root, &["add", "-A"]);
    dir
}

fn run_keyreach(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyreach")).args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[divan::bench(sample_count = 40)]
fn version_floor(bencher: Bencher) {
    let dir = tempfile::tempdir().unwrap();
    bencher.bench(|| run_keyreach(dir.path(), &["--version"]));
}

#[divan::bench(sample_count = 40)]
fn staged_small_change_small_repo(bencher: Bencher) {
    let repo = repo_with_small_change(4, 10);
    bencher.bench(|| run_keyreach(repo.path(), &["scan", "--staged"]));
}

#[divan::bench(sample_count = 40)]
fn staged_small_change_5000_files(bencher: Bencher) {
    let repo = repo_with_small_change(100, 50);
    bencher.bench(|| run_keyreach(repo.path(), &["scan", "--staged"]));
}

#[divan::bench(sample_count = 40)]
fn in_process_load_rules_and_engine(bencher: Bencher) {
    bencher.bench(|| {
        let rules = keyreach::load_rules(&keyreach::config::RuleSources::default()).unwrap();
        keyreach::engine::Engine::new(rules, keyreach::engine::EngineOptions::default()).unwrap()
    });
}

/// What `scan FILE`, `scan --staged` and the guard hook build: the compact automaton.
#[divan::bench(sample_count = 40)]
fn in_process_load_rules_and_small_input_engine(bencher: Bencher) {
    let options = keyreach::engine::EngineOptions { small_input: true, ..keyreach::engine::EngineOptions::default() };
    bencher.bench(|| {
        let rules = keyreach::load_rules(&keyreach::config::RuleSources::default()).unwrap();
        keyreach::engine::Engine::new(rules, options.clone()).unwrap()
    });
}
