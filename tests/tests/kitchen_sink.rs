//! awsJson serialisation and deserialisation of every shape kind, on exact
//! bytes, through the golden kitchen-sink crate (awsJson1_0).

use golden_kitchen_sink::error::SdkError;
use golden_kitchen_sink::primitives::{Blob, DateTime, Document};
use golden_kitchen_sink::types::{Choice, Color, Level, Nested};
use golden_kitchen_sink::Client;
use mpkit_runtime::config::{Config, Region, StaticTimeSource};
use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::http::{Headers, HttpResponse};
use mpkit_runtime::test_util::{json_response, Canned, ReplayClient};
use std::time::{Duration, UNIX_EPOCH};

fn client(answers: Vec<Canned>) -> (Client, ReplayClient) {
    let replay = ReplayClient::new(answers);
    let config = Config::builder()
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::for_tests())
        .time_source(StaticTimeSource(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
        .idempotency_token_provider(|| "token".to_owned())
        .http_client(replay.clone())
        .build();
    (Client::from_conf(config), replay)
}

fn nested(name: &str) -> Nested {
    Nested::builder().name(name).build().unwrap()
}

const FULL_BODY: &str = concat!(
    r#"{"Str":"abc","Blob":"Zm9v","Bool":true,"Byte":-1,"Short":300,"Int":7,"Long":9007199254740993,"#,
    r#""Float":1.5,"Double":"NaN","BigInt":123456789012345678901234567890,"BigDec":1.25,"#,
    r#""EpochTs":1700000000.5,"DateTimeTs":"2023-11-14T22:13:20Z","HttpTs":"Tue, 14 Nov 2023 22:13:20 GMT","#,
    r#""Doc":{"a":[1,-2,2.5,"x",true,null]},"Color":"green","Level":2,"#,
    r#""List":["a","b"],"SparseList":["a",null],"Map":{"k":"v"},"SparseMap":{"gone":null,"k":"v"},"EnumMap":{"red":1},"#,
    r#""TimestampList":["1970-01-01T00:00:00Z"],"#,
    r#""Nested":{"Name":"outer","Count":0,"Child":{"Name":"inner","Count":3}},"#,
    r#""Choice":{"Again":{"Text":"deep"}},"WithDefault":5,"Secret":"hush","Renamed":"r","Old":"o","#,
    r#""Token":"token","Required":"yes"}"#
);

// `Old` is deprecated in the model: setting it warns, which this test accepts.
#[allow(deprecated)]
#[tokio::test]
async fn every_shape_kind_serialises_to_exact_bytes_and_round_trips() {
    let (client, replay) = client(vec![json_response(200, FULL_BODY).into()]);
    let out = client
        .echo()
        .str("abc")
        .blob(Blob::new(*b"foo"))
        .bool(true)
        .byte(-1)
        .short(300)
        .int(7)
        .long(9_007_199_254_740_993)
        .float(1.5)
        .double(f64::NAN)
        .big_int("123456789012345678901234567890")
        .big_dec("1.25")
        .epoch_ts(DateTime::from_millis(1_700_000_000_500))
        .date_time_ts(DateTime::from_secs(1_700_000_000))
        .http_ts(DateTime::from_secs(1_700_000_000))
        .doc(Document::Object(
            [("a".to_owned(), Document::Array(vec![1i64.into(), (-2i64).into(), 2.5.into(), "x".into(), true.into(), Document::Null]))]
                .into(),
        ))
        .color(Color::Green)
        .level(Level::High)
        .list("a")
        .list("b")
        .sparse_list(Some("a".to_owned()))
        .sparse_list(None)
        .map("k", "v".to_owned())
        .sparse_map("k", Some("v".to_owned()))
        .sparse_map("gone", None)
        .enum_map(Color::Red, 1)
        .timestamp_list(DateTime::from_secs(0))
        .nested(Nested::builder().name("outer").child(Nested::builder().name("inner").count(3).build().unwrap()).build().unwrap())
        .choice(Choice::Again(Box::new(Choice::Text("deep".into()))))
        .with_default(5)
        .secret("hush")
        .renamed("r")
        .old("o")
        .required("yes")
        .send()
        .await
        .unwrap();
    let request = replay.single_request();
    assert_eq!(request.body_text(), FULL_BODY);
    assert_eq!(request.headers.get("content-type"), Some("application/x-amz-json-1.0"));
    assert_eq!(request.headers.get("x-amz-target"), Some("KitchenSink.Echo"));
    assert_eq!(request.uri, "https://sink.eu-west-1.amazonaws.com/");

    // The response is the request body: every value comes back as sent.
    assert_eq!(out.str(), Some("abc"));
    assert_eq!(out.blob().unwrap().as_ref(), b"foo");
    assert_eq!((out.bool(), out.byte(), out.short(), out.int()), (Some(true), Some(-1), Some(300), Some(7)));
    assert_eq!(out.long(), Some(9_007_199_254_740_993), "longs keep all 64 bits");
    assert_eq!(out.float(), Some(1.5));
    assert!(out.double().unwrap().is_nan());
    assert_eq!(out.big_int(), Some("123456789012345678901234567890"));
    assert_eq!(out.big_dec(), Some("1.25"));
    assert_eq!(out.epoch_ts(), Some(&DateTime::from_millis(1_700_000_000_500)));
    assert_eq!(out.date_time_ts(), Some(&DateTime::from_secs(1_700_000_000)));
    assert_eq!(out.http_ts(), Some(&DateTime::from_secs(1_700_000_000)));
    let Some(Document::Object(doc)) = out.doc() else { panic!("document lost: {:?}", out.doc()) };
    assert_eq!(doc["a"], Document::Array(vec![1i64.into(), (-2i64).into(), 2.5.into(), "x".into(), true.into(), Document::Null]));
    assert_eq!(out.color(), Some(&Color::Green));
    assert_eq!(out.level(), Some(&Level::High));
    assert_eq!(out.list(), ["a", "b"]);
    assert_eq!(out.sparse_list(), [Some("a".to_owned()), None], "sparse lists keep nulls");
    assert_eq!(out.map().unwrap()["k"], "v");
    assert_eq!(out.sparse_map().unwrap()["gone"], None, "sparse maps keep nulls");
    assert_eq!(out.enum_map().unwrap()[&Color::Red], 1);
    assert_eq!(out.timestamp_list(), [DateTime::from_secs(0)]);
    let n = out.nested().unwrap();
    assert_eq!((n.name(), n.count(), n.child().map(|c| (c.name(), c.count()))), ("outer", 0, Some(("inner", 3))));
    assert_eq!(out.choice(), Some(&Choice::Again(Box::new(Choice::Text("deep".into())))));
    assert_eq!(out.with_default(), 5);
    assert_eq!(out.secret(), Some("hush"));
    assert_eq!(out.renamed(), Some("r"), "awsJson ignores @jsonName");
}

#[tokio::test]
async fn responses_tolerate_nulls_unknowns_and_missing_members() {
    let body = r#"{"List":["a",null,"b"],"SparseList":[null],"Choice":{"NewMember":{"x":1}},"Color":"purple","Level":9,
        "Nested":{"Count":null},"Float":"-Infinity","Unknown":{"deep":[1,2,3]},"WithDefault":null,"__type":"ignored"}"#;
    let (client, _) = client(vec![json_response(200, body).into()]);
    let out = client.echo().required("r").send().await.unwrap();
    assert_eq!(out.list(), ["a", "b"], "dense lists drop nulls");
    assert_eq!(out.sparse_list(), [None]);
    assert!(out.choice().unwrap().is_unknown(), "unknown union members are kept as Unknown");
    assert_eq!(out.color().unwrap().as_str(), "purple");
    assert_eq!(out.level().unwrap().as_i32(), 9);
    let n = out.nested().unwrap();
    assert_eq!((n.name(), n.maybe(), n.count()), ("", None, 0), "required members are corrected to zero values");
    assert_eq!(out.float(), Some(f32::NEG_INFINITY));
    assert_eq!(out.with_default(), 5, "a missing member with a default takes it");
    assert_eq!(out.str(), None);
}

