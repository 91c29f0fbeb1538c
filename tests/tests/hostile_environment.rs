//! Environment values an attacker (or a typo) controls never decide where
//! a request goes: a region that is not a region name builds no host, and
//! the call is refused before anything is sent.

use mpkit_metering::config::Credentials;
use mpkit_metering::primitives::DateTime;
use mpkit_metering::Client;
use mpkit_runtime::env::OsEnv;
use mpkit_runtime::test_util::{json_response, ReplayClient};

#[tokio::test]
async fn a_region_that_is_not_a_region_name_is_refused_before_sending() {
    for region in ["x@evil.com/", "us-east-1.evil.example", "us-east-1/", "US-EAST-1"] {
        let env = OsEnv::fake([("AWS_REGION", region), ("AWS_EC2_METADATA_DISABLED", "true")], []);
        let replay = ReplayClient::new([json_response(200, "{}")]);
        let config =
            mpkit_runtime::config::from_env(env).http_client(replay.clone()).credentials_provider(Credentials::for_tests()).build();
        let err = Client::new(&config)
            .meter_usage()
            .product_code("p")
            .timestamp(DateTime::from_secs(1_700_000_000))
            .usage_dimension("d")
            .send()
            .await
            .unwrap_err();
        let text = mpkit_metering::error::DisplayErrorContext(&err).to_string();
        assert!(text.contains(&format!("region `{region}` is not a valid region name")), "{text}");
        assert!(replay.requests().is_empty(), "{region}: nothing may be sent");
    }
}
