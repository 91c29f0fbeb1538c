//! Web identity (EKS IAM roles for service accounts): the OIDC token in
//! `AWS_WEB_IDENTITY_TOKEN_FILE` (read on every refresh, since it rotates)
//! is exchanged for the role in `AWS_ROLE_ARN` through STS
//! `AssumeRoleWithWebIdentity`.

use super::provider_context::ProviderContext;
use super::sts::{self, Call};
use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::http::BoxFuture;

const NAME: &str = "web identity";

/// Exchanges a token file for role credentials.
pub async fn assume(
    ctx: &ProviderContext,
    region: Option<&str>,
    token_file: &str,
    role_arn: &str,
    session_name: Option<&str>,
) -> Result<Credentials, CredentialsError> {
    let path = ctx.env.expand(token_file);
    let token = ctx
        .env
        .read_file(&path)
        .map_err(|e| CredentialsError::new(NAME, e))?
        .ok_or_else(|| CredentialsError::new(NAME, format!("the token file {} does not exist", path.display())))?;
    let session = session_name.map(str::to_owned).unwrap_or_else(|| default_session_name(ctx));
    sts::call(ctx, region, Call::WithWebIdentity { role_arn, session_name: &session, token: token.trim() }).await
}

/// A role session name when none is configured.
pub fn default_session_name(ctx: &ProviderContext) -> String {
    let millis = crate::primitives::DateTime::from(ctx.now()).to_millis().unwrap_or(0);
    format!("mpkit-runtime-{millis}")
}

/// The environment-configured web identity provider.
#[derive(Debug, Clone)]
pub struct WebIdentityCredentials {
    ctx: ProviderContext,
}

impl WebIdentityCredentials {
    /// A provider over `ctx`.
    pub fn new(ctx: ProviderContext) -> Self {
        WebIdentityCredentials { ctx }
    }

    /// The credentials, or why not.
    pub async fn load(&self) -> Result<Credentials, CredentialsError> {
        let env = &self.ctx.env;
        let (Some(file), Some(role)) = (env.var("AWS_WEB_IDENTITY_TOKEN_FILE"), env.var("AWS_ROLE_ARN")) else {
            return Err(CredentialsError::not_loaded(NAME, "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set"));
        };
        let region = env.var("AWS_REGION").or_else(|| env.var("AWS_DEFAULT_REGION"));
        assume(&self.ctx, region.as_deref(), &file, &role, env.var("AWS_ROLE_SESSION_NAME").as_deref()).await
    }
}

impl ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}
