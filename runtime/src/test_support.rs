//! Helpers for the runtime's own unit tests.

use std::sync::Arc;

use crate::auth::credentials::ProviderContext;
use crate::env::OsEnv;
use crate::http::{BoxFuture, ConnectorError, ConnectorErrorKind, HttpClient, HttpRequest, HttpResponse};
use crate::time::SystemTimeSource;

/// A transport that refuses every request, so a unit test can never reach a network.
#[derive(Debug)]
pub struct NoNetwork;

impl HttpClient for NoNetwork {
    fn call(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, ConnectorError>> {
        Box::pin(async move { Err(ConnectorError::new(ConnectorErrorKind::Io, format!("no network in unit tests ({})", request.uri))) })
    }
}

/// A provider context over `env` that cannot send anything.
pub fn offline_context(env: OsEnv) -> ProviderContext {
    ProviderContext::with(env, Arc::new(NoNetwork), Arc::new(SystemTimeSource))
}
