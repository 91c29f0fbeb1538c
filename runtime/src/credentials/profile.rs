//! Credentials from the active profile of the shared config and credentials
//! files: static keys. Profiles that assume a role, run a process or use a
//! web identity token are recognised and refused with a clear message until
//! those providers exist.

use super::{Credentials, CredentialsError, ProvideCredentials};
use crate::http::BoxFuture;
use crate::os_env::OsEnv;
use crate::profile;

const NAME: &str = "the profile files";

/// Reads the active profile's static keys on every call.
#[derive(Debug, Clone)]
pub struct ProfileCredentials {
    env: OsEnv,
}

impl ProfileCredentials {
    /// Reads from `env`'s files.
    pub fn new(env: OsEnv) -> Self {
        ProfileCredentials { env }
    }

    /// The credentials, or why not.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let name = profile::active_name(&self.env);
        let p = profile::load(&self.env)
            .map_err(|e| CredentialsError::new(NAME, e.to_string()))?
            .ok_or_else(|| CredentialsError::not_loaded(NAME, format!("there is no profile `{name}`")))?;
        match (p.get("aws_access_key_id"), p.get("aws_secret_access_key")) {
            (Some(key), Some(secret)) => {
                return Ok(Credentials::new(key, secret, p.get("aws_session_token").map(str::to_owned), None, "Profile"))
            }
            (Some(_), None) => {
                return Err(CredentialsError::new(NAME, format!("profile `{name}` has aws_access_key_id but no aws_secret_access_key")))
            }
            _ => {}
        }
        for key in ["role_arn", "credential_process", "web_identity_token_file", "sso_session", "sso_start_url"] {
            if p.get(key).is_some() {
                return Err(CredentialsError::new(NAME, format!("profile `{name}` uses {key}, which this version does not support yet")));
            }
        }
        Err(CredentialsError::not_loaded(NAME, format!("profile `{name}` has no credentials")))
    }
}

impl ProvideCredentials for ProfileCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move { self.load() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_keys_and_clear_refusals() {
        let creds = "[default]\naws_access_key_id = AKID\naws_secret_access_key = S\naws_session_token = T\n[role]\nrole_arn = arn:aws:iam::1:role/r\n";
        let env = |profile: &str| OsEnv::fake([("HOME", "/h"), ("AWS_PROFILE", profile)], [("/h/.aws/credentials", creds)]);
        let c = ProfileCredentials::new(env("default")).load().unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("AKID", Some("T")));
        let err = ProfileCredentials::new(env("role")).load().unwrap_err();
        assert_eq!(err.to_string(), "no credentials from the profile files: profile `role` uses role_arn, which this version does not support yet");
        assert!(ProfileCredentials::new(env("absent")).load().unwrap_err().is_not_loaded());
    }
}
