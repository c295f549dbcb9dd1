//! Database probes against real servers started here on 127.0.0.1 (PostgreSQL, MariaDB and
//! Redis from the distribution's packages; MongoDB against the wire-protocol fake in
//! `fake/mongo.rs`), with users of known grants created by each test: superuser / admin,
//! owner of a database, read-only, write-but-no-drop, a wrong password.
//!
//! Every test checks what a user would notice: the level, destructiveness, identity,
//! databases and production flag keyreach reports; that a loopback host is refused unless
//! the user allows it on the command line (the scanned repository's own `allow_hosts` does
//! not count); that the password never appears in the text, JSON or SARIF report or on
//! stderr; and the **trap check**: the server's own record (PostgreSQL statement log,
//! MariaDB general log, Redis command statistics, the fake's command list) shows nothing
//! but the declared statements, and no data changed.

use std::path::Path;

use keyreach::scope::db::Statement;
use serde_json::Value;

use crate::dbservers::{Mariadb, Postgres, Redis};
use crate::fake::mongo::{FakeMongo, MongoUser};
use crate::util::{fake, keyreach, run, stderr, stdout, write};

/// A password built at test time.
fn password(label: &str) -> String {
    fake("{{alnum:24}}", &format!("db-{label}"))
}

/// `keyreach scan DIR --probe [args] --format FORMAT`: stdout and stderr.
fn scan(dir: &Path, args: &[&str], format: &str) -> (String, String) {
    let out =
        run(keyreach().arg("scan").arg(dir).args(["--probe", "--probe-timeout", "10", "--format", format]).args(args));
    assert!(out.status.code().is_some_and(|c| c <= 1), "exit {:?}: {}", out.status, stderr(&out));
    (stdout(&out), stderr(&out))
}

/// The JSON findings of a scan, keyed by the line of their first location.
fn findings(dir: &Path, args: &[&str]) -> Vec<Value> {
    let (out, _) = scan(dir, args, "json");
    let report: Value = serde_json::from_str(&out).unwrap();
    report["findings"].as_array().unwrap().iter().filter(|f| f["provider"] == "database").cloned().collect()
}

/// The finding first seen at `line` of `path`.
fn at<'f>(findings: &'f [Value], path: &str, line: u64) -> &'f Value {
    findings
        .iter()
        .find(|f| f["locations"][0]["path"] == path && f["locations"][0]["line"] == line)
        .unwrap_or_else(|| panic!("no finding at {path}:{line}: {findings:#?}"))
}

fn reasons(f: &Value) -> String {
    f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect::<Vec<_>>().join(" | ")
}

fn has(list: &Value, item: &str) -> bool {
    list.as_array().unwrap().iter().any(|v| v.as_str() == Some(item))
}

/// Level, destructive, production, active and severity of a finding.
fn verdict(f: &Value) -> (String, Value, Value, Value, String) {
    let s = &f["scope"];
    (
        s["level"].as_str().unwrap().to_string(),
        s["destructive"].clone(),
        s["production"].clone(),
        s["active"].clone(),
        f["severity"].as_str().unwrap().to_string(),
    )
}

fn v(
    level: &str,
    destructive: Option<bool>,
    production: Option<bool>,
    active: Option<bool>,
    severity: &str,
) -> (String, Value, Value, Value, String) {
    let b = |x: Option<bool>| x.map_or(Value::Null, Value::Bool);
    (level.into(), b(destructive), b(production), b(active), severity.into())
}

/// No password in any report format or on stderr.
fn assert_no_password(dir: &Path, passwords: &[&str]) {
    for format in ["text", "json", "sarif"] {
        let (out, err) = scan(dir, &["--probe-allow-host", "127.0.0.1"], format);
        for pw in passwords {
            assert!(!out.contains(pw), "a password is in the {format} report");
            assert!(!err.contains(pw), "a password is on stderr ({format})");
        }
    }
}

/// A repository whose own keyreach.toml tries to allow loopback and names production.
fn repo_config(dir: &Path, production: &str) {
    write(
        dir,
        "keyreach.toml",
        &format!("[probe]\nallow_hosts = [\"127.0.0.1\", \"localhost\"]\n\n[environments.production]\n{production}\n"),
    );
}

