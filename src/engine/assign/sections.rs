//! Sections: a keyword hit that names a section (`"Postmark": {`, `postmark:`, `[postmark]`)
//! and the keys under it, the sections enclosing a name, and the text near it.

use super::*;

/// How far past a section's name its keys are looked for.
const MAX_SECTION: usize = 4096;

/// A keyword hit that names a section rather than a value: `"Postmark": {` (JSON, HCL),
/// `postmark:` ending its line with indented keys below (YAML), or a `[postmark]` table
/// header (TOML, INI). Returns the section's name and pushes the assignments of its direct
/// keys (`"ServerToken": "..."`) to `out`; a rule then reads `postmark_servertoken`.
pub fn section(buf: &[u8], hit: Range<usize>, out: &mut Vec<Assignment>) -> Option<Range<usize>> {
    let Key { name, before, after } = key_at(buf, hit)?;
    if before == Some(b'[') {
        let header = line_start(buf, name.start) == name.start - 1;
        if !header || buf.get(after) != Some(&b']') || !ends_line(buf, after + 1) {
            return None;
        }
        table_keys(buf, next_line(buf, after), out);
        return Some(name);
    }
    let op = skip_blanks(buf, after);
    if operator(buf, op) != Some(1) {
        return None;
    }
    let i = skip_blanks(buf, op + 1);
    if buf.get(i) == Some(&b'{') && ends_line(buf, i + 1) {
        braced_keys(buf, next_line(buf, i), out);
    } else if buf[op] == b':' && ends_line(buf, i) {
        let indent = name.start - line_start(buf, name.start) - usize::from(before.is_some_and(is_quote));
        indented_keys(buf, next_line(buf, i), indent, out);
    } else {
        return None;
    }
    Some(name)
}

pub(super) fn next_line(buf: &[u8], i: usize) -> usize {
    let ceil = (i + MAX_VALUE).min(buf.len());
    memchr::memchr(b'\n', &buf[i..ceil]).map_or(ceil, |p| i + p + 1)
}

/// The assignment a line starts with, if any (`key = v`, `"key": v`, `- ` is not a key).
fn line_key(buf: &[u8], line: usize, out: &mut Vec<Assignment>) {
    let mut p = skip_blanks(buf, line);
    if buf.get(p).is_some_and(|&b| is_quote(b)) {
        p += 1;
    }
    if buf.get(p).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_') {
        if let Some(a) = at(buf, p..p + 1) {
            out.push(a);
        }
    }
}

/// Lines of a `[table]` up to the next header.
fn table_keys(buf: &[u8], mut line: usize, out: &mut Vec<Assignment>) {
    let ceil = (line + MAX_SECTION).min(buf.len());
    while line < ceil && buf.get(skip_blanks(buf, line)) != Some(&b'[') {
        line_key(buf, line, out);
        line = next_line(buf, line);
    }
}

/// Lines directly inside `{ ... }` (nested objects skipped) up to the closing brace.
pub(super) fn braced_keys(buf: &[u8], mut line: usize, out: &mut Vec<Assignment>) {
    let ceil = (line + MAX_SECTION).min(buf.len());
    let mut depth = 1usize;
    while line < ceil {
        if depth == 1 {
            line_key(buf, line, out);
        }
        let end = next_line(buf, line);
        let mut quote = None;
        for &b in &buf[line..end] {
            match (quote, b) {
                (Some(q), b) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b) if is_quote(b) => quote = Some(b),
                (None, b'{' | b'[') => depth += 1,
                (None, b'}' | b']') => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                return;
            }
        }
        line = end;
    }
}

/// YAML: the lines indented one level deeper than the section's key.
fn indented_keys(buf: &[u8], mut line: usize, indent: usize, out: &mut Vec<Assignment>) {
    let ceil = (line + MAX_SECTION).min(buf.len());
    let mut child = None;
    while line < ceil {
        let p = skip_blanks(buf, line);
        let blank = matches!(buf.get(p), None | Some(b'\n' | b'\r' | b'#'));
        if !blank {
            let at_indent = p - line;
            if at_indent <= indent || child.is_some_and(|c| at_indent < c) {
                return;
            }
            if *child.get_or_insert(at_indent) == at_indent {
                line_key(buf, line, out);
            }
        }
        line = next_line(buf, line);
    }
}

/// How many enclosing sections [`enclosing_sections`] reports.
const MAX_DEPTH: usize = 3;

/// The names of the sections enclosing the name at `name_start`, innermost first, at most
/// three: YAML parent keys (by indentation), JSON/HCL objects (`"codequiry": {`), and the
/// TOML/INI `[table]` above. Used to tell whose credential a catch-all match is
/// (`codequiry:` → `api_key:`); cheap enough for confirmed matches, not for every hit.
pub fn enclosing_sections(buf: &[u8], name_start: usize, out: &mut Vec<Range<usize>>) {
    let floor = name_start.saturating_sub(MAX_SECTION);
    yaml_parents(buf, name_start, floor, out);
    brace_parents(buf, name_start, floor, out);
    if let Some(header) = table_header(buf, name_start, floor) {
        out.push(header);
    }
}

