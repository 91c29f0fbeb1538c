//! `@requestCompression`: gzip for request bodies that are large enough to
//! be worth it.

//! The feature `compression` brings the gzip encoder; crates generated from
//! models without `@requestCompression` leave it out.

/// The body to send and its `Content-Encoding`: compressed when `enabled`
/// and the body has at least `min_size` bytes.
pub fn maybe_gzip(body: Vec<u8>, enabled: bool, min_size: usize) -> Result<(Vec<u8>, Option<&'static str>), std::io::Error> {
    if !enabled || body.len() < min_size {
        return Ok((body, None));
    }
    gzip(body)
}

#[cfg(feature = "compression")]
fn gzip(body: Vec<u8>) -> Result<(Vec<u8>, Option<&'static str>), std::io::Error> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 2), flate2::Compression::default());
    encoder.write_all(&body)?;
    Ok((encoder.finish()?, Some("gzip")))
}

#[cfg(not(feature = "compression"))]
fn gzip(_body: Vec<u8>) -> Result<(Vec<u8>, Option<&'static str>), std::io::Error> {
    Err(std::io::Error::other("the operation asks for request compression, but mpkit-runtime was built without its `compression` feature"))
}

#[cfg(all(test, feature = "compression"))]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compresses_large_bodies_only() {
        let big = vec![b'a'; 20_000];
        let (out, enc) = maybe_gzip(big.clone(), true, 10_240).unwrap();
        assert_eq!(enc, Some("gzip"));
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&out[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, big);
        assert_eq!(maybe_gzip(b"{}".to_vec(), true, 10_240).unwrap(), (b"{}".to_vec(), None));
        assert_eq!(maybe_gzip(big.clone(), false, 0).unwrap().1, None);
    }
}
