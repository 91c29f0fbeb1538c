//! One attempt's outcome: a parsed output, an error to return, or a failure
//! to retry, worked out from the transport's result and the protocol's
//! error conventions (awsJson's and RPC v2 CBOR's).

use std::fmt;

use super::{OperationMeta, Parse, ServiceMeta};
use crate::cbor::CborReader;
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
    stream: Option<crate::primitives::ByteStream>,
    pool: &mut StringPool,
    parse: Parse<O, E>,
    correct_clock_skew: impl FnOnce(&HttpResponse) -> bool,
) -> Outcome<O, E> {
    let status = response.status().as_u16();
    tracing::debug!(status, request_id = response.request_id().unwrap_or(""), "response");
    // The RPC v2 CBOR specification makes the header a part of every
    // response: without it the body may be anything (a proxy's page).
    if matches!(parse, Parse::Cbor(..)) && response.headers().get("smithy-protocol").map(str::trim) != Some("rpc-v2-cbor") {
        let problem = match response.headers().get("smithy-protocol") {
            Some(other) => format!("says `Smithy-Protocol: {other}`, not rpc-v2-cbor"),
            None => "has no `Smithy-Protocol: rpc-v2-cbor` header".to_owned(),
        };
        let err = InvalidResponse { status, problem, excerpt: excerpt(response.body()) };
        return invalid(err, response, status, op);
    }
    if response.status().is_success() {
        // A success ends the call, so the pool is the reader's to use up.
        let pool = std::mem::take(pool);
        let parsed = match parse {
            Parse::Json(output, _) => {
                let mut reader = JsonReader::with_pool(json_body(response.body()), pool);
                output(&mut reader, &response).and_then(|output| reader.finish().map(|()| output))
            }
            Parse::Cbor(output, _) => {
                let mut reader = CborReader::with_pool(cbor_body(response.body()), pool);
                output(&mut reader, &response).and_then(|output| reader.finish().map(|()| output))
            }
            Parse::RestJson(output, _) => output(&response, pool),
            Parse::RestJsonStream(output, _) => output(&response, stream.unwrap_or_default()),
        };
        return Outcome::Done(match parsed {
            Ok(output) => Ok(output),
            Err(e) => match e.malformed_body() {
                Some(m) => {
                    let problem = format!("is not {} ({m})", m.format);
                    let err = InvalidResponse { status, problem, excerpt: excerpt(response.body()) };
                    Err(SdkError::response_error(err, response))
                }
                None => Err(SdkError::response_error(e, response)),
            },
        });
    }
    // Errors are rare: their body is looked over whole for the code and
    // message, then read again for the modeled error's members.
    let fields = match parse {
        Parse::Json(..) | Parse::RestJson(..) | Parse::RestJsonStream(..) => json_error_fields(response.headers(), response.body()),
        Parse::Cbor(..) => cbor_error_fields(response.body()),
    };
    let (type_code, message) = match fields {
        Ok(fields) => fields,
        Err(problem) => {
            let err = InvalidResponse { status, problem, excerpt: excerpt(response.body()) };
            return invalid(err, response, status, op);
        }
    };
    // An awsQueryCompatible service names the error in the header as its
    // awsQuery API did; that is the code callers see, and the generated
    // parser knows both names of each modeled error.
    let query_code = if service.query_compatible { query_error_code(response.headers()) } else { None };
    let code = query_code.or_else(|| type_code.clone());
    let mut meta = ErrorMetadata::builder().status(status);
    if let Some(c) = &code {
        meta = meta.code(c.clone());
    }
    if let Some(m) = message {
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
    let parsed = match parse {
        Parse::Json(_, parse_error) => parse_error(meta.build(), &mut JsonReader::new(json_body(response.body()))),
        Parse::Cbor(_, parse_error) => parse_error(meta.build(), &mut CborReader::new(cbor_body(response.body()))),
        Parse::RestJson(_, parse_error) | Parse::RestJsonStream(_, parse_error) => parse_error(meta.build(), &response),
    };
    let error = match parsed {
        Ok(e) => SdkError::service_error(e, response),
        Err(e) => SdkError::response_error(e, response),
    };
    match retry {
        Some(kind) => Outcome::Retry(kind, error),
        None => Outcome::Done(Err(error)),
    }
}

/// A response that is not what the protocol promises: an error, retried
/// when its status alone says so (a proxy's 503 page).
fn invalid<O, E>(err: InvalidResponse, response: HttpResponse, status: u16, op: &OperationMeta) -> Outcome<O, E> {
    let retry = policy::classify_service_error(None, status, op.retryable_errors);
    let error = SdkError::response_error(err, response);
    match retry {
        Some(kind) => Outcome::Retry(kind, error),
        None => Outcome::Done(Err(error)),
    }
}

/// A JSON body to read: an empty one is an empty object (operations without
/// output send none).
pub fn json_body(body: &[u8]) -> &[u8] {
    if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    }
}