/// Without `--probe-allow-host`, no database finding is probed, whatever the scanned
/// repository's config says, and the reason names the host and the flag.
fn assert_refused_without_leave(dir: &Path) {
    let (out, err) = scan(dir, &[], "json");
    assert!(err.contains("allow_hosts ignored"), "the repository's allow_hosts is ignored with a warning: {err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let database: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["provider"] == "database").collect();
    assert!(!database.is_empty());
    for f in database {
        let why = reasons(f);
        assert!(
            why.contains("not probed: 127.0.0.1 is a loopback address") && why.contains("--probe-allow-host 127.0.0.1"),
            "{why}"
        );
        assert_eq!(f["scope"]["source"], "offline");
    }
}

#[test]
fn postgres_logins_are_judged_by_a_real_server() {
    let pg = Postgres::start("", &[]);
    let port = pg.port;
    let pw: Vec<String> = ["super", "owner", "reader", "writer"].iter().map(|l| password(&format!("pg-{l}"))).collect();
    let wrong = password("pg-wrong");
    pg.sql("postgres", &format!("CREATE ROLE kr_super SUPERUSER LOGIN PASSWORD '{}'", pw[0]));
    pg.sql("postgres", &format!("CREATE ROLE kr_owner LOGIN PASSWORD '{}'", pw[1]));
    pg.sql("postgres", &format!("CREATE ROLE kr_reader LOGIN PASSWORD '{}'", pw[2]));
    pg.sql("postgres", &format!("CREATE ROLE kr_writer LOGIN PASSWORD '{}'", pw[3]));
    pg.sql("postgres", "CREATE DATABASE shop OWNER kr_owner");
    pg.sql("postgres", "CREATE DATABASE billing_prod");
    pg.sql("postgres", "REVOKE CONNECT ON DATABASE billing_prod FROM PUBLIC");
    pg.sql(
        "shop",
        "SET ROLE kr_owner; CREATE TABLE orders (id int PRIMARY KEY, total int); \
         INSERT INTO orders VALUES (1, 10), (2, 20), (3, 30); \
         GRANT SELECT ON orders TO kr_reader; GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO kr_writer",
    );
    let snapshot = || {
        (
            pg.sql("shop", "SELECT string_agg(id || ':' || total, ',' ORDER BY id) FROM orders"),
            pg.sql("postgres", "SELECT string_agg(rolname || rolsuper::text || rolcreaterole::text, ',' ORDER BY rolname) FROM pg_roles"),
            pg.sql("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"),
        )
    };
    let before = snapshot();

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".env",
        &format!(
            "SUPER_URL=postgres://kr_super:{}@127.0.0.1:{port}/postgres\n\
             OWNER_URL=postgresql://kr_owner:{}@127.0.0.1:{port}/shop\n\
             READER_URL=postgres://kr_reader:{}@127.0.0.1:{port}/shop?sslmode=prefer\n\
             STALE_URL=postgres://kr_reader:{wrong}@127.0.0.1:{port}/shop\n",
            pw[0], pw[1], pw[2]
        ),
    );
    // The writer as a Laravel-style triple: host, user and password on separate lines.
    write(
        root,
        "app/.env.local",
        &format!(
            "APP_NAME=shop\nDB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_PORT={port}\nDB_DATABASE=shop\nDB_USERNAME=kr_writer\nDB_PASSWORD={}\n",
            pw[3]
        ),
    );
    repo_config(root, "databases = [\"billing_*\"]");

    assert_refused_without_leave(root);
    assert!(pg.tcp_statements().is_empty(), "nothing was sent without leave: {:?}", pg.tcp_statements());

    let found = findings(root, &["--probe-allow-host", "127.0.0.1"]);
    let sup = at(&found, ".env", 1);
    assert_eq!(verdict(sup), v("admin", Some(true), Some(true), Some(true), "critical"), "{}", reasons(sup));
    assert_eq!(sup["scope"]["identity"], "kr_super");
    assert!(has(&sup["scope"]["permissions"], "superuser"));
    assert!(has(&sup["scope"]["resources"], "database:database/billing_prod"));
    assert!(reasons(sup).contains("role kr_super is a superuser"), "{}", reasons(sup));

    let owner = at(&found, ".env", 2);
    assert_eq!(verdict(owner), v("admin", Some(true), Some(false), Some(true), "critical"), "{}", reasons(owner));
    assert!(reasons(owner).contains("role kr_owner owns database shop: it can drop it"), "{}", reasons(owner));
    assert!(has(&owner["scope"]["resources"], "database:database/shop"));
    assert!(!has(&owner["scope"]["resources"], "database:database/billing_prod"), "CONNECT was revoked");

    let reader = at(&found, ".env", 3);
    assert_eq!(verdict(reader), v("read", Some(false), Some(false), Some(true), "medium"), "{}", reasons(reader));
    assert!(has(&reader["scope"]["permissions"], "SELECT on 1 table of 1 in shop"), "{}", reader["scope"]);
    assert!(has(&reader["scope"]["resources"], "database:schema/shop/public"));

    let stale = at(&found, ".env", 4);
    assert_eq!(verdict(stale), v("unknown", None, None, Some(false), "low"), "{}", reasons(stale));
    assert!(reasons(stale).contains("password authentication failed"), "{}", reasons(stale));

    let writer = at(&found, "app/.env.local", 7);
    assert_eq!(writer["rule"], "database.password-env");
    assert_eq!(verdict(writer), v("write", Some(false), Some(false), Some(true), "high"), "{}", reasons(writer));
    assert_eq!(writer["scope"]["identity"], "kr_writer");
    assert!(reasons(writer).contains("can write, but not drop or truncate"), "{}", reasons(writer));

    // The trap check: every session ran only declared statements, from BEGIN READ ONLY to
    // ROLLBACK; nothing changed.
    let declared = declared_sql(|s| match s {
        Statement::Postgres(sql) => Some(*sql),
        _ => None,
    });
    let log = pg.log();
    let mut sessions: Vec<(String, Vec<String>)> = Vec::new();
    for line in log.lines().filter(|l| l.starts_with("127.0.0.1(")) {
        let (client, rest) = line.split_once(' ').unwrap();
        let Some(statement) = rest.split_once(": LOG:  statement: ").map(|(_, s)| s) else { continue };
        assert!(declared.contains(&statement), "undeclared statement reached PostgreSQL: {statement}");
        match sessions.iter_mut().find(|(c, _)| c == client) {
            Some((_, list)) => list.push(statement.to_string()),
            None => sessions.push((client.to_string(), vec![statement.to_string()])),
        }
    }
    // Four logins (the wrong password never got a session), in the one scan with leave.
    assert_eq!(sessions.len(), 4, "{sessions:#?}");
    for (_, list) in &sessions {
        assert_eq!(list.first().map(String::as_str), Some("BEGIN READ ONLY"));
        assert_eq!(list.last().map(String::as_str), Some("ROLLBACK"));
        assert_eq!(list.len(), declared.len());
    }
    assert!(log.contains("application_name=keyreach (read-only probe)"), "connections name themselves");
    assert!(!log.contains("ERROR:"), "no statement failed: {log}");
    assert_eq!(snapshot(), before, "the probe changed nothing");
    assert_no_password(root, &[&pw[0], &pw[1], &pw[2], &pw[3], &wrong]);
    eprintln!("tested against {}", pg.version);
}

