//! Streaming payloads over real HTTP (the hyper transport) in both
//! directions, against a loopback server that holds its side back until
//! the test says: a caller reads a download's first chunk before the
//! server has sent the rest, and an upload's first chunk reaches the
//! server before the caller has made the next. Also what may be retried
//! (a file, again from its start; a one-shot stream, never), what is
//! refused before sending, the limits a streamed body keeps, and a
//! blocking client reading a stream.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use golden_streaming::config::timeout::TimeoutConfig;
use golden_streaming::config::{Credentials, Region};
use golden_streaming::error::{DisplayErrorContext, ProvideErrorMetadata};
use golden_streaming::primitives::ByteStream;
use golden_streaming::{Client, Config};
use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;

const AKID: &str = "AKIDSTREAM";
const SECRET: &str = "stream/secret/key";

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    signature: Result<(), String>,
}

#[derive(Default)]
struct State {
    seen: Mutex<Vec<Seen>>,
    /// An upload's first chunk has arrived.
    first_chunk: Notify,
    /// The test lets a held-back download go on.
    release: Notify,
    /// Uploads to `/objects/flaky` fail this many times first.
    failures_left: AtomicUsize,
    connections: AtomicUsize,
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into()).boxed()
}

/// A body whose chunks `feed` sends.
fn fed(feed: impl FnOnce(http_body_util::channel::Sender<Bytes, Infallible>) -> tokio::task::JoinHandle<()>) -> Body {
    let (sender, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(4);
    feed(sender);
    body.boxed()
}

async fn handle(state: Arc<State>, req: hyper::Request<hyper::body::Incoming>) -> Result<hyper::Response<Body>, Infallible> {
    let (parts, mut incoming) = req.into_parts();
    let mut body = Vec::new();
    while let Some(frame) = incoming.frame().await {
        let Ok(frame) = frame else { break };
        if let Some(data) = frame.data_ref() {
            if body.is_empty() && !data.is_empty() {
                state.first_chunk.notify_one();
            }
            body.extend_from_slice(data);
        }
    }
    let headers: Vec<(String, String)> =
        parts.headers.iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let path = parts.uri.path().to_owned();
    let signature = integration_tests::sigv4::verify(parts.method.as_str(), &path, "", &headers, &body, AKID, SECRET);
    let seen = Seen { method: parts.method.to_string(), path: path.clone(), headers: headers.into_iter().collect(), body, signature };
    state.seen.lock().unwrap().push(seen.clone());
    let reply = hyper::Response::builder();
    if let Err(why) = &seen.signature {
        return Ok(reply.status(403).body(full(format!(r#"{{"message":"{why}"}}"#))).unwrap());
    }
    Ok(match (seen.method.as_str(), path.as_str()) {
        ("PUT", "/objects/flaky") if state.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() => {
            reply.status(500).header("x-amzn-errortype", "InternalFailure").body(full("{}")).unwrap()
        }
        ("PUT", _) => reply.status(200).header("ETag", format!("\"{}\"", seen.body.len())).body(full("")).unwrap(),
        ("GET", "/objects/held") => {
            let state = state.clone();
            let body = fed(|mut tx| {
                tokio::spawn(async move {
                    let _ = tx.send_data(Bytes::from_static(b"first chunk;")).await;
                    state.release.notified().await;
                    let _ = tx.send_data(Bytes::from_static(b"second chunk")).await;
                })
            });
            reply.status(200).header("X-Note", "held back").body(body).unwrap()
        }
        ("GET", "/objects/big") => {
            let body = fed(|mut tx| {
                tokio::spawn(async move {
                    for i in 0..10u8 {
                        let _ = tx.send_data(Bytes::from(vec![i; 10_000])).await;
                    }
                })
            });
            reply.status(200).header("Content-Length", "100000").body(body).unwrap()
        }
        ("GET", "/objects/stalls") => {
            let body = fed(|mut tx| {
                tokio::spawn(async move {
                    let _ = tx.send_data(Bytes::from_static(b"a start")).await;
                    // Then nothing, with the connection open.
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    drop(tx);
                })
            });
            reply.status(200).body(body).unwrap()
        }
        ("GET", _) => {
            reply.status(404).header("x-amzn-errortype", "NoSuchKey").body(full(r#"{"Message":"no object has that key"}"#)).unwrap()
        }
        _ => reply.status(405).body(full("")).unwrap(),
    })
}

struct Server {
    url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(State::default());
    let shared = state.clone();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((stream, _)) = listener.accept().await {
            shared.connections.fetch_add(1, Ordering::SeqCst);
            let state = shared.clone();
            connections.spawn(async move {
                let service = service_fn(move |req| handle(state.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Server { url, state, task }
}

fn client(server: &Server, tune: impl FnOnce(golden_streaming::config::Builder) -> golden_streaming::config::Builder) -> Client {
    let builder = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url(&server.url);
    Client::from_conf(tune(builder).build())
}

/// Fails the test instead of hanging it when streaming does not happen.
async fn soon<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f).await.unwrap_or_else(|_| panic!("{what} did not happen: is the body buffered?"))
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("streaming-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("object");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_reaches_the_caller_before_the_server_has_sent_it_all() {
    let server = server().await;
    let client = client(&server, |b| b);
    let mut out = soon("the response head", client.get_object().key("held").send()).await.expect("the call succeeds");
    assert_eq!(out.note(), Some("held back"));
    let first = soon("the first chunk", out.body.try_next()).await.unwrap().unwrap();
    assert_eq!(&first[..], b"first chunk;", "read while the server still holds the rest back");
    server.state.release.notify_one();
    let rest = soon("the rest", out.body.collect()).await.unwrap().to_vec();
    assert_eq!(rest, b"second chunk");
    let seen = server.state.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].path.as_str(), seen[0].signature.clone()), ("/objects/held", Ok(())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_reaches_the_server_before_the_caller_has_made_it_all() {
    let server = server().await;
    let client = client(&server, |b| b);
    let (sender, stream) = ByteStream::channel(2);
    let call = tokio::spawn(client.put_object().key("chunked").note("from a channel").body(stream).send());
    sender.send(&b"made first, "[..]).await.unwrap();
    soon("the first chunk at the server", server.state.first_chunk.notified()).await;
    sender.send(&b"made after the server had the first"[..]).await.unwrap();
    drop(sender);
    let out = soon("the answer", call).await.unwrap().expect("the upload succeeds");
    assert_eq!(out.e_tag(), Some("\"47\""));
    let seen = server.state.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.body, b"made first, made after the server had the first");
    assert_eq!(seen.signature, Ok(()), "signed as UNSIGNED-PAYLOAD, which the server's verifier accepts");
    assert_eq!(seen.headers.get("x-amz-content-sha256").map(String::as_str), Some("UNSIGNED-PAYLOAD"));
    assert_eq!(seen.headers.get("transfer-encoding").map(String::as_str), Some("chunked"), "the length was not known");
    assert_eq!(seen.headers.get("content-type").map(String::as_str), Some("application/octet-stream"));
    assert_eq!(seen.headers.get("x-note").map(String::as_str), Some("from a channel"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_sent_with_its_length_and_sent_again_whole_on_a_retry() {
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let path = temp_file("retry", &content);
    let server = server().await;
    server.state.failures_left.store(1, Ordering::SeqCst);
    let client = client(&server, |b| b);
    let body = ByteStream::from_path(&path).await.unwrap();
    let out = client.put_object().key("flaky").body(body).send().await.expect("the second attempt succeeds");
    assert_eq!(out.e_tag(), Some("\"300000\""));
    let seen = server.state.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "a 500, then a retry from the file's start");
    for attempt in &seen {
        assert_eq!(attempt.body, content);
        assert_eq!(attempt.headers.get("content-length").map(String::as_str), Some("300000"));
        assert_eq!(attempt.signature, Ok(()));
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_shot_stream_is_not_retried_once_sent() {
    let server = server().await;
    server.state.failures_left.store(1, Ordering::SeqCst);
    let client = client(&server, |b| b);
    let (sender, stream) = ByteStream::channel(2);
    sender.send(&b"only once"[..]).await.unwrap();
    drop(sender);
    let err = client.put_object().key("flaky").body(stream).send().await.expect_err("the 500 is final");
    assert_eq!(err.code(), Some("InternalFailure"));
    assert_eq!(err.attempts(), 1, "{}", DisplayErrorContext(&err));
    assert_eq!(server.state.seen.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_unknown_length_is_refused_where_the_length_is_required() {
    let server = server().await;
    let client = client(&server, |b| b);
    let (_sender, stream) = ByteStream::channel(2);
    let err = client.put_sized_object().key("k").body(stream).send().await.expect_err("refused");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("PutSizedObject needs its payload's length"), "{text}");
    assert_eq!(server.state.connections.load(Ordering::SeqCst), 0, "nothing was sent");

    let path = temp_file("sized", b"twelve bytes");
    let out = client.put_sized_object().key("k").body(ByteStream::from_path(&path).await.unwrap()).send().await.unwrap();
    assert_eq!(out.e_tag(), Some("\"12\""));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_download_is_not_held_to_the_whole_body_cap_but_an_error_is_read_whole() {
    let server = server().await;
    let client = client(&server, |b| b.max_response_body_bytes(1_000));
    let out = client.get_object().key("big").send().await.expect("streamed, so not capped");
    assert_eq!(out.content_length(), Some(100_000));
    assert_eq!(out.body.content_length(), Some(100_000));
    let bytes = out.body.collect().await.unwrap().to_vec();
    assert_eq!(bytes.len(), 100_000);
    assert!(bytes.chunks(10_000).enumerate().all(|(i, c)| c.iter().all(|&b| b == i as u8)));

    let err = client.get_object().key("missing").send().await.expect_err("a 404");
    assert!(err.as_service_error().is_some_and(|e| e.is_no_such_key()), "{}", DisplayErrorContext(&err));
    assert_eq!(err.message(), Some("no object has that key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_stalls_fails_the_read_not_the_call() {
    let server = server().await;
    let timeouts = TimeoutConfig::builder().read_timeout(Duration::from_millis(300)).disable_stalled_stream_protection().build();
    let client = client(&server, |b| b.timeout_config(timeouts));
    let mut out = client.get_object().key("stalls").send().await.expect("the head came in time");
    assert_eq!(&out.body.try_next().await.unwrap().unwrap()[..], b"a start");
    let err = soon("the read timeout", out.body.try_next()).await.expect_err("the body stalled");
    let text = err.to_string();
    assert!(text.contains("read timeout of 300ms"), "{text}");
    assert!(out.body.try_next().await.unwrap().is_none(), "a failed stream ends");
}

#[test]
fn a_blocking_client_reads_a_stream_through_its_own_block_on() {
    // The server runs on a runtime of its own; the caller has none.
    let server_runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = server_runtime.block_on(server());
    let config = Config::builder()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url(&server.url)
        .build();
    let client = golden_streaming::blocking::Client::new(&config).unwrap();
    let mut out = client.block_on(client.get_object().key("held").send()).expect("the head");
    let first = client.block_on(out.body.try_next()).unwrap().unwrap();
    assert_eq!(&first[..], b"first chunk;");
    server.state.release.notify_one();
    // The connection is driven by the client's runtime while it waits here.
    let rest = client.block_on(out.body.collect()).unwrap().to_vec();
    assert_eq!(rest, b"second chunk");
    drop(server);
}
