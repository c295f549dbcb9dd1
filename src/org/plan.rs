//! `keyreach org plan`: a repository list → shards balanced by size for a workflow matrix.
//!
//! The list is what `gh api --paginate orgs/ORG/repos` (or `/users/U/repos`) prints — one
//! JSON array per page, concatenated — or `gh repo list --json …`'s objects, or plain lines
//! of clone URLs / `owner/name`. Repositories are placed largest first onto the lightest
//! shard (by KiB, then by count, then by number), so the output depends only on the list.
//! URLs never carry credentials out: `user:token@` is removed (and counted, never shown),
//! and a URL with a query or fragment is refused.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

/// One repository to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// The clone URL, without credentials.
    pub url: String,
    /// Size in KiB as GitHub reports it (`size`, `diskUsage`); 0 when unknown.
    pub size_kib: u64,
    pub archived: bool,
    pub fork: bool,
    pub disabled: bool,
    /// The default branch (`default_branch`, `defaultBranchRef.name`) when the list says.
    pub default_branch: Option<String>,
}

/// What `parse` read.
#[derive(Debug, Default)]
pub struct RepoList {
    pub repos: Vec<Repo>,
    /// URLs that carried `user:password@`, removed.
    pub stripped_credentials: usize,
}

/// Which repositories to leave out and where `owner/name` lines live.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// At most this many shards (never more than there are repositories).
    pub shards: usize,
    /// Archived repositories are scanned unless this is set: their history is still
    /// readable and a credential in it may still work.
    pub skip_archived: bool,
    /// Forks are skipped unless this is set: a fork mostly repeats its upstream's history.
    pub include_forks: bool,
    /// Name each repository's default branch after its URL (`URL#BRANCH`) where the list
    /// gives it, to scan that branch's history only.
    pub default_branch: bool,
}

/// One matrix entry.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Shard {
    pub shard: usize,
    /// Clone URLs separated by single spaces (URLs hold no spaces), each followed by
    /// `#BRANCH` with [`PlanOptions::default_branch`].
    pub repos: String,
    pub count: usize,
    pub size_kib: u64,
}

/// The plan: `{"include": [...]}` for `strategy.matrix`, and what was left out.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub include: Vec<Shard>,
    #[serde(skip)]
    pub skipped: Skipped,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    pub archived: usize,
    pub forks: usize,
    /// Disabled repositories cannot be cloned; always left out.
    pub disabled: usize,
    /// The same URL listed twice (pages that overlapped).
    pub duplicates: usize,
}

/// Reads a repository list: JSON (arrays or objects, several concatenated) when it starts
/// with `[` or `{`, else one URL or `owner/name` a line (`#` comments). `server` is where
/// `owner/name` lives (`https://github.com`).
pub fn parse(text: &str, server: &str) -> Result<RepoList, String> {
    let mut list = RepoList::default();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let mut n = 0;
        for value in serde_json::Deserializer::from_str(trimmed).into_iter::<Value>() {
            let value =
                value.map_err(|e| format!("not a repository list: JSON error at line {}: {}", e.line(), kind(&e)))?;
            let items = match value {
                Value::Array(items) => items,
                object @ Value::Object(_) => vec![object],
                _ => return Err("not a repository list: expected JSON arrays of repository objects".into()),
            };
            for item in items {
                n += 1;
                let repo = from_object(&item, server, &mut list.stripped_credentials)
                    .map_err(|e| format!("repository {n} of the JSON list: {e}"))?;
                list.repos.push(repo);
            }
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let url =
                url_of(line, server, &mut list.stripped_credentials).map_err(|e| format!("line {}: {e}", i + 1))?;
            list.repos.push(Repo {
                url,
                size_kib: 0,
                archived: false,
                fork: false,
                disabled: false,
                default_branch: None,
            });
        }
    }
    Ok(list)
}

/// A serde_json error's kind without the input around it (it may hold a token).
fn kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

/// A repository object: the REST API's (`clone_url`, `full_name`, `size`, `archived`,
/// `fork`, `disabled`) or `gh repo list --json`'s (`url`, `nameWithOwner`, `diskUsage`,
/// `isArchived`, `isFork`).
fn from_object(item: &Value, server: &str, stripped: &mut usize) -> Result<Repo, String> {
    let Value::Object(o) = item else { return Err("not a JSON object".into()) };
    let text = |k: &str| o.get(k).and_then(Value::as_str);
    let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    let url = match (text("clone_url"), text("url"), text("full_name").or(text("nameWithOwner"))) {
        (Some(url), _, _) => url_of(url, server, stripped)?,
        (None, Some(url), _) if url.contains("://") => {
            url_of(&format!("{}.git", url.trim_end_matches('/')), server, stripped)?
        }
        (None, _, Some(name)) => url_of(name, server, stripped)?,
        _ => match text("message") {
            // What `gh api` prints for a wrong name or a token without access.
            Some(message) => return Err(format!("the GitHub API answered an error: {message}")),
            None => return Err("has no clone_url, url, full_name or nameWithOwner".into()),
        },
    };
    Ok(Repo {
        url,
        size_kib: o.get("size").or(o.get("diskUsage")).and_then(Value::as_u64).unwrap_or(0),
        archived: flag("archived") || flag("isArchived"),
        fork: flag("fork") || flag("isFork"),
        disabled: flag("disabled"),
        default_branch: text("default_branch")
            .or(o.get("defaultBranchRef").and_then(|r| r.get("name")).and_then(Value::as_str))
            .filter(|b| ok_branch(b))
            .map(str::to_string),
    })
}

