//! Compiles the generated crates as one Cargo workspace (one target folder,
//! so the runtime and its dependencies build once) and runs each crate's
//! endpoint tests. Cargo's JSON messages say which crate each error belongs
//! to, so one crate's failure is that crate's line, not the whole run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Writes `out/Cargo.toml`: a workspace of `members` (folder names under
/// `out/crates/`), without debug info or incremental state, which a
/// check of some hundred crates would fill the disk with.
pub fn write_workspace(out: &Path, members: &[String]) -> Result<(), String> {
    let list: Vec<String> = members.iter().map(|m| format!("  \"crates/{m}\",")).collect();
    let text = format!(
        "# Written by `cargo xtask check-models`: every crate it generated, compiled together.\n\
         [workspace]\nresolver = \"2\"\nmembers = [\n{}\n]\n\n\
         [profile.dev]\ndebug = 0\nincremental = false\n\n\
         [profile.dev.package.\"*\"]\ndebug = 0\n",
        list.join("\n")
    );
    let path = out.join("Cargo.toml");
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `cargo SUBCOMMAND ARGS` in the workspace, with JSON messages and `-D warnings`.
fn cargo(out: &Path, jobs: usize, subcommand: &[&str]) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(out)
        .env("CARGO_TARGET_DIR", out.join("target"))
        .env("RUSTFLAGS", "-D warnings")
        .args(subcommand)
        .args(["--message-format", "json", "--jobs"])
        .arg(jobs.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// What Cargo said about one crate.
#[derive(Debug, Default)]
pub struct Messages {
    /// Errors (warnings are errors under `-D warnings`), rendered as rustc renders them.
    pub errors: Vec<String>,
    /// The crate's unit-test executable, when one was built.
    pub test_executable: Option<PathBuf>,
}

/// Runs Cargo and sorts its JSON messages by the crate folder they are
/// about (the folder name under `crates/`), with Cargo's stderr and whether
/// the build ran to its end (Cargo's `build-finished` message, failing or not).
fn run_cargo(mut command: Command) -> Result<(BTreeMap<String, Messages>, String, bool), String> {
    let output = command.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut by_crate: BTreeMap<String, Messages> = BTreeMap::new();
    let mut finished = false;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if msg.get("reason").and_then(|r| r.as_str()) == Some("build-finished") {
            finished = true;
        }
        let Some(folder) = msg.get("manifest_path").and_then(|p| p.as_str()).and_then(crate_folder) else { continue };
        match msg.get("reason").and_then(|r| r.as_str()) {
            Some("compiler-message") => {
                let m = &msg["message"];
                if m.get("level").and_then(|l| l.as_str()) == Some("error") {
                    let text = m.get("rendered").and_then(|r| r.as_str()).unwrap_or("an error without text");
                    by_crate.entry(folder).or_default().errors.push(text.to_owned());
                }
            }
            Some("compiler-artifact") => {
                // The library's unit tests, where the endpoint tests are.
                let test = msg.pointer("/profile/test").and_then(|t| t.as_bool()) == Some(true);
                let lib = msg.pointer("/target/kind").and_then(|k| k.as_array()).is_some_and(|k| k.iter().any(|k| k == "lib"));
                if let (true, true, Some(exe)) = (test, lib, msg.get("executable").and_then(|e| e.as_str())) {
                    by_crate.entry(folder).or_default().test_executable = Some(PathBuf::from(exe));
                }
            }
            _ => {}
        }
    }
    Ok((by_crate, String::from_utf8_lossy(&output.stderr).into_owned(), finished))
}

/// `.../crates/<folder>/Cargo.toml` → `<folder>`.
fn crate_folder(manifest: &str) -> Option<String> {
    let p = Path::new(manifest);
    let folder = p.parent()?;
    (folder.parent()?.file_name()? == "crates").then(|| folder.file_name().map(|f| f.to_string_lossy().into_owned()))?
}

/// Builds every member's library, unit tests and test targets (the
/// examples among them, see [`examples_test`]) with `-D warnings`,
/// continuing past failing crates. Returns what Cargo said of each crate;
/// Cargo's own failure (not a crate's) is `Err` with its output.
pub fn build(out: &Path, jobs: usize) -> Result<BTreeMap<String, Messages>, String> {
    let c = cargo(out, jobs, &["build", "--workspace", "--lib", "--tests", "--keep-going"]);
    let (messages, stderr, finished) = run_cargo(c)?;
    if !finished {
        return Err(format!("cargo build did not run:\n{stderr}"));
    }
    Ok(messages)
}

/// The file that compiles a generated crate's examples (`files`, the
/// generated crate) as modules of one test target, with its path: a
/// service's hundreds of examples type-checked in one compiler run rather
/// than one each (as `cargo check --examples` would: hours over all of AWS's
/// models). The examples are the same files; only `main` goes unused, which
/// is allowed. It goes in with the generated files, so a rerun that changes
/// nothing rewrites nothing.
pub fn examples_test(files: &BTreeMap<String, String>) -> (String, String) {
    let mut text = String::from(
        "//! Written by `cargo xtask check-models`: every example of this crate, compiled as a module.\n#![allow(dead_code)]\n",
    );
    // The map's keys are sorted, so the modules are numbered the same every time.
    let examples = files.keys().filter_map(|k| k.strip_prefix("examples/")).filter(|e| e.ends_with(".rs"));
    for (i, e) in examples.enumerate() {
        text.push_str(&format!("#[path = \"../examples/{e}\"]\nmod example_{i};\n"));
    }
    ("tests/check_examples.rs".to_owned(), text)
}

/// A crate's endpoint test run: passed and failed counts, and the names of the failing cases.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TestRun {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// The failing tests' names.
    pub failures: Vec<String>,
    /// Passing cases that match only the partition table of the model's day (the runtime prints them).
    pub drift: usize,
}

/// Runs the `endpoint::tests` of one unit-test executable.
pub fn run_endpoint_tests(exe: &Path) -> Result<TestRun, String> {
    let output = Command::new(exe)
        .args(["endpoint::tests::", "--test-threads", "2", "--nocapture"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut run = TestRun::default();
    for line in stdout.lines() {
        if line.contains("partition drift: ") {
            run.drift += 1;
        }
        if let Some(name) = line.strip_prefix("test ").and_then(|l| l.strip_suffix(" ... FAILED")) {
            run.failures.push(name.to_owned());
        }
        if let Some(rest) = line.strip_prefix("test result: ") {
            let count = |word: &str| {
                rest.split(';').find_map(|part| part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(word))
            };
            run.passed = count(" passed").and_then(|n| n.trim().parse().ok()).unwrap_or(0);
            run.failed = count(" failed").and_then(|n| n.trim().parse().ok()).unwrap_or(0);
        }
    }
    if run.passed + run.failed == 0 && !output.status.success() {
        return Err(format!("{} failed without a test summary: {}", exe.display(), String::from_utf8_lossy(&output.stderr)));
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_belong_to_the_crate_folder() {
        assert_eq!(crate_folder("/t/check-models/crates/kinesis/Cargo.toml").as_deref(), Some("kinesis"));
        assert_eq!(crate_folder("/work/main/runtime/Cargo.toml"), None);
    }
}
