//! Offline decoders for structured credentials: PyPI macaroons (caveats), Fly.io macaroons
//! (caveats), Azure SAS query strings (`sp=`, `se=`) and the prefixes that fix a token's
//! kind (GitHub, Stripe, OpenAI and Anthropic admin keys, ...). Nothing here touches the
//! network; nothing is verified, only read.

use serde_json::Value;

use super::time::{now, rfc3339};
use super::{Activity, Level, Scope, ScopeSource};

fn expire(scope: &mut Scope, at: i64) {
    scope.expires = Some(rfc3339(at));
    if at < now() {
        scope.active = Activity::Inactive;
        scope.notes.push(format!("expired on {}", rfc3339(at)));
    }
}

fn set_level(scope: &mut Scope, level: Level) {
    if scope.level == Level::Unknown {
        scope.level = level;
    }
}

// ---------------------------------------------------------------- PyPI macaroons

/// Reads a protobuf-style varint.
fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A decoded PyPI token: its location and caveats (JSON).
#[derive(Debug, PartialEq)]
pub struct PypiMacaroon {
    pub location: String,
    pub caveats: Vec<Value>,
}

/// Parses `pypi-<base64url of a version-2 binary macaroon>`.
pub fn pypi_macaroon(token: &[u8]) -> Option<PypiMacaroon> {
    let body = token.strip_prefix(b"pypi-")?;
    let raw = super::codec::b64url_decode(body)?;
    if raw.first() != Some(&2) {
        return None;
    }
    let mut pos = 1;
    let mut sections: Vec<Vec<(u64, Vec<u8>)>> = vec![Vec::new()];
    loop {
        let field = varint(&raw, &mut pos)?;
        if field == 0 {
            if sections.last().is_some_and(Vec::is_empty) && sections.len() > 1 {
                break;
            }
            sections.push(Vec::new());
            continue;
        }
        let len = usize::try_from(varint(&raw, &mut pos)?).ok()?;
        let data = raw.get(pos..pos.checked_add(len)?)?.to_vec();
        pos += len;
        sections.last_mut()?.push((field, data));
        if field == 6 {
            break;
        }
    }
    let location = sections
        .first()?
        .iter()
        .find(|(f, _)| *f == 1)
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default();
    let caveats = sections[1..]
        .iter()
        .filter_map(|s| s.iter().find(|(f, _)| *f == 2))
        .filter_map(|(_, d)| serde_json::from_slice(d).ok())
        .collect();
    Some(PypiMacaroon { location, caveats })
}

pub fn pypi(token: &[u8], scope: &mut Scope) {
    let Some(mac) = pypi_macaroon(token) else { return };
    scope.source = ScopeSource::Offline;
    set_level(scope, Level::Write);
    scope.production = Some(true);
    scope.identity = Some(format!("{} upload token", mac.location));
    let mut projects: Option<Vec<String>> = None;
    for caveat in &mac.caveats {
        match caveat {
            Value::Array(items) => match items.first().and_then(Value::as_i64) {
                Some(0) => {
                    if let Some(exp) = items.get(1).and_then(Value::as_i64) {
                        expire(scope, exp);
                    }
                }
                Some(1) => {
                    let names = items.get(1).and_then(Value::as_array).into_iter().flatten();
                    projects.get_or_insert_with(Vec::new).extend(names.filter_map(Value::as_str).map(str::to_string));
                }
                Some(2) => {
                    let n = items.get(1).and_then(Value::as_array).map_or(0, Vec::len);
                    scope.notes.push(format!("limited to {n} project ids"));
                    projects.get_or_insert_with(Vec::new);
                }
                Some(4) => scope.notes.push("minted by a trusted publisher: short-lived".into()),
                _ => {}
            },
            Value::Object(map) => {
                if let Some(p) = map.get("permissions").and_then(|p| p.get("projects")).and_then(Value::as_array) {
                    projects
                        .get_or_insert_with(Vec::new)
                        .extend(p.iter().filter_map(Value::as_str).map(str::to_string));
                }
                if let Some(exp) = map.get("exp").and_then(Value::as_i64) {
                    expire(scope, exp);
                }
            }
            _ => {}
        }
    }
    match projects {
        Some(list) => {
            for p in &list {
                scope.resources.push(format!("pypi:project/{p}"));
            }
            scope.notes.push(format!(
                "can upload releases of {}",
                if list.is_empty() { "its listed projects".into() } else { list.join(", ") }
            ));
        }
        None => scope.notes.push("user-scoped: can upload releases of every project of its user".into()),
    }
}

// ---------------------------------------------------------------- Fly.io macaroons

/// Action mask bits (superfly/macaroon `resset`).
const READ: u64 = 1;
const DELETE: u64 = 8;
const ALL: u64 = 31;

