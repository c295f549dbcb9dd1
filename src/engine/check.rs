//! `keyreach rules check`: runs every rule's examples through the real engine. Each
//! positive example must yield a match of its rule; no negative example may.
//!
//! Examples are templates ([`crate::rules::template`]) expanded with a seed derived from
//! the rule id, so the rule files hold no live-looking secret and results are reproducible.

use super::{Engine, Position};
use crate::rules::template;
use crate::rules::{Rule, RuleError};

/// What `rules check` demands beyond the examples that are present.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Every rule must have at least one positive and one negative example.
    pub require_examples: bool,
}

/// Runs the examples of every rule selected by `only`; returns every failure.
pub fn check_examples(engine: &Engine, options: CheckOptions, only: impl Fn(&Rule) -> bool) -> Vec<RuleError> {
    let mut scratch = engine.scratch();
    let mut errors = Vec::new();
    for (id, rule) in engine.rules().iter().filter(|(_, r)| only(r)) {
        let mut fail =
            |cause: String| errors.push(RuleError { source: rule.source.clone(), id: Some(rule.id.clone()), cause });
        if options.require_examples && rule.examples.is_empty() {
            fail("has no examples".into());
        }
        if options.require_examples && rule.negative_examples.is_empty() {
            fail("has no negative examples".into());
        }
        engine.enable_path_rules(&mut scratch, &[id]);
        let cases = rule.examples.iter().map(|e| (e, true)).chain(rule.negative_examples.iter().map(|e| (e, false)));
        for (n, (example, positive)) in cases.enumerate() {
            let seed = format!("{}#{n}", rule.id);
            let text = match template::expand(example, &seed) {
                Ok(text) => text,
                Err(e) => {
                    fail(format!("example {example:?}: {e}"));
                    continue;
                }
            };
            let matched = engine
                .scan(text.as_bytes(), Position::START, &mut scratch)
                .iter()
                .any(|m| m.rule == id || m.decoded.as_ref().is_some_and(|d| d.via == id));
            match (positive, matched) {
                (true, false) => fail(format!("example does not match: {example:?} (expanded: {text:?})")),
                (false, true) => fail(format!("negative example matches: {example:?}")),
                _ => {}
            }
        }
    }
    errors
}
