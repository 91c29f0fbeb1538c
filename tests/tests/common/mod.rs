//! What the network tests (trust roots, proxies) share: one MeterUsage call
//! with a configuration loaded from a fake environment, its outcome as the
//! record id or the error's full text.

use mpkit_metering::config::Credentials;
use mpkit_metering::error::DisplayErrorContext;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::Client;
use mpkit_runtime::env::OsEnv;

/// The environment every network test starts from: a region, no instance
/// metadata, and config and credentials files that the test's fake files
/// may or may not hold.
pub const ISOLATED_ENV: [(&str, &str); 4] = [
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_CONFIG_FILE", "/cfg"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/creds"),
];

/// Calls MeterUsage at `endpoint`, without retries, configured from `env`.
pub async fn meter_from_env(env: OsEnv, endpoint: String) -> Result<Option<String>, String> {
    let config = mpkit_runtime::config::from_env(env)
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(endpoint)
        .retry_config(mpkit_metering::config::retry::RetryConfig::disabled())
        .build();
    Client::new(&config)
        .meter_usage()
        .product_code("prod-network")
        .timestamp(DateTime::from_secs(1_700_000_000))
        .usage_dimension("hosts")
        .usage_quantity_as_decimal("1")
        .send()
        .await
        .map(|out| out.metering_record_id().map(str::to_owned))
        .map_err(|e| DisplayErrorContext(&e).to_string())
}
