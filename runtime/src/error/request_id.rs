//! The `RequestId` trait: the id AWS gave a call, on outputs and errors alike.

use crate::error::{ErrorMetadata, SdkError, Unhandled};
use crate::http::HttpResponse;

/// Access to the request id of a response.
pub trait RequestId {
    /// The `x-amzn-RequestId` of the response, when there was one.
    fn request_id(&self) -> Option<&str>;
}

impl RequestId for ErrorMetadata {
    fn request_id(&self) -> Option<&str> {
        ErrorMetadata::request_id(self)
    }
}

impl RequestId for Unhandled {
    fn request_id(&self) -> Option<&str> {
        self.meta().request_id()
    }
}

impl RequestId for HttpResponse {
    fn request_id(&self) -> Option<&str> {
        HttpResponse::request_id(self)
    }
}

impl<E: RequestId> RequestId for SdkError<E, HttpResponse> {
    fn request_id(&self) -> Option<&str> {
        match self {
            SdkError::ServiceError(e) => e.err().request_id(),
            SdkError::ResponseError(e) => e.raw().request_id(),
            _ => None,
        }
    }
}
