//! The user's home credential files: where CLIs and SDKs keep their tokens (AWS, GitHub CLI,
//! npm, Docker, kube, gcloud, Azure, Railway, Vercel, Netlify, Fly.io, doctl, Terraform,
//! Cargo, RubyGems, Hugging Face, ...), SSH private keys and shell history files.
//!
//! An agent running as the user reads all of them. This module only finds which exist and
//! says what each is; the caller reads the bytes (display path `~/...`, reach `home`).
//! SSH keys are inspected here for one fact: whether a passphrase protects them.

use std::path::{Path, PathBuf};

/// One credential file that exists in the home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeFile {
    /// Absolute path to read.
    pub path: PathBuf,
    /// `~/` plus the path relative to the home, `/`-separated.
    pub display: String,
    /// What keeps it ("AWS CLI and SDKs", "GitHub CLI", "shell history").
    pub tool: &'static str,
    pub kind: HomeKind,
}

/// What sort of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HomeKind {
    /// A CLI's or SDK's credential or config file.
    Credentials,
    /// An SSH private key, and whether a passphrase protects it (`None`: could not tell).
    SshKey { passphrase: Option<bool> },
    /// A shell or REPL history file: commands typed with tokens in them.
    History,
    /// An agent or MCP configuration file (see `source::agent`).
    AgentConfig,
}

impl HomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HomeKind::Credentials => "credentials",
            HomeKind::SshKey { .. } => "ssh-key",
            HomeKind::History => "history",
            HomeKind::AgentConfig => "agent-config",
        }
    }
}

/// Credential files, relative to the home; `*` stands for one directory level.
const CREDENTIAL_FILES: &[(&str, &str)] = &[
    (".aws/credentials", "AWS CLI and SDKs"),
    (".aws/config", "AWS CLI and SDKs"),
    (".config/gh/hosts.yml", "GitHub CLI"),
    (".config/hub", "hub"),
    (".config/glab-cli/config.yml", "GitLab CLI"),
    (".git-credentials", "git credential store"),
    (".config/git/credentials", "git credential store"),
    (".netrc", "netrc (curl, git, Heroku CLI)"),
    ("_netrc", "netrc (curl, git, Heroku CLI)"),
    (".npmrc", "npm"),
    (".yarnrc.yml", "Yarn"),
    (".pypirc", "PyPI (twine)"),
    (".docker/config.json", "Docker"),
    (".kube/config", "Kubernetes (kubectl)"),
    (".config/gcloud/application_default_credentials.json", "gcloud application-default credentials"),
    (".config/gcloud/legacy_credentials/*/adc.json", "gcloud"),
    (".azure/msal_token_cache.json", "Azure CLI"),
    (".azure/accessTokens.json", "Azure CLI"),
    (".azure/service_principal_entries.json", "Azure CLI"),
    (".railway/config.json", "Railway CLI"),
    (".local/share/com.vercel.cli/auth.json", "Vercel CLI"),
    ("Library/Application Support/com.vercel.cli/auth.json", "Vercel CLI"),
    (".vercel/auth.json", "Vercel CLI"),
    (".config/netlify/config.json", "Netlify CLI"),
    ("Library/Preferences/netlify/config.json", "Netlify CLI"),
    (".netlify/config.json", "Netlify CLI"),
    (".fly/config.yml", "Fly.io (flyctl)"),
    (".config/doctl/config.yaml", "DigitalOcean (doctl)"),
    ("Library/Application Support/doctl/config.yaml", "DigitalOcean (doctl)"),
    (".terraform.d/credentials.tfrc.json", "Terraform"),
    (".terraformrc", "Terraform"),
    (".cargo/credentials.toml", "Cargo"),
    (".cargo/credentials", "Cargo"),
    (".gem/credentials", "RubyGems"),
    (".local/share/gem/credentials", "RubyGems"),
    (".cache/huggingface/token", "Hugging Face"),
    (".cache/huggingface/stored_tokens", "Hugging Face"),
    (".huggingface/token", "Hugging Face"),
    (".config/dart/pub-credentials.json", "Dart pub"),
    (".pub-cache/credentials.json", "Dart pub"),
    (".circleci/cli.yml", "CircleCI CLI"),
    (".config/telnyx/config.json", "Telnyx CLI"),
    (".config/ngrok/ngrok.yml", "ngrok"),
    (".config/stripe/config.toml", "Stripe CLI"),
    (".wrangler/config/default.toml", "Cloudflare Wrangler"),
    (".config/.wrangler/config/default.toml", "Cloudflare Wrangler"),
    (".supabase/access-token", "Supabase CLI"),
    (".vault-token", "Vault"),
    (".pgpass", "PostgreSQL"),
    (".my.cnf", "MySQL"),
    (".zuliprc", "Zulip"),
    (".env", "dotenv in the home"),
];

