//! `Config`: what the user configured for a client (region, credentials,
//! endpoint, transport, retry and timeout settings, the clock), its builder,
//! and loading it from the environment.
//!
//! A `Config` is cheap to clone. Beside the settings it carries the
//! `ClientState` (in `client_state.rs`) that clients learn while
//! running, so that every client built from one configuration shares one
//! retry quota, signing-key cache, send rate and clock correction; only the
//! request loop reads or changes that state.

use std::fmt;
use std::sync::Arc;

use crate::auth::credentials::ProvideCredentials;
use crate::client_state::ClientState;
use crate::http::{CaBundle, HttpClient, ProxyConfig};

pub(crate) mod load;
mod region;
#[cfg(feature = "aws-config")]
mod sdk_config;

pub use crate::time::{AsyncSleep, StaticTimeSource, SystemTimeSource, TimeSource, TokioSleep};
pub use load::{from_env, load_from_env, load_with};
pub use region::{AppName, InvalidAppName, Region};
#[cfg(feature = "aws-config")]
pub use sdk_config::builder_from as builder_from_sdk_config;

/// How retries are spaced and bounded.
pub mod retry {
    pub use crate::retry::{RetryConfig, RetryMode};
}

/// Time limits.
pub mod timeout {
    pub use crate::timeout::{MinimumThroughput, TimeoutConfig, TimeoutConfigBuilder};
}

/// A client configuration.
#[derive(Clone)]
pub struct Config {
    pub(crate) settings: Arc<Settings>,
    pub(crate) state: Arc<ClientState>,
}

/// What the user configured, as the builder left it.
pub(crate) struct Settings {
    pub(crate) region: Option<Region>,
    pub(crate) credentials: Option<Arc<dyn ProvideCredentials>>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) use_fips: bool,
    pub(crate) use_dual_stack: bool,
    pub(crate) http_client: Option<Arc<dyn HttpClient>>,
    pub(crate) app_name: Option<AppName>,
    pub(crate) retry: retry::RetryConfig,
    pub(crate) timeout: timeout::TimeoutConfig,
    pub(crate) time_source: Arc<dyn TimeSource>,
    pub(crate) sleep: Arc<dyn AsyncSleep>,
    pub(crate) idempotency_token: Option<IdSource>,
    pub(crate) invocation_id: Option<IdSource>,
    /// Endpoint URLs from the environment and the profile files.
    pub(crate) configured_endpoints: crate::endpoint::ConfiguredEndpoints,
    /// Settings from the environment that could not be understood.
    pub(crate) load_problems: Vec<String>,
    /// The random source of backoff jitter, in `[0, 1)`.
    pub(crate) jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    /// `@endpoint` host prefixes are not applied.
    pub(crate) disable_host_prefix: bool,
    /// `@requestCompression` is not applied.
    pub(crate) disable_request_compression: bool,
    /// Bodies smaller than this are sent uncompressed.
    pub(crate) request_min_compression_size_bytes: usize,
    /// The default transport refuses response bodies longer than this.
    pub(crate) max_response_body_bytes: usize,
    /// Roots the default transport trusts besides the web roots.
    pub(crate) ca_bundle: CaBundle,
    /// The proxies the default transport goes through.
    pub(crate) proxy: ProxyConfig,
}

/// What a generated `Client::new` accepts: a [`Config`], and with the
/// `aws-config` feature an `aws_types::SdkConfig` (see `sdk_config.rs` for
/// what carries over).
pub trait ToConfig {
    /// The configuration a client is built from.
    fn to_config(&self) -> Config;
}

impl ToConfig for Config {
    fn to_config(&self) -> Config {
        self.clone()
    }
}

/// A generator of ids, replaced in tests to make requests repeatable.
pub(crate) type IdSource = Arc<dyn Fn() -> String + Send + Sync>;

