//! Transport trouble is retried, findings never are: a conformant target behind a network that
//! drops connections passes (its retried cases "passed, flaky", every lost try on record), a
//! wrong answer fails at the first try, and a poll answered only at its third try loses no API.
//! Requests are counted, never timed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use restart_conformance::model::CheckOutcome;
use restart_conformance::report::contract::{CaseOutcome, Report};
use serde_json::Value;

use crate::common::*;

const TOKEN: &str = "tok-retries-6d1f08-secret";
const TOKEN_ENV: &str = "RC_RETRIES_TOKEN";

/// The binary against the embedded server with `fault`, reports in `dir/reports`. Restarts
/// last a second, so that a status poll sent again on a loaded machine still sees one.
fn embedded_run(dir: &Path, fault: &str, extra: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .current_dir(dir)
        .args(["run", "--fault", fault, "--report-dir", "reports", "-q"])
        .args(["--reboot-seconds", "1"])
        .args(extra)
        .output()
        .unwrap()
}

fn report_in(dir: &Path) -> Report {
    restart_conformance::report::load(&dir.join("reports/report.json")).unwrap()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join("reports").join(file)).unwrap()
}

/// Every case with a lost request passed, is marked flaky and says what was lost and when;
/// every case marked flaky lost something. Returns how many requests were lost.
fn assert_flaky_cases_account_for_every_loss(report: &Report) -> usize {
    let mut lost = 0;
    for c in &report.cases {
        let retried = &c.retries.lost;
        assert_eq!(c.flaky, !retried.is_empty(), "{}", c.name);
        if retried.is_empty() {
            continue;
        }
        assert_eq!(c.outcome, CaseOutcome::Passed, "{}", c.name);
        for l in retried {
            assert!(!l.error.is_empty() && !l.then.is_empty(), "{l:?}");
            let note = format!("try {}: the ", l.try_number);
            assert!(
                c.notes
                    .iter()
                    .any(|n| n.starts_with(&note) && n.contains(&format!("sent at {} ms", l.at_ms))),
                "{}: no note for {l:?} in {:?}",
                c.name,
                c.notes
            );
        }
        // An earlier try keeps its exchanges, the lost request among them: its own request,
        // or a status poll that left its restart unproven.
        for t in &c.retries.earlier_tries {
            let l = retried
                .iter()
                .find(|l| l.try_number == t.try_number && ran_again_for(l))
                .unwrap_or_else(|| {
                    panic!("{}: try {} without its lost request", c.name, t.try_number)
                });
            assert!(
                t.exchanges
                    .iter()
                    .any(|x| x.at_ms == l.at_ms && x.purpose == l.purpose && x.error.is_some()),
                "{}: try {} does not hold its lost request",
                c.name,
                t.try_number
            );
        }
        lost += retried.len();
    }
    lost
}

/// True when `lost` is why its try was run again: the case's own request, or a status poll
/// after which no restarting state showed.
fn ran_again_for(lost: &restart_conformance::model::LostRequest) -> bool {
    lost.purpose != "status" || lost.then.ends_with(RAN_AGAIN)
}

/// How a lost status poll that left a restart unproven ends its note.
const RAN_AGAIN: &str = "the restart may have shown while it went unanswered; the case ran again";

