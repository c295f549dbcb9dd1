//! Hostile configuration: a scanned repository's `keyreach.toml` may describe the repository
//! (its policy, its allow-list, extra rules) but cannot hide what keyreach's own rules find,
//! cannot reach outside itself, cannot redirect probes and cannot make keyreach execute
//! anything; user rules with pathological regexes are refused or run in linear time.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::fake::Fake;
use crate::fake::providers::{Mode, World, handler};
use crate::hostile::run_within;
use crate::util::{commit_all, fake, git, keyreach, repo, stderr, stdout, write};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

fn scan(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let home = tempfile::tempdir().unwrap();
    let out = run_within(
        keyreach().env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir).args(["--format", "json"]).args(extra),
        Duration::from_secs(120),
    );
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap(), doc, stderr(&out))
}

fn rules_found(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    out.sort();
    out
}

/// A repository rule claiming every GitHub token and every quoted password is public.
const HIDING_RULES: &str = r#"
[[rule]]
id = "acme.internal-token"
title = "Acme internal token (public by design)"
provider = "acme"
keywords = ["ghp_"]
pattern = '''\b(ghp_[A-Za-z0-9]{36})\b'''
priority = 1000
[rule.scope]
public = true

[[rule]]
id = "acme.sample-password"
title = "Acme sample password"
provider = "acme"
keywords = ["password"]
pattern = '''password\s*=\s*"([^"]+)"'''
[rule.scope]
test_mode = true
level = "none"
"#;

