//! What an operator needs to find a credential at its provider and act on it, none of it
//! secret: an AWS access key id in full (an identifier, not the secret), an SSH key's
//! fingerprint as `ssh-keygen -l` prints it and its comment, an OpenPGP key's fingerprint
//! as `gpg -K` prints it and its User ID, the owner a probe named.
//!
//! A handle is never the secret nor a part of it: [`of`] drops any value that shares a run
//! of [`super::SCRUB_MIN`] characters with the secret.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{Scope, ScopeSource};
use crate::credentials::Credential;

/// One named, non-secret value ("key id", "fingerprint", "comment", "owner").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    pub label: &'static str,
    pub value: String,
}

/// The handles of `credential` (of `provider`) with what its `scope` learned.
pub fn of(provider: &str, credential: &Credential, scope: &Scope) -> Vec<Handle> {
    let mut handles = Vec::new();
    if let Some(c) = &credential.companion {
        let value = String::from_utf8_lossy(c.value.expose());
        if provider == "aws" && is_aws_key_id(&value) {
            handles.push(Handle { label: "key id", value: value.into_owned() });
        }
    }
    if let Some(key) = openssh_public(credential.secret.expose()) {
        handles.push(Handle { label: "fingerprint", value: key.fingerprint });
        if let Some(comment) = key.comment.filter(|c| !c.is_empty()) {
            handles.push(Handle { label: "comment", value: comment });
        }
    }
    if let Some(key) = pgp_public(credential.secret.expose()) {
        handles.push(Handle { label: "fingerprint", value: key.fingerprint });
        if let Some(uid) = key.user_id {
            handles.push(Handle { label: "user id", value: uid });
        }
    }
    if scope.source == ScopeSource::Probe {
        if let Some(identity) = &scope.identity {
            handles.push(Handle { label: "owner", value: identity.clone() });
        }
    }
    let secret = credential.secret.expose();
    handles.retain(|h| !shares_a_run(h.value.as_bytes(), secret));
    handles
}

/// `AKIA`/`ASIA` and 16 upper-case letters and digits: an AWS access key id.
fn is_aws_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `a` holds a run of `SCRUB_MIN` bytes of `b`.
fn shares_a_run(a: &[u8], b: &[u8]) -> bool {
    let n = super::SCRUB_MIN;
    a.len() >= n && b.windows(n).any(|w| a.windows(n).any(|v| v == w))
}

/// An OpenSSH key's public half, as `ssh-keygen -l` shows it.
struct OpensshPublic {
    /// `SHA256:<unpadded base64>` and the key type (`SHA256:… (ED25519)`).
    fingerprint: String,
    /// The comment, readable only when the key is not encrypted.
    comment: Option<String>,
}

/// Reads a length-prefixed string (PROTOCOL.key, RFC 4251 `string`) off `bytes`.
fn ssh_string<'a>(bytes: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let value = bytes.get(4..4 + len)?;
    *bytes = &bytes[4 + len..];
    Some(value)
}

/// The public key of an `openssh-key-v1` private key (PROTOCOL.key): the magic, cipher,
/// KDF, KDF options, the number of keys, then the public key in the clear; the comment
/// sits in the private section, readable when the cipher is `none`.
fn openssh_public(secret: &[u8]) -> Option<OpensshPublic> {
    let text = std::str::from_utf8(secret).ok()?;
    let body = text.trim_start().strip_prefix("-----BEGIN OPENSSH PRIVATE KEY-----")?.split("-----END").next()?;
    let encoded: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let raw = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let mut rest = raw.strip_prefix(b"openssh-key-v1\0")?;
    let cipher = ssh_string(&mut rest)?.to_vec();
    let _kdf = ssh_string(&mut rest)?;
    let _kdf_options = ssh_string(&mut rest)?;
    let count = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    rest = &rest[4..];
    if count != 1 {
        return None;
    }
    let public = ssh_string(&mut rest)?;
    let kind = String::from_utf8(ssh_string(&mut &public[..])?.to_vec()).ok()?;
    let digest = base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(public));
    let fingerprint = format!("SHA256:{digest} ({})", key_type(&kind));
    let comment = (cipher == b"none").then(|| private_comment(rest, &kind)).flatten();
    Some(OpensshPublic { fingerprint, comment })
}

