//! Secret hygiene: fake credentials of several providers are planted and every output is
//! searched for any 10-character piece of any of them — each report format on stdout and
//! in `--output` files, stderr with `RUST_LOG=trace`, the progress bar drawn on a terminal,
//! probe notes and errors, `keyreach probe`. Only `--show-secrets` reveals a secret, and
//! only in the report. Nothing is written anywhere but the report (no temporary files).

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::fake::Fake;
use crate::fake::providers::{Mode, World, handler};
use crate::hostile::run_within;
use crate::util::{Label, keyreach, materialize, stderr};

/// Every 10-character window of every planted secret.
fn pieces(labels: &[Label]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // The AWS access key id is an identifier the operator needs, shown in full (`key id`);
    // `the_aws_key_id_is_shown_and_its_secret_is_not` holds that.
    for l in labels.iter().filter(|l| l.label != "aws-id") {
        let chars: Vec<char> = l.value.chars().collect();
        for w in chars.windows(10) {
            let piece: String = w.iter().collect();
            // The PEM armour line is public text, not the key.
            if !piece.contains("-----") && !piece.contains("PRIVATE") {
                out.push((l.label.clone(), piece));
            }
        }
    }
    out
}

fn leaks(text: &str, pieces: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> =
        pieces.iter().filter(|(_, p)| text.contains(p.as_str())).map(|(l, _)| l.clone()).collect();
    out.dedup();
    out
}

/// An environment where any file keyreach created would be seen: empty HOME, XDG and
/// TMPDIR directories, an empty working directory, and every log switch on.
struct Sandbox {
    dirs: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dirs = tempfile::tempdir().unwrap();
        for d in ["home", "config", "cache", "data", "state", "tmp", "cwd", "out"] {
            std::fs::create_dir(dirs.path().join(d)).unwrap();
        }
        Sandbox { dirs }
    }

    fn command(&self) -> Command {
        let p = |d: &str| self.dirs.path().join(d);
        let mut cmd = keyreach();
        cmd.current_dir(p("cwd"))
            .env("HOME", p("home"))
            .env("XDG_CONFIG_HOME", p("config"))
            .env("XDG_CACHE_HOME", p("cache"))
            .env("XDG_DATA_HOME", p("data"))
            .env("XDG_STATE_HOME", p("state"))
            .env("TMPDIR", p("tmp"))
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "full");
        cmd
    }

    fn out(&self, name: &str) -> std::path::PathBuf {
        self.dirs.path().join("out").join(name)
    }

    /// Every file in the sandbox but the reports in `out/`.
    fn stray_files(&self) -> Vec<String> {
        walkdir::WalkDir::new(self.dirs.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir() && !e.path().starts_with(self.dirs.path().join("out")))
            .map(|e| e.path().display().to_string())
            .collect()
    }
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

#[test]
fn no_output_shows_a_secret_unless_asked_and_only_in_the_report() {
    let (dir, labels) = materialize("hygiene");
    let pieces = pieces(&labels);
    let sandbox = Sandbox::new();
    // Every planted secret is found (else this test would prove nothing).
    let out = run_within(
        sandbox.command().arg("scan").arg(dir.path()).args(["--format", "json", "--show-secrets"]),
        Duration::from_secs(60),
    );
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let secrets: Vec<&str> = doc["findings"].as_array().unwrap().iter().filter_map(|f| f["secret"].as_str()).collect();
    for l in labels.iter().filter(|l| l.label != "aws-id") {
        assert!(secrets.contains(&l.value.as_str()), "{} was not found: {secrets:?}", l.label);
    }
    for format in ["text", "json", "jsonl", "sarif", "html"] {
        for show in [false, true] {
            let file = sandbox.out(&format!("report-{format}-{show}"));
            let mut cmd = sandbox.command();
            cmd.arg("scan").arg(dir.path()).args(["--format", format, "--color", "always"]);
            if show {
                cmd.arg("--show-secrets");
            }
            let to_stdout = run_within(&mut cmd, Duration::from_secs(60));
            let to_file = run_within(cmd.arg("--output").arg(&file), Duration::from_secs(60));
            assert_eq!(to_stdout.status.code(), Some(1));
            for out in [&to_stdout, &to_file] {
                let err = leaks(&stderr(out), &pieces);
                assert!(err.is_empty(), "{format}: stderr shows {err:?}");
            }
            assert!(to_file.stdout.is_empty());
            for (what, text) in
                [("stdout", String::from_utf8_lossy(&to_stdout.stdout).into_owned()), ("file", read(&file))]
            {
                let found = leaks(&text, &pieces);
                if show {
                    assert!(!found.is_empty(), "{format} {what}: --show-secrets shows the secrets");
                } else {
                    assert!(found.is_empty(), "{format} {what} shows {found:?} without --show-secrets");
                }
            }
        }
    }
    assert!(sandbox.stray_files().is_empty(), "keyreach wrote {:?}", sandbox.stray_files());
}

