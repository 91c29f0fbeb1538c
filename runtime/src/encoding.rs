//! Percent-encoding as SigV4 and the endpoint rules' `uriEncode` define it:
//! every byte except the unreserved `A-Z a-z 0-9 - _ . ~` becomes `%XX` with
//! upper-case hex. One definition serves the signer, the endpoint rules and
//! the STS query string, so they cannot drift apart.

/// `s` percent-encoded, `/` included.
pub(crate) fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_bytes_are_kept() {
        assert_eq!(uri_encode("a b/c~"), "a%20b%2Fc~");
        assert_eq!(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(uri_encode("é+="), "%C3%A9%2B%3D");
        assert_eq!(uri_encode(""), "");
    }
}
