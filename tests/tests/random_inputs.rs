//! Bounded property tests on random input, run by the normal test suite so
//! CI exercises new random input every time: response bodies (random bytes,
//! random JSON shaped like the model, mutations of valid responses) through
//! every generated deserializer and the error parser; the JSON parser,
//! timestamps, base64, the profile parser and the endpoint rules. Nothing
//! may panic. Random BatchMeterUsage answers echoing random records must be
//! read exactly as written, whatever the string pool reuses. Each run uses fixed seeds plus one from the clock; a failure
//! prints the seed that reproduces it.

use integration_tests::random::{mutate, seeds, Rng};
use integration_tests::test_config;
use mpkit_metering::primitives::DateTime as Dt;
use mpkit_metering::Client;
use mpkit_runtime::http::{Headers, HttpResponse};
use mpkit_runtime::primitives::{base64_decode, DateTime, DateTimeFormat};
use mpkit_runtime::test_util::ReplayClient;

const KEYS: &[&str] = &[
    "MeteringRecordId",
    "Results",
    "UnprocessedRecords",
    "UsageRecord",
    "Status",
    "Timestamp",
    "CustomerIdentifier",
    "Dimension",
    "Quantity",
    "QuantityAsDecimal",
    "UsageAllocations",
    "AllocatedUsageQuantity",
    "Tags",
    "Key",
    "Value",
    "CustomerAWSAccountId",
    "LicenseArn",
    "PublicKeyRotationTimestamp",
    "Signature",
    "ProductCode",
    "Metadata",
    "AgreementId",
    "__type",
    "message",
    "Message",
    "code",
];
const CODES: &[&str] = &[
    "ThrottlingException",
    "InvalidProductCodeException",
    "com.amazonaws.marketplacemetering#InternalServiceErrorException",
    "TimestampOutOfBoundsException:http://x",
    "Unknown",
    "",
    "#",
    ":",
];

