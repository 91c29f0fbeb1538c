//! The intermediate representation every emitter reads.
//!
//! Lowering (see `lower.rs`) resolves everything an emitter would otherwise
//! have to look up in the AST: targets are turned into [`TypeRef`]s, mixins are
//! flattened, `apply`-ed traits merged, operation inputs and outputs made
//! synthetic, errors attached, recursive members marked as boxed. Collections
//! are ordered (by name, or by model order where order is meaningful), so the
//! output never depends on hash order.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::shape_id::ShapeId;

mod http;

pub use http::{Binding, Http};

/// A lowered service model.
#[derive(Debug, Clone)]
pub struct Ir {
    /// The service itself.
    pub service: Service,
    /// Operations, sorted by name.
    pub operations: Vec<Operation>,
    /// Named shapes the crate defines (structures, unions, enums), by id.
    /// Synthetic operation inputs and outputs are here too.
    pub shapes: BTreeMap<ShapeId, Shape>,
    /// The model's protocol compliance cases that apply to this client:
    /// operations' first (requests, then responses, by operation name), then
    /// errors' (by error id).
    pub protocol_tests: Vec<ProtocolTest>,
    /// Operations of the service the crate does not have, with why, sorted by name.
    pub left_out: Vec<LeftOut>,
}

/// An operation the generator leaves out of the crate, rather than refusing the whole service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The operation's name.
    pub name: String,
    /// Why, in a sentence the crate's docs and the generator's output both use.
    pub reason: String,
}

/// One `smithy.test` compliance case for this client's protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolTest {
    /// What the case checks.
    pub kind: ProtocolTestKind,
    /// The operation (requests and responses) or error structure (errors) it belongs to.
    pub owner: ShapeId,
    /// The case's `id`.
    pub id: String,
    /// The case as written in the model (`params`, `body`, `headers`, ...).
    pub case: Value,
}

/// The three kinds of compliance case a client runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolTestKind {
    /// `smithy.test#httpRequestTests` of an operation: what is sent.
    Request,
    /// `smithy.test#httpResponseTests` of an operation: what is parsed.
    Response,
    /// `smithy.test#httpResponseTests` of an error: which error is returned.
    Error,
}

impl Ir {
    /// The named shape `id`. Lowering guarantees every [`TypeRef::Named`] resolves.
    pub fn shape(&self, id: &ShapeId) -> &Shape {
        &self.shapes[id]
    }

    /// The structure `id`.
    pub fn structure(&self, id: &ShapeId) -> &Structure {
        match &self.shapes[id] {
            Shape::Structure(s) => s,
            other => unreachable!("lowering made {id} a {other:?}, not a structure"),
        }
    }

    /// Error structures, sorted by id.
    pub fn errors(&self) -> impl Iterator<Item = &Structure> {
        self.shapes.values().filter_map(|s| match s {
            Shape::Structure(s) if s.error.is_some() => Some(s),
            _ => None,
        })
    }
}

/// The wire protocol of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `aws.protocols#awsJson1_0`.
    AwsJson1_0,
    /// `aws.protocols#awsJson1_1`.
    AwsJson1_1,
    /// `smithy.protocols#rpcv2Cbor`.
    RpcV2Cbor,
    /// `aws.protocols#restJson1`: the HTTP binding traits place members in
    /// the method, path, query, headers and status; the rest is a JSON body.
    RestJson1,
}

impl Protocol {
    /// The protocol trait's shape id.
    pub fn trait_id(self) -> &'static str {
        match self {
            Protocol::AwsJson1_0 => "aws.protocols#awsJson1_0",
            Protocol::AwsJson1_1 => "aws.protocols#awsJson1_1",
            Protocol::RpcV2Cbor => "smithy.protocols#rpcv2Cbor",
            Protocol::RestJson1 => "aws.protocols#restJson1",
        }
    }

    /// Whether bodies are CBOR (else JSON).
    pub fn is_cbor(self) -> bool {
        self == Protocol::RpcV2Cbor
    }

    /// The name of the runtime's `Protocol` variant.
    pub fn runtime_variant(self) -> &'static str {
        match self {
            Protocol::AwsJson1_0 => "AwsJson1_0",
            Protocol::AwsJson1_1 => "AwsJson1_1",
            Protocol::RpcV2Cbor => "RpcV2Cbor",
            Protocol::RestJson1 => "RestJson1",
        }
    }

    /// Whether members travel by the HTTP binding traits (restJson1), not
    /// all in the body.
    pub fn is_rest(self) -> bool {
        self == Protocol::RestJson1
    }
}

