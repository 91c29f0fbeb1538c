//! `metering record`, `flush` and `status` as a seller runs them against
//! the demo emulator: a bad line is refused by number while the good ones
//! are kept (and the exit code says so), a record from flags, a flush that
//! bills what was recorded, and a status that counts it.

use std::process::Output;

mod common;

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");

fn metering(url: &str, dir: &std::path::Path, args: &[&str]) -> Output {
    common::metering(dir, SELLER, url).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_flush_and_status_from_the_command_line() {
    let running = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = running.url();
    let dir = std::env::temp_dir().join(format!("metering-meter-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("sqlite:{}", dir.join("meter.db").display());
    let two_hours_ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 7200;
    let file = dir.join("usage.jsonl");
    std::fs::write(
        &file,
        format!(
            "{{\"ProductCode\":\"prod-saas-1\",\"CustomerIdentifier\":\"cust-alpha\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"1.25\",\"Timestamp\":{two_hours_ago}}}\n\
             {{\"ProductCode\":\"prod-saas-1\",\"CustomerIdentifier\":\"cust-alpha\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"1.1234567\",\"Timestamp\":{two_hours_ago}}}\n\
             \n\
             {{\"ProductCode\":\"prod-saas-1\",\"CustomerIdentifier\":\"cust-alpha\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"0.75\",\"Timestamp\":{two_hours_ago}}}\n"
        ),
    )
    .unwrap();
    let run = |args: Vec<String>| {
        let (url, dir) = (url.clone(), dir.clone());
        tokio::task::spawn_blocking(move || metering(&url, &dir, &args.iter().map(String::as_str).collect::<Vec<_>>()))
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();

    let recorded = run(s(&["--output", "json", "record", "--store", &store, "--file", file.to_str().unwrap()])).await.unwrap();
    assert_eq!(recorded.status.code(), Some(1), "a refused line fails the run");
    assert!(text(&recorded.stderr).contains("line 2 refused: `1.1234567` is not a quantity"), "{}", text(&recorded.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&recorded.stdout).unwrap();
    assert_eq!((summary["Recorded"].as_u64(), summary["Refused"].as_u64()), (Some(2), Some(1)), "the good lines are kept");

    let timestamp = two_hours_ago.to_string();
    let one = run(s(&[
        "record",
        "--store",
        &store,
        "--product-code",
        "prod-saas-1",
        "--customer-identifier",
        "cust-alpha",
        "--dimension",
        "storage_gb",
        "--quantity",
        "3",
        "--timestamp",
        &timestamp,
    ]))
    .await
    .unwrap();
    assert!(one.status.success(), "{}", text(&one.stderr));
    let bad = run(s(&["record", "--store", &store, "--dimension", "users", "--quantity", "1"])).await.unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("MeterUsage needs the product code"), "{}", text(&bad.stderr));
    let no_store = run(s(&["record", "--store", "mysql://x", "--file", "x"])).await.unwrap();
    assert_eq!(no_store.status.code(), Some(2));

    let flushed = run(s(&["--output", "json", "flush", "--store", &store])).await.unwrap();
    assert!(flushed.status.success(), "{}", text(&flushed.stderr));
    let report: serde_json::Value = serde_json::from_slice(&flushed.stdout).unwrap();
    assert_eq!(
        (report["Sealed"].as_u64(), report["Sent"].as_u64(), report["StillToSend"].as_u64()),
        (Some(2), Some(2), Some(0)),
        "{report}"
    );

    let status = run(s(&["--output", "json", "status", "--store", &store])).await.unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((status["sent"].as_u64(), status["pending"].as_u64(), status["records"].as_u64()), (Some(2), Some(0), Some(3)), "{status}");
    let mut billed: Vec<String> =
        mpkit_emulator::admin::billed(&url).await.unwrap().iter().map(|b| format!("{}={}", b.dimension, b.quantity)).collect();
    billed.sort();
    assert_eq!(billed, ["storage_gb=3", "users=2"]);
    running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
