//! The message `scan --staged` and `scan --pre-commit` (the hooks' entry) print on stderr
//! when they block a commit: every location with file, line, provider and rule, then the
//! two ways to allow it.

use std::io::{self, Write};

use super::escape;
use crate::policy::Finding;

/// `staged`: the index was scanned (`--staged`), else the files pre-commit passed.
pub fn write_blocked(findings: &[Finding], staged: bool, out: &mut dyn Write) -> io::Result<()> {
    let n = super::count(findings.len() as u64, "credential", "credentials");
    let changes = if staged { "the staged changes" } else { "the files pre-commit passed" };
    writeln!(out, "keyreach: commit blocked: {n} in {changes}")?;
    for f in findings {
        for l in &f.credential.locations {
            let line = l.line.map(|n| format!(":{n}")).unwrap_or_default();
            writeln!(
                out,
                "  {}{line}  {}  {} ({}, {})",
                escape(&l.path),
                escape(&f.provider),
                escape(&f.title),
                f.rule_id,
                f.severity.as_str()
            )?;
        }
    }
    writeln!(out, "To allow a line that is not a live credential (a test fixture, an example), add a comment")?;
    writeln!(out, "on it: keyreach:allow reason=\"test fixture\"")?;
    writeln!(out, "To accept what is there now, run `keyreach baseline`, commit .keyreach-baseline.json and")?;
    writeln!(out, "pass it to the hook: args: [--baseline, .keyreach-baseline.json]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credential, Fingerprint, Location, Secret};
    use crate::policy::Severity;
    use crate::rules::RuleId;
    use crate::source::Reach;

    #[test]
    fn names_file_line_provider_and_how_to_allow() {
        let secret = Secret::new(b"not-a-real-secret-value");
        let finding = Finding {
            rule_id: "github.classic-pat".into(),
            provider: "github".into(),
            title: "GitHub personal access token (classic)".into(),
            credential: Credential {
                rule: RuleId(0),
                fingerprint: Fingerprint::of(secret.expose()),
                secret,
                locations: vec![Location {
                    path: "deploy/env.sh".into(),
                    line: Some(3),
                    column: Some(7),
                    reach: Reach::Staged,
                    commit: None,
                    agent_ignored: false,
                    mcp_server: None,
                }],
                companion: None,
                evidence: None,
                parts: Vec::new(),
            },
            scope: crate::scope::Scope::unknown(),
            severity: Severity::Critical,
            reasons: vec![],
            remedy: String::new(),
            handles: Vec::new(),
            rotate: None,
        };
        let mut out = Vec::new();
        write_blocked(&[finding], true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("keyreach: commit blocked: 1 credential"), "{text}");
        assert!(text.contains("deploy/env.sh:3  github  GitHub personal access token (classic)"), "{text}");
        assert!(text.contains("keyreach:allow reason=") && text.contains("keyreach baseline"), "{text}");
    }
}
