//! Hostile trees: whatever a repository holds, `keyreach scan` finishes in bounded time and
//! memory, counts what it cannot read, never blocks on special files, and never lets the
//! repository's bytes reach the terminal raw.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{fake, keyreach, stderr, stdout};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

/// Runs `cmd`, failing the test if it has not finished after `limit` (the child is killed).
pub fn run_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("keyreach runs");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut out, &mut v).ok();
            v
        }),
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut err, &mut v).ok();
            v
        }),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("keyreach did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: readers.0.join().unwrap(), stderr: readers.1.join().unwrap() }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {} {}", stdout(out), stderr(out)))
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().unwrap()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// As root, runs the child as `nobody`, so permission bits mean what they say.
fn unprivileged(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    if is_root() {
        cmd.uid(65534).gid(65534);
    }
    cmd
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
}

#[test]
fn hostile_file_names_are_escaped_in_text_and_valid_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<&[u8]> = vec![
        b"new\nline.env",
        b"tab\there.env",
        b"title\x1b]0;pwned\x07.env",
        b"clear\x1b[2J\x1b[31mred.env",
        "bidi\u{202e}vne.txt".as_bytes(),
        "c1\u{9b}31m.env".as_bytes(),
        b"del\x7f.env",
        b"bad\xff\xfeutf8.env",
        b"cr\rreturn.env",
    ];
    for (i, name) in names.iter().enumerate() {
        std::fs::write(dir.path().join(OsStr::from_bytes(name)), format!("T={}\n", token(&format!("n{i}")))).unwrap();
    }
    // An unreadable file with an escape in its name: the stderr problem line is escaped too.
    symlink("/proc/self/mem", dir.path().join("mem\x1b[31m.env")).unwrap();
    let out = run_within(keyreach().arg("scan").arg(dir.path()).args(["--format", "json", "--follow"]), secs(60));
    let doc = json(&out);
    assert_eq!(findings(&doc).len(), names.len(), "{doc}");
    let paths: Vec<&str> = findings(&doc).iter().map(|f| f["locations"][0]["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"new\nline.env") && paths.contains(&"bad\u{fffd}\u{fffd}utf8.env"), "{paths:?}");
    let err = stderr(&out);
    assert!(err.contains("mem\\u{1b}[31m.env") && !err.contains('\x1b'), "{err}");
    for format in ["text", "jsonl", "sarif"] {
        let out = run_within(
            keyreach().arg("scan").arg(dir.path()).args(["--format", format, "--color", "always", "--show-secrets"]),
            secs(60),
        );
        let text = stdout(&out);
        match format {
            "text" => {
                // Colour codes are ours; nothing else of the repository's may control the terminal.
                let stripped = strip_sgr(&text);
                for bad in ['\x1b', '\x07', '\x7f', '\r', '\u{202e}', '\u{9b}'] {
                    assert!(!stripped.contains(bad), "raw {bad:?} in the text report:\n{text}");
                }
                assert!(text.contains("new\\nline.env") && text.contains("title\\u{1b}]0;pwned\\u{7}.env"), "{text}");
                assert!(stripped.lines().all(|l| !l.starts_with("line.env")), "a name broke a line");
            }
            "jsonl" => {
                assert_eq!(text.lines().count(), names.len());
                text.lines().for_each(|l| drop(serde_json::from_str::<Value>(l).unwrap()));
            }
            _ => drop(serde_json::from_str::<Value>(&text).unwrap()),
        }
    }
}

/// Removes the SGR colour sequences keyreach itself writes (`ESC [ digits ; ... m`).
fn strip_sgr(text: &str) -> String {
    let re = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    re.replace_all(text, "").into_owned()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_matched_lines_escapes_never_reach_the_terminal() {
    // Claims decoded from a token (identity, permissions) and provider text are scanned
    // content: a JWT whose `sub` and `scope` carry terminal escapes.
    let dir = tempfile::tempdir().unwrap();
    let payload = r#"{"role":"authenticated","sub":"\u001b]0;owned\u0007\u001b[2J","scope":"read\u001b[31m write","exp":4102444800}"#;
    let jwt = keyreach::rules::validate::jwt_build(r#"{"alg":"HS256","typ":"JWT"}"#, payload, &[7u8; 32]);
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "SUPABASE_URL=https://abcdefghijklmnop.supabase.co\nSUPABASE_KEY={jwt}\nNOTE=\x1b]8;;http://x\x07link\n"
        ),
    )
    .unwrap();
    let out = run_within(keyreach().arg("scan").arg(dir.path()).args(["--color", "never", "--show-secrets"]), secs(60));
    let text = stdout(&out);
    assert!(text.contains("\\u{1b}]0;owned\\u{7}"), "the identity is shown, escaped:\n{text}");
    for bad in ['\x1b', '\x07'] {
        assert!(!text.contains(bad) && !stderr(&out).contains(bad), "raw {bad:?}:\n{text}");
    }
}

#[test]
fn fifos_sockets_and_devices_are_skipped_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ok.env"), format!("T={}\n", token("fifo"))).unwrap();
    mkfifo(&root.join("pipe.env"));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("agent.sock")).unwrap();
    symlink("/dev/zero", root.join("zero.env")).unwrap();
    symlink("/dev/urandom", root.join("random.env")).unwrap();
    symlink("/dev/stdin", root.join("stdin.env")).unwrap();
    symlink(root.join("pipe.env"), root.join("pipe-link.env")).unwrap();
    if is_root() {
        // Real device nodes: a copy of /dev/zero and of /dev/null.
        for (name, minor) in [("zero-dev", 5), ("null-dev", 3)] {
            let c = std::ffi::CString::new(root.join(name).as_os_str().as_bytes()).unwrap();
            // SAFETY: a valid path; makedev(1, minor) is a memory device.
            let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o644, libc::makedev(1, minor)) };
            assert_eq!(made, 0, "mknod {name}");
        }
    }
    for follow in [false, true] {
        let mut cmd = keyreach();
        cmd.arg("scan").arg(root).args(["--format", "json", "--binary"]).stdin(Stdio::piped());
        if follow {
            cmd.arg("--follow");
        }
        let out = run_within(&mut cmd, secs(30));
        let doc = json(&out);
        assert_eq!(findings(&doc).len(), 1, "follow={follow}: {doc}");
        assert_eq!(doc["stats"]["files"], 1, "only the regular file is read (follow={follow}): {doc}");
    }
}

