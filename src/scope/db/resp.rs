//! A Redis client for probes: RESP2 commands, one at a time, encoded and parsed by the
//! `redis` crate's codec. Its connection is not used: it resolves the host itself and
//! sends `CLIENT SETINFO` (and `SELECT` for a database number) on its own.
//!
//! Protocol: <https://redis.io/docs/latest/develop/reference/protocol-spec/>.

use std::io::{BufReader, Write};

use redis::Value;

use super::{Dialer, Sent, Stream, Verify, check};
use crate::scope::http::ProbeError;

pub struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub tls: Option<Verify>,
}

pub struct Session {
    stream: BufReader<Stream>,
    declared: &'static [super::Statement],
    host: String,
}

/// A server's answer: a value, or the error it sent (`-NOPERM ...`).
pub type Reply = Result<Value, String>;

impl Session {
    pub fn connect(dialer: &Dialer, login: &Login<'_>) -> Result<Session, ProbeError> {
        let mut stream = dialer.connect(login.host, login.port)?;
        if let Some(verify) = login.tls {
            stream.start_tls(verify)?;
        }
        let host = stream.host().to_string();
        Ok(Session { stream: BufReader::new(stream), declared: dialer.declared, host })
    }

    /// Sends one declared command; the server's value or its error text (never holding
    /// the arguments: an `AUTH` error is only the server's words).
    pub fn command(&mut self, words: &[&[u8]]) -> Result<Reply, ProbeError> {
        check(self.declared, &Sent::Redis(words))?;
        let mut cmd = redis::Cmd::new();
        for word in words {
            cmd.arg(word.to_vec());
        }
        let packed = cmd.get_packed_command();
        let stream = self.stream.get_mut();
        stream.write_all(&packed).and_then(|()| stream.flush()).map_err(|e| stream.error(&e))?;
        let value = redis::Parser::new().parse_value(&mut self.stream).map_err(|e| {
            if e.is_timeout() {
                ProbeError::Timeout
            } else if e.is_io_error() || e.is_connection_dropped() {
                ProbeError::Network(format!("{}: the connection failed", self.host))
            } else {
                ProbeError::Unexpected(format!("{}: not a Redis answer", self.host))
            }
        })?;
        Ok(match value {
            Value::ServerError(err) => {
                let code = err.code().to_string();
                let detail = err.details().unwrap_or("").to_string();
                let text: String = format!("{code} {detail}").chars().filter(|c| !c.is_control()).take(200).collect();
                Err(text.trim().to_string())
            }
            other => Ok(other),
        })
    }
}

/// A RESP value as text, if it is a string of some kind.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

/// A RESP2 flat array of alternating keys and values (or a RESP3 map) as pairs.
pub fn pairs(value: &Value) -> Vec<(String, &Value)> {
    match value {
        Value::Array(items) => items.chunks(2).filter_map(|kv| Some((text(&kv[0])?, kv.get(1)?))).collect(),
        Value::Map(items) => items.iter().filter_map(|(k, v)| Some((text(k)?, v))).collect(),
        _ => Vec::new(),
    }
}

/// A RESP array of strings (or one string, split on spaces: Redis 7 gives `keys` as one
/// string, Redis 6 as an array).
pub fn words(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) | Value::Set(items) => items.iter().filter_map(text).collect(),
        other => text(other).map(|t| t.split_whitespace().map(str::to_string).collect()).unwrap_or_default(),
    }
}
