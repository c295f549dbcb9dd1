//! Stripe (cloud.md, "Stripe"): `GET /v1/account` names the account; restricted keys are
//! tried on a few list endpoints to see what they may read (write permissions stay
//! unknown). Publishable keys are public and not probed. Never sets `Stripe-Account`.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Stripe;

const ROOT: &str = "https://api.stripe.com";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/v1/account"),
    Shape::get(ROOT, "/v1/balance"),
    Shape::get(ROOT, "/v1/customers"),
    Shape::get(ROOT, "/v1/charges"),
];

impl Probe for Stripe {
    fn provider(&self) -> &'static str {
        "stripe"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "stripe.secret-key-live",
            "stripe.secret-key-test",
            "stripe.restricted-key-live",
            "stripe.restricted-key-test",
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        if key.starts_with("pk_") || key.starts_with("whsec_") {
            return Err(ProbeError::NotProbed("not an API secret key".into()));
        }
        let live = key.contains("_live_");
        let get = |path: &str| s.send(&Request::get(ROOT, path).bearer(key));
        if key.starts_with("rk_") {
            return restricted(&get, live, scope);
        }
        let account = get("/v1/account")?.ok()?.json()?;
        name_account(&account, scope);
        if live {
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.production = Some(true);
            scope.notes.push("live secret key: refunds, payouts and deletes on real money".into());
        } else {
            scope.level = Level::Write;
            scope.test_mode = true;
        }
        Ok(())
    }
}

fn name_account(account: &serde_json::Value, scope: &mut Scope) {
    if let Some(id) = str_of(account, "id") {
        scope.identity = Some(id.to_string());
        push_unique(&mut scope.resources, resource("stripe", "account", id));
    }
}

/// Stripe's error envelope: `{"error": {"type": "...", "message": "..."}}`.
fn is_stripe_error(response: &crate::scope::http::Response) -> bool {
    response.json().ok().as_ref().and_then(|v| v.get("error")).and_then(|e| str_of(e, "type")).is_some()
}

fn restricted(
    get: &dyn Fn(&str) -> Result<crate::scope::http::Response, ProbeError>,
    live: bool,
    scope: &mut Scope,
) -> Result<(), ProbeError> {
    let mut readable = Vec::new();
    let mut answered = false;
    for (path, name) in
        [("/v1/balance", "balance"), ("/v1/customers?limit=1", "customers"), ("/v1/charges?limit=1", "charges")]
    {
        let r = get(path)?;
        match r.status {
            200 => {
                answered = true;
                readable.push(format!("{name}:read"));
            }
            401 => return Err(ProbeError::Unauthorized("HTTP 401".into())),
            // A restricted key lacking a permission gets Stripe's JSON error envelope; any
            // other 403 (a WAF or proxy page) proves nothing about the key.
            403 if is_stripe_error(&r) => answered = true,
            _ => {}
        }
    }
    if !answered {
        return Err(ProbeError::Unexpected("no restricted-key endpoint answered".into()));
    }
    if let Ok(account) = get("/v1/account").and_then(|r| r.ok()).and_then(|r| r.json()) {
        name_account(&account, scope);
    }
    scope.level = if readable.is_empty() { Level::None } else { Level::Read };
    scope.production = Some(live);
    scope.test_mode = !live;
    scope.notes.push(format!(
        "restricted key: reads {}; write permissions are not visible",
        if readable.is_empty() { "none of balance, customers, charges".to_string() } else { readable.join(", ") }
    ));
    scope.permissions = readable;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Secret;
    use crate::scope::Activity;
    use crate::scope::http::Response;
    use crate::scope::probe::replay::{Replay, probe};

    /// A restricted key whose three read probes all get `status` with `body`.
    fn restricted_key(status: u16, body: &str) -> Scope {
        let answer = || Ok(Response { status, headers: Default::default(), body: body.as_bytes().to_vec() });
        let replay = Replay::new(vec![answer(), answer(), answer()]);
        let secret = Secret::new(b"rk_test_keyreachtestkeyreachtestkeyreach");
        let target = Target {
            provider: "stripe",
            rule_id: "stripe.restricted-key-test",
            secret: &secret,
            companion: None,
            parts: &[],
        };
        probe(&target, Scope::unknown(), &replay)
    }

    #[test]
    fn only_stripes_permission_error_makes_a_403_active() {
        let denied = r#"{"error": {"type": "invalid_request_error", "message": "The provided key does not have the required permissions for this endpoint."}}"#;
        let scope = restricted_key(403, denied);
        assert_eq!(scope.active, Activity::Active);
        assert_eq!(scope.level, Level::None);
        for body in ["<html>Access denied by the WAF</html>", "{}", r#"{"message": "Forbidden"}"#] {
            let scope = restricted_key(403, body);
            assert!(matches!(scope.active, Activity::Indeterminate(_)), "{body}: {:?}", scope.active);
        }
    }
}
