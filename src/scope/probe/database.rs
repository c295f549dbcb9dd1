//! Database logins (provider `database`): PostgreSQL, MySQL/MariaDB, MongoDB and Redis,
//! from connection URLs or from a password with the connection settings around it. Each
//! probe logs in with a session that cannot change anything, asks the server what the login
//! may do, and reports superuser / owner / can drop or truncate / can write / read-only,
//! the databases it reaches, and whether host or database names read as production.
//!
//! The statements and commands each engine sends are declared in [`STATEMENTS`] (like an
//! HTTP probe's shapes) and enforced by [`crate::scope::db::check`]. Hosts at private,
//! loopback, link-local, CGNAT or metadata addresses are contacted only if the user allowed
//! them (`--probe-allow-host`, the user's own config): a host written in a scanned file is
//! never allowed by being there.

mod mongo;
mod mysql;
mod postgres;
mod redis;
pub mod target;

use super::{Probe, Session, Target, push_unique, resource, set_production};
use crate::scope::db::Statement;
use crate::scope::http::{ProbeError, Shape};
use crate::scope::{Level, Scope};
use target::{DbLogin, Engine};

pub struct Database;

/// What every database probe may send: PostgreSQL, MySQL, MongoDB and Redis, in the order
/// they are sent.
pub static STATEMENTS: &[Statement] = &[
    // PostgreSQL (postgres::STATEMENTS), all inside BEGIN READ ONLY ... ROLLBACK.
    Statement::Postgres(postgres::BEGIN),
    Statement::Postgres(postgres::ROLE),
    Statement::Postgres(postgres::MEMBER_OF),
    Statement::Postgres(postgres::DATABASES),
    Statement::Postgres(postgres::SCHEMAS),
    Statement::Postgres(postgres::TABLES),
    Statement::Postgres(postgres::ROLLBACK),
    // MySQL / MariaDB (mysql::STATEMENTS).
    Statement::Mysql(mysql::SHOW_GRANTS),
    Statement::Mysql(mysql::SCHEMATA),
    // MongoDB (mongo::STATEMENTS).
    Statement::Mongo("hello", &["saslSupportedMechs"]),
    Statement::Mongo("saslStart", &["mechanism", "payload", "autoAuthorize", "options"]),
    Statement::Mongo("saslContinue", &["conversationId", "payload"]),
    Statement::Mongo("connectionStatus", &["showPrivileges"]),
    Statement::Mongo("listDatabases", &["nameOnly", "authorizedDatabases"]),
    // Redis (redis::STATEMENTS).
    Statement::Redis(&["AUTH", "*"]),
    Statement::Redis(&["AUTH", "*", "*"]),
    Statement::Redis(&["ACL", "WHOAMI"]),
    Statement::Redis(&["ACL", "GETUSER", "*"]),
];

/// The rule kinds probed: URLs, and passwords with connection settings around them.
pub const KINDS: &[&str] = &[
    "database.postgres-url",
    "database.mysql-url",
    "database.mongodb-url",
    "database.redis-url",
    "database.password-env",
];

impl Probe for Database {
    fn provider(&self) -> &'static str {
        "database"
    }

    fn kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    fn shapes(&self) -> &'static [Shape] {
        &[]
    }

    fn statements(&self) -> &'static [Statement] {
        STATEMENTS
    }

    fn run(&self, session: &Session<'_>, target: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let secret = target.secret_text()?;
        let login = if target.rule_id == "database.password-env" {
            let block = target.companion_text().ok_or_else(|| {
                ProbeError::NotProbed("no host or user found next to the password (DB_HOST, DB_USER, ...)".into())
            })?;
            target::parse_settings(secret, block)?
        } else {
            target::parse_url(secret)?
        };
        let dialer = session.dialer()?;
        let facts = match login.engine {
            Engine::Postgres => postgres::probe(&dialer, &login)?,
            Engine::Mysql => mysql::probe(&dialer, &login)?,
            Engine::Mongo => mongo::probe(&dialer, &login)?,
            Engine::Redis => redis::probe(&dialer, &login)?,
        };
        apply(&login, facts, scope);
        Ok(())
    }
}