/// What one Fly.io permission macaroon's caveats say.
#[derive(Debug, Default, PartialEq)]
pub struct FlyCaveats {
    pub org: Option<(u64, u64)>,
    pub apps: Vec<(u64, u64)>,
    pub not_after: Option<i64>,
    pub features: Vec<(String, u64)>,
    pub commands: bool,
    pub unknown: Vec<u64>,
}

fn as_u64(v: &rmpv::Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_i64().and_then(|i| u64::try_from(i).ok()))
}

/// Maps in a caveat body (a map, or an array holding one).
fn map_entries(body: &rmpv::Value) -> Vec<(&rmpv::Value, &rmpv::Value)> {
    match body {
        rmpv::Value::Map(m) => m.iter().map(|(k, v)| (k, v)).collect(),
        rmpv::Value::Array(a) => a.iter().flat_map(map_entries).collect(),
        _ => Vec::new(),
    }
}

/// Decodes every `fm2_`/`fm1r_` permission macaroon in a Fly.io token.
pub fn fly_caveats(token: &[u8]) -> Option<Vec<FlyCaveats>> {
    use base64::Engine as _;
    let text = std::str::from_utf8(token).ok()?.trim().trim_start_matches("FlyV1 ");
    let mut out = Vec::new();
    for part in text.split(',') {
        let Some(b64) = part.trim().strip_prefix("fm2_").or_else(|| part.trim().strip_prefix("fm1r_")) else {
            continue;
        };
        let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        let value = rmpv::decode::read_value(&mut raw.as_slice()).ok()?;
        let fields = value.as_array()?;
        if fields.get(1)?.as_str()? != "https://api.fly.io/v1" {
            continue;
        }
        out.push(caveats(fields.get(2)?.as_array()?));
    }
    (!out.is_empty()).then_some(out)
}

fn caveats(list: &[rmpv::Value]) -> FlyCaveats {
    let mut c = FlyCaveats::default();
    for pair in list.chunks(2) {
        let (Some(kind), Some(body)) = (pair.first().and_then(as_u64), pair.get(1)) else { continue };
        match kind {
            0 => {
                let a = body.as_array();
                let id = a.and_then(|a| a.first()).and_then(as_u64);
                let mask = a.and_then(|a| a.get(1)).and_then(as_u64);
                if let (Some(id), Some(mask)) = (id, mask) {
                    c.org = Some((id, mask));
                }
            }
            3 => c.apps.extend(map_entries(body).into_iter().filter_map(|(k, v)| Some((as_u64(k)?, as_u64(v)?)))),
            4 => c.not_after = body.as_array().and_then(|a| a.get(1)).and_then(|v| v.as_i64()),
            5 => c
                .features
                .extend(map_entries(body).into_iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), as_u64(v)?)))),
            27 => c.commands = true,
            2 | 6..=26 | 28..=31 => {}
            other => c.unknown.push(other),
        }
    }
    c
}

pub fn fly(token: &[u8], scope: &mut Scope) {
    if token.starts_with(b"fo1_") {
        scope.source = ScopeSource::Offline;
        set_level(scope, Level::Admin);
        scope.destructive = Some(true);
        scope.notes.push("legacy user token: every organisation of the user".into());
        return;
    }
    let Some(macaroons) = fly_caveats(token) else { return };
    scope.source = ScopeSource::Offline;
    let c = &macaroons[0];
    let org_mask = c.org.map_or(ALL, |(_, m)| m);
    let mask = if c.apps.is_empty() { org_mask } else { c.apps.iter().fold(0, |acc, (_, m)| acc | m) & org_mask };
    let level = if c.apps.is_empty() && mask == ALL {
        Level::Admin
    } else if mask & !READ != 0 || c.commands {
        Level::Write
    } else if mask & READ != 0 {
        Level::Read
    } else {
        Level::None
    };
    set_level(scope, level);
    let feature_delete = c.features.iter().any(|(f, m)| matches!(f.as_str(), "deletion" | "billing") && m & !READ != 0);
    scope.destructive = Some(mask & DELETE != 0 || feature_delete);
    if let Some((org, _)) = c.org {
        scope.resources.push(format!("flyio:org/{org}"));
    }
    for (app, _) in &c.apps {
        scope.resources.push(format!("flyio:app/{app}"));
    }
    scope.notes.push(if c.apps.is_empty() {
        "organisation token: every app, machine and volume of the organisation".into()
    } else {
        format!("limited to {} app(s)", c.apps.len())
    });
    if c.commands {
        scope.notes.push("can run commands inside machines".into());
    }
    if !c.unknown.is_empty() {
        scope.notes.push(format!("unknown caveat types {:?}", c.unknown));
    }
    if let Some(at) = c.not_after {
        expire(scope, at);
    }
}

