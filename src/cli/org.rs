//! `keyreach org plan` and `keyreach report merge`: their clap definitions and runs (the
//! work is the library's `org` module).

use std::io::{self, Read as _, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};

use keyreach::org::{html, merge, plan};

use super::args::{ColorArg, FailOnArg};
use super::output::{note, with_output};

#[derive(Subcommand)]
pub enum OrgAction {
    /// Split a repository list into shards balanced by size, as a workflow matrix.
    ///
    /// Reads what `gh api --paginate orgs/ORG/repos` prints (JSON arrays, several
    /// concatenated; `clone_url`, `size`, `archived`, `fork`, `disabled`), `gh repo list
    /// --json url,diskUsage,isArchived,isFork`, or one clone URL or owner/name a line.
    /// Prints `{"include":[{"shard":0,"repos":"URL URL","count":2,"size_kib":N},…]}` for
    /// `strategy.matrix: ${{ fromJSON(…) }}`; an empty list prints `{"include":[]}`.
    /// Credentials in URLs are removed, never printed.
    Plan(PlanArgs),
}

#[derive(Args)]
pub struct PlanArgs {
    /// The repository list; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// At most this many shards (never more than there are repositories).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub shards: u16,
    /// Leave archived repositories out (they are scanned by default: their history is
    /// still readable and its credentials may still work).
    #[arg(long)]
    pub skip_archived: bool,
    /// Scan forks too (left out by default: a fork mostly repeats its upstream).
    #[arg(long)]
    pub include_forks: bool,
    /// Follow each URL with `#BRANCH`, its default branch where the list gives it
    /// (`default_branch`), to scan only that branch's history (`scan --branch`).
    #[arg(long)]
    pub default_branch: bool,
    /// Where `owner/name` lines live.
    #[arg(long, value_name = "URL", default_value = "https://github.com")]
    pub server: String,
}

#[derive(Subcommand)]
pub enum ReportAction {
    /// Merge JSON scan reports (e.g. one per repository or shard) into one report.
    ///
    /// The same credential (fingerprint) in several repositories becomes one finding
    /// listing every location, each with its `repository`; findings are ordered worst
    /// first (severity, then reach, then number of repositories), with a per-repository
    /// summary and the credentials found in more than one repository.
    Merge(MergeArgs),
}

#[derive(Args)]
pub struct MergeArgs {
    /// keyreach JSON reports (`scan --format json`, or merged ones).
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity (`never`: report only).
    #[arg(long, value_enum, default_value_t = FailOnArg::Low)]
    pub fail_on: FailOnArg,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MergeFormat {
    /// One JSON document: a scan report plus an `organisation` object.
    Json,
    /// One self-contained HTML page.
    Html,
}

pub fn run_org(action: OrgAction) -> anyhow::Result<u8> {
    let OrgAction::Plan(args) = action;
    let (name, text) = match args.file.as_ref().filter(|f| f.as_os_str() != "-") {
        Some(path) => {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read the repository list"))?;
            let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{name}: not UTF-8 text"))?;
            (name, text)
        }
        None => {
            let mut text = String::new();
            io::stdin()
                .lock()
                .take(256 << 20)
                .read_to_string(&mut text)
                .context("standard input: cannot read the repository list")?;
            ("standard input".to_string(), text)
        }
    };
    let list = plan::parse(&text, &args.server).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let name = keyreach::report::escape(&name);
    let options = plan::PlanOptions {
        shards: usize::from(args.shards),
        skip_archived: args.skip_archived,
        include_forks: args.include_forks,
        default_branch: args.default_branch,
    };
    let plan = plan::plan(&list, &options);
    if list.stripped_credentials > 0 {
        note(&format!("warning: credentials removed from {} URL(s) of {name}", list.stripped_credentials));
    }
    let count: usize = plan.include.iter().map(|s| s.count).sum();
    let s = &plan.skipped;
    let left_out =
        [(s.archived, "archived"), (s.forks, "forks"), (s.disabled, "disabled"), (s.duplicates, "duplicates")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect::<Vec<_>>();
    let left_out = if left_out.is_empty() { String::new() } else { format!(" (left out: {})", left_out.join(", ")) };
    if count == 0 {
        note(&format!("no repositories to scan in {name}{left_out}"));
    } else {
        note(&format!("{count} repositories in {} shard(s){left_out}", plan.include.len()));
    }
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, &plan)?;
    writeln!(out)?;
    Ok(0)
}

pub fn run_report(action: ReportAction) -> anyhow::Result<u8> {
    let ReportAction::Merge(args) = action;
    let inputs = args.reports.iter().map(|path| {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read the report"))?;
        let text =
            String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{name}: not a keyreach JSON report: not UTF-8"))?;
        merge::read(&name, &text).map_err(|e| anyhow::anyhow!("{name}: {e}"))
    });
    let merged = merge::merge(inputs)?;
    with_output(args.output.as_ref(), ColorArg::Never, |out| match args.format {
        MergeFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &merged.doc)?;
            writeln!(out)
        }
        MergeFormat::Html => html::write_html(&merged, out),
    })?;
    let failing = args.fail_on.severity().is_some_and(|at| merged.worst().is_some_and(|w| w >= at));
    Ok(if failing { 1 } else { 0 })
}