/// The service shape, with what a client needs to address and sign calls.
#[derive(Debug, Clone)]
pub struct Service {
    /// The service shape id.
    pub id: ShapeId,
    /// The API version (`2016-01-14`).
    pub version: String,
    /// `aws.api#service` sdkId, or the shape name when absent.
    pub sdk_id: String,
    /// The protocol used on the wire.
    pub protocol: Protocol,
    /// Protocol traits the service also lists, which the client does not
    /// speak (the Entitlement Service lists `aws.protocols#awsJson1_1`
    /// beside `smithy.protocols#rpcv2Cbor`).
    pub passed_over_protocols: Vec<String>,
    /// `aws.protocols#awsQueryCompatible`: the service moved from awsQuery
    /// and still names its errors as it did there.
    pub query_compatible: bool,
    /// The SigV4 signing name, when the service is signed.
    pub signing_name: Option<String>,
    /// The service's `smithy.api#title`.
    pub title: Option<String>,
    /// Documentation (HTML as in the model).
    pub docs: Option<String>,
    /// The `smithy.rules#endpointRuleSet` trait, as written.
    pub endpoint_rules: Option<Value>,
    /// The `smithy.rules#endpointBdd` trait, as written: when present, endpoints resolve from it.
    pub endpoint_bdd: Option<Value>,
    /// The `smithy.rules#endpointTests` trait, as written.
    pub endpoint_tests: Option<Value>,
}

/// The `@deprecated` trait.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deprecated {
    /// Why, and what to use instead.
    pub message: Option<String>,
    /// Since when (a date or version).
    pub since: Option<String>,
}

/// An operation of the service.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operation shape id.
    pub id: ShapeId,
    /// The operation's name (after service renames), e.g. `MeterUsage`.
    pub name: String,
    /// The synthetic input structure.
    pub input: ShapeId,
    /// The synthetic output structure.
    pub output: ShapeId,
    /// Errors it can return, operation errors and service errors, sorted by name.
    pub errors: Vec<ShapeId>,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
    /// `@paginated`, with the service's defaults merged in.
    pub paginated: Option<Paginated>,
    /// `@endpoint` host prefix template (`foo.{label}.`), labels checked against `@hostLabel` members.
    pub host_prefix: Option<String>,
    /// `@requestCompression`: the body is gzip-compressed (when large enough).
    pub compress_request: bool,
    /// False when the input is `Unit` (RPC v2 CBOR then sends no body).
    pub has_input: bool,
    /// Endpoint rule-set parameters the operation sets, highest precedence
    /// first: `@staticContextParams`, `@contextParam`, `@operationContextParams`.
    pub context_params: Vec<ContextParam>,
    /// `@http`, for a protocol that binds members to HTTP (restJson1).
    pub http: Option<Http>,
    /// `@httpChecksumRequired`: the request carries its body's `Content-MD5`.
    pub checksum_required: bool,
}

/// An endpoint rule-set parameter an operation sets.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextParam {
    /// The parameter's name in the rule set.
    pub name: String,
    /// Where its value comes from.
    pub source: ContextSource,
}

/// Where a context parameter's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextSource {
    /// `@staticContextParams`: a boolean, a string or a list of strings.
    Static(Value),
    /// `@contextParam` (a one-step path) or an `@operationContextParams` path into the input.
    Input(InputPath),
}

/// A path into the operation's input: the subset of JMESPath that
/// `@operationContextParams` allows (`A.B`, `A[*].B`, `keys(A)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPath {
    /// `keys(...)` around the path: the keys of the map it ends at.
    pub keys: bool,
    /// Member after member from the input structure.
    pub steps: Vec<PathStep>,
}

/// One member of an [`InputPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// The member name as modeled.
    pub member: String,
    /// `[*]` after it: every element of the list it is.
    pub each: bool,
}

