//! The module tree of the generated crate, built from the files actually
//! emitted: each file is recorded with the module its parent declares it
//! as, that module's visibility and what the parent re-exports from it, and
//! each `mod.rs` (or `lib.rs`) gets its declarations from those records. No
//! list of modules is written by hand, so a file cannot be emitted without
//! being declared, nor declared without being emitted.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::types::ident;

/// The visibility of a `mod` or `use` item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vis {
    /// Private.
    Private,
    /// `pub(crate)`.
    Crate,
    /// `pub`.
    Public,
}

impl Vis {
    fn tokens(self) -> TokenStream {
        match self {
            Vis::Private => quote!(),
            Vis::Crate => quote!(pub(crate)),
            Vis::Public => quote!(pub),
        }
    }
}

/// How a parent declares one child module.
#[derive(Debug, Clone)]
pub struct Declare {
    /// The module's identifier (`_usage_record`, `r#type`).
    pub module: String,
    /// The `mod` item's visibility.
    pub vis: Vis,
    /// Items the parent re-exports from the module (`*` for all), with the `use` item's visibility.
    pub uses: Vec<(Vis, String)>,
    /// Items the parent re-exports in its own `builders` module.
    pub builders: Vec<String>,
    /// The cargo feature the module exists under, if any.
    pub feature: Option<String>,
}

impl Declare {
    /// A module declared with `vis` and nothing re-exported.
    pub fn module(module: impl Into<String>, vis: Vis) -> Self {
        Declare { module: module.into(), vis, uses: Vec::new(), builders: Vec::new(), feature: None }
    }

    /// Also re-exports `item` publicly.
    pub fn export(mut self, item: impl Into<String>) -> Self {
        self.uses.push((Vis::Public, item.into()));
        self
    }

    /// Also re-exports `item` in the parent's `builders` module.
    pub fn builder(mut self, item: impl Into<String>) -> Self {
        self.builders.push(item.into());
        self
    }

    /// Declares the module only under the cargo feature `name`.
    pub fn under_feature(mut self, name: &str) -> Self {
        self.feature = Some(name.to_owned());
        self
    }

    /// Re-exports everything the module holds, with `vis`.
    pub fn glob(mut self, vis: Vis) -> Self {
        self.uses.push((vis, "*".to_owned()));
        self
    }
}

/// The file that declares the module in `path`: `src/a/b.rs` and
/// `src/a/b/mod.rs` are declared by `src/a/mod.rs`; files directly under
/// `src/` by `src/lib.rs`.
fn parent_of(path: &str) -> String {
    let dir = path.strip_suffix("/mod.rs").unwrap_or(path);
    match dir.rsplit_once('/') {
        Some(("src", _)) => "src/lib.rs".to_owned(),
        Some((parent, _)) => format!("{parent}/mod.rs"),
        None => String::new(),
    }
}

/// The declarations each parent file will hold.
#[derive(Debug, Default)]
pub struct Tree {
    children: BTreeMap<String, Vec<Declare>>,
}

impl Tree {
    /// Records that the file at `path` is declared as `declare` by its parent.
    pub fn record(&mut self, path: &str, declare: Declare) {
        self.children.entry(parent_of(path)).or_default().push(declare);
    }

    /// The `mod` and `use` items of the file at `parent`, each kind sorted by
    /// module: modules first, then re-exports, then a `builders` module when
    /// a child asked for one.
    pub fn declarations(&self, parent: &str) -> TokenStream {
        let mut children: Vec<&Declare> = self.children.get(parent).into_iter().flatten().collect();
        children.sort_by(|a, b| a.module.cmp(&b.module));
        let mods = children.iter().map(|c| {
            let (vis, m) = (c.vis.tokens(), ident(&c.module));
            let cfg = c.feature.as_ref().map(|f| quote!(#[cfg(feature = #f)]));
            quote!(#cfg #vis mod #m;)
        });
        let uses = children.iter().flat_map(|c| {
            let m = ident(&c.module);
            c.uses.iter().map(move |(vis, item)| {
                let vis = vis.tokens();
                if item == "*" {
                    quote!(#vis use #m::*;)
                } else {
                    let item = ident(item);
                    quote!(#vis use #m::#item;)
                }
            })
        });
        let builders: Vec<TokenStream> = children
            .iter()
            .flat_map(|c| {
                let m = ident(&c.module);
                c.builders.iter().map(move |b| {
                    let b = ident(b);
                    quote!(pub use super::#m::#b;)
                })
            })
            .collect();
        let builders = if builders.is_empty() {
            quote!()
        } else {
            quote! {
                /// Builders of the types in this module.
                pub mod builders {
                    #(#builders)*
                }
            }
        };
        quote! {
            #(#mods)*
            #(#uses)*
            #builders
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_follow_the_folders() {
        assert_eq!(parent_of("src/client.rs"), "src/lib.rs");
        assert_eq!(parent_of("src/types/mod.rs"), "src/lib.rs");
        assert_eq!(parent_of("src/types/_tag.rs"), "src/types/mod.rs");
        assert_eq!(parent_of("src/types/error/mod.rs"), "src/types/mod.rs");
        assert_eq!(parent_of("src/operation/meter_usage/builders.rs"), "src/operation/meter_usage/mod.rs");
    }

    #[test]
    fn declarations_come_from_what_was_recorded() {
        let mut tree = Tree::default();
        tree.record("src/types/_tag.rs", Declare::module("_tag", Vis::Private).export("Tag").builder("TagBuilder"));
        tree.record("src/types/error/mod.rs", Declare::module("error", Vis::Public));
        let text = tree.declarations("src/types/mod.rs").to_string();
        assert_eq!(
            text,
            quote!(
                mod _tag;
                pub mod error;
                pub use _tag::Tag;
                /// Builders of the types in this module.
                pub mod builders {
                    pub use super::_tag::TagBuilder;
                }
            )
            .to_string()
        );
        assert!(tree.declarations("src/lib.rs").is_empty());
    }
}
