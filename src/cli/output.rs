//! Where output goes: a report to `--output FILE` or standard output with the colour
//! choice, and the progress bar on standard error.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use termcolor::{Ansi, ColorChoice, NoColor, StandardStream, WriteColor};

use keyreach::report;

use super::args::ColorArg;

/// Runs `print` on the report's destination: `--output FILE` (plain unless
/// `--color=always`) or standard output.
pub fn with_output(
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

/// A progress bar on stderr for scans longer than a moment, only on a terminal and never
/// in CI.
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
    shown: AtomicBool,
}

impl Bar {
    pub fn new() -> Bar {
        let enabled = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning {decimal_bytes} ({decimal_bytes_per_sec}) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Bar { bar, started: Instant::now(), enabled, shown: AtomicBool::new(false) }
    }

    pub fn finish(&self) {
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

/// Writes one line to standard error, as `keyreach: LINE`.
pub fn note(line: &str) {
    let _ = writeln!(io::stderr().lock(), "keyreach: {line}");
}

/// Exit code (README) for a usage, config or I/O error.
const EXIT_ERROR: u8 = 2;

/// Prints `err` as one escaped line and exits 2; a closed pipe (`keyreach … | head`) exits
/// quietly with 0.
pub fn exit_error(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    note(&report::escape(&one_line(&format!("{err:#}"))));
    ExitCode::from(EXIT_ERROR)
}

/// What a panic prints: where, never the payload (a panic message can quote the string
/// being handled, and keyreach handles secrets).
pub fn panic_message(location: Option<&std::panic::Location<'_>>) -> String {
    let at = location.map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    format!("keyreach: internal error{at} (the message is withheld: it may quote scanned content); please report it")
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

/// Says how many places an import read and which it could not match.
pub fn import_notes(done: &keyreach::Imported) {
    let unmatched = done.unmatched.len();
    note(&format!("import: {} of {} matched a credential keyreach finds there", done.places - unmatched, done.places));
    for place in done.unmatched.iter().take(20) {
        note(&format!("  not imported: {}", report::escape(place)));
    }
    if unmatched > 20 {
        note(&format!("  … and {} more not imported", unmatched - 20));
    }
}

/// Writes the baseline and says how many entries it holds (and whether `.gitattributes`
/// changed).
pub fn save_baseline(
    baseline: &keyreach::baseline::Baseline,
    output: &std::path::Path,
    root: &std::path::Path,
    previous: Option<usize>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let union_added = keyreach::baseline::save(baseline, output, root)
        .with_context(|| format!("{}: cannot write the baseline", output.display()))?;
    let (entries, dropped) = (
        report::count(baseline.len() as u64, "entry", "entries"),
        previous.map_or(0, |p| p.saturating_sub(baseline.len())),
    );
    note(&format!("{entries} in {} ({dropped} dropped)", output.display()));
    if union_added {
        let line = keyreach::baseline::GITATTRIBUTES_LINE;
        note(&format!("added `{line}` to .gitattributes so branches adding entries merge cleanly"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_name_the_place_never_the_payload() {
        let shown = panic_message(Some(std::panic::Location::caller()));
        assert!(shown.starts_with("keyreach: internal error at src/cli/output.rs:"), "{shown}");
        assert_eq!(shown.lines().count(), 1);
    }
}
