//! Discord bots (devplatforms.md, "Discord"): `GET /users/@me` names the bot and `GET
//! /users/@me/guilds` lists its servers with its permission bits there (Administrator,
//! manage, ban and kick, send). Webhook URLs are never called.

use super::{Probe, Session, Target, push_unique, resource, str_of};
use crate::scope::http::{ProbeError, Request, Shape};
use crate::scope::{Level, Scope};

pub struct Discord;

const ROOT: &str = "https://discord.com/api/v10";
static SHAPES: &[Shape] = &[Shape::get(ROOT, "/users/@me"), Shape::get(ROOT, "/users/@me/guilds")];

const ADMINISTRATOR: u64 = 1 << 3;
/// Kick, ban, manage channels, manage server, manage messages, manage roles, manage webhooks.
const MANAGE: u64 = (1 << 1) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 13) | (1 << 28) | (1 << 29);
const SEND: u64 = 1 << 11;

impl Probe for Discord {
    fn provider(&self) -> &'static str {
        "discord"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["discord.bot-token"]
    }

    fn shapes(&self) -> &'static [Shape] {
        SHAPES
    }

    fn run(&self, s: &Session<'_>, t: &Target<'_>, scope: &mut Scope) -> Result<(), ProbeError> {
        let token = t.secret_text()?;
        let get = |path: &str| s.json(&Request::get(ROOT, path).header("Authorization", format!("Bot {token}")));
        let me = get("/users/@me")?;
        let name = str_of(&me, "username").ok_or_else(|| ProbeError::Unexpected("no username".into()))?;
        scope.identity = Some(name.to_string());
        let guilds = get("/users/@me/guilds?limit=200")?;
        let mut bits = 0u64;
        for g in guilds.as_array().into_iter().flatten() {
            if let Some(gname) = str_of(g, "name") {
                push_unique(&mut scope.resources, resource("discord", "server", gname));
            }
            let p = str_of(g, "permissions").and_then(|p| p.parse::<u64>().ok()).unwrap_or(0);
            bits |= if g.get("owner").and_then(|o| o.as_bool()) == Some(true) { ADMINISTRATOR } else { p };
        }
        scope.level = if bits & ADMINISTRATOR != 0 {
            Level::Admin
        } else if bits & (MANAGE | SEND) != 0 {
            Level::Write
        } else {
            Level::Read
        };
        scope.destructive = Some(bits & (ADMINISTRATOR | MANAGE) != 0);
        if bits & ADMINISTRATOR != 0 {
            scope.notes.push("Administrator on at least one server".into());
        } else if bits & MANAGE != 0 {
            scope.notes.push("can manage channels, roles or members (kick, ban) on a server".into());
        }
        Ok(())
    }
}
