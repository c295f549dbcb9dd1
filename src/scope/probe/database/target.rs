//! What a database credential says about where and how to log in: a connection URL
//! (`postgres://`, `mysql://`, `mongodb://`, `mongodb+srv://`, `redis://`, `rediss://`,
//! SQLAlchemy `dialect+driver://`), or a password with the connection settings around it
//! (`DB_HOST`, `DB_USER`, `DB_NAME`, ... in one `.env`, compose file or YAML block).
//!
//! Nothing here touches the network. Errors never quote the credential.

use crate::scope::http::ProbeError;

/// Which database speaks at the other end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
    Mongo,
    Redis,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::Mysql => "MySQL",
            Engine::Mongo => "MongoDB",
            Engine::Redis => "Redis",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
            Engine::Mongo => 27017,
            Engine::Redis => 6379,
        }
    }

    /// From a URL scheme, with any `+driver` suffix (`postgresql+psycopg2`).
    fn from_scheme(scheme: &str) -> Option<Engine> {
        let base = scheme.split('+').next().unwrap_or("");
        Some(match base {
            "postgres" | "postgresql" | "pgsql" => Engine::Postgres,
            "mysql" | "mysql2" | "mariadb" => Engine::Mysql,
            "mongodb" => Engine::Mongo,
            "redis" | "rediss" => Engine::Redis,
            _ => return None,
        })
    }

    /// From a word naming an engine (`pgsql`, `django.db.backends.postgresql`, `mariadb`).
    fn from_word(word: &str) -> Option<Engine> {
        let w = word.to_ascii_lowercase();
        if w.contains("postgres") || w.contains("pgsql") || w == "pg" || w == "psql" {
            Some(Engine::Postgres)
        } else if w.contains("mysql") || w.contains("mariadb") {
            Some(Engine::Mysql)
        } else if w.contains("mongo") {
            Some(Engine::Mongo)
        } else if w.contains("redis") {
            Some(Engine::Redis)
        } else {
            None
        }
    }

    fn from_port(port: u16) -> Option<Engine> {
        Some(match port {
            5432 | 5433 | 6432 => Engine::Postgres,
            3306 | 3307 => Engine::Mysql,
            27017 => Engine::Mongo,
            6379 | 6380 => Engine::Redis,
            _ => return None,
        })
    }
}

/// Everything needed to log in.
#[derive(Clone, PartialEq, Eq)]
pub struct DbLogin {
    pub engine: Engine,
    /// Hosts and ports as written (a MongoDB seed list may name several); for
    /// `mongodb+srv`, the one SRV name.
    pub hosts: Vec<(String, u16)>,
    pub srv: bool,
    /// `rediss://`.
    pub tls_scheme: bool,
    pub user: String,
    pub password: String,
    pub database: Option<String>,
    /// Query parameters (`sslmode`, `authSource`, `tls`, ...), decoded.
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for DbLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbLogin")
            .field("engine", &self.engine)
            .field("hosts", &self.hosts)
            .field("user", &self.user)
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl DbLogin {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first host, lower-cased, for reports and production checks.
    pub fn host(&self) -> String {
        self.hosts.first().map(|(h, _)| h.to_ascii_lowercase()).unwrap_or_default()
    }
}

fn not_probed(why: &str) -> ProbeError {
    ProbeError::NotProbed(why.to_string())
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Reads a connection URL.
pub fn parse_url(url: &str) -> Result<DbLogin, ProbeError> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").ok_or_else(|| not_probed("not a connection URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme.starts_with("mysqlx") {
        return Err(not_probed("mysqlx:// uses the X Protocol, which the probe does not speak"));
    }
    let engine =
        Engine::from_scheme(&scheme).ok_or_else(|| not_probed("not a PostgreSQL, MySQL, MongoDB or Redis URL"))?;
    // The rules never let a password hold `@`: the first one ends the user information.
    let (userinfo, rest) = rest.split_once('@').ok_or_else(|| not_probed("the URL holds no password"))?;
    let (user, password) = userinfo.split_once(':').ok_or_else(|| not_probed("the URL holds no password"))?;
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map_or((decode(p), String::new()), |(k, v)| (decode(k), decode(v))))
        .collect();
    let srv = scheme == "mongodb+srv";
    let mut hosts = Vec::new();
    for part in authority.split(',').filter(|h| !h.is_empty()) {
        hosts.push(host_port(part, engine.default_port(), srv)?);
    }
    let mut login = DbLogin {
        engine,
        hosts,
        srv,
        tls_scheme: scheme == "rediss",
        user: decode(user),
        password: decode(password),
        database: Some(decode(path.trim_start_matches('/'))).filter(|d| !d.is_empty()),
        params,
    };
    // libpq also reads these from the query string, where they win.
    if engine == Engine::Postgres {
        if let Some(host) = login.param("host").map(str::to_string) {
            let port = login.param("port").and_then(|p| p.parse().ok()).unwrap_or(5432);
            login.hosts = vec![host_port(&host, port, false)?];
        }
        if let Some(db) = login.param("dbname").map(str::to_string) {
            login.database = Some(db);
        }
    }
    if login.hosts.is_empty() {
        return Err(not_probed("the URL names no host"));
    }
    if login.hosts.iter().any(|(h, _)| h.starts_with('/') || h.starts_with('%')) {
        return Err(not_probed("the URL names a Unix socket, not a network host"));
    }
    if srv && login.hosts.len() != 1 {
        return Err(not_probed("a mongodb+srv URL names exactly one host"));
    }
    Ok(login)
}

