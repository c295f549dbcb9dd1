//! What a probe may send: the read-only request [`Shape`]s a probe declares, the
//! [`Request`] it builds, and [`check_request`], which every request passes before the
//! client sends it (declared shape, forbidden endpoints, body kinds). The safety core.

use std::fmt;

use serde_json::Value;

use super::ProbeError;

/// Paths no probe may ever call, whatever it declared: revocation, rotation, minting and
/// deletion endpoints from the providers reference (matched as substrings of the path).
pub const FORBIDDEN_PATHS: &[&str] = &[
    "/credentials/revoke",
    "/rotate",
    "revoke",
    "/regenerate",
    "/access_tokens",
    "/login/oauth/access_token",
    "/secrets/disclose-token",
    "/api_key",
    "/api_permissions",
    "auth.revoke",
    "apps.uninstall",
    "tooling.tokens.rotate",
    "oauth.v2.access",
    "/oauth/tokens",
    "/oauth/revoke",
    "/AuthTokens",
    "/database/query",
    "/messages",
    "/mail/send",
    "/deploys",
    "/actions",
    "/pause",
    "/restore",
    "/suspend",
    "/restart",
    "/exec",
    "/tokens/token/",
    "/-/user/token/",
    "/users/login",
    "renew",
    "/unwrap",
    "/logOut",
    "/close",
    "setWebhook",
    "deleteWebhook",
    "getUpdates",
    "/authentication-token",
    "/roll",
];

/// HTTP methods a probe may use. There is deliberately no `DELETE`, `PUT` or `PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What kind of body a declared request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body (every GET; Slack `auth.test`).
    None,
    /// A GraphQL document that must be a `query` (never `mutation` or `subscription`).
    GraphqlQuery,
    /// An AWS Query API form whose `Action` is one of these read-only actions.
    AwsQuery(&'static [&'static str]),
    /// The OAuth 2.0 JWT-bearer grant (Google service accounts): mints a short-lived token.
    JwtBearerGrant,
    /// A JSON body for a permission check that performs nothing (`testIamPermissions`).
    JsonCheck,
    /// A JSON object whose top-level keys are all among these: a read-only review or
    /// query whose path alone is declared (Kubernetes self-reviews, Vault
    /// `capabilities-self`).
    JsonKeys(&'static [&'static str]),
    /// The OAuth 2.0 client-credentials grant (Entra ID, Auth0, PayPal): mints a
    /// short-lived token for the client itself and changes nothing. Only `grant_type`,
    /// `client_id`, `client_secret`, `scope` and `audience` fields.
    ClientCredentials,
    /// A SQL API request (`{"statement": ...}`) whose statement is exactly one of these
    /// read-only statements (Snowflake).
    SqlStatement(&'static [&'static str]),
}

/// A read-only request a probe may send: method, API root (`*` matches one host label) and
/// path (`*` matches one segment), and body kind.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub method: Method,
    pub root: &'static str,
    pub path: &'static str,
    pub body: BodyKind,
}

impl Shape {
    pub const fn get(root: &'static str, path: &'static str) -> Shape {
        Shape { method: Method::Get, root, path, body: BodyKind::None }
    }

    pub const fn post(root: &'static str, path: &'static str, body: BodyKind) -> Shape {
        Shape { method: Method::Post, root, path, body }
    }
}

/// A request body.
#[derive(Clone)]
pub enum Body {
    None,
    Graphql { query: &'static str, variables: Value },
    Form(Vec<(String, String)>),
    Json(Value),
}

impl Body {
    pub(super) fn content_type(&self) -> Option<&'static str> {
        match self {
            Body::None => None,
            Body::Graphql { .. } | Body::Json(_) => Some("application/json"),
            Body::Form(_) => Some("application/x-www-form-urlencoded; charset=utf-8"),
        }
    }

    /// The bytes sent.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Body::None => Vec::new(),
            Body::Graphql { query, variables } => {
                serde_json::to_vec(&serde_json::json!({"query": query, "variables": variables})).unwrap_or_default()
            }
            Body::Form(fields) => form_encode(fields).into_bytes(),
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
        }
    }
}

/// `application/x-www-form-urlencoded` encoding (RFC 3986 unreserved characters kept).
pub fn form_encode(fields: &[(String, String)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One request. Header values may hold secrets: `Debug` shows names only.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    /// The official API root, e.g. `https://api.github.com` (replaced by a configured
    /// endpoint when one is set for the provider).
    pub root: String,
    /// Path and query below the root, starting with `/`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Paths may carry a credential part (a bot token, an account SID): root only.
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        write!(f, "Request({} {} headers={names:?})", self.method.as_str(), self.root)
    }
}

impl Request {
    pub fn get(root: &str, path: &str) -> Request {
        Request { method: Method::Get, root: root.into(), path: path.into(), headers: Vec::new(), body: Body::None }
    }

