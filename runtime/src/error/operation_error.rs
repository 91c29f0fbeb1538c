//! `operation_error_impls!`: what every generated operation error enum
//! implements, written once here instead of once per operation in every
//! generated crate.
//!
//! For an enum `E` with one variant per modeled error and an `Unhandled`
//! variant, the macro adds `E::unhandled`, `E::generic` and `E::meta`, and
//! implements `Display` and `Error` (delegating to the variant),
//! `ProvideErrorMetadata`, `RequestId` and `CreateUnhandledError`.

/// Implements the shared surface of an operation error enum; generated
/// crates call it through `for_generated`, not users.
#[doc(hidden)]
#[macro_export]
macro_rules! operation_error_impls {
    ($error:ident { $($variant:ident),* $(,)? }) => {
        impl $error {
            /// An unhandled error caused by `err`.
            pub fn unhandled(
                err: impl ::std::convert::Into<::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Send + ::std::marker::Sync + 'static>>,
            ) -> Self {
                $error::Unhandled($crate::for_generated::Unhandled::new(err.into(), $crate::for_generated::ErrorMetadata::default()))
            }

            /// An unhandled error described only by its metadata.
            pub fn generic(meta: $crate::for_generated::ErrorMetadata) -> Self {
                let source = ::std::boxed::Box::new($crate::for_generated::UnmodeledError::new(meta.clone()));
                $error::Unhandled($crate::for_generated::Unhandled::new(source, meta))
            }

            /// The error's code, message and request id.
            pub fn meta(&self) -> &$crate::for_generated::ErrorMetadata {
                match self {
                    $( $error::$variant(e) => $crate::for_generated::ProvideErrorMetadata::meta(e), )*
                    $error::Unhandled(e) => e.meta(),
                }
            }
        }

        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    $( $error::$variant(e) => ::std::fmt::Display::fmt(e, f), )*
                    $error::Unhandled(e) => ::std::fmt::Display::fmt(e, f),
                }
            }
        }

        impl ::std::error::Error for $error {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    $( $error::$variant(e) => ::std::option::Option::Some(e), )*
                    $error::Unhandled(e) => ::std::option::Option::Some(e),
                }
            }
        }

        impl $crate::for_generated::ProvideErrorMetadata for $error {
            fn meta(&self) -> &$crate::for_generated::ErrorMetadata {
                $error::meta(self)
            }
        }

        impl $crate::for_generated::RequestId for $error {
            fn request_id(&self) -> ::std::option::Option<&str> {
                self.meta().request_id()
            }
        }

        impl $crate::for_generated::CreateUnhandledError for $error {
            fn create_unhandled_error(
                source: ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Send + ::std::marker::Sync + 'static>,
                meta: ::std::option::Option<$crate::for_generated::ErrorMetadata>,
            ) -> Self {
                $error::Unhandled($crate::for_generated::Unhandled::new(source, meta.unwrap_or_default()))
            }
        }
    };
}