#[test]
fn a_file_swapped_for_a_fifo_after_the_walk_is_refused_without_blocking() {
    use keyreach::source::fs::{WalkEvent, WalkOptions, check, open, walk};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.env"), "T=1\n").unwrap();
    let options = WalkOptions {
        roots: vec![dir.path().to_path_buf()],
        threads: 1,
        excludes: vec![],
        max_file_size: None,
        follow_links: false,
    };
    let excludes = check(&options).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    walk(&options, &excludes, || {
        let tx = tx.clone();
        Box::new(move |event| {
            if let WalkEvent::File(entry) = event {
                // The walk saw a regular file; before it is opened, it becomes a FIFO
                // (nobody ever writes to it), then it vanishes.
                std::fs::remove_file(&entry.path).unwrap();
                mkfifo(&entry.path);
                let started = Instant::now();
                let fifo = open(&entry.path).map(|_| ()).map_err(|e| e.to_string());
                std::fs::remove_file(&entry.path).unwrap();
                let gone = open(&entry.path).map(|_| ()).map_err(|e| e.kind());
                tx.send((fifo, gone, started.elapsed())).unwrap();
            }
        })
    });
    let (fifo, gone, took) = rx.recv_timeout(secs(10)).expect("the walk saw the file");
    assert_eq!(fifo, Err("not a regular file".to_string()));
    assert_eq!(gone, Err(std::io::ErrorKind::NotFound));
    assert!(took < secs(2), "opening the FIFO blocked for {took:?}");
}

