//! Stage 4, lower: from the normalised AST to the [`Ir`].
//!
//! In order: walk the service closure, make each operation's input and
//! output a synthetic structure, attach errors (service-level ones too),
//! resolve every member's target to a [`TypeRef`], and box members that
//! close a cycle ([`crate::recursion`]).

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde_json::Value;

use crate::ast::{self, Member as AstMember, Model, Shape as AstShape, Traits};
use crate::error::Error;
use crate::ir::*;
use crate::normalise::Shapes;
use crate::shape_id::{prelude_shape, ShapeId, UNIT};
use crate::validate::passed_over_protocols;

const DOCUMENTATION: &str = "smithy.api#documentation";

/// Lowers `model`, whose only service is `service_id` (see [`crate::validate`]).
/// The client speaks `protocol` (see [`crate::validate::protocol_of`]).
pub fn lower(model: &Model, shapes: &Shapes, service_id: &str, protocol: &str) -> Result<Ir, Error> {
    let service_shape = match &shapes[service_id] {
        AstShape::Service(s) => s,
        _ => unreachable!("validate returned a service id"),
    };
    let rest = protocol == "aws.protocols#restJson1";
    crate::validate::http::streaming(shapes, rest)?;
    if rest {
        crate::validate::http::check(shapes)?;
    }
    let mut lowerer = Lowerer {
        shapes,
        renames: &service_shape.rename,
        named: BTreeMap::new(),
        pending: Vec::new(),
        v1: model.smithy.starts_with('1'),
        rest,
    };
    let service = lowerer.service(service_id, service_shape, protocol)?;

    let mut operation_ids = BTreeSet::new();
    collect_operations(shapes, service_id, &service_shape.operations, &service_shape.resources, &mut operation_ids);
    let service_errors = lowerer.error_refs(&service_shape.errors)?;
    let mut operations = Vec::new();
    let mut left_out = Vec::new();
    for op_id in &operation_ids {
        if let Some(reason) = crate::left_out::event_stream(shapes, op_id) {
            left_out.push(LeftOut { name: lowerer.name_of(op_id)?, reason });
            continue;
        }
        operations.push(lowerer.operation(op_id, &service, &service_errors, service_shape)?);
    }
    operations.sort_by(|a, b| a.name.cmp(&b.name));
    left_out.sort_by(|a, b| a.name.cmp(&b.name));
    for error in &service_errors {
        lowerer.enqueue(&error.absolute());
    }
    lowerer.drain()?;
    let mut named = lowerer.named;
    crate::recursion::box_recursive_members(&mut named);
    let protocol_tests = crate::protocol_cases::lower(shapes, service.protocol, &operations, &named);
    Ok(Ir { service, operations, shapes: named, protocol_tests, left_out })
}

fn collect_operations(
    shapes: &BTreeMap<String, AstShape>,
    owner: &str,
    operations: &[ast::Ref],
    resources: &[ast::Ref],
    out: &mut BTreeSet<String>,
) {
    out.extend(operations.iter().map(|op| op.target.clone()));
    for r in resources {
        let Some(AstShape::Resource(res)) = shapes.get(&r.target) else {
            unreachable!("validated: {owner} binds {} as a resource", r.target)
        };
        let ops: Vec<ast::Ref> = res.all_operations().cloned().collect();
        collect_operations(shapes, &r.target, &ops, &res.resources, out);
    }
}

fn doc(traits: &Traits) -> Option<String> {
    traits.get(DOCUMENTATION).and_then(Value::as_str).map(str::to_owned)
}

/// `@deprecated`, whose fields validation checked are strings.
fn deprecated(traits: &Traits) -> Option<Deprecated> {
    let v = traits.get("smithy.api#deprecated")?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(Deprecated { message: field("message"), since: field("since") })
}

struct Lowerer<'a> {
    shapes: &'a BTreeMap<String, AstShape>,
    renames: &'a IndexMap<String, String>,
    named: BTreeMap<ShapeId, Shape>,
    pending: Vec<String>,
    v1: bool,
    /// The protocol binds members to HTTP (restJson1), and reads `@jsonName`.
    rest: bool,
}

