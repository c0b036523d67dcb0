//! `specs draft` over the page family, not only the seeds: every page of
//! `fixtures/docs/family/` is drafted or refused as its facts file says, and
//! the drafts state the facts a person wrote from each page (recall) without
//! adding facts the page does not have (invention).

use serde_json::Value;

use crate::draft_score::{self, Totals};

/// The floor of the share of written facts the drafts state.
const MIN_RECALL: f64 = 0.95;
/// The ceiling of the share of drafted facts the pages do not have.
const MAX_INVENTION: f64 = 0.02;

#[test]
fn the_drafting_corpus_is_drafted_with_its_facts_and_no_invented_ones() {
    let scores = draft_score::score_all().unwrap();
    let mut report = Vec::new();
    for s in &scores {
        let name = s.page.display();
        if let Some(why) = s.misplaced() {
            report.push(format!("{name}: {why}"));
        }
        for f in s.missed() {
            report.push(format!("{name}: missed `{f}`"));
        }
        for f in s.invented() {
            report.push(format!("{name}: invented `{f}`"));
        }
    }
    let totals = Totals::of(&scores);
    // Printed so that `cargo test --test it draft_family -- --nocapture` shows the figures.
    println!("draft family: {}", totals.row());
    for line in &report {
        println!("  {line}");
    }
    let misplaced: Vec<String> = scores
        .iter()
        .filter_map(|s| s.misplaced().map(|w| format!("{}: {w}", s.page.display())))
        .collect();
    assert!(misplaced.is_empty(), "{}", misplaced.join("\n"));
    assert!(
        totals.recall() >= MIN_RECALL && totals.invention() <= MAX_INVENTION,
        "{}\n{}",
        totals.row(),
        report.join("\n")
    );
}

#[test]
fn every_corpus_page_has_facts_that_cite_their_source() {
    let pages = draft_score::pages().unwrap();
    assert!(pages.len() >= 25, "{} pages", pages.len());
    for (page, facts) in pages {
        let v: Value = serde_saphyr::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
        let src = &v["source"];
        for key in ["repository", "path", "commit"] {
            assert!(src[key].is_string(), "{}: source.{key}", facts.display());
        }
        let commit = src["commit"].as_str().unwrap();
        assert!(
            commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{}: commit `{commit}`",
            facts.display()
        );
        let outcome = v["outcome"].as_str().unwrap_or("");
        assert!(
            outcome == "draft" || (outcome == "refuse" && v["refusal"].is_string()),
            "{}: outcome `{outcome}` (draft, or refuse with its refusal words)",
            page.display()
        );
    }
}
