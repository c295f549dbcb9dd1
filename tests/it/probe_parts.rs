//! Credentials that need more than their secret, found in real-looking files and probed
//! end to end (`scan --probe`): the parts each probe needs (an Entra tenant and client id,
//! an Atlassian email and site, an AWS session token, a Datadog API key, a Vault address,
//! a kubeconfig's cluster...) are read from next to the credential, and each fake provider
//! accepts only the exact parts. A host written in a scanned file never becomes an
//! allowed one: only the user's `--endpoint` does.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::fake::Fake;
use crate::fake::providers::{Mode, World, handler};
use crate::hostile::run_within;
use crate::probes::rsa_key_pkcs1;
use crate::util::{fake, keyreach, stderr, write};

struct Planted {
    rule: &'static str,
    world: World,
    file: String,
    text: String,
}

fn world(
    provider: &'static str,
    kind: &'static str,
    secret: &str,
    companion: Option<&str>,
    parts: &[(&str, &str)],
) -> World {
    World {
        provider,
        kind,
        secret: secret.to_string(),
        companion: companion.map(str::to_string),
        parts: parts.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
    }
}

fn planted() -> Vec<Planted> {
    let v = |t: &str, seed: &str| fake(t, seed);
    let (tenant, client, entra) =
        (v("{{uuid}}", "tenant"), v("{{uuid}}", "client"), v("{{alnum:3}}8Q~{{alnum:34}}", "entra"));
    let jira = v("ATATT3xFfGF0{{b64url:170}}={{HEX:8}}", "jira");
    let (a0_client, a0_secret) = (v("{{alnum:32}}", "a0c"), v("{{b64url:64}}", "a0s"));
    let (asia, aws_secret, session) =
        (v("{{gen:aws-key-id:ASIA}}", "asia"), v("{{b64:40}}", "aws"), v("{{b64:356}}", "session"));
    let (dd_api, dd_app) = (v("{{hex:32}}", "ddapi"), v("{{hex:40}}", "ddapp"));
    let okta = v("00{{alnum:40}}", "okta");
    let (pp_client, pp_secret) = (v("A{{alnum:79}}", "ppc"), v("E{{alnum:79}}", "pps"));
    let pat = v("{{alnum:24}}{{digit:4}}{{alnum:12}}", "snow");
    let glsa = v("glsa_{{alnum:32}}_{{hex:8}}", "glsa");
    let (cf_key, cf_email) = (v("{{hex:37}}", "cf"), "ops@acme-corp.test".to_string());
    let app_key = rsa_key_pkcs1();
    vec![
        Planted {
            rule: "azure.client-secret",
            world: world("azure", "entra", &entra, None, &[("tenant", &tenant), ("client_id", &client)]),
            file: ".env.azure".into(),
            text: format!("AZURE_CLIENT_ID={client}\nAZURE_CLIENT_SECRET={entra}\nAZURE_TENANT_ID={tenant}\n"),
        },
        Planted {
            rule: "atlassian.api-token",
            world: world("atlassian", "classic", &jira, None, &[("email", "dev@acme-corp.test"), ("site", "acme")]),
            file: "jira/.env".into(),
            text: format!(
                "JIRA_URL=https://acme.atlassian.net\nJIRA_EMAIL=dev@acme-corp.test\nJIRA_API_TOKEN={jira}\n"
            ),
        },
        Planted {
            rule: "auth0.client-secret",
            world: world(
                "auth0",
                "m2m",
                &a0_secret,
                None,
                &[("client_id", &a0_client), ("domain", "acme.eu.auth0.com")],
            ),
            file: "auth/.env".into(),
            text: format!(
                "AUTH0_DOMAIN=acme.eu.auth0.com\nAUTH0_CLIENT_ID={a0_client}\nAUTH0_CLIENT_SECRET={a0_secret}\n"
            ),
        },
        Planted {
            rule: "aws.access-key",
            world: world("aws", "session", &aws_secret, Some(&asia), &[("session_token", &session)]),
            file: ".aws/credentials".into(),
            text: format!(
                "[ci]\naws_access_key_id = {asia}\naws_secret_access_key = {aws_secret}\naws_session_token = {session}\n"
            ),
        },
        Planted {
            rule: "datadog.application-key",
            world: world("datadog", "app", &dd_app, None, &[("api_key", &dd_api)]),
            file: "monitoring/.env".into(),
            text: format!("DD_SITE=datadoghq.com\nDD_API_KEY={dd_api}\nDD_APP_KEY={dd_app}\n"),
        },
        Planted {
            rule: "okta.api-token",
            world: world("okta", "admin", &okta, None, &[("domain", "acme.okta.com")]),
            file: "okta.env".into(),
            text: format!("OKTA_ORG_URL=https://acme.okta.com\nOKTA_API_TOKEN={okta}\n"),
        },
        Planted {
            rule: "paypal.client-secret",
            world: world("paypal", "live", &pp_secret, None, &[("client_id", &pp_client)]),
            file: "pay/.env".into(),
            text: format!("PAYPAL_CLIENT_ID={pp_client}\nPAYPAL_CLIENT_SECRET={pp_secret}\n"),
        },
        Planted {
            rule: "snowflake.password-env",
            world: world("snowflake", "pat", &pat, None, &[("account", "acme-prod")]),
            file: "warehouse/.env".into(),
            text: format!("SNOWFLAKE_ACCOUNT=acme-prod\nSNOWFLAKE_USER=ci\nSNOWFLAKE_PASSWORD={pat}\n"),
        },
        Planted {
            rule: "grafana.service-account-token",
            world: world("grafana", "sa", &glsa, None, &[("url", "https://acme.grafana.net")]),
            file: "grafana.env".into(),
            text: format!("GRAFANA_URL=https://acme.grafana.net\nGRAFANA_TOKEN={glsa}\n"),
        },
        Planted {
            rule: "cloudflare.global-key-env",
            world: world("cloudflare", "global", &cf_key, Some(&cf_email), &[]),
            file: "dns/.env".into(),
            text: format!("CLOUDFLARE_EMAIL={cf_email}\nCLOUDFLARE_API_KEY={cf_key}\n"),
        },
        Planted {
            rule: "github.app-private-key-env",
            world: world("github", "app", &app_key, None, &[("app_id", "123456")]),
            file: "bot/.env".into(),
            text: format!("GITHUB_APP_ID=123456\nGITHUB_APP_PRIVATE_KEY=\"{app_key}\"\n"),
        },
    ]
}

