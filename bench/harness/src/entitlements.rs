//! `--entitlements`: GetEntitlements answering a page of 25 entitlements,
//! through our Entitlement crate in RPC v2 CBOR (its default), the same
//! crate generated for awsJson1_1 (`tests/golden/entitlement_json`), and the
//! official aws-sdk-marketplaceentitlement (which speaks CBOR): client CPU
//! and allocations per call with no network, and client CPU per call over
//! loopback (sequential, the server's CPU taken out).

use aws_smithy_types::body::SdkBody;
use mpkit_runtime::for_generated::CborWriter;

use crate::clients::{Instant, AKID, SECRET};
use crate::{over_loopback, per_call, server};

const PRODUCT: &str = "prod-contract-1";

/// The page's 25 entitlements: (dimension, account, value kind 0-3, expiration).
fn rows() -> Vec<(String, String, usize, i64)> {
    (0..25).map(|i| (format!("dimension-{i}"), format!("{:012}", 444_455_556_666u64 + i as u64), i % 4, 1_830_211_200 + i as i64)).collect()
}

/// The page as awsJson1_1's body.
pub fn json_page() -> String {
    let items: Vec<serde_json::Value> = rows()
        .into_iter()
        .map(|(dimension, account, kind, expiration)| {
            let value = match kind {
                0 => serde_json::json!({"IntegerValue": 10}),
                1 => serde_json::json!({"DoubleValue": 2.5}),
                2 => serde_json::json!({"BooleanValue": true}),
                _ => serde_json::json!({"StringValue": "gold"}),
            };
            serde_json::json!({
                "ProductCode": PRODUCT, "Dimension": dimension, "CustomerAWSAccountId": account,
                "LicenseArn": format!("arn:aws:license-manager::{account}:license:l-1"), "Value": value, "ExpirationDate": expiration,
            })
        })
        .collect();
    serde_json::json!({"Entitlements": items, "NextToken": "next-page"}).to_string()
}

/// The page as RPC v2 CBOR's body (definite lengths, as the service writes them).
pub fn cbor_page() -> Vec<u8> {
    let mut w = CborWriter::new();
    w.begin_map(2);
    w.key("Entitlements");
    w.begin_array(25);
    for (dimension, account, kind, expiration) in rows() {
        w.begin_map(6);
        for (k, v) in [("ProductCode", PRODUCT.to_owned()), ("Dimension", dimension), ("CustomerAWSAccountId", account.clone())] {
            w.key(k);
            w.string(&v);
        }
        w.key("LicenseArn");
        w.string(&format!("arn:aws:license-manager::{account}:license:l-1"));
        w.key("Value");
        w.begin_map(1);
        match kind {
            0 => {
                w.key("IntegerValue");
                w.integer(10);
            }
            1 => {
                w.key("DoubleValue");
                w.float(2.5);
            }
            2 => {
                w.key("BooleanValue");
                w.boolean(true);
            }
            _ => {
                w.key("StringValue");
                w.string("gold");
            }
        }
        w.key("ExpirationDate");
        w.timestamp(&mpkit_runtime::primitives::DateTime::from_secs(expiration));
    }
    w.key("NextToken");
    w.string("next-page");
    w.finish()
}

