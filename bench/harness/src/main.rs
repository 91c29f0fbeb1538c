//! Benchmarks this project's Marketplace Metering crate against the official
//! `aws-sdk-marketplacemetering` (and a bare hyper + aws-sigv4 client) in one
//! run, and prints one table with the ratio ours / official.
//!
//! `--quick` runs fewer calls; `--no-builds` skips the clean-build
//! measurements, which take minutes, and the emulator's figures;
//! `--no-instructions` skips the callgrind counts; `--emulator`,
//! `--meter`, `--instructions`, `--endpoints`, `--catalog` (the Catalog API, restJson1), `--entitlements` (GetEntitlements
//! in RPC v2 CBOR and awsJson1_1), `--big-crates` and
//! `--check-models` (the generator over every AWS model) run only those figures. `--profile NAME`
//! and `--serve` are the pieces `instructions.rs` runs under callgrind.

mod agent;
mod alloc;
mod big_crates;
mod builds;
mod catalog;
mod clients;
mod cpu;
mod emulator;
mod endpoints;
mod entitlements;
mod instructions;
mod meter;
mod server;

use std::future::Future;
use std::time::Instant;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// One line of the table.
struct Row {
    what: String,
    ours: f64,
    official: f64,
    bare: Option<f64>,
    unit: &'static str,
    target: &'static str,
}

/// CPU µs, allocations and bytes per call of `n` calls of `f`, after a warm-up.
fn per_call<F, Fut>(rt: &tokio::runtime::Runtime, n: u64, mut f: F) -> (f64, f64, f64)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    rt.block_on(async {
        for _ in 0..(n / 10).max(50) {
            f().await;
        }
        let (a0, b0) = alloc::snapshot();
        let c0 = cpu::process();
        for _ in 0..n {
            f().await;
        }
        let c1 = cpu::process();
        let (a1, b1) = alloc::snapshot();
        ((c1 - c0) * 1e6 / n as f64, (a1 - a0) as f64 / n as f64, (b1 - b0) as f64 / n as f64)
    })
}

/// What `over_loopback` measures of one client and workload.
struct Loopback {
    calls_per_second: f64,
    client_cpu_us: f64,
    server_cpu_us: f64,
    /// User and system µs per call of the thread that ran the calls, when
    /// one thread ran them all (the sequential runs on the current-thread runtime).
    split_us: Option<(f64, f64)>,
}

impl Loopback {
    /// The better of two runs of the same workload, measure by measure: the
    /// higher rate, the lower client CPU (with the thread split of that run).
    fn best_with(&self, other: &Loopback) -> Loopback {
        let lower_cpu = if self.client_cpu_us <= other.client_cpu_us { self } else { other };
        Loopback {
            calls_per_second: self.calls_per_second.max(other.calls_per_second),
            client_cpu_us: lower_cpu.client_cpu_us,
            server_cpu_us: lower_cpu.server_cpu_us,
            split_us: lower_cpu.split_us,
        }
    }
}

