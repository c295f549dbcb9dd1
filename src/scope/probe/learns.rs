//! What `--probe` learns from each provider and whom it asks: the README's "What is sent
//! where" table (a test holds them equal), for the reason a verdict of unknown scope gives.

/// `(providers, hosts, what it learns)`, as the README's table lists them.
pub static LEARNS: &[(&str, &str, &str)] = &[
    (
        "railway",
        "backboard.railway.com",
        "token kind, workspaces, projects and environments reached, production, volumes it can delete",
    ),
    (
        "github",
        "api.github.com; api.SUB.ghe.com",
        "login, classic scopes, expiry, repositories and orgs (admin rights); an app's owner, installations and permissions",
    ),
    ("gitlab", "gitlab.com/api/v4", "scopes, expiry, revoked, groups and projects with access level, instance admin"),
    ("aws", "sts.amazonaws.com, iam.amazonaws.com", "ARN, account, alias, admin/destructive/write actions allowed"),
    (
        "gcp",
        "oauth2.googleapis.com, cloudresourcemanager.googleapis.com",
        "project, IAM-changing and deleting permissions held",
    ),
    (
        "azure",
        "ACCOUNT.blob.core.windows.net; login.microsoftonline.com, management.azure.com",
        "storage account kind; an app's Graph application permissions (tenant takeover roles), subscriptions and Owner/Contributor/Reader access",
    ),
    ("vercel", "api.vercel.com", "user or team token, expiry, teams, projects"),
    ("netlify", "api.netlify.com", "user, accounts, sites"),
    ("flyio", "api.machines.dev", "apps reached"),
    (
        "cloudflare",
        "api.cloudflare.com",
        "status, expiry, permission groups (DNS, Workers, R2 writes), accounts and zones",
    ),
    ("digitalocean", "api.digitalocean.com", "account and team"),
    ("heroku", "api.heroku.com", "account, apps, teams"),
    ("render", "api.render.com", "owners, services"),
    ("supabase", "api.supabase.com", "projects, organizations"),
    ("stripe", "api.stripe.com", "account; what a restricted key may read"),
    ("slack", "slack.com", "team, user, scopes"),
    ("openai", "api.openai.com", "organization, projects"),
    ("anthropic", "api.anthropic.com", "organization"),
    ("huggingface", "huggingface.co", "user, orgs and roles, token role"),
    ("npm", "registry.npmjs.org", "user, packages it can publish"),
    ("dockerhub", "auth.docker.io", "pull, push, delete rights"),
    ("sendgrid", "api.sendgrid.com", "scopes (mail send, key management)"),
    ("twilio", "api.twilio.com", "account name, status, type"),
    (
        "datadog",
        "api.datadoghq.com and the other Datadog sites",
        "site; an application key's scopes (none: every permission of its owner)",
    ),
    ("shopify", "SHOP.myshopify.com", "scopes, development or live store"),
    (
        "vault",
        "your `--endpoint vault=` only",
        "policies (root), TTL and expiry, uses left, whether it administers Vault, writes or deletes secrets",
    ),
    (
        "kubernetes",
        "your `--endpoint kubernetes=` only",
        "user and groups (`system:masters`), verbs per resource, deletes, exec and RBAC escalation",
    ),
    ("terraform", "app.terraform.io", "user, team or organization token, organizations and their permissions"),
    ("atlassian", "SITE.atlassian.net", "account, active, Jira admin and delete rights"),
    ("bitbucket", "api.bitbucket.org", "scopes, token kind, repositories"),
    ("circleci", "circleci.com", "user, organizations"),
    ("buildkite", "api.buildkite.com", "scopes, organizations"),
    ("sentry", "sentry.io, REGION.sentry.io", "scopes, user, organizations (org tokens: org:ci)"),
    ("pagerduty", "api.pagerduty.com", "user and role, or an account key"),
    ("linear", "api.linear.app", "user, workspace admin"),
    ("notion", "api.notion.com", "integration, workspace, pages shared with it"),
    ("airtable", "api.airtable.com", "user, scopes, bases and permission level"),
    ("asana", "app.asana.com", "user, workspaces"),
    (
        "auth0",
        "TENANT.auth0.com, TENANT.REGION.auth0.com",
        "the application's Management API scopes (users, clients, roles, deletes)",
    ),
    (
        "okta",
        "ORG.okta.com, ORG.oktapreview.com, ORG.okta-emea.com, ORG.okta-gov.com",
        "the admin behind the token and their admin roles",
    ),
    ("algolia", "APPID-dsn.algolia.net", "ACL (add, delete objects and indices), indices, validity; admin key"),
    ("fastly", "api.fastly.com", "scope (global, purge), services, expiry, user role"),
    ("mailgun", "api.mailgun.net, api.eu.mailgun.net", "region, domains (primary account key)"),
    ("postmark", "api.postmarkapp.com", "server and live or sandbox delivery; servers"),
    ("square", "connect.squareup.com, connect.squareupsandbox.com", "merchant, scopes, expiry, production or sandbox"),
    ("paypal", "api-m.paypal.com, api-m.sandbox.paypal.com", "app, features (payments, payouts), live or sandbox"),
    ("pinecone", "api.pinecone.io", "indexes and deletion protection"),
    ("snowflake", "ACCOUNT.snowflakecomputing.com", "user, roles (ACCOUNTADMIN, SYSADMIN), databases"),
    ("grafana", "STACK.grafana.net", "login, org roles (Admin, Editor, Viewer)"),
    ("newrelic", "api.newrelic.com, api.eu.newrelic.com", "user, accounts"),
    ("doppler", "api.doppler.com", "token kind, workplace, config"),
    ("mapbox", "api.mapbox.com", "validity, owner"),
    ("telegram", "api.telegram.org", "bot, reads all group messages, where updates go"),
    ("discord", "discord.com", "bot, servers and permissions (Administrator, manage, ban)"),
    ("postman", "api.getpostman.com", "user, team, roles"),
    (
        "honeycomb",
        "api.honeycomb.io, api.eu1.honeycomb.io",
        "team, environment, access (events, boards, triggers, columns)",
    ),
    ("mailchimp", "DC.api.mailchimp.com", "account, the key owner's role"),
    ("groq, mistral, cohere", "api.groq.com, api.mistral.ai, api.cohere.com", "live key (spends credit)"),
    ("openrouter", "openrouter.ai", "label, credit limit, provisioning (key-managing) key"),
    ("deepseek", "api.deepseek.com", "live key, balance"),
    (
        "database",
        "the host the credential names (public hosts only, unless you allow one)",
        "role, superuser/owner, drop/truncate/write rights, databases, production",
    ),
    ("pypi", "—", "—"),
];

