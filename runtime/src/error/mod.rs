//! Errors shared by generated crates.

mod build_error;
mod display;
mod metadata;
mod operation_error;
mod request_id;
mod sdk_error;

pub use build_error::BuildError;
pub use display::DisplayErrorContext;
pub use metadata::{CreateUnhandledError, ErrorKind, ErrorMetadata, ErrorMetadataBuilder, ProvideErrorMetadata, Unhandled, UnmodeledError};
pub use request_id::RequestId;
pub(crate) use sdk_error::BoxError;
pub use sdk_error::{ConstructionFailure, DispatchFailure, ResponseError, RetryInfo, SdkError, ServiceError, TimeoutError};
