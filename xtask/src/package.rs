//! `cargo xtask package`: every published crate packaged as crates.io
//! would take it, then a user's install tried from those packages alone.
//!
//! The packages are unpacked into a clean folder outside the workspace;
//! `cargo install --locked --path <unpacked mpkit-cli>` builds the
//! `metering` command from them, with a `[patch.crates-io]` (given on the
//! command line) standing in for crates.io for our crates, so the build
//! sees what a user of the published crates would see: the packaged
//! sources and manifests, the packaged lock file, nothing of the workspace.
//! The command then runs `metering --version` and `metering demo`. The
//! SDK crates outside the command's graph (Catalog, Deployment) are
//! checked from their packages with every feature on, as docs.rs builds
//! them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates published to crates.io, dependencies first.
pub const PUBLISHED: [&str; 8] = [
    "mpkit-runtime",
    "mpkit-metering",
    "mpkit-entitlement",
    "mpkit-catalog",
    "mpkit-deployment",
    "mpkit-emulator",
    "mpkit-meter",
    "mpkit-cli",
];

/// The crates of the `metering` command's graph.
const COMMAND_GRAPH: [&str; 6] = ["mpkit-runtime", "mpkit-metering", "mpkit-entitlement", "mpkit-emulator", "mpkit-meter", "mpkit-cli"];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs `command`, failing with `what` and its output when it fails.
fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let out = command.output().map_err(|e| format!("{what}: cannot run: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{what} failed ({}):\n{stdout}{}", out.status, String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout)
}

/// The workspace's version of each published crate, from one `cargo metadata`.
fn versions(root: &Path) -> Result<Vec<(String, String)>, String> {
    let metadata = run(cargo().args(["metadata", "--no-deps", "--format-version", "1"]).current_dir(root), "cargo metadata")?;
    let metadata: serde_json::Value = serde_json::from_str(&metadata).map_err(|e| format!("cargo metadata: {e}"))?;
    let packages = metadata["packages"].as_array().ok_or("cargo metadata lists no packages")?;
    PUBLISHED
        .iter()
        .map(|name| {
            packages
                .iter()
                .find(|p| p["name"] == *name)
                .and_then(|p| p["version"].as_str())
                .map(|v| ((*name).to_owned(), v.to_owned()))
                .ok_or_else(|| format!("{name} is not a package of the workspace"))
        })
        .collect()
}

/// `--config` arguments patching crates.io's `crates` with the unpacked ones.
fn patches(crates: &Path, names: &[&str], versions: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, version) in versions.iter().filter(|(n, _)| names.contains(&n.as_str())) {
        let path = crates.join(format!("{name}-{version}"));
        out.push("--config".to_owned());
        out.push(format!("patch.crates-io.{name}.path={:?}", path.display().to_string()));
    }
    out
}

