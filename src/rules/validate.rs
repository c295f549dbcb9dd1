//! Offline structure checks named by a rule's `validate` field: checksums and payloads a
//! real credential always has. Each check also knows how to complete a synthetic token, so
//! examples and tests never need a real credential (see [`super::template`]).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A named offline check. Closed set: a rule naming an unknown one fails to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// GitHub and npm: CRC32 of the body, base62, in the last six characters.
    GithubCrc32,
    /// GitLab routable tokens: CRC32 of everything before the last seven characters, base36.
    GitlabRoutable,
    /// crates.io trusted-publishing tokens: XOR of the body mod 62 as the last character.
    CratesTp,
    /// A JSON Web Token whose header and payload decode to JSON objects.
    Jwt,
    /// A PyPI macaroon: base64url of a version-2 binary macaroon.
    PypiMacaroon,
    /// An AWS access key id: the body is base32.
    AwsKeyId,
    /// A connection URL whose password is real: present, not a placeholder or a well-known
    /// default, not the user name, and not on a documentation host.
    UrlPassword,
    /// A bare password value that is not a placeholder or a well-known default.
    Password,
}

impl Validator {
    /// A checksum over the token's own bytes: a token that fails it is a typo, a truncation
    /// or made up, never a live credential.
    pub fn is_checksum(self) -> bool {
        matches!(self, Validator::GithubCrc32 | Validator::GitlabRoutable | Validator::CratesTp)
    }

    pub const NAMES: &'static [&'static str] = &[
        "github-crc32",
        "gitlab-routable",
        "crates-tp",
        "jwt",
        "pypi-macaroon",
        "aws-key-id",
        "url-password",
        "password",
    ];

    pub fn from_name(name: &str) -> Option<Validator> {
        Some(match name {
            "github-crc32" => Validator::GithubCrc32,
            "gitlab-routable" => Validator::GitlabRoutable,
            "crates-tp" => Validator::CratesTp,
            "jwt" => Validator::Jwt,
            "pypi-macaroon" => Validator::PypiMacaroon,
            "aws-key-id" => Validator::AwsKeyId,
            "url-password" => Validator::UrlPassword,
            "password" => Validator::Password,
            _ => return None,
        })
    }

    /// Whether `secret` has the structure this validator requires.
    pub fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubCrc32 => github_crc32_ok(secret),
            Validator::GitlabRoutable => gitlab_routable_ok(secret),
            Validator::CratesTp => crates_tp_ok(secret),
            Validator::Jwt => jwt_ok(secret),
            Validator::PypiMacaroon => pypi_ok(secret),
            Validator::AwsKeyId => aws_key_id_ok(secret),
            Validator::UrlPassword => url_password_ok(secret),
            Validator::Password => bare_password_ok(secret),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn encode_radix(mut n: u64, alphabet: &[u8], width: usize) -> String {
    let radix = alphabet.len() as u64;
    let mut out = vec![alphabet[0]; width];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % radix) as usize];
        n /= radix;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn decode_radix(text: &[u8], alphabet: &[u8]) -> Option<u64> {
    let radix = alphabet.len() as u64;
    text.iter().try_fold(0u64, |acc, b| {
        let digit = alphabet.iter().position(|a| a == b)? as u64;
        acc.checked_mul(radix)?.checked_add(digit)
    })
}

/// `prefix_` + body + 6 base62 checksum characters; the CRC covers only the body.
fn github_crc32_ok(token: &[u8]) -> bool {
    let Some(underscore) = token.iter().position(|&b| b == b'_') else {
        return false;
    };
    if token.len() < underscore + 1 + 6 + 6 {
        return false;
    }
    let (rest, check) = token.split_at(token.len() - 6);
    let body = &rest[underscore + 1..];
    decode_radix(check, BASE62) == Some(u64::from(crc32fast::hash(body)))
}

/// Appends the GitHub checksum to `prefix_body`.
pub fn github_crc32_complete(prefix_and_body: &str) -> String {
    let body = prefix_and_body.split_once('_').map_or(prefix_and_body, |(_, b)| b);
    let check = encode_radix(u64::from(crc32fast::hash(body.as_bytes())), BASE62, 6);
    format!("{prefix_and_body}{check}")
}

fn gitlab_routable_ok(token: &[u8]) -> bool {
    if token.len() < 20 || !token.contains(&b'.') {
        return false;
    }
    let (rest, check) = token.split_at(token.len() - 7);
    decode_radix(check, BASE36) == Some(u64::from(crc32fast::hash(rest)))
}

