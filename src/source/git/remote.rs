//! `--git-url`: a remote repository cloned bare into a temporary directory with gix, scanned
//! like a local one, and removed afterwards ([`Clone`] removes it when dropped; [`remove_all`]
//! removes every clone still on disk, for an interrupt handler).
//!
//! Credentials never reach gix's URL, and so never its messages: a URL's `user:password@` is
//! taken out before cloning and offered, like `GITHUB_TOKEN`/`GITLAB_TOKEN` and the user's git
//! credential helpers, only when the server asks for them, and only over https (or http to a
//! loopback address). Errors and locations show the URL without credentials; an error text
//! that still holds a credential has it replaced. Nothing is written to a credential store.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use gix::credentials::helper::{Action, NextAction};
use gix::credentials::protocol::{Context, Outcome};
use gix::sec::identity::Account;

use super::{GitError, one_line};

/// Clones still on disk (for [`remove_all`]).
static CLONES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// What to clone.
#[derive(Debug, Clone, Default)]
pub struct CloneOptions {
    /// Only this branch (and its history); otherwise every branch and tag.
    pub branch: Option<String>,
}

/// A bare clone in a temporary directory, removed when dropped.
pub struct Clone {
    dir: Option<tempfile::TempDir>,
    /// The clone's git directory.
    pub path: PathBuf,
    /// The URL as shown: without credentials.
    pub shown: String,
}

impl Drop for Clone {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            forget(dir.path());
            let _ = dir.close();
        }
    }
}

fn forget(path: &Path) {
    let mut clones = CLONES.lock().unwrap_or_else(|p| p.into_inner());
    clones.retain(|p| p != path);
}

/// Removes every clone still on disk (an interrupted run calls this before exiting).
pub fn remove_all() {
    let clones = std::mem::take(&mut *CLONES.lock().unwrap_or_else(|p| p.into_inner()));
    for path in clones {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// A URL split into what gix may see and the credentials it may not.
struct Parsed {
    url: gix::Url,
    shown: String,
    user: Option<String>,
    password: Option<String>,
}

fn parse(raw: &str) -> Result<Parsed, GitError> {
    let mut url = gix::url::parse(raw.as_bytes())
        .map_err(|_| GitError::Repository { path: shown_guess(raw), cause: "not a git URL".into() })?;
    let user = url.user().map(decode);
    let password = url.password().map(decode);
    url.set_user(None);
    url.set_password(None);
    let shown = url.to_bstring().to_string();
    Ok(Parsed { url, shown, user, password })
}

fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part).decode_utf8_lossy().into_owned()
}

/// A URL that does not parse, shown without anything between `://` and `@`.
fn shown_guess(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}{}", &raw[..scheme + 3], &raw[at + 1..]),
        _ => raw.to_string(),
    }
}

/// Clones `raw` bare into a new temporary directory. `interrupt` stops the transfer.
pub fn clone(raw: &str, options: &CloneOptions, interrupt: &AtomicBool) -> Result<Clone, GitError> {
    // reqwest's TLS uses the process's default rustls provider: ring, as the probes do.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let parsed = parse(raw)?;
    let shown = parsed.shown.clone();
    let dir = tempfile::Builder::new().prefix("keyreach-clone-").tempdir().map_err(|e| GitError::Repository {
        path: shown.clone(),
        cause: format!("cannot create a temporary directory: {e}"),
    })?;
    CLONES.lock().unwrap_or_else(|p| p.into_inner()).push(dir.path().to_path_buf());
    let path = dir.path().join("repo.git");
    let clone = Clone { dir: Some(dir), path, shown };
    let secrets = Secrets::new(&parsed);
    let fail =
        |cause: String| GitError::Repository { path: clone.shown.clone(), cause: secrets.redact(&one_line(&cause)) };
    let mut prepare = gix::prepare_clone_bare(parsed.url.clone(), &clone.path).map_err(|e| fail(e.to_string()))?;
    if let Some(branch) = &options.branch {
        let spec = format!("+refs/heads/{branch}:refs/heads/{branch}");
        prepare = prepare.with_ref_name(Some(branch.as_str())).map_err(|e| fail(e.to_string()))?.configure_remote(
            move |remote| {
                let mut remote = remote.with_fetch_tags(gix::remote::fetch::Tags::None);
                remote.replace_refspecs([spec.as_bytes()], gix::remote::Direction::Fetch)?;
                Ok(remote)
            },
        );
    }
    let credentials = Credentials { user: parsed.user, password: parsed.password };
    prepare = prepare.configure_connection(move |connection| {
        let mut helpers = connection.configured_credentials_for_current_url();
        let offer = credentials.clone();
        connection.set_credentials(move |action| offer.answer(action, &mut helpers));
        Ok(())
    });
    // A clone reads no ref-hiding or hook configuration: the user's git config and the
    // environment still choose proxies and credential helpers.
    let (repo, _) = prepare.fetch_only(gix::progress::Discard, interrupt).map_err(|e| fail(cause(&e)))?;
    drop(repo);
    Ok(clone)
}

