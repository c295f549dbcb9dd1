//! Base64 as credentials and providers use it, with the `base64` crate: JWT and macaroon
//! segments (base64url, padding optional) and standard base64 for request signing and
//! basic auth.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Decodes one base64url segment (padding optional) of a JWT or similar token.
pub fn b64url_decode(segment: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = segment.iter().copied().filter(|&b| b != b'=').collect();
    URL_SAFE_NO_PAD.decode(trimmed).ok()
}

/// Standard base64 with padding.
pub fn b64_standard(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Unpadded base64url.
pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_with_or_without_padding() {
        assert_eq!(b64url_decode(b"eyJhIjoxfQ").as_deref(), Some(br#"{"a":1}"#.as_slice()));
        assert_eq!(b64url_decode(b"eyJhIjoxfQ==").as_deref(), Some(br#"{"a":1}"#.as_slice()));
        assert_eq!(b64url_decode(b"not base64!"), None);
        assert_eq!(b64_standard(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }
}
