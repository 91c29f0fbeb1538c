//! `cargo xtask diff OLD.json NEW.json`: what regenerating from NEW instead
//! of OLD does to the generated crate's public API, one line per change
//! with the shape and member, and the version bump it needs.

use std::path::PathBuf;

/// Parsed command-line options.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    old: PathBuf,
    new: PathBuf,
    json: bool,
    docs: bool,
    version: String,
}

impl Args {
    /// Parses the options after `diff`.
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut models = Vec::new();
        let (mut json, mut docs, mut version) = (false, false, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--format" => match it.next().map(String::as_str) {
                    Some("json") => json = true,
                    Some("text") => json = false,
                    other => return Err(format!("--format takes `text` or `json`, not {other:?}")),
                },
                "--docs" => docs = true,
                "--version" => version = Some(it.next().cloned().ok_or("--version needs a value")?),
                other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
                model => models.push(PathBuf::from(model)),
            }
        }
        let [old, new]: [PathBuf; 2] = models.try_into().map_err(|_| "diff takes two model files: OLD NEW".to_owned())?;
        let version = match version {
            Some(v) => v,
            None => crate_version(&super::codegen::workspace_root().join("generated/Cargo.toml"))?,
        };
        Ok(Args { old, new, json, docs, version })
    }
}

/// The `version` of a generated crate's manifest.
pub fn crate_version(manifest: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(manifest).map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')))
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no version", manifest.display()))
}

/// Runs the diff and prints it.
pub fn run(args: &Args) -> Result<(), String> {
    let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let options = codegen::Options { package: Some("marketplacemetering".into()), ..codegen::Options::default() };
    let changes = codegen::api::diff_models(&old, &new, &options).map_err(|e| e.to_string())?;
    let text = if args.json {
        codegen::api::report_json(&changes, &args.version)
    } else {
        codegen::api::report(&changes, &args.version, args.docs)
    };
    // A reader that stops early (`| head`) is not an error of the diff.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(())
}
