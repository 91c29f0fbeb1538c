//! Emits an operation's paginator (`@paginated`): `into_paginator()` on the
//! fluent builder, a stream of pages, and a stream of items when the model
//! names an items member.

use proc_macro2::TokenStream;
use quote::quote;

use super::rt;
use super::types::{field_is_optional, ident, rust_type};
use crate::error::Error;
use crate::ir::{Ir, Operation, Paginated, Prim, Shape, TypeRef};
use crate::naming::{self, Place};
use crate::shape_id::ShapeId;

/// An `Option<&T>` expression reading `path` (`A.B.C`) from `root`, and the
/// type of the last member.
fn path_expr(ir: &Ir, op: &Operation, start: &ShapeId, path: &str, root: TokenStream) -> Result<(TokenStream, TypeRef), Error> {
    let mut expr = quote!(::std::option::Option::Some(#root));
    let mut current = start.clone();
    let mut ty = None;
    for segment in path.split('.') {
        let Shape::Structure(s) = ir.shape(&current) else {
            return Err(Error::model(op.id.absolute(), format!("@paginated path {path} goes through a non-structure")));
        };
        let member = s
            .members
            .iter()
            .find(|m| m.name == segment)
            .ok_or_else(|| Error::model(op.id.absolute(), format!("@paginated path {path}: {} has no member {segment}", s.name)))?;
        let field = ident(&naming::member_name(&member.name, naming::place_of(s.role, s.error.is_some())));
        expr = match (field_is_optional(member, s.role), member.boxed) {
            (true, true) => quote!(#expr.and_then(|v| v.#field.as_deref())),
            (true, false) => quote!(#expr.and_then(|v| v.#field.as_ref())),
            (false, _) => quote!(#expr.map(|v| &v.#field)),
        };
        if let TypeRef::Named(next) = &member.ty {
            current = next.clone();
        }
        ty = Some(member.ty.clone());
    }
    Ok((expr, ty.expect("a path has at least one segment")))
}

/// The paginator module of a paginated operation.
pub fn emit(ir: &Ir, op: &Operation, p: &Paginated) -> Result<TokenStream, Error> {
    let Paginated { input_token, output_token, items, page_size } = p;
    let name = &op.name;
    let paginator = ident(&naming::paginator(name));
    let items_ty = ident(&naming::paginator_items(name));
    let marker = ident(&naming::operation_type(name));
    let error_ty = ident(&naming::operation_error(name));
    let input = ir.structure(&op.input);
    let input_ty = ident(&naming::type_name(&input.name));
    let output_ty = ident(&naming::type_name(ir.shape(&op.output).name()));
    let input_builder = ident(&naming::builder_name(&input.name));
    let handle = rt::handle();
    let sdk_error = rt::sdk_error();
    let http_response = rt::http_response();
    let (page_source, pagination_stream) = (rt::page_source(), rt::pagination_stream());
    let box_future = rt::box_future();

    let token_member = input
        .members
        .iter()
        .find(|m| &m.name == input_token)
        .ok_or_else(|| Error::model(op.id.absolute(), format!("@paginated inputToken {input_token} is not an input member")))?;
    let token_field = ident(&naming::member_name(input_token, Place::Input));
    let (next_token, token_ty) = path_expr(ir, op, &op.output, output_token, quote!(out))?;
    // The token goes back as it came, whatever its shape (DynamoDB's is a map of attribute values).
    if token_ty != token_member.ty {
        return Err(Error::model(
            op.id.absolute(),
            format!("@paginated outputToken {output_token} does not target the shape of inputToken {input_token}"),
        ));
    }
    let token_rust = rust_type(ir, &token_ty);
    // An empty string, list or map ends the stream as an absent token does.
    let not_empty = match &token_ty {
        TypeRef::Prim(Prim::String) | TypeRef::List { .. } | TypeRef::Map { .. } => quote!(!t.is_empty() &&),
        _ => quote!(),
    };

    let page_size_fn = match page_size {
        None => quote!(),
        Some(size) => {
            let m = input
                .members
                .iter()
                .find(|m| &m.name == size)
                .ok_or_else(|| Error::model(op.id.absolute(), format!("@paginated pageSize {size} is not an input member")))?;
            let setter = ident(&naming::member_name(size, Place::Input));
            let t = rust_type(ir, &m.ty);
            quote! {
                /// Sets the number of results per page.
                pub fn page_size(mut self, limit: #t) -> Self {
                    self.builder = self.builder.#setter(limit);
                    self
                }
            }
        }
    };

    let items_part = match items {
        None => quote!(),
        Some(path) => {
            let (items_expr, items_type) = path_expr(ir, op, &op.output, path, quote!(&out))?;
            // A list's elements (`None` for the nulls of a sparse list), or a map's entries as (key, value).
            let (item, collect, allow) = match &items_type {
                TypeRef::List { element, sparse, .. } => {
                    let el = rust_type(ir, element);
                    (if *sparse { quote!(::std::option::Option<#el>) } else { el }, quote!(), quote!())
                }
                TypeRef::Map { key, value, sparse, .. } => {
                    let (k, v) = (rust_type(ir, key), rust_type(ir, value));
                    let v = if *sparse { quote!(::std::option::Option<#v>) } else { v };
                    (quote!((#k, #v)), quote!(.into_iter().collect()), quote!(#[allow(clippy::type_complexity)]))
                }
                _ => return Err(Error::model(op.id.absolute(), format!("@paginated items {path} is not a list or a map"))),
            };
            quote! {
                impl #paginator {
                    /// A stream of the items of every page instead of the pages.
                    pub fn items(self) -> #items_ty {
                        #items_ty(self)
                    }
                }

                /// A stream of the items of every page; see [`#paginator::items`].
                #[derive(::std::fmt::Debug)]
                pub struct #items_ty(#paginator);

                impl #items_ty {
                    /// Starts fetching; each `next()` on the stream sends at most one request.
                    #allow
                    pub fn send(self) -> #pagination_stream<::std::result::Result<#item, #sdk_error<super::#error_ty, #http_response>>> {
                        self.0.send().flat_map_items(|out: super::#output_ty| #items_expr.cloned().unwrap_or_default() #collect)
                    }
                }
            }
        }
    };

    let doc = format!("Pages of `{name}`, fetched one request at a time.");
    Ok(quote! {
        //! The paginator of this operation.

        #[doc = #doc]
        #[derive(::std::fmt::Debug)]
        pub struct #paginator {
            handle: #handle,
            builder: super::builders::#input_builder,
        }

        impl #paginator {
            pub(crate) fn new(handle: #handle, builder: super::builders::#input_builder) -> Self {
                #paginator { handle, builder }
            }

            #page_size_fn

            /// Starts fetching; each `next()` on the stream sends at most one request.
            pub fn send(self) -> #pagination_stream<::std::result::Result<super::#output_ty, #sdk_error<super::#error_ty, #http_response>>> {
                let input = self.builder.build().map_err(#sdk_error::construction_failure);
                #pagination_stream::new(Pages { handle: self.handle, input: ::std::option::Option::Some(input) })
            }
        }

        struct Pages {
            handle: #handle,
            input: ::std::option::Option<::std::result::Result<super::#input_ty, #sdk_error<super::#error_ty, #http_response>>>,
        }

        impl #page_source<::std::result::Result<super::#output_ty, #sdk_error<super::#error_ty, #http_response>>> for Pages {
            fn next(&mut self) -> #box_future<'_, ::std::option::Option<::std::result::Result<super::#output_ty, #sdk_error<super::#error_ty, #http_response>>>> {
                ::std::boxed::Box::pin(async move {
                    let input = match self.input.take()? {
                        ::std::result::Result::Ok(input) => input,
                        ::std::result::Result::Err(e) => return ::std::option::Option::Some(::std::result::Result::Err(e)),
                    };
                    let sent_token = input.#token_field.clone();
                    let result = super::#marker::orchestrate(&self.handle, input.clone()).await;
                    if let ::std::result::Result::Ok(out) = &result {
                        let next: ::std::option::Option<&#token_rust> = #next_token;
                        // An empty or repeated token ends the stream rather than looping forever.
                        if let ::std::option::Option::Some(token) = next.filter(|t| #not_empty ::std::option::Option::Some(*t) != sent_token.as_ref()) {
                            let mut input = input;
                            input.#token_field = ::std::option::Option::Some(token.clone());
                            self.input = ::std::option::Option::Some(::std::result::Result::Ok(input));
                        }
                    }
                    ::std::option::Option::Some(result)
                })
            }
        }

        #items_part
    })
}
