//! The one redactor: what keeps credentials out of every report and terminal line.
//!
//! A [`Redactor`] is built from the run's secrets (the token, the sign-in's password, API key
//! or application-credential secret, and each AK/SK secret key and security token) and masks,
//! as `***`:
//!
//! - every occurrence of a secret value, anywhere in a text;
//! - the password of URL user information (`https://user:***@host`), or the whole user
//!   information when it has no password (`https://***@host`: a bare token is often put there);
//! - the value of a credential-looking header (`X-Auth-Token`, `Authorization`, `Cookie`,
//!   `Set-Cookie`, `X-Subject-Token`, `Proxy-Authorization`, and any name containing `token`,
//!   `secret`, `password`, `credential` or `api-key`), in header lists and in `curl` lines.
//!
//! The credential words and the mask are defined here only, and are also those of the files we
//! read and of [`crate::endpoint::Secret`]: [`YamlSecrets`] finds
//! every credential written in a target, `clouds.yaml` or `secure.yaml` file, so that a located
//! error shows the file without them.
//!
//! It knows the report model (to walk a case or a whole report) and nothing about HTTP clients,
//! specs or checks. [`Redactor::learning`] adds the values found in a report's credential
//! headers and URL user information to the secrets, so a report written by a careless runner is
//! scrubbed everywhere those values were echoed, not only in the header itself.

use crate::model::Report;
use crate::model::{CaseReport, CheckReport, ExchangeRecord, Observation};

mod yaml;
pub use yaml::{YamlSecrets, is_credential_key};

/// What a masked value is shown as, everywhere.
pub const MASK: &str = "***";

/// Header names whose value is a credential, compared without case.
const CREDENTIAL_HEADERS: [&str; 6] = [
    "x-auth-token",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-subject-token",
];

/// Words that make a name credential-looking: any header name (`X-Api-Key`, `X-Client-Secret`,
/// …) and any key of a file we read ([`is_credential_key`], which counts any `key` as well).
const CREDENTIAL_WORDS: [&str; 7] = [
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "api-key",
    "apikey",
];

/// Values learned from a report shorter than this are not masked everywhere: masking `ab` in
/// every body would hide more than it protects. Secrets given to [`Redactor::new`] are always
/// masked, whatever their length.
const MIN_LEARNED_LEN: usize = 4;

