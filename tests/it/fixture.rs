//! Fixture trees: templates expanded with fake secrets built at test time, and the
//! labelled secrets they plant. Shared with `examples/quality_corpus.rs`, so it needs
//! nothing but the library.

#![allow(dead_code)] // shared by several test modules and an example

use std::path::{Path, PathBuf};

use keyreach::rules::template;

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// An expected secret planted in a materialised tree.
#[derive(Debug, Clone)]
pub struct Label {
    /// Relative path of the file it is in.
    pub path: String,
    /// What the template labelled it (a provider or rule id).
    pub label: String,
    pub value: String,
}

/// The blind split (`fixtures/quality/blind/`, issue 14): written from provider documentation
/// without reading the rules, scored on its own. It is not part of the open quality corpus, so
/// `materialize("quality")` leaves it out; `materialize("quality/blind")` expands it alone.
pub const BLIND_SPLIT: &str = "blind";
/// A second blind split (`fixtures/quality/blind2/`), written the same way later, after the
/// first had been looked at per rule: scored on its own too.
pub const FRESH_BLIND_SPLIT: &str = "blind2";
/// Every split the open corpus leaves out.
pub const BLIND_SPLITS: &[&str] = &[BLIND_SPLIT, FRESH_BLIND_SPLIT];

/// Copies `fixtures/<name>` into a fresh temporary directory, expanding every file as a
/// template (seeded by its relative path) and returning the labelled secrets.
pub fn materialize(name: &str) -> (tempfile::TempDir, Vec<Label>) {
    let dir = tempfile::tempdir().unwrap();
    let skip: &[&str] = if name == "quality" { BLIND_SPLITS } else { &[] };
    let labels = expand_tree_except(&fixtures().join(name), dir.path(), skip);
    (dir, labels)
}

/// Expands every file under `src` into `dst`. Files named `*.tmpl` lose the suffix (so a
/// fixture can hold files such as `.gitignore` that would otherwise apply to the repo).
pub fn expand_tree(src: &Path, dst: &Path) -> Vec<Label> {
    expand_tree_except(src, dst, &[])
}

/// [`expand_tree`] without the top-level directories of `src` named in `skip` (the quality
/// corpus's blind split is materialised on its own).
pub fn expand_tree_except(src: &Path, dst: &Path, skip: &[&str]) -> Vec<Label> {
    let mut labels = Vec::new();
    let skipped = |entry: &walkdir::DirEntry| {
        entry.depth() == 1 && entry.file_type().is_dir() && skip.iter().any(|s| entry.file_name() == *s)
    };
    for entry in walkdir::WalkDir::new(src).sort_by_file_name().into_iter().filter_entry(|e| !skipped(e)) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let rel_text = rel.to_string_lossy().trim_end_matches(".tmpl").to_string();
        let target = dst.join(&rel_text);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let (expanded, found) =
            template::expand_labelled(&text, &rel_text).unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        std::fs::write(&target, expanded).unwrap();
        labels.extend(found.into_iter().map(|(label, value)| Label { path: rel_text.clone(), label, value }));
    }
    labels
}

/// Expands one template the way fixtures are expanded.
pub fn fake(template_text: &str, seed: &str) -> String {
    template::expand(template_text, seed).unwrap()
}
