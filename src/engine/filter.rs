//! Precision filters applied to a candidate secret after its rule's pattern matched:
//! entropy, placeholders and templating, and repetitive or sequential text.
//!
//! Every filter here answers "is this obviously not a real credential?". None of them runs
//! on a secret whose checksum validated: a distinctive, checksum-valid token is never hidden.

mod examples;
mod randomness;
pub use examples::is_documented_example;
use randomness::randomness_of;
pub use randomness::{
    Alphabet, Randomness, char_classes, is_jwt, is_uuid, randomness, randomness_after_prefix, spells_stand_in,
};

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
    "…",
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

/// An uncompressed elliptic-curve public point (65 bytes, the first 0x04) in base64url or
/// base64: a Web Push VAPID public key (`applicationServerKey`, Firebase's `vapidKey`) or
/// another P-256 public key. Its private half is 32 bytes.
pub fn is_ec_public_point(value: &[u8]) -> bool {
    if !(86..=88).contains(&value.len()) {
        return false;
    }
    let url: Vec<u8> = value
        .iter()
        .map(|&b| match b {
            b'+' => b'-',
            b'/' => b'_',
            b => b,
        })
        .collect();
    // Leniently: a hand-made key's last character may leave stray bits.
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let engine = GeneralPurpose::new(&base64::alphabet::URL_SAFE, config);
    engine.decode(&url).is_ok_and(|raw| raw.len() == 65 && raw[0] == 4)
}

/// 12 to 128 letters and digits with lower case, upper case and digits, no counting run, no
/// repeats and no stand-in word (`Zx9kQ2mP7wLr`, not `Password123abc`).
pub fn mixed_alnum(value: &[u8]) -> bool {
    (12..=128).contains(&value.len())
        && value.iter().all(u8::is_ascii_alphanumeric)
        && char_classes(value) == 3
        && !is_repetitive(value)
        && longest_sequential_run(value) < 5
        && !spells_stand_in(value)
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
    // One kind of character is a word or a number, unless the value still looks random for
    // its alphabet (26 letters: keys some providers issue in lower case only).
    if char_classes(value) < 2 && !(value.len() >= 16 && randomness_of(value).is_some()) {
        return false;
    }
    if !quoted && value.iter().any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}')) {
        return false;
    }
    let Ok(text) = std::str::from_utf8(value) else { return true };
    // Signs of structure (`a=b,c=d`, `a.b.c`, `A_B_C`) also turn up by chance in generated
    // secrets with punctuation (a Django SECRET_KEY): a value with no words in it that looks
    // random for its alphabet is taken as data despite them.
    let random = randomness_of(value).is_some() && !is_words(text);
    // A format string (`f'{app_label}.{model}'`, `"{host}:{port}"`): `{` then a name.
    let format_string =
        value.windows(2).any(|w| w[0] == b'{' && (w[1].is_ascii_alphabetic() || w[1] == b'_')) && value.contains(&b'}');
    let code = format_string
        || value.starts_with(b"&")
        || value.starts_with(b"*")
        || contains(value, b"::")
        || contains(value, b"->")
        || [&b"[]"[..], b"{}", b"()"].iter().any(|p| contains(value, p))
        || value.ends_with(b"{")
        || value.ends_with(b"(");
    let structure = is_key_value_list(text) || is_dotted_identifier(text) || is_constant_or_slug(text);
    !(code
        || (structure && !random)
        || is_percent_encoded(text)
        || is_password_hash(text)
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
    // At the start, or after `user:` (htpasswd).
    let hash = text.split_once(':').map_or(text, |(user, rest)| if user.contains('$') { text } else { rest });
    // Content digests: Subresource Integrity and lockfiles (`sha512-…`), image digests.
    const DIGESTS: &[&str] = &["sha1-", "sha256-", "sha384-", "sha512-", "sha256:", "sha512:"];
    MARKS.iter().any(|m| hash.starts_with(m) || text.starts_with(m)) || DIGESTS.iter().any(|d| text.starts_with(d))
}

/// `source=x,target=y`, `a:b:c:d`, `Label:`: structure, not a secret. Base64 padding
/// (`=` at the end) is fine.
fn is_key_value_list(text: &str) -> bool {
    text.trim_end_matches('=').contains('=') || text.matches(':').count() >= 3 || text.ends_with(':')
}

