//! Stage 4, name: every Rust identifier, module and file path the generator
//! emits is decided here, and nowhere else.
//!
//! Names come from the model through `heck`, then keywords are escaped and
//! names the generated API reserves (builder and fluent-builder methods, the
//! unknown enum variant) get a `_value` suffix. [`check`] refuses two model
//! names that would land on the same Rust name: renaming one silently would
//! make the generated API depend on declaration order.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::error::Error;
use crate::ir::{Ir, Role, Shape};

/// Rust keywords that can be written as raw identifiers (`r#type`).
const RAW_KEYWORDS: [&str; 47] = [
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async",
    "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield",
    "try",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore.
const UNRAWABLE: [&str; 5] = ["self", "Self", "super", "crate", "_"];

/// Where a member's accessor lives; each place reserves different method names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A plain structure and its builder.
    Structure,
    /// An operation input: its builder and the operation's fluent builder.
    Input,
    /// An operation output.
    Output,
    /// An error structure, whose `meta` accessor and field are taken.
    Error,
}

/// Method names the generated code defines itself, by place.
fn reserved(place: Place) -> &'static [&'static str] {
    match place {
        Place::Structure | Place::Output => &["build", "builder"],
        Place::Input => &["build", "builder", "new", "send", "customize", "config_override", "as_input", "into_paginator"],
        Place::Error => &["build", "builder", "meta", "code", "source"],
    }
}

/// Methods a builder (and an input's fluent builder) defines besides those
/// of its members: a member method with one of these names is a collision.
fn builder_methods(place: Place) -> &'static [&'static str] {
    match place {
        Place::Structure | Place::Output => &["build"],
        Place::Input => &["build", "new", "send", "customize", "config_override", "as_input", "into_paginator"],
        Place::Error => &["build", "meta", "set_meta"],
    }
}