impl Lowerer<'_> {
    fn service(&self, id: &str, service: &ast::Service, protocol_id: &str) -> Result<Service, Error> {
        let shape = &self.shapes[id];
        let protocol = match protocol_id {
            "aws.protocols#awsJson1_0" => Protocol::AwsJson1_0,
            "smithy.protocols#rpcv2Cbor" => Protocol::RpcV2Cbor,
            "aws.protocols#restJson1" => Protocol::RestJson1,
            _ => Protocol::AwsJson1_1,
        };
        let shape_id = ShapeId::parse(id)?;
        let sdk_id = service
            .traits
            .get("aws.api#service")
            .and_then(|s| s.get("sdkId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| shape_id.name.clone());
        let signing_name = service.traits.get("aws.auth#sigv4").and_then(|v| v.get("name")).and_then(Value::as_str).map(str::to_owned);
        Ok(Service {
            id: shape_id,
            version: service.version.clone(),
            sdk_id,
            protocol,
            passed_over_protocols: passed_over_protocols(shape, protocol_id),
            query_compatible: service.traits.contains_key("aws.protocols#awsQueryCompatible"),
            signing_name,
            title: service.traits.get("smithy.api#title").and_then(Value::as_str).map(str::to_owned),
            docs: doc(&service.traits),
            endpoint_rules: service.traits.get("smithy.rules#endpointRuleSet").cloned(),
            endpoint_bdd: service.traits.get("smithy.rules#endpointBdd").cloned(),
            endpoint_tests: service.traits.get("smithy.rules#endpointTests").cloned(),
        })
    }

    fn name_of(&self, id: &str) -> Result<String, Error> {
        if let Some(renamed) = self.renames.get(id) {
            return Ok(renamed.clone());
        }
        Ok(ShapeId::parse(id)?.name)
    }

    fn error_refs(&mut self, refs: &[ast::Ref]) -> Result<Vec<ShapeId>, Error> {
        let mut out = Vec::new();
        for r in refs {
            out.push(ShapeId::parse(&r.target)?);
        }
        Ok(out)
    }

    fn operation(
        &mut self,
        id: &str,
        service: &Service,
        service_errors: &[ShapeId],
        service_shape: &ast::Service,
    ) -> Result<Operation, Error> {
        let AstShape::Operation(op) = &self.shapes[id] else { unreachable!("collected as an operation") };
        let name = self.name_of(id)?;
        let synthetic_ns = format!("synthetic.{}", service.id.namespace);
        let input = self.synthetic(id, op.input.as_ref(), &synthetic_ns, format!("{name}Input"), Role::Input)?;
        let output = self.synthetic(id, op.output.as_ref(), &synthetic_ns, format!("{name}Output"), Role::Output)?;
        let mut errors = self.error_refs(&op.errors)?;
        for e in service_errors {
            if !errors.contains(e) {
                errors.push(e.clone());
            }
        }
        for e in &errors {
            self.enqueue(&e.absolute());
        }
        let mut error_names = Vec::new();
        for e in errors {
            error_names.push((self.name_of(&e.absolute())?, e));
        }
        error_names.sort();
        let paginated = paginated(&op.traits, &service_shape.traits);
        let host_prefix = op.traits.get("smithy.api#endpoint").and_then(|e| e.get("hostPrefix")).and_then(Value::as_str).map(str::to_owned);
        // Validation refused encodings without gzip.
        let compress_request = op.traits.contains_key("smithy.api#requestCompression");
        let rules =
            service_shape.traits.get("smithy.rules#endpointBdd").or_else(|| service_shape.traits.get("smithy.rules#endpointRuleSet"));
        let context_params =
            crate::context_params::lower(id, &op.traits, op.input.as_ref().map(|r| r.target.as_str()), self.shapes, rules)?;
        Ok(Operation {
            id: ShapeId::parse(id)?,
            name,
            input,
            output,
            errors: error_names.into_iter().map(|(_, e)| e).collect(),
            docs: doc(&op.traits),
            deprecated: deprecated(&op.traits),
            paginated,
            host_prefix,
            compress_request,
            has_input: op.input.as_ref().is_some_and(|r| r.target != UNIT),
            context_params,
            http: if self.rest { crate::http_bindings::http(&op.traits) } else { None },
            checksum_required: op.traits.contains_key("smithy.api#httpChecksumRequired"),
        })
    }

    fn synthetic(&mut self, op_id: &str, target: Option<&ast::Ref>, ns: &str, name: String, role: Role) -> Result<ShapeId, Error> {
        let id = ShapeId { namespace: ns.to_owned(), name: name.clone() };
        let (members, docs, deprecated_trait, sensitive) = match target.map(|r| r.target.as_str()) {
            None | Some(UNIT) => (Vec::new(), None, None, false),
            Some(t) => {
                let Some(AstShape::Structure(s)) = self.shapes.get(t) else { unreachable!("validated: {op_id}'s {t} is a structure") };
                let mut members = self.members(t, &s.members, true)?;
                crate::http_bindings::keep_meaningful(&mut members, role == Role::Input);
                (members, doc(&s.traits), deprecated(&s.traits), s.traits.contains_key("smithy.api#sensitive"))
            }
        };
        self.named.insert(
            id.clone(),
            Shape::Structure(Structure { id: id.clone(), name, members, role, error: None, docs, deprecated: deprecated_trait, sensitive }),
        );
        Ok(id)
    }

    fn enqueue(&mut self, id: &str) {
        self.pending.push(id.to_owned());
    }

    fn drain(&mut self) -> Result<(), Error> {
        while let Some(id) = self.pending.pop() {
            let shape_id = ShapeId::parse(&id)?;
            if self.named.contains_key(&shape_id) {
                continue;
            }
            let shape = self.named_shape(&id, shape_id.clone())?;
            self.named.insert(shape_id, shape);
        }
        Ok(())
    }

    fn named_shape(&mut self, id: &str, shape_id: ShapeId) -> Result<Shape, Error> {
        let shape = &self.shapes[id];
        let traits = shape.traits();
        let name = self.name_of(id)?;
        let docs = doc(traits);
        let dep = deprecated(traits);
        let sensitive = traits.contains_key("smithy.api#sensitive");
        Ok(match shape {
            AstShape::Structure(s) => {
                let error = s.traits.get("smithy.api#error").map(|kind| error_info(kind, &s.traits));
                Shape::Structure(Structure {
                    id: shape_id,
                    name,
                    // An error's members may be bound to headers and the status.
                    members: {
                        let mut members = self.members(id, &s.members, error.is_some())?;
                        crate::http_bindings::keep_meaningful(&mut members, false);
                        members
                    },
                    role: Role::Plain,
                    error,
                    docs,
                    deprecated: dep,
                    sensitive,
                })
            }
            AstShape::Union(u) => {
                Shape::Union(Union { id: shape_id, name, members: self.members(id, &u.members, false)?, docs, deprecated: dep, sensitive })
            }
            AstShape::Enum(e) => {
                let mut variants = Vec::new();
                for (m, member) in &e.members {
                    let value = member.traits.get("smithy.api#enumValue").and_then(Value::as_str).unwrap_or(m).to_owned();
                    variants.push(EnumVariant {
                        name: m.clone(),
                        value,
                        docs: doc(&member.traits),
                        deprecated: deprecated(&member.traits),
                    });
                }
                Shape::Enum(Enum { id: shape_id, name, variants, docs, deprecated: dep, sensitive })
            }
            AstShape::String(s) => {
                // A Smithy 1.0 string with the @enum trait.
                let list = s.traits.get("smithy.api#enum").and_then(Value::as_array).into_iter().flatten();
                let mut variants = Vec::new();
                for entry in list {
                    let value = entry.get("value").and_then(Value::as_str).unwrap_or_default();
                    let variant_name = entry.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| value.to_owned());
                    let dep = entry.get("deprecated").and_then(Value::as_bool).unwrap_or(false).then(Deprecated::default);
                    variants.push(EnumVariant {
                        name: variant_name,
                        value: value.to_owned(),
                        docs: entry.get("documentation").and_then(Value::as_str).map(str::to_owned),
                        deprecated: dep,
                    });
                }
                Shape::Enum(Enum { id: shape_id, name, variants, docs, deprecated: dep, sensitive })
            }
            AstShape::IntEnum(e) => {
                let mut variants = Vec::new();
                for (m, member) in &e.members {
                    let value = member
                        .traits
                        .get("smithy.api#enumValue")
                        .and_then(Value::as_i64)
                        .and_then(|v| i32::try_from(v).ok())
                        .unwrap_or_default();
                    variants.push(IntEnumVariant {
                        name: m.clone(),
                        value,
                        docs: doc(&member.traits),
                        deprecated: deprecated(&member.traits),
                    });
                }
                Shape::IntEnum(IntEnum { id: shape_id, name, variants, docs, deprecated: dep })
            }
            other => unreachable!("{id}: {} is never enqueued as a named shape", other.type_name()),
        })
    }

    /// The members of `owner`; `top_level` for an operation's input or
    /// output and an error, whose members the HTTP binding traits place.
    fn members(&mut self, owner: &str, members: &IndexMap<String, AstMember>, top_level: bool) -> Result<Vec<Member>, Error> {
        let mut out = Vec::new();
        for (name, m) in members {
            let member_id = format!("{owner}${name}");
            let ty = self.type_ref(&member_id, &m.target, &m.traits)?;
            let target_traits = self.shapes.get(&m.target).map(AstShape::traits);
            let mut default = match m.traits.get("smithy.api#default") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.clone()),
            };
            // Smithy 1.0 members targeting Primitive* shapes are zero by default, unless boxed.
            if default.is_none() && self.v1 && !m.traits.contains_key("smithy.api#box") {
                if let Some((kind, true)) = prelude_shape(&m.target) {
                    default = Some(if kind == "boolean" { Value::Bool(false) } else { Value::from(0) });
                }
            }
            let constraints = crate::constraints::of(self.shapes, &m.target, &m.traits);
            out.push(Member {
                name: name.clone(),
                ty,
                required: m.traits.contains_key("smithy.api#required"),
                default,
                added_default: m.traits.contains_key("smithy.api#addedDefault"),
                client_optional: m.traits.contains_key("smithy.api#clientOptional"),
                idempotency_token: m.traits.contains_key("smithy.api#idempotencyToken"),
                deprecated: deprecated(&m.traits),
                sensitive: m.traits.contains_key("smithy.api#sensitive")
                    || target_traits.is_some_and(|t| t.contains_key("smithy.api#sensitive")),
                docs: doc(&m.traits).or_else(|| target_traits.and_then(doc)),
                boxed: false,
                constraints,
                binding: if self.rest && top_level { crate::http_bindings::binding(&m.traits) } else { Binding::Body },
                json_name: if self.rest { m.traits.get("smithy.api#jsonName").and_then(Value::as_str).map(str::to_owned) } else { None },
                media_type: target_traits.and_then(|t| t.get("smithy.api#mediaType")).and_then(Value::as_str).map(str::to_owned),
                requires_length: target_traits.is_some_and(|t| t.contains_key("smithy.api#requiresLength")),
            });
        }
        Ok(out)
    }

    fn type_ref(&mut self, owner: &str, target: &str, member_traits: &Traits) -> Result<TypeRef, Error> {
        if target == UNIT {
            return Ok(TypeRef::Unit);
        }
        let target_traits = self.shapes.get(target).map(AstShape::traits);
        let kind = match (prelude_shape(target), self.shapes.get(target)) {
            (_, Some(shape)) => shape.type_name(),
            (Some((kind, _)), None) => kind,
            (None, None) => unreachable!("validated: {owner} targets a known shape"),
        };
        let timestamp_format = || {
            let fmt =
                member_traits.get("smithy.api#timestampFormat").or_else(|| target_traits.and_then(|t| t.get("smithy.api#timestampFormat")));
            match fmt.and_then(Value::as_str) {
                Some("date-time") => Some(TimestampFormat::DateTime),
                Some("http-date") => Some(TimestampFormat::HttpDate),
                Some("epoch-seconds") => Some(TimestampFormat::EpochSeconds),
                _ => None,
            }
        };
        let prim = |p| Ok(TypeRef::Prim(p));
        match kind {
            "blob" if target_traits.is_some_and(|t| t.contains_key("smithy.api#streaming")) => prim(Prim::Stream),
            "blob" => prim(Prim::Blob),
            "boolean" => prim(Prim::Boolean),
            "string" if target_traits.is_some_and(|t| t.contains_key("smithy.api#enum")) => {
                self.enqueue(target);
                Ok(TypeRef::Named(ShapeId::parse(target)?))
            }
            "string" => prim(Prim::String),
            "byte" => prim(Prim::Byte),
            "short" => prim(Prim::Short),
            "integer" => prim(Prim::Integer),
            "long" => prim(Prim::Long),
            "float" => prim(Prim::Float),
            "double" => prim(Prim::Double),
            "bigInteger" => prim(Prim::BigInteger),
            "bigDecimal" => prim(Prim::BigDecimal),
            "timestamp" => prim(Prim::Timestamp(timestamp_format())),
            "document" => prim(Prim::Document),
            "list" | "set" => {
                let (AstShape::List(l) | AstShape::Set(l)) = &self.shapes[target] else { unreachable!() };
                let element = self.type_ref(&format!("{target}$member"), &l.member.target, &l.member.traits)?;
                Ok(TypeRef::List {
                    element: Box::new(element),
                    sparse: l.traits.contains_key("smithy.api#sparse"),
                    element_constraints: Box::new(crate::constraints::of(self.shapes, &l.member.target, &l.member.traits)),
                })
            }
            "map" => {
                let AstShape::Map(m) = &self.shapes[target] else { unreachable!() };
                let key = self.type_ref(&format!("{target}$key"), &m.key.target, &m.key.traits)?;
                let value = self.type_ref(&format!("{target}$value"), &m.value.target, &m.value.traits)?;
                Ok(TypeRef::Map {
                    key: Box::new(key),
                    value: Box::new(value),
                    sparse: m.traits.contains_key("smithy.api#sparse"),
                    key_constraints: Box::new(crate::constraints::of(self.shapes, &m.key.target, &m.key.traits)),
                    value_constraints: Box::new(crate::constraints::of(self.shapes, &m.value.target, &m.value.traits)),
                })
            }
            "structure" | "union" | "enum" | "intEnum" => {
                self.enqueue(target);
                Ok(TypeRef::Named(ShapeId::parse(target)?))
            }
            other => unreachable!("validated: {owner} cannot target a {other}"),
        }
    }
}

