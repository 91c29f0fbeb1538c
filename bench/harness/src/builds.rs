//! Build cost and whole-program cost of the two minimal programs (one
//! MeterUsage call each): crates in the dependency graph, clean debug and
//! release builds (wall and CPU), stripped binary size, and a run against the
//! loopback server (wall time and peak memory). Also the time
//! `cargo xtask codegen` takes once xtask is built.

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

fn crates(manifest: &Path) -> f64 {
    // Crates built for this machine: what a user's build compiles.
    let host = String::from_utf8(Command::new("rustc").arg("-vV").output().unwrap().stdout).unwrap();
    let host = host.lines().find_map(|l| l.strip_prefix("host: ")).unwrap_or("x86_64-unknown-linux-gnu").to_owned();
    let out = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--filter-platform", &host, "--manifest-path"])
        .arg(manifest)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("cargo metadata failed ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    v["resolve"]["nodes"].as_array().map(|n| n.len()).unwrap_or(0) as f64
}

/// Wall and CPU seconds of a clean build.
fn clean_build(manifest: &Path, release: bool) -> (f64, f64, PathBuf) {
    let name = manifest.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let target = std::env::temp_dir().join(format!("bench-build-{}-{name}-{}", std::process::id(), if release { "release" } else { "debug" }));
    let _ = std::fs::remove_dir_all(&target);
    let c0 = children_cpu();
    let start = Instant::now();
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--offline", "--quiet", "--manifest-path"]).arg(manifest).env("CARGO_TARGET_DIR", &target);
    if release {
        cmd.arg("--release");
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
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let wall = start.elapsed().as_secs_f64();
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

pub fn measure(url: &str) -> Vec<Row> {
    let root = root();
    let ours_manifest = root.join("bench/minimal-ours/Cargo.toml");
    let official_manifest = root.join("bench/minimal-official/Cargo.toml");
    let mut rows = Vec::new();
    rows.push(Row {
        what: "minimal program: crates in the dependency graph".into(),
        ours: crates(&ours_manifest),
        official: crates(&official_manifest),
        bare: None,
        unit: "",
        target: "≤ 0.5",
    });
    let (od, odc, _) = clean_build(&ours_manifest, false);
    let (fd, fdc, _) = clean_build(&official_manifest, false);
    rows.push(Row { what: "minimal program: clean debug build, wall".into(), ours: od, official: fd, bare: None, unit: "s", target: "" });
    rows.push(Row { what: "minimal program: clean debug build, CPU".into(), ours: odc, official: fdc, bare: None, unit: "s", target: "" });
    let (or, orc, ot) = clean_build(&ours_manifest, true);
    let (fr, frc, ft) = clean_build(&official_manifest, true);
    rows.push(Row { what: "minimal program: clean release build, wall".into(), ours: or, official: fr, bare: None, unit: "s", target: "≤ 0.35" });
    rows.push(Row { what: "minimal program: clean release build, CPU".into(), ours: orc, official: frc, bare: None, unit: "s", target: "" });
    let ours_bin = ot.join("release/minimal-ours");
    let official_bin = ft.join("release/minimal-official");
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    rows.push(Row { what: "minimal program: stripped binary size".into(), ours: size(&ours_bin), official: size(&official_bin), bare: None, unit: "MB", target: "≤ 0.5" });
    let runs = |bin: &Path| {
        let mut walls = Vec::new();
        let mut peak: f64 = 0.0;
        for _ in 0..7 {
            let (w, rss) = run(bin, url);
            walls.push(w);
            peak = peak.max(rss);
        }
        walls.sort_by(f64::total_cmp);
        (walls[walls.len() / 2] * 1000.0, peak / 1024.0)
    };
    let (ow, om) = runs(&ours_bin);
    let (fw, fm) = runs(&official_bin);
    rows.push(Row { what: "whole program (client, one call, exit): wall".into(), ours: ow, official: fw, bare: None, unit: "ms", target: "≤ 0.5" });
    rows.push(Row { what: "whole program: peak resident memory".into(), ours: om, official: fm, bare: None, unit: "MB", target: "≤ 0.5" });
    let _ = std::fs::remove_dir_all(ot);
    let _ = std::fs::remove_dir_all(ft);

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
    println!("cargo xtask codegen --check (release xtask, all three crates): {:.0} ms median of 5", times[2] * 1000.0);
    rows
}
