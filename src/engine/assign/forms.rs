//! Assignment forms with their own shape: query strings, environment entries given as
//! name/value pairs, Terraform variable defaults, header lines, XML elements and attributes,
//! Android resources and property lists.

use super::*;

/// `?name=value&…`: the value up to the next `&`, `#`, quote or blank.
pub(super) fn query_value(buf: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
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
pub(super) fn env_entry(buf: &[u8], name: &Range<usize>, after: usize) -> Option<Assignment> {
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
pub(super) fn hcl_default(buf: &[u8], name: &Range<usize>, after: usize) -> Option<Assignment> {
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
pub(super) fn header_line(buf: &[u8], hit: Range<usize>) -> Option<Assignment> {
    let start = name_start(buf, hit.start);
    let end = name_end(buf, hit.start);
    let quote = *buf.get(start.checked_sub(1)?).filter(|&&b| matches!(b, b'"' | b'\''))?;
    let header = buf.get(end) == Some(&b':') && buf.get(end + 1) == Some(&b' ');
    let env = buf.get(end) == Some(&b'=') && !matches!(buf.get(end + 1), Some(b'=' | b' '));
    // A line of code in a string (a notebook's source): `"zorbix.token = \"…\"\n"`.
    let code = skip_blanks(buf, end);
    if end > start && !header && operator(buf, code) == Some(1) {
        if let Some(found) = inner_string_at(buf, skip_blanks(buf, code + 1), quote, start..end) {
            return found;
        }
    }
    if end <= start || !(header || env) {
        return None;
    }
    let from = skip_blanks(buf, end + 1);
    // A string inside the string: `"password: \"a\\\"b\""` holds `a\"b`.
    if let Some(found) = inner_string_at(buf, from, quote, start..end) {
        return found;
    }
    let close = closing_quote(buf, from, quote)?;
    // One token, not a sentence (`"password: %s"`, `"token: must be set"`).
    let one_token = !buf[from..close].iter().any(|b| b.is_ascii_whitespace());
    (close > from && one_token).then_some(Assignment { name: start..end, value: from..close, quoted: true })
}

/// `<password>value</password>`: the element's text up to the closing tag.
pub(super) fn xml_element(buf: &[u8], name: Range<usize>, i: usize) -> Option<Assignment> {
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

/// The text of `<string name="NAME">…</string>`, or the `android:value="…"` (`value="…"`)
/// attribute following `android:name="NAME"` (`name="NAME"`).
pub(super) fn xml_named_value(buf: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    if buf.get(after) == Some(&b'>') {
        return xml_element(buf, name, after);
    }
    let mut i = after;
    while i < buf.len() && i < after + 256 && buf[i].is_ascii_whitespace() {
        i += 1;
    }
    let attr = [&b"android:value="[..], b"value="].into_iter().find(|a| buf[i..].starts_with(a))?.len();
    let (value, quoted) = value_at(buf, i + attr)?;
    quoted.then_some(Assignment { name, value, quoted })
}

/// The `<string>…</string>` after a property list's `<key>…</key>` (blank lines allowed).
pub(super) fn plist_value(buf: &[u8], name: Range<usize>, from: usize) -> Option<Assignment> {
    let mut i = from;
    while i < buf.len() && i < from + 256 && buf[i].is_ascii_whitespace() {
        i += 1;
    }
    if !buf[i..].starts_with(b"<string>") {
        return None;
    }
    xml_element(buf, name, i + b"<string".len())
}

/// The `value="…"` attribute following `key="NAME"` in an `<add>` element.
pub(super) fn xml_add_value(buf: &[u8], name: Range<usize>, after: usize) -> Option<Assignment> {
    let i = skip_blanks(buf, after);
    let rest = buf.get(i..i + 6)?;
    if !rest.eq_ignore_ascii_case(b"value=") {
        return None;
    }
    let (value, quoted) = value_at(buf, i + 6)?;
    quoted.then_some(Assignment { name, value, quoted })
}
