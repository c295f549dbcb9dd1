//! The long tail of providers as data: `rules/catalog/*.toml` lists providers (display
//! name, the words users put in variable names, each credential kind's alphabet, length,
//! prefix and companion, and where the format comes from), and [`expand`] turns each kind
//! into an ordinary rule file, with generated examples and negative examples.
//!
//! `build.rs` includes this file and runs [`expand`] at build time, so the expansion costs
//! nothing at start-up: the binary embeds the generated rule text like any `rules/*.toml`.
//! This file depends on nothing but `serde` and `toml`, so the build script can use it.
//!
//! A kind with a documented `prefix` becomes a pattern rule (keyword = the prefix, found
//! anywhere); any other kind becomes an assignment rule (keyword = a provider word, which
//! must occur in the assigned name, the name must end in a credential word, and the whole
//! value must be of the kind's alphabet and length).

use std::fmt::Write as _;

use serde::Deserialize;

/// One `rules/catalog/<family>.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Quality-corpus family the providers belong to (`ai`, `data`, `saas`, ...).
    pub family: String,
    #[serde(default)]
    pub provider: Vec<Provider>,
}

/// One provider.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Provider id: lowercase letters and digits, optionally hyphenated.
    pub id: String,
    /// Display name (`Alpha Vantage`).
    pub name: String,
    /// Words users put in variable names for this provider, `_` between parts
    /// (`alpha_vantage` also matches `alphavantage` and `alphaVantage`).
    /// Default: the id. Each at least 4 bytes and rare in ordinary code.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where the format comes from (the provider's documentation or SDK).
    pub docs: String,
    /// `docs` when the documentation states the format; otherwise `observed: ...`, saying
    /// what the alphabet and length are based on.
    pub basis: String,
    pub kinds: Vec<Kind>,
}

/// One kind of credential a provider issues.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// Rule id suffix (default `api-key`).
    #[serde(default)]
    pub kind: Option<String>,
    /// What it is called, after the provider name (default `API key`).
    #[serde(default)]
    pub what: Option<String>,
    /// `hex`, `HEX`, `hex-any`, `alnum`, `lower-alnum`, `upper-alnum`, `lower`, `upper`,
    /// `b64`, `b64url`, `digits`, `base32`, `uuid`; `hex-dash`, `alnum-dash`,
    /// `lower-alnum-dash`, `upper-alnum-dash` (also `-`), `alnum-dot`, `b64url-dot` (also `.`).
    pub alphabet: String,
    /// Length of the part after the prefix: `32`, or `[min, max]`. Ignored for `uuid`.
    #[serde(default)]
    pub length: Option<Length>,
    /// A documented fixed prefix; becomes the keyword when `anywhere` (the default).
    #[serde(default)]
    pub prefix: Option<String>,
    /// A documented literal that may end the token (DeepL's `:fx` for free-plan keys).
    #[serde(default)]
    pub optional_suffix: Option<String>,
    /// With a prefix: find the token anywhere (true, default) or only when assigned to a
    /// provider name (false: for a short or common prefix).
    #[serde(default)]
    pub anywhere: Option<bool>,
    /// Last words of the assigned name (regex, case-insensitive). Default: key, token,
    /// secret, credential(s), auth, pat.
    #[serde(default)]
    pub words: Option<String>,
    /// An id that comes with the secret, reported as its companion.
    #[serde(default)]
    pub companion: Option<Companion>,
    /// A plain-words scope fact from the documentation.
    #[serde(default)]
    pub note: Option<String>,
    /// `read`, `write` or `admin` when the documentation fixes it.
    #[serde(default)]
    pub level: Option<String>,
    /// Published on purpose (the provider documents it as safe in client code): matched so
    /// that the catch-all rules yield to it, and never reported.
    #[serde(default)]
    pub public: bool,
    /// Names of this provider's that hold a public value although they end in a credential
    /// word (regex, case-insensitive, searched in the name): Meilisearch's `…_SEARCH_KEY`.
    #[serde(default)]
    pub exclude: Option<String>,
}

