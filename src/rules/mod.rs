//! Rules as data: the TOML spec ([`RuleSpec`]), its validated form ([`Rule`]), the dense
//! [`RuleId`] index and the [`RuleSet`] the engine compiles.
//!
//! Receives TOML text (the embedded built-ins, `--rules DIR`, the config file); hands the
//! engine a validated `RuleSet`. Never imports the engine, sources, scope or reports.
//! Patterns compile lazily, on the first keyword hit, so start-up stays cheap; user rules
//! are compiled eagerly by [`RuleSet::compile_all`] so a bad one fails at load.

#[cfg(test)]
mod catalog;
pub mod spec;
pub mod template;
pub mod validate;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex_automata::meta::Regex;
use regex_automata::util::syntax;

pub use spec::{PairSpec, RuleFile, RuleSpec, ScopeSpec};
use validate::Validator;

mod builtin;
mod compile;
mod load;

/// Dense index of a rule in its [`RuleSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub u32);

impl RuleId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Largest compiled program a rule's regex may produce: bounds hostile user rules.
const REGEX_SIZE_LIMIT: usize = 2 << 20;
/// Shortest keyword allowed: shorter ones would hit everywhere and stall the prefilter.
const MIN_KEYWORD_LEN: usize = 3;
/// Largest window a rule may ask for on either side of a keyword hit.
pub const MAX_WINDOW: usize = 32 * 1024;

/// A regex compiled on first use. The pattern was syntax-checked at load.
pub struct LazyRegex {
    pattern: String,
    case_insensitive: bool,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    fn new(pattern: String, case_insensitive: bool) -> LazyRegex {
        LazyRegex { pattern, case_insensitive, compiled: OnceLock::new() }
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    fn build(&self) -> Result<Regex, String> {
        let syntax = syntax::Config::new().unicode(false).utf8(false).case_insensitive(self.case_insensitive);
        // No one-pass DFA: it only speeds up reading the capture groups of a match already
        // found, yet was most of a rule's compiled size (600 of 780 KiB for Dropbox's token;
        // 31 -> 17 MiB for all rules). The bounded backtracker reads them instead.
        let config = Regex::config()
            .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
            .hybrid_cache_capacity(REGEX_SIZE_LIMIT)
            .onepass(false);
        Regex::builder().syntax(syntax).configure(config).build(&self.pattern).map_err(|e| match e.size_limit() {
            Some(limit) => format!("compiles to more than the {limit}-byte limit (simplify its repetitions)"),
            None => one_line(&e.to_string()),
        })
    }

    /// The compiled regex. Built-in patterns are compiled by the test suite, so a failure
    /// here is a programming error in a built-in or a user rule that skipped `compile_all`;
    /// it yields a regex that never matches rather than a panic on user data.
    pub fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            self.build().unwrap_or_else(|_| Regex::new(r"[^\x00-\xFF]").expect("trivial regex compiles"))
        })
    }

    fn compile_now(&self) -> Result<(), String> {
        if self.compiled.get().is_none() {
            let re = self.build()?;
            let _ = self.compiled.set(re);
        }
        Ok(())
    }
}

impl fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LazyRegex").field(&self.pattern).finish()
    }
}

/// The companion part of a paired credential, compiled.
#[derive(Debug)]
pub struct Pair {
    pub pattern: LazyRegex,
    pub name: String,
    pub primary_name: String,
    pub within: usize,
    pub secret_is_companion: bool,
    pub entropy: Option<f64>,
    /// The companion may enclose the primary match.
    pub around: bool,
}

/// A value a probe needs besides the secret and its companion, compiled ([`PartSpec`]).
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub pattern: LazyRegex,
    pub within: usize,
    pub before: bool,
    pub secret: bool,
}

/// A validated rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub provider: String,
    /// Name words for the provider besides its id ([`RuleSpec::aliases`]).
    pub aliases: Vec<String>,
    /// File the rule came from (`github.toml`, a user path, or `keyreach.toml`).
    pub source: String,
    pub keywords: Vec<String>,
    pub pattern: LazyRegex,
    pub assign: Option<LazyRegex>,
    pub assign_exclude: Option<LazyRegex>,
    pub validator: Option<Validator>,
    pub entropy: Option<f64>,
    pub classes: Option<usize>,
    pub generic: bool,
    pub priority: i32,
    pub paths: Vec<String>,
    pub exclude_paths: Vec<String>,
    pub window_before: usize,
    pub window_after: usize,
    pub pair: Option<Pair>,
    /// Values only its probe reads, found near the match.
    pub parts: Vec<Part>,
    /// Decoder rule: the match is base64 content to decode and scan again.
    pub encoded: bool,
    /// Decoder rule whose content is scanned again as it is (`encoded = "plain"`).
    pub plain: bool,
    pub userinfo: bool,
    pub secret_values: bool,
    pub scope: ScopeSpec,
    pub remedy: Option<String>,
    pub examples: Vec<std::borrow::Cow<'static, str>>,
    pub negative_examples: Vec<std::borrow::Cow<'static, str>>,
    /// From a scanned repository's own config ([`RuleSet::distrust`]): it may add findings
    /// but never outranks or silences keyreach's own rules.
    pub from_scanned_repo: bool,
}

