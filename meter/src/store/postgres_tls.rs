//! TLS to PostgreSQL, through rustls, with libpq's `sslmode` and
//! `sslrootcert`:
//!
//! | `sslmode` | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | - |
//! | `prefer` (the default) | when the server offers it, else plain | not checked |
//! | `require` | always, else an error | not checked, unless a root certificate is given: then as `verify-ca` |
//! | `verify-ca` | always | signed by the root certificate |
//! | `verify-full` | always | signed by it, and made for the host connected to |
//!
//! The root certificate is `sslrootcert` (a PEM bundle, such as the one RDS
//! publishes), else `~/.postgresql/root.crt` as libpq reads it; the modes that
//! check need one. SCRAM logins over TLS bind the channel to the certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::StoreError;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// The mode named `text`, as libpq spells it (`allow` is taken as `prefer`: both end on TLS when the server has it).
    pub fn parse(text: &str) -> Result<SslMode, StoreError> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(StoreError(format!("sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"))),
        })
    }

    /// libpq's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres asks the server for.
    pub(super) fn wire(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        }
    }
}

/// How a store's connections use TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// The root certificate file given (`sslrootcert` or `PGSSLROOTCERT`).
    pub root_cert: Option<PathBuf>,
}

impl Tls {
    /// The rustls connector for these settings, or `None` for `disable`.
    /// `home` is where `~/.postgresql/root.crt` is looked for when no root certificate is given.
    pub(super) fn connector(&self, home: Option<&Path>) -> Result<Option<MakeRustlsConnect>, StoreError> {
        let default_root = home.map(|h| h.join(".postgresql/root.crt")).filter(|p| p.exists());
        let root = self.root_cert.clone().or(default_root);
        let check = match (self.mode, root) {
            (SslMode::Disable, _) => return Ok(None),
            (SslMode::Prefer, _) | (SslMode::Require, None) => Check::Nothing,
            (SslMode::Require | SslMode::VerifyCa, Some(root)) => Check::Chain(roots(&root)?),
            (SslMode::VerifyFull, Some(root)) => Check::ChainAndName(roots(&root)?),
            (mode @ (SslMode::VerifyCa | SslMode::VerifyFull), None) => {
                return Err(StoreError(format!(
                    "sslmode={} checks the server's certificate and needs the root certificate it is signed by: give sslrootcert (or PGSSLROOTCERT), or put it in ~/.postgresql/root.crt",
                    mode.name()
                )))
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError(format!("TLS: {e}")))?;
        let config = match check {
            Check::ChainAndName(roots) => builder.with_root_certificates(roots).with_no_client_auth(),
            Check::Chain(roots) => {
                let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| StoreError(format!("TLS: the root certificates cannot be used: {e}")))?;
                builder.dangerous().with_custom_certificate_verifier(Arc::new(ChainOnly { inner })).with_no_client_auth()
            }
            Check::Nothing => builder.dangerous().with_custom_certificate_verifier(Arc::new(Unchecked { provider })).with_no_client_auth(),
        };
        Ok(Some(MakeRustlsConnect::new(config)))
    }
}

enum Check {
    Nothing,
    Chain(RootCertStore),
    ChainAndName(RootCertStore),
}

/// The certificates of the PEM file `path`.
fn roots(path: &Path) -> Result<RootCertStore, StoreError> {
    let shown = path.display();
    if path.as_os_str() == "system" {
        return Err(StoreError("sslrootcert=system is not supported: give the CA bundle file (for RDS, the region's bundle)".into()));
    }
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| StoreError(format!("the root certificate file {shown} cannot be read: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError(format!("the root certificate file {shown} is not PEM: {e}")))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(StoreError(format!("the root certificate file {shown} holds no certificate")));
    }
    Ok(store)
}

/// `verify-ca`: the chain must lead to a root given; the name is not checked.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root certificate, as libpq: encrypted,
/// the certificate taken as it is (the handshake's signatures still checked).
#[derive(Debug)]
struct Unchecked {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
