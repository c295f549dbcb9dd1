//! Deterministic output: the same input gives byte-identical JSON, JSONL and SARIF whatever
//! the thread count (1 or 8) and from run to run, for the work tree and for git history.
//! JSON's `stats.seconds` is the one field that measures the run rather than the input: it
//! is removed before comparing (and SARIF has no timing at all).

use std::path::Path;
use std::time::Duration;

use crate::hostile::run_within;
use crate::util::{commit_all, fake, git, keyreach, materialize, stderr, write};

/// A repository with many findings: every fixture tree's secrets, the same secret in many
/// files, paired credentials, base64-encoded secrets, and history.
fn workspace() -> tempfile::TempDir {
    let (dir, _) = materialize("hygiene");
    let root = dir.path();
    crate::fixture::expand_tree(&crate::util::fixtures().join("scan-repo"), &root.join("app"));
    crate::fixture::expand_tree(&crate::util::fixtures().join("incident"), &root.join("incident"));
    git(root, &["init", "-q", "-b", "main"]);
    let shared = fake("{{gen:github-crc32:ghp_}}", "det-shared");
    for i in 0..300 {
        let own = fake("{{gen:github-crc32:ghp_}}", &format!("det{i}"));
        let body = match i % 5 {
            0 => format!("GITHUB_TOKEN={shared}\nOTHER={own}\n"),
            1 => format!(
                "aws_access_key_id = {}\naws_secret_access_key = {}\n",
                fake("{{gen:aws-key-id:AKIA}}", &format!("id{i}")),
                fake("{{b64:40}}", &format!("sk{i}"))
            ),
            2 => fake(&format!("apiVersion: v1\nkind: Secret\ndata:\n  token: {{{{base64:{own}}}}}\n"), "k"),
            3 => format!("password = \"{}\"\n", fake("{{alnum:8}}#{{alnum:8}}", &format!("pw{i}"))),
            _ => format!("{}\n", "filler line without secrets\n".repeat(i)),
        };
        write(root, &format!("d{}/f{i}.txt", i % 17), &body);
    }
    commit_all(root, "first");
    write(root, "d3/f3.txt", "rotated\n");
    commit_all(root, "rotate");
    dir
}

fn output(root: &Path, threads: &str, args: &[&str]) -> String {
    let out =
        run_within(keyreach().arg("scan").arg(root).args(["--threads", threads]).args(args), Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// JSON without `stats.seconds`, re-serialised.
fn without_seconds(text: &str) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
    let seconds = doc["stats"].as_object_mut().unwrap().remove("seconds");
    assert!(seconds.is_some(), "stats.seconds is in the report");
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn reports_are_identical_whatever_the_thread_count() {
    let dir = workspace();
    for extra in [&[][..], &["--history"][..]] {
        let json = |t: &str| without_seconds(&output(dir.path(), t, &[&["--format", "json"][..], extra].concat()));
        let one = json("1");
        let count = serde_json::from_str::<serde_json::Value>(&one).unwrap()["findings"].as_array().unwrap().len();
        assert!(count > 100, "{count} findings: the workspace should hold many");
        assert_eq!(json("8"), one, "json {extra:?}");
        assert_eq!(json("8"), one, "json {extra:?}, second run");
        for format in ["jsonl", "sarif"] {
            let args = [&["--format", format][..], extra].concat();
            let one = output(dir.path(), "1", &args);
            assert_eq!(output(dir.path(), "8", &args), one, "{format} {extra:?}");
            assert_eq!(output(dir.path(), "8", &args), one, "{format} {extra:?}, second run");
        }
    }
}
