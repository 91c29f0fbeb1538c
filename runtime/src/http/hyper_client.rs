//! `HyperClient`: the production transport. hyper 1 with hyper-util's pooled
//! client on tokio, HTTP/1.1 keep-alive, and rustls with `ring` (offering
//! what `tls.rs` chooses) and bundled web roots, so building needs no cmake,
//! nasm or OpenSSL.
//! Plain `http://` works too, for local endpoints.
//!
//! What a response may cost is bounded: the body is capped
//! ([`DEFAULT_MAX_RESPONSE_BODY`] unless set otherwise), every wait for bytes
//! is bounded by the read timeout, and a body that keeps sending too slowly
//! to matter is cut off by stalled-stream protection.

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::proxy::{ProxyConfig, ProxyConnector};
use super::streaming::{IncomingSource, OutgoingBody, ReadLimits, Throughput};
use crate::http::{
    BoxFuture, CaBundle, ConnectorError, ConnectorErrorKind, Headers, HttpClient, HttpRequest, HttpResponse, StreamingResponse,
};
use crate::primitives::ByteStream;
use crate::timeout::{MinimumThroughput, TimeoutConfig};

type Connector = hyper_rustls::HttpsConnector<ProxyConnector>;

/// The default cap on a response body: far above any awsJson metering or
/// credentials response (a few kilobytes), far below what would hurt.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 4 * 1024 * 1024;

/// An HTTP client over hyper and rustls, with a connection pool.
///
/// Clones share the pool. The connect timeout bounds the TCP and TLS set-up;
/// the read timeout bounds every wait for bytes, for the response head and
/// for each piece of the body, so a server that stalls cannot hold a call.
#[derive(Clone)]
pub struct HyperClient {
    client: Client<Connector, OutgoingBody>,
    read_timeout: Option<Duration>,
    stalled_stream: Option<MinimumThroughput>,
    max_body: usize,
    proxies: Arc<ProxyConfig>,
}

impl std::fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperClient")
            .field("read_timeout", &self.read_timeout)
            .field("stalled_stream", &self.stalled_stream)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl HyperClient {
    /// A client with the connect and read timeouts and the stalled-stream
    /// protection of `timeouts`, and the default body cap.
    pub fn new(timeouts: &TimeoutConfig) -> Result<Self, ConnectorError> {
        Self::with_roots(timeouts, &CaBundle::default())
    }

    /// [`new`](Self::new), also trusting the roots of `extra` beside the web roots.
    pub fn with_roots(timeouts: &TimeoutConfig, extra: &CaBundle) -> Result<Self, ConnectorError> {
        Self::with_network(timeouts, extra, &ProxyConfig::none())
    }

    /// [`with_roots`](Self::with_roots), reaching endpoints through `proxies`.
    pub fn with_network(timeouts: &TimeoutConfig, extra: &CaBundle, proxies: &ProxyConfig) -> Result<Self, ConnectorError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(timeouts.connect_timeout());
        let tls_failed = |e: &dyn std::fmt::Display| ConnectorError::new(ConnectorErrorKind::Other, format!("TLS set-up failed: {e}"));
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for cert in extra.certificates() {
            roots.add(cert.clone()).map_err(|e| tls_failed(&format!("a certificate of the CA bundle is not a usable root: {e}")))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(super::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_failed(&e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(ProxyConnector { inner: http, proxies: Arc::new(proxies.clone()) });
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(90)).build(https);
        Ok(HyperClient {
            client,
            read_timeout: timeouts.read_timeout(),
            stalled_stream: timeouts.stalled_stream_protection(),
            max_body: DEFAULT_MAX_RESPONSE_BODY,
            proxies: Arc::new(proxies.clone()),
        })
    }

    /// Refuses response bodies longer than `bytes`.
    pub fn with_max_response_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// What reading a body is held to.
    fn limits(&self) -> ReadLimits {
        ReadLimits { read_timeout: self.read_timeout, stalled_stream: self.stalled_stream }
    }

    /// Sends `request` and waits for the response head.
    async fn send_head(&self, request: HttpRequest) -> Result<(http::response::Parts, hyper::body::Incoming), ConnectorError> {
        let mut builder = http::Request::builder().method(request.method.as_str()).uri(request.uri.as_str());
        for (name, value) in request.headers.iter() {
            builder = builder.header(name, value);
        }
        let body = match request.body.shared_bytes() {
            Some(bytes) => OutgoingBody::Bytes(Some(bytes)),
            None => match request.body.take_stream() {
                Some(stream) => OutgoingBody::Stream { length: request.body.content_length(), stream },
                None => {
                    return Err(ConnectorError::new(
                        ConnectorErrorKind::Other,
                        "the request body is a stream an earlier attempt already sent, and it cannot be read again",
                    ))
                }
            },
        };
        let mut req = builder.body(body).map_err(|e| ConnectorError::new(ConnectorErrorKind::Other, format!("invalid request: {e}")))?;
        // A plain-HTTP request through a proxy carries the proxy's credentials
        // itself; an HTTPS one sent them in its CONNECT. The URI is the one the
        // builder already parsed.
        if req.uri().scheme_str() == Some("http") {
            let (host, port) = (req.uri().host().unwrap_or_default(), req.uri().port_u16().unwrap_or(80));
            let auth = self.proxies.for_endpoint("http", host, port).and_then(|p| p.authorization.clone());
            if let Some(value) = auth.and_then(|a| http::HeaderValue::from_str(&a).ok()) {
                req.headers_mut().insert(http::header::PROXY_AUTHORIZATION, value);
            }
        }
        let response = within(self.read_timeout, "the response head", self.client.request(req)).await?.map_err(classify)?;
        Ok(response.into_parts())
    }

    /// Sends `request` and reads the whole response.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let (parts, body) = self.send_head(request).await?;
        self.read_whole(parts, body).await
    }

    /// Sends `request`; a successful response's body is left to the caller.
    async fn send_streaming(&self, request: HttpRequest) -> Result<StreamingResponse, ConnectorError> {
        let (parts, body) = self.send_head(request).await?;
        if !parts.status.is_success() {
            return Ok(StreamingResponse { head: self.read_whole(parts, body).await?, body: None });
        }
        let length = content_length(&parts);
        let limits = self.limits();
        let stream = ByteStream::from_source(IncomingSource::new(body, limits, length));
        Ok(StreamingResponse { head: HttpResponse::new(parts.status.as_u16(), headers_of(&parts), Vec::new()), body: Some(stream) })
    }

    async fn read_whole(&self, parts: http::response::Parts, body: hyper::body::Incoming) -> Result<HttpResponse, ConnectorError> {
        let declared = content_length(&parts);
        if declared.is_some_and(|n| n > self.max_body as u64) {
            return Err(too_large(self.max_body));
        }
        let bytes = self.read_body(body, declared.unwrap_or(0) as usize).await?;
        Ok(HttpResponse::new(parts.status.as_u16(), headers_of(&parts), bytes))
    }
}

