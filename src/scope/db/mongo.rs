//! A MongoDB client for probes: OP_MSG commands with `bson` documents, and SCRAM-SHA-256
//! login (`saslStart`/`saslContinue`) with `ring` (PBKDF2, HMAC, SHA-256) and `stringprep`
//! (SASLprep of the password). Nothing else is sent: no handshake metadata, no sessions,
//! no monitoring, no `endSessions`, which the official driver sends from its own tasks.
//!
//! Protocol: <https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/>;
//! SCRAM: RFC 5802 and RFC 7677, as MongoDB's driver authentication specification applies
//! them (username `=`/`,` escaped, no channel binding, `skipEmptyExchange`).

use std::io::{Read, Write};
use std::num::NonZeroU32;

use base64::Engine as _;
use bson::spec::BinarySubtype;
use bson::{Binary, Bson, Document, doc};
use ring::{digest, hmac, pbkdf2, rand::SecureRandom};

use super::{Dialer, Sent, Stream, Verify, check};
use crate::scope::http::ProbeError;

const OP_MSG: i32 = 2013;
/// Largest reply accepted (the server's own limit is 48 MB; a probe's answers are small).
const MAX_MESSAGE: usize = 4 << 20;
/// RFC 7677: at least 4096 iterations; a server asking fewer is not believed.
const MIN_ITERATIONS: u32 = 4096;
const MAX_ITERATIONS: u32 = 1_000_000;

pub struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub password: &'a str,
    /// The database the user is defined in (`authSource`, default `admin`).
    pub auth_source: &'a str,
    pub tls: Option<Verify>,
}

pub struct Session {
    stream: Stream,
    declared: &'static [super::Statement],
    next_id: i32,
    /// The `hello` answer.
    pub hello: Document,
}

/// A command the server refused: its code and name.
#[derive(Debug, Clone)]
pub struct CommandError {
    pub code: i32,
    pub name: String,
    pub message: String,
}

impl Session {
    pub fn connect(dialer: &Dialer, login: &Login<'_>) -> Result<Session, ProbeError> {
        let mut stream = dialer.connect(login.host, login.port)?;
        if let Some(verify) = login.tls {
            stream.start_tls(verify)?;
        }
        let mut session = Session { stream, declared: dialer.declared, next_id: 1, hello: Document::new() };
        let mechs = format!("{}.{}", login.auth_source, login.user);
        let hello = session
            .command(doc! {"hello": 1, "saslSupportedMechs": mechs, "$db": "admin"})?
            .map_err(|e| session.failed("hello", &e))?;
        let offered = hello.get_array("saslSupportedMechs").ok();
        if offered.is_some_and(|m| !m.iter().any(|v| v.as_str() == Some("SCRAM-SHA-256"))) {
            return Err(ProbeError::NotProbed(format!("{}: the user has no SCRAM-SHA-256 login", login.host)));
        }
        session.hello = hello;
        session.authenticate(login)?;
        Ok(session)
    }

    fn host(&self) -> String {
        self.stream.host().to_string()
    }

    fn failed(&self, what: &str, e: &CommandError) -> ProbeError {
        let host = self.host();
        let msg: String = e.message.chars().filter(|c| !c.is_control()).take(200).collect();
        match e.code {
            18 => ProbeError::Unauthorized(format!("{host}: authentication failed (code 18)")),
            13 => ProbeError::Forbidden(format!("{host}: {what}: {msg} (code 13 {})", e.name)),
            _ => ProbeError::Unexpected(format!("{host}: {what}: {msg} (code {} {})", e.code, e.name)),
        }
    }

