//! Loading profile files, built in like the specs, with located errors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

use super::file::ProfileFile;
use crate::spec::SpecSet;
use crate::yaml::{Located, Pos, builtin_sources, parse_yaml_file, render_all};

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/profiles");

/// How built-in profiles are named in messages.
pub const BUILTIN_PROFILES_LABEL: &str = "profiles";

/// Which list of a profile a case is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// Its must-checks pass: level core.
    Required,
    /// With the required cases, free of any finding: level extended.
    Advisory,
    /// Run and reported, counted in neither level: a known ambiguity of the documents.
    Flagged,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Required => "required",
            Section::Advisory => "advisory",
            Section::Flagged => "flagged",
        }
    }
}

/// A case of a profile, as the file lists it.
#[derive(Debug, Clone)]
pub struct ProfileCase {
    /// The id as written (it may be an alias of the current id).
    pub id: String,
    pub section: Section,
    pos: Option<Pos>,
}

/// A flagged case: why a known ambiguity keeps it out of the required set, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub case: String,
    pub since: String,
    pub reason: String,
    pub action: String,
}

/// The most a certifying run may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub lifecycle_timeout_s: u64,
    pub request_timeout_s: u64,
    pub allow_follow_redirects: bool,
    pub allow_insecure: bool,
}

/// One profile, checked.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `<api>/<version>`, e.g. `ddm/2026.12`.
    pub name: String,
    pub api: String,
    pub version: String,
    pub title: String,
    /// The spec set digest the profile was written for (as `report.json` and the journal say).
    pub spec_digest: String,
    pub caps: Caps,
    /// Every case, in file order: required, advisory, flagged.
    pub cases: Vec<ProfileCase>,
    pub flagged: Vec<Flag>,
    /// Old case id → the id it was renamed to.
    pub aliases: BTreeMap<String, String>,
    /// `profiles/ddm-2026.12.yaml` for a built-in profile.
    pub path: PathBuf,
    /// The file's bytes, as a bundle carries them, and their SHA-256 (hex).
    pub bytes: Vec<u8>,
    pub sha256: String,
    text: String,
    alias_pos: BTreeMap<String, Pos>,
}

impl Profile {
    /// The file name, `ddm-2026.12.yaml`.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The current ids of a section's cases (aliases followed).
    pub fn section(&self, section: Section) -> Vec<String> {
        self.cases
            .iter()
            .filter(|c| c.section == section)
            .map(|c| self.canonical(&c.id))
            .collect()
    }

    /// The current id of every case, whatever its section.
    pub fn case_ids(&self) -> BTreeSet<String> {
        self.cases.iter().map(|c| self.canonical(&c.id)).collect()
    }

    /// The current id of `id`: aliases followed to their end.
    pub fn canonical(&self, id: &str) -> String {
        follow(&self.aliases, id)
    }

    /// The flag of a case (by its current id).
    pub fn flag(&self, id: &str) -> Option<&Flag> {
        self.flagged.iter().find(|f| self.canonical(&f.case) == id)
    }

    /// Problems of this profile against a spec set: a case id the specs do not plan (or that
    /// belongs to another API), an alias to nowhere, an alias whose old id is a current case
    /// (that would change what the id means).
    pub fn check_against(&self, specs: &SpecSet) -> Vec<Located> {
        let planned: BTreeMap<String, String> = crate::plan::plan(specs)
            .into_iter()
            .map(|c| (c.name, c.api))
            .collect();
        let mut errors = Vec::new();
        for c in &self.cases {
            let id = self.canonical(&c.id);
            match planned.get(&id) {
                Some(api) if *api == self.api => {}
                Some(api) => errors.push(
                    self.at(c.pos, "case of another API")
                        .label(format!("`{id}` is a case of `{api}`"))
                        .help(format!("a profile of `{}` lists its own cases", self.api)),
                ),
                None => errors.push(
                    self.at(c.pos, "unknown case")
                        .label(format!("the specs plan no case `{id}`"))
                        .help(format!(
                            "`restart-conformance run --list {}::` lists the cases; a renamed case keeps its old id under `aliases`",
                            self.api
                        )),
                ),
            }
        }
        for (old, new) in &self.aliases {
            let pos = self.alias_pos.get(old).copied();
            if planned.contains_key(old) {
                errors.push(
                    self.at(pos, "alias of a current case")
                        .label(format!("`{old}` is still a case of the specs"))
                        .help(
                            "a case id never changes meaning: drop the alias, or rename the case",
                        ),
                );
            }
            let to = self.canonical(new);
            if !planned.contains_key(&to) {
                errors.push(
                    self.at(pos, "alias to no case")
                        .label(format!("the specs plan no case `{to}`"))
                        .help("an alias names the id the case has now"),
                );
            }
        }
        errors
    }

