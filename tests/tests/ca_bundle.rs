//! Custom trust roots: a loopback TLS server whose certificate is signed by
//! a certificate authority this test makes (as a TLS-inspecting corporate
//! proxy's would be) is trusted once `AWS_CA_BUNDLE` or the profile's
//! `ca_bundle` names that authority's PEM, and refused, with the reason,
//! without it. A bundle that is not PEM makes every call fail naming it.

use std::sync::Arc;

use awsjson_runtime::env::OsEnv;
use marketplacemetering::config::Credentials;
use marketplacemetering::error::DisplayErrorContext;
use marketplacemetering::primitives::DateTime;
use marketplacemetering::Client;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A new authority's PEM, and a server certificate for 127.0.0.1 it signed, with its key.
fn authority_and_server_certificate() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Test Inspecting Proxy CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().expect("a CA key");
    let ca_cert = ca.self_signed(&ca_key).expect("a self-signed CA");
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("leaf parameters");
    leaf.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    let leaf_key = KeyPair::generate().expect("a leaf key");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("a signed leaf");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    (ca_cert.pem(), leaf_cert.der().clone(), key)
}

/// Serves TLS on a loopback port, answering each request with a MeterUsage
/// success; handshakes the client refuses are skipped. Returns the port.
async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("the server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        // Bounded: this test makes a handful of connections.
        for _ in 0..16 {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = tls.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                        .unwrap_or(0);
                    if buf.len() < end + 4 + length {
                        continue;
                    }
                    let body = r#"{"MeteringRecordId":"through-the-proxy-ca"}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                    return;
                }
            });
        }
    });
    port
}

async fn meter(env: OsEnv, port: u16) -> Result<Option<String>, String> {
    let config = awsjson_runtime::config::from_env(env)
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(format!("https://127.0.0.1:{port}"))
        .retry_config(marketplacemetering::config::retry::RetryConfig::disabled())
        .build();
    Client::new(&config)
        .meter_usage()
        .product_code("prod-tls")
        .timestamp(DateTime::from_secs(1_700_000_000))
        .usage_dimension("hosts")
        .usage_quantity_as_decimal("1")
        .send()
        .await
        .map(|out| out.metering_record_id().map(str::to_owned))
        .map_err(|e| DisplayErrorContext(&e).to_string())
}

#[tokio::test]
async fn a_ca_bundle_adds_the_roots_an_inspecting_proxy_signs_with() {
    let (ca_pem, cert, key) = authority_and_server_certificate();
    let port = tls_server(cert, key).await;
    let base = [("AWS_REGION", "us-east-1"), ("AWS_EC2_METADATA_DISABLED", "true"), ("AWS_CONFIG_FILE", "/cfg"), ("AWS_SHARED_CREDENTIALS_FILE", "/creds")];

    // Without the bundle the web roots do not know the authority.
    let refused = meter(OsEnv::fake(base, []), port).await.expect_err("an unknown authority");
    assert!(refused.contains("invalid peer certificate: UnknownIssuer"), "{refused}");

    // AWS_CA_BUNDLE names the authority's PEM.
    let vars: Vec<(&str, &str)> = base.iter().copied().chain([("AWS_CA_BUNDLE", "/proxy-ca.pem")]).collect();
    let trusted = meter(OsEnv::fake(vars, [("/proxy-ca.pem", ca_pem.as_str())]), port).await;
    assert_eq!(trusted, Ok(Some("through-the-proxy-ca".to_owned())));

    // So does the profile's `ca_bundle`.
    let profile = meter(OsEnv::fake(base, [("/cfg", "[default]\nca_bundle = /proxy-ca.pem\n"), ("/proxy-ca.pem", ca_pem.as_str())]), port).await;
    assert_eq!(profile, Ok(Some("through-the-proxy-ca".to_owned())));

    // A bundle that is not PEM fails every call, naming the setting and the file, before anything is sent.
    let vars: Vec<(&str, &str)> = base.iter().copied().chain([("AWS_CA_BUNDLE", "/not-pem.txt")]).collect();
    let bad = meter(OsEnv::fake(vars, [("/not-pem.txt", "hello")]), port).await.expect_err("not PEM");
    assert!(bad.contains("AWS_CA_BUNDLE: /not-pem.txt: the CA bundle holds no PEM certificate"), "{bad}");
    let vars: Vec<(&str, &str)> = base.iter().copied().chain([("AWS_CA_BUNDLE", "/missing.pem")]).collect();
    let missing = meter(OsEnv::fake(vars, []), port).await.expect_err("no such file");
    assert!(missing.contains("the CA bundle /missing.pem cannot be read"), "{missing}");
}
