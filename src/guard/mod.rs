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

mod code;
mod decision;
mod git;
mod hook;
mod lexer;
mod programs;
mod search;
mod shell;

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::policy::Severity;

use hook::Action;
use shell::{Context, Exposure, LineFilter, Read, Walk};

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
    let env: HashMap<String, String> = std::env::vars().collect();
    let ctx = Context { cwd, home: std::env::var_os("HOME").map(PathBuf::from), env: &env };
    let exposure = exposure(&action, &ctx);
    let decision = if exposure == Exposure::default() {
        Decision::Allow
    } else {
        decision::decide(&action, &exposure, &project, options)?
    };
    Ok(Answer { stdout: hook::answer(agent, &decision), decision })
}

/// What a tool call would expose or change.
fn exposure(action: &Action, ctx: &Context<'_>) -> Exposure {
    let file = |path: &PathBuf| Read { path: path.clone(), walk: Walk::File, filter: None };
    match action {
        Action::Read { path, .. } => Exposure { reads: vec![file(path)], ..Exposure::default() },
        Action::Write { path, reads } => Exposure {
            reads: if *reads && path.is_file() { vec![file(path)] } else { Vec::new() },
            writes: if programs::protected(path) { vec![path.clone()] } else { Vec::new() },
            ..Exposure::default()
        },
        Action::Search { path, pattern, ignore_case, context, content } => {
            if !content {
                return Exposure::default();
            }
            let filter = (!context && !pattern.is_empty()).then(|| LineFilter {
                patterns: vec![pattern.clone()],
                fixed: false,
                ignore_case: *ignore_case,
                invert: false,
            });
            let walk = if path.is_dir() { Walk::Visible { hidden: false } } else { Walk::File };
            Exposure { reads: vec![Read { path: path.clone(), walk, filter }], ..Exposure::default() }
        }
        Action::Shell { command } => shell::exposure(command, ctx),
        Action::Other => Exposure::default(),
    }
}
