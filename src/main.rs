//! The `keyreach` binary: clap definitions, mapping flags onto config overrides, printing,
//! and exit codes. No scanning logic lives here.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use termcolor::{Ansi, ColorChoice, NoColor, StandardStream, WriteColor};

use keyreach::config::{self, Overrides, RuleSources};
use keyreach::policy::Severity;
use keyreach::report::{self, AuditReport, Format, Report};

/// Find every credential an AI coding agent can reach, learn what each one can do, and
/// flag the over-privileged ones.
#[derive(Parser)]
#[command(name = "keyreach", version, max_term_width = 98)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    /// List the rules or check them (every rule's examples must match, negatives must not).
    Rules {
        #[command(subcommand)]
        action: RulesAction,
        #[command(flatten)]
        sources: RuleArgs,
    },
}

#[derive(Subcommand)]
enum RulesAction {
    /// Print one rule a line: id, provider, title.
    List,
    /// Validate every rule and run its examples.
    Check,
}

#[derive(Args)]
struct RuleArgs {
    /// Also load every `*.toml` rule file in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR", global = true)]
    rules: Vec<PathBuf>,
    /// Config file whose `[[rule]]` tables are loaded too.
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct ScanArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Config file (default: keyreach.toml in the scanned directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also load every `*.toml` rule file in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::Low)]
    fail_on: SeverityArg,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Do not scan paths matching GLOB, relative to the scanned directory (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than this many megabytes [default: 25].
    #[arg(long, value_name = "MB")]
    max_file_size: Option<u64>,
    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    follow: bool,
    /// Also scan files that look binary.
    #[arg(long)]
    binary: bool,
    /// Ignore `keyreach:allow` comments (to audit them).
    #[arg(long)]
    no_inline_allow: bool,
    /// Print secrets in full instead of redacted.
    #[arg(long)]
    show_secrets: bool,
    /// Also scan the git history: every blob reachable from any ref, once each.
    #[arg(long, conflicts_with = "staged")]
    history: bool,
    /// Scan only the history after REV (implies --history).
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    since: Option<String>,
    /// Scan what the next commit would record (the index), not the working tree.
    #[arg(long)]
    staged: bool,
    /// Do not report credentials that this baseline file accepts.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    #[command(flatten)]
    probe: ProbeFlags,
}

/// Live probing (`--probe`) options shared by `scan` and `probe`.
#[derive(Args)]
struct ProbeFlags {
    /// Ask each credential's provider what it can do (read-only calls; uses the network).
    #[arg(long)]
    probe: bool,
    /// Send PROVIDER's probes to URL instead of its official API (GitHub Enterprise,
    /// self-managed GitLab, tests). https, or http to loopback only (repeatable).
    #[arg(long, value_name = "PROVIDER=URL", value_parser = parse_endpoint)]
    endpoint: Vec<(String, String)>,
    /// Use `[probe] endpoints` from the scanned directory's keyreach.toml (ignored by
    /// default: a scanned repository may not choose where its secrets are sent).
    #[arg(long)]
    trust_config: bool,
    /// Seconds each probe request may take [default: 10].
    #[arg(long, value_name = "SECONDS")]
    probe_timeout: Option<f64>,
}

#[derive(Args)]
struct AuditArgs {
    #[command(flatten)]
    scan: ScanArgs,
    /// Read this directory as the user's home instead of $HOME.
    #[arg(long, value_name = "DIR")]
    home: Option<PathBuf>,
    /// Do not read the home's credential files and agent configuration (wins over --home).
    #[arg(long)]
    no_home: bool,
    /// Do not scan the process environment.
    #[arg(long)]
    no_env: bool,
    /// Do not scan git history.
    #[arg(long)]
    no_history: bool,
}

#[derive(Args)]
struct GuardArgs {
    /// Config file (default: keyreach.toml in the hook's project directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Deny when a credential the call would expose is at or above this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::High)]
    deny_at: SeverityArg,
}