/// The `@paginated` trait, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paginated {
    /// Input member carrying the token.
    pub input_token: String,
    /// Output member path carrying the next token.
    pub output_token: String,
    /// Output member path of the items, when named.
    pub items: Option<String>,
    /// Input member limiting the page size, when named.
    pub page_size: Option<String>,
}

/// A named shape the crate defines.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A structure (plain, operation input or output, or error).
    Structure(Structure),
    /// A tagged union.
    Union(Union),
    /// A string enum.
    Enum(Enum),
    /// An integer enum.
    IntEnum(IntEnum),
}

impl Shape {
    /// The shape id.
    pub fn id(&self) -> &ShapeId {
        match self {
            Shape::Structure(s) => &s.id,
            Shape::Union(u) => &u.id,
            Shape::Enum(e) => &e.id,
            Shape::IntEnum(e) => &e.id,
        }
    }

    /// The shape's name after service renames.
    pub fn name(&self) -> &str {
        match self {
            Shape::Structure(s) => &s.name,
            Shape::Union(u) => &u.name,
            Shape::Enum(e) => &e.name,
            Shape::IntEnum(e) => &e.name,
        }
    }
}

/// What a structure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A structure used as a member type.
    Plain,
    /// The synthetic input of an operation.
    Input,
    /// The synthetic output of an operation.
    Output,
}

/// A structure.
#[derive(Debug, Clone)]
pub struct Structure {
    /// Shape id (synthetic for operation inputs and outputs).
    pub id: ShapeId,
    /// Name after renames (`MeterUsageInput` for a synthetic input).
    pub name: String,
    /// Members in model order.
    pub members: Vec<Member>,
    /// What the structure is for.
    pub role: Role,
    /// `@error` and its companions, when this is an error structure.
    pub error: Option<ErrorInfo>,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
    /// `@sensitive` on the whole structure.
    pub sensitive: bool,
}

impl Structure {
    /// True when a member is a `@streaming` blob: the structure then holds
    /// a body that can be read once, so it is neither `Clone` nor `PartialEq`.
    pub fn has_stream(&self) -> bool {
        self.members.iter().any(|m| m.ty == TypeRef::Prim(Prim::Stream))
    }
}

/// Which side an error blames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `@error("client")`.
    Client,
    /// `@error("server")`.
    Server,
}

/// The error traits of an error structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// `@error`.
    pub kind: ErrorKind,
    /// `@httpError`, when set.
    pub http_status: Option<u16>,
    /// `@retryable`, when set; `true` inside means `throttling: true`.
    pub retryable: Option<bool>,
    /// `aws.protocols#awsQueryError` `code`: what an `@awsQueryCompatible`
    /// service calls this error in its `x-amzn-query-error` header.
    pub query_code: Option<String>,
}

/// A union.
#[derive(Debug, Clone)]
pub struct Union {
    /// Shape id.
    pub id: ShapeId,
    /// Name after renames.
    pub name: String,
    /// Variants in model order.
    pub members: Vec<Member>,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
    /// `@sensitive`.
    pub sensitive: bool,
}

/// A string enum.
#[derive(Debug, Clone)]
pub struct Enum {
    /// Shape id.
    pub id: ShapeId,
    /// Name after renames.
    pub name: String,
    /// Variants in model order.
    pub variants: Vec<EnumVariant>,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
    /// `@sensitive`.
    pub sensitive: bool,
}

/// A variant of a string enum.
#[derive(Debug, Clone)]
pub struct EnumVariant {
    /// The member name (`CUSTOMER_NOT_SUBSCRIBED`).
    pub name: String,
    /// The value on the wire (`CustomerNotSubscribed`).
    pub value: String,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
}

/// An integer enum.
#[derive(Debug, Clone)]
pub struct IntEnum {
    /// Shape id.
    pub id: ShapeId,
    /// Name after renames.
    pub name: String,
    /// Variants in model order.
    pub variants: Vec<IntEnumVariant>,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
}

/// A variant of an integer enum.
#[derive(Debug, Clone)]
pub struct IntEnumVariant {
    /// The member name.
    pub name: String,
    /// The value on the wire.
    pub value: i32,
    /// Documentation.
    pub docs: Option<String>,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
}

