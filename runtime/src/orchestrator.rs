//! The request loop: from a serialised input to a parsed output or error.
//!
//! One explicit loop, no layers: resolve the endpoint once, then for each
//! attempt fetch credentials, build the request, sign it afresh, send it
//! under the attempt timeout, classify the outcome and either return or back
//! off and go again.

use std::fmt;
use std::sync::Arc;

use tracing::Instrument;

use crate::config::Config;
use crate::endpoint::{EndpointParams, ResolveEndpoint};
use crate::error::{ErrorMetadata, RetryInfo, SdkError};
use crate::http::{ConnectorError, ConnectorErrorKind, Headers, HttpRequest, HttpResponse};
use crate::ids;
use crate::json::{self, DeserializeError, Value};
use crate::retry::{self, RetryKind};
use crate::sign;

/// What a generated crate tells the runtime about its service.
#[derive(Debug)]
pub struct ServiceMeta {
    /// The `X-Amz-Target` prefix: the service shape's name.
    pub target_prefix: &'static str,
    /// The request `Content-Type`.
    pub content_type: &'static str,
    /// The SigV4 signing name; `None` sends unsigned requests.
    pub signing_name: Option<&'static str>,
    /// The generated crate's name, for the User-Agent.
    pub crate_name: &'static str,
    /// The generated crate's version, for the User-Agent.
    pub crate_version: &'static str,
    /// The endpoint resolver generated from the model's rules.
    pub resolve_endpoint: ResolveEndpoint,
    /// The suffix of the service's `AWS_ENDPOINT_URL_<SERVICE>` variable (`MARKETPLACE_METERING`).
    pub env_name: &'static str,
}

/// What a generated operation tells the runtime about itself.
#[derive(Debug)]
pub struct OperationMeta {
    /// The operation name (`MeterUsage`).
    pub name: &'static str,
    /// Modeled `@retryable` errors: `(code, throttling)`.
    pub retryable_errors: &'static [(&'static str, bool)],
    /// `@requestCompression`: gzip the body when it is large enough.
    pub compress_request: bool,
}

/// Parses a successful response.
pub type ParseOutput<O> = fn(&Value, &HttpResponse) -> Result<O, DeserializeError>;

/// Builds the operation's error from the error metadata and body.
pub type ParseError<E> = fn(ErrorMetadata, &Value) -> Result<E, DeserializeError>;

/// A configured client for one service, shared by clones of the generated `Client`.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<HandleInner>,
}

struct HandleInner {
    config: Config,
    service: &'static ServiceMeta,
    /// The resolved endpoint as (URI, Host): it depends only on the
    /// configuration, so it is worked out on the first call.
    endpoint: std::sync::OnceLock<Result<(String, String), String>>,
    /// The User-Agent value, likewise fixed per client.
    user_agent: std::sync::OnceLock<String>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("service", &self.inner.service.target_prefix).field("config", &self.inner.config).finish()
    }
}

