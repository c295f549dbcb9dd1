//! Fake provider servers on 127.0.0.1 for the probe tests: a small HTTP/1.1 server that
//! records every request, answers with a handler, and springs **traps**: a revoke, rotate,
//! delete or mint endpoint, a GraphQL mutation, a non-read AWS action or a method other
//! than GET/POST is answered 418 and recorded, and [`Fake::assert_clean`] fails the test.
//!
//! A reply can carry a network [`Fault`] (a reset mid-body, a stall, a drip-fed or endless
//! body); a TLS client is answered in plain HTTP, as a misconfigured endpoint would.

pub mod mongo;
pub mod more;
pub mod providers;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// Form field `name` of a urlencoded body.
    pub fn form(&self, name: &str) -> Option<String> {
        self.body_text().split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| decode(v))
        })
    }
}

/// Percent-decoding for form fields and queries.
pub fn decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub fault: Fault,
}

/// How the connection misbehaves while answering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fault {
    #[default]
    None,
    /// Headers and half the body, then a TCP reset.
    ResetMidBody,
    /// Reads the request, then says nothing for this long and closes.
    Stall(Duration),
    /// Headers at once, then one body byte every interval.
    Drip(Duration),
    /// A body without a length that never ends (until the client hangs up).
    Endless,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::raw(status, "application/json", body.to_string())
    }

    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            fault: Fault::None,
        }
    }

    pub fn fault(mut self, fault: Fault) -> Reply {
        self.fault = fault;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn slow(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// Why a request is a trap, if it is one.
pub fn trap(req: &Req) -> Option<String> {
    if req.method != "GET" && req.method != "POST" {
        return Some(format!("{} {}", req.method, req.path_only()));
    }
    let path = req.path_only().to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "revoke",
        "rotate",
        "regenerate",
        "delete",
        "disclose-token",
        "uninstall",
        "api_permissions",
        "/access_tokens",
        "oauth.v2.access",
        "/api_key",
        "/deploys",
        "/messages",
        "/mail/send",
        "/database/query",
        "/pause",
        "/restart",
        "/exec",
    ];
    if let Some(w) = WORDS.iter().find(|w| path.contains(*w)) {
        return Some(format!("{} {} ({w})", req.method, req.path_only()));
    }
    let body = req.body_text().to_ascii_lowercase();
    if body.contains("mutation") || body.contains("subscription") {
        return Some("GraphQL mutation or subscription".into());
    }
    if let Some(action) = req.form("Action") {
        const READS: &[&str] = &[
            "GetCallerIdentity",
            "GetUser",
            "SimulatePrincipalPolicy",
            "ListAttachedUserPolicies",
            "ListAttachedRolePolicies",
            "ListAccountAliases",
        ];
        if !READS.contains(&action.as_str()) {
            return Some(format!("AWS action {action}"));
        }
    }
    // Only grants that mint a short-lived token for the credential itself: never a refresh,
    // password, code or token exchange.
    if req
        .form("grant_type")
        .is_some_and(|g| g != "urn:ietf:params:oauth:grant-type:jwt-bearer" && g != "client_credentials")
    {
        return Some("OAuth grant other than jwt-bearer or client_credentials (refresh?)".into());
    }
    const NEVER: &[&str] =
        &["renew", "unwrap", "logout", "/close", "setwebhook", "deletewebhook", "getupdates", "authentication-token"];
    if let Some(w) = NEVER.iter().find(|w| path.contains(*w)) {
        return Some(format!("{} {} ({w})", req.method, req.path_only()));
    }
    None
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

/// A running fake server.
pub struct Fake {
    port: u16,
    log: Arc<Mutex<Vec<Req>>>,
    traps: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Fake {
    pub fn start(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let traps = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (l, t, s) = (log.clone(), traps.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (l, t, h) = (l.clone(), t.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &l, &t, h.as_ref()));
            }
        });
        Fake { port, log, traps, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    pub fn trapped(&self) -> Vec<String> {
        self.traps.lock().unwrap().clone()
    }

    /// Fails the test if any trap was sprung.
    pub fn assert_clean(&self) {
        let traps = self.trapped();
        assert!(traps.is_empty(), "a probe called a forbidden endpoint: {traps:?}");
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Req>>, traps: &Mutex<Vec<String>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // A TLS ClientHello (record type 22): this server only speaks plain HTTP.
    let mut first = [0u8; 1];
    if stream.peek(&mut first).is_ok_and(|n| n == 1) && first[0] == 0x16 {
        log.lock().unwrap().push(Req { method: "TLS".into(), path: String::new(), headers: vec![], body: vec![] });
        let mut out = &stream;
        let _ = out.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    let _ = reader.read_exact(&mut body);
    let req = Req { method, path, headers, body };
    log.lock().unwrap().push(req.clone());
    let reply = match trap(&req) {
        Some(reason) => {
            traps.lock().unwrap().push(reason);
            Reply::raw(418, "text/plain", "trap: this endpoint must never be called")
        }
        None => handler(&req),
    };
    std::thread::sleep(reply.delay);
    let mut out = stream;
    if let Fault::Stall(d) = reply.fault {
        std::thread::sleep(d);
        return;
    }
    let length = match reply.fault {
        Fault::Endless => String::new(),
        _ => format!("Content-Length: {}\r\n", reply.body.len()),
    };
    let mut head = format!("HTTP/1.1 {} X\r\n{length}Connection: close\r\n", reply.status);
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    match reply.fault {
        Fault::ResetMidBody => {
            let _ = out.write_all(&reply.body[..reply.body.len() / 2]);
            let _ = out.flush();
            reset(&out);
        }
        Fault::Drip(every) => {
            for b in &reply.body {
                if out.write_all(&[*b]).and_then(|_| out.flush()).is_err() {
                    return;
                }
                std::thread::sleep(every);
            }
        }
        Fault::Endless => {
            let block = vec![b' '; 64 * 1024];
            while out.write_all(&block).is_ok() {}
        }
        Fault::None | Fault::Stall(_) => {
            let _ = out.write_all(&reply.body);
            let _ = out.flush();
        }
    }
}

/// Closes `stream` with a TCP reset (SO_LINGER zero) instead of an orderly FIN.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket and a properly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Sends a raw request (tests of the trap machinery itself).
pub fn raw_request(url: &str, request: &str) {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
}
