//! SigV4 signing of a request through the `aws-sigv4` crate.

use std::time::SystemTime;

use aws_sigv4::http_request::{sign as sigv4_sign, SignableBody, SignableRequest, SigningSettings};
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

/// Signs `request` in place: adds `X-Amz-Date`, `Authorization` and, for
/// temporary credentials, `X-Amz-Security-Token`.
pub fn sign(
    request: &mut HttpRequest,
    credentials: &Credentials,
    region: &str,
    signing_name: &str,
    time: SystemTime,
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
        .settings(SigningSettings::default())
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
