//! Encoded content: secrets inside base64 (Kubernetes Secret `data`, Docker `config.json`
//! `auth`, `Authorization: Basic` headers). A decoder rule (`encoded = "base64"`) finds the
//! blob; the engine decodes it here and scans the decoded text again, one level deep.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Decoded blobs larger than this are not scanned again.
const MAX_DECODED: usize = 64 * 1024;

/// Decodes standard or URL-safe base64 (padding optional) when the result is text: valid
/// UTF-8 with no control characters other than whitespace.
pub fn base64_text(encoded: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = encoded.iter().copied().filter(|&b| b != b'=').collect();
    if trimmed.len() < 8 || trimmed.len() / 4 * 3 > MAX_DECODED {
        return None;
    }
    let decoded = STANDARD_NO_PAD.decode(&trimmed).or_else(|_| URL_SAFE_NO_PAD.decode(&trimmed)).ok()?;
    let text = std::str::from_utf8(&decoded).ok()?;
    let printable = text.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    (printable && !decoded.is_empty()).then_some(decoded)
}

/// The text scanned again: multi-line content as it is (it carries its own context), a
/// single value as `name: "value"` so assignment rules see the key it was stored under.
pub fn rescan_text(name: Option<&[u8]>, decoded: &[u8]) -> Vec<u8> {
    match name {
        Some(name) if !decoded.contains(&b'\n') => {
            let mut out = Vec::with_capacity(name.len() + decoded.len() + 6);
            out.extend_from_slice(name);
            out.extend_from_slice(b": \"");
            for &b in decoded {
                if b == b'"' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.extend_from_slice(b"\"\n");
            out
        }
        _ => decoded.to_vec(),
    }
}

/// `user:password` with a non-trivial password: credentials on their own.
pub fn is_userinfo(decoded: &[u8]) -> bool {
    let Some(colon) = decoded.iter().position(|&b| b == b':') else { return false };
    let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
    !user.is_empty()
        && user.len() <= 256
        && password.len() >= 6
        && !decoded.iter().any(|b| b.is_ascii_whitespace())
        && !super::filter::is_placeholder(password)
        && !is_default_password(password)
}

/// Stand-in passwords from documentation and defaults.
fn is_default_password(password: &[u8]) -> bool {
    const DEFAULTS: &[&str] = &[
        "password", "passw0rd", "secret", "admin", "root", "test", "testing", "guest", "changeme", "default",
        "letmein", "123456", "12345678", "qwerty", "pass", "user", "example", "hunter2",
    ];
    let lower = password.to_ascii_lowercase();
    DEFAULTS.iter().any(|d| lower == d.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_and_refuses_binary() {
        assert_eq!(base64_text(b"dXNlcjpodW50ZXIyMg==").as_deref(), Some(&b"user:hunter22"[..]));
        assert_eq!(base64_text(b"dXNlcjpodW50ZXIyMg").as_deref(), Some(&b"user:hunter22"[..]));
        assert_eq!(base64_text(b"production"), None);
        assert_eq!(base64_text(b"AAECAwQFBgcICQ=="), None);
    }

    #[test]
    fn single_values_keep_their_key() {
        assert_eq!(rescan_text(Some(b"password"), b"a\"b"), b"password: \"a\\\"b\"\n".to_vec());
        assert_eq!(rescan_text(Some(b"cfg"), b"x: 1\ny: 2"), b"x: 1\ny: 2".to_vec());
    }

    #[test]
    fn userinfo_needs_both_parts() {
        assert!(is_userinfo(b"deploy:k3J9xQ2mZp8L"));
        assert!(!is_userinfo(b"deploy:"));
        assert!(!is_userinfo(b"no colon here"));
        assert!(!is_userinfo(b"user:<password>"));
        assert!(!is_userinfo(b"user:password"));
    }
}
