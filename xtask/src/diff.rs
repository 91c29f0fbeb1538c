//! `cargo xtask diff OLD.json NEW.json`: what regenerating from NEW instead
//! of OLD does to the generated crate's public API, one line per change
//! with the shape and member, and the version bump it needs.

use std::path::{Path, PathBuf};

use crate::manifest::CrateEntry;

/// Parsed command-line options.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    old: PathBuf,
    new: PathBuf,
    json: bool,
    docs: bool,
    version: String,
    /// The generator options: the listed crate's, with `--package` over them.
    options: codegen::Options,
}

impl Args {
    /// Parses the options after `diff`.
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut models = Vec::new();
        let (mut json, mut docs, mut version, mut package) = (false, false, None, None);
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
                "--package" => package = Some(it.next().cloned().ok_or("--package needs a value")?),
                other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
                model => models.push(PathBuf::from(model)),
            }
        }
        let [old, new]: [PathBuf; 2] = models.try_into().map_err(|_| "diff takes two model files: OLD NEW".to_owned())?;
        // What is not given comes from the codegen.toml crate generated
        // from NEW (or else OLD): the versions being compared are its.
        let listed = listed_crate(&super::codegen::workspace_root(), &[&new, &old])?;
        let version = match (version, &listed) {
            (Some(v), _) => v,
            (None, Some(c)) => c.version.clone(),
            (None, None) => return Err("neither model is a crate of codegen.toml; say which version to bump from with --version".into()),
        };
        let mut options = listed.map(|c| c.options(codegen::Options::default().runtime_path)).unwrap_or_default();
        if package.is_some() {
            options.package = package;
        }
        Ok(Args { old, new, json, docs, version, options })
    }
}

/// The first crate of `root/codegen.toml` generated from one of `models`.
fn listed_crate(root: &Path, models: &[&PathBuf]) -> Result<Option<CrateEntry>, String> {
    let crates = crate::manifest::read(root)?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    Ok(models.iter().find_map(|m| crates.iter().find(|c| same(m, &root.join(&c.model))).cloned()))
}

/// Runs the diff and prints it.
pub fn run(args: &Args) -> Result<(), String> {
    let read = |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let changes = codegen::api::diff_models(&old, &new, &args.options).map_err(|e| e.to_string())?;
    let text = if args.json {
        codegen::api::report_json(&changes, &args.version)
    } else {
        codegen::api::report(&changes, &args.version, args.docs)
    };
    // A reader that stops early (`| head`) is not an error of the diff.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<Args, String> {
        Args::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_version_and_package_come_from_the_crate_generated_from_new() {
        let root = crate::codegen::workspace_root();
        let ours = root.join("model/marketplace-metering.json");
        let listed = crate::manifest::read(&root).unwrap().into_iter().find(|c| c.package == "mpkit-metering").unwrap();
        let args = parse(&["/nowhere/old.json", ours.to_str().unwrap()]).unwrap();
        assert_eq!((args.version.as_str(), args.options.package.as_deref()), (listed.version.as_str(), Some("mpkit-metering")));
        assert_eq!(args.options.default_features, listed.features);
        let given = parse(&["/nowhere/old.json", ours.to_str().unwrap(), "--version", "3.0.0", "--package", "p"]).unwrap();
        assert_eq!((given.version.as_str(), given.options.package.as_deref()), ("3.0.0", Some("p")));
    }

    #[test]
    fn models_of_no_listed_crate_need_a_version() {
        let err = parse(&["/nowhere/a.json", "/nowhere/b.json"]).unwrap_err();
        assert!(err.contains("--version"), "{err}");
        assert_eq!(parse(&["/nowhere/a.json", "/nowhere/b.json", "--version", "1.0.0"]).unwrap().options.package, None);
        assert!(parse(&["a.json"]).unwrap_err().contains("two model files"));
    }
}
