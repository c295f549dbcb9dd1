//! Assignment context: given a keyword hit inside a name, find the value assigned to that
//! name. One shared reader for `.env`, shell, YAML, JSON, TOML, INI, HCL, Dockerfile, CI
//! files, code (`=`, `:=`, `=>`, call arguments), XML elements, CLI flags and `.netrc`.
//!
//! It works on raw bytes, never allocates, and looks at most a few kilobytes around the hit.

use std::ops::Range;

mod sections;
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
    // A subscript: `os.environ["API_KEY"] = "…"`, `ENV['API_KEY'] = '…'`.
    if before.is_some_and(is_quote) && buf.get(after) == Some(&b']') {
        after += 1;
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
    let i = skip_blanks(buf, after);
    let op = operator(buf, i);
    let quoted_name = before.is_some_and(is_quote);
    if prose && op.is_none() {
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
            return quoted.then_some(Assignment { name, value, quoted });
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
        Some(len) if len > 0 => skip_blanks(buf, i + len),
        // `("API_KEY", "value")`: a quoted name followed by a comma, first in a call
        // (not one string of a list: `["a", "b"]`).
        Some(_) => return None,
        None if quoted_name && buf.get(i) == Some(&b',') && opens_call(buf, name.start - 1) => skip_blanks(buf, i + 1),
        None if i > after && whitespace_form_allowed(buf, &name) => i,
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
    let ended = ends_line(buf, value.end) || (prose && ends_word(buf, value.end));
    if !(quoted || continues || ended) {
        return None;
    }
    Some(Assignment { name, value, quoted })
}

/// A bare value in a sentence ends at a blank or at punctuation followed by one.
fn ends_word(buf: &[u8], i: usize) -> bool {
    match buf.get(i) {
        None | Some(b' ' | b'\t' | b'\n' | b'\r') => true,
        Some(b',' | b';' | b')') => buf.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()),
        _ => false,
    }
}

