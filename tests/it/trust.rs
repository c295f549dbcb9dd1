//! Trust boundaries (issue 15): what a scanned repository's files, an agent's writes and a
//! pasted value can and cannot make keyreach do. Each test fails on the build before the
//! fix it guards.

use serde_json::Value;

use crate::audit::{Setup, finding};
use crate::util::{keyreach, run, stderr, stdout};

/// The home's AWS key stays reported, and as critical, whatever the workspace's own
/// `keyreach.toml` says: a repository may not hide or loosen what lies outside it.
#[test]
fn a_workspace_config_cannot_hide_or_loosen_home_and_environment_credentials() {
    let s = Setup::new();
    std::fs::write(
        s.workspace.path().join("keyreach.toml"),
        "[scan]\nmax_file_size = 0\n[policy]\nmax_level = \"admin\"\nunknown_scope = \"assume-read\"\n\
deny_destructive = false\ndeny_production = false\n[probe]\ntimeout = 0.05\nconcurrency = 32\n",
    )
    .unwrap();
    let (doc, _, out) = s.json(&[]);
    let err = stderr(&out);
    assert!(err.contains("[scan] max_file_size ignored"), "{err}");
    assert!(err.contains("[probe] timeout and concurrency ignored"), "{err}");
    let aws = finding(&doc, &s.secret("aws.secret-access-key"));
    assert_eq!(aws["severity"], "critical", "{aws}");
    let env = finding(&doc, &s.env_token);
    assert_eq!(env["severity"], "critical", "{env}");
    assert!(doc["stats"]["files"].as_u64().unwrap() > 3, "the files were scanned: {}", doc["stats"]);
}

/// `--trust-config` trusts the repository's probe endpoints, not its rules: a repository
/// rule claiming GitHub tokens are public test fixtures still cannot hide one.
#[test]
fn trusting_a_config_for_its_endpoints_does_not_trust_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keyreach.toml"),
        "[[rule]]\nid = \"acme.fixture\"\ntitle = \"Acme fixture\"\nprovider = \"acme\"\nkeywords = [\"ghp_\"]\n\
pattern = '\\b(ghp_[A-Za-z0-9]{36})\\b'\npriority = 1000\n[rule.scope]\ntest_mode = true\nlevel = \"none\"\n",
    )
    .unwrap();
    let token = crate::util::fake("{{gen:github-crc32:ghp_}}", "trusted-config");
    std::fs::write(dir.path().join(".env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = run(keyreach().env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir.path()).args([
        "--format",
        "json",
        "--trust-config",
    ]));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = &doc["findings"][0];
    assert_eq!((f["rule"].as_str(), f["severity"].as_str()), (Some("github.classic-pat"), Some("critical")), "{doc}");
}

