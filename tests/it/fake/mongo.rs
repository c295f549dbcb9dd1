//! A small MongoDB wire-protocol server on 127.0.0.1 for the MongoDB probe test (no MongoDB
//! server can be installed on these machines), written from MongoDB's documentation:
//! OP_MSG framing (<https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/>),
//! `hello`, SCRAM-SHA-256 `saslStart`/`saslContinue` (RFC 5802/7677) that **verifies the
//! client proof** against the user's password, `connectionStatus` with `showPrivileges`
//! and `listDatabases` with `nameOnly`/`authorizedDatabases`.
//!
//! Every command received is recorded (name and keys) for the trap check; a command it
//! does not know is answered `CommandNotFound` and recorded too.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bson::{Binary, Bson, Document, doc, spec::BinarySubtype};
use ring::{digest, hmac, pbkdf2};

/// A user of the fake: password, roles `(role, db)` and privileges as connectionStatus
/// shows them.
#[derive(Clone)]
pub struct MongoUser {
    pub name: String,
    pub db: String,
    pub password: String,
    pub roles: Vec<(String, String)>,
    pub privileges: Vec<Document>,
    pub databases: Vec<String>,
}

/// One command as received: which connection, its name and its keys.
#[derive(Debug, Clone)]
pub struct Received {
    pub connection: usize,
    pub command: String,
    pub keys: Vec<String>,
    /// The command's `$db`.
    pub db: String,
}

