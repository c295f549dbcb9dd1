//! Assignment context: given a keyword hit inside a name, find the value assigned to that
//! name. One shared reader for `.env`, shell, YAML, JSON, TOML, INI, HCL, Dockerfile, CI
//! files, code (`=`, `:=`, `=>`, call arguments), XML elements, CLI flags and `.netrc`.
//!
//! It works on raw bytes, never allocates, and looks at most a few kilobytes around the hit.

use std::ops::Range;

mod forms;
mod prose;
mod sections;
use forms::*;
use prose::*;
use sections::{braced_keys, next_line};
pub use sections::{enclosing_sections, nearby_text, section};

/// A `name <op> value` found around a keyword hit. Offsets index the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: Range<usize>,
    pub value: Range<usize>,
    /// Whether the value was a quoted string literal (or XML element text).
    pub quoted: bool,
}

const MAX_NAME: usize = 128;
const MAX_VALUE: usize = 4096;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// The name a keyword hit sits in: its range, the byte before it, and where the text
/// after it starts (past a closing quote of a quoted key).
struct Key {
    name: Range<usize>,
    before: Option<u8>,
    after: usize,
}

fn key_at(buf: &[u8], hit: Range<usize>) -> Option<Key> {
    let start = name_start(buf, hit.start);
    // From the hit's start: a keyword may run past the name (`token:`).
    let end = name_end(buf, hit.start);
    if end <= start {
        return None;
    }
    let before = start.checked_sub(1).map(|i| buf[i]);
    // `scheme://user:password@host` is a URL, read by URL rules, not an assignment.
    if start >= 2 && &buf[start - 2..start] == b"//" {
        return None;
    }
    // A quoted key (`"api_key": ...`, `'token' => ...`) ends at its closing quote.
    let after = match before.filter(|&b| is_quote(b)) {
        Some(q) if buf.get(end) != Some(&q) => return None,
        Some(_) => end + 1,
        None => end,
    };
    Some(Key { name: start..end, before, after })
}

/// Finds the assignment whose name contains `hit`, if the text there is one.
pub fn at(buf: &[u8], hit: Range<usize>) -> Option<Assignment> {
    read(buf, hit, false)
}

/// Like [`at`], but a bare value may be followed by more words, as in a sentence
/// (`Using Key=k3J9xQ2m… for the staging account`). Only for catch-all rules, which then
/// ask more of the value than [`at`]'s callers do.
pub fn at_in_prose(buf: &[u8], hit: Range<usize>) -> Option<Assignment> {
    let a = read(buf, hit, true)?;
    // A sentence: words before the name on its line, or a value that ends the line.
    let prose = has_words_before(buf, a.name.start) || ends_line(buf, a.value.end);
    prose.then_some(a)
}

