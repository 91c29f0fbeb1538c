//! Credentials from the active profile of the shared config and credentials
//! files: static keys, `credential_process`, `web_identity_token_file`, and
//! `role_arn` assumed through STS with the credentials of `source_profile`
//! (followed as a chain, with cycles refused) or of `credential_source`
//! (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`).

use super::container::ContainerCredentials;
use super::imds::Imds;
use super::provider_context::ProviderContext;
use super::sts::{self, Call};
use super::{process, web_identity, Credentials, CredentialsError, EnvironmentCredentials, ProvideCredentials};
use crate::env::profile::{self, Profile};
use crate::http::BoxFuture;

const NAME: &str = "the profile files";

/// Resolves the active profile's credentials on every call.
#[derive(Debug, Clone)]
pub struct ProfileCredentials {
    ctx: ProviderContext,
}

impl ProfileCredentials {
    /// A provider over `ctx`.
    pub fn new(ctx: ProviderContext) -> Self {
        ProfileCredentials { ctx }
    }

    /// The credentials, or why not.
    pub async fn load(&self) -> Result<Credentials, CredentialsError> {
        let name = profile::active_name(&self.ctx.env);
        self.resolve(&name, Vec::new()).await
    }

    fn get(&self, name: &str) -> Result<Option<Profile>, CredentialsError> {
        profile::load_named(&self.ctx.env, name).map_err(|e| CredentialsError::new(NAME, e.to_string()))
    }

    fn resolve<'a>(&'a self, name: &'a str, mut visited: Vec<String>) -> BoxFuture<'a, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            if visited.iter().any(|v| v == name) {
                visited.push(name.to_owned());
                return Err(CredentialsError::new(NAME, format!("source_profile forms a cycle: {}", visited.join(" -> "))));
            }
            visited.push(name.to_owned());
            let Some(p) = self.get(name)? else {
                let err = format!("there is no profile `{name}`");
                return Err(if visited.len() == 1 { CredentialsError::not_loaded(NAME, err) } else { CredentialsError::new(NAME, err) });
            };
            let region = self.ctx.env.var("AWS_REGION").or_else(|| p.get("region").map(str::to_owned));
            if let Some(role_arn) = p.get("role_arn") {
                let session =
                    p.get("role_session_name").map(str::to_owned).unwrap_or_else(|| web_identity::default_session_name(&self.ctx));
                if let Some(token_file) = p.get("web_identity_token_file") {
                    return web_identity::assume(&self.ctx, region.as_deref(), token_file, role_arn, Some(&session)).await;
                }
                let source = if let Some(source_profile) = p.get("source_profile") {
                    if source_profile == name {
                        // A profile may name itself as the source of its own static keys.
                        static_keys(&p)?.ok_or_else(|| {
                            CredentialsError::new(NAME, format!("profile `{name}` is its own source_profile but has no keys"))
                        })?
                    } else {
                        self.resolve(source_profile, visited.clone()).await?
                    }
                } else if let Some(source) = p.get("credential_source") {
                    match source {
                        "Environment" => EnvironmentCredentials::new(self.ctx.env.clone()).load()?,
                        "Ec2InstanceMetadata" => Imds::new(self.ctx.clone()).credentials().await?,
                        "EcsContainer" => ContainerCredentials::new(self.ctx.clone()).load().await?,
                        other => {
                            return Err(CredentialsError::new(NAME, format!("profile `{name}` has unknown credential_source `{other}`")))
                        }
                    }
                } else {
                    return Err(CredentialsError::new(
                        NAME,
                        format!("profile `{name}` has role_arn but neither source_profile nor credential_source"),
                    ));
                };
                let call = Call::AssumeRole { role_arn, session_name: &session, external_id: p.get("external_id"), source: &source };
                return sts::call(&self.ctx, region.as_deref(), call).await;
            }
            if p.get("web_identity_token_file").is_some() {
                return Err(CredentialsError::new(NAME, format!("profile `{name}` has web_identity_token_file but no role_arn")));
            }
            if let Some(command) = p.get("credential_process") {
                return process::run(command).await;
            }
            if let Some(creds) = static_keys(&p)? {
                return Ok(creds);
            }
            for key in ["sso_session", "sso_start_url"] {
                if p.get(key).is_some() {
                    return Err(CredentialsError::new(NAME, format!("profile `{name}` uses {key}, which this version does not support")));
                }
            }
            let err = format!("profile `{name}` has no credentials");
            Err(if visited.len() == 1 { CredentialsError::not_loaded(NAME, err) } else { CredentialsError::new(NAME, err) })
        })
    }
}

fn static_keys(p: &Profile) -> Result<Option<Credentials>, CredentialsError> {
    match (p.get("aws_access_key_id"), p.get("aws_secret_access_key")) {
        (Some(key), Some(secret)) => {
            Ok(Some(Credentials::new(key, secret, p.get("aws_session_token").map(str::to_owned), None, "Profile")))
        }
        (Some(_), None) => {
            Err(CredentialsError::new(NAME, format!("profile `{}` has aws_access_key_id but no aws_secret_access_key", p.name)))
        }
        _ => Ok(None),
    }
}

impl ProvideCredentials for ProfileCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::OsEnv;
    use crate::test_support::offline_context;

    #[tokio::test]
    async fn static_keys_cycles_and_clear_refusals() {
        let config = "[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\n\
                      [profile norole]\nrole_arn = arn:aws:iam::1:role/r\n[profile sso]\nsso_session = x\n";
        let creds = "[default]\naws_access_key_id = AKID\naws_secret_access_key = S\naws_session_token = T\n";
        let env = |profile: &str| {
            OsEnv::fake([("HOME", "/h"), ("AWS_PROFILE", profile)], [("/h/.aws/credentials", creds), ("/h/.aws/config", config)])
        };
        let load = |p: &str| {
            let provider = ProfileCredentials::new(offline_context(env(p)));
            async move { provider.load().await }
        };
        let c = load("default").await.unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("AKID", Some("T")));
        assert_eq!(
            load("a").await.unwrap_err().to_string(),
            "no credentials from the profile files: source_profile forms a cycle: a -> b -> a"
        );
        assert!(load("norole").await.unwrap_err().to_string().contains("neither source_profile nor credential_source"));
        assert!(load("sso").await.unwrap_err().to_string().contains("sso_session"));
        assert!(load("absent").await.unwrap_err().is_not_loaded());
    }
}