#[tokio::test]
async fn empty_input_and_output_are_empty_objects() {
    let (client, replay) = client(vec![json_response(200, "").into()]);
    #[allow(deprecated)]
    let result = client.no_input_output().send().await;
    result.unwrap();
    assert_eq!(replay.single_request().body_text(), "{}");
}

#[tokio::test]
async fn unknown_union_members_cannot_be_sent_back() {
    let (client, replay) = client(vec![json_response(200, r#"{"Choice":{"Future":1}}"#).into()]);
    let out = client.echo().required("r").send().await.unwrap();
    let unknown = out.choice().unwrap().clone();
    assert!(unknown.is_unknown());
    let err = client.echo().required("r").choice(unknown).send().await.unwrap_err();
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert_eq!(replay.requests().len(), 1, "the second call sent nothing");
}

#[tokio::test(start_paused = true)]
async fn retryable_modeled_errors_are_retried_and_others_are_not() {
    let busy = || -> Canned { json_response(503, r#"{"__type":"kitchen.sink#Busy","Message":"later"}"#).into() };
    let (c, replay) = client(vec![busy(), busy(), json_response(200, "{}").into()]);
    c.echo().required("r").send().await.unwrap();
    assert_eq!(replay.requests().len(), 3);

    let (c, replay) = client(vec![json_response(400, r#"{"__type":"BadInput","message":"nope","Field":"Str"}"#).into()]);
    let err = c.echo().required("r").send().await.unwrap_err().into_service_error();
    assert_eq!(replay.requests().len(), 1);
    let golden_kitchen_sink::operation::echo::EchoError::BadInput(bad) = &err else { panic!("{err:?}") };
    assert_eq!(bad.field(), Some("Str"));
    assert_eq!(bad.message(), Some("nope"));
    assert_eq!(err.to_string(), "BadInput: nope");

    let fault = || -> Canned { json_response(500, r#"{"__type":"ServiceFault","message":"boom"}"#).into() };
    let (c, _) = client(vec![fault(), fault(), fault()]);
    let err = c.fail().send().await.unwrap_err().into_service_error();
    assert!(err.is_service_fault(), "service-level errors belong to every operation: {err:?}");
}

#[test]
fn sensitive_values_are_redacted_in_debug() {
    let input = golden_kitchen_sink::operation::echo::EchoInput::builder().secret("hunter2").required("r").build().unwrap();
    let text = format!("{input:?}");
    assert!(!text.contains("hunter2") && text.contains("Redacted"), "{text}");
}

#[test]
fn builders_refuse_missing_required_members() {
    let err = Nested::builder().build().unwrap_err();
    assert_eq!(err.to_string(), "`name` was not set: name is required to build Nested");
    assert_eq!(nested("x").count(), 0, "a member with a default takes it");
    assert_eq!(nested("x").maybe(), None, "@clientOptional keeps a required member optional");
}

#[test]
fn added_defaults_are_what_getters_answer_but_only_set_values_are_sent() {
    let unset = nested("x");
    assert_eq!((unset.weight(), unset.label()), (7, "none"), "the model's defaults");
    assert!(unset.weight.is_none() && unset.label.is_none(), "the fields still say nothing was set");
    let set = Nested::builder().name("x").weight(0).label("").build().unwrap();
    assert_eq!((set.weight(), set.label()), (0, ""), "a value that was set wins, even the zero value");
}

#[test]
fn enums_expose_values_and_parse_unknowns() {
    assert_eq!(Color::values(), ["red", "green", "blue"]);
    assert_eq!(Color::from("green"), Color::Green);
    assert_eq!("teal".parse::<Color>().unwrap().as_str(), "teal");
    assert_eq!(Level::from(1), Level::Low);
    assert_eq!(Level::values(), [1, 2]);
}

#[test]
fn headers_helper_is_case_insensitive() {
    let mut h = Headers::new();
    h.append("X-Amzn-RequestId", "a");
    assert_eq!(HttpResponse::new(200, h, Vec::new()).request_id(), Some("a"));
}

#[tokio::test]
async fn paginators_follow_nested_tokens_and_stop_on_repeats() {
    let page = |names: &[&str], token: Option<&str>| -> Canned {
        let things: Vec<String> = names.iter().map(|n| format!(r#"{{"Name":"{n}"}}"#)).collect();
        let page = token.map(|t| format!(r#","Page":{{"NextToken":"{t}"}}"#)).unwrap_or_default();
        json_response(200, &format!(r#"{{"Things":[{}]{page}}}"#, things.join(","))).into()
    };
    let (c, replay) = client(vec![page(&["a", "b"], Some("t1")), page(&[], Some("t2")), page(&["c"], None)]);
    let items: Vec<_> = c.list_things().into_paginator().page_size(2).items().send().collect().await;
    let names: Vec<String> = items.into_iter().map(|r| r.unwrap().name().to_owned()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let bodies: Vec<String> = replay.requests().iter().map(|r| r.body_text()).collect();
    assert_eq!(bodies, [r#"{"MaxResults":2}"#, r#"{"NextToken":"t1","MaxResults":2}"#, r#"{"NextToken":"t2","MaxResults":2}"#]);

    // A service that hands back the token it was sent would loop forever; the stream stops instead.
    let (c, replay) = client(vec![page(&["x"], Some("same")), page(&["y"], Some("same")), page(&["z"], Some("same"))]);
    let pages = c.list_things().into_paginator().send().try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(replay.requests().len(), 2);
}

#[test]
fn error_traits_are_available_as_constants() {
    use golden_kitchen_sink::error::ErrorMetadata;
    use golden_kitchen_sink::types::error::{BadInput, Busy, ServiceFault};
    assert_eq!(BadInput::HTTP_STATUS, Some(400));
    assert_eq!(Busy::HTTP_STATUS, Some(503));
    assert_eq!((Busy::RETRYABLE, BadInput::RETRYABLE), (true, false));
    assert_eq!(ServiceFault::HTTP_STATUS, None);
    assert_eq!(format!("{:?}", BadInput::ERROR_KIND), "Client");
    assert_eq!(format!("{:?}", ServiceFault::ERROR_KIND), "Server");
    let built = BadInput::builder().message("m").meta(ErrorMetadata::builder().code("BadInput").build()).build();
    assert_eq!(built.to_string(), "BadInput: m");
}
