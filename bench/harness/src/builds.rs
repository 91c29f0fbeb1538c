//! Build cost and whole-program cost of the two minimal programs (one
//! MeterUsage call each, both written as the official README writes its
//! example: tokio `full`, `#[tokio::main]`): crates in the dependency graph,
//! clean debug and release builds (wall and CPU; debug as a dependency from a
//! registry is built, see [`Profile`]), stripped binary size, and a run
//! against the loopback server (wall time and peak memory); then the same for
//! ours built as a user may choose, on tokio's current-thread runtime, whose
//! debug build is also measured as the path dependency it is here.
//! A run counts only when the program printed `ok`: a failed call is not a
//! fast one. Also the time `cargo xtask codegen` takes once xtask is built.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::Row;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn children_cpu() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_utime.tv_sec as f64 + usage.ru_utime.tv_usec as f64 / 1e6 + usage.ru_stime.tv_sec as f64 + usage.ru_stime.tv_usec as f64 / 1e6
}

fn crates(manifest: &Path, features: &[&str]) -> f64 {
    // Crates built for this machine: what a user's build compiles.
    let host = String::from_utf8(Command::new("rustc").arg("-vV").output().unwrap().stdout).unwrap();
    let host = host.lines().find_map(|l| l.strip_prefix("host: ")).unwrap_or("x86_64-unknown-linux-gnu").to_owned();
    let out = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--filter-platform", &host, "--manifest-path"])
        .arg(manifest)
        .args(features)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("cargo metadata failed ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    v["resolve"]["nodes"].as_array().map(|n| n.len()).unwrap_or(0) as f64
}

/// How a clean build is made.
#[derive(Clone, Copy, PartialEq)]
enum Profile {
    /// The dev profile as a user of either crate from a registry (or git)
    /// gets it: cargo compiles such dependencies without incremental
    /// compilation, and uses it only for path dependencies, which our crates
    /// are here only because the benchmark builds them from the work tree. So
    /// both programs are built with `CARGO_INCREMENTAL=0`; the official
    /// crates are unaffected, and each program's own one-file crate is
    /// affected alike.
    Debug,
    /// The dev profile with cargo's defaults, our crates being path
    /// dependencies and so compiled incrementally (the basis of the figures
    /// recorded before 2026-12-02).
    DebugAsPathDependency,
    Release,
}

/// Wall and CPU seconds of a clean build.
fn clean_build(manifest: &Path, features: &[&str], profile: Profile) -> (f64, f64, PathBuf) {
    let name = manifest.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let variant = if features.is_empty() { "" } else { "-features" };
    let suffix = match profile {
        Profile::Debug => "debug",
        Profile::DebugAsPathDependency => "debug-incremental",
        Profile::Release => "release",
    };
    let target = std::env::temp_dir().join(format!("bench-build-{}-{name}{variant}-{suffix}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    let c0 = children_cpu();
    let start = Instant::now();
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--offline", "--quiet", "--manifest-path"]).arg(manifest).args(features).env("CARGO_TARGET_DIR", &target);
    match profile {
        Profile::Debug => {
            cmd.env("CARGO_INCREMENTAL", "0");
        }
        Profile::DebugAsPathDependency => {
            cmd.env_remove("CARGO_INCREMENTAL");
        }
        Profile::Release => {
            cmd.arg("--release");
        }
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "build of {} failed", manifest.display());
    (start.elapsed().as_secs_f64(), children_cpu() - c0, target)
}

/// Wall seconds and peak resident kB of one run of `binary`.
fn run(binary: &Path, url: &str) -> (f64, f64) {
    use std::os::unix::process::CommandExt;
    let home = std::env::temp_dir();
    let start = Instant::now();
    let child = Command::new(binary)
        .env_clear()
        .env("HOME", &home)
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDBENCHMARK")
        .env("AWS_SECRET_ACCESS_KEY", "bench-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let wall = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "{} did not make its call (status {}, stdout {stdout:?}, stderr {:?}): its time does not count",
        binary.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // The program reports its own VmHWM: the rusage of a child also counts the
    // memory of the harness it was forked from.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak_kb = stderr
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    (wall, peak_kb)
}

/// Median wall milliseconds of seven runs, and the peak resident MB of any.
fn runs(bin: &Path, url: &str) -> (f64, f64) {
    let mut walls = Vec::new();
    let mut peak: f64 = 0.0;
    for _ in 0..7 {
        let (w, rss) = run(bin, url);
        walls.push(w);
        peak = peak.max(rss);
    }
    walls.sort_by(f64::total_cmp);
    (walls[walls.len() / 2] * 1000.0, peak / 1024.0)
}

fn size(p: &Path) -> f64 {
    std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)
}

pub fn measure(url: &str) -> Vec<Row> {
    let root = root();
    let ours_manifest = root.join("bench/minimal-ours/Cargo.toml");
    let official_manifest = root.join("bench/minimal-official/Cargo.toml");
    let current_thread: &[&str] = &["--no-default-features"];
    let mut rows = Vec::new();
    let row = |what: &str, ours: f64, official: f64, unit: &'static str, target: &'static str| Row {
        what: what.to_owned(),
        ours,
        official,
        bare: None,
        unit,
        target,
    };
    let official_crates = crates(&official_manifest, &[]);
    rows.push(row("minimal program: crates in the dependency graph", crates(&ours_manifest, &[]), official_crates, "", "≤ 0.5"));
    // The debug builds are measured only, their folders going at once: two
    // interleaved rounds of the three programs, each program's fastest wall
    // and lowest CPU kept, since a build's time swings by several seconds
    // with what else the machine's two cores are doing.
    let debug = |manifest: &Path, features: &[&str], profile: Profile| {
        let (wall, cpu, dir) = clean_build(manifest, features, profile);
        let _ = std::fs::remove_dir_all(dir);
        (wall, cpu)
    };
    let debug_round = || {
        [
            debug(&ours_manifest, &[], Profile::Debug),
            debug(&official_manifest, &[], Profile::Debug),
            debug(&ours_manifest, current_thread, Profile::Debug),
        ]
    };
    let (first, second) = (debug_round(), debug_round());
    let [(od, odc), (fd, fdc), (cd, cdc)] = [0, 1, 2].map(|i| (first[i].0.min(second[i].0), first[i].1.min(second[i].1)));
    rows.push(row("minimal program: clean debug build, wall", od, fd, "s", ""));
    rows.push(row("minimal program: clean debug build, CPU", odc, fdc, "s", ""));
    let (or, orc, ot) = clean_build(&ours_manifest, &[], Profile::Release);
    let (fr, frc, ft) = clean_build(&official_manifest, &[], Profile::Release);
    rows.push(row("minimal program: clean release build, wall", or, fr, "s", "≤ 0.35"));
    rows.push(row("minimal program: clean release build, CPU", orc, frc, "s", ""));
    let ours_bin = ot.join("release/minimal-ours");
    let official_bin = ft.join("release/minimal-official");
    rows.push(row("minimal program: stripped binary size", size(&ours_bin), size(&official_bin), "MB", "≤ 0.5"));
    let (ow, om) = runs(&ours_bin, url);
    let (fw, fm) = runs(&official_bin, url);
    rows.push(row("whole program (client, one call, exit): wall", ow, fw, "ms", "≤ 0.5"));
    rows.push(row("whole program: peak resident memory", om, fm, "MB", "≤ 0.5"));

    // Ours as a user may build it instead: current-thread runtime, tokio `rt` and `macros` only.
    let option = "minimal program, ours on the current-thread runtime";
    rows.push(row(&format!("{option}: crates in the dependency graph"), crates(&ours_manifest, current_thread), official_crates, "", ""));
    rows.push(row(&format!("{option}: clean debug build, wall"), cd, fd, "s", "≤ 0.34"));
    rows.push(row(&format!("{option}: clean debug build, CPU"), cdc, fdc, "s", ""));
    // The same built as a path dependency, incrementally: the basis of the
    // figures before 2026-12-02, so that they stay comparable.
    let (ci, cic) = debug(&ours_manifest, current_thread, Profile::DebugAsPathDependency);
    rows.push(row(&format!("{option}: clean debug build as a path dependency (incremental), wall"), ci, fd, "s", ""));
    rows.push(row(&format!("{option}: clean debug build as a path dependency (incremental), CPU"), cic, fdc, "s", ""));
    let (cr, _, ct) = clean_build(&ours_manifest, current_thread, Profile::Release);
    rows.push(row(&format!("{option}: clean release build, wall"), cr, fr, "s", ""));
    let ct_bin = ct.join("release/minimal-ours");
    rows.push(row(&format!("{option}: stripped binary size"), size(&ct_bin), size(&official_bin), "MB", ""));
    let (cw, cm) = runs(&ct_bin, url);
    rows.push(row(&format!("{option}: whole program wall"), cw, fw, "ms", ""));
    rows.push(row(&format!("{option}: peak resident memory"), cm, fm, "MB", ""));
    for dir in [ot, ft, ct] {
        let _ = std::fs::remove_dir_all(dir);
    }

    // Codegen: the built xtask binary regenerating (checking) every crate.
    let status = Command::new("cargo").args(["build", "--quiet", "--release", "-p", "xtask"]).current_dir(&root).status().unwrap();
    assert!(status.success());
    let xtask = root.join("target/release/xtask");
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let out = Command::new(&xtask).args(["codegen", "--check"]).current_dir(&root).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!("cargo xtask codegen --check (release xtask, every generated crate): {:.0} ms median of 5", times[2] * 1000.0);
    rows
}
