//! The `keyreach` binary: maps each subcommand's flags ([`cli`]) onto one run skeleton —
//! resolve settings, load rules, run the pipeline, print problems and the report, exit —
//! and exit codes. No scanning logic lives here.

mod cli;

use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use keyreach::config::{self, Overrides, RuleSources, Settings};
use keyreach::report::{self, AuditReport, Format, Report};
use keyreach::{Outcome, baseline};

use cli::args::{BaselineArgs, Cli, ColorArg, Command, GuardArgs, ProbeArgs, RuleArgs, RulesAction};
use cli::output::{Bar, exit_error, note, panic_message, with_output};

/// Exit code (README) for findings at or above --fail-on (0: clean, 2: errors).
const EXIT_FINDINGS: u8 = 1;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| eprintln!("{}", panic_message(info.location()))));
    let result = match Cli::parse().command {
        Command::Scan(args) => {
            let job = Job::Scan { format: args.output.format.into() };
            let to = Destination::of(args.output.output.clone(), args.output.color).verbose(args.output.verbose);
            cli::with_remotes(&args, |overrides| run(overrides, job, to))
        }
        Command::Audit(args) => cli::audit_overrides(&args).and_then(|(overrides, options)| {
            let job = Job::Audit { options, format: args.output.format.into() };
            let to = Destination::of(args.output.output.clone(), args.output.color).verbose(args.output.verbose);
            run(overrides, job, to)
        }),
        Command::Baseline(args) => run_baseline(args),
        Command::Probe(args) => run_probe(args),
        Command::Guard(args) => run_guard(args),
        Command::Rules { action, sources } => run_rules(action, sources),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => exit_error(&err),
    }
}

/// What a run does once settings and rules are ready.
enum Job {
    Scan {
        format: Format,
    },
    Audit {
        options: config::AuditOptions,
        format: Format,
    },
    /// Writes a baseline to `output` (keeping only `previous`'s entries that still occur).
    Baseline {
        output: PathBuf,
        root: PathBuf,
        previous: Option<baseline::Baseline>,
    },
}

/// Where a report goes, and whether to say more on stderr (`--verbose`).
struct Destination {
    output: Option<PathBuf>,
    color: ColorArg,
    verbose: bool,
}

impl Destination {
    fn of(output: Option<PathBuf>, color: ColorArg) -> Destination {
        Destination { output, color, verbose: false }
    }

    fn verbose(self, verbose: bool) -> Destination {
        Destination { verbose, ..self }
    }
}

