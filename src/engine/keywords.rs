//! The keyword prefilter: one Aho-Corasick pass over the input finds every place a rule's
//! keyword starts, and the rules to confirm there.
//!
//! The automaton holds each keyword's first [`PREFIX`] bytes, not the whole keyword: a
//! thousand rules bring some 2,000 keywords, and a DFA over all of them (case-insensitive,
//! so upper and lower case letters are separate byte classes) took 6.3 MiB, over its
//! prefixes 3.6 MiB at the same speed. A hit on a prefix is then checked against the
//! keywords that continue it, longest first, so the rules found at each place are exactly
//! those of the longest keyword starting there (and of every keyword inside it).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::rules::{RuleId, RuleSet};

/// Bytes of each keyword the automaton holds.
const PREFIX: usize = 8;

/// What a prefix found in the text may be: the keyword it spells (or the longest keyword
/// it starts with), and the longer keywords that begin with it.
#[derive(Debug, Default)]
struct Slot {
    own: Option<usize>,
    /// Keywords longer than the prefix, longest first.
    longer: Vec<usize>,
}

/// A keyword found in the text: where it is and the rules it triggers.
pub struct KeywordHit<'a> {
    pub start: usize,
    pub end: usize,
    pub rules: &'a [RuleId],
}

pub struct Keywords {
    automaton: AhoCorasick,
    slots: Vec<Slot>,
    /// Lower-case keywords.
    keywords: Vec<Vec<u8>>,
    /// For each keyword, the rules of every keyword it contains (itself included).
    rules: Vec<Vec<RuleId>>,
}

/// The prefilter automaton could not be built (only with absurd keyword sets).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the keyword automaton: {0}")]
pub struct EngineError(String);

impl Keywords {
    /// `small`: a few inputs are scanned, so a compact automaton (quicker to build, slower
    /// per byte) is the better trade.
    pub fn new(rules: &RuleSet, small: bool) -> Result<Keywords, EngineError> {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<RuleId>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (id, rule) in rules.iter() {
            for kw in &rule.keywords {
                let key = kw.to_ascii_lowercase();
                let slot = *index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    owners.push(Vec::new());
                    keywords.len() - 1
                });
                if !owners[slot].contains(&id) {
                    owners[slot].push(id);
                }
            }
        }
        // Leftmost-longest search restarted one byte after each hit finds every keyword
        // occurrence except a keyword inside a longer one at the same place; giving each
        // keyword the rules of every keyword it contains covers those.
        let rules = contained_rules(&keywords, &owners);
        let (prefixes, slots) = prefix_slots(&keywords, &index);
        let build = |kind| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .kind(kind)
                .build(&prefixes)
        };
        let kind = if small { AhoCorasickKind::ContiguousNFA } else { AhoCorasickKind::DFA };
        let automaton = build(Some(kind)).or_else(|_| build(None)).map_err(|e| EngineError(e.to_string()))?;
        let keywords = keywords.into_iter().map(String::into_bytes).collect();
        Ok(Keywords { automaton, slots, keywords, rules })
    }

    /// Calls `each` for every place in `buf` a keyword starts (in order), with the rules of
    /// the longest keyword there.
    pub fn each_hit(&self, buf: &[u8], mut each: impl FnMut(KeywordHit<'_>)) {
        let mut input = aho_corasick::Input::new(buf);
        while let Some(m) = self.automaton.find(input.clone()) {
            let at = m.start();
            let slot = &self.slots[m.pattern().as_usize()];
            let longer = slot.longer.iter().copied().find(|&k| {
                let kw = &self.keywords[k];
                buf.get(at..at + kw.len()).is_some_and(|text| text.eq_ignore_ascii_case(kw))
            });
            if let Some(k) = longer.or(slot.own) {
                each(KeywordHit { start: at, end: at + self.keywords[k].len(), rules: &self.rules[k] });
            }
            if at + 1 >= buf.len() {
                break;
            }
            input.set_start(at + 1);
        }
    }
}

