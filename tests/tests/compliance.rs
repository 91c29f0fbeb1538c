//! The official protocol compliance suites: awsJson1_1
//! (`../shared/conformance/awsjson1_1/`), RPC v2 CBOR
//! (`../shared/conformance/rpcv2cbor/`, three services) and restJson1
//! (`../shared/conformance/restjson1/`). The generator makes
//! a client crate of each suite's service, with every client case as a Rust
//! test, into `target/compliance/`; a nested cargo runs them. Cases that do
//! not pass must be on the expected-failure list with a reason, and listed
//! cases that pass fail the test (the list must shrink, not rot). Each suite
//! prints its count, which `.ci/run` checks. Needs `../shared/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use integration_tests::shared_dir;
use xtask::codegen::{workspace_root, write_files};

/// Cases expected to fail, with why.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

/// One suite: its folder under `conformance/`, its models (file, package),
/// the protocol the cases are for, and how many client cases it has.
struct Suite {
    name: &'static str,
    folder: &'static str,
    models: &'static [(&'static str, &'static str)],
    protocol: &'static str,
    client_cases: usize,
}

#[test]
fn awsjson1_1_compliance_suite() {
    run(&Suite {
        name: "awsJson1_1",
        folder: "awsjson1_1",
        models: &[("JsonProtocol.json", "json-protocol")],
        protocol: "aws.protocols#awsJson1_1",
        client_cases: 118,
    });
}

#[test]
fn rpcv2cbor_compliance_suite() {
    run(&Suite {
        name: "rpcv2Cbor",
        folder: "rpcv2cbor",
        models: &[
            ("RpcV2Protocol.json", "rpcv2-protocol"),
            ("QueryCompatibleRpcV2Protocol.json", "query-compatible-rpcv2-protocol"),
            ("NonQueryCompatibleRpcV2Protocol.json", "non-query-compatible-rpcv2-protocol"),
        ],
        protocol: "smithy.protocols#rpcv2Cbor",
        client_cases: 76,
    });
}

#[test]
fn restjson1_compliance_suite() {
    run(&Suite {
        name: "restJson1",
        folder: "restjson1",
        models: &[("RestJson.json", "rest-json-protocol")],
        protocol: "aws.protocols#restJson1",
        client_cases: 242,
    });
}

fn run(suite: &Suite) {
    let Some(shared) = shared_dir() else { return };
    let root = workspace_root();
    let dir = shared.join("conformance").join(suite.folder);
    let index: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("test-index.json")).unwrap()).unwrap();
    // (file, kind, id) of every case a client runs.
    let client_cases: Vec<(String, String, String)> = index["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["appliesTo"] != "server")
        .map(|t| {
            let file = t.get("file").and_then(|f| f.as_str()).unwrap_or(suite.models[0].0).to_owned();
            (file, t["kind"].as_str().unwrap().to_owned(), t["id"].as_str().unwrap().to_owned())
        })
        .collect();

    let out = root.join("target/compliance").join(suite.folder);
    let mut members = Vec::new();
    for (file, package) in suite.models {
        let model = std::fs::read_to_string(dir.join(file)).unwrap();
        let options = codegen::Options {
            package: Some((*package).to_owned()),
            runtime_path: root.join("runtime").display().to_string(),
            protocol_tests: true,
            protocol: Some(suite.protocol.to_owned()),
            ..codegen::Options::default()
        };
        let files = codegen::generate(&model, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
        write_files(&out.join(package), &files).unwrap();
        members.push(format!("\"{package}\""));
    }
    let manifest = format!("[workspace]\nmembers = [{}]\nresolver = \"2\"\n", members.join(", "));
    std::fs::write(out.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();

    // (package, test name) -> passed
    let mut results: BTreeMap<(String, String), bool> = BTreeMap::new();
    let mut stdout_all = String::new();
    for (_, package) in suite.models {
        let (stdout, stderr) = cargo_test(&out, package, &root);
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("test ") {
                if let Some((name, outcome)) = rest.split_once(" ... ") {
                    results.insert(((*package).to_owned(), name.to_owned()), outcome.trim() == "ok");
                }
            }
        }
        assert!(results.keys().any(|(p, _)| p == package), "the compliance crate {package} did not build or run:\n{stderr}\n{stdout}");
        stdout_all.push_str(&stdout);
    }

    let expected_name = |kind: &str, id: &str| {
        let module = match kind {
            "request" => "requests",
            "response" => "responses",
            _ => "errors",
        };
        format!("{module}::{}", codegen::naming::protocol_test(id).trim_start_matches("r#"))
    };
    let package_of = |file: &str| suite.models.iter().find(|(f, _)| *f == file).map(|(_, p)| *p).unwrap_or(suite.models[0].1);
    let mut problems = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for (file, kind, id) in &client_cases {
        let key = (package_of(file).to_owned(), expected_name(kind, id));
        let listed = EXPECTED_FAILURES.iter().find(|(n, _)| n == id);
        match (results.get(&key), listed) {
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
            (None, _) => problems.push(format!("{id} ({file}) has no generated test")),
        }
    }
    println!("{} compliance: {passed} passed, {failed} failed", suite.name);
    assert_eq!(client_cases.len(), suite.client_cases, "the suite's client cases");
    if !problems.is_empty() {
        let failures: Vec<&str> = stdout_all.split("failures:").skip(1).collect();
        panic!("{}\n\n{}", problems.join("\n"), failures.join("").chars().take(20_000).collect::<String>());
    }
}

/// Runs the protocol tests of one generated package; its stdout and stderr.
fn cargo_test(workspace: &Path, package: &str, root: &Path) -> (String, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["test", "--offline", "-p", package, "--features", "serde", "--test", "protocol_tests", "--", "--test-threads=2"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", root.join("target/nested"))
        .output()
        .unwrap();
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}