/// `@paginated`, with the service's defaults for what the operation leaves out.
fn paginated(op: &Traits, service: &Traits) -> Option<Paginated> {
    let own = op.get("smithy.api#paginated")?;
    let field = |k: &str| -> Option<String> {
        own.get(k).or_else(|| service.get("smithy.api#paginated").and_then(|s| s.get(k))).and_then(Value::as_str).map(str::to_owned)
    };
    let (Some(input_token), Some(output_token)) = (field("inputToken"), field("outputToken")) else {
        unreachable!("validated: @paginated names both tokens")
    };
    Some(Paginated { input_token, output_token, items: field("items"), page_size: field("pageSize") })
}

/// `@error`, `@httpError`, `@retryable` and `@awsQueryError` (validation
/// checked their values).
fn error_info(kind: &Value, traits: &Traits) -> ErrorInfo {
    let kind = if kind.as_str() == Some("server") { ErrorKind::Server } else { ErrorKind::Client };
    let http_status = traits.get("smithy.api#httpError").and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok());
    let retryable = traits.get("smithy.api#retryable").map(|v| v.get("throttling").and_then(Value::as_bool).unwrap_or(false));
    let query_code = traits.get("aws.protocols#awsQueryError").and_then(|q| q.get("code")).and_then(Value::as_str).map(str::to_owned);
    ErrorInfo { kind, http_status, retryable, query_code }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ast::load;
    use crate::validate::validate;

    pub(crate) fn lower_json(json: &str) -> Result<Ir, Error> {
        let model = load(json)?;
        let service = validate(&model)?;
        let shapes = crate::normalise::normalise(&model)?;
        crate::validate::check_normalised(&shapes, &service)?;
        let protocol = crate::validate::protocol_of(&model, &service, None)?;
        lower(&model, &shapes, &service, protocol)
    }

    pub(crate) fn service(extra: &str, ops: &str) -> String {
        format!(
            r#"{{"smithy":"2.0","shapes":{{"a#S":{{"type":"service","version":"1","operations":[{ops}],
            "errors":[{{"target":"a#ServiceErr"}}],"traits":{{"aws.protocols#awsJson1_0":{{}}}}}},
            "a#ServiceErr":{{"type":"structure","traits":{{"smithy.api#error":"server"}}}}{extra}}}}}"#
        )
    }

    #[test]
    fn collections_carry_the_constraints_of_their_elements_keys_and_values() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#Name":{"type":"string","traits":{"smithy.api#length":{"min":2,"max":8}}},
            "a#Small":{"type":"integer","traits":{"smithy.api#range":{"max":9}}},
            "a#Names":{"type":"list","member":{"target":"a#Name"},"traits":{"smithy.api#length":{"min":1}}},
            "a#Index":{"type":"map","key":{"target":"a#Name"},"value":{"target":"a#Names"}},
            "a#Counts":{"type":"list","member":{"target":"a#Small","traits":{"smithy.api#range":{"min":1}}}},
            "a#In":{"type":"structure","members":{"I":{"target":"a#Index"},"C":{"target":"a#Counts"}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        let ir = lower_json(&json).unwrap();
        let input = ir.structure(&ir.operations[0].input);
        let TypeRef::Map { key_constraints, value, value_constraints, .. } = &input.members[0].ty else { panic!() };
        assert_eq!((key_constraints.length_min, key_constraints.length_max), (Some(2), Some(8)));
        assert_eq!(value_constraints.length_min, Some(1), "the value list's own @length");
        let TypeRef::List { element_constraints, .. } = &**value else { panic!() };
        assert_eq!(element_constraints.length_max, Some(8));
        let TypeRef::List { element_constraints, .. } = &input.members[1].ty else { panic!() };
        let range = (element_constraints.range_min.as_deref(), element_constraints.range_max.as_deref());
        assert_eq!(range, (Some("1"), Some("9")), "the list member's trait joins its target's");
    }

    #[test]
    fn the_other_protocols_a_service_lists_are_recorded() {
        let json =
            service("", "").replace(r#""aws.protocols#awsJson1_0":{}"#, r#""aws.protocols#awsJson1_0":{},"aws.protocols#restXml":{}"#);
        let ir = lower_json(&json).unwrap();
        assert_eq!(ir.service.protocol, Protocol::AwsJson1_0);
        assert_eq!(ir.service.passed_over_protocols, ["aws.protocols#restXml"]);
        let files = crate::generate(&json, &crate::Options::default()).unwrap();
        assert!(
            files["src/lib.rs"].contains(
                "This client speaks `aws.protocols#awsJson1_0`. The model also lists `aws.protocols#restXml`, which this generator does not implement"
            ),
            "the crate documentation says which protocol it speaks"
        );
        let plain = crate::generate(&service("", ""), &crate::Options::default()).unwrap();
        assert!(!plain["src/lib.rs"].contains("# Protocol"), "nothing to say when the model lists one protocol");
        let three = service("", "").replace(
            r#""aws.protocols#awsJson1_0":{}"#,
            r#""aws.protocols#awsJson1_1":{},"aws.protocols#awsJson1_0":{},"smithy.protocols#rpcv2Cbor":{}"#,
        );
        let ir = lower_json(&three).unwrap();
        assert_eq!(ir.service.protocol, Protocol::RpcV2Cbor, "AWS's order: CBOR first");
        assert_eq!(ir.service.passed_over_protocols, ["aws.protocols#awsJson1_0", "aws.protocols#awsJson1_1"]);
        let files = crate::generate(&three, &crate::Options::default()).unwrap();
        assert!(files["src/lib.rs"].contains("`protocol = \"aws.protocols#awsJson1_0\"`"), "{}", files["src/lib.rs"]);
        let options = crate::Options { protocol: Some("aws.protocols#awsJson1_1".to_owned()), ..crate::Options::default() };
        let files = crate::generate(&three, &options).unwrap();
        assert!(files["src/lib.rs"].contains("This client speaks `aws.protocols#awsJson1_1`"));
        assert!(files["src/config.rs"].contains("Protocol::AwsJson1_1"));
    }

    #[test]
    fn synthesises_inputs_outputs_and_attaches_service_errors() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#Req"},"errors":[{"target":"a#Bad"}]},
            "a#Req":{"type":"structure","members":{"X":{"target":"smithy.api#String"}}},
            "a#Bad":{"type":"structure","traits":{"smithy.api#error":"client","smithy.api#httpError":400,"smithy.api#retryable":{"throttling":true}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        let ir = lower_json(&json).unwrap();
        let op = &ir.operations[0];
        assert_eq!(op.input.absolute(), "synthetic.a#OpInput");
        assert_eq!(op.output.absolute(), "synthetic.a#OpOutput");
        assert_eq!(ir.structure(&op.input).members[0].name, "X");
        assert!(ir.structure(&op.output).members.is_empty());
        let errors: Vec<String> = op.errors.iter().map(|e| e.name.clone()).collect();
        assert_eq!(errors, ["Bad", "ServiceErr"]);
        let bad = ir.structure(&op.errors[0]).error.clone().unwrap();
        assert_eq!(bad, ErrorInfo { kind: ErrorKind::Client, http_status: Some(400), retryable: Some(true), query_code: None });
        // The original input structure is not emitted as a type, since no member targets it.
        assert!(!ir.shapes.keys().any(|k| k.absolute() == "a#Req"));
    }

    #[test]
    fn timestamp_format_member_overrides_target_and_enum_values() {
        let json = service(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#Ts":{"type":"timestamp","traits":{"smithy.api#timestampFormat":"http-date"}},
            "a#E":{"type":"enum","members":{"A":{"target":"smithy.api#Unit","traits":{"smithy.api#enumValue":"a-val"}},"B":{"target":"smithy.api#Unit"}}},
            "a#In":{"type":"structure","members":{
                "T1":{"target":"a#Ts"},
                "T2":{"target":"a#Ts","traits":{"smithy.api#timestampFormat":"date-time"}},
                "E":{"target":"a#E"}}}"#,
            r#"{"target":"a#Op"}"#,
        );
        let ir = lower_json(&json).unwrap();
        let input = ir.structure(&ir.operations[0].input);
        assert_eq!(input.members[0].ty, TypeRef::Prim(Prim::Timestamp(Some(TimestampFormat::HttpDate))));
        assert_eq!(input.members[1].ty, TypeRef::Prim(Prim::Timestamp(Some(TimestampFormat::DateTime))));
        let Shape::Enum(e) = ir.shapes.values().find(|s| s.name() == "E").unwrap() else { panic!() };
        let values: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["a-val", "B"]);
    }
}
