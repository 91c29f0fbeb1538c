//! Absolute shape ids (`namespace#Name$member`) and the Smithy prelude.

use crate::error::Error;

/// The prelude namespace, whose shapes every model may target without defining them.
pub const PRELUDE: &str = "smithy.api";

/// The unit shape: "no input", "no output", or a union variant without a value.
pub const UNIT: &str = "smithy.api#Unit";

/// The simple kind of a prelude shape, and whether it carries a zero default
/// (the `Primitive*` shapes do).
pub fn prelude_shape(id: &str) -> Option<(&'static str, bool)> {
    let name = id.strip_prefix("smithy.api#")?;
    Some(match name {
        "String" => ("string", false),
        "Blob" => ("blob", false),
        "BigInteger" => ("bigInteger", false),
        "BigDecimal" => ("bigDecimal", false),
        "Timestamp" => ("timestamp", false),
        "Document" => ("document", false),
        "Boolean" => ("boolean", false),
        "PrimitiveBoolean" => ("boolean", true),
        "Byte" => ("byte", false),
        "PrimitiveByte" => ("byte", true),
        "Short" => ("short", false),
        "PrimitiveShort" => ("short", true),
        "Integer" => ("integer", false),
        "PrimitiveInteger" => ("integer", true),
        "Long" => ("long", false),
        "PrimitiveLong" => ("long", true),
        "Float" => ("float", false),
        "PrimitiveFloat" => ("float", true),
        "Double" => ("double", false),
        "PrimitiveDouble" => ("double", true),
        "Unit" => ("structure", false),
        _ => return None,
    })
}

/// A parsed absolute shape id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShapeId {
    /// The namespace, e.g. `com.amazonaws.marketplacemetering`.
    pub namespace: String,
    /// The shape name, e.g. `MeterUsageRequest`.
    pub name: String,
}

impl ShapeId {
    /// Parses `namespace#Name`; member ids (`$member`) are refused.
    pub fn parse(id: &str) -> Result<ShapeId, Error> {
        let (namespace, name) =
            id.split_once('#').ok_or_else(|| Error::model(id, "shape id has no namespace (expected namespace#Name)"))?;
        let ident_ok = |s: &str| {
            let mut chars = s.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if namespace.is_empty() || !namespace.split('.').all(ident_ok) {
            return Err(Error::model(id, format!("invalid namespace `{namespace}`")));
        }
        if name.contains('$') {
            return Err(Error::model(id, "a member id cannot be used as a shape id here"));
        }
        if !ident_ok(name) {
            return Err(Error::model(id, format!("invalid shape name `{name}`")));
        }
        Ok(ShapeId { namespace: namespace.to_owned(), name: name.to_owned() })
    }

    /// The absolute id as text.
    pub fn absolute(&self) -> String {
        format!("{}#{}", self.namespace, self.name)
    }
}

impl std::fmt::Display for ShapeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let id = ShapeId::parse("com.example#Foo_1").unwrap();
        assert_eq!((id.namespace.as_str(), id.name.as_str()), ("com.example", "Foo_1"));
        for bad in ["Foo", "com.example#", "#Foo", "com..x#Foo", "a#B$c", "a#1B"] {
            assert!(ShapeId::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn prelude_primitives_have_defaults() {
        assert_eq!(prelude_shape("smithy.api#PrimitiveLong"), Some(("long", true)));
        assert_eq!(prelude_shape("smithy.api#Long"), Some(("long", false)));
        assert_eq!(prelude_shape("smithy.api#Nope"), None);
        assert_eq!(prelude_shape("other#String"), None);
    }
}
