//! `metering agent`: the meter as a sidecar. Your service POSTs usage
//! records to it over loopback (`POST /v1/usage`, JSON Lines with the
//! same members as `metering record --file`); the agent answers only once
//! they are durable, and flushes on its own schedule. `POST /v1/events`
//! takes EventBridge events: `License Deprovisioned` seals and sends that
//! licence's usage at once (the service takes it for one more hour).
//! `GET /v1/status` is `metering status --output json`; `GET /metrics` is
//! for Prometheus (`agent_metrics.rs`); `GET /healthz`
//! answers 200 while the store answers and the flush task lives; `GET
//! /readyz` says whether the agent is fit for traffic, with the reasons when
//! not. Off loopback every request but `/healthz` carries the
//! `--token-file` token. On SIGINT or SIGTERM it stops accepting, finishes
//! the requests in flight and flushes once more, all within
//! `--shutdown-timeout` (25 s by default, inside ECS's 30 s stop timeout),
//! and exits 0; what the last flush did not send stays in the store.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use mpkit_emulator::serve::{self, BodyError, Bounds};
use mpkit_meter::{AnyStore, Meter, Policy, Recorded};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::agent_metrics::{self, Metrics};
use crate::service::{self, Common};
use crate::usage_lines;

/// The agent's bounds: bodies of up to 8 MiB (a producer's batch), the rest as the emulator's.
pub const BOUNDS: Bounds = Bounds { max_body: 8 * 1024 * 1024, ..mpkit_emulator::server::BOUNDS };

/// A request's body within [`BOUNDS`]; the answer to send when not.
async fn read_body(req: Request<hyper::body::Incoming>) -> Result<Bytes, Response<Full<Bytes>>> {
    match serve::read_body(req.into_body(), &BOUNDS).await {
        Ok(b) => Ok(b),
        Err(BodyError::TooLarge) => Err(reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": format!("the body is larger than {} bytes, or broken; nothing was recorded", BOUNDS.max_body)}),
        )),
        Err(BodyError::TooSlow) => Err(reply(
            StatusCode::REQUEST_TIMEOUT,
            json!({"error": format!("the body did not arrive within {:?}; nothing was recorded", BOUNDS.body_timeout)}),
        )),
    }
}

/// What the agent runs with.
#[derive(Debug)]
pub struct Settings {
    /// The store URL.
    pub store: String,
    /// Where to listen.
    pub listen: SocketAddr,
    /// How often to flush.
    pub flush_every: Duration,
    /// The meter's policy.
    pub policy: Policy,
    /// A file holding the bearer token every request but `/healthz` must carry; required off loopback.
    pub token_file: Option<std::path::PathBuf>,
    /// How long stopping may take, from the signal: in-flight requests, the flush in progress and the last flush.
    pub shutdown_timeout: Duration,
}

/// What every request of the agent sees.
struct Agent {
    meter: Meter<AnyStore>,
    /// False once the flush task has died.
    healthy: AtomicBool,
    /// The bearer token requests must carry, when one was given.
    token: Option<String>,
    /// What `/metrics` answers; it also knows when the last scheduled flush ended.
    metrics: Metrics,
    flush_every: Duration,
}

/// The token in `path`, which must not be empty; required when `listen` is not loopback.
fn token(listen: SocketAddr, path: Option<&std::path::Path>) -> Result<Option<String>, String> {
    let Some(path) = path else {
        if listen.ip().is_loopback() {
            return Ok(None);
        }
        return Err(format!(
            "--listen {listen} is reachable from other hosts: give --token-file (a bearer token every request but /healthz must carry), or listen on loopback"
        ));
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("--token-file {}: {e}", path.display()))?;
    match text.trim() {
        "" => Err(format!("--token-file {}: the file is empty", path.display())),
        t => Ok(Some(t.to_owned())),
    }
}