/// Letters grouped into words (`GetTemporaryCredentials`, `containerd.io/snapshot/pullsecret`,
/// `Winter2024Sunshine`) covering most of the value. A word is a segment between separators
/// and camelCase boundaries, optionally followed by digits, of three or more letters that
/// reads like one (a vowel, no run of five consonants) or an acronym (`HTTPS`). Random
/// text rarely has such segments: its letters are broken up by digits and case changes.
fn is_words(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Names and identifiers do not use this punctuation inside them; generated passwords do
    // (`Winter2024Sunshine!` ends in one, and is still words).
    let inner = &bytes[1.min(bytes.len())..bytes.len().saturating_sub(1).max(1.min(bytes.len()))];
    if inner.iter().any(|b| b"!$%^&*()=+<>?;'\"`|~,[]{}\\".contains(b)) {
        return false;
    }
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 {
        return false;
    }
    let mut in_words = 0;
    let mut start = None;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        let boundary = match (b, start) {
            (None, _) => true,
            (Some(b), _) if !b.is_ascii_alphanumeric() => true,
            (Some(b), Some(s)) if i > s => {
                let prev = bytes[i - 1];
                let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
                b.is_ascii_uppercase() && (prev.is_ascii_lowercase() || (prev.is_ascii_alphanumeric() && next_lower))
            }
            _ => false,
        };
        if boundary {
            if let Some(s) = start.take() {
                let segment = &bytes[s..i];
                let core = &segment[..segment.len() - segment.iter().rev().take_while(|b| b.is_ascii_digit()).count()];
                // A short word standing alone between separators (`npm`, `io`): a name part.
                let alone = (s == 0 || !bytes[s - 1].is_ascii_alphanumeric())
                    && bytes.get(i).is_none_or(|b| !b.is_ascii_alphanumeric())
                    && core.len() == segment.len()
                    && (2..=3).contains(&core.len());
                if is_word(core) || alone {
                    in_words += core.len();
                }
            }
        }
        if b.is_some_and(|b| b.is_ascii_alphanumeric()) && start.is_none() {
            start = Some(i);
        }
    }
    in_words * 5 >= letters * 4
}