/// The distinct prefixes of the keywords and, for each, its [`Slot`].
fn prefix_slots(keywords: &[String], index: &std::collections::HashMap<String, usize>) -> (Vec<String>, Vec<Slot>) {
    let mut prefixes: Vec<String> = Vec::new();
    let mut slots: Vec<Slot> = Vec::new();
    let mut slot_of = std::collections::HashMap::new();
    for (k, kw) in keywords.iter().enumerate() {
        // Keywords are lower-case ASCII in practice; cut on a character boundary anyway.
        let cut = (0..=PREFIX.min(kw.len())).rev().find(|&i| kw.is_char_boundary(i)).unwrap_or(0);
        let prefix = &kw[..cut];
        let s = *slot_of.entry(prefix.to_string()).or_insert_with(|| {
            prefixes.push(prefix.to_string());
            slots.push(Slot::default());
            slots.len() - 1
        });
        if cut < kw.len() {
            slots[s].longer.push(k);
        }
    }
    for (prefix, slot) in prefixes.iter().zip(&mut slots) {
        slot.longer.sort_by_key(|&k| std::cmp::Reverse(keywords[k].len()));
        // The longest keyword the prefix itself starts with (the prefix, when it is one).
        slot.own = (1..=prefix.len())
            .rev()
            .filter(|&i| prefix.is_char_boundary(i))
            .find_map(|i| index.get(&prefix[..i]).copied());
    }
    (prefixes, slots)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::rule;

    fn keywords(specs: &[(&str, &[&str])]) -> (RuleSet, Keywords) {
        let specs = specs.iter().map(|(id, kws)| ("test.toml".to_string(), rule(id, kws, "x"))).collect();
        let set = RuleSet::from_specs(specs).unwrap();
        let keywords = Keywords::new(&set, false).unwrap();
        (set, keywords)
    }

    /// (start, end, rule ids) of every hit.
    fn hits(set: &RuleSet, keywords: &Keywords, text: &str) -> Vec<(usize, usize, Vec<String>)> {
        let mut out = Vec::new();
        keywords.each_hit(text.as_bytes(), |h| {
            out.push((h.start, h.end, h.rules.iter().map(|&r| set.get(r).id.clone()).collect()));
        });
        out
    }

    #[test]
    fn a_long_keyword_hits_only_when_whole_and_in_any_case() {
        let (set, kw) = keywords(&[("p.long", &["tokenizer_secret"]), ("p.short", &["token"])]);
        // Whole: the longest keyword's rules, and those of the keyword inside it.
        assert_eq!(hits(&set, &kw, "x TOKENIZER_Secret=1"), [(2, 18, vec!["p.long".into(), "p.short".into()])]);
        // Only the automaton's prefix (`tokenize`) and a different ending: the short keyword.
        assert_eq!(hits(&set, &kw, "x tokenizer_config"), [(2, 7, vec!["p.short".to_string()])]);
        // Cut off by the end of the input.
        assert_eq!(hits(&set, &kw, "tokenizer_sec"), [(0, 5, vec!["p.short".to_string()])]);
    }

    #[test]
    fn a_keyword_of_several_byte_characters_is_cut_on_a_character_and_still_found() {
        // A repository's own rule may name any keyword: here `é` takes bytes 7 and 8, so an
        // eight-byte prefix would cut it in half.
        let (set, kw) = keywords(&[("p.accent", &["zorbixaé_secrète"])]);
        assert_eq!(hits(&set, &kw, "x ZORBIXAé_secrète=1"), [(2, 20, vec!["p.accent".to_string()])]);
        assert!(hits(&set, &kw, "x zorbixaé_secret=1").is_empty());
    }

    #[test]
    fn a_prefix_that_is_no_keyword_hits_nothing_unless_a_longer_keyword_follows() {
        let (set, kw) = keywords(&[("p.a", &["database_password"]), ("p.b", &["database_url"])]);
        assert!(hits(&set, &kw, "database_name=x").is_empty());
        assert_eq!(hits(&set, &kw, "DATABASE_URL=x"), [(0, 12, vec!["p.b".to_string()])]);
        assert_eq!(hits(&set, &kw, "database_password=x"), [(0, 17, vec!["p.a".to_string()])]);
    }
}