/// A clone URL from a URL or `owner/name`, without credentials.
fn url_of(text: &str, server: &str, stripped: &mut usize) -> Result<String, String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '`' | '\\' | '$')) {
        return Err("a repository URL may not hold spaces, quotes, backslashes or `$`".into());
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        let mut parts = text.trim_end_matches(".git").split('/');
        return match (parts.next(), parts.next(), parts.next()) {
            (Some(owner), Some(name), None) if ok_name(owner) && ok_name(name) => {
                Ok(format!("{}/{owner}/{name}.git", server.trim_end_matches('/')))
            }
            _ => Err("neither a URL (scheme://host/path) nor owner/name".into()),
        };
    };
    if !matches!(scheme, "https" | "http" | "file" | "ssh" | "git") {
        return Err(format!("unsupported URL scheme {scheme:?} (https, http, ssh, git or file)"));
    }
    if rest.contains('?') || rest.contains('#') {
        return Err("a repository URL may not have a query or fragment (it may hold a token)".into());
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = match authority.rsplit_once('@') {
        // ssh://git@host is a user name, not a secret; anything with a password is.
        Some((user, host)) if scheme == "ssh" && !user.contains(':') => {
            return Ok(format!("ssh://{user}@{host}{path}"));
        }
        Some((_, host)) => {
            *stripped += 1;
            host
        }
        None => authority,
    };
    if host.is_empty() && scheme != "file" {
        return Err("a repository URL needs a host".into());
    }
    if path.trim_matches('/').is_empty() {
        return Err("a repository URL needs a path".into());
    }
    Ok(format!("{scheme}://{host}{path}"))
}

/// A branch name that is safe in a space-separated list and on a command line.
fn ok_branch(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn ok_name(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Drops what is left out and duplicates, and spreads the rest over at most
/// `options.shards` shards, largest first onto the lightest.
pub fn plan(list: &RepoList, options: &PlanOptions) -> Plan {
    let mut skipped = Skipped::default();
    let mut seen = BTreeSet::new();
    let mut kept: Vec<&Repo> = Vec::new();
    for repo in &list.repos {
        if !seen.insert(repo.url.as_str()) {
            skipped.duplicates += 1;
        } else if repo.disabled {
            skipped.disabled += 1;
        } else if repo.archived && options.skip_archived {
            skipped.archived += 1;
        } else if repo.fork && !options.include_forks {
            skipped.forks += 1;
        } else {
            kept.push(repo);
        }
    }
    kept.sort_by(|a, b| b.size_kib.cmp(&a.size_kib).then_with(|| a.url.cmp(&b.url)));
    let n = options.shards.max(1).min(kept.len());
    let mut shards: Vec<(u64, Vec<String>)> = vec![(0, Vec::new()); n];
    for repo in kept {
        let lightest = (0..n).min_by_key(|&i| (shards[i].0, shards[i].1.len(), i)).expect("at least one shard");
        shards[lightest].0 += repo.size_kib;
        shards[lightest].1.push(match &repo.default_branch {
            Some(branch) if options.default_branch => format!("{}#{branch}", repo.url),
            _ => repo.url.clone(),
        });
    }
    let include = shards
        .into_iter()
        .enumerate()
        .map(|(shard, (size_kib, urls))| Shard { shard, count: urls.len(), repos: urls.join(" "), size_kib })
        .collect();
    Plan { include, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Result<String, String> {
        url_of(text, "https://github.com", &mut 0)
    }

    #[test]
    fn urls_lose_credentials_and_names_become_urls() {
        let mut n = 0;
        assert_eq!(url_of("https://x:y@github.com/a/b.git", "", &mut n).unwrap(), "https://github.com/a/b.git");
        assert_eq!(n, 1);
        assert_eq!(url("acme/app").unwrap(), "https://github.com/acme/app.git");
        assert_eq!(url("ssh://git@host/a/b.git").unwrap(), "ssh://git@host/a/b.git");
        assert!(url("https://github.com/a/b?access_token=x").is_err());
        assert!(url("acme").is_err());
        assert!(url("a/b; rm -rf /").is_err());
        assert!(url("ftp://host/a").is_err());
        assert!(url("acme/-x").is_err());
    }
}
