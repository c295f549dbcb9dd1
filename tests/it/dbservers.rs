//! Real database servers for the database probe tests: PostgreSQL, MariaDB and Redis from
//! the distribution's packages, each started by the test on 127.0.0.1 in a temporary
//! directory, with every statement logged (PostgreSQL `log_statement=all`, MariaDB's
//! general log, Redis `INFO commandstats`), and stopped when the test ends.
//!
//! A missing server fails the test with one line naming the package to install: no test
//! is skipped silently. PostgreSQL refuses to run as root, so under root its processes drop
//! to the `postgres` (or `nobody`) user.

#![allow(dead_code)] // each database test uses part of the harness

use std::ffi::CString;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Fails the test, in one line, when a server binary is missing.
fn need(found: Option<PathBuf>, what: &str, package: &str) -> PathBuf {
    found.unwrap_or_else(|| {
        panic!(
            "{what} not found: install it with `apt-get install {package}` (the database probe tests run real servers)"
        )
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin"].iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// PostgreSQL's binaries: `/usr/lib/postgresql/<newest>/bin`, else the PATH.
fn pg_bin(name: &str) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin").join(name)).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    versions
        .sort_by_key(|p| p.components().nth(4).and_then(|c| c.as_os_str().to_str()?.parse::<u32>().ok()).unwrap_or(0));
    versions.pop().or_else(|| on_path(name))
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// The unprivileged account a server runs as when the tests run as root.
fn service_user(preferred: &str) -> (libc::uid_t, libc::gid_t) {
    for name in [preferred, "nobody"] {
        let c = CString::new(name).unwrap();
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        if !pw.is_null() {
            return unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
        }
    }
    panic!("no unprivileged user ({preferred} or nobody) to run the database server as");
}

fn chown_tree(path: &Path, uid: libc::uid_t, gid: libc::gid_t) {
    for entry in walkdir::WalkDir::new(path) {
        let entry = entry.unwrap();
        let c = CString::new(entry.path().as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::chown(c.as_ptr(), uid, gid) }, 0, "chown {}", entry.path().display());
    }
}

/// Runs the command as `user` (when root) and kills it if the test thread dies.
fn as_user(cmd: &mut Command, user: Option<(libc::uid_t, libc::gid_t)>) -> &mut Command {
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid)) = user {
                if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        })
    }
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn wait_for_port(port: u16, child: &mut Child, log: &Path) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited ({status}): {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not listen on port {port}: {}", std::fs::read_to_string(log).unwrap_or_default());
}

