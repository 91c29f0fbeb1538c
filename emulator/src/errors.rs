//! Errors are data: one table maps every refusal the emulator can make to
//! the AWS error code and HTTP status the service answers with, so the wire
//! format of errors is decided here and nowhere else.

use std::fmt;

/// Every error the emulator answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A MeterUsage for an hour already billed with another quantity.
    DuplicateRequest,
    /// A `ClientToken` reused with other parameters (HTTP 409).
    IdempotencyConflict,
    /// The emulator itself failed (HTTP 500).
    InternalServiceError,
    /// A customer that is not the product's.
    InvalidCustomerIdentifier,
    /// A product the emulator does not know, or not the caller's.
    InvalidProductCode,
    /// A dimension the product does not have.
    InvalidUsageDimension,
    /// Allocations that do not add up, or repeat a tag set.
    InvalidUsageAllocations,
    /// A malformed tag.
    InvalidTag,
    /// A licence that is not the product's or the customer's.
    InvalidLicense,
    /// A registration token the emulator never issued.
    InvalidToken,
    /// A registration token past its lifetime.
    ExpiredToken,
    /// A buyer not subscribed to the product.
    CustomerNotEntitled,
    /// A timestamp outside the accepted window.
    TimestampOutOfBounds,
    /// Over the per-account request rate.
    Throttling,
    /// `PublicKeyVersion` other than 1.
    InvalidPublicKeyVersion,
    /// A product called in a region it is not offered in.
    InvalidEndpointRegion,
    /// RegisterUsage from outside ECS, EKS and Fargate.
    PlatformNotSupported,
    /// `DryRun` found nothing wrong.
    DryRunOperation,
    /// A request without an `Authorization` header.
    MissingAuthenticationToken,
    /// An access key the configuration does not have, or a wrong session token.
    UnrecognizedClient,
    /// A signature that does not verify, a wrong scope, or a request time too far off.
    InvalidSignature,
    /// No or an unknown `X-Amz-Target`.
    UnknownOperation,
    /// A body that is not JSON, or members of the wrong type.
    Serialization,
    /// A constraint of the model broken.
    Validation,
    /// A GetEntitlements parameter the Entitlement Service refuses.
    InvalidParameter,
    /// A Catalog entity or change set that does not exist (or is not the caller's).
    ResourceNotFound,
    /// A Catalog entity another unfinished change set is changing, or a change set past cancelling.
    ResourceInUse,
    /// Too many unfinished Catalog change sets.
    ServiceQuotaExceeded,
}

impl Code {
    /// The `__type` and HTTP status of the answer.
    pub fn wire(self) -> (&'static str, u16) {
        match self {
            Code::DuplicateRequest => ("DuplicateRequestException", 400),
            Code::IdempotencyConflict => ("IdempotencyConflictException", 409),
            Code::InternalServiceError => ("InternalServiceErrorException", 500),
            Code::InvalidCustomerIdentifier => ("InvalidCustomerIdentifierException", 400),
            Code::InvalidProductCode => ("InvalidProductCodeException", 400),
            Code::InvalidUsageDimension => ("InvalidUsageDimensionException", 400),
            Code::InvalidUsageAllocations => ("InvalidUsageAllocationsException", 400),
            Code::InvalidTag => ("InvalidTagException", 400),
            Code::InvalidLicense => ("InvalidLicenseException", 400),
            Code::InvalidToken => ("InvalidTokenException", 400),
            Code::ExpiredToken => ("ExpiredTokenException", 400),
            Code::CustomerNotEntitled => ("CustomerNotEntitledException", 400),
            Code::TimestampOutOfBounds => ("TimestampOutOfBoundsException", 400),
            Code::Throttling => ("ThrottlingException", 400),
            Code::InvalidPublicKeyVersion => ("InvalidPublicKeyVersionException", 400),
            Code::InvalidEndpointRegion => ("InvalidEndpointRegionException", 400),
            Code::PlatformNotSupported => ("PlatformNotSupportedException", 400),
            Code::DryRunOperation => ("DryRunOperation", 400),
            Code::MissingAuthenticationToken => ("MissingAuthenticationTokenException", 400),
            Code::UnrecognizedClient => ("UnrecognizedClientException", 400),
            Code::InvalidSignature => ("InvalidSignatureException", 400),
            Code::UnknownOperation => ("UnknownOperationException", 400),
            Code::Serialization => ("SerializationException", 400),
            Code::Validation => ("ValidationException", 400),
            Code::InvalidParameter => ("InvalidParameterException", 400),
            Code::ResourceNotFound => ("ResourceNotFoundException", 404),
            Code::ResourceInUse => ("ResourceInUseException", 423),
            Code::ServiceQuotaExceeded => ("ServiceQuotaExceededException", 402),
        }
    }

