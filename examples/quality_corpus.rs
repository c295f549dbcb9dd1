//! Materialises the labelled quality corpus (`fixtures/quality/`) into a directory and
//! writes `labels.json` beside it, so other scanners can be measured on exactly what the
//! quality test measures keyreach on (`benches/quality-compare.py`):
//!
//! ```sh
//! cargo run --example quality_corpus -- OUT_DIR            # the open corpus (all but blind*/)
//! cargo run --example quality_corpus -- OUT_DIR --blind    # the blind split (blind/ only)
//! cargo run --example quality_corpus -- OUT_DIR --blind2   # the second blind split (blind2/ only)
//! ```
//!
//! The blind splits' cases stay unread: this prints only how many labels it wrote, and the
//! comparison script prints only per-family aggregates.

#[path = "../tests/it/fixture.rs"]
mod fixture;

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = if args.iter().any(|a| a == "--blind2") {
        Some(fixture::BLIND2_SPLIT)
    } else if args.iter().any(|a| a == "--blind") {
        Some(fixture::BLIND_SPLIT)
    } else {
        None
    };
    let Some(out) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: quality_corpus OUT_DIR [--blind | --blind2]");
        std::process::exit(2);
    };
    let quality = fixture::fixtures().join("quality");
    let src = split.map_or_else(|| quality.clone(), |name| quality.join(name));
    if !src.is_dir() {
        eprintln!("quality_corpus: {} does not exist (the blind split is not merged yet?)", src.display());
        std::process::exit(2);
    }
    let tree = Path::new(out).join("corpus");
    std::fs::create_dir_all(&tree).expect("output is writable");
    let skip: &[&str] = if split.is_some() { &[] } else { fixture::BLIND_SPLITS };
    let labels = fixture::expand_tree_except(&src, &tree, skip);
    let json: Vec<serde_json::Value> =
        labels.iter().map(|l| serde_json::json!({"path": l.path, "label": l.label, "value": l.value})).collect();
    let text = serde_json::to_string_pretty(&json).expect("labels serialise");
    std::fs::write(Path::new(out).join("labels.json"), text).expect("output is writable");
    let name = match split {
        Some(name) => format!("blind split {name}/"),
        None => "open corpus".to_string(),
    };
    println!("{name}: {} labelled secrets in {}", labels.len(), tree.display());
}
