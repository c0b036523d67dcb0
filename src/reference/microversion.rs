//! Compute microversions on the ECS v2.1 API, as Nova negotiates them.
//!
//! From the Nova API reference ("Microversions") and the ECS document's "Selecting an API Type
//! or Version": a client asks with `OpenStack-API-Version: compute 2.x` (since 2.27) or
//! `X-OpenStack-Nova-API-Version: 2.x`, the first winning; no header means 2.1 and `latest`
//! the maximum. Every v2.1 answer names the version it was served at in both headers, with
//! `Vary` on both; a version string that is not `Major.Minor` is a 400 `badRequest`, a
//! version outside the range a 406. The v2 API has no microversions and gets no headers.
//!
//! The maximum is this server's own choice: 2.60 is the last version whose server-show shape
//! `readback::server` renders in full (2.47's embedded flavor included); later ones add
//! fields it does not model. The discovery document announces the same range.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::VARY;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::request;
use super::response;
use super::server::Shared;

/// A compute API version `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Microversion {
    pub(crate) major: u16,
    pub(crate) minor: u16,
}

/// The version served when a request names none.
pub(crate) const MIN: Microversion = Microversion { major: 2, minor: 1 };
/// The newest version served.
pub(crate) const MAX: Microversion = Microversion {
    major: 2,
    minor: 60,
};

/// The header Nova reads first, and the one it answers with `compute ` before the version.
pub(crate) const HEADER: &str = "openstack-api-version";
/// Nova's own header, from before 2.27.
pub(crate) const LEGACY_HEADER: &str = "x-openstack-nova-api-version";

impl PartialOrd for Microversion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Microversion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor).cmp(&(other.major, other.minor))
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Microversion {
    /// `Major.Minor` as Nova reads it: no leading zeros, a major of at least 1.
    pub(crate) fn parse(text: &str) -> Result<Microversion, Refusal> {
        let invalid = || Refusal::Invalid(text.to_owned());
        let (major, minor) = text.split_once('.').ok_or_else(invalid)?;
        let number = |part: &str, may_be_zero: bool| -> Option<u16> {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            let leading_zero = part.len() > 1 && part.starts_with('0');
            let value: u16 = part.parse().ok()?;
            (digits && !leading_zero && (may_be_zero || value > 0)).then_some(value)
        };
        Ok(Microversion {
            major: number(major, false).ok_or_else(invalid)?,
            minor: number(minor, true).ok_or_else(invalid)?,
        })
    }

    /// True when this version has the change made in `2.minor`.
    pub(crate) fn at_least(self, minor: u16) -> bool {
        self >= Microversion { major: 2, minor }
    }
}

/// Why a requested version is not served.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Not `Major.Minor`: 400.
    Invalid(String),
    /// Outside `MIN..=MAX`: 406.
    Unsupported(Microversion),
}

impl Refusal {
    /// Nova's answer, in its fault wrapper (406 has no name of its own there: `computeFault`).
    pub(crate) fn response(&self) -> Response {
        match self {
            Refusal::Invalid(text) => response::fault_wrapper(
                StatusCode::BAD_REQUEST,
                "badRequest",
                &format!(
                    "API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
                ),
            ),
            Refusal::Unsupported(version) => response::fault_wrapper(
                StatusCode::NOT_ACCEPTABLE,
                "computeFault",
                &format!(
                    "Version {version} is not supported by the API. Minimum is {MIN} and maximum is {MAX}."
                ),
            ),
        }
    }
}

/// The compute entry of `OpenStack-API-Version` (`compute 2.60, volume 3.0`), if any.
fn compute_entry(value: &str) -> Option<&str> {
    value.split(',').find_map(|item| {
        let (service, version) = item.trim().split_once(char::is_whitespace)?;
        service
            .eq_ignore_ascii_case("compute")
            .then(|| version.trim())
    })
}