/// How a timestamp travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    /// Seconds since the epoch as a JSON number (the awsJson default).
    EpochSeconds,
    /// RFC 3339 `date-time` string.
    DateTime,
    /// RFC 7231 IMF-fixdate string.
    HttpDate,
}

/// A simple (scalar) type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    /// Bytes, base64 on the wire.
    Blob,
    /// `bool`.
    Boolean,
    /// UTF-8 text.
    String,
    /// `i8`.
    Byte,
    /// `i16`.
    Short,
    /// `i32`.
    Integer,
    /// `i64`.
    Long,
    /// `f32`.
    Float,
    /// `f64`.
    Double,
    /// Arbitrary precision integer, kept as text.
    BigInteger,
    /// Arbitrary precision decimal, kept as text.
    BigDecimal,
    /// A point in time, with the wire format `@timestampFormat` gives it;
    /// `None` is the default of the place it travels in.
    Timestamp(Option<TimestampFormat>),
    /// A `@streaming` blob: an operation's whole request or response body.
    Stream,
    /// Untyped JSON-like data.
    Document,
}

/// The type of a member, a list element or a map value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A union variant that carries no value (`smithy.api#Unit`).
    Unit,
    /// A scalar.
    Prim(Prim),
    /// A list; `sparse` lists keep nulls.
    List {
        /// The element type.
        element: Box<TypeRef>,
        /// `@sparse`.
        sparse: bool,
        /// What each element must satisfy (the element shape's and the
        /// list member's `@length` and `@range`).
        element_constraints: Box<Constraints>,
    },
    /// A map with string (or string enum) keys.
    Map {
        /// The key type: `Prim(String)` or a string enum.
        key: Box<TypeRef>,
        /// The value type.
        value: Box<TypeRef>,
        /// `@sparse`.
        sparse: bool,
        /// What each key must satisfy.
        key_constraints: Box<Constraints>,
        /// What each value must satisfy.
        value_constraints: Box<Constraints>,
    },
    /// A structure, union or enum defined by the crate.
    Named(ShapeId),
}

/// Length, range and pattern constraints, merged from member and target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// `@length` min.
    pub length_min: Option<u64>,
    /// `@length` max.
    pub length_max: Option<u64>,
    /// `@range` min (as written).
    pub range_min: Option<String>,
    /// `@range` max (as written).
    pub range_max: Option<String>,
    /// `@pattern`.
    pub pattern: Option<String>,
}

/// A member of a structure or union.
#[derive(Debug, Clone)]
pub struct Member {
    /// The member name as modeled; awsJson uses it on the wire.
    pub name: String,
    /// Its type.
    pub ty: TypeRef,
    /// `@required`.
    pub required: bool,
    /// `@default`, unless it is `null`.
    pub default: Option<Value>,
    /// `@addedDefault`: the default was added later, so the member stays optional.
    pub added_default: bool,
    /// `@clientOptional`.
    pub client_optional: bool,
    /// `@idempotencyToken`.
    pub idempotency_token: bool,
    /// `@deprecated`.
    pub deprecated: Option<Deprecated>,
    /// `@sensitive` on the member's target.
    pub sensitive: bool,
    /// Documentation (member, else target).
    pub docs: Option<String>,
    /// The member closes a cycle of structures or unions and must be boxed.
    pub boxed: bool,
    /// Constraints from the member and its target.
    pub constraints: Constraints,
    /// Where it travels (restJson1's HTTP bindings; always the body otherwise).
    pub binding: Binding,
    /// `@jsonName` (restJson1 only: awsJson ignores the trait).
    pub json_name: Option<String>,
    /// The target's `@mediaType`: a string so marked travels in base64 in a
    /// header, and a payload says it as its `Content-Type`.
    pub media_type: Option<String>,
    /// The target's `@requiresLength`: a streaming payload whose length
    /// must be known before it is sent.
    pub requires_length: bool,
}

impl Member {
    /// The member's key in a JSON body.
    pub fn wire_name(&self) -> &str {
        self.json_name.as_deref().unwrap_or(&self.name)
    }
}
