//! A test certificate authority, as a TLS-inspecting proxy's would be, and
//! a loopback TLS server whose certificate it signed, answering each request
//! with one MeterUsage success. The server's protocol versions, suites, key
//! exchange groups and key type can be chosen, to test what the client's
//! TLS accepts.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SignatureAlgorithm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::SupportedProtocolVersion;

/// A new authority's PEM, and a server certificate for 127.0.0.1 it signed, with its key.
pub fn authority_and_server_certificate() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    authority_and_server_certificate_with(&rcgen::PKCS_ECDSA_P256_SHA256)
}

/// [`authority_and_server_certificate`] with keys (and signatures) of `algorithm`.
pub fn authority_and_server_certificate_with(
    algorithm: &'static SignatureAlgorithm,
) -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Test Inspecting Proxy CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate_for(algorithm).expect("a CA key");
    let ca_cert = ca.self_signed(&ca_key).expect("a self-signed CA");
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("leaf parameters");
    leaf.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    let leaf_key = KeyPair::generate_for(algorithm).expect("a leaf key");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("a signed leaf");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    (ca_cert.pem(), leaf_cert.der().clone(), key)
}

/// Serves TLS on a loopback port, answering each request with a MeterUsage
/// success; handshakes the client refuses are skipped. Returns the port.
pub async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    tls_server_with(cert, key, rustls::crypto::ring::default_provider(), rustls::DEFAULT_VERSIONS).await
}

/// [`tls_server`] offering only what `provider` and `versions` hold.
pub async fn tls_server_with(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    provider: CryptoProvider,
    versions: &[&'static SupportedProtocolVersion],
) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
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
                    let length: usize =
                        head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
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
