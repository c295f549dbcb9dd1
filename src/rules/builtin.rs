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
