//! Stage 1, load: a faithful serde mirror of the Smithy 2.0 JSON AST.
//!
//! Nothing is interpreted here. Traits stay as raw JSON values keyed by their
//! absolute shape id, so unknown traits survive loading; map-shaped JSON keeps
//! its order (`IndexMap`), because member order is meaningful in Smithy.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;

/// Traits applied to a shape or member, by absolute trait id.
pub type Traits = IndexMap<String, Value>;

/// A whole Smithy JSON AST document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The IDL version, `"2.0"` (or `"1.0"`).
    pub smithy: String,
    /// Model metadata (suppressions, validators, ...), kept as written.
    #[serde(default)]
    pub metadata: IndexMap<String, Value>,
    /// Every shape by absolute shape id.
    #[serde(default)]
    pub shapes: IndexMap<String, Shape>,
}

/// A reference to another shape: `{ "target": "ns#Name" }`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Ref {
    /// The absolute id of the referenced shape.
    pub target: String,
}

/// A member of an aggregate shape.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// The absolute id of the member's target.
    pub target: String,
    /// Traits applied to the member.
    #[serde(default)]
    pub traits: Traits,
}

/// A shape with no members (blob, string, numbers, timestamp, document).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Simple {
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

/// A shape with named members: structure, union, enum, intEnum.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Aggregate {
    /// Members in declaration order.
    #[serde(default)]
    pub members: IndexMap<String, Member>,
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

/// A list (or the deprecated set).
#[derive(Debug, Clone, Deserialize)]
pub struct List {
    /// The element member.
    pub member: Member,
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

/// A map from string keys to values.
#[derive(Debug, Clone, Deserialize)]
pub struct Map {
    /// The key member (targets a string shape).
    pub key: Member,
    /// The value member.
    pub value: Member,
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

/// A service shape.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Service {
    /// The API version.
    #[serde(default)]
    pub version: String,
    /// Operations bound directly to the service.
    #[serde(default)]
    pub operations: Vec<Ref>,
    /// Resources bound to the service.
    #[serde(default)]
    pub resources: Vec<Ref>,
    /// Errors every operation of the service can return.
    #[serde(default)]
    pub errors: Vec<Ref>,
    /// Renames that disambiguate shape names in the service closure.
    #[serde(default)]
    pub rename: IndexMap<String, String>,
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

/// An operation shape.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Operation {
    /// The input structure; absent means `smithy.api#Unit`.
    pub input: Option<Ref>,
    /// The output structure; absent means `smithy.api#Unit`.
    pub output: Option<Ref>,
    /// Errors the operation can return.
    #[serde(default)]
    pub errors: Vec<Ref>,
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

/// A resource shape. Only its operation bindings matter to a client.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Identifier names and their targets.
    #[serde(default)]
    pub identifiers: IndexMap<String, Ref>,
    /// Property names and their targets.
    #[serde(default)]
    pub properties: IndexMap<String, Ref>,
    /// Lifecycle operation `create`.
    pub create: Option<Ref>,
    /// Lifecycle operation `put`.
    pub put: Option<Ref>,
    /// Lifecycle operation `read`.
    pub read: Option<Ref>,
    /// Lifecycle operation `update`.
    pub update: Option<Ref>,
    /// Lifecycle operation `delete`.
    pub delete: Option<Ref>,
    /// Lifecycle operation `list`.
    pub list: Option<Ref>,
    /// Instance operations.
    #[serde(default)]
    pub operations: Vec<Ref>,
    /// Collection operations.
    #[serde(default)]
    pub collection_operations: Vec<Ref>,
    /// Child resources.
    #[serde(default)]
    pub resources: Vec<Ref>,
    /// Traits applied to the shape.
    #[serde(default)]
    pub traits: Traits,
    /// Mixins applied to the shape.
    #[serde(default)]
    pub mixins: Vec<Ref>,
}

impl Resource {
    /// Every operation bound to the resource, lifecycle ones first.
    pub fn all_operations(&self) -> impl Iterator<Item = &Ref> {
        [&self.create, &self.put, &self.read, &self.update, &self.delete, &self.list]
            .into_iter()
            .flatten()
            .chain(&self.operations)
            .chain(&self.collection_operations)
    }
}

/// An `apply` statement: traits added to a shape or member defined elsewhere.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Apply {
    /// The traits to merge into the target.
    #[serde(default)]
    pub traits: Traits,
}

/// Any shape of the JSON AST, tagged by its `type` field.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum Shape {
    Blob(Simple),
    Boolean(Simple),
    String(Simple),
    Byte(Simple),
    Short(Simple),
    Integer(Simple),
    Long(Simple),
    Float(Simple),
    Double(Simple),
    BigInteger(Simple),
    BigDecimal(Simple),
    Timestamp(Simple),
    Document(Simple),
    Enum(Aggregate),
    IntEnum(Aggregate),
    List(List),
    Set(List),
    Map(Map),
    Structure(Aggregate),
    Union(Aggregate),
    Service(Service),
    Operation(Operation),
    Resource(Resource),
    Apply(Apply),
}

