//! The meter's promise, proven by killing it: `metering record` and
//! `metering flush` are killed with SIGKILL at random points, many times,
//! while the emulator answers BatchMeterUsage with throttling, 500s,
//! `UnprocessedRecords` and connections dropped after the records were
//! billed. At the end the billed total of every customer, dimension and
//! hour equals the exact sum of what was recorded, nothing was answered
//! `DuplicateRecord`, and nothing is left to send. Once on SQLite with one
//! recorder and one flusher, once on PostgreSQL with two of each at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod common;

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

fn config() -> mpkit_emulator::Config {
    let mut text = String::from(
        "region = \"us-east-1\"\n[quotas]\nmeter_usage = 0\nbatch_meter_usage = 0\nregister_usage = 0\n\
         [[accounts]]\nid = \"111122223333\"\naccess_key_id = \"AKIAEXAMPLESELLER001\"\nsecret_access_key = \"seller-secret\"\n\
         [[products]]\ncode = \"prod-saas\"\nseller = \"111122223333\"\ndimensions = [\"users\", \"storage_gb\"]\n",
    );
    for c in 0..CUSTOMERS {
        text.push_str(&format!(
            "[[customers]]\nproduct = \"prod-saas\"\naccount = \"{:012}\"\nidentifier = \"cust-{c}\"\n",
            900_000_000_000u64 + c as u64
        ));
    }
    mpkit_emulator::Config::from_toml(&text).unwrap()
}

