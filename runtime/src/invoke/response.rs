//! One attempt's outcome: a parsed output, an error to return, or a failure
//! to retry, worked out from the transport's result and the awsJson error
//! conventions.

use std::fmt;

use super::{OperationMeta, ParseError, ParseOutput, ServiceMeta};
use crate::error::{ErrorMetadata, SdkError};
use crate::http::{ConnectorError, ConnectorErrorKind, Headers, HttpResponse};
use crate::json::{self, JsonReader, StringPool, Value};
use crate::retry::policy::{self, RetryKind};

/// What one attempt came to.
pub(super) enum Outcome<O, E> {
    /// Return this (the call is over).
    Done(Result<O, SdkError<E>>),
    /// A failure that may be retried.
    Retry(RetryKind, SdkError<E>),
}

/// A response body that is not what the protocol promises.
#[derive(Debug)]
pub(super) struct InvalidResponse {
    status: u16,
    problem: String,
    excerpt: String,
}

impl fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} response {}", self.status, self.problem)?;
        if !self.excerpt.is_empty() {
            write!(f, "; body starts: {}", self.excerpt)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidResponse {}

/// A transport failure: timeouts and broken connections may be retried,
/// anything else (a refused URI, TLS) is final.
pub(super) fn from_connector_error<O, E>(e: ConnectorError) -> Outcome<O, E> {
    match e.kind() {
        ConnectorErrorKind::Timeout => Outcome::Retry(RetryKind::Timeout, SdkError::dispatch_failure(e)),
        ConnectorErrorKind::Io => Outcome::Retry(RetryKind::Transient, SdkError::dispatch_failure(e)),
        _ => Outcome::Done(Err(SdkError::dispatch_failure(e))),
    }
}

/// A response, parsed. `correct_clock_skew` is asked when the service
/// rejected the request as mistimed; when it says the client's clock was
/// wrong (and is now corrected) the failure is retried.
pub(super) fn from_response<O, E>(
    service: &ServiceMeta,
    op: &OperationMeta,
    response: HttpResponse,
    pool: &mut StringPool,
    parse_output: ParseOutput<O>,
    parse_error: ParseError<E>,
    correct_clock_skew: impl FnOnce(&HttpResponse) -> bool,
) -> Outcome<O, E> {
    let status = response.status().as_u16();
    tracing::debug!(status, request_id = response.request_id().unwrap_or(""), "response");
    // An empty body is an empty object: operations without output send none.
    let body: &[u8] = if response.body().iter().all(u8::is_ascii_whitespace) { b"{}" } else { response.body() };
    if response.status().is_success() {
        // A success ends the call, so the pool is the reader's to use up.
        let mut reader = JsonReader::with_pool(body, std::mem::take(pool));
        let parsed = parse_output(&mut reader, &response).and_then(|output| reader.finish().map(|()| output));
        return Outcome::Done(match parsed {
            Ok(output) => Ok(output),
            Err(e) => match e.syntax_error() {
                Some(syntax) => {
                    let problem = format!("is not JSON ({syntax})");
                    let err = InvalidResponse { status, problem, excerpt: excerpt(response.body()) };
                    Err(SdkError::response_error(err, response))
                }
                None => Err(SdkError::response_error(e, response)),
            },
        });
    }
    // Errors are rare: their body is parsed whole to find the code and
    // message, then read again for the modeled error's members.
    let value = match json::parse(body) {
        Ok(v) => v,
        Err(e) => {
            let err =
                InvalidResponse { status, problem: format!("is an error whose body is not JSON ({e})"), excerpt: excerpt(response.body()) };
            let retry = policy::classify_service_error(None, status, op.retryable_errors);
            let error = SdkError::response_error(err, response);
            return match retry {
                Some(kind) => Outcome::Retry(kind, error),
                None => Outcome::Done(Err(error)),
            };
        }
    };
    let type_code = error_code(response.headers(), &value);
    // An awsQueryCompatible service names the error in the header as its
    // awsQuery API did; that is the code callers see, and the generated
    // parser knows both names of each modeled error.
    let query_code = if service.query_compatible { query_error_code(response.headers()) } else { None };
    let code = query_code.or_else(|| type_code.clone());
    let mut meta = ErrorMetadata::builder().status(status);
    if let Some(c) = &code {
        meta = meta.code(c.clone());
    }
    if let Some(m) = error_message(&value) {
        meta = meta.message(m);
    }
    if let Some(id) = response.request_id() {
        meta = meta.request_id(id);
    }
    let mut retry = policy::classify_service_error(code.as_deref(), status, op.retryable_errors)
        .or_else(|| policy::classify_service_error(type_code.as_deref(), status, op.retryable_errors));
    if code.as_deref().is_some_and(|c| policy::CLOCK_SKEW_CODES.contains(&c)) && correct_clock_skew(&response) {
        retry = Some(RetryKind::Transient);
    }
    let error = match parse_error(meta.build(), &mut JsonReader::new(body)) {
        Ok(e) => SdkError::service_error(e, response),
        Err(e) => SdkError::response_error(e, response),
    };
    match retry {
        Some(kind) => Outcome::Retry(kind, error),
        None => Outcome::Done(Err(error)),
    }
}

/// The first 200 characters of a body, printable.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(600)]);
    let mut out: String = text.chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out.trim().to_owned()
}

