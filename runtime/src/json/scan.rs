//! Finding the end of plain string text: the bytes a JSON string holds as
//! they are (not `"`, not `\`, not a control character). The reader uses
//! it to find where a string ends, the writer to see whether a string needs
//! escaping; both see mostly short ASCII text, so it looks at eight bytes
//! at a time.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `word` below `n` (for `n` up to 128). A
/// borrow can also mark a byte after a marked one, never before it, so the
/// lowest mark is exact.
const fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * n as u64) & !word & HIGHS
}

/// The high bit of every byte of `word` equal to `b`, exact at the lowest mark.
const fn equal(word: u64, b: u8) -> u64 {
    below(word ^ (ONES * b as u64), 1)
}

/// True for a byte a JSON string cannot hold as it is.
pub(super) const fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// How many leading bytes of `s` are plain string text.
pub(super) fn plain_len(s: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = s[i..].first_chunk::<8>() {
        let word = u64::from_le_bytes(*chunk);
        let marks = equal(word, b'"') | equal(word, b'\\') | below(word, 0x20);
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && !needs_escape(s[i]) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_byte_that_needs_escaping_at_every_position() {
        assert_eq!(plain_len(b""), 0);
        let text = "plain ascii and ütf-8 text, longer than a word";
        assert_eq!(plain_len(text.as_bytes()), text.len());
        for len in 0..20 {
            for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                let mut s = vec![b'a'; len];
                s.push(special);
                // What follows the first special byte must not change the answer.
                s.extend_from_slice(b"\"\\\x01xyz");
                assert_eq!(plain_len(&s), len, "{special:#x} after {len} bytes");
            }
            // Bytes next to the special ones in value are plain.
            let near: Vec<u8> = [b'!', b'#', b'[', b']', 0x20, 0x7f, 0x80, 0xff].iter().cycle().take(len).copied().collect();
            assert_eq!(plain_len(&near), len);
        }
    }
}