#[test]
fn permission_denied_files_and_directories_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(root.join("open.env"), format!("T={}\n", token("perm"))).unwrap();
    std::fs::write(root.join("locked.env"), format!("T={}\n", token("locked"))).unwrap();
    std::fs::create_dir(root.join("closed")).unwrap();
    std::fs::write(root.join("closed/inner.env"), format!("T={}\n", token("inner"))).unwrap();
    std::fs::set_permissions(root.join("locked.env"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(root.join("closed"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = run_within(unprivileged(keyreach().arg("scan").arg(root).args(["--format", "json"])), secs(60));
    std::fs::set_permissions(root.join("closed"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&doc).len(), 1, "{doc}");
    assert_eq!(doc["stats"]["errors"], 2, "{doc}");
    let err = stderr(&out);
    assert!(err.contains("keyreach: locked.env: ") && err.contains("ermission denied"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("keyreach: closed")), "{err}");
}

#[test]
fn symlink_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("d/e")).unwrap();
    std::fs::write(root.join("d/e/t.env"), format!("T={}\n", token("loop"))).unwrap();
    symlink("self", root.join("self")).unwrap();
    symlink("b", root.join("a")).unwrap();
    symlink("a", root.join("b")).unwrap();
    symlink("..", root.join("d/e/up")).unwrap();
    symlink(root, root.join("d/root")).unwrap();
    symlink("../../d", root.join("d/e/again")).unwrap();
    for follow in [false, true] {
        let mut cmd = keyreach();
        cmd.arg("scan").arg(root).args(["--format", "json"]);
        if follow {
            cmd.arg("--follow");
        }
        let out = run_within(&mut cmd, secs(60));
        let doc = json(&out);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(findings(&doc).len(), 1, "{doc}");
        if follow {
            assert!(doc["stats"]["errors"].as_u64().unwrap() >= 3, "loops are reported: {doc}");
        }
    }
}

#[test]
fn files_that_change_or_vanish_during_the_scan_do_not_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("stable.env"), format!("T={}\n", token("stable"))).unwrap();
    for i in 0..2000 {
        std::fs::write(root.join(format!("f{i}.txt")), format!("line {i}\n").repeat(50)).unwrap();
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (root, stop) = (root.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let p = root.join(format!("f{}.txt", i % 2000));
                match i % 4 {
                    0 => drop(std::fs::remove_file(&p)),
                    1 => drop(std::fs::write(&p, "x".repeat(i % 5000))),
                    2 => {
                        let _ = std::fs::remove_file(&p);
                        let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
                        // SAFETY: a valid path.
                        unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
                    }
                    _ => drop(std::fs::OpenOptions::new().write(true).open(&p).and_then(|f| f.set_len(3))),
                }
                i += 7;
            }
        })
    };
    let outs: Vec<Output> =
        (0..3).map(|_| run_within(keyreach().arg("scan").arg(&root).args(["--format", "json"]), secs(120))).collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
    for out in outs {
        let doc = json(&out);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(findings(&doc).len(), 1, "{doc}");
        assert!(stderr(&out).lines().all(|l| l.starts_with("keyreach: ")), "{}", stderr(&out));
    }
}

#[test]
fn a_hundred_thousand_small_files() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    for d in 0..100 {
        let sub = dir.path().join(format!("d{d:03}"));
        std::fs::create_dir(&sub).unwrap();
        for f in 0..1000 {
            std::fs::write(sub.join(format!("f{f:04}.txt")), b"key = value\n").unwrap();
        }
    }
    std::fs::write(dir.path().join("d050/secret.env"), format!("T={}\n", token("many"))).unwrap();
    let made = started.elapsed();
    let started = Instant::now();
    let out =
        run_within(keyreach().arg("scan").arg(dir.path()).args(["--format", "json", "--threads", "2"]), secs(300));
    let took = started.elapsed();
    let doc = json(&out);
    eprintln!("100,000 files: created in {made:?}, scanned in {took:?}");
    assert_eq!(doc["stats"]["files"], 100_001);
    assert_eq!(findings(&doc).len(), 1);
    assert_eq!(findings(&doc)[0]["locations"][0]["path"], "d050/secret.env");
}

