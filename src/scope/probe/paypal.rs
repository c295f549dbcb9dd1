//! PayPal (https://developer.paypal.com/api/rest/authentication/): the app's client id and
//! secret ask for an access token (client-credentials grant: a short-lived token for the
//! app itself, nothing changes); its `scope` lists the app's features (payments, payouts,
//! disputes, vault). Live first, then the sandbox, as an app works in its own
//! environment only.

use super::{Probe, Session, Target, first_site, push_unique, resource, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Paypal;

const SITES: &[&str] = &["https://api-m.paypal.com", "https://api-m.sandbox.paypal.com"];
static SHAPES: &[Shape] = &[
    Shape::post("https://api-m.paypal.com", "/v1/oauth2/token", BodyKind::ClientCredentials),
    Shape::post("https://api-m.sandbox.paypal.com", "/v1/oauth2/token", BodyKind::ClientCredentials),
];

impl Probe for Paypal {
    fn provider(&self) -> &'static str {
        "paypal"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["paypal.client-secret"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let secret = t.secret_text()?;
        let client = t.part("client_id").ok_or_else(|| {
            ProbeError::NotProbed("a PayPal secret works only with its client id, not found next to it".into())
        })?;
        let form = || Body::Form(vec![("grant_type".to_string(), "client_credentials".to_string())]);
        let (response, site) = first_site(s, SITES, |site| {
            Request::post(site, "/v1/oauth2/token", form()).basic(client, secret).header("Accept", "application/json")
        })?;
        let token = response.ok()?.json()?;
        let granted = str_of(&token, "scope").ok_or_else(|| ProbeError::Unexpected("no scope".into()))?;
        let scopes: Vec<String> = granted
            .split_whitespace()
            .map(|s| {
                s.trim_start_matches("https://uri.paypal.com/services/")
                    .trim_start_matches("https://uri.paypal.com/")
                    .to_string()
            })
            .collect();
        let app = str_of(&token, "app_id").unwrap_or(client);
        scope.identity = Some(format!("app {app}"));
        push_unique(&mut scope.resources, resource("paypal", "app", app));
        if site.contains("sandbox") {
            scope.test_mode = true;
            scope.production = Some(false);
            scope.notes.push("sandbox app: no real money".into());
        } else {
            scope.production = Some(true);
        }
        let moves_money =
            scopes.iter().any(|s| s.contains("payouts") || s.contains("payments") || s.contains("disputes"));
        scope.level = Level::Write;
        scope.destructive = Some(moves_money);
        if moves_money {
            scope.notes.push("can take, refund or pay out money".into());
        }
        scope.permissions = scopes;
        Ok(())
    }
}
