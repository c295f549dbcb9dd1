//! The only HTTP client in keyreach. Every probe talks to its provider through a [`Session`],
//! and a session sends a request only if it fits one of the read-only [`Shape`]s the probe
//! declared: method, API root and path, and the kind of body.
//!
//! Guarantees, by construction:
//! - [`Method`] has no `DELETE`, `PUT` or `PATCH`; a `POST` needs a read-only body kind
//!   (a GraphQL `query`, an allow-listed AWS Query action, the OAuth JWT-bearer grant, a
//!   fixed JSON permission check, or none for Slack `auth.test`).
//! - A request goes to the provider's official API root, or to the endpoint the user
//!   configured for that provider (`--endpoint`). https only, except a configured loopback
//!   endpoint; redirects are never followed; official roots never resolve to private,
//!   loopback or link-local addresses; proxies from the environment are not used.
//! - The revoke, rotate, delete and mint endpoints of the providers reference are refused
//!   even if a probe declared them ([`FORBIDDEN_PATHS`]).
//! - Timeouts, at most [`MAX_RETRIES`] retries honouring `Retry-After`, a per-provider rate
//!   limit and a response size cap.
//! - A secret never appears in an error: errors carry statuses and kinds, never URLs,
//!   headers or bodies.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Retries after the first attempt, for 429, 5xx and network failures.
pub const MAX_RETRIES: u32 = 2;
/// Longest `Retry-After` honoured; a longer one ends the probe as rate-limited.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

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
    fn as_str(self) -> &'static str {
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
    fn content_type(&self) -> Option<&'static str> {
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
        self.header("Authorization", format!("Basic {}", crate::rules::validate::b64_standard(raw.as_bytes())))
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }
}

/// A response: status, lower-cased headers and a size-capped body. `Debug` shows the
/// status, header names and body length: a provider may echo the credential.
#[derive(Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.headers.keys().map(String::as_str).collect();
        names.sort_unstable();
        write!(f, "Response({} headers={names:?} body={} bytes)", self.status, self.body.len())
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The body as JSON; a non-JSON body (a WAF page, a proxy error) is unexpected.
    pub fn json(&self) -> Result<Value, ProbeError> {
        serde_json::from_slice(&self.body).map_err(|_| ProbeError::Unexpected("the response is not JSON".into()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The common mapping: 2xx passes; 401 means the provider rejects the credential; 403
    /// that it refuses this call; anything else is unexpected.
    pub fn ok(self) -> Result<Response, ProbeError> {
        match self.status {
            200..=299 => Ok(self),
            401 => Err(ProbeError::Unauthorized(format!("HTTP {}", self.status))),
            403 => Err(ProbeError::Forbidden(format!("HTTP {}", self.status))),
            300..=399 => Err(ProbeError::Unexpected(format!("redirect (HTTP {}) not followed", self.status))),
            s => Err(ProbeError::Unexpected(format!("HTTP {s}"))),
        }
    }
}

/// Why a probe could not say what a credential can do. Messages never contain secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The provider says the credential is revoked, invalid or expired.
    #[error("the provider rejected the credential ({0})")]
    Unauthorized(String),
    /// The provider accepted the credential but refused the introspection call.
    #[error("the provider refused the introspection call ({0})")]
    Forbidden(String),
    #[error("rate-limited by the provider{}", retry_after.map(|s| format!(" (retry after {s} s)")).unwrap_or_default())]
    RateLimited { retry_after: Option<u64> },
    #[error("the request timed out")]
    Timeout,
    #[error("network error: {0}")]
    Network(String),
    #[error("provider error (HTTP {0})")]
    Server(u16),
    #[error("unexpected response: {0}")]
    Unexpected(String),
    /// keyreach refused to send the request (not a declared read-only shape, forbidden
    /// path, mutation, disallowed host or scheme).
    #[error("request refused by keyreach: {0}")]
    Refused(String),
    /// The probe needs something it does not have (a companion part, a known host).
    #[error("not probed: {0}")]
    NotProbed(String),
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Per request, connect to last byte.
    pub timeout: Duration,
    pub max_retries: u32,
    /// Largest response body read, in bytes.
    pub max_body: usize,
    /// Probes running at once.
    pub concurrency: usize,
    /// Per provider, base URLs replacing its official API roots (`--endpoint`).
    pub endpoints: HashMap<String, String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            max_retries: MAX_RETRIES,
            max_body: 1 << 20,
            concurrency: 4,
            endpoints: HashMap::new(),
        }
    }
}

/// A configured endpoint that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("endpoint {0:?} is not an http(s) URL")]
    NotUrl(String),
    #[error("endpoint {0:?}: plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost)")]
    InsecureScheme(String),
    #[error("endpoint {0:?}: user information, query or fragment not allowed")]
    Extra(String),
}

