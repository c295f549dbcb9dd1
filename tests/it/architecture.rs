//! The house's rules (ARCHITECTURE.md), checked on the source: which module may import
//! which, so data keeps flowing one way, and the binary's entry point stays small.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of the library and the modules it may import.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("rules", &[]),
    ("engine", &["rules"]),
    ("source", &[]),
    ("credentials", &["rules", "source"]),
    ("scope", &["rules", "credentials", "source"]),
    ("policy", &["rules", "credentials", "scope", "source"]),
    ("baseline", &["credentials", "source"]),
    ("config", &["baseline", "engine", "policy", "rules", "scope", "source"]),
    ("pipeline", &["baseline", "config", "credentials", "engine", "policy", "rules", "scope", "source"]),
    ("report", &["credentials", "policy", "rules", "scope", "source"]),
    ("guard", &["config", "pipeline", "policy", "report", "source"]),
    ("org", &["policy", "report"]),
];

/// `crate::NAME` references in a file's code (comments ignored).
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        for (i, _) in line.match_indices("crate::") {
            let name: String = line[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The top-level module a file under `src/` belongs to.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

#[test]
fn stages_import_only_the_stages_before_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = MAY_IMPORT.iter().copied().collect();
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&src).into_iter().filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let Some(module) = module_of(rel) else { continue };
        let Some(may) = allowed.get(module.as_str()) else { continue };
        seen.insert(module.clone());
        for used in imports(&std::fs::read_to_string(path).unwrap()) {
            if used != module && !may.contains(&used.as_str()) {
                wrong.push(format!("{} imports crate::{used}", rel.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against ARCHITECTURE.md:\n{}", wrong.join("\n"));
    assert_eq!(seen.len(), MAY_IMPORT.len(), "every listed module exists: {seen:?}");
}

#[test]
fn the_binary_entry_point_stays_small() {
    let main = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).unwrap();
    assert!(main.lines().count() < 250, "src/main.rs has {} lines", main.lines().count());
}

#[test]
fn the_import_reader_sees_crate_paths_not_comments() {
    let text = "use crate::rules::RuleId;\n// crate::report is not imported\nlet x = crate::scope::words::level(l);";
    let got: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(got, ["rules", "scope"]);
}

/// Lines of `text` before its test module (`#[cfg(test)]` followed by `mod tests`), or all
/// of them when it has none.
fn lines_before_tests(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod tests"))
        .unwrap_or(lines.len())
}

#[test]
fn no_source_file_is_over_500_lines_outside_its_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = walkdir::WalkDir::new(root.join("src"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.push(root.join("build.rs"));
    let mut long = Vec::new();
    for path in &files {
        let n = lines_before_tests(&std::fs::read_to_string(path).unwrap());
        if n > 500 {
            long.push(format!("{} has {n} lines before its tests", path.strip_prefix(root).unwrap().display()));
        }
    }
    assert!(files.len() > 100, "the walk found the sources: {}", files.len());
    assert!(long.is_empty(), "split these by concern (ARCHITECTURE.md):\n{}", long.join("\n"));
}

#[test]
fn the_line_counter_stops_at_the_test_module_only() {
    let text = "a\n#[cfg(test)]\nmod catalog;\nb\n#[cfg(test)]\nmod tests {\nc\n}\n";
    assert_eq!(lines_before_tests(text), 4);
    assert_eq!(lines_before_tests("a\nb\n"), 2);
    assert_eq!(lines_before_tests("x\n#[cfg(test)]\nmod tests;\n"), 1);
}
