//! Property tests (proptest) for the surfaces the fuzz targets cover, in `cargo test`: the
//! engine never panics and finds a planted token wherever it lands, across chunk
//! boundaries and however the reader splits its reads; decoders, the assignment reader,
//! the template expander, the rule and config loaders and the terminal escaper never
//! panic and keep their bounds.

use std::io::Read;
use std::sync::OnceLock;

use keyreach::credentials::{CompanionPart, Credential, Fingerprint, Secret};
use keyreach::engine::{Engine, EngineOptions, Position, StreamOptions};
use keyreach::rules::{MAX_WINDOW, RuleId, template};
use keyreach::scope::{self, Scope};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let rules = keyreach::load_rules(&keyreach::config::RuleSources::default()).unwrap();
        Engine::new(rules, EngineOptions::default()).unwrap()
    })
}

fn token(seed: u32) -> String {
    template::expand("{{gen:github-crc32:ghp_}}", &format!("prop{seed}")).unwrap()
}

/// Text-like bytes: mostly printable, with newlines, keywords, quotes, `=` and stray
/// invalid UTF-8, so the rules' keywords and windows get exercised.
fn texty() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => "[ -~]{0,12}".prop_map(String::into_bytes),
        2 => Just(b"\n".to_vec()),
        1 => prop::sample::select(vec![
            "ghp_", "AKIA", "xoxb-", "sk_live_", "password", "token", "secret", "api_key", "Bearer ", "eyJ",
            "-----BEGIN ", "https://", "@", "=", ": ", "\"", "'", "base64", "kind: Secret", "keyreach:allow",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..4),
        1 => Just("é€😀".as_bytes().to_vec()),
    ];
    prop::collection::vec(piece, 0..200).prop_map(|v| v.concat())
}

/// A reader handing out at most `step` bytes a call.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Every match of `data` as (rule, secret, line, column), streamed in chunks of `chunk`
/// (raised to the engine's minimum) read `step` bytes at a time.
fn streamed(data: &[u8], chunk: usize, step: usize) -> Vec<(u32, Vec<u8>, u64, u64)> {
    let e = engine();
    let mut scratch = e.scratch();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let options = StreamOptions { chunk, skip_binary: false };
    e.scan_reader(&mut Trickle { data, step }, &options, &mut scratch, &mut buf, &mut |m, c| {
        out.push((m.rule.0, m.secret_bytes(c).to_vec(), m.line, m.column))
    })
    .unwrap();
    out
}

fn whole(data: &[u8]) -> Vec<(u32, Vec<u8>, u64, u64)> {
    let e = engine();
    let mut scratch = e.scratch();
    e.scan(data, Position::START, &mut scratch)
        .iter()
        .map(|m| {
            assert!(m.span.end <= data.len() && m.secret.end <= data.len());
            assert!(m.line >= 1 && m.column >= 1);
            (m.rule.0, m.secret_bytes(data).to_vec(), m.line, m.column)
        })
        .collect()
}