/// The id that comes with a secret (application id, account id, user name).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Companion {
    /// What it is called (`application id`).
    pub name: String,
    /// Last words of the name it is assigned to (regex, case-insensitive): `app[_.-]?id`.
    pub words: String,
    pub alphabet: String,
    #[serde(default)]
    pub length: Option<Length>,
}

/// An exact length or an inclusive range.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum Length {
    Exact(usize),
    Range([usize; 2]),
}

impl Length {
    fn bounds(self) -> (usize, usize) {
        match self {
            Length::Exact(n) => (n, n),
            Length::Range([a, b]) => (a, b),
        }
    }
}

mod alphabet;
#[cfg(test)]
mod tests;

use alphabet::{min_entropy, token_body};

const DEFAULT_WORDS: &str = "key|token|secret|credentials?|auth|pat";
/// Names that hold something other than the credential even though they end in a
/// credential word.
const EXCLUDE: &str = "public[_.-]?(api[_.-]?)?key|publishable|(^|[^a-z])pub[_.-]?key|site[_.-]?key|page[_.-]?token|next[_.-]?token|csrf|xsrf|idempotency|tokeniz|max[_.-]?tokens|(^|[^a-z])(ids?|url|uri|host|region|name|file|path)[_.-]";

/// Words before a final `key` or `token` that providers use for values meant for client
/// code: a Datadog `client_token`, a LaunchDarkly `mobile_key`, a Segment `write_key`, a
/// Plaid `public_token`, a Typesense `search_only` key. Left out of a kind whose own `words`
/// name one of them (ThingSpeak's write API key is its secret).
const CLIENT_SIDE: &[&str] = &["browser", "mobile", "client", "frontend", "write", "public", "search_only"];

/// The names a kind's assignment rule refuses: [`EXCLUDE`], the client-side qualifiers its
/// `words` do not claim (as words: `acmeMobileKey`, `ACME_MOBILE_KEY`), and the kind's own
/// `exclude`.
fn kind_exclude(words: &str, own: Option<&str>) -> String {
    let mut out = EXCLUDE.to_string();
    let unclaimed: Vec<String> = CLIENT_SIDE
        .iter()
        .filter(|q| !words.contains(q.split('_').next().unwrap_or(q)))
        .map(|q| alias_regex(q))
        .collect();
    if !unclaimed.is_empty() {
        write!(out, "|(?:{})[_.-]?(api[_.-]?)?(key|token)s?$", unclaimed.join("|")).unwrap();
    }
    if let Some(own) = own {
        write!(out, "|{}", non_capturing(own)).unwrap();
    }
    out
}

fn check_word(word: &str, what: &str) -> Result<(), String> {
    if word.len() < 4 {
        return Err(format!("{what} {word:?} is shorter than 4 bytes"));
    }
    if !word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') || word.starts_with('_') {
        return Err(format!("{what} {word:?} must be lowercase letters, digits and inner `_`"));
    }
    Ok(())
}

/// `alpha_vantage` as a name regex that starts at a word: after the start, a separator or a
/// lower-to-upper case change (`myAlphaVantageKey`), never inside a longer word
/// (`clever_api` is not `lever_api`). Names are matched case-insensitively.
fn alias_regex(alias: &str) -> String {
    let joined = alias.split('_').collect::<Vec<_>>().join("[_.-]?");
    let mut chars = alias.chars();
    match chars.next() {
        Some(first) if first.is_ascii_lowercase() => {
            let rest = chars.as_str().split('_').collect::<Vec<_>>().join("[_.-]?");
            format!("(?:^|[^a-z0-9]){joined}|(?-i:[a-z0-9]{}){rest}", first.to_ascii_uppercase())
        }
        _ => format!("(?:^|[^a-z0-9]){joined}"),
    }
}

/// Keyword literals for an alias: `alphavantage`, `alpha_vantage`.
fn alias_keywords(alias: &str, out: &mut Vec<String>) {
    // Not `-`: hyphenated names are rare, and every keyword costs start-up time.
    for sep in ["", "_"] {
        let k = alias.split('_').collect::<Vec<_>>().join(sep);
        if !out.contains(&k) {
            out.push(k);
        }
    }
}

