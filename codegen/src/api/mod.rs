//! What a model change does to the generated crate's public API, for the
//! people who regenerate it: `cargo xtask diff OLD NEW` and the version
//! check of `cargo xtask codegen`.
//!
//! Both models go through the whole pipeline; `surface.rs` reads the API
//! from the emitted files (so it is exactly what users compile against)
//! and adds what signatures do not show (required members, constraints,
//! wire values, endpoint parameters); [`diff`] compares two [`Surface`]s
//! and classifies each change; [`report`] prints them, one line per
//! change, or [`report_json`] as JSON for tools.

mod diff;
mod model_diff;
pub mod snapshot;
mod surface;
#[cfg(test)]
mod tests;
mod tokens;

pub use diff::{diff, Bump, Change, Class};
pub use snapshot::Snapshot;
pub use surface::{Item, Kind, Surface};

use crate::{Error, Options};

/// The file, at a generated crate's root, that records its public API.
pub const SNAPSHOT_FILE: &str = "public-api.txt";

/// The snapshot of the crate generated from `model_json`, given its files and IR.
pub(crate) fn snapshot_of(
    model_json: &str,
    files: &std::collections::BTreeMap<String, String>,
    ir: &crate::ir::Ir,
    options: &Options,
) -> Result<String, Error> {
    let surface = surface::surface(files, ir).map_err(|message| Error::Render { file: SNAPSHOT_FILE.into(), message })?;
    Ok(snapshot::write(&Snapshot {
        version: options.version.clone(),
        // A checkout that turned LF into CRLF holds the same model.
        model_digest: snapshot::digest(&model_json.replace("\r\n", "\n")),
        surface: snapshot::as_recorded(&surface),
    }))
}

/// `MAJOR.MINOR.PATCH` as numbers.
pub fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// The changes from `old` to `new`, or why `new`'s version is too small
/// for them: a change of the public API needs at least the bump
/// [`Bump::of`] says (documentation alone a patch), and versions never go
/// down.
pub fn check_version(old: &Snapshot, new: &Snapshot) -> Result<Vec<Change>, String> {
    // Every generated crate has Cargo features, so a snapshot without any
    // was written before snapshots recorded them: they are not new to users.
    let recorded_features = old.surface.items.values().any(|i| i.kind == surface::Kind::Feature);
    let mut new_surface = new.surface.clone();
    if !recorded_features {
        new_surface.items.retain(|_, i| i.kind != surface::Kind::Feature);
    }
    let changes = diff(&old.surface, &new_surface);
    let (Some(was), Some(now)) = (parse_version(&old.version), parse_version(&new.version)) else {
        return Err(format!("versions must be MAJOR.MINOR.PATCH (recorded {}, now {})", old.version, new.version));
    };
    if now < was {
        return Err(format!("the version goes down from {} to {}", old.version, new.version));
    }
    let bump = Bump::of(&changes);
    let needed = bump.next_version(&old.version).and_then(|v| parse_version(&v)).unwrap_or(was);
    if bump != Bump::None && now < needed {
        let (a, b, c) = needed;
        return Err(format!(
            "the public API changed since version {} and needs version {a}.{b}.{c} or later, but the version is still {}; \
             raise it in codegen.toml. The changes:\n{}",
            old.version,
            new.version,
            report(&changes, &old.version, false)
        ));
    }
    Ok(changes)
}
/// The API surface of the crate `options` generates from `model_json`.
pub fn surface_of(model_json: &str, options: &Options) -> Result<Surface, Error> {
    let (ir, files) = crate::pipeline(model_json, options)?;
    surface::surface(&files, &ir).map_err(|message| Error::Render { file: "(the API surface)".into(), message })
}

/// The changes from the crate generated from `old` to the one from `new`.
/// Beside the API changes, the model changes the API does not show (see `model_diff.rs`).
pub fn diff_models(old: &str, new: &str, options: &Options) -> Result<Vec<Change>, Error> {
    let mut changes = diff(&surface_of(old, options)?, &surface_of(new, options)?);
    let more = model_diff::unexplained(old, new, &changes).map_err(|e| Error::Json { line: 0, column: 0, message: e })?;
    changes.extend(more);
    changes.sort_by(|a, b| b.class.cmp(&a.class).then_with(|| a.item.cmp(&b.item)));
    Ok(changes)
}

/// The changes as text: one line per change, then the bump they imply
/// for a crate now at `version`. Documentation-only changes are counted,
/// and listed only with `list_docs` (a model whose docs were rewritten
/// would otherwise bury the changes that matter).
pub fn report(changes: &[Change], version: &str, list_docs: bool) -> String {
    let mut out = String::new();
    for c in changes.iter().filter(|c| list_docs || c.class != Class::Documentation) {
        out.push_str(&c.to_string());
        out.push('\n');
    }
    let count = |class: Class| changes.iter().filter(|c| c.class == class).count();
    let bump = Bump::of(changes);
    let unclassified = match count(Class::Unclassified) {
        0 => String::new(),
        n => format!("{n} unclassified (review them), "),
    };
    out.push_str(&format!(
        "{} breaking, {unclassified}{} additive, {} behaviour, {} documentation: {}",
        count(Class::Breaking),
        count(Class::Additive),
        count(Class::Behaviour),
        count(Class::Documentation),
        match (bump, bump.next_version(version)) {
            (Bump::None, _) => "the public API is unchanged".to_owned(),
            (b, Some(next)) => format!("a {} version bump ({version} → {next} at least)", b.as_str()),
            (b, None) => format!("a {} version bump", b.as_str()),
        }
    ));
    out.push('\n');
    out
}

/// The changes as JSON: `{"bump": .., "next_version": .., "changes": [{"class", "item", "source", "what"}]}`.
pub fn report_json(changes: &[Change], version: &str) -> String {
    let bump = Bump::of(changes);
    let list: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| serde_json::json!({ "class": c.class.as_str(), "item": c.item, "source": c.source, "what": c.what }))
        .collect();
    let doc = serde_json::json!({
        "bump": bump.as_str(),
        "version": version,
        "next_version": bump.next_version(version),
        "changes": list,
    });
    serde_json::to_string_pretty(&doc).expect("a JSON value serialises") + "\n"
}
