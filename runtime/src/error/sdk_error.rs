//! `SdkError`: every way a call can fail, from a refused input to a service error.

use std::error::Error as StdError;
use std::fmt;

use super::metadata::{CreateUnhandledError, ErrorMetadata, ProvideErrorMetadata};
use crate::http::{ConnectorError, HttpResponse};

/// A boxed error that can cross threads.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// How the request loop ended: attempts made, and why it stopped retrying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryInfo {
    /// Attempts sent (0 when the request was refused before sending).
    pub attempts: u32,
    /// The failure was retryable, but the client's retry quota was empty.
    pub quota_exhausted: bool,
    /// The failure was retryable, but every allowed attempt was used.
    pub attempts_exhausted: bool,
}

/// The request could not be built (a missing required member, an invalid
/// value, no region or credentials). Nothing was sent.
#[derive(Debug)]
pub struct ConstructionFailure {
    retry: RetryInfo,
    source: BoxError,
}

/// The call or an attempt ran out of time.
#[derive(Debug)]
pub struct TimeoutError {
    retry: RetryInfo,
    source: BoxError,
}

/// The request could not be sent or its response not read.
#[derive(Debug)]
pub struct DispatchFailure {
    retry: RetryInfo,
    source: ConnectorError,
}

impl DispatchFailure {
    /// The transport's error.
    pub fn as_connector_error(&self) -> &ConnectorError {
        &self.source
    }

    /// True when the transport timed out.
    pub fn is_timeout(&self) -> bool {
        self.source.is_timeout()
    }

    /// True for I/O failures.
    pub fn is_io(&self) -> bool {
        self.source.is_io()
    }
}

/// A response arrived but could not be understood (not JSON, wrong types).
#[derive(Debug)]
pub struct ResponseError<R> {
    retry: RetryInfo,
    source: BoxError,
    raw: R,
}

impl<R> ResponseError<R> {
    /// The raw response.
    pub fn raw(&self) -> &R {
        &self.raw
    }
}

/// The service answered with an error.
#[derive(Debug)]
pub struct ServiceError<E, R> {
    retry: RetryInfo,
    source: E,
    raw: R,
}

impl<E, R> ServiceError<E, R> {
    /// The operation's error.
    pub fn err(&self) -> &E {
        &self.source
    }

    /// The operation's error, by value.
    pub fn into_err(self) -> E {
        self.source
    }

    /// The raw response.
    pub fn raw(&self) -> &R {
        &self.raw
    }
}

/// Why a call failed.
///
/// `E` is the operation's error enum; `R` the raw response type.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E, R = HttpResponse> {
    /// The request was refused before sending.
    ConstructionFailure(ConstructionFailure),
    /// Time ran out.
    TimeoutError(TimeoutError),
    /// Sending or receiving failed below HTTP.
    DispatchFailure(DispatchFailure),
    /// The response could not be understood.
    ResponseError(ResponseError<R>),
    /// The service returned an error.
    ServiceError(ServiceError<E, R>),
}

impl<E, R> SdkError<E, R> {
    /// A [`SdkError::ConstructionFailure`].
    pub fn construction_failure(source: impl Into<BoxError>) -> Self {
        SdkError::ConstructionFailure(ConstructionFailure { retry: RetryInfo::default(), source: source.into() })
    }

    /// A [`SdkError::TimeoutError`].
    pub fn timeout_error(source: impl Into<BoxError>) -> Self {
        SdkError::TimeoutError(TimeoutError { retry: RetryInfo::default(), source: source.into() })
    }

    /// A [`SdkError::DispatchFailure`].
    pub fn dispatch_failure(source: ConnectorError) -> Self {
        SdkError::DispatchFailure(DispatchFailure { retry: RetryInfo::default(), source })
    }

    /// A [`SdkError::ResponseError`].
    pub fn response_error(source: impl Into<BoxError>, raw: R) -> Self {
        SdkError::ResponseError(ResponseError { retry: RetryInfo::default(), source: source.into(), raw })
    }

    /// A [`SdkError::ServiceError`].
    pub fn service_error(source: E, raw: R) -> Self {
        SdkError::ServiceError(ServiceError { retry: RetryInfo::default(), source, raw })
    }