/// `host`, `host:port` or `[v6]:port`.
fn host_port(text: &str, default: u16, srv: bool) -> Result<(String, u16), ProbeError> {
    let text = decode(text);
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(|| not_probed("malformed IPv6 host"))?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (text.clone(), None),
        }
    };
    let port = match port {
        Some(p) if !srv => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| not_probed("malformed port"))?,
        Some(_) => return Err(not_probed("a mongodb+srv host has no port")),
        None => default,
    };
    Ok((host, port))
}

/// One `NAME=value` (or `NAME: value`) line of a settings block.
fn assignment(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    let line = line.strip_prefix("export ").or_else(|| line.strip_prefix("- ")).unwrap_or(line).trim_start();
    let at = line.find(['=', ':'])?;
    let name = line[..at].trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    let mut value = line[at + 1..].trim();
    // JSON / YAML leftovers: a trailing comma, quotes, an inline comment after a space.
    value = value.strip_suffix(',').unwrap_or(value).trim();
    let value = if let Some(inner) = value.strip_prefix('"').and_then(|v| v.split_once('"')) {
        inner.0.to_string()
    } else if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.split_once('\'')) {
        inner.0.to_string()
    } else {
        value.split(" #").next().unwrap_or("").trim().to_string()
    };
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'))
        .then_some((name.replace(['.', '-'], "_"), value))
}

const FIELDS: &[(&str, &str)] = &[
    ("hostname", "host"),
    ("host", "host"),
    ("server", "host"),
    ("address", "host"),
    ("addr", "host"),
    ("port", "port"),
    ("username", "user"),
    ("user", "user"),
    ("login", "user"),
    ("dbname", "database"),
    ("database", "database"),
    ("name", "database"),
    ("schema", "database"),
    ("db", "database"),
    ("connection", "engine"),
    ("engine", "engine"),
    ("driver", "engine"),
    ("dialect", "engine"),
    ("sslmode", "ssl"),
    ("ssl_mode", "ssl"),
    ("ssl", "ssl"),
    ("tls", "ssl"),
    ("password", "password"),
    ("pass", "password"),
    ("pwd", "password"),
];

/// `db_host` → (`db`, `host`); `pghost` → (`pg`, `host`); `mysql_root_password` →
/// (`mysql_root`, `password`).
fn split_name(name: &str) -> Option<(String, &'static str)> {
    for (suffix, field) in FIELDS {
        if let Some(prefix) = name.strip_suffix(suffix) {
            let prefix = prefix.strip_suffix('_').unwrap_or(prefix);
            if !prefix.is_empty() {
                return Some((prefix.to_string(), field));
            }
        }
    }
    None
}

