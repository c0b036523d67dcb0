//! reStructuredText pages generated from route definitions (the GNS3
//! server's API pages): the method line is a section title, with emphasis on
//! its variables (`POST /v2/compute/projects/**{project_id}**/…/reload`), the
//! path parameters and the response status codes are `- **name**: text`
//! list items under "Parameters" and "Response status codes".

use super::facts::{Cite, Facts, Field, MethodLine, StatusRow};
use super::fields::{leading_code, method_line, states_in};
use super::rst::{self, Section};

pub const FORMAT: &str = "reStructuredText with the method line as its title";

/// The section whose title is a method line, if any.
fn method_section(lines: &[&str]) -> Option<(Section, String, String)> {
    rst::sections(lines).into_iter().find_map(|s| {
        let (method, path) = method_line(&s.title)?;
        Some((s, method, path))
    })
}

pub fn detect(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    method_section(&lines).is_some()
}

/// `- **name**: text` ──► (name, text).
fn item(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix("- **")?;
    let (name, text) = rest.split_once("**")?;
    let text = text.trim_start().strip_prefix(':').unwrap_or(text).trim();
    Some((name.to_owned(), text.to_owned()))
}

pub fn read(text: &str) -> Facts {
    let lines: Vec<&str> = text.lines().collect();
    let secs = rst::sections(&lines);
    let mut f = Facts {
        format: FORMAT,
        ..Facts::default()
    };
    if let Some((sec, method, path)) = method_section(&lines) {
        let line = sec.start.saturating_sub(1);
        f.title = lines[sec.start..sec.end]
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !l.starts_with(".."))
            .map(str::to_owned);
        f.methods.push(MethodLine {
            method,
            path,
            cite: Cite::new(sec.title.clone(), line),
        });
    }
    for sec in &secs {
        let title = sec.title.to_ascii_lowercase();
        let items = lines[sec.start..sec.end]
            .iter()
            .enumerate()
            .filter_map(|(k, l)| item(l).map(|(n, t)| (sec.start + k + 1, n, t)));
        if title == "parameters" {
            f.uri_params_cite = Some(Cite::new(sec.title.clone(), sec.start + 1));
            for (line, name, text) in items {
                f.uri_params.push(Field {
                    name,
                    description: text,
                    cite: Cite::new(sec.title.clone(), line),
                    ..Field::default()
                });
            }
        } else if title.contains("status code") {
            f.statuses_cite = Some(Cite::new(sec.title.clone(), sec.start + 1));
            for (line, code, text) in items {
                if let Some(code) = leading_code(&code) {
                    f.statuses.push(StatusRow { code, text, line });
                }
            }
        }
    }
    f.states = states_in(&lines, "description");
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_method_line_and_the_listed_codes_are_read() {
        let page = "/x/{a}/reload\n-------------\n\nPOST /x/**{a}**/reload\n~~~~~~~~~~~~~~~~~~~~~~~\nRestart it\n\nParameters\n**********\n- **a**: A UUID\n\nResponse status codes\n*********************\n- **204**: Restarted\n- **404**: Not found\n";
        assert!(detect(page));
        let f = read(page);
        assert_eq!(f.methods[0].path, "/x/{a}/reload");
        assert_eq!(f.title.as_deref(), Some("Restart it"));
        assert_eq!(f.uri_params[0].name, "a");
        let codes: Vec<u16> = f.statuses.iter().map(|s| s.code).collect();
        assert_eq!(codes, [204, 404]);
        assert_eq!(f.statuses[1].line, 15);
    }
}
