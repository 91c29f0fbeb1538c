//! Stage 5, emit: IR to token streams, one file at a time.
//!
//! Each emitter handles one kind of shape or one fixed file; this module
//! decides which files exist and where they go.

mod constraints;
mod context_params;
mod crate_files;
pub mod docs;
mod enum_shape;
pub(crate) mod examples;
mod give;
mod http_request;
mod http_response;
mod modules;
mod operation;
mod operation_error;
mod package_files;
mod paginator;
mod protocol_tests;
pub mod rt;
pub(crate) mod serde;
pub(crate) mod structure;
pub mod types;
mod union;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;

use self::modules::{Declare, Tree, Vis};

use crate::error::Error;
use crate::ir::{Ir, Role, Shape, TypeRef};
use crate::naming;
use crate::Options;

/// A generated file before rendering.
#[derive(Debug)]
pub enum Emitted {
    /// Rust code, to be rendered through syn and prettyplease.
    Rust(TokenStream),
    /// Any other text (Cargo.toml), final already.
    Text(String),
}

/// Emits every file of the crate, keyed by path relative to the crate root.
///
/// Leaf files first, each recorded in the module tree (`modules.rs`) as its
/// parent will declare it; then every `mod.rs` and `lib.rs`, with the
/// declarations of what was emitted under it.
pub fn emit(ir: &Ir, options: &Options) -> Result<BTreeMap<String, Emitted>, Error> {
    let mut out = Output::default();
    let lib = naming::lib_name(&options.package_name(ir));

    for shape in ir.shapes.values() {
        let module = naming::type_module(shape.name());
        let ty = naming::type_name(shape.name());
        let declare = Declare::module(module.clone(), Vis::Private).export(ty);
        match shape {
            Shape::Structure(s) if s.error.is_some() => {
                let declare = declare.builder(naming::builder_name(&s.name));
                out.rust(naming::type_file(&s.name, true), structure::emit(ir, s)?, Some(declare));
            }
            Shape::Structure(s) if s.role != Role::Plain => {
                let op = ir.operations.iter().find(|o| o.input == s.id || o.output == s.id).expect("synthetic");
                out.rust(naming::operation_file(&op.name, &module), structure::emit(ir, s)?, Some(declare));
            }
            Shape::Structure(s) => {
                let declare = declare.builder(naming::builder_name(&s.name));
                out.rust(naming::type_file(&s.name, false), structure::emit(ir, s)?, Some(declare));
            }
            Shape::Union(u) => out.rust(naming::type_file(&u.name, false), union::emit(ir, u), Some(declare)),
            Shape::Enum(e) => out.rust(naming::type_file(&e.name, false), enum_shape::emit(e), Some(declare)),
            Shape::IntEnum(e) => out.rust(naming::type_file(&e.name, false), enum_shape::emit_int(e), Some(declare)),
        }
    }

    for op in &ir.operations {
        if let Some(p) = &op.paginated {
            out.rust(
                naming::operation_file(&op.name, "paginator"),
                paginator::emit(ir, op, p)?,
                Some(Declare::module("paginator", Vis::Public)),
            );
        }
        out.rust(naming::example_file(&op.name), examples::emit(ir, op, &lib), None);
        out.rust(
            naming::operation_file(&op.name, "builders"),
            operation::emit_builders(ir, op),
            Some(Declare::module("builders", Vis::Public)),
        );
    }

    // An RPC v2 CBOR operation without input sends no body, so nothing serialises its (empty) input.
    // restJson1 serialises an input's body members, or its payload (a structure or union), or nothing.
    let ser_roots = ir.operations.iter().filter(|o| o.has_input || !ir.service.protocol.is_cbor()).flat_map(|o| {
        let input = ir.structure(&o.input);
        if !ir.service.protocol.is_rest() {
            return vec![o.input.clone()];
        }
        let payload = input.members.iter().find(|m| m.binding == crate::ir::Binding::Payload);
        match payload.map(|m| &m.ty) {
            Some(TypeRef::Named(id)) => vec![id.clone()],
            Some(_) => vec![],
            None if serde::body_members(input).next().is_some() => vec![o.input.clone()],
            None => vec![],
        }
    });
    let de_roots = ir.operations.iter().flat_map(|o| std::iter::once(o.output.clone()).chain(o.errors.iter().cloned()));
    let ser = serde::reachable(ir, ser_roots);
    let de = serde::reachable(ir, de_roots);
    let echoing = give::Echoing::new(ir);
    for (id, shape) in &ir.shapes {
        let give = echoing.emit(ir, id);
        if let Some(tokens) = serde::emit_shape(ir, shape, ser.contains(id), de.contains(id), give)? {
            let declare = Declare::module(naming::type_module(&naming::serde_name(id, shape.name())), Vis::Private).glob(Vis::Crate);
            out.rust(naming::serde_file(&naming::serde_name(id, shape.name())), tokens, Some(declare));
        }
    }
    if options.protocol_tests {
        if let Some(tokens) = protocol_tests::emit(ir, &lib)? {
            out.rust("tests/protocol_tests.rs".into(), tokens, None);
        }
    }

    // The files directly under `src/`, and then the folders' `mod.rs`
    // files, innermost first, so each parent sees every child.
    out.rust("src/client.rs".into(), crate_files::client_rs(ir), Some(Declare::module("client", Vis::Public).export("Client")));
    let blocking = Declare::module("blocking", Vis::Public).under_feature("blocking");
    out.rust("src/blocking.rs".into(), crate_files::blocking_rs(ir), Some(blocking));
    out.rust("src/config.rs".into(), crate_files::config_rs(ir), Some(Declare::module("config", Vis::Public).export("Config")));
    out.rust("src/endpoint.rs".into(), crate_files::endpoint_rs(ir)?, Some(Declare::module("endpoint", Vis::Private)));
    out.rust("src/error.rs".into(), crate_files::error_rs(), Some(Declare::module("error", Vis::Public)));
    out.rust("src/error_meta.rs".into(), crate_files::error_meta_rs(ir), Some(Declare::module("error_meta", Vis::Private).export("Error")));
    let streams = ir.shapes.values().any(|s| match s {
        Shape::Structure(s) => s.has_stream(),
        _ => false,
    });
    out.rust("src/primitives.rs".into(), crate_files::primitives_rs(streams), Some(Declare::module("primitives", Vis::Public)));
    for op in &ir.operations {
        let path = format!("{}/mod.rs", naming::operation_dir(&op.name));
        let declarations = out.tree.declarations(&path);
        out.rust(
            path,
            operation::emit_mod(ir, op, echoing.echoes(op), declarations)?,
            Some(Declare::module(naming::operation_module(&op.name), Vis::Public)),
        );
    }
    let protocol_serde = crate_files::protocol_serde_mod(out.tree.declarations("src/protocol_serde/mod.rs"));
    out.rust("src/protocol_serde/mod.rs".into(), protocol_serde, Some(Declare::module("protocol_serde", Vis::Private)));
    let operations = crate_files::operation_mod(out.tree.declarations("src/operation/mod.rs"));
    out.rust("src/operation/mod.rs".into(), operations, Some(Declare::module("operation", Vis::Public)));
    let errors = crate_files::error_types_mod(out.tree.declarations("src/types/error/mod.rs"));
    out.rust("src/types/error/mod.rs".into(), errors, Some(Declare::module("error", Vis::Public)));
    let types = crate_files::types_mod(out.tree.declarations("src/types/mod.rs"));
    out.rust("src/types/mod.rs".into(), types, Some(Declare::module("types", Vis::Public)));
    let lib_rs = crate_files::lib_rs(ir, options, out.tree.declarations("src/lib.rs"));
    out.rust("src/lib.rs".into(), lib_rs, None);

    out.files.insert("Cargo.toml".into(), Emitted::Text(package_files::cargo_toml(ir, options)));
    out.files.insert("README.md".into(), Emitted::Text(package_files::readme(ir, options)));
    Ok(out.files)
}

/// The files emitted so far and the module tree they form.
#[derive(Default)]
struct Output {
    files: BTreeMap<String, Emitted>,
    tree: Tree,
}

impl Output {
    /// Adds a Rust file, recorded in the tree when its parent declares it.
    fn rust(&mut self, path: String, tokens: TokenStream, declare: Option<Declare>) {
        if let Some(d) = declare {
            self.tree.record(&path, d);
        }
        self.files.insert(path, Emitted::Rust(tokens));
    }
}