/// 5 % of the requests dropped, actions included, half after the server served them: the run
/// still passes, each retried case passed flaky with its lost try recorded, in every report.
/// The same run without retries errors (the drops are seeded, so it loses the same actions).
#[test]
fn a_conformant_target_behind_dropped_requests_passes_flaky() {
    let tmp = tempfile::tempdir().unwrap();
    let out = embedded_run(tmp.path(), "drop-requests", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let report = report_in(tmp.path());
    assert!(failing(&report).is_empty(), "{:?}", failing(&report));
    let lost = assert_flaky_cases_account_for_every_loss(&report);
    assert!(lost > 0, "nothing was dropped");
    assert!(report.summary.flaky > 0);
    // The terminal names them too: libtest's lines show them as plain passes.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let said = format!(
        "flaky: {} cases passed only after a request that got no answer was tried again: ",
        report.summary.flaky
    );
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&said))
        .unwrap_or_else(|| panic!("no flaky line: {stderr}"));
    for c in report.cases.iter().filter(|c| c.flaky) {
        assert!(line.contains(&c.name), "{} not in {line}", c.name);
    }
    let rerun: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| !c.retries.earlier_tries.is_empty())
        .map(|c| c.name.as_str())
        .collect();
    assert!(!rerun.is_empty(), "no action was lost");
    // Both ways an action can be lost were seen, and told apart by the resource.
    let thens: Vec<&str> = report
        .cases
        .iter()
        .flat_map(|c| &c.retries.lost)
        .filter(|l| l.purpose == "request")
        .map(|l| l.then.as_str())
        .collect();
    assert!(
        thens
            .iter()
            .any(|t| t.contains("so the request had arrived")),
        "{thens:?}"
    );
    assert!(
        thens
            .iter()
            .any(|t| t.contains("so the request had not arrived")),
        "{thens:?}"
    );

    // report.json keeps every try; JUnit has a flakyError per lost request and no error.
    let json: Value = serde_json::from_str(&read(tmp.path(), "report.json")).unwrap();
    let first = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == rerun[0])
        .unwrap();
    assert_eq!(first["flaky"], true);
    assert!(first["retries"]["earlier_tries"][0]["exchanges"].is_array());
    let junit = read(tmp.path(), "junit.xml");
    assert_eq!(junit.matches("<flakyError ").count(), lost, "{junit}");
    assert_eq!(junit.matches("<error").count(), 0);
    assert_eq!(junit.matches("<failure").count(), 0);
    let md = read(tmp.path(), "summary.md");
    assert!(
        md.contains(&format!("({} flaky)", report.summary.flaky)),
        "{md}"
    );
    assert!(md.contains("passed after a retry"), "{md}");
    let html = read(tmp.path(), "report.html");
    assert!(
        html.contains("<span class=\"badge flaky\""),
        "no flaky badge"
    );
    assert!(html.contains("run again: its request got no answer"));

    // Without retries the lost actions are errored cases.
    let again = tempfile::tempdir().unwrap();
    let out = embedded_run(again.path(), "drop-requests", &["--retries", "0"]);
    assert_eq!(out.status.code(), Some(1));
    let report = report_in(again.path());
    assert!(
        report
            .cases
            .iter()
            .any(|c| c.outcome == CaseOutcome::Errored),
        "nothing errored without retries"
    );
    assert!(
        report
            .cases
            .iter()
            .all(|c| c.retries.earlier_tries.is_empty())
    );
}

/// 20 % of the polls and probes dropped: the run passes. The seed drops the first probe of
/// two APIs, which a single probe would take for unreachable APIs.
#[test]
fn a_conformant_target_behind_dropped_polls_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = embedded_run(tmp.path(), "drop-polls", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("cannot be reached"), "{stderr}");
    let report = report_in(tmp.path());
    assert!(failing(&report).is_empty(), "{:?}", failing(&report));
    assert!(assert_flaky_cases_account_for_every_loss(&report) > 0);
    assert!(
        report
            .cases
            .iter()
            .flat_map(|c| &c.retries.lost)
            .all(|l| l.purpose == "status"),
        "only reads were dropped"
    );
}

