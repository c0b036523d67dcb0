//! Conformance profiles: `profiles/*.yaml` ──► [`Profile`].
//!
//! A profile is a versioned list of case ids for one API (`ddm/2026.12`): the **required**
//! cases, whose must-checks an implementation passes (level *core*); the **advisory** ones,
//! which with the required cases are free of any finding (level *extended*, as `--strict`);
//! and the **flagged** ones, which a known ambiguity of the documents keeps out of both
//! levels, each with the sentence it rests on. It names the spec set digest it was written
//! for, the caps of the settings a certifying run may use, and the old ids of renamed cases
//! (`aliases`), so a case id in a profile never changes meaning.
//!
//! Profiles are files beside the specs and are built in like them. This module loads and
//! checks them, and says which cases a run selects and which settings it may use; it reads
//! specs and case ids and never judges a run (the `certify` room does).

mod caps;
mod file;
mod load;

pub use caps::{Facts, partitions_complete, violations};
pub use load::{
    BUILTIN_PROFILES_LABEL, Caps, Flag, Profile, ProfileCase, ProfileError, ProfileSet, Section,
    load_builtin, load_sources,
};
