//! A canonical form of any `Serialize` value for tests that compare what a
//! deserializer produced with what was expected.
//!
//! `serde_json::to_value` would do, but it turns NaN, Infinity and
//! -Infinity all into `null`, so a deserializer that confused them would
//! pass. Here floats keep their class and value (every NaN equals every
//! other NaN, `-0.0` differs from `0.0`), and maps are ordered by their
//! keys' canonical form, so `HashMap` order does not matter.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{self, Serialize};

/// A value reduced to what a comparison should see.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Canonical {
    /// `None`, `()` and unit structs.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer.
    Int(i128),
    /// A float by class and value.
    Float(FloatValue),
    /// A string or a character.
    Str(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// Sequences, tuples and the fields of tuple structs.
    Seq(Vec<Canonical>),
    /// Maps and the fields of structs, ordered by key.
    Map(BTreeMap<Canonical, Canonical>),
    /// An enum variant with its content.
    Variant(String, Box<Canonical>),
}

/// A float's class and, for finite values, its exact bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FloatValue {
    /// Not a number (any payload).
    NaN,
    /// Negative infinity.
    NegativeInfinity,
    /// A finite value, as the bits of its `f64`.
    Finite(u64),
    /// Positive infinity.
    Infinity,
}

impl From<f64> for FloatValue {
    fn from(v: f64) -> Self {
        if v.is_nan() {
            FloatValue::NaN
        } else if v == f64::INFINITY {
            FloatValue::Infinity
        } else if v == f64::NEG_INFINITY {
            FloatValue::NegativeInfinity
        } else {
            FloatValue::Finite(v.to_bits())
        }
    }
}

/// `value` in canonical form.
pub fn canonical<T: Serialize + ?Sized>(value: &T) -> Canonical {
    value.serialize(Canonicalizer).unwrap_or_else(|e| Canonical::Str(format!("<not serialisable: {e}>")))
}

/// Why a value could not be serialised (a `Serialize` impl reported an error).
#[derive(Debug)]
pub struct CanonicalError(String);

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanonicalError {}

impl ser::Error for CanonicalError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CanonicalError(msg.to_string())
    }
}

#[derive(Debug)]
struct Canonicalizer;

/// Collects the parts of a compound value.
#[derive(Debug)]
pub struct Compound {
    variant: Option<&'static str>,
    items: Vec<Canonical>,
    entries: BTreeMap<Canonical, Canonical>,
    pending_key: Option<Canonical>,
    is_map: bool,
}

impl Compound {
    fn new(variant: Option<&'static str>, is_map: bool) -> Self {
        Compound { variant, items: Vec::new(), entries: BTreeMap::new(), pending_key: None, is_map }
    }

    fn finish(self) -> Canonical {
        let value = if self.is_map { Canonical::Map(self.entries) } else { Canonical::Seq(self.items) };
        match self.variant {
            Some(v) => Canonical::Variant(v.to_owned(), Box::new(value)),
            None => value,
        }
    }
}

type Result<T> = std::result::Result<T, CanonicalError>;

impl ser::Serializer for Canonicalizer {
    type Ok = Canonical;
    type Error = CanonicalError;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = Compound;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    fn serialize_bool(self, v: bool) -> Result<Canonical> {
        Ok(Canonical::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Canonical> {
        Ok(Canonical::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Canonical> {
        Ok(Canonical::Int(v.into()))
    }
    fn serialize_f32(self, v: f32) -> Result<Canonical> {
        Ok(Canonical::Float(f64::from(v).into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Canonical> {
        Ok(Canonical::Float(v.into()))
    }
    fn serialize_char(self, v: char) -> Result<Canonical> {
        Ok(Canonical::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Canonical> {
        Ok(Canonical::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Canonical> {
        Ok(Canonical::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Canonical> {
        Ok(Canonical::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Canonical> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Canonical> {
        Ok(Canonical::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Canonical> {
        Ok(Canonical::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Canonical> {
        Ok(Canonical::Variant(variant.to_owned(), Box::new(Canonical::Null)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<Canonical> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Canonical> {
        Ok(Canonical::Variant(variant.to_owned(), Box::new(value.serialize(self)?)))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound> {
        Ok(Compound::new(None, false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound> {
        Ok(Compound::new(None, false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound> {
        Ok(Compound::new(None, false))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Compound> {
        Ok(Compound::new(Some(variant), false))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound> {
        Ok(Compound::new(None, true))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound> {
        Ok(Compound::new(None, true))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Compound> {
        Ok(Compound::new(Some(variant), true))
    }
}

impl ser::SerializeSeq for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(value.serialize(Canonicalizer)?);
        Ok(())
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

impl ser::SerializeMap for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.pending_key = Some(key.serialize(Canonicalizer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self.pending_key.take().ok_or_else(|| CanonicalError("a map value came without its key".into()))?;
        self.entries.insert(key, value.serialize(Canonicalizer)?);
        Ok(())
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.entries.insert(Canonical::Str(key.to_owned()), value.serialize(Canonicalizer)?);
        Ok(())
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for Compound {
    type Ok = Canonical;
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Canonical> {
        Ok(self.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn floats_keep_their_class_where_json_values_would_not() {
        let classes = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 1.5];
        for (i, a) in classes.iter().enumerate() {
            for (j, b) in classes.iter().enumerate() {
                assert_eq!(canonical(a) == canonical(b), i == j, "{a} against {b}");
            }
        }
        assert_eq!(canonical(&f64::NAN), canonical(&-f64::NAN), "every NaN is NaN");
        assert_eq!(canonical(&Some(f32::INFINITY)), canonical(&f64::INFINITY));
    }

    #[test]
    fn maps_compare_whatever_their_order() {
        let a: HashMap<String, f64> = (0..50).map(|i| (format!("k{i}"), i as f64)).collect();
        let b: HashMap<String, f64> = (0..50).rev().map(|i| (format!("k{i}"), i as f64)).collect();
        assert_eq!(canonical(&a), canonical(&b));
        let mut c = b.clone();
        c.insert("k7".into(), f64::NAN);
        assert_ne!(canonical(&a), canonical(&c));
        assert_eq!(canonical(&vec![1, 2]), Canonical::Seq(vec![Canonical::Int(1), Canonical::Int(2)]));
    }
}
