//! Settling one buffer's matches: duplicates dropped, generic matches that a specific rule
//! (or a decoded blob) explains dropped, inline `keyreach:allow` lines honoured, and lines and
//! columns filled in.

use super::*;

impl Engine {
    /// Drops duplicates, generic matches that a specific rule explains, and inline-allowed
    /// lines; then fills in lines and columns.
    pub(super) fn finish(&self, buf: &[u8], at: Position, matches: &mut Vec<Match>, vetoed: &[Range<usize>]) {
        matches.sort_unstable_by(|a, b| {
            (a.secret.start, a.rule, a.secret.end).cmp(&(b.secret.start, b.rule, b.secret.end))
        });
        matches.dedup_by(|b, a| a.rule == b.rule && a.secret == b.secret && a.decoded == b.decoded);
        // Matches found by decoding explain the encoded text better than a catch-all match
        // of the encoded text itself. A scanned repository's own rules explain nothing away.
        let specific: Vec<Range<usize>> = matches
            .iter()
            .filter(|m| {
                let rule = self.rules.get(m.rule);
                !rule.from_scanned_repo && (!rule.generic || m.decoded.is_some())
            })
            .flat_map(|m| std::iter::once(m.secret.clone()).chain(m.companion.as_ref().map(|c| c.span.clone())))
            .chain(vetoed.iter().cloned())
            .collect();
        // `specific` also holds companions, so its length says nothing about generic matches.
        if matches.iter().any(|m| self.rules.get(m.rule).generic) {
            let specific = Spans::new(specific);
            matches.retain(|m| !self.rules.get(m.rule).generic || m.decoded.is_some() || !specific.overlaps(&m.span));
        }
        // A key id whose rule found no secret of its own shape next to it (an AWS key id as
        // Amazon SES's SMTP user name, beside the SMTP password derived from its secret key)
        // is not reported alone when a catch-all match beside it holds that secret.
        if matches.iter().any(|m| self.lone_id(m)) {
            let near = Spans::new(
                matches
                    .iter()
                    .filter(|m| self.rules.get(m.rule).generic && m.decoded.is_none())
                    .map(|m| m.secret.clone())
                    .collect(),
            );
            matches.retain(|m| {
                let within = self.rules.get(m.rule).pair.as_ref().map_or(0, |p| p.within);
                !self.lone_id(m) || !near.overlaps(&(m.secret.start.saturating_sub(within)..m.secret.end + within))
            });
        }
        // A pattern rule that reports encoded text as it is (a kubeconfig's client-key-data)
        // explains it better than what decoding it found.
        if matches.iter().any(|m| m.decoded.is_some()) {
            let raw = Spans::new(
                matches
                    .iter()
                    .filter(|m| {
                        let rule = self.rules.get(m.rule);
                        m.decoded.is_none() && !rule.generic && !rule.is_assignment()
                    })
                    .map(|m| m.secret.clone())
                    .collect(),
            );
            matches.retain(|m| m.decoded.is_none() || !raw.overlaps(&m.secret));
        }
        if self.options.inline_allow && !matches.is_empty() {
            let own = memchr::memmem::find(buf, ALLOW_MARK).is_some();
            let other = self.options.foreign_allow && markers::any_in(buf);
            if own || other {
                matches.retain(|m| !line_has_allow(buf, m.secret.start, own, other));
            }
        }
        let mut lines = LineCounter::new(buf, at);
        for m in matches.iter_mut() {
            (m.line, m.column) = lines.position(m.secret.start);
        }
        // Companions in offset order, so one counter serves them all (linear, not quadratic).
        let mut companions: Vec<(usize, usize)> =
            matches.iter().enumerate().filter_map(|(i, m)| m.companion.as_ref().map(|c| (c.span.start, i))).collect();
        companions.sort_unstable();
        let mut lines = LineCounter::new(buf, at);
        for (offset, i) in companions {
            if let Some(c) = matches[i].companion.as_mut() {
                (c.line, c.column) = lines.position(offset);
            }
        }
    }
}

impl Engine {
    /// A match of a rule whose secret is the companion of what it matched (a key id), with no
    /// companion found.
    fn lone_id(&self, m: &Match) -> bool {
        m.companion.is_none()
            && m.decoded.is_none()
            && self.rules.get(m.rule).pair.as_ref().is_some_and(|p| p.secret_is_companion)
    }
}

/// Ranges sorted by start with a running maximum of their ends: overlap queries in
/// O(log n), so many generic matches against many specific ones stay cheap.
pub(super) struct Spans {
    starts: Vec<usize>,
    max_end: Vec<usize>,
}

impl Spans {
    pub(super) fn new(mut ranges: Vec<Range<usize>>) -> Spans {
        ranges.sort_unstable_by_key(|r| r.start);
        let max_end = ranges
            .iter()
            .scan(0, |m, r| {
                *m = (*m).max(r.end);
                Some(*m)
            })
            .collect();
        Spans { starts: ranges.iter().map(|r| r.start).collect(), max_end }
    }

