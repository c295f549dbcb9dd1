//! `report merge --format html`: the organisation report as one self-contained page in the
//! scan page's style (inline CSS, a Content-Security-Policy forbidding every request, no
//! script): the counts, the credentials found in more than one repository, the
//! per-repository summary and every credential with its places. Every value comes from
//! scanned repositories and is HTML-escaped; a secret is shown only in its redacted form.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::Value;

use super::merge::Merge;
use crate::report::html::{STYLE, esc};

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

pub fn write_html(merge: &Merge, out: &mut dyn Write) -> io::Result<()> {
    let doc = &merge.doc;
    let org = &doc["organisation"];
    let findings = merge.findings();
    let mut page = String::with_capacity(64 * 1024);
    page.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>keyreach organisation report</title>\n",
    );
    page.push_str(STYLE);
    page.push_str("</head>\n<body>\n<header><h1>keyreach organisation report</h1>\n");
    let all = org["repositories"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let with = all.iter().filter(|r| r["findings"].as_u64().unwrap_or(0) > 0).count();
    let over = ["critical", "high"].iter().map(|s| org["counts"][s].as_u64().unwrap_or(0)).sum::<u64>();
    // Clean repositories are known only from reports that name theirs (org-scan.sh's).
    let of = if all.len() > with { format!("{with} of ") } else { String::new() };
    let _ = writeln!(
        page,
        "<p class=\"headline\" id=\"headline\"><strong>{}</strong> found in <strong>{of}{}</strong>, \
<strong class=\"over\">{over} over policy</strong> ({} merged).</p>",
        crate::report::count(findings.len() as u64, "credential", "credentials"),
        crate::report::count(all.len() as u64, "repository", "repositories"),
        crate::report::count(org["reports"].as_array().map_or(0, Vec::len) as u64, "report", "reports"),
    );
    page.push_str("<p class=\"counts\">");
    for s in SEVERITIES {
        let _ = write!(page, "<span class=\"badge sev-{s}\">{} {s}</span> ", org["counts"][s].as_u64().unwrap_or(0));
    }
    page.push_str("</p>\n</header>\n");
    spread(org, &mut page);
    repositories(org, &mut page);
    table(findings, &mut page);
    page.push_str("</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

fn text(v: &Value) -> String {
    esc(v.as_str().unwrap_or(""))
}

fn spread(org: &Value, page: &mut String) {
    let Some(spread) = org["spread"].as_array().filter(|s| !s.is_empty()) else { return };
    page.push_str("<section id=\"spread\"><h2>Credentials in more than one repository</h2>\n<ol class=\"worst\">\n");
    for s in spread {
        let _ = writeln!(
            page,
            "<li><span class=\"badge sev-{sev}\">{sev}</span> {title} <span class=\"muted\">{fp}</span> — {repos}, {locs}</li>",
            sev = text(&s["severity"]),
            title = text(&s["title"]),
            fp = text(&s["fingerprint"]),
            repos = crate::report::count(s["repositories"].as_u64().unwrap_or(0), "repository", "repositories"),
            locs = crate::report::count(s["locations"].as_u64().unwrap_or(0), "place", "places"),
        );
    }
    page.push_str("</ol>\n</section>\n");
}

fn repositories(org: &Value, page: &mut String) {
    page.push_str("<section id=\"repositories\"><h2>Repositories</h2>\n<table>\n<thead><tr><th>repository</th>");
    for s in SEVERITIES {
        let _ = write!(page, "<th><span class=\"badge sev-{s}\">{s}</span></th>");
    }
    page.push_str("<th>places</th></tr></thead>\n<tbody>\n");
    for r in org["repositories"].as_array().into_iter().flatten() {
        let _ = write!(page, "<tr><td><code>{}</code></td>", text(&r["repository"]));
        for s in SEVERITIES {
            let _ = write!(page, "<td>{}</td>", r[s].as_u64().unwrap_or(0));
        }
        let _ = writeln!(page, "<td>{}</td></tr>", r["locations"].as_u64().unwrap_or(0));
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn table(findings: &[Value], page: &mut String) {
    page.push_str(
        "<section><h2>Credentials</h2>\n<table id=\"findings\">\n<thead><tr><th>severity</th><th>credential</th>\
<th>provider</th><th>where</th><th>why</th></tr></thead>\n<tbody>\n",
    );
    for f in findings {
        // Only a redacted secret is shown; a report made with --show-secrets keeps it out.
        let secret = f["secret"].as_str().filter(|s| s.contains('…')).map(esc).unwrap_or_default();
        let places: Vec<String> = f["locations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                let repo = l["repository"].as_str().unwrap_or("");
                let path = l["path"].as_str().unwrap_or("");
                let inside = path.strip_prefix(repo).map(|p| p.trim_start_matches('/')).unwrap_or(path);
                let line = l["line"].as_u64().map(|n| format!(":{n}")).unwrap_or_default();
                let commit = l["commit"]
                    .as_str()
                    .map(|c| format!(" @{}", esc(&c.chars().take(12).collect::<String>())))
                    .unwrap_or_default();
                format!(
                    "<li><code>{}</code> {}{line}{commit} <span class=\"muted\">{}</span></li>",
                    esc(repo),
                    esc(inside),
                    text(&l["reach"])
                )
            })
            .collect();
        let reasons: Vec<String> =
            f["reasons"].as_array().into_iter().flatten().map(|r| format!("<li>{}</li>", text(r))).collect();
        let _ = writeln!(
            page,
            "<tr class=\"finding\" data-severity=\"{sev}\"><td><span class=\"badge sev-{sev}\">{sev}</span></td>\
<td><b>{title}</b><br><code>{rule}</code><br><code class=\"secret\">{secret}</code><br><code class=\"muted\">{fp}</code></td>\
<td>{prov}</td><td><ul>{places}</ul></td><td><ul>{reasons}</ul><p><b>fix</b> {remedy}</p></td></tr>",
            sev = text(&f["severity"]),
            title = text(&f["title"]),
            rule = text(&f["rule"]),
            fp = text(&f["fingerprint"]),
            prov = text(&f["provider"]),
            places = places.join(""),
            reasons = reasons.join(""),
            remedy = text(&f["remedy"]),
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}