fn escape(name: String) -> String {
    if UNRAWABLE.contains(&name.as_str()) {
        format!("{name}_")
    } else if RAW_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

fn snake(name: &str) -> String {
    let s = name.to_snake_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

fn camel(name: &str) -> String {
    let s = name.to_upper_camel_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Value{s}")
    } else {
        s
    }
}

/// The Rust type name of a shape (`UsageRecord`, `MeterUsageInput`).
pub fn type_name(shape_name: &str) -> String {
    escape(camel(shape_name))
}

/// The builder type of a structure (`UsageRecordBuilder`).
pub fn builder_name(shape_name: &str) -> String {
    format!("{}Builder", camel(shape_name))
}

/// A member's field, getter and builder setter name (`customer_aws_account_id`, `r#type`).
pub fn member_name(member: &str, place: Place) -> String {
    let s = snake(member);
    if reserved(place).contains(&s.as_str()) {
        format!("{s}_value")
    } else {
        escape(s)
    }
}

/// The bare snake form of a member, for composed names (`set_type`, not `set_r#type`).
fn member_stem(member: &str, place: Place) -> String {
    member_name(member, place).trim_start_matches("r#").to_owned()
}

/// The builder method replacing a member's value (`set_product_code`).
pub fn set_name(member: &str, place: Place) -> String {
    format!("set_{}", member_stem(member, place))
}

/// The builder method reading a member's value (`get_product_code`).
pub fn get_name(member: &str, place: Place) -> String {
    format!("get_{}", member_stem(member, place))
}

/// An enum or union variant (`CustomerNotSubscribed`); `Unknown` is taken by
/// the catch-all variant.
pub fn variant_name(member: &str) -> String {
    let s = camel(member);
    if s == "Unknown" || s == "Unhandled" {
        format!("{s}Value")
    } else {
        escape(s)
    }
}

/// A union's accessor for one variant (`as_text`). It follows the variant's
/// name, so a member called `Unknown` (variant `UnknownValue`) gets
/// `as_unknown_value`, clear of the catch-all's `is_unknown`.
pub fn union_as(member: &str) -> String {
    format!("as_{}", snake(variant_name(member).trim_end_matches('_')))
}

/// A union's predicate for one variant (`is_text`).
pub fn union_is(member: &str) -> String {
    format!("is_{}", snake(variant_name(member).trim_end_matches('_')))
}

/// A local variable holding a member while a deserialiser reads an object
/// (`var_product_code`); the prefix keeps it clear of the fixed names the
/// deserialiser uses (`v`, `key`, `value`, `meta`).
pub fn local_var(member: &str, place: Place) -> String {
    format!("var_{}", member_stem(member, place))
}

/// The test function of a protocol compliance case (`aws_json11_empty_complex_error`).
pub fn protocol_test(case_id: &str) -> String {
    escape(snake(case_id))
}

/// The unit test of the `n`th endpoint test case (`endpoint_case_07`).
pub fn endpoint_test(n: usize) -> String {
    format!("endpoint_case_{n:02}")
}

/// The module of an operation (`meter_usage`).
pub fn operation_module(op_name: &str) -> String {
    escape(snake(op_name))
}

/// The `Client` method starting an operation (`meter_usage`).
pub fn operation_method(op_name: &str) -> String {
    operation_module(op_name)
}

/// The operation's marker type (`MeterUsage`).
pub fn operation_type(op_name: &str) -> String {
    type_name(op_name)
}

/// The operation's error enum (`MeterUsageError`).
pub fn operation_error(op_name: &str) -> String {
    format!("{}Error", camel(op_name))
}

/// The operation's fluent builder (`MeterUsageFluentBuilder`).
pub fn fluent_builder(op_name: &str) -> String {
    format!("{}FluentBuilder", camel(op_name))
}

/// The operation's paginator (`ListThingsPaginator`).
pub fn paginator(op_name: &str) -> String {
    format!("{}Paginator", camel(op_name))
}

/// The item stream of an operation's paginator (`ListThingsPaginatorItems`).
pub fn paginator_items(op_name: &str) -> String {
    format!("{}PaginatorItems", camel(op_name))
}

/// The `is_*` predicate for an error variant (`is_throttling_exception`).
pub fn error_predicate(error_name: &str) -> String {
    format!("is_{}", snake(error_name))
}

/// The private file module holding a type in `types/` (`_usage_record`);
/// the underscore keeps it clear of the `builders` and `error` modules.
pub fn type_module(shape_name: &str) -> String {
    format!("_{}", snake(shape_name))
}

/// The file of a named type: `src/types/_usage_record.rs`, or under
/// `src/types/error/` for an error.
pub fn type_file(shape_name: &str, is_error: bool) -> String {
    let folder = if is_error { "src/types/error" } else { "src/types" };
    format!("{folder}/{}.rs", type_module(shape_name))
}

/// The folder of an operation's module (`src/operation/meter_usage`); a
/// keyword module such as `r#type` lives in `src/operation/type`.
pub fn operation_dir(op_name: &str) -> String {
    format!("src/operation/{}", operation_module(op_name).trim_start_matches("r#"))
}

/// A file of an operation's module: `src/operation/meter_usage/builders.rs`.
pub fn operation_file(op_name: &str, module: &str) -> String {
    format!("{}/{module}.rs", operation_dir(op_name))
}

/// The name of an operation's example program (`meter_usage`, `type` for `r#type`).
pub fn example_name(op_name: &str) -> String {
    operation_module(op_name).trim_start_matches("r#").to_owned()
}

/// The example program of an operation (`examples/meter_usage.rs`).
pub fn example_file(op_name: &str) -> String {
    format!("examples/{}.rs", example_name(op_name))
}

/// The name a shape's serde items (file, `ser_`, `de_` and `give_`
/// functions) are made from: its own, but `Op` in front for an operation's
/// synthetic input or output, whose name a model shape may also have (Glue's
/// `TestConnectionInput` is both `TestConnection`'s input and a structure).
pub fn serde_name(id: &crate::shape_id::ShapeId, name: &str) -> String {
    if id.namespace.starts_with("synthetic.") {
        format!("Op{name}")
    } else {
        name.to_owned()
    }
}

/// The serde file of a named shape (`src/protocol_serde/_usage_record.rs`).
pub fn serde_file(shape_name: &str) -> String {
    format!("src/protocol_serde/{}.rs", type_module(shape_name))
}

/// A member's name as users read it in messages (`type`, not `r#type`):
/// the label of checks before sending and of `Debug` output.
pub fn member_label(member: &str, place: Place) -> String {
    member_stem(member, place)
}

/// The serialiser function of a named shape (`ser_usage_record`).
pub fn ser_fn(shape_name: &str) -> String {
    format!("ser_{}", snake(shape_name))
}

/// The function giving a named input shape's strings to the answer's
/// reader (`give_usage_record`).
pub fn give_fn(shape_name: &str) -> String {
    format!("give_{}", snake(shape_name))
}

/// The deserialiser function of a named shape (`de_usage_record`).
pub fn de_fn(shape_name: &str) -> String {
    format!("de_{}", snake(shape_name))
}

/// The reader of an output or error from the whole response, bound members
/// and payload included (restJson1: `response_op_get_thing_output`).
pub fn response_fn(shape_name: &str) -> String {
    format!("response_{}", snake(shape_name))
}

/// The crate's library name from its package name (`aws-sdk-x` → `aws_sdk_x`).
pub fn lib_name(package: &str) -> String {
    package.replace('-', "_")
}

/// The suffix of a service's `AWS_ENDPOINT_URL_<SERVICE>` variable: the
/// sdkId in upper case with spaces and hyphens as underscores.
pub fn endpoint_env_name(sdk_id: &str) -> String {
    sdk_id.to_uppercase().replace([' ', '-'], "_")
}

/// The default package name for a service: the project's `mpkit-` prefix
/// and the sdkId in lower case without spaces. It differs from the official
/// `aws-sdk-*` name on purpose, so that both crates can sit in one
/// dependency graph (porting renames the dependency, not the code).
pub fn default_package(sdk_id: &str) -> String {
    format!("mpkit-{}", service_slug(sdk_id))
}

/// The sdkId in lower case without spaces, dashes or underscores
/// (`marketplacemetering`): the service's part of package names.
pub fn service_slug(sdk_id: &str) -> String {
    sdk_id.to_lowercase().replace([' ', '-', '_'], "")
}

/// The official crate of a service (`aws-sdk-marketplaceentitlement`):
/// its slug without a trailing "service", as the official crates name them.
pub fn official_package(sdk_id: &str) -> String {
    let slug = service_slug(sdk_id);
    format!("aws-sdk-{}", slug.strip_suffix("service").filter(|s| !s.is_empty()).unwrap_or(&slug))
}

/// The member's place, from its structure's role.
pub fn place_of(role: Role, is_error: bool) -> Place {
    match (role, is_error) {
        (_, true) => Place::Error,
        (Role::Input, _) => Place::Input,
        (Role::Output, _) => Place::Output,
        (Role::Plain, _) => Place::Structure,
    }
}

/// Refuses any two model names that map to one Rust name in the same scope.
pub fn check(ir: &Ir) -> Result<(), Error> {
    let mut types = Seen::new("module types");
    let mut errors = Seen::new("module types::error");
    // Every structure and union has its serde items in one flat module.
    let mut serde = Seen::new("module protocol_serde");
    for shape in ir.shapes.values() {
        if matches!(shape, Shape::Structure(_) | Shape::Union(_)) {
            serde.add(type_module(&serde_name(shape.id(), shape.name())), &shape.id().absolute())?;
        }
        match shape {
            Shape::Structure(s) if s.role != Role::Plain => {}
            Shape::Structure(s) if s.error.is_some() => errors.add(type_name(&s.name), &s.id.absolute())?,
            other => types.add(type_name(other.name()), &other.id().absolute())?,
        }
        let scope = format!("shape {}", shape.id());
        let mut members = Seen::new(&scope);
        match shape {
            Shape::Structure(s) => {
                // A member's field and getter, and its builder's setter, `set_` and `get_`
                // methods, share one namespace with the builder's own methods: members
                // `Foo` and `GetFoo` would both define `get_foo`.
                let place = place_of(s.role, s.error.is_some());
                let mut methods = Seen::new(&format!("the builder of {}", s.id));
                for own in builder_methods(place) {
                    methods.add((*own).to_owned(), "the builder's own method")?;
                }
                for m in &s.members {
                    let owner = format!("{}${}", s.id, m.name);
                    members.add(member_stem(&m.name, place), &owner)?;
                    for method in [member_stem(&m.name, place), set_name(&m.name, place), get_name(&m.name, place)] {
                        methods.add(method, &owner)?;
                    }
                }
            }
            Shape::Union(u) => {
                for m in &u.members {
                    members.add(variant_name(&m.name), &format!("{}${}", u.id, m.name))?;
                }
            }
            Shape::Enum(e) => {
                for v in &e.variants {
                    members.add(variant_name(&v.name), &format!("{}${}", e.id, v.name))?;
                }
            }
            Shape::IntEnum(e) => {
                for v in &e.variants {
                    members.add(variant_name(&v.name), &format!("{}${}", e.id, v.name))?;
                }
            }
        }
    }
    let mut ops = Seen::new("module operation");
    for op in &ir.operations {
        ops.add(operation_module(&op.name), &op.id.absolute())?;
    }
    Ok(())
}

struct Seen {
    scope: String,
    names: BTreeMap<String, String>,
}

impl Seen {
    fn new(scope: &str) -> Self {
        Seen { scope: scope.to_owned(), names: BTreeMap::new() }
    }

    fn add(&mut self, name: String, owner: &str) -> Result<(), Error> {
        match self.names.insert(name.clone(), owner.to_owned()) {
            Some(first) => Err(Error::NameCollision { scope: self.scope.clone(), name, first, second: owner.to_owned() }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_table() {
        let table = [
            ("ProductCode", Place::Structure, "product_code"),
            ("CustomerAWSAccountId", Place::Structure, "customer_aws_account_id"),
            ("UsageQuantityAsDecimal", Place::Input, "usage_quantity_as_decimal"),
            ("DryRun", Place::Input, "dry_run"),
            ("message", Place::Error, "message"),
            ("type", Place::Structure, "r#type"),
            ("Type", Place::Structure, "r#type"),
            ("match", Place::Structure, "r#match"),
            ("async", Place::Structure, "r#async"),
            ("self", Place::Structure, "self_"),
            ("Super", Place::Structure, "super_"),
            ("crate", Place::Structure, "crate_"),
            ("build", Place::Structure, "build_value"),
            ("Builder", Place::Structure, "builder_value"),
            ("send", Place::Input, "send_value"),
            ("send", Place::Structure, "send"),
            ("customize", Place::Input, "customize_value"),
            ("ConfigOverride", Place::Input, "config_override_value"),
            ("as_input", Place::Input, "as_input_value"),
            ("New", Place::Input, "new_value"),
            ("client", Place::Input, "client"),
            ("meta", Place::Error, "meta_value"),
            ("meta", Place::Structure, "meta"),
            ("code", Place::Error, "code_value"),
            ("1st", Place::Structure, "_1st"),
        ];
        for (model, place, rust) in table {
            assert_eq!(member_name(model, place), rust, "member {model} in {place:?}");
        }
    }

    #[test]
    fn setters_and_getters_drop_raw_prefix() {
        assert_eq!(set_name("type", Place::Structure), "set_type");
        assert_eq!(get_name("type", Place::Structure), "get_type");
        assert_eq!(set_name("build", Place::Structure), "set_build_value");
        assert_eq!(set_name("UsageRecords", Place::Input), "set_usage_records");
    }

    #[test]
    fn type_and_variant_names_table() {
        let table = [
            ("UsageRecord", "UsageRecord"),
            ("errorMessage", "ErrorMessage"),
            ("Option", "Option"),
            ("Result", "Result"),
            ("String", "String"),
            ("Self", "Self_"),
        ];
        for (model, rust) in table {
            assert_eq!(type_name(model), rust);
        }
        let variants = [
            ("SUCCESS", "Success"),
            ("CUSTOMER_NOT_SUBSCRIBED", "CustomerNotSubscribed"),
            ("DuplicateRecord", "DuplicateRecord"),
            ("Unknown", "UnknownValue"),
            ("UNKNOWN", "UnknownValue"),
            ("Unhandled", "UnhandledValue"),
            ("1", "Value1"),
        ];
        for (model, rust) in variants {
            assert_eq!(variant_name(model), rust);
        }
    }

    #[test]
    fn operation_and_file_names() {
        assert_eq!(operation_module("MeterUsage"), "meter_usage");
        assert_eq!(operation_module("BatchMeterUsage"), "batch_meter_usage");
        assert_eq!(operation_module("Match"), "r#match");
        assert_eq!(operation_error("ResolveCustomer"), "ResolveCustomerError");
        assert_eq!(fluent_builder("RegisterUsage"), "RegisterUsageFluentBuilder");
        assert_eq!(type_module("UsageRecord"), "_usage_record");
        assert_eq!(type_module("Error"), "_error");
        assert_eq!(error_predicate("ThrottlingException"), "is_throttling_exception");
        assert_eq!(default_package("Marketplace Metering"), "mpkit-marketplacemetering");
        assert_eq!(official_package("Marketplace Entitlement Service"), "aws-sdk-marketplaceentitlement");
        assert_eq!(official_package("Marketplace Catalog"), "aws-sdk-marketplacecatalog");
        assert_eq!(union_is("Unknown"), "is_unknown_value");
        assert_eq!(endpoint_env_name("Marketplace Metering"), "MARKETPLACE_METERING");
        assert_eq!(union_as("Text"), "as_text");
        assert_eq!(union_is("Self"), "is_self");
        assert_eq!(lib_name("aws-sdk-marketplacemetering"), "aws_sdk_marketplacemetering");
    }

    #[test]
    fn member_methods_that_would_collide_are_refused_with_the_shape() {
        use crate::lower::tests::{lower_json, service};
        let check = |extra: &str| lower_json(&service(extra, r#"{"target":"a#Op"}"#)).and_then(|ir| check(&ir)).map_err(|e| e.to_string());
        let getter = check(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#In":{"type":"structure","members":{"Foo":{"target":"smithy.api#String"},"GetFoo":{"target":"smithy.api#String"}}}"#,
        );
        assert_eq!(
            getter.unwrap_err(),
            "name collision in the builder of synthetic.a#OpInput: synthetic.a#OpInput$Foo and synthetic.a#OpInput$GetFoo would both be named `get_foo`"
        );
        let setter = check(
            r#","a#Op":{"type":"operation","errors":[{"target":"a#Bad"}]},
            "a#Bad":{"type":"structure","members":{"SetMeta":{"target":"smithy.api#String"}},"traits":{"smithy.api#error":"client"}}"#,
        );
        assert_eq!(
            setter.unwrap_err(),
            "name collision in the builder of a#Bad: the builder's own method and a#Bad$SetMeta would both be named `set_meta`"
        );
        let fine = check(
            r#","a#Op":{"type":"operation","input":{"target":"a#In"}},
            "a#In":{"type":"structure","members":{"Foo":{"target":"smithy.api#String"},"Meta":{"target":"smithy.api#String"},"Send":{"target":"smithy.api#String"}}}"#,
        );
        assert_eq!(fine, Ok(()), "reserved names get a suffix instead");
    }
}