#[test]
fn probes_keep_secrets_out_of_notes_errors_and_reports() {
    let (dir, labels) = materialize("hygiene");
    let pieces = pieces(&labels);
    let value = |label: &str| labels.iter().find(|l| l.label == label).unwrap().value.clone();
    let sandbox = Sandbox::new();
    let github = Fake::start(handler(
        World { provider: "github", kind: "classic", secret: value("github"), companion: None, parts: vec![] },
        Mode::Ok,
    ));
    let aws = Fake::start(handler(
        World { provider: "aws", kind: "admin", secret: value("aws"), companion: Some(value("aws-id")), parts: vec![] },
        Mode::Ok,
    ));
    // Rejecting, failing and echoing providers: their answers feed notes and errors.
    let stripe = Fake::start(handler(
        World { provider: "stripe", kind: "live", secret: value("stripe"), companion: None, parts: vec![] },
        Mode::Status(401),
    ));
    let slack = Fake::start(handler(
        World { provider: "slack", kind: "bot", secret: value("slack"), companion: None, parts: vec![] },
        Mode::ServerError,
    ));
    let echo = Fake::start(|req| {
        // A hostile endpoint that echoes the credential back in every way it can.
        let auth = req.header("Authorization").unwrap_or("").to_string();
        crate::fake::Reply::json(200, serde_json::json!({"login": auth, "message": auth}))
            .header("X-OAuth-Scopes", &auth)
            .header("GitHub-Authentication-Token-Expiration", &auth)
    });
    for (name, endpoints) in [
        ("fakes", vec![("github", &github), ("aws", &aws), ("stripe", &stripe), ("slack", &slack)]),
        ("echo", vec![("github", &echo)]),
    ] {
        for format in ["text", "json", "sarif"] {
            let mut cmd = sandbox.command();
            cmd.arg("scan").arg(dir.path()).args(["--probe", "--probe-timeout", "2", "--format", format]);
            for (provider, fake) in &endpoints {
                cmd.arg("--endpoint").arg(format!("{provider}={}", fake.url()));
            }
            let out = run_within(&mut cmd, Duration::from_secs(120));
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
            let found = leaks(&text, &pieces);
            assert!(found.is_empty(), "{name}/{format}: the output shows {found:?}");
        }
    }
    assert!(!github.requests().is_empty() && !aws.requests().is_empty() && !echo.requests().is_empty());
    assert!(sandbox.stray_files().is_empty(), "keyreach wrote {:?}", sandbox.stray_files());
}

#[test]
fn keyreach_probe_never_echoes_the_credential_it_reads() {
    let (_dir, labels) = materialize("hygiene");
    let pieces = pieces(&labels);
    let sandbox = Sandbox::new();
    for l in labels.iter().filter(|l| ["github", "stripe", "supabase", "pypi"].contains(&l.label.as_str())) {
        for format in ["text", "json"] {
            let mut child = sandbox
                .command()
                .args(["probe", "--offline", "--format", format])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // A bare JWT is recognised by its context.
            let input = if l.label == "supabase" {
                format!("SUPABASE_SERVICE_ROLE_KEY={}\n", l.value)
            } else {
                format!("{}\n", l.value)
            };
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}: {}", l.label, stderr(&out));
            let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
            assert!(leaks(&text, &pieces).is_empty(), "{} {format}: {text}", l.label);
        }
    }
    // Input no rule recognises, taken whole for a provider: still never shown.
    let mut child = sandbox
        .command()
        .args(["probe", "--offline", "--provider", "railway", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let raw = crate::util::fake("{{alnum:32}}", "raw-probe");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), raw.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(!text.contains(&raw[..10]) && !text.contains(&raw[20..]), "{text}");
}

