//! A user rule file: parse, validate, compile (size-limited), build the engine, run the
//! rules' own examples and scan the file's text with them. Errors are fine; panics are not.
#![no_main]

use std::sync::Arc;

use keyreach::engine::{Engine, EngineOptions, Position, check};
use keyreach::rules::{RuleSet, parse_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let specs = match parse_file("fuzz.toml", text) {
        Ok(specs) => specs,
        Err(e) => {
            assert!(!e.to_string().contains('\n'), "rule errors are one line");
            return;
        }
    };
    let Ok(set) = RuleSet::from_specs(specs.into_iter().map(|s| ("fuzz.toml".to_string(), s)).collect()) else {
        return;
    };
    if set.compile_all(|_| true).is_err() {
        return;
    }
    let Ok(engine) = Engine::new(Arc::new(set), EngineOptions::default()) else { return };
    let _ = check::check_examples(&engine, check::CheckOptions { require_examples: false }, |_| true);
    let mut scratch = engine.scratch();
    for m in engine.scan(data, Position::START, &mut scratch) {
        keyreach_fuzz::check_match(m, data, Position::START);
    }
});
