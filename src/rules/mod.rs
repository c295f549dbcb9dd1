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

mod builtin {
    //! The built-in rules, embedded by `build.rs` as static data (hand-written files and the
    //! catalog's expansion alike; see [`super::catalog`]), so start-up parses no TOML. A file
    //! `build.rs` could not represent stays TOML text in `BUILTIN`.

    use std::borrow::Cow;

    pub struct StaticSpec {
        pub source: &'static str,
        pub id: &'static str,
        pub title: &'static str,
        pub provider: &'static str,
        pub aliases: &'static [&'static str],
        pub keywords: &'static [&'static str],
        pub pattern: &'static str,
        pub assign: Option<&'static str>,
        pub assign_exclude: Option<&'static str>,
        pub validate: Option<&'static str>,
        pub entropy: Option<f64>,
        pub classes: Option<usize>,
        pub generic: bool,
        pub priority: i32,
        pub paths: &'static [&'static str],
        pub exclude_paths: &'static [&'static str],
        pub window: Option<[usize; 2]>,
        pub encoded: Option<&'static str>,
        pub userinfo: bool,
        pub secret_values: bool,
        pub pair: Option<StaticPair>,
        pub scope: Option<StaticScope>,
        pub remedy: Option<&'static str>,
        pub examples: &'static [&'static str],
        pub negative_examples: &'static [&'static str],
    }

    pub struct StaticPair {
        pub pattern: &'static str,
        pub name: &'static str,
        pub primary_name: Option<&'static str>,
        pub within: Option<usize>,
        pub secret_is_companion: Option<bool>,
        pub entropy: Option<f64>,
        pub around: bool,
    }

    pub struct StaticScope {
        pub level: Option<&'static str>,
        pub destructive: Option<bool>,
        pub production: Option<bool>,
        pub test_mode: bool,
        pub public: bool,
        pub permissions: &'static [&'static str],
        pub decode: Option<&'static str>,
        pub notes: &'static [&'static str],
    }

    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn owned(v: Option<&str>) -> Option<String> {
        v.map(str::to_string)
    }

    impl StaticSpec {
        // `..RuleSpec::default()` covers fields added to RuleSpec later.
        #[allow(clippy::needless_update)]
        pub fn spec(&self) -> super::RuleSpec {
            super::RuleSpec {
                id: self.id.into(),
                title: self.title.into(),
                provider: self.provider.into(),
                aliases: strings(self.aliases),
                keywords: strings(self.keywords),
                pattern: self.pattern.into(),
                assign: owned(self.assign),
                assign_exclude: owned(self.assign_exclude),
                validate: owned(self.validate),
                entropy: self.entropy,
                classes: self.classes,
                generic: self.generic,
                priority: self.priority,
                paths: strings(self.paths),
                exclude_paths: strings(self.exclude_paths),
                window: self.window,
                encoded: owned(self.encoded),
                userinfo: self.userinfo,
                secret_values: self.secret_values,
                pair: self.pair.as_ref().map(|p| super::PairSpec {
                    pattern: p.pattern.into(),
                    name: p.name.into(),
                    primary_name: owned(p.primary_name),
                    within: p.within,
                    secret_is_companion: p.secret_is_companion,
                    entropy: p.entropy,
                    around: p.around,
                    ..super::PairSpec::default()
                }),
                scope: self.scope.as_ref().map(|s| super::ScopeSpec {
                    level: owned(s.level),
                    destructive: s.destructive,
                    production: s.production,
                    test_mode: s.test_mode,
                    public: s.public,
                    permissions: strings(s.permissions),
                    decode: owned(s.decode),
                    notes: strings(s.notes),
                }),
                remedy: owned(self.remedy),
                examples: self.examples.iter().map(|&e| Cow::Borrowed(e)).collect(),
                negative_examples: self.negative_examples.iter().map(|&e| Cow::Borrowed(e)).collect(),
                // A field build.rs does not know keeps its file as text (see build.rs), so
                // static rules never set one.
                ..super::RuleSpec::default()
            }
        }
    }
}

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
        Regex::builder()
            .syntax(syntax)
            .configure(
                Regex::config()
                    .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                    .onepass_size_limit(Some(REGEX_SIZE_LIMIT))
                    .dfa_size_limit(Some(REGEX_SIZE_LIMIT))
                    .hybrid_cache_capacity(REGEX_SIZE_LIMIT),
            )
            .build(&self.pattern)
            .map_err(|e| match e.size_limit() {
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
        specs.extend(builtin::STATIC.iter().map(|r| (r.source.to_string(), r.spec())));
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

/// Parses one rule file; the error names the file and the TOML position.
pub fn parse_file(source: &str, text: &str) -> Result<Vec<RuleSpec>, RuleError> {
    toml::from_str::<RuleFile>(text).map(|f| f.rule).map_err(|e| RuleError {
        source: source.to_string(),
        id: None,
        cause: toml_error(text, &e),
    })
}

/// A TOML error in one line: where (line, column, and the table and key when they are plain
/// names) and what, never the value — a config or rule file may hold a pasted secret, and
/// errors reach terminals, CI logs and the model behind the guard.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = value_free(&one_line(e.message()));
    match e.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
            let at = key_at(text, line).map(|k| format!(" ({k})")).unwrap_or_default();
            format!("TOML parse error at line {line}, column {column}{at}: {message}")
        }
        None => format!("TOML parse error: {message}"),
    }
}

