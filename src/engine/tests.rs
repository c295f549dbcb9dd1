//! Engine unit tests: keyword prefilter, windows, assignments, pairs, filters, positions,
//! streaming across chunk boundaries. Secrets are built at test time.

use std::sync::Arc;

use super::finish::Spans;
use super::*;
use crate::rules::template::expand;
use crate::rules::{RuleSet, RuleSpec};

pub(super) fn rule(id: &str, keywords: &[&str], pattern: &str) -> RuleSpec {
    let text = format!(
        "[[rule]]\nid = {id:?}\ntitle = \"t\"\nprovider = \"p\"\nkeywords = {keywords:?}\npattern = '''{pattern}'''\n"
    );
    crate::rules::parse_file("test.toml", &text).unwrap().remove(0)
}

pub(super) fn engine(specs: Vec<RuleSpec>) -> Engine {
    let set = RuleSet::from_specs(specs.into_iter().map(|s| ("test.toml".to_string(), s)).collect()).unwrap();
    set.compile_all(|_| true).unwrap();
    Engine::new(Arc::new(set), EngineOptions::default()).unwrap()
}

pub(super) fn secrets(engine: &Engine, text: &str) -> Vec<String> {
    secrets_with(engine, &mut engine.scratch(), text)
}

/// The secrets a scan of `text` finds, with the given scratch space.
pub(super) fn secrets_with(engine: &Engine, scratch: &mut Scratch, text: &str) -> Vec<String> {
    engine
        .scan(text.as_bytes(), Position::START, scratch)
        .iter()
        .map(|m| String::from_utf8_lossy(m.secret_bytes(text.as_bytes())).into_owned())
        .collect()
}

pub(super) fn gh_rule() -> RuleSpec {
    let mut r = rule("github.classic-pat", &["ghp_"], r"\b(ghp_[A-Za-z0-9]{36})\b");
    r.validate = Some("github-crc32".into());
    r
}

#[test]
fn finds_a_prefixed_token_and_checks_its_checksum() {
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "a").unwrap();
    assert_eq!(secrets(&e, &format!("x = \"{token}\"\n")), vec![token.clone()]);
    let mut broken = token.into_bytes();
    broken[10] = if broken[10] == b'a' { b'b' } else { b'a' };
    let broken = String::from_utf8(broken).unwrap();
    assert!(secrets(&e, &broken).is_empty());
}

#[test]
fn keywords_match_case_insensitively_but_patterns_decide() {
    let e = engine(vec![rule("p.upper", &["abc_"], r"ABC_[0-9a-f]{16}")]);
    assert_eq!(secrets(&e, "ABC_0123456789abcdeX1 ABC_3f9a0c1d7b2e5a4f").len(), 1);
    assert!(secrets(&e, "abc_3f9a0c1d7b2e5a4f").is_empty());
}

#[test]
fn no_keyword_means_no_regex_work() {
    let e = engine(vec![rule("p.any", &["zzzkw"], r"[0-9a-f]{16}")]);
    assert!(secrets(&e, "3f9a0c1d7b2e5a4f but no keyword").is_empty());
    assert_eq!(secrets(&e, "zzzkw 3f9a0c1d7b2e5a4f").len(), 1);
}

#[test]
fn word_boundaries_see_outside_the_window() {
    let mut r = rule("p.b", &["tok_"], r"\btok_[a-z0-9]{12}\b");
    r.window = Some([0, 20]);
    let e = engine(vec![r]);
    assert!(secrets(&e, "xtok_k3j9xq2mzp8l").is_empty());
    assert_eq!(secrets(&e, " tok_k3j9xq2mzp8l").len(), 1);
}