#[test]
fn postgres_over_tls_encrypts_and_verifies_only_when_asked() {
    let probe_dir = tempfile::tempdir().unwrap();
    let (cert, key) = (probe_dir.path().join("server.crt"), probe_dir.path().join("server.key"));
    let out = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs (apt-get install openssl)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pg = Postgres::start(
        "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
        &[("server.crt", std::fs::read(&cert).unwrap()), ("server.key", std::fs::read(&key).unwrap())],
    );
    let pw = password("pg-tls");
    pg.sql("postgres", &format!("CREATE ROLE kr_tls LOGIN PASSWORD '{pw}'"));
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".env",
        &format!(
            "A=postgres://kr_tls:{pw}@127.0.0.1:{port}/postgres?sslmode=require\n\
             B=postgres://kr_tls:{pw}@127.0.0.1:{port}/postgres?sslmode=verify-full\n",
            port = pg.port
        ),
    );
    let found = findings(dir.path(), &["--probe-allow-host", "127.0.0.1"]);
    let require = at(&found, ".env", 1);
    assert_eq!(require["scope"]["active"], true, "{}", reasons(require));
    assert_eq!(require["scope"]["level"], "read");
    let verify = at(&found, ".env", 2);
    assert_eq!(verify["scope"]["active"], Value::Null, "{}", reasons(verify));
    assert!(reasons(verify).contains("TLS handshake failed"), "{}", reasons(verify));
    // One session, encrypted; the self-signed certificate was never trusted for verify-full.
    let log = pg.log();
    let authorized: Vec<&str> = log.lines().filter(|l| l.contains("connection authorized: user=kr_tls")).collect();
    assert_eq!(authorized.len(), 1, "{log}");
    assert!(authorized[0].contains("SSL enabled"), "{}", authorized[0]);
}