#[derive(Args)]
struct ProbeArgs {
    /// The provider of the credential (e.g. railway, github, aws).
    #[arg(long)]
    provider: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Config file (policy, [probe] endpoints).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Decode the credential's format only; no network call.
    #[arg(long)]
    offline: bool,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    #[command(flatten)]
    probe: ProbeFlags,
}

fn parse_endpoint(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((p, u)) if !p.is_empty() && !u.is_empty() => Ok((p.to_ascii_lowercase(), u.to_string())),
        _ => Err("expected PROVIDER=URL, e.g. github=https://ghe.example.com/api/v3".into()),
    }
}

#[derive(Args)]
struct BaselineArgs {
    /// Directory to scan [default: .].
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
    /// Keep only the existing entries that still occur; add nothing new.
    #[arg(long)]
    update: bool,
    /// Where to write [default: PATH/.keyreach-baseline.json].
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Config file (default: keyreach.toml in the scanned directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Also load every `*.toml` rule file in DIR (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Do not scan paths matching GLOB, relative to the scanned directory (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// A report for people, grouped by severity.
    Text,
    /// One JSON document (the DESIGN.md contract).
    Json,
    /// One finding object a line.
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning (no secret unless --show-secrets).
    Sarif,
    /// One self-contained HTML page with a picture of the blast radius.
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
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

/// Exit codes (DESIGN.md): 0 clean, 1 findings at or above --fail-on, 2 errors.
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| eprintln!("{}", panic_message(info.location()))));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Baseline(args) => run_baseline(args),
        Command::Probe(args) => run_probe(args),
        Command::Audit(args) => run_audit(args),
        Command::Guard(args) => run_guard(args),
        Command::Rules { action, sources } => run_rules(action, sources),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("keyreach: {}", report::escape(&one_line(&format!("{err:#}"))));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// What a panic prints: where, never the payload (a panic message can quote the string
/// being handled, and keyreach handles secrets).
fn panic_message(location: Option<&std::panic::Location<'_>>) -> String {
    let at = location.map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    format!("keyreach: internal error{at} (the message is withheld: it may quote scanned content); please report it")
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

fn scan_overrides(args: &ScanArgs) -> Overrides {
    Overrides {
        paths: args.paths.clone(),
        config: args.config.clone(),
        rules_dirs: args.rules.clone(),
        threads: args.threads,
        excludes: args.exclude.clone(),
        max_file_size_mb: args.max_file_size,
        follow_links: args.follow,
        binary: args.binary,
        no_inline_allow: args.no_inline_allow,
        show_secrets: args.show_secrets,
        fail_on: Some(args.fail_on.into()),
        history: args.history,
        since: args.since.clone(),
        staged: args.staged,
        baseline: args.baseline.clone(),
        probe: args.probe.probe,
        endpoints: args.probe.endpoint.clone(),
        trust_config: args.probe.trust_config,
        probe_timeout: args.probe.probe_timeout,
    }
}

fn run_scan(args: ScanArgs) -> anyhow::Result<u8> {
    let settings = config::resolve(scan_overrides(&args))?;
    for warning in &settings.warnings {
        eprintln!("keyreach: warning: {}", report::escape(warning));
    }
    let rules = keyreach::load_rules(&settings.rules)?;
    let progress = Bar::new();
    let outcome = keyreach::scan(&settings, rules, &progress)?;
    progress.finish();
    for problem in &outcome.problems {
        eprintln!("keyreach: {}", report::problem_line(problem));
    }
    let report = Report { findings: &outcome.findings, stats: &outcome.stats, show_secrets: settings.show_secrets };
    write_report(args.format.into(), &report, args.output.as_ref(), args.color)?;
    let failing = outcome.findings.iter().any(|f| f.severity >= settings.fail_on);
    if failing && settings.git.staged {
        report::blocked::write_blocked(&outcome.findings, &mut io::stderr().lock())?;
    }
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

fn run_audit(args: AuditArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(args.scan.paths.len() <= 1, "audit takes one workspace directory, not {}", args.scan.paths.len());
    anyhow::ensure!(!args.scan.staged, "--staged is for scan: audit reads the working tree, its history and beyond");
    let settings = config::resolve(scan_overrides(&args.scan))?;
    let options = config::audit_options(&config::AuditOverrides {
        home: args.home,
        no_home: args.no_home,
        no_env: args.no_env,
        no_history: args.no_history,
    })?;
    for warning in &settings.warnings {
        eprintln!("keyreach: warning: {warning}");
    }
    let rules = keyreach::load_rules(&settings.rules)?;
    let progress = Bar::new();
    let outcome = keyreach::audit::audit(&settings, &options, rules, &progress)?;
    progress.finish();
    for problem in &outcome.problems {
        eprintln!("keyreach: {}", report::problem_line(problem));
    }
    let audit = AuditReport {
        report: Report { findings: &outcome.findings, stats: &outcome.stats, show_secrets: settings.show_secrets },
        inventory: &outcome.inventory,
        blast: &outcome.blast,
        agent_has_shell: settings.policy.agent_has_shell,
    };
    with_output(args.scan.output.as_ref(), args.scan.color, |out| {
        report::write_audit(args.scan.format.into(), &audit, out)
    })?;
    let failing = outcome.findings.iter().any(|f| f.severity >= settings.fail_on);
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

fn run_guard(args: GuardArgs) -> anyhow::Result<u8> {
    use std::io::Read as _;
    let mut input = Vec::new();
    io::stdin().lock().take(16 << 20).read_to_end(&mut input)?;
    let options = keyreach::guard::GuardOptions { config: args.config, deny_at: args.deny_at.into() };
    let answer = keyreach::guard::guard(&input, &options)?;
    let mut out = io::stdout().lock();
    out.write_all(answer.stdout.as_bytes())?;
    out.flush()?;
    Ok(0)
}

fn run_baseline(args: BaselineArgs) -> anyhow::Result<u8> {
    use anyhow::Context as _;
    let root = args.path.unwrap_or_else(|| PathBuf::from("."));
    let output = args.output.unwrap_or_else(|| root.join(keyreach::baseline::FILE_NAME));
    let previous = if args.update { Some(keyreach::baseline::Baseline::read(&output)?) } else { None };
    let overrides = Overrides {
        paths: vec![root.clone()],
        config: args.config,
        rules_dirs: args.rules,
        threads: args.threads,
        excludes: args.exclude,
        ..Overrides::default()
    };
    let settings = config::resolve(overrides)?;
    let rules = keyreach::load_rules(&settings.rules)?;
    let progress = Bar::new();
    let (baseline, outcome) = keyreach::make_baseline(&settings, rules, &progress, previous.as_ref())?;
    progress.finish();
    for problem in &outcome.problems {
        eprintln!("keyreach: {}", report::problem_line(problem));
    }
    let union_added = keyreach::baseline::save(&baseline, &output, &root)
        .with_context(|| format!("{}: cannot write the baseline", output.display()))?;
    let dropped = previous.map_or(0, |p| p.len() - baseline.len());
    eprintln!("keyreach: {} entries in {} ({dropped} dropped)", baseline.len(), output.display());
    if union_added {
        let line = keyreach::baseline::GITATTRIBUTES_LINE;
        eprintln!("keyreach: added `{line}` to .gitattributes so branches adding entries merge cleanly");
    }
    Ok(0)
}

fn run_probe(args: ProbeArgs) -> anyhow::Result<u8> {
    use std::io::Read as _;
    let overrides = Overrides {
        config: args.config,
        probe: !args.offline,
        endpoints: args.probe.endpoint,
        trust_config: args.probe.trust_config,
        probe_timeout: args.probe.probe_timeout,
        paths: vec![PathBuf::from("-")],
        ..Overrides::default()
    };
    let settings = config::resolve(overrides)?;
    let rules = keyreach::load_rules(&settings.rules)?;
    let mut input = Vec::new();
    io::stdin().lock().take(1 << 20).read_to_end(&mut input)?;
    let finding = keyreach::probe_input(&settings, rules, &input, args.provider.as_deref())?;
    let stats = keyreach::source::Stats::default();
    let findings = [finding];
    let report = Report { findings: &findings, stats: &stats, show_secrets: false };
    write_report(args.format.into(), &report, None, args.color)?;
    Ok(0)
}

fn write_report(format: Format, report: &Report<'_>, output: Option<&PathBuf>, color: ColorArg) -> anyhow::Result<()> {
    with_output(output, color, |out| report::write(format, report, out))
}

/// Runs `print` on the report's destination: `--output FILE` (plain unless
/// `--color=always`) or standard output.
fn with_output(
    output: Option<&PathBuf>,
    color: ColorArg,
    print: impl FnOnce(&mut dyn WriteColor) -> io::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    match output {
        Some(path) => {
            let file =
                std::fs::File::create(path).with_context(|| format!("{}: cannot write the report", path.display()))?;
            let writer = io::BufWriter::new(file);
            let mut out: Box<dyn WriteColor> = match color {
                ColorArg::Always => Box::new(Ansi::new(writer)),
                _ => Box::new(NoColor::new(writer)),
            };
            print(out.as_mut())?;
            out.flush()?;
        }
        None => {
            let mut out = StandardStream::stdout(color_choice(color, io::stdout().is_terminal()));
            print(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// `auto` colours only a terminal, and never when NO_COLOR is set to a non-empty value.
fn color_choice(color: ColorArg, terminal: bool) -> ColorChoice {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match color {
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Never => ColorChoice::Never,
        ColorArg::Auto if terminal && !no_color => ColorChoice::Auto,
        ColorArg::Auto => ColorChoice::Never,
    }
}

fn run_rules(action: RulesAction, args: RuleArgs) -> anyhow::Result<u8> {
    let inline = match &args.config {
        Some(path) => config::read_config(path)?.rule.into_iter().map(|r| (path.display().to_string(), r)).collect(),
        None => Vec::new(),
    };
    let sources = RuleSources { dirs: args.rules, inline, ..RuleSources::default() };
    let mut out = io::stdout().lock();
    match action {
        RulesAction::List => {
            let set = keyreach::load_rules(&sources)?;
            for (_, rule) in set.iter() {
                writeln!(out, "{}\t{}\t{}", rule.id, rule.provider, rule.title)?;
            }
            Ok(0)
        }
        RulesAction::Check => {
            let (count, errors) = keyreach::check_rules(&sources);
            for e in &errors {
                eprintln!("keyreach: {}", report::escape(&e.to_string()));
            }
            if errors.is_empty() {
                writeln!(out, "{count} rules checked: every example matches, no negative example does")?;
                Ok(0)
            } else {
                eprintln!("keyreach: {} problem(s) in the rules", errors.len());
                Ok(EXIT_FINDINGS)
            }
        }
    }
}

/// A progress bar on stderr for scans longer than a moment, only on a terminal and never
/// in CI.
struct Bar {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
    shown: AtomicBool,
}

impl Bar {
    fn new() -> Bar {
        let enabled = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning {decimal_bytes} ({decimal_bytes_per_sec}) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Bar { bar, started: Instant::now(), enabled, shown: AtomicBool::new(false) }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl keyreach::Progress for Bar {
    fn file_done(&self, bytes: u64) {
        self.bar.inc(bytes);
        if self.enabled && !self.shown.load(Ordering::Relaxed) && self.started.elapsed() > Duration::from_millis(400) {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_name_the_place_never_the_payload() {
        let shown = panic_message(Some(std::panic::Location::caller()));
        assert!(shown.starts_with("keyreach: internal error at src/main.rs:"), "{shown}");
        assert_eq!(shown.lines().count(), 1);
    }
}
