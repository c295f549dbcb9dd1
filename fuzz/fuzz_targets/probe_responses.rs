//! Every probe's response handling on hostile answers, through recorded responses instead
//! of the network (`scope::probe::replay`, built under `cfg(fuzzing)`). Requests are still
//! checked against each probe's declared shapes.
//!
//! Input: a first line `PROVIDER KIND-INDEX SECRET-TEMPLATE [COMPANION-TEMPLATE]`, then
//! answers in the replay text form (status line, headers, blank line, body; `--` between).
//! GCP needs an RSA key: set `KEYREACH_FUZZ_GCP_KEY` to a PKCS#8 PEM file to include it.
#![no_main]

use keyreach::credentials::Secret;
use keyreach::rules::template;
use keyreach::scope::probe::{self, Target, replay::Replay};
use keyreach::scope::{Activity, Scope};
use libfuzzer_sys::fuzz_target;

fn gcp_key() -> Option<String> {
    let path = std::env::var_os("KEYREACH_FUZZ_GCP_KEY")?;
    std::fs::read_to_string(path).ok().map(|k| k.replace('\n', "\\n"))
}

fuzz_target!(|data: &[u8]| {
    let (head, answers) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(head) = std::str::from_utf8(head) else { return };
    let mut fields = head.split(' ');
    let (Some(provider), Some(kind)) = (fields.next(), fields.next()) else { return };
    let Some(p) = probe::find(provider) else { return };
    let kinds = p.kinds();
    let rule_id = kinds[kind.parse::<usize>().unwrap_or(0) % kinds.len()];
    let expand = |t: &str| template::expand(t, "fuzz").ok();
    let secret = match (provider, fields.next()) {
        ("gcp", _) => match gcp_key() {
            Some(key) => key,
            None => return,
        },
        (_, Some(t)) => match expand(t) {
            Some(s) => s,
            None => return,
        },
        (_, None) => return,
    };
    let companion = fields.next().and_then(expand);
    let secret = Secret::new(secret.as_bytes());
    let companion = companion.map(|c| Secret::new(c.as_bytes()));
    let target = Target { provider, rule_id, secret: &secret, companion: companion.as_ref(), parts: &[] };
    let replay = Replay::from_text(answers);
    let scope = probe::replay::probe(&target, Scope::unknown(), &replay);
    if scope.active == Activity::Active {
        assert!(replay.answered_authenticated(), "active without a 2xx or a JSON permission error");
    }
});
