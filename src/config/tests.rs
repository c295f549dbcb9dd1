//! Tests of config resolution: layering, what a scanned repository may set, discovery,
//! the committed config of the guard, limits and error messages.

use super::*;

#[test]
fn flags_override_the_file_which_overrides_defaults() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[policy]\nmax_level = \"write\"\n[scan]\nmax_file_size = 3\nexclude = [\"vendor\"]\n",
    )
    .unwrap();
    let base = Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() };
    let s = resolve(base.clone()).unwrap();
    // A scanned repository may not set the size limit (it would hide files): the default holds.
    assert_eq!(s.walk.max_file_size, Some(DEFAULT_MAX_FILE_SIZE_MB * 1_000_000));
    assert!(s.warnings.iter().any(|w| w.contains("[scan] max_file_size ignored")), "{:?}", s.warnings);
    assert_eq!(s.policy.max_level, crate::scope::Level::Write);
    assert_eq!(s.walk.excludes, vec!["vendor".to_string()]);
    let s = resolve(Overrides { max_file_size_mb: Some(7), excludes: vec!["x".into()], ..base }).unwrap();
    assert_eq!(s.walk.max_file_size, Some(7_000_000));
    assert_eq!(s.walk.excludes, vec!["vendor".to_string(), "x".to_string()]);
}

#[test]
fn a_malformed_config_names_the_file_in_one_line() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(&path, "[policy\nmax_level = 1").unwrap();
    let err = resolve(Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() }).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(!text.contains('\n'));
}

#[test]
fn a_scanned_repository_cannot_set_endpoints_unless_trusted() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), "[probe.endpoints]\ngithub = \"https://evil.example.com\"\n").unwrap();
    let base = Overrides { paths: vec![dir.path().to_path_buf()], probe: true, ..Overrides::default() };
    let s = resolve(base.clone()).unwrap();
    assert!(s.probe.http.endpoints.is_empty());
    assert!(s.warnings[0].contains("[probe] endpoints ignored"), "{:?}", s.warnings);
    let s = resolve(Overrides { trust_config: true, ..base.clone() }).unwrap();
    assert_eq!(s.probe.http.endpoints.get("github").map(String::as_str), Some("https://evil.example.com"));
    let s =
        resolve(Overrides { endpoints: vec![("github".into(), "http://127.0.0.1:9".into())], ..base.clone() }).unwrap();
    assert_eq!(s.probe.http.endpoints.get("github").map(String::as_str), Some("http://127.0.0.1:9"));
    let err = resolve(Overrides { endpoints: vec![("github".into(), "http://10.0.0.1".into())], ..base }).unwrap_err();
    assert!(err.to_string().starts_with("--endpoint: endpoint"), "{err}");
}

#[test]
fn unknown_keys_are_rejected() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), "[policy]\nmax_levle = \"read\"\n").unwrap();
    let err = resolve(Overrides { paths: vec![dir.path().to_path_buf()], ..Overrides::default() }).unwrap_err();
    assert!(err.to_string().contains("max_levle"), "{err}");
}

/// A user config for the duration of a test (`user_config_path` reads `XDG_CONFIG_HOME`;
/// tests that set it hold `ENV_LOCK`).
struct UserConfig {
    _dir: tempfile::TempDir,
    _lock: std::sync::MutexGuard<'static, ()>,
}

static ENV_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl UserConfig {
    fn with(text: Option<&str>) -> UserConfig {
        let lock = ENV_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = text {
            std::fs::create_dir_all(dir.path().join("keyreach")).unwrap();
            std::fs::write(dir.path().join("keyreach/config.toml"), text).unwrap();
        }
        // SAFETY: tests that read or write the environment hold ENV_LOCK.
        unsafe { std::env::set_var("XDG_CONFIG_HOME", dir.path()) };
        UserConfig { _dir: dir, _lock: lock }
    }
}

fn in_dir(dir: &Path) -> Overrides {
    Overrides { paths: vec![dir.to_path_buf()], ..Overrides::default() }
}

