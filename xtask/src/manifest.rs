//! `codegen.toml`: the crates `cargo xtask codegen` generates, with the
//! model, folder, package name, version, default features and protocol of each.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(rename = "crate")]
    crates: Vec<CrateEntry>,
}

/// One `[[crate]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateEntry {
    /// The model file, from the workspace root.
    pub model: PathBuf,
    /// The crate folder, from the workspace root.
    pub out: PathBuf,
    /// The package name.
    pub package: String,
    /// The package version; raised when the public API changes.
    pub version: String,
    /// The crate's default features, each one of [`codegen::FEATURES`].
    #[serde(default)]
    pub features: Vec<String>,
    /// The protocol trait the client speaks when the service lists several
    /// (`aws.protocols#awsJson1_1`); by default the first the generator
    /// implements in AWS's order of preference.
    #[serde(default)]
    pub protocol: Option<String>,
}

impl CrateEntry {
    /// The generator options of this crate: its package, version and
    /// default features, with `runtime_path` from its folder to the runtime.
    pub fn options(&self, runtime_path: String) -> codegen::Options {
        codegen::Options {
            package: Some(self.package.clone()),
            version: self.version.clone(),
            default_features: self.features.clone(),
            protocol: self.protocol.clone(),
            runtime_path,
            ..codegen::Options::default()
        }
    }
}

/// The crates of `root/codegen.toml`.
pub fn read(root: &Path) -> Result<Vec<CrateEntry>, String> {
    let path = root.join("codegen.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a manifest; each version must be `MAJOR.MINOR.PATCH`.
pub fn parse(text: &str) -> Result<Vec<CrateEntry>, String> {
    let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
    for c in &manifest.crates {
        if codegen::api::parse_version(&c.version).is_none() {
            return Err(format!("crate {}: version `{}` is not MAJOR.MINOR.PATCH", c.package, c.version));
        }
        if let Some(p) = c.protocol.as_deref().filter(|p| !codegen::validate::SUPPORTED_PROTOCOLS.contains(p)) {
            return Err(format!(
                "crate {}: protocol `{p}` is not one the generator implements ({})",
                c.package,
                codegen::validate::SUPPORTED_PROTOCOLS.join(", ")
            ));
        }
        if let Some(f) = c.features.iter().find(|f| !codegen::FEATURES.contains(&f.as_str())) {
            return Err(format!(
                "crate {}: there is no feature `{f}`; a generated crate offers {}",
                c.package,
                codegen::FEATURES.join(", ")
            ));
        }
    }
    Ok(manifest.crates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_crates_and_refuses_what_it_does_not_know() {
        let crates = parse("[[crate]]\nmodel = \"m.json\"\nout = \"generated\"\npackage = \"p\"\nversion = \"1.2.3\"\n").unwrap();
        assert_eq!(crates[0].version, "1.2.3");
        assert!(parse("[[crate]]\nmodel = \"m\"\nout = \"o\"\npackage = \"p\"\nversion = \"1.2\"\n")
            .unwrap_err()
            .contains("MAJOR.MINOR.PATCH"));
        assert!(parse("[[crate]]\nmodel = \"m\"\nout = \"o\"\npackage = \"p\"\nversion = \"1.2.3\"\nfeaturez = []\n").is_err());
        let with = |features: &str| {
            parse(&format!("[[crate]]\nmodel = \"m\"\nout = \"o\"\npackage = \"p\"\nversion = \"1.2.3\"\nfeatures = {features}\n"))
        };
        assert_eq!(with("[\"serde\", \"blocking\"]").unwrap()[0].features, ["serde", "blocking"]);
        let protocol =
            |p: &str| parse(&format!("[[crate]]\nmodel = \"m\"\nout = \"o\"\npackage = \"p\"\nversion = \"1.2.3\"\nprotocol = \"{p}\"\n"));
        assert_eq!(protocol("aws.protocols#awsJson1_1").unwrap()[0].protocol.as_deref(), Some("aws.protocols#awsJson1_1"));
        let err = protocol("aws.protocols#restXml").unwrap_err();
        assert!(err.contains("protocol `aws.protocols#restXml` is not one the generator implements"), "{err}");
        let err = with("[\"tokio\"]").unwrap_err();
        assert!(err.contains("no feature `tokio`; a generated crate offers serde, test-util, aws-config, blocking"), "{err}");
    }

    #[test]
    fn the_workspace_manifest_reads() {
        let crates = read(&super::super::codegen::workspace_root()).unwrap();
        assert!(crates.iter().any(|c| c.package == "mpkit-metering"));
    }
}
