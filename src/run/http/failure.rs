//! Transport errors in plain sentences: how each kind of missing answer is worded, and how
//! the runner tells a request that got no answer from one that got a wrong one.

use std::time::Duration;

use crate::endpoint::tls;

/// How the message of a request that timed out begins.
pub const NO_RESPONSE: &str = "no response within";
/// How the message of a refused (or otherwise failed) connection begins.
pub const NO_CONNECTION: &str = "could not connect";
/// How the message of an answer that was not HTTP (or a closed connection) begins.
pub const NOT_HTTP: &str = "no valid HTTP response";
/// How the message of an answer whose connection broke mid-body begins.
pub const CUT_OFF: &str = "the connection broke while reading the body";

/// True when `error`, a message of this module, says that no complete
/// answer came: a timeout, a refused, reset or closed connection, bytes that
/// are not HTTP, a body cut off. A body over the cap is an answer.
pub fn no_answer(error: &str) -> bool {
    [NO_RESPONSE, NO_CONNECTION, NOT_HTTP, CUT_OFF]
        .iter()
        .any(|opening| error.starts_with(opening))
}

/// True when `error` says the request timed out.
pub fn timed_out(error: &str) -> bool {
    error.starts_with(NO_RESPONSE)
}

/// A plain sentence for a transport error; `run::health` tells the kinds
/// apart by the openings above.
pub(super) fn describe(e: &reqwest::Error, timeout: Duration, url: &str) -> String {
    // A TLS failure says which, for which host and what to set, whatever
    // stage of the connection it came in.
    if let Some(sentence) = tls::explain(e, url) {
        return format!("{NO_CONNECTION}: {sentence}");
    }
    if e.is_timeout() {
        format!(
            "{NO_RESPONSE} {:.1} s (--request-timeout)",
            timeout.as_secs_f64()
        )
    } else if e.is_connect() {
        format!("{NO_CONNECTION}: {}", crate::error_chain::one_line(e))
    } else {
        format!("{NOT_HTTP}: {}", crate::error_chain::one_line(e))
    }
}
