//! The cases only a signed API has: a signature that does not match the request sent, and
//! one whose `X-Sdk-Date` is past the gateway's clock-skew limit. [`super::plan_with`] plans
//! them for the APIs the endpoint signs (that have an auth header), and [`super::bind`] drops
//! them for any other. They rest on the signing rules, not on the API's own document.

use std::sync::Arc;

use super::case::{Case, Group, json_bytes, negative_case, primary_uri, request};
use crate::endpoint::Tamper;
use crate::spec::{Expect, Spec, StatusPattern};

/// How old the stale case's `X-Sdk-Date` is: past the 15 minutes allowed.
pub const STALE_BY_MINUTES: i64 = 20;

const MISMATCH_SOURCE: &str = "Huawei API signing guide, AK/SK signing (https://support.huaweicloud.com/intl/en-us/devg-apig/apig-dev-180307034.html): the server signs the request it received the same way and compares; a signature that differs is refused with 401 APIGW.0301 \"verify aksk signature fail\" (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html): must not succeed, 401 (should)";

const STALE_SOURCE: &str = "Huawei API signing guide (https://support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-0001.html): X-Sdk-Date must be within 15 minutes of the server's time; Open Telekom Cloud API Gateway FAQ: a larger difference is refused as \"signature expired\" (APIG.0303): must not succeed, 401 (should)";

fn refused(source: &str) -> Expect {
    Expect {
        status: vec![StatusPattern::Class(4)],
        preferred: vec![401],
        source: Some(source.into()),
    }
}

/// The request example signed wrongly, two ways, when the spec names an auth header.
pub(super) fn signature_cases(spec: &Arc<Spec>) -> Vec<Case> {
    if spec.auth_header.is_none() {
        return Vec::new();
    }
    let body = json_bytes(&spec.request_example);
    let mut mismatch = request(spec, primary_uri(spec), Some(body.clone()));
    mismatch.tamper = Tamper::OtherBody;
    let mut stale = request(spec, primary_uri(spec), Some(body));
    stale.tamper = Tamper::Stale(chrono::Duration::minutes(STALE_BY_MINUTES));
    vec![
        negative_case(
            spec,
            "signature_mismatch",
            Some(&refused(MISMATCH_SOURCE)),
            Group::Auth,
            mismatch,
            "the request example, signed over another body".into(),
        ),
        negative_case(
            spec,
            "signature_expired",
            Some(&refused(STALE_SOURCE)),
            Group::Auth,
            stale,
            format!("a correct signature with an X-Sdk-Date {STALE_BY_MINUTES} minutes old"),
        ),
    ]
}
