//! The agent's `GET /metrics`: what an operator alarms on, in the
//! OpenMetrics text format Prometheus (and the CloudWatch agent) scrape.
//! Names start with `metering_`, in base units (seconds), counters end in
//! `_total`; no label carries a customer. The state of the store (hours by
//! state, the oldest unsent hour, the nearest deadline) is read from the
//! store at each scrape; what happens (records, calls, flushes, store
//! errors) is counted as it happens.

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use mpkit_meter::observe::{CallObserver, CallOutcome, Operation};
use mpkit_meter::{FlushReport, Status};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// The content type of the answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(&'static str, &'static str)>;
type Seconds = Gauge<f64, AtomicU64>;

/// The agent's metrics.
pub struct Metrics {
    registry: Registry,
    records: Family<Labels, Counter>,
    calls: Family<Labels, Counter>,
    flushes: Family<Labels, Counter>,
    flush_duration: Histogram,
    store_errors: Counter,
    hours: Family<Labels, Gauge>,
    stored_records: Gauge,
    oldest_unsent: Seconds,
    /// No sample while nothing is unsent (Prometheus has no portable infinity).
    deadline: Family<Labels, Seconds>,
    since_flush: Seconds,
    /// When the last scheduled flush ended, or the agent started.
    last_flush: std::sync::Mutex<Instant>,
    flushed_once: std::sync::atomic::AtomicBool,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("metering");
        let records = Family::<Labels, Counter>::default();
        registry.register(
            "records",
            "Usage records posted to the agent, by outcome (recorded, already_recorded, refused)",
            records.clone(),
        );
        let calls = Family::<Labels, Counter>::default();
        registry.register(
            "calls",
            "Calls to AWS Marketplace Metering, by operation and outcome (success, throttled, retried, held, rejected, conflict)",
            calls.clone(),
        );
        let flushes = Family::<Labels, Counter>::default();
        registry.register("flushes", "Flushes the agent ran, by outcome (ok, failed)", flushes.clone());
        let flush_duration = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register("flush_duration_seconds", "How long each flush took", flush_duration.clone());
        let store_errors = Counter::default();
        registry.register(
            "store_errors",
            "Calls to the usage store that failed (the store did not answer, or refused)",
            store_errors.clone(),
        );
        let hours = Family::<Labels, Gauge>::default();
        registry.register(
            "hours",
            "Customer-dimension hours in the store, by state (open, sealed, sent, held, rejected, conflict)",
            hours.clone(),
        );
        let stored_records = Gauge::default();
        registry.register("stored_records", "Usage records in the store", stored_records.clone());
        let oldest_unsent = Seconds::default();
        registry.register(
            "oldest_unsent_age_seconds",
            "Seconds since the start of the oldest hour not yet billed (0 when all are billed)",
            oldest_unsent.clone(),
        );
        let deadline = Family::<Labels, Seconds>::default();
        registry.register(
            "deadline_remaining_seconds",
            "Seconds until the nearest deadline of an hour not yet billed (no sample when none)",
            deadline.clone(),
        );
        let since_flush = Seconds::default();
        registry.register(
            "since_last_flush_seconds",
            "Seconds since the last scheduled flush ended (since the agent started, before the first)",
            since_flush.clone(),
        );
        registry.register("build", "The agent's version", Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]));
        Metrics {
            registry,
            records,
            calls,
            flushes,
            flush_duration,
            store_errors,
            hours,
            stored_records,
            oldest_unsent,
            deadline,
            since_flush,
            last_flush: std::sync::Mutex::new(Instant::now()),
            flushed_once: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The observer the meter tells each call's outcome.
    pub fn call_observer(&self) -> CallObserver {
        let calls = self.calls.clone();
        std::sync::Arc::new(move |operation: Operation, outcome: CallOutcome| {
            calls.get_or_create(&vec![("operation", operation.as_str()), ("outcome", outcome.as_str())]).inc();
        })
    }

    /// A request's records: how many were recorded, already recorded, refused.
    pub fn posted(&self, recorded: u64, already: u64, refused: u64) {
        for (outcome, n) in [("recorded", recorded), ("already_recorded", already), ("refused", refused)] {
            if n > 0 {
                self.records.get_or_create(&vec![("outcome", outcome)]).inc_by(n);
            }
        }
    }

    /// A scheduled flush ended after `took`.
    pub fn flushed(&self, took: Duration, report: Option<&FlushReport>) {
        self.flush_duration.observe(took.as_secs_f64());
        let outcome = if report.is_some() { "ok" } else { "failed" };
        self.flushes.get_or_create(&vec![("outcome", outcome)]).inc();
        *self.last_flush.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.flushed_once.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// How long ago the last scheduled flush ended; `None` before the first.
    pub fn since_last_flush(&self) -> Option<Duration> {
        let last = *self.last_flush.lock().unwrap_or_else(|p| p.into_inner());
        self.flushed_once.load(std::sync::atomic::Ordering::Relaxed).then(|| last.elapsed())
    }

    /// A store call failed.
    pub fn store_error(&self) {
        self.store_errors.inc();
    }

    /// The answer to a scrape: the store's state as `status` (`None`: the store did not answer) and everything counted.
    pub fn encode(&self, status: Option<&Status>) -> String {
        if let Some(s) = status {
            let c = &s.counts;
            for (state, n) in [
                ("open", c.pending),
                ("sealed", c.sealed),
                ("sent", c.sent),
                ("held", c.held),
                ("rejected", c.rejected),
                ("conflict", c.conflicts),
            ] {
                self.hours.get_or_create(&vec![("state", state)]).set(n as i64);
            }
            self.stored_records.set(c.records as i64);
            let seconds = |ms: i64| ms as f64 / 1000.0;
            self.oldest_unsent.set(s.oldest_unsent_ms.map_or(0.0, |o| seconds(s.now_ms.saturating_sub(o)).max(0.0)));
            match s.nearest_deadline_ms {
                Some(d) => {
                    self.deadline.get_or_create(&Vec::new()).set(seconds(d.saturating_sub(s.now_ms)));
                }
                None => self.deadline.clear(),
            }
        }
        self.since_flush.set(self.last_flush.lock().unwrap_or_else(|p| p.into_inner()).elapsed().as_secs_f64());
        let mut text = String::new();
        // Writing into a String does not fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_units_and_labels_as_prometheus_wants_them() {
        let m = Metrics::new();
        m.posted(3, 1, 0);
        (m.call_observer())(Operation::BatchMeterUsage, CallOutcome::Throttled);
        m.flushed(Duration::from_millis(30), Some(&FlushReport::default()));
        m.store_error();
        let status = Status {
            now_ms: 10_000_000,
            oldest_unsent_ms: Some(10_000_000 - 7_200_000),
            nearest_deadline_ms: Some(10_000_000 + 1_800_000),
            ..Status::default()
        };
        let text = m.encode(Some(&status));
        for line in [
            "metering_records_total{outcome=\"recorded\"} 3",
            "metering_records_total{outcome=\"already_recorded\"} 1",
            "metering_calls_total{operation=\"BatchMeterUsage\",outcome=\"throttled\"} 1",
            "metering_flushes_total{outcome=\"ok\"} 1",
            "metering_store_errors_total 1",
            "metering_hours{state=\"held\"} 0",
            "metering_oldest_unsent_age_seconds 7200.0",
            "metering_deadline_remaining_seconds 1800.0",
            "metering_flush_duration_seconds_count 1",
            "metering_build_info{version=\"",
            "# TYPE metering_records counter",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line} in:\n{text}");
        }
        let text = m.encode(Some(&Status::default()));
        assert!(
            !text.contains("metering_deadline_remaining_seconds ") && text.contains("metering_oldest_unsent_age_seconds 0.0"),
            "no deadline, no sample:\n{text}"
        );
        assert!(!text.lines().any(|l| l.ends_with(" inf") || l.ends_with(" +Inf")), "no infinity as a value: {text}");
    }
}