#[test]
fn a_repositorys_rules_cannot_hide_or_downgrade_what_keyreach_finds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keyreach.toml"), HIDING_RULES).unwrap();
    std::fs::write(dir.path().join(".env"), format!("GITHUB_TOKEN={}\n", token("hide"))).unwrap();
    std::fs::write(dir.path().join("settings.py"), "password = \"Xk9#qL2v!mR7wPz\"\n").unwrap();
    let (code, doc, err) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let rules = rules_found(&doc);
    assert!(rules.contains(&"github.classic-pat".to_string()), "{rules:?}");
    assert!(!rules.iter().any(|r| r.starts_with("acme.")), "the repository's rules named a credential: {rules:?}");
    assert_eq!(rules.len(), 2, "the password is still reported by keyreach's own rule: {rules:?}");
    assert!(doc["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "critical"), "{doc}");
    // The user's own choice (`--config FILE`) is trusted; `--trust-config` trusts the
    // repository's probe endpoints only, never its rules.
    let untrusted = rules_found(&doc);
    let config = dir.path().join("keyreach.toml");
    let (code, doc, _) = scan(dir.path(), &["--config", config.to_str().unwrap()]);
    assert_eq!((code, rules_found(&doc)), (1, vec!["acme.sample-password".to_string()]));
    let (_, trusted, _) = scan(dir.path(), &["--trust-config"]);
    assert_eq!(rules_found(&trusted), untrusted);
}

#[test]
fn a_repositorys_allow_list_covers_only_its_own_paths() {
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(outer.path().join("neighbour.env"), format!("T={}\n", token("neighbour"))).unwrap();
    std::fs::write(dir.join("app.env"), format!("T={}\n", token("app"))).unwrap();
    let absolute = format!("{}/**", outer.path().display());
    std::fs::write(
        dir.join("keyreach.toml"),
        format!("[allow]\npaths = [\"../**\", \"/**\", \"~/**\", \"$*\", {absolute:?}]\n"),
    )
    .unwrap();
    // Nothing outside the repository is scanned with its config, and none of these globs
    // names a path inside it: its own finding stays.
    let (code, doc, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    let paths: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["locations"][0]["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["app.env"]);
    // Scanning the parent with the child's config does not apply it either.
    let (_, doc, _) = scan(outer.path(), &[]);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2, "{doc}");
}

/// A script that, if ever run, leaves a marker file.
fn trap_script(dir: &Path, name: &str, marker: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\necho {name} >> {}\n", marker.display())).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn nothing_in_a_scanned_tree_is_ever_executed() {
    let traps = tempfile::tempdir().unwrap();
    let marker = traps.path().join("EXECUTED");
    let bin = traps.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let script = trap_script(traps.path(), "trap.sh", &marker);
    // Helpers found on PATH by name, as git, docker and kubectl would look them up.
    for name in ["docker-credential-evil", "git-credential-evil", "aws-vault", "kubectl", "gke-gcloud-auth-plugin"] {
        trap_script(&bin, name, &marker);
    }
    let dir = repo();
    let root = dir.path();
    let key_id = fake("{{gen:aws-key-id:AKIA}}", "exec-id");
    let secret_key = fake("{{b64:40}}", "exec-secret");
    write(
        root,
        ".aws/credentials",
        &format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret_key}\n"),
    );
    write(
        root,
        ".aws/config",
        &format!("[default]\ncredential_process = {script}\n[profile other]\ncredential_process = aws-vault exec x\n"),
    );
    write(
        root,
        "kube/config",
        &format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {script}\n      args: [\"token\"]\n- name: g\n  user:\n    auth-provider:\n      name: gcp\n      config:\n        cmd-path: {script}\n"
        ),
    );
    write(root, ".docker/config.json", r#"{"credsStore": "evil", "credHelpers": {"registry.example.com": "evil"}}"#);
    write(root, ".npmrc", &format!("script-shell={script}\n//registry.npmjs.org/:_authToken=${{NPM_TOKEN}}\n"));
    write(root, ".envrc", &format!("{script}\n"));
    write(root, ".gitattributes", "* filter=evil diff=evil\n");
    write(root, ".gitmodules", &format!("[submodule \"x\"]\n\tpath = x\n\turl = ./x\n\tupdate = !{script}\n"));
    write(root, "app.env", &format!("GITHUB_TOKEN={}\n", token("exec")));
    commit_all(root, "fixture");
    // Staged before the hostile config exists (git itself would run the filters).
    std::fs::write(root.join("app.env"), format!("GITHUB_TOKEN={}\n", token("exec-staged"))).unwrap();
    git(root, &["add", "app.env"]);
    for (key, value) in [
        ("core.fsmonitor", script.clone()),
        ("core.hooksPath", traps.path().display().to_string()),
        ("core.sshCommand", script.clone()),
        ("core.pager", script.clone()),
        ("core.askPass", script.clone()),
        ("filter.evil.clean", script.clone()),
        ("filter.evil.smudge", script.clone()),
        ("filter.evil.process", script.clone()),
        ("diff.evil.textconv", script.clone()),
        ("diff.external", script.clone()),
        ("credential.helper", format!("!{script}")),
        ("gpg.program", script.clone()),
    ] {
        git(root, &["config", key, &value]);
    }
    let sts = Fake::start(handler(
        World {
            provider: "aws",
            kind: "readonly",
            secret: secret_key.clone(),
            companion: Some(key_id.clone()),
            parts: vec![],
        },
        Mode::Ok,
    ));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let endpoint = format!("aws={}", sts.url());
    for args in [
        vec!["scan"],
        vec!["scan", "--staged"],
        vec!["scan", "--history"],
        vec!["scan", "--follow", "--binary"],
        vec!["scan", "--probe", "--endpoint", &endpoint],
    ] {
        let out = run_within(
            keyreach().env("PATH", &path).env("GIT_ASKPASS", &script).current_dir(root).args(&args).arg("."),
            Duration::from_secs(120),
        );
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&out));
        assert!(!marker.exists(), "{args:?} executed {}", std::fs::read_to_string(&marker).unwrap_or_default());
    }
    // The probe read the key from the file and asked the (fake) provider; nothing else ran.
    assert!(!sts.requests().is_empty(), "the AWS key was probed");
    sts.assert_clean();
}

#[test]
fn proxies_from_the_environment_are_never_used() {
    let secret = token("proxy");
    let github = Fake::start(handler(
        World { provider: "github", kind: "classic", secret: secret.clone(), companion: None, parts: vec![] },
        Mode::Ok,
    ));
    let proxy = Fake::start(|_| crate::fake::Reply::json(200, serde_json::json!({})));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), format!("GITHUB_TOKEN={secret}\n")).unwrap();
    let mut cmd = keyreach();
    for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        cmd.env(var, proxy.url());
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    let out = run_within(
        cmd.arg("scan").arg(dir.path()).args([
            "--probe",
            "--format",
            "json",
            "--endpoint",
            &format!("github={}", github.url()),
        ]),
        Duration::from_secs(60),
    );
    assert!(proxy.requests().is_empty(), "a proxy from the environment saw the request");
    assert!(!github.requests().is_empty());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["scope"]["source"], "probe", "{doc}");
}