fn random_json(rng: &mut Rng, depth: usize) -> String {
    match if depth > 5 { rng.below(6) } else { rng.below(9) } {
        0 => "null".into(),
        1 => {
            if rng.below(2) == 0 {
                "true".into()
            } else {
                "false".into()
            }
        }
        2 => rng.pick(&["0", "-1", "1.5", "1e400", "-0", "2147483648", "99999999999999999999", "1.7E9", "NaN"]).into(),
        // Numbers far outside any timestamp's range, which once overflowed the epoch parser.
        8 if depth > 0 => long_number(rng),
        3 => format!("{:?}", rng.pick(&["", "x", "Success", "CustomerNotSubscribed", "2023-01-01T00:00:00Z", "\u{1F600}", "\\u0000"])),
        4 => format!("\"{}\"", rng.pick(CODES)),
        5 => rng.next_u64().to_string(),
        6 | 7 => {
            let n = rng.below(5);
            let items: Vec<String> = (0..n).map(|_| random_json(rng, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let n = rng.below(6);
            let entries: Vec<String> = (0..n).map(|_| format!("\"{}\":{}", rng.pick(KEYS), random_json(rng, depth + 1))).collect();
            format!("{{{}}}", entries.join(","))
        }
    }
}

/// A number of 15 to 60 digits, maybe negative, maybe with a fraction or an exponent.
fn long_number(rng: &mut Rng) -> String {
    let first = char::from(b'1' + rng.below(9) as u8);
    let rest: String = (0..14 + rng.below(46)).map(|_| char::from(b'0' + rng.below(10) as u8)).collect();
    let sign = if rng.below(2) == 0 { "-" } else { "" };
    let tail = rng.pick(&["", ".5", ".000000001", "e10", "E-3", "e400"]);
    format!("{sign}{first}{rest}{tail}")
}

const VALID: &[&str] = &[
    r#"{"MeteringRecordId":"m"}"#,
    r#"{"Results":[{"MeteringRecordId":"b","Status":"Success","UsageRecord":{"Timestamp":1700000000,"Dimension":"d","UsageAllocations":[{"AllocatedUsageQuantity":1,"Tags":[{"Key":"k","Value":"v"}]}]}}],"UnprocessedRecords":[]}"#,
    r#"{"PublicKeyRotationTimestamp":1700000000.5,"Signature":"s"}"#,
    r#"{"CustomerIdentifier":"c","ProductCode":"p","Metadata":{"AgreementId":"a"}}"#,
    r#"{"__type":"ThrottlingException","message":"slow"}"#,
];

#[tokio::test]
async fn random_responses_never_panic_any_deserializer() {
    for seed in seeds() {
        // Shown when the test fails: rerun with this seed to reproduce.
        println!("seed {seed:#x}");
        let mut rng = Rng(seed);
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        for _ in 0..300 {
            bodies.push(random_json(&mut rng, 0).into_bytes());
            let valid = VALID[rng.below(VALID.len())];
            bodies.push(mutate(&mut rng, valid));
            let len = rng.below(64);
            bodies.push((0..len).map(|_| (rng.next_u64() & 0xff) as u8).collect());
        }
        let responses: Vec<HttpResponse> = bodies
            .iter()
            .map(|b| {
                let status = [200, 200, 400, 500][rng.below(4)];
                let mut h = Headers::new();
                if rng.below(4) == 0 {
                    h.append("X-Amzn-Errortype", rng.pick(CODES));
                }
                HttpResponse::new(status, h, b.clone())
            })
            .collect();
        let count = responses.len();
        let replay = ReplayClient::new(responses);
        let config = test_config(&replay).to_builder().retry_config(mpkit_metering::config::retry::RetryConfig::disabled()).build();
        let client = Client::from_conf(config);
        for i in 0..count {
            // Each call takes the next canned body; any outcome but a panic is fine.
            let outcome = match i % 4 {
                0 => client
                    .meter_usage()
                    .product_code("p")
                    .timestamp(Dt::from_secs(0))
                    .usage_dimension("d")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                1 => client.resolve_customer().registration_token("t").send().await.map(|_| ()).map_err(|e| e.to_string()),
                2 => client.register_usage().product_code("p").public_key_version(1).send().await.map(|_| ()).map_err(|e| e.to_string()),
                _ => client
                    .batch_meter_usage()
                    .usage_records(
                        mpkit_metering::types::UsageRecord::builder().timestamp(Dt::from_secs(0)).dimension("d").build().unwrap(),
                    )
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            };
            if let Err(message) = outcome {
                assert!(!message.is_empty(), "seed {seed:#x}: an error without a message");
            }
        }
    }
}

#[test]
fn random_text_never_panics_the_parsers() {
    for seed in seeds() {
        println!("seed {seed:#x}");
        let mut rng = Rng(seed);
        for _ in 0..3000 {
            let len = rng.below(40);
            let alphabet = b"0123456789-:TZ.+ ,GMTMonJanAZaz/=[]#;\n\t\"{}\\e";
            let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())] as char).collect();
            let _ = mpkit_runtime::test_util::internals::parse_json(text.as_bytes());
            let _ = DateTime::from_str(&text, DateTimeFormat::DateTime);
            let _ = DateTime::from_str(&text, DateTimeFormat::HttpDate);
            let _ = DateTime::from_str(&text, DateTimeFormat::EpochSeconds);
            let _ = base64_decode(&text);
            let _ = mpkit_runtime::test_util::internals::parse_profile(&text, rng.below(2) == 0, "random");
            // Epoch seconds of any length are a value or a typed error, never an overflow.
            let number = long_number(&mut rng);
            if let Err(e) = DateTime::from_str(&number, DateTimeFormat::EpochSeconds) {
                assert!(!e.to_string().is_empty(), "seed {seed:#x}: {number}");
            }
            let _ = DateTime::try_from_secs_f64(f64::from_bits(rng.next_u64()));
        }
    }
}

