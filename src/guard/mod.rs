//! `keyreach guard`: a pre-tool hook for agents (Claude Code `PreToolUse`, Cursor
//! `beforeReadFile` / `beforeShellExecution`). It reads the hook's JSON, works out which
//! files and environment variables the tool call would expose, scans only those (no tree
//! walk, no network), judges what it finds with the project's policy, and answers in the
//! agent's own format: deny, with a reason the agent sees, when a credential at or above
//! `--deny-at` would be exposed; otherwise let the call through.
//!
//! [`hook`] reads the payload and writes the answer, [`shell`] works out what a command
//! would read, [`decision`] has the pipeline scan and judge exactly that. It returns the
//! answer as text and prints nothing.

mod decision;
mod hook;
mod shell;

use std::path::PathBuf;

use serde_json::Value;

use crate::policy::Severity;

use hook::Action;
use shell::Exposure;

/// How the guard decides.
#[derive(Debug, Clone)]
pub struct GuardOptions {
    /// `--config FILE`; else `keyreach.toml` in the project directory.
    pub config: Option<PathBuf>,
    /// `--deny-at`: the least severity that denies (default high: over policy).
    pub deny_at: Severity,
}

/// The hook's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub decision: Decision,
    /// What to print on standard output (the agent's format; may be empty).
    pub stdout: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Denied, with the reason shown to the agent.
    Deny(String),
}

/// A hook input that cannot be understood.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("hook input is not JSON: {0}")]
    NotJson(String),
    #[error("hook input is neither a Claude Code PreToolUse nor a Cursor hook payload")]
    Unknown,
}

/// Answers one hook call.
pub fn guard(input: &[u8], options: &GuardOptions) -> Result<Answer, anyhow::Error> {
    let payload: Value = serde_json::from_slice(input).map_err(|e| GuardError::NotJson(e.to_string()))?;
    let (agent, action, cwd, project) = hook::parse(&payload)?;
    let exposure = match &action {
        Action::Read { path, .. } => Exposure { files: vec![path.clone()], ..Exposure::default() },
        Action::Shell { command } => shell::shell_exposure(command, &cwd, 0),
        Action::Other => Exposure::default(),
    };
    let decision = if exposure == Exposure::default() {
        Decision::Allow
    } else {
        decision::decide(&action, &exposure, &project, options)?
    };
    Ok(Answer { stdout: hook::answer(agent, &decision), decision })
}
