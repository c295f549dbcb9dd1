//! `--format html`: one self-contained page (inline CSS and script, a Content-Security-Policy
//! forbidding every request) with the summary, a picture of the blast radius — agent →
//! places → credentials → what they reach — a table sortable and filterable by severity
//! and provider, and what was read. Every string from a scanned tree is HTML-escaped;
//! secrets are redacted unless `--show-secrets`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

mod picture;

use super::AuditReport;
use super::text::abilities;
use crate::source::HistoryStatus;
use crate::source::home::HomeKind;

pub fn write_html(audit: &AuditReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024);
    // `scan --format html` has no sources beyond its files.
    let title = if audit.inventory.workspace.is_empty() { "keyreach scan" } else { "keyreach audit" };
    head(&mut page, title);
    summary(audit, title, &mut page);
    picture::picture(audit, &mut page);
    table(audit, &mut page);
    sources(audit, &mut page);
    page.push_str(SCRIPT);
    page.push_str("</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push_str(&format!("&#x{:x};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn head(page: &mut String, title: &str) {
    page.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    let _ = writeln!(page, "<title>{title}</title>");
    page.push_str(STYLE);
    page.push_str("</head>\n<body>\n");
}

fn summary(audit: &AuditReport<'_>, title: &str, page: &mut String) {
    let b = audit.blast;
    let noun = if b.total == 1 { "credential" } else { "credentials" };
    let _ = write!(
        page,
        "<header><h1>{title}</h1>\n<p class=\"headline\" id=\"headline\">The agent reaches <strong>{} {noun}</strong>, \
<strong class=\"over\">{} over policy</strong>.</p>\n<p class=\"counts\">",
        b.total, b.over_policy
    );
    for (severity, n) in &b.counts {
        let _ = write!(page, "<span class=\"badge sev-{s}\">{n} {s}</span> ", s = severity.as_str());
    }
    page.push_str("</p>\n");
    if !b.worst.is_empty() {
        page.push_str("<ol class=\"worst\" id=\"worst\">\n");
        for i in &b.worst {
            let f = &audit.report.findings[*i];
            let places: BTreeSet<&str> = b.reaches[*i].ways.iter().map(|w| b.places[w.place].label.as_str()).collect();
            let places: Vec<String> = places.into_iter().map(esc).collect();
            let _ = writeln!(
                page,
                "<li><span class=\"badge sev-{s}\">{s}</span> {title} <span class=\"muted\">in {places}</span> — {can}</li>",
                s = f.severity.as_str(),
                title = esc(&f.title),
                places = places.join(", "),
                can = esc(&abilities(f)),
            );
        }
        page.push_str("</ol>\n");
    }
    page.push_str("</header>\n");
}

