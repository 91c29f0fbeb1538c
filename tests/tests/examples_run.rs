//! Every generated example program of both SDK crates runs against a local
//! endpoint: built with a nested cargo, started with its configuration in
//! environment variables, and answered by the loopback server, which checks
//! each signature. The paginated `GetEntitlements` example follows a token
//! to a second page.

use std::process::Command;

use integration_tests::server::{Reply, TestServer};
use xtask::codegen::workspace_root;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_example_calls_its_operation_against_a_local_endpoint() {
    let root = workspace_root();
    let target = root.join("target/nested");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let build = Command::new(&cargo)
        .args(["build", "--offline", "--quiet", "-p", "mpkit-metering", "-p", "mpkit-entitlement", "--examples"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));

    let server = TestServer::start(("AKIDEXAMPLES", "examples-secret"), |r| {
        // The Entitlement crate speaks RPC v2 CBOR: its operation is in the path.
        if r.target == "/service/AWSMPEntitlementService/operation/GetEntitlements" {
            let input = integration_tests::cbor_json::decode(&r.body).unwrap_or_default();
            let body = if input.get("NextToken").is_some() {
                serde_json::json!({"Entitlements":[{"Dimension":"seats","Value":{"IntegerValue":2}}]})
            } else {
                serde_json::json!({"Entitlements":[],"NextToken":"page-2"})
            };
            return Reply::cbor(200, &body);
        }
        let body = match r.header("x-amz-target").unwrap_or_default() {
            "AWSMPMeteringService.MeterUsage" => r#"{"MeteringRecordId":"ex-meter"}"#,
            "AWSMPMeteringService.BatchMeterUsage" => r#"{"Results":[],"UnprocessedRecords":[]}"#,
            "AWSMPMeteringService.RegisterUsage" => r#"{"Signature":"ex-signature"}"#,
            "AWSMPMeteringService.ResolveCustomer" => r#"{"CustomerAWSAccountId":"ex-account"}"#,
            other => return Reply::json(400, &format!(r#"{{"__type":"UnknownOperationException","message":"{other}"}}"#)),
        };
        Reply::json(200, body)
    })
    .await;
    let mut examples: Vec<String> = Vec::new();
    for krate in ["marketplacemetering", "marketplaceentitlement"] {
        for e in std::fs::read_dir(root.join("generated").join(krate).join("examples")).unwrap() {
            examples.push(e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    examples.sort();
    assert_eq!(examples, ["batch_meter_usage", "get_entitlements", "meter_usage", "register_usage", "resolve_customer"]);
    for name in &examples {
        let binary = target.join("debug/examples").join(name);
        let output = tokio::process::Command::new(&binary)
            .env_clear()
            .env("HOME", std::env::temp_dir())
            .env("AWS_ENDPOINT_URL", server.url())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLES")
            .env("AWS_SECRET_ACCESS_KEY", "examples-secret")
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{name}: {}{}", stdout, String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("Output {"), "{name} printed {stdout}");
        if name == "get_entitlements" {
            assert_eq!(stdout.matches("GetEntitlementsOutput {").count(), 2, "both pages printed: {stdout}");
            assert!(stdout.contains("\"seats\""), "the second page's entitlement printed: {stdout}");
        }
    }
    let received = server.received();
    assert_eq!(received.len(), 6, "one call per example, two for the paginated one");
    assert!(received.iter().all(|r| r.signature.is_ok()));
}
