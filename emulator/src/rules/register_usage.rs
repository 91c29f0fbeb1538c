//! RegisterUsage, called from the buyer's account when a container starts:
//! the entitlement is checked, and the answer carries a JSON Web Token
//! signed with RSA-PSS and SHA-256 (PS256) by the emulator's key
//! (`emulator/keys/`), whose public key `GET /emulator/v1/public-key` serves.
//!
//! The token's payload: `productCode`, `publicKeyVersion`, `nonce` (when
//! given), `customerAWSAccountId`, `issuedAt` (RFC 3339) and `iat` (epoch
//! seconds).

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use super::window::epoch;
use crate::config::{Account, Config};
use crate::errors::{Code, ServiceError};
use crate::time_text::rfc3339;
use crate::wire::decode::RegisterUsage;

/// The emulator's signing key, an RSAPrivateKey (PKCS#1 DER).
const PRIVATE_KEY: &[u8] = include_bytes!("../../keys/register-usage.der");
/// Its public key, as PEM.
pub const PUBLIC_KEY_PEM: &str = include_str!("../../keys/register-usage.pub.pem");
/// How far ahead `PublicKeyRotationTimestamp` lies.
const ROTATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Checks the caller's entitlement and answers with the signed token.
pub fn register_usage(config: &Config, caller: &Account, request: &RegisterUsage<'_>, now: SystemTime) -> Result<Value, ServiceError> {
    let RegisterUsage { product_code, public_key_version: version, nonce } = *request;
    let product = config.product(product_code).ok_or_else(|| {
        ServiceError::new(Code::InvalidProductCode, format!("Product code {product_code} is not a product of this emulator"))
    })?;
    product.check_region(&config.region)?;
    if let Some(platform) = caller.platform.filter(|p| !p.registers_containers()) {
        return Err(ServiceError::new(
            Code::PlatformNotSupported,
            format!("RegisterUsage is for containers on Amazon ECS, Amazon EKS and AWS Fargate, not {}", platform.name()),
        ));
    }
    if version != 1 {
        return Err(ServiceError::new(Code::InvalidPublicKeyVersion, format!("Public key version {version} is not valid; use 1")));
    }
    if config.customer_by_account(&product.code, &caller.id).is_none() {
        return Err(ServiceError::new(Code::CustomerNotEntitled, format!("Account {} is not subscribed to {product_code}", caller.id)));
    }
    let issued = epoch(now).floor() as i64;
    let mut claims = json!({
        "productCode": product.code,
        "publicKeyVersion": version,
        "customerAWSAccountId": caller.id,
        "issuedAt": rfc3339(issued),
        "iat": issued,
    });
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    let token = sign_jwt(&claims)?;
    let rotation = epoch(now + ROTATION).floor();
    Ok(json!({ "Signature": token, "PublicKeyRotationTimestamp": rotation }))
}

/// `header.payload.signature`, PS256.
fn sign_jwt(claims: &Value) -> Result<String, ServiceError> {
    let header = json!({ "alg": "PS256", "typ": "JWT" });
    let signing_input = format!("{}.{}", base64url(header.to_string().as_bytes()), base64url(claims.to_string().as_bytes()));
    let failed = |what: &str| ServiceError::new(Code::InternalServiceError, format!("the emulator could not sign the answer: {what}"));
    let key = ring::signature::RsaKeyPair::from_der(PRIVATE_KEY).map_err(|_| failed("the key does not load"))?;
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PSS_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| failed("signing failed"))?;
    Ok(format!("{signing_input}.{}", base64url(&signature)))
}

/// Base64url without padding, as JWTs use.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &Value) -> crate::wire::decode::RegisterUsage<'_> {
        crate::wire::decode::register_usage(body).unwrap()
    }
    use std::time::UNIX_EPOCH;

    fn decode(part: &str) -> Vec<u8> {
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in part.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' => 62,
                _ => 63,
            };
            bits = (bits << 6) | u32::from(v);
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
            }
        }
        out
    }

    #[test]
    fn the_answer_is_a_ps256_token_that_verifies_with_the_served_key() {
        let config = Config::demo();
        let buyer = &config.accounts[1];
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let out = register_usage(
            &config,
            buyer,
            &request(&json!({"ProductCode": "prod-container-1", "PublicKeyVersion": 1, "Nonce": "n-1"})),
            now,
        )
        .unwrap();
        let token = out["Signature"].as_str().unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
        assert_eq!(header["alg"], "PS256");
        let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
        assert_eq!(claims["productCode"], "prod-container-1");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["issuedAt"], "2023-11-14T22:13:20Z");
        let key = ring::signature::RsaKeyPair::from_der(PRIVATE_KEY).unwrap();
        let public = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PSS_2048_8192_SHA256, key.public().as_ref());
        let input = format!("{}.{}", parts[0], parts[1]);
        public.verify(input.as_bytes(), &decode(parts[2])).unwrap();
        assert!(public.verify(b"another message", &decode(parts[2])).is_err());
        assert_eq!(out["PublicKeyRotationTimestamp"], json!(1_700_000_000.0 + ROTATION.as_secs_f64()));
    }

    #[test]
    fn entitlement_and_version_are_checked() {
        let config = Config::demo();
        let (seller, buyer) = (&config.accounts[0], &config.accounts[1]);
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let code = |caller: &Account, body: Value| {
            crate::wire::decode::register_usage(&body).and_then(|r| register_usage(&config, caller, &r, now)).unwrap_err().code
        };
        assert_eq!(code(buyer, json!({"ProductCode": "prod-container-1", "PublicKeyVersion": 2})), Code::InvalidPublicKeyVersion);
        assert_eq!(code(buyer, json!({"ProductCode": "nope", "PublicKeyVersion": 1})), Code::InvalidProductCode);
        assert_eq!(code(seller, json!({"ProductCode": "prod-container-1", "PublicKeyVersion": 1})), Code::CustomerNotEntitled);
        assert_eq!(code(buyer, json!({"ProductCode": "prod-container-1", "PublicKeyVersion": 0})), Code::Validation);
        assert_eq!(base64url(b"hello?"), "aGVsbG8_");
    }

    #[test]
    fn platform_and_region_are_checked() {
        let mut config = Config::demo();
        let mut on_ec2 = config.accounts[1].clone();
        on_ec2.platform = Some(crate::config::Platform::Ec2);
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let body = json!({"ProductCode": "prod-container-1", "PublicKeyVersion": 1});
        let e = register_usage(&config, &on_ec2, &request(&body), now).unwrap_err();
        assert_eq!(e.code, Code::PlatformNotSupported);
        assert!(e.message.contains("not Amazon EC2"), "{}", e.message);
        let mut on_eks = on_ec2.clone();
        on_eks.platform = Some(crate::config::Platform::Eks);
        assert!(register_usage(&config, &on_eks, &request(&body), now).is_ok());
        config.products[1].regions = Some(vec!["eu-west-1".into()]);
        let e = register_usage(&config, &on_eks, &request(&body), now).unwrap_err();
        assert_eq!((e.code, e.message.contains("not offered in us-east-1")), (Code::InvalidEndpointRegion, true), "{}", e.message);
    }
}