/// Wrong answers fail at the first try, network trouble or not: a 202 for DDM's 200, a body
/// of the wrong type, a restart whose restarting state never shows. Each failing case sent its
/// request once and ran once, and the same cases fail as on a clean network.
#[test]
fn a_finding_is_never_retried() {
    let faults = [
        "ddm-wrong-success-status",
        "modelarts-wrong-type",
        "ha-no-reboot-state",
    ];
    let clean = run_embedded(&builtin(), &faults, None);
    let mut flaky: Vec<&str> = faults.to_vec();
    flaky.push("drop-polls");
    let report = run_embedded(&builtin(), &flaky, None);
    let failed = failing(&report);
    assert_eq!(failed, failing(&clean));
    for api in ["ddm", "modelarts", "clouddb-ha"] {
        assert!(
            failed.iter().any(|n| n.starts_with(api)),
            "{api}: {failed:?}"
        );
    }
    for name in &failed {
        let c = case(&report, name);
        assert_eq!(c.outcome, CaseOutcome::Failed, "{name}: {}", describe(c));
        // Only a lost poll that may have hidden a restart runs a case again.
        for t in &c.retries.earlier_tries {
            assert!(
                c.retries.lost.iter().any(|l| l.try_number == t.try_number
                    && l.purpose == "status"
                    && ran_again_for(l)),
                "{name} ran again: {}",
                describe(c)
            );
        }
        let requests = c
            .exchanges
            .iter()
            .filter(|x| x.purpose == "request")
            .count();
        // A probe that rode on a positive case's restart sent no first restart of its own.
        let own = usize::from(c.rode_on.is_none());
        assert_eq!(requests, own, "{name} sent its request {requests} times");
    }
}

/// The restart cases a lost poll can hide: the positive restart of each API.
const HIDDEN: [&str; 5] = [
    "ddm::restart_soft",
    "clouddb::restart",
    "clouddb-ha::restart",
    "modelarts::restart",
    "ecs::v2.1::reboot_soft",
];

fn restarting_seen(c: &restart_conformance::report::contract::CaseReport) -> CheckOutcome {
    c.checks
        .iter()
        .find(|k| k.id.as_str() == "lifecycle.restarting_seen")
        .map(|k| k.outcome)
        .unwrap_or_else(|| panic!("{}: no restarting_seen", c.name))
}

/// A poll lost while a short restart runs hides the restart (`lose-poll-in-restart` holds the
/// first poll after each resource's first accepted restart until the restart is over, then
/// resets it): that is no finding. The case runs again and passes, flaky, with the poll on
/// record; with no retry left, the missing restarting state is "not verifiable", never a
/// failure. A restart that never shows still fails, at the try whose polls all came back.
#[test]
fn a_restart_hidden_by_a_lost_poll_is_run_again_not_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = embedded_run(tmp.path(), "lose-poll-in-restart", &[]);
    assert_exit(&out, 0);
    let report = report_in(tmp.path());
    assert_flaky_cases_account_for_every_loss(&report);
    for name in HIDDEN {
        let c = case(&report, name);
        assert_eq!(c.retries.earlier_tries.len(), 1, "{name}: {}", describe(c));
        assert!(
            c.retries
                .lost
                .iter()
                .any(|l| l.purpose == "status" && l.try_number == 1 && ran_again_for(l)),
            "{name}: {}",
            describe(c)
        );
        assert_eq!(restarting_seen(c), CheckOutcome::Passed, "{name}");
        assert_eq!(c.restarts, 2, "{name}: both tries restarted the resource");
    }

    let tmp = tempfile::tempdir().unwrap();
    let out = embedded_run(tmp.path(), "lose-poll-in-restart", &["--retries", "0"]);
    assert_exit(&out, 0);
    let report = report_in(tmp.path());
    for name in HIDDEN {
        let c = case(&report, name);
        assert!(c.retries.earlier_tries.is_empty(), "{name}");
        assert_eq!(restarting_seen(c), CheckOutcome::NotVerifiable, "{name}");
    }

    // The concurrency probe on its own restart: the restart it was to send its second into
    // was hidden, so it runs again, and the second restart is sent and judged.
    let tmp = tempfile::tempdir().unwrap();
    let probe = "ecs::restart_while_restarting";
    let out = embedded_run(tmp.path(), "lose-poll-in-restart", &["--exact", probe]);
    assert_exit(&out, 0);
    let report = report_in(tmp.path());
    let c = case(&report, probe);
    assert_eq!(c.retries.earlier_tries.len(), 1, "{}", describe(c));
    let refused = c
        .checks
        .iter()
        .find(|k| k.id.as_str() == "restart.concurrent_refused")
        .unwrap_or_else(|| panic!("{}", describe(c)));
    assert_eq!(refused.outcome, CheckOutcome::Passed, "{}", describe(c));

    let tmp = tempfile::tempdir().unwrap();
    let out = embedded_run(
        tmp.path(),
        "lose-poll-in-restart",
        &["--fault", "ha-no-reboot-state", "clouddb-ha::"],
    );
    assert_exit(&out, 1);
    let report = report_in(tmp.path());
    let c = case(&report, "clouddb-ha::restart");
    assert_eq!(c.outcome, CaseOutcome::Failed, "{}", describe(c));
    assert_eq!(restarting_seen(c), CheckOutcome::Failed);
    assert_eq!(c.retries.earlier_tries.len(), 1, "{}", describe(c));
}

