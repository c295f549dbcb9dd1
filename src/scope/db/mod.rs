//! The database clients of the probes: PostgreSQL, MySQL/MariaDB, MongoDB and Redis, each
//! speaking just enough of its protocol to log in and run the statements its probe
//! declared. What [`super::http`] is to HTTP probes, this module is to database probes.
//!
//! Guarantees, by construction:
//! - A statement or command reaches the server only if it is one the probe declared
//!   ([`Statement`], the `Probe::statements()` list) **and** it passes [`check`]: SQL must
//!   be a single read-only statement (PostgreSQL: `SELECT`, `BEGIN READ ONLY`, `ROLLBACK`;
//!   MySQL: `SHOW GRANTS` and `SELECT` from `information_schema` only), with no word that
//!   writes, locks, sleeps or reads files outside string literals; Redis commands and
//!   MongoDB commands come from a fixed list of introspection commands. Every client sends
//!   statements through one function that calls [`check`] first.
//! - PostgreSQL sessions start with `default_transaction_read_only=on` and run everything
//!   inside `BEGIN READ ONLY` … `ROLLBACK`.
//! - Connections go through [`net`]: one DNS lookup, public addresses only unless the user
//!   allowed the host, timeouts, a read budget, TLS (rustls) when the credential or the
//!   server asks for it.
//! - A password is sent only as its protocol's login requires (SCRAM, MD5, native
//!   challenge-response), or in clear text only over TLS (PostgreSQL clear-text, MySQL
//!   `caching_sha2_password` full authentication), except Redis `AUTH`, which has no other
//!   form. It never appears in an error: errors name the host and the cause.
//!
//! Why hand-written clients over each database's usual crate (see each module for details):
//! the probes must connect to the address [`net`] checked, with the host name as TLS server
//! name, and send nothing of their own. `postgres-protocol` (the codec under the `postgres`
//! crate) and `redis` (its RESP codec, without its connection, which sends `CLIENT SETINFO`
//! and resolves the host itself) are used for encoding; the `mysql` crate sends
//! `SELECT @@max_allowed_packet,@@wait_timeout` and, on loopback, `SELECT @@socket` on
//! its own, and its codec crate needs a compression backend for the five packets used here;
//! the official `mongodb` driver sends `endSessions`, monitoring `hello`s and its own
//! handshake metadata from an async runtime. MongoDB is OP_MSG over `bson`, with SCRAM from
//! `ring`.

mod address;
pub mod mongo;
pub mod mysql;
pub mod net;
pub mod postgres;
pub mod resp;
pub mod srv;

use crate::scope::http::ProbeError;

pub use net::{NetOptions, Stream, TlsMode, Verify};

