//! MySQL / MariaDB: logs in (no default database), reads `SHOW GRANTS` for the current
//! user and the schemas it can see in `information_schema.SCHEMATA`. Nothing else.
//!
//! Sources: `SHOW GRANTS` (<https://dev.mysql.com/doc/refman/8.4/en/show-grants.html>,
//! <https://mariadb.com/kb/en/show-grants/>), privileges
//! (<https://dev.mysql.com/doc/refman/8.4/en/privileges-provided.html>: `DROP` is also what
//! `TRUNCATE TABLE` needs), `information_schema.SCHEMATA`.

use super::Facts;
use super::target::DbLogin;
use crate::scope::Level;
use crate::scope::db::Dialer;
use crate::scope::db::mysql::{Login, Session, TlsMode};
use crate::scope::http::ProbeError;

pub const SHOW_GRANTS: &str = "SHOW GRANTS";
pub const SCHEMATA: &str = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME";

/// Schemas every server has; not a resource of the login.
const SYSTEM_SCHEMAS: &[&str] = &["information_schema", "performance_schema", "mysql", "sys"];

/// Privileges that administer the server or its accounts when granted on `*.*`.
const ADMIN_PRIVILEGES: &[&str] = &[
    "ALL",
    "ALL PRIVILEGES",
    "SUPER",
    "CREATE USER",
    "GRANT OPTION",
    "FILE",
    "SHUTDOWN",
    "RELOAD",
    "PROCESS",
    "REPLICATION SLAVE ADMIN",
    "BINLOG ADMIN",
    "CONNECTION ADMIN",
    "SYSTEM_VARIABLES_ADMIN",
    "ROLE_ADMIN",
];
const WRITE_PRIVILEGES: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "ALTER",
    "INDEX",
    "CREATE VIEW",
    "TRIGGER",
    "EVENT",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "EXECUTE",
    "LOCK TABLES",
    "REFERENCES",
    "CREATE TEMPORARY TABLES",
    "DELETE HISTORY",
];
const READ_PRIVILEGES: &[&str] = &["SELECT", "SHOW VIEW", "SHOW DATABASES"];

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum On {
    Global,
    Database(String),
    Table(String, String),
    Other(String),
}

/// One `GRANT` line of `SHOW GRANTS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub privileges: Vec<String>,
    pub on: On,
    pub grant_option: bool,
    /// For `GRANT role TO user`: the roles.
    pub roles: Vec<String>,
    /// Who receives it (the user, or a role whose grants MariaDB lists too).
    pub to: String,
}

pub fn probe(dialer: &Dialer, login: &DbLogin) -> Result<Facts, ProbeError> {
    let tls = ["ssl-mode", "sslmode", "ssl_mode", "ssl", "sslaccept", "tls", "useSSL"]
        .iter()
        .find_map(|k| login.param(k).and_then(TlsMode::parse))
        .unwrap_or(TlsMode::Preferred);
    let (host, port) = login.hosts[0].clone();
    let mut session =
        Session::connect(dialer, &Login { host: &host, port, user: &login.user, password: &login.password, tls })?;
    let answer = read(&mut session);
    let version = session.server_version.clone();
    session.close();
    let mut facts = answer?;
    facts.version = Some(if version.to_ascii_lowercase().contains("mariadb") {
        // MariaDB 10 greets as "5.5.5-10.11.14-MariaDB-...": the first part is for old clients.
        let real = version.strip_prefix("5.5.5-").unwrap_or(&version);
        format!("MariaDB {}", real.split('-').next().unwrap_or(real))
    } else {
        format!("MySQL {}", version.split('-').next().unwrap_or(&version))
    });
    Ok(facts)
}

fn read(session: &mut Session) -> Result<Facts, ProbeError> {
    let grants = session.query(SHOW_GRANTS)?;
    // The column is named "Grants for user@host".
    let identity = grants.columns.first().and_then(|c| c.strip_prefix("Grants for ")).map(|s| s.replace('`', ""));
    let mut facts = Facts { identity, level: Level::None, destructive: Some(false), ..Facts::default() };
    let parsed: Vec<Grant> =
        grants.rows.iter().filter_map(|r| r.first().cloned().flatten()).filter_map(|l| parse_grant(&l)).collect();
    judge(&parsed, &mut facts);
    for row in session.query(SCHEMATA)?.rows {
        if let Some(Some(schema)) = row.first() {
            if !SYSTEM_SCHEMAS.contains(&schema.to_ascii_lowercase().as_str()) && !facts.databases.contains(schema) {
                facts.databases.push(schema.clone());
            }
        }
    }
    Ok(facts)
}

