//! `scan --git-url`: clones over `file://` and a loopback smart-HTTP server (`git
//! http-backend` behind a small CGI shim this test starts), scans the history, removes the
//! clone; private repositories take a token from the environment or the URL, and no
//! credential is ever printed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;

use crate::util::{commit_all, fake, git, keyreach, locations, repo, run, stderr, stdout, write};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

/// A repository whose only secret was added on `main` then deleted, and one on `side`.
/// Returns (repository, main's secret and commit, side's secret).
fn source() -> (tempfile::TempDir, (String, String), String) {
    let dir = repo();
    let d = dir.path();
    let (on_main, on_side) = (token("remote-main"), token("remote-side"));
    write(d, "README.md", "hello\n");
    commit_all(d, "start");
    write(d, "deploy/env.sh", &format!("export GITHUB_TOKEN={on_main}\n"));
    let added = commit_all(d, "add");
    std::fs::remove_file(d.join("deploy/env.sh")).unwrap();
    commit_all(d, "remove");
    git(d, &["checkout", "-q", "-b", "side"]);
    write(d, "side.cfg", &format!("token = {on_side}\n"));
    commit_all(d, "side");
    git(d, &["checkout", "-q", "main"]);
    (dir, (on_main, added), on_side)
}

/// keyreach with no credentials from the test's own environment or git config, and its
/// temporary directory in `tmp` (to check the clone is gone).
fn isolated(tmp: &Path) -> Command {
    let mut cmd = keyreach();
    for name in ["GITHUB_TOKEN", "GITLAB_TOKEN", "GITHUB_SERVER_URL", "CI_SERVER_HOST"] {
        cmd.env_remove(name);
    }
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("TMPDIR", tmp);
    cmd
}