/// Builds a versioned routable GitLab token: `prefix` + base64url(16 random bytes, payload,
/// payload length) + `.01.` + base36 length + CRC.
pub fn gitlab_routable_build(prefix: &str, random: &[u8; 16], payload: &str) -> String {
    let mut raw = random.to_vec();
    raw.extend_from_slice(payload.as_bytes());
    raw.push(payload.len() as u8);
    let b64 = URL_SAFE_NO_PAD.encode(&raw);
    let len = encode_radix(b64.len() as u64, BASE36, 2);
    let head = format!("{prefix}{b64}.01.{len}");
    let crc = encode_radix(u64::from(crc32fast::hash(head.as_bytes())), BASE36, 7);
    format!("{head}{crc}")
}

const CRATES_ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn crates_tp_checksum(body: &[u8]) -> u8 {
    let xor = body.iter().fold(0u8, |acc, b| acc ^ b);
    CRATES_ALPHABET[(xor % 62) as usize]
}

fn crates_tp_ok(token: &[u8]) -> bool {
    let Some(rest) = token.strip_prefix(b"cio_tp_") else {
        return false;
    };
    if rest.len() != 32 {
        return false;
    }
    crates_tp_checksum(&rest[..31]) == rest[31]
}

/// Appends the crates.io trusted-publishing checksum to `cio_tp_` + 31 characters.
pub fn crates_tp_complete(token: &str) -> String {
    let body = token.strip_prefix("cio_tp_").unwrap_or(token);
    let check = crates_tp_checksum(body.as_bytes()) as char;
    format!("{token}{check}")
}

/// Decodes one base64url segment (padding optional) of a JWT or similar token.
pub fn b64url_decode(segment: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = segment.iter().copied().filter(|&b| b != b'=').collect();
    URL_SAFE_NO_PAD.decode(trimmed).ok()
}

fn json_object(segment: &[u8]) -> bool {
    b64url_decode(segment)
        .and_then(|raw| serde_json::from_slice::<serde_json::Value>(&raw).ok())
        .is_some_and(|v| v.is_object())
}

fn jwt_ok(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    json_object(header) && json_object(payload)
}

/// Encodes `header` and `payload` JSON as an (unsigned-looking) JWT with `signature`.
pub fn jwt_build(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

fn pypi_ok(token: &[u8]) -> bool {
    let Some(body) = token.strip_prefix(b"pypi-") else {
        return false;
    };
    b64url_decode(body).is_some_and(|raw| raw.first() == Some(&2) && raw.len() > 40)
}

fn aws_key_id_ok(token: &[u8]) -> bool {
    token.len() == 20 && token[4..].iter().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b))
}

/// Passwords that are defaults or stand-ins wherever they appear (lowercase).
const WEAK_PASSWORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "changeit",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "root",
    "toor",
    // Oracle's sample schema (scott/tiger).
    "tiger",
    "admin",
    "administrator",
    "guest",
    "test",
    "testing",
    "user",
    "username",
    "default",
    "redis",
    "mongo",
    "mongodb",
    "rabbitmq",
    "letmein",
    "qwerty",
    "tiger",
    "demo",
    "local",
    "docker",
    "development",
    "dev",
    "foobar",
    "foo",
    "bar",
    "db",
    "database",
    "mypass",
    "pass123",
    "secret123",
    "admin123",
    "root123",
];

/// Parts that make any value a stand-in rather than a password (lowercase).
const WEAK_PARTS: &[&str] = &["password", "passwd", "passw0rd", "p@ssw0rd", "changeme", "example", "placeholder"];

/// Whether `password` is missing, a template, a well-known default, or the user name again.
fn weak_password(password: &[u8], user: Option<&[u8]>) -> bool {
    if password.len() < 3 || matches!(password[0], b'$' | b'%' | b'{' | b'<' | b'[' | b'*' | b':') {
        return true;
    }
    if user.is_some_and(|u| u.eq_ignore_ascii_case(password)) {
        return true;
    }
    let lower = password.to_ascii_lowercase();
    if WEAK_PASSWORDS.iter().any(|w| w.as_bytes() == lower.as_slice())
        || WEAK_PARTS.iter().any(|w| lower.windows(w.len()).any(|win| win == w.as_bytes()))
    {
        return true;
    }
    let all_same = lower.iter().all(|&b| b == lower[0]);
    let short_digits = lower.len() < 8 && lower.iter().all(u8::is_ascii_digit);
    all_same || short_digits
}

