//! Emits a structure: the type, its getters, and its builder. Operation
//! inputs and outputs and error structures are structures too; the role adds
//! the request id (outputs) or the error metadata and `Error` impls (errors).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{constraint_note, deprecated_attr, doc_attrs, markdown_or};
use super::rt;
use super::types::{
    boxed_type, defaulted_getter, field_is_optional, field_type, getter, ident, plain_ident, rust_type, with_default, wrap_boxed,
};
use crate::error::Error;
use crate::ir::{Ir, Member, Prim, Role, Structure, TypeRef};
use crate::naming::{self, Place};

const REDACTED: &str = "*** Sensitive Data Redacted ***";

/// A member as the structure emitter sees it.
struct Field<'a> {
    member: &'a Member,
    ident: proc_macro2::Ident,
    /// The member as users read it in messages (`type`, not `r#type`).
    label: String,
    optional: bool,
    set: proc_macro2::Ident,
    get: proc_macro2::Ident,
    docs: TokenStream,
    deprecated: TokenStream,
}

fn fields<'a>(s: &'a Structure, place: Place) -> Vec<Field<'a>> {
    s.members
        .iter()
        .map(|m| {
            let name = naming::member_name(&m.name, place);
            let mut text = markdown_or(m.docs.as_deref(), &format!("The `{}` member.", m.name));
            if let Some(note) = constraint_note(&m.constraints) {
                text.push_str("\n\n");
                text.push_str(&note);
            }
            if m.required && s.role == Role::Input {
                text.push_str("\n\nRequired: the call is refused before sending when it is not set.");
            }
            Field {
                member: m,
                ident: ident(&name),
                label: naming::member_label(&m.name, place),
                optional: field_is_optional(m, s.role),
                set: plain_ident(&naming::set_name(&m.name, place)),
                get: plain_ident(&naming::get_name(&m.name, place)),
                docs: doc_attrs(&text),
                deprecated: deprecated_attr(m.deprecated.as_ref()),
            }
        })
        .collect()
}

/// True when the structure's builder `build()` returns a `Result`.
pub fn build_is_fallible(s: &Structure) -> bool {
    s.role == Role::Input || s.members.iter().any(|m| !field_is_optional(m, s.role) && m.default.as_ref().is_none_or(|_| m.added_default))
}

