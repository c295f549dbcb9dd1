//! The command line as clap sees it: subcommands, their flags and help texts. Nothing here
//! runs anything; [`super::overrides`] maps these onto the settings' overrides.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use keyreach::policy::Severity;
use keyreach::report::Format;

/// Find every credential an AI coding agent can reach, learn what each one can do, and
/// flag the over-privileged ones.
#[derive(Parser)]
#[command(name = "keyreach", version, max_term_width = 98)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory) for credentials.
    ///
    /// Hidden and git-ignored files are included (agents read `.env`); `.git/` internals,
    /// binary files and files over --max-file-size are skipped.
    Scan(ScanArgs),
    /// Write a baseline accepting every credential found now (`.keyreach-baseline.json`).
    ///
    /// Entries are (path, rule, fingerprint), sorted, one a line, with no line numbers, so
    /// branches that each add one merge cleanly. `scan --baseline FILE` then reports only
    /// new credentials, or known ones in new files.
    Baseline(BaselineArgs),
    /// Read one credential from standard input and print what it can do.
    ///
    /// The credential is recognised with the rules; with --provider, input no rule
    /// recognises is taken whole: `SECRET`, or `COMPANION SECRET` for paired credentials
    /// (`AKIA… SECRET` for AWS, `AC… TOKEN` for Twilio, `SHOP.myshopify.com TOKEN` for
    /// Shopify, a key file for GCP). Without --offline the provider's read-only
    /// introspection endpoint is asked (the network is used).
    Probe(ProbeArgs),
    /// Everything an AI agent can reach from a workspace, and its blast radius.
    ///
    /// Scans the workspace as `scan` does (tracked, untracked and git-ignored files), its git
    /// history, the user's home credential files (AWS, GitHub CLI, npm, Docker, kube,
    /// gcloud, Railway, ...), agent and MCP configuration, and the process environment
    /// (variable names only are shown). Marks locations agent ignore files and Claude Code
    /// deny rules hide, and reports per credential every way the agent reaches it and what
    /// it can do.
    Audit(AuditArgs),
    /// An agent pre-tool hook (Claude Code PreToolUse, Cursor beforeReadFile and
    /// beforeShellExecution): reads the hook's JSON on stdin and denies a file read or
    /// shell command that would expose a credential over policy.
    Guard(GuardArgs),
    /// Plan a whole organisation's scan: shards of its repositories for a workflow matrix.
    Org {
        #[command(subcommand)]
        action: super::org::OrgAction,
    },
    /// Work with JSON reports: merge many (one per repository or shard) into one.
    Report {
        #[command(subcommand)]
        action: super::org::ReportAction,
    },
    /// List the rules or check them (every rule's examples must match, negatives must not).
    Rules {
        #[command(subcommand)]
        action: RulesAction,
        #[command(flatten)]
        sources: RuleArgs,
    },
}

#[derive(Subcommand)]
pub enum RulesAction {
    /// Print one rule a line: id, provider, title.
    List,
    /// Validate every rule and run its examples.
    Check,
}

