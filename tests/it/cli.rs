//! `keyreach scan` end to end on materialised fixtures: exact findings, reach labels,
//! redaction, exit codes, and bad input handled with a one-line error or a counted skip.

use std::path::Path;

use serde_json::Value;

use crate::util::{fake, git, keyreach, materialize, run, stderr, stdout};

/// A git repository with a tracked config, a git-ignored `.env`, an untracked note and a
/// docs page with a placeholder and an inline-allowed sample.
fn scan_repo() -> (tempfile::TempDir, Vec<crate::util::Label>) {
    let (dir, labels) = materialize("scan-repo");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", ".gitignore", "config/deploy.yml", "docs/SETUP.md"]);
    git(dir.path(), &["commit", "-q", "-m", "initial"]);
    (dir, labels)
}

fn json_scan(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = run(keyreach().arg("scan").arg(dir).args(["--format", "json"]).args(extra));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out.status.code().unwrap(), doc, stderr(&out))
}

fn label(labels: &[crate::util::Label], path: &str) -> String {
    labels.iter().find(|l| l.path == path).unwrap().value.clone()
}

#[test]
fn finds_each_credential_with_its_reach_and_exits_one() {
    let (dir, labels) = scan_repo();
    let (code, doc, err) = json_scan(dir.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let findings = doc["findings"].as_array().unwrap();
    let mut seen: Vec<(String, u64, u64, String, String)> = findings
        .iter()
        .flat_map(|f| {
            f["locations"].as_array().unwrap().iter().map(move |l| {
                (
                    l["path"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap(),
                    l["column"].as_u64().unwrap(),
                    l["reach"].as_str().unwrap().to_string(),
                    f["rule"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    seen.sort();
    let rule = "github.classic-pat".to_string();
    assert_eq!(
        seen,
        vec![
            (".env".into(), 1, 14, "ignored".into(), rule.clone()),
            ("config/deploy.yml".into(), 5, 10, "tracked".into(), rule.clone()),
            ("notes.txt".into(), 1, 32, "untracked".into(), rule),
        ]
    );
    for f in findings {
        assert_eq!(f["severity"], "critical");
        assert_eq!(f["scope"]["level"], "unknown");
        assert!(f["reasons"].as_array().unwrap().iter().any(|r| r == "scope unknown: counted as admin access"));
        assert!(f["fingerprint"].as_str().unwrap().starts_with("sha256:"));
    }
    assert_eq!(doc["stats"]["files"], 5);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "keyreach");
    let _ = labels;
}

#[test]
fn secrets_are_redacted_unless_asked() {
    let (dir, labels) = scan_repo();
    for format in ["text", "json", "jsonl"] {
        let out = run(keyreach().arg("scan").arg(dir.path()).args(["--format", format]));
        let text = stdout(&out) + &stderr(&out);
        for l in &labels {
            assert!(!text.contains(&l.value), "{format} output leaks a secret");
        }
        assert!(text.contains("ghp_…"), "{format} output shows the redacted form");
    }
    let out = run(keyreach().arg("scan").arg(dir.path()).args(["--format", "json", "--show-secrets"]));
    assert!(stdout(&out).contains(&label(&labels, ".env")));
}

#[test]
fn the_same_secret_in_two_places_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake("{{gen:github-crc32:ghp_}}", "dup");
    std::fs::write(dir.path().join("a.sh"), format!("export T={token}\n")).unwrap();
    std::fs::write(dir.path().join("b.yml"), format!("token: {token}\n")).unwrap();
    let (code, doc, _) = json_scan(dir.path(), &[]);
    assert_eq!(code, 1);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    let paths: Vec<&str> =
        findings[0]["locations"].as_array().unwrap().iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["a.sh", "b.yml"]);
    // Outside a repository everything is untracked.
    assert!(findings[0]["locations"].as_array().unwrap().iter().all(|l| l["reach"] == "untracked"));
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.txt"), "nothing to see\n").unwrap();
    assert_eq!(run(keyreach().arg("scan").arg(dir.path())).status.code(), Some(0));
    let mut extra = std::fs::File::create(dir.path().join("keyreach.toml")).unwrap();
    use std::io::Write;
    // A rule of ours whose format fixes "test mode": severity low.
    writeln!(
        extra,
        "[[rule]]\nid = \"acme.test-key\"\ntitle = \"Acme test key\"\nprovider = \"acme\"\nkeywords = [\"acme_test_\"]\n\
         pattern = '''acme_test_[a-z0-9]{{16}}'''\nexamples = [\"acme_test_{{{{lower:16}}}}\"]\n[rule.scope]\ntest_mode = true\n"
    )
    .unwrap();
    std::fs::write(dir.path().join("k.txt"), format!("key = {}\n", fake("acme_test_{{lower:16}}", "k"))).unwrap();
    assert_eq!(run(keyreach().arg("scan").arg(dir.path())).status.code(), Some(1));
    let out = run(keyreach().arg("scan").arg(dir.path()).args(["--fail-on", "medium"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("LOW (1)"));
}

#[test]
fn text_report_has_no_colour_in_pipes_and_honours_no_color() {
    let (dir, _) = scan_repo();
    let plain = stdout(&run(keyreach().arg("scan").arg(dir.path())));
    assert!(!plain.contains('\x1b'));
    assert!(plain.contains("CRITICAL (3)"));
    let forced = stdout(&run(keyreach().arg("scan").arg(dir.path()).args(["--color", "always"])));
    assert!(forced.contains('\x1b'));
    let file = dir.path().join("report.txt");
    run(keyreach().arg("scan").arg(dir.path()).arg("--output").arg(&file));
    assert!(!std::fs::read_to_string(&file).unwrap().contains('\x1b'));
}

#[test]
fn inline_allow_and_its_audit_flag() {
    let (dir, _) = scan_repo();
    let (_, doc, _) = json_scan(dir.path(), &[]);
    let in_docs =
        |doc: &Value| doc["findings"].as_array().unwrap().iter().any(|f| f["locations"][0]["path"] == "docs/SETUP.md");
    assert!(!in_docs(&doc));
    let (_, doc, _) = json_scan(dir.path(), &["--no-inline-allow"]);
    assert!(in_docs(&doc));
}

#[test]
fn config_allow_lists_paths_and_fingerprints() {
    let (dir, _) = scan_repo();
    let (_, doc, _) = json_scan(dir.path(), &[]);
    let env_fp = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["locations"][0]["path"] == ".env")
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(
        dir.path().join("keyreach.toml"),
        format!("[allow]\npaths = [\"config/**\"]\nfingerprints = [\"{env_fp}\"]\n"),
    )
    .unwrap();
    let (_, doc, _) = json_scan(dir.path(), &[]);
    let paths: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["locations"][0]["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["notes.txt"]);
}

#[test]
fn a_missing_path_is_a_one_line_error() {
    let out = run(keyreach().args(["scan", "/nonexistent/keyreach-test"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "keyreach: /nonexistent/keyreach-test: no such file or directory\n");
}

#[test]
fn a_malformed_config_is_a_one_line_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keyreach.toml"), "[policy]\nmax_level = \n").unwrap();
    let out = run(keyreach().arg("scan").arg(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("keyreach.toml"), "{err}");
}

#[test]
fn a_rule_with_a_bad_regex_is_refused_with_file_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("bad.toml"),
        "[[rule]]\nid = \"acme.bad\"\ntitle = \"t\"\nprovider = \"acme\"\nkeywords = [\"acme_\"]\npattern = '''acme_([a-z'''\n",
    )
    .unwrap();
    let out = run(keyreach().arg("scan").arg(dir.path()).arg("--rules").arg(&rules));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad.toml: rule acme.bad: pattern does not parse"), "{err}");
    let out = run(keyreach().args(["rules", "check"]).arg("--rules").arg(&rules));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("acme.bad"));
}

#[test]
fn a_user_rule_whose_example_fails_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keyreach.toml"),
        "[[rule]]\nid = \"acme.key\"\ntitle = \"t\"\nprovider = \"acme\"\nkeywords = [\"acme_\"]\n\
         pattern = '''acme_[0-9]{8}'''\nexamples = [\"acme_1234\"]\n",
    )
    .unwrap();
    let out = run(keyreach().arg("scan").arg(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("rule acme.key: example does not match"), "{}", stderr(&out));
}

#[test]
fn binary_files_are_skipped_and_counted_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake("{{gen:github-crc32:ghp_}}", "bin");
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    bytes.extend_from_slice(format!(" {token} ").as_bytes());
    std::fs::write(dir.path().join("tool.bin"), bytes).unwrap();
    let (code, doc, _) = json_scan(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["stats"]["skipped"], 1);
    let (code, doc, _) = json_scan(dir.path(), &["--binary"]);
    assert_eq!(code, 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn invalid_utf8_and_control_characters_keep_json_valid_and_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake("{{gen:github-crc32:ghp_}}", "utf");
    let mut bytes = vec![0xff, 0xfe, b'\n', 0xc3, b' '];
    bytes.extend_from_slice(token.as_bytes());
    bytes.push(b'\n');
    std::fs::write(dir.path().join("weird\x1b[31m.txt"), bytes).unwrap();
    let (code, doc, _) = json_scan(dir.path(), &[]);
    assert_eq!(code, 1);
    let loc = &doc["findings"][0]["locations"][0];
    assert_eq!((loc["line"].as_u64(), loc["column"].as_u64()), (Some(2), Some(3)));
    let text = stdout(&run(keyreach().arg("scan").arg(dir.path())));
    assert!(!text.contains('\x1b'));
    assert!(text.contains("weird\\u{1b}[31m.txt"));
}

#[test]
fn large_files_are_skipped_by_default_and_scanned_in_bounded_memory_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake("{{gen:github-crc32:ghp_}}", "big");
    let path = dir.path().join("huge.log");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block = vec![b'x'; 1 << 20];
        for _ in 0..120 {
            f.write_all(&block).unwrap();
        }
        write!(f, " {token}").unwrap();
    }
    let (code, doc, _) = json_scan(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(doc["stats"]["skipped"], 1);
    let (out, peak_kib) =
        run_measured(keyreach().arg("scan").arg(dir.path()).args(["--format", "json", "--max-file-size", "200"]));
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let loc = &doc["findings"][0]["locations"][0];
    assert_eq!(loc["line"], 1);
    assert_eq!(loc["column"].as_u64(), Some(120 * (1 << 20) + 2));
    // A 120 MB line is read in chunks: memory stays far below the file's size.
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}

/// Runs `cmd` and returns its output and its own peak RSS in KiB. The command is started
/// by a small Python launcher that forks it and reads its rusage with `wait4`: Linux carries
/// a process's pre-`exec` high-water mark into `ru_maxrss`, so a child forked straight from
/// this (large, multi-threaded) test process would report the test process's memory too.
pub fn run_measured(cmd: &mut std::process::Command) -> (std::process::Output, i64) {
    const LAUNCHER: &str = "import os, sys\n\
pid = os.fork()\n\
if pid == 0:\n    os.execvp(sys.argv[2], sys.argv[2:])\n\
_, status, usage = os.wait4(pid, 0)\n\
open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n\
sys.exit(os.waitstatus_to_exitcode(status))\n";
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut launcher = std::process::Command::new("python3");
    launcher.arg("-c").arg(LAUNCHER).arg(report.path()).arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        launcher.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => launcher.env(key, v),
            None => launcher.env_remove(key),
        };
    }
    let out = launcher.stderr(std::process::Stdio::null()).output().unwrap();
    let peak: i64 = std::fs::read_to_string(report.path()).unwrap().trim().parse().unwrap();
    (out, peak)
}

#[test]
fn unreadable_files_and_symlink_loops_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("a")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::{PermissionsExt, symlink};
        symlink("..", root.join("a/loop")).unwrap();
        // /proc/self/mem fails to read at offset 0 even for root; a mode-000 file fails
        // for everyone else.
        symlink("/proc/self/mem", root.join("a/mem")).unwrap();
        std::fs::write(root.join("locked.txt"), "x").unwrap();
        std::fs::set_permissions(root.join("locked.txt"), std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    std::fs::write(root.join("ok.txt"), format!("t = {}\n", fake("{{gen:github-crc32:ghp_}}", "ok"))).unwrap();
    // Not following links: the loop and /proc link are not entered.
    let (code, doc, _) = json_scan(root, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    // Following them: the loop and the unreadable file are reported and counted.
    let (code, doc, err) = json_scan(root, &["--follow"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert!(doc["stats"]["errors"].as_u64().unwrap() >= 2, "{doc}");
    assert!(err.lines().all(|l| l.starts_with("keyreach: ")), "{err}");
    assert!(err.contains("a/mem") || err.contains("locked.txt"), "{err}");
}

#[test]
fn rules_list_and_check() {
    let out = run(keyreach().args(["rules", "list"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).lines().any(|l| l.starts_with("github.classic-pat\tgithub\t")));
    let out = run(keyreach().args(["rules", "check"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("rules checked"));
}

#[test]
fn fail_on_never_reports_and_exits_zero() {
    let (dir, _) = scan_repo();
    let out = run(keyreach().arg("scan").arg(dir.path()).args(["--fail-on", "never"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("CRITICAL (3)"), "{}", stdout(&out));
}

#[test]
fn the_pre_commit_flag_says_how_to_get_past_a_blocked_commit() {
    let (dir, _) = scan_repo();
    let out = run(keyreach().arg("scan").arg(dir.path()).arg("--pre-commit"));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("commit blocked: 3 credentials in the files pre-commit passed"), "{err}");
    assert!(err.contains("keyreach:allow reason=") && err.contains("keyreach baseline"), "{err}");
    // A plain failing scan prints only the report, and a passing one nothing on stderr.
    let out = run(keyreach().arg("scan").arg(dir.path()));
    assert!(!stderr(&out).contains("commit blocked"), "{}", stderr(&out));
    let out = run(keyreach().arg("scan").arg(dir.path()).args(["--pre-commit", "--fail-on", "never"]));
    assert_eq!((out.status.code(), stderr(&out)), (Some(0), String::new()));
}

#[test]
fn the_footer_counts_one_file_in_the_singular() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.txt"), "nothing to see\n").unwrap();
    let text = stdout(&run(keyreach().arg("scan").arg(dir.path())));
    assert!(text.contains("scanned 1 file ("), "{text}");
    std::fs::write(dir.path().join("two.txt"), "nothing either\n").unwrap();
    let text = stdout(&run(keyreach().arg("scan").arg(dir.path())));
    assert!(text.contains("scanned 2 files ("), "{text}");
}

#[test]
fn other_scanners_markers_allow_their_lines_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let t = |seed: &str| fake("{{gen:github-crc32:ghp_}}", seed);
    let (a, b, c, d, e) = (t("gl"), t("ds"), t("dsn"), t("kf"), t("kr"));
    let text = format!(
        "one = \"{a}\"  # gitleaks:allow\n\
         two = \"{b}\"  # pragma: allowlist secret\n\
         # pragma: allowlist nextline secret\n\
         three = \"{c}\"\n\
         four = \"{d}\"  // kingfisher:ignore\n\
         five = \"{e}\"  # keyreach:allow reason=\"fixture\"\n"
    );
    std::fs::write(dir.path().join("fixtures.py"), text).unwrap();
    let secrets = |extra: &[&str]| {
        let out = run(keyreach().arg("scan").arg(dir.path()).args(["--format", "json", "--show-secrets"]).args(extra));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut found: Vec<String> =
            doc["findings"].as_array().unwrap().iter().map(|f| f["secret"].as_str().unwrap().to_string()).collect();
        found.sort();
        found
    };
    assert_eq!(secrets(&[]), Vec::<String>::new());
    let mut others = vec![a.clone(), b.clone(), c.clone(), d.clone()];
    others.sort();
    assert_eq!(secrets(&["--no-foreign-allow"]), others, "keyreach:allow still counts");
    let mut all = vec![a, b, c, d, e];
    all.sort();
    assert_eq!(secrets(&["--no-inline-allow"]), all);
}

#[test]
fn a_dash_scans_standard_input_as_one_bounded_file() {
    use std::io::Write as _;
    use std::process::Stdio;
    let feed = |input: Vec<u8>, extra: &[&str]| {
        let mut child = keyreach()
            .args(["scan", "-", "--format", "json", "--show-secrets"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // The reader may stop early (the size bound): a broken pipe here is fine.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    };
    let token = fake("{{gen:github-crc32:ghp_}}", "stdin");
    let out = feed(format!("one\nexport GITHUB_TOKEN={token}\n").into_bytes(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let loc = &doc["findings"][0]["locations"][0];
    assert_eq!((loc["path"].as_str(), loc["line"].as_u64()), (Some("<stdin>"), Some(2)), "{doc}");
    assert_eq!(doc["stats"]["files"], 1);

    // Past --max-file-size, the rest is not read, and that is said.
    let mut big = vec![b'a'; 1_100_000];
    big.extend_from_slice(format!("\n{token}\n").as_bytes());
    let out = feed(big, &["--max-file-size", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("<stdin>: larger than --max-file-size"), "{}", stderr(&out));

    // `-` stands alone.
    let out = feed(Vec::new(), &["."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("standard input) is scanned alone"), "{}", stderr(&out));
}
