//! Helpers shared by the fuzz targets: the built-in engine, built once per process.

use std::sync::{Arc, Mutex, OnceLock};

use keyreach::engine::{Engine, EngineOptions, Match, Position, Scratch};
use keyreach::rules::RuleSet;

/// The engine with every built-in rule.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let rules = keyreach::load_rules(&keyreach::config::RuleSources::default()).expect("built-in rules load");
        Engine::new(rules, EngineOptions::default()).expect("built-in engine builds")
    })
}

/// The built-in rules.
pub fn rules() -> &'static Arc<RuleSet> {
    engine().rules()
}

/// Runs `f` with this process's scratch space for the built-in engine.
pub fn with_scratch<T>(f: impl FnOnce(&Engine, &mut Scratch) -> T) -> T {
    static SCRATCH: OnceLock<Mutex<Scratch>> = OnceLock::new();
    let engine = engine();
    let mut scratch = SCRATCH.get_or_init(|| Mutex::new(engine.scratch())).lock().unwrap_or_else(|p| p.into_inner());
    f(engine, &mut scratch)
}

/// Invariants every match must hold for the buffer it indexes.
pub fn check_match(m: &Match, buf: &[u8], at: Position) {
    assert!(m.span.start <= m.span.end && m.span.end <= buf.len(), "span out of the buffer");
    assert!(m.secret.start <= m.secret.end && m.secret.end <= buf.len(), "secret out of the buffer");
    assert!(m.line >= at.line && m.column >= 1, "positions are 1-based");
    assert!(!m.secret_bytes(buf).is_empty(), "an empty secret");
    if let Some((companion, line, column)) = m.companion_part(buf) {
        assert!(!companion.is_empty() && line >= 1 && column >= 1);
    }
}
