//! Embeds the built-in rules into the binary, so `cargo install` gives a self-contained
//! tool, and expands the provider catalog (`rules/catalog/*.toml`, see
//! `src/rules/catalog/mod.rs`) into rules.
//!
//! Both are embedded as static data (`StaticSpec` in `src/rules/builtin.rs`) rather than TOML
//! text, so start-up parses no TOML at all: parsing ~1.3 MB of rule text cost about a third
//! of a small scan's start-up. A rule file this script cannot represent (a field or value
//! type it does not know) is embedded as TOML text instead and parsed at start-up as before,
//! so the loader still reports its errors.

use std::fmt::Write as _;
use std::{env, fs, path::Path, path::PathBuf};

#[allow(dead_code)]
#[path = "src/rules/catalog/mod.rs"]
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

/// The strings of every static rule, in one text, and the lists of them: the rule tables
/// hold offsets into these (`S`, `L` in `src/rules/builtin.rs`), not pointers. A table of
/// `&str` needs one load-time relocation per string: 1.4 MB of relocated pages in every
/// process, and 1.6 MB of relocation records read at each start.
#[derive(Default)]
struct Data {
    text: String,
    seen: std::collections::HashMap<String, (usize, usize)>,
    lists: Vec<(usize, usize)>,
}

impl Data {
    /// Offset and length of `s` in the text, each distinct string stored once.
    fn span(&mut self, s: &str) -> (usize, usize) {
        if let Some(&span) = self.seen.get(s) {
            return span;
        }
        let span = (self.text.len(), s.len());
        self.text.push_str(s);
        self.seen.insert(s.to_string(), span);
        span
    }

    /// `S(offset, len)` of `s` in the text.
    fn intern(&mut self, s: &str) -> String {
        let (at, len) = self.span(s);
        format!("S({at}, {len})")
    }

    /// `L(start, count)` of the strings `items` in the list table.
    fn list(&mut self, items: &[&str]) -> String {
        let start = self.lists.len();
        for s in items {
            let span = self.span(s);
            self.lists.push(span);
        }
        format!("L({start}, {})", items.len())
    }
}

/// Field readers that fail (None) on a missing required field or a wrong type.
struct Fields<'a>(&'a toml::Table, &'a std::cell::RefCell<Data>);

impl Fields<'_> {
    fn str(&self, k: &str) -> Option<String> {
        self.0.get(k)?.as_str().map(|s| self.1.borrow_mut().intern(s))
    }
    fn opt_str(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            None => Some("None".into()),
            Some(v) => v.as_str().map(|s| format!("Some({})", self.1.borrow_mut().intern(s))),
        }
    }
    fn strs(&self, k: &str) -> Option<String> {
        let items = match self.0.get(k) {
            None => Vec::new(),
            Some(v) => v.as_array()?.iter().map(|s| s.as_str()).collect::<Option<Vec<_>>>()?,
        };
        Some(self.1.borrow_mut().list(&items))
    }
    fn opt_f64(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            None => Some("None".into()),
            Some(toml::Value::Float(f)) => Some(format!("Some({f:?})")),
            Some(toml::Value::Integer(i)) => Some(format!("Some({:?})", *i as f64)),
            Some(_) => None,
        }
    }
    fn opt_uint(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            None => Some("None".into()),
            Some(v) => v.as_integer().filter(|i| *i >= 0).map(|i| format!("Some({i})")),
        }
    }
    fn int(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            None => Some("0".into()),
            Some(v) => v.as_integer().filter(|i| i32::try_from(*i).is_ok()).map(|i| i.to_string()),
        }
    }
    fn bool(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            None => Some("false".into()),
            Some(v) => v.as_bool().map(|b| b.to_string()),
        }
    }
    fn opt_bool(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            None => Some("None".into()),
            Some(v) => v.as_bool().map(|b| format!("Some({b})")),
        }
    }
    fn window(&self) -> Option<String> {
        match self.0.get("window") {
            None => Some("None".into()),
            Some(v) => {
                let a = v.as_array()?;
                let n: Vec<i64> = a.iter().map(|x| x.as_integer().filter(|i| *i >= 0)).collect::<Option<_>>()?;
                (n.len() == 2).then(|| format!("Some([{}, {}])", n[0], n[1]))
            }
        }
    }
    fn only(&self, known: &[&str]) -> Option<()> {
        self.0.keys().all(|k| known.contains(&k.as_str())).then_some(())
    }
}