    /// Whether any non-empty range overlaps `span` (both half-open).
    pub(super) fn overlaps(&self, span: &Range<usize>) -> bool {
        // Ranges starting before `span` ends; one of them overlaps iff it ends after its start.
        let n = self.starts.partition_point(|&s| s < span.end);
        n > 0 && self.max_end[n - 1] > span.start
    }
}

const ALLOW_MARK: &[u8] = b"keyreach:allow";

/// An inline allow comment: `keyreach:allow` with an optional `reason="..."` (or
/// `reason='...'`), in any comment style (`#`, `//`, `/* */`, `<!-- -->`, `--`, `;`, ...):
/// the marker is found anywhere on the line, as a whole word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlineAllow<'a> {
    /// The reason given, if any (without quotes).
    pub reason: Option<&'a [u8]>,
}

/// The allow comment on `line`, if it has one. `keyreach:allowed` or `keyreach:allow-x`
/// are other words and do not count.
pub fn inline_allow(line: &[u8]) -> Option<InlineAllow<'_>> {
    let end = markers::word_end(line, ALLOW_MARK, memchr::memmem::find)?;
    Some(InlineAllow { reason: allow_reason(&line[end..]) })
}

/// `reason="..."` right after the marker (spaces allowed around `=`).
fn allow_reason(rest: &[u8]) -> Option<&[u8]> {
    let rest = rest.trim_ascii_start().strip_prefix(b"reason")?.trim_ascii_start().strip_prefix(b"=")?;
    let rest = rest.trim_ascii_start();
    let quote = *rest.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let body = &rest[1..];
    memchr::memchr(quote, body).map(|end| &body[..end])
}

/// Whether the line holding `at` is allowed: by `keyreach:allow` (with `own`) or by
/// another scanner's marker (with `other`, see [`markers`]).
fn line_has_allow(buf: &[u8], at: usize, own: bool, other: bool) -> bool {
    let floor = at.saturating_sub(4096);
    let start = memchr::memrchr(b'\n', &buf[floor..at]).map_or(floor, |p| floor + p + 1);
    let ceil = (at + 4096).min(buf.len());
    let end = memchr::memchr(b'\n', &buf[at..ceil]).map_or(ceil, |p| at + p);
    (own && inline_allow(&buf[start..end]).is_some()) || (other && markers::allows(buf, start, end))
}

/// Turns increasing offsets into 1-based (line, column); columns count characters.
struct LineCounter<'b> {
    buf: &'b [u8],
    at: Position,
    offset: usize,
    line: u64,
    line_start: usize,
}

impl<'b> LineCounter<'b> {
    fn new(buf: &'b [u8], at: Position) -> LineCounter<'b> {
        LineCounter { buf, at, offset: 0, line: at.line, line_start: 0 }
    }

    fn position(&mut self, offset: usize) -> (u64, u64) {
        if offset < self.offset {
            *self = LineCounter::new(self.buf, self.at);
        }
        let span = &self.buf[self.offset..offset];
        let newlines = bytecount::count(span, b'\n') as u64;
        if newlines > 0 {
            self.line += newlines;
            self.line_start = self.offset + memchr::memrchr(b'\n', span).map_or(0, |p| p + 1);
        }
        self.offset = offset;
        let chars = count_chars(&self.buf[self.line_start..offset]);
        let carried = if self.line == self.at.line { self.at.column_offset } else { 0 };
        (self.line, chars + carried + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{engine, rule, secrets as found};
    use crate::rules::template::expand;

    #[test]
    fn a_key_id_without_its_own_secret_yields_to_the_catch_all_secret_beside_it() {
        // Amazon SES's SMTP credentials: the user name is an access key id, the password (44
        // characters) is derived from its secret key, so the pair pattern does not see it.
        let mut r = rule("aws.access-key", &["akia"], r"\b(AKIA[A-Z2-7]{16})\b");
        r.pair = Some(crate::rules::PairSpec {
            pattern: r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)".into(),
            name: "secret access key".into(),
            primary_name: Some("access key id".into()),
            within: Some(200),
            secret_is_companion: None,
            entropy: Some(4.0),
            around: false,
        });
        let mut generic = rule("generic.password", &["password"], r"[^\s]{12,}");
        generic.assign = Some("password$".into());
        generic.generic = true;
        let e = engine(vec![r, generic]);
        let id = expand("{{gen:aws-key-id:AKIA}}", "s").unwrap();
        let password = expand("BA{{b64:42}}", "s").unwrap();
        let text = format!("SMTP_USERNAME={id}\nSMTP_PASSWORD={password}\n");
        assert_eq!(found(&e, &text), vec![password]);
        // With nothing beside it, the key id is still reported alone.
        assert_eq!(found(&e, &format!("SMTP_USERNAME={id}\n")), vec![id]);
    }
}
