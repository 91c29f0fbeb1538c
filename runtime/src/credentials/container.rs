//! The ECS and EKS container credentials endpoint:
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on `169.254.170.2`) or
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, which must be https or point at
//! loopback or the ECS and EKS link-local addresses, so credentials are never
//! sent to an arbitrary host. `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read
//! on every call, since EKS rotates it) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`
//! goes into the `Authorization` header.

use super::provider_context::ProviderContext;
use super::{json_credentials, Credentials, CredentialsError, ProvideCredentials};
use crate::http::{BoxFuture, Headers, HttpRequest};

const NAME: &str = "the container credentials endpoint";
const ECS_HOST: &str = "http://169.254.170.2";
const ALLOWED_HOSTS: [&str; 4] = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost"];

/// Fetches credentials from the container endpoint.
#[derive(Debug, Clone)]
pub struct ContainerCredentials {
    ctx: ProviderContext,
}

/// True when `uri` may receive a credentials request over plain HTTP.
fn allowed(uri: &str) -> bool {
    if uri.starts_with("https://") {
        return true;
    }
    let Some(rest) = uri.strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_owned()
    };
    ALLOWED_HOSTS.contains(&host.as_str())
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host == "[::1]"
}

impl ContainerCredentials {
    /// A provider over `ctx`.
    pub fn new(ctx: ProviderContext) -> Self {
        ContainerCredentials { ctx }
    }

    fn uri(&self) -> Result<String, CredentialsError> {
        let env = &self.ctx.env;
        if let Some(relative) = env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return Ok(format!("{ECS_HOST}{relative}"));
        }
        match env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            Some(full) if allowed(&full) => Ok(full),
            Some(full) => Err(CredentialsError::new(
                NAME,
                format!("AWS_CONTAINER_CREDENTIALS_FULL_URI `{full}` must be https, loopback, or an ECS or EKS link-local address"),
            )),
            None => Err(CredentialsError::not_loaded(NAME, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set")),
        }
    }

    /// The credentials, or why not.
    pub async fn load(&self) -> Result<Credentials, CredentialsError> {
        let uri = self.uri()?;
        let env = &self.ctx.env;
        let mut headers = Headers::new();
        let token = match env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Some(path) => Some(
                env.read_file(&env.expand(&path))
                    .map_err(|e| CredentialsError::new(NAME, e))?
                    .ok_or_else(|| CredentialsError::new(NAME, format!("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path} does not exist")))?
                    .trim()
                    .to_owned(),
            ),
            None => env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        };
        if let Some(t) = token {
            if t.contains(['\r', '\n']) {
                return Err(CredentialsError::new(NAME, "the authorization token contains a line break"));
            }
            headers.append("Authorization", t);
        }
        let request = HttpRequest { method: "GET".into(), uri: uri.clone(), headers, body: Vec::new() };
        let response = self.ctx.fetch(request).await.map_err(|e| CredentialsError::new(NAME, format!("{uri}: {e}")))?;
        if !response.status().is_success() {
            return Err(CredentialsError::new(NAME, format!("{uri} answered HTTP {}", response.status())));
        }
        json_credentials::parse(NAME, response.body())
    }
}

impl ProvideCredentials for ContainerCredentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_safe_full_uris_are_allowed() {
        for ok in ["http://169.254.170.2/creds", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/x", "http://127.0.0.1:8080/c", "http://[::1]:9/c", "http://localhost/c", "https://anything.example/c"] {
            assert!(allowed(ok), "{ok}");
        }
        for bad in ["http://10.0.0.1/c", "http://evil.example/c", "http://169.254.169.254/c", "ftp://127.0.0.1/c", "http://127.example.com/c"] {
            assert!(!allowed(bad), "{bad}");
        }
    }
}
