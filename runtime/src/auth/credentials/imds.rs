//! EC2 instance metadata, IMDSv2 only: a session token from `PUT
//! /latest/api/token`, then the role name and its credentials, or the
//! region. `AWS_EC2_METADATA_DISABLED=true` turns it off;
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it (tests use loopback).

use super::provider_context::ProviderContext;
use super::{json_credentials, Credentials, CredentialsError, ProvideCredentials};
use crate::http::{Body, BoxFuture, Headers, HttpRequest, HttpResponse};

const NAME: &str = "EC2 instance metadata";
const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";

/// An IMDSv2 client.
#[derive(Debug, Clone)]
pub struct Imds {
    ctx: ProviderContext,
}

impl Imds {
    /// A client using `ctx`'s transport and environment.
    pub fn new(ctx: ProviderContext) -> Self {
        Imds { ctx }
    }

    fn disabled(&self) -> bool {
        self.ctx.env.var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn endpoint(&self) -> String {
        self.ctx
            .env
            .var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
            .trim_end_matches('/')
            .to_owned()
    }

    async fn send(&self, method: &str, path: &str, headers: Headers) -> Result<HttpResponse, CredentialsError> {
        let request = HttpRequest { method: method.into(), uri: format!("{}{path}", self.endpoint()), headers, body: Body::empty() };
        self.ctx.fetch(request).await.map_err(|e| CredentialsError::not_loaded(NAME, format!("{} is unreachable: {e}", self.endpoint())))
    }

    /// GETs `path` with a fresh session token.
    pub async fn get(&self, path: &str) -> Result<String, CredentialsError> {
        if self.disabled() {
            return Err(CredentialsError::not_loaded(NAME, "AWS_EC2_METADATA_DISABLED is true"));
        }
        let mut h = Headers::new();
        h.append("x-aws-ec2-metadata-token-ttl-seconds", "21600");
        let token = self.send("PUT", "/latest/api/token", h).await?;
        if !token.status().is_success() {
            return Err(CredentialsError::new(NAME, format!("the session token request answered HTTP {}", token.status())));
        }
        let token = String::from_utf8_lossy(token.body()).trim().to_owned();
        let mut h = Headers::new();
        h.append("x-aws-ec2-metadata-token", token);
        let response = self.send("GET", path, h).await?;
        if response.status().as_u16() == 404 {
            return Err(CredentialsError::not_loaded(NAME, format!("{path} does not exist on this instance")));
        }
        if !response.status().is_success() {
            return Err(CredentialsError::new(NAME, format!("{path} answered HTTP {}", response.status())));
        }
        Ok(String::from_utf8_lossy(response.body()).into_owned())
    }

    /// The instance's region.
    pub async fn region(&self) -> Result<String, CredentialsError> {
        Ok(self.get("/latest/meta-data/placement/region").await?.trim().to_owned())
    }

    /// Credentials of the instance profile's role.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let roles = self.get("/latest/meta-data/iam/security-credentials/").await?;
        let role = roles
            .lines()
            .next()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| CredentialsError::not_loaded(NAME, "the instance has no IAM role"))?;
        let body = self.get(&format!("/latest/meta-data/iam/security-credentials/{role}")).await?;
        json_credentials::parse(NAME, body.as_bytes())
    }
}

impl ProvideCredentials for Imds {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.credentials())
    }
}
