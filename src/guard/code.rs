//! Interpreter code (`python3 -c`, `node -e`, a here-document, a script run by name): it
//! cannot be run to see what it does, so it is judged by what it names — files that exist
//! (read; keyreach's own files: written) and environment variables, one by one or all.

use super::lexer::Word;
use super::programs;
use super::shell::{Context, Exposure, paths, paths_or_new};

/// Interpreter code: the files it names (string literals and path-like tokens that exist)
/// and the environment variables it reads (by name, or all of them).
pub(super) fn exposure(text: &str, ctx: &Context<'_>, out: &mut Exposure) {
    let (all, names) = env_access(text);
    out.all_env |= all;
    out.vars.extend(names);
    for token in text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | '~' | '*'))) {
        if token.len() < 2 || token.len() > 4096 {
            continue;
        }
        let word = Word { text: token.to_string(), glob: token.contains('*'), dynamic: false };
        // Code that names keyreach's own files may write them.
        out.writes.extend(paths_or_new(&word, ctx).into_iter().filter(|p| programs::protected(p)));
        out.named.extend(paths(&word, ctx).into_iter().filter(|p| p.is_file()));
    }
}

/// How code reads the environment, by language: the API, and whether what follows names
/// one variable (`process.env.NAME`, `os.environ["NAME"]`, `getenv("NAME")`).
const ENV_APIS: &[&str] = &[
    "process.env",
    "os.environ",
    "os.getenv",
    "getenv",
    "ENV",
    "$ENV",
    "%ENV",
    "Deno.env",
    "Bun.env",
    "System.getenv",
    "Sys.getenv",
    "$_ENV",
    "$_SERVER",
    "ENVIRON",
    "os.Getenv",
    "os.Environ",
    "std::env::var",
];

/// The environment variables code reads: `(all, names)`, where `all` means it reads the
/// environment wholesale (`process.env` printed, `os.environ` iterated, `%ENV`) and `names`
/// are the variables it reads one by one.
pub fn env_access(code: &str) -> (bool, Vec<String>) {
    let mut all = false;
    let mut names = Vec::new();
    for api in ENV_APIS {
        let mut from = 0;
        while let Some(at) = code[from..].find(api).map(|i| i + from) {
            from = at + api.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let after = &code[from..];
            if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') && !api.ends_with('.') {
                continue;
            }
            match named_access(after) {
                Some(name) => names.push(name),
                None => all = true,
            }
        }
    }
    (all, names)
}

/// The variable named right after an environment API: `.NAME`, `["NAME"]`, `("NAME")`,
/// `.get("NAME")`, `{NAME}`, `::var("NAME")`.
fn named_access(after: &str) -> Option<String> {
    let rest = after.trim_start();
    let rest = rest
        .strip_prefix(".get(")
        .or_else(|| rest.strip_prefix(".fetch("))
        .or_else(|| rest.strip_prefix("::var("))
        .or_else(|| rest.strip_prefix('['))
        .or_else(|| rest.strip_prefix('('))
        .or_else(|| rest.strip_prefix('{'))
        .or_else(|| rest.strip_prefix('.'))
        .map(str::trim_start)?;
    let rest = rest.trim_start_matches(['"', '\'', '`']);
    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let plain = !name.is_empty() && !name.chars().next().is_some_and(|c| c.is_ascii_digit());
    // `process.env.keys()`-style calls read everything.
    let method =
        matches!(name.as_str(), "keys" | "values" | "items" | "entries" | "to_h" | "toObject" | "copy" | "each");
    (plain && !method).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_reads_are_named_when_code_names_them() {
        assert_eq!(env_access("const p = process.env.PORT || 3000"), (false, vec!["PORT".into()]));
        assert_eq!(env_access("console.log(process.env)"), (true, vec![]));
        assert_eq!(env_access("os.environ['A']; os.getenv(\"B\")"), (false, vec!["A".into(), "B".into(), "B".into()]));
        assert!(env_access("print(dict(os.environ))").0);
        assert!(env_access("puts ENV.to_h").0);
        assert_eq!(env_access("print $ENV{HOME}"), (false, vec!["HOME".into(), "HOME".into()]));
        assert_eq!(env_access("ENVIRONMENT = 'dev'"), (false, vec![]));
    }
}