/// The error code of an awsJson error response: the `X-Amzn-Errortype`
/// header, else `__type` or `code` in the body, with any `:`-suffix and
/// then any namespace prefix removed (in that order: the suffix is a URL
/// that may itself contain `#`).
fn error_code(headers: &Headers, body: &Value) -> Option<String> {
    let raw = headers
        .get("x-amzn-errortype")
        .or_else(|| body.get("__type").and_then(Value::as_str))
        .or_else(|| body.get("code").and_then(Value::as_str))?;
    let before_suffix = raw.split_once(':').map_or(raw, |(c, _)| c);
    let code = before_suffix.rsplit_once('#').map_or(before_suffix, |(_, n)| n).trim();
    (!code.is_empty()).then(|| code.to_owned())
}

/// The code of an `x-amzn-query-error: Code;Fault` header (the fault,
/// `Sender` or `Receiver`, says no more than the status does). A value
/// without the `;` is not that header's form and is ignored.
fn query_error_code(headers: &Headers) -> Option<String> {
    let (code, _fault) = headers.get("x-amzn-query-error")?.split_once(';')?;
    let code = code.trim();
    (!code.is_empty()).then(|| code.to_owned())
}

/// The error message of an awsJson error body.
fn error_message(body: &Value) -> Option<String> {
    ["message", "Message", "errorMessage"].iter().find_map(|k| body.get(k).and_then(Value::as_str)).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_error_headers_give_the_code_before_the_fault() {
        let with = |v: &'static str| {
            let mut h = Headers::new();
            h.append("x-amzn-query-error", v);
            query_error_code(&h)
        };
        assert_eq!(with("AWS.SimpleQueueService.NonExistentQueue;Sender").as_deref(), Some("AWS.SimpleQueueService.NonExistentQueue"));
        assert_eq!(with("Throttling;Receiver").as_deref(), Some("Throttling"));
        assert_eq!(with("NoFault"), None);
        assert_eq!(with(";Sender"), None);
        assert_eq!(query_error_code(&Headers::new()), None);
    }

    #[test]
    fn error_codes_are_sanitised() {
        let body =
            json::parse(br#"{"__type":"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"}"#)
                .unwrap();
        assert_eq!(error_code(&Headers::new(), &body).as_deref(), Some("FooError"));
        let mut h = Headers::new();
        h.append("X-Amzn-Errortype", "ThrottlingException:http://x");
        assert_eq!(error_code(&h, &body).as_deref(), Some("ThrottlingException"));
        // A `#` in the suffix must not be taken for the namespace separator.
        let mut h = Headers::new();
        h.append("X-Amzn-Errortype", "Foo:http://x/#frag");
        assert_eq!(error_code(&h, &body).as_deref(), Some("Foo"));
        let body = json::parse(br#"{"__type":"aws.ns#Bar:http://internal/#x"}"#).unwrap();
        assert_eq!(error_code(&Headers::new(), &body).as_deref(), Some("Bar"));
        assert_eq!(error_code(&Headers::new(), &json::parse(b"{}").unwrap()), None);
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let html = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let e = excerpt(html.as_bytes());
        assert!(e.starts_with("<html> <body>xxx"), "{e}");
        assert_eq!(e.chars().count(), 201);
    }
}
