//! A MySQL / MariaDB client for probes: the v10 handshake, TLS (`SSLRequest`), login with
//! `mysql_native_password` or `caching_sha2_password` (its clear-text full authentication
//! only over TLS), and `COM_QUERY` text result sets. No initial database, no connection
//! attributes, no multi-statements: the general log shows `Connect`, the declared queries
//! and `Quit`, nothing else.
//!
//! Written here rather than with the `mysql` crate: that crate sends
//! `SELECT @@max_allowed_packet,@@wait_timeout` (and `SELECT @@socket` on loopback) unless
//! told otherwise and resolves the host itself; its codec crate (`mysql_common`) needs a
//! compression backend for the handful of packets used here.
//!
//! Protocol: <https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html> and
//! <https://mariadb.com/kb/en/clientserver-protocol/>.

use std::io::{Read, Write};

use ring::digest;

pub use super::TlsMode;
use super::{Dialer, Sent, Stream, check};
use crate::scope::http::ProbeError;

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_LONG_FLAG: u32 = 0x4;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SSL: u32 = 0x800;
const CLIENT_TRANSACTIONS: u32 = 0x2000;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x8_0000;
const CLIENT_PLUGIN_AUTH_LENENC: u32 = 0x20_0000;
/// utf8mb4_general_ci: known to MySQL 5.5+ and every MariaDB.
const CHARSET_UTF8MB4: u8 = 45;
const MAX_PACKET: u32 = 1 << 24;

pub struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    pub tls: TlsMode,
}

/// A text result set: column names and rows (`None` for NULL).
#[derive(Debug, Default)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

pub struct Session {
    stream: Stream,
    declared: &'static [super::Statement],
    seq: u8,
    /// The server's version string from its greeting.
    pub server_version: String,
}

impl Session {
    pub fn connect(dialer: &Dialer, login: &Login<'_>) -> Result<Session, ProbeError> {
        let stream = dialer.connect(login.host, login.port)?;
        let mut session = Session { stream, declared: dialer.declared, seq: 0, server_version: String::new() };
        session.login(login)?;
        Ok(session)
    }

    fn host(&self) -> String {
        self.stream.host().to_string()
    }

    fn malformed(&self, what: &str) -> ProbeError {
        ProbeError::Unexpected(format!("{}: malformed MySQL {what}", self.stream.host()))
    }

    fn read_packet(&mut self) -> Result<Vec<u8>, ProbeError> {
        let mut head = [0u8; 4];
        self.stream.read_exact(&mut head).map_err(|e| self.stream.error(&e))?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
        if len == 0xFF_FFFF {
            return Err(ProbeError::Unexpected(format!("{}: MySQL packet too large", self.host())));
        }
        self.seq = head[3].wrapping_add(1);
        let mut payload = vec![0u8; len];
        self.stream.read_exact(&mut payload).map_err(|e| self.stream.error(&e))?;
        Ok(payload)
    }

    fn write_packet(&mut self, payload: &[u8]) -> Result<(), ProbeError> {
        let len = (payload.len() as u32).to_le_bytes();
        let mut packet = Vec::with_capacity(payload.len() + 4);
        packet.extend_from_slice(&[len[0], len[1], len[2], self.seq]);
        packet.extend_from_slice(payload);
        self.seq = self.seq.wrapping_add(1);
        self.stream.write_all(&packet).and_then(|()| self.stream.flush()).map_err(|e| self.stream.error(&e))
    }

