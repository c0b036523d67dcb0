//! Arbitrary bytes into the loaders and the response checks: errors, never panics.
//!
//! Property tests over the spec and target loaders (arbitrary bytes, YAML
//! token soup, and random edits of the real spec files), the response checks
//! (arbitrary statuses, headers and bodies for every planned case) and the
//! lifecycle checks (arbitrary observation sequences). Each property runs a
//! few hundred to two thousand cases by default (a few seconds in a debug
//! build); `FUZZ_CASES=N` runs N cases of each instead, for longer sessions:
//!
//! ```sh
//! FUZZ_CASES=20000 cargo test --release --test it fuzz
//! ```

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use restart_conformance::check::{self, CheckId, LifecycleRun, Received};
use restart_conformance::endpoint::tls::TlsError;
use restart_conformance::endpoint::{self, EndpointError};
use restart_conformance::plan::{Case, plan};
use restart_conformance::report::contract::{CheckOutcome, Observation, Severity};
use restart_conformance::spec::{
    Lifecycle, SpecError, SpecSet, StatusPattern, UriTemplate, load_builtin, load_sources,
};
use restart_conformance::yaml::{Located, MAX_FILE_BYTES};
use serde_json::Value;

// ---------------------------------------------------------------------------
// Shared inputs
// ---------------------------------------------------------------------------

/// The real spec files, the bases that mutations start from.
const SPEC_TEXTS: &[&str] = &[
    include_str!("../../specs/ecs.yaml"),
    include_str!("../../specs/ddm.yaml"),
    include_str!("../../specs/clouddb.yaml"),
    include_str!("../../specs/clouddb-ha.yaml"),
    include_str!("../../specs/modelarts.yaml"),
];

/// A target file that resolves against the built-in specs (when no token is
/// required); `valid_target_resolves` keeps it so.
const VALID_TARGET: &str = r#"# every built-in API
auth:
  token_env: RC_FUZZ_TOKEN_NEVER_SET
apis:
  ddm:        { base_url: "https://ddm.example.com", vars: { project_id: "p1", instance_id: "i1" } }
  clouddb:    { base_url: "https://ord.databases.api.rackspacecloud.com/", vars: { version: "v1.0", accountId: "a1", instanceId: "i2" } }
  clouddb-ha: { base_url: "http://127.0.0.1:8080", vars: { version: "v1.0", accountId: "a1", haId: "h1" } }
  modelarts:  { base_url: "http://[::1]:9", vars: { project_id: "p1", instance_id: "i3" } }
  ecs:
    base_url: https://ecs.example.com
    vars:
      project_id: p1
      server_id: s1
"#;

/// Names under which fuzzed files are loaded; each error must name its file.
const FILE_NAMES: &[&str] = &[
    "specs/ecs.yaml",
    "fuzz.yaml",
    "dir with spaces/ünïcödé.yml",
    "./a/../b/t.yaml",
    "-",
    "C:\\windows\\style.yaml",
];

/// YAML syntax, spec keys and values that reach the checks behind the parser.
const TOKENS: &[&str] = &[
    "\n",
    "  ",
    "\t",
    "\r\n",
    "\r",
    "- ",
    ": ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!str ",
    "!!int ",
    "!!map ",
    "!local ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "|\n",
    ">-\n",
    "|+2\n",
    "~",
    "null",
    "yes",
    "no",
    "true",
    "0x1F",
    "0o17",
    "1e999",
    "-.inf",
    ".nan",
    "99999999999999999999999",
    "-1",
    "65536",
    "\u{feff}",
    "\u{85}",
    "\u{2028}",
    "\u{a0}",
    "é",
    "🦀",
    "\0",
    "\u{7f}",
    "\"\\0\"",
    "\"\\uD800\"",
    "\"\\x\"",
    "api: ",
    "ecs",
    "uris:",
    "vars:",
    "request:",
    "schema:",
    "example:",
    "responses:",
    "errors:",
    "lifecycle:",
    "cases:",
    "negative:",
    "status:",
    "statuses:",
    "codes:",
    "preferred:",
    "concurrent:",
    "not_verifiable:",
    "{name}",
    "/v1/{nope}/x",
    "relative/{server_id}",
    "{a}{b",
    "}{",
    "[]",
    "{}",
    "\"\"",
    "[4xx]",
    "[999]",
    "[0xx]",
    "[2XX]",
    "[2xx, 600]",
    "[1xx]",
    "[200, 200]",
    "{ $ref: \"#\" }",
    "{ $ref: \"#/definitions/x\" }",
    "{ pattern: \"[\" }",
    "{ type: nope }",
    "{ type: [string, 7] }",
    "{ enum: [] }",
    "{ format: nope, type: string }",
    "{ not: {} }",
    "{ minProperties: -1 }",
    "{ type: object, required: [reboot, x] }",
    "{ from: target, resource: true, source: s }",
    "{ from: nowhere, source: s }",
    "POST",
    "get",
    "TRACE",
    "[REBOOT]",
    "[ACTIVE, ACTIVE]",
    "must",
    "should",
    "maybe",
    "{ status: [400], source: s }",
    "{ status: [], source: s }",
    "primary: true",
    "resource: true",
    "empty: true",
];

