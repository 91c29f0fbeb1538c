//! The request loop: from a serialised input to a parsed output or error.
//!
//! One explicit loop, no layers. Before the first attempt the call is
//! prepared once (endpoint, compression, signer, invocation id:
//! [`request::CallRequest`]); then each attempt builds and signs its request,
//! sends it under the attempt timeout, classifies the outcome
//! ([`response`]), and a pure decision ([`policy::next_step`]) says whether
//! to back off and go again. What the loop learns on the way (quota, send
//! rate, clock skew) lives in the configuration's
//! [`ClientState`](crate::client_state::ClientState).

use std::fmt;
use std::sync::Arc;

use tracing::Instrument;

use crate::cbor::CborReader;
use crate::config::Config;
use crate::deserialize_error::DeserializeError;
use crate::endpoint::ResolveEndpoint;
use crate::error::{ErrorMetadata, RetryInfo, SdkError};
use crate::http::{HttpClient, HttpResponse, StreamingResponse};
use crate::ids;
use crate::json::{JsonReader, StringPool};
use crate::retry::policy::{self, NextStep, RetryKind};
use crate::retry::RetryMode;

pub(crate) mod compression;
mod endpoint;
mod payload;
mod request;
mod response;

pub use response::json_body;

pub use endpoint::Route;
pub use request::OperationRequest;
use request::{CallRequest, Signer};
use response::Outcome;

/// The wire protocols the runtime speaks. Everything but building the
/// request's protocol headers and path and reading the answer is the same
/// for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `aws.protocols#awsJson1_0`: `POST /` with `X-Amz-Target`, JSON bodies.
    AwsJson1_0,
    /// `aws.protocols#awsJson1_1`: as 1.0, with its own `Content-Type`.
    AwsJson1_1,
    /// `smithy.protocols#rpcv2Cbor`: `POST /service/{Service}/operation/{Operation}`
    /// with `Smithy-Protocol: rpc-v2-cbor`, CBOR bodies.
    RpcV2Cbor,
    /// `aws.protocols#restJson1`: each operation's method and path, members
    /// bound to the path, query, headers and status, the rest a JSON body.
    RestJson1,
}

impl Protocol {
    /// The `Content-Type` of request bodies (and of CBOR answers).
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsJson1_0 => "application/x-amz-json-1.0",
            Protocol::AwsJson1_1 => "application/x-amz-json-1.1",
            Protocol::RpcV2Cbor => "application/cbor",
            Protocol::RestJson1 => "application/json",
        }
    }
}

/// What a generated crate tells the runtime about its service.
#[derive(Debug)]
pub struct ServiceMeta {
    /// The service shape's name: the `X-Amz-Target` prefix (awsJson), the
    /// path's `{Service}` (RPC v2 CBOR).
    pub service_name: &'static str,
    /// The wire protocol.
    pub protocol: Protocol,
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
    /// `@awsQueryCompatible`: requests say `x-amzn-query-mode: true`, and an
    /// error's code is the one its `x-amzn-query-error` header gives.
    pub query_compatible: bool,
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
    /// False when the operation's input is `Unit`: an RPC v2 CBOR request
    /// then has no body and no `Content-Type`.
    pub has_input: bool,
    /// `@httpChecksumRequired`: the request says its body's MD5 in `Content-MD5`.
    pub content_md5: bool,
}

