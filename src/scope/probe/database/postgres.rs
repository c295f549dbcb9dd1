//! PostgreSQL: logs in with `default_transaction_read_only=on`, reads the role's attributes,
//! memberships, databases, schemas and table privileges inside `BEGIN READ ONLY`, and
//! rolls back.
//!
//! Sources: `pg_roles` (<https://www.postgresql.org/docs/current/view-pg-roles.html>), the
//! access privilege inquiry functions `has_database_privilege`, `has_schema_privilege`,
//! `has_table_privilege`, `pg_has_role`
//! (<https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-ACCESS>),
//! predefined roles (<https://www.postgresql.org/docs/current/predefined-roles.html>).

use super::Facts;
use super::target::DbLogin;
use crate::scope::Level;
use crate::scope::db::Dialer;
use crate::scope::db::TlsMode;
use crate::scope::db::postgres::{Login, Session};
use crate::scope::http::ProbeError;

pub const BEGIN: &str = "BEGIN READ ONLY";
pub const ROLE: &str = "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, \
current_database() FROM pg_roles WHERE rolname = current_user";
pub const MEMBER_OF: &str = "SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER') AND rolname <> current_user ORDER BY rolname";
pub const DATABASES: &str = "SELECT datname, pg_has_role(current_user, datdba, 'USAGE'), \
has_database_privilege(datname, 'CREATE') FROM pg_database WHERE datallowconn AND NOT datistemplate \
AND has_database_privilege(datname, 'CONNECT') ORDER BY datname";
pub const SCHEMAS: &str = "SELECT nspname, pg_has_role(current_user, nspowner, 'USAGE'), \
has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
AND nspname <> 'information_schema' AND has_schema_privilege(oid, 'USAGE') ORDER BY nspname";
pub const TABLES: &str = "SELECT count(*), \
count(*) FILTER (WHERE has_table_privilege(c.oid, 'SELECT')), \
count(*) FILTER (WHERE has_table_privilege(c.oid, 'INSERT, UPDATE')), \
count(*) FILTER (WHERE has_table_privilege(c.oid, 'DELETE')), \
count(*) FILTER (WHERE has_table_privilege(c.oid, 'TRUNCATE')), \
count(*) FILTER (WHERE pg_has_role(current_user, c.relowner, 'USAGE')) \
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";
pub const ROLLBACK: &str = "ROLLBACK";

/// Predefined roles that reach outside the database (files, programs) or every table.
const POWERFUL_ROLES: &[(&str, &str, Level, bool)] = &[
    ("pg_execute_server_program", "can run programs on the database server", Level::Admin, true),
    ("pg_write_server_files", "can write files on the database server", Level::Admin, true),
    ("pg_read_server_files", "can read files on the database server", Level::Admin, false),
    ("pg_write_all_data", "can write every table", Level::Write, false),
    ("pg_read_all_data", "can read every table", Level::Read, false),
    ("pg_signal_backend", "can cancel other sessions' queries", Level::Write, false),
];

pub fn probe(dialer: &Dialer, login: &DbLogin) -> Result<Facts, ProbeError> {
    let ssl = match login.param("sslmode").or(login.param("ssl")) {
        Some("true") | Some("1") => TlsMode::Required,
        Some(mode) => TlsMode::from_sslmode(mode).unwrap_or(TlsMode::Preferred),
        None => TlsMode::Preferred,
    };
    let database = login.database.clone().unwrap_or_else(|| login.user.clone());
    let (host, port) = login.hosts[0].clone();
    let mut session = Session::connect(
        dialer,
        &Login { host: &host, port, user: &login.user, password: &login.password, database: &database, ssl },
    )?;
    let answer = read(&mut session);
    // Whatever happened, end the (read-only) transaction without committing anything.
    let _ = session.query(ROLLBACK);
    let version = session.server_version.clone();
    session.close();
    let mut facts = answer?;
    facts.version = version.map(|v| format!("PostgreSQL {}", v.split_whitespace().next().unwrap_or("")));
    Ok(facts)
}

