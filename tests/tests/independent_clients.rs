//! The emulator driven by clients nobody on this project wrote: boto3 and
//! the AWS CLI v1 (both services; the Entitlement Service in awsJson1_1,
//! which botocore prefers, and in botocore's RPC v2 CBOR), pinned (`tests/clients/requirements.txt`) and installed
//! by `.ci/run` into a virtual environment of their own
//! (`METERING_CLIENTS_PY` names its Python), and the AWS SDK for JavaScript
//! v3, pinned (`tests/clients/package-lock.json`) into an npm folder of its
//! own (`METERING_CLIENTS_NODE`). The scripted sessions are in
//! `tests/clients/`. Without the clients a test says so and skips; under
//! `CI=true` that is a failure.

use std::path::PathBuf;
use std::process::Command;

/// The path in `var`, or `None` (with a message) when it is not installed here.
fn installed(var: &str, what: &str) -> Option<PathBuf> {
    match std::env::var_os(var).map(PathBuf::from).filter(|p| p.exists()) {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("{var} does not name {what}: .ci/run installs it"),
        None => {
            eprintln!("skipped: {var} does not name {what} (.ci/run installs it)");
            None
        }
    }
}

/// What the sessions add to the demo: a buyer's keys used from an EC2
/// instance, and a container product offered only in Europe.
const EXTRA: &str = r#"
[[accounts]]
id = "444455556666"
access_key_id = "AKIAEXAMPLEBUYEREC20"
secret_access_key = "buyer-ec2-secret-key-for-the-emulator-only"
platform = "ec2"

[[products]]
code = "prod-container-eu"
seller = "111122223333"
dimensions = ["vcpu_hours"]
regions = ["eu-west-1"]

[[customers]]
product = "prod-container-eu"
account = "444455556666"
"#;

/// Catalog change sets that finish in a second, so a session waits little for one.
const CATALOG: &str = "[catalog]\nprepare_seconds = 0\napply_seconds = 1\n";

/// The demo configuration without request quotas (a scripted session sends
/// more than ten calls a second when the machine is fast, and throttling is
/// tested on its own with a stopped clock in `tests/emulator.rs`), with [`EXTRA`].
async fn emulator() -> mpkit_emulator::Running {
    let text = format!(
        "{}\n[quotas]\nmeter_usage = 0\nbatch_meter_usage = 0\nregister_usage = 0\n{EXTRA}\n{CATALOG}",
        mpkit_emulator::config::DEMO
    );
    mpkit_emulator::start(mpkit_emulator::Config::from_toml(&text).unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn python() -> Option<PathBuf> {
    installed("METERING_CLIENTS_PY", "a Python with boto3 and the AWS CLI")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_and_the_aws_cli_see_the_service_rules() {
    let Some(python) = python() else { return };
    let running = emulator().await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/boto3_session.py");
    let aws = python.with_file_name("aws");
    let url = running.url();
    let output =
        tokio::task::spawn_blocking(move || Command::new(&python).arg(&script).arg(&url).arg(&aws).output().unwrap()).await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "the boto3 session failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("boto3: 56 passed, 0 failed"), "{stdout}\n{stderr}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_javascript_sdk_sees_the_service_rules() {
    let Some(folder) = installed("METERING_CLIENTS_NODE", "an npm folder with @aws-sdk/client-marketplace-metering") else { return };
    let running = emulator().await;
    // ES modules resolve packages from the script's own folder, so the script runs from the install folder.
    let script = folder.join("js_session.mjs");
    std::fs::copy(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/js_session.mjs"), &script).unwrap();
    let url = running.url();
    let output = tokio::task::spawn_blocking(move || Command::new("node").arg("--no-warnings").arg(&script).arg(&url).output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "the JavaScript session failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("js: 14 passed, 0 failed"), "{stdout}\n{stderr}");
    running.stop().await;
}
