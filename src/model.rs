//! The values that several stages share: severities, check ids and rule
//! groups as enums, verdicts, exchanges and lifecycle observations.
//!
//! `spec`, `plan`, `run`, `check` and `report` all read this module, and it
//! reads none of them, so no stage needs to import a later one. The serde
//! names are the `report.json` contract: rename nothing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every check id the harness emits. Renaming one breaks `report.json` readers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    StatusExpected,
    StatusPreferred,
    StatusDocumented,
    ContentTypeJson,
    BodySchema,
    BodyEmpty,
    BodyExample,
    BodyErrorShape,
    LifecycleRestartingSeen,
    LifecycleSteadyReached,
    RestartConcurrentRefused,
    Transport,
    /// A promise a spec declares but no request can observe (`not_verifiable`
    /// in a case): its id is the spec's, such as `restart.type_effect`.
    Promise(String),
}

impl CheckId {
    /// The ids the harness itself decides (every variant but [`CheckId::Promise`]).
    pub const ALL: &'static [CheckId] = &[
        CheckId::StatusExpected,
        CheckId::StatusPreferred,
        CheckId::StatusDocumented,
        CheckId::ContentTypeJson,
        CheckId::BodySchema,
        CheckId::BodyEmpty,
        CheckId::BodyExample,
        CheckId::BodyErrorShape,
        CheckId::LifecycleRestartingSeen,
        CheckId::LifecycleSteadyReached,
        CheckId::RestartConcurrentRefused,
        CheckId::Transport,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            CheckId::StatusExpected => "status.expected",
            CheckId::StatusPreferred => "status.preferred",
            CheckId::StatusDocumented => "status.documented",
            CheckId::ContentTypeJson => "content_type.json",
            CheckId::BodySchema => "body.schema",
            CheckId::BodyEmpty => "body.empty",
            CheckId::BodyExample => "body.example",
            CheckId::BodyErrorShape => "body.error_shape",
            CheckId::LifecycleRestartingSeen => "lifecycle.restarting_seen",
            CheckId::LifecycleSteadyReached => "lifecycle.steady_reached",
            CheckId::RestartConcurrentRefused => "restart.concurrent_refused",
            CheckId::Transport => "transport",
            CheckId::Promise(id) => id,
        }
    }

    /// Reads an id back: a known id gives its variant, anything else a promise.
    pub fn parse(s: &str) -> CheckId {
        CheckId::ALL
            .iter()
            .find(|id| id.as_str() == s)
            .cloned()
            .unwrap_or_else(|| CheckId::Promise(s.to_owned()))
    }

    /// The part before the first dot: `status`, `body`, `lifecycle`, …
    pub fn family(&self) -> &str {
        let s = self.as_str();
        s.split('.').next().unwrap_or(s)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CheckId, D::Error> {
        let s = String::deserialize(d)?;
        Ok(CheckId::parse(&s))
    }
}

/// Rule group of a case, for the conformance matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Success,
    Negative,
    Auth,
    Concurrency,
}

impl Group {
    pub const ALL: &'static [Group] = &[
        Group::Success,
        Group::Negative,
        Group::Auth,
        Group::Concurrency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Success => "success",
            Group::Negative => "negative",
            Group::Auth => "auth",
            Group::Concurrency => "concurrency",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's verdict, the shape `report.json` carries.
pub type Verdict = CheckReport;

/// The outcome of one case, as in the JUnit file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    Passed,
    /// A check failed: a broken rule.
    Failed,
    /// No complete answer came back: a transport error.
    Errored,
    Skipped,
}

impl CaseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseOutcome::Passed => "passed",
            CaseOutcome::Failed => "failed",
            CaseOutcome::Errored => "errored",
            CaseOutcome::Skipped => "skipped",
        }
    }
}

/// How serious a broken rule is (the book's conformance rules, `docs/book/src/conformance-rules.md`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Must,
    Should,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Must => "must",
            Severity::Should => "should",
        }
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Passed,
    /// A must-check did not hold.
    Failed,
    /// A should-check did not hold (fails the case only under `--strict`).
    Warning,
    /// The API gives no way to observe the promise from outside.
    NotVerifiable,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Passed => "passed",
            CheckOutcome::Failed => "failed",
            CheckOutcome::Warning => "warning",
            CheckOutcome::NotVerifiable => "not_verifiable",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckReport {
    /// Stable check id such as `status.expected` or `body.schema`.
    pub id: CheckId,
    pub severity: Severity,
    pub outcome: CheckOutcome,
    pub message: String,
    /// Schema errors, one per line with its instance path, and similar detail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Unified diff (expected vs actual) where the check compared two bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// What the rule asked for, as a value: the acceptable status codes
    /// (`[202]`, `["4xx"]`), a media type, a body shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<serde_json::Value>,
    /// What the target answered, as a value: the status code, the media type,
    /// the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<serde_json::Value>,
    /// Each schema error as a record, for programs reading `report.json`;
    /// `details` keeps the same errors as lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_errors: Vec<SchemaError>,
}