/// `alpha_vantage` -> (`ALPHA_VANTAGE`, `alphaVantage`).
fn name_forms(alias: &str) -> (String, String) {
    let upper = alias.to_ascii_uppercase();
    let mut camel = String::new();
    for (i, part) in alias.split('_').enumerate() {
        let mut chars = part.chars();
        if i > 0 {
            camel.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        }
        camel.extend(chars);
    }
    (upper, camel)
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| toml_str(s)).collect::<Vec<_>>().join(", "))
}

/// Every provider id in a catalog (for checks against the hand-written rules).
pub fn parse(source: &str, text: &str) -> Result<Catalog, String> {
    toml::from_str::<Catalog>(text).map_err(|e| format!("{source}: {}", e.to_string().replace('\n', " ")))
}

/// Expands one catalog into rule-file TOML text. `taken` holds the provider ids that
/// already have hand-written rule files: the catalog may not repeat them.
pub fn expand(source: &str, catalog: &Catalog, taken: &[String]) -> Result<String, String> {
    let mut out = format!(
        "# Generated from rules/catalog/{source} by build.rs (src/rules/catalog/). Do not edit:\n# edit the catalog.\n"
    );
    if source != format!("{}.toml", catalog.family) {
        return Err(format!("rules/catalog/{source}: family {:?} must be the file's name", catalog.family));
    }
    let mut ids: Vec<&str> = Vec::new();
    for p in &catalog.provider {
        let err = |cause: String| format!("rules/catalog/{source}: provider {}: {cause}", p.id);
        if !p.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') || p.id.is_empty() {
            return Err(err("id must be lowercase letters, digits and `-`".into()));
        }
        if ids.contains(&p.id.as_str()) {
            return Err(err("listed twice".into()));
        }
        ids.push(&p.id);
        if taken.contains(&p.id) {
            return Err(err("has a hand-written rule file already (extend that file instead)".into()));
        }
        if !(p.basis == "docs" || p.basis.starts_with("observed: ")) {
            return Err(err("basis must be `docs` or `observed: <what it is based on>`".into()));
        }
        if !p.docs.starts_with("https://") {
            return Err(err("docs must be an https URL".into()));
        }
        if p.kinds.is_empty() {
            return Err(err("needs at least one kind".into()));
        }
        let default_alias = [p.id.replace('-', "_")];
        let aliases: &[String] = if p.aliases.is_empty() { &default_alias } else { &p.aliases };
        for a in aliases {
            check_word(a, "alias").map_err(err)?;
        }
        let mut kinds_seen: Vec<String> = Vec::new();
        for k in &p.kinds {
            let kind = k.kind.clone().unwrap_or_else(|| "api-key".into());
            if kinds_seen.contains(&kind) {
                return Err(err(format!("kind {kind} listed twice")));
            }
            kinds_seen.push(kind.clone());
            let rule = expand_kind(p, aliases, k, &kind).map_err(|cause| err(format!("kind {kind}: {cause}")))?;
            out.push_str(&rule);
        }
    }
    Ok(out)
}

