//! The picture of the blast radius in the HTML report: agent → places → credentials → what
//! they reach, as an inline SVG laid out in four columns.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::esc;
use crate::policy::blast::{BlastRadius, PlaceKind};
use crate::report::AuditReport;

/// Credentials drawn in the picture (the most severe); the table lists them all.
const MAX_DRAWN: usize = 40;
const ROW: f64 = 30.0;
const COLUMNS: [f64; 4] = [20.0, 210.0, 500.0, 790.0];
const NODE_WIDTH: f64 = 240.0;
const WIDTH: f64 = 1050.0;

/// Rows of each column of the picture, and the edges between them.
struct Layout {
    places: Vec<usize>,
    credentials: Vec<usize>,
    targets: Vec<usize>,
}

fn layout(b: &BlastRadius) -> Layout {
    let credentials: Vec<usize> = (0..b.total.min(MAX_DRAWN)).collect();
    let mut places = BTreeSet::new();
    let mut targets = BTreeSet::new();
    for i in &credentials {
        places.extend(b.reaches[*i].ways.iter().map(|w| w.place));
        targets.extend(b.reaches[*i].targets.iter().copied());
    }
    let mut places: Vec<usize> = places.into_iter().collect();
    places.sort_by_key(|p| (b.places[*p].kind, *p));
    Layout { places, credentials, targets: targets.into_iter().collect() }
}

fn y(row: usize, count: usize, height: f64) -> f64 {
    let used = count as f64 * ROW;
    (height - used) / 2.0 + row as f64 * ROW + ROW / 2.0
}

fn place_icon(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::Workspace => "file",
        PlaceKind::History => "git",
        PlaceKind::Home => "home",
        PlaceKind::Env => "env",
        PlaceKind::Mcp => "mcp",
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max - 1).collect();
    format!("{kept}…")
}

pub(super) fn picture(audit: &AuditReport<'_>, page: &mut String) {
    let b = audit.blast;
    let findings = audit.report.findings;
    let l = layout(b);
    let rows = l.places.len().max(l.credentials.len()).max(l.targets.len()).max(1);
    let height = rows as f64 * ROW + 50.0;
    let _ = write!(
        page,
        "<section><h2>Blast radius</h2>\n<p class=\"muted\">Agent → places it reads → credentials found there → what they reach. \
Red: over policy; thick border: production.</p>\n<svg id=\"blast\" role=\"img\" aria-label=\"blast radius\" viewBox=\"0 0 {WIDTH} {height}\" \
width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    let _ = writeln!(
        page,
        "<text class=\"col\" x=\"{}\" y=\"16\">agent</text><text class=\"col\" x=\"{}\" y=\"16\">places</text><text class=\"col\" x=\"{}\" y=\"16\">credentials</text><text class=\"col\" x=\"{}\" y=\"16\">what they reach</text>",
        COLUMNS[0], COLUMNS[1], COLUMNS[2], COLUMNS[3]
    );
    let body = height - 20.0;
    let at = |row: usize, count: usize| 20.0 + y(row, count, body);
    let agent_y = at(0, 1);
    let place_row = |p: usize| l.places.iter().position(|x| *x == p).unwrap_or(0);
    let target_row = |t: usize| l.targets.iter().position(|x| *x == t).unwrap_or(0);
    // Edges first, so nodes sit on top.
    for (row, p) in l.places.iter().enumerate() {
        let py = at(row, l.places.len());
        let _ = writeln!(page, "<path class=\"edge\" d=\"{}\"/>", curve(COLUMNS[0] + 120.0, agent_y, COLUMNS[1], py));
        let _ = p;
    }
    for (row, i) in l.credentials.iter().enumerate() {
        let cy = at(row, l.credentials.len());
        let over = if b.reaches[*i].over_policy { " over" } else { "" };
        for w in &b.reaches[*i].ways {
            let py = at(place_row(w.place), l.places.len());
            let _ = writeln!(
                page,
                "<path class=\"edge{over}\" data-cred=\"{i}\" d=\"{}\"/>",
                curve(COLUMNS[1] + 180.0, py, COLUMNS[2], cy)
            );
        }
        for t in &b.reaches[*i].targets {
            let ty = at(target_row(*t), l.targets.len());
            let _ = writeln!(
                page,
                "<path class=\"edge{over}\" data-cred=\"{i}\" d=\"{}\"/>",
                curve(COLUMNS[2] + NODE_WIDTH, cy, COLUMNS[3], ty)
            );
        }
    }
    let _ = writeln!(
        page,
        "<g class=\"node agent\"><rect x=\"{}\" y=\"{}\" width=\"120\" height=\"24\" rx=\"12\"/><text x=\"{}\" y=\"{}\">AI agent</text></g>",
        COLUMNS[0],
        agent_y - 12.0,
        COLUMNS[0] + 12.0,
        agent_y + 5.0
    );
    for (row, p) in l.places.iter().enumerate() {
        let place = &b.places[*p];
        let py = at(row, l.places.len());
        let _ = writeln!(
            page,
            "<g class=\"node place {kind}\"><title>{full}</title><rect x=\"{x}\" y=\"{ry}\" width=\"180\" height=\"24\" rx=\"4\"/>\
<text x=\"{tx}\" y=\"{ty}\"><tspan class=\"icon\">{icon}</tspan> {label}</text></g>",
            kind = place.kind.as_str(),
            full = esc(&place.label),
            x = COLUMNS[1],
            ry = py - 12.0,
            tx = COLUMNS[1] + 6.0,
            ty = py + 5.0,
            icon = place_icon(place.kind),
            label = esc(&clip(&place.label, 24)),
        );
    }
    for (row, i) in l.credentials.iter().enumerate() {
        let f = &findings[*i];
        let cy = at(row, l.credentials.len());
        let _ = writeln!(
            page,
            "<g class=\"node cred sev-{sev}\" data-cred=\"{i}\" data-severity=\"{sev}\" data-provider=\"{prov}\"><title>{title}</title>\
<rect x=\"{x}\" y=\"{ry}\" width=\"{NODE_WIDTH}\" height=\"24\" rx=\"4\"/><text x=\"{tx}\" y=\"{ty}\">{label}</text></g>",
            sev = f.severity.as_str(),
            prov = esc(&f.provider),
            title = esc(&format!("{} ({})", f.title, f.severity)),
            x = COLUMNS[2],
            ry = cy - 12.0,
            tx = COLUMNS[2] + 6.0,
            ty = cy + 5.0,
            label = esc(&clip(&f.title, 34)),
        );
    }
    for (row, t) in l.targets.iter().enumerate() {
        let target = &b.targets[*t];
        let ty = at(row, l.targets.len());
        let production = if target.production { " production" } else { "" };
        let _ = writeln!(
            page,
            "<g class=\"node target{production}\"><title>{full}</title><rect x=\"{x}\" y=\"{ry}\" width=\"240\" height=\"24\" rx=\"4\"/>\
<text x=\"{tx}\" y=\"{tyy}\">{label}</text></g>",
            full = esc(&target.label),
            x = COLUMNS[3],
            ry = ty - 12.0,
            tx = COLUMNS[3] + 6.0,
            tyy = ty + 5.0,
            label = esc(&clip(&target.label, 34)),
        );
    }
    page.push_str("</svg>\n");
    if b.total > MAX_DRAWN {
        let _ = writeln!(
            page,
            "<p class=\"muted\">The picture shows the {MAX_DRAWN} most severe of {} credentials; the table lists them all.</p>",
            b.total
        );
    }
    page.push_str("</section>\n");
}

fn curve(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    let mid = (x1 + x2) / 2.0;
    format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}")
}