fn metering(url: &str, home: &Path, args: &[&str]) -> Command {
    let mut cmd = common::metering(home, SELLER, url);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
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

/// Runs `args` again and again, killed at random points for the first `killed_runs` runs, until a run ends with 0;
/// how many times it was killed. A run that ends otherwise waits a little (for backoffs) before the next.
fn until_done(
    url: &str,
    dir: &Path,
    args: &[String],
    seed: u64,
    killed_runs: usize,
    longest: u64,
    before: &(dyn Fn(usize) + Sync),
) -> usize {
    let mut rng = Rng(seed | 1);
    let mut kills = 0;
    for attempt in 0.. {
        assert!(attempt < 80, "{args:?} never finished");
        before(attempt);
        let kill_after = if attempt < killed_runs { Duration::from_millis(5 + rng.below(longest)) } else { Duration::from_secs(120) };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match run_or_kill(metering(url, dir, &args), kill_after) {
            (false, _) => kills += 1,
            (true, Some(0)) => return kills,
            (true, _) => std::thread::sleep(Duration::from_millis(1100)),
        }
    }
    unreachable!()
}

/// The whole scenario against `store`: `writers` recorders (each its own share of the records, at once), then `writers` flushers at once.
async fn scenario(store: &str, writers: usize) {
    let running = mpkit_emulator::start(config(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = running.url();
    let dir = std::env::temp_dir().join(format!("metering-crash-{writers}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // 4,000 records over four closed hours (2 to 5 hours ago), each with an event id, and their exact sums in millionths.
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let first_hour = (now / 3600 - 5) * 3600;
    let mut expected: BTreeMap<(String, String, u64), u64> = BTreeMap::new();
    let mut files = vec![String::new(); writers];
    for i in 0..4000 {
        let (customer, dimension) = (format!("cust-{}", rng.below(CUSTOMERS as u64)), DIMENSIONS[rng.below(2) as usize]);
        let hour = first_hour + 3600 * rng.below(4);
        let micros = rng.below(5_000_000);
        let timestamp = hour + rng.below(3600);
        *expected.entry((customer.clone(), dimension.to_owned(), hour)).or_default() += micros;
        files[i % writers].push_str(&format!(
            "{{\"ProductCode\":\"prod-saas\",\"CustomerIdentifier\":\"{customer}\",\"Dimension\":\"{dimension}\",\"QuantityAsDecimal\":\"{}.{:06}\",\"Timestamp\":{timestamp},\"EventId\":\"evt-{i}\"}}\n",
            micros / 1_000_000,
            micros % 1_000_000
        ));
    }

    // Record, killed at random points, until a run ends: every run resends its whole file, which event ids make harmless.
    let recorders: Vec<Vec<String>> = files
        .iter()
        .enumerate()
        .map(|(w, text)| {
            let file = dir.join(format!("usage-{w}.jsonl"));
            std::fs::write(&file, text).unwrap();
            ["record", "--store", store, "--file", file.to_str().unwrap()].map(str::to_owned).to_vec()
        })
        .collect();
    let kills: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = recorders
            .iter()
            .enumerate()
            .map(|(w, args)| {
                let (url, dir) = (&url, &dir);
                scope.spawn(move || until_done(url, dir, args, 0xdead_0000 + w as u64, 12, 100, &|_| {}))
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).sum()
    });

    // Flush, killed at random points, with a fault armed before each run, until a run ends with nothing left to send.
    // Short leases and backoffs, so that what a killed flusher claimed is taken over within the test.
    let faults = [
        r#"{"operation": "BatchMeterUsage", "error": "ThrottlingException"}"#,
        r#"{"operation": "BatchMeterUsage", "error": "InternalServiceErrorException", "count": 2}"#,
        r#"{"operation": "BatchMeterUsage", "drop_connection": "after"}"#,
        r#"{"operation": "BatchMeterUsage", "unprocessed": [0, 7, 24]}"#,
    ];
    let flush = ["flush", "--store", store, "--lease", "1s", "--max-backoff", "1s"].map(str::to_owned).to_vec();
    let handle = tokio::runtime::Handle::current();
    // A fault before each of a flusher's first 24 runs (the 16 killed ones and 8 more), then none: a run makes
    // one call when one hour is left, so a fault before every run could fault every call for ever.
    let arm = |attempt: usize| {
        if attempt < 24 {
            handle.block_on(mpkit_emulator::admin::arm(&url, faults[attempt % faults.len()])).unwrap();
        }
    };
    let flush_kills: usize = tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..writers)
                .map(|w| {
                    let (url, dir, flush, arm) = (&url, &dir, &flush, &arm);
                    scope.spawn(move || until_done(url, dir, flush, 0xf1a5_0000 + w as u64, 16, 700, arm))
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).sum()
        })
    });
    eprintln!("killed {kills} record runs and {flush_kills} flush runs");
    assert!(kills + flush_kills >= 10, "the processes were killed {} times", kills + flush_kills);

    let mut got: BTreeMap<(String, String, u64), u64> = BTreeMap::new();
    for b in mpkit_emulator::admin::billed(&url).await.unwrap() {
        let (whole, fraction) = b.quantity.split_once('.').unwrap_or((&b.quantity, ""));
        let micros = whole.parse::<u64>().unwrap() * 1_000_000 + format!("{fraction:0<6}").parse::<u64>().unwrap();
        assert!(got.insert((b.customer().to_owned(), b.dimension.clone(), b.hour as u64), micros).is_none(), "an hour billed twice");
    }
    assert_eq!(got, expected, "every hour billed once, with the exact sum of its records");

    let status = metering(&url, &dir, &["--output", "json", "status", "--store", store]).stdout(Stdio::piped()).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        (status["pending"].as_u64(), status["sealed"].as_u64(), status["conflicts"].as_u64(), status["rejected"].as_u64()),
        (Some(0), Some(0), Some(0), Some(0)),
        "{status}"
    );
    assert_eq!(status["records"], 4000);
    running.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_the_meter_bills_every_hour_exactly_once_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("metering-crash-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    scenario(&format!("sqlite:{}", dir.join("meter.db").display()), 1).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The PostgreSQL that `.ci/run` starts, with a schema of this test's own; `None` (with a message) outside CI without one.
async fn postgres(name: &str) -> Option<String> {
    let url = match std::env::var("METER_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("METER_POSTGRES_URL is not set under CI=true: .ci/run starts a PostgreSQL and sets it")
        }
        _ => {
            eprintln!("skipped: METER_POSTGRES_URL is not set (.ci/run starts a PostgreSQL and sets it)");
            return None;
        }
    };
    let schema = format!("cli_{name}_{}", std::process::id());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};")).await.unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_recorders_and_two_flushers_killed_at_random_bill_every_hour_exactly_once_on_postgres() {
    let Some(store) = postgres("crash").await else { return };
    scenario(&store, 2).await;
}