fn read(buf: &[u8], hit: Range<usize>, prose: bool) -> Option<Assignment> {
    let Some(Key { name, before, mut after }) = key_at(buf, hit.clone()) else { return header_line(buf, hit) };
    // An XML element (`<password>`).
    if before == Some(b'<') {
        return xml_element(buf, name, after);
    }
    // A query string (`?api_key=…&q=1`): the value ends at the next parameter.
    if matches!(before, Some(b'?' | b'&')) {
        return query_value(buf, name, after);
    }
    // A name given as a value: `- name: API_KEY` / `value: …` (Kubernetes and ECS
    // environment entries), a Terraform `variable "api_key" { default = "…" }`.
    if let Some(a) = env_entry(buf, &name, after).or_else(|| hcl_default(buf, &name, after)) {
        return Some(a);
    }
    // A setter: `client.setApiKey("…")`, `.withAccessToken('…')`: one string argument.
    if buf.get(after) == Some(&b'(') {
        let (value, quoted) = value_at(buf, after + 1)?;
        let closes = buf.get(value.end + 1) == Some(&b')');
        return (quoted && closes && !before.is_some_and(is_quote)).then_some(Assignment { name, value, quoted });
    }
    // A shell or Compose default: `${API_KEY:-…}`, `${API_KEY:=…}`, `${API_KEY=…}` (not
    // `${API_KEY-…}`: a name may hold `-`).
    if before == Some(b'{') && i_is_dollar_brace(buf, name.start) {
        let op = [&b":-"[..], b":=", b"="].into_iter().find(|op| buf[after..].starts_with(op))?;
        let start = after + op.len();
        let ceil = (start + MAX_VALUE).min(buf.len());
        let end = start + memchr::memchr2(b'}', b'\n', &buf[start..ceil]).filter(|&e| buf[start + e] == b'}')?;
        let (value, quoted) = match buf.get(start) {
            Some(&q) if is_quote(q) && end > start + 1 && buf[end - 1] == q => (start + 1..end - 1, true),
            _ => (start..end, false),
        };
        return (!value.is_empty() && !buf[value.clone()].contains(&b'$')).then_some(Assignment {
            name,
            value,
            quoted,
        });
    }
    // A subscript: `os.environ["API_KEY"] = "…"`, `ENV['API_KEY'] = '…'`.
    if before.is_some_and(is_quote) && buf.get(after) == Some(&b']') {
        after += 1;
    }
    // Android resources and manifests: `<string name="zorbix_api_key">…</string>`,
    // `<meta-data android:name="com.zorbix.ApiKey" android:value="…" />`.
    if before.is_some_and(is_quote) && name.start >= 6 && buf[..name.start - 1].ends_with(b"name=") {
        return xml_named_value(buf, name, after);
    }
    // Property lists (iOS `Info.plist`): `<key>ZorbixAPIKey</key>` then `<string>…</string>`.
    if before == Some(b'>') && buf[after..].starts_with(b"</key>") {
        return plist_value(buf, name, after + 6);
    }
    // .NET and NuGet settings: `<add key="ApiKey" value="…" />`.
    if before.is_some_and(is_quote) && name.start >= 5 && buf[..name.start - 1].ends_with(b"key=") {
        return xml_add_value(buf, name, after);
    }
    // In a sentence, Markdown emphasis may close around the name: `**Codequiry token**: …`.
    if prose {
        while matches!(buf.get(after), Some(b'*' | b'_')) {
            after += 1;
        }
    }
    let mut i = skip_blanks(buf, after);
    // A short aside before the operator: `API key (production): …`.
    if prose && buf.get(i) == Some(&b'(') {
        let aside = &buf[i..(i + 48).min(buf.len())];
        if let Some(close) = memchr::memchr2(b')', b'\n', aside).filter(|&c| aside[c] == b')') {
            let j = skip_blanks(buf, i + close + 1);
            if operator(buf, j).is_some_and(|len| len > 0) {
                i = j;
            }
        }
    }
    // Or a few words saying whose it is: `API key for staging: …`, `token of the bot: …`.
    if prose && i > after {
        if let Some(j) = qualifier_end(buf, i) {
            i = j;
        }
    }
    let op = operator(buf, i);
    let quoted_name = before.is_some_and(is_quote);
    if prose && op.is_none() {
        // A dash between name and value: `API key - k3J9…`, `API key — k3J9…` (a bare value
        // must end the line).
        if let Some(dash) = dash_len(buf, i).filter(|_| i > after) {
            let j = skip_blanks(buf, i + dash);
            if j > i + dash {
                let (value, quoted) = value_at(buf, j)?;
                return quoted_or_qualified(buf, name, value, quoted);
            }
        }
        // A sentence naming a code span: `the Codequiry API key `k3J9…` for staging`.
        if i > after && buf.get(i) == Some(&b'`') {
            let (value, quoted) = value_at(buf, i)?;
            return Some(Assignment { name, value, quoted });
        }
        // `the API key is `k3J9…``, `the token is: "…"` (quoted: a bare word after "is"
        // is as likely to be prose).
        if buf.get(i..i + 3).is_some_and(|w| w.eq_ignore_ascii_case(b"is ") || w.eq_ignore_ascii_case(b"is:")) {
            let j = skip_blanks(buf, i + 2 + usize::from(buf[i + 2] == b':'));
            let j = if buf.get(j) == Some(&b':') { skip_blanks(buf, j + 1) } else { j };
            let (value, quoted) = value_at(buf, j)?;
            return quoted_or_qualified(buf, name, value, quoted);
        }
        // A qualified name then the value: `Zorbix token k3J9… for sync` (judged as prose).
        if i == after + 1 && qualified_by_word(buf, name.start) {
            if let Some((value, false)) = value_at(buf, i) {
                if ends_word(buf, value.end) && value.len() >= 20 {
                    return Some(Assignment { name, value, quoted: false });
                }
            }
        }
        // A Markdown table row: `| Codequiry API key | `k3J9…` |`.
        if buf.get(i) == Some(&b'|') {
            let j = skip_blanks(buf, i + 1);
            let (value, quoted) = value_at(buf, j)?;
            let k = skip_blanks(buf, value.end + usize::from(quoted));
            return (buf.get(k) == Some(&b'|')).then_some(Assignment { name, value, quoted });
        }
    }
    let i = match op {
        // Markdown emphasis closing after the operator: `**API key:** k3J9…`.
        Some(len) if len > 0 && prose && emphasis_then_blank(buf, i + len) > 0 => {
            skip_blanks(buf, i + len + emphasis_then_blank(buf, i + len))
        }
        Some(len) if len > 0 => skip_blanks(buf, i + len),
        // `("API_KEY", "value")`: a quoted name followed by a comma, first in a call
        // (not one string of a list: `["a", "b"]`).
        Some(_) => return None,
        None if quoted_name && buf.get(i) == Some(&b',') && opens_call(buf, name.start - 1) => skip_blanks(buf, i + 1),
        None if i > after && whitespace_form_allowed(buf, &name) => i,
        // A config directive, alone on its line with one value: Fluentd and Fluent Bit
        // (`api_key VALUE`), Redis (`requirepass VALUE`), Apache-style files.
        None if i > after && starts_line(buf, name.start) && !quoted_name => {
            let (value, quoted) = value_at(buf, i)?;
            let end = value.end + usize::from(quoted);
            return ends_line(buf, end).then_some(Assignment { name, value, quoted });
        }
        None => return None,
    };
    let (mut value, mut quoted) = value_at(buf, i)?;
    // A typed declaration: `const API_KEY: &str = "…"`, `val apiKey: String = "…"`,
    // `var apiKey string = "…"` (the type is no value; the string after `=` is).
    if !quoted && (op == Some(1) || op.is_none()) {
        if let Some((v, q)) = typed_value(buf, value.end) {
            (value, quoted) = (v, q);
        }
    }
    // A bare value is data only when it ends the line (`KEY=value # note`); in code a bare
    // word followed by more (`password: Option<String>,`, `token = next;`) is a type or
    // an expression. Flags (`--token abc --verbose`) and .netrc lines may go on.
    // `("API_KEY", "value")` names a value only when it is a string literal too.
    if op.is_none() && quoted_name && !quoted {
        return None;
    }
    // `"Postmark": {` or `key = [` opens an object or a list: a section, not a value.
    if !quoted && matches!(buf[value.start], b'{' | b'[') {
        return None;
    }
    let continues = buf[name.start] == b'-' || op.is_none() || shell_env_prefix(buf, &name, value.start);
    let ended = ends_line(buf, value.end) || (prose && ends_word(buf, value.end)) || logfmt_next(buf, &name, value.end);
    if !(quoted || continues || ended) {
        return None;
    }
    Some(Assignment { name, value, quoted })
}

