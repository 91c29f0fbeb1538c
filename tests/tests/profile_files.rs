//! Real-world config and credentials files (`tests/data/profiles/`), as LF,
//! CRLF and with a byte-order mark: `load_from_env` reads them without
//! refusing the calls, honours the profile's `[services x]` endpoint, and a
//! call signed with the profile's keys reaches a loopback server that checks
//! the signature.

use std::path::PathBuf;

use integration_tests::server::{Reply, TestServer};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::Client;
use mpkit_runtime::env::OsEnv;

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/profiles").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The same text in the three encodings editors produce.
fn variants(text: &str) -> [(&'static str, String); 3] {
    let crlf = text.replace('\n', "\r\n");
    [("LF", text.to_owned()), ("CRLF", crlf.clone()), ("BOM and CRLF", format!("\u{feff}{crlf}"))]
}

#[tokio::test]
async fn the_documented_file_layouts_load_and_the_services_endpoint_is_used() {
    let server = TestServer::start(("AKIDMETERING", "metering#secret;not-a-comment"), |_| {
        Reply::json(200, r#"{"MeteringRecordId":"from-profile"}"#)
    })
    .await;
    let port = server.url().rsplit(':').next().unwrap().trim_end_matches('/').to_owned();
    let config = data("config").replace("PORT", &port);
    let credentials = data("credentials");
    for ((encoding, config), (_, credentials)) in variants(&config).into_iter().zip(variants(&credentials)) {
        let env = OsEnv::fake(
            [("HOME", "/home/seller"), ("AWS_PROFILE", "metering"), ("AWS_EC2_METADATA_DISABLED", "true")],
            [("/home/seller/.aws/config", config.as_str()), ("/home/seller/.aws/credentials", credentials.as_str())],
        );
        let files = mpkit_runtime::test_util::internals::load_profile_files(&env).unwrap_or_else(|e| panic!("{encoding}: {e}"));
        let metering = files.profile("metering").unwrap();
        assert_eq!(metering.get("max_attempts"), Some("5"), "{encoding}");
        assert_eq!(metering.get("cli_pager"), None, "{encoding}: empty");
        assert_eq!(metering.get_sub("s3", "addressing_style"), Some("path"), "{encoding}");
        assert_eq!(metering.get("description"), Some("metering from\na workstation"), "{encoding}");
        assert_eq!(metering.get("aws_secret_access_key"), Some("metering#secret;not-a-comment"), "{encoding}");
        assert_eq!(files.sso_session("my-sso").and_then(|s| s.get("sso_region")), Some("us-east-1"), "{encoding}");
        assert_eq!(files.profile("default").and_then(|p| p.get("region")), Some("us-west-2"), "{encoding}");
        assert_eq!(files.profile("assume").and_then(|p| p.get("source_profile")), Some("default"), "{encoding}");
        let mut names: Vec<&str> = files.profile_names().collect();
        names.sort();
        assert_eq!(names, ["assume", "default", "metering", "sso-user"], "{encoding}: [plugins] and [preview] are not profiles");

        let config = mpkit_runtime::config::load_with(env).await;
        assert_eq!(config.retry_config().max_attempts(), 5, "{encoding}");
        let out = Client::new(&config)
            .meter_usage()
            .product_code("p")
            .timestamp(DateTime::from_secs(1_700_000_000))
            .usage_dimension("d")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{encoding}: {}", mpkit_metering::error::DisplayErrorContext(&e)));
        assert_eq!(out.metering_record_id(), Some("from-profile"));
    }
    let received = server.received();
    assert_eq!(received.len(), 3);
    for r in &received {
        assert_eq!(r.signature, Ok(()));
        assert!(r.header("authorization").unwrap().contains("AKIDMETERING/") && r.header("authorization").unwrap().contains("/us-east-1/"));
    }
}
