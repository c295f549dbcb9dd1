//! A planted, checksum-valid GitHub token in arbitrary surrounding bytes is found exactly
//! once, at the right line and column, wherever it lands relative to the stream's chunk
//! boundaries and however the reader splits its reads.
//!
//! Input: `[seed][k][delta lo][delta hi][tail][read size][filler...]`.
#![no_main]

use std::io::Read;

use keyreach::engine::StreamOptions;
use keyreach::rules::MAX_WINDOW;
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    let [seed, k, lo, hi, tail, step, filler @ ..] = data else { return };
    let filler = if filler.is_empty() { &b"x"[..] } else { filler };
    let token = keyreach::rules::template::expand("{{gen:github-crc32:ghp_}}", &seed.to_string()).unwrap();
    // Chunk boundaries of the smallest chunk (two overlaps) fall at 96 KiB + n * 80 KiB.
    let (lead, tail_ctx) = (MAX_WINDOW, 4 * MAX_WINDOW);
    let overlap = lead + tail_ctx;
    let boundary = 2 * overlap - tail_ctx + usize::from(*k % 3) * overlap;
    let delta = i64::from(i16::from_le_bytes([*lo, *hi]));
    let at = (boundary as i64 + delta).max(0) as usize;
    let mut input: Vec<u8> = filler.iter().copied().cycle().take(at).collect();
    input.push(b'\n');
    input.extend_from_slice(token.as_bytes());
    input.push(b'\n');
    input.extend(filler.iter().copied().cycle().take(usize::from(*tail) * 512));
    let line = input[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 2;
    let rule = keyreach_fuzz::rules().find("github.classic-pat").unwrap();
    keyreach_fuzz::with_scratch(|engine, scratch| {
        let mut found = Vec::new();
        let mut buf = Vec::new();
        let mut reader = Trickle { data: &input, step: usize::from(*step).max(1) * 997 };
        let options = StreamOptions { chunk: 0, skip_binary: false };
        engine
            .scan_reader(&mut reader, &options, scratch, &mut buf, &mut |m, chunk| {
                if m.rule == rule && m.secret_bytes(chunk) == token.as_bytes() {
                    found.push((m.line, m.column));
                }
            })
            .unwrap();
        assert_eq!(found, vec![(line, 1)], "planted at byte {}", at + 1);
    });
});
