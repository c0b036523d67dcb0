//! `report history` over a long history, measured.
//!
//! `cargo bench --bench history` writes a history of 1,000 runs of the full built-in suite
//! (every planned case, with outcomes that flip now and then and restart times that drift,
//! from a fixed seed), then runs the work of `report history` on it — read and parse the file,
//! analyse, render `history.html` and `history.md`, write both — in a child process of its
//! own, so the peak resident memory printed is that of the history work alone. It prints the
//! file size, the wall time of each step and the peak memory.
//!
//! Timings live here, never in tests.

use std::path::{Path, PathBuf};
use std::time::Instant;

use restart_conformance::model::CaseOutcome;
use restart_conformance::records::history::{self, HISTORY_TAG, HistoryCase, HistoryLine};
use restart_conformance::records::{trend, trend_page};
use restart_conformance::report::write_atomic;

const RUNS: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The child: `--measure FILE DIR`.
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        let (Some(file), Some(dir)) = (args.get(i + 1), args.get(i + 2)) else {
            eprintln!("--measure FILE DIR");
            std::process::exit(2);
        };
        if let Err(e) = measure(Path::new(file), Path::new(dir)) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    let tmp =
        std::env::temp_dir().join(format!("restart-conformance-bench-{}", std::process::id()));
    let file = tmp.join("history.jsonl");
    let lines = match seeded(RUNS) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let cases = lines.first().map_or(0, |l| l.cases.len());
    let text = match history::render(&lines) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = write_atomic(&file, text.as_bytes()) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    println!(
        "history: {RUNS} runs of {cases} cases, {:.1} MiB",
        text.len() as f64 / 1024.0 / 1024.0
    );
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find this benchmark's own binary");
        std::process::exit(1);
    };
    let status = std::process::Command::new(me)
        .arg("--measure")
        .arg(&file)
        .arg(tmp.join("out"))
        .status();
    let _ = std::fs::remove_dir_all(&tmp);
    if !status.is_ok_and(|s| s.success()) {
        std::process::exit(1);
    }
}

/// The work of `report history FILE --report-dir DIR`, each step timed.
fn measure(file: &Path, dir: &Path) -> Result<(), String> {
    let t0 = Instant::now();
    let h = history::read(file).map_err(|e| e.to_string())?;
    let t_read = t0.elapsed();
    let t1 = Instant::now();
    let trend = trend::analyse(&h.runs, trend::DEFAULT_WINDOW);
    let t_analyse = t1.elapsed();
    let t2 = Instant::now();
    let html = trend_page::to_history_html(&trend, &file.display().to_string())
        .map_err(|e| e.to_string())?;
    let md = trend_page::to_history_md(&trend);
    let t_render = t2.elapsed();
    let t3 = Instant::now();
    let out: PathBuf = dir.join(trend_page::HISTORY_HTML);
    write_atomic(&out, html.as_bytes()).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(trend_page::HISTORY_MD), md.as_bytes()).map_err(|e| e.to_string())?;
    let t_write = t3.elapsed();
    println!(
        "{:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "read ms", "analyse ms", "render ms", "write ms", "total ms", "html KiB", "peak MiB"
    );
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.0} {:>10.1}",
        ms(t_read),
        ms(t_analyse),
        ms(t_render),
        ms(t_write),
        ms(t0.elapsed()),
        html.len() as f64 / 1024.0,
        peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
    );
    println!(
        "flaky {}, new failures {}, failing {}, restart-time regressions {}",
        trend.flaky.len(),
        trend.new_failures.len(),
        trend.failing_longest.len(),
        trend.regressions.len()
    );
    Ok(())
}

/// `runs` nights of every planned case: a few cases flip, one API slows down now and then.
fn seeded(runs: usize) -> Result<Vec<HistoryLine>, String> {
    let specs = restart_conformance::spec::load_builtin().map_err(|e| e.to_string())?;
    let names: Vec<String> = restart_conformance::plan::plan(&specs)
        .into_iter()
        .map(|c| c.name)
        .collect();
    // A small linear congruential generator: the same history every time.
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as u32
    };
    let mut lines = Vec::with_capacity(runs);
    for r in 0..runs {
        let slow = r % 97 == 0;
        let cases = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let roll = next() % 1000;
                let outcome = if i % 11 == 0 && roll < 150 {
                    CaseOutcome::Failed
                } else if roll < 3 {
                    CaseOutcome::Errored
                } else if roll < 8 {
                    CaseOutcome::Skipped
                } else {
                    CaseOutcome::Passed
                };
                let restarts = !name.contains("::negative::");
                let base = if slow { 900 } else { 300 } + u64::from(next() % 40);
                HistoryCase {
                    name: name.clone(),
                    outcome,
                    to_steady_ms: restarts.then_some([base - 20, base]),
                    flaky: false,
                }
            })
            .collect();
        lines.push(HistoryLine {
            history: HISTORY_TAG.into(),
            run_id: String::new(),
            started_at: format!(
                "{}",
                (chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_000 + r as i64))
                    .format("%Y-%m-%dT02:00:00Z")
            ),
            duration_ms: 40_000 + u64::from(next() % 5_000),
            tool_version: if r < runs / 2 { "0.1.0" } else { "0.2.0" }.into(),
            spec_digest: "09562b1fd6560000".into(),
            target: "nightly.yaml (https://ecs.example.test)".into(),
            partition: Vec::new(),
            interrupted: false,
            strict: true,
            poll_interval_ms: Some(200),
            profiles: Vec::new(),
            cases,
        });
    }
    Ok(lines)
}

/// Peak resident memory of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
