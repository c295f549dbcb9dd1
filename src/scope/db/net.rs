//! The only sockets the database probes open. A host is resolved once; the addresses it
//! resolved to are checked (loopback, private, link-local, carrier-grade NAT, unique-local
//! and cloud metadata addresses are refused unless the user allowed that host); the
//! connection goes to exactly a checked address, never through a second lookup. Every read
//! and write has a timeout and the whole conversation a deadline and a byte budget. TLS is
//! rustls, with the host name as SNI and for certificate checks.
//!
//! Errors name the host and the cause only, never a URL (it may carry the password).

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme, StreamOwned};

use crate::scope::http::ProbeError;

pub use super::address::{allowed, internal_kind};

/// Most bytes one database conversation may read (a role with thousands of grants still
/// fits; a server streaming without end does not).
pub const MAX_READ: usize = 8 << 20;

/// Where and how long a database probe may connect.
#[derive(Debug, Clone)]
pub struct NetOptions {
    /// Per connect, read and write.
    pub timeout: Duration,
    /// Hosts the user allowed at internal addresses (`--probe-allow-host`, the user's own
    /// config): a name, an IP address or a CIDR block. Never taken from a scanned file.
    pub allow_hosts: Vec<String>,
}

/// Resolves `host` once and keeps the addresses keyreach may contact. A name resolving to
/// any internal address is refused as a whole (a public name pointing inside is a rebinding
/// trick as often as a mistake) unless the user allowed it.
pub fn resolve(host: &str, port: u16, options: &NetOptions) -> Result<Vec<SocketAddr>, ProbeError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.is_empty() {
        return Err(ProbeError::NotProbed("the credential names no host".into()));
    }
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            if !bare.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) {
                return Err(ProbeError::NotProbed("the host name has characters no host name has".into()));
            }
            (bare, port)
                .to_socket_addrs()
                .map_err(|_| ProbeError::Network(format!("{bare}: name resolution failed")))?
                .collect()
        }
    };
    if addrs.is_empty() {
        return Err(ProbeError::Network(format!("{bare}: name resolution found no address")));
    }
    for addr in &addrs {
        if let Some(kind) = internal_kind(addr.ip()) {
            if !allowed(bare, addr.ip(), &options.allow_hosts) {
                let what =
                    if bare.parse::<IpAddr>().is_ok() { kind.to_string() } else { format!("{} ({kind})", addr.ip()) };
                return Err(ProbeError::NotProbed(format!(
                    "{bare} is {what}; database probes connect only to public hosts unless you allow one \
(--probe-allow-host {bare})"
                )));
            }
        }
    }
    Ok(addrs)
}

/// Shows at most 64 printable characters of a name (never a whole URL).
fn shown(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// How much a TLS connection checks the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// The certificate chains to a public root (webpki roots) and names the host.
    Full,
    /// Encrypted, but any certificate is accepted (PostgreSQL `sslmode=require`/`prefer`,
    /// MySQL's `PREFERRED`, `tlsInsecure`): what the application itself does.
    EncryptOnly,
}

/// What a credential's URL asks of TLS: libpq's `sslmode`, MySQL's `ssl-mode`, `ssl`, `tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disabled,
    /// TLS if the server offers it, any certificate (libpq's and the `mysql` client's default).
    Preferred,
    Required,
    /// The certificate must chain to a public root and name the host.
    Verify,
}

impl TlsMode {
    /// A MySQL/MariaDB URL parameter's value (`ssl-mode=REQUIRED`, `ssl=true`, `tls=skip-verify`, ...).
    pub fn parse(value: &str) -> Option<TlsMode> {
        Some(match value.to_ascii_lowercase().replace('-', "_").as_str() {
            "disabled" | "disable" | "false" | "0" => TlsMode::Disabled,
            "preferred" | "prefer" => TlsMode::Preferred,
            "required" | "require" | "true" | "1" | "skip_verify" | "accept_invalid_certs" => TlsMode::Required,
            "verify_ca" | "verify_identity" | "strict" => TlsMode::Verify,
            _ => return None,
        })
    }

    /// libpq's `sslmode` (`allow` counts as `prefer`; `verify-ca` as `verify-full`).
    pub fn from_sslmode(text: &str) -> Option<TlsMode> {
        Some(match text {
            "disable" => TlsMode::Disabled,
            "allow" | "prefer" => TlsMode::Preferred,
            "require" => TlsMode::Required,
            "verify-ca" | "verify-full" => TlsMode::Verify,
            _ => return None,
        })
    }

