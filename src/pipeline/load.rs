//! Rule loading for a run: the built-in rules plus the user's (rule directories, a config
//! file's `[[rule]]`s), compiled and with their examples run, so a bad rule fails at load
//! with its file and id.

use std::sync::Arc;

use crate::config::RuleSources;
use crate::engine::{self, Engine, check};
use crate::rules::{self, RuleErrors, RuleSet};

/// Loads the built-in rules plus the user's. User rules are compiled and their examples
/// run now, so a bad one fails at load with its file and id.
pub fn load_rules(sources: &RuleSources) -> Result<Arc<RuleSet>, RuleErrors> {
    let mut specs = RuleSet::builtin_specs()?;
    let builtin = specs.len();
    for dir in &sources.dirs {
        specs.extend(rules::read_dir(dir)?);
    }
    specs.extend(sources.inline.iter().cloned());
    specs.extend(sources.repository.iter().cloned());
    let user_ids: Vec<String> = specs[builtin..].iter().map(|(_, s)| s.id.clone()).collect();
    let mut set = RuleSet::from_specs_trusting(specs, builtin)?;
    for (_, spec) in &sources.repository {
        if let Some(id) = set.find(&spec.id) {
            set.distrust(id);
        }
    }
    let set = Arc::new(set);
    let is_user = |r: &rules::Rule| user_ids.contains(&r.id);
    set.compile_all(is_user)?;
    if !user_ids.is_empty() {
        let engine = Engine::new(set.clone(), engine::EngineOptions::default()).map_err(engine_error)?;
        let errors = check::check_examples(&engine, check::CheckOptions { require_examples: false }, is_user);
        if !errors.is_empty() {
            return Err(RuleErrors(errors));
        }
    }
    Ok(set)
}

fn engine_error(e: engine::EngineError) -> RuleErrors {
    RuleErrors(vec![rules::RuleError { source: "rules".into(), id: None, cause: e.to_string() }])
}

/// Everything wrong with the rule set: parse, validation, compilation and example
/// failures, with the number of rules checked. `keyreach rules check` prints these.
pub fn check_rules(sources: &RuleSources) -> (usize, Vec<rules::RuleError>) {
    let mut specs = match RuleSet::builtin_specs() {
        Ok(s) => s,
        Err(e) => return (0, e.0),
    };
    let mut errors = Vec::new();
    for dir in &sources.dirs {
        match rules::read_dir(dir) {
            Ok(more) => specs.extend(more),
            Err(e) => errors.extend(e.0),
        }
    }
    specs.extend(sources.inline.iter().cloned());
    specs.extend(sources.repository.iter().cloned());
    let set = match RuleSet::from_specs(specs) {
        Ok(set) => Arc::new(set),
        Err(e) => return (0, errors.into_iter().chain(e.0).collect()),
    };
    if let Err(e) = set.compile_all(|_| true) {
        errors.extend(e.0);
        return (set.len(), errors);
    }
    match Engine::new(set.clone(), engine::EngineOptions::default()) {
        Ok(engine) => {
            errors.extend(check::check_examples(&engine, check::CheckOptions { require_examples: true }, |_| true))
        }
        Err(e) => errors.extend(engine_error(e).0),
    }
    (set.len(), errors)
}
