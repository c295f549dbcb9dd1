//! `keyreach guard`: a pre-tool hook for agents (Claude Code `PreToolUse`, Cursor
//! `beforeReadFile` / `beforeShellExecution`). It reads the hook's JSON, works out which
//! files and environment variables the tool call would expose, scans only those (no tree
//! walk, no network), judges what it finds with the project's policy, and answers in the
//! agent's own format: deny, with a reason the agent sees, when a credential at or above
//! `--deny-at` would be exposed; otherwise let the call through.
//!
//! Like `lib.rs`, this module runs the pipeline; it returns the answer as text and prints
//! nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::config::{self, Overrides};
use crate::credentials::Sighting;
use crate::engine::Engine;
use crate::pipeline::Scanner;
use crate::policy::{Finding, Severity};
use crate::source::{Origin, Reach, env};

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

/// Which agent sent the payload, and so how to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agent {
    Claude,
    /// Cursor `beforeShellExecution` / `beforeMCPExecution`: permission plus messages.
    CursorShell,
    /// Cursor `beforeReadFile` / `beforeTabFileRead`: permission only.
    CursorRead,
}

/// What the tool call would do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
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

/// What a shell command would expose.
#[derive(Debug, Default, PartialEq, Eq)]
struct Exposure {
    files: Vec<PathBuf>,
    /// Every environment variable (`printenv`, `env`, `/proc/self/environ`).
    all_env: bool,
    /// Variables expanded or printed by name.
    vars: Vec<String>,
    /// Past commits' content (`git log -p`, `git show`, `git diff A..B`).
    history: bool,
}

/// Answers one hook call.
pub fn guard(input: &[u8], options: &GuardOptions) -> Result<Answer, anyhow::Error> {
    let payload: Value = serde_json::from_slice(input).map_err(|e| GuardError::NotJson(e.to_string()))?;
    let (agent, action, cwd, project) = parse(&payload)?;
    let exposure = match &action {
        Action::Read { path, .. } => Exposure { files: vec![path.clone()], ..Exposure::default() },
        Action::Shell { command } => shell_exposure(command, &cwd, 0),
        Action::Other => Exposure::default(),
    };
    let decision =
        if exposure == Exposure::default() { Decision::Allow } else { decide(&action, &exposure, &project, options)? };
    Ok(Answer { stdout: answer(agent, &decision), decision })
}