    /// How many attempts were sent, and why retrying stopped.
    pub fn retry_info(&self) -> RetryInfo {
        match self {
            SdkError::ConstructionFailure(e) => e.retry,
            SdkError::TimeoutError(e) => e.retry,
            SdkError::DispatchFailure(e) => e.retry,
            SdkError::ResponseError(e) => e.retry,
            SdkError::ServiceError(e) => e.retry,
        }
    }

    /// The number of attempts sent.
    pub fn attempts(&self) -> u32 {
        self.retry_info().attempts
    }

    /// Records how the request loop ended.
    pub fn with_retry_info(mut self, info: RetryInfo) -> Self {
        match &mut self {
            SdkError::ConstructionFailure(e) => e.retry = info,
            SdkError::TimeoutError(e) => e.retry = info,
            SdkError::DispatchFailure(e) => e.retry = info,
            SdkError::ResponseError(e) => e.retry = info,
            SdkError::ServiceError(e) => e.retry = info,
        }
        self
    }

    /// The service error, if this is one.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            SdkError::ServiceError(e) => Some(&e.source),
            _ => None,
        }
    }

    /// The raw response, when one arrived.
    pub fn raw_response(&self) -> Option<&R> {
        match self {
            SdkError::ServiceError(e) => Some(&e.raw),
            SdkError::ResponseError(e) => Some(&e.raw),
            _ => None,
        }
    }

    /// Turns any failure into the operation's error: service errors as they
    /// are, everything else as its unhandled case.
    pub fn into_service_error(self) -> E
    where
        E: StdError + ProvideErrorMetadata + Send + Sync + CreateUnhandledError + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        match self {
            SdkError::ServiceError(e) => e.source,
            other => E::create_unhandled_error(Box::new(other), None),
        }
    }

    /// Changes the service error type.
    pub fn map_service_error<E2>(self, map: impl FnOnce(E) -> E2) -> SdkError<E2, R> {
        match self {
            SdkError::ConstructionFailure(e) => SdkError::ConstructionFailure(e),
            SdkError::TimeoutError(e) => SdkError::TimeoutError(e),
            SdkError::DispatchFailure(e) => SdkError::DispatchFailure(e),
            SdkError::ResponseError(e) => SdkError::ResponseError(e),
            SdkError::ServiceError(e) => SdkError::ServiceError(ServiceError { retry: e.retry, source: map(e.source), raw: e.raw }),
        }
    }
}

impl<E: ProvideErrorMetadata, R> fmt::Display for SdkError<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::ConstructionFailure(e) => write!(f, "request not sent: {}", e.source)?,
            SdkError::TimeoutError(e) => write!(f, "request timed out: {}", e.source)?,
            SdkError::DispatchFailure(e) => write!(f, "request failed to send: {}", e.source)?,
            SdkError::ResponseError(e) => write!(f, "response could not be read: {}", e.source)?,
            SdkError::ServiceError(e) => write!(f, "service error: {}", e.source.meta())?,
        }
        let info = self.retry_info();
        if info.quota_exhausted {
            write!(f, " (after {} attempt(s); not retried because the client's retry quota is used up)", info.attempts)?;
        } else if info.attempts_exhausted && info.attempts > 1 {
            write!(f, " (after {} attempts)", info.attempts)?;
        }
        Ok(())
    }
}

impl<E, R> StdError for SdkError<E, R>
where
    E: StdError + ProvideErrorMetadata + 'static,
    R: fmt::Debug,
{
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::ConstructionFailure(e) => Some(e.source.as_ref()),
            SdkError::TimeoutError(e) => Some(e.source.as_ref()),
            SdkError::DispatchFailure(e) => Some(&e.source),
            SdkError::ResponseError(e) => Some(e.source.as_ref()),
            SdkError::ServiceError(e) => Some(&e.source),
        }
    }
}

static EMPTY_META: ErrorMetadata = ErrorMetadata::EMPTY;

impl<E: ProvideErrorMetadata, R> ProvideErrorMetadata for SdkError<E, R> {
    fn meta(&self) -> &ErrorMetadata {
        match self {
            SdkError::ServiceError(e) => e.source.meta(),
            _ => &EMPTY_META,
        }
    }
}
