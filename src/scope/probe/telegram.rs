//! Telegram bots (devplatforms.md, "Telegram bot tokens"): `getMe` names the bot and
//! whether it reads every group message; `getWebhookInfo` says where its updates go.
//! Never `logOut`, `close`, `setWebhook`, `deleteWebhook` or `getUpdates`.

use serde_json::Value;

use super::{Probe, Session, Target, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Telegram;

const ROOT: &str = "https://api.telegram.org";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/*/getMe"), Shape::get(ROOT, "/*/getWebhookInfo")];

impl Probe for Telegram {
    fn provider(&self) -> &'static str {
        "telegram"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["telegram.bot-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        if !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_' || b == b'-') {
            return Err(ProbeError::NotProbed("not a bot token".into()));
        }
        let me = s.json(&Request::get(ROOT, &format!("/bot{token}/getMe")))?;
        let bot = me.get("result").filter(|r| me.get("ok").and_then(Value::as_bool) == Some(true) && r.is_object());
        let bot = bot.ok_or_else(|| ProbeError::Unexpected("getMe did not answer ok".into()))?;
        scope.identity = str_of(bot, "username").map(|u| format!("@{u}"));
        scope.level = Level::Write;
        scope.destructive = Some(true);
        scope.notes.push("bot token: sends as the bot, replaces its webhook, deletes its messages".into());
        if bot.get("can_read_all_group_messages").and_then(Value::as_bool) == Some(true) {
            scope.notes.push("privacy mode off: reads every message of its groups".into());
        }
        if let Ok(hook) = s.json(&Request::get(ROOT, &format!("/bot{token}/getWebhookInfo"))) {
            if let Some(url) = hook.pointer("/result/url").and_then(Value::as_str).filter(|u| !u.is_empty()) {
                scope.notes.push(format!("updates go to {}", super::host_name(url)));
            }
        }
        Ok(())
    }
}
