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
