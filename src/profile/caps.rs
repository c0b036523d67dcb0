//! The caps of a certifying run: which settings a run for a profile may use, checked before
//! anything is sent (`run --profile`) and again from the record of the run (`report bundle`,
//! `verify`), by the same function.

use crate::model::RunSettings;

use super::Profile;

/// What the caps are checked against: the run's settings and what else its report says.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub settings: &'a RunSettings,
    /// `run.filters`: a libtest filter, `--skip VALUE`, `--exact`, `--partition KIND:M/N`.
    pub filters: &'a [String],
    /// Hosts whose TLS certificates were not verified, and what turned verification off.
    pub tls_not_verified: &'a [String],
    pub tls_not_verified_by: &'a [String],
    /// The digest of the specs the run planned from.
    pub spec_digest: &'a str,
}

/// Every way the run departs from the profiles' caps, one sentence each; empty when it keeps
/// within them. A partition is no departure here: a bundle asks for all of them, merged.
pub fn violations(profiles: &[&Profile], facts: &Facts<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let s = facts.settings;
    for p in profiles {
        let c = &p.caps;
        if s.lifecycle_timeout_ms > c.lifecycle_timeout_s.saturating_mul(1000) {
            out.push(format!(
                "--lifecycle-timeout is {} s; profile {} allows at most {} s (\"restarts within a reasonable time\")",
                seconds(s.lifecycle_timeout_ms),
                p.name,
                c.lifecycle_timeout_s
            ));
        }
        if s.request_timeout_ms > c.request_timeout_s.saturating_mul(1000) {
            out.push(format!(
                "--request-timeout is {} s; profile {} allows at most {} s",
                seconds(s.request_timeout_ms),
                p.name,
                c.request_timeout_s
            ));
        }
        if s.follow_redirects && !c.allow_follow_redirects {
            out.push(format!(
                "--follow-redirects is on; profile {} judges the target's own answers, not those of the hosts it redirects to",
                p.name
            ));
        }
        if !facts.tls_not_verified.is_empty() && !c.allow_insecure {
            out.push(format!(
                "TLS certificates are not verified for {} ({}); profile {} needs them verified, or anyone on the path answers in the target's place",
                facts.tls_not_verified.join(", "),
                if facts.tls_not_verified_by.is_empty() {
                    "verification off".to_owned()
                } else {
                    facts.tls_not_verified_by.join(", ")
                },
                p.name
            ));
        }
        if facts.spec_digest != p.spec_digest {
            out.push(format!(
                "the specs ({}) have the digest {}; profile {} was written for the specs with the digest {}",
                s.specs, facts.spec_digest, p.name, p.spec_digest
            ));
        }
    }
    let selecting: Vec<&str> = facts
        .filters
        .iter()
        .filter(|f| !f.starts_with("--partition "))
        .map(String::as_str)
        .collect();
    if !selecting.is_empty() {
        out.push(format!(
            "cases are selected by {}; a run for a profile runs every case of its profiles (no filter, --skip or --exact)",
            selecting
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Two profiles may say the same of one setting: say it once.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|v| seen.insert(v.clone()));
    out
}

fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{:.3}", ms as f64 / 1000.0)
    }
}

/// Whether the `--partition` values of a run (one per partition of a merged run) cover the
/// whole suite: none, or every share 1..=N of one kind and one N.
pub fn partitions_complete(filters: &[String]) -> Result<(), String> {
    let parts: Vec<&str> = filters
        .iter()
        .filter_map(|f| f.strip_prefix("--partition "))
        .collect();
    if parts.is_empty() {
        return Ok(());
    }
    let mut kinds = std::collections::BTreeSet::new();
    let mut shares = std::collections::BTreeSet::new();
    for p in &parts {
        let parsed = p.split_once(':').and_then(|(kind, share)| {
            let (m, n) = share.split_once('/')?;
            Some((kind, m.parse::<u64>().ok()?, n.parse::<u64>().ok()?))
        });
        let Some((kind, m, n)) = parsed else {
            return Err(format!("the partition `{p}` cannot be read"));
        };
        kinds.insert((kind, n));
        shares.insert(m);
    }
    let whole = match kinds.iter().next() {
        Some((_, n)) if kinds.len() == 1 => (1..=*n).all(|m| shares.contains(&m)),
        _ => false,
    };
    if whole {
        Ok(())
    } else {
        Err(format!(
            "the run holds the partitions {} only; run every partition and `report merge` them",
            parts.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RunSettings {
        RunSettings {
            lifecycle_timeout_ms: 600_000,
            request_timeout_ms: 30_000,
            restart_grace_ms: 60_000,
            poll_interval_ms: 2000,
            follow_redirects: false,
            strict: false,
            specs: "built in".into(),
            faults: Vec::new(),
        }
    }

    fn check(s: &RunSettings, filters: &[&str], insecure: bool, digest: &str) -> Vec<String> {
        let set = super::super::load_builtin().unwrap();
        let p = set.get("ddm/2026.12").unwrap();
        let filters: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
        let hosts = if insecure {
            vec!["ddm.example:443".to_owned()]
        } else {
            Vec::new()
        };
        let by = vec!["--insecure".to_owned()];
        violations(
            &[p],
            &Facts {
                settings: s,
                filters: &filters,
                tls_not_verified: &hosts,
                tls_not_verified_by: &by,
                spec_digest: digest,
            },
        )
    }

    #[test]
    fn the_default_settings_keep_within_the_caps() {
        let specs = crate::spec::load_builtin().unwrap();
        assert!(
            check(
                &settings(),
                &["--partition count:1/2"],
                false,
                &specs.digest
            )
            .is_empty()
        );
    }

    #[test]
    fn each_setting_past_a_cap_is_named() {
        let specs = crate::spec::load_builtin().unwrap();
        let mut s = settings();
        s.lifecycle_timeout_ms = 900_000;
        s.request_timeout_ms = 61_000;
        s.follow_redirects = true;
        let v = check(&s, &["ddm::", "--skip x", "--exact"], true, "00").join("\n");
        for want in [
            "--lifecycle-timeout is 900 s; profile ddm/2026.12 allows at most 600 s",
            "--request-timeout is 61 s",
            "--follow-redirects is on",
            "TLS certificates are not verified for ddm.example:443 (--insecure)",
            "have the digest 00",
            "`ddm::`, `--skip x`, `--exact`",
        ] {
            assert!(v.contains(want), "{want} not in\n{v}");
        }
        let _ = specs;
    }

    #[test]
    fn only_every_share_of_one_partitioning_is_whole() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(partitions_complete(&f(&[])).is_ok());
        assert!(
            partitions_complete(&f(&["--partition count:1/2", "--partition count:2/2"])).is_ok()
        );
        assert!(partitions_complete(&f(&["--partition count:1/1"])).is_ok());
        let e = partitions_complete(&f(&["--partition count:1/3", "--partition count:3/3"]))
            .unwrap_err();
        assert!(e.contains("count:1/3, count:3/3 only"), "{e}");
        assert!(
            partitions_complete(&f(&["--partition count:1/2", "--partition hash:2/2"])).is_err()
        );
    }
}