    fn login(&mut self, login: &Login<'_>) -> Result<(), ProbeError> {
        let greeting = self.read_packet()?;
        if greeting.first() == Some(&0xFF) {
            return Err(self.error_packet(&greeting, true));
        }
        let hello = Greeting::parse(&greeting).ok_or_else(|| self.malformed("greeting"))?;
        self.server_version = hello.version.clone();
        let wanted = CLIENT_LONG_PASSWORD
            | CLIENT_LONG_FLAG
            | CLIENT_PROTOCOL_41
            | CLIENT_TRANSACTIONS
            | CLIENT_SECURE_CONNECTION
            | CLIENT_PLUGIN_AUTH
            | CLIENT_PLUGIN_AUTH_LENENC;
        if hello.capabilities & CLIENT_PROTOCOL_41 == 0 {
            return Err(ProbeError::NotProbed(format!("{}: server too old (no protocol 4.1)", self.host())));
        }
        let mut caps = wanted & hello.capabilities;
        let offers_tls = hello.capabilities & CLIENT_SSL != 0;
        let tls = login.tls.on_offer(offers_tls, &self.host())?;
        if let Some(verify) = tls {
            caps |= CLIENT_SSL;
            let mut request = Vec::with_capacity(32);
            request.extend_from_slice(&caps.to_le_bytes());
            request.extend_from_slice(&MAX_PACKET.to_le_bytes());
            request.push(CHARSET_UTF8MB4);
            request.extend_from_slice(&[0u8; 23]);
            self.write_packet(&request)?;
            self.stream.start_tls(verify)?;
        }
        let plugin = if hello.plugin.is_empty() { "mysql_native_password".to_string() } else { hello.plugin.clone() };
        let response = self.auth_response(&plugin, &hello.nonce, login.password)?;
        let mut packet = Vec::new();
        packet.extend_from_slice(&caps.to_le_bytes());
        packet.extend_from_slice(&MAX_PACKET.to_le_bytes());
        packet.push(CHARSET_UTF8MB4);
        packet.extend_from_slice(&[0u8; 23]);
        packet.extend_from_slice(login.user.as_bytes());
        packet.push(0);
        if caps & CLIENT_PLUGIN_AUTH_LENENC != 0 {
            put_lenenc(&mut packet, response.len() as u64);
        } else {
            packet.push(response.len() as u8);
        }
        packet.extend_from_slice(&response);
        if caps & CLIENT_PLUGIN_AUTH != 0 {
            packet.extend_from_slice(plugin.as_bytes());
            packet.push(0);
        }
        self.write_packet(&packet)?;
        self.finish_login(login, plugin)
    }

    /// Follows the server through auth switches and `caching_sha2_password` rounds to OK.
    fn finish_login(&mut self, login: &Login<'_>, mut plugin: String) -> Result<(), ProbeError> {
        for _ in 0..4 {
            let packet = self.read_packet()?;
            match packet.first() {
                Some(0x00) => return Ok(()),
                Some(0xFF) => return Err(self.error_packet(&packet, true)),
                Some(0xFE) => {
                    // Auth switch: plugin name, then its nonce.
                    let rest = &packet[1..];
                    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                    plugin = String::from_utf8_lossy(&rest[..end]).into_owned();
                    let mut nonce = rest.get(end + 1..).unwrap_or_default().to_vec();
                    if nonce.last() == Some(&0) {
                        nonce.pop();
                    }
                    let response = self.auth_response(&plugin, &nonce, login.password)?;
                    self.write_packet(&response)?;
                }
                Some(0x01) if plugin == "caching_sha2_password" => match packet.get(1) {
                    Some(0x03) => {} // fast path: OK follows
                    Some(0x04) => {
                        if !self.stream.is_tls() {
                            return Err(ProbeError::NotProbed(format!(
                                "{}: caching_sha2_password wants the password in clear text, which keyreach sends only over TLS",
                                self.host()
                            )));
                        }
                        let mut clear = login.password.as_bytes().to_vec();
                        clear.push(0);
                        self.write_packet(&clear)?;
                    }
                    _ => return Err(self.malformed("authentication")),
                },
                _ => return Err(self.malformed("authentication")),
            }
        }
        Err(self.malformed("authentication (too many rounds)"))
    }

    fn auth_response(&self, plugin: &str, nonce: &[u8], password: &str) -> Result<Vec<u8>, ProbeError> {
        match plugin {
            "mysql_native_password" => Ok(scramble_native(nonce, password.as_bytes())),
            "caching_sha2_password" => Ok(scramble_sha256(nonce, password.as_bytes())),
            other => Err(ProbeError::NotProbed(format!(
                "{}: the server wants the {} login, which the probe does not speak",
                self.host(),
                other.chars().filter(|c| c.is_ascii_graphic()).take(40).collect::<String>()
            ))),
        }
    }

