//! `keyreach.toml`: parse, build the policy, the probe settings (endpoints checked) and
//! the user rules. Errors must be one line naming the file; nothing may panic.
#![no_main]

use keyreach::config::{ConfigFile, Layer, Overrides, Trust, layers, probe_settings};
use keyreach::policy::Policy;
use keyreach::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file: ConfigFile = match keyreach::config::parse_config("fuzz/keyreach.toml", text) {
        Ok(file) => file,
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.starts_with("fuzz/keyreach.toml: ") && !shown.contains('\n'), "{shown}");
            return;
        }
    };
    let _ = Policy::from_spec(&file.policy, &file.allow, file.environments.clone());
    let specs: Vec<_> = file.rule.iter().map(|s| ("fuzz/keyreach.toml".to_string(), s.clone())).collect();
    let merged = layers::merge(vec![Layer { shown: "fuzz/keyreach.toml".into(), file, trust: Trust::Repository }]);
    let mut warnings = Vec::new();
    for trust in [false, true] {
        let overrides = Overrides { trust_config: trust, ..Overrides::default() };
        if let Ok(settings) = probe_settings(&overrides, &merged, &mut warnings) {
            for url in settings.http.endpoints.values() {
                assert!(url.starts_with("https://") || url.starts_with("http://"), "{url}");
            }
        }
    }
    if let Ok(set) = RuleSet::from_specs(specs) {
        let _ = set.compile_all(|_| true);
    }
});
