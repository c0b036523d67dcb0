//! The bundle's `README.md`: what was run, the verdicts, and how anyone can run it again —
//! the command lines, the shape of the target file with the resource ids, and the sign-in
//! method. It is made from the run's report, which holds no secret, and names variables, never
//! their values.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::manifest::{Derived, HISTORY, MANIFEST, SIGNATURE, ToolRecord};
use super::product::Product;
use super::sshsig::NAMESPACE;
use crate::model::Report;
use crate::profile::Profile;
use crate::report::markdown::{cell, code};

/// The README of a bundle.
pub fn render(
    report: &Report,
    profiles: &[&Profile],
    product: &Product,
    derived: &Derived,
    tool: &ToolRecord,
    has_journal: bool,
) -> String {
    let mut s = String::new();
    let run = &derived.run;
    let _ = writeln!(
        s,
        "# Conformance results: {} {} {}\n",
        product.vendor, product.name, product.version
    );
    let _ = writeln!(
        s,
        "Made by {} {} (commit `{}`) from the run `{}`, {} to {}, against {}.\n",
        tool.name, tool.version, tool.commit, run.run_id, run.started_at, run.ended_at, run.target
    );
    verdicts(&mut s, derived);
    what_was_run(&mut s, report, profiles, derived);
    running_it_again(&mut s, report, derived, tool);
    checking_this_bundle(&mut s, has_journal);
    s
}

/// `## Verdicts`: one row per profile, the failed required cases, the statement over time.
fn verdicts(s: &mut String, derived: &Derived) {
    s.push_str("## Verdicts\n\n| profile | verdict | required cases passed | findings above core | flagged |\n|---|---|---|---|---|\n");
    for v in &derived.verdicts {
        let _ = writeln!(
            s,
            "| {} | {} | {} of {} | {} | {} |",
            code(&v.profile),
            v.verdict.as_str(),
            v.required_passed,
            v.required,
            v.findings.len(),
            v.flagged.len()
        );
    }
    for v in &derived.verdicts {
        for f in &v.failed {
            let _ = writeln!(
                s,
                "\n- {} fails {}: {}",
                code(&v.profile),
                code(&f.case),
                cell(&f.why)
            );
        }
    }
    if let Some(o) = &derived.over_time {
        let _ = writeln!(
            s,
            "\nOver time: {} from {} to {} (window {}), valid until {}; the lines are in `{HISTORY}`.",
            o.statement, o.first_run, o.last_run, o.window, o.valid_until
        );
    }
}

/// `## What was run`: the profiles, specs, target, settings, sign-in and number of cases.
fn what_was_run(s: &mut String, report: &Report, profiles: &[&Profile], derived: &Derived) {
    let run = &derived.run;
    s.push_str("\n## What was run\n\n");
    for p in profiles {
        let _ = writeln!(
            s,
            "- profile {} ({}): `{}`, SHA-256 `{}`",
            code(&p.name),
            p.title,
            super::manifest::profile_file(p),
            p.sha256
        );
    }
    let _ = writeln!(
        s,
        "- specs: {}, digest `{}`",
        run.settings.specs, derived.spec_digest
    );
    let _ = writeln!(s, "- target: {}", run.target);
    for (api, url) in &run.base_urls {
        let _ = writeln!(s, "  - {}: {}", code(api), url);
    }
    let st = &run.settings;
    let _ = writeln!(
        s,
        "- settings: --lifecycle-timeout {} s, --request-timeout {} s, --poll-interval {} s, --restart-grace {} s{}{}{}",
        secs(st.lifecycle_timeout_ms),
        secs(st.request_timeout_ms),
        secs(st.poll_interval_ms),
        secs(st.restart_grace_ms),
        if st.strict { ", --strict" } else { "" },
        if st.follow_redirects {
            ", --follow-redirects"
        } else {
            ""
        },
        if st.faults.is_empty() {
            String::new()
        } else {
            format!(", --fault {}", st.faults.join(" --fault "))
        }
    );
    let _ = writeln!(s, "- sign-in: {}", sign_in(report));
    let _ = writeln!(
        s,
        "- {} cases{}",
        run.cases,
        if run.resumed_cases > 0 {
            format!(
                ", {} of them from the journal of the interrupted run it resumed",
                run.resumed_cases
            )
        } else {
            String::new()
        }
    );
}

