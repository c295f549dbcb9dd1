//! Precision filters applied to a candidate secret after its rule's pattern matched:
//! entropy, placeholders and templating, and repetitive or sequential text.
//!
//! Every filter here answers "is this obviously not a real credential?". None of them runs
//! on a secret whose checksum validated: a distinctive, checksum-valid token is never hidden.

/// Shannon entropy of `bytes`, in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    bytes.iter().for_each(|&b| counts[b as usize] += 1);
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Substrings (lowercase) that mark a value as a placeholder, sample or template.
const PLACEHOLDER_MARKS: &[&str] = &[
    "xxxx",
    "****",
    "....",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "<%",
    "changeme",
    "change_me",
    "change-me",
    "replaceme",
    "replace_me",
    "replace-me",
    "your_",
    "your-",
    "yourapi",
    "yourtoken",
    "yourkey",
    "yoursecret",
    "yourpass",
    "placeholder",
    "redacted",
    "dummy",
    "example",
    "sample",
    "insert_",
    "insert-",
    "enter_your",
    "put_your",
    "notreal",
    "not_real",
    "not-a-real",
    "fake",
    "<token>",
    "<secret>",
    "<password>",
    "todo_",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "here>",
    "lorem",
    "ipsum",
    "...",
];

/// Whether `secret` is a placeholder, a template expression or a variable reference.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower: Vec<u8> = secret.iter().map(u8::to_ascii_lowercase).collect();
    if PLACEHOLDER_MARKS.iter().any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some()) {
        return true;
    }
    let first = secret.first().copied().unwrap_or(b' ');
    let last = secret.last().copied().unwrap_or(b' ');
    // `<your token>`, `[token]`, `$TOKEN`, `%TOKEN%`, `@token@` style stand-ins.
    matches!((first, last), (b'<', b'>') | (b'[', b']') | (b'%', b'%') | (b'@', b'@')) || first == b'$'
}

/// Whether `secret` is dominated by one character or is a run of sequential characters.
pub fn is_repetitive(secret: &[u8]) -> bool {
    if secret.len() < 8 {
        return false;
    }
    let mut counts = [0usize; 256];
    secret.iter().for_each(|&b| counts[b as usize] += 1);
    let most = counts.iter().copied().max().unwrap_or(0);
    if most * 2 > secret.len() {
        return true;
    }
    longest_sequential_run(secret) >= 8
}

/// Longest run of characters each one above (or below) the previous (`abcdefgh`, `87654321`).
fn longest_sequential_run(bytes: &[u8]) -> usize {
    let mut best = 1;
    let (mut up, mut down) = (1, 1);
    for w in bytes.windows(2) {
        up = if w[1] == w[0].wrapping_add(1) { up + 1 } else { 1 };
        down = if w[1].wrapping_add(1) == w[0] { down + 1 } else { 1 };
        best = best.max(up).max(down);
    }
    best
}

/// Extra evidence a value assigned to a secret-sounding name needs before a generic
/// (catch-all) rule reports it. Rejects:
/// - values with fewer than two character classes (`abcdefghijklmnop`, `1234567890123`);
/// - code rather than data: an unquoted value with brackets or parentheses
///   (`os.getenv(`, `env[`), a code fragment (`[]*T{`), a reference or path expression
///   (`&self.key`, `*out.Token`, `crate::Token`, `obj->key`), a dotted identifier
///   (`process.env.API_TOKEN`, `settings.SECRET_KEY`), a constant or variable name
///   (`GITHUB_TOKEN`, `s3_session_auth`), `key=value` lists and `a:b:c` field layouts;
/// - password hashes (`$2y$05$...`, `{SSHA}...`), URL-encoded text (`pass%5B%7F`), paths and URLs (`/etc/secret.pem`, `./keys/id_rsa`,
///   `https://vault/...`), e-mail addresses, versions and numbers, file names;
/// - base64 that decodes to prose (`dGhpcyBpcyBub3Q...` = "this is not...");
/// - unless `words_ok` (passwords), values made of words (`GetTemporaryCredentials`,
///   `smithy.api#httpApiKeyAuth`): identifiers and names, not random data.
pub fn plausible_generic_secret(value: &[u8], quoted: bool, words_ok: bool) -> bool {
    if char_classes(value) < 2 {
        return false;
    }
    if !quoted && value.iter().any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}')) {
        return false;
    }
    if value.starts_with(b"&") || value.starts_with(b"*") || contains(value, b"::") || contains(value, b"->") {
        return false;
    }
    if [&b"[]"[..], b"{}", b"()"].iter().any(|p| contains(value, p)) || value.ends_with(b"{") || value.ends_with(b"(") {
        return false;
    }
    let Ok(text) = std::str::from_utf8(value) else { return true };
    !(is_percent_encoded(text)
        || is_password_hash(text)
        || is_key_value_list(text)
        || is_dotted_identifier(text)
        || is_constant_or_slug(text)
        || is_path_or_url(text)
        || is_email(text)
        || is_version_or_number(text)
        || has_file_extension(text)
        || decodes_to_prose(text)
        || (!words_ok && is_words(text)))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// A stored password hash (bcrypt, crypt, argon2, PBKDF2, LDAP `{SSHA}`): not the
