//! MongoDB: `hello`, SCRAM-SHA-256 login (`saslStart`/`saslContinue`), then
//! `connectionStatus` with `showPrivileges` and `listDatabases` with `nameOnly` and
//! `authorizedDatabases`. `mongodb+srv` hosts are looked up in DNS first.
//!
//! Sources: `connectionStatus`
//! (<https://www.mongodb.com/docs/manual/reference/command/connectionStatus/>), built-in
//! roles (<https://www.mongodb.com/docs/manual/reference/built-in-roles/>) and privilege
//! actions (<https://www.mongodb.com/docs/manual/reference/privilege-actions/>).

use bson::{Bson, Document, doc};

use super::Facts;
use super::target::DbLogin;
use crate::scope::Level;
use crate::scope::db::mongo::{Login, Session};
use crate::scope::db::{Dialer, Verify, srv};
use crate::scope::http::ProbeError;

/// Actions that administer users, roles or the deployment.
const ADMIN_ACTIONS: &[&str] = &[
    "anyAction",
    "createUser",
    "dropUser",
    "updateUser",
    "grantRole",
    "revokeRole",
    "createRole",
    "dropRole",
    "updateRole",
    "changePassword",
    "changeCustomData",
    "shutdown",
    "setParameter",
    "replSetConfigure",
    "addShard",
    "removeShard",
    "setFeatureCompatibilityVersion",
    "dropAllUsersFromDatabase",
    "dropAllRolesFromDatabase",
];
/// Actions that drop data wholesale.
const DESTRUCTIVE_ACTIONS: &[&str] = &["anyAction", "dropDatabase", "dropCollection", "emptycapped"];
const WRITE_ACTIONS: &[&str] = &[
    "insert",
    "update",
    "remove",
    "createCollection",
    "createIndex",
    "dropIndex",
    "renameCollectionSameDB",
    "collMod",
    "convertToCapped",
    "bypassDocumentValidation",
    "compact",
];
const READ_ACTIONS: &[&str] = &["find", "listCollections", "listIndexes", "dbStats", "collStats", "changeStream"];

/// Built-in roles that administer whatever they apply to.
const ADMIN_ROLES: &[&str] = &[
    "root",
    "__system",
    "userAdmin",
    "userAdminAnyDatabase",
    "dbOwner",
    "clusterAdmin",
    "clusterManager",
    "hostManager",
    "restore",
];

