//! What agents are configured with and what they are told to keep away from.
//!
//! - **MCP and agent configuration** in the workspace and the home (`.cursor/mcp.json`,
//!   `.vscode/mcp.json`, `.mcp.json`, Claude Desktop and Claude Code, Windsurf, Codex,
//!   Gemini CLI): each MCP server with the values passed to it in `env`, `args`, `headers`
//!   and its URL. A token passed to a server is wielded by the agent through that server's
//!   tools, whether or not the agent can read the file.
//! - **Agent restrictions**: ignore files agents honour (`.cursorignore`, `.codeiumignore`,
//!   `.aiderignore`, `.geminiignore` at the workspace root; `.aiexclude` in any directory)
//!   and Claude Code `permissions.deny` `Read(...)` rules. They hide files from an agent's file tools, not from its shell.
//!
//! Receives a workspace root and a home; hands on [`McpConfig`]s and a [`Restrictions`]
//! matcher over absolute paths, each saying which files were read. Knows nothing of rules.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// Where a configuration file lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Workspace,
    Home,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Workspace => "workspace",
            Scope::Home => "home",
        }
    }
}

/// How a file lists its MCP servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `{"mcpServers": {name: {...}}}` (Cursor, Claude, Windsurf, Gemini CLI).
    McpServers,
    /// `{"servers": {...}}` (VS Code `mcp.json`).
    Servers,
    /// `{"mcp": {"servers": {...}}}` (VS Code user settings).
    SettingsMcp,
    /// `~/.claude.json`: `mcpServers` plus `projects.<dir>.mcpServers`.
    ClaudeJson,
    /// TOML `[mcp_servers.<name>]` (Codex).
    CodexToml,
    /// No servers, only `permissions.deny` (Claude Code settings).
    ClaudeSettings,
}

/// Agent configuration files, relative to the workspace root.
const WORKSPACE_CONFIGS: &[(&str, &str, Layout)] = &[
    (".cursor/mcp.json", "Cursor", Layout::McpServers),
    (".vscode/mcp.json", "VS Code", Layout::Servers),
    (".mcp.json", "Claude Code", Layout::McpServers),
    (".claude/settings.json", "Claude Code", Layout::ClaudeSettings),
    (".claude/settings.local.json", "Claude Code", Layout::ClaudeSettings),
    (".gemini/settings.json", "Gemini CLI", Layout::McpServers),
    (".codex/config.toml", "Codex", Layout::CodexToml),
    (".windsurf/mcp_config.json", "Windsurf", Layout::McpServers),
];

/// Agent configuration files, relative to the home.
const HOME_CONFIGS: &[(&str, &str, Layout)] = &[
    (".cursor/mcp.json", "Cursor", Layout::McpServers),
    (".claude.json", "Claude Code", Layout::ClaudeJson),
    (".claude/settings.json", "Claude Code", Layout::ClaudeSettings),
    (".config/Claude/claude_desktop_config.json", "Claude Desktop", Layout::McpServers),
    ("Library/Application Support/Claude/claude_desktop_config.json", "Claude Desktop", Layout::McpServers),
    ("AppData/Roaming/Claude/claude_desktop_config.json", "Claude Desktop", Layout::McpServers),
    (".codeium/windsurf/mcp_config.json", "Windsurf", Layout::McpServers),
    (".codex/config.toml", "Codex", Layout::CodexToml),
    (".gemini/settings.json", "Gemini CLI", Layout::McpServers),
    (".config/Code/User/mcp.json", "VS Code", Layout::Servers),
    (".config/Code/User/settings.json", "VS Code", Layout::SettingsMcp),
    ("Library/Application Support/Code/User/mcp.json", "VS Code", Layout::Servers),
];

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

/// Largest configuration file parsed.
const MAX_CONFIG: u64 = 4 << 20;

/// One agent configuration file that exists.
#[derive(Debug, Clone)]
pub struct McpConfig {
    pub path: PathBuf,
    /// Workspace-relative, or `~/...` in the home.
    pub display: String,
    pub scope: Scope,
    /// The agent reading it ("Cursor").
    pub agent: &'static str,
    pub servers: Vec<McpServer>,
    /// Why the file could not be parsed, if it could not.
    pub problem: Option<String>,
}