/// Masks secrets, URL user information and credential header values. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values; empty ones are ignored.
    pub fn new<I, S>(secrets: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s.into());
        }
        r
    }

    /// Adds one more secret value.
    pub fn add(&mut self, secret: String) {
        if secret.is_empty() || secret == MASK || self.secrets.contains(&secret) {
            return;
        }
        self.secrets.push(secret);
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// This redactor plus the credential values found in `report`'s headers, `curl` lines and
    /// URL user information, so that their echoes elsewhere in the report are masked too.
    pub fn learning(mut self, report: &Report) -> Redactor {
        let mut found = Vec::new();
        for url in report.run.base_urls.values() {
            found.extend(userinfo_secrets(url));
        }
        for case in &report.cases {
            for x in &case.exchanges {
                found.extend(userinfo_secrets(&x.request.url));
                let response = x.response.iter().flat_map(|r| &r.headers);
                for (name, value) in x.request.headers.iter().chain(response) {
                    if is_credential_header(name) {
                        found.extend(value_secrets(value));
                    }
                }
            }
            if let Some(curl) = &case.curl {
                found.extend(userinfo_secrets(curl));
                for (start, end) in header_values_in_text(curl) {
                    found.extend(value_secrets(&curl[start..end]));
                }
            }
        }
        for s in found {
            if s.chars().count() >= MIN_LEARNED_LEN {
                self.add(s);
            }
        }
        self
    }

    /// `text` with every secret value and every URL's user information masked.
    pub fn redact_str(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        mask_userinfo(&out)
    }

    /// A URL (or any text holding URLs) with its user information and secrets masked.
    pub fn redact_url(&self, url: &str) -> String {
        self.redact_str(url)
    }

    /// A shell line such as a `curl` reproduction: [`Redactor::redact_str`], and the literal
    /// value of any credential header given with `-H` masked. A shell variable such as
    /// `$OS_AUTH_TOKEN` is kept: it is what the line is for.
    pub fn redact_command(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        let mut copied = 0;
        for (start, end) in header_values_in_text(line) {
            out.push_str(&line[copied..start]);
            out.push(' ');
            out.push_str(MASK);
            copied = end;
        }
        out.push_str(&line[copied..]);
        self.redact_str(&out)
    }

    /// Masks credential header values and secrets in header values, in place.
    pub fn redact_headers(&self, headers: &mut [(String, String)]) {
        for (name, value) in headers.iter_mut() {
            *value = if let Some(shown) = signed_authorization(name, value) {
                shown
            } else if is_credential_header(name) {
                MASK.to_owned()
            } else {
                self.redact_str(value)
            };
        }
    }

    /// Masks one exchange in place: URL, headers, bodies and the transport error.
    pub fn redact_exchange(&self, x: &mut ExchangeRecord) {
        x.purpose = self.redact_str(&x.purpose);
        x.request.url = self.redact_url(&x.request.url);
        self.redact_headers(&mut x.request.headers);
        if let Some(body) = &mut x.request.body {
            *body = self.redact_str(body);
        }
        if let Some(r) = &mut x.response {
            self.redact_headers(&mut r.headers);
            r.body = self.redact_str(&r.body);
        }
        redact_opt(self, &mut x.error);
    }

    /// Masks one case in place: its exchanges, check messages and details, notes, lifecycle
    /// notes, reason and `curl` line.
    pub fn redact_case(&self, case: &mut CaseReport) {
        case.name = self.redact_str(&case.name);
        redact_opt(self, &mut case.reason);
        for check in &mut case.checks {
            self.redact_check(check);
        }
        for x in &mut case.exchanges {
            self.redact_exchange(x);
        }
        for o in &mut case.lifecycle {
            self.redact_observation(o);
        }
        for note in &mut case.notes {
            *note = self.redact_str(note);
        }
        if let Some(curl) = &mut case.curl {
            *curl = self.redact_command(curl);
        }
        for lost in &mut case.retries.lost {
            lost.error = self.redact_str(&lost.error);
            lost.then = self.redact_str(&lost.then);
        }
        for t in &mut case.retries.earlier_tries {
            t.exchanges.iter_mut().for_each(|x| self.redact_exchange(x));
            t.lifecycle
                .iter_mut()
                .for_each(|o| self.redact_observation(o));
            t.notes.iter_mut().for_each(|n| *n = self.redact_str(n));
        }
    }

    /// Masks a whole report in place, run metadata included.
    pub fn redact_report(&self, report: &mut Report) {
        let run = &mut report.run;
        run.target = self.redact_str(&run.target);
        for url in run.base_urls.values_mut() {
            *url = self.redact_url(url);
        }
        for f in &mut run.filters {
            *f = self.redact_str(f);
        }
        for case in &mut report.cases {
            self.redact_case(case);
        }
    }

    fn redact_check(&self, check: &mut CheckReport) {
        check.message = self.redact_str(&check.message);
        for d in &mut check.details {
            *d = self.redact_str(d);
        }
        redact_opt(self, &mut check.diff);
    }

    fn redact_observation(&self, o: &mut Observation) {
        o.note = self.redact_str(&o.note);
        redact_opt(self, &mut o.state);
    }
}

fn redact_opt(r: &Redactor, text: &mut Option<String>) {
    if let Some(t) = text {
        *t = r.redact_str(t);
    }
}

/// The algorithm of an AK/SK `Authorization` value (Huawei API signing guide).
const SIGNED_SCHEME: &str = "SDK-HMAC-SHA256 ";

/// An AK/SK `Authorization` value with only its signature masked: the access key and the
/// signed header list are what one needs to read a refusal, the signature could be replayed.
fn signed_authorization(name: &str, value: &str) -> Option<String> {
    if !name.trim().eq_ignore_ascii_case("authorization") {
        return None;
    }
    let v = value.trim();
    if !v.starts_with(SIGNED_SCHEME) {
        return None;
    }
    Some(match v.find("Signature=") {
        Some(at) => format!("{}Signature={MASK}", &v[..at]),
        None => v.to_owned(),
    })
}

/// Whether a header's value is a credential: a known name, or one containing a credential word.
pub fn is_credential_header(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    CREDENTIAL_HEADERS.contains(&lower.as_str())
        || CREDENTIAL_WORDS.iter().any(|w| lower.contains(w))
}

/// A credential header value and, for `Bearer xyz` / `Basic xyz`, its last word.
fn value_secrets(value: &str) -> Vec<String> {
    let value = value.trim();
    if value.is_empty() || value == MASK || value.starts_with('$') {
        return Vec::new();
    }
    let mut out = vec![value.to_owned()];
    if let Some(last) = value.split_whitespace().last()
        && last != value
    {
        out.push(last.to_owned());
    }
    out
}

