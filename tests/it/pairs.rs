//! Cloud credentials that come in parts: each secret must be reported with its own
//! companion (the AWS key id of its profile, the service account's email, the storage
//! account's name), public keys must not be reported, and a lone AWS key id still is.
//! Every credential is built at test time from templates.

use std::path::Path;

use keyreach::config::{self, Overrides};
use keyreach::policy::Finding;

use crate::util::fake;

fn scan(dir: &Path) -> Vec<Finding> {
    let settings =
        config::resolve(Overrides { paths: vec![dir.to_path_buf()], threads: Some(1), ..Overrides::default() })
            .unwrap();
    let rules = keyreach::load_rules(&settings.rules).unwrap();
    keyreach::scan(&settings, rules, &keyreach::NoProgress).unwrap().findings
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn secret(f: &Finding) -> String {
    String::from_utf8_lossy(f.credential.secret.expose()).into_owned()
}

fn companion(f: &Finding) -> Option<String> {
    f.credential.companion.as_ref().map(|c| String::from_utf8_lossy(c.value.expose()).into_owned())
}

#[test]
fn each_aws_profile_pairs_its_own_key_id_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..3).map(|i| fake("{{gen:aws-key-id:AKIA}}", &format!("id{i}"))).collect();
    let secrets: Vec<String> = (0..3).map(|i| fake("{{b64:40}}", &format!("secret{i}"))).collect();
    // Short profile names put the previous profile's secret as close to a key id as its own.
    let text = format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n[a]\naws_access_key_id = {}\n\
         aws_secret_access_key = {}\n[b]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        ids[0], secrets[0], ids[1], secrets[1], ids[2], secrets[2]
    );
    write(dir.path(), ".aws/credentials", &text);
    let findings = scan(dir.path());
    for (id, key) in ids.iter().zip(&secrets) {
        let f = findings.iter().find(|f| &secret(f) == key).unwrap_or_else(|| panic!("secret {key} not reported"));
        assert_eq!(f.rule_id, "aws.access-key");
        assert_eq!(companion(f).as_deref(), Some(id.as_str()), "secret {key} paired with the wrong key id");
    }
    assert_eq!(findings.len(), 3, "{:?}", findings.iter().map(secret).collect::<Vec<_>>());
}

#[test]
fn aws_env_and_properties_files_pair_without_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let id = fake("{{gen:aws-key-id:AKIA}}", "env-id");
    let key = fake("{{b64:40}}", "env-secret");
    write(dir.path(), ".env", &format!("AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={key}\n"));
    let findings = scan(dir.path());
    assert_eq!(findings.len(), 1);
    assert_eq!(secret(&findings[0]), key);
    assert_eq!(companion(&findings[0]).as_deref(), Some(id.as_str()));
}

#[test]
fn a_lone_aws_key_id_is_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    let id = fake("{{gen:aws-key-id:AKIA}}", "lone");
    write(dir.path(), "docs/ops.md", &format!("The reporting job runs as `{id}`; its secret is in the vault.\n"));
    let findings = scan(dir.path());
    assert_eq!(findings.len(), 1);
    assert_eq!(secret(&findings[0]), id);
    assert!(findings[0].scope.notes.iter().any(|n| n.contains("not found")), "{:?}", findings[0].scope.notes);
}

#[test]
fn service_account_key_and_storage_key_carry_their_companions() {
    let dir = tempfile::tempdir().unwrap();
    let body = fake("{{b64:64}}\\n{{b64:64}}\\n{{b64:64}}\\n{{b64:40}}==", "sa");
    let private_key = format!("-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n");
    let email = "deployer@shop-prod.iam.gserviceaccount.com";
    write(
        dir.path(),
        "keys/sa.json",
        &format!(
            "{{\"type\": \"service_account\", \"project_id\": \"shop-prod\", \"private_key\": \"{private_key}\", \
             \"client_email\": \"{email}\"}}\n"
        ),
    );
    let account_key = fake("{{b64:86}}==", "storage");
    let cosmos_key = fake("{{b64:86}}==", "cosmos");
    write(
        dir.path(),
        "appsettings.json",
        &format!(
            "{{\"Storage\": \"DefaultEndpointsProtocol=https;AccountName=shopassets;AccountKey={account_key};\
             EndpointSuffix=core.windows.net\",\n\"Cosmos\": \"AccountEndpoint=https://shop-catalog.documents.azure.com:443/;\
             AccountKey={cosmos_key};\"}}\n"
        ),
    );
    let findings = scan(dir.path());
    let sa = findings.iter().find(|f| secret(f) == private_key).expect("service-account key reported as written");
    assert_eq!(sa.rule_id, "gcp.service-account-key");
    assert_eq!(companion(sa).as_deref(), Some(email));
    let storage = findings.iter().find(|f| secret(f) == account_key).expect("storage account key reported");
    assert_eq!(storage.provider, "azure");
    assert_eq!(companion(storage).as_deref(), Some("shopassets"));
    // The Cosmos DB key must not borrow the storage account's name from the line above.
    let cosmos = findings.iter().find(|f| secret(f) == cosmos_key).expect("Cosmos DB key reported");
    assert_eq!(cosmos.rule_id, "azure.cosmosdb-connection-string");
    assert_eq!(companion(cosmos), None);
    assert_eq!(findings.len(), 3, "{:?}", findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>());
}

