//! Filling URI templates with path variables.

use std::collections::BTreeMap;

/// Replaces every `{name}` in `template` with its value, percent-encoding
/// characters that are not allowed in a path segment. `None` when a variable
/// has no value.
pub fn fill(template: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let value = vars.get(&after[..close])?;
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_encodes() {
        let vars = BTreeMap::from([
            ("a".to_string(), "x y".to_string()),
            ("b".to_string(), "v1.0".to_string()),
        ]);
        assert_eq!(
            fill("/{b}/{a}/action", &vars).as_deref(),
            Some("/v1.0/x%20y/action")
        );
        assert_eq!(fill("/{c}", &vars), None);
    }
}
