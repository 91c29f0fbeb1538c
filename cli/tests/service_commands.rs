//! `metering meter-usage`, `batch-meter-usage`, `register-usage` and
//! `resolve-customer` against an emulator on loopback, with credentials and
//! region from the environment as the AWS CLI reads them: answers printed
//! as text or JSON, the service's refusals with their codes and a hint,
//! bad lines of a records file refused by number while the good ones go, and
//! RegisterUsage's signature verified with the emulator's public key.

use std::path::PathBuf;
use std::process::{Command, Output};

const BUYER: (&str, &str) = ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only");
const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

fn metering(url: &str, keys: (&str, &str), args: &[&str]) -> Output {
    let home = std::env::temp_dir().join(format!("metering-cli-home-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_metering"))
        .env_clear()
        .env("HOME", &home)
        .env("AWS_ACCESS_KEY_ID", keys.0)
        .env("AWS_SECRET_ACCESS_KEY", keys.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["--endpoint-url", url])
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn emulator() -> mpkit_emulator::Running {
    mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meter_usage_and_resolve_customer_print_answers_and_refusals() {
    let running = emulator().await;
    let url = running.url();
    let run = |keys, args: Vec<&'static str>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || metering(&url, keys, &args))
    };
    let ok = run(BUYER, vec!["meter-usage", "--product-code", "prod-container-1", "--usage-dimension", "vcpu_hours", "--quantity", "2.5"])
        .await
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).starts_with("MeteringRecordId: "), "{}", text(&ok.stdout));
    let dup = run(BUYER, vec!["meter-usage", "--product-code", "prod-container-1", "--usage-dimension", "vcpu_hours", "--quantity", "3"])
        .await
        .unwrap();
    assert_eq!(dup.status.code(), Some(1));
    let stderr = text(&dup.stderr);
    assert!(stderr.contains("DuplicateRequestException") && stderr.contains("the service refused the request"), "{stderr}");
    let bad = run(BUYER, vec!["meter-usage", "--product-code", "p", "--usage-dimension", "d", "--timestamp", "yesterday"]).await.unwrap();
    assert_eq!(bad.status.code(), Some(2), "a bad argument is refused before anything is sent");
    assert!(text(&bad.stderr).contains("`yesterday` is not an RFC 3339 time"));

    let resolved = run(SELLER, vec!["--output", "json", "resolve-customer", "--registration-token", "token-alpha"]).await.unwrap();
    assert!(resolved.status.success(), "{}", text(&resolved.stderr));
    let json: serde_json::Value = serde_json::from_slice(&resolved.stdout).unwrap();
    assert_eq!(json["CustomerIdentifier"], "cust-alpha");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_meter_usage_sends_a_file_in_calls_of_25_and_sums_up() {
    let running = emulator().await;
    let dir = std::env::temp_dir().join(format!("metering-cli-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // 30 hours of one customer (two calls), one record of a buyer who is not subscribed, and one broken line.
    let mut lines: Vec<String> = (1..=20)
        .map(|h| {
            format!(r#"{{"Timestamp":{},"CustomerIdentifier":"cust-alpha","Dimension":"users","QuantityAsDecimal":"{h}"}}"#, now - h * 3600)
        })
        .collect();
    lines.extend((1..=10).map(|h| {
        format!(r#"{{"Timestamp":{},"CustomerAWSAccountId":"777788889999","Dimension":"storage_gb","Quantity":{h}}}"#, now - h * 3600)
    }));
    let clean = dir.join("clean.jsonl");
    std::fs::write(&clean, lines.join("\n")).unwrap();
    lines.insert(3, "{not json".into());
    lines.push(format!(r#"{{"Timestamp":{},"CustomerAWSAccountId":"000011112222","Dimension":"users","Quantity":1}}"#, now - 3600));
    let mixed = dir.join("mixed.jsonl");
    std::fs::write(&mixed, lines.join("\n")).unwrap();
    let url = running.url();
    let (clean, mixed) = (clean.to_str().unwrap().to_owned(), mixed.to_str().unwrap().to_owned());
    let out = tokio::task::spawn_blocking(move || {
        let first = metering(&url, SELLER, &["batch-meter-usage", "--product-code", "prod-saas-1", "--file", &clean]);
        let second = metering(&url, SELLER, &["--output", "json", "batch-meter-usage", "--product-code", "prod-saas-1", "--file", &mixed]);
        (first, second)
    })
    .await
    .unwrap();
    assert!(out.0.status.success(), "{}\n{}", text(&out.0.stdout), text(&out.0.stderr));
    assert!(text(&out.0.stdout).starts_with("30 records: 30 accepted"), "{}", text(&out.0.stdout));
    assert_eq!(out.1.status.code(), Some(1), "a refused line or an unaccepted record fails the run");
    assert!(text(&out.1.stderr).contains("line 4: not JSON"), "{}", text(&out.1.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.1.stdout).unwrap();
    assert_eq!(summary["records"], 31);
    assert_eq!(summary["accepted"], 30, "the resent records are idempotent");
    assert_eq!(summary["customer_not_subscribed"], 1);
    assert_eq!(summary["refused_lines"], 1);
    let _ = std::fs::remove_dir_all(dir);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_usage_verifies_the_signed_answer() {
    let running = emulator().await;
    let key = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../emulator/keys/register-usage.pub.pem");
    let wrong = std::env::temp_dir().join(format!("metering-wrong-key-{}.pem", std::process::id()));
    std::fs::write(
        &wrong,
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let url = running.url();
    let (key, wrong_path) = (key.to_str().unwrap().to_owned(), wrong.to_str().unwrap().to_owned());
    let (good, bad) = tokio::task::spawn_blocking(move || {
        let args = |k: &str| {
            vec![
                "register-usage".to_owned(),
                "--product-code".into(),
                "prod-container-1".into(),
                "--nonce".into(),
                "n-42".into(),
                "--verify-with".into(),
                k.to_owned(),
            ]
        };
        let good = metering(&url, BUYER, &args(&key).iter().map(String::as_str).collect::<Vec<_>>());
        let bad = metering(&url, BUYER, &args(&wrong_path).iter().map(String::as_str).collect::<Vec<_>>());
        (good, bad)
    })
    .await
    .unwrap();
    assert!(good.status.success(), "{}", text(&good.stderr));
    assert!(text(&good.stderr).contains("the signature verifies"), "{}", text(&good.stderr));
    assert!(text(&good.stdout).contains("Signature: "));
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("not to be trusted"), "{}", text(&bad.stderr));
    let _ = std::fs::remove_file(wrong);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_entitlements_prints_pages_filters_and_refusals() {
    let running = emulator().await;
    let url = running.url();
    let run = |args: Vec<&'static str>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || metering(&url, SELLER, &args))
    };
    let one = run(vec!["--output", "json", "get-entitlements", "--product-code", "prod-contract-1", "--filter", "DIMENSION=seats,tier"])
        .await
        .unwrap();
    assert!(one.status.success(), "{}", text(&one.stderr));
    let json: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let dimensions: Vec<&str> = json["Entitlements"].as_array().unwrap().iter().map(|e| e["Dimension"].as_str().unwrap()).collect();
    assert_eq!(dimensions, ["seats", "tier"]);
    assert_eq!(json["Entitlements"][0]["Value"]["IntegerValue"], 10);

    // Every page, one entitlement looked at a page: three pages of one.
    let all = run(vec!["get-entitlements", "--product-code", "prod-contract-1", "--max-results", "1", "--all"]).await.unwrap();
    assert!(all.status.success(), "{}", text(&all.stderr));
    assert_eq!(text(&all.stdout).matches("Entitlements:").count(), 3, "{}", text(&all.stdout));

    let bad = run(vec!["get-entitlements", "--product-code", "prod-contract-1", "--filter", "COLOUR=blue"]).await.unwrap();
    assert_eq!(bad.status.code(), Some(2), "a bad filter is refused before anything is sent");
    assert!(text(&bad.stderr).contains("`COLOUR` is not a filter"), "{}", text(&bad.stderr));
    let refused = run(vec!["get-entitlements", "--product-code", "prod-contract-1", "--next-token", "forged"]).await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("InvalidParameterException"), "{}", text(&refused.stderr));
    running.stop().await;
}