/// Whether the text before `at` on its line is words (`The codequiry token = …`), not
/// code or indentation.
fn has_words_before(buf: &[u8], at: usize) -> bool {
    let line = &buf[line_start(buf, at)..at];
    let letters = line.iter().filter(|b| b.is_ascii_alphabetic()).count();
    letters >= 2 && line.last().is_some_and(|&b| b == b' ') && !line.iter().any(|b| matches!(b, b'(' | b'{' | b'='))
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

/// `?name=value&…`: the value up to the next `&`, `#`, quote or blank.
fn query_value(buf: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    if buf.get(after) != Some(&b'=') {
        return None;
    }
    let start = after + 1;
    let ceil = (start + MAX_VALUE).min(buf.len());
    let len = buf[start..ceil]
        .iter()
        .take_while(|&&b| {
            !(b.is_ascii_whitespace() || matches!(b, b'&' | b'#' | b'"' | b'\'' | b'`' | b'<' | b'>' | b')'))
        })
        .count();
    (len > 0).then_some(Assignment { name, value: start..start + len, quoted: false })
}

/// `name: API_KEY` followed by `value: …` in the same entry (YAML list items, JSON objects,
/// HCL blocks): the value assigned to the variable named.
fn env_entry(buf: &[u8], name: &Range<usize>, after: usize) -> Option<Assignment> {
    let line = line_start(buf, name.start);
    let lead = buf[line..name.start].trim_ascii_end();
    let lead = lead.strip_suffix(b"\"").or_else(|| lead.strip_suffix(b"'")).unwrap_or(lead).trim_ascii_end();
    let lead = lead.strip_suffix(b":").or_else(|| lead.strip_suffix(b"=")).unwrap_or(b"").trim_ascii_end();
    let lead = lead.strip_suffix(b"\"").unwrap_or(lead);
    if lead.len() < 4 || !lead[lead.len() - 4..].eq_ignore_ascii_case(b"name") {
        return None;
    }
    if lead.len() > 4 && is_name_byte(lead[lead.len() - 5]) {
        return None;
    }
    // The entry's `value` key within the next few lines, before another `name`.
    let ceil = (after + 400).min(buf.len());
    let mut i = after;
    while i + 5 <= ceil {
        let at = i + memchr::memchr2(b'v', b'V', &buf[i..ceil])?;
        i = at + 1;
        if buf.get(at..at + 5).is_none_or(|w| !w.eq_ignore_ascii_case(b"value")) {
            continue;
        }
        let before_ok = at > 0 && matches!(buf[at - 1], b' ' | b'\t' | b'"' | b'\'' | b'{' | b',' | b'\n');
        let mut j = at + 5;
        if buf.get(j).is_some_and(|&b| is_quote(b)) {
            j += 1;
        }
        let j = skip_blanks(buf, j);
        if !before_ok || !matches!(buf.get(j), Some(b':' | b'=')) || buf.get(j + 1) == Some(&b'=') {
            continue;
        }
        let (value, quoted) = value_at(buf, skip_blanks(buf, j + 1))?;
        if !quoted && !matches!(buf.get(value.end), None | Some(b'\n' | b'\r' | b',' | b'}' | b' ')) {
            return None;
        }
        return Some(Assignment { name: name.clone(), value, quoted });
    }
    None
}

/// Terraform `variable "api_key" {` … `default = "…"`.
fn hcl_default(buf: &[u8], name: &Range<usize>, after: usize) -> Option<Assignment> {
    let line = &buf[line_start(buf, name.start)..name.start];
    if !line.trim_ascii_start().starts_with(b"variable ") || buf.get(skip_blanks(buf, after)) != Some(&b'{') {
        return None;
    }
    let mut keys = Vec::new();
    braced_keys(buf, next_line(buf, after), &mut keys);
    let default = keys.into_iter().find(|a| buf[a.name.clone()].eq_ignore_ascii_case(b"default"))?;
    Some(Assignment { name: name.clone(), value: default.value, quoted: default.quoted })
}

/// A name and its value written as one string: an HTTP header (`-H "X-Api-Key: …"`,
/// `"apikey: …"` in a list of headers) or an environment entry (`"API_KEY=…"` in a Compose
/// or ECS list, systemd `Environment="API_KEY=…"`, `docker run -e "API_KEY=…"`). The value
/// runs to the string's closing quote.
fn header_line(buf: &[u8], hit: Range<usize>) -> Option<Assignment> {
    let start = name_start(buf, hit.start);
    let end = name_end(buf, hit.start);
    let quote = *buf.get(start.checked_sub(1)?).filter(|&&b| matches!(b, b'"' | b'\''))?;
    let header = buf.get(end) == Some(&b':') && buf.get(end + 1) == Some(&b' ');
    let env = buf.get(end) == Some(&b'=') && !matches!(buf.get(end + 1), Some(b'=' | b' '));
    if end <= start || !(header || env) {
        return None;
    }
    let from = skip_blanks(buf, end + 1);
    let close = closing_quote(buf, from, quote)?;
    // One token, not a sentence (`"password: %s"`, `"token: must be set"`).
    let one_token = !buf[from..close].iter().any(|b| b.is_ascii_whitespace());
    (close > from && one_token).then_some(Assignment { name: start..end, value: from..close, quoted: true })
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
        (b'=', _) => Some(1),
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

/// `<password>value</password>`: the element's text up to the closing tag.
fn xml_element(buf: &[u8], name: Range<usize>, i: usize) -> Option<Assignment> {
    if buf.get(i) != Some(&b'>') {
        return None;
    }
    let start = i + 1;
    let ceil = (start + MAX_VALUE).min(buf.len());
    let end = start + memchr::memchr(b'<', &buf[start..ceil])?;
    if buf.get(end + 1) != Some(&b'/') || end == start {
        return None;
    }
    Some(Assignment { name, value: start..end, quoted: true })
}

/// The `value="…"` attribute following `key="NAME"` in an `<add>` element.
fn xml_add_value(buf: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    let i = skip_blanks(buf, after);
    let rest = buf.get(i..i + 6)?;
    if !rest.eq_ignore_ascii_case(b"value=") {
        return None;
    }
    let (value, quoted) = value_at(buf, i + 6)?;
    quoted.then_some(Assignment { name, value, quoted })
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
        ] {
            assert_eq!(prose_value(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(prose_value("the token is used for the deploy"), None);
        assert_eq!(prose_value("| token | description |"), None);
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