/// Reads the login from a password and the settings block around it (the rule's
/// companion).
pub fn parse_settings(password: &str, block: &str) -> Result<DbLogin, ProbeError> {
    let lines: Vec<(String, String)> = block.lines().filter_map(assignment).collect();
    let mut groups: Vec<(String, Vec<(&'static str, String)>)> = Vec::new();
    let mut own_prefix = None;
    for (name, value) in &lines {
        let Some((prefix, field)) = split_name(name) else { continue };
        if field == "password" && value == password {
            own_prefix = Some(prefix.clone());
        }
        // `mysql_root` and `mongo_initdb_root` keep their user and password together.
        match groups.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, fields)) => fields.push((field, value.clone())),
            None => groups.push((prefix, vec![(field, value.clone())])),
        }
    }
    let has_host = |fields: &[(&str, String)]| fields.iter().any(|(f, v)| *f == "host" && !v.is_empty());
    let group = match &own_prefix {
        Some(prefix) => {
            // The password's own prefix; its host may sit under a sibling prefix
            // (`mysql_root_password` with `mysql_host`).
            let own = groups.iter().find(|(p, _)| p == prefix).cloned().unwrap_or_default();
            if has_host(&own.1) {
                own
            } else {
                let base = prefix.split('_').next().unwrap_or(prefix).to_string();
                // A root password logs in as root, whatever user its siblings name.
                let root = prefix.ends_with("root");
                let mut merged = own.clone();
                for (p, fields) in &groups {
                    if p != prefix && p.split('_').next() == Some(base.as_str()) {
                        let take = |f: &&(&str, String)| f.0 != "password" && !(root && f.0 == "user");
                        merged.1.extend(fields.iter().filter(take).cloned());
                    }
                }
                merged
            }
        }
        None => {
            let with_host: Vec<_> = groups.iter().filter(|(_, f)| has_host(f)).collect();
            match with_host.as_slice() {
                [one] => (*one).clone(),
                [] => return Err(not_probed("no database host next to the password")),
                _ => {
                    return Err(not_probed(
                        "several databases are configured next to the password; cannot tell which it is for",
                    ));
                }
            }
        }
    };
    let (prefix, fields) = group;
    let get =
        |name: &str| fields.iter().rev().find(|(f, _)| *f == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let host = get("host").ok_or_else(|| not_probed("no database host next to the password"))?;
    if host.contains("://") {
        return Err(not_probed("the host setting is a URL"));
    }
    let (host, port) = match host.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() && !h.contains(':') => (h.to_string(), p.parse().ok()),
        _ => (host, get("port").and_then(|p| p.parse().ok())),
    };
    let engine = Engine::from_word(&prefix)
        .or_else(|| get("engine").and_then(|e| Engine::from_word(&e)))
        .or_else(|| port.and_then(Engine::from_port))
        .ok_or_else(|| not_probed("cannot tell which kind of database the password is for"))?;
    let root = prefix.ends_with("root");
    let user = match (get("user"), engine) {
        (Some(user), _) => user,
        (None, Engine::Mysql) if root => "root".into(),
        (None, Engine::Postgres) if prefix.starts_with("postgres") => "postgres".into(),
        (None, Engine::Redis) => String::new(),
        (None, _) => return Err(not_probed("no user name next to the password")),
    };
    let port = port.unwrap_or(engine.default_port());
    let mut params = Vec::new();
    if let Some(ssl) = get("ssl") {
        let key = match engine {
            Engine::Postgres => "sslmode",
            Engine::Mysql => "ssl-mode",
            Engine::Mongo | Engine::Redis => "tls",
        };
        params.push((key.to_string(), ssl));
    }
    Ok(DbLogin {
        engine,
        hosts: vec![(host, port)],
        srv: false,
        tls_scheme: false,
        user,
        password: password.to_string(),
        database: get("database"),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_engine_host_user_and_database() {
        let l = parse_url(&format!(
            "postgresql+psycopg2://shop%40app:{}@db-prod.acme.io:6543/shop?sslmode=require",
            "p%2Fw"
        ))
        .unwrap();
        assert_eq!(l.engine, Engine::Postgres);
        assert_eq!(l.hosts, vec![("db-prod.acme.io".to_string(), 6543)]);
        assert_eq!((l.user.as_str(), l.password.as_str()), ("shop@app", "p/w"));
        assert_eq!(l.database.as_deref(), Some("shop"));
        assert_eq!(l.param("sslmode"), Some("require"));

        let l = parse_url("mongodb://root:pw@mongo-0.mongo:27017,mongo-1.mongo:27018/admin?replicaSet=rs0").unwrap();
        assert_eq!(l.engine, Engine::Mongo);
        assert_eq!(l.hosts.len(), 2);
        let l = parse_url("mongodb+srv://api:pw@cluster0.abcde.mongodb.net/?retryWrites=true").unwrap();
        assert!(l.srv && l.database.is_none());
        assert!(parse_url("mongodb+srv://api:pw@cluster0.abcde.mongodb.net:27017/").is_err());

        let l = parse_url("rediss://:pw@cache.acme.io:6380/0").unwrap();
        assert_eq!((l.engine, l.tls_scheme, l.user.as_str()), (Engine::Redis, true, ""));
        let l = parse_url("mysql://app:pw@[2001:db8::1]/shop").unwrap();
        assert_eq!(l.hosts, vec![("2001:db8::1".to_string(), 3306)]);
        assert!(parse_url("mysqlx://app:pw@db/shop").is_err());
        assert!(parse_url("postgres://app:pw@%2Fvar%2Frun%2Fpostgresql/shop").is_err());
    }

    #[test]
    fn settings_blocks_give_the_password_its_host_and_user() {
        let block = "DB_CONNECTION=pgsql\nDB_NAME=shop\nDB_USER=shop_app\nDB_PASSWORD=s3cr3t-pw\nDB_HOST=db.prod.acme.io\nDB_PORT=5432\n\nREDIS_HOST=cache";
        let l = parse_settings("s3cr3t-pw", block).unwrap();
        assert_eq!(l.engine, Engine::Postgres);
        assert_eq!(l.hosts, vec![("db.prod.acme.io".to_string(), 5432)]);
        assert_eq!((l.user.as_str(), l.database.as_deref()), ("shop_app", Some("shop")));

        // The password's line outside the block: the one group with a host is its.
        let l =
            parse_settings("pw", "  MYSQL_HOST: \"mysql.acme.io\"\n  MYSQL_DATABASE: shop\n  MYSQL_USER: app").unwrap();
        assert_eq!((l.engine, l.user.as_str()), (Engine::Mysql, "app"));
        let l = parse_settings("pw", "MYSQL_HOST=mysql.acme.io\nMYSQL_USER=app\nMYSQL_ROOT_PASSWORD=pw").unwrap();
        assert_eq!(l.user, "root");
        let l = parse_settings("pw", "- POSTGRES_HOST=pg.acme.io\n- POSTGRES_PASSWORD=pw").unwrap();
        assert_eq!((l.engine, l.user.as_str()), (Engine::Postgres, "postgres"));
        let l = parse_settings("pw", "DB_HOST=10.0.0.5:3306\nDB_USERNAME=app\nDB_PASSWORD=pw").unwrap();
        assert_eq!((l.engine, l.hosts[0].1), (Engine::Mysql, 3306));
        let l = parse_settings("pw", "export PGHOST=pg.acme.io\nexport PGUSER=etl\nexport PGPASSWORD=pw").unwrap();
        assert_eq!((l.engine, l.user.as_str()), (Engine::Postgres, "etl"));

        let err = parse_settings("pw", "DB_HOST=db.acme.io\nDB_USER=app\nDB_PASSWORD=pw").unwrap_err();
        assert!(err.to_string().contains("which kind of database"), "{err}");
        let err = parse_settings("pw", "DB_HOST=a.acme.io\nREDIS_HOST=b.acme.io").unwrap_err();
        assert!(err.to_string().contains("several databases"), "{err}");
        let err = parse_settings("pw", "DB_USER=app\nDB_NAME=x").unwrap_err();
        assert!(err.to_string().contains("no database host"), "{err}");
    }
}
