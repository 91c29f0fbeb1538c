//! The public API of a generated crate, read from the files the generator
//! emits (so it is the API as compiled, not as the model suggests), plus
//! the facts a signature does not show: which input members are checked
//! before sending, and the constraints, enum wire values and endpoint
//! parameters behind them.
//!
//! Every item has a key a person can read (`types::UsageRecord::dimension`,
//! `types::UsageRecord.dimension` for a field) and a signature text; two
//! surfaces are compared key by key in `diff.rs`.

use std::collections::BTreeMap;

use quote::ToTokens;

use super::tokens::{compact, deprecation_note};

use crate::ir::{Constraints, Ir, Role, Shape, TypeRef};
use crate::naming::{self, Place};

/// What kind of API item a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A public module.
    Module,
    /// A struct.
    Struct,
    /// A public field of a struct.
    Field,
    /// An enum.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A free function, or a method of a type.
    Function,
    /// A trait implementation.
    TraitImpl,
    /// A type alias, constant, trait or re-export.
    Other,
    /// An input member the client refuses to send without.
    Required,
    /// One bound of a member's constraints, checked before sending.
    Constraint,
    /// The text an enum variant is on the wire.
    WireValue,
    /// A parameter of the endpoint rules.
    EndpointParameter,
    /// A Cargo feature of the crate (`feature serde`), or the list of
    /// default features (`feature default`).
    Feature,
}

/// One item of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it is.
    pub kind: Kind,
    /// Its signature, with standard paths shortened (`Option<i32>`).
    pub signature: String,
    /// The `#[deprecated]` note, when deprecated.
    pub deprecated: Option<String>,
    /// Its documentation.
    pub docs: String,
    /// `#[non_exhaustive]` (structs and enums).
    pub non_exhaustive: bool,
    /// The model shape and member it comes from, when known (`UsageRecord$Dimension`).
    pub source: Option<String>,
}

/// A crate's API: items by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surface {
    /// Every item, by key.
    pub items: BTreeMap<String, Item>,
}

/// Everything read from one module while walking the files.
#[derive(Default)]
struct Walk {
    /// Module path → declared `pub`.
    modules: BTreeMap<Vec<String>, bool>,
    /// (module of the `pub use`, exported name, target path as written).
    reexports: Vec<(Vec<String>, String, Vec<String>)>,
    /// Items defined, by defining path.
    defined: BTreeMap<Vec<String>, Item>,
    /// Members of types (fields, methods, variants): (type's defining path, separator, name, item).
    members: Vec<(Vec<String>, &'static str, String, Item)>,
    /// Trait impls: (type's defining path, trait text, item).
    impls: Vec<(Vec<String>, String, Item)>,
}

/// The surface of a generated crate: `files` as `generate` returns them
/// (path → text) and the IR they were emitted from.
pub fn surface(files: &BTreeMap<String, String>, ir: &Ir) -> Result<Surface, String> {
    let mut walk = Walk::default();
    walk.modules.insert(Vec::new(), true);
    for (path, text) in files {
        let Some(module) = module_of(path) else { continue };
        let file = syn::parse_file(text).map_err(|e| format!("{path} does not parse: {e}"))?;
        walk.items(&module, &file.items);
    }
    let public = walk.public_paths();
    let mut out = Surface::default();
    if let Some(manifest) = files.get("Cargo.toml") {
        add_features(&mut out, manifest);
    }
    for (path, name) in &public {
        if let Some(item) = walk.defined.get(path) {
            out.items.insert(name.clone(), item.clone());
        }
    }
    for (owner, sep, name, item) in &walk.members {
        if let Some(owner) = public.get(owner) {
            out.items.insert(format!("{owner}{sep}{name}"), item.clone());
        }
    }
    for (owner, tr, item) in &walk.impls {
        if let Some(owner) = public.get(owner) {
            out.items.insert(format!("impl {tr} for {owner}"), item.clone());
        }
    }
    // A re-export from another crate (the runtime) is an item of its own.
    for (module, name, target) in &walk.reexports {
        if resolve(module, target).is_none() && public_module(&walk.modules, module) {
            let mut key = module.clone();
            key.push(name.clone());
            out.items.insert(key.join("::"), plain(Kind::Other, format!("re-export of {}", target.join("::"))));
        }
    }
    for (module, is_pub) in &walk.modules {
        if *is_pub && !module.is_empty() && public_module(&walk.modules, module) {
            out.items.insert(module.join("::"), plain(Kind::Module, "mod".into()));
        }
    }
    add_model_facts(&mut out, ir);
    attach_sources(&mut out, ir);
    Ok(out)
}

/// The module a source file defines, or `None` for files outside `src/`.
fn module_of(path: &str) -> Option<Vec<String>> {
    let rel = path.strip_prefix("src/")?.strip_suffix(".rs")?;
    let mut segments: Vec<String> = rel.split('/').map(str::to_owned).collect();
    if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
        segments.pop();
    }
    Some(segments)
}

