//! Mailchimp Marketing (https://mailchimp.com/developer/marketing/api/root/): `GET /3.0/`
//! on the key's own data center (the `-usN` suffix names it) answers with the account and
//! the key owner's role. An API key has every permission of that user: audiences,
//! campaigns, and deleting contacts.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Mailchimp;

const ROOT: &str = "https://*.api.mailchimp.com";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/3.0/")];

impl Probe for Mailchimp {
    fn provider(&self) -> &'static str {
        "mailchimp"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["mailchimp.api-key"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let key = t.secret_text()?;
        let dc = key
            .rsplit_once('-')
            .map(|(_, dc)| dc)
            .filter(|dc| dc.len() <= 5 && dc.starts_with("us") && dc[2..].bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ProbeError::NotProbed("the key names no data center".into()))?;
        let root = format!("https://{dc}.api.mailchimp.com");
        let account = s.json(&Request::get(&root, "/3.0/").basic("keyreach", key))?;
        let id = str_of(&account, "account_id").ok_or_else(|| ProbeError::Unexpected("no account".into()))?;
        let name = str_of(&account, "account_name").unwrap_or(id);
        scope.identity = Some(str_of(&account, "email").unwrap_or(name).to_string());
        push_unique(&mut scope.resources, resource("mailchimp", "account", name));
        let role = str_of(&account, "role").unwrap_or("");
        scope.level = if matches!(role, "owner" | "admin") { Level::Admin } else { Level::Write };
        scope.destructive = Some(true);
        scope.production = Some(true);
        scope.notes.push(format!(
            "API key of a{} {}: sends campaigns and deletes audiences and contacts",
            if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "n" } else { "" },
            if role.is_empty() { "user" } else { role }
        ));
        Ok(())
    }
}
