//! The agent's figures: records per second through `POST /v1/usage` of a
//! running release `metering agent`, from four producers at once, each
//! sending 100-line bodies over its own keep-alive connection and waiting
//! for each answer (as a service's producer does), into SQLite and into
//! PostgreSQL; p50 and p99 of a request; and the cost of TLS to PostgreSQL
//! (`sslmode=require` against `disable` on one server, in the same run).

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::emulator::Figure;

const PRODUCERS: usize = 4;
const LINES: usize = 100;

/// What one run of producers measured.
pub struct Run {
    pub records_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// A running agent, stopped when dropped.
struct Agent(Child, String);

impl Agent {
    fn start(binary: &Path, emulator: &str, store: &str) -> Agent {
        let mut child =
            crate::meter::metering(binary, emulator, &["agent", "--store", store, "--listen", "127.0.0.1:0", "--flush-every", "3600s"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr =
            line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("the agent did not start: {line:?}")).to_owned();
        Agent(child, addr)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

/// `requests` bodies of [`LINES`] records from each of [`PRODUCERS`] producers, through the agent.
fn produce(agent: &Agent, requests: usize, offset: usize) -> Run {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let url = format!("http://{}/v1/usage", agent.1);
    runtime.block_on(async move {
        let start = Instant::now();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let url = url.clone();
                tokio::spawn(async move {
                    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
                    let mut latencies = Vec::with_capacity(requests);
                    for r in 0..requests {
                        let first = offset + (p * requests + r) * LINES;
                        let body: String = (first..first + LINES).map(|i| crate::meter::record_line(i) + "\n").collect();
                        let request = hyper::Request::post(&url)
                            .header("content-type", "application/x-ndjson")
                            .body(Full::new(Bytes::from(body)))
                            .unwrap();
                        let sent = Instant::now();
                        let answer = client.request(request).await.unwrap();
                        let status = answer.status();
                        let text = answer.into_body().collect().await.unwrap().to_bytes();
                        assert!(status.is_success(), "the agent answered {status}: {}", String::from_utf8_lossy(&text));
                        latencies.push(sent.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for p in producers {
            latencies.extend(p.await.unwrap());
        }
        let secs = start.elapsed().as_secs_f64();
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        Run { records_per_second: (PRODUCERS * requests * LINES) as f64 / secs, p50: at(0.5), p99: at(0.99) }
    })
}

fn shown(run: &Run) -> String {
    format!("{:.0} /s (p50 {:.1} ms, p99 {:.1} ms)", run.records_per_second, run.p50.as_secs_f64() * 1e3, run.p99.as_secs_f64() * 1e3)
}

/// Makes a schema of its own for a figure on the benchmark's PostgreSQL, and answers its store URL.
pub type SchemaUrl<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The agent's figures: SQLite always; PostgreSQL, plain and over TLS, when `postgres` (a URL and a way to make a schema) is given.
pub fn measure(binary: &Path, emulator: &str, dir: &Path, postgres: Option<SchemaUrl<'_>>) -> Vec<Figure> {
    let mut figures = Vec::new();
    let store = format!("sqlite:{}", dir.join("agent.db").display());
    let agent = Agent::start(binary, emulator, &store);
    let run = produce(&agent, 500, 10_000_000);
    drop(agent);
    figures.push(Figure(
        "agent: POST /v1/usage into SQLite, 4 producers, 100-line bodies, 200,000 records".into(),
        shown(&run),
        "≥ 50,000 /s, p99 < 50 ms",
    ));

    let Some(schema_url) = postgres else {
        figures.push(Figure(
            "agent: POST /v1/usage into PostgreSQL".into(),
            "skipped: set METER_POSTGRES_URL".into(),
            "≥ 20,000 /s, p99 < 50 ms",
        ));
        return figures;
    };
    // Plain and TLS alternated, twice each, each run into a fresh schema; the better run of each counts,
    // so that neither pays alone for what the server does after the previous figure (checkpoints, autovacuum).
    let modes = [("disable", "plain"), ("require", "TLS")];
    let mut best: [Option<Run>; 2] = [None, None];
    for round in 0..2 {
        for (m, (mode, _)) in modes.iter().enumerate() {
            let Some(url) = schema_url(&format!("agent_{mode}_{round}")) else { continue };
            let agent = Agent::start(binary, emulator, &format!("{url}&sslmode={mode}"));
            let run = produce(&agent, 250, 20_000_000);
            drop(agent);
            if best[m].as_ref().is_none_or(|b| run.records_per_second > b.records_per_second) {
                best[m] = Some(run);
            }
        }
    }
    let plain_rate = best[0].as_ref().map(|r| r.records_per_second);
    for ((mode, what), run) in modes.iter().zip(&best) {
        let title = format!("agent: POST /v1/usage into PostgreSQL ({what}, sslmode={mode}), 4 producers, 100,000 records, better of two");
        let Some(run) = run else {
            figures.push(Figure(title, "skipped: psql could not make a schema".into(), "≥ 20,000 /s, p99 < 50 ms"));
            continue;
        };
        let cost = match (*mode, plain_rate) {
            ("require", Some(plain)) => format!(", {:.2}x the plain rate", run.records_per_second / plain),
            _ => String::new(),
        };
        figures.push(Figure(title, format!("{}{cost}", shown(run)), "≥ 20,000 /s, p99 < 50 ms"));
    }
    figures
}
