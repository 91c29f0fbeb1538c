//! Emits string enums and integer enums. Both keep values they do not know,
//! so a response with a value added after generation still parses.

use quote::quote;

use super::docs::{deprecated_attr, doc_attrs, markdown_or};
use super::rt;
use super::types::ident;
use crate::ir::{Enum, IntEnum};
use crate::naming;

/// Emits a string enum.
pub fn emit(e: &Enum) -> proc_macro2::TokenStream {
    let Enum { id, name, variants, docs, deprecated, sensitive: _ } = e;
    let ty = ident(&naming::type_name(name));
    let unknown = rt::unknown_variant();
    let type_docs = doc_attrs(&markdown_or(docs.as_deref(), &format!("The `{}` enum.", id.name)));
    let type_deprecated = deprecated_attr(deprecated.as_ref());
    let idents: Vec<_> = variants.iter().map(|v| ident(&naming::variant_name(&v.name))).collect();
    let values: Vec<&str> = variants.iter().map(|v| v.value.as_str()).collect();
    let variant_defs = variants.iter().zip(&idents).map(|(v, i)| {
        let d = doc_attrs(&markdown_or(v.docs.as_deref(), &format!("`{}`", v.value.replace('`', "'"))));
        let dep = deprecated_attr(v.deprecated.as_ref());
        quote!(#d #dep #i,)
    });
    let example = doc_attrs(&format!(
        "\nValues this version does not know are kept in `Unknown`; match with a wildcard arm and use\n[`{ty}::as_str`] to read them, as later versions may name them."
    ));
    let file_doc = super::docs::inner_doc_attrs(&format!("The `{ty}` enum."));
    quote! {
        #file_doc
        #type_docs
        #example
        #type_deprecated
        #[non_exhaustive]
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::Ord, ::std::cmp::PartialEq, ::std::cmp::PartialOrd)]
        pub enum #ty {
            #(#variant_defs)*
            /// A value this version of the crate does not know.
            #[deprecated(note = "match with a wildcard arm and read the value with as_str()")]
            Unknown(#unknown),
        }

        impl #ty {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #ty::#idents => #values, )*
                    #ty::Unknown(value) => value.as_str(),
                }
            }

            /// Every value this version of the crate knows.
            pub const fn values() -> &'static [&'static str] {
                &[#(#values),*]
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(s: &str) -> Self {
                match s {
                    #( #values => #ty::#idents, )*
                    other => #ty::Unknown(#unknown::new(other)),
                }
            }
        }

        impl ::std::str::FromStr for #ty {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(#ty::from(s))
            }
        }

        impl ::std::convert::AsRef<str> for #ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                ::std::result::Result::Ok(#ty::from(value.as_str()))
            }
        }
    }
}

/// Emits an integer enum.
pub fn emit_int(e: &IntEnum) -> proc_macro2::TokenStream {
    let IntEnum { id, name, variants, docs, deprecated } = e;
    let ty = ident(&naming::type_name(name));
    let unknown = rt::unknown_int_variant();
    let type_docs = doc_attrs(&markdown_or(docs.as_deref(), &format!("The `{}` integer enum.", id.name)));
    let type_deprecated = deprecated_attr(deprecated.as_ref());
    let idents: Vec<_> = variants.iter().map(|v| ident(&naming::variant_name(&v.name))).collect();
    let values: Vec<i32> = variants.iter().map(|v| v.value).collect();
    let variant_defs = variants.iter().zip(&idents).map(|(v, i)| {
        let d = doc_attrs(&markdown_or(v.docs.as_deref(), &format!("`{}`", v.value)));
        let dep = deprecated_attr(v.deprecated.as_ref());
        quote!(#d #dep #i,)
    });
    let file_doc = super::docs::inner_doc_attrs(&format!("The `{ty}` integer enum."));
    quote! {
        #file_doc
        #type_docs
        #type_deprecated
        #[non_exhaustive]
        #[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::Ord, ::std::cmp::PartialEq, ::std::cmp::PartialOrd)]
        pub enum #ty {
            #(#variant_defs)*
            /// A value this version of the crate does not know.
            #[deprecated(note = "match with a wildcard arm and read the value with as_i32()")]
            Unknown(#unknown),
        }

        impl #ty {
            /// The value as sent on the wire.
            pub fn as_i32(&self) -> i32 {
                match self {
                    #( #ty::#idents => #values, )*
                    #ty::Unknown(value) => value.value(),
                }
            }

            /// Every value this version of the crate knows.
            pub const fn values() -> &'static [i32] {
                &[#(#values),*]
            }
        }

        impl ::std::convert::From<i32> for #ty {
            fn from(v: i32) -> Self {
                match v {
                    #( #values => #ty::#idents, )*
                    other => #ty::Unknown(#unknown::new(other)),
                }
            }
        }

        #[cfg(feature = "serde")]
        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_i32(self.as_i32())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                ::std::result::Result::Ok(#ty::from(<i32 as ::serde::Deserialize>::deserialize(d)?))
            }
        }
    }
}
