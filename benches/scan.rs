//! Throughput of the hot path on a deterministic generated corpus (`benches/corpus.rs`):
//! the engine alone over one in-memory buffer, and a full `keyreach::scan` of a tree of
//! files (walk, read, engine, dedupe, policy). Run with `cargo bench --bench scan`.

mod corpus;

use std::path::Path;
use std::sync::Arc;

use divan::counter::BytesCount;
use keyreach::config::{self, Overrides};
use keyreach::engine::{Engine, EngineOptions, Position};

fn main() {
    divan::main();
}

const ENGINE_BYTES: usize = 16 << 20;
const TREE_BYTES: usize = 64 << 20;
const TREE_FILES: usize = 2000;
/// One planted secret per this many bytes.
const PLANT_EVERY: usize = 64 << 10;

fn rules() -> Arc<keyreach::rules::RuleSet> {
    keyreach::load_rules(&config::RuleSources::default()).expect("built-in rules load")
}

#[divan::bench(sample_count = 10)]
fn engine_scan(bencher: divan::Bencher) {
    let (text, _) = corpus::generate(ENGINE_BYTES, PLANT_EVERY, "engine");
    let engine = Engine::new(rules(), EngineOptions::default()).expect("engine builds");
    let mut scratch = engine.scratch();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| engine.scan(&text, Position::START, &mut scratch).len());
}

/// Writes the corpus as `files` files under `dir`; returns the bytes written.
pub fn write_tree(dir: &Path, size: usize, files: usize) -> usize {
    let (text, _) = corpus::generate(size, PLANT_EVERY, "tree");
    let per_file = text.len() / files + 1;
    for (i, chunk) in text.chunks(per_file).enumerate() {
        let sub = dir.join(format!("pkg{:03}", i % 97));
        std::fs::create_dir_all(&sub).expect("temp dir is writable");
        let name = corpus::FILE_NAMES[i % corpus::FILE_NAMES.len()];
        std::fs::write(sub.join(format!("{i}-{name}")), chunk).expect("temp dir is writable");
    }
    text.len()
}

#[divan::bench(sample_count = 10)]
fn full_scan(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = write_tree(dir.path(), TREE_BYTES, TREE_FILES);
    let settings =
        config::resolve(Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() }).expect("settings");
    let rules = rules();
    bencher.counter(BytesCount::new(bytes)).bench_local(|| {
        keyreach::scan(&settings, rules.clone(), &keyreach::NoProgress).expect("scan runs").findings.len()
    });
}