#[derive(Args)]
pub struct RuleArgs {
    /// Also load every `*.toml` rule file in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR", global = true)]
    pub rules: Vec<PathBuf>,
    /// Config file whose `[[rule]]` tables are loaded too.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

/// What to read and how: shared by `scan` and `audit`.
#[derive(Args)]
pub struct InputArgs {
    /// Config file (default: keyreach.toml in the scanned directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also load every `*.toml` rule file in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Do not scan paths matching GLOB, relative to the scanned directory (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Skip files larger than this many megabytes [default: 25].
    #[arg(long, value_name = "MB")]
    pub max_file_size: Option<u64>,
    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    pub follow: bool,
    /// Also scan files that look binary.
    #[arg(long)]
    pub binary: bool,
    /// Ignore every inline allow comment — `keyreach:allow` and other scanners' — to audit them.
    #[arg(long)]
    pub no_inline_allow: bool,
    /// Scan zip, jar, whl, nupkg, tar and tar.gz files as files, not the files inside them.
    #[arg(long)]
    pub no_archives: bool,
    /// Ignore other scanners' markers (`gitleaks:allow`, `pragma: allowlist secret`,
    /// `kingfisher:ignore`); `keyreach:allow` still counts.
    #[arg(long)]
    pub no_foreign_allow: bool,
    /// Do not report credentials that this baseline file accepts.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// Where and how the report is written: shared by `scan` and `audit`.
#[derive(Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print secrets in full instead of redacted.
    #[arg(long)]
    pub show_secrets: bool,
    /// Exit with 1 when a finding is at or above this severity (`never`: report only).
    #[arg(long, value_enum, default_value_t = FailOnArg::Low)]
    pub fail_on: FailOnArg,
    /// Say which config files were used and name every file not scanned (on stderr).
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input (shown as `<stdin>`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also scan the git history: every blob reachable from any ref, once each.
    #[arg(long, conflicts_with = "staged")]
    pub history: bool,
    /// Scan the working tree and, of the history, only what commits after REV introduced
    /// (implies --history).
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    pub since: Option<String>,
    /// Scan what the next commit would record (the index), not the working tree.
    #[arg(long)]
    pub staged: bool,
    /// Clone the repository at URL (bare, into a temporary directory removed afterwards) and
    /// scan its history; repeatable. Credentials: the URL's, GITHUB_TOKEN (github.com or
    /// $GITHUB_SERVER_URL), GITLAB_TOKEN (gitlab.com or $CI_SERVER_HOST), git credential
    /// helpers; sent over https only (or http to localhost), never printed.
    #[arg(long = "git-url", value_name = "URL", conflicts_with_all = ["staged", "paths"])]
    pub git_url: Vec<String>,
    /// With --git-url: clone only this branch.
    #[arg(long, value_name = "BRANCH", requires = "git_url")]
    pub branch: Option<String>,
    /// Run as the pre-commit hook (its entry passes this): a failing scan also says on
    /// stderr how to allow a line or accept what is there with a baseline.
    #[arg(long)]
    pub pre_commit: bool,
    #[command(flatten)]
    pub probe: ProbeFlags,
}

/// Live probing (`--probe`) options of `scan` and `audit`.
#[derive(Args)]
pub struct ProbeFlags {
    /// Ask each credential's provider what it can do (read-only calls; uses the network).
    #[arg(long)]
    pub probe: bool,
    #[command(flatten)]
    pub endpoints: EndpointFlags,
    /// Use `[probe] endpoints` from the scanned directory's keyreach.toml (ignored by
    /// default: a scanned repository may not choose where its secrets are sent).
    #[arg(long)]
    pub trust_config: bool,
}

/// Where probes go and how long they may take: shared by `scan`, `audit` and `probe`.
#[derive(Args)]
pub struct EndpointFlags {
    /// Send PROVIDER's probes to URL instead of its official API (GitHub Enterprise,
    /// self-managed GitLab, tests). https, or http to loopback only (repeatable).
    #[arg(long, value_name = "PROVIDER=URL", value_parser = parse_endpoint)]
    pub endpoint: Vec<(String, String)>,
    /// Seconds each probe request may take [default: 10].
    #[arg(long, value_name = "SECONDS")]
    pub probe_timeout: Option<f64>,
    /// Let database probes connect to HOST (a name, an address or a CIDR block) even at a
    /// private, loopback or link-local address; only public hosts otherwise (repeatable).
    #[arg(long, value_name = "HOST")]
    pub probe_allow_host: Vec<String>,
}

#[derive(Args)]
pub struct AuditArgs {
    /// The workspace directory [default: .].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub probe: ProbeFlags,
    /// Read this directory as the user's home instead of $HOME.
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Do not read the home's credential files and agent configuration (wins over --home).
    #[arg(long)]
    pub no_home: bool,
    /// Do not scan the process environment.
    #[arg(long)]
    pub no_env: bool,
    /// Do not scan git history.
    #[arg(long)]
    pub no_history: bool,
}

#[derive(Args)]
pub struct GuardArgs {
    /// Config file (default: keyreach.toml in the hook's project directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Deny when a credential the call would expose is at or above this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::High)]
    pub deny_at: SeverityArg,
}

#[derive(Args)]
pub struct ProbeArgs {
    /// The provider of the credential (e.g. railway, github, aws).
    #[arg(long)]
    pub provider: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProbeFormat::Text)]
    pub format: ProbeFormat,
    /// Config file (policy, [probe] endpoints).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Decode the credential's format only; no network call.
    #[arg(long)]
    pub offline: bool,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub endpoints: EndpointFlags,
}

fn parse_endpoint(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((p, u)) if !p.is_empty() && !u.is_empty() => Ok((p.to_ascii_lowercase(), u.to_string())),
        _ => Err("expected PROVIDER=URL, e.g. github=https://ghe.example.com/api/v3".into()),
    }
}

#[derive(Args)]
pub struct BaselineArgs {
    /// Directory to scan [default: .].
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Keep only the existing entries that still occur; add nothing new.
    #[arg(long)]
    pub update: bool,
    /// Add what another scanner accepted: a gitleaks JSON report or `.gitleaksignore`, or
    /// a detect-secrets `.secrets.baseline` (repeatable). Accepts what keyreach finds at
    /// the places they name; the rest is listed, not imported.
    #[arg(long, value_name = "FILE", conflicts_with = "update")]
    pub import: Vec<PathBuf>,
    /// Where to write [default: PATH/.keyreach-baseline.json].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Config file (default: keyreach.toml in the scanned directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also load every `*.toml` rule file in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Do not scan paths matching GLOB, relative to the scanned directory (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Say which config files were used and name every file not scanned (on stderr).
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// A report for people, grouped by severity.
    Text,
    /// One JSON document (the report described in the README).
    Json,
    /// One finding object a line.
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning (no secret unless --show-secrets).
    Sarif,
    /// One self-contained HTML page with a picture of the blast radius.
    Html,
}

/// What `keyreach probe` can print: one finding.
#[derive(Clone, Copy, ValueEnum)]
pub enum ProbeFormat {
    /// The finding for people.
    Text,
    /// The JSON report with one finding.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

/// `--fail-on`: a severity, or `never`.
#[derive(Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Low,
    Medium,
    High,
    Critical,
    Never,
}

impl FailOnArg {
    pub fn severity(self) -> Option<Severity> {
        match self {
            FailOnArg::Low => Some(Severity::Low),
            FailOnArg::Medium => Some(Severity::Medium),
            FailOnArg::High => Some(Severity::High),
            FailOnArg::Critical => Some(Severity::Critical),
            FailOnArg::Never => None,
        }
    }
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Html => Format::Html,
        }
    }
}

impl From<ProbeFormat> for Format {
    fn from(f: ProbeFormat) -> Format {
        match f {
            ProbeFormat::Text => Format::Text,
            ProbeFormat::Json => Format::Json,
        }
    }
}
