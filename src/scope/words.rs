//! Scope in words: the one vocabulary the text, SARIF, HTML and blast-radius reports use
//! for what a credential can do. Each function returns plain text; printers escape it.

use super::{Activity, Level, Scope, ScopeSource};

/// `level admin`, `level unknown`.
pub fn level(level: Level) -> String {
    format!("level {level}")
}

/// Whether it can delete: `destructive`, `not destructive`, `destructive unknown`.
pub fn destructive(known: Option<bool>) -> &'static str {
    match known {
        Some(true) => "destructive",
        Some(false) => "not destructive",
        None => "destructive unknown",
    }
}

/// Whether it reaches production: `reaches production`, `not production`, `production
/// unknown`.
pub fn production(known: Option<bool>) -> &'static str {
    match known {
        Some(true) => "reaches production",
        Some(false) => "not production",
        None => "production unknown",
    }
}

/// Where the facts came from, as a short tag (`offline`, `probe`, `unknown`).
pub fn source_tag(source: ScopeSource) -> &'static str {
    source.as_str()
}

/// Where the facts came from, in a sentence's words; `None` when nothing is known.
pub fn source(source: ScopeSource) -> Option<&'static str> {
    match source {
        ScopeSource::Offline => Some("known offline from its format"),
        ScopeSource::Probe => Some("from the provider's introspection endpoint"),
        ScopeSource::Unknown => None,
    }
}

/// What is said when nothing is known of a credential's scope.
pub const UNKNOWN: &str = "its format alone does not tell what it can do";

/// The provider's answer, when it gave one: `active`, `inactive`.
pub fn activity(active: &Activity) -> Option<&'static str> {
    match active {
        Activity::Active => Some("active"),
        Activity::Inactive => Some("inactive"),
        Activity::Indeterminate(_) | Activity::Unknown => None,
    }
}

/// The few words a summary line gives: the level (or `scope unknown`), then `destructive`
/// and `production` when known to be so.
pub fn abilities(s: &Scope) -> String {
    let mut parts = vec![match s.level {
        Level::Unknown => "scope unknown".to_string(),
        l => level(l),
    }];
    if s.destructive == Some(true) {
        parts.push("destructive".into());
    }
    if s.production == Some(true) {
        parts.push("production".into());
    }
    parts.join(" · ")
}

/// `railway:environment/shop/production` → `railway environment shop/production`.
pub fn resource(resource: &str) -> String {
    match resource.split_once(':').and_then(|(p, rest)| rest.split_once('/').map(|(k, n)| (p, k, n))) {
        Some((provider, kind, name)) => format!("{provider} {kind} {name}"),
        None => resource.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknowns_are_said_as_unknown_never_as_no() {
        assert_eq!(destructive(None), "destructive unknown");
        assert_eq!(production(None), "production unknown");
        assert_eq!(production(Some(false)), "not production");
        let scope = Scope { destructive: Some(true), ..Scope::unknown() };
        assert_eq!(abilities(&scope), "scope unknown · destructive");
        assert_eq!(resource("railway:environment/shop/production"), "railway environment shop/production");
        assert_eq!(resource("plain"), "plain");
    }
}
