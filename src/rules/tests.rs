use super::*;

fn spec(id: &str, pattern: &str) -> RuleSpec {
    RuleSpec {
        id: id.into(),
        title: "t".into(),
        provider: "p".into(),
        aliases: vec![],
        keywords: vec!["abc_".into()],
        pattern: pattern.into(),
        assign: None,
        assign_exclude: None,
        validate: None,
        entropy: None,
        classes: None,
        generic: false,
        priority: 0,
        paths: vec![],
        exclude_paths: vec![],
        window: None,
        pair: None,
        parts: vec![],
        encoded: None,
        userinfo: false,
        secret_values: false,
        scope: None,
        remedy: None,
        examples: vec![],
        negative_examples: vec![],
    }
}

#[test]
fn builtin_rules_parse_and_validate() {
    let specs = RuleSet::builtin_specs().unwrap();
    let set = RuleSet::from_specs(specs).unwrap();
    assert!(!set.is_empty());
    set.compile_all(|_| true).unwrap();
}

#[test]
fn embedded_rules_are_the_rule_files_as_parsed() {
    // build.rs embeds rules/*.toml as static data: each must equal what the TOML
    // loader reads from the file.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let embedded = RuleSet::builtin_specs().unwrap();
    let mut checked = 0;
    for (source, spec) in read_dir(&dir).unwrap() {
        let name = Path::new(&source).file_name().unwrap().to_str().unwrap().to_string();
        let found = embedded.iter().find(|(s, e)| *s == name && e.id == spec.id);
        let (_, found) = found.unwrap_or_else(|| panic!("{name}: {} is not embedded", spec.id));
        assert_eq!(format!("{found:?}"), format!("{spec:?}"), "{name}");
        checked += 1;
    }
    assert!(checked > 500, "{checked}");
    assert!(embedded.iter().any(|(s, _)| s.starts_with("catalog/")));
}

#[test]
fn errors_name_file_and_rule() {
    let specs = vec![
        ("a.toml".to_string(), spec("p.one", "abc_[a-z]+")),
        ("b.toml".to_string(), spec("p.one", "abc_[a-z]+")),
        ("c.toml".to_string(), spec("p.two", "abc_[a-z")),
    ];
    let errors = RuleSet::from_specs(specs).unwrap_err().0;
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].to_string(), "b.toml: rule p.one: duplicate rule id");
    assert!(errors[1].to_string().starts_with("c.toml: rule p.two: pattern does not parse"), "{}", errors[1]);
}

#[test]
fn keywords_are_required_and_not_tiny() {
    let mut s = spec("p.one", "abc_");
    s.keywords.clear();
    assert!(Rule::from_spec(s.clone(), "x", true).unwrap_err().contains("at least one keyword"));
    s.keywords = vec!["ab".into()];
    assert!(Rule::from_spec(s, "x", true).unwrap_err().contains("shorter"));
}

#[test]
fn secret_patterns_that_match_empty_text_are_refused() {
    for pattern in ["", "a*", "(?:x|)", "^(?:[a-z]{0,8})$"] {
        let err = Rule::from_spec(spec("p.empty", pattern), "x", true).unwrap_err();
        assert_eq!(err, "pattern matches empty text", "{pattern:?}");
    }
    assert!(Rule::from_spec(spec("p.ok", "abc_[a-z]*"), "x", true).is_ok());
    let mut assigned = spec("p.assign", "[a-z]*");
    assigned.assign = Some(".*".into());
    assert_eq!(Rule::from_spec(assigned, "x", true).unwrap_err(), "pattern matches empty text");
    for (_, s) in RuleSet::builtin_specs().unwrap() {
        let id = s.id.clone();
        assert!(Rule::from_spec(s, "builtin", true).is_ok(), "{id}");
    }
}

#[test]
fn toml_errors_are_one_line_with_file() {
    let err = parse_file("bad.toml", "[[rule]]\nid = ").unwrap_err();
    assert!(err.to_string().starts_with("bad.toml: "));
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn toml_errors_give_the_place_without_quoting_the_file() {
    // The offending line may hold a secret or terminal escapes.
    let text = "[[rule]]\nid = \"a.b\"\npattern = \x1b[2J sk_live_notquoted\n";
    let err = parse_file("bad.toml", text).unwrap_err().to_string();
    assert!(err.starts_with("bad.toml: TOML parse error at line 3, column 12 ([rule] pattern): "), "{err}");
    assert!(!err.contains("notquoted") && !err.contains('\x1b'), "{err}");
}