/// JSON bodies a target might send: examples from the specs and typical errors.
static JSON_SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut seeds: Vec<Vec<u8>> = [
        r#"{"instanceId":"i","instanceName":"n","jobId":"j"}"#,
        r#"{"current_status":"REBOOTING","previous_state":"ACTIVE"}"#,
        r#"{"badRequest":{"code":400,"message":"m"}}"#,
        r#"{"itemNotFound":{"code":404,"message":"m"}}"#,
        r#"{"error":{"code":401,"title":"Unauthorized","message":"m"}}"#,
        r#"{"error_code":"DBS.01","error_msg":"bad"}"#,
        r#"{"unprocessableEntity":{"code":422,"message":"m"}}"#,
        r#"{"accepted":true}"#,
        r#"{"server":{"status":"ACTIVE"}}"#,
        "[]",
        "{}",
        "null",
        "0",
        r#""""#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for spec in &BUILTIN.specs {
        let docs = spec.responses.values().chain(std::iter::once(&spec.errors));
        seeds.extend(
            docs.filter_map(|d| d.example.as_ref())
                .map(|v| serde_json::to_vec(v).unwrap()),
        );
        seeds.push(serde_json::to_vec(&spec.request_example).unwrap());
    }
    seeds
});

static BUILTIN: LazyLock<SpecSet> = LazyLock::new(|| load_builtin().unwrap());
static CASES: LazyLock<Vec<Case>> = LazyLock::new(|| plan(&BUILTIN));
static LIFECYCLES: LazyLock<Vec<Lifecycle>> = LazyLock::new(|| {
    BUILTIN
        .specs
        .iter()
        .filter_map(|s| s.lifecycle.clone())
        .collect()
});

/// Cases per property: `default`, or `FUZZ_CASES` when set.
fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default),
        // A failure prints its shrunk input; nothing is written to the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Byte strategies and mutations
// ---------------------------------------------------------------------------

/// Concatenated YAML tokens and random bytes.
fn yaml_soup() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![
            3 => select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
            1 => "[a-zA-Z0-9_ ]{1,8}".prop_map(String::into_bytes),
            1 => vec(any::<u8>(), 1..6),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..512),
        yaml_soup(),
        any::<String>().prop_map(String::into_bytes),
    ]
}

/// One random edit of a file.
#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    Replace(Index, u8),
    Token(Index, &'static str),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Adds (true) or removes (false) two spaces at the start of a line.
    Indent(Index, bool),
    /// Replaces what follows the first `: ` of a line.
    ReplaceValue(Index, &'static str),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (any::<Index>(), 1usize..24).prop_map(|(i, n)| Edit::Delete(i, n)),
        2 => (any::<Index>(), inserted()).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<Index>(), prop_oneof![4 => 0x20u8..0x7f, 1 => any::<u8>()])
            .prop_map(|(i, b)| Edit::Replace(i, b)),
        2 => (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Edit::Token(i, t)),
        2 => any::<Index>().prop_map(Edit::DeleteLine),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(i, add)| Edit::Indent(i, add)),
        4 => (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Edit::ReplaceValue(i, t)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

/// Mostly text, sometimes bytes that are not UTF-8.
fn inserted() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[ -~\n]{1,6}".prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 1..6),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    vec(edit(), 1..5)
}