/// Chunk boundaries of the smallest chunk: owned parts end at 96 KiB, then every 80 KiB.
fn boundaries() -> Vec<usize> {
    let (lead, tail) = (MAX_WINDOW, 4 * MAX_WINDOW);
    (0..3).map(|k| 2 * (lead + tail) - tail + k * (lead + tail)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_never_panics_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..4096)) {
        whole(&data);
    }

    #[test]
    fn the_engine_never_panics_on_text_full_of_keywords(data in texty()) {
        let found = whole(&data);
        // One chunk: streaming is the same scan.
        prop_assert_eq!(streamed(&data, 0, 4096), found);
    }

    #[test]
    fn a_planted_token_is_found_anywhere_with_its_line_and_column(
        before in texty(),
        after in texty(),
        seed in any::<u32>(),
        sep in prop::sample::select(vec![" ", "\n", "=", "\"", ": ", "\t", "(", "'"]),
    ) {
        let token = token(seed);
        let mut data = before.clone();
        data.extend_from_slice(sep.as_bytes());
        let at = data.len();
        data.extend_from_slice(token.as_bytes());
        data.extend_from_slice(b"\n");
        data.extend_from_slice(&after);
        let line = data[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let line_start = data[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // Columns count characters: bytes that do not continue a UTF-8 sequence.
        let column = data[line_start..at].iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64 + 1;
        let line_text = data[line_start..].split(|&b| b == b'\n').next().unwrap();
        let allowed = keyreach::engine::inline_allow(line_text).is_some();
        let rule = engine().rules().find("github.classic-pat").unwrap().0;
        let hits: Vec<(u64, u64)> = whole(&data)
            .into_iter()
            .filter(|(r, s, _, _)| *r == rule && s == token.as_bytes())
            .map(|(_, _, l, c)| (l, c))
            .collect();
        if allowed {
            prop_assert!(hits.is_empty());
        } else {
            prop_assert_eq!(hits, vec![(line, column)]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_planted_token_is_found_once_across_chunk_boundaries(
        filler in prop::collection::vec(any::<u8>(), 1..64),
        k in 0usize..3,
        delta in -300i64..300,
        tail in 0usize..100_000,
        step in 1usize..70_000,
        seed in any::<u32>(),
    ) {
        let token = token(seed);
        let at = (boundaries()[k] as i64 + delta) as usize;
        let mut data: Vec<u8> = filler.iter().copied().cycle().take(at).collect();
        data.push(b'\n');
        data.extend_from_slice(token.as_bytes());
        data.push(b'\n');
        data.extend(filler.iter().copied().cycle().take(tail));
        let line = data[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 2;
        let rule = engine().rules().find("github.classic-pat").unwrap().0;
        let hits: Vec<(u64, u64)> = streamed(&data, 0, step)
            .into_iter()
            .filter(|(r, s, _, _)| *r == rule && s == token.as_bytes())
            .map(|(_, _, l, c)| (l, c))
            .collect();
        prop_assert_eq!(hits, vec![(line, 1)]);
    }

    #[test]
    fn streaming_reports_what_a_whole_scan_reports(
        lines in prop::collection::vec((texty(), any::<u32>(), prop::sample::select(vec![" ", "é ", "€€ ", "\u{fffd} "])), 1..40),
        step in 1usize..100_000,
    ) {
        // Long lines of text with non-ASCII characters and tokens, past several chunks.
        let mut data = Vec::new();
        for (text, seed, sep) in &lines {
            let text: Vec<u8> = text.iter().copied().filter(|&b| b != b'\n').collect();
            for _ in 0..(*seed as usize % 200) {
                data.extend_from_slice(&text);
                data.extend_from_slice("—é".repeat(64).as_bytes());
            }
            data.extend_from_slice(sep.as_bytes());
            data.extend_from_slice(token(*seed).as_bytes());
            data.push(b'\n');
        }
        let mut a = whole(&data);
        let mut b = streamed(&data, 0, step);
        a.sort();
        b.sort();
        prop_assert_eq!(a, b);
    }
}

fn credential(secret: &[u8], companion: Option<&[u8]>) -> Credential {
    Credential {
        rule: RuleId(0),
        secret: Secret::new(secret),
        fingerprint: Fingerprint::of(secret),
        locations: Vec::new(),
        companion: companion.map(|c| CompanionPart { name: "c".into(), value: Secret::new(c), locations: Vec::new() }),
        evidence: None,
        parts: Vec::new(),
    }
}

fn b64url(data: &[u8]) -> String {
    keyreach::rules::validate::b64_standard(data).trim_end_matches('=').replace('+', "-").replace('/', "_")
}

/// JSON-ish payloads: random values with the claim names the decoders read.
fn claims() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "role",
                    "scope",
                    "scp",
                    "exp",
                    "sub",
                    "iss",
                    "permissions",
                    "roles",
                    "projects",
                    "x"
                ]),
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    });
    prop_oneof![
        3 => value.prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic(payload in claims(), raw in prop::collection::vec(any::<u8>(), 0..200)) {
        let wrapped = [
            raw.clone(),
            format!("eyJhbGciOiJIUzI1NiJ9.{}.c2ln", b64url(&payload)).into_bytes(),
            format!("pypi-{}", b64url(&raw)).into_bytes(),
            // A version-2 macaroon whose caveat is the payload.
            format!("pypi-{}", b64url(&[&[2u8, 1, 8][..], b"pypi.org", &[0, 2, payload.len().min(127) as u8], &payload[..payload.len().min(127)], &[0, 0]].concat())).into_bytes(),
            format!("fm2_{}", keyreach::rules::validate::b64_standard(&raw)).into_bytes(),
            format!("https://a.blob.core.windows.net/?{}", String::from_utf8_lossy(&raw)).into_bytes(),
        ];
        for secret in &wrapped {
            let c = credential(secret, Some(&raw));
            for name in keyreach::rules::DECODERS {
                let mut s = Scope::unknown();
                scope::decode::apply(name, &c, &mut s);
            }
            for provider in ["pypi", "flyio", "azure", "aws", "supabase", "github", "stripe", "openai"] {
                let mut s = Scope::unknown();
                scope::decode::apply_default(provider, &c, &mut s);
                scope::formats::prefix(provider, secret, &mut s);
            }
            for name in keyreach::rules::validate::Validator::NAMES {
                keyreach::rules::validate::Validator::from_name(name).unwrap().check(secret);
            }
        }
    }

    #[test]
    fn the_assignment_reader_stays_inside_the_buffer(buf in texty(), start in any::<prop::sample::Index>(), len in 1usize..16) {
        prop_assume!(!buf.is_empty());
        let start = start.index(buf.len());
        let end = (start + len).min(buf.len());
        if let Some(a) = keyreach::engine::assign::at(&buf, start..end) {
            prop_assert!(a.name.start < a.name.end && a.name.end <= a.value.start);
            prop_assert!(a.value.end <= buf.len());
        }
    }

    #[test]
    fn templates_are_bounded_and_deterministic(text in "([a-z:{}0-9]|\\{\\{|\\}\\}|alnum:|gen:|jwt:|base64:|secret:x:){0,40}") {
        let a = template::expand(&text, "p");
        if let Ok(out) = &a {
            prop_assert!(out.len() <= 2 * template::MAX_OUTPUT + text.len());
        }
        prop_assert_eq!(a.ok(), template::expand(&text, "p").ok());
    }

    #[test]
    fn escaped_text_holds_no_control_characters(text in any::<String>()) {
        let shown = keyreach::report::escape(&text);
        prop_assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
    }

    #[test]
    fn rule_and_config_loaders_never_panic(text in toml_like()) {
        if let Ok(specs) = keyreach::rules::parse_file("p.toml", &text) {
            let specs = specs.into_iter().map(|s| ("p.toml".to_string(), s)).collect();
            if let Ok(set) = keyreach::rules::RuleSet::from_specs(specs) {
                let _ = set.compile_all(|_| true);
            }
        } else if let Err(e) = keyreach::rules::parse_file("p.toml", &text) {
            prop_assert!(!e.to_string().contains('\n'));
        }
        match keyreach::config::parse_config("k.toml", &text) {
            Ok(file) => {
                let _ = keyreach::policy::Policy::from_spec(&file.policy, &file.allow, file.environments);
            }
            Err(e) => prop_assert!(!e.to_string().contains('\n')),
        }
    }
}

/// TOML made of the keys the loaders know, with random values.
fn toml_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "id",
        "title",
        "provider",
        "keywords",
        "pattern",
        "assign",
        "validate",
        "entropy",
        "window",
        "paths",
        "examples",
        "encoded",
        "max_level",
        "unknown_scope",
        "fingerprints",
        "exclude",
        "max_file_size",
        "timeout",
    ]);
    let value = prop_oneof![
        "\"[ -~&&[^\"\\\\]]{0,16}\"",
        "[0-9]{1,5}",
        Just("[\"abc_\", \"x\"]".to_string()),
        Just("'''(a+)+b'''".to_string()),
        Just("[1, 2]".to_string()),
        Just("true".to_string()),
    ];
    let line = prop_oneof![
        (key, value).prop_map(|(k, v)| format!("{k} = {v}\n")),
        prop::sample::select(vec![
            "[[rule]]\n",
            "[policy]\n",
            "[allow]\n",
            "[scan]\n",
            "[probe]\n",
            "[probe.endpoints]\n",
            "[rule.scope]\n"
        ])
        .prop_map(str::to_string),
        ".{0,10}\n",
    ];
    prop::collection::vec(line, 0..20).prop_map(|l| l.concat())
}
