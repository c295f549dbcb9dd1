//! The built-in rules, embedded by `build.rs` as static data (hand-written files and the
//! catalog's expansion alike; see [`super::catalog`]), so start-up parses no TOML. A file
//! `build.rs` could not represent stays TOML text in `BUILTIN`.
//!
//! The tables hold no pointers: a string is an offset and a length in one text ([`S`]), a
//! list of strings a range of a table of those ([`L`]). So they need no relocation when the
//! binary is loaded, and stay pages of the file rather than memory of each process.

use std::borrow::Cow;

/// A string of the rules: offset and length in `TEXT`.
#[derive(Clone, Copy)]
pub struct S(u32, u32);

/// A list of strings: start and count in `LISTS`.
#[derive(Clone, Copy)]
pub struct L(u32, u32);

impl S {
    fn get(self) -> &'static str {
        let at = self.0 as usize;
        TEXT.get(at..at + self.1 as usize).unwrap_or_default()
    }
}

impl L {
    fn iter(self) -> impl Iterator<Item = &'static str> {
        let at = self.0 as usize;
        LISTS.get(at..at + self.1 as usize).unwrap_or_default().iter().map(|s| s.get())
    }
}

pub struct StaticSpec {
    pub source: S,
    pub id: S,
    pub title: S,
    pub provider: S,
    pub aliases: L,
    pub keywords: L,
    pub pattern: S,
    pub assign: Option<S>,
    pub assign_exclude: Option<S>,
    pub validate: Option<S>,
    pub entropy: Option<f64>,
    pub classes: Option<usize>,
    pub generic: bool,
    pub priority: i32,
    pub paths: L,
    pub exclude_paths: L,
    pub window: Option<[usize; 2]>,
    pub encoded: Option<S>,
    pub userinfo: bool,
    pub secret_values: bool,
    pub pair: Option<StaticPair>,
    pub scope: Option<StaticScope>,
    pub remedy: Option<S>,
    pub examples: L,
    pub negative_examples: L,
}

pub struct StaticPair {
    pub pattern: S,
    pub name: S,
    pub primary_name: Option<S>,
    pub within: Option<usize>,
    pub secret_is_companion: Option<bool>,
    pub entropy: Option<f64>,
    pub around: bool,
}

pub struct StaticScope {
    pub level: Option<S>,
    pub destructive: Option<bool>,
    pub production: Option<bool>,
    pub test_mode: bool,
    pub public: bool,
    pub permissions: L,
    pub decode: Option<S>,
    pub notes: L,
}

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

fn strings(v: L) -> Vec<String> {
    v.iter().map(str::to_string).collect()
}

fn owned(v: Option<S>) -> Option<String> {
    v.map(|s| s.get().to_string())
}

impl StaticSpec {
    pub fn source(&self) -> &'static str {
        self.source.get()
    }

    // `..RuleSpec::default()` covers fields added to RuleSpec later.
    #[allow(clippy::needless_update)]
    pub fn spec(&self) -> super::RuleSpec {
        super::RuleSpec {
            id: self.id.get().into(),
            title: self.title.get().into(),
            provider: self.provider.get().into(),
            aliases: strings(self.aliases),
            keywords: strings(self.keywords),
            pattern: self.pattern.get().into(),
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
                pattern: p.pattern.get().into(),
                name: p.name.get().into(),
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
            examples: self.examples.iter().map(Cow::Borrowed).collect(),
            negative_examples: self.negative_examples.iter().map(Cow::Borrowed).collect(),
            // A field build.rs does not know keeps its file as text (see build.rs), so
            // static rules never set one.
            ..super::RuleSpec::default()
        }
    }
}