impl Rule {
    pub fn is_assignment(&self) -> bool {
        self.assign.is_some()
    }

    /// Rank when several rules report the same secret: untrusted rules lowest, then
    /// generic ones, then `priority`, then the earlier rule.
    pub fn rank(&self) -> (bool, bool, i32) {
        (!self.from_scanned_repo, !self.generic, self.priority)
    }

    fn regexes(&self) -> impl Iterator<Item = (&'static str, &LazyRegex)> {
        [
            Some(("pattern", &self.pattern)),
            self.assign.as_ref().map(|r| ("assign", r)),
            self.assign_exclude.as_ref().map(|r| ("assign_exclude", r)),
            self.pair.as_ref().map(|p| ("pair.pattern", &p.pattern)),
        ]
        .into_iter()
        .flatten()
        .chain(self.parts.iter().map(|p| ("part.pattern", &p.pattern)))
    }

    /// The parts found around `span` of `buf`: for each declared part, the nearest match
    /// within its distance (before `span` only when the part says so) that `accept`
    /// takes (the caller skips placeholders such as `your_email@example.com`), as (name,
    /// value, secret). Parts that are not found are left out.
    pub fn find_parts(
        &self,
        buf: &[u8],
        span: std::ops::Range<usize>,
        accept: impl Fn(&[u8]) -> bool,
    ) -> Vec<(String, Vec<u8>, bool)> {
        let mut found = Vec::new();
        for part in &self.parts {
            let start = span.start.saturating_sub(part.within);
            let end = if part.before { span.start } else { (span.end + part.within).min(buf.len()) };
            let window = start..end.max(start);
            let re = part.pattern.get();
            let mut best: Option<(usize, std::ops::Range<usize>)> = None;
            for caps in re.captures_iter(regex_automata::Input::new(buf).range(window)) {
                let Some(value) = caps.get_group(1).or_else(|| caps.get_match().map(|m| m.span())) else { continue };
                let value = value.range();
                if value.is_empty()
                    || (value.start < span.end && span.start < value.end)
                    || !accept(&buf[value.clone()])
                {
                    continue;
                }
                let distance = if value.start >= span.end { value.start - span.end } else { span.start - value.end };
                if best.as_ref().is_none_or(|(d, _)| distance < *d) {
                    best = Some((distance, value));
                }
            }
            if let Some((_, value)) = best {
                found.push((part.name.clone(), buf[value].to_vec(), part.secret));
            }
        }
        found
    }
}

/// A rule that failed to load, with where the user can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub source: String,
    pub id: Option<String>,
    pub cause: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}: rule {id}: {}", self.source, self.cause),
            None => write!(f, "{}: {}", self.source, self.cause),
        }
    }
}

impl std::error::Error for RuleError {}

/// Every error found while loading a rule set.
#[derive(Debug)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.0.first().map(ToString::to_string).unwrap_or_default();
        match self.0.len() {
            0 | 1 => write!(f, "{first}"),
            n => write!(f, "{first} (and {} more rule errors; run `keyreach rules check`)", n - 1),
        }
    }
}

impl std::error::Error for RuleErrors {}

/// A validated set of rules with unique ids.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, RuleId>,
    path_globs: Option<(GlobSet, Vec<RuleId>)>,
    exclude_globs: Option<(GlobSet, Vec<RuleId>)>,
}

impl RuleSet {
    /// The rules embedded at build time (static data; any file kept as text is parsed).
    pub fn builtin_specs() -> Result<Vec<(String, RuleSpec)>, RuleErrors> {
        let mut specs = Vec::new();
        let mut errors = Vec::new();
        for (name, text) in builtin::BUILTIN {
            match parse_file(name, text) {
                Ok(file) => specs.extend(file.into_iter().map(|s| (name.to_string(), s))),
                Err(e) => errors.push(e),
            }
        }
        specs.extend(builtin::STATIC.iter().map(|r| (r.source().to_string(), r.spec())));
        if errors.is_empty() { Ok(specs) } else { Err(RuleErrors(errors)) }
    }