fn canned(cbor: bool) -> mpkit_runtime::http::HttpResponse {
    let mut h = mpkit_runtime::http::Headers::new();
    h.append("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
    if cbor {
        h.append("content-type", "application/cbor");
        h.append("smithy-protocol", "rpc-v2-cbor");
        mpkit_runtime::http::HttpResponse::new(200, h, cbor_page())
    } else {
        h.append("content-type", "application/x-amz-json-1.1");
        mpkit_runtime::http::HttpResponse::new(200, h, json_page().into_bytes())
    }
}

fn ours_cbor(url: Option<&str>) -> ours_entitlement::Client {
    let mut b = ours_entitlement::Config::builder()
        .region(ours_entitlement::config::Region::new("us-east-1"))
        .credentials_provider(ours_entitlement::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match url {
        Some(url) => b.endpoint_url(url),
        None => b.http_client(Instant(canned(true))),
    };
    ours_entitlement::Client::from_conf(b.build())
}

fn ours_json(url: Option<&str>) -> ours_entitlement_json::Client {
    let mut b = ours_entitlement_json::Config::builder()
        .region(ours_entitlement_json::config::Region::new("us-east-1"))
        .credentials_provider(ours_entitlement_json::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match url {
        Some(url) => b.endpoint_url(url),
        None => b.http_client(Instant(canned(false))),
    };
    ours_entitlement_json::Client::from_conf(b.build())
}

fn official(url: Option<&str>) -> official_entitlement::Client {
    let mut b = official_entitlement::Config::builder()
        .region(official_entitlement::config::Region::new("us-east-1"))
        .credentials_provider(official_entitlement::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match url {
        Some(url) => b.endpoint_url(url),
        None => {
            let body = cbor_page();
            b.http_client(aws_smithy_http_client::test_util::infallible_client_fn(move |_req| {
                http::Response::builder()
                    .status(200)
                    .header("content-type", "application/cbor")
                    .header("smithy-protocol", "rpc-v2-cbor")
                    .header("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789")
                    .body(SdkBody::from(body.clone()))
                    .unwrap()
            }))
        }
    };
    official_entitlement::Client::from_conf(b.build())
}

async fn call_ours_cbor(c: &ours_entitlement::Client) {
    let out = c
        .get_entitlements()
        .product_code(PRODUCT)
        .filter(ours_entitlement::types::GetEntitlementFilterName::Dimension, vec!["seats".into(), "tier".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(out.entitlements().len(), 25);
}

async fn call_ours_json(c: &ours_entitlement_json::Client) {
    let out = c
        .get_entitlements()
        .product_code(PRODUCT)
        .filter(ours_entitlement_json::types::GetEntitlementFilterName::Dimension, vec!["seats".into(), "tier".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(out.entitlements().len(), 25);
}

async fn call_official(c: &official_entitlement::Client) {
    let out = c
        .get_entitlements()
        .product_code(PRODUCT)
        .filter(official_entitlement::types::GetEntitlementFilterName::Dimension, vec!["seats".into(), "tier".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(out.entitlements().len(), 25);
}

/// The workloads, by the name `--profile` takes: no network, for callgrind.
pub const WORKLOADS: [&str; 3] = ["entitlements-cbor", "entitlements-json", "entitlements-official"];

/// `--profile entitlements-*`: `calls` GetEntitlements calls with no network, after a fixed warm-up.
pub fn profile(name: &str, calls: u64) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (c, j, o) = (ours_cbor(None), ours_json(None), official(None));
        // The warm-up is the same in every run, so it cancels out of the difference.
        for _ in 0..calls + 10 {
            match name {
                "entitlements-cbor" => call_ours_cbor(&c).await,
                "entitlements-json" => call_ours_json(&j).await,
                _ => call_official(&o).await,
            }
        }
    });
}

/// Measures and prints the table.
pub fn print(quick: bool) {
    let scale = if quick { 1 } else { 5 };
    let single = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (c, j, o) = single.block_on(async { (ours_cbor(None), ours_json(None), official(None)) });
    let n = 1000 * scale;
    let best = |a: (f64, f64, f64), b: (f64, f64, f64)| if a.0 <= b.0 { a } else { b };
    // Two interleaved rounds, each client's better one: the machine is noisy.
    let mut pure = [(f64::MAX, 0.0, 0.0); 3];
    for _ in 0..2 {
        pure[0] = best(pure[0], per_call(&single, n, || call_ours_cbor(&c)));
        pure[1] = best(pure[1], per_call(&single, n, || call_ours_json(&j)));
        pure[2] = best(pure[2], per_call(&single, n, || call_official(&o)));
    }

    let server = server::Server::start();
    let url = server.url();
    let (c, j, o) = single.block_on(async { (ours_cbor(Some(&url)), ours_json(Some(&url)), official(Some(&url))) });
    let nl = 400 * scale;
    let mut loopback = [f64::MAX; 3];
    for _ in 0..2 {
        let (c, j, o) = (c.clone(), j.clone(), o.clone());
        let runs = [
            over_loopback(&single, &server, nl, 1, move || {
                let c = c.clone();
                async move { call_ours_cbor(&c).await }
            }),
            over_loopback(&single, &server, nl, 1, move || {
                let j = j.clone();
                async move { call_ours_json(&j).await }
            }),
            over_loopback(&single, &server, nl, 1, move || {
                let o = o.clone();
                async move { call_official(&o).await }
            }),
        ];
        for (best, run) in loopback.iter_mut().zip(runs) {
            *best = best.min(run.client_cpu_us);
        }
    }

    println!("GetEntitlements answering a page of 25 entitlements (best of two interleaved runs each):\n");
    println!("| measure | ours, RPC v2 CBOR | ours, awsJson1_1 | official, RPC v2 CBOR | ours CBOR / official | ours CBOR / ours JSON | target |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    let row = |what: &str, v: [f64; 3], unit: &str, target: &str| {
        println!(
            "| {what} | {:.1}{unit} | {:.1}{unit} | {:.1}{unit} | {:.2} | {:.2} | {target} |",
            v[0],
            v[1],
            v[2],
            v[0] / v[2],
            v[0] / v[1]
        );
    };
    row("no network: CPU per call", pure.map(|p| p.0), " µs", "≤ 0.5 of official; CBOR < JSON");
    row("no network: allocations per call", pure.map(|p| p.1), "", "");
    row("no network: bytes allocated per call", pure.map(|p| p.2), " B", "");
    row("over loopback, sequential: client CPU per call", loopback, " µs", "≤ 0.5 of official");
    if crate::instructions::available() {
        // The one figure that does not move between runs (see instructions.rs).
        let (a, b) = if quick { (50, 150) } else { (200, 600) };
        let counts = WORKLOADS.map(|w| crate::instructions::per_call_between(w, a, b).unwrap_or(f64::NAN));
        row("no network: instructions per call (callgrind)", [counts[0], counts[1], counts[2]], "", "≤ 0.5 of official; CBOR < JSON");
    }
    println!("\nResponse body: {} bytes of CBOR, {} bytes of JSON.", cbor_page().len(), json_page().len());
}