/// A password assigned on its own: not weak, not a URL, not code (`os.getenv(`,
/// `settings.DB_PASS`, `env["X"]`), and not a bare identifier such as `mysql_pwd` (two
/// character classes at least, where `_`, `-` and `.` join words and count for none; and not
/// lowercase words joined by underscores).
fn bare_password_ok(password: &[u8]) -> bool {
    let classes = [
        password.iter().any(u8::is_ascii_lowercase),
        password.iter().any(u8::is_ascii_uppercase),
        password.iter().any(u8::is_ascii_digit),
        password.iter().any(|b| !b.is_ascii_alphanumeric() && !matches!(b, b'_' | b'-' | b'.')),
    ];
    let url = password.windows(3).any(|w| w == b"://");
    let snake_case =
        password.contains(&b'_') && password.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    !weak_password(password, None)
        && !url
        && !snake_case
        && !looks_like_code(password)
        && classes.iter().filter(|&&c| c).count() >= 2
}

/// A call, an index, or a dotted path of identifiers (`process.env.DB_PASSWORD`).
fn looks_like_code(value: &[u8]) -> bool {
    if value.iter().any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}')) {
        return true;
    }
    let identifier = |part: &[u8]| {
        part.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && part.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    value.contains(&b'.') && value.split(|&b| b == b'.').all(identifier)
}

/// Hosts reserved for documentation and tests (RFC 2606, RFC 6761).
fn documentation_host(host: &[u8]) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.split(|&b| b == b':' || b == b',').next().unwrap_or_default();
    let reserved_tld = [&b".example"[..], b".invalid", b".test"].iter().any(|t| host.ends_with(t));
    let reserved_domain = [&b"example.com"[..], b"example.net", b"example.org"]
        .iter()
        .any(|d| host == *d || host.ends_with(&[b".", *d].concat()));
    reserved_tld || reserved_domain
}

fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

/// The value of a `name=value` parameter (after `?`, `&` or `;`), up to `&`, `;` or the end.
fn url_param<'a>(url: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(at) = find_ci(&url[from..], name).map(|i| i + from) {
        let end_name = at + name.len();
        if at > 0 && matches!(url[at - 1], b'?' | b'&' | b';') && url.get(end_name) == Some(&b'=') {
            let value = &url[end_name + 1..];
            let end = value.iter().position(|&b| b == b'&' || b == b';').unwrap_or(value.len());
            return Some(&value[..end]);
        }
        from = end_name;
    }
    None
}

/// The parts of a connection string that decide whether its password is real.
struct UrlCredentials {
    user: Option<Vec<u8>>,
    password: Vec<u8>,
    host: Vec<u8>,
}

/// User, password and host of a connection string: `scheme://user:password@host`, Oracle's
/// `thin:user/password@host`, or `password=` / `user=` parameters (JDBC, ADO.NET, Prisma).
fn url_credentials(url: &[u8]) -> Option<UrlCredentials> {
    let owned = |user: Option<&[u8]>, password: &[u8], host: &[u8]| UrlCredentials {
        user: user.map(<[u8]>::to_vec),
        password: password.to_vec(),
        host: host.to_vec(),
    };
    if let Some(at) = find_ci(url, b"thin:") {
        let rest = &url[at + 5..];
        if let (Some(slash), Some(end)) = (rest.iter().position(|&b| b == b'/'), rest.iter().rposition(|&b| b == b'@'))
        {
            if slash > 0 && slash < end {
                let host = &rest[end + 1..];
                return Some(owned(
                    Some(&rest[..slash]),
                    &rest[slash + 1..end],
                    host.strip_prefix(b"//").unwrap_or(host),
                ));
            }
        }
    }
    let mut authority: &[u8] = b"";
    if let Some(scheme_end) = find_ci(url, b"://").map(|i| i + 3) {
        let rest = &url[scheme_end..];
        let end = rest.iter().position(|&b| matches!(b, b'/' | b'?' | b'#' | b';')).unwrap_or(rest.len());
        authority = &rest[..end];
        if let Some(at) = authority.iter().rposition(|&b| b == b'@') {
            if let Some(colon) = authority[..at].iter().position(|&b| b == b':') {
                return Some(owned(Some(&authority[..colon]), &authority[colon + 1..at], &authority[at + 1..]));
            }
        }
    }
    // `Server=...;Password=...` strings start with a parameter, not a separator.
    let params = [b";".as_slice(), url].concat();
    let param = |names: &[&[u8]]| names.iter().find_map(|n| url_param(&params, n));
    let password = param(&[b"password", b"pwd"])?;
    let user = param(&[b"user", b"username", b"user id", b"uid"]);
    let host = param(&[b"server", b"data source", b"host", b"address", b"addr"]).unwrap_or(authority);
    Some(owned(user, password, host))
}

fn url_password_ok(url: &[u8]) -> bool {
    url_credentials(url).is_some_and(|c| !weak_password(&c.password, c.user.as_deref()) && !documentation_host(&c.host))
}

