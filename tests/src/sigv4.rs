//! SigV4 for tests: the shared vectors' request text parsed, the encoding
//! their requests are rebuilt with, and [`verify`], which checks a signature
//! with the emulator's verifier: an implementation independent of the
//! client's signing path, checked against every vector in
//! `tests/tests/emulator_sigv4.rs`. The loopback test server checks every
//! signature the client sends with it.

use mpkit_emulator::sigv4::{expected_signature, parse_authorization, same_signature, Incoming, PathRules};

/// Checks a request's `Authorization` header (path and query as sent) against `access_key` and `secret`; says what is wrong.
pub fn verify(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
    access_key: &str,
    secret: &str,
) -> Result<(), String> {
    let find = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let auth = parse_authorization(find("authorization").ok_or("no Authorization header")?)?;
    let amz_date = find("x-amz-date").ok_or("no X-Amz-Date header")?;
    if auth.access_key_id != access_key {
        return Err(format!("unknown access key {}", auth.access_key_id));
    }
    if !amz_date.starts_with(&auth.date) {
        return Err("the credential date is not the X-Amz-Date day".into());
    }
    let request = Incoming { method, path, query, headers, body };
    let expected = expected_signature(&request, &auth, secret, amz_date, PathRules::SERVICE)?;
    if same_signature(&expected, &auth.signature) {
        Ok(())
    } else {
        Err(format!("signature mismatch: expected {expected}, got {}", auth.signature))
    }
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
