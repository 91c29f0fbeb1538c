//! `cargo xtask check-models DIR`: the generator against every model under
//! a folder (such as all of AWS's models of one day). Each model is
//! generated in a process of its own (so one model's crash is its own line,
//! and its peak memory is measured), the crates are compiled together with
//! their tests and examples under `-D warnings` (the examples as modules of
//! one test target per crate, see `build::examples_test`), and each crate's
//! `smithy.rules#endpointTests` run. One line per model, then a total; the
//! exit status is failure when any model in a protocol the generator speaks
//! fails to generate, compile or pass its endpoint tests.

mod build;
mod discover;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use discover::{short_name, Found};

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The folder holding the models.
    pub dir: PathBuf,
    /// Only these models (short names), when given.
    pub only: Vec<String>,
    /// Parallel jobs (generator processes, Cargo's `--jobs`).
    pub jobs: usize,
    /// Where the crates and their target folder go.
    pub out: Option<PathBuf>,
    /// Generate only: no compile, no tests.
    pub generate_only: bool,
}

impl Args {
    /// Parses the options after `check-models`.
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut dir = None;
        let mut out = Args { dir: PathBuf::new(), only: Vec::new(), jobs: 2, out: None, generate_only: false };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
            match a.as_str() {
                "--only" => out.only.extend(value("--only")?.split(',').filter(|s| !s.is_empty()).map(str::to_owned)),
                "--jobs" => out.jobs = value("--jobs")?.parse().ok().filter(|n| *n > 0).ok_or("--jobs needs a positive number")?,
                "--out" => out.out = Some(value("--out")?.into()),
                "--generate-only" => out.generate_only = true,
                other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
                other if dir.is_none() => dir = Some(PathBuf::from(other)),
                other => return Err(format!("one folder of models, not also `{other}`")),
            }
        }
        out.dir = dir.ok_or("check-models needs the folder of models")?;
        Ok(out)
    }
}

/// What happened to one model.
#[derive(Debug, Default)]
struct Outcome {
    /// Generation: time, lines of Rust, the generator's peak memory (KiB, where the OS says).
    generated: Option<Generated>,
    /// Why it did not generate, or did not compile, or failed tests.
    failure: Option<String>,
    /// The endpoint tests.
    tests: Option<build::TestRun>,
    /// Operations left out (event streams), with why.
    left_out: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Generated {
    time: Duration,
    lines: usize,
    peak_kib: Option<u64>,
}

/// Runs the whole check and prints its lines; `Err` when any supported model fails.
pub fn run(args: &Args) -> Result<(), String> {
    let root = crate::codegen::workspace_root();
    let out = args.out.clone().unwrap_or_else(|| root.join("target/check-models"));
    std::fs::create_dir_all(out.join("crates")).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    // Cargo and the generator processes run elsewhere: every path they get is absolute.
    let out = out.canonicalize().map_err(|e| format!("cannot resolve {}: {e}", out.display()))?;
    let crates_dir = out.join("crates");
    let mut models = discover::models(&args.dir)?;
    if !args.only.is_empty() {
        for name in &args.only {
            if !models.iter().any(|m| &m.name == name) {
                return Err(format!("no model named {name} under {}", args.dir.display()));
            }
        }
        models.retain(|m| args.only.contains(&m.name));
    }
    let (supported, skipped): (Vec<Found>, Vec<Found>) = models.into_iter().partition(Found::supported);
    let started = Instant::now();
    let outcomes = generate_all(&supported, &crates_dir, &root.join("runtime"), args.jobs);
    let generation = started.elapsed();
    let mut outcomes: BTreeMap<String, Outcome> = supported.iter().map(|m| m.name.clone()).zip(outcomes).collect();

    let mut compile_time = Duration::ZERO;
    if !args.generate_only {
        let started = Instant::now();
        compile_and_test(&out, args.jobs, &mut outcomes)?;
        compile_time = started.elapsed();
    }

    for m in &skipped {
        let names: Vec<&str> = m.protocols.iter().map(|p| p.rsplit('#').next().unwrap_or(p)).collect();
        let what = if names.is_empty() { "no protocol".to_owned() } else { names.join(", ") };
        println!("skip  {:<32} {what}: a protocol the generator does not speak yet", m.name);
    }
    let mut failed = 0;
    let (mut passed_tests, mut failed_tests, mut drift, mut lines, mut left_out_total) = (0, 0, 0, 0, 0);
    let mut largest: Option<(String, Generated)> = None;
    for (name, o) in &outcomes {
        let gen = o.generated.map_or(String::new(), |g| {
            lines += g.lines;
            if largest.as_ref().is_none_or(|(_, l)| g.lines > l.lines) {
                largest = Some((name.clone(), g));
            }
            format!("{:>7.2} s {:>8} lines", g.time.as_secs_f64(), g.lines)
        });
        let tests = o.tests.as_ref().map_or(String::new(), |t| {
            passed_tests += t.passed;
            failed_tests += t.failed;
            drift += t.drift;
            let drift = if t.drift > 0 { format!(" ({} of an older partition table)", t.drift) } else { String::new() };
            format!("  endpoint tests {}/{}{drift}", t.passed, t.passed + t.failed)
        });
        let left_out = if o.left_out.is_empty() {
            String::new()
        } else {
            left_out_total += o.left_out.len();
            format!("\n      left out: {}", o.left_out.join("\n      left out: "))
        };
        match &o.failure {
            None => println!("ok    {name:<32} {gen}{tests}{left_out}"),
            Some(why) => {
                failed += 1;
                println!("FAIL  {name:<32} {gen}{tests}{left_out}\n      {}", why.replace('\n', "\n      "));
            }
        }
    }
    let peak =
        largest.as_ref().and_then(|(n, g)| g.peak_kib.map(|k| format!(", peak memory {:.0} MiB on the largest ({n})", k as f64 / 1024.0)));
    println!(
        "total: {} models, {} in protocols generated ({} ok, {failed} failed), {} skipped; {lines} lines generated in {:.1} s{}; \
         event-stream operations left out: {left_out_total}; compile and endpoint tests {:.1} s: endpoint tests {passed_tests} passed \
         ({drift} of them match an older partition table), {failed_tests} failed",
        outcomes.len() + skipped.len(),
        outcomes.len(),
        outcomes.len() - failed,
        skipped.len(),
        generation.as_secs_f64(),
        peak.unwrap_or_default(),
        compile_time.as_secs_f64(),
    );
    if failed > 0 {
        return Err(format!("{failed} model(s) failed"));
    }
    Ok(())
}

/// Generates each model into `crates_dir/<name>/` with `jobs` generator processes at a time.
fn generate_all(models: &[Found], crates_dir: &Path, runtime: &Path, jobs: usize) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..models.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(models.len()).max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(m) = models.get(i) else { break };
                let outcome = generate_in_child(&m.path, &crates_dir.join(&m.name), runtime);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(Option::unwrap_or_default).collect()
}