/// One JSON Schema violation, as the validator reported it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON Pointer into the response body (`/server/status`; empty for the root).
    pub instance_path: String,
    /// JSON Pointer into the schema (`/properties/server/required`).
    pub schema_path: String,
    /// The schema keyword that failed: `required`, `type`, `enum`, …
    pub keyword: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseReport {
    /// The case id, also the libtest trial name: paste it after `run --exact`.
    pub name: String,
    pub api: String,
    /// Rule group for the conformance matrix.
    pub group: Group,
    pub outcome: CaseOutcome,
    pub duration_ms: u64,
    /// When the case started, in milliseconds since the run started: with
    /// `duration_ms`, when it held its resource.
    #[serde(default)]
    pub started_ms: u64,
    /// Where the rule comes from: seed document and table or section.
    pub source: String,
    /// Why the case was skipped, or the transport error that stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub checks: Vec<CheckReport>,
    pub exchanges: Vec<ExchangeRecord>,
    /// Lifecycle observations: the resource's state over time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle: Vec<Observation>,
    /// Things the runner did that a reader should know (waits, recoveries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A shell line that repeats the case's main request; the token is `$OS_AUTH_TOKEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// The resource the case ran on, `api/id`, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// For an accepted restart: when it went through its states, read from the polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<RestartTiming>,
    /// True when the entry comes from the journal of an interrupted run
    /// (`run --resume`): the case finished then and was not sent again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_journal: bool,
    /// True when the case passed after a retry: a request got no answer and was sent again
    /// (nextest's "flaky"). What was lost is in `retries`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
    /// The requests that got no answer and were tried again, and the tries of the case that
    /// were run again; empty when every request was answered at once.
    #[serde(default, skip_serializing_if = "Retries::is_empty")]
    pub retries: Retries,
    /// The concurrency probe: the positive case during whose restart it sent its second
    /// restart (it caused no restart of its own); absent when it restarted the resource itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rode_on: Option<String>,
    /// How many restarts the case started on its resource.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restarts: usize,
}

/// What transport trouble cost a case: only requests that got no answer (reset, refused,
/// timed out, cut off) are ever tried again, never a finding.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Retries {
    /// Every request that got no answer, in the order they were lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostRequest>,
    /// The tries of the case before the last, when its own request got no answer and the
    /// case was run again; the case's `exchanges` are those of the last try.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_tries: Vec<EarlierTry>,
}

impl Retries {
    pub fn is_empty(&self) -> bool {
        self.lost.is_empty() && self.earlier_tries.is_empty()
    }
}

/// One request that got no answer, and what the runner did about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LostRequest {
    /// The try of the case it was lost in: 1 for the first.
    #[serde(rename = "try")]
    pub try_number: u32,
    /// The exchange's purpose: `request`, `second restart`, `status`, …
    pub purpose: String,
    /// Milliseconds since the case started, when the request went out.
    pub at_ms: u64,
    /// Why no answer came.
    pub error: String,
    /// What followed: sent again, or the case run again, and why.
    pub then: String,
}

/// A try of a case that was run again because its own request got no answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EarlierTry {
    /// 1 for the first try.
    #[serde(rename = "try")]
    pub try_number: u32,
    pub exchanges: Vec<ExchangeRecord>,
    /// The resource's state over the try, the watch after the lost request included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifecycle: Vec<Observation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One request and what came back. The token is shown as `***`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExchangeRecord {
    /// What this exchange was for: `restart`, `second restart`, `status`, …
    pub purpose: String,
    pub request: RequestRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    /// Set when no complete response came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds since the case started, when the request went out.
    pub at_ms: u64,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy where it is not UTF-8), cut at the body cap.
    pub body: String,
    #[serde(default)]
    pub body_truncated: bool,
}

/// The resource's state at one poll.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Observation {
    /// Milliseconds since the case started.
    pub at_ms: u64,
    /// The state read at the spec's JSON pointer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// HTTP status of the poll, or the transport error.
    pub note: String,
}

/// A response as received, ready to judge.
#[derive(Debug, Clone)]
pub struct Received {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when the body holds anything but whitespace.
    pub fn has_body(&self) -> bool {
        self.body.iter().any(|b| !b.is_ascii_whitespace())
    }
}

