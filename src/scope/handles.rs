//! What an operator needs to find a credential at its provider and act on it, none of it
//! secret: an AWS access key id in full (an identifier, not the secret), an SSH key's
//! fingerprint as `ssh-keygen -l` prints it and its comment, the owner a probe named.
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
