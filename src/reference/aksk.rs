//! The API gateway in front of the reference APIs: it verifies AK/SK signatures
//! (SDK-HMAC-SHA256) from the bytes it received, as Huawei Cloud's API gateway does.
//!
//! Written from the Huawei API signing guide
//! (<https://support.huaweicloud.com/intl/en-us/devg-apig/apig-dev-180307034.html>), not from
//! the harness's signer: the canonical request is rebuilt here from the method, the raw path
//! and query received, the headers the client lists in `SignedHeaders` (with the values
//! received) and the body bytes received. `X-Sdk-Date` must be signed and within 15 minutes
//! of the server's clock ("check whether the difference between this value and the current
//! time is within 15 minutes", api-sign-0001). A temporary key must carry its signed
//! `X-Security-Token`. A verified request goes on to the API as if it carried the token (the
//! gateway speaks for the caller); a refused one gets 401 with an `APIGW.0301` body naming the
//! canonical request built, `\n` shown as `|`, as the gateway echoes it.
//!
//! Requests without an `SDK-HMAC-SHA256` `Authorization` pass through untouched, to the
//! token checks of each API.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::faults::Fault;
use super::identity::GatewayKey;
use super::response;
use super::server::Shared;

/// How far `X-Sdk-Date` may be from the server's clock, either way.
pub const CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// The largest body an AK/SK request may carry (12 MB, signing guide).
const MAX_SIGNED_BODY: usize = 12 * 1024 * 1024;

const SCHEME: &str = "SDK-HMAC-SHA256";

/// Why a signature is refused.
#[derive(Debug)]
struct Refused {
    message: String,
    canonical: Option<String>,
}

fn refused(message: impl Into<String>) -> Refused {
    Refused {
        message: message.into(),
        canonical: None,
    }
}

/// The middleware: verifies a signed request, then lets it through with the
/// server's token; an unsigned one passes through as it came.
pub(crate) async fn gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let signed = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with(SCHEME));
    if !signed {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_SIGNED_BODY).await else {
        return gateway_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "APIGW.0201",
            "Request entity too large: an AK/SK request body is at most 12 MB",
        );
    };
    let lax = Lax {
        stale: shared.has(Fault::AcceptStaleSignature),
        tampered: shared.has(Fault::AcceptTamperedSignature),
    };
    let keys = shared.identity.keys();
    match verify(&keys, lax, &parts, &bytes, chrono::Utc::now()) {
        Ok(()) => {
            if let Ok(v) = HeaderValue::from_str(&shared.token) {
                parts.headers.insert("x-auth-token", v);
            }
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(r) => {
            let message = match &r.canonical {
                Some(c) => format!(
                    "Incorrect IAM authentication information: {}, canonicalRequest: {}",
                    r.message,
                    c.replace('\n', "|")
                ),
                None => format!("Incorrect IAM authentication information: {}", r.message),
            };
            gateway_error(StatusCode::UNAUTHORIZED, "APIGW.0301", &message)
        }
    }
}

fn gateway_error(status: StatusCode, code: &str, message: &str) -> Response {
    response::json(
        status,
        &json!({
            "error_code": code,
            "error_msg": message,
            "request_id": uuid::Uuid::new_v4().simple().to_string(),
        }),
    )
}

