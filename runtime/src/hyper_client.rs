//! `HyperClient`: the production transport. hyper 1 with hyper-util's pooled
//! client on tokio, HTTP/1.1 keep-alive, and rustls with the `ring` provider
//! and bundled web roots, so building needs no cmake, nasm or OpenSSL.
//! Plain `http://` works too, for local endpoints.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::config::timeout::TimeoutConfig;
use crate::http::{BoxFuture, ConnectorError, ConnectorErrorKind, Headers, HttpClient, HttpRequest, HttpResponse};

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// An HTTP client over hyper and rustls, with a connection pool.
///
/// Clones share the pool. The connect timeout bounds the TCP and TLS set-up;
/// the read timeout bounds every wait for bytes, for the response head and
/// for each piece of the body, so a server that stalls cannot hold a call.
#[derive(Clone)]
pub struct HyperClient {
    client: Client<Connector, Full<Bytes>>,
    read_timeout: Option<Duration>,
}

impl std::fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperClient").field("read_timeout", &self.read_timeout).finish_non_exhaustive()
    }
}

impl HyperClient {
    /// A client with the connect and read timeouts of `timeouts`.
    pub fn new(timeouts: &TimeoutConfig) -> Result<Self, ConnectorError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(timeouts.connect_timeout());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| ConnectorError::new(ConnectorErrorKind::Other, format!("TLS set-up failed: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(90)).build(https);
        Ok(HyperClient { client, read_timeout: timeouts.read_timeout() })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let mut builder = http::Request::builder().method(request.method.as_str()).uri(request.uri.as_str());
        for (name, value) in request.headers.iter() {
            builder = builder.header(name, value);
        }
        let req = builder
            .body(Full::new(Bytes::from(request.body)))
            .map_err(|e| ConnectorError::new(ConnectorErrorKind::Other, format!("invalid request: {e}")))?;
        let response = within(self.read_timeout, "the response head", self.client.request(req))
            .await?
            .map_err(classify)?;
        let (parts, mut body) = response.into_parts();
        let mut bytes = Vec::new();
        while let Some(frame) = within(self.read_timeout, "the response body", body.frame()).await? {
            let frame = frame.map_err(|e| classify_hyper(&e, e.to_string()))?;
            if let Some(data) = frame.data_ref() {
                bytes.extend_from_slice(data);
            }
        }
        let mut headers = Headers::new();
        for (name, value) in &parts.headers {
            headers.append(name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
        Ok(HttpResponse::new(parts.status.as_u16(), headers, bytes))
    }
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
    let kind = if e.is_connect() { ConnectorErrorKind::Io } else { ConnectorErrorKind::Other };
    ConnectorError::new(kind, text)
}

fn classify_hyper(e: &hyper::Error, text: String) -> ConnectorError {
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
}