/// Start of the line before the one starting at `line` (or `None` at `floor`).
fn previous_line(buf: &[u8], line: usize, floor: usize) -> Option<usize> {
    if line <= floor {
        return None;
    }
    let end = line - 1;
    Some(memchr::memrchr(b'\n', &buf[floor..end]).map_or(floor, |p| floor + p + 1))
}

fn yaml_parents(buf: &[u8], name_start: usize, floor: usize, out: &mut Vec<Range<usize>>) {
    let mut line = line_start(buf, name_start);
    let first = skip_blanks(buf, line);
    // The name must open its line (after a list dash or a quote).
    let lead = &buf[first..name_start];
    if !lead.iter().all(|&b| matches!(b, b'-' | b' ' | b'"' | b'\'')) {
        return;
    }
    let mut indent = first - line;
    let mut depth = 0;
    while depth < MAX_DEPTH && indent > 0 {
        let Some(prev) = previous_line(buf, line, floor) else { return };
        line = prev;
        let p = skip_blanks(buf, line);
        if matches!(buf.get(p), None | Some(b'\n' | b'\r' | b'#')) {
            continue;
        }
        if p - line >= indent {
            continue;
        }
        indent = p - line;
        let Some(key) = line_key_name(buf, p) else { return };
        let colon = skip_blanks(buf, key.end + usize::from(buf.get(key.end).is_some_and(|&b| is_quote(b))));
        if buf.get(colon) != Some(&b':') || !ends_line(buf, colon + 1) {
            return;
        }
        out.push(key);
        depth += 1;
    }
}

/// The key a line starts with at `p` (quoted or bare), up to its end.
fn line_key_name(buf: &[u8], p: usize) -> Option<Range<usize>> {
    let start = p + usize::from(buf.get(p).is_some_and(|&b| is_quote(b)));
    let mut end = start;
    while end < buf.len() && end - start < MAX_NAME && is_name_byte(buf[end]) {
        end += 1;
    }
    (end > start).then_some(start..end)
}

fn brace_parents(buf: &[u8], name_start: usize, floor: usize, out: &mut Vec<Range<usize>>) {
    let mut i = name_start;
    let mut depth = 0usize;
    let mut found = 0;
    while i > floor && found < MAX_DEPTH {
        i -= 1;
        match buf[i] {
            b'}' | b']' => depth += 1,
            b'[' if depth > 0 => depth -= 1,
            b'{' if depth > 0 => depth -= 1,
            b'{' => {
                // `"name": {`, `name = {`, `name {` (HCL block), `name: {`.
                let mut j = i;
                while j > floor && is_blank(buf[j - 1]) {
                    j -= 1;
                }
                if j > floor && matches!(buf[j - 1], b':' | b'=') {
                    j -= 1;
                    while j > floor && is_blank(buf[j - 1]) {
                        j -= 1;
                    }
                }
                let quoted = j > floor && is_quote(buf[j - 1]);
                let end = if quoted { j - 1 } else { j };
                let start = name_start_before(buf, end, floor);
                if start < end {
                    out.push(start..end);
                    found += 1;
                } else {
                    return;
                }
                i = start;
            }
            _ => {}
        }
    }
}

fn name_start_before(buf: &[u8], end: usize, floor: usize) -> usize {
    let mut i = end;
    while i > floor && end - i < MAX_NAME && is_name_byte(buf[i - 1]) {
        i -= 1;
    }
    i
}

/// The nearest `[table]` header above `name_start` (its name without brackets).
fn table_header(buf: &[u8], name_start: usize, floor: usize) -> Option<Range<usize>> {
    let mut line = line_start(buf, name_start);
    // The name's own line may not be a header, and must start at the margin.
    if line < floor || skip_blanks(buf, line) != line {
        return None;
    }
    while let Some(prev) = previous_line(buf, line, floor) {
        line = prev;
        if buf.get(line) == Some(&b'[') {
            let end = line + 1 + memchr::memchr(b']', &buf[line + 1..next_line(buf, line)])?;
            let start = line + 1 + usize::from(buf.get(line + 1) == Some(&b'['));
            return (start < end).then_some(start..end);
        }
    }
    None
}

/// Words near a name that may say whose credential it is: up to four words before the
/// name on its line (prose: `The codequiry token = …`, `Codequiry API key: …`) and the
/// comment or Markdown heading line just above it (`# Codequiry`). Pushes the text ranges
/// to scan for words; never more than two.
pub fn nearby_text(buf: &[u8], name_start: usize, out: &mut Vec<Range<usize>>) {
    let line = line_start(buf, name_start);
    let before = &buf[line..name_start];
    if before.iter().any(u8::is_ascii_alphabetic) {
        // At most the last 64 bytes: the words right before the name.
        out.push(name_start.saturating_sub(64).max(line)..name_start);
    }
    let floor = name_start.saturating_sub(1024);
    if let Some(prev) = previous_line(buf, line, floor) {
        let p = skip_blanks(buf, prev);
        let end = (line - 1).min(prev + 160).max(p);
        let text = &buf[p..end];
        let comment =
            text.starts_with(b"#") || text.starts_with(b"//") || text.starts_with(b";") || text.starts_with(b"--");
        if comment {
            out.push(p..end);
        }
    }
}
