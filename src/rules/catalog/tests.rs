use super::*;

fn catalog(text: &str) -> Catalog {
    parse("t.toml", text).unwrap()
}

#[test]
fn names_and_words_expand_to_their_forms() {
    assert_eq!(alias_regex("alpha_vantage"), "(?:^|[^a-z0-9])alpha[_.-]?vantage|(?-i:[a-z0-9]A)lpha[_.-]?vantage");
    let mut k = Vec::new();
    alias_keywords("alpha_vantage", &mut k);
    assert_eq!(k, ["alphavantage", "alpha_vantage"]);
    assert_eq!(name_forms("alpha_vantage"), ("ALPHA_VANTAGE".into(), "alphaVantage".into()));
    assert_eq!(example_word("api[_.-]?key|token"), "api_key");
    assert_eq!(example_word("credentials?"), "credentials");
    assert_eq!(non_capturing(r"(api[_.-]?)?key|\(x\)|(?:y)"), r"(?:api[_.-]?)?key|\(x\)|(?:y)");
    assert!(min_entropy(16, 32) <= 3.0 && min_entropy(62, 40) == 3.5);
}

#[test]
fn a_name_must_hold_the_alias_as_a_word_and_end_in_a_credential_word() {
    let text = "family = \"x\"\n[[provider]]\nid = \"lever\"\nname = \"Lever\"\naliases = [\"lever_api\"]\n\
                docs = \"https://lever.invalid\"\nbasis = \"docs\"\nkinds = [{ alphabet = \"hex\", length = 32 }]\n";
    let out = expand("x.toml", &catalog(text), &[]).unwrap();
    let rule = crate::rules::parse_file("generated", &out).unwrap().remove(0);
    let assign = regex::RegexBuilder::new(rule.assign.as_deref().unwrap()).case_insensitive(true).build().unwrap();
    let exclude =
        regex::RegexBuilder::new(rule.assign_exclude.as_deref().unwrap()).case_insensitive(true).build().unwrap();
    let named = |name: &str| assign.is_match(name) && !exclude.is_match(name);
    for name in ["LEVER_API_KEY", "lever_api_token", "myLeverApiKey", "hr.lever-api.secret", "lever_api_key"] {
        assert!(named(name), "{name}");
    }
    for name in ["CLEVER_API_KEY", "cleverApiKey", "LEVER_API_URL", "LEVER_API_KEY_ID", "lever_api_public_key"] {
        assert!(!named(name), "{name}");
    }
}

#[test]
fn names_for_client_side_values_are_refused_unless_the_kind_claims_them() {
    let text = "family = \"x\"\n[[provider]]\nid = \"acme\"\nname = \"Acme\"\ndocs = \"https://acme.invalid\"\n\
                basis = \"docs\"\nkinds = [{ alphabet = \"hex\", length = 32, exclude = 'search[_.-]?key' },\
                { kind = \"write-key\", alphabet = \"hex\", length = 16, words = 'write[_.-]?key' }]\n";
    let out = expand("x.toml", &catalog(text), &[]).unwrap();
    let rules = crate::rules::parse_file("generated", &out).unwrap();
    let named = |rule: &crate::rules::spec::RuleSpec, name: &str| {
        let build = |re: &str| regex::RegexBuilder::new(re).case_insensitive(true).build().unwrap();
        build(rule.assign.as_deref().unwrap()).is_match(name)
            && !build(rule.assign_exclude.as_deref().unwrap()).is_match(name)
    };
    for name in ["ACME_API_KEY", "acme_secret_token", "acmeServerKey", "ACME_SDK_KEY"] {
        assert!(named(&rules[0], name), "{name}");
    }
    for name in [
        "ACME_CLIENT_TOKEN",
        "acmeMobileKey",
        "ACME_BROWSER_API_KEY",
        "ACME_WRITE_KEY",
        "acme_public_token",
        "ACME_SEARCH_ONLY_API_KEY",
        "ACME_SEARCH_KEY",
    ] {
        assert!(!named(&rules[0], name), "{name}");
    }
    assert!(named(&rules[1], "ACME_WRITE_KEY"));
}

