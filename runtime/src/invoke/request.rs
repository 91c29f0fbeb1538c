//! One attempt's request: the headers every call of the service's protocol
//! sends, in a fixed order, and then a fresh SigV4 signature over them.
//!
//! Everything but the attempt number is worked out once per call
//! (in `Handle::prepare`), so an attempt costs its headers and one
//! signature; the body is shared, not copied.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use crate::auth::credentials::ProvideCredentials;
use crate::auth::sign;
use crate::client_state::ClientState;
use crate::config::Region;
use crate::http::{Body, Headers, HttpRequest};

use super::Protocol;

/// What a generated operation sends. The RPC protocols put the whole input
/// in the body ([`OperationRequest::rpc`]); restJson1 also binds members to
/// the method, path and query, and headers ([`OperationRequest::http`]).
#[derive(Debug)]
pub struct OperationRequest {
    pub(super) method: &'static str,
    /// The path and query after the endpoint's own path (restJson1), else empty.
    pub(super) path: String,
    pub(super) headers: Vec<(Cow<'static, str>, String)>,
    pub(super) content_type: Option<&'static str>,
    pub(super) body: Payload,
}

/// An operation's body as generated code made it.
#[derive(Debug)]
pub(super) enum Payload {
    /// The serialised input, or a payload member's bytes.
    Bytes(Vec<u8>),
    /// A streaming payload (`@streaming` blob); `requires_length`: its
    /// length must be known before it is sent (`@requiresLength`).
    Stream { stream: crate::primitives::ByteStream, requires_length: bool },
}

impl OperationRequest {
    /// An RPC protocol's request: the body; the runtime adds the rest.
    pub fn rpc(body: Vec<u8>) -> Self {
        OperationRequest { method: "POST", path: String::new(), headers: Vec::new(), content_type: None, body: Payload::Bytes(body) }
    }

    /// A request of a protocol with HTTP bindings: `method` to `path` (with
    /// its query, already encoded), carrying `body` of `content_type` (none
    /// when there is no body).
    pub fn http(method: &'static str, path: String, content_type: Option<&'static str>, body: Vec<u8>) -> Self {
        OperationRequest { method, path, headers: Vec::new(), content_type, body: Payload::Bytes(body) }
    }

    /// A request whose body is a streaming payload (`@streaming` blob),
    /// sent as it is read unless it is in memory. `requires_length`: the
    /// service needs its length up front (`@requiresLength`), so a stream
    /// of unknown length is refused before anything is sent.
    pub fn http_stream(
        method: &'static str,
        path: String,
        content_type: Option<&'static str>,
        stream: crate::primitives::ByteStream,
        requires_length: bool,
    ) -> Self {
        OperationRequest { method, path, headers: Vec::new(), content_type, body: Payload::Stream { stream, requires_length } }
    }

