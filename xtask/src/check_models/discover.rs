//! Finds the models under a folder and what protocol each speaks, without
//! running the generator: a model in a protocol the generator does not
//! speak is listed as skipped, with its protocols, not counted as a failure.

use std::path::{Path, PathBuf};

/// One model file found under the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The short name lines and crate folders use: the file's stem without
    /// its trailing `-YYYY-MM-DD` version (`kinesis-2013-12-02.json` is `kinesis`).
    pub name: String,
    /// The model file.
    pub path: PathBuf,
    /// The protocol traits the service shape carries (`aws.protocols#awsJson1_1`, ...).
    pub protocols: Vec<String>,
}

impl Found {
    /// Whether the generator speaks one of the model's protocols.
    pub fn supported(&self) -> bool {
        self.protocols.iter().any(|p| codegen::validate::SUPPORTED_PROTOCOLS.contains(&p.as_str()))
    }
}

/// Every `*.json` Smithy model under `dir` (recursively), sorted by name;
/// files that are not Smithy JSON AST models with a service shape are left out.
pub fn models(dir: &Path) -> Result<Vec<Found>, String> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let Some(protocols) = service_protocols(&text) else { continue };
        found.push(Found { name: short_name(&path), path, protocols });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    // Two versions of one service keep apart by their file stems.
    for i in 1..found.len() {
        if found[i].name == found[i - 1].name {
            let stem = |f: &Found| f.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let (a, b) = (stem(&found[i - 1]), stem(&found[i]));
            found[i - 1].name = a;
            found[i].name = b;
        }
    }
    Ok(found)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The protocol traits of the model's service shape; `None` when the text is
/// not a Smithy JSON AST with a service shape.
fn service_protocols(text: &str) -> Option<Vec<String>> {
    let model: serde_json::Value = serde_json::from_str(text).ok()?;
    let shapes = model.get("shapes")?.as_object()?;
    let service = shapes.values().find(|s| s.get("type").and_then(|t| t.as_str()) == Some("service"))?;
    let traits = service.get("traits").and_then(|t| t.as_object());
    Some(traits.into_iter().flat_map(|t| t.keys()).filter(|k| is_protocol(k)).cloned().collect())
}

/// A trait that names a protocol (the AWS protocols and Smithy's RPC v2 CBOR).
fn is_protocol(id: &str) -> bool {
    matches!(
        id,
        "aws.protocols#awsJson1_0"
            | "aws.protocols#awsJson1_1"
            | "aws.protocols#restJson1"
            | "aws.protocols#restXml"
            | "aws.protocols#awsQuery"
            | "aws.protocols#ec2Query"
            | "smithy.protocols#rpcv2Cbor"
    )
}

/// `dir/kinesis-2013-12-02.json` is `kinesis`; a stem without a date stays whole.
pub fn short_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let b = stem.as_bytes();
    let dated = b.len() > 11 && b[b.len() - 11] == b'-' && {
        let date = &stem[stem.len() - 10..];
        date.len() == 10 && date.bytes().enumerate().all(|(i, c)| if i == 4 || i == 7 { c == b'-' } else { c.is_ascii_digit() })
    };
    if dated {
        stem[..stem.len() - 11].to_owned()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_the_version_date() {
        assert_eq!(short_name(Path::new("a/kinesis/service/2013-12-02/kinesis-2013-12-02.json")), "kinesis");
        assert_eq!(short_name(Path::new("x/cloudwatch-logs-2014-03-28.json")), "cloudwatch-logs");
        assert_eq!(short_name(Path::new("x/marketplace-metering.json")), "marketplace-metering");
    }

    #[test]
    fn protocols_come_from_the_service_shape() {
        let text = r#"{"smithy":"2.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#restJson1":{},"smithy.api#title":"t"}}}}"#;
        assert_eq!(service_protocols(text), Some(vec!["aws.protocols#restJson1".to_owned()]));
        assert_eq!(service_protocols(r#"{"shapes":{}}"#), None);
        assert_eq!(service_protocols("not json"), None);
    }
}
