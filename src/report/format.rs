//! Human-readable durations and case ordering, shared by the Markdown and HTML pages.

use super::contract::{CaseOutcome, CaseReport, CheckOutcome};

/// `850 ms`, `3.4 s`, `2 min 05 s`.
pub fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{}.{} s", ms / 1_000, (ms % 1_000) / 100)
    } else {
        let s = ms / 1_000;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// How many should-level findings a case has.
pub fn warnings(case: &CaseReport) -> usize {
    case.checks
        .iter()
        .filter(|k| k.outcome == CheckOutcome::Warning)
        .count()
}

/// Reading order: failed and errored cases first, then passes with warnings, then clean passes,
/// then skips. Report order is kept within each rank.
pub fn rank(case: &CaseReport) -> u8 {
    match case.outcome {
        CaseOutcome::Failed | CaseOutcome::Errored => 0,
        CaseOutcome::Passed if warnings(case) > 0 => 1,
        CaseOutcome::Passed => 2,
        CaseOutcome::Skipped => 3,
    }
}

/// The first line of `text`, cut at `max` characters with an ellipsis.
pub fn one_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim_end();
    let mut out: String = line.chars().take(max).collect();
    if line.chars().count() > max || text.trim_end().contains('\n') {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(3_456), "3.4 s");
        assert_eq!(duration(125_000), "2 min 05 s");
    }

    #[test]
    fn one_line_cuts_and_marks() {
        assert_eq!(one_line("short", 10), "short");
        assert_eq!(one_line("abcdefghijkl", 5), "abcde…");
        assert_eq!(one_line("first\nsecond", 50), "first…");
        assert_eq!(one_line("", 5), "");
    }
}