    /// Adds a header the input binds (`@httpHeader`, `@httpPrefixHeaders`).
    pub fn header(&mut self, name: impl Into<Cow<'static, str>>, value: String) {
        self.headers.push((name.into(), value));
    }
}

/// What SigV4 needs: the service's signing name, the region, and where
/// credentials come from.
pub(super) struct Signer {
    /// The service's signing name, or the one its endpoint asks for.
    pub(super) name: std::borrow::Cow<'static, str>,
    pub(super) region: Region,
    pub(super) credentials: Arc<dyn ProvideCredentials>,
}

/// The parts of a call's request that do not change between attempts.
pub(super) struct CallRequest {
    pub(super) method: &'static str,
    pub(super) uri: String,
    pub(super) host: String,
    pub(super) protocol: Protocol,
    /// False for an operation whose input is `Unit` (RPC v2 CBOR then sends no `Content-Type`).
    pub(super) has_input: bool,
    /// Send `x-amzn-query-mode: true` (an `@awsQueryCompatible` service).
    pub(super) query_mode: bool,
    /// `X-Amz-Target`: `Service.Operation` (awsJson; the RPC v2 CBOR path says it).
    pub(super) target: Option<String>,
    pub(super) body: Body,
    pub(super) content_encoding: Option<&'static str>,
    pub(super) user_agent: String,
    /// `amz-sdk-invocation-id`: one per call, the same on every attempt.
    pub(super) invocation_id: String,
    pub(super) max_attempts: u32,
    pub(super) signer: Option<Signer>,
    /// Headers the resolved endpoint adds (rarely any).
    pub(super) endpoint_headers: Vec<(String, String)>,
    /// Headers the input binds (restJson1), and `Content-MD5` (any protocol).
    pub(super) bound_headers: Vec<(Cow<'static, str>, String)>,
    /// The body's type (restJson1; the RPC protocols' is fixed).
    pub(super) content_type: Option<&'static str>,
}

impl CallRequest {
    /// Attempt `attempt`'s request, unsigned.
    pub(super) fn unsigned(&self, attempt: u32) -> HttpRequest {
        // Room for every header of a call, the signature's included, so the
        // list never grows while it is filled.
        let mut headers = Headers::with_capacity(16);
        headers.append("Host", self.host.clone());
        match self.protocol {
            Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => headers.append("Content-Type", self.protocol.content_type()),
            Protocol::RpcV2Cbor => {
                headers.append("Smithy-Protocol", "rpc-v2-cbor");
                headers.append("Accept", "application/cbor");
                if self.has_input {
                    headers.append("Content-Type", self.protocol.content_type());
                }
            }
            Protocol::RestJson1 => {
                if let Some(content_type) = self.content_type {
                    headers.append("Content-Type", content_type);
                }
            }
        }
        // The input's headers (restJson1), and `Content-MD5` in any protocol.
        for (name, value) in &self.bound_headers {
            headers.append(name.clone(), value.clone());
        }
        if let Some(target) = &self.target {
            headers.append("X-Amz-Target", target.clone());
        }
        if self.query_mode {
            headers.append("x-amzn-query-mode", "true");
        }
        // A restJson1 request without a body says so only where the method
        // takes one.
        // A stream of unknown length goes in chunks (`Transfer-Encoding: chunked`, which hyper adds).
        match self.body.content_length() {
            Some(0) if self.protocol == Protocol::RestJson1 && matches!(self.method, "GET" | "HEAD" | "DELETE" | "OPTIONS") => {}
            Some(n) => headers.append("Content-Length", n.to_string()),
            None => {}
        }
        if self.body.is_stream() {
            headers.append("x-amz-content-sha256", sign::UNSIGNED_PAYLOAD);
        }
        if let Some(encoding) = self.content_encoding {
            headers.append("Content-Encoding", encoding);
        }
        headers.append("User-Agent", self.user_agent.clone());
        headers.append("x-amz-user-agent", self.user_agent.clone());
        headers.append("amz-sdk-invocation-id", self.invocation_id.clone());
        let mut retry_info = String::with_capacity(32);
        let _ = write!(retry_info, "attempt={attempt}; max={}", self.max_attempts);
        headers.append("amz-sdk-request", retry_info);
        for (name, value) in &self.endpoint_headers {
            headers.append(name.clone(), value.clone());
        }
        HttpRequest { method: self.method.into(), uri: self.uri.clone(), headers, body: self.body.clone() }
    }

    /// Attempt `attempt`'s request, signed at `now` (corrected by the skew
    /// the client has learnt) with credentials fetched for this attempt, so
    /// that a retry after credentials expired signs with fresh ones.
    pub(super) async fn signed(&self, attempt: u32, now: SystemTime, state: &ClientState) -> Result<HttpRequest, crate::error::BoxError> {
        let mut request = self.unsigned(attempt);
        if let Some(signer) = &self.signer {
            let credentials = signer.credentials.provide_credentials().await?;
            sign::sign_cached(
                &mut request,
                &credentials,
                signer.region.as_ref(),
                &signer.name,
                state.signing_time(now),
                &state.signing_keys,
            )?;
        }
        Ok(request)
    }
}