/// The comment at the end of an unencrypted private section: two check integers, the key
/// type, its fields, then the comment.
fn private_comment(section: &[u8], kind: &str) -> Option<String> {
    let mut rest = ssh_string(&mut &section[..])?;
    rest = rest.get(8..)?;
    if ssh_string(&mut rest)? != kind.as_bytes() {
        return None;
    }
    let fields = match kind {
        "ssh-ed25519" => 2,
        "ssh-rsa" => 6,
        "ssh-dss" => 5,
        k if k.starts_with("ecdsa-sha2-") => 3,
        _ => return None,
    };
    for _ in 0..fields {
        ssh_string(&mut rest)?;
    }
    let comment = String::from_utf8(ssh_string(&mut rest)?.to_vec()).ok()?;
    Some(comment.chars().filter(|c| !c.is_control()).collect())
}

/// An OpenPGP secret key's public half, as `gpg -K` shows it.
struct PgpPublic {
    /// The v4 fingerprint: 40 upper-case hex digits.
    fingerprint: String,
    /// The first User ID packet ("Name <email>").
    user_id: Option<String>,
}

/// One OpenPGP packet (RFC 4880 section 4.2): its tag and body; `rest` moves past it.
fn pgp_packet<'a>(rest: &mut &'a [u8]) -> Option<(u8, &'a [u8])> {
    let first = *rest.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let (tag, len, header) = if first & 0x40 != 0 {
        let o1 = *rest.get(1)? as usize;
        match o1 {
            0..=191 => (first & 0x3f, o1, 2),
            192..=223 => (first & 0x3f, ((o1 - 192) << 8) + *rest.get(2)? as usize + 192, 3),
            255 => (first & 0x3f, u32::from_be_bytes(rest.get(2..6)?.try_into().ok()?) as usize, 6),
            _ => return None,
        }
    } else {
        let tag = (first >> 2) & 0x0f;
        match first & 3 {
            0 => (tag, *rest.get(1)? as usize, 2),
            1 => (tag, u16::from_be_bytes(rest.get(1..3)?.try_into().ok()?) as usize, 3),
            2 => (tag, u32::from_be_bytes(rest.get(1..5)?.try_into().ok()?) as usize, 5),
            _ => return None,
        }
    };
    let body = rest.get(header..header + len)?;
    *rest = &rest[header + len..];
    Some((tag, body))
}

/// The length of a v4 key packet's public part: version, creation time, algorithm, then
/// the algorithm's public fields (MPIs; a curve OID; ECDH's KDF parameters).
fn pgp_public_len(body: &[u8]) -> Option<usize> {
    if *body.first()? != 4 {
        return None;
    }
    let mut at = 6;
    let mpi = |at: &mut usize| -> Option<()> {
        let bits = u16::from_be_bytes(body.get(*at..*at + 2)?.try_into().ok()?) as usize;
        *at += 2 + bits.div_ceil(8);
        (*at <= body.len()).then_some(())
    };
    let counted = |at: &mut usize| -> Option<()> {
        *at += 1 + *body.get(*at)? as usize;
        (*at <= body.len()).then_some(())
    };
    match *body.get(5)? {
        1..=3 => (0..2).try_for_each(|_| mpi(&mut at))?,
        16 => (0..3).try_for_each(|_| mpi(&mut at))?,
        17 => (0..4).try_for_each(|_| mpi(&mut at))?,
        19 | 22 => {
            counted(&mut at)?;
            mpi(&mut at)?;
        }
        18 => {
            counted(&mut at)?;
            mpi(&mut at)?;
            counted(&mut at)?;
        }
        _ => return None,
    }
    Some(at)
}

