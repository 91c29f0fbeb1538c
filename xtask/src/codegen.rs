//! `cargo xtask codegen`: writes the generated crates, or checks that the
//! committed ones are up to date. The generator itself returns files; this
//! module only compares and writes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Parsed command-line options.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Args {
    check: bool,
    model: Option<PathBuf>,
    out: Option<PathBuf>,
    package: Option<String>,
}

impl Args {
    /// Parses the options after `codegen`.
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut out = Args::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
            match a.as_str() {
                "--check" => out.check = true,
                "--model" => out.model = Some(value("--model")?.into()),
                "--out" => out.out = Some(value("--out")?.into()),
                "--package" => out.package = Some(value("--package")?),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        if out.model.is_some() != out.out.is_some() {
            return Err("--model and --out go together".into());
        }
        Ok(out)
    }
}

/// The workspace root (the folder holding xtask/).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

/// One crate to generate: a model, a destination and the generator options.
#[derive(Debug, Clone)]
pub struct Job {
    /// The model file.
    pub model: PathBuf,
    /// The crate folder.
    pub out: PathBuf,
    /// Generator options.
    pub options: codegen::Options,
    /// Refuse to write a changed public API without a version bump of the
    /// right size (every crate but the golden test crates).
    pub enforce_version: bool,
}