fn table(audit: &AuditReport<'_>, page: &mut String) {
    let findings = audit.report.findings;
    let b = audit.blast;
    let providers: BTreeSet<&str> = findings.iter().map(|f| f.provider.as_str()).collect();
    page.push_str("<section><h2>Credentials</h2>\n<div class=\"filters\" id=\"filters\">Show ");
    for (severity, _) in &b.counts {
        let _ = write!(
            page,
            "<label><input type=\"checkbox\" data-filter-severity=\"{s}\" checked> <span class=\"badge sev-{s}\">{s}</span></label> ",
            s = severity.as_str()
        );
    }
    page.push_str("<label>provider <select id=\"provider-filter\"><option value=\"\">all</option>");
    for p in &providers {
        let _ = write!(page, "<option value=\"{p}\">{p}</option>", p = esc(p));
    }
    let _ = writeln!(
        page,
        "</select></label> <span class=\"muted\"><span id=\"shown-count\">{}</span> shown</span></div>",
        findings.len()
    );
    page.push_str(
        "<table id=\"findings\">\n<thead><tr><th data-sort=\"rank\" class=\"sortable\">severity</th>\
<th data-sort=\"title\" class=\"sortable\">credential</th><th data-sort=\"provider\" class=\"sortable\">provider</th>\
<th>how the agent reaches it</th><th>what it can do</th></tr></thead>\n<tbody>\n",
    );
    for (i, (f, reach)) in findings.iter().zip(&b.reaches).enumerate() {
        let secret = if audit.report.show_secrets {
            String::from_utf8_lossy(f.credential.secret.expose()).into_owned()
        } else {
            f.credential.secret.redacted()
        };
        let ways: Vec<String> = reach
            .ways
            .iter()
            .map(|w| {
                let hidden = if w.hidden_from_file_tools { " class=\"hidden-from-tools\"" } else { "" };
                format!("<li{hidden}>{}</li>", esc(&w.how))
            })
            .collect();
        let targets: Vec<String> = reach
            .targets
            .iter()
            .map(|t| {
                let t = &b.targets[*t];
                if t.production { format!("<b>{} (production)</b>", esc(&t.label)) } else { esc(&t.label) }
            })
            .collect();
        let reasons: Vec<String> = f.reasons.iter().map(|r| format!("<li>{}</li>", esc(r))).collect();
        let handles: String =
            f.handles.iter().map(|h| format!("<br>{} <code>{}</code>", esc(h.label), esc(&h.value))).collect();
        let rotate = match &f.rotate {
            // Addresses without their scheme: the page holds no link to anywhere.
            Some(r) => format!(
                "<p><b>rotate</b> {}</p>",
                esc(&super::operator::rotate_lines(r).join(" · ").replace("https://", ""))
            ),
            None => String::new(),
        };
        let envs = if reach.environments.is_empty() {
            String::new()
        } else {
            format!("<p><b>environments</b> {}</p>", esc(&reach.environments.join(", ")))
        };
        let _ = writeln!(
            page,
            "<tr class=\"finding\" data-index=\"{i}\" data-severity=\"{sev}\" data-rank=\"{rank}\" data-provider=\"{prov}\" data-title=\"{title}\">\
<td><span class=\"badge sev-{sev}\">{sev}</span></td>\
<td><b>{title}</b><br><code>{rule}</code><br><code class=\"secret\">{secret}</code>{handles}</td><td>{prov}</td>\
<td><ul>{ways}</ul></td>\
<td>{scope}<p><b>reaches</b> {targets}</p>{envs}<details><summary>why and how to fix</summary><ul>{reasons}</ul><p><b>fix</b> {remedy}</p>{rotate}</details></td></tr>",
            sev = f.severity.as_str(),
            rank = 3 - (f.severity as u8),
            prov = esc(&f.provider),
            title = esc(&f.title),
            rule = esc(&f.rule_id),
            secret = esc(&secret),
            ways = ways.join(""),
            scope = esc(&super::text::scope_line(f)),
            targets = targets.join(", "),
            reasons = reasons.join(""),
            remedy = esc(&f.remedy),
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn sources(audit: &AuditReport<'_>, page: &mut String) {
    let inv = audit.inventory;
    let st = audit.report.stats;
    page.push_str("<section id=\"sources\"><h2>What was read</h2>\n<ul>\n");
    if !inv.workspace.is_empty() {
        let _ = writeln!(
            page,
            "<li><b>workspace</b> {} ({})</li>",
            esc(&inv.workspace),
            super::count(st.files, "file", "files")
        );
    } else {
        let _ = writeln!(page, "<li><b>files</b> {}</li>", super::count(st.files, "file", "files"));
    }
    let history = match &inv.history {
        HistoryStatus::Scanned if st.shallow_history == Some(true) => {
            "only the fetched commits: a shallow clone (git fetch --unshallow reads the rest)".to_string()
        }
        HistoryStatus::Scanned => "every commit reachable from a ref".to_string(),
        HistoryStatus::Off => "not read".to_string(),
        HistoryStatus::Unavailable(why) => format!("not read: {why}"),
    };
    let _ = writeln!(page, "<li><b>git history</b> {}</li>", esc(&history));
    match &inv.home {
        Some(home) => {
            let _ = write!(page, "<li><b>home</b> {}<ul>", esc(home));
            for f in &inv.home_files {
                let what = match f.kind {
                    HomeKind::SshKey { passphrase: Some(true) } => "SSH private key, passphrase-protected",
                    HomeKind::SshKey { passphrase: Some(false) } => "SSH private key, no passphrase",
                    HomeKind::SshKey { passphrase: None } => "SSH private key, protection unknown",
                    _ => f.tool,
                };
                let _ = write!(page, "<li><code>{}</code> {}</li>", esc(&f.display), esc(what));
            }
            page.push_str("</ul></li>\n");
        }
        None => {
            let _ = writeln!(page, "<li><b>home</b> not read ({})</li>", esc(&inv.home_note));
        }
    }
    match inv.env_vars {
        Some(n) => {
            let _ = writeln!(
                page,
                "<li><b>environment</b> {} (names only are shown)</li>",
                super::count(n as u64, "variable", "variables")
            );
        }
        None => page.push_str("<li><b>environment</b> not read</li>\n"),
    }
    for c in &inv.agent_configs {
        let servers: Vec<String> = c
            .servers
            .iter()
            .map(|s| format!("{} ({}; {})", s.name, s.launch, s.field_names().collect::<Vec<_>>().join(", ")))
            .collect();
        let _ = writeln!(
            page,
            "<li><b>agent config</b> <code>{}</code> ({}): {}</li>",
            esc(&c.display),
            esc(c.agent),
            esc(&servers.join("; "))
        );
    }
    for r in &inv.restrictions {
        let _ = writeln!(
            page,
            "<li><b>restriction</b> <code>{}</code> ({}): {} rules{}</li>",
            esc(&r.display),
            esc(r.agent),
            r.rules,
            r.problem.as_ref().map(|p| format!("; {}", esc(p))).unwrap_or_default()
        );
    }
    let shell = if audit.agent_has_shell {
        "The agent has a shell (agent_has_shell = true): ignore files and deny rules lower nothing."
    } else {
        "The agent has no shell (agent_has_shell = false): what restrictions hide is out of its reach."
    };
    let _ = writeln!(page, "</ul>\n<p class=\"muted\">{shell}</p>\n</section>");
}

/// The page style, shared with the organisation report (`org::html`).
pub const STYLE: &str = r#"<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #1d2125; }
h1 { margin: 0 0 4px; font-size: 22px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.headline { font-size: 17px; margin: 4px 0; } .over { color: #b3261e; }
.muted { color: #6b7280; } code { font-size: 12px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; color: #fff; }
.sev-critical .badge, .badge.sev-critical { background: #8e1b14; } .badge.sev-high { background: #d9480f; }
.badge.sev-medium { background: #b08800; } .badge.sev-low { background: #1c7ed6; }
.worst li { margin: 3px 0; }
svg { border: 1px solid #e5e7eb; border-radius: 6px; background: #fafafa; }
svg .col { font-size: 11px; fill: #6b7280; text-transform: uppercase; letter-spacing: .05em; }
svg .edge { fill: none; stroke: #9ca3af; stroke-width: 1.2; opacity: .7; }
svg .edge.over { stroke: #d9480f; stroke-width: 1.6; }
svg .node rect { fill: #fff; stroke: #9ca3af; } svg .node text { font-size: 12px; fill: #1d2125; }
svg .agent rect { fill: #1d2125; } svg .agent text { fill: #fff; font-weight: 600; }
svg .cred.sev-critical rect { fill: #fde2e0; stroke: #8e1b14; } svg .cred.sev-high rect { fill: #ffe8d6; stroke: #d9480f; }
svg .cred.sev-medium rect { fill: #fff6d6; stroke: #b08800; } svg .cred.sev-low rect { fill: #e3f0fc; stroke: #1c7ed6; }
svg .target.production rect { stroke: #8e1b14; stroke-width: 3; } svg .icon { font-size: 10px; fill: #6b7280; }
svg .dim { opacity: .12; }
.filters { margin: 8px 0; } .filters label { margin-right: 10px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; }
th.sortable { cursor: pointer; user-select: none; } th.sortable::after { content: " ↕"; color: #9ca3af; }
td ul { margin: 0; padding-left: 16px; } td p { margin: 4px 0; } .hidden-from-tools { color: #6b7280; }
</style>
"#;

const SCRIPT: &str = r#"<script>
(function () {
  var body = document.querySelector('#findings tbody');
  var rows = Array.prototype.slice.call(body.querySelectorAll('tr.finding'));
  function apply() {
    var severities = {};
    document.querySelectorAll('input[data-filter-severity]').forEach(function (box) {
      if (box.checked) severities[box.getAttribute('data-filter-severity')] = true;
    });
    var provider = document.getElementById('provider-filter').value;
    var shown = {}, count = 0;
    rows.forEach(function (row) {
      var visible = !!severities[row.dataset.severity] && (provider === '' || row.dataset.provider === provider);
      row.hidden = !visible;
      if (visible) { shown[row.dataset.index] = true; count++; }
    });
    document.querySelectorAll('#blast [data-cred]').forEach(function (el) {
      el.classList.toggle('dim', !shown[el.getAttribute('data-cred')]);
    });
    document.getElementById('shown-count').textContent = String(count);
  }
  document.querySelectorAll('input[data-filter-severity]').forEach(function (box) { box.addEventListener('change', apply); });
  document.getElementById('provider-filter').addEventListener('change', apply);
  var order = {};
  document.querySelectorAll('#findings th[data-sort]').forEach(function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-sort');
      order[key] = order[key] === 'asc' ? 'desc' : 'asc';
      var sign = order[key] === 'asc' ? 1 : -1;
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        var c = key === 'rank' ? Number(x) - Number(y) : x.localeCompare(y);
        return sign * (c || Number(a.dataset.index) - Number(b.dataset.index));
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
})();
</script>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<script>\"x\" & 'y'</script>"), "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;");
        assert_eq!(esc("a\u{1b}b"), "a&#x1b;b");
    }
}
