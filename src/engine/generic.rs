//! Catch-all (generic) assignments: when a value assigned to a secret-sounding name is a
//! credential, whose it is, and why it counts.
//!
//! A generic rule's `assign` regex admits the name; this module then reads the name's
//! words. Its last word says how much the name alone claims: `SECRET`, `TOKEN`,
//! `PASSWORD`, `API_KEY`, `CLIENT_SECRET` claim a credential (strong); `KEY`, `AUTH`,
//! `PASS` after another word claim less (weak), so the value must look more random. A
//! provider named by a word of the name, of an enclosing section (`codequiry:` →
//! `api_key:`) or of the words just before it (`the codequiry token = '…'`) makes the
//! credential that provider's ([`Evidence::provider`]). The value is judged for its own
//! alphabet and length ([`filter::randomness`]), and the finding says why it counts.

use std::ops::Range;

use super::assign::{self, Assignment};
use super::filter::{self, Alphabet, Randomness};
use super::names::{self, ProviderNames};

mod words;
use words::{JOINED_STRONG, KEY_QUALIFIERS, NOT_SECRET_QUALIFIERS};

/// Why a catch-all match counts: the provider it was attributed to and the reason in plain
/// words ("value assigned to API_KEY looks random: 40 base62 characters").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    /// A provider id from the rule set, when the name or its context names one.
    pub provider: Option<Box<str>>,
    pub reason: Box<str>,
}

/// How much a name's last word claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Claim {
    /// `key`, `auth`, `pass` after another word, or a bare `key`/`auth`.
    Weak,
    /// `secret`, `token`, `password`, `credentials`, `api_key`, `client_secret`, ...
    Strong,
}

/// What a name asks for, by its last word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Random-looking values (keys, tokens, secrets).
    Secret,
    /// Passwords: chosen by people, judged by the rule's classes and entropy.
    Password,
}

fn name_has_separator(name: &[u8]) -> bool {
    name.iter().any(|b| matches!(b, b'_' | b'-' | b'.' | b' '))
}

/// A word that may follow the credential word of a name: an environment, a rank or a
/// version (`live`, `primary`, `v2`, `2`), or Rails' `base`.
fn is_trailing_qualifier(w: &str) -> bool {
    const WORDS: &[&str] = &[
        "prod",
        "production",
        "live",
        "staging",
        "stage",
        "dev",
        "development",
        "sandbox",
        "primary",
        "secondary",
        "main",
        "new",
        "old",
        "base",
    ];
    WORDS.contains(&w)
        || (w.len() <= 3 && w.bytes().all(|b| b.is_ascii_digit()))
        || (w.len() <= 3 && w.starts_with('v') && w[1..].bytes().all(|b| b.is_ascii_digit()) && w.len() > 1)
}

