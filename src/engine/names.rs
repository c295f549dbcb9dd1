//! Provider names in assigned names: which provider a catch-all match belongs to.
//!
//! [`ProviderNames`] is built once from the loaded rule set: every provider id and every
//! alias a rule declares ([`crate::rules::Rule::aliases`]), so providers added to the rule
//! set (the catalog's long tail included) are recognised without a hand-kept list. A name is
//! split into words ([`words`]: `_`, `-`, `.`, spaces and camelCase), and runs of up to
//! three words are looked up joined (`alpha_vantage`, `AlphaVantage` and `alphavantage` are
//! all `alphavantage`).

use std::collections::HashMap;
use std::ops::Range;

use crate::rules::RuleSet;

/// Provider ids that name a kind of credential rather than a vendor: a word of a name that
/// spells one (`DATABASE_PASSWORD`) says nothing about who issued the credential.
const NOT_VENDORS: &[&str] = &["generic", "database", "private-key", "http", "jwt", "package", "build"];

/// Longest run of name words joined into one provider name.
const MAX_RUN: usize = 3;

/// Provider names of a rule set, normalised: lowercase letters and digits only.
#[derive(Debug, Default)]
pub struct ProviderNames {
    by_name: HashMap<Box<str>, u32>,
    providers: Vec<Box<str>>,
}

impl ProviderNames {
    pub fn new(rules: &RuleSet) -> ProviderNames {
        let mut names = ProviderNames::default();
        for (_, rule) in rules.iter() {
            if rule.generic || rule.from_scanned_repo || NOT_VENDORS.contains(&rule.provider.as_str()) {
                continue;
            }
            let index = match names.providers.iter().position(|p| **p == *rule.provider) {
                Some(i) => i as u32,
                None => {
                    names.providers.push(rule.provider.as_str().into());
                    (names.providers.len() - 1) as u32
                }
            };
            for name in std::iter::once(&rule.provider).chain(&rule.aliases) {
                let key = normalise(name.as_bytes());
                // Names are looked up as whole words, so `box` never matches `mailbox`; one or
                // two letters are too short to mean a provider.
                if key.len() >= 3 {
                    names.by_name.entry(key.into()).or_insert(index);
                }
            }
        }
        names
    }

    pub fn provider(&self, index: u32) -> &str {
        &self.providers[index as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The first provider named by a run of consecutive `words` of `text`, longest run
    /// first at each position.
    pub fn find(&self, text: &[u8], words: &[Range<usize>]) -> Option<u32> {
        if self.by_name.is_empty() {
            return None;
        }
        let mut key = String::new();
        for start in 0..words.len() {
            for len in (1..=MAX_RUN.min(words.len() - start)).rev() {
                key.clear();
                for w in &words[start..start + len] {
                    key.extend(text[w.clone()].iter().map(|b| b.to_ascii_lowercase() as char));
                }
                if let Some(&i) = self.by_name.get(key.as_str()) {
                    return Some(i);
                }
            }
        }
        None
    }
}

/// Lowercase ASCII letters and digits of `name`, nothing else.
pub fn normalise(name: &[u8]) -> String {
    name.iter().filter(|b| b.is_ascii_alphanumeric()).map(|b| b.to_ascii_lowercase() as char).collect()
}

/// Splits `text` into words: runs of letters and digits, broken at every other byte and
/// at camelCase boundaries (`apiKey` → `api`, `Key`; `APIKey` → `API`, `Key`). Digits stay
/// with the letters before them (`s3`, `ai21`). Pushes the word ranges to `out`.
pub fn words(text: &[u8], out: &mut Vec<Range<usize>>) {
    let mut start: Option<usize> = None;
    for (i, &b) in text.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if let Some(s) = start.take() {
                out.push(s..i);
            }
            continue;
        }
        if let Some(s) = start {
            let prev = text[i - 1];
            let next_lower = text.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let camel = b.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower));
            if camel {
                out.push(s..i);
                start = Some(i);
            }
        } else {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        words(text.as_bytes(), &mut out);
        out.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(split("CODEQUIRY_API_KEY"), ["CODEQUIRY", "API", "KEY"]);
        assert_eq!(split("codequiryApiKey"), ["codequiry", "Api", "Key"]);
        assert_eq!(split("APIKey"), ["API", "Key"]);
        assert_eq!(split("ai21-key.value"), ["ai21", "key", "value"]);
        assert_eq!(split("  the s3 Token "), ["the", "s3", "Token"]);
        assert_eq!(split("X-Api-Key"), ["X", "Api", "Key"]);
    }

    fn names(specs: &str) -> ProviderNames {
        let specs = crate::rules::parse_file("t.toml", specs).unwrap().into_iter().map(|s| ("t".to_string(), s));
        ProviderNames::new(&RuleSet::from_specs(specs.collect()).unwrap())
    }

    fn found<'n>(names: &'n ProviderNames, text: &str) -> Option<&'n str> {
        let mut w = Vec::new();
        words(text.as_bytes(), &mut w);
        names.find(text.as_bytes(), &w).map(|i| names.provider(i))
    }

    #[test]
    fn providers_and_aliases_are_found_as_words() {
        let n = names(concat!(
            "[[rule]]\nid = \"alphavantage.key\"\ntitle = \"t\"\nprovider = \"alphavantage\"\n",
            "aliases = [\"alpha_vantage\", \"avapi\"]\nkeywords = [\"vantage\"]\npattern = \"x\"\n",
            "[[rule]]\nid = \"generic.secret\"\ntitle = \"t\"\nprovider = \"generic\"\ngeneric = true\n",
            "keywords = [\"secret\"]\npattern = \"x\"\n",
            "[[rule]]\nid = \"box.token\"\ntitle = \"t\"\nprovider = \"box\"\nkeywords = [\"box_\"]\npattern = \"x\"\n",
        ));
        assert_eq!(found(&n, "ALPHA_VANTAGE_API_KEY"), Some("alphavantage"));
        assert_eq!(found(&n, "alphaVantageKey"), Some("alphavantage"));
        assert_eq!(found(&n, "AVAPI_TOKEN"), Some("alphavantage"));
        assert_eq!(found(&n, "BOX_TOKEN"), Some("box"));
        assert_eq!(found(&n, "MAILBOX_TOKEN"), None);
        assert_eq!(found(&n, "GENERIC_SECRET"), None);
        assert_eq!(found(&n, "VANTAGE_KEY"), None);
    }
}