fn public_module(modules: &BTreeMap<Vec<String>, bool>, module: &[String]) -> bool {
    (1..=module.len()).all(|n| modules.get(&module[..n]).copied().unwrap_or(false))
}

fn plain(kind: Kind, signature: String) -> Item {
    Item { kind, signature, deprecated: None, docs: String::new(), non_exhaustive: false, source: None }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// An item with the docs, deprecation and `non_exhaustive` of `attrs`.
fn with_attrs(kind: Kind, signature: String, attrs: &[syn::Attribute]) -> Item {
    let mut item = plain(kind, signature);
    let mut cfg = Vec::new();
    for a in attrs {
        let path = a.path();
        if path.is_ident("doc") {
            if let syn::Meta::NameValue(nv) = &a.meta {
                if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                    item.docs.push_str(s.value().trim());
                    item.docs.push('\n');
                }
            }
        } else if path.is_ident("deprecated") {
            item.deprecated = Some(deprecation_note(&a.meta));
        } else if path.is_ident("non_exhaustive") {
            item.non_exhaustive = true;
        } else if path.is_ident("cfg") {
            cfg.push(compact(&a.meta.to_token_stream()));
        }
    }
    if !cfg.is_empty() {
        item.signature = format!("#[{}] {}", cfg.join(", "), item.signature);
    }
    item
}

