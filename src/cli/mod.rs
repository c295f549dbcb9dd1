//! The binary's command line: clap definitions ([`args`]), their mapping onto the
//! settings' overrides (here), and where a report goes (colour, files, the progress bar:
//! [`output`]).

pub mod args;
pub mod org;
pub mod output;

use std::path::PathBuf;

use keyreach::config::{self, AuditOptions, AuditOverrides, Overrides};

use args::{AuditArgs, EndpointFlags, InputArgs, OutputArgs, ProbeFlags, ScanArgs};

/// The overrides common to `scan` and `audit`.
fn input_overrides(paths: &[PathBuf], input: &InputArgs, output: &OutputArgs, probe: &ProbeFlags) -> Overrides {
    Overrides {
        paths: paths.to_vec(),
        config: input.config.clone(),
        rules_dirs: input.rules.clone(),
        threads: input.threads,
        excludes: input.exclude.clone(),
        max_file_size_mb: input.max_file_size,
        follow_links: input.follow,
        binary: input.binary,
        no_inline_allow: input.no_inline_allow,
        no_foreign_allow: input.no_foreign_allow,
        no_archives: input.no_archives,
        show_secrets: output.show_secrets,
        fail_on: output.fail_on.severity(),
        baseline: input.baseline.clone(),
        probe: probe.probe,
        trust_config: probe.trust_config,
        ..endpoint_overrides(&probe.endpoints)
    }
}

/// `--endpoint`, `--probe-timeout` and `--probe-allow-host`.
pub fn endpoint_overrides(flags: &EndpointFlags) -> Overrides {
    Overrides {
        endpoints: flags.endpoint.clone(),
        probe_timeout: flags.probe_timeout,
        allow_hosts: flags.probe_allow_host.clone(),
        ..Overrides::default()
    }
}

/// `keyreach scan`'s overrides.
pub fn scan_overrides(args: &ScanArgs) -> Overrides {
    Overrides {
        history: args.history,
        since: args.since.clone(),
        staged: args.staged,
        ..input_overrides(&args.paths, &args.input, &args.output, &args.probe)
    }
}

/// Runs `scan` with its overrides; with `--git-url`, first clones each URL (Ctrl-C stops a
/// transfer and removes the clones) and scans the clones' history, then removes them.
pub fn with_remotes<T>(args: &ScanArgs, scan: impl FnOnce(Overrides) -> anyhow::Result<T>) -> anyhow::Result<T> {
    use keyreach::source::git::remote;
    use std::sync::atomic::{AtomicBool, Ordering};
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    let mut overrides = scan_overrides(args);
    if args.git_url.is_empty() {
        return scan(overrides);
    }
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::Relaxed);
        remote::remove_all();
        std::process::exit(130);
    });
    let options = remote::CloneOptions { branch: args.branch.clone() };
    let mut clones = Vec::new();
    for url in &args.git_url {
        clones.push(remote::clone(url, &options, &INTERRUPTED)?);
    }
    overrides.paths = clones.iter().map(|c| c.path.clone()).collect();
    overrides.remotes = clones.iter().map(|c| (c.path.clone(), c.shown.clone())).collect();
    overrides.history = true;
    let result = scan(overrides);
    drop(clones);
    result
}

/// `keyreach audit`'s overrides and the sources it reads: one workspace directory, and
/// `--home` must be a directory.
pub fn audit_overrides(args: &AuditArgs) -> anyhow::Result<(Overrides, AuditOptions)> {
    anyhow::ensure!(args.paths.len() <= 1, "audit takes one workspace directory, not {}", args.paths.len());
    let sources = AuditOverrides {
        home: args.home.clone(),
        no_home: args.no_home,
        no_env: args.no_env,
        no_history: args.no_history,
    };
    let options = config::audit_options(&sources)?;
    Ok((input_overrides(&args.paths, &args.input, &args.output, &args.probe), options))
}
