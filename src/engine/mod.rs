//! The hot path: finds candidate credentials in bytes.
//!
//! One Aho-Corasick automaton over every rule's keywords finds candidate offsets; only the
//! rules owning a hit keyword run, each on a bounded window around its hits (regex rules)
//! or on the assignment around the hit (assignment rules, [`assign`]); then checksums,
//! entropy and placeholder filters ([`filter`]) confirm. The prefilter may report false
//! positives; it must never report false negatives.
//!
//! Receives a validated [`RuleSet`] and raw bytes; hands on [`Match`]es (rule, spans, line,
//! column). It knows nothing about files: [`stream`] only reads from an `io::Read`.

pub mod assign;
pub mod check;
pub mod decode;
pub mod filter;
pub mod generic;
mod markers;
pub mod names;
mod stream;

use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_automata::meta::{Cache, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::{Input, Span};

use crate::rules::validate::Validator;
use crate::rules::{LazyRegex, Rule, RuleId, RuleSet};

pub use generic::Evidence;
pub use stream::{StreamOptions, StreamOutcome};

/// Options fixed when the engine is built.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Drop matches on a line carrying `keyreach:allow` (and, with `foreign_allow`, other
    /// scanners' markers); off, every marker is ignored.
    pub inline_allow: bool,
    /// Also honour `gitleaks:allow`, `pragma: allowlist secret` and `kingfisher:ignore`.
    pub foreign_allow: bool,
    /// The input is small (a few files, a staged change): build the keyword automaton as
    /// a compact NFA, cheap to build (~20 ms less start-up), instead of the DFA that scans
    /// large trees about three times faster.
    pub small_input: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { inline_allow: true, foreign_allow: true, small_input: false }
    }
}

/// A confirmed candidate credential. Offsets index the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub rule: RuleId,
    /// The secret's bytes (the part fingerprinted and reported).
    pub secret: Range<usize>,
    /// The whole text the rule matched.
    pub span: Range<usize>,
    /// 1-based line and column of the secret's first byte.
    pub line: u64,
    pub column: u64,
    /// The other part of a paired credential (for AWS, the key id when the secret is the
    /// secret access key), with its 1-based line and column.
    pub companion: Option<Companion>,
    /// Set when the secret was found inside encoded content: `secret` then spans the
    /// encoded text and this holds the decoded secret.
    pub decoded: Option<Decoded>,
    /// For a catch-all rule: whose credential it is and why the value counts.
    pub evidence: Option<Box<Evidence>>,
}

/// A secret found by decoding a base64 blob and scanning it again. `Debug` shows lengths,
/// never the decoded bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Decoded {
    pub secret: Box<[u8]>,
    pub companion: Option<Box<[u8]>>,
    /// The decoder rule that found the blob.
    pub via: RuleId,
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("secret_len", &self.secret.len())
            .field("companion_len", &self.companion.as_ref().map(|c| c.len()))
            .field("via", &self.via)
            .finish()
    }
}

impl Match {
    /// The secret's bytes, given the buffer the match indexes.
    pub fn secret_bytes<'a>(&'a self, buf: &'a [u8]) -> &'a [u8] {
        match &self.decoded {
            Some(d) => &d.secret,
            None => &buf[self.secret.clone()],
        }
    }

    /// The companion's bytes and its (line, column), if the credential has one.
    pub fn companion_part<'a>(&'a self, buf: &'a [u8]) -> Option<(&'a [u8], u64, u64)> {
        match (&self.decoded, &self.companion) {
            (Some(d), _) => d.companion.as_deref().map(|c| (c, self.line, self.column)),
            (None, Some(c)) => Some((&buf[c.span.clone()], c.line, c.column)),
            (None, None) => None,
        }
    }
}

/// The second part of a paired credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companion {
    pub span: Range<usize>,
    pub line: u64,
    pub column: u64,
}

/// Where a buffer starts in its input, so matches get absolute lines and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line of the buffer's first byte.
    pub line: u64,
    /// Characters on that line before the buffer's first byte ([`count_chars`]).
    pub column_offset: u64,
}

impl Position {
    pub const START: Position = Position { line: 1, column_offset: 0 };
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    rule: RuleId,
    start: usize,
    end: usize,
}

/// Encoded content found by a decoder rule, decoded after the first pass.
struct PendingDecode {
    rule: RuleId,
    span: Range<usize>,
    data: Range<usize>,
    name: Option<Range<usize>>,
}

