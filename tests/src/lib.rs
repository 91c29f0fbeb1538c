//! Helpers shared by the cross-crate tests in `tests/`: fixed configuration,
//! canned responses, and the location of `../shared/`.

pub mod cbor_json;
pub mod chaos;
pub mod random;
pub mod raw_http;
pub mod server;
pub mod sigv4;
pub mod tls;

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use mpkit_runtime::config::{Config, Region, StaticTimeSource};
use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::http::HttpRequest;
use mpkit_runtime::test_util::ReplayClient;

/// The frozen clock of every test: 2023-11-14T22:13:20Z.
pub const FROZEN_SECS: u64 = 1_700_000_000;

/// A configuration with frozen time, fixed credentials, region us-east-1,
/// a fixed idempotency token and invocation id, and `client` as the
/// transport: every request it makes is the same to the byte.
pub fn test_config(client: &ReplayClient) -> Config {
    Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "test"))
        .time_source(StaticTimeSource(UNIX_EPOCH + Duration::from_secs(FROZEN_SECS)))
        .idempotency_token_provider(|| "00000000-0000-4000-8000-000000000000".to_owned())
        .invocation_id_provider(|| "11111111-1111-4111-8111-111111111111".to_owned())
        .http_client(client.clone())
        .build()
}

/// A request body parsed as JSON, for comparisons that ignore key order.
pub fn body_json(request: &HttpRequest) -> serde_json::Value {
    serde_json::from_slice(request.body.bytes().expect("a body in memory"))
        .unwrap_or_else(|e| panic!("request body is not JSON ({e}): {}", request.body_text()))
}

/// The folder of shared test data (`../shared/` beside the project), or
/// `None` when it is absent. Under `CI=true` its absence fails the test.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/ is missing under CI=true: {} does not exist", dir.display());
    }
    eprintln!("skipped: ../shared/ is absent ({}); this test needs it", dir.display());
    None
}
