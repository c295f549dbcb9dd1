//! `keyreach audit` end to end: a fixture workspace with history, MCP configs and ignore
//! files, a fake home built at test time, and environment variables set on the child.
//! Every reach label and verdict is asserted, secrets never reach the output, and agent
//! restrictions lower severity only when the policy says the agent has no shell.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixture::{Label, expand_tree, fake, fixtures};
use crate::util::{git, keyreach, run, stderr, stdout};

/// A workspace repository and a fake home, with every planted secret.
pub struct Setup {
    pub workspace: tempfile::TempDir,
    pub home: tempfile::TempDir,
    pub labels: Vec<Label>,
    /// The token only in git history.
    pub history_token: String,
    /// A Railway project token only in the environment.
    pub env_token: String,
    /// The SSH keys written to the home: without and with a passphrase.
    pub ssh_keys: [String; 2],
}

impl Setup {
    pub fn new() -> Setup {
        let workspace = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let mut labels = expand_tree(&fixtures().join("audit/workspace"), workspace.path());
        labels.extend(expand_tree(&fixtures().join("audit/home"), home.path()).into_iter().map(|mut l| {
            l.path = format!("~/{}", l.path);
            l
        }));
        let ws = workspace.path();
        git(ws, &["init", "-q"]);
        git(ws, &["add", "-A"]);
        git(ws, &["commit", "-q", "-m", "initial"]);
        let history_token = fake("{{gen:github-crc32:npm_}}", "audit-history");
        std::fs::create_dir_all(ws.join("config")).unwrap();
        std::fs::write(ws.join("config/old.npmrc"), format!("//registry.npmjs.org/:_authToken={history_token}\n"))
            .unwrap();
        git(ws, &["add", "config/old.npmrc"]);
        git(ws, &["commit", "-q", "-m", "publish config"]);
        git(ws, &["rm", "-q", "config/old.npmrc"]);
        git(ws, &["commit", "-q", "-m", "remove publish config"]);
        let ssh_keys = write_ssh_keys(home.path());
        let env_token = fake("{{uuid}}", "audit-env");
        Setup { workspace, home, labels, history_token, env_token, ssh_keys }
    }

    pub fn secret(&self, label: &str) -> String {
        self.labels.iter().find(|l| l.label == label).unwrap_or_else(|| panic!("no {label}")).value.clone()
    }

    /// `keyreach audit WORKSPACE --home HOME` with a clean environment holding
    /// `GITHUB_TOKEN` (the deploy script's token) and `RAILWAY_TOKEN`.
    pub fn command(&self) -> Command {
        let mut cmd = keyreach();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("GITHUB_TOKEN", self.secret("github.classic-pat"))
            .env("RAILWAY_TOKEN", &self.env_token)
            .env("EDITOR", "vi")
            .arg("audit")
            .arg(self.workspace.path())
            .arg("--home")
            .arg(self.home.path());
        cmd
    }

    pub fn json(&self, extra: &[&str]) -> (Value, String, std::process::Output) {
        let out = run(self.command().args(["--format", "json"]).args(extra));
        let text = stdout(&out);
        let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} {}", stderr(&out)));
        (doc, text, out)
    }
}

/// An unprotected and a passphrase-protected OpenSSH key (openssh-key-v1 header: cipher
/// and KDF names, then a random body), returned as written.
fn write_ssh_keys(home: &Path) -> [String; 2] {
    use base64::Engine as _;
    let key = |cipher: &str, kdf: &str, seed: &str| {
        let mut raw = b"openssh-key-v1\0".to_vec();
        for name in [cipher, kdf] {
            raw.extend_from_slice(&(name.len() as u32).to_be_bytes());
            raw.extend_from_slice(name.as_bytes());
        }
        raw.extend_from_slice(fake("{{alnum:180}}", seed).as_bytes());
        let body = base64::engine::general_purpose::STANDARD.encode(raw);
        let lines: Vec<&str> = body.as_bytes().chunks(70).map(|c| std::str::from_utf8(c).unwrap()).collect();
        format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----", lines.join("\n"))
    };
    let plain = key("none", "none", "ssh-plain");
    let protected = key("aes256-ctr", "bcrypt", "ssh-protected");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_ed25519"), format!("{plain}\n")).unwrap();
    std::fs::write(home.join(".ssh/id_deploy"), format!("{protected}\n")).unwrap();
    std::fs::write(home.join(".ssh/id_ed25519.pub"), "ssh-ed25519 AAAA fixture").unwrap();
    [plain, protected]
}