/// The version a request asks for: 2.1 when it names none, `MAX` for `latest`.
pub(crate) fn requested(headers: &HeaderMap) -> Result<Microversion, Refusal> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let asked = text(HEADER)
        .and_then(compute_entry)
        .or_else(|| text(LEGACY_HEADER).map(str::trim));
    let version = match asked {
        None => return Ok(MIN),
        Some(latest) if latest.eq_ignore_ascii_case("latest") => return Ok(MAX),
        Some(text) => Microversion::parse(text)?,
    };
    if (MIN..=MAX).contains(&version) {
        Ok(version)
    } else {
        Err(Refusal::Unsupported(version))
    }
}

/// Names the version `response` was served at, as Nova does on every v2.1 answer.
pub(crate) fn stamp(response: &mut Response, version: Microversion) {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("compute {version}")) {
        headers.insert(HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&version.to_string()) {
        headers.insert(LEGACY_HEADER, v);
    }
    headers.append(VARY, HeaderValue::from_static("OpenStack-API-Version"));
    headers.append(
        VARY,
        HeaderValue::from_static("X-OpenStack-Nova-API-Version"),
    );
}

/// The layer on every ECS v2.1 route: negotiates the version, hands it to the handler as a
/// request extension, and stamps the answer. A request without a valid token is left to the
/// handler, whose 401 comes from the identity layer in front of Nova and carries no version.
pub(crate) async fn negotiate(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    if !request::token_ok(&shared, req.headers()) {
        return next.run(req).await;
    }
    match requested(req.headers()) {
        Err(refusal) => refusal.response(),
        Ok(version) => {
            req.extensions_mut().insert(version);
            let mut response = next.run(req).await;
            stamp(&mut response, version);
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn no_header_is_the_minimum_and_latest_the_maximum() {
        assert_eq!(requested(&HeaderMap::new()).ok(), Some(MIN));
        assert_eq!(
            requested(&headers(&[(HEADER, "compute latest")])).ok(),
            Some(MAX)
        );
        assert_eq!(
            requested(&headers(&[(LEGACY_HEADER, "latest")])).ok(),
            Some(MAX)
        );
    }

    #[test]
    fn the_new_header_wins_over_the_legacy_one() {
        let h = headers(&[(HEADER, "volume 3.0, compute 2.26"), (LEGACY_HEADER, "2.5")]);
        assert_eq!(
            requested(&h).ok(),
            Some(Microversion {
                major: 2,
                minor: 26
            })
        );
        // No compute entry: the legacy header decides.
        let h = headers(&[(HEADER, "volume 3.0"), (LEGACY_HEADER, "2.5")]);
        assert_eq!(
            requested(&h).ok(),
            Some(Microversion { major: 2, minor: 5 })
        );
    }

    #[test]
    fn malformed_versions_are_400_and_unserved_ones_406() {
        for bad in ["2", "2.", "two.one", "02.1", "2.01", "0.1", "2.1.1"] {
            let h = HeaderMap::from_iter([(
                HEADER.parse().unwrap(),
                HeaderValue::from_str(&format!("compute {bad}")).unwrap(),
            )]);
            let r = requested(&h).err().map(|e| e.response().status());
            assert_eq!(r, Some(StatusCode::BAD_REQUEST), "{bad}");
        }
        for far in ["2.61", "3.0", "1.1", "2.0"] {
            let h = HeaderMap::from_iter([(
                LEGACY_HEADER.parse().unwrap(),
                HeaderValue::from_str(far).unwrap(),
            )]);
            let r = requested(&h).err().map(|e| e.response().status());
            assert_eq!(r, Some(StatusCode::NOT_ACCEPTABLE), "{far}");
        }
    }

    #[test]
    fn a_stamped_answer_names_the_version_twice_and_varies_on_both() {
        let mut r = response::accepted_empty();
        stamp(
            &mut r,
            Microversion {
                major: 2,
                minor: 42,
            },
        );
        assert_eq!(r.headers()[HEADER], "compute 2.42");
        assert_eq!(r.headers()[LEGACY_HEADER], "2.42");
        let vary: Vec<_> = r.headers().get_all(VARY).iter().collect();
        assert_eq!(
            vary,
            ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"]
        );
    }
}