    fn authenticate(&mut self, login: &Login<'_>) -> Result<(), ProbeError> {
        let password = stringprep::saslprep(login.password)
            .map_err(|_| ProbeError::NotProbed("the password is not valid for SCRAM (SASLprep)".into()))?;
        let mut raw = [0u8; 24];
        ring::rand::SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| ProbeError::Unexpected("no randomness for the SCRAM nonce".into()))?;
        let scram = Scram::new(login.user, &b64(&raw));
        let start = doc! {
            "saslStart": 1,
            "mechanism": "SCRAM-SHA-256",
            "payload": binary(scram.client_first().into_bytes()),
            "autoAuthorize": 1,
            "options": {"skipEmptyExchange": true},
            "$db": login.auth_source,
        };
        let reply = self.command(start)?.map_err(|e| self.failed("saslStart", &e))?;
        let conversation = reply.get("conversationId").cloned().unwrap_or(Bson::Int32(1));
        let server_first = payload(&reply).ok_or_else(|| self.malformed("saslStart answer"))?;
        let (client_final, server_signature) =
            scram.client_final(&server_first, password.as_bytes()).map_err(|why| self.scram_error(why))?;
        let cont = doc! {
            "saslContinue": 1,
            "conversationId": conversation.clone(),
            "payload": binary(client_final.into_bytes()),
            "$db": login.auth_source,
        };
        let reply = self.command(cont)?.map_err(|e| self.failed("saslContinue", &e))?;
        let server_final = payload(&reply).ok_or_else(|| self.malformed("saslContinue answer"))?;
        let verifier =
            server_final.strip_prefix("v=").and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok());
        if verifier.as_deref() != Some(&server_signature[..]) {
            return Err(ProbeError::Unexpected(format!("{}: the server's SCRAM signature is wrong", self.host())));
        }
        if !reply.get_bool("done").unwrap_or(false) {
            let last = doc! {
                "saslContinue": 1,
                "conversationId": conversation,
                "payload": binary(Vec::new()),
                "$db": login.auth_source,
            };
            let reply = self.command(last)?.map_err(|e| self.failed("saslContinue", &e))?;
            if !reply.get_bool("done").unwrap_or(false) {
                return Err(self.malformed("SCRAM conversation (not done)"));
            }
        }
        Ok(())
    }

    fn scram_error(&self, why: &str) -> ProbeError {
        ProbeError::Unexpected(format!("{}: SCRAM: {why}", self.host()))
    }

    fn malformed(&self, what: &str) -> ProbeError {
        ProbeError::Unexpected(format!("{}: malformed MongoDB {what}", self.host()))
    }

    /// Sends one declared command; the reply document, or the server's refusal.
    pub fn command(&mut self, command: Document) -> Result<Result<Document, CommandError>, ProbeError> {
        check(self.declared, &Sent::Mongo(&command))?;
        let mut body = Vec::new();
        command.to_writer(&mut body).map_err(|_| self.malformed("command"))?;
        let id = self.next_id;
        self.next_id += 1;
        let len = 16 + 4 + 1 + body.len();
        let mut message = Vec::with_capacity(len);
        for n in [len as i32, id, 0, OP_MSG] {
            message.extend_from_slice(&n.to_le_bytes());
        }
        message.extend_from_slice(&0u32.to_le_bytes());
        message.push(0);
        message.extend_from_slice(&body);
        self.stream.write_all(&message).and_then(|()| self.stream.flush()).map_err(|e| self.stream.error(&e))?;
        let reply = self.read_reply(id)?;
        let ok = match reply.get("ok") {
            Some(Bson::Double(v)) => *v == 1.0,
            Some(Bson::Int32(v)) => *v == 1,
            Some(Bson::Int64(v)) => *v == 1,
            Some(Bson::Boolean(v)) => *v,
            _ => false,
        };
        if ok {
            Ok(Ok(reply))
        } else {
            Ok(Err(CommandError {
                code: reply.get_i32("code").unwrap_or(0),
                name: reply
                    .get_str("codeName")
                    .unwrap_or("")
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .take(60)
                    .collect(),
                message: reply.get_str("errmsg").unwrap_or("").to_string(),
            }))
        }
    }

    fn read_reply(&mut self, request: i32) -> Result<Document, ProbeError> {
        let mut head = [0u8; 16];
        self.stream.read_exact(&mut head).map_err(|e| self.stream.error(&e))?;
        let word = |i: usize| i32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (len, response_to, op) = (word(0), word(8), word(12));
        let len = usize::try_from(len)
            .ok()
            .filter(|l| (21..=MAX_MESSAGE).contains(l))
            .ok_or_else(|| self.malformed("reply length"))?;
        let mut rest = vec![0u8; len - 16];
        self.stream.read_exact(&mut rest).map_err(|e| self.stream.error(&e))?;
        if op != OP_MSG {
            return Err(ProbeError::Unexpected(format!(
                "{}: not an OP_MSG reply (server too old or not MongoDB)",
                self.host()
            )));
        }
        if response_to != request {
            return Err(self.malformed("reply (answers another request)"));
        }
        let flags = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let end = if flags & 1 != 0 { rest.len().saturating_sub(4) } else { rest.len() };
        let mut at = 4;
        let mut body = None;
        while at < end {
            let kind = rest[at];
            at += 1;
            let size = rest
                .get(at..at + 4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| self.malformed("section"))?;
            let section = rest.get(at..at + size).filter(|_| size >= 4).ok_or_else(|| self.malformed("section"))?;
            if kind == 0 {
                body = Some(Document::from_reader(&mut &section[..]).map_err(|_| self.malformed("document"))?);
            }
            at += size;
        }
        body.ok_or_else(|| self.malformed("reply (no body)"))
    }
}