#[test]
fn mariadb_logins_are_judged_by_a_real_server() {
    let db = Mariadb::start();
    let port = db.port;
    let pw: Vec<String> = ["admin", "owner", "reader", "writer"].iter().map(|l| password(&format!("my-{l}"))).collect();
    let wrong = password("my-wrong");
    db.sql(&format!(
        "CREATE DATABASE shop; CREATE TABLE shop.orders (id int PRIMARY KEY, total int); \
         INSERT INTO shop.orders VALUES (1, 10), (2, 20), (3, 30); CREATE DATABASE billing_prod; \
         CREATE USER 'kr_admin'@'%' IDENTIFIED BY '{}'; GRANT ALL PRIVILEGES ON *.* TO 'kr_admin'@'%' WITH GRANT OPTION; \
         CREATE USER 'kr_owner'@'%' IDENTIFIED BY '{}'; GRANT ALL PRIVILEGES ON shop.* TO 'kr_owner'@'%'; \
         CREATE USER 'kr_reader'@'%' IDENTIFIED BY '{}'; GRANT SELECT ON shop.* TO 'kr_reader'@'%'; \
         CREATE USER 'kr_writer'@'%' IDENTIFIED BY '{}'; GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'kr_writer'@'%';",
        pw[0], pw[1], pw[2], pw[3]
    ));
    let snapshot = || {
        (
            db.sql("SELECT GROUP_CONCAT(id, ':', total ORDER BY id) FROM shop.orders"),
            db.sql("SELECT GROUP_CONCAT(User, '@', Host ORDER BY User) FROM mysql.user"),
            db.sql("SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) FROM information_schema.SCHEMATA"),
        )
    };
    let before = snapshot();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".env",
        &format!(
            "ADMIN_URL=mysql://kr_admin:{}@127.0.0.1:{port}/\n\
             OWNER_URL=mysql+pymysql://kr_owner:{}@127.0.0.1:{port}/shop\n\
             READER_URL=mariadb://kr_reader:{}@127.0.0.1:{port}/shop\n\
             STALE_URL=mysql://kr_reader:{wrong}@127.0.0.1:{port}/shop\n",
            pw[0], pw[1], pw[2]
        ),
    );
    write(
        root,
        "docker-compose.yml",
        &format!(
            "services:\n  app:\n    environment:\n      MYSQL_HOST: 127.0.0.1\n      MYSQL_PORT: \"{port}\"\n      MYSQL_USER: kr_writer\n      MYSQL_PASSWORD: \"{}\"\n      MYSQL_DATABASE: shop\n",
            pw[3]
        ),
    );
    repo_config(root, "database_hosts = [\"127.0.0.*\"]");

    assert_refused_without_leave(root);
    assert!(db.tcp_sessions().is_empty(), "nothing was sent without leave");

    let found = findings(root, &["--probe-allow-host", "127.0.0.1"]);
    // The policy calls the host production: everything that logs in reaches production.
    let admin = at(&found, ".env", 1);
    assert_eq!(verdict(admin), v("admin", Some(true), Some(true), Some(true), "critical"), "{}", reasons(admin));
    assert_eq!(admin["scope"]["identity"], "kr_admin@%");
    assert!(
        reasons(admin).contains("reaches what the policy calls production: database host 127.0.0.1"),
        "{}",
        reasons(admin)
    );
    let owner = at(&found, ".env", 2);
    assert_eq!(verdict(owner), v("admin", Some(true), Some(true), Some(true), "critical"), "{}", reasons(owner));
    assert!(
        reasons(owner).contains("ALL PRIVILEGES on database shop: it owns it and can drop it"),
        "{}",
        reasons(owner)
    );
    assert!(has(&owner["scope"]["resources"], "database:database/shop"));
    let reader = at(&found, ".env", 3);
    assert_eq!(verdict(reader), v("read", Some(false), Some(true), Some(true), "critical"), "{}", reasons(reader));
    assert!(has(&reader["scope"]["permissions"], "SELECT on database shop"));
    assert!(!has(&reader["scope"]["resources"], "database:database/billing_prod"), "{}", reader["scope"]);
    let stale = at(&found, ".env", 4);
    assert_eq!(verdict(stale), v("unknown", None, None, Some(false), "low"), "{}", reasons(stale));
    let writer = at(&found, "docker-compose.yml", 7);
    assert_eq!(verdict(writer), v("write", Some(false), Some(true), Some(true), "critical"), "{}", reasons(writer));
    assert_eq!(writer["scope"]["identity"], "kr_writer@%");

    // Without the policy's host, severities follow the grants alone.
    std::fs::remove_file(root.join("keyreach.toml")).unwrap();
    let found = findings(root, &["--probe-allow-host", "127.0.0.1"]);
    assert_eq!(at(&found, ".env", 3)["severity"], "medium");
    assert_eq!(at(&found, "docker-compose.yml", 7)["severity"], "high");

    // The trap check: every TCP session ran SHOW GRANTS and the SCHEMATA query, then quit.
    let declared = declared_sql(|s| match s {
        Statement::Mysql(sql) => Some(*sql),
        _ => None,
    });
    let sessions = db.tcp_sessions();
    assert_eq!(sessions.len(), 4 * 2, "{sessions:#?}");
    for (user, commands) in &sessions {
        let queries: Vec<&str> = commands.iter().filter(|(c, _)| c == "Query").map(|(_, sql)| sql.as_str()).collect();
        assert_eq!(queries, declared, "{user}: {commands:?}");
        assert!(commands.iter().all(|(c, _)| c == "Query" || c == "Quit"), "{user}: {commands:?}");
    }
    assert_eq!(snapshot(), before, "the probe changed nothing");
    write(root, "keyreach.toml", "");
    assert_no_password(root, &[&pw[0], &pw[1], &pw[2], &pw[3], &wrong]);
    eprintln!("tested against {}", db.version);
}