/// Runs the agent until SIGINT or SIGTERM.
pub async fn run(common: &Common, settings: Settings) -> ExitCode {
    let token = match token(settings.listen, settings.token_file.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("metering agent: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match AnyStore::open(&settings.store).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("metering agent: --store: {}", e.0);
            return ExitCode::from(2);
        }
    };
    let client = service::client(common).await;
    let metrics = Metrics::new();
    let agent = Arc::new(Agent {
        meter: Meter::new(store, client, settings.policy).with_call_observer(metrics.call_observer()),
        healthy: AtomicBool::new(true),
        token,
        metrics,
        flush_every: settings.flush_every,
    });
    let listener = match TcpListener::bind(settings.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("metering agent: could not listen on {}: {e}", settings.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().map_or(settings.listen, |a| a);
    let signals = crate::StopSignals::install();
    println!("listening on http://{addr}");
    let _ = std::io::Write::flush(&mut std::io::stdout());

    let (stop, stopped) = watch::channel(false);
    let mut flusher = tokio::spawn(flush_on_schedule(agent.clone(), stopped.clone()));
    // In-flight requests may take what is left of the shutdown deadline; the serve loop's own drain is no shorter.
    let bounds = Bounds { drain: settings.shutdown_timeout, ..BOUNDS };
    let server = {
        let agent = agent.clone();
        tokio::spawn(serve::serve(listener, bounds, stopped, move |req| {
            let agent = agent.clone();
            async move { Ok::<_, Infallible>(answer(&agent, req).await) }
        }))
    };
    let flusher_died = until_stopped_or_dead(signals.wait(), &mut flusher, &agent.healthy).await;
    // From here on everything shares one deadline, so the orchestrator's stop timeout is never what ends the agent.
    let deadline = tokio::time::Instant::now() + settings.shutdown_timeout;
    let _ = stop.send(true);
    if tokio::time::timeout_at(deadline, server).await.is_err() {
        eprintln!("metering agent: requests still in flight at the shutdown deadline were cut; their records were not answered, so their senders send them again");
    }
    if flusher_died {
        return ExitCode::FAILURE;
    }
    if tokio::time::timeout_at(deadline, &mut flusher).await.is_err() {
        flusher.abort();
    }
    match tokio::time::timeout_at(deadline, agent.meter.flush()).await {
        Ok(Ok(report)) => {
            eprintln!("metering agent: last flush: {} sealed, {} sent, {} to retry", report.sealed, report.sent, report.retry_later)
        }
        Ok(Err(e)) => eprintln!("metering agent: last flush failed: {e}; the records are in the store, and the next flush sends them"),
        Err(_) => eprintln!(
            "metering agent: the shutdown deadline ({:?}) came before the last flush ended; the next flush sends what is left",
            settings.shutdown_timeout
        ),
    }
    ExitCode::SUCCESS
}

/// Waits for `stop` or for the flush task to end, whichever comes first;
/// whether the flush task ended. A flush task that ends before the agent is
/// told to stop (it panicked) leaves records unsent: `/healthz` fails from
/// then on, and the agent exits non-zero so that its orchestrator restarts it.
async fn until_stopped_or_dead(
    stop: impl std::future::Future<Output = ()>,
    flusher: &mut tokio::task::JoinHandle<()>,
    healthy: &AtomicBool,
) -> bool {
    tokio::select! {
        () = stop => false,
        ended = flusher => {
            healthy.store(false, Ordering::SeqCst);
            let how = match ended {
                Err(e) if e.is_panic() => "it panicked".to_owned(),
                Err(e) => e.to_string(),
                Ok(()) => "it returned".to_owned(),
            };
            eprintln!("metering agent: the flush task stopped ({how}); stopping, so that the orchestrator restarts the agent");
            true
        }
    }
}

async fn flush_on_schedule(agent: Arc<Agent>, mut stopped: watch::Receiver<bool>) {
    let meter = &agent.meter;
    let mut tick = tokio::time::interval(agent.flush_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tick.tick() => {}
        }
        let started = std::time::Instant::now();
        let flushed = meter.flush().await;
        agent.metrics.flushed(started.elapsed(), flushed.as_ref().ok());
        if flushed.is_err() {
            agent.metrics.store_error();
        }
        match flushed {
            Ok(r) if r.sent + r.retry_later + r.held + r.rejected + r.conflicts > 0 => {
                eprintln!(
                    "metering agent: flush: {} sealed, {} sent, {} to retry, {} held, {} rejected, {} conflicts",
                    r.sealed, r.sent, r.retry_later, r.held, r.rejected, r.conflicts
                );
            }
            Ok(_) => {}
            Err(e) => eprintln!("metering agent: flush failed: {e}"),
        }
    }
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    r
}

/// The detail type of the event that ends a licence.
const DEPROVISIONED: &str = "License Deprovisioned - Manufacturer";

/// The customer a `License Deprovisioned` event (as EventBridge delivers it
/// to an API destination) names: the licence (`detail.license.arn` or
/// `detail.licenseArn`) and its buyer's account (`detail.acceptor.accountId`,
/// else the customer directory's entry of the licence). `Ok(None)` for any
/// other event.
async fn deprovisioned(meter: &Meter<AnyStore>, event: &serde_json::Value) -> Result<Option<mpkit_meter::Customer>, String> {
    if event["detail-type"].as_str() != Some(DEPROVISIONED) {
        return Ok(None);
    }
    let detail = &event["detail"];
    let licence =
        detail["license"]["arn"].as_str().or(detail["licenseArn"].as_str()).ok_or("the event's detail names no licence (license.arn)")?;
    let account = match detail["acceptor"]["accountId"].as_str() {
        Some(a) => a.to_owned(),
        None => mpkit_meter::Store::buyers(meter.store())
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|b| b.license_arn.as_deref() == Some(licence))
            .and_then(|b| b.account_id)
            .ok_or_else(|| format!("the event names no acceptor account, and the customer directory does not know licence {licence}"))?,
    };
    Ok(Some(mpkit_meter::Customer::Account { account_id: account, license_arn: Some(licence.to_owned()) }))
}

