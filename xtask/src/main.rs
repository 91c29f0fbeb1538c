//! Project automation. `cargo xtask codegen [--check] [--model PATH --out DIR] [--package NAME]`.

use std::process::ExitCode;

use xtask::codegen;

const USAGE: &str = "usage: cargo xtask codegen [--check] [--model PATH --out DIR] [--package NAME]

  (no options)    regenerate generated/ from model/, and tests/golden/ from tests/data/fixtures/
  --check         change nothing; fail and name each stale file when generated/ is out of date
  --model PATH    generate from another Smithy JSON AST model
  --out DIR       write the crate into DIR (with --model)
  --package NAME  the generated package's name (default: from the model's sdkId)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => match codegen::Args::parse(&args[1..]) {
            Ok(a) => match codegen::run(&a) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("error: {e}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
