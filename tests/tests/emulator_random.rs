//! Bounded random input through the emulator's request handling, with no
//! HTTP in between: valid requests of every operation mutated byte by byte,
//! signed (so the rules run, not only the signature check) or not, under
//! random targets. Nothing may panic; every answer is JSON with an error
//! type unless it succeeded; and the state never holds two records for one
//! hour. The seed of a failing run is printed.

use std::time::{Duration, SystemTime};

use integration_tests::random::{mutate, seeds, Rng};
use mpkit_emulator::faults::Faults;
use mpkit_emulator::quota::Limiter;
use mpkit_emulator::sigv4::Incoming;
use mpkit_emulator::state::State;
use mpkit_emulator::wire::{handle, Context};
use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::http::{Headers, HttpRequest};

const NOW: u64 = 1_700_000_000;

const VALID: &[(&str, &str, &str)] = &[
    (
        "MeterUsage",
        "buyer",
        r#"{"ProductCode":"prod-container-1","Timestamp":1699999000,"UsageDimension":"vcpu_hours","UsageQuantityAsDecimal":"1.5","ClientToken":"t1","UsageAllocations":[{"AllocatedUsageQuantityAsDecimal":"1.5","Tags":[{"Key":"k","Value":"v"}]}]}"#,
    ),
    (
        "MeterUsage",
        "buyer",
        r#"{"ProductCode":"prod-container-1","Timestamp":1699990000,"UsageDimension":"vcpu_hours","UsageQuantity":2,"DryRun":false}"#,
    ),
    (
        "BatchMeterUsage",
        "seller",
        r#"{"ProductCode":"prod-saas-1","UsageRecords":[{"Timestamp":1699996400,"CustomerIdentifier":"cust-alpha","Dimension":"users","QuantityAsDecimal":"3"},{"Timestamp":1699996400,"CustomerAWSAccountId":"777788889999","LicenseArn":"arn:aws:license-manager::777788889999:license:l-beta","Dimension":"storage_gb","Quantity":4}]}"#,
    ),
    ("ResolveCustomer", "seller", r#"{"RegistrationToken":"token-alpha"}"#),
    ("RegisterUsage", "buyer", r#"{"ProductCode":"prod-container-1","PublicKeyVersion":1,"Nonce":"n"}"#),
];

fn request(operation: &str, who: &str, body: Vec<u8>, signed: bool) -> (Vec<(String, String)>, Vec<u8>) {
    let mut headers = Headers::new();
    headers.append("Host", "127.0.0.1:1");
    headers.append("Content-Type", "application/x-amz-json-1.1");
    headers.append("X-Amz-Target", format!("AWSMPMeteringService.{operation}"));
    let mut request = HttpRequest { method: "POST".into(), uri: "http://127.0.0.1:1/".into(), headers, body: body.into() };
    if signed {
        let (key, secret) = if who == "seller" {
            ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only")
        } else {
            ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only")
        };
        let creds = Credentials::new(key, secret, None, None, "test");
        mpkit_runtime::test_util::internals::sign(
            &mut request,
            &creds,
            "us-east-1",
            "aws-marketplace",
            SystemTime::UNIX_EPOCH + Duration::from_secs(NOW),
        )
        .unwrap();
    }
    (request.headers.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect(), request.body.bytes().expect("a body in memory").to_vec())
}

#[test]
fn random_requests_never_panic_and_never_double_bill() {
    for seed in seeds() {
        println!("seed {seed:#x}");
        let mut rng = Rng(seed);
        let mut config = mpkit_emulator::Config::from_toml(&format!(
            "{}\n[quotas]\nmeter_usage = 0\nbatch_meter_usage = 0\nregister_usage = 0\n",
            mpkit_emulator::config::DEMO
        ))
        .unwrap();
        let (mut state, mut limiter, mut faults, mut minted) = (State::default(), Limiter::default(), Faults::default(), 0);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW);
        let mut successes = 0;
        for _ in 0..1500 {
            let (operation, who, valid) = VALID[rng.below(VALID.len())];
            let body = if rng.below(4) == 0 { valid.as_bytes().to_vec() } else { mutate(&mut rng, valid) };
            let operation = if rng.below(20) == 0 { rng.pick(&["Nope", "", "MeterUsage.", "meterusage"]) } else { operation };
            let (headers, body) = request(operation, who, body, rng.below(10) != 0);
            let incoming = Incoming { method: "POST", path: "/", query: "", headers: &headers, body: &body };
            let ctx = Context {
                config: &mut config,
                minted: &mut minted,
                state: &mut state,
                now,
                started: now,
                limiter: &mut limiter,
                faults: &mut faults,
            };
            let answer = handle(ctx, &incoming);
            let value: serde_json::Value = serde_json::from_slice(&answer.body)
                .unwrap_or_else(|e| panic!("seed {seed:#x}: not JSON ({e}): {}", String::from_utf8_lossy(&answer.body)));
            match answer.status {
                200 => successes += 1,
                400 | 409 | 500 => assert!(value["__type"].is_string() && value["message"].is_string(), "seed {seed:#x}: {value}"),
                other => panic!("seed {seed:#x}: status {other}: {value}"),
            }
        }
        assert!(successes > 0, "seed {seed:#x}: some requests must get through to the rules");
        let mut keys = std::collections::BTreeSet::new();
        for r in state.records().unwrap() {
            assert!(
                keys.insert((r.product.clone(), r.customer_account.clone(), r.dimension.clone(), r.hour)),
                "seed {seed:#x}: an hour billed twice"
            );
        }
    }
}
