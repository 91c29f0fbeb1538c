//! The ECS and EKS container credentials endpoint:
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (a path starting with `/`, on
//! `169.254.170.2`) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, which must be
//! https or point at loopback or the ECS and EKS link-local addresses, and
//! may not carry user information, so credentials are never fetched from an
//! arbitrary host. The URI is parsed with a real URI parser and the host it
//! yields, the one the transport connects to, is what is checked.
//!
//! With the full URI only, as the AWS SDKs do,
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every call, since EKS
//! rotates it) or `AWS_CONTAINER_AUTHORIZATION_TOKEN` goes into the
//! `Authorization` header; the ECS relative endpoint needs no token.

use super::provider_context::ProviderContext;
use super::{json_credentials, Credentials, CredentialsError, ProvideCredentials};
use crate::http::{Body, BoxFuture, Headers, HttpRequest};

const NAME: &str = "the container credentials endpoint";
const ECS_HOST: &str = "http://169.254.170.2";

/// Fetches credentials from the container endpoint.
#[derive(Debug, Clone)]
pub struct ContainerCredentials {
    ctx: ProviderContext,
}

/// Why `uri` may not receive a credentials request, or `None` when it may:
/// https anywhere, plain http only to loopback or the ECS and EKS
/// link-local addresses, never with user information.
fn refusal(uri: &str) -> Option<&'static str> {
    let Ok(parsed) = uri.parse::<http::Uri>() else { return Some("is not a valid URI") };
    let Some(authority) = parsed.authority() else { return Some("has no host") };
    if authority.as_str().contains('@') {
        return Some("may not contain user information");
    }
    match parsed.scheme_str() {
        Some("https") => return None,
        Some("http") => {}
        _ => return Some("must be http or https"),
    }
    let host = authority.host();
    let allowed = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)),
        None => {
            host.eq_ignore_ascii_case("localhost")
                || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| {
                    ip.is_loopback() || ip == std::net::Ipv4Addr::new(169, 254, 170, 2) || ip == std::net::Ipv4Addr::new(169, 254, 170, 23)
                })
        }
    };
    (!allowed).then_some("must be https, loopback, or an ECS or EKS link-local address")
}

impl ContainerCredentials {
    /// A provider over `ctx`.
    pub fn new(ctx: ProviderContext) -> Self {
        ContainerCredentials { ctx }
    }

    /// The URI to fetch, and whether it is the full URI (which gets the token).
    fn uri(&self) -> Result<(String, bool), CredentialsError> {
        let env = &self.ctx.env;
        if let Some(relative) = env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            // Without the leading slash, `.attacker.example/x` would extend the host name.
            if !relative.starts_with('/') {
                return Err(CredentialsError::new(NAME, format!("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI `{relative}` must start with /")));
            }
            let uri = format!("{ECS_HOST}{relative}");
            if let Some(why) = refusal(&uri) {
                return Err(CredentialsError::new(
                    NAME,
                    format!("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI `{relative}` gives `{uri}`, which {why}"),
                ));
            }
            return Ok((uri, false));
        }
        match env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            Some(full) => match refusal(&full) {
                None => Ok((full, true)),
                Some(why) => Err(CredentialsError::new(NAME, format!("AWS_CONTAINER_CREDENTIALS_FULL_URI `{full}` {why}"))),
            },
            None => Err(CredentialsError::not_loaded(NAME, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set")),
        }
    }

    /// The credentials, or why not.
    pub async fn load(&self) -> Result<Credentials, CredentialsError> {
        let (uri, full) = self.uri()?;
        let env = &self.ctx.env;
        let mut headers = Headers::new();
        let token = match env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            _ if !full => None,
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
        let request = HttpRequest { method: "GET".into(), uri: uri.clone(), headers, body: Body::empty() };
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
    use super::*;
    use crate::env::OsEnv;
    use crate::test_util::{json_response, ReplayClient};
    use crate::time::SystemTimeSource;
    use std::sync::Arc;

    #[test]
    fn only_safe_full_uris_are_allowed() {
        for ok in [
            "http://169.254.170.2/creds",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/x",
            "http://127.0.0.1:8080/c",
            "http://127.1.2.3/c",
            "http://[::1]:9/c",
            "http://localhost/c",
            "https://anything.example/c",
        ] {
            assert_eq!(refusal(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("http://10.0.0.1/c", "must be https, loopback"),
            ("http://evil.example/c", "must be https, loopback"),
            ("http://169.254.169.254/c", "must be https, loopback"),
            ("ftp://127.0.0.1/c", "must be http or https"),
            ("http://127.example.com/c", "must be https, loopback"),
            // The old check split at the last ':' and saw 127.0.0.1; hyper connects to evil.example.
            ("http://127.0.0.1:1@evil.example/", "user information"),
            ("https://user:pw@anything.example/c", "user information"),
            ("http://169.254.170.2.attacker.example/x", "must be https, loopback"),
            ("/credentials", "has no host"),
            ("http://exa mple/", "not a valid URI"),
        ] {
            assert!(refusal(bad).is_some_and(|r| r.contains(why)), "{bad}: {:?}", refusal(bad));
        }
    }

    fn provider(vars: &[(&str, &str)], replay: &ReplayClient) -> ContainerCredentials {
        let env = OsEnv::fake(vars.iter().copied(), []);
        ContainerCredentials::new(ProviderContext::with(env, Arc::new(replay.clone()), Arc::new(SystemTimeSource)))
    }

    const CREDS: &str = r#"{"AccessKeyId":"ASIA","SecretAccessKey":"S","Token":"T","Expiration":"2099-01-01T00:00:00Z"}"#;

    #[tokio::test]
    async fn a_relative_uri_must_be_a_path_and_gets_no_token() {
        let replay = ReplayClient::new([json_response(200, CREDS)]);
        let err = provider(&[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ".attacker.example/x")], &replay).load().await.unwrap_err();
        assert!(err.to_string().contains("must start with /"), "{err}");
        assert!(replay.requests().is_empty(), "nothing was sent");
        let vars =
            [("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token")];
        provider(&vars, &replay).load().await.unwrap();
        let sent = replay.single_request();
        assert_eq!(sent.uri, "http://169.254.170.2/v2/credentials/abc");
        assert_eq!(sent.headers.get("authorization"), None, "the token goes only to the full URI");
    }

    #[tokio::test]
    async fn a_hostile_full_uri_sends_nothing() {
        let replay = ReplayClient::new([json_response(200, CREDS)]);
        let vars = [
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1@evil.example/"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token"),
        ];
        let err = provider(&vars, &replay).load().await.unwrap_err();
        assert!(err.to_string().contains("may not contain user information"), "{err}");
        assert!(replay.requests().is_empty());
        let vars =
            [("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds"), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token")];
        provider(&vars, &replay).load().await.unwrap();
        assert_eq!(replay.single_request().headers.get("authorization"), Some("secret-token"));
    }
}
