//! How IR types become Rust types, getters, setters and default values.
//!
//! The official SDK's conventions: strings are taken as `impl Into<String>`,
//! lists are read as slices, copyable scalars are returned by value, and a
//! structure member is an `Option` unless it is required (or has a default)
//! and is not an operation input.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::rt;
use crate::error::Error;
use crate::ir::{Ir, Member, Prim, Role, Shape, TypeRef};
use crate::naming;

/// Turns a name decided by [`naming`] into an identifier, raw when needed.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The path of a named shape's Rust type, inside the generated crate.
pub fn named_path(ir: &Ir, id: &crate::shape_id::ShapeId) -> TokenStream {
    named_path_from(ir, id, &quote!(crate))
}

/// The path of a named shape's Rust type from `root` (`crate`, or the
/// library's name in examples, which are separate crates).
pub fn named_path_from(ir: &Ir, id: &crate::shape_id::ShapeId, root: &TokenStream) -> TokenStream {
    let shape = ir.shape(id);
    let name = ident(&naming::type_name(shape.name()));
    match shape {
        Shape::Structure(s) if s.error.is_some() => quote!(#root::types::error::#name),
        Shape::Structure(s) if s.role != Role::Plain => {
            let op = ir.operations.iter().find(|o| &o.input == id || &o.output == id).expect("synthetic structures belong to an operation");
            let module = ident(&naming::operation_module(&op.name));
            quote!(#root::operation::#module::#name)
        }
        _ => quote!(#root::types::#name),
    }
}

/// The builder path of a structure.
pub fn builder_path(ir: &Ir, id: &crate::shape_id::ShapeId) -> TokenStream {
    let shape = ir.shape(id);
    let name = ident(&naming::builder_name(shape.name()));
    match shape {
        Shape::Structure(s) if s.error.is_some() => quote!(crate::types::error::builders::#name),
        Shape::Structure(s) if s.role != Role::Plain => {
            let op = ir.operations.iter().find(|o| &o.input == id || &o.output == id).expect("synthetic");
            let module = ident(&naming::operation_module(&op.name));
            quote!(crate::operation::#module::builders::#name)
        }
        _ => quote!(crate::types::builders::#name),
    }
}

/// The Rust type of a value of `ty`.
pub fn rust_type(ir: &Ir, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Unit => quote!(()),
        TypeRef::Prim(p) => prim_type(*p),
        TypeRef::List { element, sparse, .. } => {
            let el = rust_type(ir, element);
            if *sparse {
                quote!(::std::vec::Vec<::std::option::Option<#el>>)
            } else {
                quote!(::std::vec::Vec<#el>)
            }
        }
        TypeRef::Map { key, value, sparse, .. } => {
            let k = rust_type(ir, key);
            let v = rust_type(ir, value);
            if *sparse {
                quote!(::std::collections::HashMap<#k, ::std::option::Option<#v>>)
            } else {
                quote!(::std::collections::HashMap<#k, #v>)
            }
        }
        TypeRef::Named(id) => named_path(ir, id),
    }
}

fn prim_type(p: Prim) -> TokenStream {
    match p {
        Prim::Blob => rt::blob(),
        Prim::Boolean => quote!(bool),
        Prim::String | Prim::BigInteger | Prim::BigDecimal => quote!(::std::string::String),
        Prim::Byte => quote!(i8),
        Prim::Short => quote!(i16),
        Prim::Integer => quote!(i32),
        Prim::Long => quote!(i64),
        Prim::Float => quote!(f32),
        Prim::Double => quote!(f64),
        Prim::Timestamp(_) => rt::date_time(),
        Prim::Document => rt::document(),
        Prim::Stream => rt::byte_stream(),
    }
}

/// True for types returned by value from getters.
pub fn is_copy(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Prim(Prim::Boolean | Prim::Byte | Prim::Short | Prim::Integer | Prim::Long | Prim::Float | Prim::Double))
}

/// True when the struct field is an `Option`.
pub fn field_is_optional(member: &Member, role: Role) -> bool {
    if role == Role::Input || member.client_optional {
        return true;
    }
    let has_default = member.default.is_some() && !member.added_default;
    !(member.required || has_default)
}

/// The field's type in the struct.
pub fn field_type(ir: &Ir, member: &Member, optional: bool) -> TokenStream {
    let inner = boxed_type(ir, member);
    if optional {
        quote!(::std::option::Option<#inner>)
    } else {
        inner
    }
}

/// The value type, boxed when the member closes a cycle.
pub fn boxed_type(ir: &Ir, member: &Member) -> TokenStream {
    let t = rust_type(ir, &member.ty);
    if member.boxed {
        quote!(::std::boxed::Box<#t>)
    } else {
        t
    }
}

/// A getter's return type and body for `self.#field`.
pub fn getter(ir: &Ir, member: &Member, optional: bool, field: &Ident) -> (TokenStream, TokenStream) {
    let t = rust_type(ir, &member.ty);
    match (&member.ty, optional) {
        (TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal), true) => {
            (quote!(::std::option::Option<&str>), quote!(self.#field.as_deref()))
        }
        (TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal), false) => (quote!(&str), quote!(self.#field.as_str())),
        (TypeRef::List { element, sparse, .. }, _) => {
            let el = rust_type(ir, element);
            let el = if *sparse { quote!(::std::option::Option<#el>) } else { el };
            let body = if optional { quote!(self.#field.as_deref().unwrap_or_default()) } else { quote!(&self.#field) };
            (quote!(&[#el]), body)
        }
        (ty, true) if is_copy(ty) => (quote!(::std::option::Option<#t>), quote!(self.#field)),
        (ty, false) if is_copy(ty) => (t, quote!(self.#field)),
        (_, true) if member.boxed => (quote!(::std::option::Option<&#t>), quote!(self.#field.as_deref())),
        (_, true) => (quote!(::std::option::Option<&#t>), quote!(self.#field.as_ref())),
        (_, false) => (quote!(&#t), quote!(&self.#field)),
    }
}

/// The getter of a member that has a model `@default` but keeps an
/// `Option` field (an `@addedDefault` member outside an input, so that the
/// serialiser still sends only what the caller set): it returns the value,
/// or the default when nothing was set, as the official SDK's getter does.
/// `None` for members without one, and for defaults of types a getter
/// cannot hand out by reference without storing them (enums, timestamps,
/// blobs, documents, maps), which keep the `Option` getter.
pub fn defaulted_getter(ir: &Ir, owner: &str, member: &Member, role: Role, field: &Ident) -> Option<(TokenStream, TokenStream)> {
    let default = member.default.as_ref()?;
    if role == Role::Input || member.client_optional || !field_is_optional(member, role) {
        return None;
    }
    match (&member.ty, default) {
        (TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal), Value::String(s)) => {
            Some((quote!(&str), quote!(self.#field.as_deref().unwrap_or(#s))))
        }
        (ty, _) if is_copy(ty) => {
            let value = default_expr(ir, owner, ty, default).ok()?;
            let t = rust_type(ir, ty);
            Some((t, quote!(self.#field.unwrap_or(#value))))
        }
        _ => None,
    }
}

/// What a builder stores for `value` given to the plain setter.
pub fn wrap_boxed(member: &Member, value: TokenStream) -> TokenStream {
    if member.boxed {
        quote!(::std::boxed::Box::new(#value))
    } else {
        value
    }
}

/// The expression of a member's `@default`.
pub fn default_expr(ir: &Ir, owner: &str, ty: &TypeRef, v: &Value) -> Result<TokenStream, Error> {
    let bad = || Error::unsupported(owner.to_owned(), format!("a @default of {v} for this type"));
    Ok(match (ty, v) {
        (TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal), Value::String(s)) => {
            quote!(::std::string::String::from(#s))
        }
        (TypeRef::Prim(Prim::BigInteger | Prim::BigDecimal), Value::Number(n)) => {
            let s = n.to_string();
            quote!(::std::string::String::from(#s))
        }
        (TypeRef::Prim(Prim::Boolean), Value::Bool(b)) => quote!(#b),
        (TypeRef::Prim(p @ (Prim::Byte | Prim::Short | Prim::Integer | Prim::Long)), Value::Number(n)) => {
            let n = n.as_i64().ok_or_else(bad)?;
            let lit = match p {
                Prim::Byte => proc_macro2::Literal::i8_suffixed(i8::try_from(n).map_err(|_| bad())?),
                Prim::Short => proc_macro2::Literal::i16_suffixed(i16::try_from(n).map_err(|_| bad())?),
                Prim::Integer => proc_macro2::Literal::i32_suffixed(i32::try_from(n).map_err(|_| bad())?),
                _ => proc_macro2::Literal::i64_suffixed(n),
            };
            quote!(#lit)
        }
        (TypeRef::Prim(Prim::Float), Value::Number(n)) => {
            let lit = proc_macro2::Literal::f32_suffixed(n.as_f64().ok_or_else(bad)? as f32);
            quote!(#lit)
        }
        (TypeRef::Prim(Prim::Double), Value::Number(n)) => {
            let lit = proc_macro2::Literal::f64_suffixed(n.as_f64().ok_or_else(bad)?);
            quote!(#lit)
        }
        (TypeRef::Prim(Prim::Timestamp(_)), Value::Number(n)) => {
            let dt = rt::date_time();
            match n.as_i64() {
                Some(secs) => quote!(#dt::from_secs(#secs)),
                None => {
                    let f = n.as_f64().ok_or_else(bad)?;
                    quote!(#dt::from_secs_f64(#f))
                }
            }
        }
        (TypeRef::Prim(Prim::Timestamp(_)), Value::String(s)) => {
            let dt = rt::date_time();
            let (secs, nanos) = crate::date_time::parse(s).ok_or_else(bad)?;
            let nanos = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
            // Validation checked the text, so the instant is in range.
            quote!(#dt::from_nanos(#nanos).unwrap_or(#dt::from_secs(#secs)))
        }
        (TypeRef::Prim(Prim::Blob), Value::String(s)) => {
            let blob = rt::blob();
            let decode = rt::base64_decode();
            quote!(#blob::new(#decode(#s).unwrap_or_default()))
        }
        (TypeRef::Prim(Prim::Stream), Value::String(s)) => {
            let stream = rt::byte_stream();
            let decode = rt::base64_decode();
            quote!(#stream::from(#decode(#s).unwrap_or_default()))
        }
        (TypeRef::Prim(Prim::Document), Value::Null) => {
            let d = rt::document();
            quote!(#d::Null)
        }
        (TypeRef::Prim(Prim::Document), Value::Bool(b)) => {
            let d = rt::document();
            quote!(#d::Bool(#b))
        }
        (TypeRef::Prim(Prim::Document), Value::String(s)) => {
            let d = rt::document();
            quote!(#d::String(::std::string::String::from(#s)))
        }
        (TypeRef::Prim(Prim::Document), Value::Number(n)) => {
            let d = rt::document();
            let number = rt::document_number();
            match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => quote!(#d::Number(#number::PosInt(#u))),
                (None, Some(i), _) => quote!(#d::Number(#number::NegInt(#i))),
                (None, None, Some(f)) => quote!(#d::Number(#number::Float(#f))),
                _ => return Err(bad()),
            }
        }
        (TypeRef::Prim(Prim::Document), Value::Array(a)) if a.is_empty() => {
            let d = rt::document();
            quote!(#d::Array(::std::vec::Vec::new()))
        }
        (TypeRef::Prim(Prim::Document), Value::Object(o)) if o.is_empty() => {
            let d = rt::document();
            quote!(#d::Object(::std::collections::HashMap::new()))
        }
        (TypeRef::List { .. }, Value::Array(a)) if a.is_empty() => quote!(::std::vec::Vec::new()),
        (TypeRef::Map { .. }, Value::Object(o)) if o.is_empty() => quote!(::std::collections::HashMap::new()),
        (TypeRef::Named(id), Value::String(s)) if matches!(ir.shape(id), Shape::Enum(_)) => {
            let p = named_path(ir, id);
            quote!(#p::from(#s))
        }
        (TypeRef::Named(id), Value::Number(n)) if matches!(ir.shape(id), Shape::IntEnum(_)) => {
            let p = named_path(ir, id);
            let n = i32::try_from(n.as_i64().ok_or_else(bad)?).map_err(|_| bad())?;
            quote!(#p::from(#n))
        }
        _ => return Err(bad()),
    })
}

/// `option` (an expression of type `Option<T>`) with the member's `@default`
/// `default` in place of `None`: evaluated lazily unless the type is `Copy`.
pub fn with_default(ir: &Ir, owner: &str, member: &Member, default: &Value, option: TokenStream) -> Result<TokenStream, Error> {
    let d = wrap_boxed(member, default_expr(ir, owner, &member.ty, default)?);
    // A value that allocates nothing is built eagerly; an empty list or map
    // is the type's own default.
    let allocates_nothing =
        is_copy(&member.ty) || (member.ty == TypeRef::Prim(Prim::Document) && (default.is_boolean() || default.is_number()));
    Ok(match &member.ty {
        TypeRef::List { .. } | TypeRef::Map { .. } if !member.boxed => quote!(#option.unwrap_or_default()),
        _ if allocates_nothing && !member.boxed => quote!(#option.unwrap_or(#d)),
        _ => quote!(#option.unwrap_or_else(|| #d)),
    })
}

/// The value a required member takes when a response leaves it out (Smithy's
/// client error correction), as an expression of type `Result<T, DeserializeError>`.
pub fn zero_expr(ir: &Ir, ty: &TypeRef, at: &str) -> TokenStream {
    let de_err = rt::deserialize_error();
    let reader = rt::reader(ir.service.protocol);
    let empty = rt::empty_structure(ir.service.protocol);
    match ty {
        TypeRef::Unit => quote!(Ok(())),
        TypeRef::Prim(p) => match p {
            Prim::String | Prim::BigInteger | Prim::BigDecimal => quote!(Ok(::std::string::String::new())),
            Prim::Boolean => quote!(Ok(false)),
            Prim::Byte | Prim::Short | Prim::Integer | Prim::Long => quote!(Ok(0)),
            Prim::Float | Prim::Double => quote!(Ok(0.0)),
            Prim::Timestamp(_) => {
                let dt = rt::date_time();
                quote!(Ok(#dt::from_secs(0)))
            }
            Prim::Blob => {
                let b = rt::blob();
                quote!(Ok(#b::default()))
            }
            Prim::Document => {
                let d = rt::document();
                quote!(Ok(#d::Null))
            }
            Prim::Stream => {
                let s = rt::byte_stream();
                quote!(Ok(#s::default()))
            }
        },
        TypeRef::List { .. } => quote!(Ok(::std::vec::Vec::new())),
        TypeRef::Map { .. } => quote!(Ok(::std::collections::HashMap::new())),
        TypeRef::Named(id) => {
            let p = named_path(ir, id);
            match ir.shape(id) {
                Shape::Enum(_) => quote!(Ok(#p::from(""))),
                Shape::IntEnum(_) => quote!(Ok(#p::from(0))),
                Shape::Structure(s) if s.error.is_some() => {
                    let f = ident(&naming::de_fn(&naming::serde_name(&s.id, &s.name)));
                    let meta = rt::error_metadata();
                    quote!(crate::protocol_serde::#f(&mut #reader::new(#empty), #meta::default()))
                }
                Shape::Structure(s) => {
                    let f = ident(&naming::de_fn(&naming::serde_name(&s.id, &s.name)));
                    quote!(crate::protocol_serde::#f(&mut #reader::new(#empty)))
                }
                Shape::Union(_) => {
                    let msg = "a required union member is missing";
                    quote!(Err(#de_err::new(#at, #msg)))
                }
            }
        }
    }
}

/// `format_ident!` for composed names (`set_x`), which are never raw.
pub fn plain_ident(name: &str) -> Ident {
    format_ident!("{}", name)
}
