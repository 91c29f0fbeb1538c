//! Signatures as text a person reads: tokens joined the way rustfmt would
//! space them (`fn f(&self, x: Option<i32>) -> Self`), with the standard
//! library's and the runtime's paths shortened, so that two surfaces compare
//! by what users see and a change prints as they would write it.

use quote::ToTokens;

/// Tokens as a person writes them (`fn f(&self, x: Option<i32>) -> Self`),
/// with the standard library's and the runtime's paths shortened.
pub(super) fn compact(tokens: &proc_macro2::TokenStream) -> String {
    let mut out = String::new();
    write_tokens(tokens.clone(), &mut out);
    // A keyword before an absolute path keeps its space once the path is shortened.
    for keyword in ["impl", "dyn", "as"] {
        out = out.replace(&format!("{keyword}::"), &format!("{keyword} ::"));
    }
    for (from, to) in [
        ("::std::option::", ""),
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::result::", ""),
        ("::std::collections::", ""),
        ("::std::boxed::", ""),
        ("::std::convert::", ""),
        ("::std::", "std::"),
        ("::mpkit_runtime::for_generated::", ""),
        ("crate::", ""),
    ] {
        out = out.replace(from, to);
    }
    out.trim().to_owned()
}

fn write_tokens(tokens: proc_macro2::TokenStream, out: &mut String) {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    let mut joint = false;
    for tt in tokens {
        // A word after a word or a literal needs a space.
        let word_before = out.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"' || c == '\'');
        match tt {
            TokenTree::Ident(i) => {
                if word_before && !joint {
                    out.push(' ');
                }
                out.push_str(&i.to_string());
                joint = false;
            }
            TokenTree::Literal(l) => {
                if word_before {
                    out.push(' ');
                }
                out.push_str(&l.to_string());
                joint = false;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                let was_joint = joint;
                joint = p.spacing() == Spacing::Joint;
                match c {
                    ',' => {
                        // A trailing comma says nothing.
                        out.push(',');
                    }
                    ':' if joint || (was_joint && out.ends_with(':')) => out.push(':'),
                    ':' => out.push_str(": "),
                    '=' | '-' if !was_joint => {
                        out.push(' ');
                        out.push(c);
                        if !joint {
                            out.push(' ');
                        }
                    }
                    '>' if was_joint && out.ends_with('-') => out.push_str("> "),
                    '>' => {
                        let trimmed = out.trim_end_matches([' ', ',']).len();
                        out.truncate(trimmed);
                        out.push('>');
                    }
                    '=' if was_joint => {
                        out.push(c);
                        out.push(' ');
                    }
                    '\'' => {
                        if word_before {
                            out.push(' ');
                        }
                        out.push(c);
                        joint = true;
                    }
                    _ => out.push(c),
                }
                if c == ',' {
                    out.push(' ');
                }
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => (" { ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(g.stream(), out);
                let trimmed = out.trim_end_matches([' ', ',']).len();
                out.truncate(trimmed);
                out.push_str(close);
                joint = false;
            }
        }
    }
}

/// The note of a `#[deprecated(note = "...")]` (or the attribute itself).
pub(super) fn deprecation_note(meta: &syn::Meta) -> String {
    if let syn::Meta::List(list) = meta {
        for tt in list.tokens.clone() {
            if let proc_macro2::TokenTree::Literal(l) = tt {
                if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                    return s.value();
                }
            }
        }
    }
    compact(&meta.to_token_stream())
}
