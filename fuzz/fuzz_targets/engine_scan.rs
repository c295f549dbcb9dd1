//! The engine on arbitrary bytes with every built-in rule: no panic, every match inside the
//! buffer with 1-based positions; the same bytes streamed in one chunk give the same matches.
#![no_main]

use keyreach::engine::{Position, StreamOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    keyreach_fuzz::with_scratch(|engine, scratch| {
        let at = Position { line: 3, column_offset: 7 };
        let whole: Vec<(u32, Vec<u8>, u64, u64)> = engine
            .scan(data, Position::START, scratch)
            .iter()
            .inspect(|m| keyreach_fuzz::check_match(m, data, Position::START))
            .map(|m| (m.rule.0, m.secret_bytes(data).to_vec(), m.line, m.column))
            .collect();
        for m in engine.scan(data, at, scratch) {
            keyreach_fuzz::check_match(m, data, at);
        }
        let mut streamed = Vec::new();
        let options = StreamOptions { chunk: 0, skip_binary: false };
        let mut buf = Vec::new();
        let mut reader = data;
        engine
            .scan_reader(&mut reader, &options, scratch, &mut buf, &mut |m, chunk| {
                streamed.push((m.rule.0, m.secret_bytes(chunk).to_vec(), m.line, m.column))
            })
            .expect("reading a slice cannot fail");
        assert_eq!(whole, streamed, "streaming changed the matches");
    });
});