fn report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {} {}", stdout(out), stderr(out)))
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[test]
fn a_file_url_is_cloned_scanned_at_its_history_and_removed() {
    let (src, (secret, added), side) = source();
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("file://{}", src.path().display());
    let out = run(isolated(tmp.path()).args(["scan", "--show-secrets", "--format", "json", "--git-url", &url]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = locations(&report(&out));
    assert!(
        found.contains(&(secret, format!("{url}/deploy/env.sh"), 1, "history".into(), Some(added.clone()))),
        "{found:?}"
    );
    assert!(found.iter().any(|l| l.0 == side), "every branch by default: {found:?}");
    assert!(is_empty(tmp.path()), "the clone is removed");

    let out = run(isolated(tmp.path())
        .args(["scan", "--show-secrets", "--format", "json", "--git-url", &url])
        .args(["--branch", "main"]));
    let found = locations(&report(&out));
    assert!(!found.iter().any(|l| l.0 == side), "--branch main leaves side out: {found:?}");
    assert_eq!(found.len(), 1);
    assert!(is_empty(tmp.path()));

    let out = run(isolated(tmp.path())
        .args(["scan", "--show-secrets", "--format", "json", "--git-url", &url])
        .args(["--since", &added]));
    let found = locations(&report(&out));
    assert_eq!(found.iter().map(|l| l.0.clone()).collect::<Vec<_>>(), [side], "--since: only what came after");
    assert!(is_empty(tmp.path()));
}

#[test]
fn a_url_that_cannot_be_cloned_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-repo");
    let url = format!("file://{}", missing.display());
    let out = run(isolated(tmp.path()).args(["scan", "--git-url", &url]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(&url), "{err}");
    assert!(is_empty(tmp.path()), "nothing left behind: {:?}", std::fs::read_dir(tmp.path()).unwrap().count());
}

/// A smart-HTTP server on 127.0.0.1: `git http-backend` over the repositories in `root`;
/// paths under `/private/` need HTTP basic auth with `password`.
struct Server {
    port: u16,
}

impl Server {
    fn start(root: PathBuf, password: String) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, password) = (root.clone(), password.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &root, &password);
                });
            }
        });
        Server { port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

fn serve(stream: TcpStream, root: &Path, password: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end().to_string();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = header("content-length") {
        body.resize(len.parse().unwrap_or(0), 0);
        reader.read_exact(&mut body)?;
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let mut out = stream;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path.starts_with("/private/") {
        let expected = base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{password}"));
        let given = header("authorization");
        if given.as_deref() != Some(&format!("Basic {expected}")) {
            let deny = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            return out.write_all(deny.as_bytes());
        }
    }
    let mut cgi = Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("HTTP_CONTENT_ENCODING", header("content-encoding").unwrap_or_default())
        .env("GIT_PROTOCOL", header("git-protocol").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    cgi.stdin.take().unwrap().write_all(&body)?;
    let mut response = Vec::new();
    cgi.stdout.take().unwrap().read_to_end(&mut response)?;
    cgi.wait()?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
    let split = split.or_else(|| response.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (end, sep) = split.unwrap_or((0, 0));
    let head = String::from_utf8_lossy(&response[..end]).to_string();
    let status = head
        .lines()
        .find_map(|l| l.strip_prefix("Status:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "200 OK".into());
    let mut reply = format!("HTTP/1.1 {status}\r\n");
    for l in head.lines().filter(|l| !l.starts_with("Status:")) {
        reply.push_str(l.trim_end());
        reply.push_str("\r\n");
    }
    reply.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", response.len() - end - sep));
    out.write_all(reply.as_bytes())?;
    out.write_all(&response[end + sep..])
}

/// Repositories `public.git` and `private/repo.git` (bare copies of `src`) under a new root.
fn served(src: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for name in ["public.git", "private/repo.git"] {
        let target = root.path().join(name);
        let out = Command::new("git")
            .args(["clone", "-q", "--bare", "--no-local"])
            .arg(src)
            .arg(&target)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    root
}

#[test]
fn smart_http_clones_public_and_private_repositories_and_never_prints_the_token() {
    let (src, (secret, added), _) = source();
    let root = served(src.path());
    let password = fake("{{alnum:32}}", "remote-http-password");
    let server = Server::start(root.path().to_path_buf(), password.clone());
    let tmp = tempfile::tempdir().unwrap();
    let scan = |url: &str, token: Option<&str>| {
        let mut cmd = isolated(tmp.path());
        cmd.args(["scan", "--show-secrets", "--format", "json", "--git-url", url]);
        if let Some(token) = token {
            cmd.env("GITHUB_TOKEN", token).env("GITHUB_SERVER_URL", format!("http://127.0.0.1:{}", server.port));
        }
        run(&mut cmd)
    };

    let public = server.url("public.git");
    let out = scan(&public, None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = locations(&report(&out));
    let expected = (secret.clone(), format!("{public}/deploy/env.sh"), 1, "history".to_string(), Some(added.clone()));
    assert!(found.contains(&expected), "{found:?}");

    let private = server.url("private/repo.git");
    let out = scan(&private, None);
    assert_eq!(out.status.code(), Some(2), "no token: {}", stderr(&out));

    let out = scan(&private, Some(&password));
    assert_eq!(out.status.code(), Some(1), "GITHUB_TOKEN for the workflow's server: {}", stderr(&out));
    assert!(locations(&report(&out)).iter().any(|l| l.0 == secret));
    assert!(!stdout(&out).contains(&password) && !stderr(&out).contains(&password));

    let wrong = fake("{{alnum:32}}", "remote-http-wrong");
    let out = scan(&private, Some(&wrong));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(&private), "names the URL: {err}");
    assert!(!err.contains(&wrong) && !stdout(&out).contains(&wrong), "{err}");

    // Credentials in the URL are used, and shown nowhere.
    let with_user = private.replacen("http://", &format!("http://x-access-token:{password}@"), 1);
    let out = scan(&with_user, None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!text.contains(&password), "the URL's password is never printed");
    assert!(text.contains(&format!("{private}/deploy/env.sh")));
    assert!(is_empty(tmp.path()), "every clone is removed");
}
