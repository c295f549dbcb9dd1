//! Example templates: how rule examples and test fixtures hold credentials without the
//! repository holding a single live-looking secret (DESIGN.md, "Fixtures and secrets").
//!
//! A template is plain text with `{{...}}` directives, expanded deterministically from a
//! seed. Directives nest; inner ones expand first.
//!
//! | directive | expands to |
//! |---|---|
//! | `{{alnum:N}}` `{{alpha:N}}` `{{lower:N}}` `{{upper:N}}` `{{digit:N}}` | N random characters of that class |
//! | `{{lalnum:N}}` `{{ualnum:N}}` | N random lowercase (uppercase) letters and digits |
//! | `{{hex:N}}` `{{HEX:N}}` `{{b64:N}}` `{{b64url:N}}` `{{base32:N}}` | N random characters of that alphabet |
//! | `{{uuid}}` | a random lowercase UUID v4 |
//! | `{{gen:github-crc32:PREFIX}}` | PREFIX + 30 characters + valid GitHub/npm checksum |
//! | `{{gen:gitlab-routable:PREFIX}}` | a CRC-valid routable GitLab token |
//! | `{{gen:crates-tp}}` | a checksum-valid crates.io trusted-publishing token |
//! | `{{gen:pypi}}` | a structurally valid PyPI macaroon token |
//! | `{{gen:aws-key-id:PREFIX}}` | PREFIX + 16 base32 characters |
//! | `{{jwt:k=v,k=v}}` | an HS256-shaped JWT with those claims (numbers stay numbers) |
//! | `{{base64:TEXT}}` | standard base64 of TEXT |
//! | `{{pem:LABEL}}` | a PEM block with LABEL and a random body |
//! | `{{nl}}` | a newline |
//! | `{{}}` | nothing: splits a literal so no scanner sees it whole |
//! | `{{secret:LABEL:TEMPLATE}}` | TEMPLATE, recorded as an expected secret (see [`expand_labelled`]) |
//! | `{{ anything}}` | itself: a directive starting with a space is another tool's template (Helm, Actions) |

use super::validate;

/// Deterministic generator (xorshift64*), seeded from text so expansions are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn from_seed(seed: &str) -> Rng {
        // FNV-1a of the seed; never zero.
        let hash =
            seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Rng(hash | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| alphabet[(self.next_u64() % alphabet.len() as u64) as usize] as char).collect()
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.iter_mut().for_each(|b| *b = self.next_u64() as u8);
        out
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGIT: &[u8] = b"0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A template that could not be expanded.
#[derive(Debug, thiserror::Error)]
#[error("template directive {{{{{directive}}}}}: {cause}")]
pub struct TemplateError {
    pub directive: String,
    pub cause: String,
}

/// Longest run a length directive (`{{alnum:N}}`, ...) may produce.
pub const MAX_LENGTH: usize = 64 * 1024;
/// Deepest nesting of directives.
pub const MAX_DEPTH: usize = 16;
/// Largest expansion: a hostile example cannot make keyreach allocate without bound.
pub const MAX_OUTPUT: usize = 1 << 20;

/// Expands every directive in `text`, drawing randomness from a generator seeded by `seed`.
pub fn expand(text: &str, seed: &str) -> Result<String, TemplateError> {
    expand_with(text, &mut Rng::from_seed(seed))
}

/// Whether `text` contains template directives.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") && text.contains("}}")
}

/// Like [`expand`], also returning every `{{secret:LABEL:...}}` as (label, expanded value):
/// the secrets a labelled test file expects to be found.
pub fn expand_labelled(text: &str, seed: &str) -> Result<(String, Vec<(String, String)>), TemplateError> {
    let mut labels = Vec::new();
    let out = expand_inner(text, &mut Rng::from_seed(seed), &mut labels, 0)?;
    Ok((out, labels))
}

pub fn expand_with(text: &str, rng: &mut Rng) -> Result<String, TemplateError> {
    expand_inner(text, rng, &mut Vec::new(), 0)
}