/// The user information of every URL in `text`, and its password part.
fn userinfo_secrets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (start, end) in userinfo_spans(text) {
        let info = &text[start..end];
        if info == MASK || info.ends_with(&format!(":{MASK}")) {
            continue;
        }
        match info.split_once(':') {
            Some((_, password)) if !password.is_empty() => out.push(password.to_owned()),
            _ => out.push(info.to_owned()),
        }
    }
    out
}

/// Byte ranges of the user information (between `://` and the last `@` before the host ends)
/// of every URL in `text`.
fn userinfo_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let host = from + found + 3;
        let host_end = text[host..]
            .find(['/', '?', '#', '\'', '"', ' ', '\t', '\r', '\n', '<', '>'])
            .map_or(text.len(), |e| host + e);
        if let Some(at) = text[host..host_end].rfind('@') {
            spans.push((host, host + at));
        }
        from = host_end;
    }
    spans
}

/// `scheme://user:password@host` becomes `scheme://user:***@host`, and `scheme://token@host`
/// becomes `scheme://***@host`, everywhere in `text`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in userinfo_spans(text) {
        out.push_str(&text[copied..start]);
        match text[start..end].split_once(':') {
            Some((user, _)) if !user.is_empty() => {
                out.push_str(user);
                out.push(':');
            }
            _ => {}
        }
        out.push_str(MASK);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Byte ranges of the literal values of credential headers written as `Name: value` in a shell
