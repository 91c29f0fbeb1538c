//! `metering register-usage`: the entitlement check at container start
//! (RegisterUsage); with `--verify-with`, the answer's PS256 token must
//! verify with the key and carry this product and nonce.

use std::process::ExitCode;

use crate::output::print;
use crate::service::{self, failed, Common};

/// Check the entitlement at container start (RegisterUsage).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The product code.
    #[arg(long)]
    product_code: String,
    /// The public key version.
    #[arg(long, default_value_t = 1)]
    public_key_version: i32,
    /// A nonce to tie the signed answer to this call.
    #[arg(long)]
    nonce: Option<String>,
    /// Verify the answer's signature with this PEM public key.
    #[arg(long)]
    verify_with: Option<String>,
}

/// Runs `metering register-usage`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    let Args { product_code, public_key_version: version, nonce, verify_with } = args;
    let client = service::client(common).await;
    let mut call = client.register_usage().product_code(product_code.clone()).public_key_version(version);
    if let Some(n) = &nonce {
        call = call.nonce(n.clone());
    }
    let out = match call.send().await {
        Ok(out) => out,
        Err(e) => return failed("RegisterUsage", &e),
    };
    if let Some(path) = verify_with {
        let pem = match std::fs::read_to_string(&path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("metering: cannot read the public key {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let claims = match crate::jwt::verify(out.signature().unwrap_or(""), &pem) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("metering: the RegisterUsage answer is not to be trusted: {e}");
                return ExitCode::FAILURE;
            }
        };
        if claims["productCode"] != product_code.as_str() || nonce.as_deref().is_some_and(|n| claims["nonce"] != n) {
            eprintln!("metering: the signed answer is for another call (product {}, nonce {})", claims["productCode"], claims["nonce"]);
            return ExitCode::FAILURE;
        }
        eprintln!("metering: the signature verifies with {path}");
    }
    print(common.output, &out)
}