// ---------------------------------------------------------------- Azure SAS

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of a SAS URL or token.
pub fn sas_params(text: &str) -> Vec<(String, String)> {
    let query = text.split_once('?').map_or(text, |(_, q)| q);
    query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), percent_decode(v))).collect()
}

pub fn azure_sas(token: &[u8], scope: &mut Scope) {
    let text = String::from_utf8_lossy(token);
    let params = sas_params(&text);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("sig").is_none() {
        return;
    }
    scope.source = ScopeSource::Offline;
    if let Some(host) = text.strip_prefix("https://").and_then(|r| r.split(['/', '?']).next()) {
        if let Some(account) = host.split('.').next() {
            scope.resources.push(format!("azure:storage-account/{account}"));
        }
    }
    match get("sp") {
        Some(sp) => {
            let perms: Vec<String> = sp.chars().map(sas_permission).map(str::to_string).collect();
            let destructive = sp.chars().any(|c| matches!(c, 'd' | 'x' | 'y'));
            let write = sp.chars().any(|c| !matches!(c, 'r' | 'l' | 'f'));
            set_level(scope, if write { Level::Write } else { Level::Read });
            scope.destructive = Some(destructive);
            if destructive {
                scope.notes.push("SAS can delete blobs or versions".into());
            }
            scope.notes.push(format!("SAS permissions: {}", perms.join(", ")));
            scope.permissions = perms;
        }
        None if get("si").is_some() => scope.notes.push("SAS permissions live in a stored access policy".into()),
        None => {}
    }
    if let Some(se) = get("se") {
        scope.expires = Some(se.to_string());
        if se < rfc3339(now()).as_str() {
            scope.active = Activity::Inactive;
            scope.notes.push(format!("SAS expired on {se}"));
        }
    }
}

fn sas_permission(c: char) -> &'static str {
    match c {
        'r' => "read",
        'w' => "write",
        'd' => "delete",
        'l' => "list",
        'a' => "add",
        'c' => "create",
        'u' => "update",
        'p' => "process",
        't' => "tag",
        'f' => "filter",
        'x' => "delete-version",
        'i' => "set-immutability-policy",
        'y' => "permanent-delete",
        'm' => "move",
        'e' => "execute",
        'o' => "ownership",
        _ => "other",
    }
}

// ---------------------------------------------------------------- prefixes

/// What a token's prefix fixes about its kind, per provider.
pub fn prefix(provider: &str, token: &[u8], scope: &mut Scope) {
    let t = String::from_utf8_lossy(token);
    match provider {
        "github" if t.starts_with("github_pat_") => {
            fact(scope, None, None, "fine-grained token: one resource owner, selected repositories, mandatory expiry")
        }
        "github" if t.starts_with("ghs_") => fact(scope, None, None, "app installation token: expires within an hour"),
        "github" if t.starts_with("ghr_") => {
            fact(scope, Some(Level::Write), None, "app refresh token: mints user tokens")
        }
        "github" if t.starts_with("ghu_") => {
            fact(scope, None, None, "app user token: acts as the user through the app")
        }
        "github" if t.starts_with("gho_") => fact(scope, None, None, "OAuth app token: acts as the user"),
        "stripe" if t.starts_with("sk_live_") => {
            scope.production = Some(true);
            fact(scope, Some(Level::Admin), Some(true), "live secret key: full API access on real money")
        }
        "stripe" if t.starts_with("rk_live_") => {
            scope.production = Some(true);
            fact(scope, None, None, "live restricted key")
        }
        "stripe" if t.contains("_test_") => {
            scope.test_mode = true;
            fact(scope, None, None, "test-mode key")
        }
        "stripe" if t.starts_with("pk_") => {
            scope.public = true;
            fact(scope, Some(Level::None), Some(false), "publishable key: public by design")
        }
        "openai" if t.starts_with("sk-admin-") => fact(
            scope,
            Some(Level::Admin),
            Some(true),
            "admin key: manages the organisation's users, projects and keys",
        ),
        "openai" if t.starts_with("sk-proj-") || t.starts_with("sk-svcacct-") => {
            fact(scope, None, None, "project key: one project")
        }
        "anthropic" if t.starts_with("sk-ant-admin") => fact(
            scope,
            Some(Level::Admin),
            Some(true),
            "admin key: manages the organisation's members, workspaces and keys",
        ),
        "cloudflare" if t.starts_with("cfk_") => fact(
            scope,
            Some(Level::Admin),
            Some(true),
            "global API key: every permission of the user on every account and zone",
        ),
        "supabase" if t.starts_with("sb_secret_") => {
            fact(scope, Some(Level::Admin), Some(true), "secret key: bypasses row-level security")
        }
        "supabase" if t.starts_with("sb_publishable_") => {
            scope.public = true;
            fact(scope, Some(Level::None), Some(false), "publishable key: public by design")
        }
        "supabase" if t.starts_with("sbp_") => {
            fact(scope, Some(Level::Admin), Some(true), "management token: every organisation and project of its user")
        }
        "digitalocean" if t.starts_with("dor_v1_") => {
            fact(scope, None, None, "OAuth refresh token: mints access tokens")
        }
        "slack" if t.starts_with("xoxp-") => fact(scope, None, None, "user token: acts as the person"),
        "slack" if t.starts_with("xoxb-") => fact(scope, None, None, "bot token"),
        "shopify" if t.starts_with("shpss_") => {
            fact(scope, Some(Level::Write), None, "app shared secret: can forge webhooks and OAuth")
        }
        _ => {}
    }
}

