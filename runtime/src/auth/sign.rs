//! SigV4 signing of a request through the `aws-sigv4` crate.
//!
//! Two paths share the crate's key derivation and signature functions:
//! [`sign_with`] hands the whole request to aws-sigv4's generic signer (any
//! method, query, path normalisation); [`sign_cached`], used for every
//! service call, builds the canonical request of our fixed request shape
//! directly and reuses the day's signing key, which aws-sigv4's generic path
//! derives afresh (four HMACs) on every call. A test checks that both give
//! the same `Authorization` header.
//!
//! The fast path hashes with `ring` (already in the graph as rustls'
//! provider), whose x86-64 and AArch64 SHA-256 is several times faster than
//! the portable code aws-sigv4's `sha2` runs on CPUs without SHA
//! extensions, and keeps the day's key as a ready HMAC key, so a call costs
//! two digests and one HMAC of short strings.
//!
//! A body that is a stream is signed as [`UNSIGNED_PAYLOAD`].

use std::borrow::Cow;
use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign as sigv4_sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::auth::credentials::Credentials;
use crate::http::HttpRequest;

/// What a stream body is signed as: its hash would need the whole body
/// before the first byte is sent. The request says so in
/// `x-amz-content-sha256`, which the service then uses in its place.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

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
    check_time(time)?;
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
    // A stream's hash would need the whole body before its first byte goes.
    let body = match request.body.bytes() {
        Some(bytes) => SignableBody::Bytes(bytes),
        None => SignableBody::UnsignedPayload,
    };
    let signable =
        SignableRequest::new(&request.method, &request.uri, request.headers.iter(), body).map_err(|e| SigningError(e.to_string()))?;
    let (instructions, _signature) = sigv4_sign(signable, &params).map_err(|e| SigningError(e.to_string()))?.into_parts();
    let (headers, _params) = instructions.into_parts();
    for header in headers {
        request.headers.insert(header.name().to_owned(), header.value().to_owned());
    }
    Ok(())
}

fn settings(options: SigningOptions) -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = if options.double_uri_encode { PercentEncodingMode::Double } else { PercentEncodingMode::Single };
    settings.uri_path_normalization_mode =
        if options.normalize_uri_path { UriPathNormalizationMode::Enabled } else { UriPathNormalizationMode::Disabled };
    settings.payload_checksum_kind =
        if options.payload_hash_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
    settings.session_token_mode = if options.sign_session_token { SessionTokenMode::Include } else { SessionTokenMode::Exclude };
    settings
}

/// What a signing key was derived from: a digest of the secret (so the
/// cache never holds the secret itself), the date, region and service.
type KeyScope = ([u8; 32], String, String, String);

/// The signing key of one day, region and service, for one secret, as an
/// HMAC key whose inner and outer pads are already hashed.
#[derive(Default)]
pub struct SigningKeyCache {
    entry: std::sync::Mutex<Option<(KeyScope, ring::hmac::Key)>>,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeyCache")
    }
}

impl SigningKeyCache {
    fn key(&self, credentials: &Credentials, date: &str, region: &str, service: &str, time: SystemTime) -> ring::hmac::Key {
        let digest = credentials.secret_digest();
        if let Ok(guard) = self.entry.lock() {
            if let Some(((s, d, r, n), key)) = guard.as_ref() {
                if *s == digest && d == date && r == region && n == service {
                    return key.clone();
                }
            }
        }
        let derived = v4::generate_signing_key(credentials.secret_access_key(), time, region, service);
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, derived.as_ref());
        if let Ok(mut guard) = self.entry.lock() {
            *guard = Some(((digest, date.to_owned(), region.to_owned(), service.to_owned()), key.clone()));
        }
        key
    }
}

/// Appends the SHA-256 of `data` in lower-case hex.
fn push_sha256_hex(out: &mut String, data: &[u8]) {
    crate::ids::push_hex(out, ring::digest::digest(&ring::digest::SHA256, data).as_ref());
}

/// A time's calendar parts: year, month, day, hour, minute, second (UTC).
type CivilParts = (i64, u32, u32, u32, u32, u32);