/// The claim a name makes, from its words (lowercase comparisons), or `None` when its last
/// word is no credential word for `kind` (`monkey`, `bypass`, `token_count`).
fn claim(name: &[u8], words: &[Range<usize>], kind: Kind) -> Option<Claim> {
    let word =
        |i: usize| -> String { name[words[i].clone()].to_ascii_lowercase().iter().map(|&b| b as char).collect() };
    let mut last = words.len().checked_sub(1)?;
    // `SECRET_KEY_VALUE`, `api_token_string`: the word before says what the value is.
    if matches!(word(last).as_str(), "value" | "string" | "val" | "str") && last > 0 {
        last -= 1;
    }
    // `API_KEY_PROD`, `ZORBIX_TOKEN_V2`, `SECRET_KEY_BASE`: the environment or version
    // after the credential word says which one it is.
    if last > 0 && is_trailing_qualifier(&word(last)) {
        last -= 1;
    }
    // `public API key`, `NEXT_PUBLIC_…_KEY`: published on purpose.
    if says_published(name, words) {
        return None;
    }
    // `TYPESENSE_SEARCH_ONLY_API_KEY`: a search-only key ships in browser code.
    if (1..=last).any(|i| word(i) == "only" && word(i - 1) == "search") {
        return None;
    }
    let w = word(last);
    let w = w.strip_suffix('s').filter(|_| w.len() > 4 && !w.ends_with("ss")).unwrap_or(&w).to_string();
    let prev = last.checked_sub(1).map(word);
    if (w == "key" || w == "token") && prev.as_deref().is_some_and(|p| NOT_SECRET_QUALIFIERS.contains(&p)) {
        return None;
    }
    // `APNS_DEVICE_TOKEN`, `FCM_REGISTRATION_TOKEN`: the address of one app install for push
    // notifications; sending to it takes the provider's server key.
    if w == "token"
        && prev.as_deref().is_some_and(|p| p == "device" || p == "registration")
        && (0..last).any(|i| matches!(word(i).as_str(), "apns" | "fcm" | "gcm" | "push" | "firebase"))
    {
        return None;
    }
    // `hashed_secret` (detect-secrets' baseline), `hashed_password`: a digest, not the value.
    if prev.as_deref() == Some("hashed") {
        return None;
    }
    match kind {
        Kind::Password => {
            let strong = ["password", "passwd", "pwd", "passphrase", "passcode"].iter().any(|p| w.ends_with(p));
            if strong {
                Some(Claim::Strong)
            } else if w == "pass" || w == "pw" {
                Some(Claim::Weak)
            } else {
                None
            }
        }
        Kind::Secret => {
            let strong = ["secret", "token"].iter().any(|s| w.ends_with(s))
                || w.starts_with("credential")
                || matches!(w.as_str(), "cred" | "jwt" | "authorization" | "pat")
                // A Vault AppRole `secret_id` (its `role_id` is the identifier); Docker's
                // `SecretID` names a stored secret, and an Azure `CLIENT_SECRET_ID` is the id
                // the portal shows beside a client secret's value.
                || (w == "id"
                    && prev.as_deref() == Some("secret")
                    && name_has_separator(name)
                    && (last < 2 || word(last - 2) != "client"));
            if strong {
                return Some(Claim::Strong);
            }
            if w == "key" {
                let qualified = prev.as_deref().is_some_and(|p| KEY_QUALIFIERS.contains(&p) || p.ends_with("secret"));
                return Some(if qualified { Claim::Strong } else { Claim::Weak });
            }
            if JOINED_STRONG.iter().any(|j| w.ends_with(j)) {
                return Some(Claim::Strong);
            }
            if w.ends_with("auth") {
                return Some(Claim::Weak);
            }
            None
        }
    }
}