/// The fingerprint and User ID of an armoured OpenPGP secret key (`PGP PRIVATE KEY
/// BLOCK`): the v4 fingerprint is the SHA-1 of 0x99, the public part's length and the
/// public part, which a secret key packet starts with in the clear.
fn pgp_public(secret: &[u8]) -> Option<PgpPublic> {
    let text = std::str::from_utf8(secret).ok()?;
    let body = text.trim_start().strip_prefix("-----BEGIN PGP PRIVATE KEY BLOCK-----")?.split("-----END").next()?;
    // Armour headers (`Version: …`) hold a colon, which base64 never does; the checksum
    // line starts with '='.
    let encoded: String = body.lines().map(str::trim).filter(|l| !l.contains(':') && !l.starts_with('=')).collect();
    let raw = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let mut rest = &raw[..];
    let (tag, packet) = pgp_packet(&mut rest)?;
    if tag != 5 {
        return None;
    }
    let public = packet.get(..pgp_public_len(packet)?)?;
    let mut hashed = vec![0x99];
    hashed.extend_from_slice(&(public.len() as u16).to_be_bytes());
    hashed.extend_from_slice(public);
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &hashed);
    let fingerprint = hex::encode_upper(digest.as_ref());
    let mut user_id = None;
    while let Some((tag, body)) = pgp_packet(&mut rest) {
        if tag == 13 {
            user_id = std::str::from_utf8(body).ok().map(|u| u.chars().filter(|c| !c.is_control()).collect());
            break;
        }
    }
    Some(PgpPublic { fingerprint, user_id })
}

