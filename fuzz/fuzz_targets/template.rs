//! The example-template expander (user rules' `examples` are templates): no panic, no
//! unbounded output, deterministic per seed.
#![no_main]

use keyreach::rules::template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let first = template::expand(text, "fuzz");
    if let Ok(out) = &first {
        assert!(out.len() <= 2 * template::MAX_OUTPUT + text.len(), "output grew to {} bytes", out.len());
    }
    let again = template::expand(text, "fuzz");
    assert_eq!(first.ok(), again.ok(), "expansion is deterministic");
    let _ = template::expand_labelled(text, "fuzz");
});
