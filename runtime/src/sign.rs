//! SigV4 signing of a request through the `aws-sigv4` crate.

use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign as sigv4_sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::credentials::Credentials;
use crate::http::HttpRequest;

/// Why a request could not be signed.
#[derive(Debug)]
pub struct SigningError(String);

impl std::fmt::Display for SigningError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "failed to sign the request: {}", self.0)
    }
}

impl std::error::Error for SigningError {}

/// Choices SigV4 leaves to the service. The defaults are what AWS JSON
/// services expect; the others exist for the conformance vectors and for
/// services that differ (S3 signs single-encoded, unnormalised paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningOptions {
    /// Remove `.` and `..` segments and repeated slashes from the path.
    pub normalize_uri_path: bool,
    /// Percent-encode the path a second time.
    pub double_uri_encode: bool,
    /// Add `X-Amz-Content-Sha256` with the body's hash.
    pub payload_hash_header: bool,
    /// Include `X-Amz-Security-Token` in the signature (it is sent either way).
    pub sign_session_token: bool,
}

impl Default for SigningOptions {
    fn default() -> Self {
        SigningOptions { normalize_uri_path: true, double_uri_encode: true, payload_hash_header: false, sign_session_token: true }
    }
}

/// Signs `request` in place: adds `X-Amz-Date`, `Authorization` and, for
/// temporary credentials, `X-Amz-Security-Token`.
pub fn sign(
    request: &mut HttpRequest,
    credentials: &Credentials,
    region: &str,
    signing_name: &str,
    time: SystemTime,
) -> Result<(), SigningError> {
    sign_with(request, credentials, region, signing_name, time, SigningOptions::default())
}

/// [`sign`] with explicit [`SigningOptions`].
pub fn sign_with(
    request: &mut HttpRequest,
    credentials: &Credentials,
    region: &str,
    signing_name: &str,
    time: SystemTime,
    options: SigningOptions,
) -> Result<(), SigningError> {
    let identity: Identity = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        credentials.session_token().map(str::to_owned),
        credentials.expiry(),
        credentials.provider_name(),
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(signing_name)
        .time(time)
        .settings(settings(options))
        .build()
        .map_err(|e| SigningError(e.to_string()))?
        .into();
    let signable = SignableRequest::new(
        &request.method,
        &request.uri,
        request.headers.iter(),
        SignableBody::Bytes(&request.body),
    )
    .map_err(|e| SigningError(e.to_string()))?;
    let (instructions, _signature) = sigv4_sign(signable, &params).map_err(|e| SigningError(e.to_string()))?.into_parts();
    let (headers, _params) = instructions.into_parts();
    for header in headers {
        request.headers.insert(header.name(), header.value());
    }
    Ok(())
}

fn settings(options: SigningOptions) -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode =
        if options.double_uri_encode { PercentEncodingMode::Double } else { PercentEncodingMode::Single };
    settings.uri_path_normalization_mode =
        if options.normalize_uri_path { UriPathNormalizationMode::Enabled } else { UriPathNormalizationMode::Disabled };
    settings.payload_checksum_kind =
        if options.payload_hash_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
    settings.session_token_mode =
        if options.sign_session_token { SessionTokenMode::Include } else { SessionTokenMode::Exclude };
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn signs_with_date_token_and_authorization() {
        let mut headers = Headers::new();
        headers.append("Content-Type", "application/x-amz-json-1.1");
        headers.append("X-Amz-Target", "AWSMPMeteringService.MeterUsage");
        headers.append("Host", "metering.marketplace.us-east-1.amazonaws.com");
        let mut req = HttpRequest {
            method: "POST".into(),
            uri: "https://metering.marketplace.us-east-1.amazonaws.com/".into(),
            headers,
            body: b"{}".to_vec(),
        };
        let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Some("tok".into()), None, "t");
        sign(&mut req, &creds, "us-east-1", "aws-marketplace", UNIX_EPOCH + Duration::from_secs(1_440_938_160)).unwrap();
        assert_eq!(req.headers.get("x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(req.headers.get("x-amz-security-token"), Some("tok"));
        let auth = req.headers.get("authorization").unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws-marketplace/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="),
            "{auth}"
        );
    }
}
