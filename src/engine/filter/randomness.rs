//! How random a value looks: its alphabet, its randomness judged for that alphabet, and the
//! shapes that are structure rather than secret (UUIDs, JWTs, stand-ins).

use super::*;

/// The alphabet a value is written in, judged from the characters it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// `8-4-4-4-12` hex groups.
    Uuid,
    /// Three base64url parts whose first decodes to a JSON header with `alg`.
    Jwt,
    Hex,
    Base32,
    /// Letters and digits (of one case, or both).
    Base62,
    /// Base62 with `+` or `/` (and `=` padding).
    Base64,
    /// Base62 with `-` or `_`.
    Base64Url,
    /// Printable ASCII with other punctuation (passwords).
    Printable,
}

impl Alphabet {
    pub fn as_str(self) -> &'static str {
        match self {
            Alphabet::Uuid => "UUID",
            Alphabet::Jwt => "JWT",
            Alphabet::Hex => "hex",
            Alphabet::Base32 => "base32",
            Alphabet::Base62 => "base62",
            Alphabet::Base64 => "base64",
            Alphabet::Base64Url => "base64url",
            Alphabet::Printable => "printable",
        }
    }
}

/// A value that looks randomly generated: its alphabet and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Randomness {
    pub alphabet: Alphabet,
    pub len: usize,
}

impl std::fmt::Display for Randomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.alphabet {
            Alphabet::Uuid => f.write_str("a random UUID"),
            Alphabet::Jwt => write!(f, "a JWT of {} characters", self.len),
            a => write!(f, "{} {} characters", self.len, a.as_str()),
        }
    }
}

/// Whether `value` looks randomly generated, judged for its own alphabet and length rather
/// than by one entropy number: 32 hex characters carry less entropy per character than 32
/// base62 ones, yet both are typical keys. A random string of length `n` over `k` symbols
/// uses about `k·(1−(1−1/k)ⁿ)` distinct symbols with a near-uniform spread; words,
/// identifiers, numbers, versions and repeated patterns use far fewer or spread unevenly.
pub fn randomness(value: &[u8]) -> Option<Randomness> {
    randomness_of(value)
}

/// Like [`randomness`], also after a short lowercase prefix: `pk.…`, `key-…`, `cur_live_…`.
/// Only for values a name or a provider already claims: prefixed digests (`npm-key-<hash>`)
/// look the same.
pub fn randomness_after_prefix(value: &[u8]) -> Option<Randomness> {
    let marked = |part: &[u8]| {
        !part.is_empty()
            && part.len() <= 12
            && part.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'))
    };
    let whole = |r: Randomness| Randomness { alphabet: r.alphabet, len: value.len() };
    randomness_of(value)
        .or_else(|| {
            // A short prefix then a random body: `pk.…`, `key-…`, `cur_live_…`, `sk_test_…`,
            // Laravel's `base64:…`.
            let cut = value.iter().take(13).rposition(|b| matches!(b, b'.' | b'_' | b'-' | b':'))?;
            let (prefix, body) = (&value[..cut], &value[cut + 1..]);
            randomness_of(body).filter(|_| marked(prefix) && body.len() >= 12).map(whole)
        })
        .or_else(|| {
            // Parts joined by `.`, `-`, `_` or `:` (`AbC1.x9Y…`, `user-3f9K…_v2`): a random
            // part of 16 or more characters carries the value, whatever labels stand around it.
            let parts = value.split(|b| matches!(b, b'.' | b'-' | b'_' | b':'));
            let longest = parts.max_by_key(|p| p.len()).filter(|p| p.len() >= 16 && p.len() < value.len())?;
            let text = std::str::from_utf8(value).ok()?;
            let alphabet = if value.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')) {
                Alphabet::Base64Url
            } else {
                Alphabet::Printable
            };
            (randomness_of(longest).is_some_and(|r| r.alphabet != Alphabet::Hex || longest.len() >= 24)
                && !is_path_or_url(text)
                && !is_email(text))
            .then_some(Randomness { alphabet, len: value.len() })
        })
        .or_else(|| {
            // A random body then a short suffix: Mailchimp's `…-us6`, DeepL's `…:fx`.
            let cut = value.len().checked_sub(8)?
                + value[value.len() - 8..].iter().rposition(|b| matches!(b, b'-' | b':' | b'.'))?;
            let (body, suffix) = (&value[..cut], &value[cut + 1..]);
            randomness_of(body).filter(|_| marked(suffix) && body.len() >= 12).map(whole)
        })
}

