//! `profiles list` and `profiles show`.

use std::collections::BTreeMap;
use std::io::Write;

use super::{Outcome, config, config_msg};
use crate::exit;
use crate::profile::{Profile, Section, load_builtin};

/// `profiles list`: one line per built-in profile, its name first.
pub fn list() -> Outcome {
    let set = load_builtin().map_err(config)?;
    let mut out = std::io::stdout().lock();
    for p in &set.profiles {
        writeln!(
            out,
            "{:20} {} cases: {} required, {} advisory, {} flagged; {} (specs {})",
            p.name,
            p.cases.len(),
            p.section(Section::Required).len(),
            p.section(Section::Advisory).len(),
            p.section(Section::Flagged).len(),
            p.title,
            &p.spec_digest[..12.min(p.spec_digest.len())]
        )?;
    }
    Ok(exit::SUCCESS)
}

/// `profiles show NAME`: the caps, then each case with the sentence its rule rests on.
pub fn show(name: &str) -> Outcome {
    let set = load_builtin().map_err(config)?;
    let p = *set
        .select(&[name.to_owned()])
        .map_err(config)?
        .first()
        .ok_or_else(|| config_msg(format!("error: unknown profile `{name}`")))?;
    let specs = crate::spec::load_builtin().map_err(config)?;
    let sources: BTreeMap<String, String> = crate::plan::plan(&specs)
        .into_iter()
        .map(|c| (c.name, c.source))
        .collect();
    let mut out = std::io::stdout().lock();
    write_head(&mut out, p)?;
    for section in [Section::Required, Section::Advisory, Section::Flagged] {
        write_section(&mut out, p, section, &sources)?;
    }
    if !p.aliases.is_empty() {
        writeln!(out, "\naliases")?;
        for (old, new) in &p.aliases {
            writeln!(out, "  {old} -> {new}")?;
        }
    }
    Ok(exit::SUCCESS)
}

/// The profile's name, file, specs and caps.
fn write_head(out: &mut impl Write, p: &Profile) -> std::io::Result<()> {
    writeln!(
        out,
        "profile {} — {} ({})",
        p.name,
        p.title,
        p.path.display()
    )?;
    writeln!(out, "file sha256 {}", p.sha256)?;
    writeln!(
        out,
        "written for the specs with the digest {}",
        p.spec_digest
    )?;
    writeln!(
        out,
        "caps: --lifecycle-timeout at most {} s, --request-timeout at most {} s, --follow-redirects {}, TLS verification {}; no filter, --skip or --exact; every partition, merged",
        p.caps.lifecycle_timeout_s,
        p.caps.request_timeout_s,
        if p.caps.allow_follow_redirects {
            "allowed"
        } else {
            "off"
        },
        if p.caps.allow_insecure {
            "optional"
        } else {
            "on"
        },
    )?;
    writeln!(
        out,
        "core: every required case passes its must-checks; extended: core, and no should-level finding in any required or advisory case"
    )
}

/// One section's cases, each with the sentence its rule rests on and, when flagged, why.
fn write_section(
    out: &mut impl Write,
    p: &Profile,
    section: Section,
    sources: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let ids = p.section(section);
    writeln!(out, "\n{} ({})", section.as_str(), ids.len())?;
    for id in ids {
        let source = sources
            .get(&id)
            .map_or("(not in the built-in specs)", String::as_str);
        let rule = if section == Section::Advisory {
            "SHOULD"
        } else {
            "MUST"
        };
        writeln!(out, "  {id}\n      {rule}: {source}")?;
        if let Some(f) = p.flag(&id) {
            writeln!(
                out,
                "      flagged since {}: {}\n      action: {}",
                f.since, f.reason, f.action
            )?;
        }
    }
    Ok(())
}
