//! Timing figures, kept out of the tests: a test asserts behaviour, never how long it took on
//! whatever machine runs it. `cargo bench --bench timings` prints each figure; under
//! `cargo test --benches` (no `--bench` flag) every measurement runs once, as a smoke test.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use restart_conformance::endpoint;
use restart_conformance::pipeline::{self, SuiteOptions};
use restart_conformance::run::{EndpointChoice, Polling, Settings};
use restart_conformance::spec::{self, load_sources};

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = if bench { 5 } else { 1 };
    let mut failed = false;
    for (name, f) in measurements() {
        let mut best = Duration::MAX;
        for _ in 0..rounds {
            let started = Instant::now();
            if let Err(e) = f() {
                eprintln!("{name}: {e}");
                failed = true;
                break;
            }
            best = best.min(started.elapsed());
        }
        println!("{name:48} best of {rounds}: {best:?}");
    }
    if failed {
        std::process::exit(1);
    }
}

type Measurement = (&'static str, fn() -> Result<(), String>);

fn measurements() -> Vec<Measurement> {
    vec![
        ("load the built-in specs", || {
            spec::load_builtin().map(drop).map_err(|e| e.to_string())
        }),
        ("refuse a 5 MiB spec and target", || {
            let mut big = b"api: x\n# ".to_vec();
            big.resize(5 * 1024 * 1024, b'x');
            refuse("big.yaml", big)
        }),
        ("refuse a 100 000-element flow list", || {
            let items: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
            refuse(
                "deep-flow.yaml",
                format!("a: {{ b: {{ c: [{}] }} }}\n", items.join(", ")).into_bytes(),
            )
        }),
        ("refuse 100 000 nested sequences", || {
            let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
            refuse("deep.yaml", deep.into_bytes())
        }),
        ("run the suite against the embedded server", run_embedded),
    ]
}

/// Loading `bytes` must fail both as a spec and as a target.
fn refuse(name: &str, bytes: Vec<u8>) -> Result<(), String> {
    let path = PathBuf::from(name);
    if load_sources(vec![(path.clone(), bytes.clone())]).is_ok() {
        return Err(format!("{name} loaded as a spec"));
    }
    if endpoint::parse_bytes(&path, &bytes).is_ok() {
        return Err(format!("{name} parsed as a target"));
    }
    Ok(())
}

fn run_embedded() -> Result<(), String> {
    let specs = spec::load_builtin().map_err(|e| e.to_string())?;
    let mut settings = Settings::new(Polling {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
        grace: Duration::from_secs(1),
    });
    settings.request_timeout = Duration::from_secs(5);
    let args = libtest_mimic::Arguments {
        quiet: true,
        ..Default::default()
    };
    let choice = EndpointChoice::embedded(
        Duration::from_millis(200),
        Default::default(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let options = SuiteOptions::in_process(settings, args);
    let result = pipeline::run_suite(&specs, choice, options).map_err(|e| e.to_string())?;
    match result.report {
        Some(r) if r.summary.failed == 0 => Ok(()),
        Some(r) => Err(format!("{} cases failed", r.summary.failed)),
        None => Err("no report".to_owned()),
    }
}
