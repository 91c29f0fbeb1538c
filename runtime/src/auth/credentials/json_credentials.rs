//! The JSON credentials document that the instance metadata service, the
//! container endpoint and `credential_process` programs return.

use super::{Credentials, CredentialsError};
use crate::json::{self, Value};
use crate::primitives::{DateTime, DateTimeFormat};

/// Parses `{"AccessKeyId", "SecretAccessKey", "Token" or "SessionToken", "Expiration"}`.
pub fn parse(provider: &'static str, body: &[u8]) -> Result<Credentials, CredentialsError> {
    let doc = json::parse(body).map_err(|e| CredentialsError::new(provider, format!("the response is not JSON: {e}")))?;
    if let Some(code) = doc.get("Code").and_then(Value::as_str) {
        if code != "Success" {
            let message = doc.get("Message").and_then(Value::as_str).unwrap_or("");
            return Err(CredentialsError::new(provider, format!("the endpoint answered {code}: {message}")));
        }
    }
    let field = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    let key = field("AccessKeyId").ok_or_else(|| CredentialsError::new(provider, "the response has no AccessKeyId"))?;
    let secret = field("SecretAccessKey").ok_or_else(|| CredentialsError::new(provider, "the response has no SecretAccessKey"))?;
    let token = field("Token").or_else(|| field("SessionToken"));
    let expiry = match field("Expiration") {
        None => None,
        Some(text) => Some(
            DateTime::from_str(&text, DateTimeFormat::DateTime)
                .ok()
                .and_then(|t| t.try_into().ok())
                .ok_or_else(|| CredentialsError::new(provider, format!("Expiration `{text}` is not an RFC 3339 time")))?,
        ),
    };
    Ok(Credentials::new(key, secret, token, expiry, provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let ok = br#"{"Code":"Success","AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2030-01-01T00:00:00Z"}"#;
        let c = parse("imds", ok).unwrap();
        assert_eq!((c.access_key_id(), c.session_token()), ("A", Some("T")));
        assert!(c.expiry().is_some());
        assert!(parse("imds", b"not json").unwrap_err().to_string().contains("not JSON"));
        assert!(parse("imds", br#"{"Code":"Failed","Message":"no role"}"#).unwrap_err().to_string().contains("Failed: no role"));
        assert!(parse("imds", br#"{"AccessKeyId":"A"}"#).unwrap_err().to_string().contains("no SecretAccessKey"));
        assert!(parse("imds", br#"{"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"soon"}"#).is_err());
    }
}
