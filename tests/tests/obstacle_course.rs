//! The obstacle course: shapes named after std and crate items (`Option`,
//! `Result`, `String`, `Vec`, `Box`, `Error`, `Client`, `Config`, `Default`),
//! members named after keywords and the generated API's own methods
//! (`type`, `self`, `send`, `build`, `meta`, `key`, `value`, ...), and an
//! operation named `Type`. That the golden crate compiles is most of the
//! test; this checks that the escaped names also work on the wire.

use awsjson_runtime::config::{Config, Region};
use awsjson_runtime::credentials::Credentials;
use awsjson_runtime::test_util::{json_response, ReplayClient};
use golden_obstacle_course::types::{Client as ClientEnum, Option as OptionShape};
use golden_obstacle_course::Client;

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