    pub fn post(root: &str, path: &str, body: Body) -> Request {
        Request { method: Method::Post, root: root.into(), path: path.into(), headers: Vec::new(), body }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Request {
        self.header("Authorization", format!("Bearer {token}"))
    }

    pub fn basic(self, user: &str, password: &str) -> Request {
        let raw = format!("{user}:{password}");
        self.header("Authorization", format!("Basic {}", crate::scope::codec::b64_standard(raw.as_bytes())))
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }
}

/// Whether `root` (e.g. `https://acme.myshopify.com`) fits `pattern` (`https://*.myshopify.com`).
fn root_matches(pattern: &str, root: &str) -> bool {
    let (Some((ps, ph)), Some((rs, rh))) = (pattern.split_once("://"), root.split_once("://")) else {
        return false;
    };
    if ps != rs {
        return false;
    }
    let (ph, pp) = ph.split_once('/').unwrap_or((ph, ""));
    let (rh, rp) = rh.split_once('/').unwrap_or((rh, ""));
    if pp != rp {
        return false;
    }
    let plabels: Vec<&str> = ph.split('.').collect();
    let rlabels: Vec<&str> = rh.split('.').collect();
    plabels.len() == rlabels.len()
        && plabels.iter().zip(&rlabels).all(|(p, r)| {
            (*p == "*" && !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                || p.eq_ignore_ascii_case(r)
        })
}

/// Whether `path` fits `pattern`, segment by segment (`*` is one non-empty segment; a
/// trailing `*` segment may also hold a `:verb` suffix such as `:testIamPermissions`).
fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let r: Vec<&str> = path.split('/').collect();
    p.len() == r.len()
        && p.iter().zip(&r).all(|(p, r)| {
            if let Some(suffix) = p.strip_prefix('*') {
                r.len() > suffix.len() && r.ends_with(suffix) && !r.contains("..")
            } else {
                p == r
            }
        })
}

/// Whether a GraphQL document is a query: the first operation keyword is `query` or the
/// document starts with `{`, and no `mutation` or `subscription` appears anywhere.
pub fn is_graphql_query(document: &str) -> bool {
    let lower = document.to_ascii_lowercase();
    if lower.contains("mutation") || lower.contains("subscription") {
        return false;
    }
    let trimmed = lower.trim_start();
    trimmed.starts_with('{') || trimmed.starts_with("query")
}

/// Checks a request against the declared shapes and the fixed safety rules.
pub fn check_request(shapes: &[Shape], request: &Request) -> Result<(), ProbeError> {
    let path = request.path_only();
    if let Some(bad) = FORBIDDEN_PATHS.iter().find(|f| path.contains(*f)) {
        return Err(ProbeError::Refused(format!(
            "{} {}: forbidden endpoint ({bad})",
            request.method.as_str(),
            request.root
        )));
    }
    if path.contains("..") || !path.starts_with('/') {
        return Err(ProbeError::Refused("malformed path".into()));
    }
    match &request.body {
        Body::Graphql { query, .. } if !is_graphql_query(query) => {
            return Err(ProbeError::Refused("GraphQL document is not a query".into()));
        }
        _ => {}
    }
    shapes
        .iter()
        .find(|s| s.matches_except_body(request) && body_fits(s.body, &request.body))
        .ok_or_else(|| {
            ProbeError::Refused(format!(
                "{} {}: not a declared read-only request",
                request.method.as_str(),
                request.root
            ))
        })
        .map(|_| ())
}

impl Shape {
    /// Whether a request with this method and path (query allowed) fits the shape, its
    /// root aside (tests check what a fake server received against the declared shapes).
    pub fn matches_path(&self, method: &str, path: &str) -> bool {
        self.method.as_str() == method && path_matches(self.path, path.split('?').next().unwrap_or(""))
    }

