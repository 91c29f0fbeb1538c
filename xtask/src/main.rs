//! Project automation. `cargo xtask codegen [--check] [--model PATH --out DIR] [--package NAME]`.

use std::process::ExitCode;

use xtask::codegen;

const USAGE: &str = "usage: cargo xtask codegen [--check] [--model PATH --out DIR] [--package NAME]
       cargo xtask diff OLD.json NEW.json [--format text|json] [--docs] [--version X.Y.Z] [--package NAME]
       cargo xtask package
       cargo xtask check-models DIR [--only NAME,...] [--jobs N] [--out DIR] [--generate-only]
       cargo xtask bench [--quick] [--no-builds] [--emulator | --meter | --instructions | --endpoints | --entitlements | --catalog | --big-crates | --check-models]

  (no options)    regenerate each crate codegen.toml lists (generated/<crate>/ from model/),
                  and tests/golden/ from tests/data/fixtures/
  --check         change nothing; fail and name each stale file when a generated crate is out of date
                  (a CRLF checkout of the same text is not stale)
  --model PATH    generate from another Smithy JSON AST model
  --out DIR       write the crate into DIR (with --model)
  --package NAME  the generated package's name (default: from the model's sdkId)

  diff            what regenerating from NEW instead of OLD does to the generated crate's
                  public API: one line per change (breaking, additive, documentation; model
                  changes the API does not show as behaviour or unclassified) and
                  the version bump it needs from X.Y.Z (default: the version codegen.toml gives
                  the crate generated from NEW or OLD; --package likewise);
                  documentation-only changes are counted, and listed with --docs

  package         package every published crate (cargo package), unpack the packages into a clean
                  folder outside the workspace, install the `metering` command from them alone
                  (cargo install --locked --path, crates.io patched with the unpacked crates), run
                  `metering --version` and `metering demo`, and check the other SDK crates'
                  packages with every feature

  check-models    generate every Smithy model under DIR (each in its own process), compile the
                  crates together with their tests and examples under -D warnings, run each
                  crate's endpoint tests; one line per model and a total (--only: these models,
                  by file name without the date; --jobs: parallel jobs, default 2; --out: where
                  the crates go, default target/check-models); fails when any model fails

  bench           run bench/harness against the official SDK and print the table
                  (--quick: fewer calls; --no-builds: skip the clean-build measurements;
                  --emulator, --meter, --instructions, --endpoints, --big-crates: only the emulator's,
                  the durable meter's, the callgrind counts, endpoint resolution by rule set against
                  BDD, the KMS and SSM crates' size and build cost against the official ones, or
                  check-models over every model of ../shared/models/aws with its time)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => parsed_then_run(codegen::Args::parse(&args[1..]), |a| codegen::run(&a)),
        Some("diff") => outcome(xtask::diff::Args::parse(&args[1..]).and_then(|a| xtask::diff::run(&a))),
        // A generator process of check-models: its error is the model's line, so it goes out as it is.
        Some("check-models") if args.get(1).map(String::as_str) == Some("--generate-one") => xtask::check_models::generate_one(&args[2..])
            .map_or_else(
                |e| {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                },
                |()| ExitCode::SUCCESS,
            ),
        Some("package") if args.len() == 1 => outcome(xtask::package::package_and_install(&codegen::workspace_root())),
        Some("check-models") => parsed_then_run(xtask::check_models::Args::parse(&args[1..]), |a| xtask::check_models::run(&a)),
        Some("bench") => {
            let root = codegen::workspace_root();
            let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["run", "--release", "--quiet", "--manifest-path"])
                .arg(root.join("bench/harness/Cargo.toml"))
                .arg("--")
                .args(&args[1..])
                .status();
            match status {
                Ok(s) if s.success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("error: cannot run cargo: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Exit 0, or 1 with the error.
fn outcome(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Exit 2 with the usage when the options do not parse, else run them.
fn parsed_then_run<A>(parsed: Result<A, String>, run: impl FnOnce(A) -> Result<(), String>) -> ExitCode {
    match parsed {
        Ok(a) => outcome(run(a)),
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