/// `YYYYMMDDTHHMMSSZ`; its date part `YYYYMMDD` is what precedes the `T`
/// ([`date_part`]). Infallible: a year outside four digits (which a sane
/// clock never gives, and [`check_time`] refuses before signing) is written
/// with as many digits as it has, rather than failing or being cut.
fn amz_date((y, mo, d, h, mi, s): CivilParts) -> String {
    let mut stamp = String::with_capacity(16);
    if (0..=9999).contains(&y) {
        // Every call signs, and this is several times cheaper than `format!`.
        push_digits(&mut stamp, y as u32, 4);
    } else {
        stamp.push_str(&format!("{y:04}"));
    }
    for part in [mo, d] {
        push_digits(&mut stamp, part, 2);
    }
    stamp.push('T');
    for part in [h, mi, s] {
        push_digits(&mut stamp, part, 2);
    }
    stamp.push('Z');
    stamp
}

/// The `YYYYMMDD` of an [`amz_date`] stamp.
fn date_part(stamp: &str) -> &str {
    &stamp[..stamp.find('T').unwrap_or(stamp.len())]
}

/// Appends the `width` lowest decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
    }
}

/// The lower-case form of a header name, without allocating for the names
/// the client itself sends.
fn lower_case(name: &str) -> Cow<'_, str> {
    let known = match name {
        "Host" => "host",
        "Content-Type" => "content-type",
        "Content-Length" => "content-length",
        "Content-Encoding" => "content-encoding",
        "X-Amz-Target" => "x-amz-target",
        "X-Amz-Date" => "x-amz-date",
        "X-Amz-Security-Token" => "x-amz-security-token",
        "User-Agent" => "user-agent",
        _ if name.bytes().any(|b| b.is_ascii_uppercase()) => return Cow::Owned(name.to_ascii_lowercase()),
        _ => return Cow::Borrowed(name),
    };
    Cow::Borrowed(known)
}

/// True when SigV4 folds `value`'s whitespace: leading or trailing
/// whitespace, a run of spaces, or a tab or line break.
fn needs_folding(value: &str) -> bool {
    value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace)
        || value.as_bytes().windows(2).any(|w| w == b"  ")
        || value.bytes().any(|b| matches!(b, b'\t' | b'\n' | b'\r'))
}

/// `time`'s calendar parts, or why SigV4 cannot express it.
///
/// SigV4 dates have four-digit years, and aws-sigv4's key derivation panics
/// past year 9999, so a signing time outside 1970 to 9999 is refused here.
fn check_time(time: SystemTime) -> Result<CivilParts, SigningError> {
    let parts = crate::primitives::DateTime::from(time).civil_parts();
    let year = parts.0;
    if (1970..=9999).contains(&year) {
        Ok(parts)
    } else {
        Err(SigningError(format!("the signing time falls in year {year}, which SigV4 cannot express; check the system clock")))
    }
}

/// The canonical URI of services other than S3: the path as sent (already
/// percent-encoded once) encoded once more.
fn double_encode_path(path: &str) -> Cow<'_, str> {
    // A path of unreserved characters (`/` on its own, always, for awsJson)
    // encodes to itself.
    if path.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~')) {
        return Cow::Borrowed(path);
    }
    Cow::Owned(crate::encoding::uri_encode(path).replace("%2F", "/"))
}

/// SigV4's canonical query string of `query` as sent: its parameters sorted
/// by name and then value, each `name=value`. `None` when a name or value
/// is not encoded as SigV4 encodes it (only unreserved characters and
/// `%XX` with upper-case hex), which only the generic signer re-encodes.
fn canonical_query(query: &str) -> Option<String> {
    let canonical = |s: &str| {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' if b.get(i + 1..i + 3).is_some_and(|h| h.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))) => i += 3,
                c if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') => i += 1,
                _ => return false,
            }
        }
        true
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if !canonical(k) || !canonical(v) {
            return None;
        }
        pairs.push((k, v));
    }
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 1);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    Some(out)
}