/// Packages, unpacks, installs and runs.
pub fn package_and_install(root: &Path) -> Result<(), String> {
    let versions = versions(root)?;
    // Verification (building each package) is the install below, which builds them all.
    let mut package = cargo();
    package.args(["package", "--no-verify", "--allow-dirty", "--quiet"]).current_dir(root);
    for p in PUBLISHED {
        package.args(["-p", p]);
    }
    run(&mut package, "cargo package")?;
    println!("packaged {}", PUBLISHED.join(", "));

    let clean = std::env::temp_dir().join(format!("mpkit-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&clean);
    let crates = clean.join("crates");
    std::fs::create_dir_all(&crates).map_err(|e| format!("cannot create {}: {e}", crates.display()))?;
    let result = install_from(root, &clean, &crates, &versions);
    let _ = std::fs::remove_dir_all(&clean);
    result
}

fn install_from(root: &Path, clean: &Path, crates: &Path, versions: &[(String, String)]) -> Result<(), String> {
    for (name, version) in versions {
        let file = root.join("target/package").join(format!("{name}-{version}.crate"));
        run(Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(crates), &format!("unpacking {}", file.display()))?;
        for needed in ["Cargo.toml", "README.md", "LICENSE", "CHANGELOG.md"] {
            if !crates.join(format!("{name}-{version}")).join(needed).is_file() {
                return Err(format!("the package of {name} has no {needed}"));
            }
        }
    }
    // A target folder of its own, kept between runs so that a second run is quick.
    let target: PathBuf = root.join("target/install-check");
    let cli_version = &versions.iter().find(|(n, _)| n == "mpkit-cli").ok_or("mpkit-cli is not packaged")?.1;
    let bin_root = clean.join("root");
    let mut install = cargo();
    install
        .args(["install", "--locked", "--debug", "--quiet", "--path"])
        .arg(crates.join(format!("mpkit-cli-{cli_version}")))
        .arg("--root")
        .arg(&bin_root)
        .args(patches(crates, &COMMAND_GRAPH, versions))
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(clean);
    run(&mut install, "cargo install --locked --path <packaged mpkit-cli>")?;
    let metering = bin_root.join("bin").join(format!("metering{}", std::env::consts::EXE_SUFFIX));
    let shown = run(Command::new(&metering).arg("--version").current_dir(clean), "metering --version")?;
    if shown.trim() != format!("metering {cli_version}") {
        return Err(format!("metering --version printed {shown:?}, not `metering {cli_version}`"));
    }
    println!("installed from the packages: {}", shown.trim());
    let demo = run(Command::new(&metering).arg("demo").current_dir(clean), "metering demo")?;
    println!("metering demo: exit 0, {} lines of output", demo.lines().count());

    // The SDK crates outside the command's graph, from their packages with every feature on.
    let lock = root.join("Cargo.lock");
    for name in ["mpkit-catalog", "mpkit-deployment"] {
        let version = &versions.iter().find(|(n, _)| n == name).ok_or("not packaged")?.1;
        let dir = crates.join(format!("{name}-{version}"));
        // The workspace's lock file pins the dependencies' versions as the workspace tested them.
        std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| format!("cannot copy the lock file: {e}"))?;
        let mut check = cargo();
        check
            .args(["check", "--quiet", "--all-features", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .args(patches(crates, &["mpkit-runtime"], versions))
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(clean);
        run(&mut check, &format!("cargo check --all-features of the packaged {name}"))?;
        println!("{name}: the package builds with every feature");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(root: &Path) -> serde_json::Value {
        let text = run(cargo().args(["metadata", "--format-version", "1", "--locked"]).current_dir(root), "cargo metadata").unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn rust_version(text: &str) -> Vec<u64> {
        text.split('.').map(|p| p.parse().unwrap()).collect()
    }

    /// The published crates are the workspace members that do not say `publish = false`.
    #[test]
    fn the_published_list_is_every_publishable_member_and_each_carries_its_metadata() {
        let root = crate::codegen::workspace_root();
        let m = metadata(&root);
        let members: Vec<&serde_json::Value> = m["packages"].as_array().unwrap().iter().filter(|p| p["source"].is_null()).collect();
        let mut publishable: Vec<&str> =
            members.iter().filter(|p| p["publish"].as_array().is_none_or(|r| !r.is_empty())).map(|p| p["name"].as_str().unwrap()).collect();
        publishable.sort();
        let mut listed = PUBLISHED.to_vec();
        listed.sort();
        assert_eq!(publishable, listed);
        for p in members.iter().filter(|p| PUBLISHED.contains(&p["name"].as_str().unwrap())) {
            let name = p["name"].as_str().unwrap();
            for field in ["description", "license", "readme", "documentation", "rust_version"] {
                assert!(p[field].as_str().is_some_and(|v| !v.is_empty()), "{name} has no {field}");
            }
            for field in ["keywords", "categories"] {
                assert!(p[field].as_array().is_some_and(|v| !v.is_empty()), "{name} has no {field}");
            }
            let dir = Path::new(p["manifest_path"].as_str().unwrap()).parent().unwrap().to_owned();
            for file in ["LICENSE", "README.md", "CHANGELOG.md"] {
                assert!(dir.join(file).is_file(), "{name} has no {file}");
            }
            // A dependency on another of our crates names its version beside its path.
            for d in p["dependencies"].as_array().unwrap() {
                if d["name"].as_str().unwrap().starts_with("mpkit-") && d["kind"].is_null() {
                    assert_ne!(d["req"], "*", "{name}'s dependency on {} has no version", d["name"]);
                }
            }
        }
    }

    /// What the crates say they need is what their locked dependencies need.
    #[test]
    fn every_published_crate_declares_a_rust_version_its_dependencies_allow() {
        let root = crate::codegen::workspace_root();
        let m = metadata(&root);
        let packages = m["packages"].as_array().unwrap();
        let by_id = |id: &str| packages.iter().find(|p| p["id"] == id).unwrap();
        let nodes = m["resolve"]["nodes"].as_array().unwrap();
        for name in PUBLISHED {
            let package = packages.iter().find(|p| p["name"] == name && p["source"].is_null()).unwrap();
            let declared = rust_version(package["rust_version"].as_str().unwrap());
            // The normal and build dependencies, transitively.
            let mut stack = vec![package["id"].as_str().unwrap().to_owned()];
            let mut seen = std::collections::BTreeSet::new();
            while let Some(id) = stack.pop() {
                if !seen.insert(id.clone()) {
                    continue;
                }
                let node = nodes.iter().find(|n| n["id"] == id.as_str()).unwrap();
                for dep in node["deps"].as_array().unwrap() {
                    let used = dep["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null() || k["kind"] == "build");
                    if used {
                        stack.push(dep["pkg"].as_str().unwrap().to_owned());
                    }
                }
                let dependency = by_id(&id);
                if let Some(needed) = dependency["rust_version"].as_str() {
                    assert!(
                        rust_version(needed) <= declared,
                        "{name} says rust-version {} but its dependency {} {} needs {needed}",
                        package["rust_version"],
                        dependency["name"],
                        dependency["version"]
                    );
                }
            }
        }
        // Generated crates say the runtime's version and Rust version.
        let runtime = packages.iter().find(|p| p["name"] == "mpkit-runtime").unwrap();
        assert_eq!(runtime["version"], codegen::emit::rt::VERSION);
        assert_eq!(runtime["rust_version"], codegen::emit::rt::RUST_VERSION);
    }
}
