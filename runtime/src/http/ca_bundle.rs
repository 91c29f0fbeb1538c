//! `CaBundle`: trust roots added to the bundled web roots, for networks
//! whose TLS-inspecting proxies re-sign every certificate with a corporate
//! authority. Read from PEM: `AWS_CA_BUNDLE`, the profile's `ca_bundle`, or
//! [`Builder::ca_bundle`](crate::config::Builder::ca_bundle).

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// Certificates to trust as roots, besides the web roots.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CaBundle {
    roots: Arc<Vec<CertificateDer<'static>>>,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaBundle({} certificates)", self.roots.len())
    }
}

/// A PEM text that gives no usable certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCaBundle(String);

impl fmt::Display for InvalidCaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the CA bundle {}", self.0)
    }
}

impl std::error::Error for InvalidCaBundle {}

impl CaBundle {
    /// Every `CERTIFICATE` section of `pem`; other sections (keys, for
    /// example) are skipped. Refused when there is none, or one is malformed.
    pub fn from_pem(pem: &[u8]) -> Result<Self, InvalidCaBundle> {
        let mut roots = Vec::new();
        for (i, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
            roots.push(cert.map_err(|e| InvalidCaBundle(format!("has a malformed certificate (number {}): {e}", i + 1)))?);
        }
        if roots.is_empty() {
            return Err(InvalidCaBundle("holds no PEM certificate (no `-----BEGIN CERTIFICATE-----` section)".to_owned()));
        }
        Ok(CaBundle { roots: Arc::new(roots) })
    }

    /// How many certificates it holds.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// True when it holds none (only the default bundle is empty).
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    pub(crate) fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.roots
    }

    /// The bundle in the PEM file at `path` (`~` expanded), read through
    /// `env`; the error says which file and what is wrong with it.
    pub(crate) fn from_file(env: &crate::env::OsEnv, path: &str) -> Result<Self, String> {
        let file = env.expand(path);
        let text = env
            .read_file(&file)
            .and_then(|t| t.ok_or_else(|| "it does not exist".to_owned()))
            .map_err(|e| format!("the CA bundle {} cannot be read: {e}", file.display()))?;
        CaBundle::from_pem(text.as_bytes()).map_err(|e| format!("{}: {e}", file.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_a_certificate_is_refused_with_the_reason() {
        let err = CaBundle::from_pem(b"nothing here").unwrap_err();
        assert_eq!(err.to_string(), "the CA bundle holds no PEM certificate (no `-----BEGIN CERTIFICATE-----` section)");
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(CaBundle::from_pem(broken).unwrap_err().to_string().contains("malformed certificate (number 1)"));
    }
}
