//! The drafting corpus's score: each page of `fixtures/docs/family/` drafted
//! and its facts compared with the ones a person wrote from the page
//! (`<page>.facts.yaml`). Shared by `draft_family` (the test that holds the
//! line) and `bench/draft_family.rs` (the row that prints the figures).
//!
//! A fact is one line such as `request reboot.type enum HARD|SOFT`: the
//! method, each path and variable, each request field with its type,
//! `required` and enumeration, each status code the page names, each
//! response field with its type under its code (`?` when the page does not
//! give it). Recall is the share of written facts the draft states;
//! invention the share of drafted facts the page does not have.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use restart_conformance::draft::{DraftOptions, draft_file};
use restart_conformance::spec::file::PLACEHOLDER_OPEN;
use serde_json::Value;

pub const CORPUS: &str = "fixtures/docs/family";

/// One page of the corpus and what became of it.
#[derive(Debug)]
pub struct PageScore {
    pub page: PathBuf,
    /// What the facts file expects: a draft or a refusal.
    pub expect_draft: bool,
    /// The draft's facts, or the refusal message.
    pub outcome: Result<BTreeSet<String>, String>,
    pub expected: BTreeSet<String>,
    pub unscored: BTreeSet<String>,
    /// The words a refusal must contain.
    pub refusal: String,
}

