//! `audit --format html` in a real headless browser (Debian's `chromium`; `.ci/run`
//! installs it). The page is loaded from a file with a test script appended that clicks the
//! filters and sort headers and writes what it saw into the DOM, which Chromium dumps:
//! the picture renders, the filters hide rows and dim the picture, sorting works, and no
//! secret is in the page. The page itself must make no request at all.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::audit::Setup;
use crate::util::{run, stderr};

/// The test script appended to the report: filters, sorts, and records the results.
const PROBE: &str = r#"<script>
(function () {
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll('#findings tbody tr.finding'), function (r) { return !r.hidden; });
  }
  function providers() { return visible().map(function (r) { return r.dataset.provider; }); }
  var r = {};
  var svg = document.getElementById('blast');
  var box = svg.getBoundingClientRect();
  r.svgWidth = box.width; r.svgHeight = box.height;
  r.agentNodes = document.querySelectorAll('#blast .node.agent').length;
  r.placeNodes = document.querySelectorAll('#blast .node.place').length;
  r.credNodes = document.querySelectorAll('#blast .node.cred').length;
  r.targetNodes = document.querySelectorAll('#blast .node.target').length;
  r.edges = document.querySelectorAll('#blast path.edge').length;
  r.rows = visible().length;
  r.critical = document.querySelectorAll('#findings tr.finding[data-severity="critical"]').length;
  var critical = document.querySelector('input[data-filter-severity="critical"]');
  critical.click();
  r.rowsWithoutCritical = visible().length;
  r.dimmedWithoutCritical = document.querySelectorAll('#blast .node.cred.dim').length;
  r.shownCount = document.getElementById('shown-count').textContent;
  critical.click();
  r.rowsAgain = visible().length;
  var select = document.getElementById('provider-filter');
  select.value = 'railway';
  select.dispatchEvent(new Event('change'));
  r.railwayProviders = providers();
  select.value = '';
  select.dispatchEvent(new Event('change'));
  document.querySelector('#findings th[data-sort="provider"]').click();
  r.sortedAscending = providers();
  document.querySelector('#findings th[data-sort="provider"]').click();
  r.sortedDescending = providers();
  r.headline = document.getElementById('headline').textContent;
  var out = document.createElement('pre');
  out.id = 'keyreach-test';
  out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
})();
</script>
"#;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` and returns the DOM after its scripts ran.
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[test]
fn the_html_report_renders_filters_and_holds_no_secret() {
    let s = Setup::new();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    // A policy under which some credentials are critical and others medium.
    let config = dir.path().join("keyreach.toml");
    std::fs::write(&config, "[policy]\nmax_level = \"admin\"\nunknown_scope = \"assume-write\"\n").unwrap();
    let config = config.to_str().unwrap();
    let out = run(s.command().args(["--format", "html", "--config", config, "--output"]).arg(&report));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let html = std::fs::read_to_string(&report).unwrap();
    let (json, _, _) = s.json(&["--config", config]);
    let findings = json["findings"].as_array().unwrap();

    // One self-contained file: no request to anywhere, and no secret.
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for needle in ["src=", "href=", "@import", "url(", "https://", "fetch(", "XMLHttpRequest"] {
        assert!(!html.contains(needle), "the page may not load {needle}");
    }
    assert_eq!(html.matches("http://").count(), 1, "only the SVG namespace");
    for secret in s.labels.iter().map(|l| l.value.as_str()).chain([s.env_token.as_str()]) {
        assert!(!html.contains(secret), "a secret is in the page");
    }
    // Where to rotate each, as text.
    assert!(html.contains("<b>rotate</b> dashboard.stripe.com/apikeys"), "no rotation page");

    let Some(browser) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium (.ci/run installs it)");
        eprintln!("html test: no chromium on PATH; the browser half runs in CI (apt-get install chromium)");
        return;
    };
    let page = dir.path().join("probe.html");
    std::fs::write(&page, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let dom = dump_dom(&browser, &page, &dir.path().join("profile"));
    let start =
        dom.find("<pre id=\"keyreach-test\">").expect("the probe script ran") + "<pre id=\"keyreach-test\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let r: Value = serde_json::from_str(&unescape(&dom[start..end])).unwrap();

    // The picture is there: agent → places → credentials → targets, with edges, laid out.
    assert!(r["svgWidth"].as_f64().unwrap() > 500.0 && r["svgHeight"].as_f64().unwrap() > 200.0, "{r}");
    assert_eq!(r["agentNodes"], 1);
    assert_eq!(r["credNodes"], findings.len());
    assert!(r["placeNodes"].as_u64().unwrap() >= 10, "{r}");
    assert!(r["targetNodes"].as_u64().unwrap() >= 5, "{r}");
    assert!(r["edges"].as_u64().unwrap() >= r["placeNodes"].as_u64().unwrap() + 2 * findings.len() as u64);
    // Filters hide rows and dim the picture.
    let critical = findings.iter().filter(|f| f["severity"] == "critical").count();
    assert!(critical > 0 && critical < findings.len(), "the fixture mixes severities");
    assert_eq!(r["critical"], critical);
    assert_eq!(r["rows"], findings.len());
    assert_eq!(r["rowsWithoutCritical"], findings.len() - critical);
    assert_eq!(r["dimmedWithoutCritical"], critical);
    assert_eq!(r["shownCount"], (findings.len() - critical).to_string());
    assert_eq!(r["rowsAgain"], findings.len());
    let railway = findings.iter().filter(|f| f["provider"] == "railway").count();
    assert_eq!(r["railwayProviders"].as_array().unwrap().len(), railway);
    assert!(r["railwayProviders"].as_array().unwrap().iter().all(|p| p == "railway"));
    // Sorting by provider, both ways.
    let ascending: Vec<&str> = r["sortedAscending"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted);
    let mut descending: Vec<&str> =
        r["sortedDescending"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    descending.reverse();
    assert_eq!(descending, sorted);
    assert!(r["headline"].as_str().unwrap().starts_with(&format!("The agent reaches {} credentials", findings.len())));
    // Nothing in the rendered page is a secret either.
    for secret in s.labels.iter().map(|l| l.value.as_str()).chain([s.env_token.as_str()]) {
        assert!(!dom.contains(secret), "a secret is in the rendered page");
    }
}

#[test]
fn untrusted_names_are_escaped() {
    let s = Setup::new();
    let evil = s.workspace.path().join("<img onerror=alert(1)>.env");
    std::fs::write(&evil, std::fs::read_to_string(s.workspace.path().join(".env")).unwrap()).unwrap();
    let out = run(s.command().args(["--format", "html", "--no-home", "--no-env"]));
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(!html.contains("<img onerror"), "a file name became markup");
    assert!(html.contains("&lt;img onerror=alert(1)&gt;.env"));
}

#[test]
fn scan_can_write_the_page_too() {
    let s = Setup::new();
    let out = run(crate::util::keyreach().arg("scan").arg(s.workspace.path()).args(["--format", "html"]));
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("<title>keyreach scan</title>"));
    assert!(html.contains("<svg id=\"blast\""));
    assert_eq!(html.matches("<tr class=\"finding\"").count(), 5, "the workspace's five credentials");
    for secret in s.labels.iter().map(|l| l.value.as_str()) {
        assert!(!html.contains(secret), "a secret is in the page");
    }
}