#[test]
fn assignment_rules_read_name_and_value() {
    let mut r =
        rule("railway.token", &["railway"], r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    r.assign = Some("^railway_(api_)?token$".into());
    let e = engine(vec![r]);
    let uuid = expand("{{uuid}}", "r").unwrap();
    for text in [
        format!("RAILWAY_TOKEN={uuid}"),
        format!("  railway_api_token: \"{uuid}\""),
        format!("{{\"RAILWAY_TOKEN\": \"{uuid}\"}}"),
    ] {
        assert_eq!(secrets(&e, &text), vec![uuid.clone()], "{text}");
    }
    assert!(secrets(&e, &format!("RAILWAY_PROJECT_ID={uuid}")).is_empty());
    assert!(secrets(&e, &format!("id = {uuid} # railway")).is_empty());
}

#[test]
fn keys_nested_under_a_provider_section_are_read_with_its_name() {
    let uuid_pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    let mut r = rule("postmark.server-token", &["postmark"], uuid_pattern);
    r.assign = Some("postmark[_.-]?server[_.-]?token$".into());
    let mut generic = rule("generic.assign", &["settings"], uuid_pattern);
    generic.assign = Some("settings_servertoken".into());
    generic.generic = true;
    let e = engine(vec![r, generic]);
    let uuid = expand("{{uuid}}", "s").unwrap();
    for text in [
        format!("{{\n  \"Postmark\": {{\n    \"ServerToken\": \"{uuid}\",\n    \"Stream\": \"outbound\"\n  }}\n}}"),
        format!("postmark:\n  server_token: {uuid}\n"),
        format!("[postmark]\nserver-token = \"{uuid}\"\n"),
    ] {
        assert_eq!(secrets(&e, &text), vec![uuid.clone()], "{text}");
    }
    // Only direct keys of the section count, and catch-all rules never read sections.
    assert!(secrets(&e, &format!("postmark:\n  other:\n    server_token: {uuid}\n")).is_empty());
    assert!(secrets(&e, &format!("postmark:\n  stream: x\nserver_token: {uuid}\n")).is_empty());
    assert!(secrets(&e, &format!("settings:\n  servertoken: {uuid}\n")).is_empty());
}

#[test]
fn placeholders_and_low_entropy_are_dropped() {
    let mut r = rule("p.key", &["key_"], r"key_([A-Za-z0-9]{20})");
    r.entropy = Some(3.0);
    let e = engine(vec![r]);
    assert!(secrets(&e, "key_xxxxxxxxxxxxxxxxxxxx").is_empty());
    assert!(secrets(&e, "key_abababababababababab").is_empty());
    assert_eq!(secrets(&e, "key_k3J9xQ2mZp8LwR4tY7vB").len(), 1);
}

#[test]
fn generic_matches_yield_to_specific_ones() {
    let mut generic = rule("generic.assign", &["token"], r"[^\s]{16,}");
    generic.assign = Some("token".into());
    generic.generic = true;
    let e = engine(vec![gh_rule(), generic]);
    let token = expand("{{gen:github-crc32:ghp_}}", "g").unwrap();
    let mut scratch = e.scratch();
    let text = format!("GITHUB_TOKEN={token}\nOTHER_TOKEN=k3J9xQ2mZp8LwR4tY7vB1nC6\n");
    let ids: Vec<_> = e.scan(text.as_bytes(), Position::START, &mut scratch).iter().map(|m| m.rule.0).collect();
    assert_eq!(ids, vec![0, 1]);
}

#[test]
fn generic_matches_yield_to_a_specific_rules_companion() {
    // The key id is the companion of the specific match; a generic rule reading the same
    // `access_key = ...` assignment must not report it as a second credential.
    let mut r = rule("alibaba.access-key", &["ltai"], r"\b(LTAI[A-Za-z0-9]{20})\b");
    r.pair = Some(crate::rules::PairSpec {
        pattern: r"(?:^|[^A-Za-z0-9])([A-Za-z0-9]{30})(?:[^A-Za-z0-9]|$)".into(),
        name: "AccessKey secret".into(),
        primary_name: None,
        within: Some(200),
        secret_is_companion: None,
        entropy: Some(4.0),
        around: false,
    });
    let mut generic = rule("generic.assign", &["access_key"], r"[^\s]{16,}");
    generic.assign = Some("access_key".into());
    generic.generic = true;
    let e = engine(vec![r, generic]);
    let (id, key) = (expand("LTAI{{alnum:20}}", "c").unwrap(), expand("{{alnum:30}}", "c").unwrap());
    let text = format!("access_key = \"{id}\"\nsecret_key = \"{key}\"\n");
    let mut scratch = e.scratch();
    let ids: Vec<_> = e.scan(text.as_bytes(), Position::START, &mut scratch).iter().map(|m| m.rule.0).collect();
    assert_eq!(ids, vec![0]);
}

#[test]
fn pairs_report_the_secret_with_its_companion() {
    let mut r = rule("aws.access-key", &["akia"], r"\b(AKIA[A-Z2-7]{16})\b");
    r.pair = Some(crate::rules::PairSpec {
        pattern: r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)".into(),
        name: "secret access key".into(),
        primary_name: Some("access key id".into()),
        within: Some(200),
        secret_is_companion: None,
        entropy: Some(4.0),
        around: false,
    });
    let e = engine(vec![r]);
    let id = expand("{{gen:aws-key-id:AKIA}}", "p").unwrap();
    let secret = expand("{{b64:40}}", "p").unwrap().replace(['+', '/'], "Q");
    let text = format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
    let mut scratch = e.scratch();
    let found = e.scan(text.as_bytes(), Position::START, &mut scratch);
    assert_eq!(found.len(), 1);
    let m = &found[0];
    assert_eq!(&text[m.secret.clone()], secret);
    let companion = m.companion.as_ref().unwrap();
    assert_eq!(&text[companion.span.clone()], id);
    assert_eq!((companion.line, m.line), (2, 3));
    // Alone, the key id is still reported.
    assert_eq!(secrets(&e, &format!("key: {id}")), vec![id]);
}