/// The key type as `ssh-keygen -l` names it.
fn key_type(kind: &str) -> String {
    match kind {
        "ssh-ed25519" => "ED25519".into(),
        "ssh-rsa" => "RSA".into(),
        "ssh-dss" => "DSA".into(),
        k if k.starts_with("ecdsa-sha2-") => "ECDSA".into(),
        k if k.starts_with("sk-ssh-ed25519") => "ED25519-SK".into(),
        k if k.starts_with("sk-ecdsa") => "ECDSA-SK".into(),
        other => other.to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{CompanionPart, Fingerprint, Secret};
    use crate::rules::template::expand;

    /// A public key `ssh-keygen -t ed25519 -C deploy@ci` made; `ssh-keygen -l` printed
    /// `256 SHA256:6eANVVV0MBzJhW59fXQZGSkmRqrINU3/913StQnvCZE deploy@ci (ED25519)`.
    const PUBLIC: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIB+Rn5UpXVlvS1iPogp8qe/LGcanmxWmjH2k6PCnsszO";
    const SHOWN: &str = "SHA256:6eANVVV0MBzJhW59fXQZGSkmRqrINU3/913StQnvCZE (ED25519)";

    fn put(out: &mut Vec<u8>, value: &[u8]) {
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }

    /// An openssh-key-v1 container around `PUBLIC` with a made-up private section.
    fn key(cipher: &str, comment: &str) -> String {
        let public = base64::engine::general_purpose::STANDARD.decode(PUBLIC).unwrap();
        let mut private = vec![7, 7, 7, 7, 7, 7, 7, 7];
        put(&mut private, b"ssh-ed25519");
        put(&mut private, &public[19..]);
        put(&mut private, expand("{{alnum:64}}", comment).unwrap().as_bytes());
        put(&mut private, comment.as_bytes());
        let mut raw = b"openssh-key-v1\0".to_vec();
        put(&mut raw, cipher.as_bytes());
        put(&mut raw, if cipher == "none" { b"none" } else { b"bcrypt" });
        put(&mut raw, b"");
        raw.extend_from_slice(&1u32.to_be_bytes());
        put(&mut raw, &public);
        put(&mut raw, &private);
        let body = base64::engine::general_purpose::STANDARD.encode(raw);
        format!("-----BEGIN OPENSSH {}-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n", "PRIVATE KEY")
    }

    fn credential(secret: &str, companion: Option<&str>) -> Credential {
        Credential {
            rule: crate::rules::RuleId(0),
            secret: Secret::new(secret.as_bytes()),
            fingerprint: Fingerprint::of(secret.as_bytes()),
            locations: Vec::new(),
            companion: companion.map(|c| CompanionPart {
                name: "access key id".into(),
                value: Secret::new(c.as_bytes()),
                locations: Vec::new(),
            }),
            evidence: None,
            parts: Vec::new(),
        }
    }

    fn shown(handles: &[Handle]) -> Vec<(&str, &str)> {
        handles.iter().map(|h| (h.label, h.value.as_str())).collect()
    }

    #[test]
    fn an_ssh_key_shows_its_fingerprint_as_ssh_keygen_does_and_its_comment() {
        let plain = key("none", "deploy@ci");
        assert_eq!(
            shown(&of("private-key", &credential(&plain, None), &Scope::unknown())),
            [("fingerprint", SHOWN), ("comment", "deploy@ci")]
        );
        let locked = key("aes256-ctr", "deploy@ci");
        assert_eq!(shown(&of("private-key", &credential(&locked, None), &Scope::unknown())), [("fingerprint", SHOWN)]);
        let broken = format!("-----BEGIN OPENSSH {}-----\nAAAA\n-----END", "PRIVATE KEY");
        assert!(of("private-key", &credential(&broken, None), &Scope::unknown()).is_empty());
    }

    /// An Ed25519 public key `gpg --quick-gen-key` made; `gpg -K` printed its
    /// fingerprint `DFD5E167776A3D4BC4922E899283B9DDB8D55035`.
    const PGP_PUBLIC: &str = "mDMEaxMFtxYJKwYBBAHaRw8BAQdAu+tdH/5JOIbgbT3F+oN/8MRZfK99/uSF3OK/\
FxD4MZy0I0RlcGxveSBCb3QgPGRlcGxveUBleGFtcGxlLmludmFsaWQ+iJAEExYI\
ADgWIQTf1eFnd2o9S8SSLomSg7nduNVQNQUCaxMFtwIbAwULCQgHAgYVCgkICwIE\
FgIDAQIeAQIXgAAKCRCSg7nduNVQNW7MAP9Bash4SadsXDcPxFG+ZEc7DCYotdfB\
LO1LOIU9usAkRgD/XHl1HkYse/ESirX0XxsayA2MxbHpzc7aLB66J0MRZQk=";

    /// A secret key block around `PGP_PUBLIC`: its public key packet made a secret key
    /// packet (unprotected, a made-up secret), then its User ID and signature.
    fn pgp_key() -> String {
        let raw = base64::engine::general_purpose::STANDARD.decode(PGP_PUBLIC).unwrap();
        let mut rest = &raw[..];
        let (tag, public) = pgp_packet(&mut rest).unwrap();
        assert_eq!(tag, 6);
        let mut body = public.to_vec();
        body.push(0);
        body.extend_from_slice(&[0x00, 0xff]);
        body.extend_from_slice(expand("{{alnum:32}}", "pgp").unwrap().as_bytes());
        body.extend_from_slice(&[0x12, 0x34]);
        let mut out = vec![0xc5, body.len() as u8];
        out.extend_from_slice(&body);
        out.extend_from_slice(rest);
        let encoded = base64::engine::general_purpose::STANDARD.encode(out);
        format!(
            "-----BEGIN PGP {}-----\n\n{encoded}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n",
            "PRIVATE KEY BLOCK"
        )
    }

    #[test]
    fn a_pgp_key_shows_its_fingerprint_as_gpg_does_and_its_user_id() {
        let key = pgp_key();
        assert_eq!(
            shown(&of("private-key", &credential(&key, None), &Scope::unknown())),
            [
                ("fingerprint", "DFD5E167776A3D4BC4922E899283B9DDB8D55035"),
                ("user id", "Deploy Bot <deploy@example.invalid>")
            ]
        );
    }

    #[test]
    fn an_aws_key_id_is_shown_in_full_and_never_the_secret() {
        let id = expand("AKIA{{}}{{upper:16}}", "id").unwrap();
        let secret = expand("{{b64:40}}", "secret").unwrap();
        let handles = of("aws", &credential(&secret, Some(&id)), &Scope::unknown());
        assert_eq!(shown(&handles), [("key id", id.as_str())]);
        assert!(of("github", &credential(&secret, Some(&id)), &Scope::unknown()).is_empty());
        let echoed = Scope { identity: Some(format!("user {secret}")), source: ScopeSource::Probe, ..Scope::unknown() };
        assert!(of("aws", &credential(&secret, None), &echoed).is_empty(), "a handle holding the secret is dropped");
        let owner =
            Scope { identity: Some("dev@example.invalid".into()), source: ScopeSource::Probe, ..Scope::unknown() };
        assert_eq!(shown(&of("aws", &credential(&secret, None), &owner)), [("owner", "dev@example.invalid")]);
    }
}
