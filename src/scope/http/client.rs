//! The HTTP client: one `ureq` agent for official roots (public addresses only, https
//! only) and one for endpoints the user configured; timeouts, retries honouring
//! `Retry-After`, a per-provider rate limit and a response size cap. Errors carry statuses
//! and kinds, never URLs, headers or bodies.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::endpoint::resolve_public;
use super::request::{Method, Request, Shape, check_request};

/// Retries after the first attempt, for 429, 5xx and network failures.
pub const MAX_RETRIES: u32 = 2;
/// Longest `Retry-After` honoured; a longer one ends the probe as rate-limited.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

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
    /// Hosts database probes may reach at private, loopback or link-local addresses
    /// (`--probe-allow-host`, the user's own config; never a scanned repository's).
    pub allow_hosts: Vec<String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            max_retries: MAX_RETRIES,
            max_body: 1 << 20,
            concurrency: 4,
            endpoints: HashMap::new(),
            allow_hosts: Vec::new(),
        }
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
    use crate::scope::http::{Request, Shape, check_request};

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