    /// The TLS to start once the server said whether it offers it; `None` for plain text,
    /// `Err` naming the cause when the URL requires TLS the server does not offer.
    pub fn on_offer(self, offered: bool, host: &str) -> Result<Option<Verify>, ProbeError> {
        match (self, offered) {
            (TlsMode::Disabled, _) | (TlsMode::Preferred, false) => Ok(None),
            (TlsMode::Preferred | TlsMode::Required, true) => Ok(Some(Verify::EncryptOnly)),
            (TlsMode::Verify, true) => Ok(Some(Verify::Full)),
            (_, false) => {
                Err(ProbeError::Network(format!("{host}: the server does not offer TLS, which the URL requires")))
            }
        }
    }
}

/// A connection: plain TCP or rustls over it, with a deadline and a read budget.
pub struct Stream {
    inner: Inner,
    host: String,
    timeout: Duration,
    deadline: Instant,
    read: usize,
}

enum Inner {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Closed,
}

impl Stream {
    /// Connects to the first of `addrs` that answers (all were checked by [`resolve`]).
    pub fn connect(host: &str, addrs: &[SocketAddr], timeout: Duration) -> Result<Stream, ProbeError> {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let mut last = ProbeError::Network(format!("{host}: no address to connect to"));
        for addr in addrs {
            match TcpStream::connect_timeout(addr, timeout) {
                Ok(tcp) => {
                    tcp.set_read_timeout(Some(timeout)).ok();
                    tcp.set_write_timeout(Some(timeout)).ok();
                    tcp.set_nodelay(true).ok();
                    return Ok(Stream {
                        inner: Inner::Plain(tcp),
                        host,
                        timeout,
                        deadline: Instant::now() + timeout * 3,
                        read: 0,
                    });
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                    last = ProbeError::Timeout;
                }
                Err(e) => last = ProbeError::Network(format!("{host}: connection failed ({})", e.kind())),
            }
        }
        Err(last)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn is_tls(&self) -> bool {
        matches!(self.inner, Inner::Tls(_))
    }

    /// Starts TLS on the connection (right away, or after the protocol's TLS request).
    pub fn start_tls(&mut self, verify: Verify) -> Result<(), ProbeError> {
        let Inner::Plain(tcp) = std::mem::replace(&mut self.inner, Inner::Closed) else {
            return Err(ProbeError::Unexpected("TLS started twice".into()));
        };
        let name = ServerName::try_from(self.host.clone())
            .map_err(|_| ProbeError::NotProbed(format!("{}: not a valid TLS server name", self.host)))?;
        let conn = ClientConnection::new(tls_config(verify), name)
            .map_err(|e| ProbeError::Network(format!("{}: TLS setup failed ({e})", self.host)))?;
        let mut tls = StreamOwned::new(conn, tcp);
        // Finish the handshake now, so a certificate problem is reported as such.
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock).map_err(|e| self.tls_error(&e))?;
        }
        self.inner = Inner::Tls(Box::new(tls));
        Ok(())
    }

    fn tls_error(&self, e: &io::Error) -> ProbeError {
        if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) {
            return ProbeError::Timeout;
        }
        let cause = e.get_ref().map(|inner| inner.to_string()).unwrap_or_else(|| e.kind().to_string());
        ProbeError::Network(format!("{}: TLS handshake failed ({})", self.host, shown(&cause)))
    }

    /// Maps an I/O error of this connection to a probe error naming the host.
    pub fn error(&self, e: &io::Error) -> ProbeError {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ProbeError::Timeout,
            io::ErrorKind::UnexpectedEof => {
                ProbeError::Network(format!("{}: the server closed the connection", self.host))
            }
            io::ErrorKind::OutOfMemory => {
                ProbeError::Unexpected(format!("{}: answer larger than {MAX_READ} bytes", self.host))
            }
            kind => ProbeError::Network(format!("{}: {kind}", self.host)),
        }
    }

    fn socket(&self) -> Option<&TcpStream> {
        match &self.inner {
            Inner::Plain(tcp) => Some(tcp),
            Inner::Tls(tls) => Some(&tls.sock),
            Inner::Closed => None,
        }
    }

    fn arm(&self) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline"));
        }
        if let Some(tcp) = self.socket() {
            tcp.set_read_timeout(Some(left.min(self.timeout)))?;
        }
        Ok(())
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        if self.read >= MAX_READ {
            return Err(io::Error::new(io::ErrorKind::OutOfMemory, "read budget"));
        }
        let n = match &mut self.inner {
            Inner::Plain(tcp) => tcp.read(buf)?,
            Inner::Tls(tls) => tls.read(buf)?,
            Inner::Closed => return Err(io::ErrorKind::NotConnected.into()),
        };
        self.read += n;
        Ok(n)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(tcp) => tcp.write(buf),
            Inner::Tls(tls) => tls.write(buf),
            Inner::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(tcp) => tcp.flush(),
            Inner::Tls(tls) => tls.flush(),
            Inner::Closed => Ok(()),
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Inner::Tls(tls) = &mut self.inner {
            tls.conn.send_close_notify();
            let _ = tls.conn.complete_io(&mut tls.sock);
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_config(verify: Verify) -> Arc<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions");
    let config = match verify {
        Verify::Full => {
            let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Verify::EncryptOnly => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider())))
            .with_no_client_auth(),
    };
    Arc::new(config)
}