/// What went wrong, said once: gix's outermost message and the root cause (say, "Connection
/// refused"), without the chain's debug forms.
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    let (top, root) = (e.to_string(), last.to_string());
    if std::ptr::addr_eq(last, e) || top.contains(&root) { top } else { format!("{top}: {root}") }
}

/// Credentials the run knows: the URL's own, and the environment's tokens.
#[derive(Clone)]
struct Credentials {
    user: Option<String>,
    password: Option<String>,
}

impl Credentials {
    fn answer(
        &self,
        action: Action,
        helpers: &mut gix::remote::AuthenticateFn<'static>,
    ) -> gix::Result<Option<Outcome>> {
        let Action::Get(mut ctx) = action else {
            // Approving or rejecting would write to the user's credential store.
            return Ok(None);
        };
        if ctx.destructure_url_in_place(false).is_err() || !may_send(&ctx) {
            return Ok(None);
        }
        let host = ctx.host.clone().unwrap_or_default();
        let account = match (&self.user, &self.password) {
            (user, Some(password)) => Some(Account {
                username: user.clone().unwrap_or_else(|| "git".into()),
                password: password.clone(),
                oauth_refresh_token: None,
            }),
            _ => token_for(&host),
        };
        match account {
            Some(identity) => Ok(Some(Outcome { identity, next: NextAction::from(ctx) })),
            None => helpers(Action::Get(ctx)),
        }
    }
}

/// Credentials go over https, or over http only to this machine (a test server).
fn may_send(ctx: &Context) -> bool {
    match ctx.protocol.as_deref() {
        Some("https") => true,
        Some("http") => {
            let host = ctx.host.as_deref().unwrap_or_default();
            let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
            matches!(name, "localhost" | "127.0.0.1" | "[::1]")
        }
        _ => false,
    }
}

/// `GITHUB_TOKEN` for github.com (and the GitHub server a workflow runs on,
/// `GITHUB_SERVER_URL`), `GITLAB_TOKEN` for gitlab.com (and `CI_SERVER_HOST`).
fn token_for(host: &str) -> Option<Account> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let server = env("GITHUB_SERVER_URL").and_then(|url| url.split_once("://").map(|(_, rest)| rest.to_string()));
    let github = host == "github.com" || server.is_some_and(|s| s.trim_end_matches('/') == host);
    if github {
        let password = env("GITHUB_TOKEN")?;
        return Some(Account { username: "x-access-token".into(), password, oauth_refresh_token: None });
    }
    let gitlab = host == "gitlab.com" || env("CI_SERVER_HOST").is_some_and(|h| h == host);
    if gitlab {
        let password = env("GITLAB_TOKEN")?;
        return Some(Account { username: "oauth2".into(), password, oauth_refresh_token: None });
    }
    None
}

/// Every credential value a message could quote.
struct Secrets(Vec<String>);

impl Secrets {
    fn new(parsed: &Parsed) -> Secrets {
        let mut values: Vec<String> =
            ["GITHUB_TOKEN", "GITLAB_TOKEN"].iter().filter_map(|n| std::env::var(n).ok()).collect();
        values.extend(parsed.password.clone());
        values.retain(|v| v.trim().len() >= 4);
        Secrets(values)
    }

    fn redact(&self, text: &str) -> String {
        self.0.iter().fold(text.to_string(), |text, secret| text.replace(secret.as_str(), "[redacted]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        let parsed = parse("https://someone:hunter2hunter2@example.com/org/repo.git").unwrap();
        assert_eq!(parsed.shown, "https://example.com/org/repo.git");
        assert_eq!((parsed.user.as_deref(), parsed.password.as_deref()), (Some("someone"), Some("hunter2hunter2")));
        assert_eq!(shown_guess("https://user:pw@exa mple/%%"), "https://exa mple/%%");
    }

    #[test]
    fn credentials_go_to_https_and_loopback_http_only() {
        let ctx = |url: &str| {
            let mut ctx = Context { url: Some(url.into()), ..Context::default() };
            ctx.destructure_url_in_place(false).unwrap();
            ctx
        };
        assert!(may_send(&ctx("https://example.com/r.git")));
        assert!(may_send(&ctx("http://127.0.0.1:8080/r.git")));
        assert!(!may_send(&ctx("http://example.com/r.git")));
    }
}