fn stop(child: &mut Child, signal: i32) {
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A PostgreSQL server logging every statement.
pub struct Postgres {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
    pub version: String,
}

impl Postgres {
    /// Starts a server; `extra` lines go into `postgresql.conf` and `files` (name, content)
    /// into its data directory, private to the server (TLS key and certificate).
    pub fn start(extra: &str, files: &[(&str, Vec<u8>)]) -> Postgres {
        let initdb = need(pg_bin("initdb"), "PostgreSQL (initdb)", "postgresql");
        let postgres = need(pg_bin("postgres"), "PostgreSQL (postgres)", "postgresql");
        need(pg_bin("psql").or_else(|| on_path("psql")), "PostgreSQL client (psql)", "postgresql-client");
        let user = is_root().then(|| service_user("postgres"));
        let dir = tempfile::tempdir().unwrap();
        if let Some((uid, gid)) = user {
            chown_tree(dir.path(), uid, gid);
        }
        let data = dir.path().join("data");
        run(
            as_user(&mut Command::new(&initdb), user)
                .args([
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .env("LC_ALL", "C"),
            "initdb",
        );
        let port = free_port();
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\nlog_statement = 'all'\n\
             log_connections = on\nlog_line_prefix = '%r %u: '\nlogging_collector = off\nfsync = off\n{extra}\n",
            dir.path().display()
        );
        let mut text = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        text.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), text).unwrap();
        for (name, content) in files {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(data.join(name), content).unwrap();
            std::fs::set_permissions(data.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).unwrap();
        if let Some((uid, gid)) = user {
            chown_tree(dir.path(), uid, gid);
        }
        let mut child = as_user(&mut Command::new(&postgres), user)
            .args(["-D", data.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("postgres starts");
        wait_for_port(port, &mut child, &log);
        // Listening is not ready: wait until a session can start.
        let psql = pg_bin("psql").or_else(|| on_path("psql")).unwrap();
        let start = Instant::now();
        while !Command::new(&psql)
            .args(["-X", "-q", "-h"])
            .arg(dir.path())
            .args(["-p", &port.to_string(), "-U", "postgres", "-d", "postgres", "-c", "SELECT 1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "PostgreSQL did not accept sessions: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let version =
            String::from_utf8_lossy(&run(Command::new(&postgres).arg("--version"), "postgres --version").stdout)
                .trim()
                .to_string();
        Postgres { port, dir, child, version }
    }

    /// Runs SQL as the superuser over the Unix socket (never logged as TCP).
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let psql = pg_bin("psql").or_else(|| on_path("psql")).unwrap();
        let out = run(
            Command::new(psql)
                .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
                .arg(self.dir.path())
                .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db, "-c", sql]),
            "psql",
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The server log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Statements that arrived over TCP (the probes; setup uses the Unix socket), as
    /// (user, statement).
    pub fn tcp_statements(&self) -> Vec<(String, String)> {
        self.log()
            .lines()
            .filter(|l| l.starts_with("127.0.0.1("))
            .filter_map(|l| {
                let (prefix, statement) = l.split_once(": LOG:  statement: ")?;
                let user = prefix.split_whitespace().nth(1)?.to_string();
                Some((user, statement.to_string()))
            })
            .collect()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop(&mut self.child, libc::SIGINT);
    }
}

/// A MariaDB server with its general log on.
pub struct Mariadb {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
    pub version: String,
}

impl Mariadb {
    pub fn start() -> Mariadb {
        let server =
            need(on_path("mariadbd").or_else(|| on_path("mysqld")), "MariaDB server (mariadbd)", "mariadb-server");
        let install = need(
            on_path("mariadb-install-db").or_else(|| on_path("mysql_install_db")),
            "MariaDB (mariadb-install-db)",
            "mariadb-server",
        );
        need(on_path("mariadb").or_else(|| on_path("mysql")), "MariaDB client (mariadb)", "mariadb-client");
        let user = is_root().then(|| service_user("mysql"));
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut install_cmd = Command::new(&install);
        install_cmd
            .args(["--no-defaults", "--auth-root-authentication-method=normal", "--skip-test-db"])
            .arg(format!("--datadir={}", data.display()));
        if let Some((uid, gid)) = user {
            chown_tree(dir.path(), uid, gid);
        }
        run(as_user(&mut install_cmd, user), "mariadb-install-db");
        let port = free_port();
        let log = dir.path().join("error.log");
        let mut child = as_user(&mut Command::new(&server), user)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg("--general-log=1")
            .arg(format!("--general-log-file={}", dir.path().join("general.log").display()))
            .arg(format!("--log-error={}", log.display()))
            .arg("--skip-name-resolve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        wait_for_port(port, &mut child, &log);
        let version =
            String::from_utf8_lossy(&run(Command::new(&server).arg("--version"), "mariadbd --version").stdout)
                .trim()
                .to_string();
        Mariadb { port, dir, child, version }
    }

    /// Runs SQL as root over the Unix socket.
    pub fn sql(&self, sql: &str) -> String {
        let client = on_path("mariadb").or_else(|| on_path("mysql")).unwrap();
        let out = run(
            Command::new(client)
                .args(["--no-defaults", "-N", "-B", "-uroot"])
                .arg(format!("--socket={}", self.dir.path().join("sock").display()))
                .args(["-e", sql]),
            "mariadb",
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The general log.
    pub fn general_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("general.log")).unwrap_or_default()
    }

    /// Every command of every TCP session in the general log, by session: (user, [(command,
    /// argument)]). Setup runs over the Unix socket and is left out.
    pub fn tcp_sessions(&self) -> Vec<(String, Vec<(String, String)>)> {
        // (session id, user, commands)
        type Session = (String, String, Vec<(String, String)>);
        let mut sessions: Vec<Session> = Vec::new();
        for line in self.general_log().lines() {
            // "[date time]\t<id> <Command>\t<argument>"; the date is only on some lines.
            let fields: Vec<&str> = line.split('\t').filter(|f| !f.trim().is_empty()).collect();
            let Some(pos) = fields.iter().position(|f| {
                let mut w = f.split_whitespace();
                w.next().is_some_and(|id| id.parse::<u64>().is_ok())
                    && w.next().is_some_and(|c| c.chars().all(|ch| ch.is_ascii_alphabetic()))
            }) else {
                continue;
            };
            let mut head = fields[pos].split_whitespace();
            let id = head.next().unwrap().to_string();
            let command = head.next().unwrap().to_string();
            let argument = fields.get(pos + 1).map(|s| s.to_string()).unwrap_or_default();
            if command == "Connect" {
                if argument.contains("using TCP/IP") {
                    let user = argument.split('@').next().unwrap_or("").to_string();
                    sessions.push((id, user, Vec::new()));
                } else {
                    sessions.retain(|(i, _, _)| *i != id);
                }
                continue;
            }
            if let Some((_, _, commands)) = sessions.iter_mut().rev().find(|(i, _, _)| *i == id) {
                commands.push((command, argument));
            }
        }
        sessions.into_iter().map(|(_, user, commands)| (user, commands)).collect()
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        stop(&mut self.child, libc::SIGTERM);
    }
}

/// A Redis server with ACL users from `users` (`user NAME ...` config lines).
pub struct Redis {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
    pub version: String,
    admin_password: String,
}

impl Redis {
    pub fn start(admin_password: &str, users: &[String]) -> Redis {
        let server = need(on_path("redis-server"), "Redis server (redis-server)", "redis-server");
        need(on_path("redis-cli"), "Redis client (redis-cli)", "redis-tools");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut conf = format!(
            "port {port}\nbind 127.0.0.1\ndir {}\nsave \"\"\nappendonly no\nlogfile {}\nuser default on >{admin_password} ~* &* +@all\n",
            dir.path().display(),
            dir.path().join("redis.log").display()
        );
        for user in users {
            conf.push_str(user);
            conf.push('\n');
        }
        std::fs::write(dir.path().join("redis.conf"), conf).unwrap();
        let log = dir.path().join("redis.log");
        let mut child = as_user(Command::new(&server).arg(dir.path().join("redis.conf")), None)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        wait_for_port(port, &mut child, &log);
        let version =
            String::from_utf8_lossy(&run(Command::new(&server).arg("--version"), "redis-server --version").stdout)
                .trim()
                .to_string();
        Redis { port, dir, child, version, admin_password: admin_password.to_string() }
    }

    /// One command as the default (admin) user.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = run(
            Command::new(on_path("redis-cli").unwrap())
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "--no-auth-warning",
                    "-a",
                    &self.admin_password,
                ])
                .args(args),
            "redis-cli",
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `INFO commandstats` as (command, calls that reached the server).
    pub fn command_calls(&self) -> Vec<(String, u64)> {
        self.cli(&["INFO", "commandstats"])
            .lines()
            .filter_map(|l| {
                let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
                // Calls that ran (failed ones included) and calls refused before running (NOPERM).
                let field =
                    |key: &str| rest.split(',').find_map(|f| f.strip_prefix(key)).and_then(|n| n.parse::<u64>().ok());
                Some((name.to_string(), field("calls=")? + field("rejected_calls=").unwrap_or(0)))
            })
            .collect()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        stop(&mut self.child, libc::SIGTERM);
    }
}