impl Walk {
    fn items(&mut self, module: &[String], items: &[syn::Item]) {
        let at = |name: &syn::Ident| {
            let mut p = module.to_vec();
            p.push(name.to_string());
            p
        };
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    let path = at(&m.ident);
                    self.modules.insert(path.clone(), is_pub(&m.vis));
                    if let Some((_, inner)) = &m.content {
                        self.items(&path, inner);
                    }
                }
                syn::Item::Use(u) if is_pub(&u.vis) => {
                    let mut found = Vec::new();
                    // A path from another crate starts with an empty segment.
                    let prefix = if u.leading_colon.is_some() { vec![String::new()] } else { Vec::new() };
                    flatten_use(&u.tree, prefix, &mut found);
                    for (target, name) in found {
                        self.reexports.push((module.to_vec(), name, target));
                    }
                }
                syn::Item::Struct(s) if is_pub(&s.vis) => {
                    let path = at(&s.ident);
                    let generics = compact(&s.generics.to_token_stream());
                    self.defined.insert(path.clone(), with_attrs(Kind::Struct, format!("struct {}{generics}", s.ident), &s.attrs));
                    for f in s.fields.iter().filter(|f| is_pub(&f.vis)) {
                        if let Some(name) = &f.ident {
                            let ty = compact(&f.ty.to_token_stream());
                            self.members.push((path.clone(), ".", name.to_string(), with_attrs(Kind::Field, ty, &f.attrs)));
                        }
                    }
                }
                syn::Item::Enum(e) if is_pub(&e.vis) => {
                    let path = at(&e.ident);
                    self.defined.insert(path.clone(), with_attrs(Kind::Enum, format!("enum {}", e.ident), &e.attrs));
                    for v in &e.variants {
                        let fields = compact(&v.fields.to_token_stream());
                        self.members.push((path.clone(), "::", v.ident.to_string(), with_attrs(Kind::Variant, fields, &v.attrs)));
                    }
                }
                syn::Item::Fn(f) if is_pub(&f.vis) => {
                    let sig = compact(&f.sig.to_token_stream());
                    self.defined.insert(at(&f.sig.ident), with_attrs(Kind::Function, sig, &f.attrs));
                }
                syn::Item::Type(t) if is_pub(&t.vis) => {
                    let sig = compact(&t.to_token_stream());
                    self.defined.insert(at(&t.ident), with_attrs(Kind::Other, sig, &t.attrs));
                }
                syn::Item::Const(c) if is_pub(&c.vis) => {
                    let sig = compact(&c.ty.to_token_stream());
                    self.defined.insert(at(&c.ident), with_attrs(Kind::Other, format!("const: {sig}"), &c.attrs));
                }
                syn::Item::Trait(t) if is_pub(&t.vis) => {
                    self.defined.insert(at(&t.ident), with_attrs(Kind::Other, format!("trait {}", t.ident), &t.attrs));
                }
                syn::Item::Impl(i) => self.impl_block(module, i),
                _ => {}
            }
        }
    }

    fn impl_block(&mut self, module: &[String], i: &syn::ItemImpl) {
        // Generated impls name their own type by its bare name, in its own module.
        let syn::Type::Path(tp) = &*i.self_ty else { return };
        let Some(last) = tp.path.segments.last() else { return };
        let mut owner = module.to_vec();
        owner.push(last.ident.to_string());
        match &i.trait_ {
            Some((trait_path, _)) => {
                let tr = compact(&trait_path.to_token_stream());
                self.impls.push((owner, tr, with_attrs(Kind::TraitImpl, String::new(), &i.attrs)));
            }
            None => {
                for item in &i.items {
                    if let syn::ImplItem::Fn(f) = item {
                        if is_pub(&f.vis) {
                            let sig = compact(&f.sig.to_token_stream());
                            self.members.push((owner.clone(), "::", f.sig.ident.to_string(), with_attrs(Kind::Function, sig, &f.attrs)));
                        }
                    }
                }
            }
        }
    }

    /// Defining path → the public path users name it by: its own when its
    /// module is public, else the first re-export from a public module.
    fn public_paths(&self) -> BTreeMap<Vec<String>, String> {
        let mut out = BTreeMap::new();
        for path in self.defined.keys() {
            if public_module(&self.modules, &path[..path.len() - 1]) {
                out.insert(path.clone(), path.join("::"));
            }
        }
        for (module, name, target) in &self.reexports {
            if !public_module(&self.modules, module) {
                continue;
            }
            let Some(resolved) = resolve(module, target) else { continue };
            out.entry(resolved).or_insert_with(|| {
                let mut p = module.clone();
                p.push(name.clone());
                p.join("::")
            });
        }
        out
    }
}

/// The (target path, exported name) pairs of a `use` tree.
fn flatten_use(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            flatten_use(&p.tree, next, out);
        }
        syn::UseTree::Name(n) => {
            let mut target = prefix;
            target.push(n.ident.to_string());
            out.push((target, n.ident.to_string()));
        }
        syn::UseTree::Rename(r) => {
            let mut target = prefix;
            target.push(r.ident.to_string());
            out.push((target, r.rename.to_string()));
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix.clone(), out);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

