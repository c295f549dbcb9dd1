//! Printers: text, json, jsonl, sarif and html. They receive findings already judged,
//! filtered and sorted, with what was read and the blast radius, and write to an injected
//! writer. They decide, filter and fetch nothing.

pub mod audit_json;
pub mod audit_text;
pub mod blocked;
pub mod html;
pub mod json;
mod operator;
pub mod sarif;
pub mod text;
mod words;

pub use words::{article, count};

use std::io::{self, Write};

use termcolor::WriteColor;

use crate::policy::Finding;
use crate::policy::blast::BlastRadius;
use crate::source::{Inventory, Problem, Skipped, Stats};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// One self-contained HTML page with the blast-radius picture.
    Html,
}

/// Everything a printer needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// What could not be read (JSON `problems`, SARIF notifications).
    pub problems: &'a [Problem],
    /// Files not scanned and why (JSON `skipped`, SARIF notifications).
    pub skipped: &'a [Skipped],
    /// Print secrets in full (`--show-secrets`); otherwise redacted.
    pub show_secrets: bool,
}

/// A run's report: the findings plus what was read and the blast radius, both decided by
/// the pipeline under the run's policy.
pub struct AuditReport<'a> {
    pub report: Report<'a>,
    pub inventory: &'a Inventory,
    pub blast: &'a BlastRadius,
    /// `agent_has_shell` from the policy, for the restrictions section.
    pub agent_has_shell: bool,
}

/// Writes a scan's report in `format`. Only the text format uses colour; `html` draws the
/// blast radius the pipeline built.
pub fn write(format: Format, run: &AuditReport<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    let report = &run.report;
    match format {
        Format::Text => text::write_text(report, out),
        Format::Json => json::write_json(report, out as &mut dyn Write),
        Format::Jsonl => json::write_jsonl(report, out as &mut dyn Write),
        Format::Sarif => sarif::write_sarif(report, out as &mut dyn Write),
        Format::Html => html::write_html(run, out as &mut dyn Write),
    }
}

/// Writes an audit in `format`: text is the blast-radius report, json adds an `audit`
/// object, html is the page with its picture; jsonl and sarif print the findings.
pub fn write_audit(format: Format, audit: &AuditReport<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    match format {
        Format::Text => audit_text::write_audit_text(audit, out),
        Format::Json => json::write_audit_json(audit, out as &mut dyn Write),
        Format::Html | Format::Jsonl | Format::Sarif => write(format, audit, out),
    }
}

/// Said on stderr when the history read was a shallow clone's.
pub const SHALLOW_WARNING: &str = "warning: shallow clone: the history holds only the fetched commits, so secrets \
    removed before them are missed and older ones are credited to the oldest fetched commit; \
    run `git fetch --unshallow` (actions/checkout: fetch-depth: 0) to scan it all";

/// A problem as one line for standard error: `path: cause`, both escaped.
pub fn problem_line(problem: &crate::source::Problem) -> String {
    format!("{}: {}", escape(&problem.path), escape(&problem.cause))
}

/// Escapes text from scanned repositories before it reaches a terminal: control
/// characters (ANSI escapes included), DEL, C1 controls, bidi overrides and zero-width
/// characters become visible `\u{..}` forms.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_control_sequences() {
        assert_eq!(escape("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("x\u{202e}y\nz"), "x\\u{202e}y\\nz");
        assert_eq!(escape("plain/path.rs"), "plain/path.rs");
    }
}
