//! `public-api.txt`: a generated crate's public API, its version and its
//! model's digest, written beside its sources so that the next regeneration
//! can tell what changed without the old model, and so that a reviewer sees
//! API changes as lines of a diff.
//!
//! One item a line, tab-separated: kind, key, signature, `non_exhaustive`,
//! deprecation note, a digest of the docs, and the model source. Tabs,
//! newlines and backslashes inside fields are escaped.

use std::collections::BTreeMap;

use super::surface::{Item, Kind, Surface};

const FILE_HEADER: &str = "# The public API of this crate as `cargo xtask codegen` generated it. The generator reads it back
# to refuse an API change without a version bump of the right size (`cargo xtask diff` explains
# the classes). Generated: do not edit.
";

/// What a snapshot records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The crate version it was generated with.
    pub version: String,
    /// A digest of the model it was generated from.
    pub model_digest: String,
    /// The API.
    pub surface: Surface,
}

/// A 64-bit FNV-1a digest in hex: enough to tell two texts apart, which is
/// all a snapshot needs (it is not a security boundary).
pub fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

const KINDS: [(Kind, &str); 13] = [
    (Kind::Module, "module"),
    (Kind::Struct, "struct"),
    (Kind::Field, "field"),
    (Kind::Enum, "enum"),
    (Kind::Variant, "variant"),
    (Kind::Function, "fn"),
    (Kind::TraitImpl, "impl"),
    (Kind::Other, "other"),
    (Kind::Required, "required"),
    (Kind::Constraint, "constraint"),
    (Kind::WireValue, "wire"),
    (Kind::EndpointParameter, "endpoint"),
    (Kind::Feature, "feature"),
];

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The snapshot text.
pub fn write(snapshot: &Snapshot) -> String {
    let mut out = String::from(FILE_HEADER);
    out.push_str(&format!("version\t{}\nmodel\t{}\n", snapshot.version, snapshot.model_digest));
    for (key, item) in &snapshot.surface.items {
        let kind = KINDS.iter().find(|(k, _)| *k == item.kind).map_or("other", |(_, n)| n);
        let docs = if item.docs.is_empty() { String::new() } else { digest(&item.docs) };
        let fields = [
            kind.to_owned(),
            escape(key),
            escape(&item.signature),
            if item.non_exhaustive { "non_exhaustive".into() } else { String::new() },
            escape(item.deprecated.as_deref().unwrap_or("")),
            docs,
            escape(item.source.as_deref().unwrap_or("")),
        ];
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

/// Reads a snapshot back. Documentation is kept as its digest, which is
/// what comparing two snapshots needs.
pub fn read(text: &str) -> Result<Snapshot, String> {
    let mut version = None;
    let mut model_digest = None;
    let mut items = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["version", v] => version = Some((*v).to_owned()),
            ["model", d] => model_digest = Some((*d).to_owned()),
            [kind, key, signature, non_exhaustive, deprecated, docs, source] => {
                let kind = KINDS
                    .iter()
                    .find(|(_, name)| name == kind)
                    .map(|(k, _)| *k)
                    .ok_or_else(|| format!("line {}: unknown kind `{kind}`", n + 1))?;
                let item = Item {
                    kind,
                    signature: unescape(signature),
                    deprecated: (!deprecated.is_empty()).then(|| unescape(deprecated)),
                    docs: (*docs).to_owned(),
                    non_exhaustive: *non_exhaustive == "non_exhaustive",
                    source: (!source.is_empty()).then(|| unescape(source)),
                };
                items.insert(unescape(key), item);
            }
            _ => return Err(format!("line {}: expected 7 tab-separated fields", n + 1)),
        }
    }
    Ok(Snapshot {
        version: version.ok_or("no `version` line")?,
        model_digest: model_digest.ok_or("no `model` line")?,
        surface: Surface { items },
    })
}

/// A surface as a snapshot keeps it: documentation reduced to its digest.
pub fn as_recorded(surface: &Surface) -> Surface {
    let mut out = surface.clone();
    for item in out.items.values_mut() {
        if !item.docs.is_empty() {
            item.docs = digest(&item.docs);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_reads_back_as_written() {
        let mut items = BTreeMap::new();
        items.insert(
            "types::X::f".to_owned(),
            Item {
                kind: Kind::Function,
                signature: "fn f(&self) -> Option<&str>".into(),
                deprecated: Some("Use g.\tNow".into()),
                docs: "Docs\nover lines.".into(),
                non_exhaustive: false,
                source: Some("X$F".into()),
            },
        );
        items.insert(
            "types::E".to_owned(),
            Item {
                kind: Kind::Enum,
                signature: "enum E".into(),
                deprecated: None,
                docs: String::new(),
                non_exhaustive: true,
                source: None,
            },
        );
        let surface = Surface { items };
        let snap = Snapshot { version: "0.3.1".into(), model_digest: digest("model"), surface: surface.clone() };
        let back = read(&write(&snap)).unwrap();
        assert_eq!(back.version, "0.3.1");
        assert_eq!(back.model_digest, snap.model_digest);
        assert_eq!(back.surface, as_recorded(&surface));
        assert!(read("version\t1\n").unwrap_err().contains("model"));
        assert!(read("version\t1\nmodel\tx\nfn\tonly three\tfields\n").unwrap_err().contains("line 3"));
    }
}
