//! The files that make a generated crate a package: `Cargo.toml`, with the
//! metadata crates.io and docs.rs read, and `README.md`, the crate's page.
//!
//! `CHANGELOG.md` is not among them: it records what changed between
//! versions, which only `cargo xtask codegen` knows (it holds the previous
//! API snapshot), so it writes the entries.

use super::rt;
use crate::ir::Ir;
use crate::{naming, Options};

/// The keywords of a generated crate: crates.io allows five of at most 20
/// characters, letters, digits, `-` and `_`.
fn keywords(ir: &Ir) -> Vec<String> {
    let mut out = vec!["aws".to_owned(), "sdk".to_owned(), "smithy".to_owned()];
    let service = naming::service_slug(&ir.service.sdk_id);
    if !service.is_empty() && service.len() <= 20 && service.chars().all(|c| c.is_ascii_alphanumeric()) {
        out.push(service);
    }
    out
}

/// `Cargo.toml` of the generated crate.
pub fn cargo_toml(ir: &Ir, options: &Options) -> String {
    let title = ir.service.title.clone().unwrap_or_else(|| ir.service.sdk_id.clone());
    let name = options.package_name(ir);
    let quoted = |items: &[String]| items.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    let publish = if options.publish { String::new() } else { "publish = false\n".to_owned() };
    format!(
        "{header}\n[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\nrust-version = \"{rust_version}\"\n\
         description = \"A client for {title}, generated from its Smithy model\"\nlicense = \"Apache-2.0\"\n{publish}\
         readme = \"README.md\"\ndocumentation = \"https://docs.rs/{name}\"\nkeywords = [{keywords}]\n\
         categories = [\"api-bindings\", \"web-programming::http-client\"]\n\n\
         # docs.rs documents every feature's API.\n[package.metadata.docs.rs]\nall-features = true\n\n\
         [dependencies]\n{rt} = {{ version = \"{rt_version}\", path = \"{path}\"{rt_features} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"], optional = true }}\n\n\
         [features]\n{default}# Serialize and Deserialize, with the model's member names, on every type, input and output.\n\
         serde = [\"dep:serde\", \"{rt}/serde\"]\n# Test helpers of the runtime, such as a replaying HTTP client.\ntest-util = [\"{rt}/test-util\"]\n\
         # `Client::new(&aws_types::SdkConfig)`: the configuration aws-config loads for every AWS client.\naws-config = [\"{rt}/aws-config\"]\n\
         # `blocking::Client`, for programs without an async runtime.\nblocking = []\n\n\
         [dev-dependencies]\n# The examples' async main.\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n{extra}",
        header = options.header_comment("#"),
        version = options.version,
        rust_version = rt::RUST_VERSION,
        keywords = quoted(&keywords(ir)),
        rt = rt::PACKAGE,
        rt_version = rt::VERSION,
        path = options.runtime_path,
        default = if options.default_features.is_empty() {
            String::new()
        } else {
            format!("default = [{}]\n", quoted(&options.default_features))
        },
        rt_features = if ir.operations.iter().any(|o| o.compress_request) { ", features = [\"compression\"]" } else { "" },
        extra = if options.protocol_tests {
            format!(
                "# The protocol compliance tests.\nserde_json = \"1\"\n{rt} = {{ path = \"{path}\", features = [\"test-util\"] }}\n",
                rt = rt::PACKAGE,
                path = options.runtime_path
            )
        } else {
            String::new()
        },
    )
}

/// `README.md` of the generated crate: what it is, how to add it, how a
/// program written for the official crate ports, the features and the
/// Rust version.
pub fn readme(ir: &Ir, options: &Options) -> String {
    let title = ir.service.title.clone().unwrap_or_else(|| ir.service.sdk_id.clone());
    let name = options.package_name(ir);
    let lib = name.replace('-', "_");
    let official = naming::official_package(&ir.service.sdk_id);
    let official_lib = official.replace('-', "_");
    let features: String = crate::FEATURES
        .iter()
        .map(|f| {
            let (what, adds) = match *f {
                "serde" => ("`Serialize` and `Deserialize` on every input, output and type, with the model's member names", "serde"),
                "test-util" => ("the runtime's test helpers (a replaying HTTP client, canned responses)", "nothing"),
                "aws-config" => (
                    "`Config::from(&aws_types::SdkConfig)` for programs that load one configuration with aws-config",
                    "aws-types, aws-smithy-types",
                ),
                "blocking" => ("`blocking::Client`, the same calls for programs without an async runtime", "nothing"),
                _ => ("", "nothing"),
            };
            format!("| `{f}` | {what} | {adds} |\n")
        })
        .collect();
    let default = if options.default_features.is_empty() {
        "No feature is on by default.".to_owned()
    } else {
        format!("On by default: {}.", options.default_features.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "))
    };
    format!(
        "<!-- {header} -->\n\
         # {name}\n\n\
         A Rust client for {title}, generated from the service's Smithy model by the mpkit\n\
         generator, over [`{rt}`](https://docs.rs/{rt}) (signing, credentials, endpoints, retries,\n\
         transport).\n\n\
         ```sh\ncargo add {name}\n```\n\n\
         ```rust,ignore\nlet config = {lib}::config::load_from_env().await;\nlet client = {lib}::Client::new(&config);\n```\n\n\
         ## Porting from `{official}`\n\n\
         The API follows the official `{official}` crate's: a program ports by renaming the\n\
         dependency (`use {lib} as {official_lib};`, or the `use` lines). Both can sit in one dependency\n\
         graph.\n\n\
         ## Features\n\n\
         | feature | adds | dependencies it adds |\n|---|---|---|\n{features}\n{default} Without features the crate depends on\n\
         `{rt}` alone (and what it depends on).\n\n\
         ## Versions\n\n\
         Rust {rust_version} or later. Versions follow semantic versioning as Cargo reads it: before 1.0, a\n\
         minor version (0.x) may break the API, and a patch version adds to it or fixes it. The generator\n\
         refuses to write a changed API without the bump it needs; `CHANGELOG.md` lists each version's\n\
         changes, classed breaking, additive, behaviour and documentation.\n",
        header = options.header_comment(""),
        rt = rt::PACKAGE,
        rust_version = rt::RUST_VERSION,
    )
}