/// Per-thread regex state for one rule, created on the rule's first hit.
struct RuleScratch {
    pattern: (Cache, Captures),
    assign: Option<Cache>,
    exclude: Option<Cache>,
    pair: Option<(Cache, Captures)>,
}

impl RuleScratch {
    fn new(rule: &Rule) -> RuleScratch {
        let with_caps = |re: &LazyRegex| (re.get().create_cache(), re.get().create_captures());
        RuleScratch {
            pattern: with_caps(&rule.pattern),
            assign: rule.assign.as_ref().map(|r| r.get().create_cache()),
            exclude: rule.assign_exclude.as_ref().map(|r| r.get().create_cache()),
            pair: rule.pair.as_ref().map(|p| with_caps(&p.pattern)),
        }
    }
}

/// Mutable per-thread state: reuse one per thread, across inputs.
pub struct Scratch {
    hits: Vec<Hit>,
    matches: Vec<Match>,
    rules: Vec<Option<Box<RuleScratch>>>,
    enabled: Vec<bool>,
    enabled_list: Vec<RuleId>,
    disabled: Vec<bool>,
    disabled_list: Vec<RuleId>,
    decodes: Vec<PendingDecode>,
    /// Tokens of a checksummed format whose checksum failed: typos, truncations and made-up
    /// test data, which no catch-all rule may report either.
    vetoed: Vec<Range<usize>>,
    /// Scratch for scanning decoded content (one level deep).
    inner: Option<Box<Scratch>>,
}

/// The compiled rule set: build once, share by reference across threads.
pub struct Engine {
    rules: Arc<RuleSet>,
    automaton: AhoCorasick,
    keyword_rules: Vec<Vec<RuleId>>,
    path_scoped: Vec<bool>,
    options: EngineOptions,
    /// Provider names of the rule set, for attributing catch-all matches.
    names: names::ProviderNames,
}

/// The prefilter automaton could not be built (only with absurd keyword sets).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the keyword automaton: {0}")]
pub struct EngineError(String);

