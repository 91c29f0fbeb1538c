//! `--catalog`: restJson1 calls of the Catalog API through our Catalog
//! crate and the official aws-sdk-marketplacecatalog: `DescribeEntity`
//! (GET, its members in the query; an answer with the entity's details as
//! JSON text and as a document) and `ListEntities` (POST, a JSON body with
//! a filter; a page of 20 entity summaries). Client CPU and allocations per
//! call with no network, and client CPU per call over loopback (sequential,
//! the server's CPU taken out); instructions per call under callgrind.

use aws_smithy_types::body::SdkBody;

use crate::clients::{Instant, AKID, SECRET};
use crate::{over_loopback, per_call, server};

const OFFER: &str = "offer-1a2b3c4d5e6f7";

/// DescribeEntity's answer: an offer with its details.
pub fn describe_body() -> String {
    let details = serde_json::json!({
        "ProductId": "prod-saas-1",
        "State": "Released",
        "Information": {"Name": "Private offer for 444455556666", "Description": "Twelve months, two dimensions"},
        "Terms": (0..4).map(|i| serde_json::json!({"Type": format!("Term{i}"), "RateCards": [{"Dimension": format!("d{i}"), "Price": "0.25"}]})).collect::<Vec<_>>(),
    });
    serde_json::json!({
        "EntityType": "Offer@1.0",
        "EntityIdentifier": format!("{OFFER}@3"),
        "EntityArn": format!("arn:aws:aws-marketplace:us-east-1:111122223333:AWSMarketplace/Offer/{OFFER}"),
        "LastModifiedDate": "2026-12-01T10:00:00Z",
        "Details": details.to_string(),
        "DetailsDocument": details,
    })
    .to_string()
}

/// ListEntities' answer: a page of 20 offers and a token.
pub fn list_body() -> String {
    let items: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            serde_json::json!({
                "Name": format!("Private offer {i}"),
                "EntityType": "Offer",
                "EntityId": format!("offer-{i:013}"),
                "EntityArn": format!("arn:aws:aws-marketplace:us-east-1:111122223333:AWSMarketplace/Offer/offer-{i:013}"),
                "LastModifiedDate": "2026-12-01T10:00:00Z",
                "Visibility": "Limited",
            })
        })
        .collect();
    serde_json::json!({"EntitySummaryList": items, "NextToken": "next-page"}).to_string()
}

/// The answer for a request to `path`.
pub fn body_for(path: &str) -> Option<String> {
    match path {
        "/DescribeEntity" => Some(describe_body()),
        "/ListEntities" => Some(list_body()),
        _ => None,
    }
}

fn canned(path: &str) -> mpkit_runtime::http::HttpResponse {
    let mut h = mpkit_runtime::http::Headers::new();
    h.append("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
    h.append("content-type", "application/json");
    mpkit_runtime::http::HttpResponse::new(200, h, body_for(path).unwrap().into_bytes())
}

fn ours(url: Option<&str>, path: &str) -> ours_catalog::Client {
    let mut b = ours_catalog::Config::builder()
        .region(ours_catalog::config::Region::new("us-east-1"))
        .credentials_provider(ours_catalog::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match url {
        Some(url) => b.endpoint_url(url),
        None => b.http_client(Instant(canned(path))),
    };
    ours_catalog::Client::from_conf(b.build())
}

fn official(url: Option<&str>, path: &'static str) -> official_catalog::Client {
    let mut b = official_catalog::Config::builder()
        .region(official_catalog::config::Region::new("us-east-1"))
        .credentials_provider(official_catalog::config::Credentials::new(AKID, SECRET, None, None, "bench"));
    b = match url {
        Some(url) => b.endpoint_url(url),
        None => {
            let body = body_for(path).unwrap();
            b.http_client(aws_smithy_http_client::test_util::infallible_client_fn(move |_req| {
                http::Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .header("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789")
                    .body(SdkBody::from(body.clone()))
                    .unwrap()
            }))
        }
    };
    official_catalog::Client::from_conf(b.build())
}

async fn describe_ours(c: &ours_catalog::Client) {
    let out = c.describe_entity().catalog("AWSMarketplace").entity_id(OFFER).send().await.unwrap();
    assert!(out.details_document().is_some());
}

async fn describe_official(c: &official_catalog::Client) {
    let out = c.describe_entity().catalog("AWSMarketplace").entity_id(OFFER).send().await.unwrap();
    assert!(out.details_document().is_some());
}

async fn list_ours(c: &ours_catalog::Client) {
    let filter = ours_catalog::types::Filter::builder().name("ProductId").value_list("prod-saas-1").build();
    let out = c.list_entities().catalog("AWSMarketplace").entity_type("Offer").filter_list(filter).max_results(20).send().await.unwrap();
    assert_eq!(out.entity_summary_list().len(), 20);
}

async fn list_official(c: &official_catalog::Client) {
    let filter = official_catalog::types::Filter::builder().name("ProductId").value_list("prod-saas-1").build();
    let out = c.list_entities().catalog("AWSMarketplace").entity_type("Offer").filter_list(filter).max_results(20).send().await.unwrap();
    assert_eq!(out.entity_summary_list().len(), 20);
}

/// The workloads, by the name `--profile` takes: no network, for callgrind.
pub const WORKLOADS: [&str; 4] = ["catalog-describe-ours", "catalog-describe-official", "catalog-list-ours", "catalog-list-official"];

/// `--profile catalog-*`: `calls` calls with no network, after a fixed warm-up.
pub fn profile(name: &str, calls: u64) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (od, fd) = (ours(None, "/DescribeEntity"), official(None, "/DescribeEntity"));
        let (ol, fl) = (ours(None, "/ListEntities"), official(None, "/ListEntities"));
        for _ in 0..calls + 10 {
            match name {
                "catalog-describe-ours" => describe_ours(&od).await,
                "catalog-describe-official" => describe_official(&fd).await,
                "catalog-list-ours" => list_ours(&ol).await,
                _ => list_official(&fl).await,
            }
        }
    });
}