/// A CBOR body to read: an empty one is an empty map, as the specification
/// lets a service answer an operation without output.
fn cbor_body(body: &[u8]) -> &[u8] {
    if body.is_empty() {
        &[0xa0]
    } else {
        body
    }
}

/// The code and message of an awsJson error response: the code from the
/// `X-Amzn-Errortype` header, else `__type` or `code` in the body.
fn json_error_fields(headers: &Headers, body: &[u8]) -> Result<(Option<String>, Option<String>), String> {
    let value = json::parse(json_body(body)).map_err(|e| format!("is an error whose body is not JSON ({e})"))?;
    let raw = headers
        .get("x-amzn-errortype")
        .or_else(|| value.get("__type").and_then(Value::as_str))
        .or_else(|| value.get("code").and_then(Value::as_str));
    let message = ["message", "Message", "errorMessage"].iter().find_map(|k| value.get(k).and_then(Value::as_str)).map(str::to_owned);
    Ok((raw.and_then(sanitise_code), message))
}

/// The code and message of an RPC v2 CBOR error response: the code only
/// from the body's `__type` (a shape id), as the specification says; the
/// `X-Amzn-Errortype` header and a `code` member are not the protocol's.
fn cbor_error_fields(body: &[u8]) -> Result<(Option<String>, Option<String>), String> {
    let not_cbor = |e: crate::deserialize_error::DeserializeError| format!("is an error whose body is not a CBOR map ({e})");
    let mut r = CborReader::new(cbor_body(body));
    let (mut code, mut message) = (None, None);
    r.begin_object("").map_err(not_cbor)?;
    while let Some(key) = r.next_key("").map_err(not_cbor)? {
        match &*key {
            "__type" => code = sanitise_code(&r.str("__type").map_err(not_cbor)?),
            "message" | "Message" if message.is_none() => message = Some(r.string("message").map_err(not_cbor)?),
            _ => r.skip_value("").map_err(not_cbor)?,
        }
    }
    r.finish().map_err(not_cbor)?;
    Ok((code, message))
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

/// An error code as services write it, sanitised: any `:`-suffix and then
/// any namespace prefix removed (in that order: the suffix is a URL that may
/// itself contain `#`).
fn sanitise_code(raw: &str) -> Option<String> {
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
    fn json_error_codes_are_sanitised() {
        let code = |h: &Headers, body: &str| json_error_fields(h, body.as_bytes()).unwrap().0;
        let body = r#"{"__type":"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"}"#;
        assert_eq!(code(&Headers::new(), body).as_deref(), Some("FooError"));
        let mut h = Headers::new();
        h.append("X-Amzn-Errortype", "ThrottlingException:http://x");
        assert_eq!(code(&h, body).as_deref(), Some("ThrottlingException"));
        // A `#` in the suffix must not be taken for the namespace separator.
        let mut h = Headers::new();
        h.append("X-Amzn-Errortype", "Foo:http://x/#frag");
        assert_eq!(code(&h, body).as_deref(), Some("Foo"));
        assert_eq!(code(&Headers::new(), r#"{"__type":"aws.ns#Bar:http://internal/#x"}"#).as_deref(), Some("Bar"));
        assert_eq!(code(&Headers::new(), r#"{"code":"Baz","Message":"m"}"#).as_deref(), Some("Baz"));
        assert_eq!(json_error_fields(&Headers::new(), b"").unwrap(), (None, None));
        assert!(json_error_fields(&Headers::new(), b"<html>").unwrap_err().starts_with("is an error whose body is not JSON"));
    }

    #[test]
    fn cbor_errors_are_named_by_type_alone() {
        // {"__type": "ns#Throttled", "code": "Other", "Message": "slow down"}
        let mut w = crate::cbor::CborWriter::new();
        w.begin_object();
        for (k, v) in [("__type", "smithy.example#Throttled"), ("code", "Other"), ("Message", "slow down")] {
            w.key(k);
            w.string(v);
        }
        w.end_object();
        let body = w.finish();
        assert_eq!(cbor_error_fields(&body).unwrap(), (Some("Throttled".to_owned()), Some("slow down".to_owned())));
        assert_eq!(cbor_error_fields(b"").unwrap(), (None, None));
        let e = cbor_error_fields(b"<html>").unwrap_err();
        assert!(e.starts_with("is an error whose body is not a CBOR map"), "{e}");
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let html = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let e = excerpt(html.as_bytes());
        assert!(e.starts_with("<html> <body>xxx"), "{e}");
        assert_eq!(e.chars().count(), 201);
    }
}