/// A key as an error may show it: short lowercase names as written; anything else (which
/// could be a pasted secret) is not shown.
pub fn shown_key(key: &str) -> String {
    if is_plain_name(key) { key.to_string() } else { "<a key that is not a plain name>".to_string() }
}

fn is_plain_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 24
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `[table] key` for line `line` of `text`, when both are plain names.
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let own = lines.get(line.checked_sub(1)?)?;
    let key = own.split_once('=').map(|(k, _)| k.trim().trim_matches('"')).filter(|k| is_plain_name(k));
    let table = lines[..line - 1].iter().rev().find_map(|l| {
        let t = l.trim();
        t.strip_prefix('[').map(|rest| rest.trim_start_matches('[').trim_end_matches(']').trim_end_matches(']'))
    });
    let table = table.filter(|t| t.split('.').all(is_plain_name));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("[{t}] {k}")),
        (None, Some(k)) => Some(k.to_string()),
        _ => None,
    }
}

/// A serde/TOML message with every quoted value before `expected` removed: `invalid
/// type: string "…", expected a boolean` → `invalid type: a string, expected a boolean`;
/// unknown keys are named only when they are plain names. What follows `expected` is
/// keyreach's own vocabulary and stays.
fn value_free(message: &str) -> String {
    let (head, tail) = match message.find("expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let mut out = String::new();
    let mut rest = head;
    while let Some(start) = rest.find(['`', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('`');
        let Some(len) = rest[start + 1..].find(quote) else { break };
        let inner = &rest[start + 1..start + 1 + len];
        out.push_str(&rest[..start]);
        let named = out.ends_with("field ") || out.ends_with("key ");
        if named && is_plain_name(inner) {
            out.push_str(&format!("`{inner}`"));
        } else {
            out.push_str("(value not shown)");
        }
        rest = &rest[start + 2 + len..];
    }
    out.push_str(rest);
    out.push_str(tail);
    out.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Reads every `*.toml` file in `dir` (sorted) as rule files.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, RuleSpec)>, RuleErrors> {
    let io_err = |cause: std::io::Error| {
        RuleErrors(vec![RuleError { source: dir.display().to_string(), id: None, cause: cause.to_string() }])
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let source = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_file(&source, &text) {
                Ok(file) => specs.extend(file.into_iter().map(|s| (source.clone(), s))),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(RuleError { source, id: None, cause: e.to_string() }),
        }
    }
    if errors.is_empty() { Ok(specs) } else { Err(RuleErrors(errors)) }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks a regex's syntax without building automata (cheap; done for every user rule at
/// load). A pattern for secret text must not match the empty string (it would report empty
/// "secrets" at every keyword).
fn check_syntax(field: &str, pattern: &str, secret_text: bool) -> Result<(), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| format!("{field} does not parse: {}", one_line(&e.to_string())))?;
    if secret_text && hir.properties().minimum_len() == Some(0) {
        return Err(format!("{field} matches empty text"));
    }
    Ok(())
}

const LEVELS: &[&str] = &["none", "read", "write", "admin"];
/// Offline decoders a rule's `scope.decode` may name (implemented in `scope::decode`).
pub const DECODERS: &[&str] = &["jwt", "aws-key-id", "pypi-macaroon", "fly-macaroon", "azure-sas"];

impl Rule {
    fn from_spec(spec: RuleSpec, source: &str, check_patterns: bool) -> Result<Rule, String> {
        if spec.id.is_empty() || !spec.id.contains('.') {
            return Err("id must look like provider.kind".into());
        }
        if spec.keywords.is_empty() {
            return Err("needs at least one keyword".into());
        }
        if let Some(k) = spec.keywords.iter().find(|k| k.len() < MIN_KEYWORD_LEN) {
            return Err(format!("keyword {k:?} is shorter than {MIN_KEYWORD_LEN} bytes"));
        }
        let validator = match &spec.validate {
            Some(name) => Some(
                Validator::from_name(name)
                    .ok_or_else(|| format!("unknown validate {name:?} (known: {})", Validator::NAMES.join(", ")))?,
            ),
            None => None,
        };
        if let Some(level) = spec.scope.as_ref().and_then(|s| s.level.as_deref()) {
            if !LEVELS.contains(&level) {
                return Err(format!("scope.level {level:?} is not one of {}", LEVELS.join(", ")));
            }
        }
        if let Some(decode) = spec.scope.as_ref().and_then(|s| s.decode.as_deref()) {
            if !DECODERS.contains(&decode) {
                return Err(format!("scope.decode {decode:?} is not one of {}", DECODERS.join(", ")));
            }
        }
        for glob in spec.paths.iter().chain(&spec.exclude_paths) {
            Glob::new(glob).map_err(|e| format!("path glob {glob:?}: {e}"))?;
        }
        let [before, after] = spec.window.unwrap_or([256, 512]);
        if before > MAX_WINDOW || after > MAX_WINDOW {
            return Err(format!("window may not exceed {MAX_WINDOW} bytes on a side"));
        }
        let (encoded, plain) = match spec.encoded.as_deref() {
            None => (false, false),
            Some("base64") => (true, false),
            Some("plain") => (true, true),
            Some(other) => return Err(format!("encoded {other:?} is not one of base64, plain")),
        };
        let assignment = spec.assign.is_some();
        let pattern = if assignment { format!("^(?:{})$", spec.pattern) } else { spec.pattern.clone() };
        // Name matchers (case-insensitive) may match anything; secret patterns may not match
        // empty text.
        let checked = |field: &str, p: String, ci: bool| -> Result<LazyRegex, String> {
            if check_patterns {
                check_syntax(field, &p, !ci)?;
            }
            Ok(LazyRegex::new(p, ci))
        };
        let pair = match spec.pair {
            Some(p) => Some(Pair {
                pattern: checked("pair.pattern", p.pattern, false)?,
                name: p.name,
                primary_name: p.primary_name.unwrap_or_else(|| spec.title.clone()),
                within: p.within.unwrap_or(1024).min(MAX_WINDOW),
                secret_is_companion: p.secret_is_companion.unwrap_or(true),
                entropy: p.entropy,
                around: p.around,
            }),
            None => None,
        };
        let parts = spec
            .parts
            .into_iter()
            .map(|p| {
                Ok(Part {
                    pattern: checked("part.pattern", p.pattern, false)?,
                    name: p.name,
                    within: p.within.unwrap_or(1024).min(MAX_WINDOW),
                    before: p.before,
                    secret: p.secret,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let _ = source;
        Ok(Rule {
            parts,
            pattern: checked("pattern", pattern, false)?,
            assign: spec.assign.map(|a| checked("assign", a, true)).transpose()?,
            assign_exclude: spec.assign_exclude.map(|a| checked("assign_exclude", a, true)).transpose()?,
            id: spec.id,
            title: spec.title,
            provider: spec.provider,
            aliases: spec.aliases,
            source: source.to_string(),
            keywords: spec.keywords,
            validator,
            entropy: spec.entropy,
            classes: spec.classes,
            generic: spec.generic,
            priority: spec.priority,
            paths: spec.paths,
            exclude_paths: spec.exclude_paths,
            window_before: before,
            window_after: after,
            pair,
            encoded,
            plain,
            userinfo: spec.userinfo,
            secret_values: spec.secret_values,
            scope: spec.scope.unwrap_or_default(),
            remedy: spec.remedy,
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            from_scanned_repo: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, pattern: &str) -> RuleSpec {
        RuleSpec {
            id: id.into(),
            title: "t".into(),
            provider: "p".into(),
            aliases: vec![],
            keywords: vec!["abc_".into()],
            pattern: pattern.into(),
            assign: None,
            assign_exclude: None,
            validate: None,
            entropy: None,
            classes: None,
            generic: false,
            priority: 0,
            paths: vec![],
            exclude_paths: vec![],
            window: None,
            pair: None,
            parts: vec![],
            encoded: None,
            userinfo: false,
            secret_values: false,
            scope: None,
            remedy: None,
            examples: vec![],
            negative_examples: vec![],
        }
    }

    #[test]
    fn builtin_rules_parse_and_validate() {
        let specs = RuleSet::builtin_specs().unwrap();
        let set = RuleSet::from_specs(specs).unwrap();
        assert!(!set.is_empty());
        set.compile_all(|_| true).unwrap();
    }

    #[test]
    fn embedded_rules_are_the_rule_files_as_parsed() {
        // build.rs embeds rules/*.toml as static data: each must equal what the TOML
        // loader reads from the file.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let embedded = RuleSet::builtin_specs().unwrap();
        let mut checked = 0;
        for (source, spec) in read_dir(&dir).unwrap() {
            let name = Path::new(&source).file_name().unwrap().to_str().unwrap().to_string();
            let found = embedded.iter().find(|(s, e)| *s == name && e.id == spec.id);
            let (_, found) = found.unwrap_or_else(|| panic!("{name}: {} is not embedded", spec.id));
            assert_eq!(format!("{found:?}"), format!("{spec:?}"), "{name}");
            checked += 1;
        }
        assert!(checked > 500, "{checked}");
        assert!(embedded.iter().any(|(s, _)| s.starts_with("catalog/")));
    }

    #[test]
    fn errors_name_file_and_rule() {
        let specs = vec![
            ("a.toml".to_string(), spec("p.one", "abc_[a-z]+")),
            ("b.toml".to_string(), spec("p.one", "abc_[a-z]+")),
            ("c.toml".to_string(), spec("p.two", "abc_[a-z")),
        ];
        let errors = RuleSet::from_specs(specs).unwrap_err().0;
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].to_string(), "b.toml: rule p.one: duplicate rule id");
        assert!(errors[1].to_string().starts_with("c.toml: rule p.two: pattern does not parse"), "{}", errors[1]);
    }

    #[test]
    fn keywords_are_required_and_not_tiny() {
        let mut s = spec("p.one", "abc_");
        s.keywords.clear();
        assert!(Rule::from_spec(s.clone(), "x", true).unwrap_err().contains("at least one keyword"));
        s.keywords = vec!["ab".into()];
        assert!(Rule::from_spec(s, "x", true).unwrap_err().contains("shorter"));
    }

    #[test]
    fn secret_patterns_that_match_empty_text_are_refused() {
        for pattern in ["", "a*", "(?:x|)", "^(?:[a-z]{0,8})$"] {
            let err = Rule::from_spec(spec("p.empty", pattern), "x", true).unwrap_err();
            assert_eq!(err, "pattern matches empty text", "{pattern:?}");
        }
        assert!(Rule::from_spec(spec("p.ok", "abc_[a-z]*"), "x", true).is_ok());
        let mut assigned = spec("p.assign", "[a-z]*");
        assigned.assign = Some(".*".into());
        assert_eq!(Rule::from_spec(assigned, "x", true).unwrap_err(), "pattern matches empty text");
        for (_, s) in RuleSet::builtin_specs().unwrap() {
            let id = s.id.clone();
            assert!(Rule::from_spec(s, "builtin", true).is_ok(), "{id}");
        }
    }

    #[test]
    fn toml_errors_are_one_line_with_file() {
        let err = parse_file("bad.toml", "[[rule]]\nid = ").unwrap_err();
        assert!(err.to_string().starts_with("bad.toml: "));
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn toml_errors_give_the_place_without_quoting_the_file() {
        // The offending line may hold a secret or terminal escapes.
        let text = "[[rule]]\nid = \"a.b\"\npattern = \x1b[2J sk_live_notquoted\n";
        let err = parse_file("bad.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("bad.toml: TOML parse error at line 3, column 12 ([rule] pattern): "), "{err}");
        assert!(!err.contains("notquoted") && !err.contains('\x1b'), "{err}");
    }
}