/// Checks a configured endpoint: https, or http to loopback; no credentials or query in it.
pub fn check_endpoint(url: &str) -> Result<String, EndpointError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| EndpointError::NotUrl(url.into()))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(EndpointError::NotUrl(url.into()));
    }
    if rest.contains(['?', '#', '@']) {
        return Err(EndpointError::Extra(url.into()));
    }
    match scheme {
        "https" => {}
        "http" if is_loopback_host(host) => {}
        "http" => return Err(EndpointError::InsecureScheme(url.into())),
        _ => return Err(EndpointError::NotUrl(url.into())),
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(h, p)| if p.bytes().all(|b| b.is_ascii_digit()) { h } else { authority })
}

fn is_loopback_host(authority: &str) -> bool {
    let host = host_of(authority);
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Addresses an official API root must never resolve to: loopback, private, link-local,
/// unique-local, carrier-grade NAT, unspecified, multicast, documentation.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Resolves a host and refuses internal addresses (official roots only).
fn resolve_public(netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
    if addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "resolves to an internal address"));
    }
    Ok(addrs)
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

/// The HTTP client. Built only when the user asks for `--probe`.
pub struct Client {
    /// For official roots: resolves only to public addresses.
    public: ureq::Agent,
    /// For endpoints the user configured (may be loopback or private).
    configured: ureq::Agent,
    options: HttpOptions,
    next_slot: Mutex<HashMap<String, Instant>>,
}

impl Client {
    pub fn new(options: HttpOptions) -> Client {
        let builder = || {
            ureq::AgentBuilder::new()
                .timeout(options.timeout)
                .redirects(0)
                .user_agent(concat!("keyreach/", env!("CARGO_PKG_VERSION"), " (read-only scope probe)"))
                .max_idle_connections(8)
        };
        Client {
            public: builder().https_only(true).resolver(resolve_public).build(),
            configured: builder().build(),
            options,
            next_slot: Mutex::new(HashMap::new()),
        }
    }

    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// The host (and port) requests for `root` reach: the configured endpoint's, else the
    /// root's. Signed requests (AWS SigV4, Azure Shared Key) sign this.
    pub fn host_for(&self, provider: &str, root: &str) -> String {
        let url = self.options.endpoints.get(provider).map_or(root, String::as_str);
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        rest.split('/').next().unwrap_or("").to_string()
    }

    /// The URL a request goes to, and whether it is a configured endpoint.
    fn target(&self, provider: &str, request: &Request) -> Result<(String, bool), ProbeError> {
        match self.options.endpoints.get(provider) {
            Some(base) => Ok((format!("{base}{}", request.path), true)),
            None if request.root.starts_with("https://") => Ok((format!("{}{}", request.root, request.path), false)),
            None => Err(ProbeError::Refused("official roots are https only".into())),
        }
    }

    /// Sends `request` for `provider` if it fits `shapes`, with rate limit and retries.
    pub fn send(&self, provider: &str, shapes: &[Shape], rate: f64, request: &Request) -> Result<Response, ProbeError> {
        check_request(shapes, request)?;
        let (url, configured) = self.target(provider, request)?;
        let mut attempt = 0;
        loop {
            self.wait_turn(provider, rate);
            let result = self.send_once(&url, configured, request);
            let retry_after = match &result {
                Ok(r) if r.status == 429 => {
                    let after = r.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
                    match after {
                        Some(s) if Duration::from_secs(s) > MAX_RETRY_AFTER => {
                            return Err(ProbeError::RateLimited { retry_after: Some(s) });
                        }
                        Some(s) => Duration::from_secs(s),
                        None => backoff(attempt),
                    }
                }
                Ok(r) if r.status >= 500 => backoff(attempt),
                Ok(_) => return result,
                Err(ProbeError::Timeout | ProbeError::Network(_)) => backoff(attempt),
                Err(_) => return result,
            };
            if attempt >= self.options.max_retries {
                return match result {
                    Ok(r) if r.status == 429 => Err(ProbeError::RateLimited {
                        retry_after: r.header("retry-after").and_then(|v| v.trim().parse().ok()),
                    }),
                    Ok(r) => Err(ProbeError::Server(r.status)),
                    other => other,
                };
            }
            attempt += 1;
            std::thread::sleep(retry_after);
        }
    }