/// What the run stage saw of one case: every exchange and lifecycle
/// observation, and no verdict. `check` judges it.
#[derive(Debug, Clone, Default)]
pub struct CaseRun {
    /// Set when the case was not sent (its API is not configured): the reason.
    pub skipped: Option<String>,
    /// Set when no complete answer came back to the main request.
    pub transport_error: Option<String>,
    /// The answer to the main request.
    pub main: Option<Received>,
    /// The state read just before the request, when the case waited for one.
    pub before: Option<Observation>,
    /// The restart watched after an accepted request.
    pub watch: Option<Watched>,
    /// Concurrency cases: the answer to the restart sent during the first
    /// (`Err` when it got no complete answer); `None` when none was sent.
    pub second: Option<Result<Received, String>>,
    pub exchanges: Vec<ExchangeRecord>,
    pub notes: Vec<String>,
    pub curl: Option<String>,
    /// The resource the case ran on (`api/id`), when it names one.
    pub resource: Option<String>,
    /// Milliseconds since the run started, when the case started.
    pub started_ms: u64,
    pub duration_ms: u64,
    /// Requests that got no answer and were tried again, and earlier tries of the case.
    pub retries: Retries,
    /// The concurrency probe: the positive case during whose restart it sent its second
    /// restart, so that it caused no restart of its own.
    pub rode_on: Option<String>,
    /// Restarts this case started on its resource: accepted restarts (and accepted
    /// requests that the resource answered by restarting).
    pub restarts: usize,
}

/// A restart watched through the status URI.
#[derive(Debug, Clone, Default)]
pub struct Watched {
    pub observations: Vec<Observation>,
    /// The first restarting state seen.
    pub restarting: Option<String>,
    /// The lifecycle timeout ran out before the steady state came back.
    pub timed_out: bool,
    /// How long the run waited at most (`--lifecycle-timeout`).
    pub timeout: std::time::Duration,
    /// Set when no restarting state showed and the resource stayed steady
    /// through the grace, but a status poll went unanswered for longer than
    /// twice the poll interval and a second (`(when it went out, why)`): the
    /// restart may have shown meanwhile, so its absence proves nothing.
    pub unanswered: Option<(u64, String)>,
}

// The whole report: the `report.json` contract, field names are public API
// for whoever consumes it; rename nothing without a version bump.

/// Version of the `report.json` layout.
pub const REPORT_FORMAT: u32 = 1;

/// One whole run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub format: u32,
    pub tool: ToolInfo,
    pub run: RunInfo,
    pub summary: Summary,
    /// API id → time from an accepted restart's answer to the first poll that saw the steady
    /// state again, over the run's restarts.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub restart_times: std::collections::BTreeMap<String, TimeStats>,
    /// Resource (`api/id`) → restarts the run started on it: what the run cost the target.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub restarts: std::collections::BTreeMap<String, usize>,
    pub cases: Vec<CaseReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// Where and how the run happened. Never holds the token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
    /// `embedded reference server` or the target file's path.
    pub target: String,
    /// API id → base URL, for the configured APIs.
    pub base_urls: std::collections::BTreeMap<String, String>,
    /// Hex digest of the spec set that produced the cases.
    pub spec_digest: String,
    pub strict: bool,
    /// libtest filters and `--skip` values, as given.
    pub filters: Vec<String>,
    /// True when the run was interrupted before every case finished.
    #[serde(default)]
    pub interrupted: bool,
    /// Set when the token came from signing in to a cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignInInfo>,
    /// Set when requests were signed with an AK/SK key pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningInfo>,
    /// Milliseconds between status polls (`--poll-interval`): how far apart the two polls
    /// are that bound each restart transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<u64>,
    /// A fresh id per run, kept when the run is resumed: what tells two
    /// runs apart in a history.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub run_id: String,
    /// How many cases came from the journal of the interrupted run, when
    /// this run resumed one (`run --resume`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resumed_cases: usize,
    /// Set when the run trusted a private CA, sent a client certificate or
    /// did not verify certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// Set for a run made for conformance profiles (`run --profile`): which profiles, and
    /// the settings their caps were checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_run: Option<ProfileRun>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A run made for conformance profiles: what a results bundle and `verify` read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileRun {
    /// The profiles the run selected its cases from, in the order given.
    pub profiles: Vec<ProfileRef>,
    /// The settings that bear on a verdict.
    pub settings: RunSettings,
    /// The command lines that made the run (one per partition of a merged run), redacted.
    pub command_lines: Vec<String>,
}

/// A profile by name, and the SHA-256 of its file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileRef {
    pub name: String,
    pub sha256: String,
}

/// A run's settings that bear on a verdict (never a secret).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunSettings {
    /// `--lifecycle-timeout`, in milliseconds.
    pub lifecycle_timeout_ms: u64,
    /// `--request-timeout`, in milliseconds.
    pub request_timeout_ms: u64,
    /// `--restart-grace`, in milliseconds.
    pub restart_grace_ms: u64,
    /// `--poll-interval`, in milliseconds.
    pub poll_interval_ms: u64,
    /// `--follow-redirects`.
    pub follow_redirects: bool,
    /// `--strict`.
    pub strict: bool,
    /// Where the specs came from: `built in`, or the `--specs` folder.
    pub specs: String,
    /// The embedded server's `--fault`s (empty against a target).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
}

