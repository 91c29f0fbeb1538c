//! An independent SigV4 implementation for tests, written from the
//! specification: the loopback server uses it to check every signature the
//! client sends, and the conformance test checks it against the shared
//! vectors. It shares no code with the client's signing path.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// What a signature covers besides the request itself.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
    /// The region.
    pub region: &'a str,
    /// The signing name.
    pub service: &'a str,
}

/// A request as the signature sees it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The method.
    pub method: &'a str,
    /// The path, decoded (`/example space/`).
    pub path: &'a str,
    /// The query string as sent, without `?`.
    pub query: &'a str,
    /// Headers in order, names as sent.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// Hex of SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when `keep_slash`).
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes `.` and `..` segments and merges repeated slashes.
fn normalize_path(path: &str) -> String {
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
    let mut out = format!("/{}", segments.join("/"));
    if path.ends_with('/') && out.len() > 1 {
        out.push('/');
    }
    out
}

/// The canonical request, and the `SignedHeaders` list.
pub fn canonical_request(req: &Request<'_>, normalize: bool) -> (String, String) {
    let path = if normalize { normalize_path(req.path) } else { req.path.to_owned() };
    let uri = uri_encode(&path, true);
    let mut params: Vec<(String, String)> = req
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(&percent_decode(k), false), uri_encode(&percent_decode(v), false))
        })
        .collect();
    params.sort();
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in req.headers {
        let name = name.to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    let signed = signed.join(";");
    let payload = headers.iter().find(|(n, _)| n == "x-amz-content-sha256").map(|(_, v)| v.clone()).unwrap_or_else(|| sha256_hex(req.body));
    (format!("{}\n{uri}\n{}\n{canonical_headers}\n{signed}\n{payload}", req.method, query.join("&")), signed)
}

/// The string to sign for a canonical request.
pub fn string_to_sign(canonical: &str, scope: &Scope<'_>) -> String {
    let date = &scope.amz_date[..8];
    format!(
        "AWS4-HMAC-SHA256\n{}\n{date}/{}/{}/aws4_request\n{}",
        scope.amz_date,
        scope.region,
        scope.service,
        sha256_hex(canonical.as_bytes())
    )
}

/// The hex signature of a string to sign.
pub fn signature(secret: &str, scope: &Scope<'_>, string_to_sign: &str) -> String {
    let date = &scope.amz_date[..8];
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    hex(&hmac(&k_signing, string_to_sign.as_bytes()))
}

/// Checks a request's `Authorization` header against `secret`; says what is wrong.
pub fn verify(req: &Request<'_>, access_key: &str, secret: &str) -> Result<(), String> {
    let find = |name: &str| req.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let auth = find("authorization").ok_or("no Authorization header")?;
    let amz_date = find("x-amz-date").ok_or("no X-Amz-Date header")?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 Credential=").ok_or("not a SigV4 Authorization header")?;
    let (credential, rest) = rest.split_once(", SignedHeaders=").ok_or("no SignedHeaders")?;
    let (signed_headers, sent_signature) = rest.split_once(", Signature=").ok_or("no Signature")?;
    let parts: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, "aws4_request"] = parts[..] else { return Err(format!("bad credential scope {credential}")) };
    if key != access_key {
        return Err(format!("unknown access key {key}"));
    }
    if !amz_date.starts_with(date) {
        return Err("the credential date is not the X-Amz-Date day".into());
    }
    // Only the headers the client says it signed take part.
    let names: Vec<&str> = signed_headers.split(';').collect();
    let signed: Vec<(String, String)> =
        req.headers.iter().filter(|(n, _)| names.contains(&n.to_ascii_lowercase().as_str())).cloned().collect();
    let subset = Request { headers: &signed, ..req.clone() };
    let (canonical, computed_names) = canonical_request(&subset, true);
    if computed_names != signed_headers {
        return Err(format!("signed headers {signed_headers} are not all present (have {computed_names})"));
    }
    let scope = Scope { amz_date, region, service };
    let expected = signature(secret, &scope, &string_to_sign(&canonical, &scope));
    if expected == sent_signature {
        Ok(())
    } else {
        Err(format!("signature mismatch: expected {expected}, got {sent_signature}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize_path("//example//"), "/example/");
        assert_eq!(normalize_path("/example1/example2/../.."), "/");
        assert_eq!(normalize_path("/./"), "/");
        assert_eq!(normalize_path("/"), "/");
    }
}

/// A request of the SigV4 vectors' text form, parsed.
#[derive(Debug, Clone)]
pub struct VectorRequest {
    /// The method.
    pub method: String,
    /// The path, as written.
    pub path: String,
    /// The query string without `?`.
    pub query: String,
    /// Headers in order; folded values unfolded.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Parses a vector's `request.txt` or `header-signed-request.txt`: the
/// request line, headers (continuation lines unfold into one space, as
/// HTTP's obs-fold rule says), a blank line, the body.
pub fn parse_vector_request(text: &str) -> VectorRequest {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let (method, rest) = request_line.split_once(' ').unwrap();
    let target = rest.strip_suffix(" HTTP/1.1").unwrap();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    VectorRequest { method: method.to_owned(), path: path.to_owned(), query: query.to_owned(), headers, body: body.as_bytes().to_vec() }
}
