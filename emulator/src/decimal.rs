//! Usage quantities as the service compares them: exact decimals with at
//! most six fractional digits, held as millionths, so `17` equals `17.0`
//! and sums never pass through floating point.

use std::fmt;

/// A non-negative quantity in millionths of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(u64);

const SCALE: u64 = 1_000_000;

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(0);

    /// A whole number of units.
    pub fn whole(n: u32) -> Self {
        Quantity(u64::from(n) * SCALE)
    }

    /// Parses the model's decimal form, `^(0|[1-9][0-9]{0,9})(\.[0-9]{1,6})?$`;
    /// `None` when `text` does not have it.
    pub fn parse(text: &str) -> Option<Self> {
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let whole_ok = whole == "0" || (!whole.is_empty() && whole.len() <= 10 && !whole.starts_with('0'));
        if !whole_ok || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut micros: u64 = whole.parse::<u64>().ok()? * SCALE;
        if let Some(f) = fraction {
            if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let padded = format!("{f:0<6}");
            micros += padded.parse::<u64>().ok()?;
        }
        Some(Quantity(micros))
    }

    /// The sum, `None` on overflow (far beyond any quantity the model allows).
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.0.checked_add(other.0).map(Quantity)
    }
}

impl fmt::Display for Quantity {
    /// The shortest decimal form: `17`, `0.5`, `1.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / SCALE, self.0 % SCALE);
        if fraction == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{fraction:06}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_model_form_and_compares_by_value() {
        assert_eq!(Quantity::parse("17"), Quantity::parse("17.0"));
        assert_eq!(Quantity::parse("17.000000"), Some(Quantity::whole(17)));
        assert_eq!(Quantity::parse("0.5").unwrap().to_string(), "0.5");
        assert_eq!(Quantity::parse("9999999999.999999").unwrap().to_string(), "9999999999.999999");
        for bad in ["", "01", "1.", ".5", "1.1234567", "-1", "1e3", "12345678901", " 1", "1,5", "00"] {
            assert_eq!(Quantity::parse(bad), None, "{bad}");
        }
        assert_eq!(Quantity::parse("0.1").unwrap().checked_add(Quantity::parse("0.2").unwrap()), Quantity::parse("0.3"));
    }
}
