//! The one error type of the code generator.
//!
//! Every stage returns `Result<_, Error>`; each variant names what it is about
//! (a file position, a shape, a member, a generated file) so that a bad model
//! is reported, never panicked on.

use std::fmt;

/// Why code generation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The model file is not valid JSON, or not shaped like a Smithy JSON AST.
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde_json reported.
        message: String,
    },
    /// The model is valid JSON but breaks a Smithy rule or a rule of this generator.
    Model {
        /// The absolute shape id the problem is about (`ns#Shape` or `ns#Shape$member`).
        shape: String,
        /// What is wrong, in plain words.
        problem: String,
    },
    /// The model uses something this generator cannot honour.
    Unsupported {
        /// The absolute shape id (or `model` for model-wide features).
        shape: String,
        /// What is not supported, and why.
        what: String,
    },
    /// Two things would get the same Rust name.
    NameCollision {
        /// Where the collision happens (a module, a struct, an enum).
        scope: String,
        /// The Rust name both would use.
        name: String,
        /// The two shape ids.
        first: String,
        /// The second shape id.
        second: String,
    },
    /// Emitted tokens did not parse as a Rust file: a bug in an emitter.
    Render {
        /// The generated file's path.
        file: String,
        /// What syn reported.
        message: String,
    },
}

impl Error {
    /// A [`Error::Model`] for `shape`.
    pub fn model(shape: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Model { shape: shape.into(), problem: problem.into() }
    }

    /// An [`Error::Unsupported`] for `shape`.
    pub fn unsupported(shape: impl Into<String>, what: impl Into<String>) -> Self {
        Error::Unsupported { shape: shape.into(), what: what.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Json { line, column, message } => {
                write!(f, "model is not a valid Smithy JSON AST at line {line}, column {column}: {message}")
            }
            Error::Model { shape, problem } => write!(f, "shape {shape}: {problem}"),
            Error::Unsupported { shape, what } => write!(f, "shape {shape}: unsupported: {what}"),
            Error::NameCollision { scope, name, first, second } => {
                write!(f, "name collision in {scope}: {first} and {second} would both be named `{name}`")
            }
            Error::Render { file, message } => {
                write!(f, "generated file {file} is not valid Rust (a code generator bug): {message}")
            }
        }
    }
}

impl std::error::Error for Error {}