/// Level, destructiveness and permissions from the grants.
pub fn judge(grants: &[Grant], facts: &mut Facts) {
    let who = facts.identity.clone().unwrap_or_else(|| "the user".into());
    for grant in grants {
        if !grant.roles.is_empty() {
            facts.permissions.push(format!("role {}", grant.roles.join(", ")));
            facts.roles.extend(grant.roles.iter().cloned());
            continue;
        }
        let (scope_words, db) = match &grant.on {
            On::Global => ("every database".to_string(), None),
            On::Database(db) => (format!("database {db}"), Some(db.clone())),
            On::Table(db, table) => (format!("{db}.{table}"), Some(db.clone())),
            On::Other(what) => (what.clone(), None),
        };
        if let Some(db) = db.map(|d| d.replace("\\_", "_")) {
            // `shop\_%` is a pattern, not a database.
            if !db.contains(['%', '\\']) && !facts.databases.contains(&db) {
                facts.databases.push(db);
            }
        }
        let has = |list: &[&str]| grant.privileges.iter().any(|p| list.contains(&p.as_str()));
        let all = has(&["ALL", "ALL PRIVILEGES"]);
        let privileges = grant.privileges.iter().filter(|p| *p != "USAGE").cloned().collect::<Vec<_>>();
        if !privileges.is_empty() {
            facts.permissions.push(format!("{} on {scope_words}", privileges.join(", ")));
        }
        if grant.grant_option && grant.on == On::Global {
            facts.raise(Level::Admin);
            facts.permissions.push("GRANT OPTION on every database".into());
        }
        match &grant.on {
            On::Global if has(ADMIN_PRIVILEGES) => {
                facts.raise(Level::Admin);
                if all {
                    facts.notes.push(format!("{who} has ALL PRIVILEGES on every database: it can drop any of them"));
                }
            }
            On::Database(db) if all => {
                facts.raise(Level::Admin);
                facts.notes.push(format!("{who} has ALL PRIVILEGES on database {db}: it owns it and can drop it"));
            }
            _ => {}
        }
        if all || has(&["DROP"]) {
            facts.destructive = Some(true);
            facts.raise(Level::Write);
            if !all {
                facts.notes.push(format!("{who} can drop or truncate tables in {scope_words}"));
            }
        }
        if has(WRITE_PRIVILEGES) {
            facts.raise(Level::Write);
        }
        if has(READ_PRIVILEGES) {
            facts.raise(Level::Read);
        }
    }
    // MariaDB lists the grants of the roles enabled at login; MySQL names the roles only.
    let hidden: Vec<String> = facts.roles.iter().filter(|r| !grants.iter().any(|g| g.to == **r)).cloned().collect();
    if !hidden.is_empty() && facts.level != Level::Admin {
        facts.notes.push(format!(
            "{who} is granted role {}: SHOW GRANTS does not list what the role allows, so it may do more",
            hidden.join(", ")
        ));
        facts.level = Level::Unknown;
        if facts.destructive == Some(false) {
            facts.destructive = None;
        }
    }
    if facts.level == Level::None {
        facts.notes.push(format!("{who} can log in but holds no privilege (USAGE only)"));
    }
}

/// Splits at top-level occurrences of `sep` (outside quotes, backticks and parentheses).
fn split_top(text: &str, sep: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = bytes[i] as char;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '`' | '\'' | '"') => quote = Some(c),
            None if c == '(' => depth += 1,
            None if c == ')' => depth -= 1,
            None if depth == 0 && text[i..].starts_with(sep) => {
                parts.push(text[start..i].to_string());
                i += sep.len();
                start = i;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    parts.push(text[start..].to_string());
    parts
}

fn unquote(name: &str) -> String {
    name.trim().trim_matches(['`', '\'', '"']).replace("``", "`")
}

