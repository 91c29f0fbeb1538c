//! `Credentials`, the `ProvideCredentials` trait that credential sources
//! implement, and the sources: environment, profile files, and the chain.

mod cache;
mod chain;
mod container;
mod env;
mod imds;
mod json_credentials;
mod process;
mod profile;
mod provider_context;
mod sts;
mod sts_xml;
mod web_identity;

pub use cache::{CachedCredentials, REFRESH_DEADLINE};
pub use chain::DefaultCredentialsChain;
pub use container::ContainerCredentials;
pub use env::EnvironmentCredentials;
pub use imds::Imds;
pub use profile::ProfileCredentials;
pub use provider_context::{ProviderContext, FETCH_DEADLINE};
pub use web_identity::WebIdentityCredentials;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::http::BoxFuture;

/// AWS access keys, with a session token for temporary credentials.
///
/// `Debug` never shows the secret key or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    inner: Arc<CredentialsInner>,
}

struct CredentialsInner {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiry: Option<SystemTime>,
    provider_name: &'static str,
    /// SHA-256 of the secret key, worked out once: what caches key on instead of the secret.
    secret_digest: std::sync::OnceLock<[u8; 32]>,
}

impl PartialEq for CredentialsInner {
    fn eq(&self, other: &Self) -> bool {
        // The digest is derived from the secret, so it is left out.
        (&self.access_key_id, &self.secret_access_key, &self.session_token, self.expiry, self.provider_name)
            == (&other.access_key_id, &other.secret_access_key, &other.session_token, other.expiry, other.provider_name)
    }
}

impl Eq for CredentialsInner {}

impl Credentials {
    /// Credentials from their parts; `provider_name` says where they came from.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expiry: Option<SystemTime>,
        provider_name: &'static str,
    ) -> Self {
        Credentials {
            inner: Arc::new(CredentialsInner {
                access_key_id: access_key_id.into(),
                secret_access_key: secret_access_key.into(),
                session_token,
                expiry,
                provider_name,
                secret_digest: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Fixed credentials for tests.
    pub fn for_tests() -> Self {
        Credentials::new("ANOTREAL", "notrealrnrELgWzOk3IfjzDKtFBhDby", None, None, "test")
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.inner.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        &self.inner.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.inner.session_token.as_deref()
    }

    /// When the credentials stop working.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.inner.expiry
    }

    /// SHA-256 of the secret key, for caches that must tell secrets apart without holding one.
    pub(crate) fn secret_digest(&self) -> [u8; 32] {
        use sha2::Digest;
        *self.inner.secret_digest.get_or_init(|| sha2::Sha256::digest(self.inner.secret_access_key.as_bytes()).into())
    }

    /// Which provider produced them.
    pub fn provider_name(&self) -> &'static str {
        self.inner.provider_name
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("provider_name", &self.inner.provider_name)
            .field("access_key_id", &self.inner.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.inner.session_token.as_ref().map(|_| "** redacted **"))
            .field("expiry", &self.inner.expiry)
            .finish()
    }
}

/// Why credentials could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsError {
    provider: &'static str,
    message: String,
    not_loaded: bool,
}

impl CredentialsError {
    /// `provider` is set up but failed, for `message`; a chain stops here.
    pub fn new(provider: &'static str, message: impl Into<String>) -> Self {
        CredentialsError { provider, message: message.into(), not_loaded: false }
    }

    /// `provider` has nothing to offer here (its settings are absent); a chain moves on.
    pub fn not_loaded(provider: &'static str, message: impl Into<String>) -> Self {
        CredentialsError { provider, message: message.into(), not_loaded: true }
    }

    /// True when the provider was simply not set up.
    pub fn is_not_loaded(&self) -> bool {
        self.not_loaded
    }

    /// The provider that failed.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// What went wrong, without the provider's name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no credentials from {}: {}", self.provider, self.message)
    }
}

impl std::error::Error for CredentialsError {}

/// A source of credentials.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Credentials for the next request.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let creds = self.clone();
        Box::pin(async move { Ok(creds) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::new("AKID", "very-secret", Some("token-secret".into()), None, "test");
        let text = format!("{c:?}");
        assert!(text.contains("AKID"));
        assert!(!text.contains("very-secret") && !text.contains("token-secret"), "{text}");
    }
}
