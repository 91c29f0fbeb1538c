//! The loopback server every client talks to: hyper on 127.0.0.1:0, on its
//! own thread with its own single-threaded runtime, answering each operation
//! with a canned response. It tracks its own CPU time and request count, so
//! the harness can report the server's cost and take it out of the clients'.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

pub const METER_RESPONSE: &str = r#"{"MeteringRecordId":"c9f6f0a3-1c2b-4d5e-8f90-123456789abc"}"#;

pub fn batch_response() -> String {
    let results: Vec<String> = (0..25)
        .map(|i| format!(r#"{{"MeteringRecordId":"rec-{i}","Status":"Success","UsageRecord":{{"Timestamp":1700000000,"CustomerAWSAccountId":"123456789012","Dimension":"Hosts","Quantity":{i}}}}}"#))
        .collect();
    format!(r#"{{"Results":[{}],"UnprocessedRecords":[]}}"#, results.join(","))
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    /// Requests answered, for sanity checks.
    #[allow(dead_code)]
    pub requests: Arc<AtomicU64>,
    /// The server thread's total CPU time in nanoseconds, as of its last request.
    pub cpu_nanos: Arc<AtomicU64>,
}

impl Server {
    pub fn start() -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicU64::new(0));
        let cpu_nanos = Arc::new(AtomicU64::new(0));
        let (r, c) = (requests.clone(), cpu_nanos.clone());
        let batch = Bytes::from(batch_response());
        let (cbor_page, json_page) = (Bytes::from(crate::entitlements::cbor_page()), Bytes::from(crate::entitlements::json_page()));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let _ = stream.set_nodelay(true);
                    let (r, c, batch) = (r.clone(), c.clone(), batch.clone());
                    let (cbor_page, json_page) = (cbor_page.clone(), json_page.clone());
                    tokio::spawn(async move {
                        let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                            let (r, c, batch) = (r.clone(), c.clone(), batch.clone());
                            let (cbor_page, json_page) = (cbor_page.clone(), json_page.clone());
                            async move {
                                let target = |op: &[u8]| req.headers().get("x-amz-target").is_some_and(|v| v.as_bytes().ends_with(op));
                                // The Entitlement Service's page, in the protocol the request came in.
                                let cbor = req.uri().path().starts_with("/service/");
                                let (body, content_type) = if let Some(body) = crate::catalog::body_for(req.uri().path()) {
                                    (Bytes::from(body), "application/json")
                                } else if cbor {
                                    (cbor_page, "application/cbor")
                                } else if target(b"GetEntitlements") {
                                    (json_page, "application/x-amz-json-1.1")
                                } else if target(b"BatchMeterUsage") {
                                    (batch, "application/x-amz-json-1.1")
                                } else {
                                    (Bytes::from_static(METER_RESPONSE.as_bytes()), "application/x-amz-json-1.1")
                                };
                                let _ = req.into_body().collect().await;
                                let mut response = hyper::Response::builder()
                                    .status(200)
                                    .header("content-type", content_type)
                                    .header("x-amzn-requestid", "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
                                if cbor {
                                    response = response.header("smithy-protocol", "rpc-v2-cbor");
                                }
                                let response = response.body(Full::new(body)).unwrap();
                                r.fetch_add(1, Ordering::Relaxed);
                                // The server thread's total CPU so far; the harness takes differences.
                                c.store((crate::cpu::thread() * 1e9) as u64, Ordering::Relaxed);
                                Ok::<_, Infallible>(response)
                            }
                        });
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
            });
        });
        Server { addr, requests, cpu_nanos }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server thread's CPU seconds so far.
    pub fn cpu(&self) -> f64 {
        self.cpu_nanos.load(Ordering::Relaxed) as f64 / 1e9
    }
}
