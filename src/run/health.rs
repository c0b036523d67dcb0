//! Failing fast on a dead API.
//!
//! A target whose requests all hang would otherwise cost one request
//! timeout per case. After `limit` requests in a row on one API that got no
//! answer (no answer in time, a refused or closed connection, bytes that
//! are not HTTP, a body cut off), its remaining cases end at once as
//! errored, and the other APIs carry on. A status poll counts once, after
//! its own quick retries (`Http::send_read`), so a flaky network does not
//! end an API; an action counts each time it is lost, since it is never
//! re-sent blindly (the resource is watched first), so a dead API is still
//! given up in one wave of timeouts. Action requests and status polls are
//! counted apart: an API whose status URI answers while every restart hangs
//! is still dead for restarts, and the answered polls between cases must
//! not hide it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::http::{no_answer, timed_out};

/// Consecutive transport failures per API and kind of request.
#[derive(Debug, Default)]
pub struct Health {
    /// 0 turns the rule off.
    limit: usize,
    state: Mutex<BTreeMap<String, ApiHealth>>,
}

#[derive(Debug, Default, Clone)]
struct ApiHealth {
    actions: Streak,
    polls: Streak,
    /// Set once the API is given up on: the reason cases show.
    dead: Option<String>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Streak {
    failures: usize,
    timeouts: usize,
}

impl Streak {
    fn record(&mut self, error: Option<&String>) {
        match error {
            None => *self = Streak::default(),
            Some(e) if timed_out(e) => {
                self.failures += 1;
                self.timeouts += 1;
            }
            Some(e) if no_answer(e) => self.failures += 1,
            // The target answered (a body over the cap, say): it is alive.
            Some(_) => *self = Streak::default(),
        }
    }
}

impl Health {
    pub fn new(limit: usize) -> Health {
        Health {
            limit,
            state: Mutex::default(),
        }
    }

    /// Records how an action request (a case's own request) ended.
    pub fn record_action(&self, api: &str, error: Option<&String>) {
        self.record(api, error, |h| &mut h.actions);
    }

    /// Records how a status poll ended.
    pub fn record_poll(&self, api: &str, error: Option<&String>) {
        self.record(api, error, |h| &mut h.polls);
    }

    fn record(&self, api: &str, error: Option<&String>, pick: fn(&mut ApiHealth) -> &mut Streak) {
        if self.limit == 0 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let h = state.entry(api.to_owned()).or_default();
        let streak = pick(h);
        streak.record(error);
        let streak = *streak;
        if h.dead.is_none() && streak.failures >= self.limit {
            let what = if streak.timeouts == streak.failures {
                "timeouts"
            } else {
                "requests without an answer"
            };
            h.dead = Some(format!(
                "not sent: {api} stopped answering ({} {what} in a row)",
                streak.failures
            ));
        }
    }

    /// Gives up on `api` at once, for `why` (it could not be reached at all).
    pub fn give_up(&self, api: &str, why: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.entry(api.to_owned()).or_default().dead = Some(why.to_owned());
    }

    /// The reason a case of `api` is not sent, once the API is given up on.
    pub fn refusal(&self, api: &str) -> Option<String> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.get(api).and_then(|h| h.dead.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::http::{NO_CONNECTION, NO_RESPONSE};
    use super::*;

    fn timeout() -> Option<String> {
        Some(format!("{NO_RESPONSE} 2.0 s (--request-timeout)"))
    }

    #[test]
    fn three_timeouts_in_a_row_give_up_on_the_api_only() {
        let h = Health::new(3);
        for _ in 0..2 {
            h.record_action("ecs", timeout().as_ref());
        }
        assert_eq!(h.refusal("ecs"), None);
        h.record_action("ecs", timeout().as_ref());
        assert_eq!(
            h.refusal("ecs").as_deref(),
            Some("not sent: ecs stopped answering (3 timeouts in a row)")
        );
        assert_eq!(h.refusal("ddm"), None);
    }

    #[test]
    fn an_answer_resets_the_streak_and_polls_count_apart() {
        let h = Health::new(3);
        let refused = Some(format!("{NO_CONNECTION}: connection refused"));
        h.record_action("ddm", refused.as_ref());
        h.record_action("ddm", refused.as_ref());
        h.record_action("ddm", None);
        h.record_action("ddm", refused.as_ref());
        // Answered polls between the actions do not reset the action streak.
        h.record_poll("ddm", None);
        h.record_action("ddm", timeout().as_ref());
        assert_eq!(h.refusal("ddm"), None);
        h.record_action("ddm", refused.as_ref());
        assert_eq!(
            h.refusal("ddm").as_deref(),
            Some("not sent: ddm stopped answering (3 requests without an answer in a row)")
        );
    }

    #[test]
    fn an_oversized_body_is_an_answer_and_zero_turns_the_rule_off() {
        let h = Health::new(1);
        h.record_action(
            "ecs",
            Some(&"the response body is larger than the 1 MiB cap".into()),
        );
        assert_eq!(h.refusal("ecs"), None);
        let off = Health::new(0);
        for _ in 0..10 {
            off.record_action("ecs", timeout().as_ref());
        }
        assert_eq!(off.refusal("ecs"), None);
    }
}
