//! The HTTP boundary: request and response values, and the `HttpClient`
//! trait that transports implement (hyper in production, a recorder in tests).
//!
//! These are the runtime's own types so that no transport's types leak into
//! a generated crate's API.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Header names and values, in order; names compare case-insensitively.
/// Names and values given as `&'static str` are kept without copying.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers::default()
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

/// An HTTP request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST` for the awsJson protocols.
    pub method: String,
    /// The absolute URI.
    pub uri: String,
    /// Headers, signed ones included.
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The body as text (lossy), for tests and logs.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
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

/// An HTTP response, body fully read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: StatusCode,
    headers: Headers,
    body: Vec<u8>,
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

/// Sends requests. Implementations must be cheap to share between calls.
pub trait HttpClient: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response.
    fn call(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, ConnectorError>>;
}
