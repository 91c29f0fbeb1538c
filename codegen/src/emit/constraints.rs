//! The checks of `@length` and `@range` that a serialiser runs on a value
//! before writing it, so a broken constraint is refused, naming the member,
//! before anything is sent.

use proc_macro2::TokenStream;
use quote::quote;

use super::rt;
use crate::ir::{Constraints, Prim, TypeRef};

/// Statements refusing `value` (a `&T` of type `ty`) when it breaks its
/// `@length` or `@range`, before anything is written. The error names the
/// member `label`; `subject` says what of it broke the constraint (empty
/// for the member itself, `"an element "` for one of a list's elements).
pub fn constraint_checks(ty: &TypeRef, c: &Constraints, label: &str, subject: &str, value: &TokenStream) -> TokenStream {
    let build_error = rt::build_error();
    let mut checks = Vec::new();
    if c.length_min.is_some() || c.length_max.is_some() {
        let len = match ty {
            TypeRef::Prim(Prim::String) => Some(quote!(#value.chars().count())),
            TypeRef::Prim(Prim::Blob) => Some(quote!(#value.as_ref().len())),
            TypeRef::List { .. } | TypeRef::Map { .. } => Some(quote!(#value.len())),
            _ => None,
        };
        if let Some(len) = len {
            // A string has at most as many characters as bytes and at least a
            // quarter as many, so its byte length settles most checks without
            // counting characters.
            let is_string = matches!(ty, TypeRef::Prim(Prim::String));
            let unit = match ty {
                TypeRef::List { .. } | TypeRef::Map { .. } => "entries",
                TypeRef::Prim(Prim::Blob) => "bytes",
                _ => "characters",
            };
            // A minimum of 0 needs no check; a minimum of 1 reads best as "empty".
            match c.length_min {
                None | Some(0) => {}
                Some(1) => {
                    let empty = match ty {
                        TypeRef::Prim(Prim::Blob) => quote!(#value.as_ref().is_empty()),
                        _ => quote!(#value.is_empty()),
                    };
                    let msg = format!("{subject}is empty; at least 1 of its {unit} is required");
                    checks.push(quote! {
                        if #empty {
                            return ::std::result::Result::Err(#build_error::invalid_field(#label, #msg));
                        }
                    });
                }
                Some(min) => {
                    let min_lit = proc_macro2::Literal::usize_unsuffixed(min as usize);
                    let msg = format!("{subject}has {{}} {unit}; at least {min} are required");
                    let quick = if is_string {
                        let bytes = proc_macro2::Literal::usize_unsuffixed(min as usize * 4);
                        quote!(#value.len() < #bytes &&)
                    } else {
                        quote!()
                    };
                    checks.push(quote! {
                        if #quick #len < #min_lit {
                            return ::std::result::Result::Err(#build_error::invalid_field(#label, ::std::format!(#msg, #len)));
                        }
                    });
                }
            }
            if let Some(max) = c.length_max {
                let max_lit = proc_macro2::Literal::usize_unsuffixed(max as usize);
                let msg = format!("{subject}has {{}} {unit}; at most {max} are allowed");
                let quick = if is_string { quote!(#value.len() > #max_lit &&) } else { quote!() };
                checks.push(quote! {
                    if #quick #len > #max_lit {
                        return ::std::result::Result::Err(#build_error::invalid_field(#label, ::std::format!(#msg, #len)));
                    }
                });
            }
        }
    }
    let numeric = match ty {
        TypeRef::Prim(Prim::Byte | Prim::Short | Prim::Integer | Prim::Long) => Some(true),
        TypeRef::Prim(Prim::Float | Prim::Double) => Some(false),
        _ => None,
    };
    // What the integer type itself holds: a bound at or past it needs no check (and the comparison would not compile under `-D warnings`).
    let held = match ty {
        TypeRef::Prim(Prim::Byte) => (i64::from(i8::MIN), i64::from(i8::MAX)),
        TypeRef::Prim(Prim::Short) => (i64::from(i16::MIN), i64::from(i16::MAX)),
        TypeRef::Prim(Prim::Integer) => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    if let Some(integral) = numeric {
        for (bound, is_min) in [(&c.range_min, true), (&c.range_max, false)] {
            let Some(bound) = bound else { continue };
            if integral {
                let beyond = match bound.parse::<i64>() {
                    Ok(b) => (is_min && b <= held.0) || (!is_min && b >= held.1),
                    // A bound an i64 cannot hold is beyond every integer type.
                    Err(_) => bound.parse::<f64>().is_ok_and(|b| (is_min && b <= held.0 as f64) || (!is_min && b >= held.1 as f64)),
                };
                if beyond {
                    continue;
                }
            }
            let (n, limit) = match (integral, bound.parse::<i64>()) {
                (true, Ok(b)) => (quote!(::std::convert::Into::<i64>::into(*#value)), quote!(#b)),
                _ => match bound.parse::<f64>() {
                    Ok(b) => (quote!(::std::convert::Into::<f64>::into(*#value)), quote!(#b)),
                    Err(_) => continue,
                },
            };
            let (cmp, msg) = if is_min {
                (quote!(<), format!("{subject}is {{}}; the smallest value allowed is {bound}"))
            } else {
                (quote!(>), format!("{subject}is {{}}; the largest value allowed is {bound}"))
            };
            checks.push(quote! {
                if #n #cmp #limit {
                    return ::std::result::Result::Err(#build_error::invalid_field(#label, ::std::format!(#msg, #value)));
                }
            });
        }
    }
    quote!(#(#checks)*)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_the_type_already_holds_are_not_checked() {
        let check = |ty: Prim, min: &str, max: &str| {
            let c = Constraints { range_min: Some(min.into()), range_max: Some(max.into()), ..Default::default() };
            constraint_checks(&TypeRef::Prim(ty), &c, "X.n", "", &quote!(value)).to_string()
        };
        // A long's own limits, and an integer's: no comparison (it could never be true, and rustc says so).
        assert!(!check(Prim::Long, "-9223372036854775808", "9223372036854775807").contains("if"));
        assert!(!check(Prim::Integer, "-2147483648", "2147483647").contains("if"));
        assert!(!check(Prim::Byte, "-1e30", "1e30").contains("if"));
        // Narrower bounds are checked.
        let narrow = check(Prim::Integer, "0", "100");
        assert!(narrow.contains("< 0i64") && narrow.contains("> 100i64"), "{narrow}");
        let floats = check(Prim::Double, "0", "1.5");
        assert!(floats.contains("1.5f64"), "{floats}");
    }
}