/// Judges a generic rule's candidate: the assignment `a` in `buf` (its name at `a.name`,
/// or `name` for a key read under a section) with the secret at `secret`. `prose` says the
/// value was read in a sentence that goes on after it. Returns the evidence when it counts.
pub fn judge(names: &ProviderNames, buf: &[u8], a: &Assignment, secret: Range<usize>, prose: bool) -> Option<Evidence> {
    let name = &buf[a.name.clone()];
    let value = &buf[secret.clone()];
    let mut words = Vec::new();
    names::words(name, &mut words);
    let mut around = Vec::new();
    assign::enclosing_sections(buf, a.name.start, &mut around);
    let sections = around.len();
    assign::nearby_text(buf, a.name.start, &mut around);
    // A one-word name is read with what qualifies it: the words before it in a sentence
    // (`public key: …`, `Codequiry API key: …`) or its section (`cache:` → `key:`).
    let mut phrase = Vec::new();
    if words.len() == 1 {
        let start = phrase_start(buf, a.name.start);
        if start < a.name.start {
            phrase.extend_from_slice(&buf[start..a.name.start]);
        } else if sections > 0 {
            phrase.extend_from_slice(&buf[around[0].clone()]);
            phrase.push(b' ');
        }
    }
    phrase.extend_from_slice(name);
    let mut phrase_words = Vec::new();
    names::words(&phrase, &mut phrase_words);
    let (kind, claim) = match claim(&phrase, &phrase_words, Kind::Password) {
        Some(c) => (Kind::Password, c),
        None => (Kind::Secret, claim(&phrase, &phrase_words, Kind::Secret)?),
    };
    if kind == Kind::Secret && is_identifier_of_pair(buf, a, name, &words) {
        return None;
    }
    let shown = String::from_utf8_lossy(name);
    let provider = attribute(names, buf, name, &words, &around);
    // A one-word name (`key:`) with nothing around it that says what it belongs to.
    let bare = words.len() == 1 && around.is_empty();
    match kind {
        Kind::Password => {
            if !filter::plausible_generic_secret(value, a.quoted, true) {
                return None;
            }
            // A weak name (`X_PASS`) or prose needs a password with some length to it.
            if (claim == Claim::Weak || prose) && value.len() < 10 {
                return None;
            }
            // A generated password looks random; a chosen one mixes three kinds of character,
            // or two with some length and no words.
            let classes = filter::char_classes(value);
            let long_enough =
                classes == 2 && value.len() >= 10 && filter::plausible_generic_secret(value, a.quoted, false);
            let reason = match filter::randomness(value).filter(|r| r.len >= 12) {
                Some(r) => format!("password assigned to {shown} looks random: {r}"),
                None if (classes >= 3 || long_enough) && !filter::spells_stand_in(value) => format!(
                    "password assigned to {shown}: {} characters of {} kinds (lower, upper, digit, symbol)",
                    value.len(),
                    filter::char_classes(value)
                ),
                None => return None,
            };
            Some(Evidence { provider, reason: reason.into() })
        }
        Kind::Secret => {
            // A Web Push VAPID public key (`applicationServerKey`, Firebase's `vapidKey`).
            if filter::is_ec_public_point(value) {
                return None;
            }
            // Base64 of text is encoded content, not key material: it counts only as
            // `user:password` or as an encoded random-looking value.
            let ascii = |t: &Vec<u8>| t.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
            if let Some(text) = super::decode::base64_text(value).filter(|t| value.len() >= 12 && ascii(t)) {
                let why = if super::decode::is_userinfo(&text) {
                    "base64 of user:password"
                } else if filter::randomness(&text).is_some_and(|r| r.len >= 16) {
                    "base64 of a random-looking value"
                } else {
                    return None;
                };
                let reason = format!("value assigned to {shown} is {why}");
                return Some(Evidence { provider, reason: reason.into() });
            }
            let r = match claim == Claim::Strong || provider.is_some() {
                true => filter::randomness_after_prefix(value),
                false => filter::randomness(value),
            };
            let Some(r) = r else {
                // A provider's key need not pass for random text: letters of both cases and
                // digits, 12 or more, assigned to a name of a provider the rule set knows.
                if provider.is_some() && !prose && filter::mixed_alnum(value) {
                    let reason = format!(
                        "value assigned to {shown} mixes upper and lower case and digits: {} characters",
                        value.len()
                    );
                    return Some(Evidence { provider, reason: reason.into() });
                }
                return None;
            };
            if r.alphabet != Alphabet::Jwt && !filter::plausible_generic_secret(value, a.quoted, false) {
                return None;
            }
            if !enough(r, claim, provider.is_some(), bare, prose) {
                return None;
            }
            let reason = match r.alphabet {
                Alphabet::Uuid | Alphabet::Jwt => format!("value assigned to {shown} is {r}"),
                _ => format!("value assigned to {shown} looks random: {r}"),
            };
            Some(Evidence { provider, reason: reason.into() })
        }
    }
}

/// Whether a table-generated assignment rule's candidate can be a secret: not the identifier
/// of a key pair (`X_KEY` beside `X_SECRET`: a pair's secret half is what grants access).
pub fn plausible_for_table_rule(buf: &[u8], a: &Assignment) -> bool {
    let name = &buf[a.name.clone()];
    let mut words = Vec::new();
    names::words(name, &mut words);
    !is_identifier_of_pair(buf, a, name, &words)
}

/// Whether an assigned name says its value is published on purpose: a word `public` or
/// `publishable` (`NEXT_PUBLIC_…`, `EXPO_PUBLIC_…`, `PUBLIC_…`, `stripePublishableKey`).
pub fn names_published_value(name: &[u8]) -> bool {
    let mut words = Vec::new();
    names::words(name, &mut words);
    says_published(name, &words)
}

fn says_published(name: &[u8], words: &[Range<usize>]) -> bool {
    words.iter().any(|w| {
        let w = &name[w.clone()];
        w.eq_ignore_ascii_case(b"public") || w.eq_ignore_ascii_case(b"publishable")
    })
}