/// A proxy in front of `upstream` that closes the first two connections of every three for
/// each read (a GET off the action URIs), per request line, and passes everything else.
struct ThirdTry {
    url: String,
    reads: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl ThirdTry {
    fn start(upstream: std::net::SocketAddr) -> ThirdTry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let reads: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let counts = reads.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(client) = stream else { continue };
                let counts = counts.clone();
                std::thread::spawn(move || third_try(client, upstream, &counts));
            }
        });
        ThirdTry { url, reads }
    }
}

fn third_try(
    mut client: TcpStream,
    upstream: std::net::SocketAddr,
    counts: &Mutex<BTreeMap<String, usize>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or_default().to_owned();
    let read = line.starts_with("GET ") && !line.contains("/action");
    if read {
        let n = {
            let mut counts = counts.lock().unwrap();
            let n = counts.entry(line).or_default();
            *n += 1;
            *n
        };
        if n % 3 != 0 {
            return; // closed unanswered
        }
    }
    let mut server = TcpStream::connect(upstream).unwrap();
    let mut forwarded = String::new();
    for l in text.trim_end().split("\r\n") {
        if !l.to_ascii_lowercase().starts_with("connection:") {
            forwarded.push_str(l);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    server.write_all(forwarded.as_bytes()).unwrap();
    let (mut from_client, mut to_server) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_server);
    });
    let _ = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Both);
}

/// Every status poll and probe of ECS is answered only at its third try: with retries, no
/// poll is lost, so even `--dead-after 1` keeps the API, and its cases pass flaky.
#[test]
fn a_poll_answered_at_its_third_try_is_not_lost() {
    let served = Served::start(&[], TOKEN);
    let upstream = served.server.as_ref().unwrap().local_addr();
    let proxy = ThirdTry::start(upstream);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("target.yaml"),
        served.target_yaml_with(TOKEN_ENV, &[("ecs", format!("{}/ecs", proxy.url))]),
    )
    .unwrap();
    let out = run_in(
        tmp.path(),
        &["ecs::", "--dead-after", "1", "--restart-grace", "0.5"],
    )
    .env(TOKEN_ENV, TOKEN)
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = report_in(tmp.path());
    assert!(failing(&report).is_empty(), "{:?}", failing(&report));
    let lost = assert_flaky_cases_account_for_every_loss(&report);
    // Each recorded poll took three tries: two lost for every one answered.
    let polls: Vec<_> = report
        .cases
        .iter()
        .flat_map(|c| &c.exchanges)
        .filter(|x| x.purpose == "status")
        .collect();
    let answered = polls.iter().filter(|x| x.response.is_some()).count();
    assert!(answered > 0);
    assert_eq!(polls.len() - answered, 2 * answered);
    assert!(lost >= 2 * answered);
    // The proxy saw every read three times over.
    let reads = proxy.reads.lock().unwrap();
    assert!(reads.values().all(|n| n % 3 == 0), "{reads:?}");
    outputs_without(&out, &tmp.path().join("reports"), &[TOKEN]);
}

/// The largest retry count with the longest timeouts is no panic: a case's time budget
/// saturates instead of overflowing.
#[test]
fn the_largest_retries_and_timeouts_are_no_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("restart-conformance")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "run",
            "--exact",
            "no::such::case",
            "-q",
            "--report-dir",
            "reports",
        ])
        .args(["--retries", &u32::MAX.to_string()])
        .args([
            "--lifecycle-timeout",
            "1000000000",
            "--request-timeout",
            "1000000000",
        ])
        .output()
        .unwrap();
    super::common::assert_exit(&out, 0);
}
