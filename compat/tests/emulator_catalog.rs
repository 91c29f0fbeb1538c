//! The official aws-sdk-marketplacecatalog and ours against the emulator's
//! Catalog API (restJson1): one seller's program, written for the official
//! crate and compiled against each, finds a product with a filtered, paged
//! `ListEntities`, submits a private offer's change set, follows it with
//! `DescribeChangeSet` while the emulator's clock moves, reads the offer
//! with `DescribeEntity`, and meets the service's errors. Each crate runs
//! against its own emulator (the same configuration and clock) through a
//! loopback recorder: both must send the same requests (method, path,
//! query, JSON body) and see the same outputs. The emulator verifies every
//! request's SigV4 signature.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only");
const TOKEN: &str = "5f2b8d1e-3c4a-4e6f-9a7b-0c1d2e3f4a5b";

// The document type is the one name a port changes besides the crate's:
// the official crate takes `aws_smithy_types::Document`, ours its `primitives::Document`.
macro_rules! seller_program {
    ($c:ident, $document:path, $url:expr, $clock:expr) => {
        async {
            use $document as Document;
            // A document's maps in key order: both crates hold them in a HashMap.
            fn show(d: &Document) -> String {
                match d {
                    Document::Object(m) => {
                        let mut entries: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}: {}", show(v))).collect();
                        entries.sort();
                        format!("{{{}}}", entries.join(", "))
                    }
                    other => format!("{other:?}"),
                }
            }
            use $c::types::{Change, Entity, Filter};
            let config = aws_config::defaults(BehaviorVersion::latest())
                .region("us-east-1")
                .credentials_provider(Credentials::new(SELLER.0, SELLER.1, None, None, "test"))
                .endpoint_url($url)
                .load()
                .await;
            let client = $c::Client::new(&config);
            let mut seen = Vec::new();
            let pages = client
                .list_entities()
                .catalog("AWSMarketplace")
                .entity_type("SaaSProduct")
                .filter_list(Filter::builder().name("Visibility").value_list("Public").build())
                .into_paginator()
                .page_size(3)
                .send()
                .try_collect()
                .await?;
            for page in &pages {
                for e in page.entity_summary_list() {
                    seen.push(format!(
                        "{:?} {:?} {:?} {:?} {:?}",
                        e.entity_id(),
                        e.entity_type(),
                        e.name(),
                        e.visibility(),
                        e.entity_arn()
                    ));
                }
                seen.push(format!("page ends with a token: {}", page.next_token().is_some()));
            }
            let details = |pairs: &[(&str, &str)]| {
                Document::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), Document::String((*v).to_owned()))).collect::<HashMap<_, _>>())
            };
            let offer = |change_type: &str, d: Document| {
                Change::builder()
                    .change_type(change_type)
                    .entity(Entity::builder().r#type("Offer@1.0").identifier("$CreateOfferChange.Entity.Identifier").build().unwrap())
                    .details_document(d)
                    .build()
                    .unwrap()
            };
            let started = client
                .start_change_set()
                .catalog("AWSMarketplace")
                .change_set_name("private offer")
                .client_request_token(TOKEN)
                .change_set(
                    Change::builder()
                        .change_type("CreateOffer")
                        .change_name("CreateOfferChange")
                        .entity(Entity::builder().r#type("Offer@1.0").build().unwrap())
                        .details_document(details(&[("ProductId", "prod-saas-1")]))
                        .build()
                        .unwrap(),
                )
                .change_set(offer("UpdateInformation", details(&[("Name", "Private offer")])))
                .change_set(offer("ReleaseOffer", details(&[])))
                .send()
                .await?;
            let id = started.change_set_id().unwrap_or_default().to_owned();
            seen.push(format!("{:?} {:?}", started.change_set_id(), started.change_set_arn()));
            let mut offer_id = String::new();
            for _ in 0..3 {
                let d = client.describe_change_set().catalog("AWSMarketplace").change_set_id(&id).send().await?;
                seen.push(format!(
                    "{:?} {:?} {:?} {:?} {:?} {:?}",
                    d.status(),
                    d.change_set_name(),
                    d.intent(),
                    d.start_time(),
                    d.end_time(),
                    d.change_set().iter().map(|c| (c.change_type(), c.entity().and_then(|e| e.identifier()))).collect::<Vec<_>>()
                ));
                if let Some(id) = d.change_set().first().and_then(|c| c.entity()).and_then(|e| e.identifier()) {
                    offer_id = id.to_owned();
                }
                $clock.fetch_add(3, Ordering::SeqCst);
            }
            let e = client.describe_entity().catalog("AWSMarketplace").entity_id(&offer_id).send().await?;
            seen.push(format!(
                "{:?} {:?} {:?} {:?}",
                e.entity_type(),
                e.entity_identifier(),
                e.last_modified_date(),
                e.details_document().map(show)
            ));
            let err = client.describe_entity().catalog("AWSMarketplace").entity_id("offer-none").send().await.expect_err("no such offer");
            use $c::error::ProvideErrorMetadata;
            let err = err.into_service_error();
            seen.push(format!("{} {:?} {:?}", err.is_resource_not_found_exception(), err.code(), err.message()));
            let err = client
                .start_change_set()
                .catalog("Elsewhere")
                .client_request_token(TOKEN)
                .change_set(offer("ReleaseOffer", details(&[])))
                .send()
                .await
                .expect_err("not the catalog")
                .into_service_error();
            seen.push(format!("{} {:?}", err.is_validation_exception(), err.code()));
            Ok::<_, $c::Error>(seen)
        }
    };
}

