//! A PostgreSQL client for probes: TLS negotiation (`SSLRequest`), the startup message with
//! `default_transaction_read_only=on`, SCRAM-SHA-256 or MD5 login (clear text only over
//! TLS), and simple queries whose rows come back as text. Messages are encoded and parsed
//! by `postgres-protocol`, the codec of the `postgres` crate; the crate itself is not used
//! because it resolves the host on its own and its extended-protocol queries prepare
//! statements and look up unknown types with queries of its own.
//!
//! Protocol: <https://www.postgresql.org/docs/current/protocol-flow.html>.

use std::io::{Read, Write};

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::sasl::{ChannelBinding, SCRAM_SHA_256, ScramSha256};
use postgres_protocol::message::backend::{ErrorResponseBody, Message};
use postgres_protocol::message::frontend;

use super::{Dialer, Sent, Stream, TlsMode, check};
use crate::scope::http::ProbeError;

/// The startup `options` every probe session carries: nothing in it can write.
pub const READ_ONLY_OPTIONS: &str = "-c default_transaction_read_only=on";

/// What to log in with.
pub struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    pub database: &'a str,
    pub ssl: TlsMode,
}

/// A logged-in session.
pub struct Session {
    stream: Stream,
    declared: &'static [super::Statement],
    buf: BytesMut,
    /// `server_version` as the server reported it at login.
    pub server_version: Option<String>,
}

/// One row of a simple query: each column as text, `None` for NULL.
pub type Row = Vec<Option<String>>;

impl Session {
    pub fn connect(dialer: &Dialer, login: &Login<'_>) -> Result<Session, ProbeError> {
        let stream = dialer.connect(login.host, login.port)?;
        let mut session = Session { stream, declared: dialer.declared, buf: BytesMut::new(), server_version: None };
        session.negotiate_tls(login.ssl)?;
        session.startup(login)?;
        Ok(session)
    }

    fn host(&self) -> String {
        self.stream.host().to_string()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), ProbeError> {
        self.stream.write_all(bytes).and_then(|()| self.stream.flush()).map_err(|e| self.stream.error(&e))
    }

    fn negotiate_tls(&mut self, mode: TlsMode) -> Result<(), ProbeError> {
        if mode == TlsMode::Disabled {
            return Ok(());
        }
        let mut buf = BytesMut::new();
        frontend::ssl_request(&mut buf);
        self.write(&buf)?;
        let mut answer = [0u8; 1];
        self.stream.read_exact(&mut answer).map_err(|e| self.stream.error(&e))?;
        let offered = match answer[0] {
            b'S' => true,
            b'N' => false,
            _ => return Err(ProbeError::Unexpected(format!("{}: not a PostgreSQL server", self.host()))),
        };
        match mode.on_offer(offered, &self.host())? {
            Some(verify) => self.stream.start_tls(verify),
            None => Ok(()),
        }
    }

    fn startup(&mut self, login: &Login<'_>) -> Result<(), ProbeError> {
        let mut buf = BytesMut::new();
        let params = [
            ("user", login.user),
            ("database", login.database),
            ("options", READ_ONLY_OPTIONS),
            ("application_name", "keyreach (read-only probe)"),
            ("client_encoding", "UTF8"),
        ];
        frontend::startup_message(params.iter().copied(), &mut buf).map_err(|_| self.malformed("startup"))?;
        self.write(&buf)?;
        let mut scram: Option<ScramSha256> = None;
        loop {
            match self.next()? {
                Message::AuthenticationOk => {}
                Message::AuthenticationCleartextPassword => {
                    if !self.stream.is_tls() {
                        return Err(ProbeError::Refused(format!(
                            "{}: the server asks for the password in clear text over an unencrypted connection",
                            self.host()
                        )));
                    }
                    self.send_login(|b| frontend::password_message(login.password.as_bytes(), b))?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let hash = postgres_protocol::authentication::md5_hash(
                        login.user.as_bytes(),
                        login.password.as_bytes(),
                        body.salt(),
                    );
                    self.send_login(|b| frontend::password_message(hash.as_bytes(), b))?;
                }
                Message::AuthenticationSasl(body) => {
                    let mut mechanisms = body.mechanisms();
                    let mut offered = false;
                    while let Ok(Some(m)) = mechanisms.next() {
                        offered |= m == SCRAM_SHA_256;
                    }
                    if !offered {
                        return Err(ProbeError::NotProbed(format!(
                            "{}: the server offers no SCRAM-SHA-256 login",
                            self.host()
                        )));
                    }
                    let s = ScramSha256::new(login.password.as_bytes(), ChannelBinding::unsupported());
                    self.send_login(|b| frontend::sasl_initial_response(SCRAM_SHA_256, s.message(), b))?;
                    scram = Some(s);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let s = scram.as_mut().ok_or_else(|| self.malformed("SASL"))?;
                    s.update(body.data()).map_err(|_| self.malformed("SCRAM"))?;
                    let message = s.message().to_vec();
                    self.send_login(|b| frontend::sasl_response(&message, b))?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    let s = scram.as_mut().ok_or_else(|| self.malformed("SASL"))?;
                    s.finish(body.data()).map_err(|_| {
                        ProbeError::Unexpected(format!("{}: the server's SCRAM signature is wrong", self.stream.host()))
                    })?;
                }
                Message::ParameterStatus(p) => {
                    if p.name().ok() == Some("server_version") {
                        self.server_version = p.value().ok().map(str::to_string);
                    }
                }
                Message::BackendKeyData(_) | Message::NoticeResponse(_) => {}
                Message::ReadyForQuery(_) => return Ok(()),
                Message::ErrorResponse(body) => return Err(self.server_error(&body, true)),
                Message::AuthenticationGss
                | Message::AuthenticationKerberosV5
                | Message::AuthenticationSspi
                | Message::AuthenticationScmCredential
                | Message::AuthenticationGssContinue(_) => {
                    return Err(ProbeError::NotProbed(format!(
                        "{}: the server wants a login other than a password",
                        self.host()
                    )));
                }
                _ => return Err(self.malformed("login")),
            }
        }
    }