fn content_length(parts: &http::response::Parts) -> Option<u64> {
    parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
}

fn headers_of(parts: &http::response::Parts) -> Headers {
    let mut headers = Headers::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        headers.append(name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    headers
}

impl HyperClient {
    /// Reads the whole body under the cap, the read timeout and the
    /// stalled-stream protection.
    async fn read_body(&self, mut body: hyper::body::Incoming, expected: usize) -> Result<Vec<u8>, ConnectorError> {
        let mut bytes = Vec::with_capacity(expected.min(self.max_body));
        let mut throughput = self.stalled_stream.map(Throughput::new);
        let limits = self.limits();
        loop {
            let frame = match limits.wait() {
                None => body.frame().await,
                Some(limit) => match tokio::time::timeout(limit, body.frame()).await {
                    Ok(frame) => frame,
                    Err(_) => return Err(limits.waited_too_long(limit)),
                },
            };
            let Some(frame) = frame else { return Ok(bytes) };
            let frame = frame.map_err(|e| classify_hyper(&e, e.to_string()))?;
            if let Some(data) = frame.data_ref() {
                if bytes.len() + data.len() > self.max_body {
                    return Err(too_large(self.max_body));
                }
                bytes.extend_from_slice(data);
                if let Some(t) = throughput.as_mut() {
                    if t.record(tokio::time::Instant::now(), data.len()) {
                        return Err(super::streaming::stalled(limits.stalled_stream));
                    }
                }
            }
        }
    }
}

fn too_large(limit: usize) -> ConnectorError {
    ConnectorError::new(
        ConnectorErrorKind::Other,
        format!("the response body is larger than the limit of {limit} bytes (config::Builder::max_response_body_bytes)"),
    )
}

/// Awaits `future` for at most `limit`.
async fn within<T>(limit: Option<Duration>, what: &str, future: impl std::future::Future<Output = T>) -> Result<T, ConnectorError> {
    match limit {
        None => Ok(future.await),
        Some(limit) => tokio::time::timeout(limit, future).await.map_err(|_| {
            ConnectorError::new(ConnectorErrorKind::Timeout, format!("no bytes of {what} arrived within the read timeout of {limit:?}"))
        }),
    }
}

/// Classifies a failure of the pooled client: connect failures, resets and
/// early closes are I/O (retried), timeouts are timeouts, malformed
/// responses are protocol errors.
fn classify(e: hyper_util::client::legacy::Error) -> ConnectorError {
    let text = e.to_string();
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            let kind = if io.kind() == io::ErrorKind::TimedOut { ConnectorErrorKind::Timeout } else { ConnectorErrorKind::Io };
            return ConnectorError::new(kind, format!("{text}: {io}"));
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            return classify_hyper(h, format!("{text}: {h}"));
        }
        source = s.source();
    }
    // Neither an I/O nor an HTTP failure: a connector's own reason (a proxy
    // that refused the tunnel, say), which a retry would meet again.
    let mut reasons = vec![text];
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        reasons.push(s.to_string());
        source = s.source();
    }
    reasons.dedup();
    ConnectorError::new(ConnectorErrorKind::Other, reasons.join(": "))
}

pub(super) fn classify_hyper(e: &hyper::Error, text: String) -> ConnectorError {
    let kind = if e.is_parse() || e.is_parse_status() {
        ConnectorErrorKind::Protocol
    } else if e.is_timeout() {
        ConnectorErrorKind::Timeout
    } else {
        // Closed connections, incomplete messages and resets: worth another attempt.
        ConnectorErrorKind::Io
    };
    ConnectorError::new(kind, text)
}

impl HttpClient for HyperClient {
    fn call(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, ConnectorError>> {
        Box::pin(self.send(request))
    }

    fn call_streaming(&self, request: HttpRequest) -> BoxFuture<'_, Result<StreamingResponse, ConnectorError>> {
        Box::pin(self.send_streaming(request))
    }
}
