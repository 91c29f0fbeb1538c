//! An in-process HTTP/1.1 server on `127.0.0.1:0` for tests: it records
//! every request, checks its SigV4 signature with the tests' own
//! implementation, and answers with whatever the test's responder says.
//! It stops when dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::sigv4;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The outcome of checking the signature.
    pub signature: Result<(), String>,
}

impl Received {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body (bytes: some protocols are not text).
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON reply with a request id.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("x-amzn-requestid".into(), "loopback-request-id".into()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    /// An RPC v2 CBOR reply of `body` (a JSON value written as CBOR), with a request id.
    pub fn cbor(status: u16, body: &serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![
                ("content-type".into(), "application/cbor".into()),
                ("smithy-protocol".into(), "rpc-v2-cbor".into()),
                ("x-amzn-requestid".into(), "loopback-request-id".into()),
            ],
            body: crate::cbor_json::encode(body),
        }
    }
}

type Responder = dyn Fn(&Received) -> Reply + Send + Sync;

/// The running server.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts a server; requests whose signature does not verify against
    /// `credentials` (access key, secret) get a 403 like AWS's.
    pub async fn start(credentials: (&str, &str), responder: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> TestServer {
        Self::start_with(Some(credentials), responder).await
    }

    /// Starts a server that checks no signatures (metadata and container endpoints).
    pub async fn start_open(responder: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> TestServer {
        Self::start_with(None, responder).await
    }

    async fn start_with(credentials: Option<(&str, &str)>, responder: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (shutdown, mut stop) = oneshot::channel::<()>();
        let responder: Arc<Responder> = Arc::new(responder);
        let credentials = credentials.map(|(a, s)| (a.to_owned(), s.to_owned()));
        let state = (received.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stop => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => continue,
                    },
                };
                state.1.fetch_add(1, Ordering::SeqCst);
                let (received, responder) = (state.0.clone(), responder.clone());
                let credentials = credentials.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (received, responder) = (received.clone(), responder.clone());
                        let credentials = credentials.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
                            let headers: Vec<(String, String)> = parts
                                .headers
                                .iter()
                                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                                .collect();
                            let target = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                            let signature = match &credentials {
                                Some((access_key, secret)) => {
                                    sigv4::verify(parts.method.as_str(), path, query, &headers, &body, access_key, secret)
                                }
                                None => Ok(()),
                            };
                            let got = Received { method: parts.method.to_string(), target: target.clone(), headers, body, signature };
                            let reply = match &got.signature {
                                Ok(()) => responder(&got),
                                Err(why) => Reply::json(
                                    403,
                                    &serde_json::json!({"__type": "InvalidSignatureException", "message": why}).to_string(),
                                ),
                            };
                            received.lock().unwrap().push(got);
                            let mut response = hyper::Response::builder().status(reply.status);
                            for (n, v) in &reply.headers {
                                response = response.header(n, v);
                            }
                            Ok::<_, Infallible>(response.body(Full::new(Bytes::from(reply.body))).unwrap())
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        TestServer { addr, received, connections, shutdown: Some(shutdown) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}