pub(super) fn randomness_of(value: &[u8]) -> Option<Randomness> {
    let len = value.len();
    if is_uuid(value) {
        return Some(Randomness { alphabet: Alphabet::Uuid, len }).filter(|_| !is_repetitive(value));
    }
    if is_jwt(value) {
        return Some(Randomness { alphabet: Alphabet::Jwt, len });
    }
    let body = trim_padding(value);
    if body.len() < 12 || body.iter().any(|b| !b.is_ascii_graphic()) {
        return None;
    }
    let (lower, upper, digit) = (
        body.iter().any(u8::is_ascii_lowercase),
        body.iter().any(u8::is_ascii_uppercase),
        body.iter().any(u8::is_ascii_digit),
    );
    let has = |set: &[u8]| body.iter().any(|b| set.contains(b));
    let only = |f: fn(&u8) -> bool| body.iter().all(f);
    // Numbers and versions are not keys; letters that spell words are not random, nor is a
    // value that spells a credential word or a stand-in (`neo4j/password`, `admin_secret1`).
    let text = std::str::from_utf8(body).unwrap_or("");
    if !(lower || upper) || is_words(text) || is_version_or_number(text) || spells_stand_in(body) {
        return None;
    }
    let (alphabet, symbols) = if only(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        || only(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
    {
        (Alphabet::Hex, 16.0)
    } else if only(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b)) {
        (Alphabet::Base32, 32.0)
    } else if only(u8::is_ascii_alphanumeric) {
        (Alphabet::Base62, [lower, upper].iter().filter(|&&c| c).count() as f64 * 26.0 + if digit { 10.0 } else { 0.0 })
    } else if only(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/')) && has(b"+/") {
        (Alphabet::Base64, 64.0)
    } else if only(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')) && has(b"-_") {
        (Alphabet::Base64Url, 64.0)
    } else {
        // Generated passwords draw punctuation from a subset (Django's has 14 symbols).
        let classes =
            [lower, upper, digit].iter().zip([26.0, 26.0, 10.0]).filter(|(c, _)| **c).map(|(_, n)| n).sum::<f64>();
        (Alphabet::Printable, classes + 16.0)
    };
    if alphabet == Alphabet::Hex && !digit {
        return None;
    }
    let n = body.len() as f64;
    let expected = symbols * (1.0 - (1.0 - 1.0 / symbols).powf(n));
    let mut seen = [false; 256];
    body.iter().for_each(|&b| seen[b as usize] = true);
    let distinct = seen.iter().filter(|&&s| s).count() as f64;
    // Uneven use of the symbols (a few repeated ones) shows as entropy well below that
    // of the symbols used.
    let even = entropy(body) >= 0.85 * distinct.log2();
    // `abcd1234efgh5678`: documentation samples count up; random text rarely steps by one.
    let steps = body.windows(2).filter(|w| w[1] == w[0].wrapping_add(1)).count();
    let counting = steps * 4 >= body.len();
    let random =
        distinct >= 0.7 * expected && even && !counting && !is_repetitive(body) && longest_sequential_run(body) < 5;
    random.then_some(Randomness { alphabet, len })
}

/// Words that random text does not contain but stand-ins and defaults do.
pub fn spells_stand_in(value: &[u8]) -> bool {
    const WORDS: &[&[u8]] =
        &[b"password", b"passwd", b"secret", b"token", b"apikey", b"changeme", b"default", b"admin", b"test", b"demo"];
    let lower = value.to_ascii_lowercase();
    WORDS.iter().any(|w| memchr::memmem::find(&lower, w).is_some())
}

fn trim_padding(value: &[u8]) -> &[u8] {
    let mut end = value.len();
    while end > 0 && value[end - 1] == b'=' && value.len() - end < 2 {
        end -= 1;
    }
    &value[..end]
}

/// `8-4-4-4-12` hex digits.
pub fn is_uuid(value: &[u8]) -> bool {
    value.len() == 36
        && value.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Three base64url parts, the first decoding to a JSON object with an `alg`.
pub fn is_jwt(value: &[u8]) -> bool {
    let mut parts = value.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let b64url = |p: &[u8]| !p.is_empty() && p.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    header.starts_with(b"eyJ")
        && payload.starts_with(b"eyJ")
        && b64url(header)
        && b64url(payload)
        && sig.len() >= 16
        && b64url(sig)
        && crate::rules::validate::b64url_decode(header).is_some_and(|h| memchr::memmem::find(&h, b"\"alg\"").is_some())
}

/// Distinct character classes (lower, upper, digit, other) present in `bytes`.
pub fn char_classes(bytes: &[u8]) -> usize {
    let mut seen = [false; 4];
    for &b in bytes {
        let class = match b {
            b'a'..=b'z' => 0,
            b'A'..=b'Z' => 1,
            b'0'..=b'9' => 2,
            _ => 3,
        };
        seen[class] = true;
    }
    seen.iter().filter(|&&s| s).count()
}