/// What `--probe` would do for a credential of `provider` matched by rule `rule_id`, in
/// plain words, for a verdict that had to assume its scope.
pub fn would_learn(provider: &str, rule_id: &str) -> String {
    let Some(probe) = super::find(provider) else {
        return format!("keyreach has no probe for {provider} credentials: their real scope must be checked by hand");
    };
    let row = LEARNS.iter().find(|(names, _, _)| names.split(", ").any(|n| n == provider));
    match row {
        Some((_, hosts, learns)) if probe.kinds().contains(&rule_id) && *learns != "—" => {
            format!("`--probe` would learn its {learns} (asks {hosts}, read-only)")
        }
        _ => format!(
            "`--probe` does not send this kind of {provider} credential: its real scope must be checked by hand"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table, row by row: `(providers, hosts, what it learns)`.
    fn readme_rows() -> Vec<(String, String, String)> {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let mut lines = readme.lines().skip_while(|l| !l.starts_with("| provider | host(s) | requests")).skip(2);
        let mut rows = Vec::new();
        for line in lines.by_ref().take_while(|l| l.starts_with('|')) {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            rows.push((cells[0].to_string(), cells[1].to_string(), cells[3].to_string()));
        }
        rows
    }

    #[test]
    fn the_table_is_the_readmes_and_covers_every_probe() {
        let ours: Vec<(String, String, String)> =
            LEARNS.iter().map(|(p, h, w)| (p.to_string(), h.to_string(), w.to_string())).collect();
        assert_eq!(ours, readme_rows());
        for provider in super::super::providers() {
            assert!(
                LEARNS.iter().any(|(names, _, _)| names.split(", ").any(|n| n == provider)),
                "{provider} has no row"
            );
        }
    }

    #[test]
    fn says_whom_a_probe_asks_or_that_none_would() {
        let github = would_learn("github", "github.classic-pat");
        assert!(github.contains("classic scopes") && github.contains("api.github.com"), "{github}");
        assert!(would_learn("private-key", "private-key.openssh").starts_with("keyreach has no probe for private-key"));
        assert!(would_learn("github", "github.refresh-token").starts_with("`--probe` does not send"));
        assert!(would_learn("pypi", "pypi.api-token").starts_with("`--probe` does not send"));
    }
}