/// The three fields of the `Authorization` value.
struct Credentials<'a> {
    access: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Credentials<'_>, Refused> {
    let rest = value
        .trim()
        .strip_prefix(SCHEME)
        .ok_or_else(|| refused("the Authorization header is not SDK-HMAC-SHA256"))?;
    let (mut access, mut signed, mut signature) = (None, None, None);
    for field in rest.split(',') {
        let Some((k, v)) = field.trim().split_once('=') else {
            continue;
        };
        match k.trim() {
            "Access" => access = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    match (access, signed, signature) {
        (Some(a), Some(h), Some(s)) if !a.is_empty() && !s.is_empty() => Ok(Credentials {
            access: a,
            signed_headers: h.split(';').filter(|n| !n.is_empty()).collect(),
            signature: s,
        }),
        _ => Err(refused(
            "the Authorization header lacks Access, SignedHeaders or Signature",
        )),
    }
}

/// What the signature faults let through.
#[derive(Debug, Clone, Copy, Default)]
struct Lax {
    stale: bool,
    tampered: bool,
}

/// Checks the signature of one received request at `now`.
fn verify(
    keys: &[GatewayKey],
    lax: Lax,
    parts: &Parts,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Refused> {
    let headers = &parts.headers;
    let auth = header(headers, "authorization").unwrap_or_default();
    let creds = parse_authorization(&auth)?;
    let Some(key) = keys.iter().find(|k| k.ak == creds.access) else {
        return Err(refused(format!("access key {} not found", creds.access)));
    };
    if !creds.signed_headers.contains(&"x-sdk-date") {
        return Err(refused("X-Sdk-Date is not among the signed headers"));
    }
    let date = header(headers, "x-sdk-date").ok_or_else(|| refused("X-Sdk-Date is missing"))?;
    let when = chrono::NaiveDateTime::parse_from_str(&date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| refused(format!("X-Sdk-Date `{date}` is not yyyyMMddTHHmmssZ")))?
        .and_utc();
    let skew = (now - when).num_seconds().abs();
    if skew > CLOCK_SKEW_SECONDS && !lax.stale {
        return Err(refused(format!(
            "signature expired: X-Sdk-Date {date} is {skew} s from the server's time (at most {CLOCK_SKEW_SECONDS} s)"
        )));
    }
    if let Some(token) = &key.security_token {
        let sent = header(headers, "x-security-token");
        if sent.as_deref() != Some(token.as_str())
            || !creds.signed_headers.contains(&"x-security-token")
        {
            return Err(refused(
                "a temporary access key needs its signed X-Security-Token",
            ));
        }
    }
    let canonical = canonical_request(parts, &creds.signed_headers, body)?;
    let digest = hex::encode(Sha256::digest(canonical.as_bytes()));
    let to_sign = format!("{SCHEME}\n{date}\n{digest}");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.sk.as_bytes())
        .map_err(|_| refused("unusable secret key"))?;
    mac.update(to_sign.as_bytes());
    let given = hex::decode(creds.signature).unwrap_or_default();
    if mac.verify_slice(&given).is_err() && !lax.tampered {
        return Err(Refused {
            message: "verify aksk signature fail".into(),
            canonical: Some(masked(&canonical)),
        });
    }
    Ok(())
}

/// A header's value as text, trimmed; `None` when absent or not text.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let all: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!all.is_empty()).then(|| all.join(",").trim().to_owned())
}

/// The canonical request of what was received, from the headers the client named.
fn canonical_request(parts: &Parts, signed: &[&str], body: &[u8]) -> Result<String, Refused> {
    let mut lines = String::new();
    for name in signed {
        let value = header(&parts.headers, name)
            .ok_or_else(|| refused(format!("signed header `{name}` is not in the request")))?;
        lines.push_str(&format!("{name}:{value}\n"));
    }
    let payload = match header(&parts.headers, "x-sdk-content-sha256") {
        Some(v) if !body.is_empty() => v,
        _ => hex::encode(Sha256::digest(body)),
    };
    Ok([
        parts.method.as_str().to_owned(),
        path_of(parts.uri.path()),
        query_of(parts.uri.query().unwrap_or("")),
        lines,
        signed.join(";"),
        payload,
    ]
    .join("\n"))
}