#[test]
fn public_keys_are_not_reported_but_secret_ones_are() {
    let dir = tempfile::tempdir().unwrap();
    let anon = fake("{{jwt:iss=supabase,ref=qwxmzkpvhtlrbnsdjcye,role=anon}}", "anon");
    let service = fake("{{jwt:iss=supabase,ref=qwxmzkpvhtlrbnsdjcye,role=service_role}}", "service");
    let publishable = fake("sb_publishable_{{alnum:22}}_{{alnum:8}}", "pub");
    let firebase = fake("{{}}AIza{{b64url:35}}", "firebase");
    write(
        dir.path(),
        ".env.local",
        &format!(
            "NEXT_PUBLIC_SUPABASE_ANON_KEY={anon}\nSUPABASE_SERVICE_ROLE_KEY={service}\n\
             NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY={publishable}\nNEXT_PUBLIC_FIREBASE_API_KEY={firebase}\n"
        ),
    );
    let findings = scan(dir.path());
    let reported: Vec<String> = findings.iter().map(secret).collect();
    assert_eq!(reported, vec![service.clone()], "only the service_role key is a secret");
    assert_eq!(findings[0].scope.level.as_str(), "admin");
}

#[test]
fn a_cloudflare_global_key_carries_its_account_email() {
    let dir = tempfile::tempdir().unwrap();
    let key = fake("{{hex:37}}", "cf");
    write(
        dir.path(),
        "purge.py",
        &format!("HEADERS = {{\"X-Auth-Email\": \"ops@acme.io\", \"X-Auth-Key\": \"{key}\"}}\n"),
    );
    let findings = scan(dir.path());
    assert_eq!(findings.len(), 1);
    assert_eq!(secret(&findings[0]), key);
    assert_eq!(companion(&findings[0]).as_deref(), Some("ops@acme.io"));
    assert_eq!(findings[0].scope.level.as_str(), "admin");
}

#[test]
fn pairs_from_other_families_report_both_parts() {
    let dir = tempfile::tempdir().unwrap();
    let sid = fake("AC{{hex:32}}", "twilio-sid");
    let token = fake("{{hex:32}}", "twilio-token");
    let app = fake("{{upper:10}}", "algolia-app");
    let admin = fake("{{hex:32}}", "algolia-key");
    let client_id = fake("console-{{lower:8}}", "client-id");
    let client_secret = fake("{{b64url:40}}", "client-secret");
    write(
        dir.path(),
        ".env",
        &format!(
            "TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={token}\n\nALGOLIA_APP_ID={app}\nALGOLIA_ADMIN_API_KEY={admin}\n\n\
             OIDC_CLIENT_ID={client_id}\nOIDC_CLIENT_SECRET={client_secret}\n"
        ),
    );
    let findings = scan(dir.path());
    let pair = |s: &str| findings.iter().find(|f| secret(f) == s).and_then(companion);
    assert_eq!(pair(&token).as_deref(), Some(sid.as_str()));
    assert_eq!(pair(&admin).as_deref(), Some(app.as_str()));
    assert_eq!(pair(&client_secret).as_deref(), Some(client_id.as_str()));
    // Each pair is one credential: the identifiers are not findings of their own.
    assert_eq!(findings.len(), 3, "{:?}", findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>());
}

#[test]
fn a_database_password_carries_the_connection_settings_around_it() {
    let dir = tempfile::tempdir().unwrap();
    let pw = fake("{{alnum:20}}", "db-settings-pw");
    let other = fake("{{alnum:20}}", "db-settings-other");
    // Django order: the password sits between the user and the host.
    write(
        dir.path(),
        "settings/.env",
        &format!(
            "DEBUG=0\nDB_ENGINE=django.db.backends.postgresql\nDB_NAME=shop\nDB_USER=shop_app\nDB_PASSWORD={pw}\n\
             DB_HOST=db.internal\nDB_PORT=5432\n\nSENTRY_ENV=staging\n"
        ),
    );
    // A password alone has no settings to carry.
    write(dir.path(), "other/.env", &format!("POSTGRES_PASSWORD={other}\n"));
    let findings = scan(dir.path());
    let f = findings.iter().find(|f| secret(f) == pw).expect("the password is reported");
    assert_eq!(f.rule_id, "database.password-env");
    let settings = companion(f).expect("with its settings");
    assert!(settings.starts_with("DB_ENGINE=") && settings.ends_with("DB_PORT=5432"), "{settings:?}");
    assert!(settings.contains("DB_USER=shop_app") && settings.contains("DB_HOST=db.internal"), "{settings:?}");
    assert!(!settings.contains("DEBUG") && !settings.contains("SENTRY"), "{settings:?}");
    assert_eq!(f.credential.companion.as_ref().unwrap().name, "connection settings");
    let lone = findings.iter().find(|f| secret(f) == other).expect("the lone password is reported");
    assert_eq!(companion(lone), None);
}