fn scan(dir: &std::path::Path, endpoints: &[(String, String)]) -> Vec<Value> {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = keyreach();
    cmd.env("XDG_CONFIG_HOME", home.path()).arg("scan").arg(dir).args(["--probe", "--format", "json"]);
    for (p, url) in endpoints {
        cmd.args(["--endpoint", &format!("{p}={url}")]);
    }
    let out = run_within(&mut cmd, Duration::from_secs(180));
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    doc["findings"].as_array().unwrap().clone()
}

fn finding<'a>(findings: &'a [Value], rule: &str) -> &'a Value {
    findings.iter().find(|f| f["rule"] == rule).unwrap_or_else(|| {
        let rules: Vec<&Value> = findings.iter().map(|f| &f["rule"]).collect();
        panic!("no {rule} finding among {rules:?}")
    })
}

#[test]
fn the_parts_a_probe_needs_are_read_from_next_to_the_credential() {
    let dir = tempfile::tempdir().unwrap();
    let planted = planted();
    let mut fakes: HashMap<&str, Fake> = HashMap::new();
    for p in &planted {
        write(dir.path(), &p.file, &p.text);
        fakes.insert(p.rule, Fake::start(handler(p.world.clone(), Mode::Ok)));
    }
    let endpoints: Vec<(String, String)> =
        planted.iter().map(|p| (p.world.provider.to_string(), fakes[p.rule].url())).collect();
    let findings = scan(dir.path(), &endpoints);
    for p in &planted {
        let f = finding(&findings, p.rule);
        assert_eq!(f["scope"]["source"], "probe", "{}: {f}", p.rule);
        assert_eq!(f["scope"]["active"], true, "{}: {f}", p.rule);
        fakes[p.rule].assert_clean();
        let shown = f.to_string();
        for (name, value) in &p.world.parts {
            if name == "session_token" || name == "api_key" {
                assert!(!shown.contains(value.as_str()), "{}: the {name} is in the report", p.rule);
            }
        }
    }
}

