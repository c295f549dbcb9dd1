//! Shopify (cloud.md, "Shopify"): `GET https://<shop>.myshopify.com/admin/oauth/access_scopes.json`
//! lists the token's scopes; a GraphQL `shop` query tells a development store (not
//! production) from a live one. The secret is the `shp…_` token; its companion the shop
//! domain, which must be a `*.myshopify.com` host. Never calls the uninstall endpoint.

use serde_json::{Value, json};

use super::{Probe, Session, Target, items, push_unique, resource, str_of};
use crate::scope::http::{Body, BodyKind, ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Shopify;

const ROOT: &str = "https://*.myshopify.com";
static SHAPES: &[Shape] = &[
    Shape::get(ROOT, "/admin/oauth/access_scopes.json"),
    Shape::post(ROOT, "/admin/api/*/graphql.json", BodyKind::GraphqlQuery),
];
const SHOP: &str = "{ shop { name myshopifyDomain plan { displayName partnerDevelopment } } }";
const DESTRUCTIVE: &[&str] =
    &["write_products", "write_orders", "write_customers", "write_inventory", "write_themes", "write_files"];
const ADMIN: &[&str] = &["write_themes", "write_script_tags", "write_checkouts", "write_payment_terms"];

impl Probe for Shopify {
    fn provider(&self) -> &'static str {
        "shopify"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["shopify.access-token", "shopify.custom-app-token", "shopify.private-app-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if token.starts_with("shpss_") {
            return Err(ProbeError::NotProbed("an app shared secret is not an API token".into()));
        }
        let shop = t
            .companion_text()
            .map(|d| d.trim_start_matches("https://").trim_end_matches('/').to_ascii_lowercase())
            .and_then(|d| d.strip_suffix(".myshopify.com").map(str::to_string))
            .filter(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .ok_or_else(|| ProbeError::NotProbed("no *.myshopify.com shop domain next to the token".into()))?;
        let root = format!("https://{shop}.myshopify.com");
        let body =
            s.json(&Request::get(&root, "/admin/oauth/access_scopes.json").header("X-Shopify-Access-Token", token))?;
        let scopes: Vec<String> =
            items(&body, "access_scopes").iter().filter_map(|h| str_of(h, "handle")).map(str::to_string).collect();
        scope.level = if scopes.iter().any(|s| ADMIN.contains(&s.as_str())) {
            Level::Admin
        } else if scopes.iter().any(|s| s.starts_with("write_")) {
            Level::Write
        } else {
            Level::Read
        };
        let destructive: Vec<&str> = scopes.iter().map(String::as_str).filter(|s| DESTRUCTIVE.contains(s)).collect();
        scope.destructive = Some(!destructive.is_empty());
        if !destructive.is_empty() {
            scope.notes.push(format!("can delete store data ({})", destructive.join(", ")));
        }
        scope.permissions = scopes;
        scope.identity = Some(format!("{shop}.myshopify.com"));
        push_unique(&mut scope.resources, resource("shopify", "shop", &format!("{shop}.myshopify.com")));
        let query = Body::Graphql { query: SHOP, variables: json!({}) };
        let request =
            Request::post(&root, "/admin/api/2024-10/graphql.json", query).header("X-Shopify-Access-Token", token);
        if let Ok(answer) = s.json(&request) {
            let plan = answer.pointer("/data/shop/plan").unwrap_or(&Value::Null);
            match plan.get("partnerDevelopment").and_then(Value::as_bool) {
                Some(true) => scope.production = Some(false),
                Some(false) => scope.production = Some(true),
                None => {}
            }
        }
        Ok(())
    }
}