/// Signs a service call in place, as [`sign`] does, reusing the day's signing
/// key from `cache`. A path that needs normalising, or a query not encoded
/// as SigV4 encodes it, goes through [`sign`].
pub fn sign_cached(
    request: &mut HttpRequest,
    credentials: &Credentials,
    region: &str,
    signing_name: &str,
    time: SystemTime,
    cache: &SigningKeyCache,
) -> Result<(), SigningError> {
    let after_scheme = request.uri.split_once("://").map(|(_, r)| r).unwrap_or(&request.uri);
    let path_and_query = &after_scheme[after_scheme.find('/').unwrap_or(after_scheme.len())..];
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    if path.is_empty() || path_and_query.contains('#') || path.contains("/.") || path.contains("//") {
        return sign(request, credentials, region, signing_name, time);
    }
    let canonical_query = match query.map(canonical_query) {
        None => String::new(),
        Some(Some(q)) => q,
        // A query not encoded as SigV4 encodes it: the generic signer re-encodes it.
        Some(None) => return sign(request, credentials, region, signing_name, time),
    };
    let amz_date = amz_date(check_time(time)?);
    let date = date_part(&amz_date);
    // Every string below is made at its final size: growing them cost more
    // allocations a call than the rest of the signing together.
    let key = cache.key(credentials, date, region, signing_name, time);
    let mut scope = String::with_capacity(date.len() + region.len() + signing_name.len() + "///aws4_request".len());
    for part in [date, "/", region, "/", signing_name, "/aws4_request"] {
        scope.push_str(part);
    }
    let mut string_to_sign = String::with_capacity("AWS4-HMAC-SHA256\n".len() + amz_date.len() + scope.len() + 2 + 64);
    for part in ["AWS4-HMAC-SHA256\n", &amz_date, "\n", &scope, "\n"] {
        string_to_sign.push_str(part);
    }
    request.headers.insert("X-Amz-Date", amz_date);
    if let Some(token) = credentials.session_token() {
        request.headers.insert("X-Amz-Security-Token", token.to_owned());
    }
    // Names and values are borrowed unless they need lower-casing or
    // whitespace folding, which our own headers never do.
    let mut headers: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(request.headers.len());
    for (name, value) in request.headers.iter() {
        let name = lower_case(name);
        if ["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"].contains(&name.as_ref()) {
            continue;
        }
        let value: Cow<'_, str> =
            if needs_folding(value) { Cow::Owned(value.split_whitespace().collect::<Vec<_>>().join(" ")) } else { Cow::Borrowed(value) };
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                let joined = format!("{existing},{value}");
                *existing = Cow::Owned(joined);
            }
            None => headers.push((name, value)),
        }
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let mut signed = String::with_capacity(headers.iter().map(|(n, _)| n.len() + 1).sum());
    for (i, (n, _)) in headers.iter().enumerate() {
        if i > 0 {
            signed.push(';');
        }
        signed.push_str(n);
    }
    let canonical_path = double_encode_path(path);
    let header_lines: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut canonical =
        String::with_capacity(request.method.len() + canonical_path.len() + canonical_query.len() + header_lines + signed.len() + 5 + 64);
    canonical.push_str(&request.method);
    canonical.push('\n');
    canonical.push_str(&canonical_path);
    canonical.push('\n');
    canonical.push_str(&canonical_query);
    canonical.push('\n');
    for (n, v) in &headers {
        canonical.push_str(n);
        canonical.push(':');
        canonical.push_str(v);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed);
    canonical.push('\n');
    match request.body.bytes() {
        Some(bytes) => push_sha256_hex(&mut canonical, bytes),
        None => canonical.push_str(UNSIGNED_PAYLOAD),
    }
    push_sha256_hex(&mut string_to_sign, canonical.as_bytes());
    let access_key_id = credentials.access_key_id();
    let mut authorization = String::with_capacity(
        "AWS4-HMAC-SHA256 Credential=/, SignedHeaders=, Signature=".len() + access_key_id.len() + scope.len() + signed.len() + 64,
    );
    for part in ["AWS4-HMAC-SHA256 Credential=", access_key_id, "/", &scope, ", SignedHeaders=", &signed, ", Signature="] {
        authorization.push_str(part);
    }
    crate::ids::push_hex(&mut authorization, ring::hmac::sign(&key, string_to_sign.as_bytes()).as_ref());
    request.headers.insert("Authorization", authorization);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Body, Headers};

    #[test]
    fn the_cached_path_signs_exactly_as_aws_sigv4_does() {
        let creds = [
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "t"),
            Credentials::new("ASIA", "secret/with+chars", Some("session token".into()), None, "t"),
        ];
        let cache = SigningKeyCache::default();
        for (i, uri) in [
            "https://metering.marketplace.us-east-1.amazonaws.com/",
            "http://127.0.0.1:8080/custom path/ü/",
            "https://h/a/b/",
            // restJson1's queries: sorted by name, then value; a name without a value.
            "https://h/DescribeEntity?entityId=offer-1&catalog=AWSMarketplace&b=2&b=1&flag",
            "https://h/x?k=a%20b&z=%2F%C3%BC&e=",
            // Not SigV4's encoding (a lower-case escape, a raw `+`): the generic signer's.
            "https://h/x?k=a%2fb&p=1+2",
        ]
        .iter()
        .enumerate()
        {
            for c in &creds {
                let mut headers = Headers::new();
                headers.append("Host", "metering.marketplace.us-east-1.amazonaws.com");
                headers.append("Content-Type", "application/x-amz-json-1.1");
                headers.append("X-Amz-Target", "AWSMPMeteringService.MeterUsage");
                headers.append("Content-Length", "2");
                headers.append("User-Agent", "ua");
                headers.append("x-amz-user-agent", "ua  with   spaces ");
                headers.append("amz-sdk-request", "attempt=1; max=3");
                // A name the client never sends, in mixed case, and a value with whitespace at both ends.
                headers.append("X-Custom-Header", " a b ");
                let uri = if i == 1 { "http://127.0.0.1:8080/custom%20path/%C3%BC/".to_owned() } else { uri.to_string() };
                let base = HttpRequest { method: "POST".into(), uri, headers, body: format!("{{\"n\":{i}}}").into() };
                let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i as u64 * 90_000);
                let (mut generic, mut cached) = (base.clone(), base.clone());
                sign(&mut generic, c, "us-east-1", "aws-marketplace", time).unwrap();
                sign_cached(&mut cached, c, "us-east-1", "aws-marketplace", time, &cache).unwrap();
                assert_eq!(generic.headers.get("authorization"), cached.headers.get("authorization"), "{}", base.uri);
                assert_eq!(generic.headers.get("x-amz-date"), cached.headers.get("x-amz-date"));
                assert_eq!(generic.headers.get("x-amz-security-token"), cached.headers.get("x-amz-security-token"));
            }
        }
    }
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_of_any_year_format_without_panicking() {
        let parts = |time: SystemTime| crate::primitives::DateTime::from(time).civil_parts();
        let stamp = amz_date(parts(UNIX_EPOCH + Duration::from_secs(1_440_938_160)));
        assert_eq!((stamp.as_str(), date_part(&stamp)), ("20150830T123600Z", "20150830"));
        // Year 10000, where the old formatter fell back to "Z" and signing then sliced past its end.
        let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        let stamp = amz_date(parts(far));
        assert_eq!((stamp.as_str(), date_part(&stamp)), ("100000101T000000Z", "100000101"));
        // Signing at such a time is refused with a reason, by both paths, instead of panicking inside aws-sigv4.
        let mut request = HttpRequest { method: "POST".into(), uri: "https://h/".into(), headers: Headers::new(), body: Body::empty() };
        let err = sign_cached(&mut request, &Credentials::for_tests(), "us-east-1", "svc", far, &SigningKeyCache::default()).unwrap_err();
        assert!(err.to_string().contains("year 10000"), "{err}");
        assert!(sign(&mut request, &Credentials::for_tests(), "us-east-1", "svc", far).is_err());
        assert!(request.headers.get("authorization").is_none());
    }

    #[test]
    fn the_key_cache_holds_a_digest_of_the_secret_not_the_secret() {
        let cache = SigningKeyCache::default();
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let creds = Credentials::new("AKID", secret, None, None, "t");
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        // Keys compare by what they sign.
        let tag = |key: ring::hmac::Key| ring::hmac::sign(&key, b"probe").as_ref().to_vec();
        let first = tag(cache.key(&creds, "20150830", "us-east-1", "svc", time));
        let guard = cache.entry.lock().unwrap();
        let ((digest, ..), _) = guard.as_ref().unwrap();
        assert!(!digest.windows(8).any(|w| secret.as_bytes().windows(8).any(|s| s == w)));
        drop(guard);
        assert_eq!(tag(cache.key(&creds, "20150830", "us-east-1", "svc", time)), first, "cached");
        let another = Credentials::new("AKID", "another", None, None, "t");
        assert_ne!(tag(cache.key(&another, "20150830", "us-east-1", "svc", time)), first, "another secret, another key");
    }

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
            body: Body::from(&b"{}"[..]),
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
