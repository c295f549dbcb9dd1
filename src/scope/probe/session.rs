//! Running probes: a [`Session`] gives one probe access to the client (every request
//! checked against its declared shapes and statements), and the [`Prober`] runs probes
//! with one shared client, turning answers and errors into scopes.

use serde_json::Value;

#[cfg(any(test, fuzzing))]
use super::replay;
use super::{Probe, Target, USER_ENDPOINT, find, host_name};
use crate::credentials::Secret;
use crate::scope::http::{Client, HttpOptions, ProbeError, Request, Response};
use crate::scope::{Activity, Scope, ScopeSource};

/// One probe's access to the client: every request is checked against its shapes.
pub struct Session<'a> {
    transport: Transport<'a>,
    probe: &'a dyn Probe,
}

/// Where a session's requests go: the HTTP client, or (fuzzing and property tests only)
/// recorded responses answered in order.
pub(super) enum Transport<'a> {
    Http(&'a Client),
    #[cfg(any(test, fuzzing))]
    Replay(&'a replay::Replay),
}

impl Session<'_> {
    pub fn send(&self, request: &Request) -> Result<Response, ProbeError> {
        match self.transport {
            Transport::Http(_) if request.root == USER_ENDPOINT && self.endpoint().is_none() => {
                Err(ProbeError::Refused(format!(
                    "{} has no official host and no endpoint was given",
                    self.probe.provider()
                )))
            }
            Transport::Http(client) => {
                client.send(self.probe.provider(), self.probe.shapes(), self.probe.rate(), request)
            }
            #[cfg(any(test, fuzzing))]
            Transport::Replay(replay) => replay.send(self.probe.shapes(), request),
        }
    }

    /// Sends, requires a 2xx (401 → unauthorized, 403 → forbidden) and parses JSON.
    pub fn json(&self, request: &Request) -> Result<Value, ProbeError> {
        self.send(request)?.ok()?.json()
    }

    /// The host requests for `root` reach (configured endpoint or official root).
    pub fn host_for(&self, root: &str) -> String {
        match self.transport {
            Transport::Http(client) => client.host_for(self.probe.provider(), root),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => {
                root.split_once("://").map_or(root, |(_, r)| r).split('/').next().unwrap_or("").into()
            }
        }
    }

    /// Database connections for this probe: the run's timeout, the hosts the user allowed
    /// at private addresses, and the probe's declared statements.
    pub fn dialer(&self) -> Result<crate::scope::db::Dialer, ProbeError> {
        match self.transport {
            Transport::Http(client) => Ok(crate::scope::db::Dialer {
                net: crate::scope::db::NetOptions {
                    timeout: client.options().timeout,
                    allow_hosts: client.options().allow_hosts.clone(),
                },
                declared: self.probe.statements(),
            }),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => Err(ProbeError::NotProbed("recorded answers hold no database sessions".into())),
        }
    }

    /// Whether the provider has an endpoint configured (tests, enterprise hosts).
    pub fn has_endpoint(&self) -> bool {
        self.endpoint().is_some()
    }

    /// The endpoint the user configured for the provider (`--endpoint`, the user's config).
    pub fn endpoint(&self) -> Option<&str> {
        match self.transport {
            Transport::Http(client) => client.options().endpoints.get(self.probe.provider()).map(String::as_str),
            #[cfg(any(test, fuzzing))]
            Transport::Replay(_) => None,
        }
    }

    /// For a provider without an official host (Vault, a Kubernetes cluster): requests go
    /// to [`USER_ENDPOINT`], which only the user's own endpoint can stand for. Without one
    /// the credential is not probed, `why` says how to allow its host. An address written
    /// next to the credential (`VAULT_ADDR`, a kubeconfig's `server`) never stands for it:
    /// when `found` names a host, the endpoint must name the same host.
    pub fn user_endpoint(&self, found: Option<&str>, why: &str) -> Result<(), ProbeError> {
        #[cfg(any(test, fuzzing))]
        if matches!(self.transport, Transport::Replay(_)) {
            return Ok(());
        }
        let Some(endpoint) = self.endpoint() else {
            return Err(ProbeError::NotProbed(match found.map(host_name).filter(|h| !h.is_empty()) {
                Some(host) => format!("{why} (the address next to it names {host}, which only you can allow)"),
                None => why.to_string(),
            }));
        };
        match found.map(host_name) {
            Some(host) if !host.eq_ignore_ascii_case(host_name(endpoint)) => Err(ProbeError::NotProbed(format!(
                "it belongs to {host}, and the endpoint given for {} names another host",
                self.probe.provider()
            ))),
            _ => Ok(()),
        }
    }

    /// For a credential filed under a host of its own (a GitHub Enterprise or self-managed
    /// GitLab host in `hosts.yml`, a git credential URL): it goes to the provider's
    /// official API only when that host is an `official` one (or none is known), and to a
    /// configured endpoint only when the endpoint names that very host. Otherwise it is not
    /// probed, and `how` (with `{host}`) says what the host is and how the user can allow
    /// it ("a GitHub Enterprise host: pass --endpoint github=https://{host}/api/v3 …").
    pub fn own_host(&self, found: Option<&str>, official: &[&str], how: &str) -> Result<(), ProbeError> {
        let Some(found) = found.map(host_name).filter(|h| !h.is_empty()) else { return Ok(()) };
        let is_official = official.iter().any(|o| o.eq_ignore_ascii_case(found));
        match self.endpoint().map(host_name) {
            Some(endpoint) if endpoint.eq_ignore_ascii_case(found) => Ok(()),
            Some(_) if is_official => Err(ProbeError::NotProbed(format!(
                "it was filed under {found}, and the endpoint given for {} names another host",
                self.probe.provider()
            ))),
            None if is_official => Ok(()),
            _ => Err(ProbeError::NotProbed(format!("it was filed under {found}, {}", how.replace("{host}", found)))),
        }
    }
}