/// Measures and prints the table.
pub fn print(quick: bool) {
    let scale = if quick { 1 } else { 5 };
    let single = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let n = 1000 * scale;
    let best = |a: (f64, f64, f64), b: (f64, f64, f64)| if a.0 <= b.0 { a } else { b };
    let (od, fd, ol, fl) = single.block_on(async {
        (ours(None, "/DescribeEntity"), official(None, "/DescribeEntity"), ours(None, "/ListEntities"), official(None, "/ListEntities"))
    });
    // Two interleaved rounds, each client's better one: the machine is noisy.
    let mut pure = [(f64::MAX, 0.0, 0.0); 4];
    for _ in 0..2 {
        pure[0] = best(pure[0], per_call(&single, n, || describe_ours(&od)));
        pure[1] = best(pure[1], per_call(&single, n, || describe_official(&fd)));
        pure[2] = best(pure[2], per_call(&single, n, || list_ours(&ol)));
        pure[3] = best(pure[3], per_call(&single, n, || list_official(&fl)));
    }

    let server = server::Server::start();
    let url = server.url();
    let (o, f) = single.block_on(async { (ours(Some(&url), ""), official(Some(&url), "")) });
    let nl = 400 * scale;
    let mut loopback = [f64::MAX; 4];
    for _ in 0..2 {
        let runs = [
            over_loopback(&single, &server, nl, 1, {
                let o = o.clone();
                move || {
                    let o = o.clone();
                    async move { describe_ours(&o).await }
                }
            }),
            over_loopback(&single, &server, nl, 1, {
                let f = f.clone();
                move || {
                    let f = f.clone();
                    async move { describe_official(&f).await }
                }
            }),
            over_loopback(&single, &server, nl, 1, {
                let o = o.clone();
                move || {
                    let o = o.clone();
                    async move { list_ours(&o).await }
                }
            }),
            over_loopback(&single, &server, nl, 1, {
                let f = f.clone();
                move || {
                    let f = f.clone();
                    async move { list_official(&f).await }
                }
            }),
        ];
        for (best, run) in loopback.iter_mut().zip(runs) {
            *best = best.min(run.client_cpu_us);
        }
    }

    println!("Catalog API, restJson1: DescribeEntity (an offer with its details) and ListEntities (a page of 20), best of two interleaved runs each:\n");
    println!("| measure | DescribeEntity ours | official | ours / official | ListEntities ours | official | ours / official | target |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    let row = |what: &str, v: [f64; 4], unit: &str, target: &str| {
        println!(
            "| {what} | {:.1}{unit} | {:.1}{unit} | {:.2} | {:.1}{unit} | {:.1}{unit} | {:.2} | {target} |",
            v[0],
            v[1],
            v[0] / v[1],
            v[2],
            v[3],
            v[2] / v[3]
        );
    };
    row("no network: CPU per call", pure.map(|p| p.0), " µs", "≤ 0.5 of official");
    row("no network: allocations per call", pure.map(|p| p.1), "", "≤ 0.5 of official");
    row("no network: bytes allocated per call", pure.map(|p| p.2), " B", "");
    row("over loopback, sequential: client CPU per call", loopback, " µs", "≤ 0.5 of official");
    if crate::instructions::available() {
        // The one figure that does not move between runs (see instructions.rs).
        let (a, b) = if quick { (50, 150) } else { (200, 600) };
        let counts = WORKLOADS.map(|w| crate::instructions::per_call_between(w, a, b).unwrap_or(f64::NAN));
        row("no network: instructions per call (callgrind)", counts, "", "≤ 0.5 of official");
    }
    println!("\nResponse bodies: DescribeEntity {} bytes, ListEntities {} bytes of JSON.", describe_body().len(), list_body().len());
}
