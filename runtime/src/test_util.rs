//! Test helpers (feature `test-util`): HTTP clients that answer from a list
//! of canned responses and record every request, so code that calls a
//! service can be tested without a network.
//!
//! ```
//! use mpkit_runtime::http::HttpResponse;
//! use mpkit_runtime::test_util::ReplayClient;
//!
//! let client = ReplayClient::new(vec![HttpResponse::new(200, Default::default(), "{}")]);
//! assert!(client.requests().is_empty());
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::http::{BoxFuture, ConnectorError, ConnectorErrorKind, HttpClient, HttpRequest, HttpResponse};

/// One canned outcome: a response, or a transport failure.
#[derive(Debug)]
pub enum Canned {
    /// Answer with this response.
    Response(HttpResponse),
    /// Fail as the transport would.
    Failure(ConnectorErrorKind, String),
    /// Never answer, as a server that accepts and then says nothing; only timeouts end the wait.
    Hang,
}

impl From<HttpResponse> for Canned {
    fn from(r: HttpResponse) -> Self {
        Canned::Response(r)
    }
}

#[derive(Debug, Default)]
struct State {
    answers: VecDeque<Canned>,
    requests: Vec<HttpRequest>,
}

/// Answers requests in order from a list and records them. When the list
/// runs out, further requests fail as a transport error that says so.
#[derive(Debug, Clone, Default)]
pub struct ReplayClient {
    state: Arc<Mutex<State>>,
}

impl ReplayClient {
    /// A client that answers with `answers`, in order.
    pub fn new(answers: impl IntoIterator<Item = impl Into<Canned>>) -> Self {
        let state = State { answers: answers.into_iter().map(Into::into).collect(), requests: Vec::new() };
        ReplayClient { state: Arc::new(Mutex::new(state)) }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.state.lock().map(|s| s.requests.clone()).unwrap_or_default()
    }

    /// The only request received; panics (it is a test helper) when there
    /// was not exactly one.
    pub fn single_request(&self) -> HttpRequest {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request, got {}", requests.len());
        requests.into_iter().next().expect("checked above")
    }
}

impl HttpClient for ReplayClient {
    fn call(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, ConnectorError>> {
        let answer = match self.state.lock() {
            Ok(mut s) => {
                s.requests.push(request);
                s.answers.pop_front()
            }
            Err(_) => None,
        };
        Box::pin(async move {
            match answer {
                Some(Canned::Response(r)) => Ok(r),
                Some(Canned::Failure(kind, message)) => Err(ConnectorError::new(kind, message)),
                Some(Canned::Hang) => std::future::pending().await,
                None => Err(ConnectorError::new(ConnectorErrorKind::Other, "the replay client has no response left")),
            }
        })
    }
}

/// A response with `status`, a JSON body and the request id `test-request-id`.
pub fn json_response(status: u16, body: &str) -> HttpResponse {
    let mut headers = crate::http::Headers::new();
    headers.append("Content-Type", "application/x-amz-json-1.1");
    headers.append("x-amzn-RequestId", "test-request-id");
    HttpResponse::new(status, headers, body.as_bytes().to_vec())
}

/// A client that answers every request with `response` (an empty `200 OK`
/// when `None`) and records what it was sent, as the official SDK's
/// `capture_request` does.
pub fn capture_request(response: Option<HttpResponse>) -> ReplayClient {
    let response = response.unwrap_or_else(|| HttpResponse::new(200, crate::http::Headers::new(), b"{}".to_vec()));
    ReplayClient::new([Canned::Response(response)])
}

#[cfg(feature = "serde")]
pub mod canonical;
pub mod cbor_diff;

/// The runtime's internals that the workspace's tests and fuzz targets
/// drive directly: the signer (against the SigV4 test vectors), the profile
/// file parser and the JSON parser. Not for use outside tests.
pub mod internals {
    pub use crate::auth::sign::{sign, sign_cached, sign_with, SigningError, SigningKeyCache, SigningOptions};
    pub use crate::env::profile::{
        load as load_profile, load_files as load_profile_files, parse as parse_profile, Profile, ProfileError, ProfileSet,
    };
    pub use crate::json::{parse as parse_json, ParseError as JsonParseError, Value as JsonValue};
}
