//! The SigV4 header-signing vectors of `../shared/conformance/sigv4/v4`
//! through the project's signing integration (`mpkit_runtime::sign`),
//! and through the tests' own SigV4 implementation: the signed request's
//! headers, the canonical request, the string to sign and the signature
//! must all equal the expected files. Every vector whose request has the
//! shape of a service call (no query, a plain path, no payload-hash header,
//! the session token signed) also goes through `sign_cached`, the path every
//! call takes, which must produce the same signed headers. Needs `../shared/`.

use std::path::Path;
use std::time::SystemTime;

use integration_tests::shared_dir;
use integration_tests::sigv4::{parse_vector_request as parse_request, percent_decode, uri_encode};
use mpkit_emulator::sigv4::{canonical_request, expected_signature, parse_authorization, Incoming, PathRules};
use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::http::{Headers, HttpRequest};
use mpkit_runtime::primitives::{DateTime, DateTimeFormat};
use mpkit_runtime::test_util::internals::{sign_cached, sign_with, SigningKeyCache, SigningOptions};
use serde_json::Value;

/// Vectors left out, with why. Empty: every vector is expressible.
const LEFT_OUT: &[(&str, &str)] = &[];

/// How many vectors have the shape of a service call (see `has_service_call_shape`).
const EXPECTED_THROUGH_CACHED: usize = 13;

fn encode_query(query: &str) -> String {
    query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) => format!("{}={}", uri_encode(&percent_decode(k), false), uri_encode(&percent_decode(v), false)),
            None => uri_encode(&percent_decode(p), false),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether `sign_cached` signs this request itself rather than handing it to
/// the generic signer: the shape of a service call.
fn has_service_call_shape(parsed: &integration_tests::sigv4::VectorRequest, options: SigningOptions) -> bool {
    let plain_path = parsed.path.starts_with('/')
        && parsed.path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
        && !parsed.path.contains("/.")
        && !parsed.path.contains("//");
    parsed.query.is_empty() && plain_path && !options.payload_hash_header && options.sign_session_token
}