/// Runs `xtask check-models --generate-one` for one model and reads its report.
fn generate_in_child(model: &Path, out: &Path, runtime: &Path) -> Outcome {
    let started = Instant::now();
    let exe = std::env::current_exe();
    let result = exe.and_then(|exe| {
        std::process::Command::new(exe).arg("check-models").arg("--generate-one").arg(model).arg(out).arg(runtime).output()
    });
    let time = started.elapsed();
    match result {
        Err(e) => Outcome { failure: Some(format!("generate: cannot start the generator: {e}")), ..Outcome::default() },
        Ok(o) if !o.status.success() => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let why = if stderr.trim().is_empty() { format!("the generator exited with {}", o.status) } else { stderr.trim().to_owned() };
            Outcome { failure: Some(format!("generate: {why}")), ..Outcome::default() }
        }
        Ok(o) => {
            let report = String::from_utf8_lossy(&o.stdout);
            let field = |k: &str| report.split_whitespace().find_map(|w| w.strip_prefix(k)).map(str::to_owned);
            Outcome {
                generated: Some(Generated {
                    time,
                    lines: field("lines=").and_then(|n| n.parse().ok()).unwrap_or(0),
                    peak_kib: field("peak_kib=").and_then(|n| n.parse().ok()),
                }),
                left_out: report.lines().filter_map(|l| l.strip_prefix("left_out=")).map(|l| l.replacen(' ', ": ", 1)).collect(),
                ..Outcome::default()
            }
        }
    }
}

/// The child's side: generates MODEL into OUT against RUNTIME and prints
/// `lines=N peak_kib=N` (the last where /proc says it), then a
/// `left_out=NAME reason` line per operation left out.
pub fn generate_one(args: &[String]) -> Result<(), String> {
    let [model, out, runtime] = args else { return Err("--generate-one MODEL OUT RUNTIME".into()) };
    let text = std::fs::read_to_string(model).map_err(|e| format!("cannot read {model}: {e}"))?;
    let options = codegen::Options {
        runtime_path: runtime.clone(),
        command: format!("cargo xtask check-models (from {})", short_name(Path::new(model))),
        ..codegen::Options::default()
    };
    let (mut files, left_out) = codegen::generate_with_notes(&text, &options).map_err(|e| e.to_string())?;
    let lines: usize = files.iter().filter(|(k, _)| k.ends_with(".rs")).map(|(_, v)| v.lines().count()).sum();
    let (path, text) = build::examples_test(&files);
    files.insert(path, text);
    crate::codegen::write_files(Path::new(out), &files)?;
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().trim_end_matches("kB").trim().to_owned())));
    println!("lines={lines} peak_kib={}", peak.unwrap_or_default());
    for l in left_out {
        println!("left_out={} {}", l.name, l.reason);
    }
    Ok(())
}

/// Compiles the generated crates together and runs their endpoint tests, filling in each outcome.
fn compile_and_test(out: &Path, jobs: usize, outcomes: &mut BTreeMap<String, Outcome>) -> Result<(), String> {
    let members: Vec<String> = outcomes.iter().filter(|(_, o)| o.generated.is_some()).map(|(n, _)| n.clone()).collect();
    build::write_workspace(out, &members)?;
    if members.is_empty() {
        return Ok(());
    }
    let built = build::build(out, jobs)?;
    for name in &members {
        let o = outcomes.get_mut(name).expect("a member has an outcome");
        let messages = built.get(name);
        if let Some(first) = messages.and_then(|m| m.errors.first()) {
            let count = messages.map_or(0, |m| m.errors.len());
            o.failure = Some(format!("compile: {count} error(s); the first:\n{}", first.trim_end()));
            continue;
        }
        let Some(exe) = messages.and_then(|m| m.test_executable.as_ref()) else {
            o.failure = Some("compile: Cargo built no unit-test executable and reported no error".into());
            continue;
        };
        match build::run_endpoint_tests(exe) {
            Ok(run) => {
                if run.failed > 0 {
                    o.failure = Some(format!("endpoint tests failed: {}", run.failures.join(", ")));
                }
                o.tests = Some(run);
            }
            Err(e) => o.failure = Some(e),
        }
    }
    Ok(())
}