/// line, up to the closing quote; shell variables and values already masked are left out.
fn header_values_in_text(line: &str) -> Vec<(usize, usize)> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `line`.
    let lower = line.to_ascii_lowercase();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find(':') {
        let colon = from + found;
        from = colon + 1;
        // The header name: the run of name characters before the colon.
        let name_start = lower[..colon]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &lower[name_start..colon];
        if name.is_empty() || !is_credential_header(name) {
            continue;
        }
        let end = line[colon + 1..]
            .find(['\'', '"', '\n'])
            .map_or(line.len(), |e| colon + 1 + e);
        let value = line[colon + 1..end].trim();
        if value.starts_with(SIGNED_SCHEME) {
            // Only a literal signature is a secret; `Signature=<…>` is a placeholder.
            if let Some(at) = line[colon + 1..end].find("Signature=") {
                let sig = colon + 1 + at + "Signature=".len();
                if !line[sig..end].starts_with(['<', '$']) && sig < end {
                    cuts.push((sig, end));
                }
            }
        } else if !value.is_empty() && !value.starts_with('$') && value != MASK {
            cuts.push((colon + 1, end));
        }
        from = end.max(from);
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RequestRecord, ResponseRecord};

    fn exchange(headers: &[(&str, &str)], url: &str, body: &str) -> ExchangeRecord {
        let pairs = |h: &[(&str, &str)]| -> Vec<(String, String)> {
            h.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        ExchangeRecord {
            purpose: "request".to_owned(),
            request: RequestRecord {
                method: "POST".to_owned(),
                url: url.to_owned(),
                headers: pairs(headers),
                body: Some(body.to_owned()),
            },
            response: Some(ResponseRecord {
                status: 200,
                headers: pairs(&[("Set-Cookie", "sid=abcdef"), ("Content-Type", "text/plain")]),
                body: body.to_owned(),
                body_truncated: false,
            }),
            error: None,
            at_ms: 0,
            elapsed_ms: 1,
        }
    }

    #[test]
    fn every_occurrence_of_a_secret_is_masked() {
        let r = Redactor::new(["tok-123", "pw"]);
        assert_eq!(r.redact_str("a tok-123 b tok-123 pw"), "a *** b *** ***");
        assert_eq!(r.redact_str("nothing here"), "nothing here");
    }

    #[test]
    fn a_longer_secret_containing_a_shorter_one_is_masked_whole() {
        let r = Redactor::new(["abc", "abcdef"]);
        assert_eq!(r.redact_str("x abcdef y"), "x *** y");
    }

    #[test]
    fn empty_secrets_mask_nothing() {
        let r = Redactor::new([""]);
        assert_eq!(r.redact_str("a b"), "a b");
    }

    #[test]
    fn url_userinfo_keeps_the_user_and_masks_the_password() {
        let r = Redactor::default();
        assert_eq!(
            r.redact_url("see https://u:p@h.test/a?b=c@d and http://h2/x"),
            "see https://u:***@h.test/a?b=c@d and http://h2/x"
        );
        assert_eq!(r.redact_url("https://ghp_tok@h/x"), "https://***@h/x");
        assert_eq!(r.redact_url("https://h.test/a@b"), "https://h.test/a@b");
    }

    #[test]
    fn credential_headers_are_recognised_by_name() {
        for name in [
            "X-Auth-Token",
            "authorization",
            "Proxy-Authorization",
            "Cookie",
            "Set-Cookie",
            "X-Subject-Token",
            "X-Api-Key",
            "X-Client-Secret",
            "X-Apikey",
            "X-Password",
        ] {
            assert!(is_credential_header(name), "{name}");
        }
        for name in [
            "Content-Type",
            "Accept",
            "X-Openstack-Request-Id",
            "Location",
        ] {
            assert!(!is_credential_header(name), "{name}");
        }
    }

    #[test]
    fn headers_mask_credential_values_and_secrets_elsewhere() {
        let r = Redactor::new(["s3cret"]);
        let mut h = vec![
            ("X-Auth-Token".to_owned(), "abc".to_owned()),
            ("Location".to_owned(), "https://u:p@h/?t=s3cret".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
        ];
        r.redact_headers(&mut h);
        assert_eq!(h[0].1, MASK);
        assert_eq!(h[1].1, "https://u:***@h/?t=***");
        assert_eq!(h[2].1, "application/json");
    }

    #[test]
    fn signed_authorization_keeps_the_access_key_and_masks_the_signature() {
        let r = Redactor::new(["the-sk"]);
        let mut h = vec![
            (
                "Authorization".to_owned(),
                "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=7be66680"
                    .to_owned(),
            ),
            ("X-Security-Token".to_owned(), "sts-abc".to_owned()),
        ];
        r.redact_headers(&mut h);
        assert_eq!(
            h[0].1,
            "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=***"
        );
        assert_eq!(h[1].1, MASK);
        // In a command line, a literal signature is masked, a placeholder kept.
        let line = "curl -H 'Authorization: SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=7be66680'";
        assert_eq!(
            r.redact_command(line),
            "curl -H 'Authorization: SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature= ***'"
        );
        let placeholder = "curl -H 'Authorization: SDK-HMAC-SHA256 Access='\"$AK\"', SignedHeaders=host, Signature=<hex HMAC-SHA256 keyed with $SK>'";
        assert_eq!(r.redact_command(placeholder), placeholder);
    }

    #[test]
    fn command_lines_mask_literal_credential_headers_and_keep_variables() {
        let r = Redactor::default();
        assert_eq!(
            r.redact_command(
                "curl -H \"X-Auth-Token: abc\" -H 'Proxy-Authorization: Basic xyz' -H \"X-Auth-Token: $OS_AUTH_TOKEN\" 'https://u:p@h/x'"
            ),
            "curl -H \"X-Auth-Token: ***\" -H 'Proxy-Authorization: ***' -H \"X-Auth-Token: $OS_AUTH_TOKEN\" 'https://u:***@h/x'"
        );
        let clean =
            "curl -i -X POST http://h/x -H \"X-Auth-Token: $OS_AUTH_TOKEN\" --data-raw '{\"a\":1}'";
        assert_eq!(r.redact_command(clean), clean);
    }

    #[test]
    fn an_exchange_is_masked_in_url_headers_bodies_and_error() {
        let r = Redactor::new(["tok-9f"]);
        let mut x = exchange(
            &[
                ("X-Auth-Token", "tok-9f"),
                ("Content-Type", "application/json"),
            ],
            "https://admin:pw1@h/x",
            "{\"echo\":\"tok-9f\"}",
        );
        x.error = Some("reset after tok-9f".to_owned());
        r.redact_exchange(&mut x);
        let text = serde_json::to_string(&x).unwrap_or_default();
        assert!(!text.contains("tok-9f") && !text.contains("pw1"), "{text}");
        assert!(!text.contains("sid=abcdef"), "{text}");
        assert_eq!(x.request.url, "https://admin:***@h/x");
        assert_eq!(x.request.body.as_deref(), Some("{\"echo\":\"***\"}"));
    }

    #[test]
    fn learning_picks_up_values_from_credential_headers_and_urls() {
        let mut report = crate::report::sample::every_kind();
        let leaked = crate::report::sample::LEAKED_TOKEN;
        // An echo of the leaked token in a check message, which no header rule would catch.
        report.cases[0].checks[0].message = format!("the server said {leaked}");
        let r = Redactor::default().learning(&report);
        r.redact_report(&mut report);
        let text = serde_json::to_string(&report).unwrap_or_default();
        assert!(!text.contains(leaked), "{text}");
        assert!(!text.contains(crate::report::sample::LEAKED_PASSWORD));
    }
}
