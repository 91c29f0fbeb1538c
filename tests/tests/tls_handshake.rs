//! What the client's TLS accepts, against loopback servers that each offer
//! one protocol version, one cipher suite, one key exchange group and one
//! key type: every combination a TLS 1.2 or 1.3 server must support
//! succeeds, and a server that offers only what the client leaves out
//! (ChaCha20-Poly1305, X25519, Ed25519) is refused with the handshake's
//! reason, before any request is sent.

mod common;

use integration_tests::tls::{authority_and_server_certificate_with, tls_server_with};
use mpkit_runtime::env::OsEnv;
use tokio_rustls::rustls::crypto::ring::{cipher_suite, default_provider, kx_group};
use tokio_rustls::rustls::crypto::{CryptoProvider, SupportedKxGroup};
use tokio_rustls::rustls::{version, SupportedCipherSuite, SupportedProtocolVersion};

/// One MeterUsage call against a server offering only `suite`, `group` and
/// `version`, with a certificate of `key`, trusted through `AWS_CA_BUNDLE`.
async fn call(
    key: &'static rcgen::SignatureAlgorithm,
    version: &'static SupportedProtocolVersion,
    suite: SupportedCipherSuite,
    group: &'static dyn SupportedKxGroup,
) -> Result<Option<String>, String> {
    let (ca_pem, cert, private_key) = authority_and_server_certificate_with(key);
    let provider = CryptoProvider { cipher_suites: vec![suite], kx_groups: vec![group], ..default_provider() };
    let port = tls_server_with(cert, private_key, provider, &[version]).await;
    let vars = common::ISOLATED_ENV.into_iter().chain([("AWS_CA_BUNDLE", "/ca.pem")]);
    let env = OsEnv::fake(vars, [("/ca.pem", ca_pem.as_str())]);
    common::meter_from_env(env, format!("https://127.0.0.1:{port}")).await
}

/// What the server answers a call that got through.
fn answered() -> Result<Option<String>, String> {
    Ok(Some("through-the-proxy-ca".to_owned()))
}

#[tokio::test]
async fn tls_1_3_with_each_aes_gcm_suite_and_nist_curve() {
    let p256 = &rcgen::PKCS_ECDSA_P256_SHA256;
    let p384 = &rcgen::PKCS_ECDSA_P384_SHA384;
    let ok = call(p256, &version::TLS13, cipher_suite::TLS13_AES_128_GCM_SHA256, kx_group::SECP256R1).await;
    assert_eq!(ok, answered());
    let ok = call(p384, &version::TLS13, cipher_suite::TLS13_AES_256_GCM_SHA384, kx_group::SECP384R1).await;
    assert_eq!(ok, answered());
    let ok = call(p256, &version::TLS13, cipher_suite::TLS13_AES_256_GCM_SHA384, kx_group::SECP384R1).await;
    assert_eq!(ok, answered());
}

#[tokio::test]
async fn tls_1_2_with_each_ecdhe_aes_gcm_suite() {
    let p256 = &rcgen::PKCS_ECDSA_P256_SHA256;
    let p384 = &rcgen::PKCS_ECDSA_P384_SHA384;
    let suites = [cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384];
    for suite in suites {
        for (key, group) in [(p256, kx_group::SECP256R1), (p384, kx_group::SECP384R1), (p384, kx_group::SECP256R1)] {
            let ok = call(key, &version::TLS12, suite, group).await;
            assert_eq!(ok, answered(), "{suite:?} {group:?}");
        }
    }
}

#[tokio::test]
async fn a_server_offering_only_what_the_client_leaves_out_is_refused_with_the_reason() {
    let p256 = &rcgen::PKCS_ECDSA_P256_SHA256;
    let chacha = call(p256, &version::TLS13, cipher_suite::TLS13_CHACHA20_POLY1305_SHA256, kx_group::SECP256R1).await;
    let chacha = chacha.expect_err("no common cipher suite");
    assert!(chacha.contains("HandshakeFailure"), "{chacha}");
    let chacha12 = call(p256, &version::TLS12, cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, kx_group::SECP256R1).await;
    let chacha12 = chacha12.expect_err("no common cipher suite");
    assert!(chacha12.contains("HandshakeFailure"), "{chacha12}");
    let x25519 = call(p256, &version::TLS13, cipher_suite::TLS13_AES_128_GCM_SHA256, kx_group::X25519).await;
    let x25519 = x25519.expect_err("no common key exchange group");
    assert!(x25519.contains("HandshakeFailure"), "{x25519}");
    let ed25519 = call(&rcgen::PKCS_ED25519, &version::TLS13, cipher_suite::TLS13_AES_128_GCM_SHA256, kx_group::SECP256R1).await;
    let ed25519 = ed25519.expect_err("no common signature scheme");
    assert!(ed25519.contains("HandshakeFailure"), "{ed25519}");
}
