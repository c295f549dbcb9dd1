//! Loading rule files: TOML parsing with errors that name where but never what (a rule
//! or config file may hold a pasted secret), and reading a `--rules` directory.

use super::*;

/// Parses one rule file; the error names the file and the TOML position.
pub fn parse_file(source: &str, text: &str) -> Result<Vec<RuleSpec>, RuleError> {
    toml::from_str::<RuleFile>(text).map(|f| f.rule).map_err(|e| RuleError {
        source: source.to_string(),
        id: None,
        cause: toml_error(text, &e),
    })
}

/// A TOML error in one line: where (line, column, and the table and key when they are plain
/// names) and what, never the value — a config or rule file may hold a pasted secret, and
/// errors reach terminals, CI logs and the model behind the guard.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = value_free(&one_line(e.message()));
    match e.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
            let at = key_at(text, line).map(|k| format!(" ({k})")).unwrap_or_default();
            format!("TOML parse error at line {line}, column {column}{at}: {message}")
        }
        None => format!("TOML parse error: {message}"),
    }
}

/// A key as an error may show it: short lowercase names as written; anything else (which
/// could be a pasted secret) is not shown.
pub fn shown_key(key: &str) -> String {
    if is_plain_name(key) { key.to_string() } else { "<a key that is not a plain name>".to_string() }
}

fn is_plain_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 24
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `[table] key` for line `line` of `text`, when both are plain names.
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let own = lines.get(line.checked_sub(1)?)?;
    let key = own.split_once('=').map(|(k, _)| k.trim().trim_matches('"')).filter(|k| is_plain_name(k));
    let table = lines[..line - 1].iter().rev().find_map(|l| {
        let t = l.trim();
        t.strip_prefix('[').map(|rest| rest.trim_start_matches('[').trim_end_matches(']').trim_end_matches(']'))
    });
    let table = table.filter(|t| t.split('.').all(is_plain_name));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("[{t}] {k}")),
        (None, Some(k)) => Some(k.to_string()),
        _ => None,
    }
}

/// A serde/TOML message with every quoted value before `expected` removed: `invalid
/// type: string "…", expected a boolean` → `invalid type: a string, expected a boolean`;
/// unknown keys are named only when they are plain names. What follows `expected` is
/// keyreach's own vocabulary and stays.
fn value_free(message: &str) -> String {
    let (head, tail) = match message.find("expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let mut out = String::new();
    let mut rest = head;
    while let Some(start) = rest.find(['`', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('`');
        let Some(len) = rest[start + 1..].find(quote) else { break };
        let inner = &rest[start + 1..start + 1 + len];
        out.push_str(&rest[..start]);
        let named = out.ends_with("field ") || out.ends_with("key ");
        if named && is_plain_name(inner) {
            out.push_str(&format!("`{inner}`"));
        } else {
            out.push_str("(value not shown)");
        }
        rest = &rest[start + 2 + len..];
    }
    out.push_str(rest);
    out.push_str(tail);
    out.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Reads every `*.toml` file in `dir` (sorted) as rule files.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, RuleSpec)>, RuleErrors> {
    let io_err = |cause: std::io::Error| {
        RuleErrors(vec![RuleError { source: dir.display().to_string(), id: None, cause: cause.to_string() }])
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let source = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_file(&source, &text) {
                Ok(file) => specs.extend(file.into_iter().map(|s| (source.clone(), s))),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(RuleError { source, id: None, cause: e.to_string() }),
        }
    }
    if errors.is_empty() { Ok(specs) } else { Err(RuleErrors(errors)) }
}

pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