#[test]
fn lines_and_columns_are_one_based_and_count_characters() {
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "c").unwrap();
    let text = format!("first\r\nsécond: {token}\nthird {token}x\n");
    let mut scratch = e.scratch();
    let found = e.scan(text.as_bytes(), Position::START, &mut scratch);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].column), (2, 9));
}

#[test]
fn inline_allow_silences_a_line() {
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "i").unwrap();
    assert!(secrets(&e, &format!("t = \"{token}\" # keyreach:allow\n")).is_empty());
    let set = RuleSet::from_specs(vec![("t".into(), gh_rule())]).unwrap();
    let audit = Engine::new(Arc::new(set), EngineOptions { inline_allow: false, ..EngineOptions::default() }).unwrap();
    assert_eq!(secrets(&audit, &format!("t = \"{token}\" # keyreach:allow\n")).len(), 1);
}

#[test]
fn invalid_utf8_and_crlf_are_fine() {
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "u").unwrap();
    let mut bytes = vec![0xff, 0xfe, b'\r', b'\n'];
    bytes.extend_from_slice(token.as_bytes());
    bytes.extend_from_slice(b"\r\n\xc3");
    let mut scratch = e.scratch();
    let found = e.scan(&bytes, Position::START, &mut scratch);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].column), (2, 1));
}

fn stream_secrets(e: &Engine, data: &[u8], chunk: usize) -> Vec<(String, u64, u64)> {
    let mut scratch = e.scratch();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let options = StreamOptions { chunk, skip_binary: true };
    e.scan_reader(&mut &data[..], &options, &mut scratch, &mut buf, &mut |m, chunk| {
        out.push((String::from_utf8_lossy(&chunk[m.secret.clone()]).into_owned(), m.line, m.column));
    })
    .unwrap();
    out
}

#[test]
fn streaming_finds_each_secret_once_across_chunk_boundaries() {
    let e = engine(vec![gh_rule()]);
    let mut data = Vec::new();
    let mut expected = Vec::new();
    for i in 0..40u64 {
        let token = expand("{{gen:github-crc32:ghp_}}", &format!("s{i}")).unwrap();
        // Lines of varied length push tokens across every part of a chunk.
        let filler = "a".repeat((i as usize * 7919) % 50_000);
        data.extend_from_slice(filler.as_bytes());
        data.push(b' ');
        let column = filler.len() as u64 + 2;
        data.extend_from_slice(token.as_bytes());
        data.push(b'\n');
        expected.push((token, i + 1, column));
    }
    for chunk in [0, 200_000, 1 << 20] {
        assert_eq!(stream_secrets(&e, &data, chunk), expected, "chunk {chunk}");
    }
}

