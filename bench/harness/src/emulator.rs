//! The emulator's figures (issue 10): the release `metering` binary started
//! from a shell's point of view, driven over loopback by this project's SDK
//! with 64 concurrent calls. Start-up to the first answer; MeterUsage and
//! BatchMeterUsage(25) calls per second with full signature verification,
//! in memory and with `--data`; resident memory after a million records in
//! memory; the stripped binary's size.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

/// One line of the emulator's table: what, the figure, the target.
pub struct Figure(pub String, pub String, pub &'static str);

const SELLER: (&str, &str) = ("AKIABENCHSELLER00001", "bench-seller-secret");
const BUYER: (&str, &str) = ("AKIABENCHBUYER000001", "bench-buyer-secret");
const CUSTOMERS: usize = 10_000;
const SAAS_DIMENSIONS: usize = 100;
const CONTAINER_DIMENSIONS: usize = 1000;

fn config_text() -> String {
    let mut t = String::from("region = \"us-east-1\"\n[quotas]\nmeter_usage = 0\nbatch_meter_usage = 0\nregister_usage = 0\n");
    t.push_str(&format!("[[accounts]]\nid = \"111111111111\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n", SELLER.0, SELLER.1));
    t.push_str(&format!("[[accounts]]\nid = \"222222222222\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n", BUYER.0, BUYER.1));
    let dims = |prefix: &str, n: usize| (0..n).map(|i| format!("\"{prefix}{i}\"")).collect::<Vec<_>>().join(",");
    t.push_str(&format!("[[products]]\ncode = \"bench-saas\"\nseller = \"111111111111\"\ndimensions = [{}]\n", dims("d", SAAS_DIMENSIONS)));
    t.push_str(&format!(
        "[[products]]\ncode = \"bench-container\"\nseller = \"111111111111\"\ndimensions = [{}]\n",
        dims("c", CONTAINER_DIMENSIONS)
    ));
    t.push_str("[[customers]]\nproduct = \"bench-container\"\naccount = \"222222222222\"\n");
    for i in 0..CUSTOMERS {
        t.push_str(&format!(
            "[[customers]]\nproduct = \"bench-saas\"\naccount = \"{:012}\"\nidentifier = \"cust-{i}\"\n",
            300_000_000_000u64 + i as u64
        ));
    }
    t
}

struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start(binary: &Path, args: &[&str]) -> Emulator {
        let mut child = Command::new(binary).arg("emulator").args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("the emulator printed {line:?}")).to_owned();
        Emulator { child, url }
    }

    fn resident_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN)
            / 1024.0
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

fn client(url: &str, keys: (&str, &str)) -> ours::Client {
    let config = ours::Config::builder()
        .region(ours::config::Region::new("us-east-1"))
        .credentials_provider(ours::config::Credentials::new(keys.0, keys.1, None, None, "bench"))
        .endpoint_url(url)
        .retry_config(ours::config::retry::RetryConfig::disabled())
        .build();
    ours::Client::from_conf(config)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Calls per second of `n` calls of `call(i)` over 64 tasks.
async fn rate<F, Fut>(n: usize, call: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..64 {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            let mut i = t;
            while i < n {
                ok += usize::from(call(i).await);
                i += 64;
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap();
    }
    assert_eq!(ok, n, "every call must succeed for its time to count");
    n as f64 / start.elapsed().as_secs_f64()
}

fn meter(client: &ours::Client, i: usize, base: i64) -> impl std::future::Future<Output = bool> + Send + 'static {
    // Distinct dimension and hour for the first 6,000 calls, repeats (idempotent) after.
    let (dim, hour) = (i % CONTAINER_DIMENSIONS, (i / CONTAINER_DIMENSIONS) % 6);
    let call = client
        .meter_usage()
        .product_code("bench-container")
        .usage_dimension(format!("c{dim}"))
        .timestamp(ours::primitives::DateTime::from_secs(base - 60 - hour as i64 * 3600))
        .usage_quantity_as_decimal("1.5")
        .send();
    async move { call.await.is_ok() }
}

fn batch(client: &ours::Client, i: usize, base: i64) -> impl std::future::Future<Output = bool> + Send + 'static {
    let mut call = client.batch_meter_usage().product_code("bench-saas");
    for k in 0..25 {
        // Record r of a distinct customer, dimension and hour while r stays under 24 million.
        let r = i * 25 + k;
        let (customer, dim, hour) = (r % CUSTOMERS, (r / CUSTOMERS) % SAAS_DIMENSIONS, (r / (CUSTOMERS * SAAS_DIMENSIONS)) % 23);
        let record = ours::types::UsageRecord::builder()
            .timestamp(ours::primitives::DateTime::from_secs(base - 3600 * (1 + hour as i64)))
            .customer_identifier(format!("cust-{customer}"))
            .dimension(format!("d{dim}"))
            .quantity_as_decimal("2")
            .build()
            .unwrap();
        call = call.usage_records(record);
    }
    let call = call.send();
    async move { call.await.is_ok_and(|o| o.results().len() == 25) }
}

