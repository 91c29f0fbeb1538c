//! Verifying the token RegisterUsage answers with (`metering register-usage
//! --verify-with PUBLIC_KEY_PEM`): a JSON Web Token signed PS256 (RSA-PSS
//! with SHA-256), checked against an RSA public key in PEM
//! (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo).

/// Decodes base64 (standard or URL alphabet, padding optional); `None` on other characters.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

/// The RSAPublicKey (PKCS#1) inside a SubjectPublicKeyInfo: the contents of its BIT STRING.
fn rsa_public_key(spki: &[u8]) -> Option<&[u8]> {
    // SEQUENCE { SEQUENCE { OID, NULL }, BIT STRING { 0x00, RSAPublicKey } }
    fn header(der: &[u8]) -> Option<(u8, usize, usize)> {
        let tag = *der.first()?;
        let first = *der.get(1)?;
        if first < 0x80 {
            return Some((tag, 2, usize::from(first)));
        }
        let count = usize::from(first & 0x7f);
        let len = der.get(2..2 + count)?.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        Some((tag, 2 + count, len))
    }
    let (tag, hl, len) = header(spki)?;
    let body = spki.get(hl..hl + len).filter(|_| tag == 0x30)?;
    let (tag, hl, len) = header(body)?;
    let rest = body.get(hl + len..).filter(|_| tag == 0x30)?;
    let (tag, hl, len) = header(rest)?;
    let bits = rest.get(hl..hl + len).filter(|_| tag == 0x03)?;
    bits.split_first().filter(|(unused, _)| **unused == 0).map(|(_, key)| key)
}

/// Checks `token`'s PS256 signature with the key in `pem`; the payload's JSON when it verifies.
pub fn verify(token: &str, pem: &str) -> Result<serde_json::Value, String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    if !pem.contains("BEGIN PUBLIC KEY") {
        return Err("the key file is not a PEM public key (-----BEGIN PUBLIC KEY-----)".into());
    }
    let spki = base64_decode(&body).ok_or("the key file's base64 is malformed")?;
    let key = rsa_public_key(&spki).ok_or("the key file holds no RSA public key")?;
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("the signature is not a JSON Web Token (three dot-separated parts)".into());
    };
    let header_json: serde_json::Value =
        base64_decode(header).and_then(|h| serde_json::from_slice(&h).ok()).ok_or("the token's header is not base64url JSON")?;
    if header_json["alg"] != "PS256" {
        return Err(format!("the token is signed {}, not PS256", header_json["alg"]));
    }
    let signature = base64_decode(signature).ok_or("the token's signature is not base64url")?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PSS_2048_8192_SHA256, key)
        .verify(format!("{header}.{payload}").as_bytes(), &signature)
        .map_err(|_| "the signature does not verify with this key".to_owned())?;
    base64_decode(payload)
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or_else(|| "the token's payload is not base64url JSON".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_and_keys_are_refused_with_the_reason() {
        let pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n";
        assert_eq!(verify("a.b.c", "not a key").unwrap_err(), "the key file is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
        assert_eq!(verify("a.b.c", pem).unwrap_err(), "the key file holds no RSA public key");
        assert_eq!(base64_decode("aGVsbG8_"), Some(b"hello?".to_vec()));
        assert_eq!(base64_decode("a*"), None);
    }
}
