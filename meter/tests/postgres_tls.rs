//! TLS to a real PostgreSQL, configured by the test with a certificate
//! authority of its own: each `sslmode` connects or fails as libpq's does,
//! and the failures say why.

mod common;

use common::cluster::{authority, password_file, Cluster, Offer};
use mpkit_meter::store::postgres_settings::Settings;
use mpkit_meter::{PostgresStore, Store};

async fn open(url: &str) -> Result<PostgresStore, String> {
    open_with(url, &|_: &str| None).await
}

async fn open_with(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<PostgresStore, String> {
    let settings = Settings::read(url, env).map_err(|e| e.0)?;
    PostgresStore::open_with(settings).await.map_err(|e| e.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sslmode_against_a_server_that_accepts_only_tls() {
    let password = "tls-secret-pw";
    let Some(server) = Cluster::start("tlsonly", Offer::TlsOnly, &[("meter_secret", password)]) else { return };

    let store = open(&server.url("meter", "localhost", "sslmode=verify-full&sslrootcert={ca}")).await.unwrap();
    assert_eq!(store.counts().await.unwrap().records, 0, "verify-full: the certificate is the authority's, for localhost");
    drop(store);
    open(&server.url("meter", "127.0.0.1", "sslmode=verify-ca&sslrootcert={ca}")).await.expect("verify-ca does not check the name");
    let wrong_name = open(&server.url("meter", "127.0.0.1", "sslmode=verify-full&sslrootcert={ca}")).await.unwrap_err();
    assert!(wrong_name.contains("not valid for name"), "the certificate is for localhost: {wrong_name}");

    let (other_ca, _) = authority("Someone Else");
    let other = server.dir.join("other-ca.pem");
    std::fs::write(&other, other_ca).unwrap();
    let url = server.url("meter", "localhost", &format!("sslmode=verify-full&sslrootcert={}", other.display()));
    let unknown = open(&url).await.unwrap_err();
    assert!(unknown.contains("UnknownIssuer"), "signed by another authority: {unknown}");
    let url = server.url("meter", "localhost", &format!("sslmode=require&sslrootcert={}", other.display()));
    assert!(open(&url).await.unwrap_err().contains("UnknownIssuer"), "require with a root certificate checks as verify-ca does");

    open(&server.url("meter", "127.0.0.1", "sslmode=require")).await.expect("require without a root certificate: encrypted, not checked");
    open(&server.url("meter", "127.0.0.1", "")).await.expect("prefer, the default, takes TLS when offered");
    let plain = open(&server.url("meter", "127.0.0.1", "sslmode=disable")).await.unwrap_err();
    assert!(plain.contains("no pg_hba.conf entry") && plain.contains("no encryption"), "a hostssl-only server refuses plain: {plain}");

    // The password from the password file, with SCRAM bound to the TLS channel; never in a message.
    let file = password_file(&server.dir, &format!("localhost:{}:postgres:meter_secret:{password}", server.port));
    let env_file = file.to_string_lossy().into_owned();
    let root = server.ca.to_string_lossy().into_owned();
    let env = move |k: &str| match k {
        "PGPASSFILE" => Some(env_file.clone()),
        "PGSSLMODE" => Some("verify-full".into()),
        "PGSSLROOTCERT" => Some(root.clone()),
        _ => None,
    };
    let url = format!("postgres://meter_secret@localhost:{}/postgres", server.port);
    let store = open_with(&url, &env).await.expect("the password file's password, verify-full from PGSSLMODE and PGSSLROOTCERT");
    assert_eq!(store.counts().await.unwrap().records, 0);
    assert!(!format!("{store:?}").contains(password));
    let no_password = open(&server.url("meter_secret", "localhost", "sslmode=verify-full&sslrootcert={ca}")).await.unwrap_err();
    assert!(no_password.contains("password") && !no_password.contains(password), "{no_password}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_against_a_server_without_tls_fails_and_says_why() {
    let Some(server) = Cluster::start("plain", Offer::Plain, &[]) else { return };
    let refused = open(&server.url("meter", "127.0.0.1", "sslmode=require")).await.unwrap_err();
    assert!(refused.contains("does not offer TLS") && refused.contains("sslmode=require"), "{refused}");
    let store = open(&server.url("meter", "127.0.0.1", "sslmode=prefer")).await.expect("prefer connects plain when TLS is not offered");
    assert_eq!(store.counts().await.unwrap().records, 0);
    open(&server.url("meter", "127.0.0.1", "sslmode=disable")).await.expect("disable");
}
