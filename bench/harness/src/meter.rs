//! The durable meter's figures (issue 11), from the release `metering`
//! binary as a seller runs it: `record --file` of a million records into
//! SQLite (one producer, group commits), four producers at once into
//! PostgreSQL (when `METER_POSTGRES_URL` names one), and the same million
//! aggregated, sealed and flushed against the emulator at the service's
//! request rate; peak resident memory of each process, from `wait4`. Then
//! the agent's figures (`agent.rs`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::emulator::Figure;

const CUSTOMERS: usize = 1000;
const DIMENSIONS: usize = 2;
const HOURS: u64 = 3;
const SELLER: (&str, &str) = ("AKIABENCHSELLER00001", "bench-seller-secret");

fn config_text() -> String {
    // The service's own quotas (10 BatchMeterUsage calls a second): the flush must keep to them.
    let mut t = String::from("region = \"us-east-1\"\n");
    t.push_str(&format!("[[accounts]]\nid = \"111111111111\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n", SELLER.0, SELLER.1));
    t.push_str("[[products]]\ncode = \"bench-saas\"\nseller = \"111111111111\"\ndimensions = [\"d0\", \"d1\"]\n");
    for i in 0..CUSTOMERS {
        t.push_str(&format!(
            "[[customers]]\nproduct = \"bench-saas\"\naccount = \"{:012}\"\nidentifier = \"cust-{i}\"\n",
            300_000_000_000u64 + i as u64
        ));
    }
    t
}

/// Record number `i` of the benchmark's records over the closed hours, spread over every customer and dimension, with an event id.
pub fn record_line(i: usize) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let first_hour = (now / 3600 - 1 - HOURS) * 3600;
    let (customer, dimension, hour) = (i % CUSTOMERS, (i / CUSTOMERS) % DIMENSIONS, (i / (CUSTOMERS * DIMENSIONS)) as u64 % HOURS);
    let t = first_hour + hour * 3600 + (i as u64 % 3600);
    format!(
        "{{\"ProductCode\":\"bench-saas\",\"CustomerIdentifier\":\"cust-{customer}\",\"Dimension\":\"d{dimension}\",\"QuantityAsDecimal\":\"0.{:06}\",\"Timestamp\":{t},\"EventId\":\"e-{i}\"}}",
        1 + i % 999_999
    )
}

/// `n` records from number `offset` on, one a line.
fn write_records(path: &Path, n: usize, offset: usize) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in offset..offset + n {
        writeln!(out, "{}", record_line(i)).unwrap();
    }
}

/// Runs `cmd` to its end: whether it exited 0, the wall time in seconds, and its peak resident memory in MB.
// `wait4` in `wait_rusage` reaps the child, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run_measured(mut cmd: Command) -> (bool, f64, f64) {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let (ok, rss) = wait_rusage(child.id() as i32);
    (ok, start.elapsed().as_secs_f64(), rss)
}

/// Waits for `pid`: whether it exited 0, and its peak resident memory in MB.
fn wait_rusage(pid: i32) -> (bool, f64) {
    let mut status = 0;
    // SAFETY: wait4 writes an int and a rusage that live for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let ok = r == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (ok, usage.ru_maxrss as f64 / 1024.0)
}

