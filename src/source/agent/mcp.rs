//! MCP and agent configuration in the workspace and the home: each MCP server with the
//! values passed to it (`env`, `args`, `headers`, its URL).

use std::path::{Path, PathBuf};

use super::{Scope, one_line};

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

pub(super) fn read(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let file = crate::source::fs::open(path).map_err(|e| e.to_string())?;
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
}