impl Engine {
    pub fn new(rules: Arc<RuleSet>, options: EngineOptions) -> Result<Engine, EngineError> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<RuleId>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (id, rule) in rules.iter() {
            for kw in &rule.keywords {
                let key = kw.to_ascii_lowercase();
                let slot = *index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if !keyword_rules[slot].contains(&id) {
                    keyword_rules[slot].push(id);
                }
            }
        }
        // Leftmost-longest search restarted one byte after each hit finds every keyword
        // occurrence except a keyword inside a longer one at the same place; giving each
        // keyword the rules of every keyword it contains covers those.
        let keyword_rules = contained_rules(&keywords, &keyword_rules);
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(if options.small_input { AhoCorasickKind::ContiguousNFA } else { AhoCorasickKind::DFA }))
            .build(&keywords)
            .or_else(|_| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&keywords)
            })
            .map_err(|e| EngineError(e.to_string()))?;
        let path_scoped = rules.iter().map(|(_, r)| !r.paths.is_empty()).collect();
        let names = names::ProviderNames::new(&rules);
        Ok(Engine { rules, automaton, keyword_rules, path_scoped, options, names })
    }

    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// Fresh per-thread scratch space.
    pub fn scratch(&self) -> Scratch {
        let n = self.rules.len();
        Scratch {
            hits: Vec::new(),
            matches: Vec::new(),
            rules: (0..n).map(|_| None).collect(),
            enabled: vec![false; n],
            enabled_list: Vec::new(),
            disabled: vec![false; n],
            disabled_list: Vec::new(),
            decodes: Vec::new(),
            vetoed: Vec::new(),
            inner: None,
        }
    }

    /// Enables the path-limited rules in `ids` for the next inputs scanned with `scratch`
    /// (the caller matched the input's path against [`RuleSet::path_rules`]).
    pub fn enable_path_rules(&self, scratch: &mut Scratch, ids: &[RuleId]) {
        for id in scratch.enabled_list.drain(..) {
            scratch.enabled[id.index()] = false;
        }
        for &id in ids {
            scratch.enabled[id.index()] = true;
            scratch.enabled_list.push(id);
        }
    }

    /// Disables the rules in `ids` (their `exclude_paths` matched the input's path, see
    /// [`RuleSet::excluded_rules`]) for the next inputs scanned with `scratch`.
    pub fn disable_rules(&self, scratch: &mut Scratch, ids: &[RuleId]) {
        for id in scratch.disabled_list.drain(..) {
            scratch.disabled[id.index()] = false;
        }
        for &id in ids {
            scratch.disabled[id.index()] = true;
            scratch.disabled_list.push(id);
        }
    }

    /// Scans one whole buffer; `at` says where it starts in its input.
    pub fn scan<'s>(&self, buf: &[u8], at: Position, scratch: &'s mut Scratch) -> &'s [Match] {
        self.first_pass(buf, scratch);
        self.decode_pending(buf, scratch);
        self.finish(buf, at, &mut scratch.matches, &scratch.vetoed);
        &scratch.matches
    }

    /// Keyword hits, then each hit rule's confirmation; decoder rules only queue their blobs.
    fn first_pass(&self, buf: &[u8], scratch: &mut Scratch) {
        scratch.matches.clear();
        scratch.decodes.clear();
        scratch.vetoed.clear();
        let mut hits = std::mem::take(&mut scratch.hits);
        hits.clear();
        self.collect_hits(buf, scratch, &mut hits);
        hits.sort_unstable_by_key(|h| (h.rule, h.start));
        for group in hits.chunk_by(|a, b| a.rule == b.rule) {
            let rule = group[0].rule;
            if self.rules.get(rule).is_assignment() {
                self.confirm_assignments(buf, rule, group, scratch);
            } else {
                self.confirm_windows(buf, rule, group, scratch);
            }
        }
        scratch.hits = hits;
    }

    /// Decodes each queued blob and scans the text again (without decoding further); every
    /// match inside becomes a match at the blob. A decoder rule with `userinfo` reports a
    /// decoded `user:password` nothing else explained.
    fn decode_pending(&self, buf: &[u8], scratch: &mut Scratch) {
        if scratch.decodes.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut scratch.decodes);
        let mut inner = scratch.inner.take().unwrap_or_else(|| Box::new(self.scratch()));
        self.enable_path_rules(&mut inner, &scratch.enabled_list);
        self.disable_rules(&mut inner, &scratch.disabled_list);
        for p in &pending {
            let rule = self.rules.get(p.rule);
            let decoded = match rule.plain {
                true => Some(buf[p.data.clone()].to_vec()),
                false => decode::base64_text(&buf[p.data.clone()]),
            };
            let Some(decoded) = decoded else { continue };
            let text = decode::rescan_text(p.name.as_ref().map(|n| &buf[n.clone()]), &decoded);
            self.first_pass(&text, &mut inner);
            inner.decodes.clear();
            self.finish(&text, Position::START, &mut inner.matches, &inner.vetoed);
            let found: Vec<Decoded> = inner
                .matches
                .iter()
                .map(|m| Decoded {
                    secret: m.secret_bytes(&text).into(),
                    companion: m.companion_part(&text).map(|(c, _, _)| c.into()),
                    via: p.rule,
                })
                .collect();
            let rules: Vec<(RuleId, Option<Box<Evidence>>)> =
                inner.matches.iter().map(|m| (m.rule, m.evidence.clone())).collect();
            let fallback = match found.is_empty() {
                true => decode::fallback(rule, p.name.as_ref().map(|n| &buf[n.clone()]), &decoded),
                false => None,
            };
            let fallback = fallback.map(|evidence| {
                let d = Decoded { secret: decoded.clone().into(), companion: None, via: p.rule };
                ((p.rule, evidence.map(Box::new)), d)
            });
            for ((rule, evidence), d) in rules.into_iter().zip(found).chain(fallback) {
                scratch.matches.push(Match {
                    rule,
                    secret: p.data.clone(),
                    span: p.span.clone(),
                    line: 0,
                    column: 0,
                    companion: None,
                    decoded: Some(d),
                    evidence,
                });
            }
        }
        scratch.inner = Some(inner);
        scratch.decodes = pending;
        scratch.decodes.clear();
    }

    fn collect_hits(&self, buf: &[u8], scratch: &Scratch, hits: &mut Vec<Hit>) {
        let mut input = aho_corasick::Input::new(buf);
        while let Some(m) = self.automaton.find(input.clone()) {
            for &rule in &self.keyword_rules[m.pattern().as_usize()] {
                let i = rule.index();
                if (self.path_scoped[i] && !scratch.enabled[i]) || scratch.disabled[i] {
                    continue;
                }
                hits.push(Hit { rule, start: m.start(), end: m.end() });
            }
            if m.start() + 1 >= buf.len() {
                break;
            }
            input.set_start(m.start() + 1);
        }
    }

    /// Regex rules: merge the windows around this rule's hits, run the regex in each.
    fn confirm_windows(&self, buf: &[u8], id: RuleId, hits: &[Hit], scratch: &mut Scratch) {
        let rule = self.rules.get(id);
        let mut windows: Vec<Range<usize>> = Vec::new();
        for h in hits {
            let w = h.start.saturating_sub(rule.window_before)..(h.end + rule.window_after).min(buf.len());
            match windows.last_mut() {
                Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                _ => windows.push(w),
            }
        }
        let state = scratch.rules[id.index()].get_or_insert_with(|| Box::new(RuleScratch::new(rule)));
        let mut found = Vec::new();
        for window in windows {
            let (cache, caps) = &mut state.pattern;
            find_all(rule.pattern.get(), cache, caps, buf, window, |caps| {
                let (span, secret) = spans(caps);
                let named = |n: &str| caps.get_group_by_name(n).map(|s| s.range());
                found.push((span, named("data").unwrap_or(secret), named("name")));
            });
        }
        // A catch-all pattern of no provider (a bearer token) is judged for its own alphabet
        // and length rather than by one entropy number; a provider's catch-all has its prefix.
        let judged = rule.generic && rule.validator.is_none() && rule.provider == "generic";
        let min_entropy = if judged { None } else { rule.entropy };
        for (span, secret, name) in found {
            if rule.plain {
                // A block of `key: value` lines (a Secret's stringData): each value on its own.
                let mut entries = Vec::new();
                decode::plain_entries(buf, secret, &mut entries);
                for (name, data) in entries {
                    scratch.decodes.push(PendingDecode { rule: id, span: span.clone(), data, name: Some(name) });
                }
            } else if rule.encoded {
                scratch.decodes.push(PendingDecode { rule: id, span, data: secret, name });
            } else if accept(rule, min_entropy, &buf[secret.clone()]) {
                let evidence = match judged {
                    true => match generic::window(rule, &buf[secret.clone()]) {
                        Some(e) => Some(Box::new(e)),
                        None => continue,
                    },
                    false => None,
                };
                self.push_match(buf, id, span, secret, evidence, scratch);
            } else if rule.validator.is_some_and(Validator::is_checksum) {
                scratch.vetoed.push(secret);
            }
        }
    }

    /// Assignment rules: read the assignment around each hit, check name and value. A hit
    /// naming a section (`"Postmark": {`, `postmark:` over indented keys, `[postmark]`)
    /// reads its direct keys as `section_key` names; catch-all rules skip sections.
    fn confirm_assignments(&self, buf: &[u8], id: RuleId, hits: &[Hit], scratch: &mut Scratch) {
        let rule = self.rules.get(id);
        let mut last_value: Option<Range<usize>> = None;
        let mut keys = Vec::new();
        let mut name = Vec::new();
        for h in hits {
            let read = assign::at(buf, h.start..h.end).map(|a| (a, false));
            // Catch-all rules also read sentences (`Using Key=… for staging`).
            let read = read.or_else(|| {
                rule.generic.then(|| assign::at_in_prose(buf, h.start..h.end)).flatten().map(|a| (a, true))
            });
            if let Some((a, prose)) = read {
                if last_value.as_ref() != Some(&a.value) {
                    last_value = Some(a.value.clone());
                    self.confirm_assignment(buf, id, &buf[a.name.clone()], &a, prose, scratch);
                }
                continue;
            }
            if rule.generic {
                continue;
            }
            keys.clear();
            let Some(section) = assign::section(buf, h.start..h.end, &mut keys) else { continue };
            for a in &keys {
                if last_value.as_ref() == Some(&a.value) {
                    continue;
                }
                last_value = Some(a.value.clone());
                name.clear();
                name.extend_from_slice(&buf[section.clone()]);
                name.push(b'_');
                name.extend_from_slice(&buf[a.name.clone()]);
                self.confirm_assignment(buf, id, &name, a, false, scratch);
            }
        }
    }

    /// One assignment: the rule's name check on `name`, then its pattern and filters on the
    /// value; a catch-all rule's candidate is judged by [`generic::judge`].
    fn confirm_assignment(
        &self,
        buf: &[u8],
        id: RuleId,
        name: &[u8],
        a: &assign::Assignment,
        prose: bool,
        scratch: &mut Scratch,
    ) {
        let rule = self.rules.get(id);
        let state = scratch.rules[id.index()].get_or_insert_with(|| Box::new(RuleScratch::new(rule)));
        if !name_allowed(rule, state, name) {
            return;
        }
        let value = &buf[a.value.clone()];
        let (cache, caps) = &mut state.pattern;
        if !capture(rule.pattern.get(), cache, caps, value, 0..value.len()) {
            return;
        }
        let secret = spans(caps).1;
        let secret = secret.start + a.value.start..secret.end + a.value.start;
        let evidence = if rule.generic {
            match generic::judge(&self.names, buf, a, secret.clone(), prose) {
                Some(e) => Some(Box::new(e)),
                None => return,
            }
        } else {
            // A table-generated rule (the provider catalog) knows the alphabet and length,
            // not the file: its key beside a same-named secret is the pair's identifier.
            if rule.source.starts_with("catalog/") && !generic::plausible_for_table_rule(buf, a) {
                return;
            }
            None
        };
        // A catch-all candidate was judged for its own alphabet and length, not by one
        // entropy number.
        let (min_entropy, min_classes) = if rule.generic { (None, None) } else { (rule.entropy, rule.classes) };
        if accept_with(rule, min_entropy, min_classes, &buf[secret.clone()]) {
            self.push_match(buf, id, a.name.start..a.value.end, secret, evidence, scratch);
        }
    }

    fn push_match(
        &self,
        buf: &[u8],
        id: RuleId,
        span: Range<usize>,
        secret: Range<usize>,
        evidence: Option<Box<Evidence>>,
        scratch: &mut Scratch,
    ) {
        if secret.is_empty() {
            // An empty capture group is no secret.
            return;
        }
        let rule = self.rules.get(id);
        let mut m = Match { rule: id, secret, span, line: 0, column: 0, companion: None, decoded: None, evidence };
        if let Some(pair) = &rule.pair {
            let state = scratch.rules[id.index()].get_or_insert_with(|| Box::new(RuleScratch::new(rule)));
            if let Some((cache, caps)) = state.pair.as_mut() {
                if let Some(other) = find_pair(buf, pair, &m.span, cache, caps) {
                    if pair.secret_is_companion {
                        m.companion = Some(Companion { span: m.secret.clone(), line: 0, column: 0 });
                        m.secret = other;
                    } else {
                        m.companion = Some(Companion { span: other, line: 0, column: 0 });
                    }
                }
            }
        }
        scratch.matches.push(m);
    }

    /// Drops duplicates, generic matches that a specific rule explains, and inline-allowed
    /// lines; then fills in lines and columns.
    fn finish(&self, buf: &[u8], at: Position, matches: &mut Vec<Match>, vetoed: &[Range<usize>]) {
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

/// For each keyword, the rules of every keyword it contains (itself included), found with
/// a small overlapping automaton run over the keywords themselves.
fn contained_rules(keywords: &[String], rules: &[Vec<RuleId>]) -> Vec<Vec<RuleId>> {
    let Ok(inner) = AhoCorasick::builder().kind(Some(AhoCorasickKind::ContiguousNFA)).build(keywords) else {
        return rules.to_vec();
    };
    keywords
        .iter()
        .map(|k| {
            let mut ids: Vec<RuleId> =
                inner.find_overlapping_iter(k).flat_map(|m| rules[m.pattern().as_usize()].iter().copied()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect()
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Ranges sorted by start with a running maximum of their ends: overlap queries in
/// O(log n), so many generic matches against many specific ones stay cheap.
struct Spans {
    starts: Vec<usize>,
    max_end: Vec<usize>,
}

impl Spans {
    fn new(mut ranges: Vec<Range<usize>>) -> Spans {
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
    fn overlaps(&self, span: &Range<usize>) -> bool {
        // Ranges starting before `span` ends; one of them overlaps iff it ends after its start.
        let n = self.starts.partition_point(|&s| s < span.end);
        n > 0 && self.max_end[n - 1] > span.start
    }
}

/// Runs `re` over `window` of `buf` (look-around sees outside it), handing every match's
/// captures to `found`.
fn find_all(
    re: &Regex,
    cache: &mut Cache,
    caps: &mut Captures,
    buf: &[u8],
    window: Range<usize>,
    mut found: impl FnMut(&Captures),
) {
    let mut start = window.start;
    while start <= window.end {
        if !capture(re, cache, caps, buf, start..window.end) {
            return;
        }
        let span = spans(caps).0;
        start = if span.end > span.start { span.end } else { span.end + 1 };
        found(caps);
    }
}

/// Searches `range` of `buf`, leaving the result in `caps`; false when nothing matched.
fn capture(re: &Regex, cache: &mut Cache, caps: &mut Captures, buf: &[u8], range: Range<usize>) -> bool {
    re.search_captures_with(cache, &Input::new(buf).range(range), caps);
    caps.is_match()
}

/// (whole match, secret: group 1 or the whole match) of a successful capture.
fn spans(caps: &Captures) -> (Range<usize>, Range<usize>) {
    let whole = caps.get_match().map_or(Span { start: 0, end: 0 }, |m| m.span());
    let secret: Span = caps.get_group(1).unwrap_or(whole);
    (whole.range(), secret.range())
}

fn name_allowed(rule: &Rule, state: &mut RuleScratch, name: &[u8]) -> bool {
    let is_match =
        |re: &LazyRegex, cache: &mut Cache| re.get().search_with(cache, &Input::new(name).earliest(true)).is_some();
    let wanted = match (&rule.assign, state.assign.as_mut()) {
        (Some(re), Some(cache)) => is_match(re, cache),
        _ => true,
    };
    let excluded = match (&rule.assign_exclude, state.exclude.as_mut()) {
        (Some(re), Some(cache)) => is_match(re, cache),
        _ => false,
    };
    wanted && !excluded
}

/// The confirmation every candidate passes: validator, entropy, placeholder, repetition.
/// A checksum-valid secret skips the heuristic filters.
fn accept(rule: &Rule, min_entropy: Option<f64>, secret: &[u8]) -> bool {
    accept_with(rule, min_entropy, rule.classes, secret)
}

/// [`accept`] with the character-class minimum given (a catch-all rule's candidate was
/// judged for its alphabet already).
fn accept_with(rule: &Rule, min_entropy: Option<f64>, min_classes: Option<usize>, secret: &[u8]) -> bool {
    if filter::is_documented_example(secret) {
        return false;
    }
    if let Some(v) = rule.validator {
        if !v.check(secret) {
            return false;
        }
        if v.is_checksum() {
            return true;
        }
    }
    if min_entropy.is_some_and(|min| filter::entropy(secret) < min) {
        return false;
    }
    if min_classes.is_some_and(|min| filter::char_classes(secret) < min) {
        return false;
    }
    !filter::is_placeholder(secret) && !filter::is_repetitive(secret)
}

/// The nearest companion match within `pair.within` bytes of `primary`.
fn find_pair(
    buf: &[u8],
    pair: &crate::rules::Pair,
    primary: &Range<usize>,
    cache: &mut Cache,
    caps: &mut Captures,
) -> Option<Range<usize>> {
    let window = primary.start.saturating_sub(pair.within)..(primary.end + pair.within).min(buf.len());
    let mut best: Option<(usize, Range<usize>)> = None;
    let re = pair.pattern.get();
    find_all(re, cache, caps, buf, window, |caps| {
        let secret = spans(caps).1;
        let encloses = pair.around && secret.start <= primary.start && primary.end <= secret.end;
        if secret.is_empty() || (overlaps(&secret, primary) && !encloses) {
            return;
        }
        let bytes = &buf[secret.clone()];
        if pair.entropy.is_some_and(|min| filter::entropy(bytes) < min) || filter::is_placeholder(bytes) {
            return;
        }
        let distance = if encloses {
            0
        } else if secret.start >= primary.end {
            secret.start - primary.end
        } else {
            primary.start - secret.end
        };
        if best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, secret));
        }
    });
    best.map(|(_, r)| r)
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
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&line[from..], ALLOW_MARK) {
        let end = from + found + ALLOW_MARK.len();
        let word_ends = line.get(end).is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')));
        if word_ends {
            return Some(InlineAllow { reason: allow_reason(&line[end..]) });
        }
        from = end;
    }
    None
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

/// Whether bytes look binary: a NUL among the first 8 KiB (what `git` and ripgrep check).
/// Inputs that do are skipped unless binary scanning was asked for.
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(stream::SNIFF)]).is_some()
}

/// Characters in `bytes`: UTF-8 bytes that do not continue a character. Additive, so a
/// line split across stream chunks gets the same columns as a whole scan; for invalid
/// UTF-8 each stray lead byte counts one.
pub(crate) fn count_chars(bytes: &[u8]) -> u64 {
    bytecount::num_chars(bytes) as u64
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
mod tests;