pub fn metering(binary: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env("AWS_ACCESS_KEY_ID", SELLER.0)
        .env("AWS_SECRET_ACCESS_KEY", SELLER.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_MARKETPLACE_METERING", url)
        .args(args);
    cmd
}

// The PostgreSQL producers are reaped by `wait4` in `wait_rusage`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn measure(root: &Path) -> Vec<Figure> {
    let status = Command::new("cargo").args(["build", "--quiet", "--release", "-p", "mpkit-cli"]).current_dir(root).status().unwrap();
    assert!(status.success(), "the metering binary did not build");
    let binary = root.join("target/release/metering");
    let dir = std::env::temp_dir().join(format!("bench-meter-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut figures = Vec::new();

    let config = dir.join("meter-bench.toml");
    std::fs::write(&config, config_text()).unwrap();
    let mut emulator = Command::new(&binary)
        .args(["emulator", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(emulator.stdout.take().unwrap()), &mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap().to_owned();

    // One producer into SQLite.
    let records = dir.join("million.jsonl");
    write_records(&records, 1_000_000, 0);
    let store = format!("sqlite:{}", dir.join("meter.db").display());
    let start = Instant::now();
    let (ok, secs, rss) = run_measured(metering(&binary, &url, &["record", "--store", &store, "--file", records.to_str().unwrap()]));
    assert!(ok, "record failed");
    figures.push(Figure(
        "record --file into SQLite, one producer, 1,000,000 records".into(),
        format!("{:.0} /s ({secs:.1} s, peak {rss:.0} MB)", 1e6 / secs),
        "≥ 100,000 /s",
    ));

    // The same million, sealed and flushed at the service's rate: 6,000 hours, 240 calls of 25.
    let (ok, flush_secs, flush_rss) = run_measured(metering(&binary, &url, &["flush", "--store", &store]));
    assert!(ok, "flush failed");
    let total = start.elapsed().as_secs_f64();
    figures.push(Figure(
        format!(
            "1,000,000 records over {CUSTOMERS} customers recorded, sealed and flushed ({} hours, 10 calls/s)",
            CUSTOMERS * DIMENSIONS * HOURS as usize
        ),
        format!("{total:.1} s (flush {flush_secs:.1} s, peak {flush_rss:.0} MB)"),
        "< 60 s",
    ));
    figures.push(Figure("peak resident memory of record and flush".into(), format!("{:.0} MB", rss.max(flush_rss)), "< 100 MB"));

    // A schema of its own on METER_POSTGRES_URL's server for each PostgreSQL figure, as a store URL.
    let pg = std::env::var("METER_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    let schema_url = |name: &str| -> Option<String> {
        let pg = pg.as_ref()?;
        let schema = format!("bench_{name}_{}", std::process::id());
        let psql = Command::new("psql")
            .args([pg.as_str(), "-qc", &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};")])
            .status();
        let sep = if pg.contains('?') { '&' } else { '?' };
        psql.is_ok_and(|s| s.success()).then(|| format!("{pg}{sep}options=-csearch_path%3D{schema}"))
    };

    // Four producers at once into PostgreSQL.
    match (&pg, schema_url("record")) {
        (None, _) => {
            figures.push(Figure("record into PostgreSQL, four producers".into(), "skipped: set METER_POSTGRES_URL".into(), "≥ 20,000 /s"))
        }
        (Some(_), None) => figures.push(Figure(
            "record into PostgreSQL, four producers".into(),
            "skipped: psql could not make a schema".into(),
            "≥ 20,000 /s",
        )),
        (Some(_), Some(store)) => {
            let files: Vec<_> = (0..4)
                .map(|p| {
                    let f = dir.join(format!("pg-{p}.jsonl"));
                    write_records(&f, 50_000, 2_000_000 + p * 50_000);
                    f
                })
                .collect();
            let start = Instant::now();
            let children: Vec<_> = files
                .iter()
                .map(|f| {
                    metering(&binary, &url, &["record", "--store", &store, "--file", f.to_str().unwrap()])
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .unwrap()
                })
                .collect();
            let results: Vec<(bool, f64)> = children.iter().map(|c| wait_rusage(c.id() as i32)).collect();
            let secs = start.elapsed().as_secs_f64();
            assert!(results.iter().all(|r| r.0), "a PostgreSQL producer failed");
            let peak = results.iter().map(|r| r.1).fold(0.0, f64::max);
            figures.push(Figure(
                "record into PostgreSQL, four producers at once, 200,000 records".into(),
                format!("{:.0} /s ({secs:.1} s, peak {peak:.0} MB each)", 200_000.0 / secs),
                "≥ 20,000 /s",
            ));
        }
    }

    // The agent, into SQLite and PostgreSQL (plain and TLS).
    let postgres: Option<crate::agent::SchemaUrl<'_>> = if pg.is_some() { Some(&schema_url) } else { None };
    figures.extend(crate::agent::measure(&binary, &url, &dir, postgres));

    let _ = Command::new("kill").args(["-TERM", &emulator.id().to_string()]).status();
    let _ = emulator.wait();
    let _ = std::fs::remove_dir_all(dir);
    figures
}