/// The run skeleton: resolve → rules → pipeline → problems → report → exit code.
fn run(overrides: Overrides, job: Job, to: Destination) -> anyhow::Result<u8> {
    let settings = config::resolve(overrides)?;
    for warning in &settings.warnings {
        note(&format!("warning: {}", report::escape(warning)));
    }
    if to.verbose {
        let used: Vec<String> =
            settings.config_paths.iter().map(|p| report::escape(&p.display().to_string())).collect();
        note(&format!("config: {}", if used.is_empty() { "none (defaults)".to_string() } else { used.join(", ") }));
    }
    let rules = keyreach::load_rules(&settings.rules)?;
    let progress = Bar::new();
    let (outcome, written) = match &job {
        Job::Scan { .. } => (keyreach::scan(&settings, rules, &progress)?, None),
        Job::Audit { options, .. } => (keyreach::audit::audit(&settings, options, rules, &progress)?, None),
        Job::Baseline { previous, .. } => {
            let (baseline, outcome) = keyreach::make_baseline(&settings, rules, &progress, previous.as_ref())?;
            (outcome, Some(baseline))
        }
    };
    progress.finish();
    for problem in &outcome.problems {
        note(&report::problem_line(problem));
    }
    if to.verbose {
        for s in &outcome.skipped {
            note(&format!("not scanned: {}: {}", report::escape(&s.path), s.reason.as_str()));
        }
    }
    match (job, written) {
        (Job::Scan { format }, _) => print(&settings, &outcome, format, &to, report::write)?,
        (Job::Audit { format, .. }, _) => print(&settings, &outcome, format, &to, report::write_audit)?,
        (Job::Baseline { output, root, previous }, Some(baseline)) => {
            save_baseline(&baseline, &output, &root, previous.map(|p| p.len()))?;
            return Ok(0);
        }
        (Job::Baseline { .. }, None) => return Ok(0),
    }
    let failing = outcome.findings.iter().any(|f| f.severity >= settings.fail_on);
    if failing && settings.git.staged {
        report::blocked::write_blocked(&outcome.findings, &mut io::stderr().lock())?;
    }
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

type Printer = fn(Format, &AuditReport<'_>, &mut dyn termcolor::WriteColor) -> io::Result<()>;

/// Prints the outcome with `printer`.
fn print(
    settings: &Settings,
    outcome: &Outcome,
    format: Format,
    to: &Destination,
    printer: Printer,
) -> anyhow::Result<()> {
    let view = AuditReport {
        report: Report {
            findings: &outcome.findings,
            stats: &outcome.stats,
            problems: &outcome.problems,
            skipped: &outcome.skipped,
            show_secrets: settings.show_secrets,
        },
        inventory: &outcome.inventory,
        blast: &outcome.blast,
        agent_has_shell: settings.policy.agent_has_shell,
    };
    with_output(to.output.as_ref(), to.color, |out| printer(format, &view, out))
}

fn run_baseline(args: BaselineArgs) -> anyhow::Result<u8> {
    let root = args.path.unwrap_or_else(|| PathBuf::from("."));
    let output = args.output.unwrap_or_else(|| root.join(baseline::FILE_NAME));
    let previous = if args.update { Some(baseline::Baseline::read(&output)?) } else { None };
    let overrides = Overrides {
        paths: vec![root.clone()],
        config: args.config,
        rules_dirs: args.rules,
        threads: args.threads,
        excludes: args.exclude,
        ..Overrides::default()
    };
    run(
        overrides,
        Job::Baseline { output, root, previous },
        Destination::of(None, ColorArg::Never).verbose(args.verbose),
    )
}

fn save_baseline(
    baseline: &baseline::Baseline,
    output: &Path,
    root: &Path,
    previous: Option<usize>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let union_added = baseline::save(baseline, output, root)
        .with_context(|| format!("{}: cannot write the baseline", output.display()))?;
    let dropped = previous.map_or(0, |p| p - baseline.len());
    note(&format!("{} entries in {} ({dropped} dropped)", baseline.len(), output.display()));
    if union_added {
        let line = baseline::GITATTRIBUTES_LINE;
        note(&format!("added `{line}` to .gitattributes so branches adding entries merge cleanly"));
    }
    Ok(())
}

fn run_probe(args: ProbeArgs) -> anyhow::Result<u8> {
    let overrides = Overrides {
        config: args.config,
        probe: !args.offline,
        paths: vec![PathBuf::from("-")],
        ..cli::endpoint_overrides(&args.endpoints)
    };
    let settings = config::resolve(overrides)?;
    let rules = keyreach::load_rules(&settings.rules)?;
    let mut input = Vec::new();
    io::stdin().lock().take(1 << 20).read_to_end(&mut input)?;
    let finding = keyreach::probe_input(&settings, rules, &input, args.provider.as_deref())?;
    let outcome = Outcome { findings: vec![finding], ..Outcome::default() };
    let settings = Settings { show_secrets: false, ..settings };
    print(&settings, &outcome, args.format.into(), &Destination::of(None, args.color), report::write)?;
    Ok(0)
}

fn run_guard(args: GuardArgs) -> anyhow::Result<u8> {
    let mut input = Vec::new();
    io::stdin().lock().take(16 << 20).read_to_end(&mut input)?;
    let options = keyreach::guard::GuardOptions { config: args.config, deny_at: args.deny_at.into() };
    let answer = keyreach::guard::guard(&input, &options)?;
    let mut out = io::stdout().lock();
    out.write_all(answer.stdout.as_bytes())?;
    out.flush()?;
    Ok(0)
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
                note(&report::escape(&e.to_string()));
            }
            if errors.is_empty() {
                writeln!(out, "{count} rules checked: every example matches, no negative example does")?;
                Ok(0)
            } else {
                note(&format!("{} problem(s) in the rules", errors.len()));
                Ok(EXIT_FINDINGS)
            }
        }
    }
}
