//! Builds a client from the environment, makes one MeterUsage call, exits.
//! With the default `multi-thread` feature it runs on tokio's multi-thread
//! runtime, as the official SDK's README has it; without, on the
//! current-thread runtime.
use mpkit_metering::primitives::DateTime;

#[cfg_attr(feature = "multi-thread", tokio::main)]
#[cfg_attr(not(feature = "multi-thread"), tokio::main(flavor = "current_thread"))]
async fn main() {
    let config = mpkit_metering::config::load_from_env().await;
    let client = mpkit_metering::Client::new(&config);
    #[allow(deprecated)]
    let result = client
        .meter_usage()
        .product_code("prod")
        .timestamp(DateTime::from_secs(1_700_000_000))
        .usage_dimension("Hosts")
        .usage_quantity(1)
        .send()
        .await;
    println!("{}", if result.is_ok() { "ok" } else { "error" });
    // The peak resident memory of this program alone, for the benchmark harness:
    // a parent's rusage would also count the memory of the process it forked from.
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!("{line}");
        }
    }
}
