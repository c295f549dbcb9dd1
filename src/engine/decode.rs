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

/// What a decoder rule reports itself when nothing in its decoded content was found:
/// `user:password` (`userinfo` rules), or for a rule whose values are all meant to be secret
/// (`secret_values`, a Kubernetes Secret) a single value that looks random or like a
/// password, with why it counts. `None` when it reports nothing; `Some(None)` for a
/// `user:password` (the rule's own notes say what it is).
pub fn fallback(rule: &crate::rules::Rule, name: Option<&[u8]>, decoded: &[u8]) -> Option<Option<super::Evidence>> {
    if rule.userinfo && is_userinfo(decoded) {
        return Some(None);
    }
    if !rule.secret_values {
        return None;
    }
    let value = decoded.trim_ascii();
    let single = !value.is_empty() && value.iter().all(|b| b.is_ascii_graphic());
    if !single
        || super::filter::is_placeholder(value)
        || super::filter::is_repetitive(value)
        || super::filter::is_documented_example(value)
    {
        return None;
    }
    let key = String::from_utf8_lossy(name.unwrap_or(b"a value"));
    let why = match super::filter::randomness(value) {
        Some(r) if r.len >= 16 && super::filter::plausible_generic_secret(value, true, false) => format!("{r}"),
        // A password: upper and lower case and digits, not a name or a region (`eu-west-1`).
        _ if value.len() >= 8
            && crate::rules::validate::Validator::Password.check(value)
            && [u8::is_ascii_uppercase, u8::is_ascii_lowercase, u8::is_ascii_digit]
                .iter()
                .all(|class| value.iter().any(class))
            && super::filter::plausible_generic_secret(value, true, true) =>
        {
            format!("a password of {} characters", value.len())
        }
        _ => return None,
    };
    let reason = format!("{key} in a Secret holds {why}");
    Some(Some(super::Evidence { provider: None, reason: reason.into() }))
}

/// The `key: value` lines of a YAML block (a Kubernetes Secret's `stringData`): pushes
/// (key, value) ranges of `buf`, quotes removed, skipping block scalars and empty values.
pub fn plain_entries(
    buf: &[u8],
    block: std::ops::Range<usize>,
    out: &mut Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
) {
    let mut line = block.start;
    // The block's own keys share the first line's indentation; deeper lines are the content
    // of a block scalar (`config.yaml: |`).
    let mut level = None;
    while line < block.end {
        let end = memchr::memchr(b'\n', &buf[line..block.end]).map_or(block.end, |p| line + p);
        let text = &buf[line..end];
        let indent = text.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        if *level.get_or_insert(indent) != indent {
            line = end + 1;
            continue;
        }
        let quoted_key = matches!(text.get(indent), Some(b'"' | b'\''));
        let key_start = indent + usize::from(quoted_key);
        let key_len = text[key_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            .count();
        let mut i = key_start + key_len + usize::from(quoted_key);
        if key_len > 0 && text.get(i) == Some(&b':') {
            i += 1;
            while matches!(text.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            let mut value = i..text.len();
            while value.end > value.start && matches!(text[value.end - 1], b' ' | b'\t' | b'\r') {
                value.end -= 1;
            }
            let q = text.get(value.start).copied();
            if matches!(q, Some(b'"' | b'\'')) && value.len() >= 2 && text[value.end - 1] == q.unwrap_or(0) {
                value = value.start + 1..value.end - 1;
            }
            let scalar = !value.is_empty() && !matches!(text[value.start], b'|' | b'>' | b'#' | b'{' | b'[');
            if scalar {
                let key = line + key_start..line + key_start + key_len;
                out.push((key, line + value.start..line + value.end));
            }
        }
        line = end + 1;
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
        && !super::filter::is_documented_example(decoded)
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
        assert_eq!(rescan_text(Some(b"pass\x77ord"), b"a\"b"), b"pass\x77ord: \"a\\\"b\"\n".to_vec());
        assert_eq!(rescan_text(Some(b"cfg"), b"x: 1\ny: 2"), b"x: 1\ny: 2".to_vec());
    }

    #[test]
    fn userinfo_needs_both_parts() {
        assert!(is_userinfo(b"deploy:k3J9xQ2mZp8L"));
        assert!(!is_userinfo(b"deploy:"));
        assert!(!is_userinfo(b"no colon here"));
        assert!(!is_userinfo(b"user:<password>"));
        assert!(!is_userinfo(b"user:password"));
        // RFC 6749's client `s6BhdRkqt3` and its secret, as the specification shows them.
        assert!(!is_userinfo(["s6BhdRkqt3:", "gX1fBat3bV"].concat().as_bytes()));
    }
}
