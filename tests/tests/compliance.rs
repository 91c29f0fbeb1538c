//! The official awsJson1_1 protocol compliance suite
//! (`../shared/conformance/awsjson1_1/JsonProtocol.json`): the generator
//! makes a client crate of the suite's service, with every client case as a
//! Rust test, into `target/compliance/`; a nested cargo runs them. Cases
//! that do not pass must be on the expected-failure list with a reason, and
//! listed cases that pass fail the test (the list must shrink, not rot).
//! Needs `../shared/`.

use std::collections::BTreeMap;
use std::process::Command;

use integration_tests::shared_dir;
use xtask::codegen::{workspace_root, write_files};

/// Cases expected to fail, with why.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

#[test]
fn awsjson1_1_compliance_suite() {
    let Some(shared) = shared_dir() else { return };
    let root = workspace_root();
    let dir = shared.join("conformance/awsjson1_1");
    let model = std::fs::read_to_string(dir.join("JsonProtocol.json")).unwrap();
    let index: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("test-index.json")).unwrap()).unwrap();
    let client_cases: Vec<(String, String)> = index["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["appliesTo"] != "server")
        .map(|t| (t["kind"].as_str().unwrap().to_owned(), t["id"].as_str().unwrap().to_owned()))
        .collect();

    let options = codegen::Options {
        package: Some("json-protocol".to_owned()),
        runtime_path: root.join("runtime").display().to_string(),
        protocol_tests: true,
        ..codegen::Options::default()
    };
    let files = codegen::generate(&model, &options).unwrap();
    let out = root.join("target/compliance");
    write_files(&out.join("crate"), &files).unwrap();
    std::fs::write(out.join("Cargo.toml"), "[workspace]\nmembers = [\"crate\"]\nresolver = \"2\"\n").unwrap();
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["test", "--offline", "--features", "serde", "--test", "protocol_tests", "--", "--test-threads=2"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", root.join("target/nested"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut results: BTreeMap<String, bool> = BTreeMap::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some((name, outcome)) = rest.split_once(" ... ") {
                results.insert(name.to_owned(), outcome.trim() == "ok");
            }
        }
    }
    assert!(!results.is_empty(), "the compliance crate did not build or run:\n{stderr}\n{stdout}");

    let expected_name = |kind: &str, id: &str| {
        let module = match kind {
            "request" => "requests",
            "response" => "responses",
            _ => "errors",
        };
        format!("{module}::{}", codegen::naming::protocol_test(id).trim_start_matches("r#"))
    };
    let mut problems = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for (kind, id) in &client_cases {
        let name = expected_name(kind, id);
        let listed = EXPECTED_FAILURES.iter().find(|(n, _)| n == id);
        match (results.get(&name), listed) {
            (Some(true), None) => passed += 1,
            (Some(true), Some(_)) => {
                passed += 1;
                problems.push(format!("{id} passes but is on the expected-failure list"));
            }
            (Some(false), Some(_)) => failed += 1,
            (Some(false), None) => {
                failed += 1;
                problems.push(format!("{id} failed"));
            }
            (None, _) => problems.push(format!("{id} has no generated test")),
        }
    }
    println!("awsJson1_1 compliance: {passed} passed, {failed} failed");
    assert_eq!(client_cases.len(), 118);
    if !problems.is_empty() {
        let failures: Vec<&str> = stdout.split("failures:").nth(1).into_iter().collect();
        panic!("{}\n\n{}", problems.join("\n"), failures.join("").chars().take(20_000).collect::<String>());
    }
}