/// Reads a successful JSON response's body (the runtime checks that nothing
/// follows it).
pub type ParseJsonOutput<O> = fn(&mut JsonReader<'_>, &HttpResponse) -> Result<O, DeserializeError>;

/// Builds the operation's error from the error metadata and JSON body.
pub type ParseJsonError<E> = fn(ErrorMetadata, &mut JsonReader<'_>) -> Result<E, DeserializeError>;

/// Reads a successful CBOR response's body (the runtime checks that nothing
/// follows it).
pub type ParseCborOutput<O> = fn(&mut CborReader<'_>, &HttpResponse) -> Result<O, DeserializeError>;

/// Builds the operation's error from the error metadata and CBOR body.
pub type ParseCborError<E> = fn(ErrorMetadata, &mut CborReader<'_>) -> Result<E, DeserializeError>;

/// Reads a successful response whose members may be anywhere in it
/// (restJson1: headers, status, the body or the whole body as a payload).
/// The request's strings come in the pool.
pub type ParseHttpOutput<O> = fn(&HttpResponse, StringPool) -> Result<O, DeserializeError>;

/// Builds the operation's error from the error metadata and the response
/// (restJson1: members in headers as well as the body).
pub type ParseHttpError<E> = fn(ErrorMetadata, &HttpResponse) -> Result<E, DeserializeError>;

/// Reads a successful response whose payload is a stream (restJson1's
/// `@streaming` blob): the head's members, and the body as it arrives.
pub type ParseHttpStreamOutput<O> = fn(&HttpResponse, crate::primitives::ByteStream) -> Result<O, DeserializeError>;

/// An operation's generated readers of its output and errors, in the
/// service's protocol's format.
pub enum Parse<O, E> {
    /// awsJson 1.0 and 1.1.
    Json(ParseJsonOutput<O>, ParseJsonError<E>),
    /// RPC v2 CBOR.
    Cbor(ParseCborOutput<O>, ParseCborError<E>),
    /// restJson1: the readers take the whole response.
    RestJson(ParseHttpOutput<O>, ParseHttpError<E>),
    /// restJson1, when the output's payload is a stream.
    RestJsonStream(ParseHttpStreamOutput<O>, ParseHttpError<E>),
}

// Function pointers copy whatever `O` and `E` are, which a derive would not see.
impl<O, E> Clone for Parse<O, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O, E> Copy for Parse<O, E> {}

impl<O, E> fmt::Debug for Parse<O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Parse::Json(..) => "Parse::Json",
            Parse::Cbor(..) => "Parse::Cbor",
            Parse::RestJson(..) => "Parse::RestJson",
            Parse::RestJsonStream(..) => "Parse::RestJsonStream",
        })
    }
}

/// A configured client for one service, shared by clones of the generated `Client`.
#[derive(Clone)]
pub struct Handle {
    inner: Arc<HandleInner>,
}

struct HandleInner {
    config: Config,
    service: &'static ServiceMeta,
    /// The resolved endpoint of calls without endpoint context parameters:
    /// it depends only on the configuration, so it is worked out on the first call.
    endpoint: std::sync::OnceLock<Result<endpoint::Resolved, String>>,
    /// The User-Agent value, likewise fixed per client.
    user_agent: std::sync::OnceLock<String>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("service", &self.inner.service.service_name).field("config", &self.inner.config).finish()
    }
}

