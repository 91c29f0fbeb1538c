//! The meter's promise, proven by killing it: `metering record` and
//! `metering flush` are killed with SIGKILL at random points, many times,
//! while the emulator answers BatchMeterUsage with throttling, 500s,
//! `UnprocessedRecords` and connections dropped after the records were
//! billed. At the end the billed total of every customer, dimension and
//! hour equals the exact sum of what was recorded, nothing was answered
//! `DuplicateRecord`, and nothing is left to send.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret");
const CUSTOMERS: usize = 12;
const DIMENSIONS: [&str; 2] = ["users", "storage_gb"];

/// A small deterministic generator: the same seed gives the same records and kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn config() -> metering_emulator::Config {
    let mut text = String::from(
        "region = \"us-east-1\"\n[quotas]\nmeter_usage = 0\nbatch_meter_usage = 0\nregister_usage = 0\n\
         [[accounts]]\nid = \"111122223333\"\naccess_key_id = \"AKIAEXAMPLESELLER001\"\nsecret_access_key = \"seller-secret\"\n\
         [[products]]\ncode = \"prod-saas\"\nseller = \"111122223333\"\ndimensions = [\"users\", \"storage_gb\"]\n",
    );
    for c in 0..CUSTOMERS {
        text.push_str(&format!("[[customers]]\nproduct = \"prod-saas\"\naccount = \"{:012}\"\nidentifier = \"cust-{c}\"\n", 900_000_000_000u64 + c as u64));
    }
    metering_emulator::Config::from_toml(&text).unwrap()
}

fn metering(url: &str, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_metering"));
    cmd.env_clear()
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", SELLER.0)
        .env("AWS_SECRET_ACCESS_KEY", SELLER.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_MARKETPLACE_METERING", url)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd`, killing it with SIGKILL after `kill_after` unless it ended first; whether it ran to its end, and its exit code.
fn run_or_kill(mut cmd: Command, kill_after: Duration) -> (bool, Option<i32>) {
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + kill_after;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (true, status.code());
        }
        if std::time::Instant::now() >= deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            return (false, None);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

async fn emulator_request(url: &str, method: &str, path: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    s.write_all(format!("{head}{body}").as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_the_meter_bills_every_hour_exactly_once() {
    let running = metering_emulator::start(config(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = running.url();
    let dir = std::env::temp_dir().join(format!("metering-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("sqlite:{}", dir.join("meter.db").display());
    let file = dir.join("usage.jsonl");

    // 4,000 records over four closed hours (2 to 5 hours ago), each with an event id, and their exact sums in millionths.
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let first_hour = (now / 3600 - 5) * 3600;
    let mut expected: BTreeMap<(String, String, u64), u64> = BTreeMap::new();
    let mut lines = String::new();
    for i in 0..4000 {
        let (customer, dimension) = (format!("cust-{}", rng.below(CUSTOMERS as u64)), DIMENSIONS[rng.below(2) as usize]);
        let hour = first_hour + 3600 * rng.below(4);
        let micros = rng.below(5_000_000);
        let timestamp = hour + rng.below(3600);
        *expected.entry((customer.clone(), dimension.to_owned(), hour)).or_default() += micros;
        lines.push_str(&format!(
            "{{\"ProductCode\":\"prod-saas\",\"CustomerIdentifier\":\"{customer}\",\"Dimension\":\"{dimension}\",\"QuantityAsDecimal\":\"{}.{:06}\",\"Timestamp\":{timestamp},\"EventId\":\"evt-{i}\"}}\n",
            micros / 1_000_000,
            micros % 1_000_000
        ));
    }
    std::fs::write(&file, lines).unwrap();

    // Record, killed at random points, until one run ends: every run resends the whole file, which event ids make harmless.
    let mut kills = 0;
    let args = ["record", "--store", store.as_str(), "--file", file.to_str().unwrap()];
    for attempt in 0.. {
        assert!(attempt < 40, "record never finished");
        let kill_after = if attempt < 8 { Duration::from_millis(5 + rng.below(120)) } else { Duration::from_secs(60) };
        let (finished, code) = run_or_kill(metering(&url, &dir, &args), kill_after);
        if finished {
            assert_eq!(code, Some(0), "record ended with {code:?}");
            break;
        }
        kills += 1;
    }

    // Flush, killed at random points, with faults armed before each run, until a run ends with nothing left to send.
    let faults = [
        r#"{"operation": "BatchMeterUsage", "error": "ThrottlingException"}"#,
        r#"{"operation": "BatchMeterUsage", "error": "InternalServiceErrorException", "count": 2}"#,
        r#"{"operation": "BatchMeterUsage", "drop_connection": "after"}"#,
        r#"{"operation": "BatchMeterUsage", "unprocessed": [0, 7, 24]}"#,
    ];
    // Short leases and backoffs, so that what a killed flusher claimed is taken over within the test.
    let args = ["flush", "--store", store.as_str(), "--lease", "1s", "--max-backoff", "1s"];
    for attempt in 0.. {
        assert!(attempt < 60, "flush never emptied the store");
        emulator_request(&url, "POST", "/emulator/v1/faults", faults[attempt % faults.len()]).await;
        let kill_after = if attempt < 12 { Duration::from_millis(20 + rng.below(900)) } else { Duration::from_secs(120) };
        let (finished, code) = tokio::task::spawn_blocking({
            let cmd = metering(&url, &dir, &args);
            move || run_or_kill(cmd, kill_after)
        })
        .await
        .unwrap();
        if !finished {
            kills += 1;
            continue;
        }
        if code == Some(0) {
            break;
        }
        // Retries wait for their backoff; the next run picks them up.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    assert!(kills >= 10, "the processes were killed {kills} times");

    let billed: serde_json::Value = serde_json::from_str(&emulator_request(&url, "GET", "/emulator/v1/records", "").await).unwrap();
    let mut got: BTreeMap<(String, String, u64), u64> = BTreeMap::new();
    for r in billed["records"].as_array().unwrap() {
        let q = r["quantity"].as_str().unwrap();
        let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
        let micros = whole.parse::<u64>().unwrap() * 1_000_000 + format!("{fraction:0<6}").parse::<u64>().unwrap();
        let key = (r["customerIdentifier"].as_str().unwrap().to_owned(), r["dimension"].as_str().unwrap().to_owned(), r["hour"].as_u64().unwrap());
        assert!(got.insert(key, micros).is_none(), "an hour billed twice");
    }
    assert_eq!(got, expected, "every hour billed once, with the exact sum of its records");

    let status = metering(&url, &dir, &["--output", "json", "status", "--store", store.as_str()]).stdout(Stdio::piped()).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((status["pending"].as_u64(), status["sealed"].as_u64(), status["conflicts"].as_u64(), status["rejected"].as_u64()), (Some(0), Some(0), Some(0), Some(0)), "{status}");
    assert_eq!(status["records"], 4000);
    running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
