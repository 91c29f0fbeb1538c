//! What credential providers share: the environment, an HTTP client with
//! short timeouts for metadata and STS endpoints, and the clock.
//!
//! Every HTTP exchange of a credential provider (instance metadata, the
//! container endpoint, STS) is bounded: connect 1 s, no byte for 2 s, a
//! body under stalled-stream protection and the 4 MiB cap, and the whole
//! exchange [`FETCH_DEADLINE`], so a server that sends a byte a second
//! cannot hold a call.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::env::OsEnv;
use crate::http::{ConnectorError, ConnectorErrorKind, HttpClient, HttpRequest, HttpResponse};
use crate::time::{SystemTimeSource, TimeSource};
use crate::timeout::TimeoutConfig;

/// The longest one HTTP exchange of a credential provider may take, head and body.
pub const FETCH_DEADLINE: Duration = Duration::from_secs(5);

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
        let timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_secs(1)).read_timeout(Duration::from_secs(2)).build();
        // The same extra roots as the service client, so STS works behind a TLS-inspecting proxy.
        let roots = match env.var("AWS_CA_BUNDLE") {
            Some(path) => crate::http::CaBundle::from_file(&env, &path).map_err(|e| format!("AWS_CA_BUNDLE: {e}"))?,
            None => crate::http::CaBundle::default(),
        };
        let http = crate::http::HyperClient::with_roots(&timeouts, &roots).map_err(|e| e.to_string())?;
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

    /// Sends `request` and reads the response within [`FETCH_DEADLINE`].
    pub async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        match tokio::time::timeout(FETCH_DEADLINE, self.http.call(request)).await {
            Ok(result) => result,
            Err(_) => Err(ConnectorError::new(
                ConnectorErrorKind::Timeout,
                format!("the response did not arrive in full within {FETCH_DEADLINE:?}"),
            )),
        }
    }
}