/// Runs `cmd` with its stderr on a new pseudo-terminal; returns what the terminal showed.
fn on_a_terminal(cmd: &mut Command) -> (std::process::Output, String) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors into the integers we pass; the rest may be null.
    let made =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(made, 0, "openpty");
    // SAFETY: both descriptors are fresh and owned here.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::from(slave)).spawn().unwrap();
    // Our copy of the slave is gone with `cmd`'s: the master reads EIO once the child exits.
    let reader = std::thread::spawn(move || {
        let mut file = std::fs::File::from(master);
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = file.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    });
    let out = child.wait_with_output().unwrap();
    cmd.stderr(Stdio::null());
    let seen = reader.join().unwrap();
    (out, String::from_utf8_lossy(&seen).into_owned())
}

#[test]
fn the_progress_bar_on_a_terminal_shows_no_secret() {
    let (dir, labels) = materialize("hygiene");
    let pieces = pieces(&labels);
    // Enough to scan, one thread, file after file, for the bar to appear (it waits 400 ms
    // and updates as files finish).
    let log = "2026-01-01 INFO request served in 3 ms\n".repeat(25_000);
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    for i in 0..400 {
        std::fs::write(dir.path().join(format!("logs/{i:03}.log")), &log).unwrap();
    }
    let sandbox = Sandbox::new();
    let (out, terminal) =
        on_a_terminal(sandbox.command().arg("scan").arg(dir.path()).args(["--format", "json", "--threads", "1"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(terminal.contains("scanning"), "the progress bar was drawn: {terminal:?}");
    let found = leaks(&terminal, &pieces);
    assert!(found.is_empty(), "the terminal showed {found:?}");
}

#[test]
fn an_audit_shows_no_secret_from_the_workspace_the_home_or_the_environment() {
    let s = crate::audit::Setup::new();
    let mut labels = s.labels.clone();
    for (label, value) in [("history", &s.history_token), ("env", &s.env_token)] {
        labels.push(Label { path: String::new(), label: label.into(), value: value.clone() });
    }
    for (i, key) in s.ssh_keys.iter().enumerate() {
        // The body of the key, not its armour lines.
        let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
        labels.push(Label { path: String::new(), label: format!("ssh{i}"), value: body });
    }
    let pieces = pieces(&labels);
    let outside = tempfile::tempdir().unwrap();
    for format in ["text", "json", "html"] {
        let report = outside.path().join(format!("audit.{format}"));
        let out = run_within(
            s.command().env("RUST_LOG", "trace").args(["--format", format]).arg("--output").arg(&report),
            Duration::from_secs(120),
        );
        assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {}", stderr(&out));
        let text = read(&report) + &stderr(&out);
        let found = leaks(&text, &pieces);
        assert!(found.is_empty(), "audit --format {format} shows {found:?}");
        // Sanity: the audit did find the planted secrets.
        assert!(text.contains("home") || format == "json", "{format}");
    }
    let out = run_within(s.command().args(["--format", "json", "--show-secrets"]), Duration::from_secs(120));
    let shown = leaks(&String::from_utf8_lossy(&out.stdout), &pieces);
    assert!(shown.iter().any(|l| l == "env") && shown.iter().any(|l| l == "history"), "{shown:?}");
    assert!(leaks(&stderr(&out), &pieces).is_empty());
}

#[test]
fn the_aws_key_id_is_shown_and_its_secret_is_not() {
    let (dir, labels) = materialize("hygiene");
    let value = |label: &str| labels.iter().find(|l| l.label == label).unwrap().value.clone();
    let sandbox = Sandbox::new();
    for format in ["text", "json", "sarif"] {
        let out = run_within(
            sandbox.command().arg("scan").arg(dir.path()).args(["--format", format]),
            Duration::from_secs(60),
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains(&value("aws-id")), "{format}: the key id is not shown");
        assert!(!text.contains(&value("aws")), "{format}: the secret key is shown");
    }
}
