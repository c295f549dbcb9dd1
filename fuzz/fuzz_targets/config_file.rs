//! `keyreach.toml`: parse, build the policy, the probe settings (endpoints checked) and
//! the user rules. Errors must be one line naming the file; nothing may panic.
#![no_main]

use keyreach::config::{ConfigFile, Overrides, probe_settings};
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
    let _ = Policy::from_spec(&file.policy, &file.allow, file.environments);
    let mut warnings = Vec::new();
    for trust in [false, true] {
        let overrides = Overrides { trust_config: trust, ..Overrides::default() };
        if let Ok(settings) = probe_settings(&overrides, &file.probe, "fuzz/keyreach.toml", &mut warnings) {
            for url in settings.http.endpoints.values() {
                assert!(url.starts_with("https://") || url.starts_with("http://"), "{url}");
            }
        }
    }
    let specs = file.rule.into_iter().map(|s| ("fuzz/keyreach.toml".to_string(), s)).collect();
    if let Ok(set) = RuleSet::from_specs(specs) {
        let _ = set.compile_all(|_| true);
    }
});
