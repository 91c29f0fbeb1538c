//! The official aws-sdk-marketplaceentitlement and ours against the
//! emulator's Entitlement Service: one seller's program, compiled against
//! each crate, lists a contract product's entitlements page by page and
//! meets the service's error; both see the same thing. Both crates speak
//! RPC v2 CBOR, so this is the emulator's CBOR side checked by a client
//! nobody on this project wrote.

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

macro_rules! seller_program {
    ($c:ident, $url:expr) => {
        async {
            let config = aws_config::defaults(BehaviorVersion::latest())
                .region("us-east-1")
                .credentials_provider(Credentials::new(SELLER.0, SELLER.1, None, None, "test"))
                .endpoint_url($url)
                .load()
                .await;
            let client = $c::Client::new(&config);
            let pages = client
                .get_entitlements()
                .product_code("prod-contract-1")
                .filter($c::types::GetEntitlementFilterName::CustomerAwsAccountId, vec!["444455556666".to_owned()])
                .into_paginator()
                .page_size(2)
                .send()
                .try_collect()
                .await?;
            let mut seen = Vec::new();
            for page in &pages {
                for e in page.entitlements() {
                    let v = e.value();
                    seen.push(format!(
                        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                        e.dimension(),
                        e.customer_identifier(),
                        e.customer_aws_account_id(),
                        v.and_then(|v| v.integer_value()),
                        v.and_then(|v| v.double_value()),
                        v.and_then(|v| v.boolean_value()),
                        v.and_then(|v| v.string_value()),
                        e.expiration_date().map(|d| d.secs()),
                        e.license_arn(),
                    ));
                }
                seen.push(format!("page ends with a token: {}", page.next_token().is_some()));
            }
            let err = client
                .get_entitlements()
                .product_code("prod-contract-1")
                .next_token("forged")
                .send()
                .await
                .expect_err("a forged token is refused")
                .into_service_error();
            use $c::error::ProvideErrorMetadata;
            seen.push(format!("{} {:?}", err.is_invalid_parameter_exception(), err.code()));
            Ok::<_, $c::Error>(seen)
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_crates_see_the_emulators_entitlements_alike() {
    let running = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let theirs = seller_program!(official_entitlement, running.url()).await.expect("the official crate's listing");
    let mine = seller_program!(ours_entitlement, running.url()).await.expect("our listing");
    assert_eq!(mine, theirs);
    let arn = r#"Some("arn:aws:license-manager::444455556666:license:l-delta")"#;
    assert_eq!(
        theirs,
        [
            format!(r#"Some("seats") Some("cust-delta") Some("444455556666") Some(10) None None None Some(1830211200) {arn}"#),
            format!(r#"Some("tier") Some("cust-delta") Some("444455556666") None None None Some("silver") Some(1830211200) {arn}"#),
            "page ends with a token: true".to_owned(),
            format!(r#"Some("premium_support") Some("cust-delta") Some("444455556666") None None Some(false) None Some(1830211200) {arn}"#),
            "page ends with a token: false".to_owned(),
            r#"true Some("InvalidParameterException")"#.to_owned(),
        ]
    );
    running.stop().await;
}
