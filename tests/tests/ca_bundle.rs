//! Custom trust roots: a loopback TLS server whose certificate is signed by
//! a certificate authority this test makes (as a TLS-inspecting corporate
//! proxy's would be) is trusted once `AWS_CA_BUNDLE` or the profile's
//! `ca_bundle` names that authority's PEM, and refused, with the reason,
//! without it. A bundle that is not PEM makes every call fail naming it.

mod common;

use integration_tests::tls::{authority_and_server_certificate, tls_server};
use mpkit_runtime::env::OsEnv;

async fn meter(env: OsEnv, port: u16) -> Result<Option<String>, String> {
    common::meter_from_env(env, format!("https://127.0.0.1:{port}")).await
}

#[tokio::test]
async fn a_ca_bundle_adds_the_roots_an_inspecting_proxy_signs_with() {
    let (ca_pem, cert, key) = authority_and_server_certificate();
    let port = tls_server(cert, key).await;
    let base = common::ISOLATED_ENV;

    // Without the bundle the web roots do not know the authority.
    let refused = meter(OsEnv::fake(base, []), port).await.expect_err("an unknown authority");
    assert!(refused.contains("invalid peer certificate: UnknownIssuer"), "{refused}");

    // AWS_CA_BUNDLE names the authority's PEM.
    let vars: Vec<(&str, &str)> = base.iter().copied().chain([("AWS_CA_BUNDLE", "/proxy-ca.pem")]).collect();
    let trusted = meter(OsEnv::fake(vars, [("/proxy-ca.pem", ca_pem.as_str())]), port).await;
    assert_eq!(trusted, Ok(Some("through-the-proxy-ca".to_owned())));

    // So does the profile's `ca_bundle`.
    let profile =
        meter(OsEnv::fake(base, [("/cfg", "[default]\nca_bundle = /proxy-ca.pem\n"), ("/proxy-ca.pem", ca_pem.as_str())]), port).await;
    assert_eq!(profile, Ok(Some("through-the-proxy-ca".to_owned())));

    // A bundle that is not PEM fails every call, naming the setting and the file, before anything is sent.
    let vars: Vec<(&str, &str)> = base.iter().copied().chain([("AWS_CA_BUNDLE", "/not-pem.txt")]).collect();
    let bad = meter(OsEnv::fake(vars, [("/not-pem.txt", "hello")]), port).await.expect_err("not PEM");
    assert!(bad.contains("AWS_CA_BUNDLE: /not-pem.txt: the CA bundle holds no PEM certificate"), "{bad}");
    let vars: Vec<(&str, &str)> = base.iter().copied().chain([("AWS_CA_BUNDLE", "/missing.pem")]).collect();
    let missing = meter(OsEnv::fake(vars, []), port).await.expect_err("no such file");
    assert!(missing.contains("the CA bundle /missing.pem cannot be read"), "{missing}");
}