    /// Runs one declared statement; its text result set.
    pub fn query(&mut self, sql: &str) -> Result<ResultSet, ProbeError> {
        check(self.declared, &Sent::Mysql(sql))?;
        self.seq = 0;
        let mut payload = vec![0x03];
        payload.extend_from_slice(sql.as_bytes());
        self.write_packet(&payload)?;
        let first = self.read_packet()?;
        match first.first() {
            Some(0x00) => return Ok(ResultSet::default()),
            Some(0xFF) => return Err(self.error_packet(&first, false)),
            _ => {}
        }
        let mut at = 0;
        let count = get_lenenc(&first, &mut at).ok_or_else(|| self.malformed("result"))? as usize;
        let mut set = ResultSet::default();
        for _ in 0..count {
            let def = self.read_packet()?;
            set.columns.push(column_name(&def).ok_or_else(|| self.malformed("column definition"))?);
        }
        let eof = self.read_packet()?;
        if !is_eof(&eof) {
            return Err(self.malformed("result (no EOF after columns)"));
        }
        loop {
            let row = self.read_packet()?;
            if is_eof(&row) {
                break;
            }
            if row.first() == Some(&0xFF) {
                return Err(self.error_packet(&row, false));
            }
            let mut at = 0;
            let mut values = Vec::with_capacity(count);
            for _ in 0..count {
                if row.get(at) == Some(&0xFB) {
                    at += 1;
                    values.push(None);
                } else {
                    let text = get_lenenc_bytes(&row, &mut at).ok_or_else(|| self.malformed("row"))?;
                    values.push(Some(String::from_utf8_lossy(text).into_owned()));
                }
            }
            set.rows.push(values);
        }
        Ok(set)
    }

    /// Ends the session (`COM_QUIT`).
    pub fn close(mut self) {
        self.seq = 0;
        let _ = self.write_packet(&[0x01]);
    }

    fn error_packet(&self, packet: &[u8], login: bool) -> ProbeError {
        let code = packet.get(1..3).map_or(0, |c| u16::from_le_bytes([c[0], c[1]]));
        let mut text = packet.get(3..).unwrap_or_default();
        if text.first() == Some(&b'#') {
            text = text.get(6..).unwrap_or_default();
        }
        let message: String = String::from_utf8_lossy(text).chars().filter(|c| !c.is_control()).take(200).collect();
        let host = self.stream.host();
        match code {
            1045 | 1698 if login => ProbeError::Unauthorized(format!("{host}: {message} (error {code})")),
            1044 | 1130 | 1227 | 1142 => ProbeError::Forbidden(format!("{host}: {message} (error {code})")),
            1040 | 1203 | 1129 => ProbeError::Network(format!("{host}: {message} (error {code})")),
            _ => ProbeError::Unexpected(format!("{host}: {message} (error {code})")),
        }
    }
}

/// The server's v10 greeting.
struct Greeting {
    version: String,
    capabilities: u32,
    nonce: Vec<u8>,
    plugin: String,
}

impl Greeting {
    fn parse(p: &[u8]) -> Option<Greeting> {
        if *p.first()? != 10 {
            return None;
        }
        let mut at = 1;
        let end = at + p.get(at..)?.iter().position(|&b| b == 0)?;
        let version = String::from_utf8_lossy(&p[at..end]).into_owned();
        at = end + 1 + 4; // connection id
        let mut nonce = p.get(at..at + 8)?.to_vec();
        at += 8 + 1;
        let low = u16::from_le_bytes([*p.get(at)?, *p.get(at + 1)?]) as u32;
        at += 2;
        if at >= p.len() {
            return Some(Greeting { version, capabilities: low, nonce, plugin: String::new() });
        }
        at += 1 + 2; // character set, status
        let high = u16::from_le_bytes([*p.get(at)?, *p.get(at + 1)?]) as u32;
        let capabilities = low | (high << 16);
        at += 2;
        let data_len = *p.get(at)? as usize;
        at += 1 + 10;
        if capabilities & CLIENT_SECURE_CONNECTION != 0 {
            let n = data_len.saturating_sub(8).max(13);
            let part = p.get(at..(at + n).min(p.len()))?;
            at += part.len();
            let part = part.strip_suffix(&[0]).unwrap_or(part);
            nonce.extend_from_slice(part);
        }
        let plugin = if capabilities & CLIENT_PLUGIN_AUTH != 0 {
            let rest = p.get(at..).unwrap_or_default();
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            String::from_utf8_lossy(&rest[..end]).into_owned()
        } else {
            String::new()
        };
        Some(Greeting { version, capabilities, nonce, plugin })
    }
}

fn sha(algorithm: &'static digest::Algorithm, parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = digest::Context::new(algorithm);
    for part in parts {
        ctx.update(part);
    }
    ctx.finish().as_ref().to_vec()
}

