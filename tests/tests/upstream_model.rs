//! Generates the upstream Marketplace Metering model (`../shared/models/`,
//! as AWS publishes it) into `target/`, then builds the crate and runs its
//! generated endpoint tests with a nested cargo. Needs `../shared/`.

use std::path::Path;
use std::process::Command;

use integration_tests::shared_dir;
use xtask::codegen::{workspace_root, write_files};

#[test]
fn upstream_model_generates_compiles_and_passes_its_endpoint_tests() {
    let Some(shared) = shared_dir() else { return };
    let root = workspace_root();
    let model = std::fs::read_to_string(shared.join("models/marketplace-metering.json")).unwrap();
    let out = root.join("target/upstream-metering");
    let options = codegen::Options {
        package: Some("upstream-metering".to_owned()),
        runtime_path: root.join("runtime").display().to_string(),
        ..codegen::Options::default()
    };
    let files = codegen::generate(&model, &options).unwrap();
    write_files(&out.join("crate"), &files).unwrap();
    std::fs::write(out.join("Cargo.toml"), "[workspace]\nmembers = [\"crate\"]\nresolver = \"2\"\n").unwrap();
    // The project's lock file pins the same dependency versions, so the nested build needs no network.
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();

    let output = cargo(&out, &root.join("target/nested"), &["test", "--offline", "--quiet"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the upstream crate failed to build or test:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 26 passed"), "expected the 26 endpoint tests to pass:\n{stdout}");
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}