/// A response body that is not what the protocol promises.
#[derive(Debug)]
pub struct InvalidResponse {
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
pub fn error_code(headers: &Headers, body: &Value) -> Option<String> {
    let raw = headers
        .get("x-amzn-errortype")
        .or_else(|| body.get("__type").and_then(Value::as_str))
        .or_else(|| body.get("code").and_then(Value::as_str))?;
    let before_suffix = raw.split_once(':').map_or(raw, |(c, _)| c);
    let code = before_suffix.rsplit_once('#').map_or(before_suffix, |(_, n)| n).trim();
    (!code.is_empty()).then(|| code.to_owned())
}

/// The error message of an awsJson error body.
fn error_message(body: &Value) -> Option<String> {
    ["message", "Message", "errorMessage"].iter().find_map(|k| body.get(k).and_then(Value::as_str)).map(str::to_owned)
}

enum Attempt<O, E> {
    Done(Result<O, SdkError<E>>),
    Retry(RetryKind, SdkError<E>),
}

impl Handle {
    /// A handle for `service` configured by `config`.
    pub fn new(config: Config, service: &'static ServiceMeta) -> Self {
        Handle {
            inner: Arc::new(HandleInner {
                config,
                service,
                endpoint: std::sync::OnceLock::new(),
                user_agent: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A fresh idempotency token (a UUID v4 unless the config supplies a generator).
    pub fn idempotency_token(&self) -> String {
        match &self.inner.config.inner.idempotency_token {
            Some(f) => f(),
            None => ids::uuid_v4(),
        }
    }

    /// Sends one operation call and parses its outcome.
    pub async fn invoke<O, E>(
        &self,
        op: &'static OperationMeta,
        body: String,
        host_prefix: Option<String>,
        parse_output: ParseOutput<O>,
        parse_error: ParseError<E>,
    ) -> Result<O, SdkError<E>> {
        let span = tracing::debug_span!("call", service = self.inner.service.target_prefix, operation = op.name);
        let call = self.invoke_attempts(op, body.into_bytes(), host_prefix, parse_output, parse_error).instrument(span);
        match self.inner.config.inner.timeout.operation_timeout() {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Err(SdkError::timeout_error(format!(
                    "{} did not complete within the operation timeout of {limit:?}",
                    op.name
                ))),
            },
        }
    }

    async fn invoke_attempts<O, E>(
        &self,
        op: &'static OperationMeta,
        body: Vec<u8>,
        host_prefix: Option<String>,
        parse_output: ParseOutput<O>,
        parse_error: ParseError<E>,
    ) -> Result<O, SdkError<E>> {
        let config = &self.inner.config.inner;
        let service = self.inner.service;
        if !config.load_problems.is_empty() {
            return Err(SdkError::construction_failure(format!(
                "the configuration loaded from the environment is invalid: {}",
                config.load_problems.join("; ")
            )));
        }
        let http_client = config.http_client().map_err(SdkError::construction_failure)?;
        let (mut uri, mut host) = self.endpoint().map_err(SdkError::construction_failure)?;
        if let (Some(prefix), false) = (&host_prefix, config.disable_host_prefix) {
            // `@endpoint` puts the prefix in front of the host, custom endpoints included.
            let (scheme, rest) = uri.split_once("://").expect("split_endpoint checked the scheme");
            uri = format!("{scheme}://{prefix}{rest}");
            host = format!("{prefix}{host}");
        }
        let (body, content_encoding) = crate::compression::maybe_gzip(
            body,
            op.compress_request && !config.disable_request_compression,
            config.request_min_compression_size_bytes,
        )
        .map_err(SdkError::construction_failure)?;
        let signing = match service.signing_name {
            None => None,
            Some(name) => {
                let region = config.region.as_ref().ok_or_else(|| {
                    SdkError::construction_failure(
                        "no region is configured: set AWS_REGION, a region in the profile, or config::Builder::region",
                    )
                })?;
                let provider = config.credentials.clone().ok_or_else(|| {
                    SdkError::construction_failure(
                        "no credentials provider is configured: use load_from_env, or config::Builder::credentials_provider",
                    )
                })?;
                Some((name, region.clone(), provider))
            }
        };
        let invocation_id = ids::uuid_v4();
        let user_agent = self.user_agent();
        let max_attempts = config.retry.max_attempts();
        let mut attempt = 1;
        let mut spent_on_retries = 0;
        let info = |attempts: u32| RetryInfo { attempts, ..RetryInfo::default() };
        loop {
            let mut headers = Headers::new();
            headers.append("Host", host.clone());
            headers.append("Content-Type", service.content_type);
            headers.append("X-Amz-Target", format!("{}.{}", service.target_prefix, op.name));
            headers.append("Content-Length", body.len().to_string());
            if let Some(encoding) = content_encoding {
                headers.append("Content-Encoding", encoding);
            }
            headers.append("User-Agent", user_agent.clone());
            headers.append("x-amz-user-agent", user_agent.clone());
            headers.append("amz-sdk-invocation-id", invocation_id.clone());
            headers.append("amz-sdk-request", format!("attempt={attempt}; max={max_attempts}"));
            let mut request = HttpRequest { method: "POST".into(), uri: uri.clone(), headers, body: body.clone() };
            if let Some((name, region, provider)) = &signing {
                let credentials = provider
                    .provide_credentials()
                    .await
                    .map_err(|e| SdkError::construction_failure(e).with_retry_info(info(attempt - 1)))?;
                sign::sign_cached(&mut request, &credentials, region.as_ref(), name, config.signing_time(), &config.signing_keys)
                    .map_err(|e| SdkError::construction_failure(e).with_retry_info(info(attempt - 1)))?;
            }
            let adaptive = config.retry.mode() == crate::config::retry::RetryMode::Adaptive;
            if adaptive {
                let wait = config.rate_limiter.lock().map(|mut l| l.acquire(config.created.elapsed().as_secs_f64())).unwrap_or(0.0);
                if wait > 0.0 {
                    tracing::debug!(wait_ms = (wait * 1000.0) as u64, "adaptive mode: waiting for the send rate");
                    config.sleep.sleep(std::time::Duration::from_secs_f64(wait)).await;
                }
            }
            let span = tracing::debug_span!("attempt", attempt, max_attempts, invocation_id = invocation_id.as_str());
            let outcome = self.attempt(op, &*http_client, request, parse_output, parse_error).instrument(span).await;
            if adaptive {
                let throttled = matches!(outcome, Attempt::Retry(RetryKind::Throttling, _));
                if let Ok(mut l) = config.rate_limiter.lock() {
                    l.update(config.created.elapsed().as_secs_f64(), throttled);
                }
            }
            match outcome {
                Attempt::Done(result) => {
                    tracing::debug!(attempt, ok = result.is_ok(), "call finished");
                    if result.is_ok() {
                        config.retry_quota.release(spent_on_retries);
                    }
                    return result.map_err(|e| e.with_retry_info(info(attempt)));
                }
                Attempt::Retry(kind, error) => {
                    if attempt >= max_attempts {
                        tracing::debug!(attempt, ?kind, "giving up: no attempts left");
                        return Err(error.with_retry_info(RetryInfo { attempts: attempt, attempts_exhausted: true, ..RetryInfo::default() }));
                    }
                    let cost = if kind == RetryKind::Timeout {
                        crate::retry_quota::TIMEOUT_RETRY_COST
                    } else {
                        crate::retry_quota::RETRY_COST
                    };
                    if !config.retry_quota.acquire(cost) {
                        tracing::debug!(attempt, ?kind, "giving up: the retry quota is used up");
                        return Err(error.with_retry_info(RetryInfo { attempts: attempt, quota_exhausted: true, ..RetryInfo::default() }));
                    }
                    spent_on_retries += cost;
                    let wait = retry::backoff(
                        attempt,
                        config.retry.initial_backoff(),
                        config.retry.max_backoff(),
                        (config.jitter)(),
                    );
                    tracing::debug!(attempt, ?kind, wait_ms = wait.as_millis() as u64, "retrying");
                    config.sleep.sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt<O, E>(
        &self,
        op: &'static OperationMeta,
        http_client: &dyn crate::http::HttpClient,
        request: HttpRequest,
        parse_output: ParseOutput<O>,
        parse_error: ParseError<E>,
    ) -> Attempt<O, E> {
        let config = &self.inner.config.inner;
        let sent = http_client.call(request);
        let response = match config.timeout.operation_attempt_timeout() {
            None => sent.await,
            Some(limit) => match tokio::time::timeout(limit, sent).await {
                Ok(r) => r,
                Err(_) => {
                    return Attempt::Retry(
                        RetryKind::Timeout,
                        SdkError::timeout_error(format!("attempt did not complete within {limit:?}")),
                    )
                }
            },
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => return classify_connector_error(e),
        };
        let status = response.status().as_u16();
        tracing::debug!(status, request_id = response.request_id().unwrap_or(""), "response");
        let body = if response.body().iter().all(u8::is_ascii_whitespace) {
            // An empty body is an empty object: operations without output send none.
            Ok(Value::Object(Vec::new()))
        } else {
            json::parse(response.body())
        };
        if response.status().is_success() {
            let value = match body {
                Ok(v) => v,
                Err(e) => {
                    let err = InvalidResponse { status, problem: format!("is not JSON ({e})"), excerpt: excerpt(response.body()) };
                    return Attempt::Done(Err(SdkError::response_error(err, response)));
                }
            };
            return Attempt::Done(match parse_output(&value, &response) {
                Ok(output) => Ok(output),
                Err(e) => Err(SdkError::response_error(e, response)),
            });
        }
        let value = match body {
            Ok(v) => v,
            Err(e) => {
                let err = InvalidResponse { status, problem: format!("is an error whose body is not JSON ({e})"), excerpt: excerpt(response.body()) };
                let retry = retry::classify_service_error(None, status, op.retryable_errors);
                let error = SdkError::response_error(err, response);
                return match retry {
                    Some(kind) => Attempt::Retry(kind, error),
                    None => Attempt::Done(Err(error)),
                };
            }
        };
        let code = error_code(response.headers(), &value);
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
        let mut retry = retry::classify_service_error(code.as_deref(), status, op.retryable_errors);
        if code.as_deref().is_some_and(|c| retry::CLOCK_SKEW_CODES.contains(&c)) && self.correct_clock_skew(&response) {
            retry = Some(RetryKind::Transient);
        }
        let error = match parse_error(meta.build(), &value) {
            Ok(e) => SdkError::service_error(e, response),
            Err(e) => SdkError::response_error(e, response),
        };
        match retry {
            Some(kind) => Attempt::Retry(kind, error),
            None => Attempt::Done(Err(error)),
        }
    }

    /// Learns the service's clock from the response's `Date` header; true
    /// when the skew is large enough to explain the rejection (and so a
    /// retry, signed with the corrected time, may succeed). A `Date` more
    /// than [`retry::MAX_BELIEVABLE_SKEW`] away is ignored.
    fn correct_clock_skew(&self, response: &HttpResponse) -> bool {
        let config = &self.inner.config.inner;
        let Some(date) = response.headers().get("date") else { return false };
        let Ok(server) = crate::primitives::DateTime::from_str(date, crate::primitives::DateTimeFormat::HttpDate) else {
            return false;
        };
        let ours = crate::primitives::DateTime::from(config.time_source.now());
        let applied = config.clock_skew_ms.load(std::sync::atomic::Ordering::Relaxed);
        let Some(skew_ms) = retry::learned_skew_ms(server.as_secs_f64(), ours.as_secs_f64(), applied) else {
            return false;
        };
        tracing::debug!(skew_ms, "correcting the signing clock from the service's Date header");
        config.clock_skew_ms.store(skew_ms, std::sync::atomic::Ordering::Relaxed);
        true
    }

    /// The endpoint's URI and Host, resolved on first use.
    fn endpoint(&self) -> Result<(String, String), String> {
        self.inner
            .endpoint
            .get_or_init(|| {
                let config = &self.inner.config.inner;
                let service = self.inner.service;
                // An endpoint set in code wins over those from the environment and the profile.
                let endpoint_override =
                    config.endpoint_url.clone().or_else(|| config.configured_endpoints.for_service(service.env_name));
                if let Some(region) = config.region.as_ref().filter(|r| !crate::endpoint::partitions::is_valid_region(r.as_ref())) {
                    return Err(format!(
                        "region `{region}` is not a valid region name (lower-case letters, digits and hyphens), so no endpoint is built from it"
                    ));
                }
                let params = EndpointParams {
                    region: config.region.as_ref().map(|r| r.as_ref().to_owned()),
                    use_fips: config.use_fips,
                    use_dual_stack: config.use_dual_stack,
                    endpoint: endpoint_override,
                };
                let endpoint = (service.resolve_endpoint)(&params).map_err(|e| e.to_string())?;
                split_endpoint(&endpoint.url)
            })
            .clone()
    }

    fn user_agent(&self) -> String {
        self.inner.user_agent.get_or_init(|| self.build_user_agent()).clone()
    }

    fn build_user_agent(&self) -> String {
        let s = self.inner.service;
        let mut ua = format!(
            "{}/{} {}/{} os/{} lang/rust",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            s.crate_name,
            s.crate_version,
            std::env::consts::OS
        );
        if let Some(app) = &self.inner.config.inner.app_name {
            ua.push_str(" app/");
            ua.push_str(app.as_ref());
        }
        ua
    }
}

fn classify_connector_error<O, E>(e: ConnectorError) -> Attempt<O, E> {
    match e.kind() {
        ConnectorErrorKind::Timeout => Attempt::Retry(RetryKind::Timeout, SdkError::dispatch_failure(e)),
        ConnectorErrorKind::Io => Attempt::Retry(RetryKind::Transient, SdkError::dispatch_failure(e)),
        _ => Attempt::Done(Err(SdkError::dispatch_failure(e))),
    }
}

/// An endpoint URL's request URI (with a `/` path) and `Host` header value.
fn split_endpoint(url: &str) -> Result<(String, String), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("endpoint `{url}` has no scheme"))?;
    if scheme != "https" && scheme != "http" {
        return Err(format!("endpoint `{url}` must be http or https"));
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(format!("endpoint `{url}` has no host"));
    }
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = authority.strip_suffix(default_port).unwrap_or(authority);
    // awsJson requests go to the endpoint's path with a trailing slash: `https://host/custom` posts to `/custom/`.
    let path = if path.is_empty() || path.starts_with('?') {
        format!("/{path}")
    } else if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    Ok((format!("{scheme}://{authority}{path}"), host.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_sanitised() {
        let body = json::parse(br#"{"__type":"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"}"#).unwrap();
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
    fn endpoints_split_into_uri_and_host() {
        assert_eq!(
            split_endpoint("https://metering.marketplace.us-east-1.amazonaws.com").unwrap(),
            ("https://metering.marketplace.us-east-1.amazonaws.com/".into(), "metering.marketplace.us-east-1.amazonaws.com".into())
        );
        assert_eq!(split_endpoint("http://127.0.0.1:8080/base").unwrap(), ("http://127.0.0.1:8080/base/".into(), "127.0.0.1:8080".into()));
        assert_eq!(split_endpoint("http://127.0.0.1:8080/base/").unwrap().0, "http://127.0.0.1:8080/base/");
        assert_eq!(split_endpoint("https://h:443").unwrap().1, "h");
        assert!(split_endpoint("ftp://x").is_err());
        assert!(split_endpoint("nohost").is_err());
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        let html = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let e = excerpt(html.as_bytes());
        assert!(e.starts_with("<html> <body>xxx"), "{e}");
        assert_eq!(e.chars().count(), 201);
    }
}
