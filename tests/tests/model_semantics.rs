//! The golden `model_semantics` crate (tests/data/fixtures/model_semantics.json)
//! over real HTTP, each test one part of the Smithy model semantics as a JSON
//! AST states them: mixins left unflattened (a structure mixin that mixes in
//! another, a string mixin carrying `@length`), `apply` statements adding
//! traits to inherited and own members, recursive structures through a
//! member, a list and a map, a recursive union, documents, `@sparse` lists
//! and maps, and a `@default` of every kind the specification allows.
//!
//! The loopback server echoes what it is sent, or answers from the test.

use golden_model_semantics::config::{Credentials, Region};
use golden_model_semantics::error::{DisplayErrorContext, SdkError};
use golden_model_semantics::primitives::{Blob, DateTime, Document, Number};
use golden_model_semantics::types::{Color, Expr, Level, Node, Pair, Record};
use golden_model_semantics::{Client, Config};
use integration_tests::server::{Received, Reply, TestServer};
use serde_json::{json, Value};

const AKID: &str = "AKIDSEMANTICS";
const SECRET: &str = "semantics/secret";

fn client_for(server: &TestServer) -> Client {
    let config = Config::builder()
        .region(Region::new("eu-central-1"))
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url(server.url())
        .build();
    Client::from_conf(config)
}