/// `POST /v1/events`: an EventBridge event. `License Deprovisioned` closes
/// the licence's customer (its open hours sealed and sent at once); any
/// other event is acknowledged and ignored.
async fn event(meter: &Meter<AnyStore>, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let body = match read_body(req).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let event: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return reply(StatusCode::BAD_REQUEST, json!({"error": format!("the body is not an event's JSON: {e}")})),
    };
    match deprovisioned(meter, &event).await {
        Ok(None) => reply(StatusCode::ACCEPTED, json!({"ignored": event["detail-type"]})),
        Err(reason) => reply(StatusCode::BAD_REQUEST, json!({"error": reason})),
        Ok(Some(customer)) => match meter.close(&customer).await {
            Ok(r) => reply(
                StatusCode::OK,
                json!({"closed": mpkit_meter::buyers::describe(&customer), "sealed": r.sealed, "sent": r.sent, "retryLater": r.retry_later, "held": r.held, "rejected": r.rejected, "conflicts": r.conflicts}),
            ),
            Err(e) => {
                reply(StatusCode::SERVICE_UNAVAILABLE, json!({"error": format!("{e}; the licence's hours are kept: send the event again")}))
            }
        },
    }
}

/// Whether the agent is ready for traffic an orchestrator sends it: the
/// store answers, the flusher ran within two flush periods, and no unsent
/// hour is within an hour of its deadline; the reasons when not.
async fn readiness(agent: &Agent) -> Result<(), Vec<String>> {
    let mut not = Vec::new();
    let policy = Policy { warn_before: Duration::from_secs(3600), ..agent.meter.policy().clone() };
    match mpkit_meter::status(agent.meter.store(), &policy, std::time::SystemTime::now()).await {
        Ok(s) if !s.nearing_deadline.is_empty() => {
            not.push(format!("{} unsent hours are within an hour of their deadline", s.nearing_deadline.len()))
        }
        Ok(_) => {}
        Err(e) => {
            agent.metrics.store_error();
            not.push(e.to_string());
        }
    }
    if agent.metrics.since_last_flush().is_none_or(|t| t > 2 * agent.flush_every) {
        not.push(format!("the flusher has not finished a flush in the last {:?}", 2 * agent.flush_every));
    }
    if !agent.healthy.load(Ordering::SeqCst) {
        not.push("the flush task has stopped".into());
    }
    if not.is_empty() {
        Ok(())
    } else {
        Err(not)
    }
}