/// Reads one `SHOW GRANTS` line. Password hashes (`IDENTIFIED BY PASSWORD '*…'`) and
/// anything after `TO` are never kept.
pub fn parse_grant(line: &str) -> Option<Grant> {
    let rest = line.trim().strip_prefix("GRANT ")?;
    let halves = split_top(rest, " TO ");
    let before_to = halves.first()?.clone();
    let grantee = halves.get(1).map_or("", |t| t.split_whitespace().next().unwrap_or(""));
    let to = unquote(split_top(grantee, "@").first().map_or("", String::as_str));
    let grant_option = line.contains(" WITH GRANT OPTION") || line.contains(" WITH ADMIN OPTION");
    let parts = split_top(&before_to, " ON ");
    if parts.len() < 2 {
        let roles = split_top(&before_to, ",").iter().map(|r| unquote(r.split('@').next().unwrap_or(r))).collect();
        return Some(Grant { privileges: Vec::new(), on: On::Other(String::new()), grant_option, roles, to });
    }
    let privileges = split_top(&parts[0], ",")
        .iter()
        .map(|p| p.split('(').next().unwrap_or(p).trim().to_ascii_uppercase())
        .filter(|p| !p.is_empty())
        .collect();
    let target = parts[1].trim();
    let on = if target.starts_with("PROCEDURE ") || target.starts_with("FUNCTION ") || target.starts_with("PROXY") {
        On::Other(target.split_whitespace().next().unwrap_or("").to_ascii_lowercase())
    } else {
        let names = split_top(target, ".");
        match names.as_slice() {
            [db, table] if db.trim() == "*" && table.trim() == "*" => On::Global,
            [db, table] if table.trim() == "*" => On::Database(unquote(db)),
            [db, table] => On::Table(unquote(db), unquote(table)),
            [_] if target == "*" => On::Global,
            _ => On::Other(String::new()),
        }
    };
    Some(Grant { privileges, on, grant_option, roles: Vec::new(), to })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(lines: &[&str]) -> Facts {
        let mut facts =
            Facts { identity: Some("app@%".into()), level: Level::None, destructive: Some(false), ..Facts::default() };
        let grants: Vec<Grant> = lines.iter().filter_map(|l| parse_grant(l)).collect();
        judge(&grants, &mut facts);
        facts
    }

    #[test]
    fn grants_are_read_without_their_password_hash() {
        let g = parse_grant("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED BY PASSWORD '*81F5E21E35407D884A6CD4A731AEBFB6AF209E1B' WITH GRANT OPTION").unwrap();
        assert_eq!(
            g,
            Grant {
                privileges: vec!["ALL PRIVILEGES".into()],
                on: On::Global,
                grant_option: true,
                roles: vec![],
                to: "root".into()
            }
        );
        let g = parse_grant("GRANT SELECT, INSERT (a, b), UPDATE ON `shop`.`orders` TO `app`@`%`").unwrap();
        assert_eq!(g.privileges, vec!["SELECT", "INSERT", "UPDATE"]);
        assert_eq!(g.on, On::Table("shop".into(), "orders".into()));
        let g = parse_grant("GRANT `reporting`@`%`,`ops` TO `app`@`%`").unwrap();
        assert_eq!(g.roles, vec!["reporting", "ops"]);
        let g = parse_grant("GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `app`@`%`").unwrap();
        assert_eq!(g.on, On::Other("procedure".into()));
    }

    #[test]
    fn levels_follow_the_grants() {
        let root = facts(&["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]);
        assert_eq!((root.level, root.destructive), (Level::Admin, Some(true)));
        let owner = facts(&["GRANT USAGE ON *.* TO `app`@`%`", "GRANT ALL PRIVILEGES ON `shop`.* TO `app`@`%`"]);
        assert_eq!((owner.level, owner.destructive), (Level::Admin, Some(true)));
        assert_eq!(owner.databases, vec!["shop"]);
        let writer = facts(&[
            "GRANT USAGE ON *.* TO `app`@`%`",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO `app`@`%`",
        ]);
        assert_eq!((writer.level, writer.destructive), (Level::Write, Some(false)));
        let dropper = facts(&["GRANT SELECT, DROP ON `shop`.* TO `app`@`%`"]);
        assert_eq!((dropper.level, dropper.destructive), (Level::Write, Some(true)));
        let reader = facts(&["GRANT USAGE ON *.* TO `app`@`%`", "GRANT SELECT ON `shop`.* TO `app`@`%`"]);
        assert_eq!((reader.level, reader.destructive), (Level::Read, Some(false)));
        let nothing = facts(&["GRANT USAGE ON *.* TO `app`@`%`"]);
        assert_eq!(nothing.level, Level::None);
        let with_role = facts(&["GRANT USAGE ON *.* TO `app`@`%`", "GRANT `ops` TO `app`@`%`"]);
        assert_eq!((with_role.level, with_role.destructive), (Level::Unknown, None));
        // MariaDB lists the enabled role's own grants: nothing is hidden.
        let expanded = facts(&[
            "GRANT `ops` TO `app`@`%`",
            "GRANT USAGE ON *.* TO `app`@`%`",
            "GRANT SELECT ON `shop`.* TO `ops`",
        ]);
        assert_eq!((expanded.level, expanded.destructive), (Level::Read, Some(false)));
    }
}
