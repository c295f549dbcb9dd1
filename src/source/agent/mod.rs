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

mod mcp;
mod restrictions;

use mcp::read;
pub use mcp::{McpConfig, McpServer, mcp_configs};
pub use restrictions::{IGNORE_FILES, RestrictionFile, Restrictions, is_nested_ignore_file};

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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
