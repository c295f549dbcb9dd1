//! The assignment reader around an arbitrary keyword hit in arbitrary bytes: no panic, and
//! what it returns lies inside the buffer with the name before the value.
//!
//! Input: `[hit start lo][hi][hit length][buffer...]`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [lo, hi, len, buf @ ..] = data else { return };
    if buf.is_empty() {
        return;
    }
    let start = usize::from(u16::from_le_bytes([*lo, *hi])) % buf.len();
    let end = (start + usize::from(*len).max(1)).min(buf.len());
    if let Some(a) = keyreach::engine::assign::at(buf, start..end) {
        assert!(a.name.start < a.name.end && a.name.end <= a.value.start, "{a:?}");
        assert!(a.value.start <= a.value.end && a.value.end <= buf.len(), "{a:?}");
    }
});
