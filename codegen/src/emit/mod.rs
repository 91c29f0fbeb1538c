//! Stage 5, emit: IR to token streams, one file at a time.
//!
//! Each emitter handles one kind of shape or one fixed file; this module
//! decides which files exist and where they go.

mod crate_files;
pub mod docs;
mod enum_shape;
pub(crate) mod examples;
mod operation;
mod operation_error;
mod paginator;
mod protocol_tests;
pub mod rt;
mod serde;
pub(crate) mod structure;
pub mod types;
mod union;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;

use crate::error::Error;
use crate::ir::{Ir, Role, Shape};
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
pub fn emit(ir: &Ir, options: &Options) -> Result<BTreeMap<String, Emitted>, Error> {
    let mut files = BTreeMap::new();
    let mut rust = |path: String, tokens: TokenStream| {
        files.insert(path, Emitted::Rust(tokens));
    };
    rust("src/lib.rs".into(), crate_files::lib_rs(ir, options));
    rust("src/client.rs".into(), crate_files::client_rs(ir));
    rust("src/config.rs".into(), crate_files::config_rs(ir));
    rust("src/endpoint.rs".into(), crate_files::endpoint_rs(ir)?);
    rust("src/error.rs".into(), crate_files::error_rs());
    rust("src/error_meta.rs".into(), crate_files::error_meta_rs(ir));
    rust("src/primitives.rs".into(), crate_files::primitives_rs());
    rust("src/types/mod.rs".into(), crate_files::types_mod(ir));
    rust("src/types/error/mod.rs".into(), crate_files::error_types_mod(ir));
    rust("src/operation/mod.rs".into(), crate_files::operation_mod(ir));

    for shape in ir.shapes.values() {
        let file = format!("{}.rs", naming::type_module(shape.name()));
        match shape {
            Shape::Structure(s) if s.error.is_some() => {
                rust(format!("src/types/error/{file}"), structure::emit(ir, s)?);
            }
            Shape::Structure(s) if s.role != Role::Plain => {
                let op = ir.operations.iter().find(|o| o.input == s.id || o.output == s.id).expect("synthetic");
                let module = naming::operation_module(&op.name);
                let module = module.trim_start_matches("r#");
                rust(format!("src/operation/{module}/{file}"), structure::emit(ir, s)?);
            }
            Shape::Structure(s) => rust(format!("src/types/{file}"), structure::emit(ir, s)?),
            Shape::Union(u) => rust(format!("src/types/{file}"), union::emit(ir, u)),
            Shape::Enum(e) => rust(format!("src/types/{file}"), enum_shape::emit(e)),
            Shape::IntEnum(e) => rust(format!("src/types/{file}"), enum_shape::emit_int(e)),
        }
    }

    for op in &ir.operations {
        let module = naming::operation_module(&op.name);
        let module = module.trim_start_matches("r#");
        if let Some(p) = &op.paginated {
            rust(format!("src/operation/{module}/paginator.rs"), paginator::emit(ir, op, p)?);
        }
        let lib = naming::lib_name(&options.package_name(ir));
        rust(format!("examples/{module}.rs"), examples::emit(ir, op, &lib));
        let (mod_rs, builders_rs) = operation::emit(ir, op);
        rust(format!("src/operation/{module}/mod.rs"), mod_rs);
        rust(format!("src/operation/{module}/builders.rs"), builders_rs);
    }

    let ser_roots = ir.operations.iter().map(|o| o.input.clone());
    let de_roots = ir.operations.iter().flat_map(|o| std::iter::once(o.output.clone()).chain(o.errors.iter().cloned()));
    let ser = serde::reachable(ir, ser_roots);
    let de = serde::reachable(ir, de_roots);
    let mut serde_modules = Vec::new();
    for (id, shape) in &ir.shapes {
        if let Some(tokens) = serde::emit_shape(ir, shape, ser.contains(id), de.contains(id))? {
            let module = naming::type_module(shape.name());
            rust(format!("src/protocol_serde/{module}.rs"), tokens);
            serde_modules.push(module);
        }
    }
    rust("src/protocol_serde/mod.rs".into(), crate_files::protocol_serde_mod(&serde_modules));
    if options.protocol_tests {
        if let Some(tokens) = protocol_tests::emit(ir, &naming::lib_name(&options.package_name(ir)))? {
            rust("tests/protocol_tests.rs".into(), tokens);
        }
    }
    files.insert("Cargo.toml".into(), Emitted::Text(crate_files::cargo_toml(ir, options)));
    Ok(files)
}