/// password itself, possibly after a `user:` prefix (htpasswd).
fn is_password_hash(text: &str) -> bool {
    const MARKS: &[&str] =
        &["$2a$", "$2b$", "$2y$", "$argon2", "$1$", "$5$", "$6$", "$apr1$", "pbkdf2_", "{SSHA}", "{SHA}", "{bcrypt}"];
    MARKS.iter().any(|m| text.contains(m))
}

/// `source=x,target=y`, `a:b:c:d`, `Label:`: structure, not a secret. Base64 padding
/// (`=` at the end) is fine.
fn is_key_value_list(text: &str) -> bool {
    text.trim_end_matches('=').contains('=') || text.matches(':').count() >= 3 || text.ends_with(':')
}

/// Letters grouped into words of three or more (`GetTemporaryCredentials`,
/// `containerd.io/snapshot/pullsecret`) covering most of the value. Random text has few.
fn is_words(text: &str) -> bool {
    let letters = text.bytes().filter(u8::is_ascii_alphabetic).count();
    if letters == 0 {
        return false;
    }
    let mut in_words = 0;
    let mut word = 0usize;
    let mut flush = |word: &mut usize| {
        if *word >= 3 {
            in_words += *word;
        }
        *word = 0;
    };
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let starts_word = b.is_ascii_uppercase() && (i + 1 < bytes.len() && bytes[i + 1].is_ascii_lowercase());
        if !b.is_ascii_alphabetic() || starts_word {
            flush(&mut word);
        }
        if b.is_ascii_lowercase() || starts_word {
            word += 1;
        } else if b.is_ascii_uppercase() {
            flush(&mut word);
        }
    }
    flush(&mut word);
    in_words * 5 >= letters * 4
}

/// Standard or URL-safe base64 that decodes to ASCII text with several spaces.
fn decodes_to_prose(text: &str) -> bool {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    if text.len() < 16 {
        return false;
    }
    let padded = format!("{text}{}", "=".repeat((4 - text.len() % 4) % 4));
    let decoded = STANDARD.decode(&padded).or_else(|_| URL_SAFE.decode(&padded));
    decoded.is_ok_and(|d| {
        d.iter().all(|b| b.is_ascii_graphic() || *b == b' ') && d.iter().filter(|&&b| b == b' ').count() >= 2
    })
}

/// Two or more `%XX` escapes: URL-encoded text (test vectors, query strings).
fn is_percent_encoded(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(2))
        .filter(|&i| b[i] == b'%' && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
        .count()
        >= 2
}

fn is_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_dotted_identifier(text: &str) -> bool {
    text.contains('.') && text.split('.').all(is_identifier)
}

/// `GITHUB_TOKEN`, `api_key_value`, `s3_session-auth`: names, not values. Each part is
/// letters of one case, optionally followed by digits.
fn is_constant_or_slug(text: &str) -> bool {
    let part_ok = |p: &str, upper: bool| {
        let letters = p.trim_end_matches(|c: char| c.is_ascii_digit());
        !letters.is_empty()
            && letters.bytes().all(|b| if upper { b.is_ascii_uppercase() } else { b.is_ascii_lowercase() })
    };
    let parts: Vec<&str> = text.split(['_', '-']).collect();
    parts.len() > 1 && (parts.iter().all(|p| part_ok(p, true)) || parts.iter().all(|p| part_ok(p, false)))
}

fn is_path_or_url(text: &str) -> bool {
    text.starts_with('/')
        || text.starts_with("./")
        || text.starts_with("../")
        || text.starts_with("~/")
        || text.contains("://")
        || (text.len() > 2 && text.as_bytes()[1] == b':' && matches!(text.as_bytes()[2], b'\\' | b'/'))
}

