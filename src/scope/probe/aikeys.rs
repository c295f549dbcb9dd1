//! AI inference APIs whose keys act for a whole account or project: a model listing (GET,
//! free) proves a Groq, Mistral or Cohere key live; OpenRouter's `GET /api/v1/key` and
//! DeepSeek's `GET /user/balance` also tell its limits and credit. Every such key spends
//! the account's money; OpenRouter provisioning keys create and delete other keys.

use serde_json::Value;

use super::{Probe, Session, Target, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Groq;
pub struct Mistral;
pub struct Cohere;
pub struct Openrouter;
pub struct Deepseek;

static GROQ: &[Shape] = &[Shape::get("https://api.groq.com", "/openai/v1/models")];
static MISTRAL: &[Shape] = &[Shape::get("https://api.mistral.ai", "/v1/models")];
static COHERE: &[Shape] = &[Shape::get("https://api.cohere.com", "/v1/models")];
static OPENROUTER: &[Shape] = &[Shape::get("https://openrouter.ai", "/api/v1/key")];
static DEEPSEEK: &[Shape] = &[Shape::get("https://api.deepseek.com", "/user/balance")];

/// A key proven live by a model list under `key` (`data` or `models`).
fn models(
    s: &Session<'_>,
    root: &str,
    path: &str,
    token: &str,
    list: &str,
    scope: &mut Scope,
) -> Result<(), ProbeError> {
    let answer = s.json(&Request::get(root, path).bearer(token))?;
    if !answer.get(list).is_some_and(Value::is_array) {
        return Err(ProbeError::Unexpected("no model list".into()));
    }
    scope.level = Level::Write;
    scope.destructive = Some(false);
    scope
        .notes
        .push("API key: runs models and spends the account's credit; it cannot read or delete account data".into());
    Ok(())
}

macro_rules! probe {
    ($ty:ident, $id:literal, [$($kind:literal),*], $shapes:ident, |$s:ident, $t:ident, $scope:ident| $body:block) => {
        impl Probe for $ty {
            fn provider(&self) -> &'static str {
                $id
            }

            fn kinds(&self) -> &'static [&'static str] {
                &[$($kind),*]
            }

            fn shapes(&self) -> &'static [Shape] {
                $shapes
            }

            fn run(&self, $s: &Session<'_>, $t: &Target<'_>, $scope: &mut Scope) -> Result<(), ProbeError> {
                $body
            }
        }
    };
}

probe!(Groq, "groq", ["groq.api-key"], GROQ, |s, t, scope| {
    models(s, "https://api.groq.com", "/openai/v1/models", t.secret_text()?, "data", scope)
});

probe!(Mistral, "mistral", ["mistral.api-key"], MISTRAL, |s, t, scope| {
    models(s, "https://api.mistral.ai", "/v1/models", t.secret_text()?, "data", scope)
});

probe!(Cohere, "cohere", ["cohere.api-key"], COHERE, |s, t, scope| {
    models(s, "https://api.cohere.com", "/v1/models", t.secret_text()?, "models", scope)
});

probe!(Openrouter, "openrouter", ["openrouter.api-key"], OPENROUTER, |s, t, scope| {
    let answer = s.json(&Request::get("https://openrouter.ai", "/api/v1/key").bearer(t.secret_text()?))?;
    let data =
        answer.get("data").filter(|d| d.is_object()).ok_or_else(|| ProbeError::Unexpected("no key data".into()))?;
    scope.identity = str_of(data, "label").map(str::to_string);
    if data.get("is_provisioning_key").and_then(Value::as_bool) == Some(true) {
        scope.level = Level::Admin;
        scope.destructive = Some(true);
        scope.notes.push("provisioning key: creates, changes and deletes the account's API keys".into());
        return Ok(());
    }
    scope.level = Level::Write;
    scope.destructive = Some(false);
    match data.get("limit").and_then(Value::as_f64) {
        Some(limit) => scope.notes.push(format!("API key with a credit limit of {limit}")),
        None => scope.notes.push("API key without a credit limit: spends the account's whole balance".into()),
    }
    Ok(())
});

probe!(Deepseek, "deepseek", ["deepseek.api-key"], DEEPSEEK, |s, t, scope| {
    let answer = s.json(&Request::get("https://api.deepseek.com", "/user/balance").bearer(t.secret_text()?))?;
    if answer.get("is_available").is_none() {
        return Err(ProbeError::Unexpected("no balance".into()));
    }
    scope.level = Level::Write;
    scope.destructive = Some(false);
    let balance = answer
        .pointer("/balance_infos/0")
        .and_then(|b| Some(format!("{} {}", str_of(b, "total_balance")?, str_of(b, "currency")?)));
    scope.notes.push(format!(
        "API key: spends the account's balance{}",
        balance.map(|b| format!(" ({b})")).unwrap_or_default()
    ));
    Ok(())
});