/// The agent, the action, the working directory and the project directory of a payload.
fn parse(p: &Value) -> Result<(Agent, Action, PathBuf, PathBuf), GuardError> {
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
fn resolve(path: &str, cwd: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let expanded = match (path.strip_prefix("~/").or_else(|| path.strip_prefix("$HOME/")), &home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if path == "~" => home.unwrap_or_else(|| PathBuf::from(path)),
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() { expanded } else { cwd.join(expanded) }
}

/// Programs that never show a file's content to the caller.
const NOT_READING: &[&str] = &[
    "rm", "rmdir", "mv", "cp", "ls", "stat", "touch", "chmod", "chown", "chgrp", "mkdir", "test", "[", "file", "wc",
    "du", "ln", "realpath", "readlink", "basename", "dirname", "shred", "truncate", "cd", "pushd", "which", "type",
];

/// Shells whose `-c` argument is itself a command.
const SHELLS: &[&str] = &["bash", "sh", "zsh", "dash", "ksh", "fish"];

/// Programs that print the whole environment when run without a command.
fn dumps_environment(program: &str, args: &[String]) -> bool {
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    match program {
        "printenv" => operands.is_empty(),
        // `env FOO=1 cmd` runs cmd; `env` alone prints everything.
        "env" => operands.iter().all(|a| a.contains('=')),
        "set" | "export" | "declare" | "typeset" => args.is_empty() || args.iter().all(|a| a.starts_with('-')),
        _ => false,
    }
}

/// What `command`, run in `cwd`, would show: files it reads, variables it expands.
fn shell_exposure(command: &str, cwd: &Path, depth: usize) -> Exposure {
    let mut exposure = Exposure { vars: expanded_vars(command), ..Exposure::default() };
    for Segment { words, inputs } in split_commands(command) {
        let words: Vec<String> = words.into_iter().skip_while(|w| is_assignment(w)).collect();
        let Some((program, args)) = words.split_first() else { continue };
        let program = program.rsplit('/').next().unwrap_or(program).to_string();
        let (program, args) = match program.as_str() {
            "sudo" | "nohup" | "time" | "exec" | "command" | "xargs" => match args.split_first() {
                Some((p, rest)) => (p.rsplit('/').next().unwrap_or(p).to_string(), rest.to_vec()),
                None => continue,
            },
            _ => (program, args.to_vec()),
        };
        if dumps_environment(&program, &args) {
            exposure.all_env = true;
        }
        if program == "git" && shows_history(&args) {
            exposure.history = true;
        }
        if program == "printenv" {
            exposure.vars.extend(args.iter().filter(|a| !a.starts_with('-')).cloned());
        }
        if SHELLS.contains(&program.as_str()) && depth < 3 {
            if let Some(i) = args.iter().position(|a| a == "-c") {
                if let Some(inner) = args.get(i + 1) {
                    let nested = shell_exposure(inner, cwd, depth + 1);
                    exposure.files.extend(nested.files);
                    exposure.vars.extend(nested.vars);
                    exposure.all_env |= nested.all_env;
                    exposure.history |= nested.history;
                }
            }
        }
        // `< file` is read whatever the program.
        let mut candidates: Vec<&String> = inputs.iter().collect();
        if !NOT_READING.contains(&program.as_str()) {
            candidates.extend(args.iter());
        }
        for word in candidates {
            if word.contains("/proc/") && word.ends_with("environ") {
                exposure.all_env = true;
                continue;
            }
            let value = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
            for candidate in [word.as_str(), value] {
                if candidate.is_empty() || candidate.starts_with('-') {
                    continue;
                }
                let path = resolve(candidate, cwd);
                if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                    exposure.files.push(path);
                }
            }
        }
    }
    exposure.files.sort();
    exposure.files.dedup();
    exposure.vars.sort();
    exposure.vars.dedup();
    exposure
}

/// Whether `git ARGS` prints content of past commits: `show`, `log` with a patch or a
/// pickaxe (`-p`, `--patch`, `-u`, `-S…`, `-G…`), `diff` between revisions (`A..B`).
fn shows_history(args: &[String]) -> bool {
    let mut words = args.iter().skip_while(|a| a.starts_with('-'));
    let Some(sub) = words.next() else { return false };
    let rest: Vec<&String> = words.collect();
    match sub.as_str() {
        "show" => true,
        "log" | "whatchanged" => rest.iter().any(|a| {
            matches!(a.as_str(), "-p" | "--patch" | "-u" | "--patch-with-stat")
                || a.starts_with("-S")
                || a.starts_with("-G")
        }),
        "diff" => rest.iter().any(|a| a.contains("..")),
        _ => false,
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit()
    })
}

