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
mod confirm;
pub mod decode;
pub mod filter;
mod finish;
pub mod generic;
mod keywords;
mod markers;
pub mod names;
mod stream;

use std::ops::Range;
use std::sync::Arc;

use regex_automata::meta::{Cache, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::{Input, Span};

use crate::rules::validate::Validator;
use crate::rules::{LazyRegex, Rule, RuleId, RuleSet};

pub use finish::{InlineAllow, inline_allow};
pub use generic::Evidence;
pub use keywords::EngineError;
use keywords::Keywords;
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

    fn memory_usage(&self) -> usize {
        let caches =
            [Some(&self.pattern.0), self.assign.as_ref(), self.exclude.as_ref(), self.pair.as_ref().map(|p| &p.0)];
        caches.into_iter().flatten().map(Cache::memory_usage).sum()
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
    /// The rules whose regex state (`rules`) exists, and inputs scanned since its size was
    /// last looked at.
    live: Vec<RuleId>,
    scans: u32,
}

/// Regex caches one thread may keep across inputs. A lazy DFA's cache grows as it meets
/// new text, up to 2 MiB per regex; with a thousand rules, a long history scan would keep
/// tens of MiB per thread. Over this, every cache is dropped and rebuilt on demand (512 KiB
/// against 4 MiB: the same CPU time on a tree and on curl's history, 7–10 MiB less at the
/// peak).
const CACHE_BUDGET: usize = 512 << 10;

impl Scratch {
    /// The regex state of rule `id`, created on first use.
    fn rule_state(&mut self, id: RuleId, rule: &Rule) -> &mut RuleScratch {
        let slot = &mut self.rules[id.index()];
        if slot.is_none() {
            self.live.push(id);
        }
        slot.get_or_insert_with(|| Box::new(RuleScratch::new(rule)))
    }

    /// Drops every regex cache when together they exceed `budget` (looked at every 32
    /// inputs).
    fn bound_caches(&mut self, budget: usize) {
        self.scans = self.scans.wrapping_add(1);
        if self.scans % 32 != 0 {
            return;
        }
        let inner = self.inner.as_ref().map_or(0, |s| s.cache_bytes());
        if self.cache_bytes() + inner > budget {
            for id in self.live.drain(..) {
                self.rules[id.index()] = None;
            }
            self.inner = None;
        }
    }

    fn cache_bytes(&self) -> usize {
        self.live.iter().filter_map(|id| self.rules[id.index()].as_ref()).map(|s| s.memory_usage()).sum()
    }
}

/// The compiled rule set: build once, share by reference across threads.
pub struct Engine {
    rules: Arc<RuleSet>,
    keywords: Keywords,
    path_scoped: Vec<bool>,
    options: EngineOptions,
    /// Provider names of the rule set, for attributing catch-all matches.
    names: names::ProviderNames,
}

impl Engine {
    pub fn new(rules: Arc<RuleSet>, options: EngineOptions) -> Result<Engine, EngineError> {
        let keywords = Keywords::new(&rules, options.small_input)?;
        let path_scoped = rules.iter().map(|(_, r)| !r.paths.is_empty()).collect();
        let names = names::ProviderNames::new(&rules);
        Ok(Engine { rules, keywords, path_scoped, options, names })
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
            live: Vec::new(),
            scans: 0,
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
        scratch.bound_caches(CACHE_BUDGET);
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
        self.keywords.each_hit(buf, |hit| {
            for &rule in hit.rules {
                let i = rule.index();
                if (self.path_scoped[i] && !scratch.enabled[i]) || scratch.disabled[i] {
                    continue;
                }
                hits.push(Hit { rule, start: hit.start, end: hit.end });
            }
        });
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
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

#[cfg(test)]
mod tests;

/// The per-thread regex state is bounded (history scans meet thousands of rules' text).
#[cfg(test)]
mod cache_tests {
    use super::*;
    use crate::rules::template::expand;

    #[test]
    fn a_scratch_whose_regex_caches_were_dropped_finds_the_same_secrets() {
        let e = tests::engine(vec![tests::gh_rule(), tests::rule("p.key", &["pkey_"], r"\b(pkey_[a-z0-9]{24})\b")]);
        let text = expand("a = {{gen:github-crc32:ghp_}}\nb = pkey_{{lower:24}}\n", "caches").unwrap();
        let found = |scratch: &mut Scratch| tests::secrets_with(&e, scratch, &text);
        let mut scratch = e.scratch();
        let first = found(&mut scratch);
        assert_eq!(first.len(), 2, "both rules match: {first:?}");
        assert_eq!(scratch.live.len(), 2, "each matching rule keeps regex state");
        // Over budget (every 32nd input is looked at): every cache goes, and comes back on use.
        for _ in 0..31 {
            scratch.bound_caches(0);
        }
        assert!(scratch.live.is_empty() && scratch.rules.iter().all(Option::is_none));
        assert_eq!(found(&mut scratch), first);
        assert_eq!(scratch.live.len(), 2);
    }
}
