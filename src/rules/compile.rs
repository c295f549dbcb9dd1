//! Turning a [`RuleSpec`] into a validated [`Rule`]: every field checked, patterns
//! syntax-checked (compiled later, lazily), so a bad user rule fails at load with a cause.

use super::*;

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
    pub(super) fn from_spec(spec: RuleSpec, source: &str, check_patterns: bool) -> Result<Rule, String> {
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
