//! Every probe's response handling on hostile answers, through recorded responses instead
//! of the network (`scope::probe::replay`, built under `cfg(fuzzing)`). Requests are still
//! checked against each probe's declared shapes.
//!
//! Input (`replay::Seed`): a first line `PROVIDER KIND-INDEX SECRET-TEMPLATE
//! [COMPANION-TEMPLATE|-] [PART=TEMPLATE ...]`, then answers in the replay text form
//! (status line, headers, blank line, body; `--` between).
//! GCP needs an RSA key: set `KEYREACH_FUZZ_GCP_KEY` to a PKCS#8 PEM file to include it.
#![no_main]

use keyreach::scope::Activity;
use keyreach::scope::probe::replay::Seed;
use libfuzzer_sys::fuzz_target;

fn gcp_key() -> Option<String> {
    let path = std::env::var_os("KEYREACH_FUZZ_GCP_KEY")?;
    std::fs::read_to_string(path).ok().map(|k| k.replace('\n', "\\n"))
}

fuzz_target!(|data: &[u8]| {
    let Some(seed) = Seed::parse(data, gcp_key()) else { return };
    let (scope, replay) = seed.run();
    if scope.active == Activity::Active {
        assert!(replay.answered_authenticated(), "active without a 2xx or a JSON permission error");
    }
    assert!(replay.refused().is_empty(), "a probe built an undeclared request: {:?}", replay.refused());
});