/// Standard base64 with padding, used by templates that wrap content (`{{base64:...}}`).
pub fn b64_standard(data: &[u8]) -> String {
    STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum_matches_the_providers_reference_vector() {
        // Reference vector from shared/providers/devplatforms.md, split so that no scanner
        // sees a token-shaped literal in this file.
        let token = ["ghp_KEYREACHFAKE00000000000", "00000AA2zcrrN"].concat();
        assert!(Validator::GithubCrc32.check(token.as_bytes()));
        let npm = ["npm_KEYREACHFAKE00000000000", "00000BB0JhEHg"].concat();
        assert!(Validator::GithubCrc32.check(npm.as_bytes()));
    }

    #[test]
    fn github_checksum_rejects_a_changed_character() {
        let good = github_crc32_complete("ghp_abcdefghijklmnopqrstuvwxyz0123");
        assert!(Validator::GithubCrc32.check(good.as_bytes()));
        let bad = good.replacen('a', "b", 1);
        assert!(!Validator::GithubCrc32.check(bad.as_bytes()));
    }

    #[test]
    fn gitlab_routable_matches_the_providers_reference_vector() {
        let token = ["glpat-AAAAAAAAAAAAAAAAAAAAAG86MQp1Oj", "lpeAk.01.0z0mjjcf5"].concat();
        assert!(Validator::GitlabRoutable.check(token.as_bytes()));
        let built = gitlab_routable_build("glpat-", &[0; 16], "o:1\nu:9ix");
        assert_eq!(built, token);
    }

    #[test]
    fn crates_checksum_matches_the_source_vector() {
        let zeros = format!("cio_tp_{}", "0".repeat(31));
        assert_eq!(crates_tp_complete(&zeros), format!("{zeros}w"));
        assert!(Validator::CratesTp.check(format!("{zeros}w").as_bytes()));
        assert!(!Validator::CratesTp.check(format!("{zeros}x").as_bytes()));
    }

    #[test]
    fn url_passwords_must_be_real() {
        // PW stands for a strong password, built at test time so that keyreach, scanning
        // this repository, finds no connection string with a real-looking password.
        let strong = ["Zq81n", "Vx0pLk2"].concat();
        let ok = |url: &str| Validator::UrlPassword.check(url.replace("PW", &strong).as_bytes());
        assert!(ok("postgres://app:PW@db.internal:5432/shop"));
        assert!(ok("redis://:PW@cache:6379/0"));
        assert!(ok("jdbc:sqlserver://db:1433;databaseName=shop;user=app;password=PW;"));
        assert!(ok("jdbc:postgresql://db/shop?user=app&password=PW&ssl=true"));
        assert!(ok("jdbc:oracle:thin:app/PW@//db:1521/orcl"));
        assert!(ok("Server=tcp:shop.database.windows.net,1433;Initial Catalog=shop;User ID=app;Password=PW;"));
        for weak in [
            "postgres://postgres:postgres@localhost/postgres",
            "postgres://user:password@localhost/db",
            "mysql://root:@localhost/db",
            "amqp://guest:guest@rabbit:5672",
            "mongodb://admin:${MONGO_PASSWORD}@mongo:27017",
            "postgres://app:PW@db.example.com/shop",
            "postgres://app:PW@db.acme.invalid/shop",
            "redis://cache:6379/0",
            "jdbc:oracle:thin:scott/tiger@db:1521:orcl",
            "jdbc:mysql://db/shop?user=app&password=",
            "Server=db.example.com;Database=shop;User Id=app;Password=PW;",
            "Host=localhost;Database=shop;Username=app;Password={your_password}",
        ] {
            assert!(!ok(weak), "{weak}");
        }
    }

    #[test]
    fn bare_passwords_must_not_be_defaults() {
        let strong = ["Zq81n", "Vx0pLk2"].concat();
        assert!(Validator::Password.check(strong.as_bytes()));
        for weak in [
            "postgres",
            "Password123",
            "changeme",
            "root",
            "1234",
            "$DB_PASSWORD",
            "aaaaaaaa",
            "mysql_pwd",
            "neo4j_pass",
            "os.getenv(",
            "settings.DATABASE_PASS",
            "https://www.postgresql.org/docs/",
        ] {
            assert!(!Validator::Password.check(weak.as_bytes()), "{weak}");
        }
    }

    #[test]
    fn jwt_needs_json_header_and_payload() {
        let jwt = jwt_build(r#"{"alg":"HS256"}"#, r#"{"role":"anon"}"#, b"sig");
        assert!(Validator::Jwt.check(jwt.as_bytes()));
        assert!(!Validator::Jwt.check(b"eyJub3Rqc29u.eyJ4.abc"));
    }
}