fn is_word(core: &[u8]) -> bool {
    if core.len() < 2 || !core.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    // Words of code and URLs without a vowel.
    const CONSONANT_WORDS: &[&[u8]] = &[
        b"http", b"https", b"www", b"html", b"xml", b"sql", b"pkg", b"src", b"cfg", b"ctx", b"msg", b"svc", b"cmd",
        b"tmp", b"lib", b"bin", b"dns", b"tls", b"ssh", b"tcp", b"grpc", b"smtp", b"ftp", b"sftp",
    ];
    if CONSONANT_WORDS.iter().any(|w| core.eq_ignore_ascii_case(w)) {
        return true;
    }
    let vowel = |b: &u8| matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    if core.len() <= 5 && core.iter().all(u8::is_ascii_uppercase) {
        return true;
    }
    let mut consonants = 0;
    let mut longest = 0;
    for b in core {
        consonants = if vowel(b) { 0 } else { consonants + 1 };
        longest = longest.max(consonants);
    }
    core.len() >= 3 && core.iter().any(vowel) && longest < 5
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
    text.contains('.')
        && text.split('.').all(is_identifier)
        && !text.split('.').any(|p| p.len() >= 16 && randomness_of(p.as_bytes()).is_some())
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
    // A base64 value may start with `/` by chance: a path has no `+` and no padding.
    let rooted = text.starts_with('/') && !text.contains('+') && !text.ends_with('=');
    rooted
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
    fn ec_public_points_are_recognised() {
        use crate::rules::validate::b64_standard;
        let mut point = vec![4u8];
        point.extend((0..64u8).map(|i| i.wrapping_mul(37).wrapping_add(11)));
        let std = b64_standard(&point);
        let url = std.replace('+', "-").replace('/', "_").trim_end_matches('=').to_string();
        assert!(is_ec_public_point(url.as_bytes()) && is_ec_public_point(std.as_bytes()));
        point[0] = 3;
        assert!(!is_ec_public_point(b64_standard(&point).as_bytes()));
        assert!(!is_ec_public_point(b64_standard(&point[..32]).as_bytes()));
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
        // One kind of character, but random for 26 letters.
        assert!(plausible_generic_secret(b"qhxzmwkvtrpjdnfbcylgsq", true, false));
        assert!(!plausible_generic_secret(b"qhxzmwkvtrpj", true, false));
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
            ("sha512-PtYgjmUhBel31k3J9xQ2mZp8LwR4tY7vB1nC6Jf0Qe1Ru5Gi2Ow==", true),
            ("{app_label}.{model_name}:{instance.pk}", true),
        ] {
            assert!(!plausible_generic_secret(code.as_bytes(), quoted, false), "{code}");
        }
    }

    #[test]
    fn mixed_alphanumerics_are_recognised() {
        for yes in ["Zx9kQ2mP7wLr", "aB3dE5gH7jK9mN2p"] {
            assert!(mixed_alnum(yes.as_bytes()), "{yes}");
        }
        for no in ["Password123abc", "zx9kq2mp7wlr", "ZX9KQ2MP7WLR", "Zx9-kQ2m-P7wLr", "aB1", "Abcdef123456"] {
            assert!(!mixed_alnum(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn randomness_is_judged_per_alphabet() {
        use crate::rules::template::expand;
        for (template, alphabet) in [
            ("{{hex:32}}", Alphabet::Hex),
            ("{{HEX:40}}", Alphabet::Hex),
            ("{{alnum:20}}", Alphabet::Base62),
            ("{{alnum:64}}", Alphabet::Base62),
            ("{{lalnum:24}}", Alphabet::Base62),
            ("{{ualnum:32}}", Alphabet::Base62),
            ("{{b64:44}}+/", Alphabet::Base64),
            ("{{base32:32}}", Alphabet::Base32),
            ("{{uuid}}", Alphabet::Uuid),
            ("{{jwt:sub=ci}}", Alphabet::Jwt),
        ] {
            for seed in 0..50 {
                let value = expand(template, &format!("r{seed}")).unwrap();
                let r = randomness_after_prefix(value.as_bytes());
                assert_eq!(r.map(|r| r.alphabet), Some(alphabet), "{value}");
            }
        }
        for prefixed in [
            "pk.{{hex:32}}",
            "cur_live_{{alnum:40}}",
            "{{hex:32}}-us6",
            "{{uuid}}:fx",
            "base64:{{b64:44}}",
            "ACME.{{alnum:24}}",
            "Prod_{{alnum:20}}_v2",
            "{{alnum:8}}-{{alnum:24}}.{{alnum:6}}",
        ] {
            for seed in 0..50 {
                let value = expand(prefixed, &format!("p{seed}")).unwrap();
                assert!(randomness_after_prefix(value.as_bytes()).is_some(), "{value}");
            }
        }
        for not_random in [
            "GetTemporaryCredentials",
            "0123456789012345678",
            "aaaaaaaaaaaaaaaaaaaaaaab",
            "deadbeefdeadbeefdeadbeef",
            "abcabcabcabcabc123abc",
            "my-service-account-name",
            "ABCDEFGHIJKLMNOP1234",
            "abcd1234efgh5678ijkl",
            "npm.legacy-token",
            "1.2.3-beta.4+build.5678",
        ] {
            assert_eq!(randomness(not_random.as_bytes()), None, "{not_random}");
        }
        for not_random in [
            "my-service-account-name-for-staging",
            "com.example.application.identifier",
            "build_2024_release_candidate_final",
            "deploy-deadbeefdeadbeefdeadbeef",
        ] {
            assert_eq!(randomness_after_prefix(not_random.as_bytes()), None, "{not_random}");
        }
        let r = randomness(expand("{{alnum:40}}", "x").unwrap().as_bytes()).unwrap();
        assert_eq!(r.to_string(), "40 base62 characters");
    }

    #[test]
    fn classes_are_counted() {
        assert_eq!(char_classes(b"abc"), 1);
        assert_eq!(char_classes(b"aB3_"), 4);
    }
}