fn body(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// Answers PutRecord with the record it was sent, and anything else with `answer`.
async fn server(answer: &'static str) -> TestServer {
    TestServer::start((AKID, SECRET), move |r| match r.header("x-amz-target") {
        Some("Catalog.PutRecord") => Reply::json(200, &json!({"Stored": body(r)["Record"]}).to_string()),
        _ => Reply::json(200, answer),
    })
    .await
}

fn leaf(label: &str) -> Node {
    Node::builder().label(label).build()
}

#[tokio::test]
async fn mixins_apply_recursion_documents_and_sparse_collections_round_trip() {
    let server = server("{}").await;
    let client = client_for(&server);
    let root = Node::builder()
        .label("root")
        .children(leaf("a"))
        .children(Node::builder().label("b").children(leaf("b1")).build())
        .next(Node::builder().label("next").next(leaf("next-next")).build())
        .index("first", leaf("indexed"))
        .build();
    let payload = Document::Object(
        [
            ("n".to_owned(), Document::Number(Number::NegInt(-3))),
            ("list".to_owned(), Document::Array(vec![Document::Null, Document::Bool(true), Document::Number(Number::Float(2.5))])),
            ("nested".to_owned(), Document::Object([("s".to_owned(), Document::from("x"))].into())),
        ]
        .into(),
    );
    let record = Record::builder()
        .created_by("ana")
        .created_at(DateTime::from_secs(1_700_000_000))
        .id("r-1")
        .payload(payload.clone())
        .root(root.clone())
        .tags("kept", Some("v".to_owned()))
        .tags("cleared", None)
        .scores(Some(1))
        .scores(None)
        .scores(Some(3))
        .build()
        .unwrap();
    let out = client.put_record().record(record.clone()).send().await.unwrap();

    let sent = body(&server.received()[0]);
    assert_eq!(
        sent["Record"],
        json!({
            "CreatedBy": "ana", "CreatedAt": 1700000000, "Version": 1, "Id": "r-1",
            "Payload": {"n": -3, "list": [null, true, 2.5], "nested": {"s": "x"}},
            "Root": {
                "Label": "root",
                "Children": [{"Label": "a"}, {"Label": "b", "Children": [{"Label": "b1"}]}],
                "Next": {"Label": "next", "Next": {"Label": "next-next"}},
                "Index": {"first": {"Label": "indexed"}},
            },
            "Tags": {"cleared": null, "kept": "v"},
            "Scores": [1, null, 3],
        }),
        "mixed-in members come first, a structure member's default is sent, and sparse nulls are kept"
    );
    let stored = out.stored().unwrap();
    assert_eq!(stored, &record, "what came back is what was sent");
    assert_eq!(stored.payload(), Some(&payload));
    assert_eq!(stored.root().unwrap().next().unwrap().next().unwrap().label(), Some("next-next"));
    assert_eq!(stored.tags().unwrap().get("cleared"), Some(&None));
    assert_eq!(stored.scores(), [Some(1), None, Some(3)]);
    assert_eq!(stored.version(), 1, "the mixin's member default");
}

#[tokio::test]
async fn traits_from_mixins_and_apply_are_checked_before_sending() {
    let server = server("{}").await;
    let client = client_for(&server);
    // `apply` made the inherited CreatedBy and the own Id required.
    let err = Record::builder().id("r").build().unwrap_err();
    assert!(err.to_string().contains("created_by"), "{err}");
    let err = Record::builder().created_by("ana").build().unwrap_err();
    assert!(err.to_string().contains("id"), "{err}");
    for (record, member) in [
        // The string mixin's @length (1 to 16) reaches CreatedBy through two structure mixins.
        (Record::builder().created_by("").id("r1").build().unwrap(), "created_by"),
        (Record::builder().created_by("a-name-longer-than-16").id("r1").build().unwrap(), "created_by"),
        // `apply` added @length(min: 2, max: 8) to Id, which counts characters, not bytes.
        (Record::builder().created_by("ana").id("nine-char").build().unwrap(), "id"),
        (Record::builder().created_by("ana").id("r").build().unwrap(), "id"),
        (Record::builder().created_by("ana").id("é").build().unwrap(), "id"),
        (Record::builder().created_by("ana").id("ééééééééé").build().unwrap(), "id"),
    ] {
        let err = client.put_record().record(record).send().await.unwrap_err();
        assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
        assert!(DisplayErrorContext(&err).to_string().contains(member), "{}", DisplayErrorContext(&err));
    }
    assert!(server.received().is_empty());
    // Two characters in four bytes, and eight in sixteen, are within 2 to 8 characters.
    for id in ["éé", "éééééééé", "😀😀"] {
        let record = Record::builder().created_by("ana").id(id).build().unwrap();
        client.put_record().record(record).send().await.unwrap_or_else(|e| panic!("{id}: {}", DisplayErrorContext(&e)));
    }
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn a_recursive_union_goes_out_and_comes_back() {
    let server = server(r#"{"Value":-1,"Simplified":{"Add":{"Left":{"Literal":1},"Right":{"Neg":{"Literal":2}}}}}"#).await;
    let client = client_for(&server);
    let expr = Expr::Sum(vec![
        Expr::Add(Box::new(Pair::builder().left(Expr::Literal(1)).right(Expr::Neg(Box::new(Expr::Literal(2)))).build().unwrap())),
        Expr::Literal(0),
    ]);
    let out = client.evaluate().expr(expr).send().await.unwrap();
    assert_eq!(
        body(&server.received()[0]),
        json!({"Expr": {"Sum": [{"Add": {"Left": {"Literal": 1}, "Right": {"Neg": {"Literal": 2}}}}, {"Literal": 0}]}})
    );
    assert_eq!(out.value(), Some(-1));
    let Some(Expr::Add(pair)) = out.simplified() else { panic!("{:?}", out.simplified()) };
    assert_eq!(pair.right(), &Expr::Neg(Box::new(Expr::Literal(2))));

    let unknown = server_with_variant().await;
    let out = client_for(&unknown).evaluate().expr(Expr::Literal(1)).send().await.unwrap();
    assert!(out.simplified().unwrap().is_unknown(), "a variant from a newer model is Unknown: {:?}", out.simplified());
}

async fn server_with_variant() -> TestServer {
    TestServer::start((AKID, SECRET), |_| Reply::json(200, r#"{"Simplified":{"Multiply":{"Left":{"Literal":1}}}}"#)).await
}

#[tokio::test]
async fn every_default_kind_fills_what_the_response_leaves_out_and_nothing_unset_is_sent() {
    let server = server("{}").await;
    let client = client_for(&server);
    let out = client.get_defaults().send().await.unwrap();
    assert_eq!(body(&server.received()[0]), json!({}), "defaults are not sent for the caller");

    assert_eq!((out.str(), out.bool(), out.byte(), out.short()), ("text", true, -8, 300));
    assert_eq!((out.int(), out.long(), out.float(), out.double()), (70_000, 5_000_000_000, 1.5, -2.25));
    assert_eq!((out.big_int(), out.big_dec()), ("12345678901234567890", "0.5"));
    assert_eq!(out.epoch_ts(), &DateTime::from_secs(1_700_000_000));
    assert_eq!(out.string_ts(), &DateTime::from_secs(1_709_208_000), "2024-02-29T12:00:00Z");
    assert_eq!(out.blob(), &Blob::new(*b"hello"));
    assert_eq!(out.doc_null(), None, "@default(null) means no default");
    assert_eq!(out.doc_bool(), &Document::Bool(false));
    assert_eq!(out.doc_string(), &Document::from("doc"));
    assert_eq!(out.doc_number(), &Document::Number(Number::PosInt(42)));
    assert_eq!(out.doc_list(), &Document::Array(vec![]));
    assert_eq!(out.doc_map(), &Document::Object(Default::default()));
    assert!(out.list().is_empty() && out.map().is_empty());
    assert_eq!((out.color(), out.level()), (&Color::Green, &Level::High));
}

#[tokio::test]
async fn values_the_response_carries_win_over_defaults_and_set_values_are_sent() {
    let server = server(
        r#"{"Str":"","Bool":false,"Int":0,"EpochTs":0,"Blob":"","DocList":[1],"List":["x"],"Color":"red","Level":1,"DocNull":null}"#,
    )
    .await;
    let client = client_for(&server);
    let out = client.get_defaults().str("").int(0).color(Color::Red).level(Level::Low).send().await.unwrap();
    assert_eq!(body(&server.received()[0]), json!({"Str": "", "Int": 0, "Color": "red", "Level": 1}));
    assert_eq!((out.str(), out.bool(), out.int()), ("", false, 0), "a zero the service sends is not replaced");
    assert_eq!(out.epoch_ts(), &DateTime::from_secs(0));
    assert_eq!(out.blob(), &Blob::new(Vec::new()));
    assert_eq!(out.doc_list(), &Document::Array(vec![Document::Number(Number::PosInt(1))]));
    assert_eq!(out.list(), ["x"]);
    assert_eq!((out.color(), out.level()), (&Color::Red, &Level::Low));
    assert_eq!(out.short(), 300, "members the response leaves out still take their default");
}