/// Creates `depth` nested directories named `d` below `root` (paths far past PATH_MAX, so
/// with `mkdirat`), and writes `file` with `text` at depth `at`.
fn nest(root: &Path, depth: usize, at: usize, text: &str) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let open = |parent: i32, name: &str| -> OwnedFd {
        let c = std::ffi::CString::new(name).unwrap();
        // SAFETY: a valid directory fd and NUL-terminated name; the result is checked.
        let fd = unsafe { libc::openat(parent, c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        assert!(fd >= 0, "openat at depth");
        // SAFETY: fd is a fresh descriptor we own.
        unsafe { OwnedFd::from_raw_fd(fd) }
    };
    let mut current = std::fs::File::open(root).map(OwnedFd::from).unwrap();
    let d = std::ffi::CString::new("d").unwrap();
    for level in 1..=depth {
        // SAFETY: valid fd and name.
        assert_eq!(unsafe { libc::mkdirat(current.as_raw_fd(), d.as_ptr(), 0o755) }, 0, "mkdirat {level}");
        current = open(current.as_raw_fd(), "d");
        if level == at {
            let name = std::ffi::CString::new("deep.env").unwrap();
            // SAFETY: valid fd and name; the result is checked.
            let fd = unsafe {
                libc::openat(
                    current.as_raw_fd(),
                    name.as_ptr(),
                    libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC,
                    0o644,
                )
            };
            assert!(fd >= 0);
            // SAFETY: fd is a fresh descriptor we own.
            let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
            std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        }
    }
}

/// Removes a tree made by [`nest`]: cuts the chain below `root/d` every 200 levels (with
/// `renameat`, as paths that deep cannot be named), removing one short segment at a time.
fn unnest(root: &Path) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    const SEGMENT: usize = 200;
    let d = std::ffi::CString::new("d").unwrap();
    let rest = std::ffi::CString::new("rest").unwrap();
    let top = std::fs::File::open(root).map(OwnedFd::from).unwrap();
    loop {
        let mut current = std::fs::File::open(root.join("d")).map(OwnedFd::from).unwrap();
        for _ in 1..SEGMENT {
            // SAFETY: a valid fd and name; the result is checked.
            let fd = unsafe { libc::openat(current.as_raw_fd(), d.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
            if fd < 0 {
                break;
            }
            // SAFETY: fd is a fresh descriptor we own.
            current = unsafe { OwnedFd::from_raw_fd(fd) };
        }
        // SAFETY: valid fds and names.
        let moved = unsafe { libc::renameat(current.as_raw_fd(), d.as_ptr(), top.as_raw_fd(), rest.as_ptr()) } == 0;
        drop(current);
        std::fs::remove_dir_all(root.join("d")).unwrap();
        if !moved {
            return;
        }
        std::fs::rename(root.join("rest"), root.join("d")).unwrap();
    }
}

#[test]
fn a_directory_nested_five_thousand_deep() {
    let dir = tempfile::tempdir().unwrap();
    let secret = token("deep");
    nest(dir.path(), 5000, 100, &format!("T={secret}\n"));
    let started = Instant::now();
    let out = run_within(keyreach().arg("scan").arg(dir.path()).args(["--format", "json"]), secs(120));
    let took = started.elapsed();
    unnest(dir.path());
    let doc = json(&out);
    eprintln!("5,000 deep: scanned in {took:?}");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&doc).len(), 1);
    assert_eq!(findings(&doc)[0]["locations"][0]["path"], format!("{}deep.env", "d/".repeat(100)));
    // Below PATH_MAX nothing can be opened by path: said once, and counted.
    assert!(doc["stats"]["errors"].as_u64().unwrap() >= 1, "{doc}");
    assert!(stderr(&out).contains("too long"), "{}", stderr(&out));
}

#[test]
fn a_sparse_10_gb_file_costs_neither_time_nor_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disk.img");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(10 << 30).unwrap();
    drop(file);
    std::fs::write(dir.path().join("t.env"), format!("T={}\n", token("sparse"))).unwrap();
    // Over the default size limit: skipped at once.
    let started = Instant::now();
    let out = run_within(keyreach().arg("scan").arg(dir.path()).args(["--format", "json"]), secs(60));
    let doc = json(&out);
    assert_eq!((doc["stats"]["files"].as_u64(), doc["stats"]["skipped"].as_u64()), (Some(1), Some(1)), "{doc}");
    assert!(started.elapsed() < secs(30));
    // Allowed by size: its first bytes are NUL, so it is binary and left after one chunk.
    let started = Instant::now();
    let (out, peak_kib) = crate::cli::run_measured(keyreach().arg("scan").arg(dir.path()).args([
        "--format",
        "json",
        "--max-file-size",
        "20000",
    ]));
    let doc = json(&out);
    assert_eq!(findings(&doc).len(), 1);
    assert_eq!(doc["stats"]["skipped"], 1, "{doc}");
    assert!(started.elapsed() < secs(30), "took {:?}", started.elapsed());
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}

#[test]
fn a_secret_at_the_very_end_of_a_1_gb_file_is_found_in_bounded_memory() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.log");
    let secret = token("gigabyte");
    let size: u64 = 1 << 30;
    let mut file = std::fs::File::create(&path).unwrap();
    // Text first (so it is not binary), a hole of zeros, then the secret as the last bytes.
    let head = "2026-01-01 INFO request served\n".repeat(1 << 15);
    file.write_all(head.as_bytes()).unwrap();
    let tail = format!("\nT={secret}");
    file.seek(SeekFrom::Start(size - tail.len() as u64)).unwrap();
    file.write_all(tail.as_bytes()).unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
    let started = Instant::now();
    let (out, peak_kib) = crate::cli::run_measured(keyreach().arg("scan").arg(dir.path()).args([
        "--format",
        "json",
        "--max-file-size",
        "2000",
    ]));
    let took = started.elapsed();
    eprintln!("1 GiB file: scanned in {took:?}, peak RSS {peak_kib} KiB");
    let doc = json(&out);
    assert_eq!(findings(&doc).len(), 1, "{doc}");
    let loc = &findings(&doc)[0]["locations"][0];
    assert_eq!(loc["line"].as_u64(), Some((1 << 15) + 2));
    assert_eq!(loc["column"], 3);
    assert_eq!(doc["stats"]["bytes"].as_u64(), Some(size));
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}
