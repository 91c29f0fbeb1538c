//! The HTTP binding traits' side of the wire (restJson1): what generated
//! code uses to put members in the path, the query and headers, and to read
//! them back from a response's headers. The formats are the Smithy HTTP
//! binding specification's: labels and query values percent-encoded,
//! header lists comma-separated with quoting, timestamps as `date-time` in
//! the URI and `http-date` in headers unless `@timestampFormat` says
//! otherwise, floats' NaN and infinities spelt out.

mod headers;
mod uri;

pub use headers::{header_list, header_value, parse_header, parse_header_timestamp, prefixed_headers, push_header_item, HeaderValue};
pub use uri::{push_label, push_query};

use crate::primitives::{DateTime, DateTimeFormat};

/// A scalar as text in a label, query value or header.
pub trait BindingText {
    /// The text.
    fn binding_text(&self) -> String;
}

macro_rules! display_text {
    ($($t:ty),*) => {$(
        impl BindingText for $t {
            fn binding_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

// Strings go into labels, query values and headers as they are, without this.
display_text!(bool, i8, i16, i32, i64);

macro_rules! float_text {
    ($($t:ty),*) => {$(
        impl BindingText for $t {
            fn binding_text(&self) -> String {
                if self.is_nan() {
                    "NaN".to_owned()
                } else if self.is_infinite() {
                    if *self > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
                } else {
                    self.to_string()
                }
            }
        }
    )*};
}

float_text!(f32, f64);

/// A timestamp as text in `format`; the error says which member could not be written.
pub fn timestamp_text(value: &DateTime, format: DateTimeFormat, member: &'static str) -> Result<String, crate::error::BuildError> {
    value.fmt(format).map_err(|e| crate::error::BuildError::invalid_field(member, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_spell_out_what_has_no_digits() {
        assert_eq!(f64::NAN.binding_text(), "NaN");
        assert_eq!(f32::INFINITY.binding_text(), "Infinity");
        assert_eq!(f64::NEG_INFINITY.binding_text(), "-Infinity");
        assert_eq!(1.1f32.binding_text(), "1.1");
        assert_eq!(1.0f64.binding_text(), "1");
        assert_eq!(true.binding_text(), "true");
        assert_eq!((-3i64).binding_text(), "-3");
    }
}
