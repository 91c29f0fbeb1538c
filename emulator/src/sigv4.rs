//! SigV4 verification of incoming requests: the emulator's own
//! implementation of the signing specification, not the signer the SDK uses,
//! so that a bug in one cannot hide behind the same bug in the other.
//!
//! [`parse_authorization`] reads the `Authorization` header;
//! [`expected_signature`] rebuilds the canonical request, the string to sign
//! and the signature from what arrived, and the caller compares.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The parts of an `AWS4-HMAC-SHA256` authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id.
    pub access_key_id: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    /// The region of the scope.
    pub region: String,
    /// The signing name of the scope.
    pub service: String,
    /// Lower-case names of the signed headers, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Reads `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
/// SignedHeaders=a;b, Signature=hex`; `Err` says what is malformed.
pub fn parse_authorization(value: &str) -> Result<Authorization, String> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ").ok_or("the Authorization header is not AWS4-HMAC-SHA256")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=').ok_or_else(|| format!("malformed Authorization component `{}`", part.trim()))?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return Err(format!("unknown Authorization component `{k}`")),
        }
    }
    let credential = credential.ok_or("the Authorization header has no Credential")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, terminal] = scope[..] else {
        return Err(format!("Credential `{credential}` is not KEY/DATE/REGION/SERVICE/aws4_request"));
    };
    if terminal != "aws4_request" {
        return Err(format!("Credential `{credential}` does not end in aws4_request"));
    }
    let signed_headers: Vec<String> =
        signed.ok_or("the Authorization header has no SignedHeaders")?.split(';').map(str::to_owned).collect();
    let signature = signature.ok_or("the Authorization header has no Signature")?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the Signature is not 64 hex digits".into());
    }
    Ok(Authorization {
        access_key_id: key.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// A request as it arrived, for verification.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The method.
    pub method: &'a str,
    /// The path as sent (percent-encoded).
    pub path: &'a str,
    /// The query string without `?`.
    pub query: &'a str,
    /// Every header as received, names in any case, repeated names as separate entries.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// How the path was signed: AWS services other than S3 normalise the path
/// and encode it a second time; the specification's vectors encode once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathRules {
    /// Remove `.` and `..` segments and repeated slashes.
    pub normalize: bool,
    /// Percent-encode the (already encoded) path again.
    pub double_encode: bool,
}

impl PathRules {
    /// What AWS JSON services use.
    pub const SERVICE: PathRules = PathRules { normalize: true, double_encode: true };
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes all but RFC 3986 unreserved characters (and `/` when `keep_slash`).
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_pair = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex_pair) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canonical_path(path: &str, rules: PathRules) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let path = if rules.normalize {
        let mut segments: Vec<&str> = Vec::new();
        for seg in path.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    segments.pop();
                }
                s => segments.push(s),
            }
        }
        let trailing = path.ends_with('/') && !segments.is_empty();
        format!("/{}{}", segments.join("/"), if trailing { "/" } else { "" })
    } else {
        path.to_owned()
    };
    if rules.double_encode {
        encode(&path, true)
    } else {
        encode(&decode(&path), true)
    }
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k), false), encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The canonical request of `req` over `signed_headers`; `Err` names a signed header that is missing.
pub fn canonical_request(req: &Incoming<'_>, signed_headers: &[String], rules: PathRules) -> Result<String, String> {
    let mut out = format!("{}\n{}\n{}\n", req.method, canonical_path(req.path, rules), canonical_query(req.query));
    for name in signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(format!("the signed header `{name}` is not in the request"));
        }
        out.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    // A body too long to hash before sending (a stream) is signed as
    // `UNSIGNED-PAYLOAD`, which the request says in `x-amz-content-sha256`.
    let unsigned = req.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("x-amz-content-sha256") && v.trim() == "UNSIGNED-PAYLOAD");
    let payload = if unsigned { "UNSIGNED-PAYLOAD".to_owned() } else { hex(&Sha256::digest(req.body)) };
    out.push_str(&format!("\n{}\n{}", signed_headers.join(";"), payload));
    Ok(out)
}

/// The signature `req` should carry if signed with `secret` at `amz_date`
/// (`YYYYMMDDTHHMMSSZ`) for the scope in `auth`.
pub fn expected_signature(
    req: &Incoming<'_>,
    auth: &Authorization,
    secret: &str,
    amz_date: &str,
    rules: PathRules,
) -> Result<String, String> {
    let canonical = canonical_request(req, &auth.signed_headers, rules)?;
    let scope = format!("{}/{}/{}/aws4_request", auth.date, auth.region, auth.service);
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), auth.date.as_bytes());
    for part in [auth.region.as_str(), auth.service.as_str(), "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    Ok(hex(&hmac(&key, string_to_sign.as_bytes())))
}

/// Compares two signatures in time that does not depend on where they differ.
pub fn same_signature(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_authorization_headers_and_refuses_malformed_ones() {
        let a = parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31").unwrap();
        assert_eq!((a.access_key_id.as_str(), a.region.as_str(), a.service.as_str()), ("AKID", "us-east-1", "aws-marketplace"));
        assert_eq!(a.signed_headers, ["host", "x-amz-date"]);
        for bad in ["Basic x", "AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=h, Signature=00", "AWS4-HMAC-SHA256 SignedHeaders=h"] {
            assert!(parse_authorization(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_are_normalised_and_encoded() {
        assert_eq!(canonical_path("/", PathRules::SERVICE), "/");
        assert_eq!(canonical_path("", PathRules::SERVICE), "/");
        assert_eq!(canonical_path("/a/./b/../c//d/", PathRules::SERVICE), "/a/c/d/");
        assert_eq!(canonical_path("/a%20b", PathRules::SERVICE), "/a%2520b");
        assert_eq!(canonical_path("/a b", PathRules { normalize: false, double_encode: false }), "/a%20b");
        assert!(same_signature("ab", "ab") && !same_signature("ab", "ac") && !same_signature("ab", "abc"));
    }
}
