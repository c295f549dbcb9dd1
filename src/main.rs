//! The `keyreach` binary: maps each subcommand's flags ([`cli`]) onto one run skeleton —
//! resolve settings, load rules, run the pipeline, print problems and the report, exit —
//! and exit codes. No scanning logic lives here.

mod cli;

use std::io::{self, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use keyreach::config::{self, Overrides, RuleSources, Settings};
use keyreach::report::{self, AuditReport, Format, Report};
use keyreach::{Outcome, baseline};

use cli::args::{BaselineArgs, Cli, ColorArg, Command, GuardArgs, OutputArgs, ProbeArgs, RuleArgs, RulesAction};
use cli::output::{Bar, exit_error, note, panic_message, with_output};

/// Exit code (README) for findings at or above --fail-on (0: clean, 2: errors).
const EXIT_FINDINGS: u8 = 1;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| eprintln!("{}", panic_message(info.location()))));
    keyreach::pipeline::tune_allocator();
    let result = match Cli::parse().command {
        Command::Scan(args) => {
            let job = Job::Scan { format: args.output.format.into() };
            let to = Destination { hook: args.pre_commit, ..Destination::of(&args.output) };
            cli::with_remotes(&args, |overrides| run(overrides, job, to))
        }
        Command::Audit(args) => cli::audit_overrides(&args).and_then(|(overrides, options)| {
            run(overrides, Job::Audit { options, format: args.output.format.into() }, Destination::of(&args.output))
        }),
        Command::Baseline(args) => run_baseline(args),
        Command::Probe(args) => run_probe(args),
        Command::Guard(args) => run_guard(args),
        Command::Rules { action, sources } => run_rules(action, sources),
        Command::Org { action } => cli::org::run_org(action),
        Command::Report { action } => cli::org::run_report(action),
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
    /// Writes a baseline to `output` (keeping only `previous`'s entries that still occur;
    /// with `import`, adding to them what other tools' files accepted).
    Baseline {
        output: PathBuf,
        root: PathBuf,
        previous: Option<baseline::Baseline>,
        import: Vec<PathBuf>,
    },
}

/// Where a report goes, and whether to say more on stderr (`--verbose`; `--pre-commit`:
/// how to get past a blocked commit).
struct Destination {
    output: Option<PathBuf>,
    color: ColorArg,
    verbose: bool,
    hook: bool,
}

impl Destination {
    fn of(o: &OutputArgs) -> Destination {
        Destination { output: o.output.clone(), color: o.color, verbose: o.verbose, hook: false }
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
        Job::Baseline { previous, import, .. } if !import.is_empty() => {
            let (baseline, done, outcome) =
                keyreach::import_baseline(&settings, rules, &progress, import, previous.as_ref())?;
            cli::output::import_notes(&done);
            (outcome, Some(baseline))
        }
        Job::Baseline { previous, .. } => {
            let (baseline, outcome) = keyreach::make_baseline(&settings, rules, &progress, previous.as_ref())?;
            (outcome, Some(baseline))
        }
    };
    progress.finish();
    for problem in &outcome.problems {
        note(&report::problem_line(problem));
    }
    if outcome.stats.shallow_history == Some(true) {
        note(report::SHALLOW_WARNING);
    }
    if to.verbose {
        for s in &outcome.skipped {
            note(&format!("not scanned: {}: {}", report::escape(&s.path), s.reason.as_str()));
        }
    }
    match (job, written) {
        (Job::Scan { format }, _) => print(&settings, &outcome, format, &to, report::write)?,
        (Job::Audit { format, .. }, _) => print(&settings, &outcome, format, &to, report::write_audit)?,
        (Job::Baseline { output, root, previous, .. }, Some(baseline)) => {
            cli::output::save_baseline(&baseline, &output, &root, previous.map(|p| p.len()))?;
            return Ok(0);
        }
        (Job::Baseline { .. }, None) => return Ok(0),
    }
    let failing = settings.fail_on.is_some_and(|at| outcome.findings.iter().any(|f| f.severity >= at));
    if failing && (settings.git.staged || to.hook) {
        report::blocked::write_blocked(&outcome.findings, settings.git.staged, &mut io::stderr().lock())?;
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
    // An import adds to the baseline already there.
    let merge = args.update || (!args.import.is_empty() && output.exists());
    let previous = if merge { Some(baseline::Baseline::read(&output)?) } else { None };
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
        Job::Baseline { output, root, previous, import: args.import },
        Destination { output: None, color: ColorArg::Never, verbose: args.verbose, hook: false },
    )
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
    print(
        &settings,
        &outcome,
        args.format.into(),
        &Destination { output: None, color: args.color, verbose: false, hook: false },
        report::write,
    )?;
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
