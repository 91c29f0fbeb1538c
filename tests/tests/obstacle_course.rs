//! The obstacle course: shapes named after std and crate items (`Option`,
//! `Result`, `String`, `Vec`, `Box`, `Error`, `Client`, `Config`, `Default`),
//! members named after keywords and the generated API's own methods
//! (`type`, `self`, `send`, `build`, `meta`, `key`, `value`, ...), and an
//! operation named `Type`. That the golden crate compiles is most of the
//! test; this checks that the escaped names also work on the wire.

use golden_obstacle_course::types::{Client as ClientEnum, Option as OptionShape};
use golden_obstacle_course::Client;
use mpkit_runtime::config::{Config, Region};
use mpkit_runtime::credentials::Credentials;
use mpkit_runtime::test_util::{json_response, ReplayClient};

#[tokio::test]
async fn escaped_names_use_the_model_names_on_the_wire() {
    let replay = ReplayClient::new(vec![json_response(
        200,
        r#"{"type":"t","send":"s","meta":"m","self":"me","Result":{"Ok":{"String":"fine"},"Err":{"message":"bad","meta":"x"}}}"#,
    )]);
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url("http://127.0.0.1:1")
        .http_client(replay.clone())
        .build();
    let client = Client::from_conf(config);
    let out = client
        .r#match()
        .r#type("t")
        .send_value("s")
        .build_value("b")
        .meta("m")
        .self_("me")
        .key("k")
        .value("v")
        .option(OptionShape::builder().some("x").build())
        .client(ClientEnum::UnknownValue)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.single_request().body_text(),
        r#"{"type":"t","send":"s","build":"b","meta":"m","self":"me","key":"k","value":"v","Option":{"Some":"x"},"Client":"Unknown"}"#
    );
    assert_eq!((out.r#type(), out.send(), out.meta(), out.self_()), (Some("t"), Some("s"), Some("m"), Some("me")));
    let result = out.result().unwrap();
    assert_eq!(result.ok().and_then(|s| s.string()), Some("fine"));
    assert_eq!(result.err().and_then(|e| e.meta_value()), Some("x"), "an error's `meta` member is renamed, not lost");
    let typed = client.r#type().default("d").send().await;
    assert!(typed.is_err(), "the replay client has no second answer");
}

/// `Probe`'s input is a structure named `ProbeRequest` whose member is a
/// structure named `ProbeInput`, the name of the operation's synthetic input:
/// their serialisers are kept apart (Glue's `TestConnection` is such a case).
#[tokio::test]
async fn a_structure_named_like_the_operations_input_is_its_own_shape() {
    let replay = ReplayClient::new(vec![json_response(200, r#"{"Depth":3}"#)]);
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url("http://127.0.0.1:1")
        .http_client(replay.clone())
        .build();
    let out = Client::from_conf(config)
        .probe()
        .probe_input(golden_obstacle_course::types::ProbeInput::builder().depth(2).build())
        .tags(Some("a".to_owned()))
        .tags(None)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.single_request().body_text(), r#"{"ProbeInput":{"Depth":2},"Tags":["a",null]}"#);
    assert_eq!(out.depth(), Some(3));
}

/// The obstacle course with `patch` applied to its shapes, through the whole generator.
fn generate_with(patch: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> Result<(), String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/fixtures/obstacle_course.json");
    let mut model: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture")).expect("JSON");
    patch(model["shapes"].as_object_mut().expect("shapes"));
    codegen::generate(&model.to_string(), &codegen::Options::default()).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn members_whose_methods_would_collide_are_refused_naming_the_shape() {
    assert_eq!(generate_with(|_| {}), Ok(()), "the course itself generates");

    // `Foo`'s getter and `GetFoo`'s setter would both be `get_foo`.
    let getter = generate_with(|shapes| {
        let members = shapes["obstacle.course#MatchRequest"]["members"].as_object_mut().expect("members");
        members.insert("Foo".into(), serde_json::json!({"target": "smithy.api#String"}));
        members.insert("GetFoo".into(), serde_json::json!({"target": "smithy.api#String"}));
    });
    let err = getter.expect_err("Foo and GetFoo must be refused");
    assert!(err.starts_with("name collision in the builder of synthetic.obstacle.course#MatchInput:"), "{err}");
    assert!(err.ends_with("would both be named `get_foo`"), "{err}");

    // An error member `SetMeta` would be a setter named like the builder's own `set_meta`.
    let setter = generate_with(|shapes| {
        let members = shapes["obstacle.course#Error"]["members"].as_object_mut().expect("members");
        members.insert("SetMeta".into(), serde_json::json!({"target": "smithy.api#String"}));
    });
    assert_eq!(
        setter.expect_err("SetMeta must be refused"),
        "name collision in the builder of obstacle.course#Error: the builder's own method and obstacle.course#Error$SetMeta would both be named `set_meta`"
    );
}
