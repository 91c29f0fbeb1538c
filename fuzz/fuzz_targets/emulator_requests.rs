//! The emulator's request handling: the first byte picks an operation and
//! whether the request is signed; the rest is the body. Signed requests get
//! through authentication, so the JSON reading and every rule are reached.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use mpkit_emulator::wire::{handle, Context};

const OPERATIONS: [&str; 5] = ["MeterUsage", "BatchMeterUsage", "ResolveCustomer", "RegisterUsage", "Unknown"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else { return };
    let operation = OPERATIONS[usize::from(first) % OPERATIONS.len()];
    let seller = first & 0x10 != 0;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut headers = mpkit_runtime::http::Headers::new();
    headers.append("Host", "127.0.0.1:1");
    headers.append("X-Amz-Target", format!("AWSMPMeteringService.{operation}"));
    let mut request =
        mpkit_runtime::http::HttpRequest { method: "POST".into(), uri: "http://127.0.0.1:1/".into(), headers, body: body.to_vec().into() };
    if first & 0x80 == 0 {
        let (key, secret) = if seller {
            ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only")
        } else {
            ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only")
        };
        let creds = mpkit_runtime::credentials::Credentials::new(key, secret, None, None, "fuzz");
        let _ = mpkit_runtime::test_util::internals::sign(&mut request, &creds, "us-east-1", "aws-marketplace", now);
    }
    let headers: Vec<(String, String)> = request.headers.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
    let incoming = mpkit_emulator::sigv4::Incoming {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: request.body.bytes().unwrap_or_default(),
    };
    let mut config = mpkit_emulator::Config::demo();
    let (mut state, mut limiter, mut faults, mut minted) = Default::default();
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
    assert!(serde_json::from_slice::<serde_json::Value>(&answer.body).is_ok());
});
