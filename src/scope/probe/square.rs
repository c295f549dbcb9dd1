//! Square (https://developer.squareup.com/reference/square/o-auth-api/retrieve-token-status):
//! `POST /oauth2/token/status` (no body; reads the token, changes nothing) answers with an
//! access token's scopes, expiry and merchant; a personal access token has every
//! permission of its account. Production first, then the sandbox, as a token works in
//! its own environment only.

use super::{Probe, Session, Target, first_site, push_unique, resource, str_of, strings};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Square;

const SITES: &[&str] = &["https://connect.squareup.com", "https://connect.squareupsandbox.com"];
static SHAPES: &[Shape] = &[
    Shape::post("https://connect.squareup.com", "/oauth2/token/status", BodyKind::None),
    Shape::post("https://connect.squareupsandbox.com", "/oauth2/token/status", BodyKind::None),
];
const VERSION: &str = "2025-01-23";

impl Probe for Square {
    fn provider(&self) -> &'static str {
        "square"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["square.access-token", "square.legacy-access-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let (response, site) = first_site(s, SITES, |site| {
            Request::post(site, "/oauth2/token/status", Body::None).bearer(token).header("Square-Version", VERSION)
        })?;
        let status = response.ok()?.json()?;
        let merchant = str_of(&status, "merchant_id").ok_or_else(|| ProbeError::Unexpected("no merchant".into()))?;
        scope.identity = Some(format!("merchant {merchant}"));
        push_unique(&mut scope.resources, resource("square", "merchant", merchant));
        scope.expires = str_of(&status, "expires_at").map(str::to_string);
        let sandbox = site.contains("sandbox");
        if sandbox {
            scope.test_mode = true;
            scope.production = Some(false);
            scope.notes.push("sandbox token: no real money".into());
        } else {
            scope.production = Some(true);
        }
        let scopes = strings(&status, "scopes");
        if status.get("scopes").is_none() {
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push("personal access token: every permission of the account".into());
            return Ok(());
        }
        let has = |f: &dyn Fn(&str) -> bool| scopes.iter().any(|s| f(s));
        scope.level = if has(&|s| matches!(s, "MERCHANT_PROFILE_WRITE" | "EMPLOYEES_WRITE" | "BANK_ACCOUNTS_WRITE")) {
            Level::Admin
        } else if has(&|s| s.ends_with("_WRITE")) {
            Level::Write
        } else {
            Level::Read
        };
        scope.destructive =
            Some(has(&|s| matches!(s, "ITEMS_WRITE" | "CUSTOMERS_WRITE" | "PAYMENTS_WRITE" | "ORDERS_WRITE")));
        if has(&|s| s == "PAYMENTS_WRITE") && !sandbox {
            scope.notes.push("can take and refund payments".into());
        }
        scope.permissions = scopes;
        Ok(())
    }
}