/// After a type (`&str`, `String`, `string`, `[]byte`): ` = "…"`, a string literal.
fn typed_value(buf: &[u8], type_end: usize) -> Option<(Range<usize>, bool)> {
    let i = skip_blanks(buf, type_end);
    if buf.get(i) != Some(&b'=') || matches!(buf.get(i + 1), Some(b'=' | b'>')) {
        return None;
    }
    let (value, quoted) = value_at(buf, skip_blanks(buf, i + 1))?;
    quoted.then_some((value, quoted))
}

/// Whether the quote at `quote` is the first argument of a call: `(` before it.
fn opens_call(buf: &[u8], quote: usize) -> bool {
    let mut i = quote;
    while i > 0 && is_blank(buf[i - 1]) {
        i -= 1;
    }
    i > 0 && buf[i - 1] == b'('
}

/// `TOKEN=value command args`: an upper-case variable set for one command, with `=`
/// touching both name and value.
fn shell_env_prefix(buf: &[u8], name: &Range<usize>, value_start: usize) -> bool {
    value_start == name.end + 1
        && buf[name.end] == b'='
        && buf[name.clone()].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

/// Whether only blanks, then a comment or the end of the line, follow `i`.
fn ends_line(buf: &[u8], i: usize) -> bool {
    let i = skip_blanks(buf, i);
    match buf.get(i) {
        None | Some(b'\n' | b'\r') => true,
        Some(b'#') => i > 0 && is_blank(buf[i - 1]),
        Some(b'/') => buf.get(i + 1) == Some(&b'/') && i > 0 && is_blank(buf[i - 1]),
        _ => false,
    }
}

fn name_start(buf: &[u8], from: usize) -> usize {
    let floor = from.saturating_sub(MAX_NAME);
    let mut i = from;
    while i > floor && is_name_byte(buf[i - 1]) {
        i -= 1;
    }
    // A key with path segments (`checksum/secret:`) is one name; `//` starts a URL.
    while i > floor + 1 && buf[i - 1] == b'/' && buf[i - 2] != b'/' && is_name_byte(buf[i - 2]) {
        i -= 1;
        while i > floor && is_name_byte(buf[i - 1]) {
            i -= 1;
        }
    }
    i
}

fn name_end(buf: &[u8], from: usize) -> usize {
    let ceil = (from + MAX_NAME).min(buf.len());
    let mut i = from;
    while i < ceil && is_name_byte(buf[i]) {
        i += 1;
    }
    // A trailing `.` or `-` is punctuation, not part of the name (`token.` ends a sentence).
    while i > from && matches!(buf[i - 1], b'.' | b'-') {
        i -= 1;
    }
    i
}

fn skip_blanks(buf: &[u8], mut i: usize) -> usize {
    while i < buf.len() && is_blank(buf[i]) {
        i += 1;
    }
    i
}

/// Length of the assignment operator at `i`: `=`, `:=`, `=>`, `:`, `?=`, `+=`.
/// `Some(0)` marks text that looks like an operator but is not an assignment (`==`).
fn operator(buf: &[u8], i: usize) -> Option<usize> {
    let b0 = *buf.get(i)?;
    let b1 = buf.get(i + 1).copied().unwrap_or(b'\n');
    match (b0, b1) {
        (b'=', b'=') => Some(0),
        (b'=', b'>') | (b':', b'=') | (b'?', b'=') | (b'+', b'=') => Some(2),
        // A fallback: `process.env.API_KEY || "…"`, `$token ?? '…'`, `$key ?: '…'`.
        (b'|', b'|') | (b'?', b'?') | (b'?', b':') => Some(2),
        (b'=', _) => Some(1),
        // R: `zorbix_key <- "…"`.
        (b'<', b'-') if buf.get(i + 2).is_some_and(|&b| is_blank(b)) => Some(2),
        // `name: value` (YAML, JSON) but not `a::b` paths or `http://`.
        (b':', b':') | (b':', b'/') => None,
        (b':', _) => Some(1),
        _ => None,
    }
}

/// `--token VALUE`, `ENV NAME value` (Dockerfile) and `.netrc` `password VALUE`.
fn whitespace_form_allowed(buf: &[u8], name: &Range<usize>) -> bool {
    if buf[name.start] == b'-' {
        return true;
    }
    let line = &buf[line_start(buf, name.start)..name.start];
    let trimmed: &[u8] = line.trim_ascii_start();
    if trimmed.eq_ignore_ascii_case(b"ENV ") || trimmed.eq_ignore_ascii_case(b"ARG ") {
        return true;
    }
    // fish: `set -x NAME value`, `set -gx NAME value`.
    if [&b"set -x "[..], b"set -gx ", b"set -Ux ", b"set -xg ", b"set -g "].contains(&trimmed) {
        return true;
    }
    // C and Arduino sketches: `#define BLYNK_AUTH_TOKEN "…"`.
    if trimmed.starts_with(b"#define ") && trimmed[b"#define ".len()..].iter().all(|&b| is_blank(b)) {
        return true;
    }
    let word = &buf[name.clone()];
    let netrc_word = word.eq_ignore_ascii_case(b"password") || word.eq_ignore_ascii_case(b"passwd");
    // .netrc: `machine host login user password secret`, on one line or spread over several.
    let recent = &buf[name.start.saturating_sub(512)..name.start];
    netrc_word
        && (memchr::memmem::find(line, b"login ").is_some() || memchr::memmem::find(recent, b"machine ").is_some())
}

fn line_start(buf: &[u8], i: usize) -> usize {
    let floor = i.saturating_sub(1024);
    memchr::memrchr(b'\n', &buf[floor..i]).map_or(floor, |p| floor + p + 1)
}

/// The value starting at `i`: a quoted literal (with optional `r`/`b`/`u`/`f` string prefix)
/// or a bare word up to whitespace or a delimiter.
fn value_at(buf: &[u8], i: usize) -> Option<(Range<usize>, bool)> {
    let mut i = i;
    if buf.get(i).is_some_and(|b| matches!(b, b'r' | b'b' | b'u' | b'f'))
        && buf.get(i + 1).is_some_and(|&b| is_quote(b))
    {
        i += 1;
    }
    let first = *buf.get(i)?;
    if is_quote(first) {
        let end = closing_quote(buf, i + 1, first)?;
        return Some((i + 1..end, true));
    }
    // A string inside a string: a notebook's source lines (`token = \"…\"`).
    if first == b'\\' && buf.get(i + 1).is_some_and(|&b| matches!(b, b'"' | b'\'')) {
        let end = inner_string_end(buf, i + 2, buf[i + 1])?;
        return Some((i + 2..end, true));
    }
    let ceil = (i + MAX_VALUE).min(buf.len());
    let mut end = i;
    while end < ceil && !ends_bare_value(buf[end]) {
        end += 1;
    }
    // A full stop ending a sentence is not part of the value.
    if end > i + 1 && buf[end - 1] == b'.' && buf.get(end).is_none_or(|b| b.is_ascii_whitespace()) {
        end -= 1;
    }
    (end > i).then_some((i..end, false))
}

/// The string written inside the string at `from` (`\\"…\\"`), if one opens there: `Some` of
/// what it holds, `Some(None)` when it is empty or does not close on its line.
fn inner_string_at(buf: &[u8], from: usize, quote: u8, name: Range<usize>) -> Option<Option<Assignment>> {
    if buf.get(from) != Some(&b'\\') || buf.get(from + 1) != Some(&quote) {
        return None;
    }
    let value = from + 2..inner_string_end(buf, from + 2, quote).unwrap_or(from + 2);
    Some((!value.is_empty()).then_some(Assignment { name, value, quoted: true }))
}

/// Where a string written inside another string ends (`\"a\\\"b\"`, a notebook's or a
/// JSON-in-a-string's inner literal starting at `from`): at the `\` of a `\"` that closes
/// it. A run of `n` backslashes before the quote closes the inner string when the outer
/// unescaping leaves an unescaped quote, that is when `n % 4 == 1`.
fn inner_string_end(buf: &[u8], from: usize, quote: u8) -> Option<usize> {
    let ceil = (from + MAX_VALUE).min(buf.len());
    let mut run = 0;
    for (i, &b) in buf.iter().enumerate().take(ceil).skip(from) {
        match b {
            b'\\' => {
                run += 1;
                continue;
            }
            // A real or an escaped line break: text over several lines, not one value.
            b'\n' => return None,
            b'n' if run % 2 == 1 => return None,
            b if b == quote && run % 4 == 1 => return Some(i - 1),
            _ => {}
        }
        run = 0;
    }
    None
}

fn ends_bare_value(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b',' | b';' | b')' | b']' | b'}' | b'<' | b'>')
}