/// Judges a catch-all pattern rule's secret (a token after `Authorization: Bearer`): it
/// must look random for its alphabet.
pub fn window(rule: &crate::rules::Rule, value: &[u8]) -> Option<Evidence> {
    let r = filter::randomness(value).filter(|r| r.len >= 16)?;
    Some(Evidence { provider: None, reason: format!("{}: {r}", rule.title).into() })
}

/// Where the words on the line right before `name_start` begin (at most two words of
/// letters separated by single spaces: `Codequiry API key`), or `name_start`.
fn phrase_start(buf: &[u8], name_start: usize) -> usize {
    let mut start = name_start;
    for _ in 0..2 {
        let mut i = start;
        if i == 0 || buf[i - 1] != b' ' {
            break;
        }
        i -= 1;
        let end = i;
        while i > 0 && buf[i - 1].is_ascii_alphanumeric() {
            i -= 1;
        }
        if i == end || end - i > 32 {
            break;
        }
        start = i;
    }
    start
}

/// `PUSHER_APP_KEY` next to `PUSHER_APP_SECRET`, `application_key` next to
/// `application_secret`, `MINIO_ACCESS_KEY` next to `MINIO_SECRET_KEY`: a key named like
/// its neighbouring secret is the pair's identifier, not the secret (a key pair's secret part
/// is what grants access). Looks within 1 KiB around the assignment.
fn is_identifier_of_pair(buf: &[u8], a: &Assignment, name: &[u8], words: &[Range<usize>]) -> bool {
    let Some(last) = words.last() else { return false };
    let is_key = name[last.clone()].eq_ignore_ascii_case(b"key");
    // An id beside its secret (Infura's `PROJECT_ID` and `PROJECT_SECRET`): for the table
    // rules that take an id for a key.
    if !is_key && !name[last.clone()].eq_ignore_ascii_case(b"id") {
        return false;
    }
    // The prefix shared with the secret's name: without `key`, and also without an
    // `access`/`app`/`api` before it (`MINIO_ACCESS_KEY` and `MINIO_SECRET_KEY`).
    let norm_with = |part: &[u8], suffix: &[u8]| -> Vec<u8> {
        let mut v: Vec<u8> = part.iter().filter(|b| b.is_ascii_alphanumeric()).map(u8::to_ascii_lowercase).collect();
        v.extend_from_slice(suffix);
        v
    };
    let norm = |part: &[u8]| norm_with(part, b"secret");
    let mut wants = vec![norm(&name[..last.start])];
    // A key beside `<its name>_SECRET` (Infura's `API_KEY` and `API_KEY_SECRET`).
    if is_key {
        wants.push(norm(name));
    }
    if let Some(prev) = words.len().checked_sub(2).map(|i| &words[i]) {
        let p = name[prev.clone()].to_ascii_lowercase();
        let qualifier = matches!(p.as_slice(), b"access" | b"app" | b"application" | b"api" | b"consumer" | b"client");
        // `api_key` beside an unrelated `SECRET_KEY` is no pair; `access_key` beside
        // `secret_key` is (S3-style configuration).
        if qualifier && (prev.start > 0 || p == b"access") {
            wants.push(norm(&name[..prev.start]));
        }
        // Last.fm's and Flickr's API key beside their shared secret (`LASTFM_API_KEY` and
        // `LASTFM_SHARED_SECRET`, or `api_key` and `shared_secret` in a `lastfm:` section).
        if qualifier {
            wants.push(norm_with(&name[..prev.start], b"sharedsecret"));
        }
    }
    let window = pair_window(buf, a.name.start, a.value.end);
    let own_phrase = phrase_start(buf, a.name.start);
    let text = &buf[window.clone()];
    // Compare names with separators removed: `pusher_app_secret`, `pusherAppSecret`.
    let mut i = 0;
    while let Some(at) = memchr::memchr2(b's', b'S', &text[i..]).map(|p| i + p) {
        i = at + 1;
        if !text[at..].get(..6).is_some_and(|w| w.eq_ignore_ascii_case(b"secret")) {
            continue;
        }
        let start = name_start_in(text, at);
        let mut end = at + 6;
        while end < text.len() && (text[end].is_ascii_alphanumeric() || matches!(text[end], b'_' | b'-' | b'.')) {
            end += 1;
        }
        let candidate: Vec<u8> =
            text[start..end].iter().filter(|b| b.is_ascii_alphanumeric()).map(u8::to_ascii_lowercase).collect();
        let paired = wants.iter().any(|w| candidate == *w || candidate.strip_suffix(b"key") == Some(w.as_slice()));
        // `Secret Key: …` in notes: `Secret` is the name's own qualifier, not a neighbour.
        let own = (own_phrase..a.name.start).contains(&(window.start + start));
        if paired && !own && window.start + start != a.name.start {
            return true;
        }
    }
    false
}

