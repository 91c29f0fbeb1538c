//! Every generated deserializer and the error parser: the input's first byte
//! picks the operation and the status, the rest is the response body.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mpkit_metering::config::retry::RetryConfig;
use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::{Client, Config};
use mpkit_runtime::http::{Headers, HttpResponse};
use mpkit_runtime::test_util::ReplayClient;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap())
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let status = if selector & 0x10 == 0 { 200 } else { 400 };
    let replay = ReplayClient::new(vec![HttpResponse::new(status, Headers::new(), body.to_vec())]);
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .retry_config(RetryConfig::disabled())
        .http_client(replay)
        .build();
    let client = Client::from_conf(config);
    runtime().block_on(async {
        let _ = match selector % 4 {
            0 => client
                .meter_usage()
                .product_code("p")
                .timestamp(DateTime::from_secs(0))
                .usage_dimension("d")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            1 => client.resolve_customer().registration_token("t").send().await.map(|_| ()).map_err(|e| e.to_string()),
            2 => client.register_usage().product_code("p").public_key_version(1).send().await.map(|_| ()).map_err(|e| e.to_string()),
            _ => client
                .batch_meter_usage()
                .usage_records(
                    mpkit_metering::types::UsageRecord::builder().timestamp(DateTime::from_secs(0)).dimension("d").build().unwrap(),
                )
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
    });
});