/// A `use` path written in `module`, as a path from the crate root; `None`
/// for paths into other crates.
fn resolve(module: &[String], target: &[String]) -> Option<Vec<String>> {
    let mut base = module.to_vec();
    let mut rest = target;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some("") => return None,
        _ => {}
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The facets of a member's constraints (`length min`, …), and those of
/// its collection's elements, keys and values (`value length min`), which
/// the serialiser checks as it writes them.
fn constraint_facets(out: &mut Vec<(String, String)>, prefix: &str, c: &Constraints, ty: &TypeRef) {
    let pattern = if prefix.is_empty() { c.pattern.clone() } else { None };
    let facets = [
        ("length min", c.length_min.map(|n| n.to_string())),
        ("length max", c.length_max.map(|n| n.to_string())),
        ("range min", c.range_min.clone()),
        ("range max", c.range_max.clone()),
        ("pattern", pattern),
    ];
    out.extend(facets.into_iter().filter_map(|(f, v)| v.map(|v| (format!("{prefix}{f}"), v))));
    match ty {
        TypeRef::List { element, element_constraints, .. } => {
            constraint_facets(out, &format!("{prefix}element "), element_constraints, element);
        }
        TypeRef::Map { key, value, key_constraints, value_constraints, .. } => {
            constraint_facets(out, &format!("{prefix}key "), key_constraints, key);
            constraint_facets(out, &format!("{prefix}value "), value_constraints, value);
        }
        _ => {}
    }
}

/// The `[features]` of the crate's manifest, which the generator writes one
/// `name = [...]` a line: a feature users name in their own manifests, and
/// `default`, what they get without naming any.
fn add_features(out: &mut Surface, manifest: &str) {
    let mut in_features = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
        } else if let (true, Some((name, value))) = (in_features, line.split_once('=')) {
            if !line.starts_with('#') {
                out.items.insert(format!("feature {}", name.trim()), plain(Kind::Feature, value.trim().to_owned()));
            }
        }
    }
}

/// What the model says that signatures do not show.
fn add_model_facts(out: &mut Surface, ir: &Ir) {
    for op in &ir.operations {
        let input = ir.structure(&op.input);
        let owner = format!("operation::{}::{}", naming::operation_module(&op.name), naming::type_name(&input.name));
        for m in input.members.iter().filter(|m| m.required) {
            let mut item = plain(Kind::Required, "required".into());
            item.source = Some(format!("{}${}", op.input.name, m.name));
            out.items.insert(format!("{owner}.{} (required)", naming::member_name(&m.name, Place::Input)), item);
        }
    }
    let inputs: Vec<_> = ir.operations.iter().map(|o| o.input.clone()).collect();
    let sent = crate::emit::serde::reachable(ir, inputs);
    for id in &sent {
        let owner = type_path(ir, id);
        let (members, place, union) = match ir.shape(id) {
            Shape::Structure(s) => (&s.members, naming::place_of(s.role, s.error.is_some()), false),
            Shape::Union(u) => (&u.members, Place::Structure, true),
            _ => continue,
        };
        for m in members {
            let member = if union {
                format!("{owner}::{}", naming::variant_name(&m.name))
            } else {
                format!("{owner}.{}", naming::member_name(&m.name, place))
            };
            let source = format!("{}${}", id.name, m.name);
            let mut facets = Vec::new();
            constraint_facets(&mut facets, "", &m.constraints, &m.ty);
            for (facet, value) in facets {
                let mut item = plain(Kind::Constraint, value);
                item.source = Some(source.clone());
                out.items.insert(format!("{member} ({facet})"), item);
            }
        }
    }
    for (id, shape) in &ir.shapes {
        match shape {
            Shape::Enum(e) => {
                for v in &e.variants {
                    let mut item = plain(Kind::WireValue, format!("{:?}", v.value));
                    item.source = Some(format!("{}${}", id.name, v.name));
                    out.items.insert(format!("{}::{} (wire value)", type_path(ir, id), naming::variant_name(&v.name)), item);
                }
            }
            Shape::IntEnum(e) => {
                for v in &e.variants {
                    let mut item = plain(Kind::WireValue, v.value.to_string());
                    item.source = Some(format!("{}${}", id.name, v.name));
                    out.items.insert(format!("{}::{} (wire value)", type_path(ir, id), naming::variant_name(&v.name)), item);
                }
            }
            _ => {}
        }
    }
    // The parameters the resolver reads: the diagram's when the model has one.
    let resolver = ir.service.endpoint_bdd.as_ref().or(ir.service.endpoint_rules.as_ref());
    let params = resolver.and_then(|r| r.get("parameters")).and_then(|p| p.as_object());
    for (name, p) in params.into_iter().flatten() {
        let mut facts: Vec<String> = Vec::new();
        for key in ["type", "required", "default", "builtIn"] {
            match p.get(key) {
                // The rules language reads type names without regard to case ("String" and "string"); so does the diff.
                Some(serde_json::Value::String(t)) if key == "type" => facts.push(format!("{key} \"{}\"", t.to_ascii_lowercase())),
                Some(v) => facts.push(format!("{key} {v}")),
                None => {}
            }
        }
        out.items.insert(format!("endpoint parameter {name}"), plain(Kind::EndpointParameter, facts.join(", ")));
    }
}