/// One MCP server and the values an agent configuration passes to it.
#[derive(Clone)]
pub struct McpServer {
    pub name: String,
    /// The program it runs (`npx`), or the host it talks to: never arguments or a query.
    pub launch: String,
    fields: Vec<(String, String)>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Field values may be secrets: names only.
        let names: Vec<&str> = self.fields.iter().map(|(n, _)| n.as_str()).collect();
        write!(f, "McpServer({}, {}, {names:?})", self.name, self.launch)
    }
}

impl McpServer {
    /// Where values are passed (`env GITHUB_TOKEN`, `args`, `header Authorization`, `url`).
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(n, _)| n.as_str())
    }

    /// The field whose value holds `secret`, if any.
    pub fn field_holding(&self, secret: &[u8]) -> Option<&str> {
        let needle = String::from_utf8_lossy(secret);
        self.fields.iter().find(|(_, v)| !needle.is_empty() && v.contains(needle.as_ref())).map(|(n, _)| n.as_str())
    }

    /// The values as text to scan: `NAME=value` for env, `Name: value` for headers, the
    /// arguments joined by spaces (so `--token VALUE` reads as an assignment), the URL.
    pub fn scan_text(&self) -> Vec<u8> {
        let mut out = String::new();
        for (name, value) in &self.fields {
            let line = if let Some(var) = name.strip_prefix("env ") {
                format!("{var}={value}")
            } else if let Some(header) = name.strip_prefix("header ") {
                format!("{header}: {value}")
            } else {
                value.clone()
            };
            out.push_str(&line);
            out.push('\n');
        }
        out.into_bytes()
    }
}

/// Finds and parses every agent configuration file in the workspace (when given) and the
/// home (when given), sorted workspace first.
pub fn mcp_configs(workspace: Option<&Path>, home: Option<&Path>) -> Vec<McpConfig> {
    let mut out = Vec::new();
    let places = [(workspace, Scope::Workspace, WORKSPACE_CONFIGS), (home, Scope::Home, HOME_CONFIGS)];
    for (root, scope, list) in places {
        let Some(root) = root else { continue };
        for (rel, agent, layout) in list {
            let path = root.join(rel);
            if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let display = match scope {
                Scope::Workspace => rel.to_string(),
                Scope::Home => format!("~/{rel}"),
            };
            let (servers, problem) = match read(&path).and_then(|text| parse(&text, *layout)) {
                Ok(servers) => (servers, None),
                Err(e) => (Vec::new(), Some(e)),
            };
            out.push(McpConfig { path, display, scope, agent, servers, problem });
        }
    }
    out
}