/// What `cargo xtask codegen` makes: the SDK crates of `codegen.toml`, one
/// golden crate in tests/golden/ per fixture model in tests/data/fixtures/,
/// and the golden variants of `tests/golden/variants.toml` (an SDK model
/// generated another way, such as in its other protocol, for tests).
pub fn default_jobs(root: &Path) -> Result<Vec<Job>, String> {
    let mut jobs = Vec::new();
    for c in crate::manifest::read(root)? {
        let out = root.join(&c.out);
        jobs.push(Job {
            model: root.join(&c.model),
            options: codegen::Options { publish: true, ..c.options(relative_path(&out, &root.join("runtime"))) },
            out,
            enforce_version: true,
        });
    }
    let variants = root.join("tests/golden/variants.toml");
    let text = std::fs::read_to_string(&variants).map_err(|e| format!("cannot read {}: {e}", variants.display()))?;
    for c in crate::manifest::parse(&text).map_err(|e| format!("{}: {e}", variants.display()))? {
        let out = root.join(&c.out);
        jobs.push(Job {
            model: root.join(&c.model),
            options: codegen::Options { protocol_tests: false, ..c.options(relative_path(&out, &root.join("runtime"))) },
            out,
            enforce_version: false,
        });
    }
    let fixtures = root.join("tests/data/fixtures");
    let mut models: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .map_err(|e| format!("cannot list {}: {e}", fixtures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    models.sort();
    for model in models {
        let stem = model.file_stem().and_then(|s| s.to_str()).ok_or("fixture file name is not UTF-8")?.to_owned();
        // A fixture with protocol test cases gets them as the golden crate's tests.
        let text = std::fs::read_to_string(&model).map_err(|e| format!("cannot read {}: {e}", model.display()))?;
        jobs.push(Job {
            out: root.join("tests/golden").join(&stem),
            options: codegen::Options {
                package: Some(format!("golden-{}", stem.replace('_', "-"))),
                runtime_path: "../../../runtime".to_owned(),
                protocol_tests: text.contains("\"smithy.test#"),
                ..codegen::Options::default()
            },
            enforce_version: false,
            model,
        });
    }
    Ok(jobs)
}

/// Generates a job's files, the Rust ones formatted as the project formats its code (`rustfmt.toml`), so that
/// `cargo fmt --check` holds for the committed crates as for the hand-written ones.
pub fn generate(job: &Job) -> Result<BTreeMap<String, String>, String> {
    let model = std::fs::read_to_string(&job.model).map_err(|e| format!("cannot read {}: {e}", job.model.display()))?;
    let (files, left_out) = codegen::generate_with_notes(&model, &job.options).map_err(|e| format!("{}: {e}", job.model.display()))?;
    for l in left_out {
        eprintln!("{}: left out {}: {}", job.model.display(), l.name, l.reason);
    }
    rustfmt(files)
}

/// `files` with every `.rs` file run through rustfmt with the workspace's configuration, in one rustfmt process.
fn rustfmt(mut files: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    let root = workspace_root();
    // One folder per call: generation may run on several threads of one process (the tests do).
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = root.join("target/xtask-rustfmt").join(format!("{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rust: Vec<String> = files.keys().filter(|k| k.ends_with(".rs")).cloned().collect();
    for name in &rust {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(&dir)).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, &files[name]).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if !rust.is_empty() {
        let out = std::process::Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
            .args(["--edition", "2021", "--config-path"])
            .arg(root.join("rustfmt.toml"))
            .args(rust.iter().map(|n| dir.join(n)))
            .output()
            .map_err(|e| format!("rustfmt could not run (rustup component add rustfmt): {e}"))?;
        if !out.status.success() {
            return Err(format!("rustfmt refused the generated code: {}", String::from_utf8_lossy(&out.stderr)));
        }
        for name in &rust {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.insert(name.clone(), text);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(files)
}

/// Generates, then writes or checks.
pub fn run(args: &Args) -> Result<(), String> {
    let root = workspace_root();
    let jobs = match (&args.model, &args.out) {
        (Some(model), Some(out)) => {
            let out_abs = if out.is_absolute() { out.clone() } else { std::env::current_dir().map_err(|e| e.to_string())?.join(out) };
            let options = codegen::Options {
                package: args.package.clone(),
                runtime_path: relative_path(&out_abs, &root.join("runtime")),
                command: format!("cargo xtask codegen --model {} --out {}", model.display(), out.display()),
                ..codegen::Options::default()
            };
            vec![Job { model: model.clone(), out: out_abs, options, enforce_version: true }]
        }
        _ => default_jobs(&root)?,
    };
    let mut stale_total = 0;
    for job in &jobs {
        stale_total += run_job(&root, job, args.check)?;
    }
    if stale_total > 0 {
        return Err(format!("{stale_total} generated file(s) are stale; run `cargo xtask codegen`"));
    }
    Ok(())
}

/// Generates one job's crate and writes it (refusing an API change the
/// version does not allow, adding the changelog's entry, linking the
/// licence of a published crate) or, with `check`, returns how many of its
/// files are stale, naming each on stderr.
pub fn run_job(root: &Path, job: &Job, check: bool) -> Result<usize, String> {
    let files = generate(job)?;
    let shown = job.out.strip_prefix(root).unwrap_or(&job.out).display().to_string();
    if check {
        let mut stale = stale_files(&job.out, &files)?;
        if job.enforce_version {
            stale.extend(stale_changelog(&job.out, &files)?);
        }
        if job.options.publish && !job.out.join("LICENSE").is_file() {
            stale.push("LICENSE (missing)".to_owned());
        }
        for s in &stale {
            eprintln!("stale: {shown}/{s}");
        }
        if stale.is_empty() {
            println!("{shown} is up to date ({} files)", files.len());
        }
        return Ok(stale.len());
    }
    let previous = if job.enforce_version { check_version(&job.out, &files)? } else { None };
    write_files(&job.out, &files)?;
    if job.enforce_version {
        write_changelog(&job.out, &files, previous)?;
    }
    if job.options.publish {
        link_license(root, &job.out)?;
    }
    println!("wrote {} files to {shown}", files.len());
    Ok(0)
}

/// Refuses to replace a crate whose public API changes when its version was
/// not raised enough: the snapshot on disk says what the API and version
/// were, the new one what they will be. A crate without a snapshot (new, or
/// from before snapshots) is written as it is.
///
/// Returns the previous version and what changed since, for the changelog.
pub fn check_version(out: &Path, files: &BTreeMap<String, String>) -> Result<Option<(String, Vec<codegen::api::Change>)>, String> {
    let path = out.join(codegen::api::SNAPSHOT_FILE);
    let Ok(old) = std::fs::read_to_string(&path) else { return Ok(None) };
    let old =
        codegen::api::snapshot::read(&old).map_err(|e| format!("{}: {e}; delete it to accept the new API as it is", path.display()))?;
    let new = new_snapshot(files)?;
    let changes = codegen::api::check_version(&old, &new).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(Some((old.version, changes)))
}

fn new_snapshot(files: &BTreeMap<String, String>) -> Result<codegen::api::Snapshot, String> {
    let new = files.get(codegen::api::SNAPSHOT_FILE).ok_or("the generator wrote no API snapshot")?;
    codegen::api::snapshot::read(new)
}

/// Gives a published crate the workspace's licence: a link to the one
/// file (Cargo packages the file it points at), or a copy where links
/// cannot be made.
fn link_license(root: &Path, out: &Path) -> Result<(), String> {
    let link = out.join("LICENSE");
    if link.is_file() {
        return Ok(());
    }
    let target = root.join("LICENSE");
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(relative_path(out, &target), &link);
    #[cfg(not(unix))]
    let made = std::fs::copy(&target, &link).map(drop);
    made.map_err(|e| format!("cannot link {} to the licence: {e}", link.display()))
}

/// Adds the entry of the version just written to the crate's changelog,
/// unless it has one: what changed since `previous`, or a first version.
fn write_changelog(
    out: &Path,
    files: &BTreeMap<String, String>,
    previous: Option<(String, Vec<codegen::api::Change>)>,
) -> Result<(), String> {
    use crate::changelog;
    let version = new_snapshot(files)?.version;
    let path = out.join(changelog::FILE);
    let existing = std::fs::read_to_string(&path).ok();
    if existing.as_deref().is_some_and(|text| changelog::has_entry(text, &version)) {
        return Ok(());
    }
    let previous = previous.as_ref().map(|(v, changes)| changelog::Previous { version: v, changes });
    let entry = changelog::entry(&version, &changelog::today(), previous);
    let text = changelog::with_entry(existing.as_deref(), &entry);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The changelog, when it has no entry for the version generated now.
fn stale_changelog(out: &Path, files: &BTreeMap<String, String>) -> Result<Option<String>, String> {
    use crate::changelog;
    let version = new_snapshot(files)?.version;
    Ok(match std::fs::read_to_string(out.join(changelog::FILE)) {
        Ok(text) if changelog::has_entry(&text, &version) => None,
        Ok(_) => Some(format!("{} (no entry for {version})", changelog::FILE)),
        Err(_) => Some(format!("{} (missing)", changelog::FILE)),
    })
}

/// Whether a file on disk holds `generated`: a checkout that turned LF into
/// CRLF (Git's `core.autocrlf` on Windows) holds the same text.
fn same_text(existing: &str, generated: &str) -> bool {
    existing == generated || (existing.contains("\r\n") && existing.replace("\r\n", "\n") == generated)
}

/// The files under `out` (src/ and Cargo.toml) that differ from `files`,
/// are missing, or should not be there.
pub fn stale_files(out: &Path, files: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let mut stale = Vec::new();
    for (path, contents) in files {
        match std::fs::read_to_string(out.join(path)) {
            Ok(existing) if same_text(&existing, contents) => {}
            Ok(_) => stale.push(format!("{path} (differs)")),
            Err(_) => stale.push(format!("{path} (missing)")),
        }
    }
    for existing in existing_files(out)? {
        if !files.contains_key(&existing) {
            stale.push(format!("{existing} (should not exist)"));
        }
    }
    Ok(stale)
}

/// Writes `files` under `out` and removes generated files the model no longer produces.
pub fn write_files(out: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    for existing in existing_files(out)? {
        if !files.contains_key(&existing) {
            std::fs::remove_file(out.join(&existing)).map_err(|e| format!("cannot remove {existing}: {e}"))?;
        }
    }
    for (path, contents) in files {
        let target = out.join(path);
        if std::fs::read_to_string(&target).is_ok_and(|existing| same_text(&existing, contents)) {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, contents).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    remove_empty_dirs(&out.join("src"));
    remove_empty_dirs(&out.join("examples"));
    remove_empty_dirs(&out.join("tests"));
    Ok(())
}

/// Generated files already on disk: Cargo.toml and everything under src/, examples/ and tests/.
fn existing_files(out: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for file in ["Cargo.toml", "README.md", codegen::api::SNAPSHOT_FILE] {
        if out.join(file).is_file() {
            found.push(file.to_owned());
        }
    }
    let mut stack = vec![out.join("src"), out.join("examples"), out.join("tests")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(out) {
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn remove_empty_dirs(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                remove_empty_dirs(&entry.path());
                let _ = std::fs::remove_dir(entry.path());
            }
        }
    }
}

/// A relative path from directory `from` to `to` (both absolute), with `/`.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options() {
        let a = |v: &[&str]| Args::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(a(&["--check"]).unwrap(), Args { check: true, ..Args::default() });
        assert!(a(&["--model", "m.json"]).is_err());
        assert!(a(&["--bogus"]).is_err());
        assert!(a(&["--out"]).is_err());
        let full = a(&["--model", "m.json", "--out", "d", "--package", "p"]).unwrap();
        assert_eq!(full.package.as_deref(), Some("p"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path(Path::new("/w/main/generated"), Path::new("/w/main/runtime")), "../runtime");
        assert_eq!(relative_path(Path::new("/tmp/x/y"), Path::new("/w/runtime")), "../../../w/runtime");
    }

    #[test]
    fn stale_detection_names_each_file() {
        let dir = std::env::temp_dir().join(format!("xtask-stale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut files = BTreeMap::new();
        files.insert("Cargo.toml".to_owned(), "a".to_owned());
        files.insert("src/lib.rs".to_owned(), "b".to_owned());
        write_files(&dir, &files).unwrap();
        assert!(stale_files(&dir, &files).unwrap().is_empty());
        std::fs::write(dir.join("src/lib.rs"), "changed").unwrap();
        std::fs::write(dir.join("src/extra.rs"), "x").unwrap();
        let stale = stale_files(&dir, &files).unwrap();
        assert_eq!(stale, ["src/lib.rs (differs)", "src/extra.rs (should not exist)"]);
        write_files(&dir, &files).unwrap();
        assert!(stale_files(&dir, &files).unwrap().is_empty(), "writing removes stale files");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Two versions of a crate through `cargo xtask codegen`: the first
    /// version's entry, then the second's with the removed operation under
    /// Breaking; a version without an entry is stale, and the licence of a
    /// published crate is linked.
    #[test]
    fn a_new_version_gets_its_changelog_entry_from_the_api_diff() {
        let root = workspace_root();
        let dir = std::env::temp_dir().join(format!("xtask-changelog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fixture = root.join("tests/data/fixtures/obstacle_course.json");
        let mut model: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
        let out = dir.join("crate");
        let job = |model: &Path, version: &str| Job {
            model: model.to_owned(),
            out: out.clone(),
            options: codegen::Options {
                package: Some("mpkit-obstacles".into()),
                version: version.into(),
                runtime_path: relative_path(&out, &root.join("runtime")),
                publish: true,
                ..codegen::Options::default()
            },
            enforce_version: true,
        };
        assert_eq!(run_job(&root, &job(&fixture, "0.1.0"), false).unwrap(), 0);
        let first = std::fs::read_to_string(out.join(crate::changelog::FILE)).unwrap();
        assert!(first.contains("First version.") && crate::changelog::has_entry(&first, "0.1.0"), "{first}");
        assert!(out.join("LICENSE").is_file(), "a published crate links the licence");
        assert_eq!(run_job(&root, &job(&fixture, "0.1.0"), true).unwrap(), 0, "fresh");

        // Remove the `Probe` operation from the service: a breaking change.
        let service = model["shapes"].as_object_mut().unwrap().values_mut().find(|s| s["type"] == "service").unwrap();
        service["operations"].as_array_mut().unwrap().retain(|o| o["target"] != "obstacle.course#Probe");
        let changed = dir.join("changed.json");
        std::fs::write(&changed, model.to_string()).unwrap();
        let refused = run_job(&root, &job(&changed, "0.1.1"), false).unwrap_err();
        assert!(refused.contains("needs version 0.2.0"), "{refused}");
        let stale_sources = count_stale_files(&out, &job(&changed, "0.2.0"));
        assert!(stale_sources > 0);
        assert_eq!(run_job(&root, &job(&changed, "0.2.0"), true).unwrap(), stale_sources + 1, "the files, and the changelog's entry");
        run_job(&root, &job(&changed, "0.2.0"), false).unwrap();
        let second = std::fs::read_to_string(out.join(crate::changelog::FILE)).unwrap();
        let new_entry = second.find("## [0.2.0]").expect("the new version's entry");
        assert!(new_entry < second.find("## [0.1.0]").unwrap(), "newest first:\n{second}");
        let breaking = &second[new_entry..second.find("## [0.1.0]").unwrap()];
        assert!(breaking.contains("### Breaking") && breaking.contains("probe"), "{breaking}");
        assert_eq!(run_job(&root, &job(&changed, "0.2.0"), true).unwrap(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The generated files (not the changelog) a job would rewrite.
    fn count_stale_files(out: &Path, job: &Job) -> usize {
        stale_files(out, &generate(job).unwrap()).unwrap().len()
    }

    #[test]
    fn a_crlf_checkout_is_not_stale() {
        let dir = std::env::temp_dir().join(format!("xtask-crlf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "//! A crate.\r\npub fn f() {}\r\n").unwrap();
        let files: BTreeMap<String, String> = [("src/lib.rs".to_owned(), "//! A crate.\npub fn f() {}\n".to_owned())].into();
        assert_eq!(stale_files(&dir, &files).unwrap(), Vec::<String>::new());
        std::fs::write(dir.join("src/lib.rs"), "//! Another.\r\n").unwrap();
        assert_eq!(stale_files(&dir, &files).unwrap(), ["src/lib.rs (differs)"]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
