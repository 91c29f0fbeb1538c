//! Fails when a committed generated crate (generated/ or a golden crate in
//! tests/golden/) differs from what the generator makes of its model now.

use xtask::codegen::{default_jobs, generate, stale_files, workspace_root};

#[test]
fn every_generated_crate_matches_its_model() {
    let root = workspace_root();
    let jobs = default_jobs(&root).unwrap();
    assert!(jobs.len() >= 3, "the SDK crate and at least two golden crates");
    let mut stale = Vec::new();
    for job in &jobs {
        let files = generate(job).unwrap();
        for file in stale_files(&job.out, &files).unwrap() {
            stale.push(format!("{}/{file}", job.out.display()));
        }
    }
    assert!(stale.is_empty(), "stale generated files (run `cargo xtask codegen`):\n{}", stale.join("\n"));
}

#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    for job in default_jobs(&root).unwrap() {
        assert_eq!(generate(&job).unwrap(), generate(&job).unwrap(), "{}", job.model.display());
    }
}