/// Accepts any certificate but still checks the handshake signatures: encryption without
/// authentication, as PostgreSQL's `sslmode=require` does.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(allow: &[&str]) -> NetOptions {
        NetOptions { timeout: Duration::from_secs(1), allow_hosts: allow.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn internal_addresses_have_a_reason() {
        for (ip, why) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.20.0.1", "private"),
            ("192.168.0.10", "private"),
            ("169.254.169.254", "metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "carrier-grade"),
            ("100.100.100.200", "metadata"),
            ("168.63.129.16", "metadata"),
            ("0.0.0.0", "unspecified"),
            ("::1", "loopback"),
            ("fd00::1", "unique-local"),
            ("fd00:ec2::254", "metadata"),
            ("fe80::1", "link-local"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::a00:1", "private"),
        ] {
            let kind = internal_kind(ip.parse().unwrap()).unwrap_or_else(|| panic!("{ip} is internal"));
            assert!(kind.contains(why), "{ip}: {kind}");
        }
        for ip in ["140.82.112.6", "8.8.8.8", "2606:4700::6810:84e5", "100.128.0.1"] {
            assert_eq!(internal_kind(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn private_hosts_are_refused_unless_allowed() {
        let err = resolve("127.0.0.1", 5432, &opts(&[])).unwrap_err();
        assert!(
            matches!(&err, ProbeError::NotProbed(why) if why.contains("loopback") && why.contains("--probe-allow-host 127.0.0.1")),
            "{err}"
        );
        let err = resolve("localhost", 5432, &opts(&[])).unwrap_err();
        assert!(
            err.to_string().contains("localhost is 127.0.0.1 (a loopback address)") || err.to_string().contains("::1"),
            "{err}"
        );
        assert!(resolve("127.0.0.1", 5432, &opts(&["127.0.0.1"])).is_ok());
        assert!(resolve("localhost", 5432, &opts(&["LOCALHOST"])).is_ok());
        assert!(resolve("10.0.0.7", 5432, &opts(&["10.0.0.0/8"])).is_ok());
        assert!(resolve("10.0.0.7", 5432, &opts(&["10.0.0.0/16", "10.0.1.7"])).is_ok());
        assert!(resolve("10.2.0.7", 5432, &opts(&["10.0.0.0/16"])).is_err());
        // A metadata address is allowed only by naming it: not by a block, not by a name.
        assert!(resolve("169.254.169.254", 80, &opts(&["169.254.0.0/16"])).is_err());
        assert!(resolve("169.254.169.254", 80, &opts(&["169.254.169.254"])).is_ok());
    }

    #[test]
    fn allow_entries_match_names_addresses_and_blocks() {
        let ip: IpAddr = "10.0.3.14".parse().unwrap();
        assert!(allowed("db.internal", ip, &["db.internal".into()]));
        assert!(allowed("DB.Internal.", ip, &["db.internal".into()]));
        assert!(!allowed("db.internal.evil.example", ip, &["db.internal".into()]));
        assert!(!allowed("db.internal", ip, &["".into(), "other".into()]));
        assert!(allowed("anything", ip, &["10.0.3.14".into()]));
        assert!(allowed("anything", ip, &["10.0.0.0/22".into()]));
        assert!(!allowed("anything", ip, &["10.0.4.0/24".into()]));
        assert!(allowed("x", "::ffff:10.0.3.14".parse().unwrap(), &["10.0.3.14".into()]));
    }

    #[test]
    fn host_names_with_odd_bytes_are_not_resolved() {
        let err = resolve("db.example.com/x?password=y", 5432, &opts(&[])).unwrap_err();
        assert!(matches!(err, ProbeError::NotProbed(_)), "{err}");
    }
}