/// Shell and REPL history files.
const HISTORY_FILES: &[&str] = &[
    ".bash_history",
    ".zsh_history",
    ".zhistory",
    ".history",
    ".sh_history",
    ".local/share/fish/fish_history",
    ".python_history",
    ".node_repl_history",
    ".psql_history",
    ".mysql_history",
    ".sqlite_history",
    ".rediscli_history",
    ".irb_history",
];

/// Files in `~/.ssh` that are never private keys.
const SSH_NOT_KEYS: &[&str] =
    &["config", "known_hosts", "known_hosts.old", "authorized_keys", "authorized_keys2", "environment"];

/// Largest file looked at (a credential file is small; a history file may not be).
const MAX_KEY_SNIFF: u64 = 64 * 1024;

/// Every credential file, SSH private key and history file that exists under `home`,
/// sorted by display path.
pub fn files(home: &Path) -> Vec<HomeFile> {
    let mut out = Vec::new();
    for (rel, tool) in CREDENTIAL_FILES {
        for path in expand(home, rel) {
            push(&mut out, home, path, tool, HomeKind::Credentials);
        }
    }
    for rel in HISTORY_FILES {
        push(&mut out, home, home.join(rel), "shell history", HomeKind::History);
    }
    out.extend(ssh_keys(home));
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.path == b.path);
    out
}

/// `~/` plus `path` relative to `home` (or the path itself when outside it).
pub fn display(home: &Path, path: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rel) => format!("~/{}", super::fs::display_path(rel)),
        Err(_) => super::fs::display_path(path),
    }
}

fn push(out: &mut Vec<HomeFile>, home: &Path, path: PathBuf, tool: &'static str, kind: HomeKind) {
    if is_regular_file(&path) {
        out.push(HomeFile { display: display(home, &path), path, tool, kind });
    }
}

/// Regular files only, never following a symlink to somewhere else.
fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// Expands one `*` path segment (a directory level) into the paths that exist.
fn expand(home: &Path, rel: &str) -> Vec<PathBuf> {
    let Some((before, after)) = rel.split_once("/*/") else { return vec![home.join(rel)] };
    let Ok(entries) = std::fs::read_dir(home.join(before)) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path().join(after)).collect();
    paths.sort();
    paths
}

/// Private keys in `~/.ssh`: any regular file there whose start is a private key block.
fn ssh_keys(home: &Path) -> Vec<HomeFile> {
    let dir = home.join(".ssh");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".pub") || SSH_NOT_KEYS.contains(&name.as_str()) {
            continue;
        }
        let path = entry.path();
        if !is_regular_file(&path) {
            continue;
        }
        let Some(head) = read_head(&path) else { continue };
        if let Some(passphrase) = private_key_passphrase(&head) {
            out.push(HomeFile {
                display: display(home, &path),
                path,
                tool: "SSH",
                kind: HomeKind::SshKey { passphrase },
            });
        }
    }
    out
}

fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let file = super::fs::open(path).ok()?;
    let mut head = Vec::new();
    file.take(MAX_KEY_SNIFF).read_to_end(&mut head).ok()?;
    Some(head)
}

