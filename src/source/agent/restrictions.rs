//! Agent restrictions: ignore files agents honour and Claude Code `permissions.deny`
//! `Read(...)` rules, as one matcher over absolute paths.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::{one_line, read};

/// Ignore files agents honour, by file name, and the agent honouring each.
pub const IGNORE_FILES: &[(&str, &str)] = &[
    (".cursorignore", "Cursor"),
    (".aiexclude", "Gemini Code Assist"),
    (".codeiumignore", "Windsurf"),
    (".aiderignore", "Aider"),
    (".geminiignore", "Gemini CLI"),
];

/// Global ignore files in the home, applying to every workspace.
const HOME_IGNORE_FILES: &[(&str, &str)] = &[(".codeium/.codeiumignore", "Windsurf")];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictionFile {
    /// Workspace-relative, or `~/...`.
    pub display: String,
    /// The agent honouring it.
    pub agent: &'static str,
    /// Patterns it holds (ignore lines, or `Read(...)` deny rules).
    pub rules: usize,
    pub problem: Option<String>,
}

/// Ignore files and deny rules over absolute paths.
#[derive(Debug, Default)]
pub struct Restrictions {
    /// Every file read, whether or not it holds a rule.
    pub files: Vec<RestrictionFile>,
    matchers: Vec<(usize, Gitignore)>,
}

impl Restrictions {
    /// Reads the ignore files and Claude Code settings of `workspace` (plus the extra
    /// ignore files `nested` found below it) and of `home`.
    pub fn load(workspace: Option<&Path>, home: Option<&Path>, nested: &[PathBuf]) -> Restrictions {
        let mut r = Restrictions::default();
        if let Some(root) = workspace {
            let mut ignore_files: Vec<PathBuf> = IGNORE_FILES.iter().map(|(n, _)| root.join(n)).collect();
            ignore_files.extend(nested.iter().cloned());
            ignore_files.sort();
            ignore_files.dedup();
            for path in ignore_files {
                let display = path.strip_prefix(root).map(crate::source::fs::display_path).unwrap_or_default();
                r.add_ignore_file(&path, display);
            }
            for rel in [".claude/settings.json", ".claude/settings.local.json"] {
                r.add_claude_settings(&root.join(rel), rel.to_string(), root, root, home);
            }
        }
        if let Some(home) = home {
            for (rel, agent) in HOME_IGNORE_FILES {
                let path = home.join(rel);
                if path.is_file() {
                    r.add_gitignore(&path, format!("~/{rel}"), agent, workspace.unwrap_or(home));
                }
            }
            let cwd = workspace.unwrap_or(home);
            r.add_claude_settings(
                &home.join(".claude/settings.json"),
                "~/.claude/settings.json".into(),
                cwd,
                home,
                Some(home),
            );
        }
        r
    }

    fn add_ignore_file(&mut self, path: &Path, display: String) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some((_, agent)) = IGNORE_FILES.iter().find(|(n, _)| *n == name) else { return };
        if !path.is_file() {
            return;
        }
        let base = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        self.add_gitignore(path, display, agent, &base);
    }

    fn add_gitignore(&mut self, path: &Path, display: String, agent: &'static str, base: &Path) {
        let mut builder = GitignoreBuilder::new(base);
        let problem = builder.add(path).map(|e| one_line(&e.to_string()));
        let index = self.files.len();
        match builder.build() {
            Ok(matcher) => {
                self.files.push(RestrictionFile {
                    display,
                    agent,
                    rules: (matcher.num_ignores() + matcher.num_whitelists()) as usize,
                    problem,
                });
                self.matchers.push((index, matcher));
            }
            Err(e) => self.files.push(RestrictionFile { display, agent, rules: 0, problem: Some(e.to_string()) }),
        }
    }

    /// Claude Code `permissions.deny` `Read` rules (gitignore patterns): `//path` from the
    /// file-system root, `~/path` from the home, `/path` from the project (the settings
    /// file's project root), `path` or `./path` from the directory Claude runs in.
    fn add_claude_settings(&mut self, path: &Path, display: String, cwd: &Path, project: &Path, home: Option<&Path>) {
        if !path.is_file() {
            return;
        }
        let deny: Vec<String> =
            match read(path).and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string())) {
                Ok(doc) => doc
                    .pointer("/permissions/deny")
                    .and_then(|d| d.as_array())
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
                Err(e) => {
                    let problem = Some(format!("not JSON: {e}"));
                    self.files.push(RestrictionFile { display, agent: "Claude Code", rules: 0, problem });
                    return;
                }
            };
        let index = self.files.len();
        let mut count = 0;
        for rule in &deny {
            let Some((base, pattern)) = claude_read_rule(rule, cwd, project, home) else { continue };
            let mut builder = GitignoreBuilder::new(&base);
            if builder.add_line(None, &pattern).is_ok() {
                if let Ok(matcher) = builder.build() {
                    self.matchers.push((index, matcher));
                    count += 1;
                }
            }
        }
        self.files.push(RestrictionFile { display, agent: "Claude Code", rules: count, problem: None });
    }

    /// The restriction files hiding `path` (absolute) from an agent's file tools.
    pub fn matching(&self, path: &Path) -> Vec<&RestrictionFile> {
        let mut out: Vec<&RestrictionFile> = Vec::new();
        for (index, matcher) in &self.matchers {
            if !path.starts_with(matcher.path()) || out.iter().any(|f| std::ptr::eq(*f, &self.files[*index])) {
                continue;
            }
            if matcher.matched_path_or_any_parents(path, false).is_ignore() {
                out.push(&self.files[*index]);
            }
        }
        out
    }
}