/// `## Running it again`: the build, the target file's shape, the command, the bundle.
fn running_it_again(s: &mut String, report: &Report, derived: &Derived, tool: &ToolRecord) {
    let run = &derived.run;
    s.push_str("\n## Running it again\n\n");
    let _ = writeln!(
        s,
        "1. Build {} {} at commit `{}` (`cargo build --release --locked`).",
        tool.name, tool.version, tool.commit
    );
    if report.run.base_urls.is_empty() || run.target == "embedded reference server" {
        s.push_str("2. No target file: the run went to the embedded reference server.\n");
    } else {
        s.push_str("2. Write a target file naming the same resources (the other variables are your account's):\n\n```yaml\n");
        s.push_str(&target_shape(report));
        s.push_str("```\n\n");
    }
    s.push_str("3. Run the same command:\n\n```sh\n");
    for line in &run.command_lines {
        let _ = writeln!(s, "{line}");
    }
    s.push_str("```\n\n4. Bundle the reports and check the bundle:\n\n```sh\nrestart-conformance report bundle REPORT_DIR --product PRODUCT.yaml --out BUNDLE [--sign KEY]\nrestart-conformance verify BUNDLE [--allowed-signers FILE]\n```\n");
}

/// `## Checking this bundle`: the manifest, `verify`, and the signature with OpenSSH alone.
fn checking_this_bundle(s: &mut String, has_journal: bool) {
    s.push_str("\n## Checking this bundle\n\n");
    let _ = writeln!(
        s,
        "`{MANIFEST}` lists every other file with its size and SHA-256, the verdicts, the run's settings and the vendor's request id of every exchange (with the response `Date`), for matching against gateway logs. `restart-conformance verify .` checks all of it offline{}.",
        if has_journal {
            ", the journal included"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "\nWhen `{SIGNATURE}` is present, OpenSSH alone checks the signature:\n\n```sh\nssh-keygen -Y verify -f allowed_signers -I SIGNER -n {NAMESPACE} -s {SIGNATURE} < {MANIFEST}\n```"
    );
}

fn secs(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{}", ms as f64 / 1000.0)
    }
}

/// How the run signed in, in words; never a secret.
fn sign_in(report: &Report) -> String {
    let run = &report.run;
    if let Some(si) = &run.sign_in {
        let mut s = format!(
            "signed in to the cloud `{}` at {} as `{}`",
            si.cloud, si.auth_url, si.user
        );
        if let Some(p) = &si.project {
            let _ = write!(s, ", project `{p}`");
        }
        if let Some(r) = &si.region {
            let _ = write!(s, ", region `{r}`");
        }
        s.push_str(" (clouds.yaml or OS_* variables; the password is not recorded)");
        return s;
    }
    if let Some(sg) = &run.signing {
        return format!(
            "requests of {} signed with AK/SK ({}), the keys read from {}",
            sg.apis.join(", "),
            sg.algorithm,
            sg.key_sources.join(", ")
        );
    }
    if run.target == "embedded reference server" {
        return "the embedded reference server's own token".to_owned();
    }
    "a token in the environment variable the target file names (`auth.token_env`, OS_AUTH_TOKEN by default)".to_owned()
}

/// A target file's shape: how it signs in, and each API's base URL with the resource ids the
/// run used under the spec's name for the resource variable (the other variables `"…"`).
fn target_shape(report: &Report) -> String {
    let vars: BTreeMap<String, (String, Vec<String>)> = crate::spec::load_builtin()
        .map(|set| {
            set.specs
                .into_iter()
                .map(|s| (s.api, (s.resource_var, s.target_vars)))
                .collect()
        })
        .unwrap_or_default();
    let mut resources: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &report.cases {
        if let Some((api, id)) = c.resource.as_deref().and_then(|r| r.split_once('/')) {
            let ids = resources.entry(api).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let run = &report.run;
    let mut s = match (&run.sign_in, &run.signing) {
        (Some(si), _) => format!("auth: {{ cloud: {} }}\n", si.cloud),
        (None, Some(_)) => "# auth: the AK/SK variables named under \"sign-in\" above\n".to_owned(),
        (None, None) => "auth: { token_env: OS_AUTH_TOKEN }\n".to_owned(),
    };
    s.push_str("apis:\n");
    for (api, url) in &run.base_urls {
        let (resource_var, target_vars) = vars.get(api).cloned().unwrap_or_default();
        let ids: Vec<String> = resources
            .get(api.as_str())
            .map(|ids| ids.iter().map(|i| format!("\"{i}\"")).collect())
            .unwrap_or_default();
        let mut fields: Vec<String> = target_vars
            .iter()
            .filter(|v| **v != resource_var)
            .map(|v| format!("{v}: \"…\""))
            .collect();
        fields.push(format!("{resource_var}: [{}]", ids.join(", ")));
        let _ = writeln!(
            s,
            "  {api}: {{ base_url: \"{url}\", vars: {{ {} }} }}",
            fields.join(", ")
        );
    }
    s
}