#[test]
fn streaming_a_long_line_without_newlines_keeps_columns() {
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "long").unwrap();
    let mut data = vec![b'z'; 3_000_000];
    data.push(b' ');
    data.extend_from_slice(token.as_bytes());
    let found = stream_secrets(&e, &data, 0);
    assert_eq!(found, vec![(token, 1, 3_000_002)]);
}

#[test]
fn streaming_a_long_non_ascii_line_counts_characters_like_a_whole_scan() {
    // The part of a line before a chunk boundary used to count bytes, the rest characters.
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "wide").unwrap();
    let mut data = "é€".repeat(100_000).into_bytes();
    data.push(b' ');
    data.extend_from_slice(token.as_bytes());
    let found = stream_secrets(&e, &data, 0);
    assert_eq!(found, vec![(token, 1, 200_002)]);
    assert_eq!(stream_secrets(&e, &data, 0), stream_secrets(&e, &data, 4 << 20));
}

#[test]
fn streaming_skips_binary_input() {
    let e = engine(vec![gh_rule()]);
    let mut scratch = e.scratch();
    let mut buf = Vec::new();
    let data = b"\x7fELF\x00\x00ghp_";
    let outcome =
        e.scan_reader(&mut &data[..], &StreamOptions::default(), &mut scratch, &mut buf, &mut |_, _| {}).unwrap();
    assert_eq!(outcome, StreamOutcome::Binary);
}

#[test]
fn inline_allow_takes_an_optional_reason_in_any_comment_style() {
    let e = engine(vec![gh_rule()]);
    let token = expand("{{gen:github-crc32:ghp_}}", "r").unwrap();
    let allowed = [
        format!("t = \"{token}\"  # keyreach:allow reason=\"test fixture\"\n"),
        format!("const t = \"{token}\"; // keyreach:allow\n"),
        format!("/* keyreach:allow reason='docs' */ t = \"{token}\"\n"),
        format!("<token>{token}</token> <!-- keyreach:allow -->\n"),
        format!("select '{token}'; -- keyreach:allow reason=\"seed data\"\n"),
        format!("token = {token} ; keyreach:allow\n"),
        format!("{{# keyreach:allow #}} {token}\n"),
    ];
    for text in &allowed {
        assert!(secrets(&e, text).is_empty(), "not allowed: {text}");
    }
    // Other words that merely start with the marker allow nothing.
    for text in [format!("t = {token} # keyreach:allowed\n"), format!("t = {token} # keyreach:allow-list\n")] {
        assert_eq!(secrets(&e, &text).len(), 1, "wrongly allowed: {text}");
    }
    // The marker on another line allows nothing.
    assert_eq!(secrets(&e, &format!("# keyreach:allow\nt = {token}\n")).len(), 1);
}

#[test]
fn inline_allow_reads_the_reason() {
    assert_eq!(
        inline_allow(b"x # keyreach:allow reason=\"test fixture\" */"),
        Some(InlineAllow { reason: Some(b"test fixture") })
    );
    assert_eq!(inline_allow(b"x // keyreach:allow reason = 'a b'"), Some(InlineAllow { reason: Some(b"a b") }));
    assert_eq!(inline_allow(b"x <!-- keyreach:allow -->"), Some(InlineAllow { reason: None }));
    assert_eq!(inline_allow(b"x # keyreach:allow reason=\"unterminated"), Some(InlineAllow { reason: None }));
    assert_eq!(inline_allow(b"x # keyreach:allowed keyreach:allow"), Some(InlineAllow { reason: None }));
    assert_eq!(inline_allow(b"x # keyreach:allowance"), None);
}

#[test]
fn binary_means_a_nul_in_the_first_eight_kib() {
    assert!(looks_binary(b"PK\x03\x04\x00rest"));
    assert!(!looks_binary(b"plain text"));
    let mut late = vec![b'a'; 9000];
    late.push(0);
    assert!(!looks_binary(&late));
}