/// The finding holding `secret`.
pub fn finding<'a>(doc: &'a Value, secret: &str) -> &'a Value {
    let fingerprint = format!("sha256:{}", sha256_hex(secret));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fingerprint"] == fingerprint.as_str())
        .unwrap_or_else(|| panic!("no finding for a planted secret in {doc:#}"))
}

fn sha256_hex(text: &str) -> String {
    keyreach::credentials::Fingerprint::of(text.as_bytes()).to_string().trim_start_matches("sha256:").to_string()
}

/// (path, reach, agent_ignored, mcp_server) of each location.
fn places(f: &Value) -> Vec<(String, String, bool, Option<String>)> {
    f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["reach"].as_str().unwrap().to_string(),
                l["agent_ignored"].as_bool().unwrap(),
                l["mcp_server"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn place(path: &str, reach: &str, ignored: bool, mcp: Option<&str>) -> (String, String, bool, Option<String>) {
    (path.to_string(), reach.to_string(), ignored, mcp.map(str::to_string))
}

#[test]
fn every_place_an_agent_reaches_with_its_reach_label_and_verdict() {
    let s = Setup::new();
    let (doc, text, out) = s.json(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // The deploy script's token is also in the environment: one credential, two ways in.
    let github = finding(&doc, &s.secret("github.classic-pat"));
    assert_eq!(
        places(github),
        [place("$GITHUB_TOKEN", "env", false, None), place("deploy/release.sh", "tracked", false, None)]
    );
    assert_eq!(github["locations"][0]["line"], Value::Null);
    assert_eq!(github["severity"], "critical");

    let railway = finding(&doc, &s.secret("railway.api-token"));
    assert_eq!(places(railway), [place(".env", "ignored", true, None)]);
    assert_eq!(railway["severity"], "critical");
    let reasons: Vec<&str> = railway["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.starts_with("agent-ignored, but the agent has a shell")), "{reasons:?}");

    let stripe = finding(&doc, &s.secret("stripe.secret-key-live"));
    assert_eq!(places(stripe), [place("secrets/stripe.txt", "ignored", true, None)]);
    assert_eq!(stripe["severity"], "critical");

    let slack = finding(&doc, &s.secret("slack.bot-token"));
    assert_eq!(places(slack), [place(".cursor/mcp.json", "tracked", false, Some("slack"))]);
    let linear = finding(&doc, &s.secret("linear.api-key"));
    assert_eq!(places(linear), [place(".cursor/mcp.json", "tracked", false, Some("linear"))]);
    assert!(linear["locations"][0]["line"].as_u64().is_some());

    let cli_session = finding(&doc, &s.secret("railway.cli-session"));
    assert_eq!(places(cli_session), [place("~/.railway/config.json", "home", false, None)]);
    assert_eq!(cli_session["rule"], "railway.cli-session");
    assert_eq!(cli_session["severity"], "critical");
    assert_eq!(
        places(finding(&doc, &s.secret("github.oauth-token"))),
        [place("~/.config/gh/hosts.yml", "home", false, None)]
    );
    assert_eq!(places(finding(&doc, &s.secret("npm.access-token"))), [place("~/.npmrc", "home", true, None)]);
    assert_eq!(
        places(finding(&doc, &s.secret("huggingface.access-token"))),
        [place("~/.bash_history", "home", false, None)]
    );
    let mcp_home = finding(&doc, &s.secret("github.fine-grained-pat"));
    assert_eq!(places(mcp_home), [place("~/.cursor/mcp.json", "home", false, Some("github"))]);
    assert_eq!(places(finding(&doc, &s.env_token)), [place("$RAILWAY_TOKEN", "env", false, None)]);
    let aws = finding(&doc, &s.secret("aws.secret-access-key"));
    assert_eq!(places(aws), [place("~/.aws/credentials", "home", false, None)]);
    assert_eq!(aws["provider"], "aws");
    let plain_key = finding(&doc, &s.ssh_keys[0]);
    assert_eq!(
        (plain_key["rule"].as_str(), plain_key["severity"].as_str()),
        (Some("private-key.openssh"), Some("critical"))
    );
    assert_eq!(places(plain_key), [place("~/.ssh/id_ed25519", "home", false, None)]);
    let protected_key = finding(&doc, &s.ssh_keys[1]);
    assert_eq!(protected_key["rule"], "private-key.openssh-encrypted");
    assert_eq!(places(protected_key), [place("~/.ssh/id_deploy", "home", false, None)]);
    assert!(protected_key["reasons"][0].as_str().unwrap().starts_with("passphrase-protected"), "{protected_key:#}");

    // Verdicts: everything planted is over policy (read) but the passphrase-protected key,
    // whose passphrase the agent does not reach; each has reasons.
    assert_eq!(protected_key["severity"], "medium");
    for f in doc["findings"].as_array().unwrap() {
        let expected: &[&str] = if f == protected_key { &["medium"] } else { &["critical", "high"] };
        assert!(expected.contains(&f["severity"].as_str().unwrap()), "{f:#}");
        assert!(!f["reasons"].as_array().unwrap().is_empty());
    }

    // What was read.
    let sources = &doc["audit"]["sources"];
    let home_files: Vec<(&str, &str)> = sources["home_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    for expected in [
        ("~/.aws/credentials", "credentials"),
        ("~/.bash_history", "history"),
        ("~/.config/gh/hosts.yml", "credentials"),
        ("~/.npmrc", "credentials"),
        ("~/.railway/config.json", "credentials"),
        ("~/.ssh/id_deploy", "ssh-key"),
        ("~/.ssh/id_ed25519", "ssh-key"),
    ] {
        assert!(home_files.contains(&expected), "{expected:?} not in {home_files:?}");
    }
    let key = |path: &str| {
        sources["home_files"].as_array().unwrap().iter().find(|f| f["path"] == path).unwrap()["passphrase"].clone()
    };
    assert_eq!(key("~/.ssh/id_ed25519"), Value::Bool(false));
    assert_eq!(key("~/.ssh/id_deploy"), Value::Bool(true));
    assert_eq!(sources["env_vars"], 6);
    let restrictions: Vec<(&str, u64)> = sources["restrictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["rules"].as_u64().unwrap()))
        .collect();
    assert_eq!(restrictions, [(".cursorignore", 1), (".claude/settings.json", 1), ("~/.claude/settings.json", 1)]);
    let configs: Vec<(&str, &str)> = sources["agent_configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap(), c["scope"].as_str().unwrap()))
        .collect();
    assert_eq!(
        configs,
        [
            (".cursor/mcp.json", "workspace"),
            (".claude/settings.json", "workspace"),
            ("~/.cursor/mcp.json", "home"),
            ("~/.claude/settings.json", "home")
        ]
    );

    // The summary.
    let summary = &doc["audit"]["summary"];
    let total = doc["findings"].as_array().unwrap().len() as u64;
    assert_eq!(summary["credentials"], total);
    assert_eq!(summary["over_policy"], total - 1);
    assert_eq!(summary["worst"].as_array().unwrap().len(), 3);

    // No secret and no environment value anywhere in the output.
    let keys = s.ssh_keys.iter().map(|k| k.lines().nth(1).unwrap());
    for secret in
        s.labels.iter().map(|l| l.value.as_str()).chain([s.env_token.as_str(), s.history_token.as_str()]).chain(keys)
    {
        assert!(!text.contains(secret), "a secret leaked into the report");
        assert!(!stderr(&out).contains(secret));
    }
}

/// The order a security engineer would rotate in, without `--probe`:
/// 1. the Stripe live secret key: known offline to be admin on real money in production;
/// 2. the Railway CLI login session: known to hold the full power of the account (it can
///    delete volumes and their backups), though which projects are production is unknown;
/// 3. every credential of unknown scope, counted as a master key (an unscoped key is a
///    master key until a provider says otherwise) but below those known to be that bad,
///    among themselves by provider, each saying what `--probe` would learn;
/// 4. last, the passphrase-protected SSH key: useless without a passphrase the agent does
///    not reach, so medium and below everything over policy.
#[test]
fn audit_ranks_what_is_known_to_be_at_stake_first() {
    let s = Setup::new();
    let (doc, _, _) = s.json(&[]);
    let findings = doc["findings"].as_array().unwrap();
    let order: Vec<(&str, &str)> =
        findings.iter().map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap())).collect();
    assert_eq!(
        order,
        [
            ("stripe.secret-key-live", "critical"),
            ("railway.cli-session", "critical"),
            ("aws.access-key", "critical"),
            ("github.classic-pat", "critical"),
            ("github.fine-grained-pat", "critical"),
            ("github.oauth-token", "critical"),
            ("huggingface.access-token", "critical"),
            ("linear.api-key", "critical"),
            ("npm.access-token", "critical"),
            ("npm.access-token", "critical"),
            ("private-key.openssh", "critical"),
            ("railway.api-token", "critical"),
            ("railway.project-token", "critical"),
            ("slack.bot-token", "critical"),
            ("private-key.openssh-encrypted", "medium"),
        ]
    );
    for f in &findings[2..findings.len() - 1] {
        assert_eq!(f["scope"]["level"], "unknown", "{f:#}");
        let reasons: Vec<&str> = f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        assert!(
            reasons.iter().any(|r| r.starts_with("`--probe` would learn") || r.contains("checked by hand")),
            "{reasons:?}"
        );
    }
    // What an operator needs: the AWS access key id in full (an identifier, never the
    // secret), and where to rotate each.
    let aws = finding(&doc, &s.secret("aws.secret-access-key"));
    let key_id = aws["handles"]["key_id"].as_str().expect("the key id");
    assert!(key_id.starts_with("AKIA") && key_id.len() == 20, "{aws:#}");
    assert!(!s.secret("aws.secret-access-key").contains(key_id));
    assert_eq!(aws["rotate"]["console"], "https://console.aws.amazon.com/iam/home#/users");
    assert!(aws["rotate"]["cli"].as_str().unwrap().starts_with("aws iam update-access-key"));
    let text = stdout(&run(&mut s.command()));
    assert!(text.contains(&format!("key id    {key_id}")), "{text}");
    assert!(text.contains("rotate    https://dashboard.stripe.com/apikeys"), "{text}");
    let sarif = stdout(&run(s.command().args(["--format", "sarif"])));
    assert!(sarif.contains(key_id), "the key id survives the SARIF scrubber");
    assert!(sarif.contains("Where to rotate or revoke it at aws"), "{sarif}");
    assert!(!sarif.contains(&s.secret("aws.secret-access-key")));
    // Targets are per kind of credential, not per provider: the three Railway credentials
    // reach three different things, and only the live Stripe key's target is production.
    let graph = &doc["audit"]["graph"];
    let label = |id: &Value| {
        graph["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| &t["id"] == id)
            .map(|t| (t["label"].as_str().unwrap().to_string(), t["production"].as_bool().unwrap()))
    };
    let targets_of = |rule: &str| -> Vec<(String, bool)> {
        let c = graph["credentials"].as_array().unwrap().iter().find(|c| c["rule"] == rule).unwrap();
        c["targets"].as_array().unwrap().iter().filter_map(label).collect()
    };
    let railway: Vec<Vec<(String, bool)>> =
        ["railway.api-token", "railway.project-token", "railway.cli-session"].iter().map(|r| targets_of(r)).collect();
    assert!(railway[0] != railway[1] && railway[1] != railway[2] && railway[0] != railway[2], "{railway:?}");
    assert_eq!(
        targets_of("railway.project-token"),
        [("railway project environment the token was made for".into(), false)]
    );
    assert_eq!(targets_of("stripe.secret-key-live"), [("stripe account, live mode".into(), true)]);
    let worst: Vec<&str> =
        doc["audit"]["summary"]["worst"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    let fingerprints: Vec<&str> = findings[..3].iter().map(|f| f["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(worst, fingerprints);
}

#[test]
fn git_history_is_one_more_source() {
    let s = Setup::new();
    let (doc, _, _) = s.json(&[]);
    assert_eq!(doc["audit"]["sources"]["history"], "scanned");
    // Removed from the tree, one `git log -p` away: reach `history`, with its commit.
    let removed = finding(&doc, &s.history_token);
    assert_eq!(places(removed), [place("config/old.npmrc", "history", false, None)]);
    let location = &removed["locations"][0];
    assert_eq!(location["commit"].as_str().map(str::len), Some(40));
    assert_eq!(location["commit_date"], "2026-01-01T00:00:00Z");
    assert_eq!(removed["severity"], "critical");
    // Still in the tree too: history adds no second location.
    let deploy = finding(&doc, &s.secret("github.classic-pat"));
    assert!(places(deploy).iter().all(|p| p.1 != "history"), "{deploy:#}");

    let (doc, _, _) = s.json(&["--no-history"]);
    assert_eq!(doc["audit"]["sources"]["history"], "off");
    let fingerprint = format!("sha256:{}", sha256_hex(&s.history_token));
    assert!(doc["findings"].as_array().unwrap().iter().all(|f| f["fingerprint"] != fingerprint.as_str()));

    // Not a repository: said, not fatal.
    std::fs::remove_dir_all(s.workspace.path().join(".git")).unwrap();
    let (doc, _, out) = s.json(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(doc["audit"]["sources"]["history"], "unavailable");
    assert!(doc["audit"]["sources"]["history_note"].as_str().unwrap().contains("not inside a git repository"));
}

#[test]
fn sources_can_be_turned_off() {
    let s = Setup::new();
    let (doc, _, _) = s.json(&["--no-home", "--no-env", "--no-history"]);
    let paths: Vec<String> =
        doc["findings"].as_array().unwrap().iter().flat_map(|f| places(f).into_iter().map(|p| p.1)).collect();
    assert!(!paths.is_empty());
    assert!(paths.iter().all(|reach| reach == "tracked" || reach == "ignored"), "{paths:?}");
    assert_eq!(doc["audit"]["sources"]["home"], Value::Null);
    assert_eq!(doc["audit"]["sources"]["env_vars"], Value::Null);
}

#[test]
fn restrictions_lower_severity_only_when_the_agent_has_no_shell() {
    let s = Setup::new();
    let config = s.home.path().join("no-shell.toml");
    std::fs::write(&config, "[policy]\nagent_has_shell = false\n").unwrap();
    let (doc, _, _) = s.json(&["--config", config.to_str().unwrap()]);
    assert_eq!(doc["audit"]["sources"]["agent_has_shell"], false);
    // Hidden from file tools and nowhere else: out of reach.
    for label in ["railway.api-token", "stripe.secret-key-live", "npm.access-token"] {
        let f = finding(&doc, &s.secret(label));
        assert_eq!(f["severity"], "low", "{label}: {f:#}");
        let last = f["reasons"].as_array().unwrap().last().unwrap().as_str().unwrap();
        assert!(last.starts_with("out of the agent's reach"), "{last}");
    }
    // Only in the environment: a shell-less agent cannot print it either.
    assert_eq!(finding(&doc, &s.env_token)["severity"], "low");
    // Readable with file tools, or wielded through an MCP server: unchanged.
    assert_eq!(finding(&doc, &s.secret("github.classic-pat"))["severity"], "critical");
    assert_eq!(
        finding(&doc, &s.secret("slack.bot-token"))["severity"],
        finding(&s.json(&[]).0, &s.secret("slack.bot-token"))["severity"]
    );
}

#[test]
fn the_text_report_leads_with_a_summary_then_every_way_in() {
    let s = Setup::new();
    let out = run(s.command().args(["--color", "never"]));
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("keyreach audit: the agent reaches "), "{first}");
    assert!(first.contains(" over policy ("), "{first}");
    assert_eq!(text.lines().nth(1), Some("worst:"));
    assert!(text.contains("reached   reads deploy/release.sh:4 (tracked file)"), "{text}");
    assert!(text.contains("reads $GITHUB_TOKEN from its environment (printenv, echo)"), "{text}");
    assert!(
        text.contains("reads .env:2 (git-ignored file; hidden from file tools by .cursorignore, not from the shell)"),
        "{text}"
    );
    assert!(
        text.contains("wields it through MCP server slack (env SLACK_BOT_TOKEN, Cursor config .cursor/mcp.json)"),
        "{text}"
    );
    assert!(text.contains("runs git log -p: config/old.npmrc:1 in commit "), "{text}");
    assert!(text.contains(", 2026-01-01, removed from the tree but kept in history"), "{text}");
    assert!(text.contains("history   every commit reachable from a ref"), "{text}");
    assert!(text.contains("~/.ssh/id_ed25519  SSH private key, no passphrase"), "{text}");
    assert!(text.contains("~/.ssh/id_deploy  SSH private key, passphrase-protected"), "{text}");
    assert!(text.contains(".cursorignore (Cursor): 1 rule\n"), "{text}");
    assert!(text.contains("reads ~/.bash_history:2 (shell history file)"), "{text}");
    assert!(text.contains("reads ~/.cursor/mcp.json:6 (Cursor configuration)"), "{text}");
    for secret in s.labels.iter().map(|l| l.value.as_str()).chain([s.env_token.as_str()]) {
        assert!(!text.contains(secret), "a secret leaked into the text report");
    }
}

#[test]
fn scan_marks_what_the_workspace_hides_from_agents_too() {
    let s = Setup::new();
    std::fs::create_dir_all(s.workspace.path().join("app")).unwrap();
    std::fs::write(s.workspace.path().join("app/.aiexclude"), "release.env\n").unwrap();
    let token = fake("RAILWAY_API_TOKEN={{uuid}}", "aiexclude");
    std::fs::write(s.workspace.path().join("app/release.env"), &token).unwrap();
    let out = run(keyreach().arg("scan").arg(s.workspace.path()).args(["--format", "json"]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ignored: Vec<(String, bool)> =
        doc["findings"].as_array().unwrap().iter().flat_map(|f| places(f).into_iter().map(|p| (p.0, p.2))).collect();
    for expected in
        [(".env", true), ("secrets/stripe.txt", true), ("app/release.env", true), ("deploy/release.sh", false)]
    {
        assert!(ignored.contains(&(expected.0.to_string(), expected.1)), "{expected:?} in {ignored:?}");
    }
}

#[test]
fn a_missing_home_is_a_usage_error() {
    let s = Setup::new();
    let missing: PathBuf = s.home.path().join("nope");
    let out = run(keyreach().arg("audit").arg(s.workspace.path()).arg("--home").arg(&missing));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--home") && err.contains("not a directory"), "{err}");
    let out = run(keyreach().arg("audit").arg(s.workspace.path()).arg(s.home.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("audit takes one workspace directory"), "{}", stderr(&out));
}

#[test]
fn an_unset_home_is_named_as_the_reason_no_home_was_read() {
    let s = Setup::new();
    let audit = |home: Option<&str>, extra: &[&str]| {
        let mut cmd = keyreach();
        cmd.arg("audit").arg(s.workspace.path()).args(["--no-env", "--no-history", "--color", "never"]).args(extra);
        match home {
            Some(h) => cmd.env("HOME", h),
            None => cmd.env_remove("HOME"),
        };
        let out = run(&mut cmd);
        assert_eq!(out.status.code().map(|c| c < 2), Some(true), "{}", stderr(&out));
        crate::util::stdout(&out)
    };
    let text = audit(None, &[]);
    assert!(text.contains("not read ($HOME is not set; --home DIR names one)"), "{text}");
    assert!(!text.contains("--no-home)"), "{text}");
    let text = audit(Some("/nonexistent/keyreach-home"), &[]);
    assert!(text.contains("not read ($HOME (/nonexistent/keyreach-home) is not a directory)"), "{text}");
    let text = audit(None, &["--no-home"]);
    assert!(text.contains("not read (--no-home)"), "{text}");
    let json = audit(None, &["--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["audit"]["sources"]["home_note"], "$HOME is not set; --home DIR names one", "{json}");
}