#[test]
fn a_scanned_repository_sets_only_what_describes_it() {
    let _user = UserConfig::with(Some("[scan]\nmax_file_size = 5\n[probe]\ntimeout = 2.0\nconcurrency = 2\n"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[scan]\nmax_file_size = 0\nexclude = [\"gen/**\"]\n[probe]\ntimeout = 300.0\nconcurrency = 32\n\
allow_hosts = [\"10.0.0.0/8\"]\n[policy]\nmax_level = \"write\"\n",
    )
    .unwrap();
    let s = resolve(in_dir(dir.path())).unwrap();
    assert_eq!(s.walk.max_file_size, Some(5_000_000), "the user's limit, not the repository's 0");
    assert_eq!(s.probe.http.timeout, std::time::Duration::from_secs(2));
    assert_eq!(s.probe.http.concurrency, 2);
    assert!(s.probe.http.allow_hosts.is_empty());
    assert_eq!(s.walk.excludes, vec!["gen/**".to_string()]);
    assert_eq!(s.policy.max_level, crate::scope::Level::Write, "a repository may describe its policy");
    for ignored in ["max_file_size ignored", "timeout and concurrency ignored", "allow_hosts ignored"] {
        assert!(s.warnings.iter().any(|w| w.contains(ignored)), "{ignored}: {:?}", s.warnings);
    }
    // The same file given with --config is the user's choice: it applies.
    let s = resolve(Overrides { config: Some(dir.path().join(CONFIG_FILE)), ..in_dir(dir.path()) }).unwrap();
    assert_eq!(s.walk.max_file_size, Some(0));
    assert_eq!(s.probe.http.concurrency, 32);
}

#[test]
fn a_repository_policy_cannot_loosen_what_lies_outside_it() {
    let _user = UserConfig::with(Some("[policy]\nmax_level = \"read\"\n"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[policy]\nmax_level = \"admin\"\nunknown_scope = \"assume-read\"\ndeny_production = false\n",
    )
    .unwrap();
    let s = resolve(in_dir(dir.path())).unwrap();
    assert_eq!(s.policy.max_level, crate::scope::Level::Admin);
    assert_eq!(s.outside_policy.max_level, crate::scope::Level::Read);
    assert_eq!(s.outside_policy.unknown_scope, crate::policy::UnknownScope::AssumeAdmin);
    assert!(s.outside_policy.deny_production);
}

#[test]
fn trusting_the_config_trusts_its_endpoints_not_its_rules() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[probe.endpoints]\ngithub = \"https://ghe.example.com/api/v3\"\n[[rule]]\nid = \"acme.x\"\ntitle = \"x\"\n\
provider = \"acme\"\nkeywords = [\"acme_\"]\npattern = 'acme_[a-z]{8}'\n",
    )
    .unwrap();
    let s = resolve(Overrides { trust_config: true, ..in_dir(dir.path()) }).unwrap();
    assert!(s.probe.http.endpoints.contains_key("github"));
    assert!(s.rules.inline.is_empty());
    assert_eq!(s.rules.repository.len(), 1, "still a repository rule: add-only");
}

#[test]
fn the_nearest_config_up_to_the_repository_root_is_found_with_or_without_a_path() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("src/deep")).unwrap();
    std::fs::write(root.join(CONFIG_FILE), "[policy]\nmax_level = \"write\"\n").unwrap();
    std::fs::write(root.join("src/deep/a.rs"), "x").unwrap();
    for start in [root.to_path_buf(), root.join("src/deep"), root.join("src/deep/a.rs")] {
        let s = resolve(in_dir(&start)).unwrap();
        assert_eq!(s.config_paths, vec![root.join(CONFIG_FILE)], "from {}", start.display());
    }
    std::fs::write(root.join("src/keyreach.toml"), "").unwrap();
    let s = resolve(in_dir(&root.join("src/deep"))).unwrap();
    assert_eq!(s.config_paths, vec![root.join("src/keyreach.toml")], "the nearest wins");
    // Above the repository root nothing is read.
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join(CONFIG_FILE), "[policy]\nmax_level = \"admin\"\n").unwrap();
    std::fs::create_dir_all(outer.path().join("repo/.git")).unwrap();
    let s = resolve(in_dir(&outer.path().join("repo"))).unwrap();
    assert!(s.config_paths.is_empty(), "{:?}", s.config_paths);
}

#[test]
fn config_files_are_capped_and_their_lists_bounded() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(&path, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let err = resolve(in_dir(dir.path())).unwrap_err().to_string();
    assert!(err.contains("larger than 1024 KiB"), "{err}");
    let many: Vec<String> = (0..5000).map(|i| format!("\"d{i}/**\"")).collect();
    std::fs::write(&path, format!("[scan]\nexclude = [{}]\n", many.join(","))).unwrap();
    let err = resolve(in_dir(dir.path())).unwrap_err().to_string();
    assert!(err.contains("[scan] exclude has 5000 entries"), "{err}");
}

#[test]
fn errors_name_the_key_and_line_never_the_value() {
    let _user = UserConfig::with(None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    let secret = ["ghp_", "Zq8VbN3xKp2LmR7tYw4HcJ6sDf9Ga1Ue5Io0"].concat();
    let hostile = [
        format!("[policy]\nmax_level = \"{secret}\"\n"),
        format!("[policy]\nunknown_scope = \"{secret}\"\n"),
        format!("[policy]\ndeny_destructive = \"{secret}\"\n"),
        format!("[allow]\nfingerprints = [\"{secret}\"]\n"),
        format!("[allow]\npaths = [\"{secret}[\"]\n"),
        format!("[policy]\n{secret} = true\n"),
        format!("{secret} = 1\n"),
        format!("[environments.production]\n{secret} = [\"x\"]\n"),
        format!("[probe.endpoints]\ngithub = \"https://x:{secret}@ghe.example.com\"\n"),
        format!("[probe.endpoints]\n{secret} = \"https://ghe.example.com\"\n"),
    ];
    for text in hostile {
        std::fs::write(&path, &text).unwrap();
        let err = resolve(Overrides { config: Some(path.clone()), ..in_dir(dir.path()) }).unwrap_err().to_string();
        assert!(!err.contains(&secret[4..20]), "the value leaked: {err}");
        assert!(!err.contains('\n'), "{err}");
        assert!(err.starts_with(&path.display().to_string()), "{err}");
    }
    let endpoint = format!("https://x:{secret}@ghe.example.com");
    let err = resolve(Overrides { endpoints: vec![("github".into(), endpoint)], ..in_dir(dir.path()) }).unwrap_err();
    assert!(!err.to_string().contains(&secret[4..20]), "{err}");
    std::fs::write(&path, "[policy]\ndeny_destructive = \"yes\"\n").unwrap();
    let err = resolve(Overrides { config: Some(path.clone()), ..in_dir(dir.path()) }).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("[policy] deny_destructive"), "{err}");
}