pub fn probe(dialer: &Dialer, login: &DbLogin) -> Result<Facts, ProbeError> {
    if let Some(mechanism) = login.param("authMechanism") {
        if mechanism != "SCRAM-SHA-256" && mechanism != "DEFAULT" {
            return Err(ProbeError::NotProbed(format!(
                "the URL asks for {} login; the probe speaks SCRAM-SHA-256 only",
                mechanism.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(30).collect::<String>()
            )));
        }
    }
    let mut seeds = login.hosts.clone();
    let mut txt_source = None;
    if login.srv {
        let list = srv::lookup(&login.hosts[0].0, &srv::system_nameservers(), dialer.net.timeout)?;
        seeds = list.seeds.iter().map(|s| (s.host.clone(), s.port)).collect();
        txt_source = list.options.iter().find(|(k, _)| k == "authSource").map(|(_, v)| v.clone());
    }
    let flag = |name: &str| login.param(name).map(|v| v.eq_ignore_ascii_case("true"));
    let tls = flag("tls").or(flag("ssl")).unwrap_or(login.srv);
    let insecure = flag("tlsInsecure").unwrap_or(false) || flag("tlsAllowInvalidCertificates").unwrap_or(false);
    let verify = tls.then_some(if insecure { Verify::EncryptOnly } else { Verify::Full });
    let auth_source = login
        .param("authSource")
        .map(str::to_string)
        .or(txt_source)
        .or_else(|| login.database.clone())
        .unwrap_or_else(|| "admin".into());
    let mut last = ProbeError::NotProbed("no server to connect to".into());
    for (host, port) in seeds.iter().take(3) {
        let attempt = Login {
            host,
            port: *port,
            user: &login.user,
            password: &login.password,
            auth_source: &auth_source,
            tls: verify,
        };
        match Session::connect(dialer, &attempt) {
            Ok(mut session) => return read(&mut session),
            // Another member may answer; a verdict on the credential ends the search.
            Err(e @ (ProbeError::Network(_) | ProbeError::Timeout)) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

fn read(session: &mut Session) -> Result<Facts, ProbeError> {
    let status = session
        .command(doc! {"connectionStatus": 1, "showPrivileges": true, "$db": "admin"})?
        .map_err(|e| ProbeError::Unexpected(format!("connectionStatus refused (code {} {})", e.code, e.name)))?;
    let info = status
        .get_document("authInfo")
        .map_err(|_| ProbeError::Unexpected("connectionStatus without authInfo".into()))?;
    let mut facts = judge(info);
    if let Ok(Ok(list)) =
        session.command(doc! {"listDatabases": 1, "nameOnly": true, "authorizedDatabases": true, "$db": "admin"})
    {
        for db in list.get_array("databases").map(|a| a.as_slice()).unwrap_or_default() {
            if let Some(name) = db.as_document().and_then(|d| d.get_str("name").ok()) {
                if !facts.databases.iter().any(|d| d == name) && !matches!(name, "admin" | "local" | "config") {
                    facts.databases.push(name.to_string());
                }
            }
        }
    }
    let version = session.hello.get_i32("maxWireVersion").ok().map(|w| format!("MongoDB (wire version {w})"));
    facts.version = version;
    Ok(facts)
}

fn strings(doc: &Document, key: &str) -> Vec<String> {
    doc.get_array(key).map(|a| a.iter().filter_map(Bson::as_str).map(str::to_string).collect()).unwrap_or_default()
}

/// Level, destructiveness, databases and permissions from `connectionStatus.authInfo`.
pub fn judge(info: &Document) -> Facts {
    let docs = |key: &str| -> Vec<Document> {
        info.get_array(key).map(|a| a.iter().filter_map(|v| v.as_document().cloned()).collect()).unwrap_or_default()
    };
    let users = docs("authenticatedUsers");
    let identity =
        users.first().map(|u| format!("{}@{}", u.get_str("user").unwrap_or(""), u.get_str("db").unwrap_or("")));
    let mut facts = Facts { identity, level: Level::None, destructive: Some(false), ..Facts::default() };
    if users.is_empty() {
        facts.notes.push("the server reports no authenticated user for the login".into());
        facts.level = Level::Unknown;
        facts.destructive = None;
        return facts;
    }
    for role in docs("authenticatedUserRoles") {
        let (name, db) = (role.get_str("role").unwrap_or(""), role.get_str("db").unwrap_or(""));
        facts.permissions.push(format!("role {name} on {db}"));
        if ADMIN_ROLES.contains(&name) {
            facts.raise(Level::Admin);
            let reach = if name.ends_with("AnyDatabase")
                || matches!(name, "root" | "__system")
                || db == "admin" && name != "dbOwner"
            {
                "every database".to_string()
            } else {
                format!("database {db}")
            };
            facts.notes.push(format!("role {name} administers {reach}"));
        }
    }
    for privilege in docs("authenticatedUserPrivileges") {
        let resource = privilege.get_document("resource").cloned().unwrap_or_default();
        let actions = strings(&privilege, "actions");
        let has = |list: &[&str]| actions.iter().any(|a| list.contains(&a.as_str()));
        let target =
            if resource.get_bool("anyResource").unwrap_or(false) || resource.get_bool("cluster").unwrap_or(false) {
                "the deployment".to_string()
            } else {
                match resource.get_str("db").unwrap_or("") {
                    "" => "every database".to_string(),
                    db => {
                        if !matches!(db, "admin" | "local" | "config") && !facts.databases.iter().any(|d| d == db) {
                            facts.databases.push(db.to_string());
                        }
                        match resource.get_str("collection").unwrap_or("") {
                            "" => format!("database {db}"),
                            c => format!("{db}.{c}"),
                        }
                    }
                }
            };
        if has(ADMIN_ACTIONS) {
            facts.raise(Level::Admin);
        }
        if has(DESTRUCTIVE_ACTIONS) {
            facts.raise(Level::Write);
            if facts.destructive != Some(true) {
                facts.notes.push(format!("can drop collections or databases ({target})"));
            }
            facts.destructive = Some(true);
        }
        if has(WRITE_ACTIONS) {
            facts.raise(Level::Write);
        }
        if has(READ_ACTIONS) {
            facts.raise(Level::Read);
        }
        let shown: Vec<&str> = actions
            .iter()
            .map(String::as_str)
            .filter(|a| {
                ADMIN_ACTIONS.contains(a)
                    || DESTRUCTIVE_ACTIONS.contains(a)
                    || WRITE_ACTIONS.contains(a)
                    || READ_ACTIONS.contains(a)
            })
            .take(8)
            .collect();
        if !shown.is_empty() {
            facts.permissions.push(format!("{} on {target}", shown.join(", ")));
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(roles: &[(&str, &str)], privileges: Vec<Document>) -> Document {
        doc! {
            "authenticatedUsers": [{"user": "app", "db": "admin"}],
            "authenticatedUserRoles": roles.iter().map(|(r, d)| Bson::Document(doc! {"role": *r, "db": *d})).collect::<Vec<_>>(),
            "authenticatedUserPrivileges": privileges.into_iter().map(Bson::Document).collect::<Vec<_>>(),
        }
    }

    #[test]
    fn roles_and_actions_decide_the_level() {
        let read = judge(&info(
            &[("read", "shop")],
            vec![doc! {"resource": {"db": "shop", "collection": ""}, "actions": ["find", "listCollections"]}],
        ));
        assert_eq!(
            (read.level, read.destructive, read.identity.as_deref()),
            (Level::Read, Some(false), Some("app@admin"))
        );
        assert_eq!(read.databases, vec!["shop"]);
        let rw = judge(&info(
            &[("readWrite", "shop")],
            vec![
                doc! {"resource": {"db": "shop", "collection": ""}, "actions": ["find", "insert", "remove", "dropCollection"]},
            ],
        ));
        assert_eq!((rw.level, rw.destructive), (Level::Write, Some(true)));
        let root = judge(&info(
            &[("root", "admin")],
            vec![doc! {"resource": {"anyResource": true}, "actions": ["anyAction"]}],
        ));
        assert_eq!((root.level, root.destructive), (Level::Admin, Some(true)));
        let none = judge(&doc! {"authenticatedUsers": [], "authenticatedUserRoles": []});
        assert_eq!(none.level, Level::Unknown);
    }
}
