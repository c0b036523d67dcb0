//! What every action handler checks before it looks at the resource's state.
//!
//! The order is the same for all five APIs: method (by routing), token, resource, content
//! type, body, then state. The refusals are API-neutral here; each API turns them into its own
//! status code and error shape. Bodies are read by hand from the raw bytes, never through
//! axum's `Json` extractor, whose rejections are not shaped like any vendor's.

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::Value;

use super::faults::Fault;
use super::server::Shared;

/// Why an API refuses a request, before the API picks a status code and an error body.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// `X-Auth-Token` is missing or not the configured token.
    Unauthorized,
    /// The path names no known resource.
    NotFound,
    /// The path names no operation of this API.
    UnknownPath,
    /// The method is not served at this URI.
    BadMethod,
    /// The `Content-Type` is not JSON.
    MediaType,
    /// The body breaks the document's request table.
    Body(BodyError),
    /// The resource is still restarting.
    Busy,
}

/// An invalid request body, with a message naming the offending field.
#[derive(Debug)]
pub(crate) struct BodyError {
    pub(crate) message: String,
}

impl From<BodyError> for Refusal {
    fn from(error: BodyError) -> Self {
        Refusal::Body(error)
    }
}

/// The kinds of body violation that a fault can make the server overlook.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Violation {
    /// A required property is absent.
    Missing,
    /// A string is outside its enum.
    BadEnum,
    /// A value has the wrong JSON type.
    WrongType,
    /// A property the schema does not allow (never overlooked).
    Unexpected,
    /// An optional property is absent; refused only under `reject-optional-body`.
    OptionalAbsent,
}

/// Which body violations the active faults overlook.
#[derive(Debug)]
pub(crate) struct Tolerance {
    missing: bool,
    bad_enum: bool,
    wrong_type: bool,
    optional_required: bool,
}

impl Tolerance {
    fn new(shared: &Shared) -> Self {
        Tolerance {
            missing: shared.has(Fault::AcceptMissingRequired),
            bad_enum: shared.has(Fault::AcceptBadEnum),
            wrong_type: shared.has(Fault::AcceptWrongType),
            optional_required: shared.has(Fault::RejectOptionalBody),
        }
    }

    /// `Ok` when the violation is overlooked, else the body error carrying `message`.
    pub(crate) fn allow(
        &self,
        violation: Violation,
        message: impl Into<String>,
    ) -> Result<(), BodyError> {
        let overlooked = match violation {
            Violation::Missing => self.missing,
            Violation::BadEnum => self.bad_enum,
            Violation::WrongType => self.wrong_type,
            Violation::Unexpected => false,
            Violation::OptionalAbsent => !self.optional_required,
        };
        if overlooked {
            Ok(())
        } else {
            Err(BodyError {
                message: message.into(),
            })
        }
    }
}

/// True when `headers` carry the configured token or one the identity endpoint issued.
pub(crate) fn token_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    headers.get("x-auth-token").is_some_and(|value| {
        value.as_bytes() == shared.token.as_bytes() || shared.identity.valid(value.as_bytes())
    })
}

/// True for `application/json` and `application/*+json`, parameters and case ignored.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        // No Content-Type at all: the body is read as JSON, as most JSON APIs do.
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The checks between routing and the body: token, resource, content type.
pub(crate) fn admit(shared: &Shared, headers: &HeaderMap, known: bool) -> Result<(), Refusal> {
    let token_missing = !headers.contains_key("x-auth-token");
    let authorized =
        token_ok(shared, headers) || (token_missing && shared.has(Fault::AcceptNoToken));
    if !authorized {
        return Err(Refusal::Unauthorized);
    }
    if !known && !shared.has(Fault::AcceptUnknownId) {
        return Err(Refusal::NotFound);
    }
    if !is_json(headers) && !shared.has(Fault::AcceptAnyMediaType) {
        return Err(Refusal::MediaType);
    }
    Ok(())
}

/// Parses `body` as JSON and hands it to the API's `validate`. A body that is not JSON is
/// refused, or taken as the API's default request under `accept-malformed-json`.
pub(crate) fn parse<T: Default>(
    shared: &Shared,
    body: &[u8],
    validate: impl FnOnce(&Value, &Tolerance) -> Result<T, BodyError>,
) -> Result<T, BodyError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => validate(&value, &Tolerance::new(shared)),
        Err(_) if shared.has(Fault::AcceptMalformedJson) => Ok(T::default()),
        Err(error) => Err(BodyError {
            message: format!("the request body is not valid JSON: {error}"),
        }),
    }
}

/// True when the request says its body is `text/plain` (as real frameworks
/// read it: leading space and case ignored).
pub(crate) fn is_text_plain(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/plain")
        })
}
