//! Embeds every `rules/*.toml` file into the binary, so `cargo install` gives a
//! self-contained tool, and expands the provider catalog (`rules/catalog/*.toml`, see
//! `src/rules/catalog.rs`) into generated rule files embedded the same way: the expansion
//! happens here, once, and costs nothing at start-up.

use std::{env, fs, path::Path, path::PathBuf};

#[allow(dead_code)]
#[path = "src/rules/catalog.rs"]
mod catalog;

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    files
}

/// Provider ids of the hand-written rule files: the catalog may not repeat them.
fn hand_written_providers(files: &[PathBuf]) -> Vec<String> {
    let mut ids = Vec::new();
    for file in files {
        let text = fs::read_to_string(file).unwrap_or_default();
        let Ok(value) = text.parse::<toml::Table>() else { continue };
        let rules = value.get("rule").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        for rule in rules {
            if let Some(p) = rule.get("provider").and_then(|p| p.as_str()) {
                if !ids.iter().any(|i| i == p) {
                    ids.push(p.to_string());
                }
            }
        }
    }
    ids
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = root.join("rules");
    let catalog_dir = dir.join("catalog");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", catalog_dir.display());
    println!("cargo:rerun-if-changed=src/rules/catalog.rs");
    let files = toml_files(&dir);
    let mut out =
        String::from("/// Built-in rule files: (file name, TOML text).\npub const BUILTIN: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file.file_name().and_then(|n| n.to_str()).expect("rule file names are UTF-8");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", file.display().to_string()));
    }
    let taken = hand_written_providers(&files);
    let mut catalog_providers: Vec<String> = Vec::new();
    for file in toml_files(&catalog_dir) {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file.file_name().and_then(|n| n.to_str()).expect("catalog file names are UTF-8");
        let text = fs::read_to_string(&file).expect("catalog files are readable UTF-8");
        let parsed = catalog::parse(name, &text).unwrap_or_else(|e| panic!("rules/catalog/{e}"));
        for p in &parsed.provider {
            assert!(
                !catalog_providers.contains(&p.id),
                "rules/catalog/{name}: provider {} is listed in two catalog files",
                p.id
            );
            catalog_providers.push(p.id.clone());
        }
        let rules = catalog::expand(name, &parsed, &taken).unwrap_or_else(|e| panic!("{e}"));
        let dest = out_dir.join(format!("catalog-{name}"));
        fs::write(&dest, rules).expect("OUT_DIR is writable");
        out.push_str(&format!("    (\"catalog/{name}\", include_str!({:?})),\n", dest.display().to_string()));
    }
    out.push_str("];\n");
    fs::write(out_dir.join("builtin_rules.rs"), out).expect("OUT_DIR is writable");
}