/// Runs probes with one shared client, at most `concurrency` at once.
pub struct Prober {
    client: Client,
}

impl Prober {
    /// Builds the HTTP client. Only called under `--probe`.
    pub fn new(options: HttpOptions) -> Prober {
        Prober { client: Client::new(options) }
    }

    /// The scope of one credential: the offline scope refined by its provider's probe.
    pub fn probe(&self, target: &Target<'_>, offline: Scope) -> Scope {
        run_probe(Transport::Http(&self.client), target, offline)
    }

    /// Probes each item once, `concurrency` at a time, keeping the order.
    pub fn probe_all(&self, items: Vec<(Target<'_>, Scope)>) -> Vec<Scope> {
        use rayon::prelude::*;
        let threads = self.client.options().concurrency.max(1);
        let run = || items.into_par_iter().map(|(t, s)| self.probe(&t, s)).collect::<Vec<_>>();
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        }
    }
}

/// Runs `target`'s probe over `transport`, turning its answer or error into a scope.
pub(super) fn run_probe(transport: Transport<'_>, target: &Target<'_>, offline: Scope) -> Scope {
    let Some(probe) = find(target.provider) else {
        return offline;
    };
    if !probe.kinds().contains(&target.rule_id) {
        let mut scope = offline;
        scope.notes.push(format!("not probed: no read-only check for {} credentials", target.rule_id));
        return scope;
    }
    let session = Session { transport, probe };
    let mut scope = offline.clone();
    let mut scope = match probe.run(&session, target, &mut scope) {
        Ok(()) => {
            scope.source = ScopeSource::Probe;
            if scope.active == Activity::Unknown {
                scope.active = Activity::Active;
            }
            scope
        }
        Err(ProbeError::Unauthorized(why)) => {
            let mut scope = offline;
            scope.source = ScopeSource::Probe;
            scope.active = Activity::Inactive;
            scope.notes.push(format!("probe: {} rejected it as revoked or invalid ({why})", target.provider));
            scope
        }
        Err(ProbeError::NotProbed(why)) => {
            let mut scope = offline;
            scope.notes.push(format!("not probed: {why}"));
            scope
        }
        Err(e) => {
            let mut scope = offline;
            scope.notes.push(format!("probe could not tell whether it is active: {e}"));
            scope.active = Activity::Indeterminate(e.to_string());
            scope
        }
    };
    let companion_secret = probe.companion_is_secret();
    let mut secrets: Vec<&[u8]> = vec![target.secret.expose()];
    secrets.extend(target.companion.filter(|_| companion_secret).map(Secret::expose));
    secrets.extend(target.parts.iter().filter(|p| p.secret).map(|p| p.value.expose()));
    scope.scrub_all(&secrets);
    scope
}
