//! `ErrorMetadata`: the code, message and request id every service error carries,
//! and the `Unhandled` case for errors the model does not name.

use std::error::Error as StdError;
use std::fmt;

/// What the service said about an error: its code, message and request id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    status: Option<u16>,
}

impl ErrorMetadata {
    /// Metadata with nothing in it.
    pub const EMPTY: ErrorMetadata = ErrorMetadata { code: None, message: None, request_id: None, status: None };

    /// A builder.
    pub fn builder() -> ErrorMetadataBuilder {
        ErrorMetadataBuilder::default()
    }

    /// The error code (`ThrottlingException`).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The error message.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The request id the service assigned.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
}

/// Builds [`ErrorMetadata`].
#[derive(Debug, Clone, Default)]
pub struct ErrorMetadataBuilder {
    inner: ErrorMetadata,
}

impl ErrorMetadataBuilder {
    /// Sets the error code.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Sets the message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// Sets the request id.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.inner.request_id = Some(id.into());
        self
    }

    /// Sets the HTTP status.
    pub fn status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// The metadata.
    pub fn build(self) -> ErrorMetadata {
        self.inner
    }
}

impl fmt::Display for ErrorMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}")?,
            (Some(c), None) => write!(f, "{c}")?,
            (None, Some(m)) => write!(f, "{m}")?,
            (None, None) => match self.status {
                Some(status) => write!(f, "HTTP {status} with no error code or message")?,
                None => write!(f, "unknown error")?,
            },
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id: {id})")?;
        }
        Ok(())
    }
}

/// Access to the [`ErrorMetadata`] of an error.
pub trait ProvideErrorMetadata {
    /// The metadata.
    fn meta(&self) -> &ErrorMetadata;

    /// The error code, when the service sent one.
    fn code(&self) -> Option<&str> {
        self.meta().code()
    }

    /// The error message, when the service sent one.
    fn message(&self) -> Option<&str> {
        self.meta().message()
    }
}

/// An error the model does not name: an unknown code, or an error the runtime
/// raised before the service answered. Keeps the code, message and status.
#[derive(Debug)]
pub struct Unhandled {
    source: Box<dyn StdError + Send + Sync + 'static>,
    meta: ErrorMetadata,
}

impl Unhandled {
    /// An unhandled error with its cause and metadata.
    pub fn new(source: Box<dyn StdError + Send + Sync + 'static>, meta: ErrorMetadata) -> Self {
        Unhandled { source, meta }
    }

    /// The metadata.
    pub fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

impl fmt::Display for Unhandled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.meta.code.is_some() || self.meta.message.is_some() {
            write!(f, "unhandled error {}", self.meta)
        } else {
            write!(f, "unhandled error: {}", self.source)
        }
    }
}

impl StdError for Unhandled {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_ref())
    }
}

/// A service error without a modeled shape: what the [`Unhandled`] case wraps
/// when the service answered with an unknown code.
#[derive(Debug, Clone)]
pub struct UnmodeledError {
    meta: ErrorMetadata,
}

impl UnmodeledError {
    /// Wraps the metadata.
    pub fn new(meta: ErrorMetadata) -> Self {
        UnmodeledError { meta }
    }
}

impl fmt::Display for UnmodeledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service returned an error the model does not describe: {}", self.meta)
    }
}

impl StdError for UnmodeledError {}

/// Builds an operation's error enum from a failure that is not a modeled error.
pub trait CreateUnhandledError {
    /// The unhandled case with `source` and `meta`.
    fn create_unhandled_error(source: Box<dyn StdError + Send + Sync + 'static>, meta: Option<ErrorMetadata>) -> Self;
}

/// Which side an error blames, from the model's `@error` trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request was wrong (`@error("client")`): sending it again unchanged will fail again.
    Client,
    /// The service failed (`@error("server")`).
    Server,
}