pub struct FakeMongo {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

const SALT: &[u8] = b"keyreach-fake-salt";
const ITERATIONS: u32 = 4096;

impl FakeMongo {
    pub fn start(users: Vec<MongoUser>) -> FakeMongo {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let (users, log) = (users.clone(), log.clone());
                std::thread::spawn(move || serve(stream, n, &users, &log));
            }
        });
        FakeMongo { port, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn read_message(stream: &mut TcpStream) -> Option<(i32, Document)> {
    let mut head = [0u8; 16];
    stream.read_exact(&mut head).ok()?;
    let word = |i: usize| i32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    let (len, id, op) = (word(0) as usize, word(4), word(12));
    assert_eq!(op, 2013, "the probe sends OP_MSG only");
    let mut rest = vec![0u8; len - 16];
    stream.read_exact(&mut rest).ok()?;
    assert_eq!(&rest[..4], &[0, 0, 0, 0], "no flags (no checksum, no moreToCome, no exhaust)");
    assert_eq!(rest[4], 0, "one body section");
    let doc = Document::from_reader(&mut &rest[5..]).expect("a BSON body");
    Some((id, doc))
}

fn write_message(stream: &mut TcpStream, response_to: i32, doc: &Document) {
    let mut body = Vec::new();
    doc.to_writer(&mut body).unwrap();
    let len = 16 + 4 + 1 + body.len();
    let mut out = Vec::new();
    for n in [len as i32, 1000 + response_to, response_to, 2013] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(&body);
    let _ = stream.write_all(&out);
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn payload_text(doc: &Document) -> String {
    match doc.get("payload") {
        Some(Bson::Binary(b)) => String::from_utf8_lossy(&b.bytes).into_owned(),
        _ => String::new(),
    }
}

fn binary(text: &str) -> Binary {
    Binary { subtype: BinarySubtype::Generic, bytes: text.as_bytes().to_vec() }
}

fn failure(code: i32, name: &str) -> Document {
    doc! {"ok": 0.0, "code": code, "codeName": name, "errmsg": name}
}

/// SCRAM state of one connection.
struct Conversation {
    user: MongoUser,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

fn serve(mut stream: TcpStream, connection: usize, users: &[MongoUser], log: &Mutex<Vec<Received>>) {
    let mut conversation: Option<Conversation> = None;
    let mut authenticated: Option<MongoUser> = None;
    while let Some((id, command)) = read_message(&mut stream) {
        let name = command.keys().next().cloned().unwrap_or_default();
        log.lock().unwrap().push(Received {
            connection,
            command: name.clone(),
            keys: command.keys().cloned().collect(),
            db: command.get_str("$db").unwrap_or("").to_string(),
        });
        let reply = match name.as_str() {
            "hello" => {
                let mut reply = doc! {"isWritablePrimary": true, "maxWireVersion": 21, "minWireVersion": 0, "ok": 1.0};
                if command.get_str("saslSupportedMechs").is_ok() {
                    reply.insert("saslSupportedMechs", vec!["SCRAM-SHA-256"]);
                }
                reply
            }
            "saslStart" => {
                let first = payload_text(&command);
                let bare = first.strip_prefix("n,,").unwrap_or("").to_string();
                let user_name = bare
                    .split(',')
                    .find_map(|f| f.strip_prefix("n="))
                    .unwrap_or("")
                    .replace("=2C", ",")
                    .replace("=3D", "=");
                let client_nonce = bare.split(',').find_map(|f| f.strip_prefix("r=")).unwrap_or("").to_string();
                let db = command.get_str("$db").unwrap_or("");
                match users.iter().find(|u| u.name == user_name && u.db == db) {
                    Some(user) if command.get_str("mechanism") == Ok("SCRAM-SHA-256") && !client_nonce.is_empty() => {
                        let nonce = format!("{client_nonce}fakeServerNonce{connection}");
                        let server_first = format!("r={nonce},s={},i={ITERATIONS}", b64(SALT));
                        let reply =
                            doc! {"conversationId": 1, "done": false, "payload": binary(&server_first), "ok": 1.0};
                        conversation =
                            Some(Conversation { user: user.clone(), client_first_bare: bare, server_first, nonce });
                        reply
                    }
                    _ => failure(18, "AuthenticationFailed"),
                }
            }
            "saslContinue" => match conversation.take() {
                Some(c) => {
                    let last = payload_text(&command);
                    match verify(&c, &last) {
                        Some(server_signature) => {
                            authenticated = Some(c.user);
                            doc! {"conversationId": 1, "done": true, "payload": binary(&format!("v={}", b64(&server_signature))), "ok": 1.0}
                        }
                        None => failure(18, "AuthenticationFailed"),
                    }
                }
                None => failure(17, "ProtocolError"),
            },
            "connectionStatus" => {
                let info = match &authenticated {
                    Some(u) => doc! {
                        "authenticatedUsers": [{"user": u.name.clone(), "db": u.db.clone()}],
                        "authenticatedUserRoles": u.roles.iter().map(|(r, d)| Bson::Document(doc! {"role": r.clone(), "db": d.clone()})).collect::<Vec<_>>(),
                        "authenticatedUserPrivileges": u.privileges.iter().cloned().map(Bson::Document).collect::<Vec<_>>(),
                    },
                    None => doc! {"authenticatedUsers": [], "authenticatedUserRoles": []},
                };
                doc! {"authInfo": info, "ok": 1.0}
            }
            "listDatabases" => match &authenticated {
                Some(u) => doc! {
                    "databases": u.databases.iter().map(|d| Bson::Document(doc! {"name": d.clone()})).collect::<Vec<_>>(),
                    "ok": 1.0,
                },
                None => failure(13, "Unauthorized"),
            },
            _ => failure(59, "CommandNotFound"),
        };
        write_message(&mut stream, id, &reply);
    }
}

/// Checks the client's final message; the server signature if the proof is right.
fn verify(c: &Conversation, client_final: &str) -> Option<Vec<u8>> {
    let (without_proof, proof) = client_final.rsplit_once(",p=")?;
    if without_proof != format!("c=biws,r={}", c.nonce) {
        return None;
    }
    let proof = base64::engine::general_purpose::STANDARD.decode(proof).ok()?;
    let mut salted = [0u8; 32];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(ITERATIONS).unwrap(),
        SALT,
        c.user.password.as_bytes(),
        &mut salted,
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
    let client_key = hmac::sign(&key, b"Client Key");
    let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
    let auth_message = format!("{},{},{without_proof}", c.client_first_bare, c.server_first);
    let signature = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, stored_key.as_ref()), auth_message.as_bytes());
    let recovered: Vec<u8> = proof.iter().zip(signature.as_ref()).map(|(a, b)| a ^ b).collect();
    if digest::digest(&digest::SHA256, &recovered).as_ref() != stored_key.as_ref() {
        return None;
    }
    let server_key = hmac::sign(&key, b"Server Key");
    Some(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, server_key.as_ref()), auth_message.as_bytes()).as_ref().to_vec())
}