#[test]
fn redis_acl_users_are_judged_by_a_real_server() {
    let admin = password("redis-admin");
    let pw: Vec<String> = ["reader", "writer", "narrow"].iter().map(|l| password(&format!("redis-{l}"))).collect();
    let wrong = password("redis-wrong");
    let server = Redis::start(
        &admin,
        &[
            format!("user kr_reader on >{} ~* -@all +@read +acl|whoami +acl|getuser", pw[0]),
            format!("user kr_writer on >{} ~* +@all -@dangerous +acl|getuser", pw[1]),
            format!("user kr_narrow on >{} ~app:* -@all +get +set", pw[2]),
        ],
    );
    let port = server.port;
    server.cli(&["SET", "app:greeting", "hello"]);
    let snapshot = || {
        let persistence = server.cli(&["INFO", "persistence"]);
        let changes = persistence.lines().find(|l| l.starts_with("rdb_changes_since_last_save")).unwrap().to_string();
        (changes, server.cli(&["DBSIZE"]), server.cli(&["GET", "app:greeting"]), server.cli(&["ACL", "LIST"]))
    };
    let before = snapshot();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".env",
        &format!(
            "CACHE_URL=redis://:{admin}@127.0.0.1:{port}/0\n\
             READER_URL=redis://kr_reader:{}@127.0.0.1:{port}\n\
             WRITER_URL=redis://kr_writer:{}@127.0.0.1:{port}\n\
             NARROW_URL=redis://kr_narrow:{}@127.0.0.1:{port}\n\
             STALE_URL=redis://default:{wrong}@127.0.0.1:{port}\n",
            pw[0], pw[1], pw[2]
        ),
    );
    repo_config(root, "");
    assert_refused_without_leave(root);
    server.cli(&["CONFIG", "RESETSTAT"]);
    let found = findings(root, &["--probe-allow-host", "127.0.0.1"]);
    let calls = server.command_calls();

    let full = at(&found, ".env", 1);
    assert_eq!(verdict(full), v("admin", Some(true), Some(false), Some(true), "critical"), "{}", reasons(full));
    assert_eq!(full["scope"]["identity"], "default");
    assert!(reasons(full).contains("may run FLUSHALL or FLUSHDB"), "{}", reasons(full));
    let reader = at(&found, ".env", 2);
    assert_eq!(verdict(reader), v("read", Some(false), Some(false), Some(true), "medium"), "{}", reasons(reader));
    let writer = at(&found, ".env", 3);
    assert_eq!(verdict(writer), v("write", Some(false), Some(false), Some(true), "high"), "{}", reasons(writer));
    assert!(has(&writer["scope"]["permissions"], "delete keys"));
    let narrow = at(&found, ".env", 4);
    assert_eq!(verdict(narrow), v("unknown", None, Some(false), Some(true), "critical"), "{}", reasons(narrow));
    assert!(reasons(narrow).contains("may not read its own rules"), "{}", reasons(narrow));
    let stale = at(&found, ".env", 5);
    assert_eq!(verdict(stale), v("unknown", None, None, Some(false), "low"), "{}", reasons(stale));

    // The trap check: only AUTH, ACL WHOAMI and ACL GETUSER, one of each per login (the
    // test's own redis-cli adds one AUTH and the INFO; CONFIG RESETSTAT ran before).
    let count = |name: &str| calls.iter().find(|(c, _)| c == name).map_or(0, |(_, n)| *n);
    for (name, _) in &calls {
        assert!(
            ["auth", "acl|whoami", "acl|getuser", "info", "config|resetstat"].contains(&name.as_str()),
            "undeclared command reached Redis: {name} ({calls:?})"
        );
    }
    assert_eq!(count("auth"), 5 + 1, "{calls:?}");
    assert_eq!(count("acl|whoami"), 4, "{calls:?}");
    assert_eq!(count("acl|getuser"), 4, "{calls:?}");
    assert_eq!(snapshot(), before, "the probe changed nothing");

    // `keyreach probe` reads one URL on stdin.
    let mut child = keyreach()
        .args(["probe", "--probe-allow-host", "127.0.0.1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("redis://kr_reader:{}@127.0.0.1:{port}\n", pw[0]).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("read-only"), "{text}{}", stderr(&out));
    assert!(!text.contains(&pw[0]) && !stderr(&out).contains(&pw[0]));
    write(root, "keyreach.toml", "");
    assert_no_password(root, &[&admin, &pw[0], &pw[1], &pw[2], &wrong]);
    eprintln!("tested against {}", server.version);
}

#[test]
fn mongodb_logins_are_judged_through_the_wire_protocol() {
    let pw: Vec<String> = ["root", "rw", "ro"].iter().map(|l| password(&format!("mongo-{l}"))).collect();
    let wrong = password("mongo-wrong");
    let user =
        |name: &str, password: &str, roles: &[(&str, &str)], privileges: Vec<bson::Document>, dbs: &[&str]| MongoUser {
            name: name.into(),
            db: if name == "kr_ro" { "shop".into() } else { "admin".into() },
            password: password.into(),
            roles: roles.iter().map(|(r, d)| (r.to_string(), d.to_string())).collect(),
            privileges,
            databases: dbs.iter().map(|d| d.to_string()).collect(),
        };
    let server = FakeMongo::start(vec![
        user(
            "kr_root",
            &pw[0],
            &[("root", "admin")],
            vec![bson::doc! {"resource": {"anyResource": true}, "actions": ["anyAction"]}],
            &["admin", "shop", "billing_prod"],
        ),
        user(
            "kr_rw",
            &pw[1],
            &[("readWrite", "shop")],
            vec![
                bson::doc! {"resource": {"db": "shop", "collection": ""}, "actions": ["find", "insert", "update", "remove", "createCollection", "dropCollection"]},
            ],
            &["shop"],
        ),
        user(
            "kr_ro",
            &pw[2],
            &[("read", "shop")],
            vec![bson::doc! {"resource": {"db": "shop", "collection": ""}, "actions": ["find", "listCollections"]}],
            &["shop"],
        ),
    ]);
    let port = server.port;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".env",
        &format!(
            "ROOT_URL=mongodb://kr_root:{}@127.0.0.1:{port}/?authSource=admin\n\
             RW_URL=mongodb://kr_rw:{}@127.0.0.1:{port}/shop?authSource=admin&retryWrites=true\n\
             RO_URL=mongodb://kr_ro:{}@localhost:{port}/shop\n\
             STALE_URL=mongodb://kr_ro:{wrong}@127.0.0.1:{port}/shop\n",
            pw[0], pw[1], pw[2]
        ),
    );
    repo_config(root, "");
    let (_, err) = scan(root, &[], "json");
    assert!(err.contains("allow_hosts ignored"));
    assert!(server.received().is_empty(), "nothing was sent without leave");

    // `localhost` is allowed by its name.
    let found = findings(root, &["--probe-allow-host", "127.0.0.1", "--probe-allow-host", "localhost"]);
    let received = server.received();
    let root_user = at(&found, ".env", 1);
    assert_eq!(
        verdict(root_user),
        v("admin", Some(true), Some(true), Some(true), "critical"),
        "{}",
        reasons(root_user)
    );
    assert_eq!(root_user["scope"]["identity"], "kr_root@admin");
    assert!(has(&root_user["scope"]["resources"], "database:database/billing_prod"));
    let rw = at(&found, ".env", 2);
    assert_eq!(verdict(rw), v("write", Some(true), Some(false), Some(true), "critical"), "{}", reasons(rw));
    assert!(reasons(rw).contains("can drop collections or databases (database shop)"), "{}", reasons(rw));
    let ro = at(&found, ".env", 3);
    assert_eq!(verdict(ro), v("read", Some(false), Some(false), Some(true), "medium"), "{}", reasons(ro));
    assert!(has(&ro["scope"]["resources"], "database:host/localhost"));
    // Without authSource, the user is looked up in the URL's database.
    assert_eq!(ro["scope"]["identity"], "kr_ro@shop");
    let logins_to_shop = received.iter().filter(|r| r.command == "saslStart" && r.db == "shop").count();
    assert_eq!(logins_to_shop, 2, "{received:#?}");
    let stale = at(&found, ".env", 4);
    assert_eq!(verdict(stale), v("unknown", None, None, Some(false), "low"), "{}", reasons(stale));

    // The trap check: per connection, hello, the SCRAM exchange, then connectionStatus and
    // listDatabases for a login that worked; only declared keys.
    let declared = keyreach::scope::probe::find("database").unwrap().statements();
    let mut connections: Vec<usize> = received.iter().map(|r| r.connection).collect();
    connections.sort_unstable();
    connections.dedup();
    assert_eq!(connections.len(), 4, "{received:#?}");
    for c in connections {
        let names: Vec<&str> = received.iter().filter(|r| r.connection == c).map(|r| r.command.as_str()).collect();
        let ok = names == ["hello", "saslStart", "saslContinue", "connectionStatus", "listDatabases"];
        let rejected = names == ["hello", "saslStart", "saslContinue"];
        assert!(ok || rejected, "connection {c}: {names:?}");
    }
    for r in &received {
        if !r.command.starts_with("sasl") {
            assert_eq!(r.db, "admin", "{r:?}");
        }
        let fits = declared.iter().any(|d| match d {
            Statement::Mongo(command, keys) => {
                *command == r.command && r.keys.iter().skip(1).all(|k| k == "$db" || keys.contains(&k.as_str()))
            }
            _ => false,
        });
        assert!(fits, "undeclared command or key reached MongoDB: {r:?}");
    }
    assert_no_password(root, &[&pw[0], &pw[1], &pw[2], &wrong]);
}

/// The SQL statements the database probe declares for one dialect: the trap checks compare
/// what a server logged with these.
fn declared_sql(dialect: fn(&Statement) -> Option<&'static str>) -> Vec<&'static str> {
    keyreach::scope::probe::find("database").unwrap().statements().iter().filter_map(dialect).collect()
}