/// Three lines either side of an assignment, not past a `[table]` header.
fn pair_window(buf: &[u8], start: usize, end: usize) -> Range<usize> {
    let floor = start.saturating_sub(1024);
    let mut from = start;
    for _ in 0..4 {
        match memchr::memrchr(b'\n', &buf[floor..from]) {
            Some(p) if buf.get(floor + p + 1) != Some(&b'[') || floor + p + 1 >= start => from = floor + p,
            _ => break,
        }
    }
    let ceil = (end + 1024).min(buf.len());
    let mut to = end;
    for _ in 0..4 {
        match memchr::memchr(b'\n', &buf[to..ceil]) {
            Some(p) if buf.get(to + p + 1) != Some(&b'[') => to = to + p + 1,
            _ => break,
        }
    }
    from..to.max(end)
}

fn name_start_in(text: &[u8], mut i: usize) -> usize {
    while i > 0 && (text[i - 1].is_ascii_alphanumeric() || matches!(text[i - 1], b'_' | b'-' | b'.')) {
        i -= 1;
    }
    i
}

/// Whether a random-looking value is enough for what the name claims. A strong name with a
/// provider named takes 12 characters, a strong name or a provider 14; a weak name without
/// a provider needs 20 (hex: 32), a bare `key`/`auth` a value that is no hex digest, and a
/// sentence that goes on after the value 20 (hex: 32).
fn enough(r: Randomness, claim: Claim, provider: bool, bare: bool, prose: bool) -> bool {
    let strong = claim == Claim::Strong || provider;
    let min = match (claim == Claim::Strong && provider, strong && !prose) {
        (true, true) => 12,
        (false, true) => 14,
        _ => 20,
    };
    match r.alphabet {
        Alphabet::Jwt => true,
        Alphabet::Uuid => (strong || !bare) && !prose,
        Alphabet::Hex if bare && !provider => false,
        Alphabet::Hex => r.len >= if min < 20 { min } else { 32 },
        _ => r.len >= min,
    }
}

