//! Redis: `AUTH`, `ACL WHOAMI`, `ACL GETUSER <user>`. The user's command rules are then
//! evaluated for a few telling commands (`GET`, `SET`, `DEL`, `FLUSHALL`, `CONFIG SET`,
//! `ACL SETUSER`) with their documented ACL categories. A server without ACLs (before
//! Redis 6) gives the password every command.
//!
//! Sources: ACL rules (<https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/>),
//! `ACL GETUSER` (<https://redis.io/docs/latest/commands/acl-getuser/>), and each
//! command's page for its ACL categories.

use super::Facts;
use super::target::DbLogin;
use crate::scope::Level;
use crate::scope::db::resp::{self, Login, Session};
use crate::scope::db::{Dialer, Verify};
use crate::scope::http::ProbeError;

/// Commands whose permission tells what a user can do, with their ACL categories.
const TELLING: &[(&str, &[&str])] = &[
    ("get", &["read", "string", "fast"]),
    ("set", &["write", "string", "slow"]),
    ("del", &["keyspace", "write", "slow"]),
    ("flushall", &["keyspace", "write", "slow", "dangerous"]),
    ("flushdb", &["keyspace", "write", "slow", "dangerous"]),
    ("config|set", &["admin", "slow", "dangerous"]),
    ("acl|setuser", &["admin", "slow", "dangerous"]),
];

pub fn probe(dialer: &Dialer, login: &DbLogin) -> Result<Facts, ProbeError> {
    let insecure = login.param("insecure").is_some() || login.param("tls_insecure").is_some();
    let tls = login.tls_scheme.then_some(if insecure { Verify::EncryptOnly } else { Verify::Full });
    let (host, port) = login.hosts[0].clone();
    let mut session = Session::connect(dialer, &Login { host: &host, port, tls })?;
    let user = login.user.clone();
    let password = login.password.as_bytes();
    let auth = if user.is_empty() {
        session.command(&[b"AUTH", password])?
    } else {
        match session.command(&[b"AUTH", user.as_bytes(), password])? {
            // Before Redis 6 AUTH takes the password alone.
            Err(e) if e.contains("wrong number of arguments") => session.command(&[b"AUTH", password])?,
            other => other,
        }
    };
    let mut facts = Facts { level: Level::Unknown, destructive: None, ..Facts::default() };
    if let Err(e) = auth {
        if e.starts_with("WRONGPASS") || e.contains("invalid password") || e.contains("invalid username-password") {
            return Err(ProbeError::Unauthorized(format!(
                "{host}: {}",
                e.split_whitespace().next().unwrap_or("rejected")
            )));
        }
        if e.contains("without any password configured") || e.contains("no password is set") {
            facts.level = Level::Admin;
            facts.destructive = Some(true);
            facts.identity = Some("default".into());
            facts.notes.push(
                "the server asks for no password: anyone who reaches it has every command, FLUSHALL included".into(),
            );
            return Ok(facts);
        }
        return Err(ProbeError::Unexpected(format!(
            "{host}: AUTH failed ({})",
            e.chars().take(80).collect::<String>()
        )));
    }
    let whoami = session.command(&[b"ACL", b"WHOAMI"])?;
    let name = match &whoami {
        Ok(v) => resp::text(v).unwrap_or_default(),
        Err(e) if e.contains("unknown command") || e.contains("unknown subcommand") => {
            facts.level = Level::Admin;
            facts.destructive = Some(true);
            facts.identity = Some("default".into());
            facts.permissions.push("every command".into());
            facts
                .notes
                .push("Redis without ACLs: the password allows every command, FLUSHALL and CONFIG included".into());
            return Ok(facts);
        }
        Err(_) => {
            if user.is_empty() {
                "default".into()
            } else {
                user.clone()
            }
        }
    };
    facts.identity = Some(name.clone());
    match session.command(&[b"ACL", b"GETUSER", name.as_bytes()])? {
        Ok(reply) => judge(&name, &reply, &mut facts),
        Err(e) if e.starts_with("NOPERM") => {
            facts.notes.push(format!(
                "ACL user {name} may not read its own rules (ACL GETUSER is denied): it is restricted, but keyreach cannot tell to which commands"
            ));
            facts.permissions.push("not ACL administration".into());
        }
        Err(e) => {
            return Err(ProbeError::Unexpected(format!(
                "{host}: ACL GETUSER failed ({})",
                e.chars().take(80).collect::<String>()
            )));
        }
    }
    Ok(facts)
}

