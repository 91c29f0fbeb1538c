//! Generates the upstream Marketplace Metering model (`../shared/models/`,
//! as AWS publishes it) into `target/`, then builds the crate and runs its
//! generated endpoint tests with a nested cargo; and checks that our
//! Entitlement Service model says what upstream's says, in its own words.
//! Needs `../shared/`.

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

/// Our Entitlement Service model differs from upstream's only in prose: with
/// every documentation string removed, the two are the same JSON.
#[test]
fn the_entitlement_model_carries_upstreams_facts() {
    let Some(shared) = shared_dir() else { return };
    let read = |p: &Path| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let mut ours = read(&workspace_root().join("model/marketplace-entitlement-service.json"));
    let mut upstream = read(&shared.join("models/marketplace-entitlement-service.json"));
    let (a, b) = (without_prose(&mut ours), without_prose(&mut upstream));
    assert_eq!(a, b, "both models document the same things");
    assert!(a > 50, "{a} strings of prose");
    assert_eq!(ours, upstream, "our model's facts differ from upstream's");
}

/// Removes documentation strings (the `smithy.api#documentation` trait, and
/// the `documentation` of endpoint parameters and test cases), answering
/// how many there were.
fn without_prose(v: &mut serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(map) => {
            let mut n = 0;
            for key in ["smithy.api#documentation", "documentation"] {
                if map.get(key).is_some_and(serde_json::Value::is_string) {
                    map.remove(key);
                    n += 1;
                }
            }
            n + map.values_mut().map(without_prose).sum::<usize>()
        }
        serde_json::Value::Array(items) => items.iter_mut().map(without_prose).sum(),
        _ => 0,
    }
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo).args(args).current_dir(dir).env("CARGO_TARGET_DIR", target).env_remove("RUSTFLAGS").output().expect("cargo runs")
}
