//! `keyreach guard` with recorded hook payloads (fixtures/guard/): Claude Code PreToolUse
//! and Cursor beforeReadFile / beforeShellExecution, piped to the binary against the audit
//! fixture's workspace and fake home. Each call is allowed or denied in the agent's own
//! output format, and no reason ever carries a secret.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::audit::Setup;
use crate::fixture::fixtures;
use crate::util::{keyreach, stderr, stdout};

/// The recorded payload `name` with the placeholders filled in.
fn payload(s: &Setup, name: &str, content: Option<&str>) -> String {
    let text = std::fs::read_to_string(fixtures().join("guard").join(name)).unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    fill(&mut value, &|t: &str| {
        t.replace("@WORKSPACE@", s.workspace.path().to_str().unwrap())
            .replace("@HOME@", s.home.path().to_str().unwrap())
            .replace("@CONTENT@", content.unwrap_or(""))
    });
    value.to_string()
}

fn fill(value: &mut Value, f: &dyn Fn(&str) -> String) {
    match value {
        Value::String(t) => *t = f(t),
        Value::Array(items) => items.iter_mut().for_each(|v| fill(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| fill(v, f)),
        _ => {}
    }
}

/// `keyreach guard` as the agent runs it: the agent's environment (the fake home and its
/// variables), the payload on stdin.
fn guard_command(s: &Setup) -> Command {
    let mut cmd = keyreach();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", s.home.path())
        .env("XDG_CONFIG_HOME", s.home.path().join(".config"))
        .env("GITHUB_TOKEN", s.secret("github.classic-pat"))
        .env("RAILWAY_TOKEN", &s.env_token)
        .current_dir(s.workspace.path())
        .arg("guard");
    cmd
}

fn pipe(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn guard(s: &Setup, name: &str) -> Output {
    pipe(guard_command(s), &payload(s, name, None))
}

/// The reason of a Claude Code deny, checking the documented shape.
fn claude_denied(s: &Setup, out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)));
    let specific = &answer["hookSpecificOutput"];
    assert_eq!(specific["hookEventName"], "PreToolUse");
    assert_eq!(specific["permissionDecision"], "deny");
    let reason = specific["permissionDecisionReason"].as_str().unwrap().to_string();
    assert_no_secret(s, &reason);
    reason
}

fn claude_allowed(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    assert_eq!(stdout(out), "", "an allowed call prints nothing, so the normal permission flow goes on");
}

fn assert_no_secret(s: &Setup, text: &str) {
    for secret in s.labels.iter().map(|l| l.value.as_str()).chain([s.env_token.as_str()]) {
        assert!(!text.contains(secret), "a secret leaked into the answer: {text}");
    }
}

#[test]
fn claude_code_reads_of_files_holding_credentials_over_policy_are_denied() {
    let s = Setup::new();
    let reason = claude_denied(&s, &guard(&s, "claude-read-env.json"));
    assert!(
        reason.starts_with("keyreach: reading .env would expose a Railway account or workspace token (critical"),
        "{reason}"
    );
    let reason = claude_denied(&s, &guard(&s, "claude-edit-deploy.json"));
    assert!(reason.contains("deploy/release.sh") && reason.contains("GitHub personal access token"), "{reason}");
    claude_allowed(&guard(&s, "claude-read-source.json"));
}

#[test]
fn claude_code_shell_commands_that_would_show_a_credential_are_denied() {
    let s = Setup::new();
    let reason = claude_denied(&s, &guard(&s, "claude-bash-cat-env.json"));
    assert!(
        reason.starts_with("keyreach: this command would expose a Railway account or workspace token (critical: "),
        "{reason}"
    );
    assert!(reason.contains(") in .env."), "{reason}");
    let reason = claude_denied(&s, &guard(&s, "claude-bash-railway-config.json"));
    assert!(reason.contains("~/.railway/config.json") && reason.contains("Railway CLI login session"), "{reason}");
    let reason = claude_denied(&s, &guard(&s, "claude-bash-printenv.json"));
    assert!(reason.contains("$GITHUB_TOKEN") || reason.contains("$RAILWAY_TOKEN"), "{reason}");
    let reason = claude_denied(&s, &guard(&s, "claude-bash-echo-var.json"));
    assert!(reason.contains("$GITHUB_TOKEN"), "{reason}");
    claude_allowed(&guard(&s, "claude-bash-tests.json"));
}

#[test]
fn git_commands_that_print_past_commits_are_checked_against_history() {
    let s = Setup::new();
    let reason = claude_denied(&s, &guard(&s, "claude-bash-git-log-patch.json"));
    assert!(reason.contains("config/old.npmrc in git history (commit "), "{reason}");
    assert!(reason.contains("npm access token"), "{reason}");
    assert!(!reason.contains(&s.history_token));
    claude_allowed(&guard(&s, "claude-bash-git-log-oneline.json"));
}

#[test]
fn cursor_hooks_get_a_permission_answer() {
    let s = Setup::new();
    let env = std::fs::read_to_string(s.workspace.path().join(".env")).unwrap();
    let out = pipe(guard_command(&s), &payload(&s, "cursor-before-read-file.json", Some(&env)));
    assert_eq!(stdout(&out), "{\"permission\":\"deny\"}\n", "{}", stderr(&out));
    let out = guard(&s, "cursor-before-shell-deploy.json");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["permission"], "deny");
    let message = answer["agent_message"].as_str().unwrap();
    assert!(message.contains("deploy/release.sh"), "{message}");
    assert_eq!(answer["user_message"], answer["agent_message"]);
    assert_no_secret(&s, &stdout(&out));
    let out = guard(&s, "cursor-before-shell-build.json");
    assert_eq!(stdout(&out), "{\"permission\":\"allow\"}\n");
}

#[test]
fn the_projects_policy_decides() {
    let s = Setup::new();
    // An agent allowed to administer: what is not destructive or production passes, once
    // the project commits that policy (a working-tree edit could be the agent's own).
    std::fs::write(
        s.workspace.path().join("keyreach.toml"),
        "[policy]\nmax_level = \"admin\"\nunknown_scope = \"assume-write\"\ndeny_destructive = false\n",
    )
    .unwrap();
    claude_denied(&s, &guard(&s, "claude-read-env.json"));
    crate::util::git(s.workspace.path(), &["add", "keyreach.toml"]);
    crate::util::git(s.workspace.path(), &["commit", "-q", "-m", "policy"]);
    claude_allowed(&guard(&s, "claude-read-env.json"));
    // Stricter threshold from the command line: deny even what is within policy.
    let mut cmd = guard_command(&s);
    cmd.args(["--deny-at", "medium"]);
    claude_denied(&s, &pipe(cmd, &payload(&s, "claude-read-env.json", None)));
}

#[test]
fn bad_hook_input_is_a_one_line_error() {
    let s = Setup::new();
    let out = pipe(guard_command(&s), "{not json");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("keyreach: hook input is not JSON") && err.lines().count() == 1, "{err}");
    let out = pipe(guard_command(&s), "{\"hello\": 1}");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("neither a Claude Code PreToolUse nor a Cursor hook payload"));
}