    fn send_login(&mut self, encode: impl FnOnce(&mut BytesMut) -> std::io::Result<()>) -> Result<(), ProbeError> {
        let mut buf = BytesMut::new();
        encode(&mut buf).map_err(|_| self.malformed("login"))?;
        self.write(&buf)
    }

    /// Runs one declared statement as a simple query; its rows as text.
    pub fn query(&mut self, sql: &str) -> Result<Vec<Row>, ProbeError> {
        check(self.declared, &Sent::Postgres(sql))?;
        let mut buf = BytesMut::new();
        frontend::query(sql, &mut buf).map_err(|_| self.malformed("query"))?;
        self.write(&buf)?;
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            match self.next()? {
                Message::RowDescription(_) | Message::CommandComplete(_) | Message::EmptyQueryResponse => {}
                Message::NoticeResponse(_) | Message::ParameterStatus(_) => {}
                Message::DataRow(body) => {
                    let data = body.buffer();
                    let mut ranges = body.ranges();
                    let mut row = Vec::new();
                    while let Some(range) = ranges.next().map_err(|_| self.malformed("row"))? {
                        row.push(range.map(|r| String::from_utf8_lossy(&data[r]).into_owned()));
                    }
                    rows.push(row);
                }
                Message::ErrorResponse(body) => error = Some(self.server_error(&body, false)),
                Message::ReadyForQuery(_) => break,
                _ => return Err(self.malformed("query answer")),
            }
        }
        match error {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }

    /// Ends the session (`Terminate`).
    pub fn close(mut self) {
        let mut buf = BytesMut::new();
        frontend::terminate(&mut buf);
        let _ = self.write(&buf);
    }

    fn next(&mut self) -> Result<Message, ProbeError> {
        loop {
            match Message::parse(&mut self.buf) {
                Ok(Some(message)) => return Ok(message),
                Ok(None) => {}
                Err(_) => return Err(self.malformed("message")),
            }
            let mut chunk = [0u8; 8192];
            let n = self.stream.read(&mut chunk).map_err(|e| self.stream.error(&e))?;
            if n == 0 {
                return Err(ProbeError::Network(format!("{}: the server closed the connection", self.host())));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn malformed(&self, what: &str) -> ProbeError {
        ProbeError::Unexpected(format!("{}: malformed PostgreSQL {what} message", self.stream.host()))
    }

    /// An `ErrorResponse` as a probe error: bad credentials are `Unauthorized`; anything
    /// else names the SQLSTATE and the server's message.
    fn server_error(&self, body: &ErrorResponseBody, login: bool) -> ProbeError {
        let mut code = String::new();
        let mut message = String::new();
        let mut it = body.fields();
        while let Ok(Some(field)) = it.next() {
            let value =
                String::from_utf8_lossy(field.value_bytes()).chars().filter(|c| !c.is_control()).take(200).collect();
            match field.type_() {
                b'C' => code = value,
                b'M' => message = value,
                _ => {}
            }
        }
        let host = self.stream.host();
        match code.as_str() {
            "28P01" if login => ProbeError::Unauthorized(format!("{host}: {message} (SQLSTATE {code})")),
            "28000" => ProbeError::Forbidden(format!("{host}: {message} (SQLSTATE {code})")),
            "53300" | "57P03" => ProbeError::Network(format!("{host}: {message} (SQLSTATE {code})")),
            _ => ProbeError::Unexpected(format!("{host}: {message} (SQLSTATE {code})")),
        }
    }
}
