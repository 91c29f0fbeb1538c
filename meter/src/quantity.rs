//! Usage quantities, exact: the model's decimal form
//! (`^(0|[1-9][0-9]{0,9})(\.[0-9]{1,6})?$`) held as a count of millionths,
//! so an hour's total is the exact sum of its records and `17` equals
//! `17.0`. No quantity ever passes through floating point.

use std::fmt;

/// Millionths in one unit.
const MICROS: i64 = 1_000_000;

/// A non-negative usage quantity, exact to six decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    /// Nothing used.
    pub const ZERO: Quantity = Quantity(0);
    /// The largest quantity one record may carry: `9999999999.999999`.
    pub const MAX: Quantity = Quantity(9_999_999_999 * MICROS + 999_999);

    /// `n` whole units.
    pub fn units(n: u32) -> Quantity {
        Quantity(i64::from(n) * MICROS)
    }

    /// The quantity of `millionths` millionths; `None` above [`Quantity::MAX`] or below zero.
    pub fn from_millionths(millionths: i64) -> Option<Quantity> {
        (0..=Quantity::MAX.0).contains(&millionths).then_some(Quantity(millionths))
    }

    /// The count of millionths, as stores keep it.
    pub fn millionths(self) -> i64 {
        self.0
    }

    /// The sum, when it is still a quantity one record may carry.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        Quantity::from_millionths(self.0.checked_add(other.0)?)
    }

    /// Reads the model's decimal form; the error says what is wrong with `text`.
    pub fn parse(text: &str) -> Result<Quantity, String> {
        let bad = |why: &str| Err(format!("`{text}` is not a quantity: {why}"));
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return bad("it must start with digits (no sign, no exponent)");
        }
        if whole.len() > 1 && whole.starts_with('0') {
            return bad("no leading zeros");
        }
        if whole.len() > 10 {
            return bad("at most ten digits before the point");
        }
        let mut millionths: i64 = 0;
        for b in whole.bytes() {
            millionths = millionths * 10 + i64::from(b - b'0');
        }
        millionths *= MICROS;
        if let Some(f) = fraction {
            if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return bad("one to six digits after the point");
            }
            let mut scale = MICROS / 10;
            for b in f.bytes() {
                millionths += i64::from(b - b'0') * scale;
                scale /= 10;
            }
        }
        Ok(Quantity(millionths))
    }
}

impl fmt::Display for Quantity {
    /// The shortest form the model accepts: `17`, `0.5`, `1.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (units, rest) = (self.0 / MICROS, self.0 % MICROS);
        if rest == 0 {
            return write!(f, "{units}");
        }
        let mut digits = format!("{rest:06}");
        while digits.ends_with('0') {
            digits.pop();
        }
        write!(f, "{units}.{digits}")
    }
}

impl std::str::FromStr for Quantity {
    type Err = String;

    fn from_str(s: &str) -> Result<Quantity, String> {
        Quantity::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_form_round_trips_and_sums_exactly() {
        for (text, shown) in
            [("17", "17"), ("17.0", "17"), ("0.5", "0.5"), ("1.000001", "1.000001"), ("9999999999.999999", "9999999999.999999"), ("0", "0")]
        {
            assert_eq!(Quantity::parse(text).unwrap().to_string(), shown, "{text}");
        }
        let tenth = Quantity::parse("0.1").unwrap();
        let mut sum = Quantity::ZERO;
        for _ in 0..10 {
            sum = sum.checked_add(tenth).unwrap();
        }
        assert_eq!(sum, Quantity::units(1), "ten tenths are one, exactly");
        assert_eq!(Quantity::MAX.checked_add(Quantity::parse("0.000001").unwrap()), None);
    }

    #[test]
    fn every_other_form_is_refused_with_the_reason() {
        for bad in ["", "01", "1.", ".5", "1.1234567", "-1", "1e3", "12345678901", " 1", "1,5", "+1", "١"] {
            let e = Quantity::parse(bad).unwrap_err();
            assert!(e.contains("is not a quantity"), "{bad}: {e}");
        }
    }
}