#[test]
fn secrets_inside_base64_are_decoded_and_found_at_the_blob() {
    let mut decoder = rule(
        "kubernetes.secret-data",
        &["kind: secret"],
        r"(?m)^[ \t]+(?P<name>[A-Za-z0-9_.-]{1,64}):[ \t]*(?P<data>[A-Za-z0-9+/]{8,}={0,2})[ \t]*\r?$",
    );
    decoder.encoded = Some("base64".into());
    decoder.window = Some([2048, 4096]);
    let mut password = rule("generic.password", &["passw"], r"[\x21-\x7e]{8,64}");
    password.assign = Some("password$".into());
    password.generic = true;
    let e = engine(vec![gh_rule(), decoder, password]);
    let token = expand("{{gen:github-crc32:ghp_}}", "k8s").unwrap();
    let text = expand(
        &format!("apiVersion: v1\nkind: Secret\ndata:\n  token: {{{{base64:{token}}}}}\n  db-password: {{{{base64:Xk9#qL2v!mR7}}}}\n"),
        "k8s",
    )
    .unwrap();
    let mut scratch = e.scratch();
    let found = e.scan(text.as_bytes(), Position::START, &mut scratch);
    let got: Vec<(u32, String, u64)> = found
        .iter()
        .map(|m| (m.rule.0, String::from_utf8_lossy(m.secret_bytes(text.as_bytes())).into_owned(), m.line))
        .collect();
    assert_eq!(got, vec![(0, token, 4), (2, "Xk9#qL2v!mR7".to_string(), 5)]);
    assert!(found.iter().all(|m| m.decoded.as_ref().is_some_and(|d| d.via.0 == 1)));
}