fn is_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'))
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'.' | b'_' | b'-' | b'+'))
}

/// `12345`, `3.14`, `v1.2.3`, `1.2.3-beta.1+build`.
fn is_version_or_number(text: &str) -> bool {
    let t = text.strip_prefix('v').unwrap_or(text);
    let core = t.split(['-', '+']).next().unwrap_or(t);
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_' | b','));
    numeric(t) || (core.contains('.') && numeric(core) && core.starts_with(|c: char| c.is_ascii_digit()))
}

fn has_file_extension(text: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".json",
        ".pem",
        ".key",
        ".crt",
        ".cer",
        ".p12",
        ".pfx",
        ".txt",
        ".yaml",
        ".yml",
        ".toml",
        ".env",
        ".conf",
        ".cfg",
        ".ini",
        ".xml",
        ".jks",
        ".keystore",
        ".gpg",
        ".asc",
        ".pub",
    ];
    let lower = text.to_ascii_lowercase();
    EXTENSIONS.iter().any(|e| lower.ends_with(e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_text() {
        assert_eq!(entropy(b"aaaaaaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(entropy(b"k3J9xQ2mZp8LwR4tY7vB1nC6") > 4.0);
    }

    #[test]
    fn placeholders_and_templates_are_recognised() {
        for p in [
            "<your-token>",
            "xxxxxxxxxxxxxxxx",
            "${GITHUB_TOKEN}",
            "{{ .Values.apiKey }}",
            "changeme",
            "your_api_key",
            "****************",
            "$API_KEY",
            "%API_KEY%",
            "sk_live_EXAMPLEKEY12345",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for real in ["k3J9xQ2mZp8LwR4tY7vB1nC6", "Tr0ub4dor&3horse"] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn repetitive_values_are_recognised() {
        assert!(is_repetitive(b"aaaaaaaaaaaab"));
        assert!(is_repetitive(b"xyzabcdefghijk"));
        assert!(is_repetitive(b"0123456789"));
        assert!(!is_repetitive(b"k3J9xQ2mZp8LwR4tY7vB1nC6"));
    }

    #[test]
    fn generic_values_must_look_like_data() {
        for real in ["k3J9xQ2mZp8LwR4tY7vB1nC6", "Tr0ub4dor&3horse!", "wJalrXUt/K7MDENG+bPxRfiCY", "aGVsbG8K2xJ9Q=="] {
            assert!(plausible_generic_secret(real.as_bytes(), true, false), "{real}");
        }
        assert!(plausible_generic_secret(b"Winter2024Sunshine!", true, true));
        assert!(!plausible_generic_secret(b"Winter2024Sunshine!", true, false));
        for (code, quoted) in [
            ("process.env.API_TOKEN", false),
            ("settings.SECRET_KEY", true),
            ("os.getenv(", false),
            ("GITHUB_TOKEN_VALUE", true),
            ("my-secret-name", true),
            ("/etc/keyreach/secret.pem", true),
            ("https://vault.internal/v1/secret", true),
            ("ops@example.com", true),
            ("1.2.3-beta", true),
            ("service-account.json", true),
            ("abcdefghijklmnopqr", true),
            ("pass%5B%7Fword", true),
            ("&self.client_secret", false),
            ("super::Foundation::HANDLE", false),
            ("*out.TokenOutput.RefreshToken", false),
            ("[]*VolumeSecret{", true),
            ("source=mysecret,target=target1", true),
            ("UID:GID:GECOS:directory:shell", false),
            ("s3_disable_express_session_auth", true),
            ("GetTemporaryGlueTableCredentials", true),
            ("smithy.api#httpApiKeyAuth", true),
            ("containerd.io/snapshot/pullsecret", true),
            ("dGhpcyBpcyBub3QgYSByZWFsIHZhbHVl", true),
            ("models/users/token.md", true),
            ("testuser:$2y$05$sBsSqk0OpSD1uTZkHXc4FeJ0Z70wLQdAX", true),
        ] {
            assert!(!plausible_generic_secret(code.as_bytes(), quoted, false), "{code}");
        }
    }

    #[test]
    fn classes_are_counted() {
        assert_eq!(char_classes(b"abc"), 1);
        assert_eq!(char_classes(b"aB3_"), 4);
    }
}
