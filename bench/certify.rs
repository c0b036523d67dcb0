//! `verify` of a results bundle from a full run, measured.
//!
//! `cargo bench --bench certify` runs every built-in profile against the embedded reference
//! server (2 resources per API), writes the reports, adds 100 earlier nights to a history,
//! bundles the run with the statement over time and an Ed25519 signature, then runs the work
//! of `verify BUNDLE --allowed-signers FILE` in a child process of its own, so the peak
//! resident memory printed is that of `verify` alone. It prints the bundle's size and file
//! count, the wall time of `verify` (the best of five and the first) and the peak memory.
//!
//! Timings live here, never in tests.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use restart_conformance::certify::{self, BundleRequest};
use restart_conformance::model::{ProfileRef, ProfileRun, RunSettings};
use restart_conformance::pipeline::{self, ProfileSelection, SuiteOptions};
use restart_conformance::records::history;
use restart_conformance::run::{EndpointChoice, Polling, Settings};

const NIGHTS: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The child: `--measure BUNDLE SIGNERS`.
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        let (Some(bundle), Some(signers)) = (args.get(i + 1), args.get(i + 2)) else {
            eprintln!("--measure BUNDLE SIGNERS");
            std::process::exit(2);
        };
        if let Err(e) = measure(Path::new(bundle), Path::new(signers)) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    let tmp = std::env::temp_dir().join(format!(
        "restart-conformance-bench-certify-{}",
        std::process::id()
    ));
    let result = prepare(&tmp).and_then(|(bundle, signers)| {
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        let status = std::process::Command::new(me)
            .arg("--measure")
            .arg(&bundle)
            .arg(&signers)
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err("the measuring process failed".to_owned())
        }
    });
    let _ = std::fs::remove_dir_all(&tmp);
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

/// The full run, its history and its signed bundle; returns the bundle and the signers file.
fn prepare(tmp: &Path) -> Result<(PathBuf, PathBuf), String> {
    let specs = restart_conformance::spec::load_builtin().map_err(|e| e.to_string())?;
    let profiles = restart_conformance::profile::load_builtin().map_err(|e| e.to_string())?;
    let mut settings = Settings::new(Polling {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(600),
        grace: Duration::from_secs(1),
    });
    settings.request_timeout = Duration::from_secs(30);
    let record = ProfileRun {
        profiles: profiles
            .profiles
            .iter()
            .map(|p| ProfileRef {
                name: p.name.clone(),
                sha256: p.sha256.clone(),
            })
            .collect(),
        settings: RunSettings {
            lifecycle_timeout_ms: 600_000,
            request_timeout_ms: 30_000,
            restart_grace_ms: 1000,
            poll_interval_ms: 20,
            follow_redirects: false,
            strict: false,
            specs: "built in".into(),
            faults: Vec::new(),
        },
        command_lines: vec!["restart-conformance run --profile … (bench)".into()],
    };
    let reports = tmp.join("reports");
    let mut opts = SuiteOptions::in_process(
        settings,
        libtest_mimic::Arguments {
            quiet: true,
            ..Default::default()
        },
    );
    opts.report_dir = Some(reports.clone());
    opts.profiles = Some(ProfileSelection {
        cases: profiles
            .profiles
            .iter()
            .flat_map(|p| p.case_ids())
            .collect(),
        record,
    });
    let choice = EndpointChoice::embedded(
        Duration::from_millis(300),
        Default::default(),
        restart_conformance::reference::DEFAULT_RESOURCES,
    );
    let t = Instant::now();
    let result = pipeline::run_suite(&specs, choice, opts).map_err(|e| e.to_string())?;
    let report = result.report.ok_or("the run made no report")?;
    println!(
        "run: {} cases of {} profiles in {:.2} s",
        report.cases.len(),
        profiles.profiles.len(),
        t.elapsed().as_secs_f64()
    );
    // 100 earlier nights of the same run, then this one.
    let last = history::HistoryLine::from_report(&report);
    let start =
        chrono::DateTime::parse_from_rfc3339(&last.started_at).map_err(|e| e.to_string())?;
    let mut lines = Vec::with_capacity(NIGHTS + 1);
    for n in (1..=NIGHTS).rev() {
        let mut l = last.clone();
        l.run_id = format!("night-{n}");
        l.started_at = (start - chrono::Duration::hours(6 * i64::try_from(n).unwrap_or(0)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        lines.push(l);
    }
    lines.push(last);
    let history_file = tmp.join("history.jsonl");
    let text = history::render(&lines).map_err(|e| e.to_string())?;
    std::fs::write(&history_file, text).map_err(|e| e.to_string())?;
    let product = tmp.join("PRODUCT.yaml");
    std::fs::write(
        &product,
        "vendor: Bench\nname: Reference\nversion: \"1\"\ntype: other\nwebsite_url: https://example.com/\n",
    )
    .map_err(|e| e.to_string())?;
    let (key, signers) = keypair(tmp)?;
    let bundle = tmp.join("bundle");
    let done = certify::bundle(&BundleRequest {
        report_dir: reports,
        product,
        out: bundle.clone(),
        sign: Some(key),
        history: Some((history_file, "60d".parse()?)),
    })
    .map_err(|e| e.to_string())?;
    let size: u64 = done.manifest.files.iter().map(|f| f.size).sum();
    println!(
        "bundle: {} files, {:.1} MiB, {} request ids, over time: {}",
        done.manifest.files.len() + 2,
        size as f64 / 1024.0 / 1024.0,
        done.manifest.request_ids.len(),
        done.manifest
            .over_time
            .as_ref()
            .map_or("none", |o| o.statement.as_str())
    );
    Ok((bundle, signers))
}

/// An Ed25519 key from a fixed seed, and an allowed-signers file for it.
fn keypair(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    use ssh_key::private::{Ed25519Keypair, KeypairData};
    let private = ssh_key::PrivateKey::new(
        KeypairData::Ed25519(Ed25519Keypair::from_seed(&[42; 32])),
        "bench",
    )
    .map_err(|e| e.to_string())?;
    let key = dir.join("key");
    let text = private
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| e.to_string())?;
    std::fs::write(&key, text.as_bytes()).map_err(|e| e.to_string())?;
    let public = private
        .public_key()
        .to_openssh()
        .map_err(|e| e.to_string())?;
    let signers = dir.join("allowed_signers");
    std::fs::write(&signers, format!("bench@example.com {public}\n")).map_err(|e| e.to_string())?;
    Ok((key, signers))
}

/// `verify` five times; the first (cold) and the best, and the peak memory.
fn measure(bundle: &Path, signers: &Path) -> Result<(), String> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let v = certify::verify(bundle, Some(signers), chrono::Utc::now())
            .map_err(|e| e.to_string())?;
        times.push(t.elapsed());
        last = Some(v);
    }
    let v = last.ok_or("no verify ran")?;
    if !v.conformant() {
        return Err(format!("the bench bundle does not verify:\n{}", v.render()));
    }
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let best = times.iter().min().ok_or("no time")?;
    println!(
        "{:>14} {:>14} {:>10}",
        "first ms", "best of 5 ms", "peak MiB"
    );
    println!(
        "{:>14.1} {:>14.1} {:>10.1}",
        ms(&times[0]),
        ms(best),
        peak_rss_kib().unwrap_or(0) as f64 / 1024.0
    );
    Ok(())
}

/// Peak resident memory of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