async fn answer(agent: &Agent, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let meter = &agent.meter;
    if let Some(token) = &agent.token {
        let given = req.headers().get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if req.uri().path() != "/healthz" && given != Some(token.as_str()) {
            return reply(
                StatusCode::UNAUTHORIZED,
                json!({"error": "this agent wants `Authorization: Bearer TOKEN` (the token of its --token-file)"}),
            );
        }
    }
    match (req.method().as_str(), req.uri().path()) {
        ("POST", "/v1/usage") => {}
        ("POST", "/v1/events") => return event(meter, req).await,
        ("GET", "/v1/status") => {
            return match meter.status().await {
                Ok(s) => {
                    let c = &s.counts;
                    reply(
                        StatusCode::OK,
                        json!({
                            "pending": c.pending, "sealed": c.sealed, "held": c.held, "sent": c.sent, "rejected": c.rejected,
                            "conflicts": c.conflicts, "records": c.records, "nearingDeadline": s.nearing_deadline.len(), "clockSkewMs": s.clock_skew_ms,
                        }),
                    )
                }
                Err(e) => {
                    agent.metrics.store_error();
                    reply(StatusCode::SERVICE_UNAVAILABLE, json!({"error": e.to_string()}))
                }
            }
        }
        ("GET", "/metrics") => {
            let status = match mpkit_meter::status(meter.store(), meter.policy(), std::time::SystemTime::now()).await {
                Ok(s) => Some(s),
                Err(_) => {
                    agent.metrics.store_error();
                    None
                }
            };
            let mut r = Response::new(Full::new(Bytes::from(agent.metrics.encode(status.as_ref()))));
            r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static(agent_metrics::CONTENT_TYPE));
            return r;
        }
        ("GET", "/readyz") => {
            return match readiness(agent).await {
                Ok(()) => reply(StatusCode::OK, json!({"ready": true})),
                Err(reasons) => reply(StatusCode::SERVICE_UNAVAILABLE, json!({"ready": false, "reasons": reasons})),
            }
        }
        ("GET", "/healthz") => {
            if !agent.healthy.load(Ordering::SeqCst) {
                return reply(StatusCode::SERVICE_UNAVAILABLE, json!({"error": "the flush task has stopped"}));
            }
            return match mpkit_meter::Store::counts(meter.store()).await {
                Ok(_) => reply(StatusCode::OK, json!({"ok": true})),
                Err(e) => reply(StatusCode::SERVICE_UNAVAILABLE, json!({"error": e.to_string()})),
            };
        }
        (_, "/v1/usage" | "/v1/events" | "/v1/status" | "/metrics" | "/healthz" | "/readyz") => {
            return reply(StatusCode::METHOD_NOT_ALLOWED, json!({"error": "wrong method"}))
        }
        (_, path) => {
            return reply(
                StatusCode::NOT_FOUND,
                json!({"error": format!("no route {path}: POST /v1/usage, POST /v1/events, GET /v1/status, GET /metrics, GET /healthz, GET /readyz")}),
            )
        }
    }
    let body = match read_body(req).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return reply(StatusCode::BAD_REQUEST, json!({"error": "the body is not UTF-8; nothing was recorded"}));
    };
    let mut good = Vec::new();
    let mut refused = Refusals::default();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match usage_lines::parse_line(line).and_then(usage_lines::Line::into_usage) {
            Ok(u) => good.push((i + 1, u)),
            Err(reason) => refused.add(i + 1, reason),
        }
    }
    let (lines, usage): (Vec<usize>, Vec<_>) = good.into_iter().unzip();
    let outcomes = match meter.record_all(usage).await {
        Ok(o) => o,
        Err(e) => {
            agent.metrics.store_error();
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": format!("{e}; none of the good lines was recorded: send them again")}),
            );
        }
    };
    let (mut recorded, mut already) = (0u64, 0u64);
    for (line, outcome) in lines.into_iter().zip(outcomes) {
        match outcome {
            Recorded::Added { .. } | Recorded::Moved { .. } => recorded += 1,
            Recorded::AlreadyRecorded => already += 1,
            Recorded::Refused(reason) => refused.add(line, reason),
        }
    }
    agent.metrics.posted(recorded, already, refused.count as u64);
    let status = if refused.count == 0 { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    reply(status, json!({"recorded": recorded, "alreadyRecorded": already, "refusedCount": refused.count, "refused": refused.first}))
}

/// The most refused lines an answer lists; the rest are counted, so a body of junk gets a small answer.
const LISTED_REFUSALS: usize = 100;

/// The refused lines of a request: the first ones with their reasons, and how many in all.
#[derive(Debug, Default)]
struct Refusals {
    first: Vec<serde_json::Value>,
    count: usize,
}

impl Refusals {
    fn add(&mut self, line: usize, reason: String) {
        self.count += 1;
        if self.first.len() < LISTED_REFUSALS {
            self.first.push(json!({"line": line, "reason": reason}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flush_task_that_dies_makes_the_agent_unhealthy_and_stop() {
        let healthy = AtomicBool::new(true);
        let mut dying = tokio::spawn(async { panic!("a flush task's bug") });
        assert!(until_stopped_or_dead(std::future::pending(), &mut dying, &healthy).await, "the agent stops");
        assert!(!healthy.load(Ordering::SeqCst), "and /healthz fails");
        let healthy = AtomicBool::new(true);
        let mut running = tokio::spawn(std::future::pending::<()>());
        assert!(!until_stopped_or_dead(std::future::ready(()), &mut running, &healthy).await, "a signal stops it cleanly");
        assert!(healthy.load(Ordering::SeqCst));
        running.abort();
    }
}