/// Runs one vector; `Ok(true)` when it also went through `sign_cached`.
fn run_vector(dir: &Path, cache: &SigningKeyCache) -> Result<bool, String> {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{f}: {e}"));
    let context: Value = serde_json::from_str(&read("context.json")?).map_err(|e| e.to_string())?;
    let creds = &context["credentials"];
    let token = creds["token"].as_str().map(str::to_owned);
    let credentials = Credentials::new(
        creds["access_key_id"].as_str().unwrap(),
        creds["secret_access_key"].as_str().unwrap(),
        token.clone(),
        None,
        "vectors",
    );
    let region = context["region"].as_str().unwrap();
    let service = context["service"].as_str().unwrap();
    let time: SystemTime =
        DateTime::from_str(context["timestamp"].as_str().unwrap(), DateTimeFormat::DateTime).unwrap().try_into().unwrap();
    let options = SigningOptions {
        normalize_uri_path: context["normalize"].as_bool().unwrap_or(true),
        double_uri_encode: false,
        payload_hash_header: context["sign_body"].as_bool().unwrap_or(false),
        sign_session_token: !context["omit_session_token"].as_bool().unwrap_or(false),
    };
    let parsed = parse_request(&read("request.txt")?);
    let host = parsed.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")).map(|(_, v)| v.clone()).unwrap();
    let mut headers = Headers::new();
    for (n, v) in &parsed.headers {
        headers.append(n.clone(), v.clone());
    }
    let query = if parsed.query.is_empty() { String::new() } else { format!("?{}", encode_query(&parsed.query)) };
    let mut request = HttpRequest {
        method: parsed.method.clone(),
        uri: format!("https://{host}{}{query}", uri_encode(&parsed.path, true)),
        headers,
        body: parsed.body.clone().into(),
    };
    let unsigned = request.clone();
    sign_with(&mut request, &credentials, region, service, time, options).map_err(|e| e.to_string())?;

    // The signed request's headers equal the expected signed request's.
    let expected_signed = read("header-signed-request.txt")?;
    let check = |request: &HttpRequest, path: &str| -> Result<(), String> {
        for line in expected_signed.lines().skip(1).take_while(|l| !l.is_empty()) {
            // Continuation lines of folded values carry no header name.
            let Some((name, value)) = line.split_once(':').filter(|_| !line.starts_with([' ', '\t'])) else { continue };
            if ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"].contains(&name.to_ascii_lowercase().as_str())
            {
                let got = request.headers.get(name);
                if got != Some(value) {
                    return Err(format!("{path}: {name}: expected {value}, got {got:?}"));
                }
            }
        }
        Ok(())
    };
    check(&request, "sign_with")?;
    let cached = has_service_call_shape(&parsed, options);
    if cached {
        let mut production = unsigned;
        sign_cached(&mut production, &credentials, region, service, time, cache).map_err(|e| e.to_string())?;
        check(&production, "sign_cached")?;
    }

    let mut signed_headers = parsed.headers.clone();
    let amz_date = request.headers.get("x-amz-date").unwrap().to_owned();
    signed_headers.push(("X-Amz-Date".into(), amz_date.clone()));
    if options.sign_session_token {
        if let Some(t) = &token {
            signed_headers.push(("X-Amz-Security-Token".into(), t.clone()));
        }
    }
    if options.payload_hash_header {
        signed_headers.push(("X-Amz-Content-Sha256".into(), request.headers.get("x-amz-content-sha256").unwrap().to_owned()));
    }
    // The emulator's verifier (independent of the signer) reproduces the canonical request and the signature.
    let incoming =
        Incoming { method: &parsed.method, path: &parsed.path, query: &parsed.query, headers: &signed_headers, body: &parsed.body };
    let auth = parse_authorization(request.headers.get("authorization").unwrap())?;
    let rules = PathRules { normalize: options.normalize_uri_path, double_encode: false };
    let canonical = canonical_request(&incoming, &auth.signed_headers, rules)?;
    let expected_canonical = read("header-canonical-request.txt")?;
    if canonical != expected_canonical {
        return Err(format!("canonical request differs:\n{canonical}\n--- expected\n{expected_canonical}"));
    }
    let sig = expected_signature(&incoming, &auth, creds["secret_access_key"].as_str().unwrap(), &amz_date, rules)?;
    if sig != read("header-signature.txt")?.trim() {
        return Err(format!("signature differs: {sig}"));
    }
    Ok(cached)
}

#[test]
fn sigv4_header_signing_vectors() {
    let Some(shared) = shared_dir() else { return };
    let root = shared.join("conformance/sigv4/v4");
    let mut names: Vec<String> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let (mut passed, mut through_cached, mut failures) = (0, 0, Vec::new());
    // One cache for all vectors, as one configuration's calls share one.
    let cache = SigningKeyCache::default();
    for name in &names {
        if LEFT_OUT.iter().any(|(n, _)| n == name) {
            continue;
        }
        match run_vector(&root.join(name), &cache) {
            Ok(cached) => {
                passed += 1;
                through_cached += usize::from(cached);
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!(
        "sigv4 vectors: {passed} passed ({through_cached} also through sign_cached), {} failed, {} left out",
        failures.len(),
        LEFT_OUT.len()
    );
    assert!(failures.is_empty(), "{} of {} vectors failed:\n{}", failures.len(), names.len(), failures.join("\n\n"));
    assert_eq!(passed + LEFT_OUT.len(), names.len());
    assert_eq!(names.len(), 38);
    // Which vectors have a service call's shape is a fact of the suite; a change here means the selection broke.
    assert_eq!(through_cached, EXPECTED_THROUGH_CACHED, "vectors signed through sign_cached");
}
