//! An error and its causes on one line, the way every message of the
//! harness shows them: `outer: cause: root cause`, a cause left out when an
//! outer message already holds its text.

/// `e` and each of its sources, joined with `: `.
pub fn one_line(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("failed to load report old.json")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn causes_follow_and_repeats_are_left_out() {
        let e = Outer(std::io::Error::other("expected value at line 2 column 11"));
        assert_eq!(
            one_line(&e),
            "failed to load report old.json: expected value at line 2 column 11"
        );
        let same = Outer(std::io::Error::other("failed to load report old.json"));
        assert_eq!(one_line(&same), "failed to load report old.json");
    }
}
