//! Fault modes: named, deliberate departures from the documents.
//!
//! Each fault is the conformant behaviour with exactly one change, so a test can switch one on
//! and show the one conformance check that notices it. Several faults may be active at once;
//! the handlers consult the set, this file only names and describes them.

use std::fmt;
use std::str::FromStr;

/// One deliberate departure from conformant behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// DDM answers a successful restart with 202 instead of 200.
    DdmWrongSuccessStatus,
    /// DDM's 200 body lacks `jobId`.
    DdmMissingJobId,
    /// DDM's 200 JSON body is labelled `text/plain`.
    DdmTextPlain,
    /// DDM's 400 bodies lack `errCode` and `externalMessage`.
    DdmBadErrorBody,
    /// ModelArts' `current_status` is a number.
    ModelartsWrongType,
    /// clouddb's 202 carries a JSON body.
    ClouddbBodyOn202,
    /// clouddb's errors are plain text instead of the fault wrapper.
    ClouddbBadErrorBody,
    /// clouddb refuses a restart during `REBOOT` with 409 instead of 422.
    ClouddbUndocumentedStatus,
    /// The HA instance never leaves `REBOOT`.
    HaNeverActive,
    /// The HA instance never shows `REBOOT`.
    HaNoRebootState,
    /// ECS accepts a restart while a reboot runs.
    EcsConcurrentAccepted,
    /// ECS answers 404 on every `/v2/` path.
    EcsV2Missing,
    /// ECS answers a successful reboot with 200 instead of 202.
    EcsSuccess200,
    /// Bodies missing a required property are accepted.
    AcceptMissingRequired,
    /// String values outside the enum are accepted.
    AcceptBadEnum,
    /// Values of the wrong JSON type are accepted.
    AcceptWrongType,
    /// A body that is not JSON is accepted.
    AcceptMalformedJson,
    /// A non-JSON `Content-Type` is accepted.
    AcceptAnyMediaType,
    /// A request without `X-Auth-Token` is accepted.
    AcceptNoToken,
    /// An unknown resource id on the action URI answers success.
    AcceptUnknownId,
    /// Any method on the action URI answers 200 `{}`.
    AcceptAnyMethod,
    /// DDM refuses the valid bodies `{}` and `{"restart":{}}`.
    RejectOptionalBody,
    /// Invalid bodies are refused with 500 instead of 400.
    ServerErrorOnBadBody,
    /// DDM's 200 body is a chunked 200 MB JSON document.
    HugeBody,
    /// DDM's action URI never answers.
    Hang,
    /// DDM's 200 body is cut off in the middle.
    TruncatedJson,
    /// DDM's 200 body holds bytes that are not UTF-8.
    InvalidUtf8,
    /// DDM's 200 JSON body is labelled `text/html`.
    JsonAsHtml,
    /// DDM's action URI redirects to another host.
    Redirect,
    /// DDM's first action request per instance answers 503 with `Retry-After`.
    RetryAfter,
    /// DDM's connections close right after the request head.
    CloseEarly,
    /// DDM's connections answer bytes that are not HTTP.
    NotHttp,
    /// ECS answers as OpenStack Nova 34 does where the documents are silent.
    NovaLike,
    /// clouddb answers as OpenStack Trove 26 does, its 500 to `{}` included.
    TroveLike,
    /// Every action request is answered with its documented success, and no
    /// resource ever restarts: the lenient target of long runs.
    AcceptAllNoRestart,
    /// An AK/SK signature that does not match the request is accepted.
    AcceptTamperedSignature,
    /// An AK/SK signature whose `X-Sdk-Date` is past the 15-minute skew is accepted.
    AcceptStaleSignature,
    /// A seeded 5 % of all requests have their connection reset, half before the server sees
    /// them, half after it served them.
    DropRequests,
    /// A seeded 20 % of the reads (status polls, the reachability probe) have their
    /// connection reset before the server sees them.
    DropPolls,
    /// The first status read after each resource's first accepted restart is held until the
    /// restart is over, then its connection is reset: the restart shows to no poll.
    LosePollInRestart,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: &'static [Fault] = &[
        Fault::DdmWrongSuccessStatus,
        Fault::DdmMissingJobId,
        Fault::DdmTextPlain,
        Fault::DdmBadErrorBody,
        Fault::ModelartsWrongType,
        Fault::ClouddbBodyOn202,
        Fault::ClouddbBadErrorBody,
        Fault::ClouddbUndocumentedStatus,
        Fault::HaNeverActive,
        Fault::HaNoRebootState,
        Fault::EcsConcurrentAccepted,
        Fault::EcsV2Missing,
        Fault::EcsSuccess200,
        Fault::AcceptMissingRequired,
        Fault::AcceptBadEnum,
        Fault::AcceptWrongType,
        Fault::AcceptMalformedJson,
        Fault::AcceptAnyMediaType,
        Fault::AcceptNoToken,
        Fault::AcceptUnknownId,
        Fault::AcceptAnyMethod,
        Fault::RejectOptionalBody,
        Fault::ServerErrorOnBadBody,
        Fault::HugeBody,
        Fault::Hang,
        Fault::TruncatedJson,
        Fault::InvalidUtf8,
        Fault::JsonAsHtml,
        Fault::Redirect,
        Fault::RetryAfter,
        Fault::CloseEarly,
        Fault::NotHttp,
        Fault::NovaLike,
        Fault::TroveLike,
        Fault::AcceptAllNoRestart,
        Fault::AcceptTamperedSignature,
        Fault::AcceptStaleSignature,
        Fault::DropRequests,
        Fault::DropPolls,
        Fault::LosePollInRestart,
    ];

    /// The kebab-case name used on the command line and in test tables.
    pub fn name(self) -> &'static str {
        match self {
            Fault::DdmWrongSuccessStatus => "ddm-wrong-success-status",
            Fault::DdmMissingJobId => "ddm-missing-job-id",
            Fault::DdmTextPlain => "ddm-text-plain",
            Fault::DdmBadErrorBody => "ddm-bad-error-body",
            Fault::ModelartsWrongType => "modelarts-wrong-type",
            Fault::ClouddbBodyOn202 => "clouddb-body-on-202",
            Fault::ClouddbBadErrorBody => "clouddb-bad-error-body",
            Fault::ClouddbUndocumentedStatus => "clouddb-undocumented-status",
            Fault::HaNeverActive => "ha-never-active",
            Fault::HaNoRebootState => "ha-no-reboot-state",
            Fault::EcsConcurrentAccepted => "ecs-concurrent-accepted",
            Fault::EcsV2Missing => "ecs-v2-missing",
            Fault::EcsSuccess200 => "ecs-success-200",
            Fault::AcceptMissingRequired => "accept-missing-required",
            Fault::AcceptBadEnum => "accept-bad-enum",
            Fault::AcceptWrongType => "accept-wrong-type",
            Fault::AcceptMalformedJson => "accept-malformed-json",
            Fault::AcceptAnyMediaType => "accept-any-media-type",
            Fault::AcceptNoToken => "accept-no-token",
            Fault::AcceptUnknownId => "accept-unknown-id",
            Fault::AcceptAnyMethod => "accept-any-method",
            Fault::RejectOptionalBody => "reject-optional-body",
            Fault::ServerErrorOnBadBody => "server-error-on-bad-body",
            Fault::HugeBody => "huge-body",
            Fault::Hang => "hang",
            Fault::TruncatedJson => "truncated-json",
            Fault::InvalidUtf8 => "invalid-utf8",
            Fault::JsonAsHtml => "json-as-html",
            Fault::Redirect => "redirect",
            Fault::RetryAfter => "retry-after",
            Fault::CloseEarly => "close-early",
            Fault::NotHttp => "not-http",
            Fault::NovaLike => "nova-like",
            Fault::TroveLike => "trove-like",
            Fault::AcceptAllNoRestart => "accept-all-no-restart",
            Fault::AcceptTamperedSignature => "accept-tampered-signature",
            Fault::AcceptStaleSignature => "accept-stale-signature",
            Fault::DropRequests => "drop-requests",
            Fault::DropPolls => "drop-polls",
            Fault::LosePollInRestart => "lose-poll-in-restart",
        }
    }

    /// One line saying what changes when this fault is active.
    pub fn description(self) -> &'static str {
        match self {
            Fault::DdmWrongSuccessStatus => {
                "ddm: a successful restart answers 202 instead of the documented 200"
            }
            Fault::DdmMissingJobId => "ddm: the 200 body lacks the jobId field",
            Fault::DdmTextPlain => "ddm: the 200 JSON body is labelled Content-Type: text/plain",
            Fault::DdmBadErrorBody => {
                "ddm: 400 bodies are {\"error\":\"bad request\"} instead of errCode/externalMessage"
            }
            Fault::ModelartsWrongType => {
                "modelarts: current_status in the 200 body is the number 3"
            }
            Fault::ClouddbBodyOn202 => {
                "clouddb: the 202 carries the JSON body {\"accepted\": true}"
            }
            Fault::ClouddbBadErrorBody => {
                "clouddb: error bodies are plain text instead of the OpenStack fault wrapper"
            }
            Fault::ClouddbUndocumentedStatus => {
                "clouddb: a restart during REBOOT answers 409 (not in the table) instead of 422"
            }
            Fault::HaNeverActive => "clouddb-ha: after a restart the state stays REBOOT forever",
            Fault::HaNoRebootState => {
                "clouddb-ha: a restart is instantaneous, the state never shows REBOOT"
            }
            Fault::EcsConcurrentAccepted => {
                "ecs: a restart while a reboot runs is accepted (202) instead of refused with 409"
            }
            Fault::EcsV2Missing => "ecs: every /v2/ path answers 404, only /v2.1/ works",
            Fault::EcsSuccess200 => {
                "ecs: a successful reboot answers 200 (empty body) instead of 202"
            }
            Fault::AcceptMissingRequired => {
                "all: bodies missing a required property are accepted as a restart"
            }
            Fault::AcceptBadEnum => "all: string values outside the enum are accepted as a restart",
            Fault::AcceptWrongType => {
                "all: values of the wrong JSON type are accepted as a restart"
            }
            Fault::AcceptMalformedJson => "all: a body that is not JSON is accepted as a restart",
            Fault::AcceptAnyMediaType => "all: a non-JSON Content-Type is accepted",
            Fault::AcceptNoToken => "all: an action request without X-Auth-Token is accepted",
            Fault::AcceptUnknownId => {
                "all: an unknown resource id on the action URI answers success"
            }
            Fault::AcceptAnyMethod => "all: GET/PUT/DELETE on the action URI answer 200 {}",
            Fault::RejectOptionalBody => {
                "ddm: the valid bodies {} and {\"restart\":{}} are refused with 400"
            }
            Fault::ServerErrorOnBadBody => {
                "all: invalid bodies are refused with 500 instead of 400"
            }
            Fault::HugeBody => "ddm: the 200 body is a chunked 200 MB JSON document",
            Fault::Hang => "ddm: the action URI accepts the request and never answers",
            Fault::TruncatedJson => "ddm: the 200 JSON body is cut off in the middle",
            Fault::InvalidUtf8 => "ddm: the 200 JSON body holds the bytes 0xff 0xfe in a string",
            Fault::JsonAsHtml => "ddm: the 200 JSON body is labelled Content-Type: text/html",
            Fault::Redirect => "ddm: the action URI answers 307 to the same path on another host",
            Fault::RetryAfter => {
                "ddm: the first action request per instance answers 503 with Retry-After: 1"
            }
            Fault::CloseEarly => "ddm: every connection closes right after the request head",
            Fault::NotHttp => "ddm: every connection answers bytes that are not HTTP, then closes",
            Fault::NovaLike => {
                "ecs: as OpenStack Nova 34: GET/PUT/DELETE on the action URI answer the framework's 404 JSON, a text/plain body holding JSON is accepted (202)"
            }
            Fault::AcceptTamperedSignature => {
                "all: an AK/SK signature that does not match the request received is accepted"
            }
            Fault::AcceptStaleSignature => {
                "all: an AK/SK signature with an X-Sdk-Date more than 15 minutes off is accepted"
            }
            Fault::TroveLike => {
                "clouddb: as OpenStack Trove 26: 404 itemNotFound for GET/PUT/DELETE on the action URI, the identity layer's 401, framework-bodied 400/415, 500 instanceFault to {}"
            }
            Fault::AcceptAllNoRestart => {
                "all: every POST on an action URI answers the documented success, whatever it holds, and no resource ever restarts"
            }
            Fault::DropRequests => {
                "all: a seeded 5 % of requests (actions included) have their connection reset, half before the server sees them, half after it served them"
            }
            Fault::DropPolls => {
                "all: a seeded 20 % of reads (status polls, the reachability probe) have their connection reset before the server sees them"
            }
            Fault::LosePollInRestart => {
                "all: the first status read after each resource's first accepted restart is held until the restart is over, then its connection is reset, so no poll shows the restart"
            }
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|fault| fault.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|fault| fault.name()).collect();
                format!(
                    "unknown fault `{s}`; valid faults are: {}",
                    names.join(", ")
                )
            })
    }
}