fn read(session: &mut Session) -> Result<Facts, ProbeError> {
    session.query(BEGIN)?;
    let role = session.query(ROLE)?;
    let row = role.first().ok_or_else(|| ProbeError::Unexpected("PostgreSQL: the role is not in pg_roles".into()))?;
    let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let flag = |i: usize| text(i) == "t";
    let (name, current_db) = (text(0), text(6));
    let mut facts =
        Facts { identity: Some(name.clone()), level: Level::Read, destructive: Some(false), ..Facts::default() };
    if flag(1) {
        facts.raise(Level::Admin);
        facts.destructive = Some(true);
        facts.permissions.push("superuser".into());
        facts.notes.push(format!("role {name} is a superuser: it can read, change and drop every database"));
    }
    if flag(2) {
        facts.raise(Level::Admin);
        facts.permissions.push("create roles".into());
        facts.notes.push(format!("role {name} can create roles and grant them"));
    }
    if flag(3) {
        facts.raise(Level::Write);
        facts.permissions.push("create databases".into());
    }
    if flag(4) {
        facts.permissions.push("replication (reads every change)".into());
        facts.raise(Level::Read);
    }
    if flag(5) {
        facts.permissions.push("bypasses row-level security".into());
    }
    for member in session.query(MEMBER_OF)? {
        let role = member.first().cloned().flatten().unwrap_or_default();
        if role == "pg_database_owner" {
            // Implicit: every owner of the current database; told by DATABASES.
            continue;
        }
        if let Some((_, what, level, destructive)) = POWERFUL_ROLES.iter().find(|(r, ..)| *r == role) {
            facts.raise(*level);
            if *destructive {
                facts.destructive = Some(true);
            }
            facts.permissions.push(format!("{role} ({what})"));
        } else {
            facts.permissions.push(format!("member of {role}"));
        }
    }
    let mut owned = Vec::new();
    for db in session.query(DATABASES)? {
        let datname = db.first().cloned().flatten().unwrap_or_default();
        if db.get(1).cloned().flatten().as_deref() == Some("t") {
            owned.push(datname.clone());
        }
        if db.get(2).cloned().flatten().as_deref() == Some("t") {
            facts.permissions.push(format!("create schemas in {datname}"));
        }
        facts.databases.push(datname);
    }
    if !owned.is_empty() {
        facts.raise(Level::Admin);
        facts.destructive = Some(true);
        facts.permissions.push(format!("owner of {}", owned.join(", ")));
        facts.notes.push(format!("role {name} owns database {}: it can drop it", owned.join(", ")));
    }
    let mut owned_schemas = Vec::new();
    for schema in session.query(SCHEMAS)? {
        let nspname = schema.first().cloned().flatten().unwrap_or_default();
        if schema.get(1).cloned().flatten().as_deref() == Some("t") {
            owned_schemas.push(nspname.clone());
        }
        if schema.get(2).cloned().flatten().as_deref() == Some("t") {
            facts.raise(Level::Write);
            facts.permissions.push(format!("create tables in {current_db}.{nspname}"));
        }
        facts.schemas.push((current_db.clone(), nspname));
    }
    if !owned_schemas.is_empty() {
        facts.raise(Level::Write);
        facts.destructive = Some(true);
        facts.permissions.push(format!("owner of schema {}", owned_schemas.join(", ")));
        facts
            .notes
            .push(format!("role {name} owns schema {} in {current_db}: it can drop it", owned_schemas.join(", ")));
    }
    let counts = session.query(TABLES)?;
    let count = |i: usize| {
        counts.first().and_then(|r| r.get(i).cloned().flatten()).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)
    };
    let (total, select, write, delete, truncate, own) = (count(0), count(1), count(2), count(3), count(4), count(5));
    let tables = |n: u64| crate::scope::probe::plural(n as usize, "table", "tables");
    if own > 0 {
        facts.raise(Level::Write);
        facts.destructive = Some(true);
        facts.permissions.push(format!("owns {} in {current_db} (can drop them)", tables(own)));
    }
    if truncate > 0 {
        facts.raise(Level::Write);
        facts.destructive = Some(true);
        facts.permissions.push(format!("TRUNCATE on {} in {current_db}", tables(truncate)));
    }
    if delete > 0 {
        facts.raise(Level::Write);
        facts.permissions.push(format!("DELETE on {} in {current_db}", tables(delete)));
    }
    if write > 0 {
        facts.raise(Level::Write);
        facts.permissions.push(format!("INSERT/UPDATE on {} in {current_db}", tables(write)));
    }
    if select > 0 {
        facts.permissions.push(format!("SELECT on {} of {total} in {current_db}", tables(select)));
    }
    if facts.level == Level::Read && select == 0 && !facts.permissions.iter().any(|p| p.starts_with("pg_read_all_data"))
    {
        facts.notes.push(format!("role {name} logs in to {current_db} but reads none of its {}", tables(total)));
    }
    if facts.destructive == Some(true) && own + truncate > 0 && facts.level != Level::Admin {
        facts.notes.push(format!("role {name} can drop or truncate tables in {current_db}"));
    }
    facts.focus = if flag(1) { facts.databases.clone() } else { owned };
    facts.focus.push(current_db.clone());
    facts.current = Some(current_db);
    Ok(facts)
}