fn binary(bytes: Vec<u8>) -> Binary {
    Binary { subtype: BinarySubtype::Generic, bytes }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn payload(reply: &Document) -> Option<String> {
    match reply.get("payload")? {
        Bson::Binary(b) => String::from_utf8(b.bytes.clone()).ok(),
        Bson::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The client side of one SCRAM-SHA-256 conversation.
pub struct Scram {
    bare: String,
    nonce: String,
}

impl Scram {
    pub fn new(user: &str, nonce: &str) -> Scram {
        let user = user.replace('=', "=3D").replace(',', "=2C");
        Scram { bare: format!("n={user},r={nonce}"), nonce: nonce.to_string() }
    }

    pub fn client_first(&self) -> String {
        format!("n,,{}", self.bare)
    }

    /// From the server's first message: the client's final message and the server
    /// signature the server must then show.
    pub fn client_final(&self, server_first: &str, password: &[u8]) -> Result<(String, Vec<u8>), &'static str> {
        let field = |name: &str| server_first.split(',').find_map(|f| f.strip_prefix(name));
        let nonce = field("r=").ok_or("no nonce")?;
        if !nonce.starts_with(&self.nonce) || nonce.len() <= self.nonce.len() {
            return Err("the server's nonce does not extend ours");
        }
        let salt =
            field("s=").and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()).ok_or("no salt")?;
        let iterations: u32 = field("i=").and_then(|i| i.parse().ok()).ok_or("no iteration count")?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err("iteration count out of range");
        }
        let mut salted = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(iterations).ok_or("zero iterations")?,
            &salt,
            password,
            &mut salted,
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&key, b"Client Key");
        let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.bare);
        let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, stored_key.as_ref()), auth_message.as_bytes());
        let proof: Vec<u8> = client_key.as_ref().iter().zip(signature.as_ref()).map(|(a, b)| a ^ b).collect();
        let server_key = hmac::sign(&key, b"Server Key");
        let server_signature =
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, server_key.as_ref()), auth_message.as_bytes());
        Ok((format!("{without_proof},p={}", b64(&proof)), server_signature.as_ref().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_sha_256_matches_rfc_7677() {
        // RFC 7677, section 3: user "user", password "pencil".
        let scram = Scram::new("user", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(scram.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let (client_final, server_signature) = scram.client_final(server_first, b"pencil").unwrap();
        assert_eq!(
            client_final,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(b64(&server_signature), "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    #[test]
    fn scram_refuses_a_server_that_does_not_extend_the_nonce_or_skimps_on_iterations() {
        let scram = Scram::new("a=b,c", "abc");
        assert_eq!(scram.client_first(), "n,,n=a=3Db=2Cc,r=abc");
        assert!(scram.client_final("r=xyz123,s=QUJD,i=4096", b"pw").is_err());
        assert!(scram.client_final("r=abc123,s=QUJD,i=1", b"pw").is_err());
        assert!(scram.client_final("r=abc123,s=QUJD,i=4096", b"pw").is_ok());
    }
}
