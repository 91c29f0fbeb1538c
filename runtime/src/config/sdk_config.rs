//! Under the `aws-config` feature: a [`Config`] made from the
//! `aws_types::SdkConfig` that `aws-config` loads, so that a program which
//! already shares one `SdkConfig` between S3, SQS and the rest passes the
//! same value to this client, as it would to the official one.
//!
//! What carries over: the region; the credentials provider (adapted, and
//! cached here as the official SDK's identity cache would); the endpoint
//! URL; FIPS and dual-stack; the retry mode, attempts and backoff bounds;
//! the connect, read, attempt and operation timeouts; the app name;
//! disabling request compression and its minimum size.
//!
//! What does not: the `SdkConfig`'s HTTP client, sleep, time source and
//! identity cache are the official runtime's own traits, so this client
//! keeps its own transport (hyper and rustls), tokio's sleep and the system
//! clock; stalled-stream protection, checksum settings and per-service
//! endpoint settings loaded by `aws-config` are not read (the service's
//! `AWS_ENDPOINT_URL_MARKETPLACE_METERING` still is, through
//! [`from_env`](super::from_env) when that is used instead).

use std::sync::Arc;

use aws_credential_types::provider::ProvideCredentials as _;
use aws_types::SdkConfig;

use super::{Builder, Config, Region};
use crate::auth::credentials::{CachedCredentials, Credentials, CredentialsError, ProvideCredentials};
use crate::http::BoxFuture;
use crate::retry::RetryConfig;
use crate::time::SystemTimeSource;
use crate::timeout::TimeoutConfig;

impl From<&SdkConfig> for Config {
    fn from(sdk: &SdkConfig) -> Self {
        builder_from(sdk).build()
    }
}

impl super::ToConfig for SdkConfig {
    fn to_config(&self) -> Config {
        Config::from(self)
    }
}

/// A builder holding what `sdk` sets, for further settings of this client's own.
pub fn builder_from(sdk: &SdkConfig) -> Builder {
    let mut b = Config::builder();
    if let Some(region) = sdk.region() {
        b = b.region(Region::new(region.to_string()));
    }
    if let Some(provider) = sdk.credentials_provider() {
        let adapted: Arc<dyn ProvideCredentials> = Arc::new(FromSdk(provider));
        b = b.credentials_provider(CachedCredentials::new(adapted, Arc::new(SystemTimeSource)));
    }
    if let Some(url) = sdk.endpoint_url() {
        b = b.endpoint_url(url);
    }
    b = b.use_fips(sdk.use_fips().unwrap_or(false)).use_dual_stack(sdk.use_dual_stack().unwrap_or(false));
    if let Some(retry) = sdk.retry_config() {
        b = b.retry_config(retry_config(retry));
    }
    if let Some(timeouts) = sdk.timeout_config() {
        b = b.timeout_config(timeout_config(timeouts));
    }
    if let Some(name) = sdk.app_name().and_then(|n| super::AppName::new(n.to_string()).ok()) {
        b = b.app_name(name);
    }
    if let Some(disable) = sdk.disable_request_compression() {
        b = b.disable_request_compression(disable);
    }
    if let Some(bytes) = sdk.request_min_compression_size_bytes() {
        b = b.request_min_compression_size_bytes(bytes as usize);
    }
    b
}

fn retry_config(sdk: &aws_smithy_types::retry::RetryConfig) -> RetryConfig {
    let base = match sdk.mode() {
        aws_smithy_types::retry::RetryMode::Adaptive => RetryConfig::adaptive(),
        _ => RetryConfig::standard(),
    };
    base.with_max_attempts(sdk.max_attempts()).with_initial_backoff(sdk.initial_backoff()).with_max_backoff(sdk.max_backoff())
}

/// The official SDK's timeouts; one it leaves unset keeps this client's default.
fn timeout_config(sdk: &aws_smithy_types::timeout::TimeoutConfig) -> TimeoutConfig {
    let mut b = TimeoutConfig::builder();
    if let Some(d) = sdk.connect_timeout() {
        b = b.connect_timeout(d);
    }
    if let Some(d) = sdk.read_timeout() {
        b = b.read_timeout(d);
    }
    if let Some(d) = sdk.operation_attempt_timeout() {
        b = b.operation_attempt_timeout(d);
    }
    if let Some(d) = sdk.operation_timeout() {
        b = b.operation_timeout(d);
    }
    b.build()
}

/// An `aws-credential-types` provider seen as this runtime's.
#[derive(Debug)]
struct FromSdk(aws_credential_types::provider::SharedCredentialsProvider);

impl ProvideCredentials for FromSdk {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            let c = self.0.provide_credentials().await.map_err(|e| {
                let message = format!("the SdkConfig's credentials provider failed: {}", crate::error::DisplayErrorContext(&e));
                match e {
                    aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_) => {
                        CredentialsError::not_loaded("SdkConfig", message)
                    }
                    _ => CredentialsError::new("SdkConfig", message),
                }
            })?;
            Ok(Credentials::new(c.access_key_id(), c.secret_access_key(), c.session_token().map(str::to_owned), c.expiry(), "SdkConfig"))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aws_credential_types::provider::SharedCredentialsProvider;

    use super::*;
    use crate::retry::RetryMode;

    #[tokio::test]
    async fn what_an_sdk_config_sets_carries_over() {
        let sdk = SdkConfig::builder()
            .region(aws_types::region::Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
                "AKIDSDK",
                "sdk-secret",
                Some("token".into()),
                None,
                "test",
            )))
            .endpoint_url("http://127.0.0.1:9")
            .use_fips(true)
            .retry_config(aws_smithy_types::retry::RetryConfig::adaptive().with_max_attempts(5).with_max_backoff(Duration::from_secs(7)))
            .timeout_config(
                aws_smithy_types::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(500))
                    .operation_timeout(Duration::from_secs(9))
                    .build(),
            )
            .app_name(aws_types::app_name::AppName::new("seller-app").unwrap())
            .build();
        let config = Config::from(&sdk);
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:9"));
        assert!(config.use_fips() && !config.use_dual_stack());
        let retry = config.retry_config();
        assert_eq!((retry.mode(), retry.max_attempts(), retry.max_backoff()), (RetryMode::Adaptive, 5, Duration::from_secs(7)));
        let t = config.timeout_config();
        assert_eq!(t.connect_timeout(), Some(Duration::from_millis(500)));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(9)));
        assert_eq!(t.read_timeout(), TimeoutConfig::default().read_timeout(), "unset keeps ours");
        assert_eq!(config.app_name().map(|a| a.as_ref()), Some("seller-app"));
        let provider = config.settings.credentials.clone().expect("adapted");
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!((creds.access_key_id(), creds.secret_access_key(), creds.session_token()), ("AKIDSDK", "sdk-secret", Some("token")));
    }

    #[test]
    fn an_empty_sdk_config_leaves_the_defaults() {
        let config = Config::from(&SdkConfig::builder().build());
        assert!(config.region().is_none() && config.settings.credentials.is_none());
        assert_eq!(config.retry_config(), &RetryConfig::default());
    }
}
