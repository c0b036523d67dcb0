//! `specs draft` over the drafting corpus, measured.
//!
//! `cargo bench --bench draft_family` drafts every page of
//! `fixtures/docs/family/` and compares each draft with the facts a person
//! wrote from the page, as `tests/it/draft_family.rs` does, then prints the
//! row: pages drafted and refused, the share of written facts the drafts
//! state (recall), the share of drafted facts the pages do not have
//! (invention), and the time to draft the whole corpus. Any page drafted or
//! refused against its facts file, and every missed or invented fact, is
//! listed under the row.
//!
//! Timings live here, never in tests.

#[path = "../tests/it/draft_score.rs"]
mod draft_score;

use std::time::Instant;

use draft_score::Totals;

/// Rounds of the whole corpus timed; the first score is the one printed.
const ROUNDS: u32 = 10;

fn main() {
    let scores = match draft_score::score_all() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    for _ in 0..ROUNDS {
        if let Err(e) = draft_score::score_all() {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
    let per_round = start.elapsed() / ROUNDS;
    let totals = Totals::of(&scores);
    println!(
        "draft family: {}; {:.1} ms to draft and score the corpus ({:.2} ms a page, mean of {ROUNDS} rounds)",
        totals.row(),
        per_round.as_secs_f64() * 1000.0,
        per_round.as_secs_f64() * 1000.0 / totals.pages.max(1) as f64
    );
    for s in &scores {
        let name = s.page.display();
        if let Some(why) = s.misplaced() {
            println!("  {name}: {why}");
        }
        for f in s.missed() {
            println!("  {name}: missed `{f}`");
        }
        for f in s.invented() {
            println!("  {name}: invented `{f}`");
        }
    }
}
