//! What credential providers share: the environment, an HTTP client with
//! short timeouts for metadata and STS endpoints, and the clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::config::timeout::TimeoutConfig;
use crate::config::{SystemTimeSource, TimeSource};
use crate::http::HttpClient;
use crate::os_env::OsEnv;

/// The shared context of credential providers.
#[derive(Clone, Debug)]
pub struct ProviderContext {
    /// Environment variables and files.
    pub env: OsEnv,
    /// HTTP client for the metadata, container and STS endpoints.
    pub http: Arc<dyn HttpClient>,
    /// The clock, for expiry.
    pub time: Arc<dyn TimeSource>,
}

impl ProviderContext {
    /// A context over `env` with a hyper client whose timeouts are short:
    /// a metadata endpoint that does not answer quickly is not there.
    pub fn new(env: OsEnv) -> Result<Self, String> {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(Duration::from_secs(2))
            .build();
        let http = crate::hyper_client::HyperClient::new(&timeouts).map_err(|e| e.to_string())?;
        Ok(ProviderContext { env, http: Arc::new(http), time: Arc::new(SystemTimeSource) })
    }

    /// A context with an explicit transport and clock (tests).
    pub fn with(env: OsEnv, http: Arc<dyn HttpClient>, time: Arc<dyn TimeSource>) -> Self {
        ProviderContext { env, http, time }
    }

    /// Now.
    pub fn now(&self) -> SystemTime {
        self.time.now()
    }
}