fn closing_quote(buf: &[u8], from: usize, quote: u8) -> Option<usize> {
    let ceil = (from + MAX_VALUE).min(buf.len());
    let mut i = from;
    while i < ceil {
        match buf[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns (name, value) for the assignment around the first `kw` in `text`.
    fn pair(text: &str, kw: &str) -> Option<(String, String)> {
        let at_ = text.find(kw)?;
        let a = at(text.as_bytes(), at_..at_ + kw.len())?;
        Some((text[a.name].to_string(), text[a.value].to_string()))
    }

    fn value(text: &str) -> Option<String> {
        pair(text, "TOKEN").or_else(|| pair(text, "token")).map(|(_, v)| v)
    }

    fn prose_value(text: &str) -> Option<String> {
        let i = text.find("token")?;
        let a = at_in_prose(text.as_bytes(), i..i + 5)?;
        Some(text[a.value].to_string())
    }

    #[test]
    fn reads_sentences_and_tables() {
        for (text, want) in [
            ("The railway token is `k3J9xQ2m` for staging.", "k3J9xQ2m"),
            ("Your railway token is: `k3J9xQ2m`", "k3J9xQ2m"),
            ("| Railway token | `k3J9xQ2m` |", "k3J9xQ2m"),
            ("- **Railway token**: k3J9xQ2m", "k3J9xQ2m"),
            ("Use the railway token `k3J9xQ2m` here.", "k3J9xQ2m"),
            ("**Railway token:** k3J9xQ2m", "k3J9xQ2m"),
            ("__Railway token:__ `k3J9xQ2m`", "k3J9xQ2m"),
            ("Railway token (staging): k3J9xQ2m", "k3J9xQ2m"),
            ("Railway token - k3J9xQ2m", "k3J9xQ2m"),
            ("Railway token \u{2014} `k3J9xQ2m`", "k3J9xQ2m"),
            ("Railway token for staging: k3J9xQ2m", "k3J9xQ2m"),
            ("Railway token for the EU region: `k3J9xQ2m`", "k3J9xQ2m"),
        ] {
            assert_eq!(prose_value(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(prose_value("the token is used for the deploy"), None);
        assert_eq!(prose_value("Zorbix token is k3J9xQ2m").as_deref(), Some("k3J9xQ2m"));
        assert_eq!(prose_value("the token is k3J9xQ2m"), None);
        assert_eq!(prose_value("Zorbix token is k3J9xQ2m for staging"), None);
        let long = "Using Zorbix token k3J9xQ2mZp8LwR4tY7vB1nC6 for the nightly sync";
        assert_eq!(prose_value(long).as_deref(), Some("k3J9xQ2mZp8LwR4tY7vB1nC6"));
        assert_eq!(prose_value("the token k3J9xQ2mZp8LwR4tY7vB1nC6 for the nightly sync"), None);
        assert_eq!(prose_value("Zorbix token k3J9xQ2m for the nightly sync"), None);
        assert_eq!(prose_value("Railway token - see the vault entry"), None);
        assert_eq!(prose_value("Railway token (see the vault) for staging"), None);
        assert_eq!(prose_value("Ask for a railway token for the staging project when you need one: k3J9xQ2m"), None);
        assert_eq!(prose_value("| token | description |"), None);
    }

    #[test]
    fn reads_mobile_resources_and_r() {
        for (text, want) in [
            ("<string name=\"zorbix_token\">k3J9xQ2m</string>", "k3J9xQ2m"),
            ("<meta-data\n  android:name=\"com.zorbix.Token\"\n  android:value=\"k3J9xQ2m\" />", "k3J9xQ2m"),
            ("<input name=\"token\" value=\"k3J9xQ2m\">", "k3J9xQ2m"),
            ("<key>ZorbixToken</key>\n\t<string>k3J9xQ2m</string>", "k3J9xQ2m"),
            ("zorbix_token <- \"k3J9xQ2m\"", "k3J9xQ2m"),
        ] {
            let kw = if text.contains("Token") { "Token" } else { "token" };
            assert_eq!(pair(text, kw).map(|(_, v)| v).as_deref(), Some(want), "{text}");
        }
        assert_eq!(pair("<key>ZorbixToken</key>\n<true/>", "Token"), None);
        assert_eq!(pair("if (token <-1)", "token"), None);
    }

    #[test]
    fn reads_defaults_and_escaped_strings() {
        for (text, want) in [
            ("url: \"${ZORBIX_TOKEN:-k3J9xQ2m}\"", "k3J9xQ2m"),
            ("token: ${ZORBIX_TOKEN:='k3J9xQ2m'}", "k3J9xQ2m"),
            ("const t = process.env.ZORBIX_TOKEN || \"k3J9xQ2m\";", "k3J9xQ2m"),
            ("$t = $_ENV['ZORBIX_TOKEN'] ?? 'k3J9xQ2m';", "k3J9xQ2m"),
            ("\"source\": [\"import os\\n\", \"    token = \\\"k3J9xQ2m\\\"\\n\"]", "k3J9xQ2m"),
            ("cfg = \"token: \\\"a\\\\\\\"b\\\"\"", "a\\\\\\\"b"),
            ("\"source\": [\"zorbix.token = \\\"k3J9xQ2m\\\"\\n\"]", "k3J9xQ2m"),
            ("set -gx ZORBIX_TOKEN k3J9xQ2m", "k3J9xQ2m"),
        ] {
            let kw = if text.contains("TOKEN") { "TOKEN" } else { "token" };
            assert_eq!(pair(text, kw).map(|(_, v)| v).as_deref(), Some(want), "{text}");
        }
        assert_eq!(pair("API=${ZORBIX_TOKEN:-$FALLBACK}", "TOKEN"), None);
        assert_eq!(pair("echo ${ZORBIX_TOKEN}", "TOKEN"), None);
    }

    #[test]
    fn reads_config_directives_alone_on_their_line() {
        assert_eq!(pair("<match **>\n  @type datadog\n  api_key k3J9xQ2m\n</match>", "key").unwrap().1, "k3J9xQ2m");
        assert_eq!(pair("requirepass k3J9xQ2m\n", "pass").unwrap().1, "k3J9xQ2m");
        assert_eq!(pair("    token \"k3J9xQ2m\"", "token").unwrap().1, "k3J9xQ2m");
        assert_eq!(pair("token expires in an hour", "token"), None);
        assert_eq!(pair("level=debug token=k3J9xQ2m status=200", "token").unwrap().1, "k3J9xQ2m");
        assert_eq!(pair("let token=next; other=1", "token"), None);
        assert_eq!(pair("  APIKey string `json:\"api_key\"`", "Key"), None);
    }

    #[test]
    fn reads_common_syntaxes() {
        let cases = [
            ("RAILWAY_TOKEN=abc123", "abc123"),
            ("export RAILWAY_TOKEN=\"abc123\"", "abc123"),
            ("railway_token: abc123", "abc123"),
            ("  \"railway_token\": \"abc123\",", "abc123"),
            ("railway_token = 'abc123'", "abc123"),
            ("token := \"abc123\"", "abc123"),
            ("'token' => 'abc123',", "abc123"),
            ("ENV RAILWAY_TOKEN abc123", "abc123"),
            ("ENV RAILWAY_TOKEN=abc123", "abc123"),
            ("railway --token abc123", "abc123"),
            ("cli --token=abc123", "abc123"),
            ("os.environ.setdefault(\"RAILWAY_TOKEN\", \"abc123\")", "abc123"),
            ("<token>abc123</token>", "abc123"),
            ("api_token = r\"abc123\"", "abc123"),
            ("TOKEN ?= abc123", "abc123"),
            ("$env:RAILWAY_TOKEN = \"abc123\"", "abc123"),
            ("<add key=\"railway_token\" value=\"abc123\" />", "abc123"),
            ("curl -H \"x-railway-token: abc123\" https://x", "abc123"),
            ("#define RAILWAY_TOKEN \"abc123\"", "abc123"),
            ("https://api.railway.app/v1?token=abc123&page=2", "abc123"),
            ("os.environ[\"RAILWAY_TOKEN\"] = \"abc123\"", "abc123"),
            ("const RAILWAY_TOKEN: &str = \"abc123\";", "abc123"),
            ("val railway_token: String = \"abc123\"", "abc123"),
            ("client.set_token(\"abc123\");", "abc123"),
            ("environment: [\"RAILWAY_TOKEN=abc123\", \"DEBUG=1\"]", "abc123"),
            ("Environment=\"RAILWAY_TOKEN=abc123\"", "abc123"),
            ("env:\n  - name: RAILWAY_TOKEN\n    value: \"abc123\"\n", "abc123"),
            ("{\"name\": \"RAILWAY_TOKEN\", \"value\": \"abc123\"}", "abc123"),
            ("variable \"railway_token\" {\n  type = string\n  default = \"abc123\"\n}\n", "abc123"),
        ];
        for (text, want) in cases {
            assert_eq!(value(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn bare_values_must_end_the_line() {
        assert_eq!(value("TOKEN=abc123 # rotated monthly").as_deref(), Some("abc123"));
        assert_eq!(value("token: abc123\r\nnext: 1").as_deref(), Some("abc123"));
        assert_eq!(value("    token: Option<String>,"), None);
        assert_eq!(value("    token: &self.token,"), None);
        assert_eq!(value("type TOKEN = SomeType;"), None);
        assert_eq!(value("run --token abc123 --verbose").as_deref(), Some("abc123"));
        assert_eq!(value("\tCODECOV_TOKEN=abc123 codecov -f cover.out").as_deref(), Some("abc123"));
        assert_eq!(value("token = abc123 codecov"), None);
        assert_eq!(value("  token: \"abc123\", next: 1").as_deref(), Some("abc123"));
    }

    #[test]
    fn reads_netrc_password() {
        let text = "machine api.heroku.com login me@example.com password abc123";
        assert_eq!(pair(text, "password").unwrap().1, "abc123");
        let text = "machine api.heroku.com\n  login me@example.com\n  password abc123\n";
        assert_eq!(pair(text, "password").unwrap().1, "abc123");
    }

    #[test]
    fn ignores_non_assignments() {
        for text in [
            "if token == \"abc\" {",
            "the token is here",
            "my_token_here",
            "\"token\"",
            "let x = TOKEN::new()",
            "https://token:x",
        ] {
            assert_eq!(value(text), None, "{text}");
        }
    }

    #[test]
    fn stops_at_delimiters_and_handles_escapes() {
        assert_eq!(value("f(token=\"abc123\", x)").as_deref(), Some("abc123"));
        // A bare word inside a call is a variable, not data.
        assert_eq!(value("f(token=abc123, x)"), None);
        assert_eq!(value("env(\"TOKEN\", default=\"\")"), None);
        assert_eq!(value(r#"TOKEN="ab\"c""#).as_deref(), Some(r#"ab\"c"#));
        assert_eq!(value("TOKEN=\"unterminated\nnext\""), None);
    }

    #[test]
    fn path_segments_are_part_of_the_name() {
        let (name, _) = pair("    checksum/secret: abc123", "secret").unwrap();
        assert_eq!(name, "checksum/secret");
    }

    #[test]
    fn name_covers_the_whole_identifier() {
        let (name, _) = pair("MY_RAILWAY_API_TOKEN=x", "RAILWAY").unwrap();
        assert_eq!(name, "MY_RAILWAY_API_TOKEN");
    }

    fn section_of(text: &str, kw: &str) -> Option<(String, Vec<(String, String)>)> {
        let i = text.find(kw)?;
        let mut out = Vec::new();
        let name = section(text.as_bytes(), i..i + kw.len(), &mut out)?;
        let keys = out.into_iter().map(|a| (text[a.name].to_string(), text[a.value].to_string())).collect();
        Some((text[name].to_string(), keys))
    }

    #[test]
    fn reads_the_direct_keys_of_a_section() {
        let json = "{\n  \"Postmark\": {\n    \"ServerToken\": \"abc123\",\n    \"Nested\": {\n      \"Token\": \"deep\"\n    },\n    \"Stream\": \"outbound\"\n  },\n  \"Other\": \"x\"\n}";
        let (name, keys) = section_of(json, "Postmark").unwrap();
        assert_eq!(name, "Postmark");
        let names: Vec<&str> = keys.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ServerToken", "Stream"]);
        assert_eq!(keys[0].1, "abc123");

        let yaml = "postmark:\n  server_token: abc123\n  nested:\n    token: deep\n  stream: outbound\nother: x\n";
        let (_, keys) = section_of(yaml, "postmark").unwrap();
        assert_eq!(keys, [("server_token".into(), "abc123".into()), ("stream".into(), "outbound".into())]);

        let toml = "[postmark]\nserver_token = \"abc123\"\n\n[other]\ntoken = \"x\"\n";
        let (_, keys) = section_of(toml, "postmark").unwrap();
        assert_eq!(keys, [("server_token".into(), "abc123".into())]);
        // A table that ends the input on a blank line.
        assert_eq!(section_of("[postmark]\n   ", "postmark").unwrap().1, []);
    }

    #[test]
    fn a_value_or_a_one_line_object_is_no_section() {
        for text in ["postmark: abc123\n  token: x", "a [postmark] b\ntoken = x", "{\"postmark\": {\"token\": \"x\"}}"]
        {
            assert_eq!(section_of(text, "postmark").map(|(n, _)| n), None, "{text}");
        }
        // HCL's `name = {` opens a block; only a YAML key may end its line with `:`.
        assert!(section_of("postmark = {\n  token = \"x\"\n}", "postmark").is_some());
        assert_eq!(section_of("postmark =\n  token: x", "postmark").map(|(n, _)| n), None);
    }
}