/// `mysql_native_password`: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).
pub fn scramble_native(nonce: &[u8], password: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let sha1 = &digest::SHA1_FOR_LEGACY_USE_ONLY;
    let stage1 = sha(sha1, &[password]);
    let stage2 = sha(sha1, &[&stage1]);
    let mix = sha(sha1, &[&nonce[..nonce.len().min(20)], &stage2]);
    stage1.iter().zip(mix).map(|(a, b)| a ^ b).collect()
}

/// `caching_sha2_password`: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce).
pub fn scramble_sha256(nonce: &[u8], password: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let stage1 = sha(&digest::SHA256, &[password]);
    let stage2 = sha(&digest::SHA256, &[&stage1]);
    let mix = sha(&digest::SHA256, &[&stage2, &nonce[..nonce.len().min(20)]]);
    stage1.iter().zip(mix).map(|(a, b)| a ^ b).collect()
}

fn is_eof(packet: &[u8]) -> bool {
    packet.first() == Some(&0xFE) && packet.len() < 9
}

fn put_lenenc(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=250 => out.push(n as u8),
        251..=0xFFFF => {
            out.push(0xFC);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xFF_FFFF => {
            out.push(0xFD);
            out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
        }
        _ => {
            out.push(0xFE);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

fn get_lenenc(p: &[u8], at: &mut usize) -> Option<u64> {
    let first = *p.get(*at)?;
    *at += 1;
    let width = match first {
        0..=250 => return Some(first as u64),
        0xFC => 2,
        0xFD => 3,
        0xFE => 8,
        _ => return None,
    };
    let bytes = p.get(*at..*at + width)?;
    *at += width;
    let mut buf = [0u8; 8];
    buf[..width].copy_from_slice(bytes);
    Some(u64::from_le_bytes(buf))
}

fn get_lenenc_bytes<'p>(p: &'p [u8], at: &mut usize) -> Option<&'p [u8]> {
    let len = usize::try_from(get_lenenc(p, at)?).ok()?;
    let bytes = p.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(bytes)
}

/// The `name` of a protocol-4.1 column definition (catalog, schema, table, org_table, name).
fn column_name(def: &[u8]) -> Option<String> {
    let mut at = 0;
    for _ in 0..4 {
        get_lenenc_bytes(def, &mut at)?;
    }
    get_lenenc_bytes(def, &mut at).map(|n| String::from_utf8_lossy(n).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_scramble_matches_the_documented_construction() {
        // The server checks SHA1(nonce + stored) XOR response == SHA1(password) by hashing
        // the result again: verify that round trip.
        let nonce = b"01234567890123456789";
        let response = scramble_native(nonce, b"pw");
        let stored = sha(&digest::SHA1_FOR_LEGACY_USE_ONLY, &[&sha(&digest::SHA1_FOR_LEGACY_USE_ONLY, &[b"pw"])]);
        let mix = sha(&digest::SHA1_FOR_LEGACY_USE_ONLY, &[nonce, &stored]);
        let stage1: Vec<u8> = response.iter().zip(mix).map(|(a, b)| a ^ b).collect();
        assert_eq!(sha(&digest::SHA1_FOR_LEGACY_USE_ONLY, &[&stage1]), stored);
        assert!(scramble_native(nonce, b"").is_empty());
    }

    #[test]
    fn lenenc_round_trips() {
        for n in [0u64, 250, 251, 65_535, 65_536, 16_777_215, 16_777_216, u64::MAX] {
            let mut out = Vec::new();
            put_lenenc(&mut out, n);
            let mut at = 0;
            assert_eq!(get_lenenc(&out, &mut at), Some(n));
            assert_eq!(at, out.len());
        }
        assert_eq!(get_lenenc_bytes(&[5, b'a'], &mut 0), None);
    }

    #[test]
    fn tls_modes_from_url_words() {
        assert_eq!(TlsMode::parse("REQUIRED"), Some(TlsMode::Required));
        assert_eq!(TlsMode::parse("verify-identity"), Some(TlsMode::Verify));
        assert_eq!(TlsMode::parse("skip-verify"), Some(TlsMode::Required));
        assert_eq!(TlsMode::parse("false"), Some(TlsMode::Disabled));
        assert_eq!(TlsMode::parse("maybe"), None);
    }
}