/// A `Read` deny rule as (base directory, gitignore pattern); `None` for other tools.
fn claude_read_rule(rule: &str, cwd: &Path, project: &Path, home: Option<&Path>) -> Option<(PathBuf, String)> {
    let rule = rule.trim();
    if rule == "Read" || rule == "Read(*)" || rule == "Read(**)" {
        return Some((PathBuf::from("/"), "/**".to_string()));
    }
    let spec = rule.strip_prefix("Read(")?.strip_suffix(')')?;
    if let Some(abs) = spec.strip_prefix("//") {
        return Some((PathBuf::from("/"), format!("/{abs}")));
    }
    if let Some(rest) = spec.strip_prefix("~/") {
        return Some((home?.to_path_buf(), format!("/{rest}")));
    }
    if spec.starts_with('/') {
        return Some((project.to_path_buf(), spec.to_string()));
    }
    match spec.strip_prefix("./") {
        Some(rest) => Some((cwd.to_path_buf(), format!("/{rest}"))),
        None => Some((cwd.to_path_buf(), spec.to_string())),
    }
}

/// Ignore files that apply in any directory (Gemini Code Assist's `.aiexclude`); the others
/// are read at the workspace root only, where their agents look for them.
const NESTED_IGNORE_FILES: &[&str] = &[".aiexclude"];

/// Whether `path` is an ignore file that counts wherever it is (`.aiexclude`).
pub fn is_nested_ignore_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| NESTED_IGNORE_FILES.iter().any(|name| n == *name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn ignore_files_and_claude_deny_rules_hide_paths() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, home) = (dir.path().join("ws"), dir.path().join("home"));
        write(&ws, ".cursorignore", ".env\nsecrets/\n!secrets/public.txt\n");
        write(&ws, "sub/.aiexclude", "*.key\n");
        write(
            &ws,
            ".claude/settings.json",
            r#"{"permissions": {"deny": ["Read(./config/prod.json)", "Bash(curl:*)", "Read(~/.aws/**)", "Edit(.env)"]}}"#,
        );
        write(&home, ".claude/settings.json", r#"{"permissions": {"deny": ["Read(//etc/shadow)"]}}"#);
        assert!(is_nested_ignore_file(&ws.join("sub/.aiexclude")));
        assert!(!is_nested_ignore_file(&ws.join("sub/.cursorignore")));
        let r = Restrictions::load(Some(&ws), Some(&home), &[ws.join("sub/.aiexclude")]);
        let read: Vec<(String, usize)> = r.files.iter().map(|f| (f.display.clone(), f.rules)).collect();
        assert_eq!(
            read,
            vec![
                (".cursorignore".to_string(), 3),
                ("sub/.aiexclude".into(), 1),
                (".claude/settings.json".into(), 2),
                ("~/.claude/settings.json".into(), 1)
            ]
        );
        let hidden = |p: PathBuf| r.matching(&p).iter().map(|f| f.display.clone()).collect::<Vec<_>>();
        assert_eq!(hidden(ws.join(".env")), [".cursorignore"]);
        assert_eq!(hidden(ws.join("app/.env")), [".cursorignore"]);
        assert_eq!(hidden(ws.join("secrets/db.txt")), [".cursorignore"]);
        assert!(hidden(ws.join("secrets/public.txt")).is_empty());
        assert_eq!(hidden(ws.join("sub/deep/a.key")), ["sub/.aiexclude"]);
        assert!(hidden(ws.join("a.key")).is_empty());
        assert_eq!(hidden(ws.join("config/prod.json")), [".claude/settings.json"]);
        assert!(hidden(ws.join("x/config/prod.json")).is_empty());
        assert_eq!(hidden(home.join(".aws/credentials")), [".claude/settings.json"]);
        assert_eq!(hidden(PathBuf::from("/etc/shadow")), ["~/.claude/settings.json"]);
        assert!(hidden(home.join(".npmrc")).is_empty());
    }
}
