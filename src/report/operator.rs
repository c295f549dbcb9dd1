//! What an operator needs to act, in every format: the credential's handles (key id,
//! fingerprint, comment, owner — none of them secret) and where and how to rotate it.

use std::io;

use termcolor::WriteColor;

use super::escape;
use super::text::field;
use crate::policy::Finding;
use crate::policy::rotate::Rotation;

/// The companion to show redacted, unless it is one of the handles (an AWS access key
/// id is shown in full as `key id`).
pub(super) fn hidden_companion(f: &Finding) -> Option<&crate::credentials::CompanionPart> {
    let part = f.credential.companion.as_ref()?;
    let value = String::from_utf8_lossy(part.value.expose());
    (!f.handles.iter().any(|h| h.value == value)).then_some(part)
}

/// The handle's label in the text report (nine columns wide at most).
pub(super) fn text_label(label: &str) -> &str {
    match label {
        "fingerprint" => "key",
        other => other,
    }
}

/// `rotate` lines: the console page, the command, the provider's page on it.
pub(super) fn rotate_lines(r: &Rotation) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(console) = &r.console {
        lines.push(console.clone());
    }
    if let Some(cli) = &r.cli {
        lines.push(format!("run `{cli}`"));
    }
    if let Some(docs) = &r.docs {
        lines.push(format!("how: {docs}"));
    }
    lines
}

/// The handles and rotation lines of `f` as text report fields.
pub(super) fn write_fields(f: &Finding, out: &mut dyn WriteColor) -> io::Result<()> {
    for h in &f.handles {
        field(out, text_label(h.label), &escape(&h.value))?;
    }
    Ok(())
}

/// The `rotate` fields of `f`, after its fix.
pub(super) fn write_rotate(f: &Finding, out: &mut dyn WriteColor) -> io::Result<()> {
    if let Some(r) = &f.rotate {
        for (i, line) in rotate_lines(r).iter().enumerate() {
            field(out, if i == 0 { "rotate" } else { "" }, &escape(line))?;
        }
    }
    Ok(())
}

/// The JSON key of a handle (`key_id`, `fingerprint`, `comment`, `owner`).
pub(super) fn json_key(label: &str) -> String {
    label.replace(' ', "_")
}