/// The provider named by the name's words, else by an enclosing section's, else by the
/// words just before the name or the comment line above it.
fn attribute(
    names: &ProviderNames,
    buf: &[u8],
    name: &[u8],
    words: &[Range<usize>],
    around: &[Range<usize>],
) -> Option<Box<str>> {
    if names.is_empty() {
        return None;
    }
    let found = |text: &[u8]| {
        let mut w = Vec::new();
        names::words(text, &mut w);
        names.find(text, &w)
    };
    let index = names.find(name, words).or_else(|| around.iter().find_map(|r| found(&buf[r.clone()])))?;
    Some(names.provider(index).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim_of(name: &str, kind: Kind) -> Option<Claim> {
        let mut w = Vec::new();
        names::words(name.as_bytes(), &mut w);
        claim(name.as_bytes(), &w, kind)
    }

    #[test]
    fn published_names_are_recognised() {
        for name in ["NEXT_PUBLIC_CONTENTFUL_DELIVERY_TOKEN", "EXPO_PUBLIC_API_KEY", "stripePublishableKey"] {
            assert!(names_published_value(name.as_bytes()), "{name}");
        }
        for name in ["CONTENTFUL_DELIVERY_TOKEN", "REPUBLICA_TOKEN", "publications_api_key"] {
            assert!(!names_published_value(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn last_words_claim_more_or_less() {
        for strong in [
            "API_KEY",
            "apiKey",
            "client_secret",
            "SERVICE_TOKEN",
            "credentials",
            "SECRET_KEY_VALUE",
            "apikey",
            "Codequiry API key",
            "API_KEY_PROD",
            "ZORBIX_TOKEN_V2",
            "SECRET_KEY_BASE",
            "BRAVE_SEARCH_API_KEY",
            "VAULT_SECRET_ID",
            "RUNNER_REGISTRATION_TOKEN",
            "READ_ONLY_API_KEY",
        ] {
            assert_eq!(claim_of(strong, Kind::Secret), Some(Claim::Strong), "{strong}");
        }
        for weak in ["CODEQUIRY_KEY", "bitcoinaverage_KEY", "key", "basic_auth", "Key", "Codequiry key"] {
            assert_eq!(claim_of(weak, Kind::Secret), Some(Claim::Weak), "{weak}");
        }
        for none in [
            "monkey",
            "hotkey",
            "token_count",
            "author",
            "keyboard",
            "public key",
            "FIGMA_FILE_KEY",
            "site_key",
            "hashed_secret",
            "TOKEN_PROD_URL",
            "KEY_V2_ID",
            "TYPESENSE_SEARCH_ONLY_API_KEY",
            "LD_MOBILE_KEY",
            "APPINSIGHTS_INSTRUMENTATION_KEY",
            "AZURE_CLIENT_SECRET_ID",
            "APNS_DEVICE_TOKEN",
            "fcmRegistrationToken",
            "ZENDESK_WIDGET_KEY",
            "SSE_KMS_KEY",
            "EXPERIMENT_KEY",
        ] {
            assert_eq!(claim_of(none, Kind::Secret), None, "{none}");
        }
        assert_eq!(claim_of("DB_PASS", Kind::Password), Some(Claim::Weak));
        assert_eq!(claim_of("smtpPassword", Kind::Password), Some(Claim::Strong));
        assert_eq!(claim_of("BYPASS", Kind::Password), None);
        assert_eq!(claim_of("compass", Kind::Password), None);
    }

    fn identifier(text: &str, name: &str) -> bool {
        let at = text.find(name).unwrap();
        let a = assign::at(text.as_bytes(), at..at + name.len()).unwrap();
        let mut w = Vec::new();
        names::words(name.as_bytes(), &mut w);
        is_identifier_of_pair(text.as_bytes(), &a, name.as_bytes(), &w)
    }

    #[test]
    fn a_key_beside_its_secret_is_the_identifier() {
        assert!(identifier("PUSHER_APP_KEY=abc\nPUSHER_APP_SECRET=def\n", "PUSHER_APP_KEY"));
        assert!(identifier("[ovh]\napplication_key=abc\napplication_secret=def\n", "application_key"));
        assert!(identifier("MINIO_ACCESS_KEY=abc\nMINIO_SECRET_KEY=def\n", "MINIO_ACCESS_KEY"));
        assert!(identifier("pusherAppKey: abc\npusherAppSecret: def\n", "pusherAppKey"));
        assert!(!identifier("STRIPE_API_KEY=abc\nSTRIPE_WEBHOOK_SECRET=def\n", "STRIPE_API_KEY"));
        assert!(identifier("LASTFM_API_KEY=abc\nLASTFM_SHARED_SECRET=def\n", "LASTFM_API_KEY"));
        assert!(identifier("lastfm:\n  api_key: abc\n  shared_secret: def\n", "api_key"));
        assert!(identifier("INFURA_API_KEY=abc\nINFURA_API_KEY_SECRET=def\n", "INFURA_API_KEY"));
        assert!(identifier("INFURA_PROJECT_ID=abc\nINFURA_PROJECT_SECRET=def\n", "INFURA_PROJECT_ID"));
        assert!(!identifier("INFURA_PROJECT_ID=abc\n", "INFURA_PROJECT_ID"));
        assert!(!identifier("CODEQUIRY_KEY=abc\n", "CODEQUIRY_KEY"));
        assert!(!identifier("SECRET_KEY=abc\nAPI = {\"api_key\": \"def\"}\n", "api_key"));
        assert!(identifier("access_key = abc\nsecret_key = def\n", "access_key"));
        assert!(identifier("Bucket\nAccess Key: abc\nSecret Key: def\n", "Key"));
        let notes = "Bucket\nAccess Key: abc\nSecret Key: def\n";
        let at = notes.rfind("Key").unwrap();
        let a = assign::at(notes.as_bytes(), at..at + 3).unwrap();
        let mut w = Vec::new();
        names::words(b"Key", &mut w);
        assert!(!is_identifier_of_pair(notes.as_bytes(), &a, b"Key", &w), "the secret's own qualifier");
    }
}
