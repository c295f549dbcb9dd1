//! Azure Storage (cloud.md, "Azure"): a SAS URL or an account key is tried against Get
//! Account Information (`GET https://<account>.blob.core.windows.net/?restype=account&comp=properties`),
//! side-effect-free. A SAS is sent as its own query string; an account key signs the
//! request with Shared Key. What a SAS may do is decoded offline from `sp=`; an account
//! key is root of the account's data plane. Entra ID client secrets, with the tenant and
//! client id found next to them, are probed by [`super::entra`].

use ring::hmac;

use super::{Probe, Session, Target, looks_production, push_unique, resource};
use crate::scope::codec::b64_standard;
use crate::scope::http::{ProbeError, Request, Response, Shape};
use crate::scope::time::{http_date, now};
use crate::scope::{Level, Scope};

pub struct Azure;

static SHAPES: &[Shape] = &[
    Shape::get("https://*.blob.core.windows.net", "/"),
    super::entra::SHAPES[0],
    super::entra::SHAPES[1],
    super::entra::SHAPES[2],
];
const VERSION: &str = "2022-11-02";

impl Probe for Azure {
    fn provider(&self) -> &'static str {
        "azure"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[
            "azure.storage-account-key",
            "azure.storage-key",
            "azure.sas-url",
            "azure.sas-token",
            super::entra::KINDS[0],
            super::entra::KINDS[1],
            super::entra::KINDS[2],
        ]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        if super::entra::KINDS.contains(&t.rule_id) {
            return super::entra::run(s, t, scope);
        }
        let secret = t.secret_text()?;
        let (account, response) = if secret.contains("sig=") {
            if scope.permissions.is_empty() {
                crate::scope::formats::azure_sas(secret.as_bytes(), scope);
            }
            sas(s, secret)?
        } else {
            let account = t.companion_text().filter(|a| valid_account(a)).ok_or_else(|| {
                ProbeError::NotProbed("the storage account name was not found next to the key".into())
            })?;
            let response = shared_key(s, account, secret)?;
            scope.level = Level::Admin;
            scope.destructive = Some(true);
            scope.notes.push(
                "storage account key: read, write and delete every blob, file, queue and table; can sign SAS tokens"
                    .into(),
            );
            (account.to_string(), response)
        };
        interpret(&response)?;
        scope.identity = Some(format!("storage account {account}"));
        push_unique(&mut scope.resources, resource("azure", "storage-account", &account));
        if let Some(kind) = response.header("x-ms-account-kind") {
            scope.notes.push(format!("account kind {kind}"));
        }
        if looks_production(&account) {
            scope.production = Some(true);
        }
        Ok(())
    }
}

fn valid_account(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn root(account: &str) -> String {
    format!("https://{account}.blob.core.windows.net")
}

fn sas(s: &Session<'_>, url: &str) -> Result<(String, Response), ProbeError> {
    let rest = url.strip_prefix("https://").ok_or_else(|| ProbeError::NotProbed("the SAS URL is not https".into()))?;
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let account = host.split('.').next().unwrap_or("");
    if !valid_account(account) || !host.ends_with(".core.windows.net") {
        return Err(ProbeError::NotProbed("the SAS URL is not an Azure public-cloud storage URL".into()));
    }
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let path = format!("/?restype=account&comp=properties&{query}");
    Ok((account.to_string(), s.send(&Request::get(&root(account), &path))?))
}

fn shared_key(s: &Session<'_>, account: &str, key: &str) -> Result<Response, ProbeError> {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .map_err(|_| ProbeError::NotProbed("the account key is not base64".into()))?;
    let date = http_date(now());
    let to_sign = format!(
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{VERSION}\n/{account}/\ncomp:properties\nrestype:account"
    );
    let signature = b64_standard(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), to_sign.as_bytes()).as_ref());
    let request = Request::get(&root(account), "/?restype=account&comp=properties")
        .header("x-ms-date", date)
        .header("x-ms-version", VERSION)
        .header("Authorization", format!("SharedKey {account}:{signature}"));
    s.send(&request)
}

/// 200: alive. 403 with a permission or resource-type mismatch: alive but limited.
/// 403 `AuthenticationFailed`: signature or expiry rejected.
fn interpret(response: &Response) -> Result<(), ProbeError> {
    match (response.status, response.header("x-ms-error-code")) {
        (200..=299, _) => Ok(()),
        (403, Some(code)) if code.starts_with("Authorization") => Ok(()),
        (403, Some("AuthenticationFailed")) => Err(ProbeError::Unauthorized("AuthenticationFailed".into())),
        (403, Some("KeyBasedAuthenticationNotPermitted")) => {
            Err(ProbeError::Forbidden("shared-key authorization is disabled on the account".into()))
        }
        (404, _) => Err(ProbeError::Unauthorized("no such storage account".into())),
        _ => response.clone().ok().map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(1_767_225_600), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(86_400 * 3), "Sun, 04 Jan 1970 00:00:00 GMT");
    }
}