pub fn measure(root: &Path) -> Vec<Figure> {
    let status = Command::new("cargo").args(["build", "--quiet", "--release", "-p", "mpkit-cli"]).current_dir(root).status().unwrap();
    assert!(status.success(), "the metering binary did not build");
    let binary = root.join("target/release/metering");
    let dir = std::env::temp_dir().join(format!("bench-emulator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stripped = dir.join("metering");
    std::fs::copy(&binary, &stripped).unwrap();
    let _ = Command::new("strip").arg(&stripped).status();
    let size = std::fs::metadata(&stripped).map(|m| m.len() as f64 / 1e6).unwrap_or(f64::NAN);
    let config: PathBuf = dir.join("bench.toml");
    std::fs::write(&config, config_text()).unwrap();
    let config = config.to_str().unwrap().to_owned();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut figures = vec![Figure("metering binary, stripped".into(), format!("{size:.2} MB"), "")];

    // Start-up: from spawning the demo emulator to its first answer.
    let mut startups: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let emulator = Emulator::start(&binary, &[]);
            let seller = client(&emulator.url, ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only"));
            rt.block_on(seller.resolve_customer().registration_token("token-alpha").send()).unwrap();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    startups.sort_by(f64::total_cmp);
    figures.push(Figure("start-up to the first answer (median of 5)".into(), format!("{:.1} ms", startups[2]), "< 50 ms"));

    let base = now_secs();
    for (what, data, target) in [("in memory", None, "≥ 10,000 /s"), ("with --data", Some(dir.join("meter.sqlite")), "≥ 2,000 /s")] {
        let mut args = vec!["--config", config.as_str()];
        let data_arg = data.as_ref().map(|p| p.to_str().unwrap().to_owned());
        if let Some(d) = &data_arg {
            args.extend(["--data", d.as_str()]);
        }
        let emulator = Emulator::start(&binary, &args);
        let buyer = client(&emulator.url, BUYER);
        let n = 6000;
        let per_second = rt.block_on(rate(n, move |i| meter(&buyer, i, base)));
        figures.push(Figure(format!("MeterUsage {what}, 6,000 new records, 64 concurrent"), format!("{per_second:.0} /s"), target));
    }
    {
        let emulator = Emulator::start(&binary, &["--config", &config, "--data", dir.join("batch.sqlite").to_str().unwrap()]);
        let seller = client(&emulator.url, SELLER);
        let per_second = rt.block_on(rate(400, move |i| batch(&seller, i, base)));
        figures.push(Figure("BatchMeterUsage ×25 with --data, 10,000 new records".into(), format!("{per_second:.0} /s"), "≥ 1,000 /s"));
    }
    {
        // Flat with --data: the records live in the file, so memory after a million is what it was after the first ten thousand.
        let emulator = Emulator::start(&binary, &["--config", &config, "--data", dir.join("million.sqlite").to_str().unwrap()]);
        let seller = client(&emulator.url, SELLER);
        let first = seller.clone();
        rt.block_on(rate(400, move |i| batch(&first, i, base)));
        let early = emulator.resident_mb();
        let start = Instant::now();
        let rest = seller.clone();
        let per_second = rt.block_on(rate(40_000, move |i| batch(&rest, i + 400, base)));
        figures.push(Figure(
            "BatchMeterUsage ×25 with --data, 1,000,000 new records".into(),
            format!("{per_second:.0} /s ({:.0} s)", start.elapsed().as_secs_f64()),
            "",
        ));
        figures.push(Figure(
            "resident memory with --data: after 10,000 records, then after 1,010,000".into(),
            format!("{early:.1} MB, then {:.1} MB", emulator.resident_mb()),
            "flat",
        ));
    }
    {
        let emulator = Emulator::start(&binary, &["--config", &config]);
        let before = emulator.resident_mb();
        let seller = client(&emulator.url, SELLER);
        let start = Instant::now();
        let per_second = rt.block_on(rate(40_000, move |i| batch(&seller, i, base)));
        figures.push(Figure(
            "BatchMeterUsage ×25 in memory, 1,000,000 new records".into(),
            format!("{per_second:.0} /s ({:.0} s)", start.elapsed().as_secs_f64()),
            "",
        ));
        figures.push(Figure(
            "resident memory: configuration loaded, then after 1,000,000 records".into(),
            format!("{before:.1} MB, then {:.1} MB", emulator.resident_mb()),
            "< 300 MB",
        ));
    }
    let _ = std::fs::remove_dir_all(dir);
    figures
}