/// Evaluates `$body` with `$s` bound to the data of any shape kind but
/// `apply` (every kind's data has `traits` and `mixins` fields, of different
/// types, so one or-pattern cannot bind them all), and `$apply` for `apply`.
/// The one place that lists every kind.
macro_rules! each_kind {
    ($shape:expr, |$s:ident| $body:expr, |$a:ident| $apply:expr) => {
        match $shape {
            Shape::Blob($s)
            | Shape::Boolean($s)
            | Shape::String($s)
            | Shape::Byte($s)
            | Shape::Short($s)
            | Shape::Integer($s)
            | Shape::Long($s)
            | Shape::Float($s)
            | Shape::Double($s)
            | Shape::BigInteger($s)
            | Shape::BigDecimal($s)
            | Shape::Timestamp($s)
            | Shape::Document($s) => $body,
            Shape::Enum($s) | Shape::IntEnum($s) | Shape::Structure($s) | Shape::Union($s) => $body,
            Shape::List($s) | Shape::Set($s) => $body,
            Shape::Map($s) => $body,
            Shape::Service($s) => $body,
            Shape::Operation($s) => $body,
            Shape::Resource($s) => $body,
            Shape::Apply($a) => $apply,
        }
    };
}

impl Shape {
    /// The shape's type name as the JSON AST spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Shape::Blob(_) => "blob",
            Shape::Boolean(_) => "boolean",
            Shape::String(_) => "string",
            Shape::Byte(_) => "byte",
            Shape::Short(_) => "short",
            Shape::Integer(_) => "integer",
            Shape::Long(_) => "long",
            Shape::Float(_) => "float",
            Shape::Double(_) => "double",
            Shape::BigInteger(_) => "bigInteger",
            Shape::BigDecimal(_) => "bigDecimal",
            Shape::Timestamp(_) => "timestamp",
            Shape::Document(_) => "document",
            Shape::Enum(_) => "enum",
            Shape::IntEnum(_) => "intEnum",
            Shape::List(_) => "list",
            Shape::Set(_) => "set",
            Shape::Map(_) => "map",
            Shape::Structure(_) => "structure",
            Shape::Union(_) => "union",
            Shape::Service(_) => "service",
            Shape::Operation(_) => "operation",
            Shape::Resource(_) => "resource",
            Shape::Apply(_) => "apply",
        }
    }

    /// The shape's own traits.
    pub fn traits(&self) -> &Traits {
        each_kind!(self, |s| &s.traits, |a| &a.traits)
    }

    /// The shape's own traits, mutably (for `apply` and mixins).
    pub fn traits_mut(&mut self) -> &mut Traits {
        each_kind!(self, |s| &mut s.traits, |a| &mut a.traits)
    }

    /// The mixins the shape uses.
    pub fn mixins(&self) -> &[Ref] {
        each_kind!(self, |s| &s.mixins[..], |_a| &[])
    }

    /// The shape's members, for shape kinds that have named members.
    pub fn members(&self) -> Option<&IndexMap<String, Member>> {
        match self {
            Shape::Enum(a) | Shape::IntEnum(a) | Shape::Structure(a) | Shape::Union(a) => Some(&a.members),
            _ => None,
        }
    }
}

/// Parses a JSON AST document, reporting the line and column of any problem.
pub fn load(json: &str) -> Result<Model, Error> {
    serde_json::from_str(json).map_err(|e| Error::Json { line: e.line(), column: e.column(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_traits_and_member_order() {
        let model = load(
            r#"{"smithy":"2.0","shapes":{"a.b#S":{"type":"structure","members":{
                "Z":{"target":"smithy.api#String"},"A":{"target":"smithy.api#Integer","traits":{"x.y#custom":{"k":1}}}
            },"traits":{"x.y#other":"v"}}}}"#,
        )
        .unwrap();
        let shape = &model.shapes["a.b#S"];
        let members: Vec<_> = shape.members().unwrap().keys().cloned().collect();
        assert_eq!(members, ["Z", "A"]);
        assert_eq!(shape.traits()["x.y#other"], "v");
        assert_eq!(shape.members().unwrap()["A"].traits["x.y#custom"]["k"], 1);
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = load("{\n  \"smithy\": \"2.0\",\n  \"shapes\": {,}\n}").unwrap_err();
        match err {
            Error::Json { line, column, .. } => assert_eq!((line, column), (3, 14)),
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn unknown_shape_type_is_an_error_with_position() {
        let err = load(r#"{"smithy":"2.0","shapes":{"a#B":{"type":"frob"}}}"#).unwrap_err();
        assert!(err.to_string().contains("frob"), "{err}");
        assert!(matches!(err, Error::Json { line: 1, .. }));
    }
}