/// What a login may do, as one engine's probe found it.
#[derive(Debug)]
pub struct Facts {
    pub identity: Option<String>,
    pub level: Level,
    /// Can drop or truncate (or wipe every key); `None` when keyreach cannot tell.
    pub destructive: Option<bool>,
    pub permissions: Vec<String>,
    /// Databases (MySQL schemas, MongoDB databases) the login reaches.
    pub databases: Vec<String>,
    /// PostgreSQL schemas of the current database: (database, schema).
    pub schemas: Vec<(String, String)>,
    /// The database the session was in (PostgreSQL).
    pub current: Option<String>,
    /// The databases whose names say whether it is production, when not all of
    /// `databases` (PostgreSQL lets every role connect to most databases: only the current
    /// one, the owned ones, or all of them for a superuser count).
    pub focus: Vec<String>,
    /// Roles whose privileges could not be read (MySQL).
    pub roles: Vec<String>,
    pub notes: Vec<String>,
    /// Server product and version, as it reported itself.
    pub version: Option<String>,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            identity: None,
            level: Level::Unknown,
            destructive: None,
            permissions: Vec::new(),
            databases: Vec::new(),
            schemas: Vec::new(),
            current: None,
            focus: Vec::new(),
            roles: Vec::new(),
            notes: Vec::new(),
            version: None,
        }
    }
}

impl Facts {
    /// Raises the level to at least `level` (from unknown or lower).
    pub fn raise(&mut self, level: Level) {
        if self.level == Level::Unknown || level.rank() > self.level.rank() {
            self.level = level;
        }
    }
}

/// The host and database a database URL names, as resources (`database:host/…`,
/// `database:database/…`), known offline from the URL alone: the targets the policy's
/// `database_hosts` and `databases` match without a probe. Never the user or password.
pub fn offline_resources(rule_id: &str, secret: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(secret) else { return Vec::new() };
    if rule_id == "database.password-env" {
        return Vec::new();
    }
    let Ok(login) = target::parse_url(text) else { return Vec::new() };
    let mut out = vec![resource("database", "host", &login.host())];
    if let Some(db) = login.database.as_deref().filter(|d| !d.is_empty()) {
        out.push(resource("database", "database", db));
    }
    out
}

/// The notes the database rules carry offline ("what it can do depends on the grants"):
/// answered by the probe, so dropped from the scope.
const OFFLINE_NOTES: &[&str] = &["database login:", "database password:", "a password-only (default user) login"];

/// Writes the facts into the scope: level, destructive, identity, permissions, resources
/// (`database:host/…`, `database:database/…`, `database:schema/…/…`) and whether host or
/// database names read as production.
fn apply(login: &DbLogin, facts: Facts, scope: &mut Scope) {
    let host = login.host();
    scope.notes.retain(|n| !OFFLINE_NOTES.iter().any(|p| n.starts_with(p)));
    scope.level = facts.level;
    scope.destructive = facts.destructive;
    scope.identity = facts.identity.clone();
    for p in facts.permissions {
        push_unique(&mut scope.permissions, p);
    }
    push_unique(&mut scope.resources, resource("database", "host", &host));
    for db in &facts.databases {
        push_unique(&mut scope.resources, resource("database", "database", db));
    }
    for (db, schema) in &facts.schemas {
        push_unique(&mut scope.resources, resource("database", "schema", &format!("{db}/{schema}")));
    }
    let who = facts.identity.as_deref().unwrap_or(&login.user);
    let server = facts.version.unwrap_or_else(|| login.engine.name().to_string());
    let summary = match (facts.level, facts.destructive) {
        (Level::Admin, _) => "administers it",
        (Level::Write, Some(true)) => "can write and drop or truncate",
        (Level::Write, _) => "can write, but not drop or truncate",
        (Level::Read, _) => "read-only",
        (Level::None, _) => "logs in, with no privilege",
        (Level::Unknown, _) => "logs in; privileges not readable",
    };
    scope.notes.push(format!("probe: {server} on {host} accepts {who}: {summary}"));
    scope.notes.extend(facts.notes);
    let named = if facts.focus.is_empty() { &facts.databases } else { &facts.focus };
    let prod_db = named.iter().chain(facts.current.iter()).find(|d| super::looks_production(d));
    if super::looks_production(&host) {
        scope.notes.push(format!("host {host} reads as production"));
        set_production(scope, true);
    } else if let Some(db) = prod_db {
        scope.notes.push(format!("database {db} reads as production"));
        set_production(scope, true);
    } else {
        set_production(scope, false);
    }
    scope.remedy = Some(match facts.level {
        Level::Admin | Level::Unknown => format!(
            "Change the password of {who} on {host} now, and give the agent its own {} user limited to SELECT on what it needs.",
            login.engine.name()
        ),
        Level::Write => format!(
            "Change the password of {who} on {host}, and give the agent a read-only {} user instead.",
            login.engine.name()
        ),
        Level::Read | Level::None => format!(
            "Change the password of {who} on {host} and keep it out of the workspace (a secret store, injected at runtime)."
        ),
    });
}
