//! The body a call sends, worked out once before its first attempt: the
//! serialised input compressed when the operation asks (`@requestCompression`)
//! and given its `Content-MD5` when the operation requires one, or a
//! streaming payload, which is neither (both would read it whole first).

use std::borrow::Cow;

use super::compression;
use super::request::Payload;
use super::OperationMeta;
use crate::config::Settings;
use crate::http::Body;
use crate::primitives::ByteStream;

/// The input's body and what it adds to the request's headers: the
/// compression's `Content-Encoding` (returned, unless the input names an
/// encoding of its own, which it then follows) and `Content-MD5`.
pub(super) fn prepare(
    op: &OperationMeta,
    settings: &Settings,
    body: Payload,
    bound_headers: &mut Vec<(Cow<'static, str>, String)>,
) -> Result<(Body, Option<&'static str>), String> {
    let body = match body {
        Payload::Bytes(bytes) => bytes,
        // A payload in memory is bytes like any other body.
        Payload::Stream { stream, requires_length } => match stream.into_bytes() {
            Ok(bytes) => Vec::from(bytes),
            Err(stream) => return prepare_stream(op, stream, requires_length).map(|body| (body, None)),
        },
    };
    let (body, content_encoding) = compression::maybe_gzip(
        body,
        op.compress_request && !settings.disable_request_compression,
        settings.request_min_compression_size_bytes,
    )
    .map_err(|e| e.to_string())?;
    // The encoding the input names comes first; the compression's follows it.
    let mut content_encoding = content_encoding;
    if let (Some(encoding), Some((_, named))) =
        (content_encoding, bound_headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case("content-encoding")))
    {
        named.push_str(", ");
        named.push_str(encoding);
        content_encoding = None;
    }
    if op.content_md5 {
        bound_headers.push(("Content-MD5".into(), crate::primitives::base64_encode(&crate::md5::digest(&body))));
    }
    Ok((Body::from(body), content_encoding))
}

/// A stream that is not in memory, checked against what the operation needs.
fn prepare_stream(op: &OperationMeta, stream: ByteStream, requires_length: bool) -> Result<Body, String> {
    if op.content_md5 {
        return Err(format!(
            "{} requires a Content-MD5 of its body, which a stream cannot give before it is sent: pass the payload as bytes (ByteStream::new)",
            op.name
        ));
    }
    if requires_length && stream.content_length().is_none() {
        return Err(format!(
            "{} needs its payload's length before it is sent, and this stream does not say it: \
             use ByteStream::from_path, bytes, or a body whose size is exact",
            op.name
        ));
    }
    if op.compress_request {
        tracing::debug!(operation = op.name, "a streaming payload is sent uncompressed");
    }
    Ok(Body::from(stream))
}
