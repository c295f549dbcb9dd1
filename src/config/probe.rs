//! Probe settings: defaults < the user's own config (and a `--config` file) < flags, plus a
//! scanned repository's endpoints only with `--trust-config`. Every endpoint is checked: a
//! known provider, https (or http to loopback), no credentials in the URL — and errors
//! never quote the URL.

use crate::scope::http::{HttpOptions, check_endpoint};

use super::layers::Merged;
use super::{ConfigError, Overrides};

/// Live probing for one run.
#[derive(Debug, Clone, Default)]
pub struct ProbeSettings {
    /// `--probe`: without it keyreach makes no network call at all.
    pub enabled: bool,
    pub http: HttpOptions,
}

/// The run's probe settings from the merged config files and the flags.
pub fn probe_settings(
    overrides: &Overrides,
    merged: &Merged,
    warnings: &mut Vec<String>,
) -> Result<ProbeSettings, ConfigError> {
    let mut http = HttpOptions::default();
    let mut endpoints: Vec<(String, String, String)> = Vec::new();
    for (origin, spec) in &merged.probe {
        endpoints.extend(spec.endpoints.iter().map(|(p, u)| (p.clone(), u.clone(), origin.clone())));
        if let Some(t) = spec.timeout {
            http.timeout = seconds(t);
        }
        if let Some(c) = spec.concurrency {
            http.concurrency = c.clamp(1, 32);
        }
        http.allow_hosts.extend(spec.allow_hosts.iter().cloned());
    }
    http.allow_hosts.extend(overrides.allow_hosts.iter().cloned());
    if let Some((origin, repository)) = &merged.repository_endpoints {
        if overrides.trust_config {
            endpoints.extend(repository.iter().map(|(p, u)| (p.clone(), u.clone(), origin.clone())));
        } else {
            warnings.push(format!(
                "{origin}: [probe] endpoints ignored: a scanned repository may not choose where its secrets are sent \
(pass --trust-config to use them)"
            ));
        }
    }
    endpoints.extend(overrides.endpoints.iter().map(|(p, u)| (p.clone(), u.clone(), "--endpoint".to_string())));
    for (provider, url, origin) in endpoints {
        if crate::scope::probe::find(&provider).is_none() {
            let known = crate::scope::probe::providers().join(", ");
            let shown = if is_identifier(&provider) { format!("{provider:?}") } else { "(not a provider name)".into() };
            return Err(ConfigError::Probe {
                origin,
                cause: format!("no probe for provider {shown} (known: {known})"),
            });
        }
        let url = check_endpoint(&url)
            .map_err(|e| ConfigError::Probe { origin, cause: format!("endpoint for {provider}: {e}") })?;
        http.endpoints.insert(provider, url);
    }
    if let Some(t) = overrides.probe_timeout {
        http.timeout = seconds(t);
    }
    Ok(ProbeSettings { enabled: overrides.probe, http })
}

/// A short lowercase name that cannot be a pasted secret.
fn is_identifier(text: &str) -> bool {
    text.len() <= 24 && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
}

fn seconds(t: f64) -> std::time::Duration {
    std::time::Duration::from_secs_f64(if t.is_finite() { t.clamp(0.05, 300.0) } else { 10.0 })
}