    /// Validates `specs` (with the file each came from) into a rule set.
    pub fn from_specs(specs: Vec<(String, RuleSpec)>) -> Result<RuleSet, RuleErrors> {
        RuleSet::from_specs_trusting(specs, 0)
    }

    /// Like [`RuleSet::from_specs`], but the first `trusted` specs (the built-in rules, whose
    /// patterns the test suite compiles) skip the regex syntax check, the largest part of
    /// start-up. Every other check still runs.
    pub fn from_specs_trusting(specs: Vec<(String, RuleSpec)>, trusted: usize) -> Result<RuleSet, RuleErrors> {
        let mut set = RuleSet::default();
        // A rule is some 700 bytes: a doubled vector would waste half a MiB.
        set.rules.reserve_exact(specs.len());
        let mut errors = Vec::new();
        for (i, (source, spec)) in specs.into_iter().enumerate() {
            let id = spec.id.clone();
            if set.by_id.contains_key(&id) {
                errors.push(RuleError { source, id: Some(id), cause: "duplicate rule id".into() });
                continue;
            }
            match Rule::from_spec(spec, &source, i >= trusted) {
                Ok(rule) => {
                    set.by_id.insert(id, RuleId(set.rules.len() as u32));
                    set.rules.push(rule);
                }
                Err(cause) => errors.push(RuleError { source, id: Some(id), cause }),
            }
        }
        if !errors.is_empty() {
            return Err(RuleErrors(errors));
        }
        set.path_globs = set.build_globs(|r| &r.paths);
        set.exclude_globs = set.build_globs(|r| &r.exclude_paths);
        Ok(set)
    }

    /// Compiles every regex now (user rules: a bad pattern fails at load, not mid-scan).
    pub fn compile_all(&self, only: impl Fn(&Rule) -> bool) -> Result<(), RuleErrors> {
        let errors: Vec<RuleError> = self
            .rules
            .iter()
            .filter(|r| only(r))
            .flat_map(|rule| {
                rule.regexes().filter_map(move |(field, re)| {
                    re.compile_now().err().map(|cause| RuleError {
                        source: rule.source.clone(),
                        id: Some(rule.id.clone()),
                        cause: format!("{field} does not compile: {cause}"),
                    })
                })
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(RuleErrors(errors)) }
    }

    /// Marks rule `id` as coming from a scanned repository's own config: it may add
    /// findings, but never names a credential a trusted rule also found, nor makes a
    /// generic match of a trusted rule yield.
    pub fn distrust(&mut self, id: RuleId) {
        self.rules[id.index()].from_scanned_repo = true;
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn get(&self, id: RuleId) -> &Rule {
        &self.rules[id.index()]
    }

    pub fn find(&self, id: &str) -> Option<RuleId> {
        self.by_id.get(id).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (RuleId, &Rule)> {
        self.rules.iter().enumerate().map(|(i, r)| (RuleId(i as u32), r))
    }

    /// Rules limited to certain paths that apply to `path` (a `/`-separated relative path).
    pub fn path_rules(&self, path: &Path, out: &mut Vec<RuleId>) {
        matching(&self.path_globs, path, out);
    }

    /// Rules whose `exclude_paths` exclude `path`.
    pub fn excluded_rules(&self, path: &Path, out: &mut Vec<RuleId>) {
        matching(&self.exclude_globs, path, out);
    }

    fn build_globs(&self, globs_of: impl Fn(&Rule) -> &Vec<String>) -> Option<(GlobSet, Vec<RuleId>)> {
        let mut builder = GlobSetBuilder::new();
        let mut ids = Vec::new();
        for (id, rule) in self.iter() {
            for glob in globs_of(rule) {
                // Globs were checked in `Rule::from_spec`.
                if let Ok(g) = Glob::new(glob) {
                    builder.add(g);
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            return None;
        }
        builder.build().ok().map(|set| (set, ids))
    }
}

fn matching(globs: &Option<(GlobSet, Vec<RuleId>)>, path: &Path, out: &mut Vec<RuleId>) {
    out.clear();
    if let Some((set, ids)) = globs {
        out.extend(set.matches(path).into_iter().map(|i| ids[i]));
        out.sort_unstable();
        out.dedup();
    }
}

pub use compile::DECODERS;
use load::one_line;
pub use load::{parse_file, read_dir, shown_key, toml_error};

#[cfg(test)]
mod tests;
