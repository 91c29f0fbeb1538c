//! `Document`: untyped, JSON-like data carried by `document` shapes.

use std::collections::HashMap;

/// A number inside a [`Document`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A non-negative integer.
    PosInt(u64),
    /// A negative integer.
    NegInt(i64),
    /// A floating point number.
    Float(f64),
}

impl Number {
    /// The number as `f64` (integers may lose precision).
    pub fn to_f64_lossy(self) -> f64 {
        match self {
            Number::PosInt(v) => v as f64,
            Number::NegInt(v) => v as f64,
            Number::Float(v) => v,
        }
    }
}

/// Open content: objects, arrays, numbers, strings, booleans and null.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Document {
    /// A map from keys to documents.
    Object(HashMap<String, Document>),
    /// A list of documents.
    Array(Vec<Document>),
    /// A number.
    Number(Number),
    /// Text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// Nothing.
    #[default]
    Null,
}

impl From<&str> for Document {
    fn from(s: &str) -> Self {
        Document::String(s.to_owned())
    }
}

impl From<String> for Document {
    fn from(s: String) -> Self {
        Document::String(s)
    }
}

impl From<bool> for Document {
    fn from(b: bool) -> Self {
        Document::Bool(b)
    }
}

impl From<i64> for Document {
    fn from(v: i64) -> Self {
        Document::Number(if v < 0 { Number::NegInt(v) } else { Number::PosInt(v as u64) })
    }
}

impl From<f64> for Document {
    fn from(v: f64) -> Self {
        Document::Number(Number::Float(v))
    }
}

impl From<Vec<Document>> for Document {
    fn from(v: Vec<Document>) -> Self {
        Document::Array(v)
    }
}

impl From<HashMap<String, Document>> for Document {
    fn from(v: HashMap<String, Document>) -> Self {
        Document::Object(v)
    }
}