#[test]
fn a_user_rule_that_compiles_too_large_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for (pattern, why) in [
        ("acme_(?:a{1000}){1000}", "compiles to more than the 2097152-byte limit"),
        ("acme_(?:[a-z]{200}){200}", "compiles to more than the 2097152-byte limit"),
        ("acme_a{100000}", "repetition"),
    ] {
        std::fs::write(
            dir.path().join("keyreach.toml"),
            format!("[[rule]]\nid = \"acme.huge\"\ntitle = \"t\"\nprovider = \"acme\"\nkeywords = [\"acme_\"]\npattern = '''{pattern}'''\n"),
        )
        .unwrap();
        let out = run_within(keyreach().arg("scan").arg(dir.path()), Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(2), "{pattern}: {}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("rule acme.huge: pattern does not") && err.contains(why), "{pattern}: {err}");
    }
}

/// Seconds keyreach says it spent scanning (rule loading excluded).
fn scan_seconds(dir: &Path, file: &str, extra: &[&str]) -> f64 {
    let out = run_within(
        keyreach().arg("scan").arg(dir.join(file)).args(["--format", "json", "--max-file-size", "100"]).args(extra),
        Duration::from_secs(300),
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    doc["stats"]["seconds"].as_f64().unwrap()
}

#[test]
fn pathological_regexes_and_keyword_storms_scan_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("nested.toml"),
        "[[rule]]\nid = \"acme.nested\"\ntitle = \"t\"\nprovider = \"acme\"\nkeywords = [\"aaa\"]\n\
         pattern = '''(?:(?:a|aa)*)*b|(?:a+)+c|(a*)*z'''\nwindow = [16384, 16384]\n",
    )
    .unwrap();
    let storm = "password=ghp_AKIAtoken:xoxb-sk_live_";
    for (name, unit, n) in
        [("a1", "a", 128 * 1024), ("a8", "a", 1024 * 1024), ("k1", storm, 128 * 1024), ("k8", storm, 1024 * 1024)]
    {
        std::fs::write(dir.path().join(name), unit.repeat(n / unit.len())).unwrap();
    }
    let rules_arg = ["--rules", rules.to_str().unwrap()];
    for (small, large, extra) in [("a1", "a8", &rules_arg[..]), ("k1", "k8", &[][..])] {
        let t1 = scan_seconds(dir.path(), small, extra);
        let t8 = scan_seconds(dir.path(), large, extra);
        eprintln!("{small}: {t1:.3} s, {large}: {t8:.3} s (x{:.1})", t8 / t1.max(0.001));
        // Eight times the input: linear is about 8x, quadratic would be 64x.
        assert!(t8 < 24.0 * t1.max(0.02), "{large} took {t8:.3} s against {t1:.3} s for {small}");
    }
}

/// (fingerprint, path, reach) of every location outside the workspace: home and environment.
fn outside_workspace(doc: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["locations"].as_array().unwrap().iter().filter(|l| l["reach"] == "home" || l["reach"] == "env").map(
                move |l| {
                    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
                    (text(&f["fingerprint"]), text(&l["path"]), text(&l["reach"]))
                },
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_workspace_config_cannot_hide_home_or_environment_credentials() {
    let s = crate::audit::Setup::new();
    let (before, _, _) = s.json(&[]);
    let expected = outside_workspace(&before);
    assert!(
        expected.iter().any(|(_, _, r)| r == "home") && expected.iter().any(|(_, _, r)| r == "env"),
        "{expected:?}"
    );
    // Allow every path and every fingerprint, and claim every GitHub token is public.
    let fingerprints: Vec<String> =
        before["findings"].as_array().unwrap().iter().map(|f| f["fingerprint"].as_str().unwrap().to_string()).collect();
    let home_glob = format!("{}/**", s.home.path().display());
    std::fs::write(
        s.workspace.path().join("keyreach.toml"),
        format!(
            "[allow]\npaths = [\"**\", \"~/**\", \"$*\", \"/**\", {home_glob:?}]\nfingerprints = {fingerprints:?}\n{HIDING_RULES}"
        ),
    )
    .unwrap();
    let (after, _, out) = s.json(&[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert_eq!(outside_workspace(&after), expected, "the workspace's config hid home or environment credentials");
    let workspace_left = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["locations"].as_array().unwrap())
        .filter(|l| l["reach"] != "home" && l["reach"] != "env")
        .count();
    assert_eq!(workspace_left, 0, "its own files it may allow: {after}");
}