/// `$NAME` and `${NAME}` outside single quotes.
fn expanded_vars(command: &str) -> Vec<String> {
    let bytes = command.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut single) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !single => i += 1,
            b'\'' => single = !single,
            b'$' if !single => {
                let start = i + 1 + usize::from(bytes.get(i + 1) == Some(&b'{'));
                let end = bytes[start..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map_or(bytes.len(), |p| start + p);
                if end > start && !bytes[start].is_ascii_digit() {
                    out.push(command[start..end].to_string());
                }
                i = end.max(i + 1) - 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// One simple command: its words and the files redirected into it (`< file`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Segment {
    words: Vec<String>,
    inputs: Vec<String>,
}

/// Splits a command line into simple commands at `|`, `||`, `&&`, `;`, `&`, newlines,
/// parentheses, `$(` and backquotes, honouring quotes and backslashes. Output redirection
/// targets are dropped; input redirection targets are kept as inputs.
fn split_commands(command: &str) -> Vec<Segment> {
    let mut segments = vec![Segment::default()];
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect: Option<bool> = None; // Some(true): next word is an input, Some(false): an output
    let mut chars = command.chars().peekable();
    let mut quote: Option<char> = None;
    let finish = |segments: &mut Vec<Segment>, word: &mut String, in_word: &mut bool, redirect: &mut Option<bool>| {
        if *in_word {
            let seg = segments.last_mut().expect("one segment");
            match redirect.take() {
                Some(true) => seg.inputs.push(std::mem::take(word)),
                Some(false) => word.clear(),
                None => seg.words.push(std::mem::take(word)),
            }
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            match c {
                _ if c == q => quote = None,
                '\\' if q == '"' => {
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                }
                _ => word.push(c),
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            ' ' | '\t' => finish(&mut segments, &mut word, &mut in_word, &mut redirect),
            '<' | '>' => {
                finish(&mut segments, &mut word, &mut in_word, &mut redirect);
                if chars.peek() == Some(&'(') {
                    chars.next();
                    segments.push(Segment::default());
                    continue;
                }
                while matches!(chars.peek(), Some('>') | Some('&') | Some('<')) {
                    chars.next();
                }
                redirect = Some(c == '<');
            }
            '|' | '&' | ';' | '\n' | '(' | ')' | '`' => {
                finish(&mut segments, &mut word, &mut in_word, &mut redirect);
                segments.push(Segment::default());
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                finish(&mut segments, &mut word, &mut in_word, &mut redirect);
                segments.push(Segment::default());
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    finish(&mut segments, &mut word, &mut in_word, &mut redirect);
    segments.retain(|s| !s.words.is_empty() || !s.inputs.is_empty());
    segments
}

/// Scans what the call would expose and judges it with the project's policy.
fn decide(action: &Action, exposure: &Exposure, project: &Path, options: &GuardOptions) -> anyhow::Result<Decision> {
    let overrides =
        Overrides { paths: vec![project.to_path_buf()], config: options.config.clone(), ..Overrides::default() };
    let mut settings = config::resolve(overrides)?;
    // A hook answers on every tool call and scans a few files: start-up matters most.
    settings.engine.small_input = true;
    let rules = crate::load_rules(&settings.rules)?;
    let engine = Engine::new(Arc::clone(&rules), settings.engine.clone())?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut scanner = Scanner::new(&engine, &settings.stream);
    let mut sightings = Vec::new();
    for path in &exposure.files {
        let display = display(path, project, home.as_deref());
        let reach = if display.starts_with("~/") { Reach::Home } else { Reach::Untracked };
        let content = match action {
            Action::Read { path: p, content: Some(c) } if p == path => c.clone().into_bytes(),
            _ => match read_limited(path, settings.walk.max_file_size) {
                Some(bytes) => bytes,
                None => continue,
            },
        };
        let origin = Origin { path: display, reach, commit: None };
        sightings.extend(scanner.text(&content, &origin));
    }
    if exposure.all_env || !exposure.vars.is_empty() {
        for var in env::current() {
            if exposure.all_env || exposure.vars.contains(&var.name) {
                sightings.extend(scanner.env(&var));
            }
        }
    }
    if exposure.history {
        sightings.extend(history(&settings, &engine));
    }
    let findings = crate::judge(&settings, &rules, sightings);
    let worst: Vec<&Finding> = findings.iter().filter(|f| f.severity >= options.deny_at).collect();
    Ok(match worst.first() {
        None => Decision::Allow,
        Some(_) => Decision::Deny(reason(action, &worst)),
    })
}

/// Credentials in the project's git history (nothing when it is not a repository). The
/// one slow path: it runs only for commands that print past commits.
fn history(settings: &crate::config::Settings, engine: &Engine) -> Vec<Sighting> {
    match crate::pipeline::git::history(settings, engine, &crate::NoProgress) {
        Ok(git) => crate::pipeline::git::fold(Vec::new(), git.sightings),
        Err(_) => Vec::new(),
    }
}

fn read_limited(path: &Path, max: Option<u64>) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let file = crate::source::fs::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(max.unwrap_or(u64::MAX)).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Relative to the project, `~/...` in the home, else absolute.
fn display(path: &Path, project: &Path, home: Option<&Path>) -> String {
    if let Ok(rel) = path.strip_prefix(project) {
        return crate::source::fs::display_path(rel);
    }
    match home {
        Some(home) if path.starts_with(home) => crate::source::home::display(home, path),
        _ => crate::source::fs::display_path(path),
    }
}

/// Credentials named in a reason; the rest are counted.
const NAMED: usize = 5;

/// The reason the agent sees: what would be exposed, how bad, and what to do instead.
/// Never the secret or a variable's value.
fn reason(action: &Action, worst: &[&Finding]) -> String {
    let item = |(i, f): (usize, &&Finding)| {
        let why: Vec<&str> =
            f.reasons.iter().map(String::as_str).filter(|r| !r.starts_with("within policy")).take(2).collect();
        let why = if i == 0 && !why.is_empty() { format!(": {}", why.join("; ")) } else { String::new() };
        let at = match action {
            Action::Read { .. } => String::new(),
            _ => format!(" in {}", places(f).join(", ")),
        };
        format!("a {} ({}{why}){at}", f.title, f.severity)
    };
    let items: Vec<String> = worst.iter().enumerate().take(NAMED).map(item).collect();
    let more = worst.len().saturating_sub(NAMED);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let what = match action {
        Action::Read { .. } => format!("reading {}", worst.first().map(|f| places(f).join(", ")).unwrap_or_default()),
        _ => "this command".to_string(),
    };
    format!(
        "keyreach: {what} would expose {}{more}. Do not read or print it; ask the user to run this step, \
or to provide a credential scoped to the task.",
        items.join("; ")
    )
}

/// Where a finding was seen, history locations with their commit.
fn places(f: &Finding) -> Vec<String> {
    f.credential
        .locations
        .iter()
        .map(|l| match &l.commit {
            Some(c) => format!("{} in git history (commit {})", l.path, &c.id[..c.id.len().min(12)]),
            None => l.path.clone(),
        })
        .collect()
}

/// The answer in the agent's format. Claude Code: nothing to allow (the normal permission
/// flow goes on), `hookSpecificOutput` to deny. Cursor: a `permission` object.
fn answer(agent: Agent, decision: &Decision) -> String {
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

    fn words(command: &str) -> Vec<Vec<String>> {
        split_commands(command).into_iter().map(|s| s.words).collect()
    }

    #[test]
    fn splits_commands_on_operators_and_quotes() {
        assert_eq!(words("cd app && cat '.env' | grep X"), [vec!["cd", "app"], vec!["cat", ".env"], vec!["grep", "X"]]);
        assert_eq!(words("echo \"a b\"; ls"), [vec!["echo", "a b"], vec!["ls"]]);
        assert_eq!(words("x=$(cat .env) y"), [vec!["x="], vec!["cat", ".env"], vec!["y"]]);
        let s = split_commands("sort < secrets.txt > out.txt");
        assert_eq!(s[0].words, ["sort"]);
        assert_eq!(s[0].inputs, ["secrets.txt"]);
    }

    #[test]
    fn finds_files_and_variables_a_command_exposes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "X=1").unwrap();
        let cwd = dir.path();
        let files = |c: &str| shell_exposure(c, cwd, 0).files;
        assert_eq!(files("cat .env"), [cwd.join(".env")]);
        assert_eq!(files("bash -c 'head -n1 .env'"), [cwd.join(".env")]);
        assert_eq!(files("wc -l < .env"), [cwd.join(".env")]);
        assert!(files("rm .env").is_empty());
        assert!(files("cat missing.txt").is_empty());
        assert!(shell_exposure("printenv", cwd, 0).all_env);
        assert!(shell_exposure("env | sort", cwd, 0).all_env);
        assert!(!shell_exposure("env FOO=1 make", cwd, 0).all_env);
        assert!(shell_exposure("cat /proc/self/environ", cwd, 0).all_env);
        assert_eq!(shell_exposure("echo \"$RAILWAY_TOKEN\" '$NOT'", cwd, 0).vars, ["RAILWAY_TOKEN"]);
        assert_eq!(shell_exposure("printenv GITHUB_TOKEN", cwd, 0).vars, ["GITHUB_TOKEN"]);
        assert_eq!(shell_exposure("curl -H \"x: ${API_KEY}\"", cwd, 0).vars, ["API_KEY"]);
        assert_eq!(shell_exposure("ls -la", cwd, 0), Exposure::default());
        for shows in [
            "git log -p",
            "git --no-pager log --patch -- config",
            "git show HEAD~3",
            "git log -S token",
            "git diff main..HEAD",
        ] {
            assert!(shell_exposure(shows, cwd, 0).history, "{shows}");
        }
        for quiet in ["git log --oneline", "git status", "git diff", "git add -A"] {
            assert!(!shell_exposure(quiet, cwd, 0).history, "{quiet}");
        }
    }

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