/// The public path of a named shape's type (`types::UsageRecord`).
fn type_path(ir: &Ir, id: &crate::shape_id::ShapeId) -> String {
    compact(&crate::emit::types::named_path(ir, id))
}

/// Names each type's members after the model shapes they come from.
fn attach_sources(out: &mut Surface, ir: &Ir) {
    let mut by_type: BTreeMap<String, (String, BTreeMap<String, String>)> = BTreeMap::new();
    for (id, shape) in &ir.shapes {
        let mut members = BTreeMap::new();
        let name = naming::type_name(shape.name());
        match shape {
            Shape::Structure(s) => {
                let place = naming::place_of(s.role, s.error.is_some());
                for m in &s.members {
                    for method in [naming::member_name(&m.name, place), naming::set_name(&m.name, place), naming::get_name(&m.name, place)]
                    {
                        members.insert(method, m.name.clone());
                    }
                }
                let builder = naming::builder_name(shape.name());
                by_type.insert(builder, (id.name.clone(), members.clone()));
                if s.role == Role::Input {
                    if let Some(op) = ir.operations.iter().find(|o| o.input == *id) {
                        by_type.insert(naming::fluent_builder(&op.name), (id.name.clone(), members.clone()));
                    }
                }
            }
            Shape::Union(u) => {
                for m in &u.members {
                    members.insert(naming::variant_name(&m.name), m.name.clone());
                }
            }
            Shape::Enum(e) => {
                for v in &e.variants {
                    members.insert(naming::variant_name(&v.name), v.name.clone());
                }
            }
            Shape::IntEnum(e) => {
                for v in &e.variants {
                    members.insert(naming::variant_name(&v.name), v.name.clone());
                }
            }
        }
        by_type.insert(name, (id.name.clone(), members));
    }
    for op in &ir.operations {
        let errors: BTreeMap<String, String> = op.errors.iter().map(|e| (naming::type_name(ir.shape(e).name()), e.name.clone())).collect();
        by_type.insert(naming::operation_error(&op.name), (op.name.clone(), errors));
    }
    for (key, item) in out.items.iter_mut() {
        if item.source.is_some() {
            continue;
        }
        let (owner, member) = match key.rsplit_once(['.', ':']) {
            Some((o, m)) => (o.trim_end_matches(':'), Some(m)),
            None => (key.as_str(), None),
        };
        let owner_type = owner.rsplit("::").next().unwrap_or(owner);
        let own_type = key.rsplit("::").next().unwrap_or(key);
        if let Some((shape, members)) = by_type.get(owner_type) {
            if let Some(m) = member.and_then(|m| members.get(m)) {
                item.source = Some(format!("{shape}${m}"));
            } else if matches!(item.kind, Kind::Function | Kind::Field | Kind::Variant) {
                item.source = Some(shape.clone());
            }
        } else if let Some((shape, _)) = by_type.get(own_type) {
            item.source = Some(shape.clone());
        }
    }
}
