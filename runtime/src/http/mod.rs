//! The HTTP boundary: request and response values, the `HttpClient` trait
//! that transports implement, and the production transport over hyper
//! ([`HyperClient`]; tests use recorders).
//!
//! These are the runtime's own types so that no transport's types leak into
//! a generated crate's API.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::primitives::ByteStream;

mod body;
mod ca_bundle;
mod hyper_client;
mod proxy;
mod streaming;
mod tls;

pub use body::Body;
pub use ca_bundle::{CaBundle, InvalidCaBundle};
pub use hyper_client::{HyperClient, DEFAULT_MAX_RESPONSE_BODY};
pub use proxy::{InvalidProxy, ProxyConfig};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Header names and values, in order; names compare case-insensitively.
/// Names and values given as `&'static str` are kept without copying.
///
/// `Debug` shows the values of credential-bearing headers as `** redacted **`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

/// Headers whose values are credentials or signatures.
const SECRET_HEADERS: [&str; 6] =
    ["authorization", "x-amz-security-token", "x-aws-ec2-metadata-token", "proxy-authorization", "cookie", "set-cookie"];

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.iter() {
            if SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                map.entry(&name, &"** redacted **");
            } else {
                map.entry(&name, &value);
            }
        }
        map.finish()
    }
}

/// How `Debug` shows a body: its length only, since request bodies may hold
/// tokens (web identity) and response bodies credentials (STS, metadata).
struct BodyLength(usize);

impl fmt::Debug for BodyLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers::default()
    }

    /// No headers, with room for `n` before the list grows.
    pub fn with_capacity(n: usize) -> Self {
        Headers { entries: Vec::with_capacity(n) }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }

    /// Appends a header.
    pub fn append(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) {
        self.entries.push((name.into(), value.into()));
    }

    /// Replaces every value of `name` with `value`.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) {
        let name = name.into();
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
        self.entries.push((name, value.into()));
    }

    /// Every header, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// An HTTP request ready to send. `Debug` redacts secret headers and shows
/// only the body's length.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST` for the awsJson protocols.
    pub method: String,
    /// The absolute URI.
    pub uri: String,
    /// Headers, signed ones included.
    pub headers: Headers,
    /// The body, shared by every attempt of a call.
    pub body: Body,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

impl HttpRequest {
    /// The body as text (lossy), for tests and logs; empty for a stream.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(self.body.bytes().unwrap_or_default()).into_owned()
    }
}

/// An HTTP status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(u16);

impl StatusCode {
    /// The numeric code.
    pub fn as_u16(self) -> u16 {
        self.0
    }

    /// 200 to 299.
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }
}

impl From<u16> for StatusCode {
    fn from(v: u16) -> Self {
        StatusCode(v)
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An HTTP response, body fully read. `Debug` redacts secret headers and
/// shows only the body's length.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: StatusCode,
    headers: Headers,
    body: Vec<u8>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &BodyLength(self.body.len()))
            .finish()
    }
}

impl HttpResponse {
    /// A response.
    pub fn new(status: u16, headers: Headers, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status: StatusCode(status), headers, body: body.into() }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request id AWS assigned (`x-amzn-RequestId`, else `x-amz-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-amzn-requestid").or_else(|| self.headers.get("x-amz-request-id"))
    }
}

/// What went wrong below HTTP: connecting, writing or reading.
#[derive(Debug)]
pub struct ConnectorError {
    kind: ConnectorErrorKind,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

/// The class of a [`ConnectorError`], which decides whether it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectorErrorKind {
    /// Connect or read timed out.
    Timeout,
    /// The connection failed or broke (refused, reset, closed early): retried.
    Io,
    /// The response was not valid HTTP.
    Protocol,
    /// Anything else (a bad URI, TLS set-up): not retried.
    Other,
}

impl ConnectorError {
    /// An error of `kind` caused by `source`.
    pub fn new(kind: ConnectorErrorKind, source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        ConnectorError { kind, source: source.into() }
    }

    /// Its class.
    pub fn kind(&self) -> ConnectorErrorKind {
        self.kind
    }

    /// True for timeouts.
    pub fn is_timeout(&self) -> bool {
        self.kind == ConnectorErrorKind::Timeout
    }

    /// True for I/O failures (refused, reset, closed early).
    pub fn is_io(&self) -> bool {
        self.kind == ConnectorErrorKind::Io
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ConnectorErrorKind::Timeout => "timed out",
            ConnectorErrorKind::Io => "connection failed",
            ConnectorErrorKind::Protocol => "invalid HTTP response",
            ConnectorErrorKind::Other => "could not send the request",
        };
        write!(f, "{what}: {}", self.source)
    }
}

impl std::error::Error for ConnectorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// A response whose body, when the status is a success, is left for the
/// caller to read as it arrives (an operation with a streaming output).
#[derive(Debug)]
pub struct StreamingResponse {
    /// The status and headers; the body too when it is not streamed.
    pub head: HttpResponse,
    /// The body of a successful response, unread.
    pub body: Option<ByteStream>,
}

impl StreamingResponse {
    /// A whole response as a streaming one: a success's body becomes a
    /// stream in memory, anything else stays whole.
    pub fn from_whole(response: HttpResponse) -> Self {
        if !response.status().is_success() {
            return StreamingResponse { head: response, body: None };
        }
        let HttpResponse { status, headers, body } = response;
        StreamingResponse { head: HttpResponse { status, headers, body: Vec::new() }, body: Some(ByteStream::from(body)) }
    }
}

/// Sends requests. Implementations must be cheap to share between calls.
pub trait HttpClient: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response.
    fn call(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, ConnectorError>>;

    /// Sends `request` and returns once the response head has arrived,
    /// leaving a successful response's body to be read as it arrives.
    /// Transports that cannot stream read it whole, as [`call`](Self::call) does.
    fn call_streaming(&self, request: HttpRequest) -> BoxFuture<'_, Result<StreamingResponse, ConnectorError>> {
        let sent = self.call(request);
        Box::pin(async move { sent.await.map(StreamingResponse::from_whole) })
    }
}
