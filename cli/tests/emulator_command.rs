//! `metering emulator` as a seller runs it: the one ready line on stdout, a
//! call through the SDK to the URL it printed, then SIGTERM and exit 0;
//! `--print-config` prints a configuration the emulator accepts, and a bad
//! configuration file is refused with the reason.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mpkit_metering::config::{Credentials, Region};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::Client;

/// A running `metering emulator`, its stdout after the ready line, and its URL.
struct Emulator {
    child: std::process::Child,
    stdout: BufReader<std::process::ChildStdout>,
    url: String,
}

impl Emulator {
    fn start(extra: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_metering"))
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Emulator { child, stdout, url }
    }

    fn client(&self, key: &str, secret: &str) -> Client {
        let config = mpkit_metering::Config::builder()
            .region(Region::from_static("us-east-1"))
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .endpoint_url(&self.url)
            .build();
        Client::from_conf(config)
    }

    /// Sends SIGTERM and checks the clean exit and that nothing followed the ready line.
    fn terminate(mut self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        assert_eq!(rest, "", "exactly one line on stdout");
    }
}

#[tokio::test]
async fn the_emulator_command_serves_until_sigterm_and_exits_cleanly() {
    let emulator = Emulator::start(&[]);
    let seller = emulator.client("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");
    let out = seller.resolve_customer().registration_token("token-alpha").send().await.unwrap();
    assert_eq!(out.product_code(), Some("prod-saas-1"));
    emulator.terminate();
}

/// The signal handlers are in place before the ready line: SIGTERM sent the
/// moment the line is read still ends the emulator cleanly (it once met the
/// default action and killed the process when the machine was busy).
#[test]
fn sigterm_right_after_the_ready_line_exits_cleanly() {
    for _ in 0..5 {
        Emulator::start(&[]).terminate();
    }
}

#[tokio::test]
async fn restarted_on_its_data_file_the_emulator_still_refuses_a_changed_quantity() {
    let dir = std::env::temp_dir().join(format!("metering-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("emulator.sqlite");
    let _ = std::fs::remove_file(&data);
    let data_arg = data.to_str().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let timestamp = DateTime::from_secs(now - 60);
    let meter = |client: Client, quantity: &'static str| async move {
        client
            .meter_usage()
            .product_code("prod-container-1")
            .timestamp(timestamp)
            .usage_dimension("vcpu_hours")
            .usage_quantity_as_decimal(quantity)
            .send()
            .await
    };
    let buyer = ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only");

    let first = Emulator::start(&["--data", data_arg]);
    let billed = meter(first.client(buyer.0, buyer.1), "4").await.unwrap();
    first.terminate();

    let second = Emulator::start(&["--data", data_arg]);
    let err = meter(second.client(buyer.0, buyer.1), "5").await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_duplicate_request_exception()), "{err:?}");
    let again = meter(second.client(buyer.0, buyer.1), "4.0").await.unwrap();
    assert_eq!(again.metering_record_id(), billed.metering_record_id(), "the same record, after the restart");
    second.terminate();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_printed_demo_configuration_is_accepted_and_mistakes_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_metering")).args(["emulator", "--print-config"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[[accounts]]") && text.contains("region = \"us-east-1\""));
    let dir = std::env::temp_dir().join(format!("metering-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, text.replace("seller = \"111122223333\"", "seller = \"999\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_metering")).args(["emulator", "--config"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("seller 999 is not in [[accounts]]"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A configuration with 100 container dimensions and no request quota, so a burst of distinct records is accepted.
fn burst_config(dir: &std::path::Path) -> std::path::PathBuf {
    let dimensions: Vec<String> = (0..100).map(|i| format!("\"d{i}\"")).collect();
    let text = format!(
        "region = \"us-east-1\"\n[quotas]\nmeter_usage = 0\nbatch_meter_usage = 0\nregister_usage = 0\n\
         [[accounts]]\nid = \"111122223333\"\naccess_key_id = \"AKIAEXAMPLESELLER001\"\nsecret_access_key = \"seller-secret\"\n\
         [[accounts]]\nid = \"444455556666\"\naccess_key_id = \"AKIAEXAMPLEBUYER0001\"\nsecret_access_key = \"buyer-secret\"\n\
         [[products]]\ncode = \"prod-burst\"\nseller = \"111122223333\"\ndimensions = [{}]\n\
         [[customers]]\nproduct = \"prod-burst\"\naccount = \"444455556666\"\n",
        dimensions.join(", ")
    );
    let path = dir.join("burst.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Group commits answer only what is on disk: killed with SIGKILL in the
/// middle of a burst of concurrent MeterUsage calls, while another process
/// holds the data file's write lock so that rows queue up uncommitted, the
/// emulator restarted on its data file knows every record it answered,
/// with the same id, and still refuses another quantity for each of those
/// hours.
#[tokio::test]
async fn killed_mid_burst_the_emulator_has_every_answered_record_on_disk() {
    let dir = std::env::temp_dir().join(format!("metering-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("emulator.sqlite");
    let _ = std::fs::remove_file(&data);
    let config = burst_config(&dir);
    let args = ["--config", config.to_str().unwrap(), "--data", data.to_str().unwrap()];
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let meter = move |client: Client, i: usize, quantity: &'static str| async move {
        client
            .meter_usage()
            .product_code("prod-burst")
            .timestamp(DateTime::from_secs(now - 60 - 3600 * (i / 100) as i64))
            .usage_dimension(format!("d{}", i % 100))
            .usage_quantity_as_decimal(quantity)
            .send()
            .await
    };

    let mut first = Emulator::start(&args);
    let buyer = first.client("AKIAEXAMPLEBUYER0001", "buyer-secret");
    let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let killed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..16 {
        let (buyer, answered, killed) = (buyer.clone(), answered.clone(), killed.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = t;
            while i < 500 && !killed.load(std::sync::atomic::Ordering::Relaxed) {
                // Only answers count; errors after the kill are expected.
                if let Ok(out) = meter(buyer.clone(), i, "3").await {
                    answered.lock().unwrap().push((i, out.metering_record_id().unwrap_or_default().to_owned()));
                }
                i += 16;
            }
        }));
    }
    while answered.lock().unwrap().len() < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    // Another process takes the file's write lock, so every commit from now on waits for it: an emulator
    // that answered before its rows were committed would answer now, and lose those rows to the kill.
    let blocker = rusqlite::Connection::open(&data).unwrap();
    blocker.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let before_lock = answered.lock().unwrap().len();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    killed.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    blocker.execute_batch("ROLLBACK").unwrap();
    drop(blocker);
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() < 500, "the kill came mid-burst: {} answers", answered.len());
    // At most the requests already past their commit when the lock was taken are answered after it.
    assert!(answered.len() <= before_lock + 16, "{} answers while no commit could happen", answered.len() - before_lock);

    let second = Emulator::start(&args);
    let buyer = second.client("AKIAEXAMPLEBUYER0001", "buyer-secret");
    for (i, id) in &answered {
        let again = meter(buyer.clone(), *i, "3.0").await.unwrap();
        assert_eq!(again.metering_record_id(), Some(id.as_str()), "record {i} kept its id across the kill");
    }
    for (i, _) in answered.iter().take(20) {
        let err = meter(buyer.clone(), *i, "4").await.unwrap_err();
        assert!(err.as_service_error().is_some_and(|e| e.is_duplicate_request_exception()), "record {i}: {err:?}");
    }
    second.terminate();
    let _ = std::fs::remove_dir_all(dir);
}
