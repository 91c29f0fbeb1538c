//! Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
//! `AWS_SESSION_TOKEN`.

use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::env::OsEnv;
use crate::http::BoxFuture;

const NAME: &str = "the environment";

/// Reads credentials from environment variables on every call.
#[derive(Debug, Clone)]
pub struct EnvironmentCredentials {
    env: OsEnv,
}

impl EnvironmentCredentials {
    /// Reads from `env`.
    pub fn new(env: OsEnv) -> Self {
        EnvironmentCredentials { env }
    }

    /// The credentials, or why not.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let key = self.env.var("AWS_ACCESS_KEY_ID").or_else(|| self.env.var("AWS_ACCESS_KEY"));
        let secret = self.env.var("AWS_SECRET_ACCESS_KEY").or_else(|| self.env.var("AWS_SECRET_KEY"));
        match (key, secret) {
            (Some(key), Some(secret)) => {
                Ok(Credentials::new(key.trim(), secret.trim(), self.env.var("AWS_SESSION_TOKEN"), None, "Environment"))
            }
            (None, None) => Err(CredentialsError::not_loaded(NAME, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")),
            (Some(_), None) => Err(CredentialsError::new(NAME, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")),
            (None, Some(_)) => Err(CredentialsError::new(NAME, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")),
        }
    }
}

impl ProvideCredentials for EnvironmentCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move { self.load() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_token_and_says_what_is_missing() {
        let env = OsEnv::fake([("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "S"), ("AWS_SESSION_TOKEN", "T")], []);
        let c = EnvironmentCredentials::new(env).load().unwrap();
        assert_eq!((c.access_key_id(), c.secret_access_key(), c.session_token()), ("AKID", "S", Some("T")));
        let half = OsEnv::fake([("AWS_ACCESS_KEY_ID", "AKID")], []);
        let err = EnvironmentCredentials::new(half).load().unwrap_err();
        assert!(!err.is_not_loaded());
        assert_eq!(err.to_string(), "no credentials from the environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
        assert!(EnvironmentCredentials::new(OsEnv::fake([], [])).load().unwrap_err().is_not_loaded());
    }
}
