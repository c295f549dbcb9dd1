//! Materialises the labelled quality corpus (`fixtures/quality/`) into a directory and
//! writes `labels.json` beside it, so other scanners can be measured on exactly what the
//! quality test measures keyreach on (`benches/quality-compare.py`):
//! `cargo run --example quality_corpus -- OUT_DIR`. The tree includes the blind split
//! (paths under `blind/`), which the open quality test leaves out and which is scored apart.

#[path = "../tests/it/fixture.rs"]
mod fixture;

use std::path::Path;

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: quality_corpus OUT_DIR");
        std::process::exit(2);
    };
    let tree = Path::new(&out).join("corpus");
    std::fs::create_dir_all(&tree).expect("output is writable");
    let labels = fixture::expand_tree(&fixture::fixtures().join("quality"), &tree);
    let json: Vec<serde_json::Value> =
        labels.iter().map(|l| serde_json::json!({"path": l.path, "label": l.label, "value": l.value})).collect();
    let text = serde_json::to_string_pretty(&json).expect("labels serialise");
    std::fs::write(Path::new(&out).join("labels.json"), text).expect("output is writable");
    println!("{} labelled secrets in {}", labels.len(), tree.display());
}