fn read(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let file = super::fs::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

fn parse(text: &str, layout: Layout) -> Result<Vec<McpServer>, String> {
    if layout == Layout::CodexToml {
        let doc: toml::Value = toml::from_str(text).map_err(|e| one_line(&e.to_string()))?;
        let json = serde_json::to_value(doc).map_err(|e| e.to_string())?;
        return Ok(servers_in(json.get("mcp_servers")));
    }
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    Ok(match layout {
        Layout::McpServers => servers_in(doc.get("mcpServers")),
        Layout::Servers => servers_in(doc.get("servers")),
        Layout::SettingsMcp => servers_in(doc.get("mcp").and_then(|m| m.get("servers"))),
        Layout::ClaudeJson => {
            let mut all = servers_in(doc.get("mcpServers"));
            if let Some(projects) = doc.get("projects").and_then(|p| p.as_object()) {
                for (dir, project) in projects {
                    for mut s in servers_in(project.get("mcpServers")) {
                        s.name = format!("{} (project {dir})", s.name);
                        all.push(s);
                    }
                }
            }
            all
        }
        Layout::ClaudeSettings | Layout::CodexToml => Vec::new(),
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The servers in a `{name: {command, args, env, url, headers}}` object.
fn servers_in(value: Option<&serde_json::Value>) -> Vec<McpServer> {
    let Some(map) = value.and_then(|v| v.as_object()) else { return Vec::new() };
    map.iter().map(|(name, spec)| server(name, spec)).collect()
}

fn server(name: &str, spec: &serde_json::Value) -> McpServer {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut fields = Vec::new();
    let url = ["url", "serverUrl", "httpUrl"].iter().find_map(|k| spec.get(*k).and_then(text));
    if let Some(url) = &url {
        fields.push(("url".to_string(), url.clone()));
    }
    // Words after the program in `command` count as arguments too (`"command": "x --token …"`).
    let mut joined: Vec<String> = spec
        .get("command")
        .and_then(text)
        .map(|c| c.split_whitespace().skip(1).map(str::to_string).collect())
        .unwrap_or_default();
    if let Some(args) = spec.get("args").and_then(|a| a.as_array()) {
        joined.extend(args.iter().filter_map(text));
    }
    if !joined.is_empty() {
        fields.push(("args".to_string(), joined.join(" ")));
    }
    for (key, prefix) in [("env", "env"), ("headers", "header"), ("http_headers", "header")] {
        if let Some(map) = spec.get(key).and_then(|e| e.as_object()) {
            for (k, v) in map {
                if let Some(v) = text(v) {
                    fields.push((format!("{prefix} {k}"), v));
                }
            }
        }
    }
    let launch = match (spec.get("command").and_then(text), &url) {
        (Some(command), _) => command.split_whitespace().next().unwrap_or("").to_string(),
        (None, Some(url)) => url_host(url),
        (None, None) => String::new(),
    };
    McpServer { name: name.to_string(), launch, fields }
}

/// `scheme://host` of a URL, without credentials, path or query.
fn url_host(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if scheme.is_empty() { host.to_string() } else { format!("{scheme}://{host}") }
}

/// One restriction file read.
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
                let display = path.strip_prefix(root).map(super::fs::display_path).unwrap_or_default();
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
    fn parses_mcp_servers_in_each_layout() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, home) = (dir.path().join("ws"), dir.path().join("home"));
        write(
            &ws,
            ".cursor/mcp.json",
            r#"{"mcpServers": {"github": {"command": "npx", "args": ["-y", "server-github"], "env": {"GITHUB_TOKEN": "abc123"}}}}"#,
        );
        write(
            &ws,
            ".vscode/mcp.json",
            r#"{"servers": {"api": {"type": "http", "url": "https://u:p@mcp.example.invalid/x?key=1", "headers": {"Authorization": "Bearer zz"}}}}"#,
        );
        write(
            &home,
            ".codex/config.toml",
            "[mcp_servers.db]\ncommand = \"db-mcp --verbose\"\nargs = [\"--token\", \"t0k\"]\n",
        );
        write(
            &home,
            ".claude.json",
            r#"{"projects": {"/w": {"mcpServers": {"rail": {"command": "railway-mcp", "env": {"RAILWAY_TOKEN": "x"}}}}}}"#,
        );
        write(&home, ".gemini/settings.json", "{ not json");
        let configs = mcp_configs(Some(&ws), Some(&home));
        let summary: Vec<String> = configs
            .iter()
            .map(|c| {
                let servers: Vec<String> = c
                    .servers
                    .iter()
                    .map(|s| format!("{}@{}[{}]", s.name, s.launch, s.field_names().collect::<Vec<_>>().join(",")))
                    .collect();
                format!("{} {} {} {}", c.display, c.agent, servers.join(";"), c.problem.is_some())
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ".cursor/mcp.json Cursor github@npx[args,env GITHUB_TOKEN] false",
                ".vscode/mcp.json VS Code api@https://mcp.example.invalid[url,header Authorization] false",
                "~/.claude.json Claude Code rail (project /w)@railway-mcp[env RAILWAY_TOKEN] false",
                "~/.codex/config.toml Codex db@db-mcp[args] false",
                "~/.gemini/settings.json Gemini CLI  true",
            ]
        );
        let github = &configs[0].servers[0];
        assert_eq!(github.field_holding(b"abc123"), Some("env GITHUB_TOKEN"));
        assert_eq!(github.scan_text(), b"-y server-github\nGITHUB_TOKEN=abc123\n");
        assert!(!format!("{github:?}").contains("abc123"));
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
