//! The exit codes of `metering flush` and `retry`, as a cron job reads
//! them: a set-up error holds hours (exit 4) instead of losing them, a fix
//! and `retry` bill them (exit 0), a rejection says so (exit 3); invalid
//! durations are refused before anything runs (exit 2).

use std::process::Output;

mod common;

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");
const BUYER: (&str, &str) = ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_hours_exit_4_and_are_billed_once_retried_with_the_right_keys() {
    let running = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = running.url();
    let (dir, store) = common::scratch("exit-codes");
    let two_hours_ago = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 7200).to_string();
    let run = |keys: (&'static str, &'static str), args: Vec<String>| {
        let (url, dir) = (url.clone(), dir.clone());
        tokio::task::spawn_blocking(move || -> Output { common::metering(&dir, keys, &url).args(&args).output().unwrap() })
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();

    for (customer, dimension, quantity) in [("cust-alpha", "users", "5"), ("cust-nobody", "users", "1")] {
        let one = run(
            SELLER,
            s(&[
                "record",
                "--store",
                &store,
                "--product-code",
                "prod-saas-1",
                "--customer-identifier",
                customer,
                "--dimension",
                dimension,
                "--quantity",
                quantity,
                "--timestamp",
                &two_hours_ago,
            ]),
        )
        .await
        .unwrap();
        assert!(one.status.success(), "{}", text(&one.stderr));
    }
    // The wrong profile: the buyer's keys cannot meter the seller's product.
    let held = run(BUYER, s(&["--output", "json", "--log-format", "json", "flush", "--store", &store])).await.unwrap();
    assert_eq!(held.status.code(), Some(4), "{}", text(&held.stderr));
    assert!(text(&held.stderr).contains("held for a set-up error"), "{}", text(&held.stderr));
    // The meter's events, one JSON object a line, with their fields.
    let events: Vec<serde_json::Value> = text(&held.stderr).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let held_event = events.iter().find(|e| e["message"].as_str().is_some_and(|m| m.contains("an hour is held")));
    let held_event = held_event.unwrap_or_else(|| panic!("{}", text(&held.stderr)));
    assert_eq!(held_event["level"], "ERROR");
    assert!(
        held_event["reason"].as_str().unwrap().starts_with("InvalidProductCodeException") && held_event["dimension"] == "users",
        "{held_event}"
    );
    let report: serde_json::Value = serde_json::from_slice(&held.stdout).unwrap();
    assert_eq!(
        (report["Held"].as_u64(), report["Rejected"].as_u64(), report["StillToSend"].as_u64()),
        (Some(2), Some(0), Some(2)),
        "{report}"
    );
    let status = run(SELLER, s(&["--output", "json", "status", "--store", &store])).await.unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["held"].as_u64(), Some(2), "{status}");
    assert!(status["heldHours"][0]["Reason"].as_str().unwrap().starts_with("InvalidProductCodeException"), "{status}");

    // Fixed: the seller's keys, and the held hours put back now rather than after their backoff.
    let retried = run(SELLER, s(&["--output", "json", "retry", "--store", &store, "--all"])).await.unwrap();
    let report: serde_json::Value = serde_json::from_slice(&retried.stdout).unwrap();
    // cust-nobody is not subscribed: this run rejects it, and says so.
    assert_eq!(retried.status.code(), Some(3), "{}", text(&retried.stderr));
    assert_eq!((report["Sent"].as_u64(), report["Rejected"].as_u64(), report["Held"].as_u64()), (Some(1), Some(1), Some(0)), "{report}");
    let billed = mpkit_emulator::admin::billed(&url).await.unwrap();
    assert_eq!(billed.iter().map(|b| (b.dimension.as_str(), b.quantity.as_str())).collect::<Vec<_>>(), [("users", "5")]);
    let again = run(SELLER, s(&["flush", "--store", &store])).await.unwrap();
    assert_eq!(again.status.code(), Some(0), "nothing new rejected, nothing held: {}", text(&again.stderr));
    let bad = run(SELLER, s(&["retry", "--store", &store])).await.unwrap();
    assert_eq!(bad.status.code(), Some(2), "retry needs to be told which hours");
    running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn record_names_every_line_it_cannot_take_and_says_which_it_recorded() {
    let (dir, store) = common::scratch("record-lines");
    let line = |dimension: &str, quantity: &str, event: &str| {
        format!("{{\"ProductCode\":\"prod-saas-1\",\"CustomerIdentifier\":\"cust-alpha\",\"Dimension\":\"{dimension}\",\"QuantityAsDecimal\":\"{quantity}\",\"Timestamp\":1700000000,\"EventId\":\"{event}\"}}\n")
    };
    let mut file: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    file.extend(line("users", "1", "e1").as_bytes()); // 1: a byte-order mark
    file.extend(line("users", "2", "e2").as_bytes()); // 2
    file.extend(b"{\"Dimension\":\"\xFF\"}\n"); // 3: not UTF-8
    file.extend(line("users", "3", "e3").as_bytes()); // 4
    file.extend(line("storage", "2", "e2").as_bytes()); // 5: e2 again, with other usage
    file.extend(line("users", "2", "e2").as_bytes()); // 6: e2 again, the same: an idempotent repeat
    file.extend(b"{\"ProductCode\":\"prod-saas-1\",\"CustomerAWSAccountId\":\"777788889999\",\"LicenseArn\":\"arn:aws:license-manager::1:license:l beta\",\"Dimension\":\"users\",\"QuantityAsDecimal\":\"1\",\"Timestamp\":1700000000}\n"); // 7
    std::fs::write(dir.join("usage.jsonl"), file).unwrap();
    let out = common::metering(&dir, SELLER, "http://127.0.0.1:9")
        .args(["--output", "json", "record", "--store", &store, "--file", dir.join("usage.jsonl").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for expected in [
        "line 1 refused: starts with a byte-order mark",
        "line 3 refused: not UTF-8",
        "line 5 refused: EventId `e2` was recorded before with other usage",
        "line 7 refused: LicenseArn:",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (summary["RecordedLines"].as_str(), summary["AlreadyRecorded"].as_u64(), summary["Refused"].as_u64()),
        (Some("2,4"), Some(1), Some(4)),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn invalid_durations_are_refused_before_anything_runs() {
    let dir = std::env::temp_dir().join(format!("metering-durations-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for args in [
        &["agent", "--store", "sqlite:x.db", "--flush-every", "0"][..],
        &["agent", "--store", "sqlite:x.db", "--flush-every", "0s"],
        &["agent", "--store", "sqlite:x.db", "--flush-every", "soon"],
        &["flush", "--store", "sqlite:x.db", "--lease", "0"],
    ] {
        let out = common::metering(&dir, SELLER, "http://127.0.0.1:9").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(!dir.join("x.db").exists(), "{args:?} opened the store");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_buyer_under_two_names_is_billed_once_in_full() {
    let running = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = running.url();
    let (dir, store) = common::scratch("two-names");
    let run = |args: Vec<String>| {
        let (url, dir) = (url.clone(), dir.clone());
        tokio::task::spawn_blocking(move || -> Output { common::metering(&dir, SELLER, &url).args(&args).output().unwrap() })
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    // The sign-up page resolved alpha's token: the meter learns that cust-alpha is account 444455556666.
    let resolved =
        run(s(&["--output", "json", "customers", "--store", &store, "resolve", "--registration-token", "token-alpha"])).await.unwrap();
    assert!(resolved.status.success(), "{}", text(&resolved.stderr));
    let buyer: serde_json::Value = serde_json::from_slice(&resolved.stdout).unwrap();
    assert_eq!(
        (buyer["CustomerIdentifier"].as_str(), buyer["CustomerAWSAccountId"].as_str()),
        (Some("cust-alpha"), Some("444455556666")),
        "{buyer}"
    );

    let two_hours_ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 7200;
    let line = |customer: &str, quantity: &str| {
        format!("{{\"ProductCode\":\"prod-saas-1\",{customer},\"Dimension\":\"users\",\"QuantityAsDecimal\":\"{quantity}\",\"Timestamp\":{two_hours_ago}}}\n")
    };
    let file = dir.join("usage.jsonl");
    std::fs::write(
        &file,
        [
            line("\"CustomerIdentifier\":\"cust-alpha\"", "5"),
            line("\"CustomerAWSAccountId\":\"444455556666\"", "3"),
            line("\"CustomerAWSAccountId\":\"777788889999\",\"LicenseArn\":\"arn:aws:license-manager::777788889999:license:l-beta\"", "1"),
            line("\"CustomerAWSAccountId\":\"777788889999\"", "2"),
        ]
        .concat(),
    )
    .unwrap();
    let recorded = run(s(&["--output", "json", "record", "--store", &store, "--file", file.to_str().unwrap()])).await.unwrap();
    assert_eq!(recorded.status.code(), Some(1), "the fourth line is refused: {}", text(&recorded.stderr));
    assert!(
        text(&recorded.stderr).contains("line 4 refused: CustomerAWSAccountId 777788889999 might be the buyer already metered"),
        "{}",
        text(&recorded.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&recorded.stdout).unwrap();
    assert_eq!(summary["RecordedLines"].as_str(), Some("1-3"), "{summary}");

    let flushed = run(s(&["--output", "json", "flush", "--store", &store])).await.unwrap();
    assert_eq!(flushed.status.code(), Some(0), "no DuplicateRecord, nothing lost: {}", text(&flushed.stderr));
    let mut billed: Vec<String> =
        mpkit_emulator::admin::billed(&url).await.unwrap().iter().map(|b| format!("{}={}", b.customer(), b.quantity)).collect();
    billed.sort();
    assert_eq!(billed, ["777788889999=1", "cust-alpha=8"]);

    // beta's licence ends: `metering close` sends the hour in progress now.
    let now = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 1).to_string();
    let licence = "arn:aws:license-manager::777788889999:license:l-beta";
    let one = run(s(&[
        "record",
        "--store",
        &store,
        "--product-code",
        "prod-saas-1",
        "--customer-aws-account-id",
        "777788889999",
        "--license-arn",
        licence,
        "--dimension",
        "users",
        "--quantity",
        "4",
        "--timestamp",
        &now,
    ]))
    .await
    .unwrap();
    assert!(one.status.success(), "{}", text(&one.stderr));
    let closed =
        run(s(&["--output", "json", "close", "--store", &store, "--customer-aws-account-id", "777788889999", "--license-arn", licence]))
            .await
            .unwrap();
    assert_eq!(closed.status.code(), Some(0), "{}", text(&closed.stderr));
    let report: serde_json::Value = serde_json::from_slice(&closed.stdout).unwrap();
    assert_eq!((report["Sealed"].as_u64(), report["Sent"].as_u64()), (Some(1), Some(1)), "{report}");
    assert_eq!(mpkit_emulator::admin::billed(&url).await.unwrap().len(), 3);
    running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsent_hours_near_their_deadline_exit_5() {
    let running = mpkit_emulator::start(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = running.url();
    let (dir, store) = common::scratch("deadline");
    // Container usage 5 hours ago: MeterUsage takes it for 6 hours from the start of its hour, whatever the month.
    let long_ago = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 5 * 3600).to_string();
    let run = |keys: (&'static str, &'static str), args: Vec<&str>| {
        let (url, dir, args) = (url.clone(), dir.clone(), args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        tokio::task::spawn_blocking(move || -> Output { common::metering(&dir, keys, &url).args(&args).output().unwrap() })
    };
    let one = run(
        BUYER,
        vec![
            "record",
            "--store",
            &store,
            "--product-code",
            "prod-container-1",
            "--dimension",
            "vcpu_hours",
            "--quantity",
            "1",
            "--timestamp",
            &long_ago,
        ],
    )
    .await
    .unwrap();
    assert!(one.status.success(), "{}", text(&one.stderr));
    // Held (the seller's keys: CustomerNotEntitled) and near its deadline: the deadline is the more urgent, and wins.
    let flushed = run(SELLER, vec!["flush", "--store", &store]).await.unwrap();
    assert_eq!(flushed.status.code(), Some(5), "{}", text(&flushed.stderr));
    assert!(text(&flushed.stderr).contains("near the end of the service's window"), "{}", text(&flushed.stderr));
    running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