/// Emits the file of one structure.
pub fn emit(ir: &Ir, s: &Structure) -> Result<TokenStream, Error> {
    let Structure { id, name, members: _, role, error, docs, deprecated, sensitive } = s;
    let place = naming::place_of(*role, error.is_some());
    let ty = ident(&naming::type_name(name));
    let builder = ident(&naming::builder_name(name));
    let fields = fields(s, place);
    let type_docs = doc_attrs(&markdown_or(docs.as_deref(), &format!("The `{}` structure.", id.name)));
    let type_deprecated = deprecated_attr(deprecated.as_ref());
    let meta = rt::error_metadata();

    let struct_fields = fields.iter().map(|f| {
        let Field { ident, docs, deprecated, member, optional, .. } = f;
        let t = field_type(ir, member, *optional);
        let wire = member.name.as_str();
        let serde_attr = if *optional {
            quote!(#[cfg_attr(feature = "serde", serde(rename = #wire, default, skip_serializing_if = "::std::option::Option::is_none"))])
        } else {
            quote!(#[cfg_attr(feature = "serde", serde(rename = #wire))])
        };
        quote! { #docs #deprecated #serde_attr pub #ident: #t, }
    });
    let skip = quote!(#[cfg_attr(feature = "serde", serde(skip))]);
    let extra_field = match (role, error) {
        (_, Some(_)) => quote!(#skip pub(crate) meta: #meta,),
        (Role::Output, _) => quote!(#skip pub(crate) _request_id: ::std::option::Option<::std::string::String>,),
        _ => quote!(),
    };

    let getters = fields.iter().map(|f| {
        let Field { ident, docs, deprecated, member, optional, .. } = f;
        let owner = format!("{}${}", id, member.name);
        let defaulted = defaulted_getter(ir, &owner, member, *role, ident);
        let (ret, body) = defaulted.clone().unwrap_or_else(|| getter(ir, member, *optional, ident));
        let list_note = matches!(member.ty, TypeRef::List { .. }) && *optional;
        let note = if list_note {
            Some(format!("When the value was not set, this is an empty slice; use `.{}.is_none()` to tell the two apart.", f.label))
        } else {
            defaulted.map(|_| {
                format!("When the value was not set, this is the model's default; use `.{}.is_none()` to tell the two apart.", f.label)
            })
        };
        let note = note.map(|text| doc_attrs(&format!("\n{text}")));
        quote! { #docs #note #deprecated pub fn #ident(&self) -> #ret { #body } }
    });

    let any_sensitive = *sensitive || fields.iter().any(|f| f.member.sensitive);
    let debug_derive = if any_sensitive { quote!() } else { quote!(::std::fmt::Debug,) };
    let debug_impl = |type_ident: &proc_macro2::Ident, builder_side: bool| {
        if !any_sensitive {
            return quote!();
        }
        let type_name = type_ident.to_string();
        let entries = fields.iter().map(|f| {
            let ident = &f.ident;
            let label = f.label.as_str();
            if *sensitive || f.member.sensitive {
                quote!(formatter.field(#label, &#REDACTED);)
            } else {
                quote!(formatter.field(#label, &self.#ident);)
            }
        });
        let extra = match (role, error, builder_side) {
            (_, Some(_), _) => quote!(formatter.field("meta", &self.meta);),
            (Role::Output, _, _) => quote!(formatter.field("_request_id", &self._request_id);),
            _ => quote!(),
        };
        quote! {
            impl ::std::fmt::Debug for #type_ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    let mut formatter = f.debug_struct(#type_name);
                    #(#entries)*
                    #extra
                    formatter.finish()
                }
            }
        }
    };
    let type_debug = debug_impl(&ty, false);
    let builder_debug = debug_impl(&builder, true);

    // Builder.
    let builder_fields = fields.iter().map(|f| {
        let Field { ident, member, deprecated, .. } = f;
        let t = boxed_type(ir, member);
        quote! { #deprecated pub(crate) #ident: ::std::option::Option<#t>, }
    });
    let builder_methods = fields.iter().map(|f| builder_setters(ir, f)).collect::<Vec<_>>();
    let build_error = rt::build_error();
    let fallible = build_is_fallible(s);
    let mut build_fields = Vec::new();
    for f in &fields {
        let Field { ident, member, optional, label, .. } = f;
        let owner = format!("{}${}", id, member.name);
        let value = if *optional {
            quote!(self.#ident)
        } else if let (Some(d), false) = (&member.default, member.added_default) {
            with_default(ir, &owner, member, d, quote!(self.#ident))?
        } else {
            let details = format!("{label} is required to build {}", naming::type_name(&s.name));
            quote!(self.#ident.ok_or_else(|| #build_error::missing_field(#label, #details))?)
        };
        build_fields.push(quote!(#ident: #value,));
    }
    let extra_build = match (role, error) {
        (_, Some(_)) => quote!(meta: self.meta.unwrap_or_default(),),
        (Role::Output, _) => quote!(_request_id: self._request_id,),
        _ => quote!(),
    };
    let builder_extra_field = match (role, error) {
        (_, Some(_)) => quote!(pub(crate) meta: ::std::option::Option<#meta>,),
        (Role::Output, _) => quote!(pub(crate) _request_id: ::std::option::Option<::std::string::String>,),
        _ => quote!(),
    };
    let builder_extra_methods = match (role, error) {
        (_, Some(_)) => quote! {
            /// Sets the error metadata (code, message, request id).
            pub fn meta(mut self, meta: #meta) -> Self { self.meta = ::std::option::Option::Some(meta); self }
            /// Replaces the error metadata.
            pub fn set_meta(mut self, meta: ::std::option::Option<#meta>) -> Self { self.meta = meta; self }
        },
        (Role::Output, _) => quote! {
            pub(crate) fn _request_id(mut self, id: ::std::option::Option<::std::string::String>) -> Self {
                self._request_id = id;
                self
            }
        },
        _ => quote!(),
    };
    let build_doc = doc_attrs(&format!("Builds a [`{ty}`]."));
    let build_fn = if fallible {
        let err_doc = doc_attrs(if *role == Role::Input {
            "\nNever fails: required members and constraints are checked when the call is sent, which \
             refuses the input, naming the member, without sending anything. The `Result` keeps the \
             signature of the official SDK's input builders."
        } else {
            "\nFails, naming the member, when a required member is not set."
        });
        quote! {
            #build_doc
            #err_doc
            pub fn build(self) -> ::std::result::Result<#ty, #build_error> {
                ::std::result::Result::Ok(#ty { #(#build_fields)* #extra_build })
            }
        }
    } else {
        quote! {
            #build_doc
            pub fn build(self) -> #ty {
                #ty { #(#build_fields)* #extra_build }
            }
        }
    };

    let role_impls = role_impls(s, &ty, &fields)?;
    let builder_doc = doc_attrs(&format!("A builder for [`{ty}`]."));
    let builder_fn_doc = builder_doc.clone();
    let kind = match (role, error.is_some()) {
        (_, true) => "error",
        (Role::Input, _) => "operation input",
        (Role::Output, _) => "operation output",
        (Role::Plain, _) => "structure",
    };
    let file_doc = super::docs::inner_doc_attrs(&format!("The `{ty}` {kind} and its builder."));
    // A stream can be read once: a structure holding one is neither copied nor compared.
    let value_derives = if s.has_stream() { quote!() } else { quote!(::std::clone::Clone, ::std::cmp::PartialEq,) };
    Ok(quote! {
        #file_doc
        #type_docs
        #type_deprecated
        #[non_exhaustive]
        #[derive(#value_derives #debug_derive)]
        #[cfg_attr(feature = "serde", derive(::serde::Serialize, ::serde::Deserialize))]
        pub struct #ty {
            #(#struct_fields)*
            #extra_field
        }

        impl #ty {
            #(#getters)*
            #builder_fn_doc
            pub fn builder() -> #builder {
                // Fully qualified: a member named `Default` gives the builder a `default` setter.
                <#builder as ::std::default::Default>::default()
            }
        }

        #type_debug
        #role_impls

        #builder_doc
        #[non_exhaustive]
        #[derive(#value_derives ::std::default::Default, #debug_derive)]
        pub struct #builder {
            #(#builder_fields)*
            #builder_extra_field
        }

        impl #builder {
            #(#builder_methods)*
            #builder_extra_methods
            #build_fn
        }

        #builder_debug
    })
}

/// The plain setter, `set_*` and `get_*` of one member, on a builder.
fn builder_setters(ir: &Ir, f: &Field<'_>) -> TokenStream {
    let Field { ident, member, docs, deprecated, set, get, .. } = f;
    let stored = boxed_type(ir, member);
    let (plain_setter, _) = plain_setter(ir, member, ident);
    quote! {
        #docs #deprecated
        #plain_setter
        #docs #deprecated
        pub fn #set(mut self, input: ::std::option::Option<#stored>) -> Self {
            self.#ident = input;
            self
        }
        #docs #deprecated
        pub fn #get(&self) -> &::std::option::Option<#stored> {
            &self.#ident
        }
    }
}

/// The plain setter of a builder: lists append, maps insert, strings take
/// `impl Into<String>`. Also returns the fluent builder's forwarding call
/// parameters (see `operation.rs`).
pub fn plain_setter(ir: &Ir, member: &Member, ident: &proc_macro2::Ident) -> (TokenStream, SetterShape) {
    match &member.ty {
        TypeRef::List { element, sparse, .. } => {
            let el = rust_type(ir, element);
            let el = if *sparse { quote!(::std::option::Option<#el>) } else { el };
            let doc = doc_attrs("\nAppends one item; call again to add more.");
            // Strings are taken as `impl Into<String>`, as the official SDK does.
            let stringy = !*sparse && matches!(**element, TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal));
            let (param, value) =
                if stringy { (quote!(impl ::std::convert::Into<#el>), quote!(input.into())) } else { (el.clone(), quote!(input)) };
            (
                quote! {
                    #doc
                    pub fn #ident(mut self, input: #param) -> Self {
                        let mut v = self.#ident.unwrap_or_default();
                        v.push(#value);
                        self.#ident = ::std::option::Option::Some(v);
                        self
                    }
                },
                if stringy { SetterShape::Into(el) } else { SetterShape::Append(el) },
            )
        }
        TypeRef::Map { key, value, sparse, .. } => {
            let k = rust_type(ir, key);
            let v = rust_type(ir, value);
            let v = if *sparse { quote!(::std::option::Option<#v>) } else { v };
            let doc = doc_attrs("\nInserts one entry; call again to add more.");
            (
                quote! {
                    #doc
                    pub fn #ident(mut self, k: impl ::std::convert::Into<#k>, v: #v) -> Self {
                        let mut map = self.#ident.unwrap_or_default();
                        map.insert(k.into(), v);
                        self.#ident = ::std::option::Option::Some(map);
                        self
                    }
                },
                SetterShape::Insert(k, v),
            )
        }
        TypeRef::Prim(Prim::String | Prim::BigInteger | Prim::BigDecimal) => (
            quote! {
                pub fn #ident(mut self, input: impl ::std::convert::Into<::std::string::String>) -> Self {
                    self.#ident = ::std::option::Option::Some(input.into());
                    self
                }
            },
            SetterShape::Into(quote!(::std::string::String)),
        ),
        ty => {
            let t = rust_type(ir, ty);
            let stored = wrap_boxed(member, quote!(input));
            (
                quote! {
                    pub fn #ident(mut self, input: #t) -> Self {
                        self.#ident = ::std::option::Option::Some(#stored);
                        self
                    }
                },
                SetterShape::Value(t),
            )
        }
    }
}

/// How a plain setter takes its argument.
pub enum SetterShape {
    /// `fn x(self, input: T)` that appends to a list.
    Append(TokenStream),
    /// `fn x(self, k: impl Into<K>, v: V)`.
    Insert(TokenStream, TokenStream),
    /// `fn x(self, input: impl Into<T>)`.
    Into(TokenStream),
    /// `fn x(self, input: T)`.
    Value(TokenStream),
}

/// What the role adds: `RequestId` on outputs; `Display`, `Error`,
/// `ProvideErrorMetadata` and `RequestId` on errors.
fn role_impls(s: &Structure, ty: &proc_macro2::Ident, fields: &[Field<'_>]) -> Result<TokenStream, Error> {
    let request_id = rt::request_id();
    match (&s.role, &s.error) {
        (_, Some(info)) => {
            let kind_ty = rt::error_kind();
            let kind = match info.kind {
                crate::ir::ErrorKind::Client => quote!(#kind_ty::Client),
                crate::ir::ErrorKind::Server => quote!(#kind_ty::Server),
            };
            let status = match info.http_status {
                Some(code) => quote!(::std::option::Option::Some(#code)),
                None => quote!(::std::option::Option::None),
            };
            let retryable = info.retryable.is_some();
            let meta = rt::error_metadata();
            let provide = rt::provide_error_metadata();
            let code = s.id.name.as_str();
            let message_field =
                fields.iter().find(|f| f.member.name.eq_ignore_ascii_case("message") && matches!(f.member.ty, TypeRef::Prim(Prim::String)));
            let message = match message_field {
                Some(f) if f.optional => {
                    let i = &f.ident;
                    quote!(self.#i.as_deref().or_else(|| self.meta.message()))
                }
                Some(f) => {
                    let i = &f.ident;
                    quote!(::std::option::Option::Some(self.#i.as_str()))
                }
                None => quote!(self.meta.message()),
            };
            Ok(quote! {
                impl #ty {
                    /// Which side the model says this error blames (`@error`).
                    pub const ERROR_KIND: #kind_ty = #kind;
                    /// The HTTP status the model gives this error (`@httpError`), if any.
                    pub const HTTP_STATUS: ::std::option::Option<u16> = #status;
                    /// Whether the model marks this error `@retryable`.
                    pub const RETRYABLE: bool = #retryable;
                }

                impl ::std::fmt::Display for #ty {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        ::std::write!(f, #code)?;
                        if let ::std::option::Option::Some(message) = #message {
                            ::std::write!(f, ": {}", message)?;
                        }
                        ::std::result::Result::Ok(())
                    }
                }
                impl ::std::error::Error for #ty {}
                impl #provide for #ty {
                    fn meta(&self) -> &#meta {
                        &self.meta
                    }
                    fn message(&self) -> ::std::option::Option<&str> {
                        #message
                    }
                }
                impl #request_id for #ty {
                    fn request_id(&self) -> ::std::option::Option<&str> {
                        self.meta.request_id()
                    }
                }
            })
        }
        (Role::Output, None) => Ok(quote! {
            impl #request_id for #ty {
                fn request_id(&self) -> ::std::option::Option<&str> {
                    self._request_id.as_deref()
                }
            }
        }),
        _ => Ok(quote!()),
    }
}