/// `None` when `bytes` is not a private key; otherwise whether a passphrase protects it
/// (`Some(None)`: a private key whose protection cannot be told).
///
/// OpenSSH keys (`openssh-key-v1`, PROTOCOL.key) name their cipher after the magic:
/// `none` means unencrypted. PEM keys say `ENCRYPTED` in the label (PKCS#8) or in a
/// `Proc-Type: 4,ENCRYPTED` header (OpenSSL traditional format). PuTTY keys have an
/// `Encryption:` line.
pub fn private_key_passphrase(bytes: &[u8]) -> Option<Option<bool>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start();
    if let Some(body) = text.strip_prefix("-----BEGIN OPENSSH PRIVATE KEY-----") {
        return Some(openssh_cipher(body).map(|cipher| cipher != "none"));
    }
    if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Some(Some(true));
    }
    if let Some(rest) = text.strip_prefix("-----BEGIN ") {
        let label = rest.split("-----").next().unwrap_or("");
        if label.ends_with("PRIVATE KEY") {
            let header = rest.lines().take(4).any(|l| l.trim() == "Proc-Type: 4,ENCRYPTED");
            return Some(Some(header));
        }
        return None;
    }
    if text.starts_with("PuTTY-User-Key-File-") {
        let encryption = text.lines().find_map(|l| l.strip_prefix("Encryption:")).map(str::trim);
        return Some(encryption.map(|e| e != "none"));
    }
    None
}

/// The cipher name of an OpenSSH private key body (base64 up to the END line).
fn openssh_cipher(body: &str) -> Option<String> {
    use base64::Engine as _;
    let encoded: String = body
        .split("-----END")
        .next()?
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    // The magic (15 bytes) and the cipher name (4-byte length + name) sit in the first 64.
    let prefix = &encoded[..encoded.len().min(64) / 4 * 4];
    let raw = base64::engine::general_purpose::STANDARD.decode(prefix).ok()?;
    let rest = raw.strip_prefix(b"openssh-key-v1\0")?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let name = rest.get(4..4 + len)?;
    Some(String::from_utf8_lossy(name).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn openssh(cipher: &str) -> String {
        let mut raw = b"openssh-key-v1\0".to_vec();
        raw.extend_from_slice(&(cipher.len() as u32).to_be_bytes());
        raw.extend_from_slice(cipher.as_bytes());
        raw.extend_from_slice(&[7u8; 80]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{b64}\n-----END OPENSSH PRIVATE KEY-----\n")
    }

    #[test]
    fn tells_whether_a_passphrase_protects_a_key() {
        assert_eq!(private_key_passphrase(openssh("none").as_bytes()), Some(Some(false)));
        assert_eq!(private_key_passphrase(openssh("aes256-ctr").as_bytes()), Some(Some(true)));
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n";
        assert_eq!(private_key_passphrase(pem.as_bytes()), Some(Some(true)));
        let plain = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(private_key_passphrase(plain.as_bytes()), Some(Some(false)));
        let pkcs8 = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n";
        assert_eq!(private_key_passphrase(pkcs8.as_bytes()), Some(Some(true)));
        assert_eq!(private_key_passphrase(b"-----BEGIN OPENSSH PRIVATE KEY-----\n!!\n"), Some(None));
        assert_eq!(private_key_passphrase(b"-----BEGIN PUBLIC KEY-----\nAAAA\n"), None);
        assert_eq!(private_key_passphrase(b"Host *\n  User git\n"), None);
        let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: aes256-cbc\n";
        assert_eq!(private_key_passphrase(putty.as_bytes()), Some(Some(true)));
    }

    #[test]
    fn finds_existing_credential_files_keys_and_history() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let write = |rel: &str, text: &str| {
            let path = home.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(".aws/credentials", "[default]\n");
        write(".config/gcloud/legacy_credentials/dev@example.invalid/adc.json", "{}");
        write(".bash_history", "ls\n");
        write(".ssh/id_ed25519", &openssh("none"));
        write(".ssh/id_ed25519.pub", "ssh-ed25519 AAAA");
        write(".ssh/deploy", &openssh("aes256-ctr"));
        write(".ssh/config", "Host *\n");
        let found: Vec<(String, HomeKind)> = files(home).into_iter().map(|f| (f.display, f.kind)).collect();
        assert_eq!(
            found,
            vec![
                ("~/.aws/credentials".to_string(), HomeKind::Credentials),
                ("~/.bash_history".into(), HomeKind::History),
                ("~/.config/gcloud/legacy_credentials/dev@example.invalid/adc.json".into(), HomeKind::Credentials),
                ("~/.ssh/deploy".into(), HomeKind::SshKey { passphrase: Some(true) }),
                ("~/.ssh/id_ed25519".into(), HomeKind::SshKey { passphrase: Some(false) }),
            ]
        );
    }
}
