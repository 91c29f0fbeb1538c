//! A generated RPC v2 CBOR crate (`tests/data/fixtures/cbor_numbers.json`)
//! over loopback, against a service that answers each request with its own
//! body: big integers beyond 64 bits (tags 2 and 3), big decimals (tag 4),
//! a sparse list of them, a map of them, timestamps, blobs and narrow
//! numbers go out and come back as they were; an operation without input
//! sends no body; a big number that is not a number is refused before
//! anything is sent.

use std::collections::HashMap;

use golden_cbor_numbers::config::{Credentials, Region};
use golden_cbor_numbers::error::{DisplayErrorContext, SdkError};
use golden_cbor_numbers::primitives::{Blob, DateTime};
use golden_cbor_numbers::{Client, Config};
use integration_tests::server::{Reply, TestServer};
use mpkit_runtime::test_util::cbor_diff::{decode, Item};

const KEYS: (&str, &str) = ("AKIDLEDGER", "ledger/secret");

async fn echo_server() -> TestServer {
    TestServer::start(KEYS, |r| Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/cbor".into()), ("smithy-protocol".into(), "rpc-v2-cbor".into())],
        body: r.body.clone(),
    })
    .await
}

fn client(server: &TestServer) -> Client {
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(KEYS.0, KEYS.1, None, None, "test"))
        .endpoint_url(server.url())
        .build();
    Client::from_conf(config)
}

/// The value of `key` in a decoded map.
fn member<'a>(item: &'a Item, key: &str) -> &'a Item {
    let Item::Map(entries) = item else { panic!("not a map: {item}") };
    &entries.iter().find(|(k, _)| *k == Item::Text(key.to_owned())).unwrap_or_else(|| panic!("no {key} in {item}")).1
}

#[tokio::test]
async fn big_numbers_and_their_neighbours_go_out_and_come_back() {
    let server = echo_server().await;
    let out = client(&server)
        .echo()
        .count("123456789012345678901234567890")
        .amount("-273.15")
        .amounts(Some("1e3".into()))
        .amounts(None)
        .amounts(Some("0.5".into()))
        .at(DateTime::from_millis(1_700_000_000_250))
        .data(Blob::new(vec![0, 1, 2, 255]))
        .small(-5)
        .ratio(1.5)
        .tags("debt", "-18446744073709551617".to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(out.count(), Some("123456789012345678901234567890"));
    assert_eq!(out.amount(), Some("-273.15"));
    assert_eq!(out.amounts(), [Some("1000".to_owned()), None, Some("0.5".to_owned())], "1e3 comes back as the decimal it is");
    assert_eq!(out.at(), Some(&DateTime::from_millis(1_700_000_000_250)));
    assert_eq!(out.data().map(|b| b.as_ref().to_vec()), Some(vec![0, 1, 2, 255]));
    assert_eq!((out.small(), out.ratio()), (Some(-5), Some(1.5)));
    assert_eq!(out.tags(), Some(&HashMap::from([("debt".to_owned(), "-18446744073709551617".to_owned())])));

    // On the wire: a bignum, a decimal fraction, a negative bignum, a timestamp.
    let sent = decode(&server.received()[0].body).unwrap();
    assert!(matches!(member(&sent, "Count"), Item::Tag(2, _)), "{sent}");
    let Item::Tag(4, fraction) = member(&sent, "Amount") else { panic!("{sent}") };
    assert_eq!(**fraction, Item::Array(vec![Item::Integer(-2), Item::Integer(-27315)]));
    assert!(matches!(member(member(&sent, "Tags"), "debt"), Item::Tag(3, _)), "{sent}");
    assert!(matches!(member(&sent, "At"), Item::Tag(1, _)), "{sent}");
    assert_eq!(member(&sent, "Data"), &Item::Bytes(vec![0, 1, 2, 255]));
}

#[tokio::test]
async fn no_input_means_no_body_and_a_bad_number_is_refused_before_sending() {
    let server = echo_server().await;
    client(&server).ping().send().await.unwrap();
    let ping = &server.received()[0];
    assert_eq!(ping.target, "/service/Ledger/operation/Ping");
    assert!(ping.body.is_empty() && ping.header("content-type").is_none(), "{:?}", ping.headers);
    assert_eq!(ping.header("smithy-protocol"), Some("rpc-v2-cbor"));

    let err = client(&server).echo().count("12 thousand").send().await.unwrap_err();
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert!(DisplayErrorContext(&err).to_string().contains("`12 thousand` is not a number"), "{}", DisplayErrorContext(&err));
    assert_eq!(server.received().len(), 1, "nothing more was sent");
}