    /// The error type and HTTP status of the answer of a restJson1 service
    /// (the Catalog API), whose errors say themselves in their status too.
    pub fn rest_wire(self) -> (&'static str, u16) {
        match self {
            Code::Validation => ("ValidationException", 422),
            Code::Throttling => ("ThrottlingException", 429),
            Code::InternalServiceError => ("InternalServiceException", 500),
            Code::MissingAuthenticationToken | Code::UnrecognizedClient | Code::InvalidSignature => (self.wire().0, 403),
            Code::UnknownOperation => ("UnknownOperationException", 404),
            other => other.wire(),
        }
    }
}

/// A refusal: the code and the message the caller reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// What kind of refusal.
    pub code: Code,
    /// What was wrong, for a person.
    pub message: String,
}

impl ServiceError {
    /// A refusal of `code` saying `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ServiceError { code, message: message.into() }
    }

    /// The JSON body AWS JSON services answer errors with.
    pub fn body(&self) -> String {
        body(self.code.wire().0, &self.message)
    }
}

/// The JSON body of an error of type `type_name`: every error the emulator answers with, an armed fault's included.
pub fn body(type_name: &str, message: &str) -> String {
    serde_json::json!({ "__type": type_name, "message": message }).to_string()
}

/// The data file could not take a write: nothing was billed, and the caller may retry.
pub fn unavailable(e: String) -> ServiceError {
    ServiceError::new(Code::InternalServiceError, format!("the emulator could not record the usage: {e}"))
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.wire().0, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// Collects constraint violations into one `ValidationException`, worded as
/// AWS words them: `1 validation error detected: Value '…' at 'productCode'
/// failed to satisfy constraint: Member must …`.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    /// Records that `value` at `path` breaks `constraint` (`Member must …`).
    pub fn add(&mut self, value: impl fmt::Display, path: &str, constraint: &str) {
        self.0.push(format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"));
    }

    /// Records that the required member at `path` is missing.
    pub fn missing(&mut self, path: &str) {
        self.0.push(format!("Value null at '{path}' failed to satisfy constraint: Member must not be null"));
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), ServiceError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ServiceError::new(Code::Validation, format!("1 validation error detected: {}", self.0[0]))),
            n => Err(ServiceError::new(Code::Validation, format!("{n} validation errors detected: {}", self.0.join("; ")))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_read_as_aws_writes_them() {
        let mut v = Violations::default();
        v.add(26, "usageRecords", "Member must have length less than or equal to 25");
        assert_eq!(
            v.finish().unwrap_err().message,
            "1 validation error detected: Value '26' at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to 25"
        );
        let mut v = Violations::default();
        v.missing("productCode");
        v.missing("timestamp");
        assert!(v.finish().unwrap_err().message.starts_with("2 validation errors detected: Value null at 'productCode'"));
        assert_eq!(ServiceError::new(Code::IdempotencyConflict, "x").code.wire(), ("IdempotencyConflictException", 409));
        assert_eq!(ServiceError::new(Code::Throttling, "slow").body(), r#"{"__type":"ThrottlingException","message":"slow"}"#);
    }
}