fn fact(scope: &mut Scope, level: Option<Level>, destructive: Option<bool>, note: &str) {
    scope.source = ScopeSource::Offline;
    if let Some(l) = level {
        set_level(scope, l);
    }
    if destructive.is_some() && scope.destructive.is_none() {
        scope.destructive = destructive;
    }
    if !scope.notes.iter().any(|n| n == note) {
        scope.notes.push(note.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_caveats_are_read() {
        // The reference example: expiry 2030-01-01 and project keyreach-example.
        let token = crate::rules::template::expand(
            "pypi-AgEIcHlwaS5vcmc{{}}CJDAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwZmFrZQACGVswLDE4OTM0NTYwMDAsMTcwMDAwMDAwMF0AAhhbMSxbImtleXJlYWNoLWV4YW1wbGUiXV0AAAYgNR80xh1mbqn4Ouej_cjDQFqdoBOv7zLAE4wBt6MYYFg",
            "p",
        )
        .unwrap();
        let mac = pypi_macaroon(token.as_bytes()).unwrap();
        assert_eq!(mac.location, "pypi.org");
        assert_eq!(mac.caveats.len(), 2);
        let mut scope = Scope::unknown();
        pypi(token.as_bytes(), &mut scope);
        assert_eq!(scope.level, Level::Write);
        assert_eq!(scope.expires.as_deref(), Some("2030-01-01T00:00:00Z"));
        assert_eq!(scope.resources, vec!["pypi:project/keyreach-example".to_string()]);
        let generated = crate::rules::template::expand("{{gen:pypi}}", "g").unwrap();
        let mut scope = Scope::unknown();
        pypi(generated.as_bytes(), &mut scope);
        assert_eq!(scope.resources.len(), 1, "{scope:?}");
    }

    #[test]
    fn fly_caveats_are_read() {
        // The reference example: org 987654 all, app 424242 all, valid 2026-01-01..2027-01-01.
        let token = crate::rules::template::expand("FlyV1 fm2_{{}}lJPED0ZBS0UtS0lELTAwMDAwMMQQAAAAAAAAAAAAAAAAAAAAAMK1aHR0cHM6Ly9hcGkuZmx5LmlvL3YxlgCSzgAPEgYfA5GBzgAGeTIfBJLOaVW5AM5rNuyAxCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "f").unwrap();
        let c = &fly_caveats(token.as_bytes()).unwrap()[0];
        assert_eq!(c.org, Some((987_654, 31)));
        assert_eq!(c.apps, vec![(424_242, 31)]);
        assert_eq!(c.not_after, Some(1_798_761_600));
        let mut scope = Scope::unknown();
        fly(token.as_bytes(), &mut scope);
        assert_eq!(scope.level, Level::Write);
        assert_eq!(scope.destructive, Some(true));
        assert_eq!(scope.expires.as_deref(), Some("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn sas_permissions_and_expiry() {
        let mut scope = Scope::unknown();
        azure_sas(
            b"https://acct.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2099-01-01T00:00:00Z&sig=abc%3D",
            &mut scope,
        );
        assert_eq!(scope.level, Level::Read);
        assert_eq!(scope.destructive, Some(false));
        assert_eq!(scope.resources, vec!["azure:storage-account/acct".to_string()]);
        let mut scope = Scope::unknown();
        azure_sas(b"sv=2022-11-02&sp=rwdl&se=2020-01-01T00%3A00%3A00Z&sig=abc", &mut scope);
        assert_eq!(scope.level, Level::Write);
        assert_eq!(scope.destructive, Some(true));
        assert_eq!(scope.active, Activity::Inactive);
    }

    #[test]
    fn prefixes_fix_kinds() {
        let mut scope = Scope::unknown();
        prefix("stripe", b"sk_live_abc", &mut scope);
        assert_eq!((scope.level, scope.production), (Level::Admin, Some(true)));
        let mut scope = Scope::unknown();
        prefix("openai", b"sk-admin-abc", &mut scope);
        assert_eq!(scope.level, Level::Admin);
        let mut scope = Scope::unknown();
        prefix("stripe", b"sk_test_abc", &mut scope);
        assert!(scope.test_mode);
    }
}