/// A statement or command a database probe may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    /// A PostgreSQL statement, sent as a simple query exactly as written.
    Postgres(&'static str),
    /// A MySQL / MariaDB statement, sent as `COM_QUERY` exactly as written.
    Mysql(&'static str),
    /// A Redis command: its words, `*` for one argument filled in at run time (a user
    /// name, a password).
    Redis(&'static [&'static str]),
    /// A MongoDB command: its name (the document's first key) and the other keys it may
    /// carry (`$db` is always allowed).
    Mongo(&'static str, &'static [&'static str]),
}

/// What a client is about to send, for [`check`].
#[derive(Debug, Clone, Copy)]
pub enum Sent<'a> {
    Postgres(&'a str),
    Mysql(&'a str),
    Redis(&'a [&'a [u8]]),
    Mongo(&'a bson::Document),
}

/// Redis commands a probe may ever send: log in and read the ACL of the user logged in.
pub const REDIS_COMMANDS: &[&[&str]] = &[&["AUTH"], &["ACL", "WHOAMI"], &["ACL", "GETUSER"]];

/// MongoDB commands a probe may ever send: the handshake, SCRAM login, and reading the
/// connection's users, roles, privileges and database names.
pub const MONGO_COMMANDS: &[&str] = &["hello", "saslStart", "saslContinue", "connectionStatus", "listDatabases"];

/// Words that never appear (outside string literals) in a statement a probe sends: they
/// write, change the session, lock, sleep, signal other sessions or touch files.
pub const FORBIDDEN_WORDS: &[&str] = &[
    "insert",
    "update",
    "delete",
    "merge",
    "upsert",
    "replace",
    "drop",
    "truncate",
    "alter",
    "create",
    "grant",
    "revoke",
    "copy",
    "set",
    "reset",
    "call",
    "do",
    "execute",
    "exec",
    "prepare",
    "deallocate",
    "lock",
    "unlock",
    "vacuum",
    "analyze",
    "cluster",
    "reindex",
    "comment",
    "security",
    "refresh",
    "listen",
    "notify",
    "discard",
    "into",
    "for",
    "load",
    "handler",
    "kill",
    "shutdown",
    "flush",
    "purge",
    "rename",
    "optimize",
    "repair",
    "install",
    "uninstall",
    "checkpoint",
    "commit",
    "savepoint",
    "release",
    "import",
    "outfile",
    "dumpfile",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "set_config",
    "nextval",
    "setval",
    "lo_import",
    "lo_export",
    "lo_unlink",
    "lo_create",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "dblink",
    "dblink_exec",
    "pg_advisory_lock",
    "pg_try_advisory_lock",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_promote",
    "pg_logical_emit_message",
    "txid_current",
    "pg_current_xact_id",
    "sleep",
    "benchmark",
    "load_file",
    "get_lock",
    "release_lock",
    "sys_exec",
    "sys_eval",
];

/// Refuses anything not declared, and anything declared that is not read-only.
pub fn check(declared: &[Statement], sent: &Sent<'_>) -> Result<(), ProbeError> {
    let refuse = |why: &str| Err(ProbeError::Refused(why.to_string()));
    match *sent {
        Sent::Postgres(sql) => {
            if !declared.iter().any(|d| matches!(d, Statement::Postgres(s) if *s == sql)) {
                return refuse("SQL statement not declared by the probe");
            }
            read_only_sql(sql, Dialect::Postgres).map_err(ProbeError::Refused)
        }
        Sent::Mysql(sql) => {
            if !declared.iter().any(|d| matches!(d, Statement::Mysql(s) if *s == sql)) {
                return refuse("SQL statement not declared by the probe");
            }
            read_only_sql(sql, Dialect::Mysql).map_err(ProbeError::Refused)
        }
        Sent::Redis(words) => {
            let Some(first) = words.first() else { return refuse("empty Redis command") };
            let upper = |w: &[u8]| String::from_utf8_lossy(w).to_ascii_uppercase();
            let name = upper(first);
            let known = REDIS_COMMANDS.iter().any(|c| {
                c[0] == name
                    && c.iter().skip(1).enumerate().all(|(i, w)| words.get(i + 1).is_some_and(|s| upper(s) == *w))
            });
            if !known {
                return refuse("Redis command not among the introspection commands");
            }
            let fits = declared.iter().any(|d| match d {
                Statement::Redis(shape) => {
                    shape.len() == words.len()
                        && shape.iter().zip(words.iter()).all(|(s, w)| *s == "*" || upper(w) == *s)
                }
                _ => false,
            });
            if fits { Ok(()) } else { refuse("Redis command not declared by the probe") }
        }
        Sent::Mongo(doc) => {
            let Some(name) = doc.keys().next() else { return refuse("empty MongoDB command") };
            if !MONGO_COMMANDS.contains(&name.as_str()) {
                return refuse("MongoDB command not among the introspection commands");
            }
            let fits = declared.iter().any(|d| match d {
                Statement::Mongo(command, keys) => {
                    command == name && doc.keys().skip(1).all(|k| k == "$db" || keys.contains(&k.as_str()))
                }
                _ => false,
            });
            if fits { Ok(()) } else { refuse("MongoDB command not declared by the probe") }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Postgres,
    Mysql,
}

/// Whether `sql` is one read-only statement of the kinds probes send.
fn read_only_sql(sql: &str, dialect: Dialect) -> Result<(), String> {
    let words = sql_words(sql).ok_or("SQL statement with an unterminated literal")?;
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let head: Vec<&str> = lower.iter().take(3).map(String::as_str).collect();
    let kind_ok = match dialect {
        Dialect::Postgres => {
            head.first() == Some(&"select")
                || head == ["begin", "read", "only"] && lower.len() == 3
                || lower == ["rollback"]
        }
        Dialect::Mysql => {
            lower == ["show", "grants"] || (head.first() == Some(&"select") && mysql_reads_information_schema(&lower))
        }
    };
    if !kind_ok {
        return Err(match dialect {
            Dialect::Postgres => "only SELECT, BEGIN READ ONLY and ROLLBACK are sent to PostgreSQL".into(),
            Dialect::Mysql => "only SHOW GRANTS and SELECT from information_schema are sent to MySQL".into(),
        });
    }
    if sql.contains(';') {
        return Err("one statement at a time".into());
    }
    if let Some(word) = lower.iter().find(|w| FORBIDDEN_WORDS.contains(&w.as_str())) {
        return Err(format!("SQL statement uses {word:?}, which is not read-only"));
    }
    Ok(())
}

/// Every table a MySQL SELECT reads (after FROM or JOIN) is in `information_schema`.
fn mysql_reads_information_schema(words: &[String]) -> bool {
    let mut tables = 0;
    for pair in words.windows(2) {
        if pair[0] == "from" || pair[0] == "join" {
            tables += 1;
            if !pair[1].starts_with("information_schema.") {
                return false;
            }
        }
    }
    tables > 0 && !words.iter().any(|w| w == "union")
}

/// The words of a statement outside string literals (`'…'`, `"…"` and `` `…` `` quoted
/// names are skipped); identifiers keep their dots (`information_schema.SCHEMATA`).
fn sql_words(sql: &str) -> Option<Vec<&str>> {
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'\'' | b'"' | b'`') {
            let mut j = i + 1;
            loop {
                if j >= bytes.len() {
                    return None;
                }
                if bytes[j] == b && bytes.get(j + 1) == Some(&b) {
                    j += 2;
                } else if bytes[j] == b {
                    break;
                } else {
                    j += 1;
                }
            }
            i = j + 1;
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'$')) {
                i += 1;
            }
            words.push(&sql[start..i]);
        } else if b == b'-' && bytes.get(i + 1) == Some(&b'-')
            || b == b'/' && bytes.get(i + 1) == Some(&b'*')
            || b == b'#'
        {
            // Comments could hide words from this reading: never sent.
            return None;
        } else {
            i += 1;
        }
    }
    Some(words)
}

/// What a probe needs to open database connections: timeouts, the hosts the user allowed,
/// and the statements its probe declared (every client checks against them).
#[derive(Debug, Clone)]
pub struct Dialer {
    pub net: NetOptions,
    pub declared: &'static [Statement],
}

impl Dialer {
    /// Resolves `host` once, refuses internal addresses the user did not allow, connects.
    pub fn connect(&self, host: &str, port: u16) -> Result<Stream, ProbeError> {
        let addrs = net::resolve(host, port, &self.net)?;
        Stream::connect(host, &addrs, self.net.timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: &[Statement] = &[
        Statement::Postgres("BEGIN READ ONLY"),
        Statement::Postgres("SELECT rolname FROM pg_roles WHERE rolname = current_user"),
        Statement::Postgres("SELECT has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE') FROM pg_class c"),
        Statement::Postgres("ROLLBACK"),
        Statement::Postgres("DROP TABLE users"),
        Statement::Postgres("SELECT 1; DROP TABLE users"),
        Statement::Postgres("SELECT nextval('s')"),
        Statement::Postgres("SELECT * FROM t FOR UPDATE"),
        Statement::Mysql("SHOW GRANTS"),
        Statement::Mysql("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"),
        Statement::Mysql("SELECT * FROM shop.users"),
        Statement::Mysql("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA INTO OUTFILE '/tmp/x'"),
        Statement::Redis(&["AUTH", "*", "*"]),
        Statement::Redis(&["ACL", "GETUSER", "*"]),
        Statement::Redis(&["FLUSHALL"]),
        Statement::Mongo("connectionStatus", &["showPrivileges"]),
        Statement::Mongo("dropDatabase", &[]),
    ];

    fn pg(sql: &str) -> Result<(), ProbeError> {
        check(DECLARED, &Sent::Postgres(sql))
    }

    #[test]
    fn only_declared_read_only_sql_passes() {
        assert!(pg("BEGIN READ ONLY").is_ok());
        assert!(pg("ROLLBACK").is_ok());
        assert!(pg("SELECT rolname FROM pg_roles WHERE rolname = current_user").is_ok());
        // Words inside string literals are data.
        assert!(pg("SELECT has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE') FROM pg_class c").is_ok());
        // Declared but not read-only: refused anyway.
        for sql in
            ["DROP TABLE users", "SELECT 1; DROP TABLE users", "SELECT nextval('s')", "SELECT * FROM t FOR UPDATE"]
        {
            assert!(matches!(pg(sql), Err(ProbeError::Refused(_))), "{sql}");
        }
        // Not declared.
        assert!(pg("SELECT 1").is_err());
        assert!(pg("BEGIN").is_err());
    }

    #[test]
    fn mysql_reads_only_information_schema() {
        let my = |sql| check(DECLARED, &Sent::Mysql(sql));
        assert!(my("SHOW GRANTS").is_ok());
        assert!(my("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA").is_ok());
        assert!(my("SELECT * FROM shop.users").is_err());
        assert!(my("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA INTO OUTFILE '/tmp/x'").is_err());
        // A PostgreSQL declaration does not cover MySQL.
        assert!(my("BEGIN READ ONLY").is_err());
    }

    #[test]
    fn redis_and_mongo_commands_come_from_the_introspection_list() {
        let redis = |words: &[&[u8]]| check(DECLARED, &Sent::Redis(words));
        assert!(redis(&[b"AUTH", b"app", b"pw"]).is_ok());
        assert!(redis(&[b"acl", b"getuser", b"app"]).is_ok());
        assert!(redis(&[b"AUTH", b"pw"]).is_err(), "not declared with one argument");
        assert!(redis(&[b"FLUSHALL"]).is_err(), "declared, but never an introspection command");
        assert!(redis(&[b"ACL", b"SETUSER", b"app"]).is_err());
        let status = bson::doc! {"connectionStatus": 1, "showPrivileges": true, "$db": "admin"};
        assert!(check(DECLARED, &Sent::Mongo(&status)).is_ok());
        let extra = bson::doc! {"connectionStatus": 1, "writeConcern": {"w": 1}};
        assert!(check(DECLARED, &Sent::Mongo(&extra)).is_err());
        assert!(check(DECLARED, &Sent::Mongo(&bson::doc! {"dropDatabase": 1})).is_err());
    }

    #[test]
    fn comments_and_open_literals_are_never_sent() {
        assert_eq!(sql_words("SELECT 1 -- x"), None);
        assert_eq!(sql_words("SELECT /* x */ 1"), None);
        assert_eq!(sql_words("SELECT 'open"), None);
        assert_eq!(sql_words("SELECT 'it''s' AS x"), Some(vec!["SELECT", "AS", "x"]));
    }
}
