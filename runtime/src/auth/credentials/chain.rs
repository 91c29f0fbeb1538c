//! The default credentials chain, in the official order: environment,
//! profile files, web identity from the environment, the container
//! endpoint, EC2 instance metadata. A source that is not set up is skipped;
//! one that is set up but fails stops the chain, since falling through would
//! silently use different credentials. The final error lists what was tried.

use std::sync::Arc;

use super::container::ContainerCredentials;
use super::imds::Imds;
use super::provider_context::ProviderContext;
use super::web_identity::WebIdentityCredentials;
use super::{Credentials, CredentialsError, EnvironmentCredentials, ProfileCredentials, ProvideCredentials};
use crate::http::BoxFuture;

/// Environment, profile, web identity, container, instance metadata.
#[derive(Debug, Clone)]
pub struct DefaultCredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
}

impl DefaultCredentialsChain {
    /// The chain over `ctx`.
    pub fn new(ctx: ProviderContext) -> Self {
        DefaultCredentialsChain {
            providers: vec![
                Arc::new(EnvironmentCredentials::new(ctx.env.clone())),
                Arc::new(ProfileCredentials::new(ctx.clone())),
                Arc::new(WebIdentityCredentials::new(ctx.clone())),
                Arc::new(ContainerCredentials::new(ctx.clone())),
                Arc::new(Imds::new(ctx)),
            ],
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
                format!("tried {}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or keys in ~/.aws/credentials", tried.join(", then ")),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::OsEnv;
    use crate::test_support::offline_context;

    #[tokio::test]
    async fn environment_first_then_profile_then_a_full_account() {
        let creds = "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = S\n";
        let chain = |vars: Vec<(&'static str, &'static str)>, files: Vec<(&'static str, &'static str)>| {
            DefaultCredentialsChain::new(offline_context(OsEnv::fake(vars, files)))
        };
        let both = chain(
            vec![("HOME", "/h"), ("AWS_ACCESS_KEY_ID", "FROMENV"), ("AWS_SECRET_ACCESS_KEY", "S")],
            vec![("/h/.aws/credentials", creds)],
        );
        assert_eq!(both.provide_credentials().await.unwrap().access_key_id(), "FROMENV");
        let file_only = chain(vec![("HOME", "/h")], vec![("/h/.aws/credentials", creds)]);
        assert_eq!(file_only.provide_credentials().await.unwrap().access_key_id(), "FROMFILE");
        let nothing = chain(vec![("HOME", "/h"), ("AWS_EC2_METADATA_DISABLED", "true")], vec![]);
        let err = nothing.provide_credentials().await.unwrap_err().to_string();
        assert_eq!(
            err,
            "no credentials from the default chain: tried the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set), \
             then the profile files (there is no profile `default`), \
             then web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set), \
             then the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set), \
             then EC2 instance metadata (AWS_EC2_METADATA_DISABLED is true); \
             set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or keys in ~/.aws/credentials"
        );
    }
}
