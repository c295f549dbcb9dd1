//! Confirming keyword hits: regex rules in a bounded window around their hits, assignment
//! rules on the assignment around the hit, then entropy, character classes, assigned-name
//! filters and the companion of a paired credential.

use super::*;

impl Engine {
    /// Regex rules: merge the windows around this rule's hits, run the regex in each.
    pub(super) fn confirm_windows(&self, buf: &[u8], id: RuleId, hits: &[Hit], scratch: &mut Scratch) {
        let rule = self.rules.get(id);
        let mut windows: Vec<Range<usize>> = Vec::new();
        for h in hits {
            let w = h.start.saturating_sub(rule.window_before)..(h.end + rule.window_after).min(buf.len());
            match windows.last_mut() {
                Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                _ => windows.push(w),
            }
        }
        let state = scratch.rule_state(id, rule);
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
    pub(super) fn confirm_assignments(&self, buf: &[u8], id: RuleId, hits: &[Hit], scratch: &mut Scratch) {
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
        let state = scratch.rule_state(id, rule);
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
            // A provider's rule that knows the value by its name only: a name that says the
            // value is published (`NEXT_PUBLIC_CONTENTFUL_DELIVERY_TOKEN`, `PUBLIC_…`,
            // `…_PUBLISHABLE_KEY`) names something shipped to browsers, as for the catch-all
            // rules. A value whose own format says secret is still found by its pattern rule.
            if !rule.scope.public && generic::names_published_value(name) {
                return;
            }
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
            let state = scratch.rule_state(id, rule);
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