impl PageScore {
    /// Written facts the draft states.
    pub fn stated(&self) -> Vec<&String> {
        match &self.outcome {
            Ok(d) => self.expected.intersection(d).collect(),
            Err(_) => Vec::new(),
        }
    }
    /// Written facts the draft leaves out.
    pub fn missed(&self) -> Vec<&String> {
        match &self.outcome {
            Ok(d) => self.expected.difference(d).collect(),
            Err(_) => self.expected.iter().collect(),
        }
    }
    /// Drafted facts the page does not have.
    pub fn invented(&self) -> Vec<&String> {
        match &self.outcome {
            Ok(d) => d
                .difference(&self.expected)
                .filter(|f| !self.unscored.contains(*f))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
    /// Drafted facts that are scored.
    pub fn drafted(&self) -> usize {
        match &self.outcome {
            Ok(d) => d.iter().filter(|f| !self.unscored.contains(*f)).count(),
            Err(_) => 0,
        }
    }
    /// Why the page is not where its facts file says it should be, if so.
    pub fn misplaced(&self) -> Option<String> {
        match (&self.outcome, self.expect_draft) {
            (Ok(_), true) => None,
            (Err(e), true) => Some(format!("refused, but the page can be drafted:\n{e}")),
            (Ok(_), false) => Some(format!("drafted, but should be refused ({})", self.refusal)),
            (Err(e), false) if !e.contains(&self.refusal) => {
                Some(format!("refused without saying `{}`:\n{e}", self.refusal))
            }
            (Err(e), false) if !e.contains("-->") => Some(format!("refusal not located:\n{e}")),
            (Err(_), false) => None,
        }
    }
}

/// The corpus's totals.
#[derive(Debug, Default)]
pub struct Totals {
    pub pages: usize,
    pub drafted: usize,
    pub refused: usize,
    pub expected: usize,
    pub stated: usize,
    pub drafted_facts: usize,
    pub invented: usize,
}

impl Totals {
    pub fn of(scores: &[PageScore]) -> Totals {
        let mut t = Totals::default();
        for s in scores {
            t.pages += 1;
            match s.outcome {
                Ok(_) => t.drafted += 1,
                Err(_) => t.refused += 1,
            }
            if s.expect_draft {
                t.expected += s.expected.len();
                t.stated += s.stated().len();
            }
            t.drafted_facts += s.drafted();
            t.invented += s.invented().len();
        }
        t
    }
    pub fn recall(&self) -> f64 {
        ratio(self.stated, self.expected)
    }
    pub fn invention(&self) -> f64 {
        ratio(self.invented, self.drafted_facts)
    }
    /// `26 pages (23 drafted, 3 refused): 95.2 % of 187 facts stated, 1.1 % of 180 drafted facts invented`.
    pub fn row(&self) -> String {
        format!(
            "{} pages ({} drafted, {} refused): {:.1} % of {} facts stated, {:.1} % of {} drafted facts invented",
            self.pages,
            self.drafted,
            self.refused,
            self.recall() * 100.0,
            self.expected,
            self.invention() * 100.0,
            self.drafted_facts
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The corpus's pages, in name order, each with its facts file.
pub fn pages() -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut out = Vec::new();
    let dir = std::fs::read_dir(CORPUS).map_err(|e| format!("{CORPUS}: {e}"))?;
    for entry in dir {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".facts.yaml") || name == "README.md" || name.ends_with(".yaml") {
            continue;
        }
        let stem = name.split('.').next().unwrap_or(name);
        let facts = path.with_file_name(format!("{stem}.facts.yaml"));
        if !facts.exists() {
            return Err(format!("{}: no facts file beside it", path.display()));
        }
        out.push((path, facts));
    }
    out.sort();
    Ok(out)
}

/// Drafts one page and compares it with its facts file.
pub fn score(page: &Path, facts: &Path) -> Result<PageScore, String> {
    let text = std::fs::read_to_string(facts).map_err(|e| format!("{}: {e}", facts.display()))?;
    let want: Value =
        serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", facts.display()))?;
    let expect_draft = want["outcome"].as_str() != Some("refuse");
    let parameters = want["parameters"].as_str().map(|p| page.with_file_name(p));
    let opts = DraftOptions {
        api: Some("family".into()),
        parameters,
    };
    let outcome = match draft_file(page, &opts) {
        Ok(d) => {
            let v: Value = serde_saphyr::from_str(&d.yaml)
                .map_err(|e| format!("{}: the draft is not YAML: {e}", page.display()))?;
            Ok(drafted_facts(&v))
        }
        Err(e) => Err(e.to_string()),
    };
    Ok(PageScore {
        page: page.to_owned(),
        expect_draft,
        outcome,
        expected: written_facts(&want),
        unscored: strings(&want["unscored"]).into_iter().collect(),
        refusal: want["refusal"].as_str().unwrap_or("").to_owned(),
    })
}

/// Every page of the corpus, scored.
pub fn score_all() -> Result<Vec<PageScore>, String> {
    pages()?.iter().map(|(p, f)| score(p, f)).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_placeholder(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with(PLACEHOLDER_OPEN))
}

fn enum_fact(values: &[String]) -> String {
    let mut v = values.to_vec();
    v.sort();
    v.join("|")
}

/// The facts of a facts file.
fn written_facts(want: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if want["outcome"].as_str() == Some("refuse") {
        return out;
    }
    if let Some(m) = want["method"].as_str() {
        out.insert(format!("method {m}"));
    }
    for p in strings(&want["paths"]) {
        out.insert(format!("path {p}"));
    }
    for v in strings(&want["vars"]) {
        out.insert(format!("var {v}"));
    }
    if let Some(fields) = want["request"].as_object() {
        for (name, f) in fields {
            out.insert(format!("request {name}"));
            if let Some(t) = f["type"].as_str() {
                out.insert(format!("request {name} type {t}"));
            }
            if f["required"] == Value::Bool(true) {
                out.insert(format!("request {name} required"));
            }
            let e = strings(&f["enum"]);
            if !e.is_empty() {
                out.insert(format!("request {name} enum {}", enum_fact(&e)));
            }
        }
    }
    for c in strings(&want["statuses"]) {
        out.insert(format!("status {c}"));
    }
    if let Some(codes) = want["responses"].as_object() {
        for (code, fields) in codes {
            for (name, f) in fields.as_object().into_iter().flatten() {
                out.insert(format!("response {code} {name}"));
                if let Some(t) = f["type"].as_str() {
                    out.insert(format!("response {code} {name} type {t}"));
                }
            }
        }
    }
    out
}

/// The same facts, read from a draft; placeholders state nothing.
pub fn drafted_facts(d: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(m) = d["method"]
        .as_str()
        .filter(|_| !is_placeholder(&d["method"]))
    {
        out.insert(format!("method {m}"));
    }
    for u in d["uris"].as_array().into_iter().flatten() {
        if let Some(p) = u["path"].as_str() {
            out.insert(format!("path {p}"));
        }
    }
    for v in d["vars"].as_object().into_iter().flat_map(|m| m.keys()) {
        out.insert(format!("var {v}"));
    }
    schema_facts(&d["request"]["schema"], "request ", "", true, &mut out);
    for c in d["statuses"]["codes"].as_array().into_iter().flatten() {
        out.insert(format!("status {c}"));
    }
    for r in d["responses"].as_array().into_iter().flatten() {
        let code = match &r["status"] {
            Value::Number(n) => n.to_string(),
            _ => "?".into(),
        };
        schema_facts(
            &r["schema"],
            &format!("response {code} "),
            "",
            false,
            &mut out,
        );
    }
    out
}

/// Facts of an object schema's properties, nested by dotted name.
fn schema_facts(s: &Value, head: &str, prefix: &str, request: bool, out: &mut BTreeSet<String>) {
    let required = strings(&s["required"]);
    for (k, p) in s["properties"].as_object().into_iter().flatten() {
        let name = format!("{prefix}{k}");
        out.insert(format!("{head}{name}"));
        if let Some(t) = p["type"].as_str().filter(|_| !is_placeholder(&p["type"])) {
            out.insert(format!("{head}{name} type {t}"));
        }
        if request && required.contains(k) {
            out.insert(format!("{head}{name} required"));
        }
        let e = strings(&p["enum"]);
        if request && !e.is_empty() {
            out.insert(format!("{head}{name} enum {}", enum_fact(&e)));
        }
        let inner = if p["type"] == "array" { &p["items"] } else { p };
        schema_facts(inner, head, &format!("{name}."), request, out);
    }
}