/// Percent-encodes everything but `A-Z a-z 0-9 - _ . ~`, uppercase hex.
fn escape(raw: &[u8]) -> String {
    let mut out = String::new();
    for &b in raw {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` sequences turned back into bytes.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if b[i] == b'%'
            && let Some(Ok(v)) = hex.map(|h| u8::from_str_radix(h, 16))
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn path_of(raw: &str) -> String {
    let mut p = raw
        .split('/')
        .map(|seg| escape(&unescape(seg)))
        .collect::<Vec<_>>()
        .join("/");
    if !p.ends_with('/') {
        p.push('/');
    }
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    p
}

fn query_of(raw: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (escape(&unescape(k)), escape(&unescape(v)))
        })
        .collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request with the security token's value hidden.
fn masked(canonical: &str) -> String {
    canonical
        .lines()
        .map(|l| {
            if l.starts_with("x-security-token:") {
                "x-security-token:***".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = axum::http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    /// The DDM restart as huaweicloudsdkcore 3.1.219 signs it (signing.md §5.4).
    fn ddm_request(body: &[u8]) -> (Parts, Vec<u8>) {
        let p = parts(
            "POST",
            "/v1/0123456789abcdef0123456789abcdef/instances/inst-0001/action",
            &[
                ("content-type", "application/json;charset=utf-8"),
                ("host", "ddm.eu-de.otc.t-systems.com"),
                ("user-agent", "huaweicloud-usdk-python/3.0"),
                ("x-project-id", "0123456789abcdef0123456789abcdef"),
                ("x-sdk-date", "20261122T194616Z"),
                ("accept", "application/json"),
                (
                    "authorization",
                    "SDK-HMAC-SHA256 Access=TESTAK0000000000, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=c0ad5fd4596bff4d600d7eeaa940a2f046e40ac8ebe5d64663ee3adf887508fd",
                ),
            ],
        );
        (p, body.to_vec())
    }

    fn keys() -> Vec<GatewayKey> {
        vec![GatewayKey {
            ak: "TESTAK0000000000".into(),
            sk: "TESTSK0000000000000000000000000000000000".into(),
            security_token: None,
        }]
    }

    fn at(stamp: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
    }

    #[test]
    fn the_sdks_ddm_signature_is_accepted_and_a_changed_body_or_an_old_date_is_not() {
        let body = br#"{"restart": {"type": "soft"}}"#;
        let (p, b) = ddm_request(body);
        let now = at("20261122T195000Z");
        assert!(verify(&keys(), Lax::default(), &p, &b, now).is_ok());
        // The same headers over another body: refused, naming the canonical request.
        let (p, b) = ddm_request(br#"{"restart": {"type": "hard"}}"#);
        let e = verify(&keys(), Lax::default(), &p, &b, now).unwrap_err();
        assert_eq!(e.message, "verify aksk signature fail");
        let c = e.canonical.unwrap();
        assert!(c.starts_with("POST\n/v1/0123456789abcdef0123456789abcdef/instances/inst-0001/action/\n\ncontent-type:"), "{c}");
        assert!(
            verify(
                &keys(),
                Lax {
                    tampered: true,
                    ..Lax::default()
                },
                &p,
                &b,
                now
            )
            .is_ok()
        );
        // 16 minutes later: expired, unless the fault lets it through.
        let (p, b) = ddm_request(body);
        let late = at("20261122T200216Z");
        let e = verify(&keys(), Lax::default(), &p, &b, late).unwrap_err();
        assert!(e.message.contains("signature expired"), "{}", e.message);
        assert!(
            verify(
                &keys(),
                Lax {
                    stale: true,
                    ..Lax::default()
                },
                &p,
                &b,
                late
            )
            .is_ok()
        );
        // An unknown access key.
        let mut other = keys();
        other[0].ak = "OTHER".into();
        let e = verify(&other, Lax::default(), &p, &b, now).unwrap_err();
        assert!(e.message.contains("not found"), "{}", e.message);
    }

    /// The signing guide's vector (signing.md §5.1), rebuilt from a received request.
    #[test]
    fn the_guide_vector_is_rebuilt_from_the_received_request() {
        let p = parts(
            "GET",
            "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?marker=13551d6b-755d-4757-b956-536f674975c0&limit=2",
            &[
                ("content-type", "application/json"),
                ("host", "service.region.example.com"),
                ("x-sdk-date", "20191115T033655Z"),
            ],
        );
        let c = canonical_request(&p, &["content-type", "host", "x-sdk-date"], b"").unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(c.as_bytes())),
            "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(path_of(""), "/");
        assert_eq!(path_of("/a%20b/c:d"), "/a%20b/c%3Ad/");
        assert_eq!(query_of("a=1&B=2&c"), "B=2&a=1&c=");
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=A, Signature=s").is_err());
    }

    /// huaweicloudsdkddm 3.1.219's `restart_instance` exactly as it reached `serve` (headers in
    /// the order received, the endpoint override `http://127.0.0.1:18099`): every header it
    /// sends is signed but `Accept`, `Accept-Encoding`, `Connection` and `Content-Length`, and
    /// `host` keeps the port.
    #[test]
    fn the_ddm_sdks_captured_request_is_accepted_and_another_port_or_body_is_not() {
        let wire = |host: &str| {
            parts(
                "POST",
                "/v1/0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f/instances/28e8841d0b9c4f6a9a30742ee60e1068in09/action",
                &[
                    (
                        "user-agent",
                        "huaweicloud-usdk-python/3.0; os/Linux##1_SMP_PREEMPT_DYNAMIC_@0#x86_64 python/3.11.7 impl/CPython; app/74a58055-5ef2-47a6-9940-18657f211728",
                    ),
                    ("accept-encoding", "gzip, deflate"),
                    ("accept", "*/*"),
                    ("connection", "keep-alive"),
                    ("content-type", "application/json;charset=utf-8"),
                    ("x-project-id", "0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f"),
                    ("x-sdk-date", "20261201T204658Z"),
                    ("host", host),
                    (
                        "authorization",
                        "SDK-HMAC-SHA256 Access=REFERENCEAK000000000, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=76575b4c1f9a19658035efb2e81b90025461a3b667733ef71898c44b2b7d5540",
                    ),
                    ("content-length", "29"),
                ],
            )
        };
        let keys = vec![GatewayKey {
            ak: "REFERENCEAK000000000".into(),
            sk: "any-password".into(),
            security_token: None,
        }];
        let now = at("20261201T204700Z");
        let body = br#"{"restart": {"type": "soft"}}"#;
        assert!(verify(&keys, Lax::default(), &wire("127.0.0.1:18099"), body, now).is_ok());
        let e = verify(&keys, Lax::default(), &wire("127.0.0.1:18080"), body, now).unwrap_err();
        assert_eq!(e.message, "verify aksk signature fail");
        assert!(e.canonical.unwrap().contains("\nhost:127.0.0.1:18080\n"));
        let hard = br#"{"restart": {"type": "hard"}}"#;
        assert!(verify(&keys, Lax::default(), &wire("127.0.0.1:18099"), hard, now).is_err());
    }
}