fn repo_with_token() -> tempfile::TempDir {
    let dir = crate::util::repo();
    let token = crate::util::fake("{{gen:github-crc32:ghp_}}", "baseline-links");
    std::fs::write(dir.path().join("app.env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    dir
}

/// `keyreach baseline` never writes through a link a repository planted (even a dangling
/// one) and leaves its target untouched.
#[test]
fn the_baseline_is_never_written_through_a_symbolic_link() {
    use std::os::unix::fs::symlink;
    for planted in [".keyreach-baseline.json", ".gitattributes"] {
        let dir = repo_with_token();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("bashrc");
        std::fs::write(&victim, "export PATH=/usr/bin\n").unwrap();
        symlink(&victim, dir.path().join(planted)).unwrap();
        let dangling = outside.path().join("not-yet");
        let out = run(keyreach().current_dir(dir.path()).arg("baseline"));
        assert_eq!(out.status.code(), Some(2), "{planted}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("symbolic link") && err.lines().count() == 1, "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "export PATH=/usr/bin\n", "{planted}");
        std::fs::remove_file(dir.path().join(planted)).unwrap();
        symlink(&dangling, dir.path().join(planted)).unwrap();
        let out = run(keyreach().current_dir(dir.path()).arg("baseline"));
        assert_eq!(out.status.code(), Some(2), "{planted}: {}", stderr(&out));
        assert!(!dangling.exists(), "{planted}: a dangling link's target was created");
    }
}

/// A FIFO where a baseline should be is refused at once, never waited on.
#[test]
fn a_fifo_baseline_is_refused_without_blocking() {
    let dir = repo_with_token();
    let fifo = dir.path().join(".keyreach-baseline.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let secs = std::time::Duration::from_secs(30);
    for args in [vec!["scan", "--baseline", ".keyreach-baseline.json"], vec!["baseline", "--update"], vec!["baseline"]]
    {
        let out = crate::hostile::run_within(keyreach().current_dir(dir.path()).args(&args), secs);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("not a regular file"), "{args:?}: {}", stderr(&out));
    }
}

/// Runs `keyreach probe ARGS` with `input` on standard input.
fn probe(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    let home = tempfile::tempdir().unwrap();
    let mut child = keyreach()
        .env("XDG_CONFIG_HOME", home.path())
        .arg("probe")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A credential the rules recognise as one provider's is never sent to another, and a
/// generic `NAME=value` line sends only its value.
#[test]
fn a_credential_goes_only_to_its_own_provider() {
    let fake =
        crate::fake::Fake::start(|_| crate::fake::Reply::json(401, serde_json::json!({"message": "Bad credentials"})));
    let endpoint = format!("github={}", fake.url());
    let stripe = crate::util::fake("sk_{{}}live_{{alnum:32}}", "other-provider");
    let out = probe(&["--provider", "github", "--endpoint", &endpoint], &format!("STRIPE_SECRET_KEY={stripe}\n"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("holds a stripe credential, not a github one"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&stripe));
    assert!(fake.requests().is_empty(), "the Stripe key was sent to GitHub");
    let value = crate::util::fake("{{alnum:40}}", "generic-value");
    let out = probe(&["--provider", "github", "--endpoint", &endpoint], &format!("MY_SERVICE_TOKEN={value}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sent: Vec<String> =
        fake.requests().iter().filter_map(|r| r.header("authorization").map(str::to_string)).collect();
    assert!(
        !sent.is_empty() && sent.iter().all(|h| h.ends_with(&value) && !h.contains("MY_SERVICE_TOKEN")),
        "{sent:?}"
    );
}

/// A path holding a secret is redacted in every format, not only SARIF.
#[test]
fn a_secret_in_a_file_name_is_redacted_in_every_format() {
    let dir = crate::util::repo();
    let token = crate::util::fake("{{gen:github-crc32:ghp_}}", "in-a-name");
    let name = format!("token-{token}.txt");
    std::fs::write(dir.path().join(&name), format!("GITHUB_TOKEN={token}\n")).unwrap();
    for format in ["text", "json", "jsonl", "sarif", "html"] {
        let out = run(keyreach().arg("scan").arg(dir.path()).args(["--format", format, "--color", "never"]));
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("token-REDACTED.txt"), "{format}: {text}");
        assert!(!text.contains(&token[4..20]), "{format} shows the secret");
    }
    // A baseline made now still accepts it.
    let out = run(keyreach().current_dir(dir.path()).arg("baseline"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let baseline = std::fs::read_to_string(dir.path().join(".keyreach-baseline.json")).unwrap();
    assert!(!baseline.contains(&token[4..20]));
    let out = run(keyreach().current_dir(dir.path()).args(["scan", "--baseline", ".keyreach-baseline.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// A path named on the command line that cannot be read is an error (exit 2, the cause),
/// never a clean "no credentials found".
#[test]
fn an_unreadable_named_path_is_an_error_not_a_clean_scan() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.env");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let secs = std::time::Duration::from_secs(30);
    let out = crate::hostile::run_within(keyreach().arg("scan").arg(&fifo), secs);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot be read: not a regular file"), "{}", stderr(&out));
    // Standard input is a pipe here: /dev/stdin is not a file to scan.
    let out =
        crate::hostile::run_within(keyreach().arg("scan").arg("/dev/stdin").stdin(std::process::Stdio::piped()), secs);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

/// Files skipped inside a tree are named: under --verbose on stderr, and in the JSON and
/// SARIF reports.
#[test]
fn skipped_files_are_named_in_json_sarif_and_under_verbose() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("image.bin"), b"\x00\x01\x02binary\x00").unwrap();
    std::fs::write(dir.path().join("big.log"), "x".repeat(2_000_100)).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link")).unwrap();
    let home = tempfile::tempdir().unwrap();
    let scan = |args: &[&str]| {
        run(keyreach()
            .env("XDG_CONFIG_HOME", home.path())
            .arg("scan")
            .arg(dir.path())
            .args(["--max-file-size", "1"])
            .args(args))
    };
    let doc: Value = serde_json::from_str(&stdout(&scan(&["--format", "json"]))).unwrap();
    let skipped: Vec<(String, String)> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("big.log".to_string(), "over the size limit".to_string()),
            ("image.bin".to_string(), "binary".to_string()),
            ("link".to_string(), "a symbolic link, not followed".to_string()),
        ]
    );
    let sarif: Value = serde_json::from_str(&stdout(&scan(&["--format", "sarif"]))).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"] == "image.bin: not scanned: binary"), "{notes:?}");
    let out = scan(&["--verbose"]);
    let err = stderr(&out);
    assert!(err.contains("not scanned: big.log: over the size limit") && err.contains("config: none"), "{err}");
    assert!(!stderr(&scan(&[])).contains("not scanned"), "only under --verbose");
}