#[test]
fn a_public_kind_is_matched_and_marked_public() {
    let text = "family = \"x\"\n[[provider]]\nid = \"acme\"\nname = \"Acme\"\ndocs = \"https://acme.invalid\"\n\
                basis = \"docs\"\nkinds = [{ kind = \"publish-key\", prefix = \"pub-acme-\", alphabet = \"uuid\", public = true }]\n";
    let out = expand("x.toml", &catalog(text), &[]).unwrap();
    let rule = crate::rules::parse_file("generated", &out).unwrap().remove(0);
    assert!(rule.scope.is_some_and(|s| s.public));
    let bad = text.replace("public = true", "public = true, level = \"read\"");
    assert!(expand("x.toml", &catalog(&bad), &[]).unwrap_err().contains("public kind has no level"));
}

#[test]
fn a_companion_is_group_one_of_its_pattern() {
    let text = "family = \"x\"\n[[provider]]\nid = \"acme\"\nname = \"Acme\"\ndocs = \"https://acme.invalid\"\n\
                basis = \"docs\"\nkinds = [{ alphabet = \"hex\", length = 32, companion = { name = \"app id\", \
                words = '(acme[_.-]?)?app[_.-]?id', alphabet = \"hex\", length = 8 } }]\n";
    let out = expand("x.toml", &catalog(text), &[]).unwrap();
    let rule = crate::rules::parse_file("generated", &out).unwrap().remove(0);
    let pair = regex::Regex::new(&rule.pair.unwrap().pattern).unwrap();
    let caps = pair.captures("ACME_APP_ID=0a1b2c3d\n").unwrap();
    assert_eq!(&caps[1], "0a1b2c3d");
}

#[test]
fn bad_catalog_entries_are_refused_with_the_provider_named() {
    let base = "family = \"x\"\n[[provider]]\nname = \"N\"\ndocs = \"https://n.invalid\"\nbasis = \"docs\"\n";
    let cases = [
        ("id = \"abc\"\nkinds = [{ alphabet = \"hex\", length = 32 }]", "alias \"abc\" is shorter"),
        ("id = \"abcd\"\nkinds = [{ alphabet = \"hexx\", length = 32 }]", "unknown alphabet"),
        ("id = \"abcd\"\nkinds = [{ alphabet = \"hex\" }]", "needs a length"),
        ("id = \"abcd\"\nkinds = [{ alphabet = \"hex\", length = 32, prefix = \"a_\" }]", "too short"),
        ("id = \"github\"\nkinds = [{ alphabet = \"hex\", length = 32 }]", "hand-written"),
    ];
    for (entry, want) in cases {
        let text = format!("{base}{entry}\n");
        let err = expand("x.toml", &catalog(&text), &["github".into()]).unwrap_err();
        assert!(err.contains(want), "{err}");
        assert!(err.contains("provider "), "{err}");
    }
}

#[test]
fn a_prefix_kind_is_a_pattern_rule_and_a_plain_kind_an_assignment_rule() {
    let text = "family = \"x\"\n[[provider]]\nid = \"acme-io\"\nname = \"Acme\"\naliases = [\"acme_io\"]\n\
                docs = \"https://acme.invalid/docs\"\nbasis = \"docs\"\n\
                kinds = [{ alphabet = \"hex\", length = [32, 40] }, { kind = \"pat\", what = \"access token\", \
                prefix = \"acme_pat_\", alphabet = \"alnum\", length = 36 }]\n";
    let out = expand("x.toml", &catalog(text), &[]).unwrap();
    let rules = crate::rules::parse_file("generated", &out).unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].id, "acme-io.api-key");
    assert_eq!(rules[0].keywords, ["acmeio", "acme_io"]);
    assert_eq!(rules[0].pattern, "[0-9a-f]{32,40}");
    assert!(rules[0].assign.is_some());
    assert_eq!(rules[0].aliases, ["acme_io"]);
    assert_eq!(rules[1].id, "acme-io.pat");
    assert_eq!(rules[1].title, "Acme access token");
    assert_eq!(rules[1].keywords, ["acme_pat_"]);
    assert!(rules[1].assign.is_none());
}
