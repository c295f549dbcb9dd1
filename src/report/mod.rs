//! Printers: text, json, jsonl and sarif. They receive findings already judged, filtered and
//! sorted, and write to an injected writer. They decide, filter and fetch nothing.

pub mod blocked;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::{self, Write};

use termcolor::WriteColor;

use crate::policy::Finding;
use crate::source::Stats;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

/// Everything a printer needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// Print secrets in full (`--show-secrets`); otherwise redacted.
    pub show_secrets: bool,
}

/// Writes `report` in `format`. Only the text format uses colour.
pub fn write(format: Format, report: &Report<'_>, out: &mut dyn WriteColor) -> io::Result<()> {
    match format {
        Format::Text => text::write_text(report, out),
        Format::Json => json::write_json(report, out as &mut dyn Write),
        Format::Jsonl => json::write_jsonl(report, out as &mut dyn Write),
        Format::Sarif => sarif::write_sarif(report, out as &mut dyn Write),
    }
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