impl Handle {
    /// A handle for `service` configured by `config`.
    pub fn new(config: Config, service: &'static ServiceMeta) -> Self {
        Handle {
            inner: Arc::new(HandleInner { config, service, endpoint: std::sync::OnceLock::new(), user_agent: std::sync::OnceLock::new() }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A fresh idempotency token (a UUID v4 unless the config supplies a generator).
    pub fn idempotency_token(&self) -> String {
        match &self.inner.config.settings.idempotency_token {
            Some(f) => f(),
            None => ids::uuid_v4(),
        }
    }

    /// Sends one operation call and parses its outcome. `pool` holds the
    /// input's strings when the output may repeat them (empty otherwise):
    /// the successful answer's reader takes its equal strings from there.
    pub async fn invoke<O, E>(
        &self,
        op: &'static OperationMeta,
        request: OperationRequest,
        route: Route,
        mut pool: StringPool,
        parse: Parse<O, E>,
    ) -> Result<O, SdkError<E>> {
        let span = tracing::debug_span!("call", service = self.inner.service.service_name, operation = op.name);
        let call = async {
            let (http_client, call) = self.prepare(op, request, route)?;
            self.attempts(op, &*http_client, &call, &mut pool, parse).await
        }
        .instrument(span);
        match self.inner.config.settings.timeout.operation_timeout() {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Err(SdkError::timeout_error(format!("{} did not complete within the operation timeout of {limit:?}", op.name))),
            },
        }
    }

    /// What every attempt of the call shares, or why the call cannot be made.
    fn prepare<E>(
        &self,
        op: &'static OperationMeta,
        request: OperationRequest,
        route: Route,
    ) -> Result<(Arc<dyn HttpClient>, CallRequest), SdkError<E>> {
        let OperationRequest { method, path, headers: mut bound_headers, content_type, body } = request;
        let (settings, state) = (&self.inner.config.settings, &self.inner.config.state);
        let service = self.inner.service;
        if !settings.load_problems.is_empty() {
            return Err(SdkError::construction_failure(format!(
                "the configuration loaded from the environment is invalid: {}",
                settings.load_problems.join("; ")
            )));
        }
        let http_client = settings.http_client(state).map_err(SdkError::construction_failure)?;
        let resolved = self.endpoint(&route.endpoint_params).map_err(SdkError::construction_failure)?;
        let endpoint::Resolved { mut uri, mut host, auth, headers: endpoint_headers } = resolved;
        if let (Some(prefix), false) = (&route.host_prefix, settings.disable_host_prefix) {
            (uri, host) = endpoint::with_host_prefix(&uri, &host, prefix);
        }
        let (body, content_encoding) = payload::prepare(op, settings, body, &mut bound_headers).map_err(SdkError::construction_failure)?;
        let signer = match service.signing_name {
            None => None,
            Some(name) => {
                let region = settings.region.clone().ok_or_else(|| {
                    SdkError::construction_failure(
                        "no region is configured: set AWS_REGION, a region in the profile, or config::Builder::region",
                    )
                })?;
                let credentials = settings.credentials.clone().ok_or_else(|| {
                    SdkError::construction_failure(
                        "no credentials provider is configured: use load_from_env, or config::Builder::credentials_provider",
                    )
                })?;
                let auth = auth.unwrap_or_default();
                let name = auth.signing_name.map_or(std::borrow::Cow::Borrowed(name), std::borrow::Cow::Owned);
                let region = auth.signing_region.map_or(region, crate::config::Region::new);
                Some(Signer { name, region, credentials })
            }
        };
        let invocation_id = match &settings.invocation_id {
            Some(f) => f(),
            None => ids::uuid_v4(),
        };
        let (uri, target) = match service.protocol {
            Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => (uri, Some([service.service_name, ".", op.name].concat())),
            Protocol::RpcV2Cbor => {
                let base = uri.strip_suffix('/').unwrap_or(&uri);
                ([base, "/service/", service.service_name, "/operation/", op.name].concat(), None)
            }
            // The operation's path follows the endpoint's own path.
            Protocol::RestJson1 => {
                let base = uri.strip_suffix('/').unwrap_or(&uri);
                ([base, &path].concat(), None)
            }
        };
        let call = CallRequest {
            method,
            uri,
            host,
            protocol: service.protocol,
            has_input: op.has_input,
            query_mode: service.query_compatible,
            target,
            body,
            content_encoding,
            user_agent: self.user_agent(),
            invocation_id,
            max_attempts: settings.retry.max_attempts(),
            signer,
            endpoint_headers,
            bound_headers,
            content_type,
        };
        Ok((http_client, call))
    }

    /// The loop: sign, wait for the send rate, send, classify, decide.
    async fn attempts<O, E>(
        &self,
        op: &'static OperationMeta,
        http_client: &dyn HttpClient,
        call: &CallRequest,
        pool: &mut StringPool,
        parse: Parse<O, E>,
    ) -> Result<O, SdkError<E>> {
        let (settings, state) = (&self.inner.config.settings, &self.inner.config.state);
        let adaptive = settings.retry.mode() == RetryMode::Adaptive;
        let mut attempt = 1;
        let mut spent_on_retries = 0;
        loop {
            let request = call
                .signed(attempt, settings.time_source.now(), state)
                .await
                .map_err(|e| SdkError::construction_failure(e).with_retry_info(attempts_made(attempt - 1)))?;
            if adaptive {
                self.wait_for_send_rate().await;
            }
            let span =
                tracing::debug_span!("attempt", attempt, max_attempts = call.max_attempts, invocation_id = call.invocation_id.as_str());
            let outcome = self.send(op, http_client, request, pool, parse).instrument(span).await;
            if adaptive {
                let throttled = matches!(outcome, Outcome::Retry(RetryKind::Throttling, _));
                if let Ok(mut l) = state.rate_limiter.lock() {
                    l.update(state.rate_clock(), throttled);
                }
            }
            let (kind, error) = match outcome {
                Outcome::Done(result) => {
                    tracing::debug!(attempt, ok = result.is_ok(), "call finished");
                    if result.is_ok() {
                        state.retry_quota.release(spent_on_retries);
                    }
                    return result.map_err(|e| e.with_retry_info(attempts_made(attempt)));
                }
                Outcome::Retry(kind, error) => (kind, error),
            };
            // A stream that can be read once went with this attempt.
            if !call.body.can_send() {
                tracing::debug!(attempt, ?kind, "giving up: the request body was a stream that cannot be sent again");
                return Err(error.with_retry_info(attempts_made(attempt)));
            }
            let jitter = (settings.jitter)();
            match policy::next_step(kind, attempt, &settings.retry, state.retry_quota.available(), jitter) {
                // Another call may have taken the last tokens since `available()`.
                NextStep::Retry { cost, wait } if state.retry_quota.acquire(cost) => {
                    spent_on_retries += cost;
                    tracing::debug!(attempt, ?kind, wait_ms = wait.as_millis() as u64, "retrying");
                    settings.sleep.sleep(wait).await;
                    attempt += 1;
                }
                NextStep::AttemptsExhausted => {
                    tracing::debug!(attempt, ?kind, "giving up: no attempts left");
                    let info = RetryInfo { attempts: attempt, attempts_exhausted: true, ..RetryInfo::default() };
                    return Err(error.with_retry_info(info));
                }
                NextStep::Retry { .. } | NextStep::QuotaExhausted => {
                    tracing::debug!(attempt, ?kind, "giving up: the retry quota is used up");
                    let info = RetryInfo { attempts: attempt, quota_exhausted: true, ..RetryInfo::default() };
                    return Err(error.with_retry_info(info));
                }
            }
        }
    }

    /// Adaptive mode: waits until the client's send rate allows another request.
    async fn wait_for_send_rate(&self) {
        let (settings, state) = (&self.inner.config.settings, &self.inner.config.state);
        let wait = state.rate_limiter.lock().map(|mut l| l.acquire(state.rate_clock())).unwrap_or(0.0);
        if wait > 0.0 {
            tracing::debug!(wait_ms = (wait * 1000.0) as u64, "adaptive mode: waiting for the send rate");
            settings.sleep.sleep(std::time::Duration::from_secs_f64(wait)).await;
        }
    }

    /// Sends one attempt under the attempt timeout and classifies what came back.
    async fn send<O, E>(
        &self,
        op: &'static OperationMeta,
        http_client: &dyn HttpClient,
        request: crate::http::HttpRequest,
        pool: &mut StringPool,
        parse: Parse<O, E>,
    ) -> Outcome<O, E> {
        let limit = self.inner.config.settings.timeout.operation_attempt_timeout();
        // Only an operation with a streaming output leaves the body unread.
        let response = if matches!(parse, Parse::RestJsonStream(..)) {
            within_attempt(limit, http_client.call_streaming(request)).await
        } else {
            within_attempt(limit, http_client.call(request)).await.map(|r| r.map(|head| StreamingResponse { head, body: None }))
        };
        match response {
            Err(error) => Outcome::Retry(RetryKind::Timeout, error),
            Ok(Ok(StreamingResponse { head, body })) => {
                let service = self.inner.service;
                response::from_response(service, op, head, body, pool, parse, |r| self.correct_clock_skew(r))
            }
            Ok(Err(e)) => response::from_connector_error(e),
        }
    }

    /// Learns the service's clock from the response's `Date` header; true
    /// when the skew is large enough to explain the rejection (and so a
    /// retry, signed with the corrected time, may succeed). A `Date` more
    /// than [`policy::MAX_BELIEVABLE_SKEW`] away is ignored.
    fn correct_clock_skew(&self, response: &HttpResponse) -> bool {
        let (settings, state) = (&self.inner.config.settings, &self.inner.config.state);
        let Some(date) = response.headers().get("date") else { return false };
        let Ok(server) = crate::primitives::DateTime::from_str(date, crate::primitives::DateTimeFormat::HttpDate) else {
            return false;
        };
        let ours = crate::primitives::DateTime::from(settings.time_source.now());
        let Some(skew_ms) = policy::learned_skew_ms(server.as_secs_f64(), ours.as_secs_f64(), state.clock_skew_ms()) else {
            return false;
        };
        tracing::debug!(skew_ms, "correcting the signing clock from the service's Date header");
        state.set_clock_skew_ms(skew_ms);
        true
    }

    /// The call's endpoint: resolved on the first call and kept when the
    /// operation has no context parameters, else resolved for this call.
    fn endpoint(&self, params: &[(&'static str, crate::endpoint::RuleValue)]) -> Result<endpoint::Resolved, String> {
        let (settings, service) = (&self.inner.config.settings, self.inner.service);
        if !params.is_empty() {
            return endpoint::resolve(settings, service, params);
        }
        self.inner.endpoint.get_or_init(|| endpoint::resolve(settings, service, &[])).clone()
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
        if let Some(app) = &self.inner.config.settings.app_name {
            ua.push_str(" app/");
            ua.push_str(app.as_ref());
        }
        ua
    }
}

/// Awaits an attempt's response for at most the attempt timeout.
async fn within_attempt<T, E>(limit: Option<std::time::Duration>, sent: impl std::future::Future<Output = T>) -> Result<T, SdkError<E>> {
    match limit {
        None => Ok(sent.await),
        Some(limit) => tokio::time::timeout(limit, sent)
            .await
            .map_err(|_| SdkError::timeout_error(format!("attempt did not complete within {limit:?}"))),
    }
}

/// Retry information for an error after `attempts` attempts.
fn attempts_made(attempts: u32) -> RetryInfo {
    RetryInfo { attempts, ..RetryInfo::default() }
}
