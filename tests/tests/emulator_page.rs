//! The buyer's side of the SaaS flow and the page for people: subscribing
//! mints a token and POSTs it to the seller's sign-up endpoint as AWS
//! Marketplace does; the seller resolves it and meters the new customer;
//! then headless Chromium (Debian's `chromium`, installed by `.ci/run`)
//! loads `GET /emulator/` and the test reads what a person would see.
//! Without Chromium the page check says so and skips; under `CI=true` that
//! is a failure.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use integration_tests::server::{Reply, TestServer};
use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::types::{UsageRecord, UsageRecordResultStatus};
use mpkit_metering::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn post(addr: std::net::SocketAddr, path: &str, content_type: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "chromium is not installed: .ci/run installs Debian's chromium");
        eprintln!("skipped: the page check needs Debian's chromium (.ci/run installs it)");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_subscribes_the_seller_signs_them_up_and_the_page_shows_the_bill() {
    // The seller's sign-up endpoint, which receives the token as the buyer's browser would bring it.
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let signup = TestServer::start_open(move |r| {
        log.lock().unwrap().push(String::from_utf8_lossy(&r.body).into_owned());
        Reply { status: 200, headers: vec![("content-type".into(), "text/html".into())], body: "welcome".into() }
    })
    .await;
    let config = mpkit_emulator::config::DEMO.replace("http://127.0.0.1:8000/signup", &format!("{}/signup", signup.url()));
    let now = SystemTime::now();
    let running = mpkit_emulator::start(mpkit_emulator::Config::from_toml(&config).unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();

    let answer =
        post(running.addr(), "/emulator/v1/subscribe", "application/json", r#"{"product": "prod-saas-1", "account": "123456789012"}"#)
            .await;
    let body: serde_json::Value = serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap();
    let token = body["registrationToken"].as_str().unwrap().to_owned();
    assert_eq!(body["fulfillment"]["status"], 200, "{body}");
    assert_eq!(*received.lock().unwrap(), [format!("x-amzn-marketplace-token={token}")]);

    // The seller resolves the token and meters the new customer.
    let seller = Client::from_conf(
        mpkit_metering::Config::builder()
            .region(Region::from_static("us-east-1"))
            .credentials_provider(Credentials::new("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only", None, None, "test"))
            .endpoint_url(running.url())
            .build(),
    );
    let resolved = seller.resolve_customer().registration_token(&token).send().await.unwrap();
    assert_eq!(resolved.customer_aws_account_id(), Some("123456789012"));
    let license = resolved.license_arn().unwrap().to_owned();
    let hour_ago = DateTime::from_secs(now.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 - 3600);
    let record = UsageRecord::builder()
        .timestamp(hour_ago)
        .dimension("users")
        .customer_aws_account_id("123456789012")
        .license_arn(license)
        .quantity_as_decimal("42.5")
        .build()
        .unwrap();
    let out = seller.batch_meter_usage().product_code("prod-saas-1").usage_records(record).send().await.unwrap();
    assert_eq!(out.results()[0].status(), Some(&UsageRecordResultStatus::Success));

    // The page's form goes back to the page.
    let form =
        post(running.addr(), "/emulator/v1/subscribe", "application/x-www-form-urlencoded", "product=prod-saas-1&account=210987654321")
            .await;
    assert!(form.starts_with("HTTP/1.1 303") && form.to_ascii_lowercase().contains("location: /emulator/"), "{form}");
    assert_eq!(received.lock().unwrap().len(), 2);
    // A contract product's sign-up entitles the buyer: the page lists it.
    let contract =
        post(running.addr(), "/emulator/v1/subscribe", "application/x-www-form-urlencoded", "product=prod-contract-1&account=210987654399")
            .await;
    assert!(contract.starts_with("HTTP/1.1 303"), "{contract}");

    // What a person sees, rendered by a real browser.
    if let Some(browser) = chromium() {
        let profile = std::env::temp_dir().join(format!("emulator-page-chromium-{}", std::process::id()));
        let url = format!("{}/emulator/", running.url());
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(browser)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .args(["--dump-dom", &url])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let dom = String::from_utf8_lossy(&output.stdout);
        assert!(dom.contains("<h1>Metering emulator</h1>"), "chromium showed no page:\n{dom}\n{}", String::from_utf8_lossy(&output.stderr));
        let records = dom.split("id=\"records\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(records.contains("prod-saas-1") && records.contains("123456789012") && records.contains("42.5"), "{records}");
        let totals = dom.split("id=\"totals\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(totals.contains("users") && totals.contains("42.5"), "{totals}");
        let subscriptions = dom.split("id=\"subscriptions\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(subscriptions.contains(&token) && subscriptions.contains("210987654321"), "{subscriptions}");
        let entitlements = dom.split("id=\"entitlements\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(entitlements.contains("210987654399") && entitlements.contains("gold"), "{entitlements}");
        assert!(dom.contains("Subscribe as a buyer"));
    }
    running.stop().await;
}
