//! The assignment reader around an arbitrary keyword hit in arbitrary bytes: no panic, and
//! what it returns lies inside the buffer with the name before the value. The same for a
//! section's keys, which all follow the section's name.
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
    let mut keys = Vec::new();
    if let Some(section) = keyreach::engine::assign::section(buf, start..end, &mut keys) {
        assert!(section.start < section.end && section.end <= buf.len(), "{section:?}");
        for a in &keys {
            assert!(section.end < a.name.start && a.name.end <= a.value.start, "{a:?}");
            assert!(a.value.start <= a.value.end && a.value.end <= buf.len(), "{a:?}");
        }
    } else {
        assert!(keys.is_empty());
    }
});