/// The TLS a run used; paths only, never a key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TlsInfo {
    /// Hosts (`host:port`) whose certificates were NOT verified (`verify: false`).
    #[serde(default)]
    pub not_verified: Vec<String>,
    /// What turned verification off: `--insecure`, `OS_INSECURE`, a file's `verify`.
    #[serde(default)]
    pub not_verified_by: Vec<String>,
    /// Private CA files added to the system roots.
    #[serde(default)]
    pub ca_files: Vec<String>,
    /// Client certificate files sent (mutual TLS).
    #[serde(default)]
    pub client_certificates: Vec<String>,
}

/// Which APIs signed their requests with AK/SK, and where the keys came
/// from: variable names only, never a key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SigningInfo {
    /// `SDK-HMAC-SHA256`.
    pub algorithm: String,
    /// The API ids whose every request was signed.
    pub apis: Vec<String>,
    /// The environment variables the key pair and, for a temporary key, its
    /// security token are read from (for a `clouds.yaml` key pair, the Huawei
    /// SDK variables its `curl` lines name).
    pub key_sources: Vec<String>,
}

/// Who signed in where; never a password or secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignInInfo {
    /// The clouds.yaml entry, or `OS_* variables`.
    pub cloud: String,
    pub auth_url: String,
    pub user: String,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Should-level findings (warnings) across all cases.
    pub warnings: usize,
    /// Passed cases that passed only after a retry (counted in `passed` too).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flaky: usize,
}

impl Summary {
    pub fn of(cases: &[CaseReport]) -> Summary {
        let mut s = Summary::default();
        for c in cases {
            s.flaky += usize::from(c.flaky);
            match c.outcome {
                CaseOutcome::Passed => s.passed += 1,
                CaseOutcome::Failed | CaseOutcome::Errored => s.failed += 1,
                CaseOutcome::Skipped => s.skipped += 1,
            }
            s.warnings += c
                .checks
                .iter()
                .filter(|k| k.outcome == CheckOutcome::Warning)
                .count();
        }
        s
    }
}

/// When an accepted restart went through its states, as the status polls saw it.
///
/// The harness sees the resource only when it polls, so each change of state is known between
/// two moments, never at one: [`Transition::after_ms`] and [`Transition::by_ms`] bound it. All
/// times are milliseconds since the case started, like [`ExchangeRecord::at_ms`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RestartTiming {
    /// When the answer accepting the restart came back.
    pub answered_ms: u64,
    /// The run's `--poll-interval`, when the report knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<u64>,
    /// Status polls sent after the answer.
    pub polls: usize,
    /// The first poll that saw a restarting state; `None` when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarting: Option<Transition>,
    /// The first poll after the restarting state that saw a steady state again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady: Option<Transition>,
    /// Time from the answer to the steady state, as bounds: `steady` less `answered_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_steady: Option<Bounds>,
}

/// A change of state seen by a poll, bounded by the polls around it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Transition {
    /// The state the poll read.
    pub state: String,
    /// When the first poll that read it was sent.
    pub seen_ms: u64,
    /// The change happened after this: when the poll before it was sent (for the restarting
    /// state, when the restart request itself was sent, since the target may change state while
    /// it handles the request).
    pub after_ms: u64,
    /// The change had happened by this: when the answer of the poll that saw it came back.
    pub by_ms: u64,
}

/// A time known to lie between two bounds, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bounds {
    pub after_ms: u64,
    pub by_ms: u64,
}

/// Figures over a set of times, in milliseconds: the median is the middle value (the mean of
/// the two middle ones for an even count, rounded down), p95 the nearest-rank 95th percentile.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimeStats {
    pub count: usize,
    pub median_ms: u64,
    pub p95_ms: u64,
    pub max_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_pinned() {
        let ids: Vec<_> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "status.expected",
                "status.preferred",
                "status.documented",
                "content_type.json",
                "body.schema",
                "body.empty",
                "body.example",
                "body.error_shape",
                "lifecycle.restarting_seen",
                "lifecycle.steady_reached",
                "restart.concurrent_refused",
                "transport",
            ]
        );
        for id in CheckId::ALL {
            assert_eq!(&CheckId::parse(id.as_str()), id);
        }
        assert_eq!(
            CheckId::parse("restart.type_effect"),
            CheckId::Promise("restart.type_effect".into())
        );
    }

    #[test]
    fn groups_serialize_to_their_stable_names() {
        for g in Group::ALL {
            let json = serde_json::to_string(g).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", g.as_str()));
        }
    }
}
