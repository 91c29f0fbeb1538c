//! Big generated crates beside the official ones, as users feel them: the
//! lines of Rust each crate is (Metering, KMS, SSM), and `cargo build` of
//! the crate alone, its dependencies already built, debug and release, for
//! KMS and SSM. Ours are generated from `../shared/models/aws/` (AWS's models
//! of 2025-04-02) by `cargo xtask check-models --generate-only`; the official
//! crates come from crates.io (the newest 1.x, whose models are a little
//! larger than ours of that day, which favours neither side by much).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::Row;

/// The services measured: our model's short name, our package, the official package.
const SERVICES: [(&str, &str, &str); 2] = [("kms", "kms", "aws-sdk-kms"), ("ssm", "ssm", "aws-sdk-ssm")];

fn rust_lines(dir: &Path) -> usize {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            total += rust_lines(&p);
        } else if p.extension().is_some_and(|x| x == "rs") {
            // Code lines: not blank, not a comment (documentation is most of a big model's text, and both crates carry it).
            let code = |t: String| t.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//")).count();
            total += std::fs::read_to_string(&p).map(code).unwrap_or(0);
        }
    }
    total
}

/// The `src/` of the official crate Cargo resolved for the project at `dir`.
fn official_src(dir: &Path, package: &str) -> Option<PathBuf> {
    let out =
        Command::new("cargo").args(["metadata", "--format-version", "1", "--manifest-path"]).arg(dir.join("Cargo.toml")).output().ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let manifest = v["packages"].as_array()?.iter().find(|p| p["name"] == package)?["manifest_path"].as_str()?.to_owned();
    Some(Path::new(&manifest).parent()?.join("src"))
}

/// A one-file library project depending on `dependency` (a Cargo.toml line).
fn project(dir: &Path, name: &str, dependency: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependency}\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
}

/// Seconds of wall time `cargo build -p package` takes with everything else built, the better of two.
fn crate_alone(dir: &Path, package: &str, release: bool) -> f64 {
    let cargo = |args: &[&str]| {
        let mut c = Command::new("cargo");
        c.args(args)
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_TARGET_DIR", dir.join("target"));
        if release {
            c.arg("--release");
        }
        c
    };
    assert!(cargo(&["build", "--quiet"]).status().unwrap().success(), "build of {} failed", dir.display());
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        assert!(cargo(&["clean", "--quiet", "-p", package]).status().unwrap().success());
        let start = Instant::now();
        assert!(cargo(&["build", "--quiet", "-p", package]).status().unwrap().success(), "build of {package} failed");
        best = best.min(start.elapsed().as_secs_f64());
    }
    best
}

