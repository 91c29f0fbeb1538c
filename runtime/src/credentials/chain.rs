//! The default credentials chain: each source in turn, until one has
//! credentials. A source that is not set up is skipped; one that is set up
//! but fails stops the chain, since falling through would silently use
//! different credentials. The final error lists what was tried.

use std::sync::Arc;

use super::{Credentials, CredentialsError, EnvironmentCredentials, ProfileCredentials, ProvideCredentials};
use crate::http::BoxFuture;
use crate::os_env::OsEnv;

/// Environment, then profile files.
#[derive(Debug, Clone)]
pub struct DefaultCredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
}

impl DefaultCredentialsChain {
    /// The chain over `env`.
    pub fn new(env: OsEnv) -> Self {
        DefaultCredentialsChain {
            providers: vec![Arc::new(EnvironmentCredentials::new(env.clone())), Arc::new(ProfileCredentials::new(env))],
        }
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let mut tried = Vec::new();
            for p in &self.providers {
                match p.provide_credentials().await {
                    Ok(c) => return Ok(c),
                    Err(e) if e.is_not_loaded() => tried.push(format!("{} ({})", e.provider(), e.message())),
                    Err(e) => return Err(e),
                }
            }
            Err(CredentialsError::not_loaded(
                "the default chain",
                format!(
                    "tried {}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or keys in ~/.aws/credentials",
                    tried.join(", then ")
                ),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn environment_first_then_profile_then_a_full_account() {
        let creds = "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = S\n";
        let both = OsEnv::fake([("HOME", "/h"), ("AWS_ACCESS_KEY_ID", "FROMENV"), ("AWS_SECRET_ACCESS_KEY", "S")], [("/h/.aws/credentials", creds)]);
        assert_eq!(DefaultCredentialsChain::new(both).provide_credentials().await.unwrap().access_key_id(), "FROMENV");
        let file_only = OsEnv::fake([("HOME", "/h")], [("/h/.aws/credentials", creds)]);
        assert_eq!(DefaultCredentialsChain::new(file_only).provide_credentials().await.unwrap().access_key_id(), "FROMFILE");
        let nothing = OsEnv::fake([("HOME", "/h")], []);
        let err = DefaultCredentialsChain::new(nothing).provide_credentials().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "no credentials from the default chain: tried the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set), \
             then the profile files (there is no profile `default`); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or keys in ~/.aws/credentials"
        );
    }
}
