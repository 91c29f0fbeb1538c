//! Printing an answer: `--output json` prints it as the API's JSON, `text`
//! as one `Member: value` line per member.

use std::process::ExitCode;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// One `Member: value` line per member.
    Text,
    /// The answer as JSON.
    Json,
}

/// Prints `value` in `output`'s format; success.
pub fn print<T: serde::Serialize>(output: Output, value: &T) -> ExitCode {
    let json = match serde_json::to_value(value) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("metering: the answer could not be printed: {e}");
            return ExitCode::FAILURE;
        }
    };
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default()),
        Output::Text => {
            if let serde_json::Value::Object(members) = &json {
                for (k, v) in members.iter().filter(|(_, v)| !v.is_null()) {
                    match v {
                        serde_json::Value::String(s) => println!("{k}: {s}"),
                        other => println!("{k}: {other}"),
                    }
                }
            }
        }
    }
    ExitCode::SUCCESS
}