fn expand_inner(
    text: &str,
    rng: &mut Rng,
    labels: &mut Vec<(String, String)>,
    depth: usize,
) -> Result<String, TemplateError> {
    if depth > MAX_DEPTH {
        return Err(TemplateError {
            directive: text.chars().take(20).collect(),
            cause: format!("nested deeper than {MAX_DEPTH} levels"),
        });
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = matching_close(after).ok_or_else(|| TemplateError {
            directive: after.chars().take(20).collect(),
            cause: "no closing }}".into(),
        })?;
        let raw = &after[..close];
        if raw.starts_with([' ', '\t']) {
            // `{{ .Values.key }}`, `${{ secrets.X }}`: other tools' templates stay literal.
            out.push_str("{{");
            out.push_str(raw);
            out.push_str("}}");
            rest = &after[close + 2..];
            continue;
        }
        let inner = expand_inner(raw, rng, labels, depth + 1)?;
        match inner.strip_prefix("secret:").and_then(|rest| rest.split_once(':')) {
            Some((label, value)) => {
                labels.push((label.to_string(), value.to_string()));
                out.push_str(value);
            }
            None => out.push_str(&directive(&inner, rng)?),
        }
        rest = &after[close + 2..];
        if out.len() > MAX_OUTPUT {
            return Err(TemplateError {
                directive: "…".into(),
                cause: format!("expands to more than {MAX_OUTPUT} bytes"),
            });
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Byte offset of the `}}` closing a directive whose `{{` was just consumed.
fn matching_close(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"{{" => {
                depth += 1;
                i += 2;
            }
            b"}}" if depth == 0 => return Some(i),
            b"}}" => {
                depth -= 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

fn directive(inner: &str, rng: &mut Rng) -> Result<String, TemplateError> {
    let err = |cause: &str| TemplateError { directive: inner.chars().take(40).collect(), cause: cause.to_string() };
    let (name, arg) = inner.split_once(':').unwrap_or((inner, ""));
    let count = || match arg.parse::<usize>() {
        Ok(n) if n <= MAX_LENGTH => Ok(n),
        Ok(_) => Err(err(&format!("length over {MAX_LENGTH}"))),
        Err(_) => Err(err("expects a length")),
    };
    Ok(match name {
        "" => String::new(),
        "nl" => "\n".into(),
        "alnum" => rng.pick(ALNUM, count()?),
        "alpha" => rng.pick(ALPHA, count()?),
        "lower" => rng.pick(LOWER, count()?),
        "upper" => rng.pick(UPPER, count()?),
        "digit" => rng.pick(DIGIT, count()?),
        "lalnum" => rng.pick(LOWER_ALNUM, count()?),
        "ualnum" => rng.pick(UPPER_ALNUM, count()?),
        "hex" => rng.pick(HEX, count()?),
        "HEX" => rng.pick(HEX_UPPER, count()?),
        "b64" => rng.pick(B64, count()?),
        "b64url" => rng.pick(B64URL, count()?),
        "base32" => rng.pick(BASE32, count()?),
        "uuid" => uuid(rng),
        "base64" => validate::b64_standard(arg.as_bytes()),
        "jwt" => jwt(arg, rng),
        "pem" => pem(arg, rng),
        "gen" => generate(arg, rng).ok_or_else(|| err("unknown generator"))?,
        _ => return Err(err("unknown directive")),
    })
}

fn uuid(rng: &mut Rng) -> String {
    let h = rng.pick(HEX, 32);
    let variant = rng.pick(b"89ab", 1);
    format!("{}-{}-4{}-{}{}-{}", &h[0..8], &h[8..12], &h[13..16], variant, &h[17..20], &h[20..32])
}

fn generate(arg: &str, rng: &mut Rng) -> Option<String> {
    let (kind, prefix) = arg.split_once(':').unwrap_or((arg, ""));
    Some(match kind {
        "github-crc32" => validate::github_crc32_complete(&format!("{prefix}{}", rng.pick(ALNUM, 30))),
        "gitlab-routable" => {
            let payload = format!("o:{}\nu:{}", rng.pick(b"123456789", 1), rng.pick(LOWER, 3));
            validate::gitlab_routable_build(prefix, &rng.bytes::<16>(), &payload)
        }
        "crates-tp" => validate::crates_tp_complete(&format!("cio_tp_{}", rng.pick(ALNUM, 31))),
        "pypi" => pypi(rng),
        "aws-key-id" => format!("{prefix}{}", rng.pick(BASE32, 16)),
        _ => return None,
    })
}

fn jwt(claims: &str, rng: &mut Rng) -> String {
    let fields: Vec<String> = claims
        .split(',')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let value = if v.parse::<i64>().is_ok() { v.to_string() } else { format!("{v:?}") };
            format!("{k:?}:{value}")
        })
        .collect();
    let payload = format!("{{{}}}", fields.join(","));
    validate::jwt_build(r#"{"alg":"HS256","typ":"JWT"}"#, &payload, &rng.bytes::<32>())
}

fn pypi(rng: &mut Rng) -> String {
    // Version 2 binary macaroon: location, identifier, one caveat, signature.
    let mut raw = vec![2u8];
    let mut packet = |field: u8, data: &[u8]| {
        raw.push(field);
        raw.push(data.len() as u8);
        raw.extend_from_slice(data);
    };
    packet(1, b"pypi.org");
    packet(2, uuid(rng).as_bytes());
    raw.push(0);
    let caveat = format!("[1,[\"{}\"]]", rng.pick(LOWER, 8));
    raw.push(2);
    raw.push(caveat.len() as u8);
    raw.extend_from_slice(caveat.as_bytes());
    raw.push(0);
    raw.push(0);
    raw.push(6);
    raw.push(32);
    raw.extend_from_slice(&rng.bytes::<32>());
    use base64::Engine as _;
    format!("pypi-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

fn pem(label: &str, rng: &mut Rng) -> String {
    let lines: Vec<String> = (0..12).map(|_| rng.pick(B64, 64)).collect();
    format!("-----BEGIN {label}-----\n{}\n{}==\n-----END {label}-----", lines.join("\n"), rng.pick(B64, 30))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::validate::Validator;

    #[test]
    fn expansion_is_deterministic_per_seed() {
        let a = expand("x={{alnum:20}}", "s1").unwrap();
        assert_eq!(a, expand("x={{alnum:20}}", "s1").unwrap());
        assert_ne!(a, expand("x={{alnum:20}}", "s2").unwrap());
        assert_eq!(a.len(), 22);
    }

    #[test]
    fn generators_produce_valid_tokens() {
        let gh = expand("{{gen:github-crc32:ghp_}}", "t").unwrap();
        assert!(gh.starts_with("ghp_") && gh.len() == 40);
        assert!(Validator::GithubCrc32.check(gh.as_bytes()));
        let gl = expand("{{gen:gitlab-routable:glpat-}}", "t").unwrap();
        assert!(Validator::GitlabRoutable.check(gl.as_bytes()), "{gl}");
        let tp = expand("{{gen:crates-tp}}", "t").unwrap();
        assert!(Validator::CratesTp.check(tp.as_bytes()));
        let py = expand("{{gen:pypi}}", "t").unwrap();
        assert!(py.starts_with("pypi-AgEIcHlwaS5vcmc"), "{py}");
        assert!(Validator::PypiMacaroon.check(py.as_bytes()));
        let jwt = expand("{{jwt:role=service_role,iat=1700000000}}", "t").unwrap();
        assert!(Validator::Jwt.check(jwt.as_bytes()));
    }

    #[test]
    fn directives_nest_and_split() {
        let text = expand("{{base64:user:{{}}pass}}", "t").unwrap();
        assert_eq!(text, "dXNlcjpwYXNz");
        assert_eq!(expand("ab{{}}cd", "t").unwrap(), "abcd");
        assert_eq!(
            expand("k: {{ .Values.key }} ${{ secrets.X }}", "t").unwrap(),
            "k: {{ .Values.key }} ${{ secrets.X }}"
        );
        assert!(expand("{{bogus:1}}", "t").is_err());
        assert!(expand("{{alnum:3", "t").is_err());
    }

    #[test]
    fn hostile_templates_are_refused_not_expanded() {
        // A scanned repository's rule examples are templates: no huge allocation, no
        // unbounded recursion.
        let err = expand("{{alnum:99999999999}}", "t").unwrap_err().to_string();
        assert!(err.contains("length over 65536"), "{err}");
        let deep = format!("{}x{}", "{{base64:".repeat(10_000), "}}".repeat(10_000));
        let err = expand(&deep, "t").unwrap_err().to_string();
        assert!(err.contains("nested deeper than 16 levels"), "{err}");
        let err = expand(&"{{alnum:65536}}".repeat(40), "t").unwrap_err().to_string();
        assert!(err.contains("expands to more than 1048576 bytes"), "{err}");
        assert_eq!(expand("{{alnum:65536}}", "t").unwrap().len(), 65536);
    }

    #[test]
    fn labelled_secrets_are_recorded() {
        let (text, labels) = expand_labelled("a={{secret:github:ghp_{{alnum:4}}}} b={{hex:2}}", "l").unwrap();
        assert_eq!(labels.len(), 1);
        assert_eq!(labels[0].0, "github");
        assert!(text.starts_with(&format!("a={} b=", labels[0].1)));
    }

    #[test]
    fn uuid_has_version_four_shape() {
        let u = expand("{{uuid}}", "t").unwrap();
        let re = regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$").unwrap();
        assert!(re.is_match(&u), "{u}");
    }
}