    fn send_once(&self, url: &str, configured: bool, request: &Request) -> Result<Response, ProbeError> {
        let agent = if configured { &self.configured } else { &self.public };
        let mut call = agent.request(request.method.as_str(), url);
        for (name, value) in &request.headers {
            call = call.set(name, value);
        }
        if let Some(ct) = request.body.content_type() {
            call = call.set("Content-Type", ct);
        }
        let result = match request.method {
            Method::Get => call.call(),
            Method::Post => call.send_bytes(&request.body.bytes()),
        };
        let response = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(transport_error(&t)),
        };
        self.read(response)
    }

    fn read(&self, response: ureq::Response) -> Result<Response, ProbeError> {
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|n| response.header(&n).map(|v| (n.to_ascii_lowercase(), v.to_string())))
            .collect();
        let cap = self.options.max_body;
        let mut body = Vec::new();
        response.into_reader().take(cap as u64 + 1).read_to_end(&mut body).map_err(|e| io_error(&e))?;
        if body.len() > cap {
            return Err(ProbeError::Unexpected(format!("response larger than {cap} bytes")));
        }
        Ok(Response { status, headers, body })
    }

    /// Waits until `provider` may be called again (at most `rate` requests a second).
    fn wait_turn(&self, provider: &str, rate: f64) {
        let spacing = Duration::from_secs_f64(1.0 / rate.max(0.01));
        let wait = {
            let mut slots = self.next_slot.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = slots.get(provider).copied().filter(|s| *s > now).unwrap_or(now);
            slots.insert(provider.to_string(), slot + spacing);
            slot.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * (1 << attempt.min(4)))
}

fn io_error(e: &std::io::Error) -> ProbeError {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ProbeError::Timeout,
        kind => ProbeError::Network(format!("{kind}")),
    }
}

/// A transport error without its URL (which may hold a secret in a query or path).
fn transport_error(t: &ureq::Transport) -> ProbeError {
    use std::error::Error as _;
    let timed_out = t
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .is_some_and(|io| matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock));
    if timed_out {
        return ProbeError::Timeout;
    }
    let what = match t.kind() {
        ureq::ErrorKind::Dns => "name resolution failed or resolved to an internal address",
        ureq::ErrorKind::ConnectionFailed => "connection failed",
        ureq::ErrorKind::InsecureRequestHttpsOnly => "refused plain http",
        ureq::ErrorKind::TooManyRedirects => "redirect not followed",
        ureq::ErrorKind::BadStatus | ureq::ErrorKind::BadHeader | ureq::ErrorKind::HTTP => "malformed HTTP response",
        _ => "I/O error",
    };
    if matches!(t.kind(), ureq::ErrorKind::Io) && t.to_string().to_ascii_lowercase().contains("timed out") {
        return ProbeError::Timeout;
    }
    ProbeError::Network(what.into())
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

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        assert_eq!(check_endpoint("https://ghe.example.com/api/v3/").unwrap(), "https://ghe.example.com/api/v3");
        assert!(check_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(check_endpoint("http://[::1]:8080").is_ok());
        assert!(check_endpoint("http://localhost:1").is_ok());
        assert_eq!(
            check_endpoint("http://evil.example.com").unwrap_err(),
            EndpointError::InsecureScheme("http://evil.example.com".into())
        );
        assert!(check_endpoint("http://127.0.0.1.evil.example.com").is_err());
        assert!(check_endpoint("ftp://x").is_err());
        assert!(check_endpoint("https://user:pw@x.example.com").is_err());
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1"] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["140.82.112.6", "2606:4700::6810:84e5"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
        let err = resolve_public("127.0.0.1:443").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    }

    #[test]
    fn official_roots_never_go_to_loopback() {
        // An official root resolving to loopback is refused by the resolver, before connecting.
        let client = Client::new(HttpOptions { max_retries: 0, ..HttpOptions::default() });
        let shapes = [Shape::get("https://localhost", "/x")];
        let err = client.send("t", &shapes, 100.0, &Request::get("https://localhost", "/x")).unwrap_err();
        assert_eq!(err, ProbeError::Network("name resolution failed or resolved to an internal address".into()));
    }

    #[test]
    fn errors_never_carry_urls() {
        let client = Client::new(HttpOptions { max_retries: 0, ..HttpOptions::default() });
        let shapes = [Shape::get("https://localhost", "/*")];
        let err = client.send("t", &shapes, 100.0, &Request::get("https://localhost", "/botSECRETVALUE")).unwrap_err();
        assert!(matches!(err, ProbeError::Network(_)) && !err.to_string().contains("SECRETVALUE"), "{err}");
        let err =
            client.send("t", &shapes, 100.0, &Request::get("https://localhost", "/x/botSECRETVALUE")).unwrap_err();
        assert!(matches!(err, ProbeError::Refused(_)) && !err.to_string().contains("SECRETVALUE"), "{err}");
        let err = check_request(&shapes, &Request::get("https://localhost", "/revoke?t=SECRETVALUE")).unwrap_err();
        assert!(!err.to_string().contains("SECRETVALUE"), "{err}");
    }
}
