//! Offline decoders on arbitrary bytes: JWT claims, PyPI and Fly.io macaroons, Azure SAS,
//! AWS key ids, token prefixes, the base64 rescan and every checksum validator. The input
//! is tried raw and wrapped in each format's envelope (so seeds hold payloads, not tokens).
#![no_main]

use keyreach::credentials::{CompanionPart, Credential, Fingerprint, Secret};
use keyreach::rules::validate::{Validator, b64_standard};
use keyreach::rules::{DECODERS, RuleId};
use keyreach::scope::{self, Scope};
use libfuzzer_sys::fuzz_target;

fn b64url(data: &[u8]) -> String {
    b64_standard(data).trim_end_matches('=').replace('+', "-").replace('/', "_")
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

const PROVIDERS: &[&str] =
    &["pypi", "flyio", "azure", "aws", "supabase", "github", "stripe", "openai", "anthropic", "gitlab", "slack"];

fuzz_target!(|data: &[u8]| {
    let wrapped = [
        data.to_vec(),
        format!("eyJhbGciOiJIUzI1NiJ9.{}.c2ln", b64url(data)).into_bytes(),
        format!("pypi-{}", b64url(data)).into_bytes(),
        format!("FlyV1 fm2_{}", b64_standard(data)).into_bytes(),
        format!("https://acct.blob.core.windows.net/?{}", String::from_utf8_lossy(data)).into_bytes(),
    ];
    let half = data.len() / 2;
    for secret in &wrapped {
        for companion in [None, Some(&data[..half])] {
            let c = credential(secret, companion);
            for name in DECODERS {
                let mut s = Scope::unknown();
                scope::decode::apply(name, &c, &mut s);
            }
            for provider in PROVIDERS {
                let mut s = Scope::unknown();
                scope::decode::apply_default(provider, &c, &mut s);
                scope::formats::prefix(provider, secret, &mut s);
            }
        }
        for name in Validator::NAMES {
            let _ = Validator::from_name(name).unwrap().check(secret);
        }
        let _ = scope::decode::jwt_claims(secret);
        let _ = scope::formats::pypi_macaroon(secret);
        let _ = scope::formats::fly_caveats(secret);
        let _ = scope::decode::aws_account(secret);
    }
    if let Some(decoded) = keyreach::engine::decode::base64_text(data) {
        let _ = keyreach::engine::decode::rescan_text(Some(b"password"), &decoded);
        let _ = keyreach::engine::decode::is_userinfo(&decoded);
    }
});