/// Evaluates an `ACL GETUSER` reply.
pub fn judge(name: &str, reply: &redis::Value, facts: &mut Facts) {
    let fields = resp::pairs(reply);
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
    let flags: Vec<String> = get("flags").map(resp::words).unwrap_or_default();
    let rules: Vec<String> = get("commands").map(resp::words).unwrap_or_default();
    let keys: Vec<String> = get("keys").map(resp::words).unwrap_or_default();
    let selectors = get("selectors").map(|v| matches!(v, redis::Value::Array(a) if !a.is_empty())).unwrap_or(false);
    let mut rules = rules;
    if flags.iter().any(|f| f == "allcommands") {
        rules.insert(0, "+@all".into());
    }
    let allowed = |command: &str| allows(&rules, command);
    let all_keys = flags.iter().any(|f| f == "allkeys") || keys.iter().any(|k| k == "~*" || k == "allkeys");
    let writable_keys =
        all_keys || keys.iter().any(|k| k.starts_with('~') || k.starts_with("%W~") || k.starts_with("%RW~"));
    let readable_keys = writable_keys || keys.iter().any(|k| k.starts_with("%R~"));
    let admin = allowed("config|set") || allowed("acl|setuser");
    let flush = allowed("flushall") || allowed("flushdb");
    facts.level = if admin {
        Level::Admin
    } else if flush || writable_keys && (allowed("set") || allowed("del")) {
        Level::Write
    } else if readable_keys && allowed("get") {
        Level::Read
    } else {
        Level::None
    };
    facts.destructive = Some(flush || admin);
    facts.permissions.push(format!("commands {}", rules.join(" ")));
    if !keys.is_empty() {
        facts.permissions.push(format!("keys {}", keys.join(" ")));
    }
    if flags.iter().any(|f| f == "nopass") {
        facts.notes.push(format!("ACL user {name} needs no password (nopass)"));
    }
    if admin {
        facts.notes.push(format!("ACL user {name} may run CONFIG SET or ACL SETUSER: it administers the server"));
    }
    if flush {
        facts.notes.push(format!("ACL user {name} may run FLUSHALL or FLUSHDB: it can wipe every key"));
    } else if facts.level == Level::Write && allowed("del") {
        facts.permissions.push("delete keys".into());
    }
    if selectors && facts.level != Level::Admin {
        facts.notes.push(format!("ACL user {name} has selectors that keyreach does not evaluate: it may do more"));
        facts.level = Level::Unknown;
        facts.destructive = None;
    }
}

/// Whether ACL `rules` (in order, as `ACL GETUSER` lists them) allow `command`
/// (`name` or `name|subcommand`).
pub fn allows(rules: &[String], command: &str) -> bool {
    let categories = TELLING.iter().find(|(c, _)| *c == command).map_or(&[][..], |(_, cats)| cats);
    let parent = command.split('|').next().unwrap_or(command);
    let mut allowed = false;
    for rule in rules {
        let rule = rule.to_ascii_lowercase();
        let (grant, what) = match rule.as_bytes().first() {
            Some(b'+') => (true, &rule[1..]),
            Some(b'-') => (false, &rule[1..]),
            _ if rule == "allcommands" => (true, "@all"),
            _ if rule == "nocommands" => (false, "@all"),
            _ => continue,
        };
        let hit = match what.strip_prefix('@') {
            Some("all") => true,
            Some(cat) => categories.contains(&cat),
            None => what == command || what == parent,
        };
        if hit {
            allowed = grant;
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn acl_rules_are_applied_in_order() {
        assert!(allows(&rules("+@all"), "flushall"));
        assert!(!allows(&rules("+@all -@dangerous"), "flushall"));
        assert!(allows(&rules("+@all -@dangerous"), "set"));
        assert!(!allows(&rules("-@all +@read"), "set"));
        assert!(allows(&rules("-@all +@read"), "get"));
        assert!(allows(&rules("-@all +config"), "config|set"));
        assert!(!allows(&rules("+@all -config"), "config|set"));
        assert!(allows(&rules("-@all +config|set"), "config|set"));
        assert!(!allows(&rules("-@all +get +set"), "del"));
    }

    fn getuser(flags: &[&str], commands: &str, keys: &str) -> redis::Value {
        use redis::Value::*;
        let s = |t: &str| BulkString(t.as_bytes().to_vec());
        Array(vec![
            s("flags"),
            Array(flags.iter().map(|f| s(f)).collect()),
            s("passwords"),
            Array(vec![s("0000")]),
            s("commands"),
            s(commands),
            s("keys"),
            s(keys),
            s("channels"),
            s(""),
            s("selectors"),
            Array(vec![]),
        ])
    }

    #[test]
    fn levels_from_getuser() {
        let judge_of = |v: redis::Value| {
            let mut f = Facts::default();
            judge("u", &v, &mut f);
            (f.level, f.destructive)
        };
        assert_eq!(judge_of(getuser(&["on"], "+@all", "~*")), (Level::Admin, Some(true)));
        assert_eq!(judge_of(getuser(&["on"], "+@all -@dangerous", "~*")), (Level::Write, Some(false)));
        assert_eq!(judge_of(getuser(&["on"], "-@all +@read", "~*")), (Level::Read, Some(false)));
        // FLUSHALL takes no key: read-only key patterns do not stop it.
        assert_eq!(judge_of(getuser(&["on"], "-@all +@read +@write", "%R~*")), (Level::Write, Some(true)));
        assert_eq!(judge_of(getuser(&["on"], "-@all +@read +@write -@dangerous", "%R~*")), (Level::Read, Some(false)));
        assert_eq!(judge_of(getuser(&["on"], "-@all +@write -@dangerous +flushdb", "")), (Level::Write, Some(true)));
        assert_eq!(judge_of(getuser(&["on"], "-@all +get", "")), (Level::None, Some(false)));
    }
}
