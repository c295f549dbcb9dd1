//! Materialises the labelled quality corpus (`fixtures/quality/`) into a directory and
//! writes `labels.json` beside it, so other scanners can be measured on exactly what the
//! quality test measures keyreach on (`benches/quality-compare.py`):
//!
//! ```sh
//! cargo run --example quality_corpus -- OUT_DIR            # the open corpus (all but blind/)
//! cargo run --example quality_corpus -- OUT_DIR --blind    # the blind split (blind/ only)
//! ```
//!
//! The blind split's cases stay unread: this prints only how many labels it wrote, and the
//! comparison script prints only per-family aggregates.

#[path = "../tests/it/fixture.rs"]
mod fixture;

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = match (args.iter().any(|a| a == "--blind"), args.iter().any(|a| a == "--blind2")) {
        (_, true) => Some(fixture::FRESH_BLIND_SPLIT),
        (true, false) => Some(fixture::BLIND_SPLIT),
        (false, false) => None,
    };
    let blind = split.is_some();
    let Some(out) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: quality_corpus OUT_DIR [--blind | --blind2]");
        std::process::exit(2);
    };
    let quality = fixture::fixtures().join("quality");
    let src = split.map_or_else(|| quality.clone(), |s| quality.join(s));
    if !src.is_dir() {
        eprintln!("quality_corpus: {} does not exist (the blind split is not merged yet?)", src.display());
        std::process::exit(2);
    }
    let tree = Path::new(out).join("corpus");
    std::fs::create_dir_all(&tree).expect("output is writable");
    let skip: &[&str] = if blind { &[] } else { fixture::BLIND_SPLITS };
    let labels = fixture::expand_tree_except(&src, &tree, skip);
    let json: Vec<serde_json::Value> =
        labels.iter().map(|l| serde_json::json!({"path": l.path, "label": l.label, "value": l.value})).collect();
    let text = serde_json::to_string_pretty(&json).expect("labels serialise");
    std::fs::write(Path::new(out).join("labels.json"), text).expect("output is writable");
    let split = if blind { "blind split" } else { "open corpus" };
    println!("{split}: {} labelled secrets in {}", labels.len(), tree.display());
}