#[test]
fn decoded_user_password_is_a_credential_of_the_decoder_rule() {
    let mut decoder =
        rule("docker.registry-auth", &["\"auth\""], r#""auth"\s*:\s*"(?P<data>[A-Za-z0-9+/]{8,}={0,2})""#);
    decoder.encoded = Some("base64".into());
    decoder.userinfo = true;
    let e = engine(vec![decoder]);
    let text = expand(r#"{"auths": {"r.example.com": {"auth": "{{base64:deploy:Xk9qL2vmR7wP}}"}}}"#, "d").unwrap();
    assert_eq!(secrets(&e, &text), vec!["deploy:Xk9qL2vmR7wP".to_string()]);
    let placeholder = expand(r#"{"auth": "{{base64:deploy:password}}"}"#, "d").unwrap();
    assert!(secrets(&e, &placeholder).is_empty());
}

#[test]
fn span_overlap_queries_agree_with_pairwise_checks() {
    let mut rng = crate::rules::template::Rng::from_seed("spans");
    let mut range = |max: u64| {
        let a = (rng.next_u64() % max) as usize;
        a..a + (rng.next_u64() % 12) as usize
    };
    for n in 0..200 {
        let ranges: Vec<Range<usize>> = (0..n % 20).map(|_| range(100)).collect();
        let spans = Spans::new(ranges.clone());
        for _ in 0..50 {
            let q = range(110);
            assert_eq!(spans.overlaps(&q), ranges.iter().any(|r| overlaps(r, &q)), "{ranges:?} {q:?}");
        }
    }
}

#[test]
fn thousands_of_generic_matches_yield_to_thousands_of_specific_ones() {
    let mut password = rule("generic.password", &["passw"], r"[\x21-\x7e]{8,64}");
    password.assign = Some("password$".into());
    password.generic = true;
    let e = engine(vec![gh_rule(), password]);
    let mut text = String::new();
    let mut tokens = Vec::new();
    for i in 0..4000 {
        let token = expand("{{gen:github-crc32:ghp_}}", &format!("m{i}")).unwrap();
        text.push_str(&format!("password = \"{token}\"\npassword = \"Xk9#qL2v{i}mR7\"\n"));
        tokens.push(token);
    }
    let found = secrets(&e, &text);
    assert_eq!(found.len(), 8000);
    assert_eq!(found.iter().step_by(2).cloned().collect::<Vec<_>>(), tokens, "each token once, by its own rule");
}

#[test]
fn an_empty_capture_is_never_a_secret() {
    let e = engine(vec![rule("p.empty-group", &["acme_"], r"acme_([a-z]*)")]);
    assert!(secrets(&e, "x = acme_ \n").is_empty());
    assert_eq!(secrets(&e, "x = acme_kqjxmzpwtr \n"), vec!["kqjxmzpwtr".to_string()]);
}

/// The built-in catch-all rules plus one provider's rule, so provider names are known.
fn generic_engine() -> Engine {
    let mut specs: Vec<(String, RuleSpec)> =
        RuleSet::builtin_specs().unwrap().into_iter().filter(|(_, s)| s.id.starts_with("generic.")).collect();
    let mut provider = rule("alphavantage.api-key", &["av_"], r"\bav_[a-z0-9]{32}\b");
    provider.provider = "alphavantage".into();
    provider.aliases = vec!["alpha_vantage".into()];
    specs.push(("test.toml".into(), provider));
    let set = RuleSet::from_specs(specs).unwrap();
    set.compile_all(|_| true).unwrap();
    Engine::new(Arc::new(set), EngineOptions::default()).unwrap()
}

fn evidence(engine: &Engine, text: &str) -> Vec<(Option<String>, String)> {
    let mut scratch = engine.scratch();
    engine
        .scan(text.as_bytes(), Position::START, &mut scratch)
        .iter()
        .filter_map(|m| m.evidence.as_ref())
        .map(|e| (e.provider.as_deref().map(str::to_string), e.reason.to_string()))
        .collect()
}

#[test]
fn generic_matches_name_their_provider_and_say_why() {
    let e = generic_engine();
    let cases = [
        ("ALPHA_VANTAGE_API_KEY={{alnum:40}}", Some("alphavantage"), "ALPHA_VANTAGE_API_KEY"),
        ("alphavantage:\n  api_key: \"{{hex:32}}\"\n", Some("alphavantage"), "api_key"),
        ("[alpha_vantage]\nkey = {{alnum:40}}\n", Some("alphavantage"), "key"),
        ("The Alpha Vantage token = '{{alnum:40}}'\n", Some("alphavantage"), "token"),
        ("CODEQUIRY_KEY={{alnum:64}}", None, "CODEQUIRY_KEY"),
    ];
    for (template, provider, name) in cases {
        let text = expand(template, "why").unwrap();
        let found = evidence(&e, &text);
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].0.as_deref(), provider, "{text}");
        assert!(found[0].1.starts_with(&format!("value assigned to {name} looks random: ")), "{}", found[0].1);
    }
    let text = expand("API_KEY={{hex:32}}", "why").unwrap();
    assert_eq!(evidence(&e, &text)[0].1, "value assigned to API_KEY looks random: 32 hex characters");
}

#[test]
fn identifiers_hashes_and_public_values_are_not_generic_secrets() {
    let e = generic_engine();
    for template in [
        "cache:\n  key: {{hex:40}}\n",
        "public_key: {{alnum:43}}\n",
        "Porkbun public API key: pk1_{{hex:64}}\n",
        "request_id: {{uuid}}\n",
        "key: npm-key-{{hex:32}}\n",
        "token_url: https://auth.acme.io/oauth/token\n",
        "API_KEY=abcd1234efgh5678ijkl\n",
        "RECAPTCHA_SITE_KEY=6L{{b64url:38}}\n",
        "FIGMA_FILE_KEY={{alnum:22}}\n",
    ] {
        let text = expand(template, "id").unwrap();
        assert_eq!(evidence(&e, &text), vec![], "{text}");
    }
    // A key beside its secret is the pair's identifier: only the secret is reported.
    let text = expand("PUSHER_APP_KEY={{hex:20}}\nPUSHER_APP_SECRET={{hex:20}}\n", "id").unwrap();
    let found = evidence(&e, &text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.starts_with("value assigned to PUSHER_APP_SECRET "), "{found:?}");
}
