//! The hook's payload per agent (Claude Code `PreToolUse`, Cursor `beforeReadFile`,
//! `beforeShellExecution`, …) read into an [`Action`], and the answer written back in that
//! agent's format.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Decision, GuardError};

/// Which agent sent the payload, and so how to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Agent {
    Claude,
    /// Cursor `beforeShellExecution` / `beforeMCPExecution`: permission plus messages.
    CursorShell,
    /// Cursor `beforeReadFile` / `beforeTabFileRead`: permission only.
    CursorRead,
}

/// What the tool call would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
    /// Read a file (its content, when the payload carries it).
    Read {
        path: PathBuf,
        content: Option<String>,
    },
    Shell {
        command: String,
    },
    Other,
}

/// The agent, the action, the working directory and the project directory of a payload.
pub(super) fn parse(p: &Value) -> Result<(Agent, Action, PathBuf, PathBuf), GuardError> {
    let text = |v: Option<&Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let event = text(p.get("hook_event_name")).unwrap_or_default();
    let current = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let cwd = text(p.get("cwd")).map(PathBuf::from).unwrap_or(current);
    match event.as_str() {
        "beforeReadFile" | "beforeTabFileRead" | "beforeShellExecution" | "beforeMCPExecution" => {
            let project = p
                .get("workspace_roots")
                .and_then(|r| r.as_array())
                .and_then(|r| r.first())
                .and_then(|r| r.as_str())
                .map(PathBuf::from)
                .unwrap_or_else(|| cwd.clone());
            let cwd = if p.get("cwd").is_some() { cwd } else { project.clone() };
            let (agent, action) = match event.as_str() {
                "beforeShellExecution" => (
                    Agent::CursorShell,
                    text(p.get("command")).map_or(Action::Other, |command| Action::Shell { command }),
                ),
                "beforeMCPExecution" => (Agent::CursorShell, Action::Other),
                _ => {
                    let action = match text(p.get("file_path")) {
                        Some(path) => Action::Read { path: resolve(&path, &cwd), content: text(p.get("content")) },
                        None => Action::Other,
                    };
                    (Agent::CursorRead, action)
                }
            };
            Ok((agent, action, cwd, project))
        }
        _ if p.get("tool_name").is_some() => {
            let project = std::env::var_os("CLAUDE_PROJECT_DIR").map(PathBuf::from).unwrap_or_else(|| cwd.clone());
            let tool = text(p.get("tool_name")).unwrap_or_default();
            let input = p.get("tool_input").cloned().unwrap_or(Value::Null);
            let field = |k: &str| text(input.get(k));
            let action = match tool.as_str() {
                "Read" | "Edit" | "MultiEdit" | "NotebookRead" | "NotebookEdit" => {
                    match field("file_path").or_else(|| field("notebook_path")) {
                        Some(path) => Action::Read { path: resolve(&path, &cwd), content: None },
                        None => Action::Other,
                    }
                }
                // Grep on one file shows its matching lines.
                "Grep" => match field("path").map(|path| resolve(&path, &cwd)) {
                    Some(path) if path.is_file() => Action::Read { path, content: None },
                    _ => Action::Other,
                },
                "Bash" => field("command").map_or(Action::Other, |command| Action::Shell { command }),
                _ => Action::Other,
            };
            Ok((Agent::Claude, action, cwd, project))
        }
        _ => Err(GuardError::Unknown),
    }
}

/// `path` made absolute against `cwd`, with `~/` and `$HOME/` expanded.
pub(super) fn resolve(path: &str, cwd: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let expanded = match (path.strip_prefix("~/").or_else(|| path.strip_prefix("$HOME/")), &home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if path == "~" => home.unwrap_or_else(|| PathBuf::from(path)),
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() { expanded } else { cwd.join(expanded) }
}

/// The answer in the agent's format. Claude Code: nothing to allow (the normal permission
/// flow goes on), `hookSpecificOutput` to deny. Cursor: a `permission` object.
pub(super) fn answer(agent: Agent, decision: &Decision) -> String {
    let value = match (agent, decision) {
        (Agent::Claude, Decision::Allow) => return String::new(),
        (Agent::Claude, Decision::Deny(reason)) => json!({
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": reason,
            }
        }),
        (_, Decision::Allow) => json!({ "permission": "allow" }),
        (Agent::CursorRead, Decision::Deny(_)) => json!({ "permission": "deny" }),
        (Agent::CursorShell, Decision::Deny(reason)) => json!({
            "permission": "deny",
            "user_message": reason,
            "agent_message": reason,
        }),
    };
    format!("{value}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_each_agents_format() {
        let deny = Decision::Deny("no".into());
        let claude: Value = serde_json::from_str(&answer(Agent::Claude, &deny)).unwrap();
        assert_eq!(claude["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(claude["hookSpecificOutput"]["permissionDecisionReason"], "no");
        assert_eq!(answer(Agent::Claude, &Decision::Allow), "");
        assert_eq!(answer(Agent::CursorRead, &deny), "{\"permission\":\"deny\"}\n");
        let cursor: Value = serde_json::from_str(&answer(Agent::CursorShell, &deny)).unwrap();
        assert_eq!((cursor["permission"].as_str(), cursor["agent_message"].as_str()), (Some("deny"), Some("no")));
        assert_eq!(answer(Agent::CursorShell, &Decision::Allow), "{\"permission\":\"allow\"}\n");
    }
}