/// The rows: lines of each crate, and the build times.
pub fn measure(root: &Path) -> Vec<Row> {
    let row = |what: String, ours: f64, official: f64, unit: &'static str, target: &'static str| Row {
        what,
        ours,
        official,
        bare: None,
        unit,
        target,
    };
    let mut rows = Vec::new();
    let metering_official = official_src(&root.join("bench/minimal-official"), "aws-sdk-marketplacemetering");
    if let Some(src) = metering_official {
        let ours = rust_lines(&root.join("generated/marketplacemetering/src"));
        rows.push(row("Marketplace Metering crate: code lines of Rust (src/)".into(), ours as f64, rust_lines(&src) as f64, "", "< 0.5"));
    }
    let work = root.join("target/bench-big");
    let models = root.join("../shared/models/aws");
    if !models.is_dir() {
        eprintln!("big crates: skipped, ../shared/models/aws is absent");
        return rows;
    }
    let only: Vec<&str> = SERVICES.iter().map(|s| s.0).collect();
    let status = Command::new("cargo")
        .args(["run", "--quiet", "--release", "-p", "xtask", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .args(["--", "check-models"])
        .arg(&models)
        .args(["--generate-only", "--only", &only.join(","), "--out"])
        .arg(&work)
        .status()
        .unwrap();
    assert!(status.success(), "generating the big crates failed");
    for (model, ours_pkg, official_pkg) in SERVICES {
        let ours_dir = work.join(format!("ours-{model}"));
        let official_dir = work.join(format!("official-{model}"));
        let crate_dir = work.join("crates").join(model);
        project(&ours_dir, &format!("big-ours-{model}"), &format!("{ours_pkg} = {{ path = \"{}\" }}", crate_dir.display()));
        project(&official_dir, &format!("big-official-{model}"), &format!("{official_pkg} = \"1\""));
        let up = model.to_uppercase();
        if let Some(src) = official_src(&official_dir, official_pkg) {
            rows.push(row(
                format!("{up} crate: code lines of Rust (src/)"),
                rust_lines(&crate_dir.join("src")) as f64,
                rust_lines(&src) as f64,
                "",
                "< 0.5",
            ));
        }
        for (release, label) in [(false, "debug"), (true, "release")] {
            let ours = crate_alone(&ours_dir, ours_pkg, release);
            let official = crate_alone(&official_dir, official_pkg, release);
            rows.push(row(format!("{up} crate alone, dependencies built: {label} build, wall"), ours, official, "s", "< 0.33"));
        }
    }
    rows
}

/// The Catalog crate (`generated/marketplacecatalog/`) beside the official
/// aws-sdk-marketplacecatalog: code lines, and `cargo build` of the crate
/// alone, its dependencies already built, debug and release.
pub fn catalog(root: &Path) -> Vec<Row> {
    let work = root.join("target/bench-big");
    let (ours_dir, official_dir) = (work.join("ours-catalog"), work.join("official-catalog"));
    let crate_dir = root.join("generated/marketplacecatalog");
    project(&ours_dir, "big-ours-catalog", &format!("mpkit-catalog = {{ path = \"{}\" }}", crate_dir.display()));
    project(
        &official_dir,
        "big-official-catalog",
        "aws-sdk-marketplacecatalog = { version = \"1\", features = [\"behavior-version-latest\"] }",
    );
    let row = |what: String, ours: f64, official: f64, unit: &'static str, target: &'static str| Row {
        what,
        ours,
        official,
        bare: None,
        unit,
        target,
    };
    let mut rows = Vec::new();
    if let Some(src) = official_src(&official_dir, "aws-sdk-marketplacecatalog") {
        rows.push(row(
            "Catalog crate: code lines of Rust (src/)".into(),
            rust_lines(&crate_dir.join("src")) as f64,
            rust_lines(&src) as f64,
            "",
            "< 0.5",
        ));
    }
    for (release, label) in [(false, "debug"), (true, "release")] {
        let ours = crate_alone(&ours_dir, "mpkit-catalog", release);
        let official = crate_alone(&official_dir, "aws-sdk-marketplacecatalog", release);
        rows.push(row(format!("Catalog crate alone, dependencies built: {label} build, wall"), ours, official, "s", "< 0.33"));
    }
    rows
}

/// `cargo xtask check-models` over all of `../shared/models/aws/`: its total line and wall time.
pub fn every_model(root: &Path) {
    let models = root.join("../shared/models/aws");
    if !models.is_dir() {
        println!("check-models: skipped, ../shared/models/aws is absent");
        return;
    }
    let start = Instant::now();
    let out = Command::new("cargo")
        .args(["run", "--quiet", "--release", "-p", "xtask", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .args(["--", "check-models"])
        .arg(&models)
        .args(["--out"])
        .arg(root.join("target/bench-check-models"))
        .output()
        .unwrap();
    let wall = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let total = text.lines().find(|l| l.starts_with("total:")).unwrap_or("no total line: the run failed");
    println!("\nEvery AWS model (cargo xtask check-models ../shared/models/aws), {wall:.0} s wall:\n\n{total}");
    for failed in text.lines().filter(|l| l.starts_with("FAIL")) {
        println!("{failed}");
    }
}