#[tokio::test]
async fn random_endpoint_parameters_resolve_to_a_sane_host_or_fail_with_a_message() {
    const REGIONS: &[&str] = &["us-east-1", "cn-north-1", "us-gov-west-1", "eu-isoe-west-1", "aws-global", "us-iso-east-1", "local"];
    for seed in seeds() {
        println!("seed {seed:#x}");
        let mut rng = Rng(seed);
        for _ in 0..500 {
            let region: String = if rng.below(2) == 0 {
                rng.pick(REGIONS).to_owned()
            } else {
                let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-.@/:_ ";
                (0..rng.below(20)).map(|_| alphabet[rng.below(alphabet.len())] as char).collect()
            };
            let replay = ReplayClient::new([mpkit_runtime::test_util::json_response(200, r#"{"MeteringRecordId":"m"}"#)]);
            let config = mpkit_metering::Config::builder()
                .region(mpkit_metering::config::Region::new(region.clone()))
                .use_fips(rng.below(2) == 0)
                .use_dual_stack(rng.below(2) == 0)
                .credentials_provider(mpkit_metering::config::Credentials::for_tests())
                .http_client(replay.clone())
                .build();
            // The resolver runs on the first call of a client, through the production path.
            let outcome =
                Client::from_conf(config).meter_usage().product_code("p").timestamp(Dt::from_secs(0)).usage_dimension("d").send().await;
            match outcome {
                Ok(_) => {
                    let uri = replay.single_request().uri;
                    let host =
                        uri.strip_prefix("https://").and_then(|r| r.strip_suffix('/')).unwrap_or_else(|| panic!("seed {seed:#x}: {uri}"));
                    assert!(host.contains(&region), "seed {seed:#x}: {region:?} resolved to {uri}");
                    assert!(
                        host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'),
                        "seed {seed:#x}: {region:?} gave {uri}"
                    );
                }
                Err(e) => {
                    assert!(replay.requests().is_empty(), "seed {seed:#x}: {region:?} failed after sending");
                    assert!(!mpkit_metering::error::DisplayErrorContext(&e).to_string().is_empty());
                }
            }
        }
    }
}

/// Text of a JSON string holding `s`: plainly escaped, or with every
/// character as `\u` escapes (surrogate pairs beyond the first plane).
fn json_string(rng: &mut Rng, s: &str) -> String {
    if rng.below(3) > 0 {
        return serde_json::to_string(s).unwrap();
    }
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

/// BatchMeterUsage answers with the records it was sent, and the client
/// takes the answer's strings from the request's where they are equal
/// (`StringPool`). Whatever a random answer says (records echoed, changed,
/// left out or added, members in any order, strings escaped or not, values
/// repeated across records), the output holds exactly that.
#[tokio::test]
async fn random_echoed_answers_are_read_as_written() {
    const ACCOUNTS: &[&str] = &["123456789012", "210987654321", "é\"\\ \u{1}", "\u{1F600}x"];
    const DIMENSIONS: &[&str] = &["Hosts", "d", "hosts", "Hosts\n", "\u{1F600}"];
    for seed in seeds() {
        println!("seed {seed:#x}");
        let mut rng = Rng(seed);
        for _ in 0..50 {
            let sent: Vec<(&str, &str)> = (0..=rng.below(25)).map(|_| (rng.pick(ACCOUNTS), rng.pick(DIMENSIONS))).collect();
            // What the answer says, record by record: (id, account, dimension).
            let mut said: Vec<(String, Option<&str>, &str)> = Vec::new();
            for (i, &(account, dimension)) in sent.iter().enumerate() {
                match rng.below(6) {
                    0 => continue,
                    1 => said.push((format!("changed-{i}"), Some(rng.pick(ACCOUNTS)), rng.pick(DIMENSIONS))),
                    2 => said.push((format!("no-account-{i}"), None, dimension)),
                    _ => said.push((format!("m-{i}"), Some(account), dimension)),
                }
                if rng.below(8) == 0 {
                    said.push((format!("extra-{i}"), Some(rng.pick(ACCOUNTS)), rng.pick(DIMENSIONS)));
                }
            }
            let results: Vec<String> = said
                .iter()
                .map(|(id, account, dimension)| {
                    let mut members =
                        vec![r#""Timestamp":1700000000"#.to_owned(), format!(r#""Dimension":{}"#, json_string(&mut rng, dimension))];
                    if let Some(account) = account {
                        members.push(format!(r#""CustomerAWSAccountId":{}"#, json_string(&mut rng, account)));
                    }
                    // Members in a random order.
                    for i in (1..members.len()).rev() {
                        members.swap(i, rng.below(i + 1));
                    }
                    format!(
                        r#"{{"MeteringRecordId":{},"Status":"Success","UsageRecord":{{{}}}}}"#,
                        json_string(&mut rng, id),
                        members.join(",")
                    )
                })
                .collect();
            let body = format!(r#"{{"Results":[{}],"UnprocessedRecords":[]}}"#, results.join(","));
            let replay = ReplayClient::new(vec![HttpResponse::new(200, Headers::new(), body.clone().into_bytes())]);
            let client = Client::from_conf(test_config(&replay));
            let mut call = client.batch_meter_usage().product_code("Hosts");
            for &(account, dimension) in &sent {
                let record = mpkit_metering::types::UsageRecord::builder()
                    .timestamp(Dt::from_secs(1_700_000_000))
                    .customer_aws_account_id(account)
                    .dimension(dimension)
                    .quantity_as_decimal("1")
                    .build()
                    .unwrap();
                call = call.usage_records(record);
            }
            let out = call.send().await.unwrap_or_else(|e| panic!("seed {seed:#x}: {e}: {body}"));
            let read: Vec<(String, Option<&str>, &str)> = out
                .results()
                .iter()
                .map(|r| {
                    let u = r.usage_record().unwrap();
                    (r.metering_record_id().unwrap().to_owned(), u.customer_aws_account_id(), u.dimension())
                })
                .collect();
            assert_eq!(read, said, "seed {seed:#x}: {body}");
        }
    }
}