    /// The API's planned cases that the profile does not list (a new case needs a decision).
    pub fn unlisted(&self, specs: &SpecSet) -> Vec<String> {
        let listed = self.case_ids();
        crate::plan::plan(specs)
            .into_iter()
            .filter(|c| c.api == self.api && !listed.contains(&c.name))
            .map(|c| c.name)
            .collect()
    }

    fn at(&self, pos: Option<Pos>, title: &str) -> Located {
        Located::new(&self.path, &self.text, pos, title)
    }
}

/// Follows `aliases` from `id`; a cycle (refused at load) stops after one round.
fn follow(aliases: &BTreeMap<String, String>, id: &str) -> String {
    let mut now = id.to_owned();
    for _ in 0..=aliases.len() {
        match aliases.get(&now) {
            Some(next) => now = next.clone(),
            None => break,
        }
    }
    now
}

/// Every profile, in file-name order.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    pub profiles: Vec<Profile>,
}

/// A profile file that cannot be used, or a profile name that is none.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{}", render_all(.0))]
    Invalid(Vec<Located>),
    #[error(
        "error: unknown profile `{name}`\n  = help: the profiles are {known} (`restart-conformance profiles list`)"
    )]
    Unknown { name: String, known: String },
}

impl ProfileSet {
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The named profiles, in the order given, each once.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Profile>, ProfileError> {
        let mut out: Vec<&Profile> = Vec::new();
        for name in names {
            let Some(p) = self.get(name) else {
                return Err(ProfileError::Unknown {
                    name: name.clone(),
                    known: self
                        .profiles
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            if !out.iter().any(|o| o.name == p.name) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Every alias of every profile: old case id → the id it has now.
    pub fn aliases(&self) -> BTreeMap<String, String> {
        let mut all = BTreeMap::new();
        for p in &self.profiles {
            all.extend(p.aliases.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        all
    }

    /// Renames old case ids to the ids they have now, in place: what baselines, histories
    /// and bundles read before comparing cases by name.
    pub fn follow_aliases<'a>(&self, names: impl Iterator<Item = &'a mut String>) {
        let aliases = self.aliases();
        if aliases.is_empty() {
            return;
        }
        for name in names {
            let now = follow(&aliases, name);
            if now != *name {
                *name = now;
            }
        }
    }
}

/// Loads the profiles built into the binary.
pub fn load_builtin() -> Result<ProfileSet, ProfileError> {
    load_sources(builtin_sources(&BUILTIN, BUILTIN_PROFILES_LABEL))
}

/// Parses and checks profile files given as (path, bytes).
pub fn load_sources(mut sources: Vec<(PathBuf, Vec<u8>)>) -> Result<ProfileSet, ProfileError> {
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    let mut set = ProfileSet::default();
    let mut errors = Vec::new();
    for (path, bytes) in sources {
        match load_one(&path, bytes) {
            Ok(p) => {
                if let Some(first) = set.get(&p.name) {
                    errors.push(
                        Located::new(&path, "", None, format!("profile `{}` twice", p.name))
                            .label(format!("also in {}", first.path.display()))
                            .help("give each version of a profile a file of its own"),
                    );
                } else {
                    set.profiles.push(p);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(ProfileError::Invalid(errors))
    }
}

/// Makes a located error at a place of the file being loaded.
type At<'a> = &'a dyn Fn(Option<Pos>, &str) -> Located;

fn load_one(path: &Path, bytes: Vec<u8>) -> Result<Profile, Vec<Located>> {
    let (file, text): (ProfileFile, String) =
        parse_yaml_file(path, &bytes, "profile file").map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let at = |p: Option<Pos>, title: &str| Located::new(path, &text, p, title);
    let api = file.api.value.clone();
    let name = file.profile.value.clone();
    let version = checked_version(path, &file, &at, &mut errors);
    let digest = &file.spec_digest.value;
    check_digest_caps_and_required(&file, &at, &mut errors);
    let (aliases, alias_pos) = checked_aliases(&file, &at, &mut errors);
    let cases = listed_cases(&file, &aliases, &at, &mut errors);
    let flagged = checked_flags(&file, &at, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Profile {
        name,
        api,
        version,
        title: file.title,
        spec_digest: digest.to_ascii_lowercase(),
        caps: Caps {
            lifecycle_timeout_s: file.caps.lifecycle_timeout_s.value,
            request_timeout_s: file.caps.request_timeout_s.value,
            allow_follow_redirects: file.caps.allow_follow_redirects,
            allow_insecure: file.caps.allow_insecure,
        },
        cases,
        flagged,
        aliases,
        path: path.to_owned(),
        bytes,
        sha256,
        text,
        alias_pos,
    })
}

/// The version of `<api>/<version>`, its name checked against the file's name.
fn checked_version(
    path: &Path,
    file: &ProfileFile,
    at: At<'_>,
    errors: &mut Vec<Located>,
) -> String {
    let api = &file.api.value;
    let name = &file.profile.value;
    let version = match name.split_once('/') {
        Some((a, v)) if a == api && !v.is_empty() && !v.contains('/') => v.to_owned(),
        _ => {
            errors.push(
                at(Pos::of(&file.profile), "bad profile name")
                    .label(format!("`{name}` is not `{api}/<version>`"))
                    .help(format!(
                        "name the profile `{api}/<version>`, e.g. `{api}/2026.12`"
                    )),
            );
            String::new()
        }
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !version.is_empty() && stem != format!("{api}-{version}") {
        errors.push(
            at(Pos::of(&file.profile), "profile name and file name differ")
                .label(format!("the file of `{name}` is `{api}-{version}.yaml`"))
                .help("rename the file, or the profile"),
        );
    }
    version
}

/// The spec digest is a SHA-256, no cap is zero, and some case is required.
fn check_digest_caps_and_required(file: &ProfileFile, at: At<'_>, errors: &mut Vec<Located>) {
    let digest = &file.spec_digest.value;
    if digest.len() != 64 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        errors.push(
            at(Pos::of(&file.spec_digest), "bad spec digest")
                .label("not a SHA-256 in hex (64 characters)")
                .help("`restart-conformance specs check` prints the spec set digest"),
        );
    }
    for (value, key) in [
        (&file.caps.lifecycle_timeout_s, "lifecycle_timeout_s"),
        (&file.caps.request_timeout_s, "request_timeout_s"),
    ] {
        if value.value == 0 {
            errors.push(
                at(Pos::of(value), "cap of zero")
                    .label(format!("`{key}` of 0 s leaves no time at all"))
                    .help("give the longest time a certifying run may use, in seconds"),
            );
        }
    }
    if file.required.is_empty() {
        errors.push(
            at(Pos::of(&file.api), "no required case")
                .label("`required` is empty")
                .help("list the cases whose must-checks an implementation passes"),
        );
    }
}

/// Old case id → current id, and where each alias is written; an alias to itself or a cycle
/// of aliases is an error.
fn checked_aliases(
    file: &ProfileFile,
    at: At<'_>,
    errors: &mut Vec<Located>,
) -> (BTreeMap<String, String>, BTreeMap<String, Pos>) {
    let mut aliases = BTreeMap::new();
    let mut alias_pos = BTreeMap::new();
    for (old, new) in &file.aliases {
        if *old == new.value {
            errors.push(
                at(Pos::of(new), "alias to itself")
                    .label(format!("`{old}` names itself"))
                    .help("an alias maps an old case id to the id the case has now"),
            );
            continue;
        }
        aliases.insert(old.clone(), new.value.clone());
        if let Some(p) = Pos::of(new) {
            alias_pos.insert(old.clone(), p);
        }
    }
    for old in aliases.keys() {
        let mut now = old.clone();
        for _ in 0..=aliases.len() {
            match aliases.get(&now) {
                Some(next) => now = next.clone(),
                None => break,
            }
        }
        if aliases.contains_key(&now) {
            errors.push(
                at(alias_pos.get(old).copied(), "alias cycle")
                    .label(format!("following `{old}` comes back to it"))
                    .help("every chain of aliases ends at a current case id"),
            );
            break;
        }
    }
    (aliases, alias_pos)
}

/// Every case the file lists, in file order: required, advisory, flagged. Each is a case of
/// the profile's API and in one list only (after following aliases).
fn listed_cases(
    file: &ProfileFile,
    aliases: &BTreeMap<String, String>,
    at: At<'_>,
    errors: &mut Vec<Located>,
) -> Vec<ProfileCase> {
    let api = &file.api.value;
    let mut cases = Vec::new();
    let listed = file
        .required
        .iter()
        .map(|c| (c, Section::Required))
        .chain(file.advisory.iter().map(|c| (c, Section::Advisory)))
        .chain(file.flagged.iter().map(|f| (&f.case, Section::Flagged)));
    let mut seen: BTreeMap<String, Section> = BTreeMap::new();
    for (id, section) in listed {
        let now = follow(aliases, &id.value);
        if !id.value.starts_with(&format!("{api}::")) {
            errors.push(
                at(Pos::of(id), "case of another API")
                    .label(format!("`{}` is not a case of `{api}`", id.value))
                    .help(format!(
                        "a profile of `{api}` lists ids that start with `{api}::`"
                    )),
            );
        }
        if let Some(first) = seen.insert(now.clone(), section) {
            errors.push(
                at(Pos::of(id), "case listed twice")
                    .label(format!("`{now}` is also {}", first.as_str()))
                    .help("keep each case in one list"),
            );
        }
        cases.push(ProfileCase {
            id: id.value.clone(),
            section,
            pos: Pos::of(id),
        });
    }
    cases
}

/// The flagged cases, each with its reason, action and date.
fn checked_flags(file: &ProfileFile, at: At<'_>, errors: &mut Vec<Located>) -> Vec<Flag> {
    let mut flagged = Vec::new();
    for f in &file.flagged {
        for (value, key) in [
            (&f.reason, "reason"),
            (&f.action, "action"),
            (&f.since, "since"),
        ] {
            if value.trim().is_empty() {
                errors.push(
                    at(Pos::of(&f.case), "flag without a reason")
                        .label(format!("`{key}` of `{}` is empty", f.case.value))
                        .help("say which sentence of which document is ambiguous, and what happens next"),
                );
            }
        }
        flagged.push(Flag {
            case: f.case.value.clone(),
            since: f.since.clone(),
            reason: f.reason.split_whitespace().collect::<Vec<_>>().join(" "),
            action: f.action.split_whitespace().collect::<Vec<_>>().join(" "),
        });
    }
    flagged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, text: &str) -> Result<ProfileSet, ProfileError> {
        load_sources(vec![(PathBuf::from(name), text.as_bytes().to_vec())])
    }

    const DIGEST: &str = "09562b1fd6569974cc60223e55955e8d05c10cb322aa73ee65c92cb7b08b5e8b";

    fn text(extra: &str) -> String {
        format!(
            "profile: ddm/2027.01\napi: ddm\ntitle: t\nspec_digest: {DIGEST}\ncaps: {{ lifecycle_timeout_s: 600, request_timeout_s: 60, allow_follow_redirects: false, allow_insecure: false }}\nrequired: [ddm::restart_soft, ddm::negative::old_name]\n{extra}"
        )
    }

    fn rendered(e: ProfileError) -> String {
        e.to_string()
    }

    #[test]
    fn aliases_lead_old_ids_to_current_ones() {
        let set = one(
            "ddm-2027.01.yaml",
            &text("aliases: { ddm::negative::old_name: ddm::negative::newer_name, ddm::negative::newer_name: ddm::negative::no_token }\n"),
        )
        .unwrap();
        let p = set.get("ddm/2027.01").unwrap();
        assert_eq!(
            p.canonical("ddm::negative::old_name"),
            "ddm::negative::no_token"
        );
        assert_eq!(
            p.section(Section::Required),
            vec!["ddm::restart_soft", "ddm::negative::no_token"]
        );
        let mut names = vec![
            "ddm::negative::old_name".to_owned(),
            "ddm::restart_hard".to_owned(),
        ];
        set.follow_aliases(names.iter_mut());
        assert_eq!(names, vec!["ddm::negative::no_token", "ddm::restart_hard"]);
        let specs = crate::spec::load_builtin().unwrap();
        assert!(p.check_against(&specs).is_empty());
    }

    #[test]
    fn an_alias_of_a_current_case_or_to_no_case_is_refused() {
        let set = one(
            "ddm-2027.01.yaml",
            &text("aliases: { ddm::negative::old_name: ddm::negative::gone, ddm::restart_hard: ddm::restart_soft }\n"),
        )
        .unwrap();
        let specs = crate::spec::load_builtin().unwrap();
        let errors: Vec<String> = set.profiles[0]
            .check_against(&specs)
            .iter()
            .map(Located::render)
            .collect();
        let all = errors.join("\n");
        assert!(all.contains("alias of a current case"), "{all}");
        assert!(all.contains("`ddm::restart_hard` is still a case"), "{all}");
        assert!(
            all.contains("the specs plan no case `ddm::negative::gone`"),
            "{all}"
        );
        assert!(all.contains("ddm-2027.01.yaml:"), "{all}");
    }

    #[test]
    fn an_alias_cycle_is_refused_with_its_place() {
        let e = one(
            "ddm-2027.01.yaml",
            &text("aliases: { ddm::a: ddm::b, ddm::b: ddm::a }\n"),
        )
        .unwrap_err();
        let shown = rendered(e);
        assert!(shown.contains("alias cycle"), "{shown}");
        assert!(shown.contains("ddm-2027.01.yaml:7:"), "{shown}");
    }

    #[test]
    fn a_profile_file_is_checked_with_file_line_and_column() {
        let e = one(
            "ddm-2027.01.yaml",
            &text("advisory: [ecs::restart_soft]\ncolour: red\n"),
        )
        .unwrap_err();
        let shown = rendered(e);
        assert!(shown.contains("unknown key"), "{shown}");
        assert!(shown.contains("ddm-2027.01.yaml:8:1"), "{shown}");
        let e = one(
            "ddm-2027.01.yaml",
            &text("advisory: [ecs::restart_soft, ddm::restart_soft]\n"),
        )
        .unwrap_err();
        let shown = rendered(e);
        assert!(
            shown.contains("`ecs::restart_soft` is not a case of `ddm`"),
            "{shown}"
        );
        assert!(shown.contains("case listed twice"), "{shown}");
        assert!(shown.contains("ddm-2027.01.yaml:7:"), "{shown}");
        let e = one("ddm-2026.01.yaml", &text("")).unwrap_err();
        assert!(rendered(e).contains("profile name and file name differ"));
    }

    #[test]
    fn an_unknown_profile_names_the_known_ones() {
        let set = load_builtin().unwrap();
        let e = set.select(&["ddm/1999.01".to_owned()]).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("unknown profile `ddm/1999.01`"), "{shown}");
        assert!(shown.contains("ddm/2026.12"), "{shown}");
    }
}