fn expand_kind(p: &Provider, aliases: &[String], k: &Kind, kind: &str) -> Result<String, String> {
    let (a, body) = token_body(&k.alphabet, k.length)?;
    let what = k.what.clone().unwrap_or_else(|| "API key".into());
    let title = format!("{} {what}", p.name);
    let prefix = k.prefix.clone().unwrap_or_default();
    let anywhere = !prefix.is_empty() && k.anywhere.unwrap_or(true);
    if anywhere && prefix.len() < 3 {
        return Err(format!("prefix {prefix:?} is too short to find anywhere: set anywhere = false"));
    }
    if prefix.bytes().any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))) {
        return Err(format!("prefix {prefix:?} may hold only letters, digits, `_`, `-` and `.`"));
    }
    if let Some(level) = &k.level {
        if !["read", "write", "admin"].contains(&level.as_str()) {
            return Err(format!("level {level:?} is not read, write or admin"));
        }
    }
    let entropy = min_entropy(a.size, body.min);
    let words = k.words.clone().unwrap_or_else(|| DEFAULT_WORDS.into());
    let alias_alt = aliases.iter().map(|a| alias_regex(a)).collect::<Vec<_>>().join("|");
    // Or the provider's SDK given the key as its one argument: `zorbix.Client("…")`,
    // `zorbix.NewClient("…")`, `zorbix.init('…')`, `new Zorbix('…')` (the assignment
    // reader's call form), or a name that is the provider's alone (`zorbix: …`).
    let assign = format!(
        "({alias_alt}).*({words})s?$|({alias_alt})[a-z0-9]*[_.-]?(new)?(client|sdk|init|initialize)$|(^|[_.-])({alias_alt})$"
    );
    let escaped_prefix = prefix.replace('.', "\\.");
    let suffix = k.optional_suffix.clone().unwrap_or_default();
    if suffix.bytes().any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'))) {
        return Err(format!("optional_suffix {suffix:?} may hold only letters, digits, `:`, `_` and `-`"));
    }
    let value = if suffix.is_empty() {
        format!("{escaped_prefix}{}", body.regex)
    } else {
        format!("{escaped_prefix}{}(?:{suffix})?", body.regex)
    };
    let (upper, camel) = name_forms(&aliases[0]);
    let lower = aliases[0].clone();
    let word = example_word(&words);
    let (word_upper, word_camel) = name_forms(&word);
    let mid = (body.min + body.max) / 2;
    let secret = |n: usize| format!("{{{{secret:x:{prefix}{}}}}}", (body.template)(n));
    let plain = |n: usize| format!("{prefix}{}", (body.template)(n));

    let mut keywords = Vec::new();
    let nl = "{{nl}}";
    let mut examples = vec![
        format!("{upper}_{word_upper}={}", secret(body.min)),
        format!("{lower}:{nl}  {word}: \"{}\"", secret(body.max)),
        format!("{{ {nl}  \"{camel}\": {{ {nl}    \"{word_camel}\": \"{}\"{nl}  }}{nl}}}", secret(mid)),
        format!("const {camel}{} = '{}';", capitalise(&word_camel), secret(body.max)),
        format!("client = {lower}.Client(\"{}\")", secret(mid)),
        format!("const api = new {}('{}');", capitalise(&camel), secret(body.min)),
    ];
    if !suffix.is_empty() {
        examples.push(format!("{upper}_{word_upper}={{{{secret:x:{prefix}{}{suffix}}}}}", (body.template)(mid)));
    }
    let mut negatives = vec![
        format!("{upper}_{word_upper}=${{{upper}_{word_upper}}}"),
        format!("{upper}_{word_upper}={prefix}{}", a.filler.to_string().repeat(body.min)),
    ];
    if k.alphabet != "uuid" {
        negatives.push(format!("{upper}_{word_upper}={}", plain(body.min - 1)));
    }
    let mut fields = String::new();
    if anywhere {
        keywords.push(prefix.to_ascii_lowercase());
        let word_start = prefix.as_bytes()[0].is_ascii_alphanumeric() || prefix.starts_with('_');
        let starts = if word_start { "\\b" } else { "" };
        let pattern = format!("{starts}({value})(?:{}|$)", a.not_after);
        writeln!(fields, "pattern = '''{pattern}'''").unwrap();
        examples.push(format!("curl -H \"Authorization: Bearer {}\" https://api.invalid/v1", secret(mid)));
        if k.alphabet != "uuid" {
            negatives.push(format!("{upper}_{word_upper}={}", plain(body.max + 1)));
        }
        if word_start {
            negatives.push(format!("x{}", plain(mid)));
        }
    } else {
        for alias in aliases {
            alias_keywords(alias, &mut keywords);
        }
        writeln!(fields, "pattern = '''{value}'''").unwrap();
        writeln!(fields, "assign = '''{assign}'''").unwrap();
        writeln!(fields, "assign_exclude = '''{}'''", kind_exclude(&words, k.exclude.as_deref())).unwrap();
        if k.alphabet != "uuid" {
            negatives.push(format!("{upper}_{word_upper}={}", plain(body.max + 1)));
        }
        for field in ["URL", "ID", "REGION"] {
            negatives.push(format!("{upper}_{field}={}", plain(mid)));
        }
        negatives.push(format!("OTHER_SERVICE_{word_upper}={}", plain(mid)));
    }
    if let Some(c) = &k.companion {
        let (_, cbody) = token_body(&c.alphabet, c.length)?;
        let pair = format!(
            "(?i:{})[\"']?\\s*[:=]\\s*[\"']?({})(?:[^0-9A-Za-z_-]|$)",
            non_capturing(&c.words.replace('\'', "")),
            cbody.regex
        );
        let cword = example_word(&c.words);
        let (cupper, _) = name_forms(&cword);
        examples.push(format!(
            "{upper}_{cupper}={}{nl}{upper}_{word_upper}={}",
            (cbody.template)(cbody.min),
            secret(mid)
        ));
        writeln!(
            fields,
            "pair = {{ pattern = '''{pair}''', name = {}, secret_is_companion = false }}",
            toml_str(&c.name)
        )
        .unwrap();
    }
    // Two character classes (letters and digits) for a prefix-less value long enough that
    // a random one almost surely has both.
    // A short prefix found anywhere (`dub_`, `lip_`) also starts identifiers
    // (`dub_createdAtTimestamp`): a mixed-case body must then hold lower, upper and digits.
    let mixed_case =
        matches!(k.alphabet.as_str(), "alnum" | "alnum-dash" | "alnum-dot" | "b64" | "b64url" | "b64url-dot");
    let classes = match k.alphabet.as_str() {
        "lower" | "upper" | "digits" => None,
        _ if prefix.is_empty() && body.min >= 16 => Some(2),
        _ if anywhere && prefix.len() <= 4 && mixed_case && body.min >= 16 => Some(3),
        _ => None,
    };
    let remedy = format!(
        "Revoke the {} in your {} account and create a new one kept in a secret store.",
        what.to_lowercase().replace("api ", "API "),
        p.name
    );
    let mut rule = String::new();
    writeln!(rule, "\n# {}: {} ({})", p.name, p.docs, p.basis).unwrap();
    writeln!(rule, "[[rule]]").unwrap();
    writeln!(rule, "id = {}", toml_str(&format!("{}.{kind}", p.id))).unwrap();
    writeln!(rule, "title = {}", toml_str(&title)).unwrap();
    writeln!(rule, "provider = {}", toml_str(&p.id)).unwrap();
    writeln!(rule, "aliases = {}", toml_list(aliases)).unwrap();
    writeln!(rule, "keywords = {}", toml_list(&keywords)).unwrap();
    rule.push_str(&fields);
    writeln!(rule, "entropy = {entropy:.1}").unwrap();
    if let Some(c) = classes {
        writeln!(rule, "classes = {c}").unwrap();
    }
    writeln!(rule, "remedy = {}", toml_str(&remedy)).unwrap();
    writeln!(rule, "examples = {}", toml_list(&examples)).unwrap();
    writeln!(rule, "negative_examples = {}", toml_list(&negatives)).unwrap();
    let public = k.public;
    if public && k.level.is_some() {
        return Err("a public kind has no level".into());
    }
    if k.note.is_some() || k.level.is_some() || public {
        writeln!(rule, "[rule.scope]").unwrap();
        if public {
            writeln!(rule, "public = true\nlevel = \"none\"").unwrap();
        }
        if let Some(level) = &k.level {
            writeln!(rule, "level = {}", toml_str(level)).unwrap();
        }
        if let Some(note) = &k.note {
            writeln!(rule, "notes = {}", toml_list(std::slice::from_ref(note))).unwrap();
        }
    }
    Ok(rule)
}

/// A plain name word that the `words` regex accepts, for examples: the first alternative
/// with regex syntax resolved (`api[_.-]?key` -> `api_key`, `credentials?` -> `credentials`).
fn example_word(words: &str) -> String {
    let first = words.split('|').next().unwrap_or("key");
    let mut out = first.replace("[_.-]?", "_").replace("[_-]?", "_").replace(['(', ')', '^', '$'], "");
    if let Some(stripped) = out.strip_suffix('?') {
        out = stripped.to_string();
    }
    out.replace('?', "")
}

/// `(api[_.-]?)?key` as `(?:api[_.-]?)?key`: the companion's value must be group 1.
fn non_capturing(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut chars = re.chars().peekable();
    let mut escaped = false;
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '(' && !escaped && chars.peek() != Some(&'?') {
            out.push_str("?:");
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}