fn apply(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = base.to_vec();
    for e in edits {
        match e {
            Edit::Delete(i, n) if !b.is_empty() => {
                let at = i.index(b.len());
                b.drain(at..(at + n).min(b.len()));
            }
            Edit::Insert(i, bytes) => {
                let at = i.index(b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
            }
            Edit::Token(i, token) => {
                let at = i.index(b.len() + 1);
                b.splice(at..at, token.bytes());
            }
            Edit::Replace(i, byte) if !b.is_empty() => {
                let at = i.index(b.len());
                b[at] = *byte;
            }
            Edit::Truncate(i) => b.truncate(i.index(b.len() + 1)),
            Edit::DeleteLine(i)
            | Edit::DuplicateLine(i)
            | Edit::SwapLines(i, _)
            | Edit::Indent(i, _)
            | Edit::ReplaceValue(i, _) => {
                let mut lines: Vec<Vec<u8>> =
                    b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
                let at = i.index(lines.len());
                match e {
                    Edit::DeleteLine(_) => {
                        lines.remove(at);
                    }
                    Edit::DuplicateLine(_) => {
                        let line = lines[at].clone();
                        lines.insert(at, line);
                    }
                    Edit::SwapLines(_, j) => {
                        let other = j.index(lines.len());
                        lines.swap(at, other);
                    }
                    Edit::Indent(_, true) => {
                        lines[at].splice(0..0, *b"  ");
                    }
                    Edit::Indent(_, false) => {
                        let n = lines[at].iter().take(2).take_while(|&&c| c == b' ').count();
                        lines[at].drain(..n);
                    }
                    Edit::ReplaceValue(_, token) => {
                        let line = &mut lines[at];
                        if let Some(p) = line.windows(2).position(|w| w == b": ") {
                            line.truncate(p + 2);
                            line.extend_from_slice(token.as_bytes());
                        }
                    }
                    _ => {}
                }
                b = lines.join(&b'\n');
            }
            Edit::Delete(..) | Edit::Replace(..) => {}
        }
    }
    b
}

/// One of the real spec files, edited.
fn spec_mutation() -> impl Strategy<Value = Vec<u8>> {
    (0..SPEC_TEXTS.len(), edits()).prop_map(|(i, e)| apply(SPEC_TEXTS[i].as_bytes(), &e))
}

// ---------------------------------------------------------------------------
// Error checks
// ---------------------------------------------------------------------------

/// The last line a position may name: YAML breaks lines at CRLF, CR and LF, and
/// a position just past a final line break is on the line after it.
fn last_line(bytes: &[u8]) -> usize {
    let mut breaks = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                breaks += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => breaks += 1,
            _ => {}
        }
        i += 1;
    }
    breaks + 1
}

/// Every located error names one of `files`, renders with that name, and a
/// position it carries lies within that file.
fn check_located(errors: &[Located], files: &[(PathBuf, Vec<u8>)]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty(), "an error with no located problem");
    for e in errors {
        let Some((path, bytes)) = files.iter().find(|(p, _)| *p == e.path) else {
            return Err(TestCaseError::fail(format!(
                "error names {} which was not loaded: {e}",
                e.path.display()
            )));
        };
        let rendered = e.render();
        let shown = path.display().to_string();
        prop_assert!(
            rendered.contains(&shown),
            "{shown} not named in:\n{rendered}"
        );
        prop_assert!(!e.title.is_empty(), "untitled error:\n{rendered}");
        if let Some(pos) = e.pos {
            let last = last_line(bytes);
            prop_assert!(
                (1..=last).contains(&pos.line) && pos.column >= 1,
                "{}:{}:{} lies outside a file of {last} lines:\n{rendered}",
                shown,
                pos.line,
                pos.column
            );
        }
    }
    Ok(())
}

/// Loads `files` as specs: an error must be located in them; a spec set that
/// loads must plan and check without panicking.
fn load_specs(files: &[(PathBuf, Vec<u8>)]) -> Result<(), TestCaseError> {
    match load_sources(files.to_vec()) {
        Ok(set) => {
            prop_assert_eq!(set.specs.len(), files.len());
            smoke_checks(&set)
        }
        Err(SpecError::Invalid(errors)) => {
            let _ = SpecError::Invalid(errors.clone()).to_string();
            check_located(&errors, files)
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "load_sources does no I/O: {e}"
        ))),
    }
}

