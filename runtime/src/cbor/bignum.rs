//! bigInteger and bigDecimal in CBOR (RFC 8949 §3.4.3 and §3.4.4): an
//! integer that fits 64 bits as itself, a larger one as tag 2 (or 3, for a
//! negative) over its big-endian magnitude, and a decimal as tag 4 over
//! `[exponent, mantissa]`. Members hold them as their decimal text (as the
//! JSON protocols do), so these convert between that text and the encoding.
//! Lengths are bounded, so a hostile body cannot make a conversion slow.

/// The most decimal digits, or magnitude bytes, either way (a 4,096-bit number has 1,234 digits).
const MAX_DIGITS: usize = 4096;

/// A number's text split up: the sign, the digits of its mantissa (no
/// leading zeros; "0" for zero), and the power of ten it is multiplied by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decimal {
    pub(super) negative: bool,
    pub(super) digits: String,
    pub(super) exponent: i64,
}

/// `-?digits(.digits)?([eE][+-]?digits)?`, as a [`Decimal`]; `None` for any other text.
pub(super) fn parse(text: &str) -> Option<Decimal> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (number, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].strip_prefix('+').unwrap_or(&rest[i + 1..]).parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || (number.contains('.') && fraction.is_empty()) {
        return None;
    }
    let joined = format!("{whole}{fraction}");
    let trimmed = joined.trim_start_matches('0');
    if trimmed.len() > MAX_DIGITS {
        return None;
    }
    let exponent = exponent.checked_sub(i64::try_from(fraction.len()).ok()?)?;
    let digits = if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() };
    Some(Decimal { negative: negative && digits != "0", digits, exponent })
}

/// The big-endian bytes of a decimal digit string (`[]` for zero).
pub(super) fn digits_to_bytes(digits: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    out
}

/// The decimal digits of big-endian bytes ("0" for none or all zeros); `None` past [`MAX_DIGITS`] bytes.
pub(super) fn bytes_to_digits(bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_DIGITS {
        return None;
    }
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut digits = Vec::new();
    while !n.is_empty() {
        let mut remainder = 0u32;
        for byte in n.iter_mut() {
            let v = (remainder << 8) | u32::from(*byte);
            *byte = (v / 10) as u8;
            remainder = v % 10;
        }
        digits.push(b'0' + remainder as u8);
        let zeros = n.iter().take_while(|b| **b == 0).count();
        n.drain(..zeros);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).ok()
}

/// `bytes` plus one, big-endian.
pub(super) fn plus_one(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for byte in out.iter_mut().rev() {
        if *byte == 0xff {
            *byte = 0;
        } else {
            *byte += 1;
            return out;
        }
    }
    out.insert(0, 1);
    out
}

/// `bytes` minus one, big-endian; `bytes` is not zero.
pub(super) fn minus_one(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for byte in out.iter_mut().rev() {
        if *byte == 0 {
            *byte = 0xff;
        } else {
            *byte -= 1;
            break;
        }
    }
    out
}

/// The text of `digits × 10^exponent`, with its sign: plain digits with a
/// decimal point where one belongs (`273.15`), an exponent only when it
/// would take more than a few zeros to write without one.
pub(super) fn text(negative: bool, digits: &str, exponent: i64) -> String {
    let sign = if negative && digits != "0" { "-" } else { "" };
    let len = digits.len() as i64;
    match exponent {
        0 => format!("{sign}{digits}"),
        1..=20 => format!("{sign}{digits}{}", "0".repeat(exponent as usize)),
        e if e < 0 && -e < len => {
            let point = (len + e) as usize;
            format!("{sign}{}.{}", &digits[..point], &digits[point..])
        }
        e if e < 0 && -e - len <= 20 => format!("{sign}0.{}{digits}", "0".repeat((-e - len) as usize)),
        e => format!("{sign}{digits}E{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_split_into_sign_digits_and_exponent() {
        let d = |n: bool, digits: &str, exponent: i64| Some(Decimal { negative: n, digits: digits.to_owned(), exponent });
        assert_eq!(parse("273.15"), d(false, "27315", -2));
        assert_eq!(parse("-0.001"), d(true, "1", -3));
        assert_eq!(parse("12e3"), d(false, "12", 3));
        assert_eq!(parse("1.5E-2"), d(false, "15", -3));
        assert_eq!(parse("-0"), d(false, "0", 0));
        for bad in ["", "-", "1.", ".5", "1e", "0x10", "1 ", "+1", "1.2.3"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(parse(&"9".repeat(MAX_DIGITS + 1)), None);
    }

    #[test]
    fn digits_and_bytes_convert_both_ways() {
        // RFC 8949 Appendix A: 18446744073709551616 is tag 2 over h'010000000000000000'.
        assert_eq!(digits_to_bytes("18446744073709551616"), [1, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(bytes_to_digits(&[1, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(), "18446744073709551616");
        assert_eq!(digits_to_bytes("0"), Vec::<u8>::new());
        assert_eq!(bytes_to_digits(&[]).unwrap(), "0");
        assert_eq!(bytes_to_digits(&[0, 0, 1, 0]).unwrap(), "256");
        let n = "123456789012345678901234567890123456789";
        assert_eq!(bytes_to_digits(&digits_to_bytes(n)).unwrap(), n);
        assert_eq!(plus_one(&[0xff, 0xff]), [1, 0, 0]);
        assert_eq!(minus_one(&[1, 0, 0]), [0, 0xff, 0xff]);
    }

    #[test]
    fn texts_are_written_plainly() {
        assert_eq!(text(false, "27315", -2), "273.15");
        assert_eq!(text(true, "1", -3), "-0.001");
        assert_eq!(text(false, "12", 3), "12000");
        assert_eq!(text(false, "1", -40), "1E-40");
        assert_eq!(text(true, "0", 0), "0");
    }
}