/// One rule table as a `StaticSpec` literal, or None when it holds a field or type this
/// script does not know (the file is then embedded as TOML and parsed at start-up).
fn static_spec(source: &str, rule: &toml::Table, data: &std::cell::RefCell<Data>) -> Option<String> {
    let f = Fields(rule, data);
    f.only(&[
        "id",
        "title",
        "provider",
        "aliases",
        "keywords",
        "pattern",
        "assign",
        "assign_exclude",
        "validate",
        "entropy",
        "classes",
        "generic",
        "priority",
        "paths",
        "exclude_paths",
        "window",
        "encoded",
        "userinfo",
        "secret_values",
        "pair",
        "scope",
        "remedy",
        "examples",
        "negative_examples",
    ])?;
    let pair = match rule.get("pair") {
        None => "None".to_string(),
        Some(v) => {
            let p = Fields(v.as_table()?, data);
            p.only(&["pattern", "name", "primary_name", "within", "secret_is_companion", "entropy", "around"])?;
            format!(
                "Some(StaticPair {{ pattern: {}, name: {}, primary_name: {}, within: {}, secret_is_companion: {}, entropy: {}, \
                 around: {} }})",
                p.str("pattern")?,
                p.str("name")?,
                p.opt_str("primary_name")?,
                p.opt_uint("within")?,
                p.opt_bool("secret_is_companion")?,
                p.opt_f64("entropy")?,
                p.bool("around")?
            )
        }
    };
    let scope = match rule.get("scope") {
        None => "None".to_string(),
        Some(v) => {
            let s = Fields(v.as_table()?, data);
            s.only(&["level", "destructive", "production", "test_mode", "public", "permissions", "decode", "notes"])?;
            format!(
                "Some(StaticScope {{ level: {}, destructive: {}, production: {}, test_mode: {}, public: {}, permissions: {}, decode: {}, notes: {} }})",
                s.opt_str("level")?,
                s.opt_bool("destructive")?,
                s.opt_bool("production")?,
                s.bool("test_mode")?,
                s.bool("public")?,
                s.strs("permissions")?,
                s.opt_str("decode")?,
                s.strs("notes")?
            )
        }
    };
    let source = data.borrow_mut().intern(source);
    let mut out = String::new();
    writeln!(
        out,
        "    StaticSpec {{ source: {source}, id: {}, title: {}, provider: {}, aliases: {}, keywords: {}, pattern: {}, \
         assign: {}, assign_exclude: {}, validate: {}, entropy: {}, classes: {}, generic: {}, priority: {}, paths: {}, \
         exclude_paths: {}, window: {}, encoded: {}, userinfo: {}, secret_values: {}, pair: {pair}, scope: {scope}, remedy: {}, \
         examples: {}, negative_examples: {} }},",
        f.str("id")?,
        f.str("title")?,
        f.str("provider")?,
        f.strs("aliases")?,
        f.strs("keywords")?,
        f.str("pattern")?,
        f.opt_str("assign")?,
        f.opt_str("assign_exclude")?,
        f.opt_str("validate")?,
        f.opt_f64("entropy")?,
        f.opt_uint("classes")?,
        f.bool("generic")?,
        f.int("priority")?,
        f.strs("paths")?,
        f.strs("exclude_paths")?,
        f.window()?,
        f.opt_str("encoded")?,
        f.bool("userinfo")?,
        f.bool("secret_values")?,
        f.opt_str("remedy")?,
        f.strs("examples")?,
        f.strs("negative_examples")?,
    )
    .ok()?;
    Some(out)
}

/// Every rule of a rule file as `StaticSpec` literals, or None to embed the file as text.
fn static_file(source: &str, text: &str, data: &std::cell::RefCell<Data>) -> Option<String> {
    let table = text.parse::<toml::Table>().ok()?;
    if table.keys().any(|k| k != "rule") {
        return None;
    }
    let rules = match table.get("rule") {
        None => return Some(String::new()),
        Some(r) => r.as_array()?,
    };
    rules.iter().map(|r| static_spec(source, r.as_table()?, data)).collect()
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dir = root.join("rules");
    let catalog_dir = dir.join("catalog");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", catalog_dir.display());
    println!("cargo:rerun-if-changed=src/rules/catalog/mod.rs");
    let files = toml_files(&dir);
    let mut text_files = String::from(
        "/// Built-in rule files kept as TOML text: (file name, text).\npub const BUILTIN: &[(&str, &str)] = &[\n",
    );
    let mut statics = String::from("/// Built-in rules as static data.\npub static STATIC: &[StaticSpec] = &[\n");
    let data = std::cell::RefCell::new(Data::default());
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file.file_name().and_then(|n| n.to_str()).expect("rule file names are UTF-8");
        let text = fs::read_to_string(file).expect("rule files are readable UTF-8");
        // A file with a field this script cannot represent is kept whole as text: what it
        // interned before failing only takes a few unused bytes.
        match static_file(name, &text, &data) {
            Some(rules) => statics.push_str(&rules),
            None => text_files.push_str(&format!("    ({name:?}, include_str!({:?})),\n", file.display().to_string())),
        }
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
        // Kept for reading what the catalog became (`target/*/build/keyreach-*/out/`).
        fs::write(out_dir.join(format!("catalog-{name}")), &rules).expect("OUT_DIR is writable");
        let source = format!("catalog/{name}");
        let specs = static_file(&source, &rules, &data)
            .unwrap_or_else(|| panic!("{source}: the expansion wrote a rule build.rs cannot embed"));
        statics.push_str(&specs);
    }
    text_files.push_str("];\n");
    statics.push_str("];\n");
    let data = data.into_inner();
    let text_path = out_dir.join("builtin_text.txt");
    fs::write(&text_path, &data.text).expect("OUT_DIR is writable");
    let mut tables = format!(
        "/// Every string of the static rules.\npub static TEXT: &str = include_str!({:?});\n",
        text_path.display().to_string()
    );
    tables.push_str("/// The lists of strings the rules name with `L`.\npub static LISTS: &[S] = &[");
    for (at, len) in &data.lists {
        write!(tables, "S({at}, {len}),").expect("writing to a String");
    }
    tables.push_str("];\n");
    fs::write(out_dir.join("builtin_rules.rs"), text_files + &statics + &tables).expect("OUT_DIR is writable");
}