/// Calls per second and client CPU µs per call of `n` calls split over
/// `tasks` concurrent tasks, the server's CPU taken out.
fn over_loopback<F, Fut>(rt: &tokio::runtime::Runtime, server: &server::Server, n: u64, tasks: u64, f: F) -> Loopback
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        for _ in 0..200 {
            f().await;
        }
        let s0 = server.cpu();
        let c0 = cpu::process();
        let t0 = cpu::thread_split();
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let f = f.clone();
            handles.push(tokio::spawn(async move {
                for _ in 0..n / tasks {
                    f().await;
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let wall = start.elapsed().as_secs_f64();
        let t1 = cpu::thread_split();
        let calls = (n / tasks * tasks) as f64;
        let server_cpu = server.cpu() - s0;
        let client_cpu = cpu::process() - c0 - server_cpu;
        let single_thread = rt.metrics().num_workers() == 1 && tasks == 1;
        Loopback {
            calls_per_second: calls / wall,
            client_cpu_us: client_cpu * 1e6 / calls,
            server_cpu_us: server_cpu * 1e6 / calls,
            split_us: single_thread.then(|| ((t1.0 - t0.0) * 1e6 / calls, (t1.1 - t0.1) * 1e6 / calls)),
        }
    })
}

/// The number of calls of a `--profile` run: `PROFILE_CALLS`, else 1,000.
fn profile_calls() -> u64 {
    std::env::var("PROFILE_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

type Call = std::sync::Arc<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The call a workload of `instructions::WORKLOADS` makes, with its client
/// made for `url` (no network when `None`).
fn workload_call(name: &str, url: Option<&str>) -> Call {
    let batch = name.contains("-batch");
    let body = if batch { server::batch_response() } else { server::METER_RESPONSE.to_owned() };
    match name.split('-').next() {
        Some("ours") => {
            let c = clients::ours(url, &body);
            std::sync::Arc::new(move || {
                let c = c.clone();
                Box::pin(async move {
                    if batch {
                        clients::ours_batch(&c).await
                    } else {
                        clients::ours_meter(&c).await
                    }
                })
            })
        }
        Some("official") => {
            let c = clients::official(url, &body);
            std::sync::Arc::new(move || {
                let c = c.clone();
                Box::pin(async move {
                    if batch {
                        clients::official_batch(&c).await
                    } else {
                        clients::official_meter(&c).await
                    }
                })
            })
        }
        _ => {
            let b = clients::Bare::new(url.expect("the bare client needs a server"));
            std::sync::Arc::new(move || {
                let b = b.clone();
                Box::pin(async move {
                    if batch {
                        b.batch().await
                    } else {
                        b.meter().await
                    }
                })
            })
        }
    }
}

/// `--profile NAME`: `PROFILE_CALLS` calls of one workload after a fixed
/// warm-up, for callgrind (see `instructions.rs`).
fn profile(name: &str) {
    let calls = profile_calls();
    let tasks: u64 = if name.ends_with("-64") { 64 } else { 1 };
    let no_network = name.ends_with("-meter") || name.ends_with("-batch");
    let server = (!no_network).then(instructions::ChildServer::start);
    let rt = if tasks == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
    };
    rt.block_on(async {
        let call = workload_call(name, server.as_ref().map(|s| s.url.as_str()));
        // The warm-up is the same in every run, so it cancels out of the difference.
        drive(&call, tasks * 2, tasks).await;
        drive(&call, calls, tasks).await;
    });
    drop(server);
}

/// `calls` calls of `call`, split over `tasks` concurrent tasks.
async fn drive(call: &Call, calls: u64, tasks: u64) {
    if tasks == 1 {
        for _ in 0..calls {
            call().await;
        }
        return;
    }
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..calls / tasks {
                    call().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

/// `--serve`: a loopback server for a profiled client in the parent
/// process; prints its URL and runs until its stdin closes.
fn serve() {
    let server = server::Server::start();
    println!("{}", server.url());
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let name = args.get(i + 1).map(String::as_str).unwrap_or("");
        if entitlements::WORKLOADS.contains(&name) {
            entitlements::profile(name, profile_calls());
            return;
        }
        if catalog::WORKLOADS.contains(&name) {
            catalog::profile(name, profile_calls());
            return;
        }
        if endpoints::WORKLOADS.contains(&name) {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
            endpoints::profile(&root, name, profile_calls());
            return;
        }
        if !instructions::WORKLOADS.contains(&name) {
            eprintln!("--profile takes one of: {}", instructions::WORKLOADS.join(", "));
            std::process::exit(2);
        }
        profile(name);
        return;
    }
    if args.iter().any(|a| a == "--serve") {
        serve();
        return;
    }
    if args.iter().any(|a| a == "--meter") {
        // Only the durable meter's figures.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        print_meter(&meter::measure(&root));
        return;
    }
    if args.iter().any(|a| a == "--emulator") {
        // Only the emulator's figures.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        print_emulator(&emulator::measure(&root));
        return;
    }
    if args.iter().any(|a| a == "--check-models") {
        // Only the generator over every AWS model.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        big_crates::every_model(&root);
        return;
    }
    if args.iter().any(|a| a == "--big-crates") {
        // Only the big crates' size and build cost (KMS, SSM).
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        print_table(&big_crates::measure(&root), 0.0);
        return;
    }
    if args.iter().any(|a| a == "--entitlements") {
        entitlements::print(args.iter().any(|a| a == "--quick"));
        return;
    }
    if args.iter().any(|a| a == "--catalog") {
        catalog::print(args.iter().any(|a| a == "--quick"));
        if !args.iter().any(|a| a == "--no-builds") {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
            println!();
            print_table(&big_crates::catalog(&root), 0.0);
        }
        return;
    }
    if args.iter().any(|a| a == "--endpoints") {
        // Only the endpoint resolution figures.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        endpoints::print(&root, args.iter().any(|a| a == "--quick"));
        return;
    }
    if args.iter().any(|a| a == "--instructions") {
        // Only the instruction counts.
        print_instructions(args.iter().any(|a| a == "--quick"));
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let builds = !args.iter().any(|a| a == "--no-builds");
    let scale = if quick { 1 } else { 5 };
    let mut rows = Vec::new();

    let single = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let multi = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let server = server::Server::start();
    let url = server.url();

    // Pure client cost: an HTTP client that answers at once.
    let meter = server::METER_RESPONSE;
    let batch = server::batch_response();
    let (o, ofc) = single.block_on(async { (clients::ours(None, meter), clients::official(None, meter)) });
    let n = 4000 * scale;
    let ours_pure = per_call(&single, n, || clients::ours_meter(&o));
    let official_pure = per_call(&single, n, || clients::official_meter(&ofc));
    let ours_pure2 = per_call(&single, n, || clients::ours_meter(&o));
    let official_pure2 = per_call(&single, n, || clients::official_meter(&ofc));
    let best = |a: (f64, f64, f64), b: (f64, f64, f64)| if a.0 <= b.0 { a } else { b };
    let (ours_pure, official_pure) = (best(ours_pure, ours_pure2), best(official_pure, official_pure2));
    rows.push(Row {
        what: "MeterUsage, no network: CPU per call".into(),
        ours: ours_pure.0,
        official: official_pure.0,
        bare: None,
        unit: "µs",
        target: "≤ 0.25",
    });
    rows.push(Row {
        what: "MeterUsage, no network: allocations per call".into(),
        ours: ours_pure.1,
        official: official_pure.1,
        bare: None,
        unit: "",
        target: "≤ 0.25",
    });
    rows.push(Row {
        what: "MeterUsage, no network: bytes allocated per call".into(),
        ours: ours_pure.2,
        official: official_pure.2,
        bare: None,
        unit: "B",
        target: "",
    });
    let (ob, ofb) = single.block_on(async { (clients::ours(None, &batch), clients::official(None, &batch)) });
    let nb = 500 * scale;
    // Best of two interleaved runs for each client, as for MeterUsage above.
    let ours_batch = per_call(&single, nb, || clients::ours_batch(&ob));
    let official_batch = per_call(&single, nb, || clients::official_batch(&ofb));
    let ours_batch2 = per_call(&single, nb, || clients::ours_batch(&ob));
    let official_batch2 = per_call(&single, nb, || clients::official_batch(&ofb));
    let (ours_batch, official_batch) = (best(ours_batch, ours_batch2), best(official_batch, official_batch2));
    rows.push(Row {
        what: "BatchMeterUsage ×25, no network: CPU per call".into(),
        ours: ours_batch.0,
        official: official_batch.0,
        bare: None,
        unit: "µs",
        target: "≤ 0.25",
    });
    rows.push(Row {
        what: "BatchMeterUsage ×25, no network: allocations per call".into(),
        ours: ours_batch.1,
        official: official_batch.1,
        bare: None,
        unit: "",
        target: "≤ 0.25",
    });

    // Over loopback: each workload with the three clients, sequential on the
    // current-thread runtime, 64 concurrent tasks on two worker threads.
    let mut server_cpu = 0.0;
    let mut splits = Vec::new();
    for (what, suffix, n, (rate_target, cpu_target)) in [
        ("MeterUsage over loopback, sequential", "meter-seq", 2000, ("≥ 1.5", "≤ 0.5")),
        ("MeterUsage over loopback, 64 concurrent", "meter-64", 6400, ("≥ 1.5", "≤ 0.5; ≤ 1.1 × bare")),
        ("BatchMeterUsage ×25 over loopback, sequential", "batch-seq", 400, ("≥ 2", "≤ 0.4; ≤ 1.2 × bare")),
        ("BatchMeterUsage ×25 over loopback, 64 concurrent", "batch-64", 1280, ("≥ 2", "≤ 0.4; ≤ 1.2 × bare")),
    ] {
        let (rt, tasks) = if suffix.ends_with("-64") { (&multi, 64) } else { (&single, 1) };
        let calls =
            ["ours", "official", "bare"].map(|client| rt.block_on(async { workload_call(&format!("{client}-{suffix}"), Some(&url)) }));
        let round = || calls.clone().map(|call| over_loopback(rt, &server, n * scale, tasks, move || call()));
        // Two interleaved rounds, each client's best of its two runs: these
        // rows swing with what else the machine's two cores are doing.
        let (first, second) = (round(), round());
        let [ours, official, bare] = [0, 1, 2].map(|i| first[i].best_with(&second[i]));
        if suffix == "meter-seq" {
            server_cpu = (ours.server_cpu_us + official.server_cpu_us + bare.server_cpu_us) / 3.0;
        }
        if let (Some(o), Some(f), Some(b)) = (ours.split_us, official.split_us, bare.split_us) {
            splits.push((what, [o, f, b]));
        }
        rows.push(Row {
            what: format!("{what}: calls per second"),
            ours: ours.calls_per_second,
            official: official.calls_per_second,
            bare: Some(bare.calls_per_second),
            unit: "/s",
            target: rate_target,
        });
        rows.push(Row {
            what: format!("{what}: client CPU per call"),
            ours: ours.client_cpu_us,
            official: official.client_cpu_us,
            bare: Some(bare.client_cpu_us),
            unit: "µs",
            target: cpu_target,
        });
    }

    if builds {
        rows.extend(builds::measure(&url));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        rows.extend(big_crates::measure(&root));
    }

    print_table(&rows, server_cpu);
    print_splits(&splits);
    if !args.iter().any(|a| a == "--no-instructions") {
        print_instructions(quick);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        endpoints::print(&root, quick);
    }
    if builds {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
        print_emulator(&emulator::measure(&root));
        print_meter(&meter::measure(&root));
    }
}

fn print_meter(figures: &[emulator::Figure]) {
    println!("\nThe durable meter (release `metering record` and `flush`, against the release emulator):\n");
    println!("| measure | figure | target |");
    println!("| --- | ---: | --- |");
    for emulator::Figure(what, figure, target) in figures {
        println!("| {what} | {figure} | {target} |");
    }
}

fn print_emulator(figures: &[emulator::Figure]) {
    println!("\nThe emulator (release `metering` binary, driven over loopback by this crate, full signature verification):\n");
    println!("| measure | figure | target |");
    println!("| --- | ---: | --- |");
    for emulator::Figure(what, figure, target) in figures {
        println!("| {what} | {figure} | {target} |");
    }
}

fn fmt(v: f64, unit: &str) -> String {
    let n = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if unit.is_empty() {
        n
    } else {
        format!("{n} {unit}")
    }
}

fn print_table(rows: &[Row], server_cpu: f64) {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    println!("Machine: {cores} cores, {mem}. Server CPU per request (hyper, loopback): {server_cpu:.1} µs.\n");
    println!("| measure | ours | official | bare client | ours / official | ours / bare | target |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in rows {
        let bare = r.bare.map(|b| fmt(b, r.unit)).unwrap_or_default();
        let to_bare = r.bare.map(|b| format!("{:.2}", r.ours / b)).unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {:.2} | {} | {} |",
            r.what,
            fmt(r.ours, r.unit),
            fmt(r.official, r.unit),
            bare,
            r.ours / r.official,
            to_bare,
            r.target
        );
    }
}

/// Where a sequential call's client CPU goes: the client's own code (user)
/// and the kernel's work for it (system), per client.
fn print_splits(splits: &[(&str, [(f64, f64); 3])]) {
    if splits.is_empty() {
        return;
    }
    println!("\nClient CPU per sequential call over loopback, user + system (getrusage of the client's thread):\n");
    println!("| workload | ours | official | bare client | user: ours / official | system: ours / official |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (what, [o, f, b]) in splits {
        let cell = |(user, system): (f64, f64)| format!("{user:.0} + {system:.0} µs");
        println!("| {what} | {} | {} | {} | {:.2} | {:.2} |", cell(*o), cell(*f), cell(*b), o.0 / f.0, o.1 / f.1);
    }
}

/// The instructions per call of every workload, ours beside the official
/// crate and the bare client (see `instructions.rs`).
fn print_instructions(quick: bool) {
    if !instructions::available() {
        println!("\nInstructions per call: skipped, valgrind is not installed.");
        return;
    }
    println!("\nInstructions per call (callgrind, client only, start-up and warm-up excluded):\n");
    println!("| workload | ours | official | bare client | ours / official | ours / bare |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let groups = [
        ("MeterUsage, no network", "meter", false),
        ("BatchMeterUsage ×25, no network", "batch", false),
        ("MeterUsage over loopback, sequential", "meter-seq", true),
        ("MeterUsage over loopback, 64 concurrent", "meter-64", true),
        ("BatchMeterUsage ×25 over loopback, sequential", "batch-seq", true),
        ("BatchMeterUsage ×25 over loopback, 64 concurrent", "batch-64", true),
    ];
    let count = |client: &str, suffix: &str| instructions::per_call(&format!("{client}-{suffix}"), quick);
    let show = |v: Option<f64>| v.map(|n| format!("{n:.0}")).unwrap_or_else(|| "failed".into());
    for (what, suffix, with_bare) in groups {
        let (ours, official) = (count("ours", suffix), count("official", suffix));
        let bare = if with_bare { count("bare", suffix) } else { None };
        let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| format!("{:.2}", a / b)).unwrap_or_default();
        println!(
            "| {what} | {} | {} | {} | {} | {} |",
            show(ours),
            show(official),
            if with_bare { show(bare) } else { String::new() },
            ratio(ours, official),
            ratio(ours, bare)
        );
    }
}
