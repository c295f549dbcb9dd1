//! Sentences and notes: the words, dashes, emphasis and asides around a name in prose, and
//! where a value in a sentence ends.

use super::*;

/// The `:` ending a short qualifier at `i` (`for staging:`, `of the bot:`): a preposition,
/// then at most four words on the same line.
pub(super) fn qualifier_end(buf: &[u8], i: usize) -> Option<usize> {
    let rest = &buf[i..(i + 48).min(buf.len())];
    let word_len = rest.iter().position(|&b| !b.is_ascii_alphabetic())?;
    let word = &rest[..word_len];
    if !["for", "of", "on", "in", "from"].iter().any(|p| word.eq_ignore_ascii_case(p.as_bytes())) {
        return None;
    }
    let colon = memchr::memchr2(b':', b'\n', rest).filter(|&c| rest[c] == b':')?;
    let words = rest[word_len..colon].split(|&b| b == b' ').filter(|w| !w.is_empty()).count();
    let plain =
        rest[word_len..colon].iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_' | b'.'));
    (plain && (1..=4).contains(&words) && operator(buf, i + colon) == Some(1)).then_some(i + colon)
}

/// Whether the name starting at `i` follows `${`.
pub(super) fn i_is_dollar_brace(buf: &[u8], i: usize) -> bool {
    i >= 2 && &buf[i - 2..i] == b"${"
}

/// Whether only blanks come before `i` on its line.
pub(super) fn starts_line(buf: &[u8], i: usize) -> bool {
    buf[line_start(buf, i)..i].iter().all(|&b| is_blank(b))
}

/// Whether a bare value ending at `i` ends its line, perhaps with a full stop.
pub(super) fn ends_sentence(buf: &[u8], i: usize) -> bool {
    ends_line(buf, i) || (buf.get(i) == Some(&b'.') && ends_line(buf, i + 1))
}

/// Length of a dash between blanks at `i`: `-`, an en dash or an em dash (UTF-8).
pub(super) fn dash_len(buf: &[u8], i: usize) -> Option<usize> {
    let len = match buf.get(i..)? {
        [b'-', ..] => 1,
        [0xe2, 0x80, 0x93 | 0x94, ..] => 3,
        _ => return None,
    };
    buf.get(i + len).is_some_and(|&b| is_blank(b)).then_some(len)
}

/// Length of Markdown emphasis (`*`, `**`, `_`, `__`) at `i` when a blank follows it, else 0.
pub(super) fn emphasis_then_blank(buf: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < i + 2 && matches!(buf.get(j), Some(b'*' | b'_')) {
        j += 1;
    }
    if j > i && buf.get(j).is_some_and(|&b| is_blank(b)) { j - i } else { 0 }
}

/// A bare value in a sentence ends at a blank or at punctuation followed by one.
pub(super) fn ends_word(buf: &[u8], i: usize) -> bool {
    match buf.get(i) {
        None | Some(b' ' | b'\t' | b'\n' | b'\r') => true,
        Some(b',' | b';' | b')') => buf.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()),
        _ => false,
    }
}

/// Whether the text before `at` on its line is words (`The codequiry token = …`), not
/// code or indentation.
pub(super) fn has_words_before(buf: &[u8], at: usize) -> bool {
    let line = &buf[line_start(buf, at)..at];
    let letters = line.iter().filter(|b| b.is_ascii_alphabetic()).count();
    letters >= 2 && line.last().is_some_and(|&b| b == b' ') && !line.iter().any(|b| matches!(b, b'(' | b'{' | b'='))
}

/// A logfmt line (`level=debug api_key=… status=200`): `name=value` touching, and the next
/// field is another `name=` after one blank.
pub(super) fn logfmt_next(buf: &[u8], name: &Range<usize>, end: usize) -> bool {
    if buf.get(name.end) != Some(&b'=') || buf.get(end) != Some(&b' ') {
        return false;
    }
    let rest = &buf[end + 1..(end + 65).min(buf.len())];
    let key = rest.iter().take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')).count();
    key > 0 && rest.get(key) == Some(&b'=')
}

/// A prose value counts when quoted, or bare when it ends the sentence after a qualified
/// name: `Zorbix API key is k3J9…` (not `the token is …`).
pub(super) fn quoted_or_qualified(
    buf: &[u8],
    name: Range<usize>,
    value: Range<usize>,
    quoted: bool,
) -> Option<Assignment> {
    let bare_ok = ends_sentence(buf, value.end) && qualified_by_word(buf, name.start);
    (quoted || bare_ok).then_some(Assignment { name, value, quoted })
}

/// Whether a word other than an article or possessive comes right before the name at `at`
/// on its line (`Zorbix API key`, not `the key` or `your token`).
pub(super) fn qualified_by_word(buf: &[u8], at: usize) -> bool {
    let line = &buf[line_start(buf, at)..at];
    let Some(line) = line.strip_suffix(b" ") else { return false };
    let word = line.rsplit(|&b| b == b' ').next().unwrap_or(b"");
    const PLAIN: &[&str] = &["the", "a", "an", "your", "my", "our", "this", "that", "its", "their", "his", "her"];
    word.len() >= 2
        && word.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && !PLAIN.iter().any(|p| word.eq_ignore_ascii_case(p.as_bytes()))
}