impl Settings {
    /// The configured transport, or the default hyper client shared by the
    /// clients of this configuration.
    pub(crate) fn http_client(&self, state: &ClientState) -> Result<Arc<dyn HttpClient>, String> {
        match &self.http_client {
            Some(c) => Ok(c.clone()),
            None => state.default_http_client(&self.timeout, self.max_response_body_bytes, &self.ca_bundle, &self.proxy),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.settings;
        f.debug_struct("Config")
            .field("region", &c.region)
            .field("credentials", &c.credentials)
            .field("endpoint_url", &c.endpoint_url)
            .field("use_fips", &c.use_fips)
            .field("use_dual_stack", &c.use_dual_stack)
            .field("http_client", &c.http_client)
            .field("app_name", &c.app_name)
            .field("retry", &c.retry)
            .field("timeout", &c.timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A builder starting from this configuration.
    pub fn to_builder(&self) -> Builder {
        let c = &self.settings;
        Builder {
            region: c.region.clone(),
            credentials: c.credentials.clone(),
            endpoint_url: c.endpoint_url.clone(),
            use_fips: c.use_fips,
            use_dual_stack: c.use_dual_stack,
            http_client: c.http_client.clone(),
            app_name: c.app_name.clone(),
            retry: Some(c.retry.clone()),
            timeout: Some(c.timeout.clone()),
            time_source: Some(c.time_source.clone()),
            sleep: Some(c.sleep.clone()),
            idempotency_token: c.idempotency_token.clone(),
            invocation_id: c.invocation_id.clone(),
            configured_endpoints: c.configured_endpoints.clone(),
            load_problems: c.load_problems.clone(),
            jitter: Some(c.jitter.clone()),
            disable_host_prefix: c.disable_host_prefix,
            disable_request_compression: c.disable_request_compression,
            request_min_compression_size_bytes: Some(c.request_min_compression_size_bytes),
            max_response_body_bytes: Some(c.max_response_body_bytes),
            ca_bundle: c.ca_bundle.clone(),
            proxy: c.proxy.clone(),
        }
    }

    /// The region.
    pub fn region(&self) -> Option<&Region> {
        self.settings.region.as_ref()
    }

    /// The endpoint override.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.settings.endpoint_url.as_deref()
    }

    /// Whether FIPS endpoints are used.
    pub fn use_fips(&self) -> bool {
        self.settings.use_fips
    }

    /// Whether dual-stack endpoints are used.
    pub fn use_dual_stack(&self) -> bool {
        self.settings.use_dual_stack
    }

    /// Retry settings.
    pub fn retry_config(&self) -> &retry::RetryConfig {
        &self.settings.retry
    }

    /// Timeout settings.
    pub fn timeout_config(&self) -> &timeout::TimeoutConfig {
        &self.settings.timeout
    }

    /// The app name.
    pub fn app_name(&self) -> Option<&AppName> {
        self.settings.app_name.as_ref()
    }

    /// Tokens left in the retry quota this configuration's clients share.
    pub fn retry_quota_available(&self) -> u32 {
        self.state.retry_quota.available()
    }
}

/// Builds a [`Config`].
#[derive(Clone, Default)]
pub struct Builder {
    region: Option<Region>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    endpoint_url: Option<String>,
    use_fips: bool,
    use_dual_stack: bool,
    http_client: Option<Arc<dyn HttpClient>>,
    app_name: Option<AppName>,
    retry: Option<retry::RetryConfig>,
    timeout: Option<timeout::TimeoutConfig>,
    time_source: Option<Arc<dyn TimeSource>>,
    sleep: Option<Arc<dyn AsyncSleep>>,
    idempotency_token: Option<IdSource>,
    invocation_id: Option<IdSource>,
    configured_endpoints: crate::endpoint::ConfiguredEndpoints,
    load_problems: Vec<String>,
    jitter: Option<Arc<dyn Fn() -> f64 + Send + Sync>>,
    disable_host_prefix: bool,
    disable_request_compression: bool,
    request_min_compression_size_bytes: Option<usize>,
    max_response_body_bytes: Option<usize>,
    ca_bundle: CaBundle,
    proxy: ProxyConfig,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder").field("region", &self.region).field("endpoint_url", &self.endpoint_url).finish_non_exhaustive()
    }
}

impl Builder {
    /// Sets the region.
    pub fn region(mut self, region: impl Into<Option<Region>>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets the credentials provider (static [`Credentials`](crate::auth::credentials::Credentials) work too).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Sends requests to this URL instead of the resolved endpoint.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Uses FIPS endpoints.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Uses dual-stack endpoints.
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Sets the transport. By default a [`HyperClient`](crate::http::HyperClient)
    /// is made on first use with the connect and read timeouts of the timeout settings.
    pub fn http_client(mut self, client: impl HttpClient + 'static) -> Self {
        self.http_client = Some(Arc::new(client));
        self
    }

    /// Adds an app name to the User-Agent.
    pub fn app_name(mut self, name: AppName) -> Self {
        self.app_name = Some(name);
        self
    }

    /// Sets retry behaviour.
    pub fn retry_config(mut self, config: retry::RetryConfig) -> Self {
        self.retry = Some(config);
        self
    }

    /// Sets time limits.
    pub fn timeout_config(mut self, config: timeout::TimeoutConfig) -> Self {
        self.timeout = Some(config);
        self
    }

    /// Sets the clock used for signing.
    pub fn time_source(mut self, source: impl TimeSource + 'static) -> Self {
        self.time_source = Some(Arc::new(source));
        self
    }

    /// Sets how the client waits between attempts.
    pub fn sleep_impl(mut self, sleep: impl AsyncSleep + 'static) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Replaces the generator of idempotency tokens (for deterministic tests).
    pub fn idempotency_token_provider(mut self, f: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.idempotency_token = Some(Arc::new(f));
        self
    }

    /// Replaces the generator of the `amz-sdk-invocation-id` header, which is
    /// signed (for tests that compare signed requests byte for byte). Each
    /// call asks once; its retries send the same id.
    pub fn invocation_id_provider(mut self, f: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.invocation_id = Some(Arc::new(f));
        self
    }

    /// Stops operations with an `@endpoint` host prefix from prefixing the host.
    pub fn disable_host_prefix(mut self, disable: bool) -> Self {
        self.disable_host_prefix = disable;
        self
    }

    /// Sends `@requestCompression` bodies uncompressed.
    pub fn disable_request_compression(mut self, disable: bool) -> Self {
        self.disable_request_compression = disable;
        self
    }

    /// Compresses `@requestCompression` bodies of at least this many bytes (default 10,240).
    pub fn request_min_compression_size_bytes(mut self, bytes: usize) -> Self {
        self.request_min_compression_size_bytes = Some(bytes);
        self
    }

    /// Makes the default transport refuse response bodies longer than this
    /// (default [`DEFAULT_MAX_RESPONSE_BODY`](crate::http::DEFAULT_MAX_RESPONSE_BODY), 4 MiB);
    /// the call fails with an error naming the limit.
    pub fn max_response_body_bytes(mut self, bytes: usize) -> Self {
        self.max_response_body_bytes = Some(bytes);
        self
    }

    /// Makes the default transport trust `bundle`'s certificates as roots,
    /// besides the web roots (for TLS-inspecting proxies); `AWS_CA_BUNDLE`
    /// and the profile's `ca_bundle` set it through `load_from_env`.
    pub fn ca_bundle(mut self, bundle: CaBundle) -> Self {
        self.ca_bundle = bundle;
        self
    }

    /// Sends the default transport's requests through `proxies`
    /// (`load_from_env` reads `https_proxy`, `http_proxy` and `no_proxy`).
    pub fn proxy(mut self, proxies: ProxyConfig) -> Self {
        self.proxy = proxies;
        self
    }

    /// Replaces the random source of backoff jitter (for deterministic tests);
    /// it must return values in `[0, 1)`.
    pub fn jitter_source(mut self, f: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Some(Arc::new(f));
        self
    }

    pub(crate) fn has_region(&self) -> bool {
        self.region.is_some()
    }

    pub(crate) fn configured_endpoints(mut self, endpoints: crate::endpoint::ConfiguredEndpoints) -> Self {
        self.configured_endpoints = endpoints;
        self
    }

    pub(crate) fn load_problems(mut self, problems: Vec<String>) -> Self {
        self.load_problems = problems;
        self
    }

    /// The configuration.
    pub fn build(self) -> Config {
        Config {
            settings: Arc::new(Settings {
                region: self.region,
                credentials: self.credentials,
                endpoint_url: self.endpoint_url,
                use_fips: self.use_fips,
                use_dual_stack: self.use_dual_stack,
                http_client: self.http_client,
                app_name: self.app_name,
                retry: self.retry.unwrap_or_default(),
                timeout: self.timeout.unwrap_or_default(),
                time_source: self.time_source.unwrap_or_else(|| Arc::new(SystemTimeSource)),
                sleep: self.sleep.unwrap_or_else(|| Arc::new(TokioSleep)),
                idempotency_token: self.idempotency_token,
                invocation_id: self.invocation_id,
                configured_endpoints: self.configured_endpoints,
                load_problems: self.load_problems,
                jitter: self.jitter.unwrap_or_else(|| Arc::new(crate::ids::random_unit)),
                disable_host_prefix: self.disable_host_prefix,
                disable_request_compression: self.disable_request_compression,
                request_min_compression_size_bytes: self.request_min_compression_size_bytes.unwrap_or(10_240),
                max_response_body_bytes: self.max_response_body_bytes.unwrap_or(crate::http::DEFAULT_MAX_RESPONSE_BODY),
                ca_bundle: self.ca_bundle,
                proxy: self.proxy,
            }),
            state: Arc::new(ClientState::default()),
        }
    }
}