/// One request as the recorder saw it: method, path, query parameters and body (as JSON, when there is one).
type Recorded = (String, String, BTreeMap<String, String>, Option<serde_json::Value>);

/// A loopback HTTP/1.1 recorder in front of `upstream`: each request is
/// noted, then sent on as it came, and the answer returned as it came.
async fn recorder(upstream: String) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (upstream, seen) = (upstream.clone(), seen.clone());
            tokio::spawn(async move {
                let mut server = TcpStream::connect(upstream.trim_start_matches("http://")).await.unwrap();
                let mut client = client;
                while let Some(request) = read_message(&mut client).await {
                    seen.lock().unwrap().push(parse_request(&request));
                    server.write_all(&request).await.unwrap();
                    let Some(answer) = read_message(&mut server).await else { return };
                    client.write_all(&answer).await.unwrap();
                }
            });
        }
    });
    (url, log)
}

/// One HTTP/1.1 message (head and a `Content-Length` body), or `None` at the end of the stream.
async fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse().unwrap()).unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    buf.extend(body);
    Some(buf)
}

fn parse_request(raw: &[u8]) -> Recorded {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let mut parts = head.lines().next().unwrap().split(' ');
    let (method, target) = (parts.next().unwrap().to_owned(), parts.next().unwrap());
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query =
        query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap()).collect();
    let body = (!body.is_empty()).then(|| serde_json::from_slice(body).expect("a JSON body"));
    (method, path.to_owned(), query, body)
}

/// An emulator with the demo configuration on a clock the program moves,
/// from `start` (the clients sign with the real time, so the clock starts there).
async fn emulator(start: u64) -> (mpkit_emulator::Running, Arc<AtomicU64>) {
    let seconds = Arc::new(AtomicU64::new(start));
    let read = seconds.clone();
    let clock = Arc::new(move || UNIX_EPOCH + Duration::from_secs(read.load(Ordering::SeqCst)));
    let running = mpkit_emulator::start_with_clock(mpkit_emulator::Config::demo(), "127.0.0.1:0".parse().unwrap(), clock).await.unwrap();
    (running, seconds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_crates_send_the_same_requests_and_see_the_same_catalog() {
    let start = std::time::SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (theirs_emulator, theirs_clock) = emulator(start).await;
    let (theirs_url, theirs_log) = recorder(theirs_emulator.url()).await;
    let theirs =
        seller_program!(official_catalog, aws_smithy_types::Document, theirs_url, theirs_clock).await.expect("the official crate's calls");

    let (ours_emulator, ours_clock) = emulator(start).await;
    let (ours_url, ours_log) = recorder(ours_emulator.url()).await;
    let mine = seller_program!(ours_catalog, ours_catalog::primitives::Document, ours_url, ours_clock).await.expect("our calls");

    let (theirs_requests, our_requests) = (theirs_log.lock().unwrap().clone(), ours_log.lock().unwrap().clone());
    assert_eq!(our_requests.len(), 9, "{our_requests:#?}");
    for (i, (a, b)) in our_requests.iter().zip(&theirs_requests).enumerate() {
        assert_eq!(a, b, "request {i} differs");
    }
    assert_eq!(our_requests.len(), theirs_requests.len());
    assert_eq!(mine, theirs);
    assert!(theirs.iter().any(|l| l.starts_with("Some(Succeeded)")), "{theirs:#?}");
    assert!(theirs.iter().any(|l| l.starts_with(r#"true Some("ResourceNotFoundException")"#)), "{theirs:#?}");
    theirs_emulator.stop().await;
    ours_emulator.stop().await;
}