    fn matches_except_body(&self, request: &Request) -> bool {
        self.method == request.method
            && root_matches(self.root, &request.root)
            && path_matches(self.path, request.path_only())
    }
}

/// The only fields a client-credentials grant may carry.
const CLIENT_CREDENTIALS_FIELDS: &[&str] = &["grant_type", "client_id", "client_secret", "scope", "audience"];

fn body_fits(kind: BodyKind, body: &Body) -> bool {
    match (kind, body) {
        (BodyKind::None, Body::None) => true,
        (BodyKind::GraphqlQuery, Body::Graphql { query, .. }) => is_graphql_query(query),
        (BodyKind::AwsQuery(actions), Body::Form(fields)) => {
            let action = fields.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.as_str());
            action.is_some_and(|a| actions.contains(&a)) && !fields.iter().any(|(k, _)| k == "grant_type")
        }
        (BodyKind::JwtBearerGrant, Body::Form(fields)) => {
            fields.len() == 2
                && fields.iter().any(|(k, v)| k == "grant_type" && v == "urn:ietf:params:oauth:grant-type:jwt-bearer")
                && fields.iter().any(|(k, _)| k == "assertion")
        }
        (BodyKind::JsonCheck, Body::Json(Value::Object(map))) => map.keys().all(|k| k == "permissions"),
        (BodyKind::JsonKeys(keys), Body::Json(Value::Object(map))) => map.keys().all(|k| keys.contains(&k.as_str())),
        (BodyKind::ClientCredentials, Body::Form(fields)) => {
            fields.iter().any(|(k, v)| k == "grant_type" && v == "client_credentials")
                && fields.iter().all(|(k, _)| CLIENT_CREDENTIALS_FIELDS.contains(&k.as_str()))
        }
        (BodyKind::SqlStatement(allowed), Body::Json(Value::Object(map))) => {
            map.get("statement").and_then(Value::as_str).is_some_and(|s| allowed.contains(&s))
                && map.keys().all(|k| matches!(k.as_str(), "statement" | "timeout"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPES: &[Shape] = &[
        Shape::get("https://api.example.com", "/user"),
        Shape::get("https://*.myshopify.com", "/admin/oauth/access_scopes.json"),
        Shape::post("https://backboard.example.com", "/graphql/v2", BodyKind::GraphqlQuery),
        Shape::post("https://sts.amazonaws.com", "/", BodyKind::AwsQuery(&["GetCallerIdentity"])),
        Shape::post("https://crm.example.com", "/v1/projects/*:testIamPermissions", BodyKind::JsonCheck),
    ];

    fn form(action: &str) -> Body {
        Body::Form(vec![("Action".into(), action.into()), ("Version".into(), "2011-06-15".into())])
    }

    #[test]
    fn only_declared_shapes_pass() {
        assert!(check_request(SHAPES, &Request::get("https://api.example.com", "/user?x=1")).is_ok());
        assert!(check_request(SHAPES, &Request::get("https://api.example.com", "/user/repos")).is_err());
        assert!(check_request(SHAPES, &Request::get("https://evil.example.com", "/user")).is_err());
        assert!(check_request(SHAPES, &Request::get("http://api.example.com", "/user")).is_err());
        assert!(check_request(SHAPES, &Request::post("https://api.example.com", "/user", Body::None)).is_err());
        let shop = Request::get("https://acme.myshopify.com", "/admin/oauth/access_scopes.json");
        assert!(check_request(SHAPES, &shop).is_ok());
        let nested = Request::get("https://a.b.myshopify.com", "/admin/oauth/access_scopes.json");
        assert!(check_request(SHAPES, &nested).is_err());
        let crm = Request::post(
            "https://crm.example.com",
            "/v1/projects/p-1:testIamPermissions",
            Body::Json(serde_json::json!({"permissions": []})),
        );
        assert!(check_request(SHAPES, &crm).is_ok());
    }

    #[test]
    fn mutations_and_unlisted_actions_are_refused() {
        let query = Body::Graphql { query: "query { me { id } }", variables: Value::Null };
        assert!(check_request(SHAPES, &Request::post("https://backboard.example.com", "/graphql/v2", query)).is_ok());
        let mutation = Body::Graphql { query: "mutation { volumeDelete(volumeId: \"x\") }", variables: Value::Null };
        let err = check_request(SHAPES, &Request::post("https://backboard.example.com", "/graphql/v2", mutation));
        assert!(matches!(err, Err(ProbeError::Refused(_))), "{err:?}");
        let sneaky = Body::Graphql { query: "query { a } mutation { b }", variables: Value::Null };
        assert!(check_request(SHAPES, &Request::post("https://backboard.example.com", "/graphql/v2", sneaky)).is_err());
        assert!(
            check_request(SHAPES, &Request::post("https://sts.amazonaws.com", "/", form("GetCallerIdentity"))).is_ok()
        );
        assert!(check_request(SHAPES, &Request::post("https://sts.amazonaws.com", "/", form("AssumeRole"))).is_err());
        assert!(
            check_request(SHAPES, &Request::post("https://sts.amazonaws.com", "/", form("GetSessionToken"))).is_err()
        );
    }

    #[test]
    fn forbidden_endpoints_are_refused_even_if_declared() {
        let shapes = [
            Shape::post("https://api.github.com", "/credentials/revoke", BodyKind::None),
            Shape::post("https://gitlab.com/api/v4", "/personal_access_tokens/self/rotate", BodyKind::None),
            Shape::post("https://slack.com/api", "/auth.revoke", BodyKind::None),
        ];
        for (root, path) in [
            ("https://api.github.com", "/credentials/revoke"),
            ("https://gitlab.com/api/v4", "/personal_access_tokens/self/rotate"),
            ("https://slack.com/api", "/auth.revoke"),
        ] {
            let err = check_request(&shapes, &Request::post(root, path, Body::None)).unwrap_err();
            assert!(err.to_string().contains("forbidden endpoint"), "{err}");
        }
    }
}
