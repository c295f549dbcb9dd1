//! Other secret scanners' inline markers, honoured like `keyreach:allow` so a codebase
//! that already marked its test fixtures stays quiet (`--no-foreign-allow` turns them
//! off; `--no-inline-allow` turns off these and keyreach's own). Spellings and scope from
//! each tool's documentation:
//!
//! - gitleaks: `gitleaks:allow` on the line;
//! - detect-secrets: `pragma: allowlist secret` on the line, or
//!   `pragma: allowlist nextline secret` on the line before;
//! - Kingfisher: `kingfisher:ignore` on the line.
//!
//! Found anywhere on the line (any comment style), ASCII case ignored, as whole words.

/// Markers that allow the line they are on.
const SAME_LINE: [&[u8]; 3] = [b"gitleaks:allow", b"pragma: allowlist secret", b"kingfisher:ignore"];
/// The marker that allows the line after it.
const NEXT_LINE: &[u8] = b"pragma: allowlist nextline secret";

/// Whether `buf` may hold a marker: a cheap test before looking at lines.
pub(super) fn any_in(buf: &[u8]) -> bool {
    [&b"gitleaks:"[..], b"allowlist", b"kingfisher:"]
        .iter()
        .any(|p| buf.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p)))
}

/// Whether a marker allows the line `buf[start..end]`: one on it, or a next-line marker on
/// the line before it.
pub(super) fn allows(buf: &[u8], start: usize, end: usize) -> bool {
    let line = &buf[start..end];
    if SAME_LINE.iter().any(|m| has_word(line, m)) {
        return true;
    }
    let Some(prev_end) = start.checked_sub(1) else { return false };
    let floor = prev_end.saturating_sub(4096);
    let prev_start = memchr::memrchr(b'\n', &buf[floor..prev_end]).map_or(floor, |p| floor + p + 1);
    has_word(&buf[prev_start..prev_end], NEXT_LINE)
}

/// `marker` in `line` not followed by a letter, digit, `_` or `-` (`gitleaks:allowed` is
/// another word).
fn has_word(line: &[u8], marker: &[u8]) -> bool {
    word_end(line, marker, |hay, m| hay.windows(m.len()).position(|w| w.eq_ignore_ascii_case(m))).is_some()
}

/// Where the first whole-word `marker` in `line` ends, as `find` locates it (exact or ignoring
/// case): a word ends before anything but a letter, digit, `_` or `-`.
pub(super) fn word_end(line: &[u8], marker: &[u8], find: impl Fn(&[u8], &[u8]) -> Option<usize>) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = find(&line[from..], marker) {
        let end = from + found + marker.len();
        if line.get(end).is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))) {
            return Some(end);
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(text: &str, line: usize) -> bool {
        let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let end = text[starts[line]..].find('\n').map_or(text.len(), |e| starts[line] + e);
        allows(text.as_bytes(), starts[line], end)
    }

    #[test]
    fn each_tools_marker_allows_its_line() {
        assert!(allowed("a\nkey = 'x'  # gitleaks:allow\n", 1));
        assert!(allowed("key = 'x'  // pragma: allowlist secret\n", 0));
        assert!(allowed("key = 'x' # Pragma: Allowlist Secret\n", 0));
        assert!(allowed("let k = \"x\"; // kingfisher:ignore\n", 0));
        assert!(allowed("<!-- gitleaks:allow --> x\n", 0));
    }

    #[test]
    fn only_the_next_line_marker_reaches_the_following_line() {
        assert!(allowed("# pragma: allowlist nextline secret\nkey = 'x'\n", 1));
        assert!(!allowed("# pragma: allowlist nextline secret\nkey = 'x'\nkey = 'y'\n", 2));
        assert!(!allowed("# gitleaks:allow\nkey = 'x'\n", 1));
        assert!(!allowed("# kingfisher:ignore\nkey = 'x'\n", 1));
        assert!(!allowed("key = 'x'\n# gitleaks:allow\n", 0));
    }

    #[test]
    fn other_words_do_not_count() {
        assert!(!allowed("key = 'x' # gitleaks:allowed\n", 0));
        assert!(!allowed("key = 'x' # kingfisher:ignore-me\n", 0));
        assert!(!allowed("key = 'x' # pragma: allowlist secrets\n", 0));
        assert!(!any_in(b"nothing to see here\n"));
        assert!(any_in(b"x # GITLEAKS:ALLOW\n"));
    }
}