/// A loaded (possibly edited) spec set plans, and its cases check a few
/// typical answers without panicking.
fn smoke_checks(set: &SpecSet) -> Result<(), TestCaseError> {
    let answers = [
        received(202, "application/json", b""),
        received(200, "application/json", br#"{"a":1}"#),
        received(400, "text/html", b"<html>"),
        received(409, "application/json", br#"{"conflictingRequest":{}}"#),
    ];
    for case in plan(set) {
        for r in &answers {
            check_verdicts(&case, r)?;
        }
    }
    for spec in &set.specs {
        if let Some(lc) = &spec.lifecycle {
            let obs = [observation(Some("REBOOT")), observation(Some("ACTIVE"))];
            check_lifecycle(lc, &obs, false)?;
        }
    }
    Ok(())
}

fn check_target_error(
    e: &EndpointError,
    files: &[(PathBuf, Vec<u8>)],
) -> Result<(), TestCaseError> {
    let _ = e.to_string();
    match e {
        EndpointError::Invalid(errors) => check_located(errors, files),
        // A fuzzed `auth.cloud` names no clouds.yaml entry: a plain configuration error.
        EndpointError::TokenUnset(_)
        | EndpointError::Cloud(_)
        | EndpointError::Keystone(_)
        | EndpointError::Catalog(_)
        | EndpointError::KeyUnset(_) => Ok(()),
        // A fuzzed `tls` block names a file that is not there: located like any other.
        EndpointError::Tls(TlsError::Located(l)) => {
            check_located(std::slice::from_ref(l.as_ref()), files)
        }
        EndpointError::Tls(TlsError::Plain { .. }) => Ok(()),
        EndpointError::Io { .. } => {
            Err(TestCaseError::fail(format!("parse_bytes does no I/O: {e}")))
        }
    }
}

/// Parses and resolves a target file, with and without a token required.
fn load_target(path: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let files = [(path.to_path_buf(), bytes.to_vec())];
    for require_token in [false, true] {
        let resolved = endpoint::parse_bytes(path, bytes)
            .and_then(|parsed| endpoint::resolve(parsed, &BUILTIN, None, require_token));
        match resolved {
            Ok(t) => {
                let _ = t.is_loopback();
                for (api, conf) in &t.apis {
                    prop_assert!(BUILTIN.specs.iter().any(|s| &s.api == api));
                    prop_assert!(!conf.base_url.ends_with('/'), "{}", conf.base_url);
                }
            }
            Err(e) => check_target_error(&e, &files)?,
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Response and lifecycle checks
// ---------------------------------------------------------------------------

fn received(status: u16, content_type: &str, body: &[u8]) -> Received {
    Received {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: body.to_vec(),
    }
}

fn observation(state: Option<&str>) -> Observation {
    Observation {
        at_ms: 0,
        state: state.map(str::to_owned),
        note: "200".into(),
    }
}

/// Severity and outcome agree (a failure is a must, a warning a should), and
/// a judged check carries one of the harness's check ids. Not-verifiable
/// verdicts carry the id the spec gives, whatever it is.
fn consistent(v: &check::Verdict) -> Result<(), TestCaseError> {
    match v.outcome {
        CheckOutcome::Failed => prop_assert_eq!(v.severity, Severity::Must, "{:?}", v),
        CheckOutcome::Warning | CheckOutcome::NotVerifiable => {
            prop_assert_eq!(v.severity, Severity::Should, "{:?}", v);
        }
        CheckOutcome::Passed => {}
    }
    if v.outcome != CheckOutcome::NotVerifiable {
        prop_assert!(CheckId::ALL.contains(&v.id), "unknown check id: {:?}", v);
    }
    prop_assert!(!v.message.is_empty(), "{:?}", v);
    Ok(())
}

/// Whether `status` is one of `patterns`: an exact code, or its class.
fn expects(patterns: &[StatusPattern], status: u16) -> bool {
    patterns.iter().any(|p| match *p {
        StatusPattern::Exact(code) => code == status,
        StatusPattern::Class(class) => {
            let first = u32::from(class) * 100;
            (first..first + 100).contains(&u32::from(status))
        }
    })
}

/// `check::response` for one case and answer: the first verdict is
/// `status.expected`, passed exactly when the status is expected, and the
/// body checks are the tail of the list.
fn check_verdicts(case: &Case, r: &Received) -> Result<(), TestCaseError> {
    let v = check::response(case, r);
    prop_assert!(!v.is_empty(), "no verdict for {}", case.name);
    prop_assert_eq!(v[0].id.as_str(), "status.expected");
    let expected = expects(&case.expect.status, r.status);
    if expected {
        prop_assert_eq!(v[0].outcome, CheckOutcome::Passed, "{:?}", v[0]);
    } else {
        prop_assert_ne!(v[0].outcome, CheckOutcome::Passed, "{:?}", v[0]);
    }
    for verdict in &v {
        consistent(verdict)?;
    }
    let body = check::body_checks(case, r);
    prop_assert!(body.len() < v.len());
    let tail = &v[v.len() - body.len()..];
    for (a, b) in tail.iter().zip(&body) {
        prop_assert_eq!(&a.id, &b.id);
        prop_assert_eq!(a.outcome, b.outcome);
    }
    serde_json::to_string(&v).unwrap();
    Ok(())
}

/// `check::lifecycle`: `steady_reached` passes exactly when the last state
/// observed is steady and the watch did not time out; `restarting_seen`
/// exactly when some state observed is a restarting one.
fn check_lifecycle(
    lc: &Lifecycle,
    obs: &[Observation],
    timed_out: bool,
) -> Result<(), TestCaseError> {
    let v = check::lifecycle(
        lc,
        LifecycleRun {
            observations: obs,
            timed_out,
            timeout: Duration::from_millis(1500),
            unanswered: None,
        },
    );
    let find = |id: &str| v.iter().filter(|v| v.id == id).collect::<Vec<_>>();
    let (seen, steady) = (
        find("lifecycle.restarting_seen"),
        find("lifecycle.steady_reached"),
    );
    prop_assert_eq!(seen.len(), 1, "{:?}", v);
    prop_assert_eq!(steady.len(), 1, "{:?}", v);
    let states: Vec<&str> = obs.iter().filter_map(|o| o.state.as_deref()).collect();
    let reached = !timed_out
        && states
            .last()
            .is_some_and(|s| lc.steady.iter().any(|x| x == s));
    let restarted = states.iter().any(|s| lc.restarting.iter().any(|x| x == s));
    prop_assert_eq!(
        steady[0].outcome == CheckOutcome::Passed,
        reached,
        "{:?} for {:?}",
        steady[0],
        states
    );
    prop_assert_eq!(
        seen[0].outcome == CheckOutcome::Passed,
        restarted,
        "{:?} for {:?}",
        seen[0],
        states
    );
    for verdict in &v {
        consistent(verdict)?;
        prop_assert_eq!(verdict.severity, lc.severity);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Strategies for answers and observations
// ---------------------------------------------------------------------------

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => 100u16..600,
        2 => select(&[200u16, 201, 202, 204, 301, 400, 401, 403, 404, 405, 409, 415, 422, 500, 503][..]),
        1 => 600u16..1000,
    ]
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON ;charset=UTF-8",
    "application/problem+json",
    "application/vnd.api+json; q=1",
    "application/+json",
    "application/json;;;",
    " application/json ",
    "+json",
    "application/jsonx",
    "text/json",
    "text/plain",
    "text/html; charset=iso-8859-1",
    "",
    ";",
    "application/json\u{0}",
    "applicatİon/json",
];

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        4 => select(&["Content-Type", "content-type", "CONTENT-TYPE", "Content-Length", "X-Request-Id"][..])
            .prop_map(str::to_owned),
        1 => "[!-~]{0,16}",
    ];
    let value = prop_oneof![
        3 => select(CONTENT_TYPES).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    vec((name, value), 0..4)
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(
            &[
                "instanceId", "instanceName", "jobId", "reboot", "restart", "type", "badRequest",
                "itemNotFound", "code", "message", "error", "error_code", "error_msg",
                "current_status", "previous_state", "server", "status", "accepted", "title",
            ][..]
        )
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        json_key().prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(json_key(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `depth` brackets around a body, closed or not.
fn nested(open: &str, close: &str, depth: usize, inner: &[u8], closed: bool) -> Vec<u8> {
    let mut b = open.repeat(depth).into_bytes();
    b.extend_from_slice(inner);
    if closed {
        b.extend_from_slice(close.repeat(depth).as_bytes());
    }
    b
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let seed = || (any::<Index>()).prop_map(|i| JSON_SEEDS[i.index(JSON_SEEDS.len())].clone());
    prop_oneof![
        2 => vec(any::<u8>(), 0..256),
        3 => (seed(), edits()).prop_map(|(s, e)| apply(&s, &e)),
        2 => seed(),
        2 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => (select(&[("[", "]"), ("{\"a\":", "}"), ("[{\"x\":", "}]")][..]), 0usize..200, seed(), any::<bool>())
            .prop_map(|((o, c), d, s, closed)| nested(o, c, d, &s, closed)),
        1 => (1usize..100_000).prop_map(|d| "[".repeat(d).into_bytes()),
        1 => (seed(), vec(0x80u8..=0xff, 1..4), any::<Index>()).prop_map(|(mut s, bad, i)| {
            let at = i.index(s.len() + 1);
            s.splice(at..at, bad);
            s
        }),
        1 => select(
            &[
                "", " \n\t\r ", "\u{feff}{}", "1e999999", "-0", "123456789012345678901234567890",
                "{\"a\":1,\"a\":2}", "\"\\uD800\"", "{\"a\":\"\\u0000\"}", "nul\0l", "[1,]", "{,}",
            ][..],
        )
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn state() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(
            &[
                "REBOOT", "HARD_REBOOT", "ACTIVE", "RESTARTING", "RUNNING", "REBOOTING",
                "active", " ACTIVE", "ACTIVE ", "", "ERROR", "SHUTOFF",
            ][..],
        )
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn observations() -> impl Strategy<Value = Vec<Observation>> {
    vec(
        (
            any::<u64>(),
            proptest::option::weighted(0.8, state()),
            ".{0,12}",
        )
            .prop_map(|(at_ms, state, note)| Observation { at_ms, state, note }),
        0..40,
    )
}

/// A built-in lifecycle, or one with arbitrary (possibly empty) state lists.
fn lifecycle_spec() -> impl Strategy<Value = Lifecycle> {
    prop_oneof![
        3 => any::<Index>().prop_map(|i| LIFECYCLES[i.index(LIFECYCLES.len())].clone()),
        1 => (vec(state(), 0..3), vec(state(), 0..3), any::<bool>(), ".{0,12}").prop_map(
            |(restarting, steady, must, pointer)| Lifecycle {
                uri: UriTemplate {
                    id: "status".into(),
                    path: "/x/{id}".into(),
                    source: String::new(),
                },
                pointer,
                restarting,
                steady,
                severity: if must { Severity::Must } else { Severity::Should },
                source: "fuzz".into(),
            },
        ),
    ]
}

fn target_value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(
            &[
                "https://ecs.example.com", "http://127.0.0.1:1/", "http://[::1]", "ftp://x",
                "https://", "http://a b", "//no-scheme", "https://é.example/path?q#f", "",
                "p1", "a/b", "?", "#", "%2F", "v1.0", "http://localhost:99999",
            ][..],
        )
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A value a target variable might hold: mostly a plain id.
fn target_id() -> impl Strategy<Value = String> {
    prop_oneof![12 => "[a-zA-Z0-9._-]{1,12}", 1 => target_value()]
}

fn target_url() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => select(
            &[
                "https://ecs.example.com", "http://127.0.0.1:8080/", "http://[::1]:9",
                "https://user:pw@h.example/base/", "http://localhost", "HTTPS://UPPER.EXAMPLE",
            ][..],
        )
        .prop_map(str::to_owned),
        1 => target_value(),
    ]
}

/// One `apis` entry: a base URL, a value for each variable (some left out),
/// perhaps one variable more.
#[derive(Debug, Clone)]
struct ApiEntry {
    url: String,
    values: Vec<String>,
    dropped: Option<Index>,
    extra: Option<(String, String)>,
}

fn api_entry() -> impl Strategy<Value = ApiEntry> {
    let var = prop_oneof![
        4 => select(
            &["project_id", "server_id", "instance_id", "version", "accountId", "instanceId", "haId", "x"][..]
        )
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    (
        target_url(),
        vec(target_id(), 6),
        proptest::option::weighted(0.1, any::<Index>()),
        proptest::option::weighted(0.15, (var, target_value())),
    )
        .prop_map(|(url, values, dropped, extra)| ApiEntry {
            url,
            values,
            dropped,
            extra,
        })
}

/// A structured target file: the built-in APIs (some left out) and perhaps an
/// unknown one, mostly well-formed values, every scalar quoted as JSON (which
/// YAML reads as a double-quoted string).
fn target_yaml() -> impl Strategy<Value = String> {
    let n = BUILTIN.specs.len();
    let unknown = prop_oneof![Just("nope".to_owned()), any::<String>()];
    (
        proptest::option::weighted(0.7, any::<String>()),
        proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n),
        vec(api_entry(), n),
        proptest::option::weighted(0.15, (unknown, api_entry())),
    )
        .prop_map(|(token_env, chosen, entries, unknown)| {
            let q = |s: &str| serde_json::to_string(s).unwrap();
            let line = |api: &str, e: &ApiEntry, vars: &[String]| {
                let dropped = e.dropped.map(|i| i.index(vars.len().max(1)));
                let mut pairs: Vec<String> = vars
                    .iter()
                    .zip(&e.values)
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != dropped)
                    .map(|(_, (k, v))| format!("{}: {}", q(k), q(v)))
                    .collect();
                if let Some((k, v)) = &e.extra {
                    pairs.push(format!("{}: {}", q(k), q(v)));
                }
                format!(
                    "  {}: {{ base_url: {}, vars: {{ {} }} }}\n",
                    q(api),
                    q(&e.url),
                    pairs.join(", ")
                )
            };
            let mut y = String::new();
            if let Some(t) = token_env {
                y.push_str(&format!("auth:\n  token_env: {}\n", q(&t)));
            }
            y.push_str("apis:\n");
            for i in chosen {
                let spec = &BUILTIN.specs[i];
                y.push_str(&line(&spec.api, &entries[i], &spec.target_vars));
            }
            if let Some((api, e)) = unknown {
                y.push_str(&line(&api, &e, &[]));
            }
            y
        })
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// Arbitrary bytes, alone or beside a real spec, never panic the spec
    /// loader, and every error names the file it is about.
    #[test]
    fn arbitrary_bytes_as_spec_files(
        files in vec((select(FILE_NAMES), arbitrary_bytes()), 1..3),
        with_real in any::<bool>(),
    ) {
        // Distinct paths, as a directory gives.
        let mut files: Vec<(PathBuf, Vec<u8>)> = files
            .into_iter()
            .enumerate()
            .map(|(i, (p, b))| (Path::new(&i.to_string()).join(p), b))
            .collect();
        if with_real {
            files.push((PathBuf::from("real/ecs.yaml"), SPEC_TEXTS[0].as_bytes().to_vec()));
        }
        load_specs(&files)?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Random edits of the real specs never panic the loader; errors name the
    /// file and their lines lie within it; a spec that still loads plans and
    /// checks without panicking.
    #[test]
    fn mutated_real_specs(bytes in spec_mutation(), name in select(FILE_NAMES)) {
        load_specs(&[(PathBuf::from(name), bytes)])?;
    }

    /// Two edited copies of a spec load side by side (duplicate API ids).
    #[test]
    fn mutated_spec_pairs(a in spec_mutation(), b in spec_mutation()) {
        load_specs(&[
            (PathBuf::from("one/a.yaml"), a),
            (PathBuf::from("two/b.yaml"), b),
        ])?;
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Arbitrary bytes as a target file never panic parsing or resolution.
    #[test]
    fn arbitrary_bytes_as_target_files(bytes in arbitrary_bytes(), name in select(FILE_NAMES)) {
        load_target(Path::new(name), &bytes)?;
    }

    /// Random edits of a valid target file never panic.
    #[test]
    fn mutated_valid_target(e in edits()) {
        load_target(Path::new("target.yaml"), &apply(VALID_TARGET.as_bytes(), &e))?;
    }

    /// Well-formed target files with arbitrary APIs, URLs and variables.
    #[test]
    fn structured_target_files(yaml in target_yaml()) {
        load_target(Path::new("target.yaml"), yaml.as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(2048))]

    /// Every planned case judges any status, headers and body: the first
    /// verdict is `status.expected`, failed whenever the status is not one
    /// the case expects.
    #[test]
    fn response_checks_judge_any_answer(
        case in any::<Index>(),
        status in status(),
        headers in headers(),
        body in body(),
    ) {
        let case = &CASES[case.index(CASES.len())];
        check_verdicts(case, &Received { status, headers, body })?;
    }

    /// A lifecycle judges any sequence of observations.
    #[test]
    fn lifecycle_checks_judge_any_observations(
        lc in lifecycle_spec(),
        obs in observations(),
        timed_out in any::<bool>(),
    ) {
        check_lifecycle(&lc, &obs, timed_out)?;
    }

    /// A second restart is judged refused exactly when both answers exist and
    /// the status is one the spec expects.
    #[test]
    fn concurrent_checks_judge_any_second_answer(
        spec in any::<Index>(),
        state in proptest::option::of(state()),
        status in proptest::option::of(status()),
    ) {
        let with: Vec<_> = BUILTIN.specs.iter().filter_map(|s| s.concurrent.as_ref()).collect();
        let k = with[spec.index(with.len())];
        let second = status.map(|s| received(s, "application/json", b"{}"));
        let v = check::concurrent_refused(k, state.as_deref(), second.as_ref());
        consistent(&v)?;
        let refused = state.is_some() && status.is_some_and(|s| expects(&k.expect, s));
        prop_assert_eq!(v.outcome == CheckOutcome::Passed, refused, "{:?}", v);
    }
}

// ---------------------------------------------------------------------------
// Deterministic edge cases
// ---------------------------------------------------------------------------

/// The base of the target mutations is itself valid.
#[test]
fn valid_target_resolves() {
    let parsed = endpoint::parse_bytes(Path::new("target.yaml"), VALID_TARGET.as_bytes()).unwrap();
    let t = endpoint::resolve(parsed, &BUILTIN, None, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.apis.len(), BUILTIN.specs.len());
}

/// Loads `bytes` as a spec and as a target; both must fail, naming the file. How long that
/// takes is a figure for `cargo bench --bench timings`, not a test.
fn refused(name: &str, bytes: Vec<u8>) {
    let path = PathBuf::from(name);
    let files = vec![(path.clone(), bytes)];
    match load_sources(files.clone()) {
        Ok(_) => panic!("{name} loaded"),
        Err(SpecError::Invalid(errors)) => {
            check_located(&errors, &files).unwrap_or_else(|e| panic!("{e}"));
        }
        Err(e) => panic!("{e}"),
    }
    match endpoint::parse_bytes(&path, &files[0].1) {
        Ok(_) => panic!("{name} parsed as a target"),
        Err(e) => check_target_error(&e, &files).unwrap_or_else(|e| panic!("{e}")),
    }
}

/// `n` integers as a flow sequence.
fn flow_list(n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!("[{}]", items.join(", "))
}

#[test]
fn oversized_and_huge_files_are_errors_not_panics_or_hangs() {
    // 5 MiB: a real spec followed by a long comment.
    let mut big = SPEC_TEXTS[0].as_bytes().to_vec();
    big.extend_from_slice(b"# ");
    big.resize(5 * 1024 * 1024, b'x');
    assert!(big.len() > MAX_FILE_BYTES);
    refused("big.yaml", big);

    // Four levels deep, 100 000 elements, under the size cap: block and flow.
    let mut block = String::from("a:\n  b:\n    c:\n");
    for i in 0..100_000 {
        block.push_str(&format!("      - {i}\n"));
    }
    assert!(block.len() < MAX_FILE_BYTES);
    refused("deep-block.yaml", block.into_bytes());
    let flow = format!("a: {{ b: {{ c: {} }} }}\n", flow_list(100_000));
    refused("deep-flow.yaml", flow.into_bytes());

    // The same list where any value is accepted: the request example of a real
    // spec, which then fails the request schema.
    let huge_example = SPEC_TEXTS[0].replace(
        "  example: { reboot: { type: SOFT } }",
        &format!(
            "  example: {{ reboot: {{ type: {} }} }}",
            flow_list(100_000)
        ),
    );
    assert_ne!(huge_example, SPEC_TEXTS[0], "the edit did not apply");
    refused("huge-example.yaml", huge_example.into_bytes());

    // More nodes than the parser's budget allows.
    let too_many = format!("a: {{ b: {{ c: {} }} }}\n", flow_list(300_000));
    refused("too-many.yaml", too_many.into_bytes());

    // Deeper than the parser's budget allows.
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    refused("deep.yaml", deep.into_bytes());
}