#[test]
fn a_vault_or_cluster_address_in_a_scanned_file_never_becomes_an_allowed_host() {
    let token = fake("hvs.{{alnum:90}}", "vault-addr");
    let sa = fake("{{jwt:iss=kubernetes/serviceaccount,kubernetes.io/serviceaccount/namespace=ci}}", "kube");
    let vault = Fake::start(handler(world("vault", "token", &token, None, &[]), Mode::Ok));
    let cluster = Fake::start(handler(world("kubernetes", "sa", &sa, None, &[]), Mode::Ok));
    let port = |f: &Fake| f.url().rsplit(':').next().unwrap().to_string();
    let kubeconfig = |server: &str| {
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: ci\nclusters:\n- name: ci\n  cluster:\n    server: {server}\ncontexts:\n- name: ci\n  context: {{cluster: ci, user: ci, namespace: ci}}\nusers:\n- name: ci\n  user:\n    token: {sa}\n"
        )
    };
    let endpoints = vec![("vault".to_string(), vault.url()), ("kubernetes".to_string(), cluster.url())];
    // Written next to the credentials: hosts other than the user's endpoints.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", &format!("VAULT_ADDR=https://vault.corp.acme.test:8200\nVAULT_TOKEN={token}\n"));
    write(dir.path(), ".kube/config", &kubeconfig("https://k8s.corp.acme.test:6443"));
    let findings = scan(dir.path(), &endpoints);
    assert!(vault.requests().is_empty() && cluster.requests().is_empty(), "a host from a scanned file was trusted");
    for rule in ["vault.service-token", "kubernetes.service-account-jwt"] {
        let f = finding(&findings, rule);
        let reasons = f["reasons"].to_string();
        assert!(reasons.contains("not probed: it belongs to"), "{rule}: {reasons}");
    }
    // Without an endpoint the address in the file is not used either.
    let findings = scan(dir.path(), &[]);
    assert!(finding(&findings, "vault.service-token")["reasons"].to_string().contains("--endpoint vault="));
    // The same hosts as the user's endpoints: probed there.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", &format!("VAULT_ADDR=http://127.0.0.1:{}\nVAULT_TOKEN={token}\n", port(&vault)));
    write(dir.path(), ".kube/config", &kubeconfig(&format!("https://127.0.0.1:{}", port(&cluster))));
    let findings = scan(dir.path(), &endpoints);
    for rule in ["vault.service-token", "kubernetes.service-account-jwt"] {
        assert_eq!(finding(&findings, rule)["scope"]["source"], "probe", "{rule}");
    }
    vault.assert_clean();
    cluster.assert_clean();
}

#[test]
fn keyreach_probe_reads_the_parts_from_the_lines_pasted_with_a_credential() {
    let planted = planted();
    let entra = planted.iter().find(|p| p.rule == "azure.client-secret").unwrap();
    let server = Fake::start(handler(entra.world.clone(), Mode::Ok));
    let home = tempfile::tempdir().unwrap();
    let mut child = keyreach()
        .env("XDG_CONFIG_HOME", home.path())
        .args(["probe", "--format", "json", "--endpoint", &format!("azure={}", server.url())])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), entra.text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let f = doc.get("findings").and_then(|f| f.get(0)).unwrap_or(&doc);
    assert_eq!(f["scope"]["source"], "probe", "{doc}");
    assert_eq!(f["scope"]["level"], "write", "{doc}");
    server.assert_clean();
}
